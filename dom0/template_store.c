/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Template versions on disk: STATE/templates/NAME/{vN,current}. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "registry.h"
#include "template_host.h"
#include "util.h"

#define CURRENT "current"
#define CURRENT_TMP ".current.tmp"
#define STAGING_PREFIX ".new-v"

/* "v12" -> 12; 0 for anything else (versions start at 1). */
static unsigned parse_version(const char *s)
{
        unsigned v = 0;

        if (s[0] != 'v' || s[1] < '1' || s[1] > '9')
                return 0;
        for (s++; *s; s++) {
                if (*s < '0' || *s > '9')
                        return 0;
                v = v * 10 + (unsigned)(*s - '0');
                if (v > BH_TEMPLATE_VERSION_MAX)
                        return 0;
        }
        return v;
}

static int open_template_dir(const char *state_dir, const char *name, bool create)
{
        char path[PATH_MAX];
        int fd;

        if (bh_name_check(name, NULL, 0) < 0)
                return -EINVAL;
        if ((size_t)snprintf(path, sizeof(path), "%s/templates", state_dir) >= sizeof(path))
                return -ENAMETOOLONG;
        if (create && mkdir(path, 0755) < 0 && errno != EEXIST)
                return -errno;
        if ((size_t)snprintf(path, sizeof(path), "%s/templates/%s", state_dir, name) >= sizeof(path))
                return -ENAMETOOLONG;
        if (create && mkdir(path, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? -errno : fd;
}

/* The version `current` points to; -ENOENT if none, -EINVAL if it points
 * anywhere but a vN next to it. */
static int current_version(int tfd, unsigned *ret)
{
        char target[32];
        ssize_t n = readlinkat(tfd, CURRENT, target, sizeof(target) - 1);
        unsigned v;

        if (n < 0)
                return errno == EINVAL ? -EINVAL : -errno;
        target[n] = '\0';
        v = parse_version(target);
        if (v == 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

char *bh_template_root_path(const char *state_dir, const char *name)
{
        _cleanup_close_ int tfd = open_template_dir(state_dir, name, false);
        unsigned v;
        char *s;

        /* Never build a path from a bad name; a start on this one fails
         * with ENOENT like any missing template. */
        if (bh_name_check(name, NULL, 0) < 0)
                name = ".invalid-name";
        if (tfd >= 0 && current_version(tfd, &v) == 0) {
                if (asprintf(&s, "%s/templates/%s/v%u/root", state_dir, name, v) < 0)
                        return NULL;
        } else if (asprintf(&s, "%s/templates/%s/" CURRENT "/root", state_dir, name) < 0) {
                return NULL;
        }
        return s;
}

int bh_template_conf_load(const char *state_dir, const char *name, struct bh_template_conf *ret,
                          unsigned *ret_version, char *err, size_t errlen)
{
        _cleanup_close_ int tfd = -1, fd = -1;
        char rel[64], path[PATH_MAX], buf[BH_TEMPLATE_CONF_MAX + 1];
        struct bh_template_conf c;
        size_t n = 0;
        unsigned v;
        int r;

        tfd = open_template_dir(state_dir, name, false);
        if (tfd < 0)
                return tfd;
        r = current_version(tfd, &v);
        if (r < 0)
                return r;
        snprintf(rel, sizeof(rel), "v%u/template.conf", v);
        snprintf(path, sizeof(path), "%s/templates/%s/%s", state_dir, name, rel);
        fd = openat(tfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        while (n < sizeof(buf)) {
                ssize_t k = read(fd, buf + n, sizeof(buf) - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        r = bh_template_conf_parse(buf, n, path, &c, err, errlen);
        if (r < 0)
                return r;
        if (strcmp(c.name, name) != 0) {
                if (err && errlen)
                        snprintf(err, errlen, "%s: name=%s, expected %s", path, c.name, name);
                return -EINVAL;
        }
        *ret = c;
        if (ret_version)
                *ret_version = v;
        return 0;
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* Calls fn for every entry of the template directory. */
static int for_each_entry(int tfd, int (*fn)(int tfd, const char *entry, void *data), void *data)
{
        __attribute__((cleanup(closedirp))) DIR *d = NULL;
        int fd = openat(tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((errno = 0, de = readdir(d))) {
                int r;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                r = fn(tfd, de->d_name, data);
                if (r < 0)
                        return r;
        }
        return errno ? -errno : 0;
}

static int max_version(int tfd, const char *entry, void *data)
{
        unsigned *max = data, v = parse_version(entry);

        if (v > *max)
                *max = v;
        return 0;
}

static int remove_staging(int tfd, const char *entry, void *data)
{
        if (strncmp(entry, STAGING_PREFIX, strlen(STAGING_PREFIX)) == 0 ||
            strcmp(entry, CURRENT_TMP) == 0) {
                int r = bh_rm_rf_at(tfd, entry);

                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int bh_template_version_new(const char *state_dir, const char *name, unsigned *ret_version,
                            char **ret_dir)
{
        _cleanup_close_ int tfd = -1;
        unsigned max = 0;
        char rel[32];
        int r;

        tfd = open_template_dir(state_dir, name, true);
        if (tfd < 0)
                return tfd;
        /* Only bulkheadd builds templates, one at a time: a staging
         * directory seen now is a crash's leftover. */
        r = for_each_entry(tfd, remove_staging, NULL);
        if (r < 0)
                return r;
        r = for_each_entry(tfd, max_version, &max);
        if (r < 0)
                return r;
        if (max >= BH_TEMPLATE_VERSION_MAX)
                return -EOVERFLOW;
        snprintf(rel, sizeof(rel), STAGING_PREFIX "%u", max + 1);
        if (mkdirat(tfd, rel, 0755) < 0)
                return -errno;
        if (asprintf(ret_dir, "%s/templates/%s/%s", state_dir, name, rel) < 0)
                return -ENOMEM;
        *ret_version = max + 1;
        return 0;
}

int bh_template_version_commit(const char *state_dir, const char *name, unsigned version)
{
        _cleanup_close_ int tfd = -1;
        char staging[32], final[32];

        if (version == 0 || version > BH_TEMPLATE_VERSION_MAX)
                return -EINVAL;
        tfd = open_template_dir(state_dir, name, false);
        if (tfd < 0)
                return tfd;
        snprintf(staging, sizeof(staging), STAGING_PREFIX "%u", version);
        snprintf(final, sizeof(final), "v%u", version);
        if (renameat(tfd, staging, tfd, final) < 0)
                return -errno;
        (void)unlinkat(tfd, CURRENT_TMP, 0);
        if (symlinkat(final, tfd, CURRENT_TMP) < 0)
                return -errno;
        /* rename() over the old symlink: a reader sees the old or the new
         * version, never no version. */
        if (renameat(tfd, CURRENT_TMP, tfd, CURRENT) < 0)
                return -errno;
        return fsync(tfd) < 0 ? -errno : 0;
}

struct prune {
        unsigned current, removed;
};

static int prune_one(int tfd, const char *entry, void *data)
{
        struct prune *p = data;
        unsigned v = parse_version(entry);
        int r;

        if (v == 0 || v == p->current)
                return 0;
        r = bh_rm_rf_at(tfd, entry);
        if (r < 0 && r != -ENOENT)
                return r;
        p->removed++;
        return 0;
}

int bh_template_prune(const char *state_dir, const char *name, unsigned *ret_removed)
{
        _cleanup_close_ int tfd = -1;
        struct prune p = { 0 };
        int r;

        tfd = open_template_dir(state_dir, name, false);
        if (tfd < 0)
                return tfd;
        r = current_version(tfd, &p.current);
        if (r < 0)
                return r; /* no current: nothing is known to be safe to keep */
        r = for_each_entry(tfd, remove_staging, NULL);
        if (r == 0)
                r = for_each_entry(tfd, prune_one, &p);
        if (ret_removed)
                *ret_removed = p.removed;
        if (r < 0)
                return r;
        return fsync(tfd) < 0 ? -errno : 0;
}

int bh_template_remove(const char *state_dir, const char *name)
{
        _cleanup_close_ int sfd = -1;
        char rel[BH_NAME_MAX + 16];
        int r;

        if (bh_name_check(name, NULL, 0) < 0)
                return -EINVAL;
        {
                char path[PATH_MAX];

                snprintf(path, sizeof(path), "%s/templates", state_dir);
                sfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sfd < 0)
                        return -errno;
        }
        snprintf(rel, sizeof(rel), "%s", name);
        r = bh_rm_rf_at(sfd, rel);
        if (r < 0)
                return r;
        return fsync(sfd) < 0 ? -errno : 0;
}
