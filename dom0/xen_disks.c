/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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

static int prepare_one(const struct bh_xen_disk *d)
{
        int r;

        switch (d->kind) {
        case BH_XEN_DISK_SHARED_RO:
                return regular_file(d->target);
        case BH_XEN_DISK_KEEP:
                r = regular_file(d->target);
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
