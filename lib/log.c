/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "util.h"

static const char *log_program = "bulkhead";

void bh_log_init(const char *program)
{
        const char *slash = strrchr(program, '/');

        log_program = slash ? slash + 1 : program;
}

static void log_line(const char *fmt, va_list ap, const char *suffix)
{
        char line[1024];

        vsnprintf(line, sizeof(line), fmt, ap);
        /* One write per line keeps lines whole when processes share stderr. */
        if (suffix)
                dprintf(STDERR_FILENO, "%s: %s: %s\n", log_program, line, suffix);
        else
                dprintf(STDERR_FILENO, "%s: %s\n", log_program, line);
}

void bh_log_error(const char *fmt, ...)
{
        va_list ap;
        int saved = errno;

        va_start(ap, fmt);
        log_line(fmt, ap, NULL);
        va_end(ap);
        errno = saved;
}

void bh_log_info(const char *fmt, ...)
{
        va_list ap;
        int saved = errno;

        va_start(ap, fmt);
        log_line(fmt, ap, NULL);
        va_end(ap);
        errno = saved;
}

int bh_log_errno(int r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_line(fmt, ap, strerror(r < 0 ? -r : r));
        va_end(ap);
        return r < 0 ? r : -r;
}
