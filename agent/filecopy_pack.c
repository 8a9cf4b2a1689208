/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-filecopy-pack FILE...: writes the file-copy stream
 * (docs/filecopy.md) for the files and directories named, recursively, to
 * stdout, then reads the receiver's STATUS from stdin.  qrexec-client-vm
 * runs it with stdout and stdin connected to bulkhead.Filecopy in the
 * target domain; it is quiet when the copy was stored.
 *
 * Whatever the receiver would refuse is refused here first, with a message
 * naming the file: device files, fifos and sockets (the stream has no type
 * for them), names with control characters or invalid UTF-8, symlinks
 * leading out of the copied tree, sizes over the limits.  Such a refusal
 * stops the stream without END, so the receiver keeps nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filecopy_proto.h"
#include "util.h"

/* Exit codes: the copy was refused by this side (bad input) or by the
 * receiver, or the transport failed. */
#define EXIT_REFUSED 1
#define EXIT_USAGE 2

struct pack {
        uint8_t out[BH_FC_MAX_CHUNK + 4096]; /* output buffer */
        size_t out_len;
        bool broken_pipe; /* the receiver stopped reading */
        uint32_t entries;
        uint64_t total;
        char path[BH_FC_MAX_NAME_BYTES + 1]; /* name in the stream */
        uint8_t data[BH_FC_MAX_CHUNK];
};

/* A local name as it may be shown on a terminal: control bytes as '?'.
 * Two buffers in turn, so one message can show two names. */
static const char *shown(const char *s)
{
        static char bufs[2][512];
        static unsigned turn;
        char *buf = bufs[turn++ % 2];
        size_t i;

        for (i = 0; s[i] && i < sizeof(bufs[0]) - 1; i++)
                buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
        buf[i] = '\0';
        return buf;
}

static int flush(struct pack *p)
{
        size_t off = 0;

        while (off < p->out_len) {
                ssize_t k = write(STDOUT_FILENO, p->out + off, p->out_len - off);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EPIPE)
                                p->broken_pipe = true;
                        return -errno;
                }
                off += (size_t)k;
        }
        p->out_len = 0;
        return 0;
}

static int emit(struct pack *p, const void *b, size_t n)
{
        int r;

        if (n > sizeof(p->out) - p->out_len && (r = flush(p)) < 0)
                return r;
        if (n > sizeof(p->out))
                return -EINVAL; /* never: the largest piece is one chunk */
        memcpy(p->out + p->out_len, b, n);
        p->out_len += n;
        return 0;
}

static int emit_entry(struct pack *p, uint32_t type, const struct stat *st, uint64_t size)
{
        uint8_t h[BH_FC_ENTRY_SIZE];
        size_t len = strlen(p->path);
        struct bh_fc_entry e = {
                .type = type,
                .mode = type == BH_FC_SYMLINK ? 0777 : (uint32_t)(st->st_mode & BH_FC_MODE_ALLOWED),
                .size = size,
                .mtime = st->st_mtim.tv_sec,
                .mtime_nsec = (uint32_t)st->st_mtim.tv_nsec,
                .name_len = (uint32_t)len,
        };
        int r;

        /* Times the receiver would refuse are sent as the nearest it takes. */
        if (e.mtime < 0)
                e.mtime = 0, e.mtime_nsec = 0;
        if (e.mtime > BH_FC_MAX_MTIME)
                e.mtime = BH_FC_MAX_MTIME;
        bh_fc_put_entry(h, &e);
        if ((r = emit(p, h, sizeof(h))) < 0)
                return r;
        return emit(p, p->path, len);
}

static int refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int refuse(const char *fmt, ...)
{
        char line[768];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        bh_log_error("%s; nothing was copied", line);
        return -EPERM;
}

static int io_error(int r, const char *what)
{
        if (r == -EPIPE)
                return r; /* the receiver's STATUS says why */
        return bh_log_errno(r, "%s", what);
}

static int pack_at(struct pack *p, int at, const char *name, unsigned depth);

static bool all_zero(const uint8_t *b, size_t n)
{
        return n == 0 || (b[0] == 0 && memcmp(b, b + 1, n - 1) == 0);
}

static int hole(struct pack *p, uint64_t len)
{
        uint8_t c[BH_FC_CHUNK_SIZE];

        bh_fc_put_chunk(c, BH_FC_CHUNK_HOLE, len);
        return emit(p, c, sizeof(c));
}

/*
 * A file's bytes: holes the file system reports (SEEK_DATA/SEEK_HOLE) and
 * all-zero reads go as HOLE chunks, the rest as DATA chunks of at most
 * BH_FC_MAX_CHUNK.  Exactly st_size bytes are sent; a file that shrinks
 * while being read fails the copy.
 */
static int send_file_data(struct pack *p, int fd, uint64_t size)
{
        uint64_t pos = 0;
        int r;

        while (pos < size) {
                off_t data = lseek(fd, (off_t)pos, SEEK_DATA), end;

                if (data < 0 && errno == ENXIO)
                        return hole(p, size - pos); /* a hole to the end */
                if (data < 0)
                        data = (off_t)pos; /* no SEEK_DATA: all of it is data */
                if ((uint64_t)data > size)
                        data = (off_t)size;
                if ((uint64_t)data > pos) {
                        if ((r = hole(p, (uint64_t)data - pos)) < 0)
                                return r;
                        pos = (uint64_t)data;
                        continue;
                }
                end = lseek(fd, (off_t)pos, SEEK_HOLE);
                if (end < 0 || (uint64_t)end > size)
                        end = (off_t)size;
                if ((uint64_t)end <= pos)
                        end = (off_t)size; /* changed under us; read on */
                while (pos < (uint64_t)end) {
                        uint64_t want = (uint64_t)end - pos;
                        uint8_t c[BH_FC_CHUNK_SIZE];
                        ssize_t n;

                        if (want > sizeof(p->data))
                                want = sizeof(p->data);
                        n = pread(fd, p->data, (size_t)want, (off_t)pos);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return -errno;
                        if (n == 0)
                                return -ESTALE; /* shrank while being read */
                        if (all_zero(p->data, (size_t)n)) {
                                r = hole(p, (uint64_t)n);
                        } else {
                                bh_fc_put_chunk(c, BH_FC_CHUNK_DATA, (uint64_t)n);
                                r = emit(p, c, sizeof(c));
                                if (r == 0)
                                        r = emit(p, p->data, (size_t)n);
                        }
                        if (r < 0)
                                return r;
                        pos += (uint64_t)n;
                }
        }
        return 0;
}

static int pack_file(struct pack *p, int at, const char *name, const struct stat *lst)
{
        _cleanup_close_ int fd = openat(at, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        struct stat st;
        int r;

        if (fd < 0)
                return bh_log_errno(-errno, "%s: open", shown(p->path));
        if (fstat(fd, &st) < 0)
                return bh_log_errno(-errno, "%s: stat", shown(p->path));
        if (!S_ISREG(st.st_mode) || st.st_ino != lst->st_ino || st.st_dev != lst->st_dev)
                return refuse("%s: changed while being copied", shown(p->path));
        if ((uint64_t)st.st_size > BH_FC_MAX_FILE_SIZE)
                return refuse("%s: larger than the limit of one file (%llu bytes)", shown(p->path),
                              (unsigned long long)BH_FC_MAX_FILE_SIZE);
        if ((uint64_t)st.st_size > BH_FC_MAX_TOTAL_SIZE - p->total)
                return refuse("%s: the copy would exceed its size limit (%llu bytes)",
                              shown(p->path), (unsigned long long)BH_FC_MAX_TOTAL_SIZE);
        p->total += (uint64_t)st.st_size;
        if ((r = emit_entry(p, BH_FC_FILE, &st, (uint64_t)st.st_size)) < 0)
                return io_error(r, "write stream");
        r = send_file_data(p, fd, (uint64_t)st.st_size);
        if (r == -ESTALE)
                return refuse("%s: file shrank while being copied", shown(p->path));
        if (r < 0)
                return io_error(r, shown(p->path));
        return 0;
}

static int pack_symlink(struct pack *p, int at, const char *name, const struct stat *st,
                        unsigned depth)
{
        char target[BH_FC_MAX_LINK_BYTES + 2];
        const char *why = NULL;
        ssize_t n = readlinkat(at, name, target, sizeof(target) - 1);
        int r;

        if (n < 0)
                return bh_log_errno(-errno, "%s: readlink", shown(p->path));
        target[n] = '\0';
        if (bh_fc_link_check((const uint8_t *)target, (size_t)n, depth, &why) < 0)
                return refuse("%s: symlink to %s not sent: %s", shown(p->path), shown(target), why);
        if ((r = emit_entry(p, BH_FC_SYMLINK, st, (uint64_t)n)) < 0 ||
            (r = emit(p, target, (size_t)n)) < 0)
                return io_error(r, "write stream");
        return 0;
}

static int pack_dir(struct pack *p, int at, const char *name, const struct stat *st,
                    unsigned depth)
{
        int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        size_t len = strlen(p->path);
        struct dirent *de;
        DIR *d;
        int r;

        if (fd < 0)
                return bh_log_errno(-errno, "%s: open directory", shown(p->path));
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return bh_log_errno(-errno, "%s: open directory", shown(p->path));
        }
        if ((r = emit_entry(p, BH_FC_DIR, st, 0)) < 0) {
                closedir(d);
                return io_error(r, "write stream");
        }
        while ((errno = 0, de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (len + 1 + strlen(de->d_name) > BH_FC_MAX_NAME_BYTES) {
                        closedir(d);
                        return refuse("%s/%s: path longer than %u bytes", shown(p->path),
                                      shown(de->d_name), BH_FC_MAX_NAME_BYTES);
                }
                p->path[len] = '/';
                strcpy(p->path + len + 1, de->d_name);
                r = pack_at(p, dirfd(d), de->d_name, depth + 1);
                p->path[len] = '\0';
                if (r < 0) {
                        closedir(d);
                        return r;
                }
        }
        r = errno ? bh_log_errno(-errno, "%s: read directory", shown(p->path)) : 0;
        closedir(d);
        return r;
}

static const char *kind_of(mode_t m)
{
        if (S_ISCHR(m))
                return "a character device";
        if (S_ISBLK(m))
                return "a block device";
        if (S_ISFIFO(m))
                return "a fifo";
        if (S_ISSOCK(m))
                return "a socket";
        return "of an unknown type";
}

/* One entry, named p->path in the stream and `name` beneath `at` here. */
static int pack_at(struct pack *p, int at, const char *name, unsigned depth)
{
        const char *why = NULL;
        unsigned d;
        struct stat st;

        if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return bh_log_errno(-errno, "%s", shown(p->path));
        if (bh_fc_name_check((const uint8_t *)p->path, strlen(p->path), &d, &why) < 0)
                return refuse("%s: not sent: %s", shown(p->path), why);
        if (d != depth)
                return refuse("%s: not sent: name with a '/'", shown(p->path));
        if (++p->entries > BH_FC_MAX_ENTRIES)
                return refuse("%s: more than %u files and directories in one copy", shown(p->path),
                              BH_FC_MAX_ENTRIES);
        if (S_ISREG(st.st_mode))
                return pack_file(p, at, name, &st);
        if (S_ISDIR(st.st_mode))
                return pack_dir(p, at, name, &st, depth);
        if (S_ISLNK(st.st_mode))
                return pack_symlink(p, at, name, &st, depth);
        return refuse("%s: is %s, which cannot be copied", shown(p->path), kind_of(st.st_mode));
}

/* The name a command-line argument gets at the top of the copy: its last
 * component, or the real directory's name for "." and "..". */
static int top_name(const char *arg, char *path, char *out, size_t out_size)
{
        size_t n = strlen(arg);
        const char *base;

        if (n == 0 || n >= PATH_MAX)
                return refuse("'%s': not a file name", shown(arg));
        memcpy(path, arg, n + 1);
        while (n > 1 && path[n - 1] == '/')
                path[--n] = '\0';
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || base[0] == '\0') {
                char real[PATH_MAX];

                if (!realpath(path, real))
                        return bh_log_errno(-errno, "%s", shown(arg));
                base = strrchr(real, '/');
                base = base ? base + 1 : real;
                if (!*base)
                        return refuse("%s: the root directory cannot be copied", shown(arg));
                if (strlen(base) >= out_size)
                        return refuse("%s: name too long", shown(arg));
                strcpy(out, base);
                return 0;
        }
        if (strlen(base) >= out_size)
                return refuse("%s: name too long", shown(arg));
        strcpy(out, base);
        return 0;
}

static int read_full(int fd, void *buf, size_t n)
{
        uint8_t *b = buf;

        while (n > 0) {
                ssize_t k = read(fd, b, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -ENODATA;
                b += k;
                n -= (size_t)k;
        }
        return 0;
}

/* The receiver's answer; its message is shown with anything but printable
 * ASCII as '?', since the receiver is a domain too. */
static int read_status(void)
{
        uint8_t h[BH_FC_STATUS_SIZE];
        char msg[BH_FC_MAX_STATUS_MSG + 1];
        uint32_t code, len;
        const char *why = NULL;
        int r;

        if ((r = read_full(STDIN_FILENO, h, sizeof(h))) < 0) {
                bh_log_error("no answer from the target domain (%s); the copy may not have been stored",
                             r == -ENODATA ? "connection closed" : strerror(-r));
                return EXIT_REFUSED;
        }
        if (bh_fc_status_check(h, &code, &len, &why) < 0) {
                bh_log_error("the target domain's answer is malformed: %s", why);
                return EXIT_REFUSED;
        }
        if ((r = read_full(STDIN_FILENO, msg, len)) < 0) {
                bh_log_error("the target domain's answer is cut short");
                return EXIT_REFUSED;
        }
        for (uint32_t i = 0; i < len; i++)
                if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
                        msg[i] = '?';
        msg[len] = '\0';
        if (code != 0) {
                bh_log_error("the target domain refused the copy: %s (code %u)",
                             len ? msg : "no reason given", code);
                return EXIT_REFUSED;
        }
        return 0;
}

int main(int argc, char **argv)
{
        static struct pack p;
        uint8_t hello[BH_FC_HELLO_SIZE], end[BH_FC_ENTRY_SIZE];
        int first = 1, r = 0;

        bh_log_init(argv[0]);
        if (argc > 1 && strcmp(argv[1], "--") == 0)
                first = 2;
        else if (argc > 1 && argv[1][0] == '-') {
                fprintf(stderr, "usage: %s [--] FILE...\n"
                                "Writes the file-copy stream for FILE... to stdout and reads the\n"
                                "receiver's answer from stdin (run by bulkhead-copy-to-vm).\n",
                        argv[0]);
                return EXIT_USAGE;
        }
        if (first >= argc) {
                fprintf(stderr, "usage: %s [--] FILE...\n", argv[0]);
                return EXIT_USAGE;
        }
        /* A receiver that stops reading has said why in its STATUS. */
        signal(SIGPIPE, SIG_IGN);

        bh_fc_put_hello(hello);
        r = emit(&p, hello, sizeof(hello));
        for (int i = first; i < argc && r == 0; i++) {
                char path[PATH_MAX];

                if ((r = top_name(argv[i], path, p.path, sizeof(p.path))) < 0)
                        break;
                r = pack_at(&p, AT_FDCWD, path, 0);
        }
        if (r == 0) {
                memset(end, 0, sizeof(end));
                end[0] = BH_FC_END;
                r = emit(&p, end, sizeof(end));
        }
        if (r == 0 && (r = flush(&p)) < 0)
                io_error(r, "write stream");
        /* Without END the receiver keeps nothing. */
        close(STDOUT_FILENO);
        if (r < 0 && !p.broken_pipe)
                return EXIT_REFUSED;
        return read_status();
}
