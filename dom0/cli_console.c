/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead console NAME [--all]: what a domain's console said, the last
 * CONSOLE_TAIL bytes unless --all.  bulkheadd names the file (the container
 * backend's log, or xenconsoled's); the domain wrote it, so it reaches the
 * terminal through lib/console_text.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_proto.h"
#include "cli.h"
#include "console_text.h"
#include "util.h"

#define CONSOLE_TAIL (64 * 1024)

/* Writes fd's bytes from off to its end, made safe, to stdout; a line cut
 * by the tail's start is left out. */
static int print_from(int fd, off_t off)
{
        char buf[16384];
        bool first = off > 0;
        ssize_t n;

        if (lseek(fd, off, SEEK_SET) < 0)
                return -errno;
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                const char *p = buf;
                size_t len = (size_t)n;

                if (first) {
                        const char *nl = memchr(buf, '\n', len);

                        if (!nl)
                                continue;
                        first = false;
                        len -= (size_t)(nl + 1 - buf);
                        p = nl + 1;
                }
                if (bh_console_text_write(p, len, stdout) < 0)
                        return -EIO;
        }
        if (n < 0)
                return -errno;
        return fflush(stdout) == 0 ? 0 : -EIO;
}

int cli_console(int argc, char **argv)
{
        struct bh_api_msg *m = NULL;
        _cleanup_close_ int fd = -1;
        const char *name = NULL, *path;
        bool all = false;
        struct stat st;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--all") == 0)
                        all = true;
                else if (argv[i][0] == '-' || name)
                        return cli_usage_error("console", "give one domain name, and --all for the whole log");
                else
                        name = argv[i];
        }
        if (!name)
                return cli_usage_error("console", "give one domain name");
        r = cli_call("console", (char *[]){ (char *)name, NULL }, &m);
        if (r != EXIT_OK)
                return r;
        path = bh_api_get(m, 1, "path");
        if (!path || path[0] != '/') {
                fprintf(stderr, "bulkhead: incomplete reply from bulkheadd\n");
                cli_reply_free(m);
                return EXIT_FAIL;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT) {
                fprintf(stderr, "bulkhead: %s's console has said nothing yet (%s)\n", name, path);
                cli_reply_free(m);
                return EXIT_OK;
        }
        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "bulkhead: %s: %s\n", path, strerror(errno));
                cli_reply_free(m);
                return EXIT_FAIL;
        }
        cli_reply_free(m);
        r = print_from(fd, all || st.st_size <= CONSOLE_TAIL ? 0 : st.st_size - CONSOLE_TAIL);
        if (r < 0) {
                fprintf(stderr, "bulkhead: console %s: %s\n", name, strerror(-r));
                return EXIT_FAIL;
        }
        return EXIT_OK;
}
