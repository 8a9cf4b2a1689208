/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "recon_limits.h"
#include "recon_parse.h"
#include "recon_source.h"
#include "util.h"

static const char *rel(const char *path)
{
        while (*path == '/')
                path++;
        return *path ? path : ".";
}

int recon_src_open(struct recon_src *s, const char *root)
{
        struct stat st;

        s->snapfd = -1;
        s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->rootfd < 0)
                return -errno;
        /* Live when the prefix is the real root, however it is spelled. */
        if (fstat(s->rootfd, &st) == 0) {
                struct stat rs;

                s->live = stat("/", &rs) == 0 && rs.st_dev == st.st_dev && rs.st_ino == st.st_ino;
        }
        return 0;
}

void recon_src_close(struct recon_src *s)
{
        if (s->rootfd >= 0)
                close(s->rootfd);
        if (s->snapfd >= 0)
                close(s->snapfd);
        s->rootfd = s->snapfd = -1;
}

/* --- snapshot --------------------------------------------------------------- */

int recon_src_snapshot(struct recon_src *s, const char *dir)
{
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        s->snapfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return s->snapfd < 0 ? -errno : 0;
}

static bool snap_private(const char *path)
{
        static const char *const skip[] = { "product_serial", "product_uuid", "board_serial",
                                            "chassis_serial" };
        const char *base = strrchr(path, '/');

        base = base ? base + 1 : path;
        if (strncmp(path, "sys/class/dmi/id/", 17) != 0)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(skip); i++)
                if (strcmp(base, skip[i]) == 0)
                        return true;
        return false;
}

/* Creates the parent directories of path (relative) in the snapshot; an
 * empty marker file standing where a directory is needed gives way. */
static int snap_parents(const struct recon_src *s, const char *path)
{
        char buf[RECON_PATH_MAX];
        size_t n = strlen(path);

        if (n >= sizeof(buf) || strstr(path, ".."))
                return -EINVAL;
        memcpy(buf, path, n + 1);
        for (char *p = buf; (p = strchr(p, '/')); p++) {
                struct stat st;

                *p = 0;
                if (fstatat(s->snapfd, buf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
                    st.st_size == 0)
                        unlinkat(s->snapfd, buf, 0);
                if (mkdirat(s->snapfd, buf, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        return 0;
}

void recon_snap_write(const struct recon_src *s, const char *path, const void *data, size_t len)
{
        _cleanup_close_ int fd = -1;

        path = rel(path);
        if (s->snapfd < 0 || snap_private(path) || snap_parents(s, path) < 0)
                return;
        fd = openat(s->snapfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 && errno == EISDIR)
                return;
        if (fd >= 0 && len > 0 && write(fd, data, len) != (ssize_t)len)
                bh_log_error("snapshot %s: short write", path);
}

/* Something exists at path: make it exist in the snapshot too.  A
 * directory gets a ".keep" file so that git keeps it; a symlink that is not
 * a directory (namespace links) is copied; anything else is an empty file. */
static void snap_mark(const struct recon_src *s, const char *path, bool follow)
{
        struct stat st;
        char buf[RECON_PATH_MAX];
        ssize_t n;

        path = rel(path);
        if (s->snapfd < 0 || fstatat(s->snapfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return;
        if (follow && fstatat(s->rootfd, path, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
                snprintf(buf, sizeof(buf), "%s/.keep", path);
                recon_snap_write(s, buf, "", 0);
                return;
        }
        if (snap_parents(s, path) < 0)
                return;
        n = follow ? readlinkat(s->rootfd, path, buf, sizeof(buf) - 1) : -1;
        if (n > 0) {
                buf[n] = 0;
                if (symlinkat(buf, s->snapfd, path) == 0)
                        return;
        }
        recon_snap_write(s, path, "", 0);
}

static int open_regular(const struct recon_src *s, const char *path, bool allow_chr)
{
        _cleanup_close_ int fd = openat(s->rootfd, rel(path), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) && !(allow_chr && S_ISCHR(st.st_mode)))
                return -EINVAL;
        return TAKE_FD(fd);
}

ssize_t recon_read(const struct recon_src *s, const char *path, size_t cap, char **out, bool *truncated)
{
        _cleanup_close_ int fd = open_regular(s, path, false);
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;

        *out = NULL;
        if (truncated)
                *truncated = false;
        if (fd < 0)
                return fd;
        if (cap < 2)
                return -EINVAL;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        while (n < cap - 1) {
                ssize_t r = read(fd, buf + n, cap - 1 - n);

                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        break;
                n += (size_t)r;
        }
        if (n == cap - 1 && truncated) {
                char c;

                *truncated = read(fd, &c, 1) == 1;
        }
        buf[n] = 0;
        recon_snap_write(s, path, buf, n);
        *out = TAKE_PTR(buf);
        return (ssize_t)n;
}

int recon_read_line(const struct recon_src *s, const char *path, char *out, size_t out_size)
{
        _cleanup_free_ char *buf = NULL;
        ssize_t r = recon_read(s, path, RECON_SMALL_FILE_MAX, &buf, NULL);

        out[0] = 0;
        if (r < 0)
                return (int)r;
        recon_first_line(buf, out, out_size);
        return 0;
}

ssize_t recon_read_at(const struct recon_src *s, const char *path, uint64_t off, void *buf, size_t len)
{
        _cleanup_close_ int fd = open_regular(s, path, true);
        ssize_t r;

        if (fd < 0)
                return fd;
        if (off > (uint64_t)INT64_MAX)
                return -EINVAL;
        r = pread(fd, buf, len, (off_t)off);
        if (r < 0)
                return -errno;
        /* Firmware table headers: kept from offset 0 only (not the msr device). */
        if (off == 0 && strncmp(rel(path), "dev/", 4) != 0)
                recon_snap_write(s, path, buf, (size_t)r);
        return r;
}

bool recon_exists(const struct recon_src *s, const char *path)
{
        struct stat st;

        if (fstatat(s->rootfd, rel(path), &st, AT_SYMLINK_NOFOLLOW) != 0)
                return false;
        snap_mark(s, path, true);
        return true;
}

int recon_readlink(const struct recon_src *s, const char *path, char *out, size_t size)
{
        ssize_t r;

        if (size < 2)
                return -EINVAL;
        r = readlinkat(s->rootfd, rel(path), out, size - 1);
        if (r < 0)
                return -errno;
        out[r] = 0;
        if (s->snapfd >= 0 && snap_parents(s, rel(path)) == 0)
                symlinkat(out, s->snapfd, rel(path));
        return 0;
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void recon_names_free(char **names, int n)
{
        if (!names)
                return;
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

int recon_list(const struct recon_src *s, const char *dir, char ***names)
{
        int fd = openat(s->rootfd, rel(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;
        struct dirent *de;
        char **v = NULL;
        int n = 0, cap = 0;

        *names = NULL;
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                int r = -errno;

                close(fd);
                return r;
        }
        while ((de = readdir(d)) && n < RECON_DIR_MAX_ENTRIES) {
                /* No dot files in /proc or /sys; fixture trees keep empty
                 * directories with a ".keep". */
                if (de->d_name[0] == '.')
                        continue;
                if (n == cap) {
                        int nc = cap ? cap * 2 : 16;
                        char **nv = realloc(v, (size_t)nc * sizeof(*v));

                        if (!nv)
                                goto nomem;
                        v = nv;
                        cap = nc;
                }
                if (!(v[n] = strdup(de->d_name)))
                        goto nomem;
                n++;
        }
        closedir(d);
        if (n > 1)
                qsort(v, (size_t)n, sizeof(*v), cmp_names);
        for (int i = 0; i < n && s->snapfd >= 0; i++) {
                char p[RECON_PATH_MAX];

                snprintf(p, sizeof(p), "%s/%s", rel(dir), v[i]);
                snap_mark(s, p, false);
        }
        *names = v;
        return n;
nomem:
        closedir(d);
        recon_names_free(v, n);
        return -ENOMEM;
}
