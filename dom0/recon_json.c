/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "recon_json.h"
#include "utf8.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
        uint32_t cp;

        return bh_utf8_next(s, n, &cp);
}

void json_write_string(FILE *f, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0;

        fputc('"', f);
        while (i < len) {
                unsigned char c = p[i];
                size_t l;

                switch (c) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\b':
                        fputs("\\b", f);
                        break;
                case '\f':
                        fputs("\\f", f);
                        break;
                default:
                        if (c < 0x20 || c == 0x7f) {
                                fprintf(f, "\\u%04x", c);
                                break;
                        }
                        l = utf8_len(p + i, len - i);
                        if (l == 0) {
                                fputs("\\ufffd", f);
                                break;
                        }
                        fwrite(p + i, 1, l, f);
                        i += l;
                        continue;
                }
                i++;
        }
        fputc('"', f);
}

void json_init(struct json_writer *w, FILE *f)
{
        memset(w, 0, sizeof(*w));
        w->f = f;
}

static void indent(struct json_writer *w)
{
        for (int i = 0; i < w->depth; i++)
                fputs("  ", w->f);
}

/* Writes what goes before a value: comma, newline, indentation, key. */
static bool prefix(struct json_writer *w, const char *key)
{
        if (w->err)
                return false;
        if (w->depth == 0) {
                if (w->done || key) {
                        w->err = -EINVAL;
                        return false;
                }
                return true;
        }
        if (w->in_object[w->depth - 1] != (key != NULL)) {
                w->err = -EINVAL;
                return false;
        }
        if (!w->empty[w->depth - 1])
                fputc(',', w->f);
        fputc('\n', w->f);
        w->empty[w->depth - 1] = false;
        indent(w);
        if (key) {
                json_write_string(w->f, key, strlen(key));
                fputs(": ", w->f);
        }
        return true;
}

static void value_done(struct json_writer *w)
{
        if (w->depth == 0)
                w->done = true;
}

static void begin(struct json_writer *w, const char *key, bool object)
{
        if (!prefix(w, key))
                return;
        if (w->depth >= JSON_MAX_DEPTH) {
                w->err = -EINVAL;
                return;
        }
        fputc(object ? '{' : '[', w->f);
        w->in_object[w->depth] = object;
        w->empty[w->depth] = true;
        w->depth++;
}

static void end(struct json_writer *w, bool object)
{
        if (w->err)
                return;
        if (w->depth == 0 || w->in_object[w->depth - 1] != object) {
                w->err = -EINVAL;
                return;
        }
        w->depth--;
        if (!w->empty[w->depth]) {
                fputc('\n', w->f);
                indent(w);
        }
        fputc(object ? '}' : ']', w->f);
        value_done(w);
}

void json_begin_object(struct json_writer *w, const char *key)
{
        begin(w, key, true);
}

void json_end_object(struct json_writer *w)
{
        end(w, true);
}

void json_begin_array(struct json_writer *w, const char *key)
{
        begin(w, key, false);
}

void json_end_array(struct json_writer *w)
{
        end(w, false);
}

void json_string_len(struct json_writer *w, const char *key, const char *s, size_t len)
{
        if (!prefix(w, key))
                return;
        json_write_string(w->f, s, len);
        value_done(w);
}

void json_string(struct json_writer *w, const char *key, const char *s)
{
        if (!s) {
                json_null(w, key);
                return;
        }
        json_string_len(w, key, s, strlen(s));
}

void json_int(struct json_writer *w, const char *key, int64_t v)
{
        if (!prefix(w, key))
                return;
        fprintf(w->f, "%" PRId64, v);
        value_done(w);
}

void json_uint(struct json_writer *w, const char *key, uint64_t v)
{
        if (!prefix(w, key))
                return;
        fprintf(w->f, "%" PRIu64, v);
        value_done(w);
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
        if (!prefix(w, key))
                return;
        fputs(v ? "true" : "false", w->f);
        value_done(w);
}

void json_null(struct json_writer *w, const char *key)
{
        if (!prefix(w, key))
                return;
        fputs("null", w->f);
        value_done(w);
}

int json_end(struct json_writer *w)
{
        if (!w->err && (w->depth != 0 || !w->done))
                w->err = -EINVAL;
        if (!w->err)
                fputc('\n', w->f);
        if (!w->err && ferror(w->f))
                w->err = -EIO;
        return w->err;
}
