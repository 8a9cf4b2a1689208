/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers every part of the project uses: cleanup attributes, logging. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline void bh_freep(void *p)
{
        free(*(void **)p);
}

static inline void bh_closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void bh_fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(bh_freep)))
#define _cleanup_close_ __attribute__((cleanup(bh_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(bh_fclosep)))

/* Hands a descriptor over to the caller so cleanup leaves it open. */
static inline int bh_take_fd(int *fd)
{
        int r = *fd;
        *fd = -1;
        return r;
}

static inline void *bh_take_ptr(void *pp)
{
        void **p = pp;
        void *r = *p;
        *p = NULL;
        return r;
}
#define TAKE_PTR(p) bh_take_ptr(&(p))
#define TAKE_FD(fd) bh_take_fd(&(fd))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Milliseconds on CLOCK_MONOTONIC: for deadlines, which wall-clock steps
 * must not move. */
static inline int64_t bh_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One line per failure, naming the program and the object it concerns:
 *   bh_log_error("domain %s: start failed: %s", name, strerror(-r));
 * The program name is set once with bh_log_init().
 */
void bh_log_init(const char *program);
void bh_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bh_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and returns r (a negative errno), for `return bh_log_errno(r, ...)`. */
int bh_log_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
