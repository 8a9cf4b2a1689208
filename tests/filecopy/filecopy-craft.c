/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes a file-copy stream made by hand, for the attack corpus in
 * tests/filecopy/filecopy.sh.  The arguments are a list of pieces:
 *   hello                  a correct HELLO
 *   magic MAGIC VERSION    a HELLO with these values
 *   dir NAME               directory, mode 0755
 *   file NAME CONTENT      file, mode 0644, CONTENT as one DATA chunk
 *   link NAME TARGET       symlink
 *   entry TYPE MODE SIZE NAME   an entry header with NAME (no data)
 *   namelen TYPE LEN       an entry header claiming LEN name bytes, none sent
 *   chunk KIND LEN         a chunk header
 *   bytes TEXT             TEXT as it is
 *   zeros N                N zero bytes
 *   end                    END
 * Numbers take 0x and 0 prefixes.  Every entry but END has mtime 1000000000.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filecopy_proto.h"

#define MTIME 1000000000

static void out(const void *p, size_t n)
{
        if (n && fwrite(p, 1, n, stdout) != n) {
                perror("write");
                exit(1);
        }
}

static unsigned long long num(const char *s)
{
        char *end;
        unsigned long long v = strtoull(s, &end, 0);

        if (!*s || *end) {
                fprintf(stderr, "filecopy-craft: not a number: %s\n", s);
                exit(2);
        }
        return v;
}

static void entry(uint32_t type, uint32_t mode, uint64_t size, uint32_t name_len, const char *name)
{
        uint8_t h[BH_FC_ENTRY_SIZE];
        struct bh_fc_entry e = {
                .type = type, .mode = mode, .size = size, .name_len = name_len,
                .mtime = type == BH_FC_END ? 0 : MTIME,
        };

        bh_fc_put_entry(h, &e);
        out(h, sizeof(h));
        if (name)
                out(name, strlen(name));
}

static void chunk(uint32_t kind, uint64_t len)
{
        uint8_t c[BH_FC_CHUNK_SIZE];

        bh_fc_put_chunk(c, kind, len);
        out(c, sizeof(c));
}

static const char *arg(int argc, char **argv, int i)
{
        if (i >= argc) {
                fprintf(stderr, "filecopy-craft: %s: missing argument\n", argv[argc - 1]);
                exit(2);
        }
        return argv[i];
}

int main(int argc, char **argv)
{
        static const uint8_t zero[4096];

        for (int i = 1; i < argc; i++) {
                const char *c = argv[i];

                if (strcmp(c, "hello") == 0) {
                        uint8_t h[BH_FC_HELLO_SIZE];
                        bh_fc_put_hello(h);
                        out(h, sizeof(h));
                } else if (strcmp(c, "magic") == 0) {
                        uint8_t h[BH_FC_STATUS_SIZE];
                        uint32_t m = (uint32_t)num(arg(argc, argv, i + 1));
                        uint32_t v = (uint32_t)num(arg(argc, argv, i + 2));
                        for (int k = 0; k < 4; k++) {
                                h[k] = (uint8_t)(m >> (8 * k));
                                h[4 + k] = (uint8_t)(v >> (8 * k));
                        }
                        out(h, sizeof(h));
                        i += 2;
                } else if (strcmp(c, "dir") == 0) {
                        const char *n = arg(argc, argv, ++i);
                        entry(BH_FC_DIR, 0755, 0, (uint32_t)strlen(n), n);
                } else if (strcmp(c, "file") == 0) {
                        const char *n = arg(argc, argv, i + 1), *data = arg(argc, argv, i + 2);
                        size_t len = strlen(data);
                        entry(BH_FC_FILE, 0644, len, (uint32_t)strlen(n), n);
                        if (len) {
                                chunk(BH_FC_CHUNK_DATA, len);
                                out(data, len);
                        }
                        i += 2;
                } else if (strcmp(c, "link") == 0) {
                        const char *n = arg(argc, argv, i + 1), *t = arg(argc, argv, i + 2);
                        entry(BH_FC_SYMLINK, 0777, strlen(t), (uint32_t)strlen(n), n);
                        out(t, strlen(t));
                        i += 2;
                } else if (strcmp(c, "entry") == 0) {
                        uint32_t type = (uint32_t)num(arg(argc, argv, i + 1));
                        uint32_t mode = (uint32_t)num(arg(argc, argv, i + 2));
                        uint64_t size = num(arg(argc, argv, i + 3));
                        const char *n = arg(argc, argv, i + 4);
                        entry(type, mode, size, (uint32_t)strlen(n), n);
                        i += 4;
                } else if (strcmp(c, "namelen") == 0) {
                        uint32_t type = (uint32_t)num(arg(argc, argv, i + 1));
                        uint32_t len = (uint32_t)num(arg(argc, argv, i + 2));
                        entry(type, 0644, 0, len, NULL);
                        i += 2;
                } else if (strcmp(c, "chunk") == 0) {
                        uint32_t kind = (uint32_t)num(arg(argc, argv, i + 1));
                        chunk(kind, num(arg(argc, argv, i + 2)));
                        i += 2;
                } else if (strcmp(c, "bytes") == 0) {
                        const char *t = arg(argc, argv, ++i);
                        out(t, strlen(t));
                } else if (strcmp(c, "zeros") == 0) {
                        unsigned long long n = num(arg(argc, argv, ++i));
                        while (n > 0) {
                                size_t k = n < sizeof(zero) ? (size_t)n : sizeof(zero);
                                out(zero, k);
                                n -= k;
                        }
                } else if (strcmp(c, "end") == 0) {
                        entry(BH_FC_END, 0, 0, 0, NULL);
                } else {
                        fprintf(stderr, "filecopy-craft: unknown piece %s\n", c);
                        return 2;
                }
        }
        return fflush(stdout) == 0 ? 0 : 1;
}
