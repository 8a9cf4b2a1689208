/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-open-in-dvm-send [--] FILE: the caller's end of
 * bulkhead.OpenInVM (docs/open-in-dvm.md).  qrexec-client-vm runs it with
 * stdout connected to the service in a fresh disposable and stdin to the
 * service's answer.  It sends FILE's base name and content, then reads the
 * answer; when the disposable sends back content that differs from FILE's,
 * FILE is replaced by it atomically: a temporary file in the same
 * directory, fsync, rename over FILE, fsync of the directory.
 *
 * The answer is untrusted (the disposable ran a viewer on the file): its
 * size is bounded, it is written nowhere but that temporary file, and it
 * replaces FILE only when it is complete and really differs.  If FILE
 * itself changed here while the disposable had it, nothing is replaced and
 * the disposable's version is kept beside it as FILE.from-disposable.
 *
 * Exit status (as cmp(1)): 0 FILE unchanged, 1 FILE replaced by the
 * changed content, 2 usage, 3 failure (FILE untouched).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "open_in_dvm_proto.h"
#include "util.h"

#define EXIT_UNCHANGED 0
#define EXIT_CHANGED 1
#define EXIT_USAGE 2
#define EXIT_FAILED 3

#define CHUNK (64u * 1024)

static const char *me = "bulkhead-open-in-dvm";

/* A local name as it may be shown on a terminal: control bytes as '?'. */
static const char *shown(const char *s)
{
        static char buf[PATH_MAX];
        size_t i;

        for (i = 0; s[i] && i < sizeof(buf) - 1; i++)
                buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
        buf[i] = '\0';
        return buf;
}

static int write_all(int fd, const void *p, size_t n)
{
        const char *c = p;

        while (n > 0) {
                ssize_t w = write(fd, c, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                c += w;
                n -= (size_t)w;
        }
        return 0;
}

/* Reads exactly n bytes; -EPIPE when the stream ends first. */
static int read_all(int fd, void *p, size_t n)
{
        char *c = p;

        while (n > 0) {
                ssize_t r = read(fd, c, n);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -EPIPE;
                c += r;
                n -= (size_t)r;
        }
        return 0;
}

/* One header line, byte by byte so nothing after it is consumed. */
static int read_line(int fd, char *buf, size_t *len)
{
        size_t n = 0;

        while (n < BH_OID_MAX_LINE) {
                int r = read_all(fd, buf + n, 1);

                if (r < 0)
                        return r;
                if (buf[n++] == '\n')
                        break;
        }
        *len = n;
        return 0;
}

/* Sends the request; a service that stopped reading (it refused) is not an
 * error here: its answer says why. */
static int send_file(int fd, const char *name, uint64_t size)
{
        char line[BH_OID_MAX_LINE + 1];
        _cleanup_free_ char *buf = malloc(CHUNK);
        uint64_t left = size;
        int n = bh_oid_encode_request(line, name, size), r;

        if (n < 0 || !buf)
                return n < 0 ? n : -ENOMEM;
        r = write_all(STDOUT_FILENO, line, (size_t)n);
        while (r == 0 && left > 0) {
                ssize_t got = pread(fd, buf, left < CHUNK ? (size_t)left : CHUNK, (off_t)(size - left));

                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        return got < 0 ? -errno : -ESTALE; /* shrank while sent */
                r = write_all(STDOUT_FILENO, buf, (size_t)got);
                left -= (uint64_t)got;
        }
        return r == -EPIPE ? 0 : r;
}

/*
 * Receives size bytes into tmp_fd, comparing them with the original (fd,
 * orig_size) on the way.  *same: the content is the original's.
 */
static int receive_content(int tmp_fd, int fd, uint64_t orig_size, uint64_t size, bool *same)
{
        _cleanup_free_ char *buf = malloc(CHUNK), *orig = malloc(CHUNK);
        uint64_t done = 0;
        char extra;
        int r;

        if (!buf || !orig)
                return -ENOMEM;
        *same = size == orig_size;
        while (done < size) {
                size_t want = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
                ssize_t got = read(STDIN_FILENO, buf, want);

                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        return got < 0 ? -errno : -EPIPE;
                if (*same) {
                        ssize_t o = pread(fd, orig, (size_t)got, (off_t)done);

                        *same = o == got && memcmp(buf, orig, (size_t)got) == 0;
                }
                r = write_all(tmp_fd, buf, (size_t)got);
                if (r < 0)
                        return r;
                done += (uint64_t)got;
        }
        /* Nothing may follow the content. */
        r = (int)read(STDIN_FILENO, &extra, 1);
        return r == 0 ? 0 : -EPROTO;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int main(int argc, char **argv)
{
        _cleanup_free_ char *real = NULL, *tmp_path = NULL;
        _cleanup_close_ int fd = -1, dir_fd = -1, tmp_fd = -1;
        char line[BH_OID_MAX_LINE + 1], tmp[32] = "";
        struct bh_oid_reply reply;
        struct stat st, now;
        const char *file, *name, *why;
        char *slash;
        size_t len;
        bool same;
        int r;

        bh_log_init(me);
        if (argc > 1 && strcmp(argv[1], "--") == 0) {
                argv++;
                argc--;
        }
        if (argc != 2) {
                fprintf(stderr, "usage: %s FILE\n", me);
                return EXIT_USAGE;
        }
        file = argv[1];
        signal(SIGPIPE, SIG_IGN);

        /* The real file: a symlink is followed, and what it points at is
         * what gets replaced. */
        real = realpath(file, NULL);
        fd = real ? open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY) : -1;
        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "%s: %s: %s\n", me, shown(file), strerror(errno));
                return EXIT_FAILED;
        }
        if (!S_ISREG(st.st_mode)) {
                fprintf(stderr, "%s: %s: not a regular file\n", me, shown(file));
                return EXIT_FAILED;
        }
        if ((uint64_t)st.st_size > BH_OID_MAX_CONTENT) {
                fprintf(stderr, "%s: %s: larger than %llu bytes, the most a disposable is sent\n", me,
                        shown(file), (unsigned long long)BH_OID_MAX_CONTENT);
                return EXIT_FAILED;
        }
        slash = strrchr(real, '/');
        name = slash + 1;
        if (bh_oid_name_check(name, strlen(name), &why) < 0) {
                fprintf(stderr, "%s: %s: not sent: %s\n", me, shown(file), why);
                return EXIT_FAILED;
        }

        r = send_file(fd, name, (uint64_t)st.st_size);
        if (r < 0) {
                fprintf(stderr, "%s: %s: sending: %s\n", me, shown(file), strerror(-r));
                return EXIT_FAILED;
        }
        close(STDOUT_FILENO); /* the service sees the end of its input */

        r = read_line(STDIN_FILENO, line, &len);
        if (r < 0) {
                fprintf(stderr, "%s: %s: no answer from the disposable%s%s\n", me, shown(file),
                        r == -EPIPE ? "" : ": ", r == -EPIPE ? "" : strerror(-r));
                return EXIT_FAILED;
        }
        if (bh_oid_parse_reply(line, len, &reply, &why) < 0) {
                fprintf(stderr, "%s: %s: the disposable broke the protocol: %s\n", me, shown(file), why);
                return EXIT_FAILED;
        }
        if (reply.kind == BH_OID_ERROR) {
                fprintf(stderr, "%s: %s: the disposable: %s\n", me, shown(file), reply.message);
                return EXIT_FAILED;
        }
        if (reply.kind == BH_OID_UNCHANGED)
                return EXIT_UNCHANGED;

        /* Changed: into a temporary file beside the real one. */
        *slash = '\0';
        dir_fd = open(real[0] ? real : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0 && asprintf(&tmp_path, "%s/.open-in-dvm.XXXXXX", real) > 0)
                tmp_fd = mkostemp(tmp_path, O_CLOEXEC);
        else
                tmp_path = NULL;
        *slash = '/';
        if (tmp_fd >= 0)
                snprintf(tmp, sizeof(tmp), "%s", strrchr(tmp_path, '/') + 1);
        if (tmp_fd < 0) {
                fprintf(stderr, "%s: %s: temporary file: %s\n", me, shown(file), strerror(errno));
                return EXIT_FAILED;
        }
        r = receive_content(tmp_fd, fd, (uint64_t)st.st_size, reply.size, &same);
        if (r == 0 && !same) {
                if (fchmod(tmp_fd, st.st_mode & 07777) < 0 ||
                    (fchown(tmp_fd, st.st_uid, st.st_gid) < 0 && errno != EPERM) || fsync(tmp_fd) < 0)
                        r = -errno;
        }
        if (r < 0 || same) {
                unlinkat(dir_fd, tmp, 0);
                if (r < 0) {
                        fprintf(stderr, "%s: %s: receiving the changed file: %s\n", me, shown(file),
                                r == -EPIPE   ? "the stream ended early"
                                : r == -EPROTO ? "data after the content"
                                               : strerror(-r));
                        return EXIT_FAILED;
                }
                return EXIT_UNCHANGED;
        }

        /* FILE changed here meanwhile: keep both. */
        if (stat(real, &now) < 0 || !same_file(&st, &now)) {
                char keep[BH_OID_MAX_NAME + 32];

                snprintf(keep, sizeof(keep), "%s.from-disposable", name);
                if (renameat2(dir_fd, tmp, dir_fd, keep, RENAME_NOREPLACE) == 0) {
                        fprintf(stderr, "%s: %s changed here while it was open in the disposable; "
                                        "its version is in %s, yours is kept\n",
                                me, shown(file), shown(keep));
                } else {
                        fprintf(stderr, "%s: %s changed here while it was open in the disposable; "
                                        "its version is in %s, yours is kept\n",
                                me, shown(file), tmp);
                }
                return EXIT_FAILED;
        }
        if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
                fprintf(stderr, "%s: %s: replacing: %s\n", me, shown(file), strerror(errno));
                unlinkat(dir_fd, tmp, 0);
                return EXIT_FAILED;
        }
        fsync(dir_fd);
        fprintf(stderr, "%s: %s: changed in the disposable, saved\n", me, shown(file));
        return EXIT_CHANGED;
}
