/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The framing of bulkhead.OpenInVM (docs/open-in-dvm.md): a file goes to a
 * disposable, is viewed or edited there, and comes back if it changed.
 *
 *   request  "bulkhead-open/1 SIZE NAME\n" then SIZE bytes
 *   reply    "unchanged\n"
 *            "changed SIZE\n" then SIZE bytes
 *            "error MESSAGE\n"
 *
 * SIZE is decimal, no sign, no leading zero (but "0"), at most
 * BH_OID_MAX_CONTENT.  Pure logic, no I/O: the programs read a line (at most
 * BH_OID_MAX_LINE bytes, the '\n' included) and hand it here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BH_OID_MAGIC "bulkhead-open/1"

/* One file's content: large documents and photos fit; a disposable that
 * answers with more cannot make the caller fill its disk. */
#define BH_OID_MAX_CONTENT (1ull << 30)
/* A base name: NAME_MAX. */
#define BH_OID_MAX_NAME 255u
/* A header line: magic, a 20-digit size, a name, separators and '\n' fit. */
#define BH_OID_MAX_LINE 320u
/* The message of an error reply, as shown to the caller's user. */
#define BH_OID_MAX_MESSAGE 200u

enum bh_oid_reply_kind {
        BH_OID_UNCHANGED = 1,
        BH_OID_CHANGED = 2,
        BH_OID_ERROR = 3,
};

struct bh_oid_request {
        uint64_t size;
        char name[BH_OID_MAX_NAME + 1];
};

struct bh_oid_reply {
        enum bh_oid_reply_kind kind;
        uint64_t size;                          /* BH_OID_CHANGED */
        char message[BH_OID_MAX_MESSAGE + 1];   /* BH_OID_ERROR: printable ASCII only */
};

/*
 * A file's base name as it may travel: 1..BH_OID_MAX_NAME bytes of
 * well-formed UTF-8 without control or bidi characters, no '/', not "." or
 * "..".  0 or -EINVAL with *why.
 */
int bh_oid_name_check(const char *untrusted, size_t len, const char **why);

/* Encoders: the line, NUL-terminated, into out[BH_OID_MAX_LINE + 1];
 * return its length (the '\n' included) or -EINVAL (bad name or size). */
int bh_oid_encode_request(char *out, const char *name, uint64_t size);
int bh_oid_encode_unchanged(char *out);
int bh_oid_encode_changed(char *out, uint64_t size);
/* The message is cut at BH_OID_MAX_MESSAGE, anything but printable ASCII
 * becomes '?'. */
int bh_oid_encode_error(char *out, const char *message);

/*
 * Parsers of one line, '\n' included, exactly len bytes (no NUL needed).
 * They fill *out only from checked values.  -EPROTO with *why.
 */
int bh_oid_parse_request(const char *untrusted, size_t len, struct bh_oid_request *out,
                         const char **why);
int bh_oid_parse_reply(const char *untrusted, size_t len, struct bh_oid_reply *out,
                       const char **why);
