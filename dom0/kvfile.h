/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `key=value` line format of dom0's small state files (domain records,
 * template.conf): one pair a line, `#` comments, blank lines.  Pure: it reads
 * a buffer, so the parsers built on it can be unit-tested and fuzzed.
 *
 * Rules, so that a damaged file is refused rather than half-read:
 *   - every line ends with '\n' (a last line without one means truncation);
 *   - no NUL, no control character other than a tab, no byte above 0x7e;
 *   - a key is [a-z0-9_]+; spaces and tabs around key and value are ignored;
 *   - a line is at most max_line bytes, the whole text at most max_text.
 * Errors read `FILE:LINE: reason`.
 */
#pragma once

#include <stddef.h>

#define BH_KV_KEY_MAX 32

struct bh_kv_reader {
        const char *p, *end;
        const char *filename;
        unsigned line;  /* of the pair last returned */
        size_t max_line;
};

/* -EFBIG (and a message) if the text is longer than max_text. */
int bh_kv_init(struct bh_kv_reader *r, const char *untrusted_text, size_t len,
               const char *filename, size_t max_text, size_t max_line, char *err,
               size_t errlen);

/* 1 and the next pair (NUL-terminated copies), 0 at the end of the text,
 * -EINVAL and a message for a malformed line. */
int bh_kv_next(struct bh_kv_reader *r, char key[BH_KV_KEY_MAX + 1], char *value,
               size_t valuesize, char *err, size_t errlen);

/* Formats "FILE:LINE: " + message into err; line 0 leaves the line out.
 * Always returns -EINVAL, for `return bh_kv_error(...)`. */
int bh_kv_error(char *err, size_t errlen, const char *filename, unsigned line,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
