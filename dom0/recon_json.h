/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small streaming JSON writer: objects, arrays, strings, integers,
 * booleans, null; two-space indentation, one member per line.  Strings are
 * escaped per RFC 8259 (quote, backslash, control characters); bytes that
 * are not valid UTF-8 become U+FFFD, so the output is always valid JSON.
 * Misuse (a key inside an array, closing what is not open, nesting past
 * JSON_MAX_DEPTH) is recorded and reported by json_end().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Deeper than any document recon writes (4 levels) by a wide margin. */
#define JSON_MAX_DEPTH 32

struct json_writer {
        FILE *f;
        int depth;
        bool in_object[JSON_MAX_DEPTH]; /* else an array */
        bool empty[JSON_MAX_DEPTH];
        bool done; /* the top-level value is complete */
        int err;   /* first misuse (-EINVAL) or write error (-EIO) */
};

void json_init(struct json_writer *w, FILE *f);
/* key: the member name inside an object; NULL inside an array or at top. */
void json_begin_object(struct json_writer *w, const char *key);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w, const char *key);
void json_end_array(struct json_writer *w);
void json_string(struct json_writer *w, const char *key, const char *s); /* NULL: null */
void json_string_len(struct json_writer *w, const char *key, const char *s, size_t len);
void json_int(struct json_writer *w, const char *key, int64_t v);
void json_uint(struct json_writer *w, const char *key, uint64_t v);
void json_bool(struct json_writer *w, const char *key, bool v);
void json_null(struct json_writer *w, const char *key);
/* Ends the document with a newline.  0, or the first error. */
int json_end(struct json_writer *w);

/* Writes s[0..len) as a JSON string literal, quotes included. */
void json_write_string(FILE *f, const char *s, size_t len);
