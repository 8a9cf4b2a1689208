/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where bulkheadd keeps things (docs/api.md has the table):
 *   STATE/domains/NAME.conf           the registry (registry.c)
 *   STATE/templates/NAME/             template roots (template_host.c)
 *   STATE/volumes/NAME/private/       an app domain's /home, kept
 *   STATE/volumes/NAME/private.img    the same on Xen: an image file
 *   STATE/volatile/NAME/              one run's throw-away layers
 *   STATE/logs/NAME.log               console of the last run
 *   RUNTIME/bulkheadd.sock            the API
 *   RUNTIME/vchan/NAME/               the domain's channel sockets
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "fsutil.h"
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

char *path_firewall(struct daemon *dm, const char *name)
{
        char *s;
        if (asprintf(&s, "%s/firewall/%s.conf", dm->state_dir, name) < 0)
                return NULL;
        return s;
}

char *path_private(struct daemon *dm, const char *name)
{
        char *s;
        if (asprintf(&s, "%s/volumes/%s/private", dm->state_dir, name) < 0)
                return NULL;
        return s;
}

char *path_private_image(struct daemon *dm, const char *name)
{
        char *s;
        if (asprintf(&s, "%s/volumes/%s/private.img", dm->state_dir, name) < 0)
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
