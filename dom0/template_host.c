/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `host` template: a root directory whose /usr is left empty for the
 * container backend to bind the host's /usr over read-only at start, with
 * just enough /etc for a shell, Xvfb and the agents.  Instant to make, no
 * download: the quick start's template.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "registry.h"
#include "template_host.h"
#include "util.h"

/* ld.so.cache is a few hundred KiB; a bigger one is not what we think. */
#define LDSO_CACHE_MAX (16u << 20)
#define HOST_OS_ID "ID=bulkhead-host\n"

static const struct {
        const char *path;
        mode_t mode;
} dirs[] = {
        { "usr", 0755 },     { "etc", 0755 },     { "proc", 0555 },      { "sys", 0555 },
        { "dev", 0755 },     { "run", 0755 },     { "tmp", 01777 },      { "home", 0755 },
        { "root", 0700 },    { "mnt", 0755 },     { "media", 0755 },     { "opt", 0755 },
        { "srv", 0755 },     { "var", 0755 },     { "var/tmp", 01777 },  { "var/lib", 0755 },
        { "var/cache", 0755 }, { "var/log", 0755 }, { "var/lib/xkb", 0755 },
};

/* Debian's merged /usr; bulkhead binds the host's /usr, so these resolve. */
static const struct {
        const char *path, *target;
} links[] = {
        { "bin", "usr/bin" },
        { "sbin", "usr/sbin" },
        { "lib", "usr/lib" },
        { "lib64", "usr/lib64" },
        { "etc/mtab", "../proc/self/mounts" },
        { "etc/localtime", "../usr/share/zoneinfo/Etc/UTC" },
};

static const struct {
        const char *path;
        mode_t mode;
        const char *text;
} files[] = {
        { "etc/passwd", 0644,
          "root:x:0:0:root:/root:/bin/bash\n"
          "user:x:1000:1000:user:/home/user:/bin/bash\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
        { "etc/group", 0644,
          "root:x:0:\n"
          "tty:x:5:\n"
          "users:x:100:user\n"
          "user:x:1000:\n"
          "nogroup:x:65534:\n" },
        { "etc/hosts", 0644,
          "127.0.0.1\tlocalhost\n"
          "::1\tlocalhost ip6-localhost ip6-loopback\n" },
        /* The backend sets the UTS name to the domain's name; this file is
         * only for tools that read it instead. */
        { "etc/hostname", 0644, "localhost\n" },
        { "etc/nsswitch.conf", 0644,
          "passwd:    files\n"
          "group:     files\n"
          "shadow:    files\n"
          "hosts:     files dns\n"
          "networks:  files\n"
          "protocols: files\n"
          "services:  files\n"
          "ethers:    files\n"
          "rpc:       files\n" },
        /* dom0's fixed DNS address: the netvm chain forwards it to the
         * real resolver, or to Tor (docs/networking.md). */
        { "etc/resolv.conf", 0644, "nameserver 10.139.1.1\n" },
        { "etc/os-release", 0644,
          "PRETTY_NAME=\"Bulkhead host template (the host's /usr, read-only)\"\n"
          "NAME=\"Bulkhead host template\"\n"
          HOST_OS_ID
          "ID_LIKE=debian\n"
          "VARIANT_ID=host\n" },
};

static int copy_file_at(const char *src, int at, const char *dst, mode_t mode)
{
        _cleanup_close_ int in = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        in = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (in < 0)
                return -errno;
        if (fstat(in, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > LDSO_CACHE_MAX)
                return -EINVAL;
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n <= (size_t)st.st_size) {
                ssize_t k = read(in, buf + n, (size_t)st.st_size + 1 - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        if (n != (size_t)st.st_size)
                return -EAGAIN; /* changed while we read it (ldconfig running) */
        return bh_write_file_atomic_at(at, dst, buf, n, mode);
}

/* Debian names many commands (awk, pager, editor, x-terminal-emulator)
 * through /etc/alternatives; the host's /usr is only usable with the host's
 * choices there.  Only the symlinks are copied: they point into /usr. */
static int copy_alternatives(int rfd)
{
        DIR *d = opendir("/etc/alternatives");
        struct dirent *de;
        int r = 0;

        if (mkdirat(rfd, "etc/alternatives", 0755) < 0)
                r = -errno;
        if (!d)
                return r < 0 ? r : 0;
        while (r == 0 && (de = readdir(d))) {
                char target[PATH_MAX], path[NAME_MAX + 32];
                ssize_t n;

                if (de->d_type != DT_LNK)
                        continue;
                n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (n < 0)
                        continue;
                target[n] = '\0';
                snprintf(path, sizeof(path), "etc/alternatives/%s", de->d_name);
                if (symlinkat(target, rfd, path) < 0)
                        r = -errno;
        }
        closedir(d);
        return r;
}

static int populate(int rfd)
{
        int r;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                if (mkdirat(rfd, dirs[i].path, dirs[i].mode) < 0)
                        return bh_log_errno(-errno, "host template: mkdir %s", dirs[i].path);
                /* mkdir's mode passes through the umask; the sticky bit and
                 * 1777 must not. */
                if (fchmodat(rfd, dirs[i].path, dirs[i].mode, 0) < 0)
                        return -errno;
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i].target, rfd, links[i].path) < 0)
                        return bh_log_errno(-errno, "host template: symlink %s", links[i].path);
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                r = bh_write_file_atomic_at(rfd, files[i].path, files[i].text,
                                            strlen(files[i].text), files[i].mode);
                if (r < 0)
                        return bh_log_errno(r, "host template: writing %s", files[i].path);
        }
        /* The domain runs the host's binaries against the host's libraries;
         * the host's cache lets ld.so find them as it does on the host. */
        r = copy_file_at("/etc/ld.so.cache", rfd, "etc/ld.so.cache", 0644);
        if (r < 0 && r != -ENOENT)
                return bh_log_errno(r, "host template: copying /etc/ld.so.cache");
        r = copy_alternatives(rfd);
        if (r < 0)
                return bh_log_errno(r, "host template: copying /etc/alternatives");
        return 0;
}

static bool has_host_os_id(int rfd)
{
        _cleanup_close_ int fd = openat(rfd, "etc/os-release", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char buf[1024];
        ssize_t n;

        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        return strstr(buf, "\n" HOST_OS_ID) != NULL;
}

/* 1 if dir is missing or an empty directory (a rename can take its place),
 * 0 if it already holds a host root, -EEXIST for anything else. */
static int existing_state(const char *dir)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        DIR *d;
        struct dirent *de;
        bool empty = true;

        if (lstat(dir, &st) < 0)
                return errno == ENOENT ? 1 : -errno;
        if (!S_ISDIR(st.st_mode))
                return -EEXIST;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (has_host_os_id(fd))
                return 0;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -1;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        empty = false;
        closedir(d);
        return empty ? 1 : -EEXIST;
}

static void rm_tmp_dir(char **p)
{
        if (*p) {
                bh_rm_rf_at(AT_FDCWD, *p);
                free(*p);
        }
}

int bh_template_host_make_root(const char *dir)
{
        __attribute__((cleanup(rm_tmp_dir))) char *tmp = NULL;
        _cleanup_free_ char *dcopy = NULL, *bcopy = NULL;
        _cleanup_close_ int rfd = -1;
        const char *parent, *base;
        int r;

        r = existing_state(dir);
        if (r <= 0)
                return r;

        dcopy = strdup(dir);
        bcopy = strdup(dir);
        if (!dcopy || !bcopy)
                return -ENOMEM;
        parent = dirname(dcopy);
        base = basename(bcopy);
        if (asprintf(&tmp, "%s/.%s.tmp-XXXXXX", parent, base) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        if (!mkdtemp(tmp)) {
                r = -errno;
                free(TAKE_PTR(tmp));
                return r;
        }
        rfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (rfd < 0)
                return -errno;
        r = populate(rfd);
        if (r < 0)
                return r;
        if (fchmod(rfd, 0755) < 0 || syncfs(rfd) < 0)
                return -errno;
        /* rename() replaces a missing or empty directory in one step, so
         * nobody ever sees a half-made root at dir. */
        if (rename(tmp, dir) < 0) {
                r = -errno;
                if (r == -ENOTEMPTY || r == -EEXIST)
                        return existing_state(dir) == 0 ? 0 : -EEXIST; /* someone else won */
                return r;
        }
        free(TAKE_PTR(tmp));
        return bh_fsync_dir(parent);
}

static void rm_staging(char **p)
{
        if (*p) {
                int r = bh_rm_rf_at(AT_FDCWD, *p);

                if (r < 0 && r != -ENOENT)
                        bh_log_errno(r, "removing %s", *p);
                free(*p);
        }
}

/* A new version: a host root, customized by script when there is one, and
 * its template.conf; committed only when all of that worked. */
static int build_version(const char *state_dir, const char *name, const char *customize, char *err,
                         size_t errlen)
{
        __attribute__((cleanup(rm_staging))) char *staging = NULL;
        _cleanup_free_ char *root = NULL;
        _cleanup_close_ int sfd = -1;
        struct bh_template_conf c;
        char text[BH_TEMPLATE_CONF_MAX], why[BH_REGISTRY_ERR_MAX];
        unsigned version;
        size_t len;
        int r;

        r = bh_template_version_new(state_dir, name, &version, &staging);
        if (r < 0)
                return bh_log_errno(r, "template %s: new version", name);
        if (asprintf(&root, "%s/root", staging) < 0) {
                root = NULL;
                return -ENOMEM;
        }
        r = bh_template_host_make_root(root);
        if (r < 0)
                return bh_log_errno(r, "template %s: making %s", name, root);
        if (customize) {
                bh_log_info("template %s: customizing v%u with %s", name, version, customize);
                r = bh_template_customize_run(customize, root, BH_TEMPLATE_CUSTOMIZE_TIMEOUT_MS, err,
                                              errlen);
                if (r < 0) {
                        /* The staging directory goes with rm_staging. */
                        bh_log_error("template %s: %s; the current version is unchanged", name, err);
                        return r;
                }
        }

        c = (struct bh_template_conf){ .kind = BH_TEMPLATE_HOST, .created = (int64_t)time(NULL) };
        snprintf(c.name, sizeof(c.name), "%s", name);
        snprintf(c.usr_bind, sizeof(c.usr_bind), "/usr");
        r = bh_template_conf_format(&c, text, sizeof(text), &len, why, sizeof(why));
        if (r < 0)
                return bh_log_errno(r, "template %s: template.conf: %s", name, why);
        sfd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (sfd < 0)
                return -errno;
        r = bh_write_file_atomic_at(sfd, "template.conf", text, len, 0644);
        if (r < 0)
                return bh_log_errno(r, "template %s: writing template.conf", name);
        /* What the script wrote is durable before the version is current. */
        if ((customize && syncfs(sfd) < 0) || fsync(sfd) < 0)
                return -errno;
        r = bh_template_version_commit(state_dir, name, version);
        if (r < 0)
                return bh_log_errno(r, "template %s: switching to v%u", name, version);
        free(TAKE_PTR(staging)); /* committed: it is vN now, keep it */
        return 0;
}

int bh_template_host_build(const char *state_dir, const char *name, const char *customize,
                           char *err, size_t errlen)
{
        struct bh_template_conf c;
        char why[BH_REGISTRY_ERR_MAX];
        int r;

        if (err && errlen)
                err[0] = '\0';
        r = bh_name_check(name, why, sizeof(why));
        if (r < 0) {
                snprintf(err, errlen, "%s", why);
                return r;
        }
        r = bh_template_conf_load(state_dir, name, &c, NULL, why, sizeof(why));
        if (r == 0 && c.kind != BH_TEMPLATE_HOST) {
                snprintf(err, errlen, "template %s is not a host template", name);
                return -EEXIST;
        }
        if (r == 0 && !customize)
                return 0;
        if (r < 0 && r != -ENOENT)
                return bh_log_errno(r, "template %s: %s", name, r == -EINVAL ? why : "template.conf");
        return build_version(state_dir, name, customize, err, errlen);
}

int bh_template_host_prepare(const char *state_dir, const char *name)
{
        char err[BH_REGISTRY_ERR_MAX];

        return bh_template_host_build(state_dir, name, NULL, err, sizeof(err));
}
