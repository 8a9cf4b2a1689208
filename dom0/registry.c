/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The registry's files: atomic save, remove, lookup, load of everything. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "util.h"

#define CONF_SUFFIX ".conf"
/* Temp files start with '.', which no domain name does, so they can never
 * be mistaken for a record. */
#define TEMP_MARK ".tmp-"

struct bh_registry {
        int dirfd;
        char *dir;
};

static void (*test_hook)(const char *step);

void bh_registry_set_test_hook(void (*hook)(const char *step))
{
        test_hook = hook;
}

static void step(const char *name)
{
        if (test_hook)
                test_hook(name);
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

const char *bh_registry_dir(const struct bh_registry *r)
{
        return r->dir;
}

static bool is_temp_name(const char *n)
{
        return n[0] == '.' && strstr(n, TEMP_MARK) != NULL;
}

/* Only the lock holder calls this, and it is single-threaded, so a temp
 * file seen here belongs to a save that never finished. */
static int remove_temp_files(struct bh_registry *r)
{
        __attribute__((cleanup(closedirp))) DIR *d = NULL;
        _cleanup_close_ int fd = -1;
        struct dirent *de;

        fd = openat(r->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((errno = 0, de = readdir(d))) {
                if (!is_temp_name(de->d_name))
                        continue;
                if (unlinkat(r->dirfd, de->d_name, 0) < 0 && errno != ENOENT)
                        bh_log_errno(-errno, "registry %s: removing leftover %s", r->dir,
                                     de->d_name);
        }
        return errno ? -errno : 0;
}

int bh_registry_open(const char *state_dir, struct bh_registry **ret)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -1;
        struct bh_registry *r;

        if (asprintf(&dir, "%s/domains", state_dir) < 0) {
                dir = NULL;
                return -ENOMEM;
        }
        if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : -errno;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->dirfd = TAKE_FD(fd);
        r->dir = TAKE_PTR(dir);
        (void)remove_temp_files(r);
        *ret = r;
        return 0;
}

void bh_registry_close(struct bh_registry *r)
{
        if (!r)
                return;
        if (r->dirfd >= 0)
                close(r->dirfd);
        free(r->dir);
        free(r);
}

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);

                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

static int open_temp(int dirfd, const char *name, char *tmp, size_t tmpsize)
{
        for (int tries = 0; tries < 16; tries++) {
                uint64_t rnd;
                int fd;

                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                        rnd = ((uint64_t)getpid() << 32) ^ (uint64_t)tries;
                snprintf(tmp, tmpsize, ".%s" CONF_SUFFIX TEMP_MARK "%016llx", name,
                         (unsigned long long)rnd);
                fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd >= 0 || errno != EEXIST)
                        return fd >= 0 ? fd : -errno;
        }
        return -EEXIST;
}

/* A temp file that is unlinked when it goes out of scope unless renamed. */
struct temp_file {
        int dirfd;
        char name[BH_NAME_MAX + 64];
};

static void temp_file_unlinkp(struct temp_file *t)
{
        if (t->name[0]) {
                int saved = errno;

                (void)unlinkat(t->dirfd, t->name, 0);
                errno = saved;
        }
}

static int save_steps(struct bh_registry *r, const char *text, size_t len, const char *name,
                      const char *final, bool durable)
{
        __attribute__((cleanup(temp_file_unlinkp))) struct temp_file tmp = { .dirfd = r->dirfd };
        _cleanup_close_ int fd = -1;
        int k;

        fd = open_temp(r->dirfd, name, tmp.name, sizeof(tmp.name));
        if (fd < 0) {
                tmp.name[0] = '\0';
                return fd;
        }
        k = write_all(fd, text, len);
        if (k < 0)
                return k;
        step("written");
        if (durable && fsync(fd) < 0)
                return -errno;
        step("synced");
        if (close(TAKE_FD(fd)) < 0)
                return -errno;
        if (renameat(r->dirfd, tmp.name, r->dirfd, final) < 0)
                return -errno;
        tmp.name[0] = '\0';
        step("renamed");
        /* Makes the rename itself durable. */
        if (durable && fsync(r->dirfd) < 0)
                return -errno;
        return 0;
}

int bh_registry_save(struct bh_registry *r, const struct bh_domain *d, char *err, size_t errlen)
{
        char text[BH_REGISTRY_MAX_FILE];
        char final[BH_NAME_MAX + 16];
        size_t len;
        int k;

        k = bh_domain_format(d, text, sizeof(text), &len, err, errlen);
        if (k < 0)
                return k;
        snprintf(final, sizeof(final), "%s" CONF_SUFFIX, d->name);
        /* A disposable's record is still replaced atomically, but not
         * fsync'd: it only has to outlive bulkheadd, not the machine, since
         * a disposable cannot outlive the machine either; and the two
         * fsyncs would sit on the path of every "open in disposable". */
        k = save_steps(r, text, len, d->name, final, d->klass != BH_CLASS_DISPOSABLE);
        if (k < 0 && err && errlen)
                snprintf(err, errlen, "%s/%s: %s", r->dir, final, strerror(-k));
        return k;
}

int bh_registry_remove(struct bh_registry *r, const char *name)
{
        char final[BH_NAME_MAX + 16];

        if (bh_name_check(name, NULL, 0) < 0)
                return -EINVAL;
        snprintf(final, sizeof(final), "%s" CONF_SUFFIX, name);
        if (unlinkat(r->dirfd, final, 0) < 0)
                return -errno;
        if (fsync(r->dirfd) < 0)
                return -errno;
        return 0;
}

/* Reads at most BH_REGISTRY_MAX_FILE + 1 bytes, so an oversized file is
 * noticed even if it grows between fstat and read. */
static int read_record(int dirfd, const char *fname, char *buf, size_t size, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t n = 0;

        /* O_NONBLOCK: a FIFO planted in the directory must not hang us. */
        fd = openat(dirfd, fname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t)st.st_size >= size)
                return -EFBIG;
        while (n < size) {
                ssize_t k = read(fd, buf + n, size - n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        if (n >= size)
                return -EFBIG;
        *ret_len = n;
        return 0;
}

/* Loads fname (NAME.conf) and checks that the record is NAME's. */
static int load_file(struct bh_registry *r, const char *fname, const char *name,
                     struct bh_domain *ret, char *err, size_t errlen)
{
        char buf[BH_REGISTRY_MAX_FILE + 1];
        char path[PATH_MAX];
        struct bh_domain d;
        size_t len = 0;
        int k;

        snprintf(path, sizeof(path), "%s/%s", r->dir, fname);
        k = read_record(r->dirfd, fname, buf, sizeof(buf), &len);
        if (k < 0) {
                if (k == -ELOOP)
                        snprintf(err, errlen, "%s: is a symbolic link, not a record", path);
                else if (k == -EBADFD)
                        snprintf(err, errlen, "%s: not a regular file", path);
                else if (k == -EFBIG)
                        snprintf(err, errlen, "%s: larger than %d bytes", path,
                                 BH_REGISTRY_MAX_FILE);
                else
                        snprintf(err, errlen, "%s: %s", path, strerror(-k));
                return k == -EBADFD || k == -ELOOP ? -EINVAL : k;
        }
        k = bh_domain_parse(buf, len, path, &d, err, errlen);
        if (k < 0)
                return k;
        if (strcmp(d.name, name) != 0) {
                snprintf(err, errlen, "%s: name=%s does not match the file name", path, d.name);
                return -EINVAL;
        }
        *ret = d;
        return 0;
}

int bh_registry_load(struct bh_registry *r, const char *name, struct bh_domain *ret, char *err,
                     size_t errlen)
{
        char fname[BH_NAME_MAX + 16];
        char dummy[1];
        int k;

        if (!err || errlen == 0) {
                err = dummy;
                errlen = sizeof(dummy);
        }
        k = bh_name_check(name, err, errlen);
        if (k < 0)
                return k;
        snprintf(fname, sizeof(fname), "%s" CONF_SUFFIX, name);
        return load_file(r, fname, name, ret, err, errlen);
}

/* A file name from the directory may hold any byte but '/' and NUL:
 * printable ASCII is kept, the rest shown as \xNN. */
static void escape_name(const char *s, char *out, size_t size)
{
        size_t o = 0;

        for (; *s && o + 5 < size; s++) {
                unsigned char c = (unsigned char)*s;

                if (c >= 0x20 && c < 0x7f && c != '\\')
                        out[o++] = (char)c;
                else
                        o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
        }
        out[o] = '\0';
}

static int by_name(const void *a, const void *b)
{
        return strcmp(((const struct bh_domain *)a)->name, ((const struct bh_domain *)b)->name);
}

static void report_line(bh_registry_report_fn report, void *userdata, const char *msg)
{
        if (report)
                report(msg, userdata);
        else
                bh_log_error("registry: %s; file skipped, left as it is", msg);
}

int bh_registry_load_all(struct bh_registry *r, struct bh_domain **ret, size_t *ret_n,
                         size_t *ret_skipped, bh_registry_report_fn report, void *userdata)
{
        __attribute__((cleanup(closedirp))) DIR *dir = NULL;
        _cleanup_free_ struct bh_domain *list = NULL;
        _cleanup_close_ int fd = -1;
        size_t n = 0, cap = 0, skipped = 0;
        struct dirent *de;

        (void)remove_temp_files(r);
        fd = openat(r->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (!dir)
                return -errno;
        TAKE_FD(fd);

        while ((errno = 0, de = readdir(dir))) {
                const char *fname = de->d_name;
                size_t flen = strlen(fname), slen = strlen(CONF_SUFFIX);
                char name[256], why[128], msg[BH_REGISTRY_ERR_MAX];
                struct bh_domain d;
                int k;

                if (fname[0] == '.' || flen <= slen || strcmp(fname + flen - slen, CONF_SUFFIX) != 0)
                        continue;
                memcpy(name, fname, flen - slen);
                name[flen - slen] = '\0';
                if (bh_name_check(name, why, sizeof(why)) < 0) {
                        char shown[160]; /* enough to recognise it; longer names are invalid anyway */

                        escape_name(fname, shown, sizeof(shown));
                        snprintf(msg, sizeof(msg), "%s/%s: file name: %s", r->dir, shown, why);
                        report_line(report, userdata, msg);
                        skipped++;
                        continue;
                }
                k = load_file(r, fname, name, &d, msg, sizeof(msg));
                if (k == -ENOENT)
                        continue;
                if (k < 0) {
                        report_line(report, userdata, msg);
                        skipped++;
                        continue;
                }
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 16, bytes;
                        struct bh_domain *p;

                        if (__builtin_mul_overflow(ncap, sizeof(*list), &bytes))
                                return -ENOMEM;
                        p = realloc(list, bytes);
                        if (!p)
                                return -ENOMEM;
                        list = p;
                        cap = ncap;
                }
                list[n++] = d;
        }
        if (errno)
                return -errno;
        if (n > 1)
                qsort(list, n, sizeof(*list), by_name);
        *ret = n ? TAKE_PTR(list) : NULL;
        *ret_n = n;
        if (ret_skipped)
                *ret_skipped = skipped;
        return 0;
}
