/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-open-in-dvm-io: the framing of bulkhead.OpenInVM
 * (docs/open-in-dvm.md) for the service, a shell script in the disposable.
 *
 *   receive DIR      reads the request from stdin: the checked base name
 *                    and exactly SIZE bytes into DIR/NAME (created, never
 *                    replaced, never through a symlink); prints NAME on
 *                    stdout and exits 0, or prints why not and exits 1.
 *   reply FILE       writes "changed SIZE" and FILE's content to stdout.
 *   reply --unchanged
 *   reply --error MESSAGE
 *
 * The request comes from the domain that called: it is checked as any
 * untrusted input, though the disposable has nothing of its own to lose.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "open_in_dvm_proto.h"
#include "util.h"

#define CHUNK (64u * 1024)

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

static int receive(const char *dir)
{
        _cleanup_close_ int dir_fd = -1, fd = -1;
        _cleanup_free_ char *buf = malloc(CHUNK);
        char untrusted_line[BH_OID_MAX_LINE + 1];
        struct bh_oid_request req;
        const char *why = NULL;
        uint64_t left;
        size_t n = 0;

        if (!buf)
                return printf("out of memory\n"), 1;
        /* Byte by byte: nothing after the line is taken from the stream. */
        while (n < BH_OID_MAX_LINE) {
                ssize_t r = read(STDIN_FILENO, untrusted_line + n, 1);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                if (untrusted_line[n++] == '\n')
                        break;
        }
        if (bh_oid_parse_request(untrusted_line, n, &req, &why) < 0) {
                printf("refused: %s\n", why);
                return 1;
        }
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd >= 0)
                fd = openat(dir_fd, req.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
                printf("cannot store the file: %s\n", strerror(errno));
                return 1;
        }
        for (left = req.size; left > 0;) {
                ssize_t r = read(STDIN_FILENO, buf, left < CHUNK ? (size_t)left : CHUNK);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0) {
                        printf("the stream ended %llu bytes early\n", (unsigned long long)left);
                        return 1;
                }
                if (write_all(fd, buf, (size_t)r) < 0) {
                        printf("cannot store the file: %s\n", strerror(errno));
                        return 1;
                }
                left -= (uint64_t)r;
        }
        if (close(TAKE_FD(fd)) < 0) {
                printf("cannot store the file: %s\n", strerror(errno));
                return 1;
        }
        printf("%s\n", req.name);
        return 0;
}

static int reply_file(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = malloc(CHUNK);
        char line[BH_OID_MAX_LINE + 1];
        struct stat st;
        uint64_t left;
        int n;

        if (fd < 0 || !buf || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                n = bh_oid_encode_error(line, "the viewed file is gone or not a regular file");
                return write_all(STDOUT_FILENO, line, (size_t)n) < 0;
        }
        if ((uint64_t)st.st_size > BH_OID_MAX_CONTENT) {
                n = bh_oid_encode_error(line, "the changed file is over the size limit");
                return write_all(STDOUT_FILENO, line, (size_t)n) < 0;
        }
        n = bh_oid_encode_changed(line, (uint64_t)st.st_size);
        if (n < 0 || write_all(STDOUT_FILENO, line, (size_t)n) < 0)
                return 1;
        /* Exactly the size announced: a file that shrinks under us ends the
         * stream early, which the caller refuses. */
        for (left = (uint64_t)st.st_size; left > 0;) {
                ssize_t r = read(fd, buf, left < CHUNK ? (size_t)left : CHUNK);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0 || write_all(STDOUT_FILENO, buf, (size_t)r) < 0)
                        return 1;
                left -= (uint64_t)r;
        }
        return 0;
}

int main(int argc, char **argv)
{
        char line[BH_OID_MAX_LINE + 1];
        int n;

        bh_log_init("bulkhead-open-in-dvm-io");
        if (argc == 3 && strcmp(argv[1], "receive") == 0)
                return receive(argv[2]);
        if (argc == 3 && strcmp(argv[1], "reply") == 0 && strcmp(argv[2], "--unchanged") == 0) {
                n = bh_oid_encode_unchanged(line);
                return write_all(STDOUT_FILENO, line, (size_t)n) < 0;
        }
        if (argc == 4 && strcmp(argv[1], "reply") == 0 && strcmp(argv[2], "--error") == 0) {
                n = bh_oid_encode_error(line, argv[3]);
                return write_all(STDOUT_FILENO, line, (size_t)n) < 0;
        }
        if (argc == 3 && strcmp(argv[1], "reply") == 0 && argv[2][0] != '-')
                return reply_file(argv[2]);
        fprintf(stderr, "usage: bulkhead-open-in-dvm-io receive DIR | reply FILE | "
                        "reply --unchanged | reply --error MESSAGE\n");
        return 2;
}
