/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of qrexec's control protocol: wire format and checks (lib/qrexec_proto.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "qrexec_proto.h"

static uint8_t wire[BH_QREXEC_MSG_MAX + 64];

static void put32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
}

static void hdr(uint8_t *out, uint32_t type, uint32_t len)
{
        put32(out, type);
        put32(out + 4, len);
}

/*
 * A payload built by hand: u32 fields, then the strings given as one byte
 * string with their NULs (so a test can leave one out).  Returns its length.
 */
static size_t payload(uint8_t *out, const uint32_t *ints, size_t ni, const void *strings, size_t slen)
{
        for (size_t i = 0; i < ni; i++)
                put32(out + 4 * i, ints[i]);
        memcpy(out + 4 * ni, strings, slen);
        return 4 * ni + slen;
}

/* A string of n copies of c, for the length limits. */
static const char *repeat(char c, size_t n)
{
        static char s[4][BH_QREXEC_MAX_PAYLOAD + 2];
        static unsigned next;
        char *r = s[next++ % 4];

        memset(r, c, n);
        r[n] = '\0';
        return r;
}

/* The header a peer checker takes after HELLO, as the daemon or agent sees it. */
static int header_after_hello(enum bh_qrexec_role from, uint32_t type, uint32_t len, const char **why)
{
        struct bh_qrexec_peer p;
        uint8_t h[BH_QREXEC_HDR_SIZE];
        uint32_t t, l;

        bh_qrexec_peer_init(&p, from);
        hdr(h, BH_QREXEC_MSG_HELLO, BH_QREXEC_HELLO_SIZE);
        assert_int_equal(bh_qrexec_check_header(&p, h, &t, &l, why), 0);
        hdr(h, type, len);
        return bh_qrexec_check_header(&p, h, &t, &l, why);
}

/* ---- round trips --------------------------------------------------------------- */

static void test_header_is_little_endian_and_counts_the_payload(void **state)
{
        struct bh_qrexec_done d = { .req_id = 0x11223344, .status = 7 };

        (void)state;
        assert_int_equal(bh_qrexec_encode_done(wire, &d), 16);
        assert_memory_equal(wire, "\x24\0\0\0\x08\0\0\0\x44\x33\x22\x11\x07\0\0\0", 16);
}

static void test_hello_round_trips_and_settles_on_the_lower_version(void **state)
{
        struct bh_qrexec_peer p;
        const char *why = NULL;
        uint32_t type, len, v;
        uint8_t later[BH_QREXEC_HELLO_SIZE + 8] = { 0 };

        (void)state;
        assert_int_equal(bh_qrexec_encode_hello(wire), BH_QREXEC_HDR_SIZE + BH_QREXEC_HELLO_SIZE);
        for (enum bh_qrexec_role from = BH_QREXEC_FROM_AGENT; from <= BH_QREXEC_FROM_DAEMON; from++) {
                bh_qrexec_peer_init(&p, from);
                assert_int_equal(bh_qrexec_check_header(&p, wire, &type, &len, &why), 0);
                assert_int_equal(type, BH_QREXEC_MSG_HELLO);
                assert_int_equal(len, BH_QREXEC_HELLO_SIZE);
        }
        assert_int_equal(bh_qrexec_hello_check(wire + BH_QREXEC_HDR_SIZE, len, &v, &why), 0);
        assert_int_equal(v, BH_QREXEC_PROTO_VERSION);
        /* A later version, with fields this one does not know: ours. */
        put32(later, 9);
        assert_int_equal(bh_qrexec_hello_check(later, sizeof(later), &v, &why), 0);
        assert_int_equal(v, BH_QREXEC_PROTO_VERSION);
        /* Version 0 and short or huge HELLOs are refused. */
        put32(later, 0);
        assert_int_equal(bh_qrexec_hello_check(later, BH_QREXEC_HELLO_SIZE, &v, &why), -EPROTO);
        assert_non_null(why);
        put32(later, 1);
        assert_int_equal(bh_qrexec_hello_check(later, BH_QREXEC_HELLO_SIZE - 1, &v, &why), -EPROTO);
        assert_int_equal(bh_qrexec_hello_check(wire, BH_QREXEC_MAX_PAYLOAD + 1, &v, &why), -EPROTO);
}

/* Encodes, checks the header as the receiving side does, and returns the payload length. */
static uint32_t through_header(int len, enum bh_qrexec_role from, uint32_t want_type)
{
        struct bh_qrexec_peer p;
        uint8_t h[BH_QREXEC_HDR_SIZE];
        const char *why = NULL;
        uint32_t type, plen;

        assert_true(len >= (int)BH_QREXEC_HDR_SIZE);
        bh_qrexec_peer_init(&p, from);
        hdr(h, BH_QREXEC_MSG_HELLO, BH_QREXEC_HELLO_SIZE);
        assert_int_equal(bh_qrexec_check_header(&p, h, &type, &plen, &why), 0);
        assert_int_equal(bh_qrexec_check_header(&p, wire, &type, &plen, &why), 0);
        assert_int_equal(type, want_type);
        assert_int_equal(plen, (uint32_t)len - BH_QREXEC_HDR_SIZE);
        return plen;
}

static void test_trigger_round_trips(void **state)
{
        static const struct bh_qrexec_trigger cases[] = {
                { 1, 1024, "work", "bulkhead.Filecopy", "" },
                { 0xffffffff, 65535, "@dispvm:@tag:browser", "qubes.OpenURL", "https+x-y_z.1" },
                { 0, 4000, "@default", "a", "+" },
        };
        struct bh_qrexec_trigger t, got;
        const char *why = NULL;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint32_t len = through_header(bh_qrexec_encode_trigger(wire, &cases[i]),
                                              BH_QREXEC_FROM_AGENT, BH_QREXEC_MSG_TRIGGER);

                memset(&got, 0x5a, sizeof(got));
                assert_int_equal(bh_qrexec_trigger_check(wire + BH_QREXEC_HDR_SIZE, len, &got, &why), 0);
                assert_int_equal(got.req_id, cases[i].req_id);
                assert_int_equal(got.port, cases[i].port);
                assert_string_equal(got.target, cases[i].target);
                assert_string_equal(got.service, cases[i].service);
                assert_string_equal(got.arg, cases[i].arg);
        }
        /* Every string at its limit: still one message, far under the maximum. */
        t = (struct bh_qrexec_trigger){ .req_id = 5, .port = 2000 };
        strcpy(t.target, repeat('@', BH_QREXEC_TARGET_MAX));
        strcpy(t.service, repeat('s', BH_QREXEC_SERVICE_MAX));
        strcpy(t.arg, repeat('a', BH_QREXEC_ARG_MAX));
        uint32_t len = through_header(bh_qrexec_encode_trigger(wire, &t), BH_QREXEC_FROM_AGENT,
                                      BH_QREXEC_MSG_TRIGGER);
        assert_int_equal(len, 8 + 65 * 3);
        assert_int_equal(bh_qrexec_trigger_check(wire + BH_QREXEC_HDR_SIZE, len, &got, &why), 0);
        assert_memory_equal(&got.target, &t.target, sizeof(t.target));
}

static void test_trigger_encode_refuses_what_check_would_refuse(void **state)
{
        struct bh_qrexec_trigger t = { 1, 1024, "work", "svc", "" };

        (void)state;
        strcpy(t.service, "../svc");
        assert_int_equal(bh_qrexec_encode_trigger(wire, &t), -EINVAL);
        strcpy(t.service, "svc");
        strcpy(t.target, "-work");
        assert_int_equal(bh_qrexec_encode_trigger(wire, &t), -EINVAL);
        strcpy(t.target, "work");
        strcpy(t.arg, "a b");
        assert_int_equal(bh_qrexec_encode_trigger(wire, &t), -EINVAL);
}

static void test_connect_round_trips(void **state)
{
        const struct bh_qrexec_connect c = { 77, "disp4711", 12 };
        struct bh_qrexec_connect got, longest = { 0xfffffffe, "", BH_QREXEC_DOMID_MAX };
        const char *why = NULL;
        uint32_t len;

        (void)state;
        len = through_header(bh_qrexec_encode_connect(wire, &c), BH_QREXEC_FROM_DAEMON,
                             BH_QREXEC_MSG_SERVICE_CONNECT);
        assert_int_equal(bh_qrexec_connect_check(wire + BH_QREXEC_HDR_SIZE, len, &got, &why), 0);
        assert_int_equal(got.req_id, 77);
        assert_string_equal(got.target, "disp4711");
        assert_int_equal(got.target_domid, 12);
        strcpy(longest.target, repeat('d', BH_QREXEC_DOMAIN_MAX));
        len = through_header(bh_qrexec_encode_connect(wire, &longest), BH_QREXEC_FROM_DAEMON,
                             BH_QREXEC_MSG_SERVICE_CONNECT);
        assert_int_equal(bh_qrexec_connect_check(wire + BH_QREXEC_HDR_SIZE, len, &got, &why), 0);
        assert_string_equal(got.target, longest.target);
        assert_int_equal(got.req_id, 0xfffffffe);
}

static void test_refused_round_trips(void **state)
{
        const struct bh_qrexec_refused r = { 0xdeadbeef };
        struct bh_qrexec_refused got;
        const char *why = NULL;
        uint32_t len;

        (void)state;
        len = through_header(bh_qrexec_encode_refused(wire, &r), BH_QREXEC_FROM_DAEMON,
                             BH_QREXEC_MSG_SERVICE_REFUSED);
        assert_int_equal(len, 4);
        assert_int_equal(bh_qrexec_refused_check(wire + BH_QREXEC_HDR_SIZE, len, &got, &why), 0);
        assert_int_equal(got.req_id, 0xdeadbeef);
}

static void test_run_round_trips(void **state)
{
        static const struct bh_qrexec_run cases[] = {
                { 1, 12, 1024, "in-4242-1", "bulkhead.Filecopy", "", "work" },
                { 0xffffffff, 0x7fef, 65535, "", "qubes.OpenURL", "a+b", "personal" },
        };
        struct bh_qrexec_run got, big;
        const char *why = NULL;
        uint32_t len;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                len = through_header(bh_qrexec_encode_run(wire, &cases[i]), BH_QREXEC_FROM_DAEMON,
                                     BH_QREXEC_MSG_RUN_SERVICE);
                assert_int_equal(bh_qrexec_run_check(wire + BH_QREXEC_HDR_SIZE, len, &got, &why), 0);
                assert_int_equal(got.req_id, cases[i].req_id);
                assert_int_equal(got.peer_domid, cases[i].peer_domid);
                assert_int_equal(got.port, cases[i].port);
                assert_string_equal(got.link, cases[i].link);
                assert_string_equal(got.service, cases[i].service);
                assert_string_equal(got.arg, cases[i].arg);
                assert_string_equal(got.source, cases[i].source);
        }
        /* Every string at its limit: the largest message there is, under 300 bytes. */
        big = (struct bh_qrexec_run){ .req_id = 3, .peer_domid = 4, .port = 5000 };
        strcpy(big.link, repeat('l', BH_QREXEC_LINK_MAX));
        strcpy(big.service, repeat('s', BH_QREXEC_SERVICE_MAX));
        strcpy(big.arg, repeat('a', BH_QREXEC_ARG_MAX));
        strcpy(big.source, repeat('w', BH_QREXEC_DOMAIN_MAX));
        len = through_header(bh_qrexec_encode_run(wire, &big), BH_QREXEC_FROM_DAEMON,
                             BH_QREXEC_MSG_RUN_SERVICE);
        assert_true(BH_QREXEC_HDR_SIZE + len < 300);
        assert_int_equal(bh_qrexec_run_check(wire + BH_QREXEC_HDR_SIZE, len, &got, &why), 0);
        assert_string_equal(got.source, big.source);
        assert_string_equal(got.link, big.link);
}

static void test_done_round_trips_every_status(void **state)
{
        struct bh_qrexec_done got;
        const char *why = NULL;

        (void)state;
        for (uint32_t s = 0; s <= 255; s++) {
                struct bh_qrexec_done d = { .req_id = s * 7919, .status = s };
                uint32_t len = through_header(bh_qrexec_encode_done(wire, &d), BH_QREXEC_FROM_AGENT,
                                              BH_QREXEC_MSG_SERVICE_DONE);

                assert_int_equal(bh_qrexec_done_check(wire + BH_QREXEC_HDR_SIZE, len, &got, &why), 0);
                assert_int_equal(got.req_id, d.req_id);
                assert_int_equal(got.status, s);
        }
}

/* ---- headers --------------------------------------------------------------------- */

static void test_header_refuses_unknown_types(void **state)
{
        static const uint32_t unknown[] = { 0, 2, 3, 0x10, 0x13, 0x1f, 0x25, 0x3f, 0xff, 0xffffffff };
        const char *why = NULL;

        (void)state;
        for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
                why = NULL;
                assert_int_equal(header_after_hello(BH_QREXEC_FROM_AGENT, unknown[i], 16, &why), -EPROTO);
                assert_non_null(why);
                why = NULL;
                assert_int_equal(header_after_hello(BH_QREXEC_FROM_DAEMON, unknown[i], 16, &why), -EPROTO);
                assert_non_null(why);
        }
        assert_string_equal(bh_qrexec_msg_name(0x77), "unknown");
        assert_string_equal(bh_qrexec_msg_name(BH_QREXEC_MSG_TRIGGER), "TRIGGER");
}

static void test_header_refuses_the_other_sides_messages(void **state)
{
        const char *why = NULL;

        (void)state;
        /* The agent never sends dom0's answers or requests... */
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_AGENT, BH_QREXEC_MSG_RUN_SERVICE, 64, &why), -EPROTO);
        assert_string_equal(why, "message type the agent does not send");
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_AGENT, BH_QREXEC_MSG_SERVICE_CONNECT, 16, &why),
                         -EPROTO);
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_AGENT, BH_QREXEC_MSG_SERVICE_REFUSED, 4, &why),
                         -EPROTO);
        /* ...and dom0 never calls services or reports their end. */
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_DAEMON, BH_QREXEC_MSG_TRIGGER, 64, &why), -EPROTO);
        assert_string_equal(why, "message type the daemon does not send");
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_DAEMON, BH_QREXEC_MSG_SERVICE_DONE, 8, &why),
                         -EPROTO);
        /* Each side's own messages pass. */
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_AGENT, BH_QREXEC_MSG_TRIGGER, 64, &why), 0);
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_AGENT, BH_QREXEC_MSG_SERVICE_DONE, 8, &why), 0);
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_DAEMON, BH_QREXEC_MSG_SERVICE_CONNECT, 5, &why), 0);
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_DAEMON, BH_QREXEC_MSG_SERVICE_REFUSED, 4, &why), 0);
        assert_int_equal(header_after_hello(BH_QREXEC_FROM_DAEMON, BH_QREXEC_MSG_RUN_SERVICE, 16, &why), 0);
}

static void test_header_wants_hello_first_and_only_once(void **state)
{
        struct bh_qrexec_peer p;
        uint8_t h[BH_QREXEC_HDR_SIZE];
        const char *why = NULL;
        uint32_t t, l;

        (void)state;
        for (enum bh_qrexec_role from = BH_QREXEC_FROM_AGENT; from <= BH_QREXEC_FROM_DAEMON; from++) {
                uint32_t first = from == BH_QREXEC_FROM_AGENT ? BH_QREXEC_MSG_TRIGGER
                                                              : BH_QREXEC_MSG_SERVICE_REFUSED;

                bh_qrexec_peer_init(&p, from);
                hdr(h, first, 64);
                assert_int_equal(bh_qrexec_check_header(&p, h, &t, &l, &why), -EPROTO);
                assert_string_equal(why, "first message is not HELLO");
                /* A HELLO too short for its fields does not count as one. */
                hdr(h, BH_QREXEC_MSG_HELLO, BH_QREXEC_HELLO_SIZE - 1);
                assert_int_equal(bh_qrexec_check_header(&p, h, &t, &l, &why), -EPROTO);
                hdr(h, first, 64);
                assert_int_equal(bh_qrexec_check_header(&p, h, &t, &l, &why), -EPROTO);
                /* A longer one does (later versions append fields). */
                hdr(h, BH_QREXEC_MSG_HELLO, BH_QREXEC_MAX_PAYLOAD);
                assert_int_equal(bh_qrexec_check_header(&p, h, &t, &l, &why), 0);
                hdr(h, BH_QREXEC_MSG_HELLO, BH_QREXEC_HELLO_SIZE);
                assert_int_equal(bh_qrexec_check_header(&p, h, &t, &l, &why), -EPROTO);
                assert_string_equal(why, "second HELLO");
        }
}

static void test_header_refuses_lengths_out_of_bounds(void **state)
{
        static const struct {
                enum bh_qrexec_role from;
                uint32_t type, min;
        } types[] = {
                { BH_QREXEC_FROM_AGENT, BH_QREXEC_MSG_TRIGGER, 8 + 3 },
                { BH_QREXEC_FROM_AGENT, BH_QREXEC_MSG_SERVICE_DONE, 8 },
                { BH_QREXEC_FROM_DAEMON, BH_QREXEC_MSG_SERVICE_CONNECT, 4 + 1 },
                { BH_QREXEC_FROM_DAEMON, BH_QREXEC_MSG_SERVICE_REFUSED, 4 },
                { BH_QREXEC_FROM_DAEMON, BH_QREXEC_MSG_RUN_SERVICE, 12 + 4 },
        };
        struct bh_qrexec_peer p;
        uint8_t h[BH_QREXEC_HDR_SIZE];
        const char *why = NULL;
        uint32_t t, l;

        (void)state;
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                assert_int_equal(header_after_hello(types[i].from, types[i].type, types[i].min, &why), 0);
                assert_int_equal(header_after_hello(types[i].from, types[i].type, BH_QREXEC_MAX_PAYLOAD, &why), 0);
                assert_int_equal(header_after_hello(types[i].from, types[i].type, types[i].min - 1, &why), -EPROTO);
                assert_string_equal(why, "message too short for its fields");
                assert_int_equal(header_after_hello(types[i].from, types[i].type, 0, &why), -EPROTO);
                assert_int_equal(header_after_hello(types[i].from, types[i].type, BH_QREXEC_MAX_PAYLOAD + 1, &why),
                                 -EPROTO);
                assert_string_equal(why, "length over BH_QREXEC_MAX_PAYLOAD");
                assert_int_equal(header_after_hello(types[i].from, types[i].type, 0xffffffff, &why), -EPROTO);
        }
        /* An oversized HELLO is refused before anything else. */
        bh_qrexec_peer_init(&p, BH_QREXEC_FROM_AGENT);
        hdr(h, BH_QREXEC_MSG_HELLO, BH_QREXEC_MAX_PAYLOAD + 1);
        assert_int_equal(bh_qrexec_check_header(&p, h, &t, &l, &why), -EPROTO);
        assert_string_equal(why, "length over BH_QREXEC_MAX_PAYLOAD");
}

/* ---- payloads -------------------------------------------------------------------- */

static void test_payload_refuses_strings_without_their_nul(void **state)
{
        uint8_t p[BH_QREXEC_MAX_PAYLOAD];
        const uint32_t two[] = { 1, 1024 }, three[] = { 1, 0, 1024 };
        struct bh_qrexec_trigger t;
        struct bh_qrexec_connect c;
        struct bh_qrexec_run r;
        const char *why = NULL;
        size_t n;

        (void)state;
        n = payload(p, two, 2, "work\0svc\0arg", 12);
        assert_int_equal(bh_qrexec_trigger_check(p, n, &t, &why), -EPROTO);
        assert_string_equal(why, "string without its NUL");
        n = payload(p, two, 2, "work\0svc", 8);
        assert_int_equal(bh_qrexec_trigger_check(p, n, &t, &why), -EPROTO);
        assert_string_equal(why, "string without its NUL");
        n = payload(p, two, 2, "work\0svc\0", 9); /* the argument missing altogether */
        assert_int_equal(bh_qrexec_trigger_check(p, n, &t, &why), -EPROTO);
        n = payload(p, two, 2, "work\0svc\0\0", 10);
        assert_int_equal(bh_qrexec_trigger_check(p, n, &t, &why), 0);
        n = payload(p, two, 2, "disp1", 5);
        assert_int_equal(bh_qrexec_connect_check(p, n, &c, &why), -EPROTO);
        assert_string_equal(why, "string without its NUL");
        n = payload(p, three, 3, "\0svc\0\0work", 10);
        assert_int_equal(bh_qrexec_run_check(p, n, &r, &why), -EPROTO);
        assert_string_equal(why, "string without its NUL");
        n = payload(p, three, 3, "\0svc\0\0work\0", 11);
        assert_int_equal(bh_qrexec_run_check(p, n, &r, &why), 0);
}

static void test_payload_refuses_strings_over_their_limit(void **state)
{
        uint8_t p[BH_QREXEC_MAX_PAYLOAD];
        const uint32_t two[] = { 1, 1024 }, three[] = { 1, 0, 1024 };
        struct bh_qrexec_trigger t;
        struct bh_qrexec_connect c;
        struct bh_qrexec_run r;
        const char *why = NULL;
        char s[BH_QREXEC_MAX_PAYLOAD];
        int n;

        (void)state;
        /* TRIGGER: target, service, argument; each at its limit, then one over. */
        n = snprintf(s, sizeof(s), "@%s%c%s%c%s", repeat('t', BH_QREXEC_TARGET_MAX - 1), 0,
                     repeat('s', BH_QREXEC_SERVICE_MAX), 0, repeat('a', BH_QREXEC_ARG_MAX));
        assert_int_equal(bh_qrexec_trigger_check(p, payload(p, two, 2, s, (size_t)n + 1), &t, &why), 0);
        n = snprintf(s, sizeof(s), "@%s%c%s%c%s", repeat('t', BH_QREXEC_TARGET_MAX), 0, "svc", 0, "");
        assert_int_equal(bh_qrexec_trigger_check(p, payload(p, two, 2, s, (size_t)n + 1), &t, &why), -EPROTO);
        assert_string_equal(why, "string too long");
        n = snprintf(s, sizeof(s), "%s%c%s%c%s", "work", 0, repeat('s', BH_QREXEC_SERVICE_MAX + 1), 0, "");
        assert_int_equal(bh_qrexec_trigger_check(p, payload(p, two, 2, s, (size_t)n + 1), &t, &why), -EPROTO);
        assert_string_equal(why, "string too long");
        n = snprintf(s, sizeof(s), "%s%c%s%c%s", "work", 0, "svc", 0, repeat('a', BH_QREXEC_ARG_MAX + 1));
        assert_int_equal(bh_qrexec_trigger_check(p, payload(p, two, 2, s, (size_t)n + 1), &t, &why), -EPROTO);
        assert_string_equal(why, "string too long");
        /* A plain domain name as target: the registry's 31 bytes, not 64. */
        n = snprintf(s, sizeof(s), "%s%c%s%c%s", repeat('w', BH_QREXEC_DOMAIN_MAX), 0, "svc", 0, "");
        assert_int_equal(bh_qrexec_trigger_check(p, payload(p, two, 2, s, (size_t)n + 1), &t, &why), 0);
        n = snprintf(s, sizeof(s), "%s%c%s%c%s", repeat('w', BH_QREXEC_DOMAIN_MAX + 1), 0, "svc", 0, "");
        assert_int_equal(bh_qrexec_trigger_check(p, payload(p, two, 2, s, (size_t)n + 1), &t, &why), -EPROTO);
        /* SERVICE_CONNECT: a domain name. */
        n = snprintf(s, sizeof(s), "%s", repeat('d', BH_QREXEC_DOMAIN_MAX + 1));
        assert_int_equal(bh_qrexec_connect_check(p, payload(p, two, 2, s, (size_t)n + 1), &c, &why), -EPROTO);
        assert_string_equal(why, "string too long");
        /* RUN_SERVICE: link, service, argument, source. */
        n = snprintf(s, sizeof(s), "%s%c%s%c%c%s", repeat('l', BH_QREXEC_LINK_MAX + 1), 0, "svc", 0, 0, "work");
        assert_int_equal(bh_qrexec_run_check(p, payload(p, three, 3, s, (size_t)n + 1), &r, &why), -EPROTO);
        n = snprintf(s, sizeof(s), "%c%s%c%s%c%s", 0, repeat('s', BH_QREXEC_SERVICE_MAX + 1), 0,
                     repeat('a', BH_QREXEC_ARG_MAX), 0, "work");
        assert_int_equal(bh_qrexec_run_check(p, payload(p, three, 3, s, (size_t)n + 1), &r, &why), -EPROTO);
        n = snprintf(s, sizeof(s), "%c%s%c%s%c%s", 0, "svc", 0, repeat('a', BH_QREXEC_ARG_MAX + 1), 0, "work");
        assert_int_equal(bh_qrexec_run_check(p, payload(p, three, 3, s, (size_t)n + 1), &r, &why), -EPROTO);
        n = snprintf(s, sizeof(s), "%c%s%c%c%s", 0, "svc", 0, 0, repeat('w', BH_QREXEC_DOMAIN_MAX + 1));
        assert_int_equal(bh_qrexec_run_check(p, payload(p, three, 3, s, (size_t)n + 1), &r, &why), -EPROTO);
        assert_string_equal(why, "string too long");
}

static void test_connect_refuses_a_domid_out_of_range(void **state)
{
        uint8_t out[BH_QREXEC_MSG_MAX], p[64];
        const uint32_t ok[] = { 5, BH_QREXEC_DOMID_MAX }, bad[] = { 5, BH_QREXEC_DOMID_MAX + 1 };
        struct bh_qrexec_connect c, huge = { 1, "qb", BH_QREXEC_DOMID_MAX + 1 };
        const char *why = NULL;

        (void)state;
        assert_int_equal(bh_qrexec_connect_check(p, payload(p, ok, 2, "qb", 3), &c, &why), 0);
        assert_int_equal(c.target_domid, BH_QREXEC_DOMID_MAX);
        assert_int_equal(bh_qrexec_connect_check(p, payload(p, bad, 2, "qb", 3), &c, &why), -EPROTO);
        assert_string_equal(why, "SERVICE_CONNECT domain id out of range");
        assert_int_equal(bh_qrexec_encode_connect(out, &huge), -EINVAL);
}

static void test_payload_refuses_bytes_after_the_last_field(void **state)
{
        uint8_t p[BH_QREXEC_MAX_PAYLOAD];
        const uint32_t ints[] = { 1, 1024, 1024 };
        struct bh_qrexec_trigger t;
        struct bh_qrexec_connect c;
        struct bh_qrexec_refused rf;
        struct bh_qrexec_run r;
        struct bh_qrexec_done d;
        const char *why = NULL;

        (void)state;
        assert_int_equal(bh_qrexec_trigger_check(p, payload(p, ints, 2, "w\0s\0\0x", 7), &t, &why), -EPROTO);
        assert_string_equal(why, "bytes after the last field");
        assert_int_equal(bh_qrexec_trigger_check(p, payload(p, ints, 2, "w\0s\0\0\0", 6), &t, &why), -EPROTO);
        assert_int_equal(bh_qrexec_connect_check(p, payload(p, ints, 2, "d\0\0", 3), &c, &why), -EPROTO);
        assert_string_equal(why, "bytes after the last field");
        assert_int_equal(bh_qrexec_refused_check(p, payload(p, ints, 1, "\0", 1), &rf, &why), -EPROTO);
        assert_string_equal(why, "bytes after the last field");
        assert_int_equal(bh_qrexec_run_check(p, payload(p, ints, 3, "\0s\0\0w\0!", 8), &r, &why), -EPROTO);
        assert_string_equal(why, "bytes after the last field");
        assert_int_equal(bh_qrexec_done_check(p, payload(p, ints, 3, "", 0), &d, &why), -EPROTO);
        assert_string_equal(why, "bytes after the last field");
        /* And too little for the u32 fields. */
        assert_int_equal(bh_qrexec_done_check(p, 7, &d, &why), -EPROTO);
        assert_int_equal(bh_qrexec_refused_check(p, 3, &rf, &why), -EPROTO);
        assert_int_equal(bh_qrexec_trigger_check(p, 7, &t, &why), -EPROTO);
        assert_int_equal(bh_qrexec_run_check(p, 11, &r, &why), -EPROTO);
        assert_int_equal(bh_qrexec_connect_check(p, 0, &c, &why), -EPROTO);
        /* Or more than a message can hold. */
        memset(p, 0, sizeof(p));
        assert_int_equal(bh_qrexec_refused_check(p, BH_QREXEC_MAX_PAYLOAD + 1, &rf, &why), -EPROTO);
}

/* Names a domain must never get past: each is refused as service, as domain
 * name, and as argument where the argument's alphabet excludes it too. */
static const char *const bad_names[] = {
        "",        "/",        "a/b",     "../etc",  "..",      ".",       ".hidden", "-rf",
        "-",       "a b",      " a",      "a\t",     "a\n",     "a\r",     "a\x01",   "a\x1b[2J",
        "a\x7f",   "a\xc3\xa9", "a;b",    "a|b",     "$x",      "a*",      "a\\b",    "a'b",
        "a\"b",    "a=b",      "a:b",     "a@b",     "a+b",     "a,b",     "~a",      "a%n",
};

static void test_names_with_bad_characters_are_refused(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
                const char *s = bad_names[i];

                if (bh_qrexec_name_ok(s, BH_QREXEC_SERVICE_MAX))
                        fail_msg("name \"%s\" accepted", s);
                if (bh_qrexec_name_ok(s, BH_QREXEC_DOMAIN_MAX))
                        fail_msg("domain \"%s\" accepted", s);
                if (s[0] != '@' && bh_qrexec_target_ok(s))
                        fail_msg("target \"%s\" accepted", s);
        }
        /* Names as they are meant. */
        assert_true(bh_qrexec_name_ok("bulkhead.Filecopy", BH_QREXEC_SERVICE_MAX));
        assert_true(bh_qrexec_name_ok("my-domain_2", BH_QREXEC_DOMAIN_MAX));
        assert_true(bh_qrexec_name_ok("a..b", BH_QREXEC_DOMAIN_MAX)); /* no '/': not a path step */
        assert_true(bh_qrexec_name_ok(repeat('n', 31), BH_QREXEC_DOMAIN_MAX));
        assert_false(bh_qrexec_name_ok(repeat('n', 32), BH_QREXEC_DOMAIN_MAX));
        /* Arguments: may be empty and hold '+', nothing else beyond names. */
        assert_true(bh_qrexec_arg_ok(""));
        assert_true(bh_qrexec_arg_ok("a+b.c_d-e"));
        assert_true(bh_qrexec_arg_ok(repeat('a', BH_QREXEC_ARG_MAX)));
        assert_false(bh_qrexec_arg_ok(repeat('a', BH_QREXEC_ARG_MAX + 1)));
        for (const char *const *a = (const char *const[]){ "a/b", "a b", "a\n", "a\x01", "a:b", "a@b",
                                                           "$x", "a;b", "a\xc3\xa9", NULL };
             *a; a++)
                if (bh_qrexec_arg_ok(*a))
                        fail_msg("argument \"%s\" accepted", *a);
        /* Targets: a domain name, or '@' and a token. */
        assert_true(bh_qrexec_target_ok("@dispvm:@tag:browser"));
        assert_true(bh_qrexec_target_ok("@default"));
        assert_true(bh_qrexec_target_ok(repeat('@', BH_QREXEC_TARGET_MAX)));
        assert_false(bh_qrexec_target_ok(repeat('@', BH_QREXEC_TARGET_MAX + 1)));
        for (const char *const *a = (const char *const[]){ "@", "@a/b", "@a b", "@\n", "@a+b", "@$", NULL };
             *a; a++)
                if (bh_qrexec_target_ok(*a))
                        fail_msg("target \"%s\" accepted", *a);
}

/* A TRIGGER with the given strings (NULs added) from port 1024. */
static int trigger_with(const char *target, const char *service, const char *arg, const char **why)
{
        static uint8_t p[BH_QREXEC_MAX_PAYLOAD];
        struct bh_qrexec_trigger t;
        size_t n = 8;

        put32(p, 1);
        put32(p + 4, 1024);
        for (const char *s[] = { target, service, arg }, **q = s; q < s + 3; q++) {
                memcpy(p + n, *q, strlen(*q) + 1);
                n += strlen(*q) + 1;
        }
        return bh_qrexec_trigger_check(p, n, &t, why);
}

static void test_checks_refuse_messages_with_bad_names(void **state)
{
        uint8_t p[BH_QREXEC_MAX_PAYLOAD];
        const uint32_t ints[] = { 1, 0, 1024 };
        struct bh_qrexec_connect c;
        struct bh_qrexec_run r;
        const char *why = NULL;
        char s[256];
        int n;

        (void)state;
        for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
                const char *b = bad_names[i];

                if (trigger_with("work", b, "", &why) != -EPROTO)
                        fail_msg("TRIGGER with service \"%s\" accepted", b);
                if (trigger_with(b, "svc", "", &why) != -EPROTO)
                        fail_msg("TRIGGER with target \"%s\" accepted", b);
                n = snprintf(s, sizeof(s), "%s", b);
                if (bh_qrexec_connect_check(p, payload(p, ints, 2, s, (size_t)n + 1), &c, &why) != -EPROTO)
                        fail_msg("SERVICE_CONNECT to \"%s\" accepted", b);
                n = snprintf(s, sizeof(s), "%c%s%c%c%s", 0, b, 0, 0, "work");
                if (bh_qrexec_run_check(p, payload(p, ints, 3, s, (size_t)n + 1), &r, &why) != -EPROTO)
                        fail_msg("RUN_SERVICE of \"%s\" accepted", b);
                n = snprintf(s, sizeof(s), "%c%s%c%c%s", 0, "svc", 0, 0, b);
                if (bh_qrexec_run_check(p, payload(p, ints, 3, s, (size_t)n + 1), &r, &why) != -EPROTO)
                        fail_msg("RUN_SERVICE from \"%s\" accepted", b);
                /* An empty link is the Xen transport's; any other bad one is refused. */
                n = snprintf(s, sizeof(s), "%s%c%s%c%c%s", b, 0, "svc", 0, 0, "work");
                if (b[0] && bh_qrexec_run_check(p, payload(p, ints, 3, s, (size_t)n + 1), &r, &why) != -EPROTO)
                        fail_msg("RUN_SERVICE with link \"%s\" accepted", b);
        }
        assert_int_equal(trigger_with("work", "svc", "a/b", &why), -EPROTO);
        assert_string_equal(why, "TRIGGER argument malformed");
        assert_int_equal(trigger_with("work", "../svc", "", &why), -EPROTO);
        assert_string_equal(why, "TRIGGER service name malformed");
        assert_int_equal(trigger_with("-work", "svc", "", &why), -EPROTO);
        assert_string_equal(why, "TRIGGER target malformed");
        assert_int_equal(trigger_with("@dispvm:work", "svc", "x+y", &why), 0);
        /* A string with a NUL inside is two strings: the count is off. */
        n = snprintf(s, sizeof(s), "%c%s%c%s%c%s", 0, "svc", 0, "a", 0, "work");
        s[n + 1] = 'x';
        s[n + 2] = '\0';
        assert_int_equal(bh_qrexec_run_check(p, payload(p, ints, 3, s, (size_t)n + 3), &r, &why), -EPROTO);
}

static void test_data_ports_out_of_range_are_refused(void **state)
{
        static const struct {
                uint32_t port;
                int want;
        } ports[] = {
                { 0, -EPROTO },     { 1, -EPROTO },       { 512, -EPROTO },      { 513, -EPROTO },
                { 1023, -EPROTO },  { 1024, 0 },          { 4242, 0 },           { 65535, 0 },
                { 65536, -EPROTO }, { 0x80000000, -EPROTO }, { 0xffffffff, -EPROTO },
        };
        uint8_t p[BH_QREXEC_MAX_PAYLOAD];
        struct bh_qrexec_trigger t;
        struct bh_qrexec_run r;
        const char *why = NULL;

        (void)state;
        for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
                const uint32_t two[] = { 9, ports[i].port }, three[] = { 9, 0, ports[i].port };

                why = NULL;
                if (bh_qrexec_trigger_check(p, payload(p, two, 2, "w\0s\0", 5), &t, &why) != ports[i].want)
                        fail_msg("TRIGGER with port %u: not %d", ports[i].port, ports[i].want);
                if (ports[i].want)
                        assert_string_equal(why, "TRIGGER data port out of range");
                else
                        assert_int_equal(t.port, ports[i].port);
                if (bh_qrexec_run_check(p, payload(p, three, 3, "\0s\0\0w", 6), &r, &why) != ports[i].want)
                        fail_msg("RUN_SERVICE with port %u: not %d", ports[i].port, ports[i].want);
                if (ports[i].want)
                        assert_string_equal(why, "RUN_SERVICE data port out of range");
        }
}

static void test_done_status_over_255_is_refused(void **state)
{
        static const uint32_t bad[] = { 256, 257, 1000, 0x10000, 0x7fffffff, 0xffffffff };
        uint8_t p[8];
        struct bh_qrexec_done d = { 0, 0 };
        const char *why = NULL;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                put32(p, 3);
                put32(p + 4, bad[i]);
                assert_int_equal(bh_qrexec_done_check(p, 8, &d, &why), -EPROTO);
                assert_string_equal(why, "SERVICE_DONE status over 255");
                assert_int_equal(d.status, 0); /* untouched */
        }
        put32(p + 4, 255);
        assert_int_equal(bh_qrexec_done_check(p, 8, &d, &why), 0);
        assert_int_equal(d.status, 255);
        assert_int_equal(d.req_id, 3);
}

/* What a refused message leaves behind: nothing the caller could mistake. */
static void test_refused_payloads_leave_the_output_untouched(void **state)
{
        uint8_t p[BH_QREXEC_MAX_PAYLOAD];
        const uint32_t ints[] = { 0xabcdef01, 1024, 1024 };
        struct bh_qrexec_trigger t, t0;
        struct bh_qrexec_connect c, c0;
        struct bh_qrexec_run r, r0;
        struct bh_qrexec_done d, d0;
        const char *why = NULL;

        (void)state;
        memset(&t, 0x5a, sizeof(t));
        t0 = t;
        assert_int_equal(bh_qrexec_trigger_check(p, payload(p, ints, 2, "w\0../s\0", 8), &t, &why), -EPROTO);
        assert_memory_equal(&t, &t0, sizeof(t));
        memset(&c, 0x5a, sizeof(c));
        c0 = c;
        assert_int_equal(bh_qrexec_connect_check(p, payload(p, ints, 2, "a b\0", 4), &c, &why), -EPROTO);
        assert_memory_equal(&c, &c0, sizeof(c));
        memset(&r, 0x5a, sizeof(r));
        r0 = r;
        assert_int_equal(bh_qrexec_run_check(p, payload(p, ints, 3, "\0s\0\0-w", 7), &r, &why), -EPROTO);
        assert_memory_equal(&r, &r0, sizeof(r));
        memset(&d, 0x5a, sizeof(d));
        d0 = d;
        assert_int_equal(bh_qrexec_done_check(p, payload(p, ints, 2, "x", 1), &d, &why), -EPROTO);
        assert_memory_equal(&d, &d0, sizeof(d));
}

/* ---- service names ------------------------------------------------------------- */

static void test_split_service_separates_service_and_argument(void **state)
{
        char service[BH_QREXEC_SERVICE_MAX + 1], arg[BH_QREXEC_ARG_MAX + 1];
        char full[BH_QREXEC_SERVICE_MAX + BH_QREXEC_ARG_MAX + 8];

        (void)state;
        assert_int_equal(bh_qrexec_split_service("bulkhead.Filecopy", service, arg), 0);
        assert_string_equal(service, "bulkhead.Filecopy");
        assert_string_equal(arg, "");
        assert_int_equal(bh_qrexec_split_service("qubes.OpenURL+https", service, arg), 0);
        assert_string_equal(service, "qubes.OpenURL");
        assert_string_equal(arg, "https");
        /* Only the first '+' splits; an empty argument is no argument. */
        assert_int_equal(bh_qrexec_split_service("s+a+b", service, arg), 0);
        assert_string_equal(service, "s");
        assert_string_equal(arg, "a+b");
        assert_int_equal(bh_qrexec_split_service("s+", service, arg), 0);
        assert_string_equal(arg, "");
        /* Both parts at their limits, then one over each. */
        snprintf(full, sizeof(full), "%s+%s", repeat('s', BH_QREXEC_SERVICE_MAX), repeat('a', BH_QREXEC_ARG_MAX));
        assert_int_equal(bh_qrexec_split_service(full, service, arg), 0);
        assert_int_equal(strlen(service), BH_QREXEC_SERVICE_MAX);
        assert_int_equal(strlen(arg), BH_QREXEC_ARG_MAX);
        snprintf(full, sizeof(full), "%s+a", repeat('s', BH_QREXEC_SERVICE_MAX + 1));
        assert_int_equal(bh_qrexec_split_service(full, service, arg), -EINVAL);
        snprintf(full, sizeof(full), "s+%s", repeat('a', BH_QREXEC_ARG_MAX + 1));
        assert_int_equal(bh_qrexec_split_service(full, service, arg), -EINVAL);
        /* Malformed either side. */
        for (const char *const *b = (const char *const[]){ "", "+", "+arg", "../x", "-x+a", ".x", "a b",
                                                           "s+a/b", "s+a b", "s+\n", "s/t+a", "s+a:b", NULL };
             *b; b++)
                if (bh_qrexec_split_service(*b, service, arg) != -EINVAL)
                        fail_msg("\"%s\" accepted", *b);
}

static void test_limits_fit_together(void **state)
{
        (void)state;
        /* The largest message of any type fits the payload limit. */
        assert_true(12 + BH_QREXEC_LINK_MAX + BH_QREXEC_SERVICE_MAX + BH_QREXEC_ARG_MAX + BH_QREXEC_DOMAIN_MAX + 4 <=
                    BH_QREXEC_MAX_PAYLOAD);
        assert_true(8 + BH_QREXEC_TARGET_MAX + BH_QREXEC_SERVICE_MAX + BH_QREXEC_ARG_MAX + 3 <=
                    BH_QREXEC_MAX_PAYLOAD);
        /* Many messages fit a ring; ports never meet the agent's own. */
        assert_true(BH_QREXEC_RING_SIZE >= 32 * BH_QREXEC_MSG_MAX);
        assert_true(BH_QREXEC_DATA_PORT_MIN > BH_QREXEC_PORT);
        /* A link name ("in-" PID "-" counter) fits. */
        assert_true(BH_QREXEC_LINK_MAX >= strlen("in-4194304-4294967295"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_header_is_little_endian_and_counts_the_payload),
                cmocka_unit_test(test_hello_round_trips_and_settles_on_the_lower_version),
                cmocka_unit_test(test_trigger_round_trips),
                cmocka_unit_test(test_trigger_encode_refuses_what_check_would_refuse),
                cmocka_unit_test(test_connect_round_trips),
                cmocka_unit_test(test_refused_round_trips),
                cmocka_unit_test(test_run_round_trips),
                cmocka_unit_test(test_done_round_trips_every_status),
                cmocka_unit_test(test_header_refuses_unknown_types),
                cmocka_unit_test(test_header_refuses_the_other_sides_messages),
                cmocka_unit_test(test_header_wants_hello_first_and_only_once),
                cmocka_unit_test(test_header_refuses_lengths_out_of_bounds),
                cmocka_unit_test(test_payload_refuses_strings_without_their_nul),
                cmocka_unit_test(test_payload_refuses_strings_over_their_limit),
                cmocka_unit_test(test_connect_refuses_a_domid_out_of_range),
                cmocka_unit_test(test_payload_refuses_bytes_after_the_last_field),
                cmocka_unit_test(test_names_with_bad_characters_are_refused),
                cmocka_unit_test(test_checks_refuse_messages_with_bad_names),
                cmocka_unit_test(test_data_ports_out_of_range_are_refused),
                cmocka_unit_test(test_done_status_over_255_is_refused),
                cmocka_unit_test(test_refused_payloads_leave_the_output_untouched),
                cmocka_unit_test(test_split_service_separates_service_and_argument),
                cmocka_unit_test(test_limits_fit_together),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
