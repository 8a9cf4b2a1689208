/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-filecopy-unpack: the bulkhead.Filecopy service.  Reads a
 * file-copy stream (docs/filecopy.md) from stdin, sent by the domain named in
 * QREXEC_REMOTE_DOMAIN, into ~/Incoming/<source>/, and answers with one
 * STATUS on stdout.
 *
 * Everything in the stream is hostile.  qrexec/filecopy_proto.c checks it;
 * here every entry is created by its last component beneath a directory
 * this process created and holds open (O_EXCL, no symlink followed), inside
 * a fresh staging directory.  Only a whole, checked stream is moved into
 * Incoming/<source>/; anything else removes the staging directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filecopy_confine.h"
#include "filecopy_proto.h"
#include "fsutil.h"
#include "util.h"

/* Name clashes in Incoming/<source>/: name.1 .. name.999, then the copy
 * fails; a thousand copies of one name is a sender in a loop. */
#define MAX_CLASH_SUFFIX 999

/* Beneath the directory given, no symlink anywhere, no magic links. */
#define RESOLVE_STRICT (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

struct dir_level {
        int fd;
        uint32_t mode;
        struct timespec mtime;
};

struct unpack {
        const char *source;
        int incoming_fd; /* ~/Incoming */
        int source_fd;   /* ~/Incoming/<source> */
        char stage_name[32];
        /* dirs[0] is the staging directory, dirs[d] the open directory at
         * depth d of the tree. */
        struct dir_level dirs[BH_FC_MAX_DEPTH + 1];
        unsigned ndirs;
        int file_fd;
        char file_name[BH_FC_MAX_NAME_BYTES + 1];
        struct bh_fc_entry file;
        uint64_t files, bytes;
        unsigned renamed;
        char msg[BH_FC_MAX_STATUS_MSG + 1]; /* for the STATUS reply */
};

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
        (void)sig;
        cancelled = 1;
}

/* Logs one line and keeps it for the STATUS reply. */
__attribute__((format(printf, 3, 4))) static int fail(struct unpack *u, int r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(u->msg, sizeof(u->msg), fmt, ap);
        va_end(ap);
        if (r < 0 && r != -EPROTO) {
                size_t n = strlen(u->msg);
                snprintf(u->msg + n, sizeof(u->msg) - n, ": %s", strerror(-r));
        }
        bh_log_error("from %s: %s", u->source ? u->source : "?", u->msg);
        return r < 0 ? r : -EIO;
}

static int write_all(int fd, const void *p, size_t n)
{
        const uint8_t *b = p;

        while (n > 0) {
                ssize_t k = write(fd, b, n);

                if (k < 0) {
                        if (errno == EINTR && !cancelled)
                                continue;
                        return -errno;
                }
                b += k;
                n -= (size_t)k;
        }
        return 0;
}

static void reply(uint32_t code, const char *msg)
{
        uint8_t out[BH_FC_STATUS_SIZE + BH_FC_MAX_STATUS_MSG];
        size_t n = bh_fc_put_status(out, code, msg);

        (void)write_all(STDOUT_FILENO, out, n);
}

static int open_dir_at(int at, const char *name, uint64_t resolve)
{
        struct open_how how = {
                .flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
                .resolve = resolve,
        };
        int fd = (int)syscall(SYS_openat2, at, name, &how, sizeof(how));

        return fd < 0 ? -errno : fd;
}

/* mkdir 0700 unless it is there, then open it; a symlink is refused. */
static int ensure_dir_at(int at, const char *name, uint64_t resolve)
{
        if (mkdirat(at, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        return open_dir_at(at, name, resolve);
}

/* ~/Incoming (the user's own, which may be a symlink to another disk),
 * ~/Incoming/<source> (no symlink) and a fresh staging directory. */
static int prepare(struct unpack *u)
{
        _cleanup_close_ int home_fd = -1;
        const char *home = getenv("HOME");
        int r;

        if (!home || !*home)
                home = "/home/user";
        if (home[0] != '/')
                return fail(u, -EINVAL, "HOME is not an absolute path");
        home_fd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (home_fd < 0)
                return fail(u, -errno, "home directory");
        if (mkdirat(home_fd, "Incoming", 0700) < 0 && errno != EEXIST)
                return fail(u, -errno, "create ~/Incoming");
        u->incoming_fd = openat(home_fd, "Incoming", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (u->incoming_fd < 0)
                return fail(u, -errno, "open ~/Incoming");
        r = ensure_dir_at(u->incoming_fd, u->source, RESOLVE_STRICT);
        if (r < 0)
                return fail(u, r, "~/Incoming/%s", u->source);
        u->source_fd = r;

        for (int tries = 0; tries < 100; tries++) {
                static const char chars[] =
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
                uint8_t rnd[6];

                if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
                        return fail(u, -errno, "random staging name");
                memcpy(u->stage_name, ".incoming-", 10);
                for (size_t i = 0; i < sizeof(rnd); i++)
                        u->stage_name[10 + i] = chars[rnd[i] % (sizeof(chars) - 1)];
                u->stage_name[16] = '\0';
                if (mkdirat(u->incoming_fd, u->stage_name, 0700) == 0)
                        break;
                u->stage_name[0] = '\0';
                if (errno != EEXIST)
                        return fail(u, -errno, "create staging directory");
        }
        if (!u->stage_name[0])
                return fail(u, -EEXIST, "create staging directory");
        r = open_dir_at(u->incoming_fd, u->stage_name, RESOLVE_STRICT);
        if (r < 0)
                return fail(u, r, "open staging directory");
        u->dirs[0] = (struct dir_level){ .fd = r };
        return 0;
}

static struct timespec mtime_of(const struct bh_fc_entry *e)
{
        return (struct timespec){ .tv_sec = e->mtime, .tv_nsec = e->mtime_nsec };
}

/* Leaves directories deeper than depth: their mode and mtime are set now,
 * after everything inside them was created. */
static int close_dirs_to(struct unpack *u, unsigned depth)
{
        int r = 0;

        while (u->ndirs > depth) {
                struct dir_level *d = &u->dirs[u->ndirs];
                struct timespec ts[2] = { d->mtime, d->mtime };

                /* Owner rwx always, so the user can clear the copy out. */
                if (r == 0 && fchmod(d->fd, (d->mode & BH_FC_MODE_KEPT) | 0700) < 0)
                        r = -errno;
                if (r == 0 && futimens(d->fd, ts) < 0)
                        r = -errno;
                close(d->fd);
                d->fd = -1;
                u->ndirs--;
        }
        return r;
}

static int file_finish(struct unpack *u)
{
        struct timespec ts[2] = { mtime_of(&u->file), mtime_of(&u->file) };
        _cleanup_close_ int fd = TAKE_FD(u->file_fd);

        /* A file that ends in a hole gets its size here. */
        if (ftruncate(fd, (off_t)u->file.size) < 0)
                return fail(u, -errno, "%s: set size", u->file_name);
        if (fchmod(fd, u->file.mode & BH_FC_MODE_KEPT) < 0)
                return fail(u, -errno, "%s: set mode", u->file_name);
        if (futimens(fd, ts) < 0)
                return fail(u, -errno, "%s: set mtime", u->file_name);
        u->files++;
        return 0;
}

static int on_entry(struct unpack *u, const struct bh_fc_rx *rx)
{
        int parent, r;

        if ((r = close_dirs_to(u, rx->depth)) < 0)
                return fail(u, r, "set directory metadata");
        parent = u->dirs[rx->depth].fd;
        switch (rx->entry.type) {
        case BH_FC_DIR:
                if (mkdirat(parent, rx->leaf, 0700) < 0)
                        return fail(u, -errno, "%s: create directory", rx->name);
                r = open_dir_at(parent, rx->leaf, RESOLVE_STRICT);
                if (r < 0)
                        return fail(u, r, "%s: open directory", rx->name);
                u->ndirs++;
                u->dirs[u->ndirs] = (struct dir_level){
                        .fd = r,
                        .mode = rx->entry.mode,
                        .mtime = mtime_of(&rx->entry),
                };
                return 0;
        case BH_FC_SYMLINK: {
                struct timespec ts[2] = { mtime_of(&rx->entry), mtime_of(&rx->entry) };

                if (symlinkat(rx->target, parent, rx->leaf) < 0)
                        return fail(u, -errno, "%s: create symlink", rx->name);
                if (utimensat(parent, rx->leaf, ts, AT_SYMLINK_NOFOLLOW) < 0)
                        return fail(u, -errno, "%s: set mtime", rx->name);
                return 0;
        }
        case BH_FC_FILE: {
                struct open_how how = {
                        .flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        .mode = 0600,
                        .resolve = RESOLVE_STRICT,
                };

                u->file_fd = (int)syscall(SYS_openat2, parent, rx->leaf, &how, sizeof(how));
                if (u->file_fd < 0)
                        return fail(u, -errno, "%s: create file", rx->name);
                u->file = rx->entry;
                memcpy(u->file_name, rx->name, rx->entry.name_len + 1);
                return bh_fc_rx_file_done(rx) ? file_finish(u) : 0;
        }
        }
        return fail(u, -EPROTO, "entry of an unknown type");
}

static bool all_zero(const uint8_t *p, size_t n)
{
        return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Zeros are skipped, not written: the file is new, so what lies past
 * the last byte written reads as zeros and takes no disk. */
static int on_bytes(struct unpack *u, const struct bh_fc_rx *rx, bool hole)
{
        uint64_t n = hole ? rx->hole : rx->data_len;
        int r;

        if (hole || all_zero(rx->data, rx->data_len)) {
                if (lseek(u->file_fd, (off_t)n, SEEK_CUR) < 0)
                        return fail(u, -errno, "%s: seek", u->file_name);
        } else if ((r = write_all(u->file_fd, rx->data, rx->data_len)) < 0) {
                return fail(u, r, "%s: write", u->file_name);
        }
        u->bytes += n;
        return bh_fc_rx_file_done(rx) ? file_finish(u) : 0;
}

static int receive(struct unpack *u, struct bh_fc_rx *rx)
{
        for (;;) {
                const char *why = NULL;
                uint8_t *where;
                size_t want = bh_fc_rx_want(rx, &where);
                ssize_t n;
                int ev, r = 0;

                if (want == 0)
                        return fail(u, -EPROTO, "stream refused");
                n = read(STDIN_FILENO, where, want);
                if (cancelled)
                        return fail(u, -ECANCELED, "copy cancelled");
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return fail(u, -errno, "read stream");
                }
                if (n == 0)
                        return fail(u, -EPROTO, "stream ends early (truncated)");
                ev = bh_fc_rx_fed(rx, (size_t)n, &why);
                switch (ev) {
                case BH_FC_EV_NONE:
                        break;
                case BH_FC_EV_ENTRY:
                        r = on_entry(u, rx);
                        break;
                case BH_FC_EV_DATA:
                        r = on_bytes(u, rx, false);
                        break;
                case BH_FC_EV_HOLE:
                        r = on_bytes(u, rx, true);
                        break;
                case BH_FC_EV_END:
                        return 0;
                default:
                        return fail(u, -EPROTO, "refused: %s (entry %u)", why ? why : "?",
                                    rx->entries);
                }
                if (r < 0)
                        return r;
        }
}

/* Names of the staging directory's entries: the top of the copied tree. */
static int list_top(struct unpack *u, char ***ret, size_t *ret_n)
{
        int fd = openat(u->dirs[0].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((errno = 0, de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (n == cap) {
                        char **m = reallocarray(names, cap ? cap * 2 : 16, sizeof(*names));
                        if (!m)
                                goto oom;
                        names = m;
                        cap = cap ? cap * 2 : 16;
                }
                if (!(names[n] = strdup(de->d_name)))
                        goto oom;
                n++;
        }
        closedir(d);
        *ret = names;
        *ret_n = n;
        return 0;
oom:
        closedir(d);
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return -ENOMEM;
}

/* Moves one top-level entry into Incoming/<source>, as name, name.1, ... */
static int move_one(struct unpack *u, const char *name, char *final, size_t final_size)
{
        for (int i = 0; i <= MAX_CLASH_SUFFIX; i++) {
                int k = i == 0 ? snprintf(final, final_size, "%s", name)
                               : snprintf(final, final_size, "%s.%d", name, i);

                if (k < 0 || (size_t)k >= final_size || k > (int)BH_FC_MAX_COMPONENT_BYTES)
                        return -ENAMETOOLONG;
                if (syscall(SYS_renameat2, u->dirs[0].fd, name, u->source_fd, final,
                            RENAME_NOREPLACE) == 0) {
                        if (i > 0)
                                u->renamed++;
                        return 0;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/*
 * The stream is whole: everything reaches the disk, then the top-level
 * entries move into Incoming/<source>.  If one cannot, those already moved
 * go back, so the copy lands whole or not at all.
 */
static int commit(struct unpack *u)
{
        char **names = NULL, **finals = NULL;
        size_t n = 0, moved = 0;
        int r;

        if ((r = close_dirs_to(u, 0)) < 0)
                return fail(u, r, "set directory metadata");
        /* One syncfs for the whole copy: a hundred thousand fsyncs of small
         * files would take minutes. */
        if (syncfs(u->dirs[0].fd) < 0)
                return fail(u, -errno, "sync");
        if ((r = list_top(u, &names, &n)) < 0)
                return fail(u, r, "list staging directory");
        finals = calloc(n ? n : 1, sizeof(*finals));
        if (!finals) {
                r = fail(u, -ENOMEM, "commit");
                goto out;
        }
        for (; moved < n; moved++) {
                char final[BH_FC_MAX_COMPONENT_BYTES + 1];

                r = move_one(u, names[moved], final, sizeof(final));
                if (r < 0) {
                        fail(u, r, "move into ~/Incoming/%s", u->source);
                        break;
                }
                if (strcmp(final, names[moved]) != 0)
                        bh_log_info("from %s: %s stored as %s (name taken)", u->source,
                                    names[moved], final);
                if (!(finals[moved] = strdup(final))) {
                        r = fail(u, -ENOMEM, "commit");
                        moved++; /* it moved: take it back below */
                        break;
                }
        }
        if (r < 0) {
                for (size_t i = 0; i < moved; i++)
                        if (!finals[i] ||
                            syscall(SYS_renameat2, u->source_fd, finals[i], u->dirs[0].fd, names[i],
                                    RENAME_NOREPLACE) < 0)
                                bh_log_error("from %s: could not take back %s", u->source,
                                             finals[i] ? finals[i] : names[i]);
                goto out;
        }
        if (fsync(u->source_fd) < 0)
                r = fail(u, -errno, "sync ~/Incoming/%s", u->source);
out:
        for (size_t i = 0; i < n; i++) {
                free(names[i]);
                free(finals ? finals[i] : NULL);
        }
        free(names);
        free(finals);
        return r;
}

static void remove_staging(struct unpack *u)
{
        int r;

        if (!u->stage_name[0])
                return;
        if (u->file_fd >= 0)
                close(TAKE_FD(u->file_fd));
        while (u->ndirs > 0) {
                close(u->dirs[u->ndirs].fd);
                u->ndirs--;
        }
        if (u->dirs[0].fd >= 0)
                close(TAKE_FD(u->dirs[0].fd));
        r = bh_rm_rf_at(u->incoming_fd, u->stage_name);
        if (r < 0 && r != -ENOENT)
                bh_log_errno(r, "remove ~/Incoming/%s", u->stage_name);
        u->stage_name[0] = '\0';
}

int main(int argc, char **argv)
{
        static struct bh_fc_rx rx;
        static struct unpack u = { .incoming_fd = -1, .source_fd = -1, .file_fd = -1 };
        struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: read returns */
        const char *step;
        bool landlocked;
        int r;

        bh_log_init(argc > 0 ? argv[0] : "bulkhead-filecopy-unpack");
        if (argc > 1) {
                fprintf(stderr, "usage: %s (the bulkhead.Filecopy service; stream on stdin)\n",
                        argv[0]);
                return 2;
        }
        u.dirs[0].fd = -1;
        signal(SIGPIPE, SIG_IGN);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);

        u.source = getenv("QREXEC_REMOTE_DOMAIN");
        if (!bh_fc_domain_ok(u.source)) {
                u.source = NULL;
                fail(&u, -EINVAL, "QREXEC_REMOTE_DOMAIN missing or not a domain name");
                reply(EINVAL, u.msg);
                return 1;
        }
        if ((r = prepare(&u)) < 0)
                goto failed;
        if ((r = bh_fc_confine(u.incoming_fd, &landlocked, &step)) < 0) {
                fail(&u, r, "confine: %s", step);
                goto failed;
        }
        bh_fc_rx_init(&rx);
        if ((r = receive(&u, &rx)) < 0 || (r = commit(&u)) < 0)
                goto failed;
        /* Empty now: every entry moved out. */
        close(TAKE_FD(u.dirs[0].fd));
        if (unlinkat(u.incoming_fd, u.stage_name, AT_REMOVEDIR) < 0)
                bh_log_errno(-errno, "remove ~/Incoming/%s", u.stage_name);
        snprintf(u.msg, sizeof(u.msg), "stored %u entries (%llu files, %llu bytes) in ~/Incoming/%s%s",
                 rx.entries, (unsigned long long)u.files, (unsigned long long)u.bytes, u.source,
                 u.renamed ? " (some renamed name.N: name taken)" : "");
        reply(0, u.msg);
        return 0;

failed:
        remove_staging(&u);
        reply((uint32_t)(r < 0 ? -r : EIO), u.msg);
        return 1;
}
