/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where bulkheadd keeps things (docs/api.md has the table):
 *   STATE/domains/NAME.conf           the registry (registry.c)
 *   STATE/templates/NAME/             template roots (template_host.c)
 *   STATE/volumes/NAME/private/       an app domain's /home, kept
 *   STATE/volatile/NAME/              one run's throw-away layers
 *   STATE/logs/NAME.log               console of the last run
 *   RUNTIME/bulkheadd.sock            the API
 *   RUNTIME/vchan/NAME/               the domain's channel sockets
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "template_host.h"
#include "util.h"

char *path_registry_dir(struct daemon *dm)
{
        char *s;
        if (asprintf(&s, "%s/domains", dm->state_dir) < 0)
                return NULL;
        return s;
}

char *path_template_root(struct daemon *dm, const char *template_name)
{
        return bh_template_root_path(dm->state_dir, template_name);
}

char *path_private(struct daemon *dm, const char *name)
{
        char *s;
        if (asprintf(&s, "%s/volumes/%s/private", dm->state_dir, name) < 0)
                return NULL;
        return s;
}

char *path_volatile(struct daemon *dm, const char *name)
{
        char *s;
        if (asprintf(&s, "%s/volatile/%s", dm->state_dir, name) < 0)
                return NULL;
        return s;
}

char *path_vchan(struct daemon *dm, const char *name)
{
        char *s;
        if (asprintf(&s, "%s/vchan/%s", dm->runtime_dir, name) < 0)
                return NULL;
        return s;
}

char *path_console(struct daemon *dm, const char *name)
{
        char *s;
        if (asprintf(&s, "%s/logs/%s.log", dm->state_dir, name) < 0)
                return NULL;
        return s;
}

char *path_socket(const char *runtime_dir)
{
        char *s;
        if (asprintf(&s, "%s/bulkheadd.sock", runtime_dir) < 0)
                return NULL;
        return s;
}

int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
        (void)st;
        (void)f;
        if (type == FTW_DP)
                return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
        return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int rm_rf(const char *path)
{
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        /* FTW_MOUNT: a mount left inside (it should never be) is not entered,
         * so removal cannot reach through it into a private volume. */
        if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
                return -errno;
        return 0;
}
