/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkheadd's local API: the message format, pure (docs/api.md).
 *
 * One message per SOCK_SEQPACKET datagram: NUL-terminated fields.
 *   request:  "bulkhead/1" VERB ARG...
 *   reply:    "ok" FIELD...            or  "error" ERRNO-NAME MESSAGE
 *   event:    "event" KIND DOMAIN      (to subscribers, after "events")
 * Fields are text without NUL; key=value fields are split by the reader.
 */
#pragma once

#include <stddef.h>

#define BH_API_VERSION "bulkhead/1"
/* Largest message either way: a full `ls` of 1000 domains fits (each
 * record is well under 512 bytes); bounds what a client makes us buffer. */
#define BH_API_MSG_MAX (512u * 1024)
/* Most fields in one message: argv of `run` plus a 1000-domain `ls`. */
#define BH_API_FIELDS_MAX 4096u

struct bh_api_msg {
        char *buf;      /* owned copy of the message, fields point into it */
        size_t n;
        const char *f[BH_API_FIELDS_MAX];
};

/*
 * Splits an untrusted message into fields.  Refuses an empty message, one
 * over BH_API_MSG_MAX, one whose last byte is not NUL, and one with more
 * than BH_API_FIELDS_MAX fields.  On success m->buf must be freed
 * (bh_api_msg_free).
 */
int bh_api_parse(const void *untrusted, size_t untrusted_len, struct bh_api_msg *m);
void bh_api_msg_free(struct bh_api_msg *m);

/* A growing message under construction. */
struct bh_api_buf {
        char *data;
        size_t len, cap;
        int err; /* first error; the buffer is unusable after one */
};

void bh_api_buf_init(struct bh_api_buf *b);
void bh_api_add(struct bh_api_buf *b, const char *field);
void bh_api_addf(struct bh_api_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bh_api_buf_free(struct bh_api_buf *b);

/* The value of "key=value" among fields [from, n), or NULL. */
const char *bh_api_get(const struct bh_api_msg *m, size_t from, const char *key);

/* errno names for error replies, and back. */
const char *bh_errno_name(int err);
int bh_errno_from_name(const char *name);
