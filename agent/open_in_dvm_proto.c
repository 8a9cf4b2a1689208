/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead.OpenInVM's framing (open_in_dvm_proto.h, docs/open-in-dvm.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "filecopy_proto.h"
#include "open_in_dvm_proto.h"

int bh_oid_name_check(const char *untrusted, size_t len, const char **why)
{
        if (len == 0 || len > BH_OID_MAX_NAME) {
                *why = len ? "name too long" : "empty name";
                return -EINVAL;
        }
        if (memchr(untrusted, '/', len)) {
                *why = "name with '/'";
                return -EINVAL;
        }
        if ((len == 1 && untrusted[0] == '.') || (len == 2 && untrusted[0] == '.' && untrusted[1] == '.')) {
                *why = "name is . or ..";
                return -EINVAL;
        }
        /* NUL, control and bidi characters, malformed UTF-8. */
        if (!bh_fc_text_ok((const uint8_t *)untrusted, len)) {
                *why = "name with a control character or invalid UTF-8";
                return -EINVAL;
        }
        return 0;
}

/* SIZE as the framing has it: [0-9]+, no leading zero but "0", at most
 * BH_OID_MAX_CONTENT.  p[0..len) holds exactly the digits. */
static int parse_size(const char *p, size_t len, uint64_t *out)
{
        uint64_t v = 0;

        if (len == 0 || len > 20 || (len > 1 && p[0] == '0'))
                return -EPROTO;
        for (size_t i = 0; i < len; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return -EPROTO;
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(p[i] - '0'), &v))
                        return -EPROTO;
        }
        if (v > BH_OID_MAX_CONTENT)
                return -EPROTO;
        *out = v;
        return 0;
}

int bh_oid_encode_request(char *out, const char *name, uint64_t size)
{
        const char *why;
        int n;

        if (size > BH_OID_MAX_CONTENT || bh_oid_name_check(name, strlen(name), &why) < 0)
                return -EINVAL;
        n = snprintf(out, BH_OID_MAX_LINE + 1, BH_OID_MAGIC " %llu %s\n", (unsigned long long)size, name);
        return n > 0 && n <= (int)BH_OID_MAX_LINE ? n : -EINVAL;
}

int bh_oid_encode_unchanged(char *out)
{
        return snprintf(out, BH_OID_MAX_LINE + 1, "unchanged\n");
}

int bh_oid_encode_changed(char *out, uint64_t size)
{
        if (size > BH_OID_MAX_CONTENT)
                return -EINVAL;
        return snprintf(out, BH_OID_MAX_LINE + 1, "changed %llu\n", (unsigned long long)size);
}

int bh_oid_encode_error(char *out, const char *message)
{
        size_t n = 0;

        n += (size_t)snprintf(out, BH_OID_MAX_LINE + 1, "error ");
        for (size_t i = 0; message[i] && i < BH_OID_MAX_MESSAGE; i++)
                out[n++] = message[i] >= 0x20 && message[i] < 0x7f ? message[i] : '?';
        if (n == 6)
                out[n++] = '?'; /* a message is never empty */
        out[n++] = '\n';
        out[n] = '\0';
        return (int)n;
}

/* The line without its '\n'; -EPROTO when there is none at the end or one
 * before it, or a NUL anywhere. */
static int line_body(const char *untrusted, size_t len, size_t *body, const char **why)
{
        if (len == 0 || len > BH_OID_MAX_LINE || untrusted[len - 1] != '\n') {
                *why = len > BH_OID_MAX_LINE ? "line too long" : "line without its newline";
                return -EPROTO;
        }
        if (memchr(untrusted, '\n', len - 1) || memchr(untrusted, '\0', len - 1)) {
                *why = "newline or NUL inside the line";
                return -EPROTO;
        }
        *body = len - 1;
        return 0;
}

int bh_oid_parse_request(const char *untrusted, size_t len, struct bh_oid_request *out,
                         const char **why)
{
        const size_t ml = sizeof(BH_OID_MAGIC) - 1;
        const char *size_p, *sp;
        size_t body, size_len, name_len;
        uint64_t size;

        if (line_body(untrusted, len, &body, why) < 0)
                return -EPROTO;
        if (body < ml + 1 || memcmp(untrusted, BH_OID_MAGIC " ", ml + 1) != 0) {
                *why = "not a " BH_OID_MAGIC " request";
                return -EPROTO;
        }
        size_p = untrusted + ml + 1;
        sp = memchr(size_p, ' ', body - ml - 1);
        if (!sp) {
                *why = "request without a name";
                return -EPROTO;
        }
        size_len = (size_t)(sp - size_p);
        if (parse_size(size_p, size_len, &size) < 0) {
                *why = "bad or too large size";
                return -EPROTO;
        }
        name_len = body - ml - 1 - size_len - 1;
        if (bh_oid_name_check(sp + 1, name_len, why) < 0)
                return -EPROTO;
        out->size = size;
        memcpy(out->name, sp + 1, name_len);
        out->name[name_len] = '\0';
        return 0;
}

int bh_oid_parse_reply(const char *untrusted, size_t len, struct bh_oid_reply *out,
                       const char **why)
{
        size_t body;

        if (line_body(untrusted, len, &body, why) < 0)
                return -EPROTO;
        if (body == 9 && memcmp(untrusted, "unchanged", 9) == 0) {
                *out = (struct bh_oid_reply){ .kind = BH_OID_UNCHANGED };
                return 0;
        }
        if (body > 8 && memcmp(untrusted, "changed ", 8) == 0) {
                uint64_t size;

                if (parse_size(untrusted + 8, body - 8, &size) < 0) {
                        *why = "bad or too large size";
                        return -EPROTO;
                }
                *out = (struct bh_oid_reply){ .kind = BH_OID_CHANGED, .size = size };
                return 0;
        }
        if (body > 6 && memcmp(untrusted, "error ", 6) == 0) {
                size_t n = body - 6;

                if (n > BH_OID_MAX_MESSAGE) {
                        *why = "error message too long";
                        return -EPROTO;
                }
                for (size_t i = 0; i < n; i++)
                        if (untrusted[6 + i] < 0x20 || untrusted[6 + i] >= 0x7f) {
                                *why = "error message not printable ASCII";
                                return -EPROTO;
                        }
                *out = (struct bh_oid_reply){ .kind = BH_OID_ERROR };
                memcpy(out->message, untrusted + 6, n);
                out->message[n] = '\0';
                return 0;
        }
        *why = "unknown reply";
        return -EPROTO;
}
