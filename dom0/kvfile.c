/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kvfile.h"

int bh_kv_error(char *err, size_t errlen, const char *filename, unsigned line,
                const char *fmt, ...)
{
        va_list ap;
        int n;

        if (!err || errlen == 0)
                return -EINVAL;
        if (line > 0)
                n = snprintf(err, errlen, "%s:%u: ", filename, line);
        else
                n = snprintf(err, errlen, "%s: ", filename);
        if (n < 0 || (size_t)n >= errlen)
                return -EINVAL;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

int bh_kv_init(struct bh_kv_reader *r, const char *untrusted_text, size_t len,
               const char *filename, size_t max_text, size_t max_line, char *err,
               size_t errlen)
{
        *r = (struct bh_kv_reader){
                .p = untrusted_text,
                .end = untrusted_text + len,
                .filename = filename,
                .max_line = max_line,
        };
        if (len > max_text) {
                bh_kv_error(err, errlen, filename, 0, "file is %zu bytes, at most %zu allowed",
                            len, max_text);
                return -EFBIG;
        }
        return 0;
}

static int is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static void trim(const char **b, const char **e)
{
        while (*b < *e && is_blank(**b))
                (*b)++;
        while (*e > *b && is_blank((*e)[-1]))
                (*e)--;
}

/* Says what is wrong with byte c so that the message itself never carries
 * a control character from the file. */
static int bad_byte(struct bh_kv_reader *r, unsigned char c, size_t col, char *err,
                    size_t errlen)
{
        if (c == 0)
                return bh_kv_error(err, errlen, r->filename, r->line, "NUL byte at column %zu",
                                   col);
        if (c == '\r')
                return bh_kv_error(err, errlen, r->filename, r->line,
                                   "carriage return at column %zu (DOS line ends are not allowed)",
                                   col);
        if (c < 0x20 || c == 0x7f)
                return bh_kv_error(err, errlen, r->filename, r->line,
                                   "control character 0x%02x at column %zu", c, col);
        return bh_kv_error(err, errlen, r->filename, r->line,
                           "non-ASCII byte 0x%02x at column %zu", c, col);
}

int bh_kv_next(struct bh_kv_reader *r, char key[BH_KV_KEY_MAX + 1], char *value,
               size_t valuesize, char *err, size_t errlen)
{
        for (;;) {
                const char *b = r->p, *nl, *eq, *kb, *ke, *vb, *ve;

                if (b >= r->end)
                        return 0;
                r->line++;
                nl = memchr(b, '\n', (size_t)(r->end - b));
                if ((size_t)((nl ? nl : r->end) - b) > r->max_line)
                        return bh_kv_error(err, errlen, r->filename, r->line,
                                           "line longer than %zu bytes", r->max_line);
                if (!nl)
                        return bh_kv_error(err, errlen, r->filename, r->line,
                                           "last line has no newline (truncated file?)");
                r->p = nl + 1;
                for (const char *q = b; q < nl; q++) {
                        unsigned char c = (unsigned char)*q;

                        if ((c < 0x20 && c != '\t') || c > 0x7e)
                                return bad_byte(r, c, (size_t)(q - b) + 1, err, errlen);
                }
                kb = b;
                ke = nl;
                trim(&kb, &ke);
                if (kb == ke || *kb == '#')
                        continue;

                eq = memchr(kb, '=', (size_t)(ke - kb));
                if (!eq)
                        return bh_kv_error(err, errlen, r->filename, r->line,
                                           "expected key=value");
                vb = eq + 1;
                ve = ke;
                ke = eq;
                trim(&kb, &ke);
                trim(&vb, &ve);
                if (kb == ke)
                        return bh_kv_error(err, errlen, r->filename, r->line,
                                           "empty key before '='");
                if ((size_t)(ke - kb) > BH_KV_KEY_MAX)
                        return bh_kv_error(err, errlen, r->filename, r->line,
                                           "key longer than %d bytes", BH_KV_KEY_MAX);
                for (const char *q = kb; q < ke; q++)
                        if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_'))
                                return bh_kv_error(err, errlen, r->filename, r->line,
                                                   "key '%.*s' has a character other than a-z, 0-9, '_'",
                                                   (int)(ke - kb), kb);
                if ((size_t)(ve - vb) >= valuesize)
                        return bh_kv_error(err, errlen, r->filename, r->line,
                                           "value of '%.*s' longer than %zu bytes",
                                           (int)(ke - kb), kb, valuesize - 1);
                memcpy(key, kb, (size_t)(ke - kb));
                key[ke - kb] = '\0';
                memcpy(value, vb, (size_t)(ve - vb));
                value[ve - vb] = '\0';
                return 1;
        }
}
