/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qrexec's control protocol: wire format and checks; see qrexec_proto.h. */
#include <errno.h>
#include <string.h>

#include "qrexec_proto.h"
#include "wire.h"



static int refuse(const char **why, const char *reason)
{
        if (why)
                *why = reason;
        return -EPROTO;
}

/* ---- names ------------------------------------------------------------------ */

static bool name_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
}

bool bh_qrexec_name_ok(const char *s, size_t max)
{
        size_t n = strnlen(s, max + 1);

        if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!name_char(s[i]))
                        return false;
        return true;
}

bool bh_qrexec_arg_ok(const char *s)
{
        size_t n = strnlen(s, BH_QREXEC_ARG_MAX + 1);

        if (n > BH_QREXEC_ARG_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!name_char(s[i]) && s[i] != '+')
                        return false;
        return true;
}

bool bh_qrexec_target_ok(const char *s)
{
        size_t n = strnlen(s, BH_QREXEC_TARGET_MAX + 1);

        if (n == 0 || n > BH_QREXEC_TARGET_MAX)
                return false;
        if (s[0] != '@')
                return bh_qrexec_name_ok(s, BH_QREXEC_DOMAIN_MAX);
        if (n == 1)
                return false;
        for (size_t i = 1; i < n; i++)
                if (!name_char(s[i]) && s[i] != ':' && s[i] != '@')
                        return false;
        return true;
}

int bh_qrexec_split_service(const char *full, char service[BH_QREXEC_SERVICE_MAX + 1],
                            char arg[BH_QREXEC_ARG_MAX + 1])
{
        const char *plus = strchr(full, '+');
        size_t n = plus ? (size_t)(plus - full) : strlen(full);

        if (n == 0 || n > BH_QREXEC_SERVICE_MAX)
                return -EINVAL;
        memcpy(service, full, n);
        service[n] = '\0';
        if (!bh_qrexec_name_ok(service, BH_QREXEC_SERVICE_MAX))
                return -EINVAL;
        if (!plus) {
                arg[0] = '\0';
                return 0;
        }
        if (strlen(plus + 1) > BH_QREXEC_ARG_MAX || !bh_qrexec_arg_ok(plus + 1))
                return -EINVAL;
        strcpy(arg, plus + 1);
        return 0;
}

/* ---- encoding --------------------------------------------------------------- */

static int pack(uint8_t *out, uint32_t type, const uint32_t *ints, size_t ni,
                const char *const *strs, size_t ns)
{
        size_t off = BH_QREXEC_HDR_SIZE;

        for (size_t i = 0; i < ni; i++, off += 4)
                bh_put32(out + off, ints[i]);
        for (size_t i = 0; i < ns; i++) {
                size_t n = strlen(strs[i]) + 1;

                if (n > BH_QREXEC_HDR_SIZE + BH_QREXEC_MAX_PAYLOAD - off)
                        return -E2BIG;
                memcpy(out + off, strs[i], n);
                off += n;
        }
        bh_put32(out, type);
        bh_put32(out + 4, (uint32_t)(off - BH_QREXEC_HDR_SIZE));
        return (int)off;
}

size_t bh_qrexec_encode_hello(uint8_t out[BH_QREXEC_HDR_SIZE + BH_QREXEC_HELLO_SIZE])
{
        const uint32_t ints[] = { BH_QREXEC_PROTO_VERSION, 0 };

        return (size_t)pack(out, BH_QREXEC_MSG_HELLO, ints, 2, NULL, 0);
}

int bh_qrexec_encode_trigger(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_trigger *t)
{
        const uint32_t ints[] = { t->req_id, t->port };
        const char *strs[] = { t->target, t->service, t->arg };

        if (!bh_qrexec_target_ok(t->target) || !bh_qrexec_name_ok(t->service, BH_QREXEC_SERVICE_MAX) ||
            !bh_qrexec_arg_ok(t->arg))
                return -EINVAL;
        return pack(out, BH_QREXEC_MSG_TRIGGER, ints, 2, strs, 3);
}

int bh_qrexec_encode_connect(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_connect *c)
{
        const uint32_t ints[] = { c->req_id, c->target_domid };
        const char *strs[] = { c->target };

        if (c->target_domid > BH_QREXEC_DOMID_MAX || !bh_qrexec_name_ok(c->target, BH_QREXEC_DOMAIN_MAX))
                return -EINVAL;
        return pack(out, BH_QREXEC_MSG_SERVICE_CONNECT, ints, 2, strs, 1);
}

int bh_qrexec_encode_refused(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_refused *r)
{
        const uint32_t ints[] = { r->req_id };

        return pack(out, BH_QREXEC_MSG_SERVICE_REFUSED, ints, 1, NULL, 0);
}

int bh_qrexec_encode_run(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_run *r)
{
        const uint32_t ints[] = { r->req_id, r->peer_domid, r->port };
        const char *strs[] = { r->link, r->service, r->arg, r->source };

        return pack(out, BH_QREXEC_MSG_RUN_SERVICE, ints, 3, strs, 4);
}

int bh_qrexec_encode_done(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_done *d)
{
        const uint32_t ints[] = { d->req_id, d->status };

        return pack(out, BH_QREXEC_MSG_SERVICE_DONE, ints, 2, NULL, 0);
}

/* ---- checking ------------------------------------------------------------- */

void bh_qrexec_peer_init(struct bh_qrexec_peer *p, enum bh_qrexec_role from)
{
        *p = (struct bh_qrexec_peer){ .from = from };
}

const char *bh_qrexec_msg_name(uint32_t type)
{
        switch (type) {
        case BH_QREXEC_MSG_HELLO:
                return "HELLO";
        case BH_QREXEC_MSG_TRIGGER:
                return "TRIGGER";
        case BH_QREXEC_MSG_SERVICE_CONNECT:
                return "SERVICE_CONNECT";
        case BH_QREXEC_MSG_SERVICE_REFUSED:
                return "SERVICE_REFUSED";
        case BH_QREXEC_MSG_RUN_SERVICE:
                return "RUN_SERVICE";
        case BH_QREXEC_MSG_SERVICE_DONE:
                return "SERVICE_DONE";
        }
        return "unknown";
}

/* Smallest payload of each type: its u32 fields and one NUL per string. */
static int min_len(uint32_t type, enum bh_qrexec_role from)
{
        bool agent = from == BH_QREXEC_FROM_AGENT;

        switch (type) {
        case BH_QREXEC_MSG_TRIGGER:
                return agent ? 8 + 3 : -1;
        case BH_QREXEC_MSG_SERVICE_DONE:
                return agent ? 8 : -1;
        case BH_QREXEC_MSG_SERVICE_CONNECT:
                return agent ? -1 : 4 + 1;
        case BH_QREXEC_MSG_SERVICE_REFUSED:
                return agent ? -1 : 4;
        case BH_QREXEC_MSG_RUN_SERVICE:
                return agent ? -1 : 12 + 4;
        }
        return -1;
}

int bh_qrexec_check_header(struct bh_qrexec_peer *p, const uint8_t untrusted_hdr[BH_QREXEC_HDR_SIZE],
                           uint32_t *ret_type, uint32_t *ret_len, const char **why)
{
        uint32_t type = bh_get32(untrusted_hdr), len = bh_get32(untrusted_hdr + 4);
        int min;

        if (len > BH_QREXEC_MAX_PAYLOAD)
                return refuse(why, "length over BH_QREXEC_MAX_PAYLOAD");
        if (!p->hello) {
                if (type != BH_QREXEC_MSG_HELLO)
                        return refuse(why, "first message is not HELLO");
                if (len < BH_QREXEC_HELLO_SIZE)
                        return refuse(why, "HELLO too short");
                p->hello = true;
        } else if (type == BH_QREXEC_MSG_HELLO) {
                return refuse(why, "second HELLO");
        } else {
                min = min_len(type, p->from);
                if (min < 0)
                        return refuse(why, p->from == BH_QREXEC_FROM_AGENT
                                                   ? "message type the agent does not send"
                                                   : "message type the daemon does not send");
                if (len < (uint32_t)min)
                        return refuse(why, "message too short for its fields");
        }
        *ret_type = type;
        *ret_len = len;
        return 0;
}

int bh_qrexec_hello_check(const uint8_t *untrusted, size_t len, uint32_t *ret_version,
                          const char **why)
{
        uint32_t v;

        if (len < BH_QREXEC_HELLO_SIZE || len > BH_QREXEC_MAX_PAYLOAD)
                return refuse(why, "HELLO of the wrong size");
        v = bh_get32(untrusted);
        if (v < 1)
                return refuse(why, "HELLO with version 0");
        *ret_version = v < BH_QREXEC_PROTO_VERSION ? v : BH_QREXEC_PROTO_VERSION;
        return 0;
}

/*
 * Takes ni u32 fields, then exactly ns NUL-terminated strings each at most
 * max[i] bytes long, and nothing after.  Strings are copied to dst[i].
 */
static int unpack(const uint8_t *untrusted, size_t len, uint32_t *ints, size_t ni, char *const *dst,
                  const size_t *max, size_t ns, const char **why)
{
        if (len > BH_QREXEC_MAX_PAYLOAD || len < 4 * ni)
                return refuse(why, "payload of the wrong size");
        for (size_t i = 0; i < ni; i++)
                ints[i] = bh_get32(untrusted + 4 * i);
        return bh_wire_take_strings(untrusted + 4 * ni, untrusted + len, dst, max, ns, why);
}

int bh_qrexec_trigger_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_trigger *out,
                            const char **why)
{
        struct bh_qrexec_trigger t;
        uint32_t ints[2];
        char *const dst[] = { t.target, t.service, t.arg };
        const size_t max[] = { BH_QREXEC_TARGET_MAX, BH_QREXEC_SERVICE_MAX, BH_QREXEC_ARG_MAX };
        int r = unpack(untrusted, len, ints, 2, dst, max, 3, why);

        if (r < 0)
                return r;
        t.req_id = ints[0];
        t.port = ints[1];
        if (t.port < BH_QREXEC_DATA_PORT_MIN || t.port > BH_QREXEC_DATA_PORT_MAX)
                return refuse(why, "TRIGGER data port out of range");
        if (!bh_qrexec_target_ok(t.target))
                return refuse(why, "TRIGGER target malformed");
        if (!bh_qrexec_name_ok(t.service, BH_QREXEC_SERVICE_MAX))
                return refuse(why, "TRIGGER service name malformed");
        if (!bh_qrexec_arg_ok(t.arg))
                return refuse(why, "TRIGGER argument malformed");
        *out = t;
        return 0;
}

int bh_qrexec_connect_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_connect *out,
                            const char **why)
{
        struct bh_qrexec_connect c;
        uint32_t ints[2];
        char *const dst[] = { c.target };
        const size_t max[] = { BH_QREXEC_DOMAIN_MAX };
        int r = unpack(untrusted, len, ints, 2, dst, max, 1, why); /* into a copy */

        if (r < 0)
                return r;
        c.req_id = ints[0];
        c.target_domid = ints[1];
        if (c.target_domid > BH_QREXEC_DOMID_MAX)
                return refuse(why, "SERVICE_CONNECT domain id out of range");
        if (!bh_qrexec_name_ok(c.target, BH_QREXEC_DOMAIN_MAX))
                return refuse(why, "SERVICE_CONNECT target malformed");
        *out = c;
        return 0;
}

int bh_qrexec_refused_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_refused *out,
                            const char **why)
{
        uint32_t id;
        int r = unpack(untrusted, len, &id, 1, NULL, NULL, 0, why);

        if (r < 0)
                return r;
        out->req_id = id;
        return 0;
}

int bh_qrexec_run_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_run *out,
                        const char **why)
{
        struct bh_qrexec_run r;
        uint32_t ints[3];
        char *const dst[] = { r.link, r.service, r.arg, r.source };
        const size_t max[] = { BH_QREXEC_LINK_MAX, BH_QREXEC_SERVICE_MAX, BH_QREXEC_ARG_MAX,
                               BH_QREXEC_DOMAIN_MAX };
        int e = unpack(untrusted, len, ints, 3, dst, max, 4, why);

        if (e < 0)
                return e;
        r.req_id = ints[0];
        r.peer_domid = ints[1];
        r.port = ints[2];
        if (r.port < BH_QREXEC_DATA_PORT_MIN || r.port > BH_QREXEC_DATA_PORT_MAX)
                return refuse(why, "RUN_SERVICE data port out of range");
        if (r.link[0] && !bh_qrexec_name_ok(r.link, BH_QREXEC_LINK_MAX))
                return refuse(why, "RUN_SERVICE link malformed");
        if (!bh_qrexec_name_ok(r.service, BH_QREXEC_SERVICE_MAX) || !bh_qrexec_arg_ok(r.arg))
                return refuse(why, "RUN_SERVICE service malformed");
        if (!bh_qrexec_name_ok(r.source, BH_QREXEC_DOMAIN_MAX))
                return refuse(why, "RUN_SERVICE source malformed");
        *out = r;
        return 0;
}

int bh_qrexec_done_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_done *out,
                         const char **why)
{
        uint32_t ints[2];
        int r = unpack(untrusted, len, ints, 2, NULL, NULL, 0, why);

        if (r < 0)
                return r;
        if (ints[1] > 255)
                return refuse(why, "SERVICE_DONE status over 255");
        out->req_id = ints[0];
        out->status = ints[1];
        return 0;
}
