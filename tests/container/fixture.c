/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "util.h"

int fx_write(const char *path, const char *text, mode_t mode)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        size_t n = strlen(text);

        if (fd < 0)
                return -errno;
        if (write(fd, text, n) != (ssize_t)n)
                return -EIO;
        return fchmod(fd, mode) < 0 ? -errno : 0;
}

int fx_copy(const char *src, const char *dst, mode_t mode)
{
        _cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int out = -1;
        char buf[65536];
        ssize_t n;

        if (in < 0)
                return -errno;
        unlink(dst);
        out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (out < 0)
                return -errno;
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, n) != n)
                        return -EIO;
        if (n < 0)
                return -errno;
        return fchmod(out, mode) < 0 ? -errno : 0;
}

int fx_make_template(const char *dir)
{
        static const struct {
                const char *path;
                mode_t mode;
        } dirs[] = {
                { "", 0755 },     { "usr", 0755 }, { "etc", 0755 },  { "home", 0755 },
                { "root", 0700 }, { "tmp", 01777 }, { "proc", 0555 }, { "dev", 0755 },
                { "run", 0755 },  { "var", 0755 },  { "var/tmp", 01777 }, { "mnt", 0755 },
        };
        static const char *const links[] = { "bin", "lib", "lib64", "sbin" };
        static const struct {
                const char *path, *text;
        } files[] = {
                { "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                "user:x:1000:1000:user:/home/user:/bin/sh\n"
                                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
                { "etc/group", "root:x:0:\ntty:x:5:\nuser:x:1000:\nnogroup:x:65534:\n" },
                { "etc/hosts", "127.0.0.1 localhost\n::1 localhost\n" },
                { "etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n" },
        };
        char path[PATH_MAX], target[PATH_MAX];
        int r;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, dirs[i].path);
                if (mkdir(path, dirs[i].mode) < 0 && errno != EEXIST)
                        return -errno;
                if (chmod(path, dirs[i].mode) < 0)
                        return -errno;
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, links[i]);
                snprintf(target, sizeof(target), "usr/%s", links[i]);
                unlink(path);
                if (symlink(target, path) < 0)
                        return -errno;
        }
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, files[i].path);
                if ((r = fx_write(path, files[i].text, 0644)) < 0)
                        return r;
        }
        snprintf(path, sizeof(path), "%s/etc/ld.so.cache", dir);
        return fx_copy("/etc/ld.so.cache", path, 0644);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
        (void)st;
        (void)f;
        if (type == FTW_DP)
                return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
        return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int fx_rm_rf(const char *path)
{
        if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

char *fx_builddir(void)
{
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        if (n < 0)
                return NULL;
        exe[n] = '\0';
        for (int i = 0; i < 3; i++) {
                char *slash = strrchr(exe, '/');
                if (!slash)
                        return NULL;
                *slash = '\0';
        }
        return strdup(exe);
}
