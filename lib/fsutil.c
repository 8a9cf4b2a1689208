/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "util.h"

/* Deep trees are fine; the bound only stops a pathological (or hostile)
 * nesting from exhausting descriptors. */
#define RM_MAX_DEPTH 256

static int rm_tree(int at, const char *name, dev_t dev, int depth)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(at, name, 0) < 0 ? -errno : 0;
        if (st.st_dev != dev)
                return -EXDEV;
        if (depth > RM_MAX_DEPTH)
                return -ELOOP;
        fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        /* overlayfs leaves its work directory mode 000: as an ordinary
         * user it must be opened up before it can be emptied. */
        if (fd < 0 && errno == EACCES && fchmodat(at, name, 0700, 0) == 0)
                fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -1; /* owned by d now */
        while ((errno = 0, de = readdir(d))) {
                int k;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                k = rm_tree(dirfd(d), de->d_name, dev, depth + 1);
                if (k < 0 && k != -ENOENT && r == 0)
                        r = k;
        }
        if (errno && r == 0)
                r = -errno;
        closedir(d);
        if (r < 0)
                return r;
        return unlinkat(at, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

int bh_rm_rf_at(int at, const char *name)
{
        struct stat st;

        if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return rm_tree(at, name, st.st_dev, 0);
}

int bh_rm_rf(const char *path)
{
        int r = bh_rm_rf_at(AT_FDCWD, path);

        return r == -ENOENT ? 0 : r;
}

int bh_fsync_dir(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

int bh_write_file_atomic_at(int at, const char *name, const void *data, size_t len,
                            unsigned mode)
{
        char tmp[512];
        _cleanup_close_ int fd = -1;
        const char *p = data;
        const char *slash;
        uint64_t rnd = 0;

        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                rnd = (uint64_t)getpid();
        /* The temp file goes in the same directory as name, so the rename
         * stays within one directory and one file system. */
        slash = strrchr(name, '/');
        if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp-%016llx",
                             slash ? (int)(slash - name + 1) : 0, name, slash ? slash + 1 : name,
                             (unsigned long long)rnd) >= sizeof(tmp))
                return -ENAMETOOLONG;
        fd = openat(at, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        /* The umask must not decide a template's /etc/passwd mode. */
        if (fchmod(fd, mode) < 0)
                goto fail;
        while (len > 0) {
                ssize_t w = write(fd, p, len);

                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        goto fail;
                }
                p += w;
                len -= (size_t)w;
        }
        if (fsync(fd) < 0 || renameat(at, tmp, at, name) < 0)
                goto fail;
        return 0;
fail:
        {
                int r = -errno;

                (void)unlinkat(at, tmp, 0);
                return r;
        }
}

int bh_read_small_at(int at, const char *name, char *buf, size_t len)
{
        _cleanup_close_ int fd = openat(at, name, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (len == 0)
                return -EINVAL;
        if (fd < 0)
                return -errno;
        n = read(fd, buf, len - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}
