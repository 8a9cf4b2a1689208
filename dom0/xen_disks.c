/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "util.h"
#include "xen_disks.h"

static int regular_file(const char *path)
{
        struct stat st;

        if (lstat(path, &st) < 0)
                return -errno;
        return S_ISREG(st.st_mode) ? 0 : -EEXIST;
}

static int fsync_parent(const char *path)
{
        char dir[PATH_MAX];
        char *slash;

        snprintf(dir, sizeof(dir), "%s", path);
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = '\0';
        return bh_fsync_dir(dir);
}

/* A new sparse file of BYTES; durable when KEEP (a private volume must not
 * vanish with a crash right after its first start). */
static int make_sparse(const char *path, unsigned long long bytes, bool keep)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int r = 0;

        if (fd < 0)
                return -errno;
        if (bytes > (unsigned long long)INT64_MAX)
                r = -EFBIG;
        else if (ftruncate(fd, (off_t)bytes) < 0)
                r = -errno;
        else if (keep && fsync(fd) < 0)
                r = -errno;
        else if (keep)
                r = fsync_parent(path);
        if (r < 0)
                unlink(path);
        return r;
}

int bh_xen_volume_grow(const char *path, unsigned long long bytes)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        struct stat st;

        if (fd < 0)
                return errno == ELOOP || errno == EISDIR ? -EEXIST : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EEXIST;
        if (bytes > (unsigned long long)INT64_MAX)
                return -EFBIG;
        if ((unsigned long long)st.st_size > bytes)
                return -ERANGE;
        if ((unsigned long long)st.st_size == bytes)
                return 0;
        /* The size is the volume's: it must not fall back after a crash
         * while the domain's filesystem is grown to it. */
        if (ftruncate(fd, (off_t)bytes) < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

static int prepare_one(const struct bh_xen_disk *d)
{
        int r;

        switch (d->kind) {
        case BH_XEN_DISK_SHARED_RO:
                return regular_file(d->target);
        case BH_XEN_DISK_KEEP:
                r = regular_file(d->target);
                if (r == 0) {
                        r = bh_xen_volume_grow(d->target, d->bytes);
                        return r == -ERANGE ? 0 : r;
                }
                if (r != -ENOENT)
                        return r;
                /* The first start: the domain formats a blank volume itself,
                 * so dom0 never parses a filesystem a domain has written. */
                return make_sparse(d->target, d->bytes, true);
        case BH_XEN_DISK_FRESH:
                if (unlink(d->target) < 0 && errno != ENOENT)
                        return -errno;
                return make_sparse(d->target, d->bytes, false);
        }
        return -EINVAL;
}

int bh_xen_disks_prepare(const struct bh_xen_plan *p)
{
        for (unsigned i = 0; i < p->ndisks; i++) {
                int r = prepare_one(&p->disks[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

bool bh_xen_disk_own(const struct bh_xen_disk *d)
{
        return d->kind == BH_XEN_DISK_KEEP || d->kind == BH_XEN_DISK_FRESH;
}

/* TEXT is a loop device's backing_file: "PATH\n", or "PATH (deleted)\n". */
static bool backing_is(const char *text, const char *path)
{
        size_t n = strlen(path);

        if (strncmp(text, path, n) != 0)
                return false;
        return strcmp(text + n, "\n") == 0 || strcmp(text + n, " (deleted)\n") == 0 || !text[n];
}

int bh_loop_find(const char *sysblock, const char *path, char (*names)[BH_LOOP_NAME_MAX], size_t max,
                 size_t *ret_n)
{
        DIR *dir = opendir(sysblock);
        struct dirent *de;
        size_t n = 0;
        int r = 0;

        *ret_n = 0;
        if (!dir)
                return -errno;
        while ((de = readdir(dir))) {
                char file[BH_LOOP_NAME_MAX + 32], text[PATH_MAX + 16];

                if (strncmp(de->d_name, "loop", 4) != 0 || strlen(de->d_name) >= BH_LOOP_NAME_MAX)
                        continue;
                /* An unbound device has no loop/backing_file. */
                snprintf(file, sizeof(file), "%s/loop/backing_file", de->d_name);
                if (bh_read_small_at(dirfd(dir), file, text, sizeof(text)) < 0 || !backing_is(text, path))
                        continue;
                if (n == max) {
                        r = -ENOBUFS;
                        break;
                }
                snprintf(names[n++], BH_LOOP_NAME_MAX, "%s", de->d_name);
        }
        closedir(dir);
        *ret_n = n;
        return r;
}

/* LOOP_CLR_FD, as losetup -d: a device still open (blkback holding it)
 * is detached at its last close. */
static int loop_detach(const char *name)
{
        char dev[BH_LOOP_NAME_MAX + 8];
        _cleanup_close_ int fd = -1;

        snprintf(dev, sizeof(dev), "/dev/%s", name);
        fd = open(dev, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (ioctl(fd, LOOP_CLR_FD, 0) < 0)
                return errno == ENXIO ? 0 : -errno;
        return 0;
}

static int release_one(const char *target, const char *sysblock, unsigned *detached)
{
        char names[8][BH_LOOP_NAME_MAX];
        _cleanup_free_ char *canonical = realpath(target, NULL);
        size_t n;
        int r, k;

        /* The kernel names the file by its canonical path. */
        r = bh_loop_find(sysblock, canonical ? canonical : target, names, ELEMENTSOF(names), &n);
        if (r < 0 && r != -ENOBUFS)
                return r;
        for (size_t i = 0; i < n; i++) {
                if ((k = loop_detach(names[i])) < 0)
                        return k;
                (*detached)++;
        }
        /* More than fit: another pass finds the rest. */
        return r == -ENOBUFS ? release_one(target, sysblock, detached) : 0;
}

int bh_xen_disks_release(const struct bh_xen_plan *p, const char *sysblock, unsigned *ret_detached)
{
        int r = 0;

        *ret_detached = 0;
        for (unsigned i = 0; i < p->ndisks; i++) {
                int k = bh_xen_disk_own(&p->disks[i]) ? release_one(p->disks[i].target, sysblock, ret_detached) : 0;
                if (k < 0 && r == 0)
                        r = k;
        }
        return r;
}
