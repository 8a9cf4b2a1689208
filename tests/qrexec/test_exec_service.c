/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of what qrexec added to the exec protocol (lib/exec_proto.c):
 * the SERVICE message that names a service instead of an argv, and the
 * caller's role, in which the domain that called a service sends only its
 * stdin because dom0 chose what runs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exec_proto.h"
#include "qrexec_proto.h"

static uint8_t wire[BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD + 64];

static void put32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
}

static const char *repeat(char c, size_t n)
{
        static char s[4][BH_EXEC_HELLO_MAX];
        static unsigned next;
        char *r = s[next++ % 4];

        memset(r, c, n);
        r[n] = '\0';
        return r;
}

/* A SERVICE payload by hand: flags, then the strings as one byte string
 * with their NULs (so a test can leave one out). */
static size_t service_payload(uint8_t *out, uint32_t flags, const void *strings, size_t slen)
{
        put32(out, flags);
        memcpy(out + 4, strings, slen);
        return 4 + slen;
}

/* One header through a peer checker. */
static int header(struct bh_exec_peer *p, uint32_t type, uint32_t len, const char **why)
{
        uint8_t h[BH_EXEC_HDR_SIZE];
        uint32_t t, l;

        bh_exec_put_hdr(h, type, len);
        return bh_exec_peer_check_header(p, h, &t, &l, why);
}

/* ---- the SERVICE message -------------------------------------------------------- */

static void test_service_round_trips(void **state)
{
        static const struct bh_exec_service cases[] = {
                { "bulkhead.Filecopy", "", "work" },
                { "qubes.OpenURL", "https+x.y_z-1", "dom0" },
                { "a", "+", "b" },
        };
        struct bh_exec_service got, big;
        struct bh_exec_peer p;
        const char *why = NULL;
        uint32_t type, len;
        size_t n;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(bh_exec_encode_service(&cases[i], wire, sizeof(wire), &n), 0);
                bh_exec_peer_init(&p, BH_EXEC_FROM_CLIENT);
                assert_int_equal(header(&p, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE, &why), 0);
                assert_int_equal(bh_exec_peer_check_header(&p, wire, &type, &len, &why), 0);
                assert_int_equal(type, BH_EXEC_MSG_SERVICE);
                assert_int_equal(BH_EXEC_HDR_SIZE + len, n);
                /* Flags are zero; the strings follow in order. */
                assert_memory_equal(wire + BH_EXEC_HDR_SIZE, "\0\0\0\0", 4);
                memset(&got, 0x5a, sizeof(got));
                assert_int_equal(bh_exec_service_check(wire + BH_EXEC_HDR_SIZE, len, &got, &why), 0);
                assert_string_equal(got.service, cases[i].service);
                assert_string_equal(got.arg, cases[i].arg);
                assert_string_equal(got.source, cases[i].source);
        }
        /* Every string at qrexec's limits. */
        strcpy(big.service, repeat('s', BH_QREXEC_SERVICE_MAX));
        strcpy(big.arg, repeat('a', BH_QREXEC_ARG_MAX));
        strcpy(big.source, repeat('w', BH_QREXEC_DOMAIN_MAX));
        assert_int_equal(bh_exec_encode_service(&big, wire, sizeof(wire), &n), 0);
        assert_int_equal(n, BH_EXEC_HDR_SIZE + 4 + 65 + 65 + 32);
        assert_int_equal(bh_exec_service_check(wire + BH_EXEC_HDR_SIZE, n - BH_EXEC_HDR_SIZE, &got, &why), 0);
        assert_memory_equal(&got, &big, sizeof(big));
}

static void test_service_encode_refuses_bad_names_and_small_buffers(void **state)
{
        struct bh_exec_service s = { "svc", "arg", "work" };
        size_t n = 0, need;

        (void)state;
        assert_int_equal(bh_exec_encode_service(&s, wire, sizeof(wire), &need), 0);
        assert_int_equal(need, BH_EXEC_HDR_SIZE + 4 + 4 + 4 + 5);
        assert_int_equal(bh_exec_encode_service(&s, wire, need, &n), 0);
        assert_int_equal(bh_exec_encode_service(&s, wire, need - 1, &n), -ENOBUFS);
        strcpy(s.service, "../svc");
        assert_int_equal(bh_exec_encode_service(&s, wire, sizeof(wire), &n), -EINVAL);
        strcpy(s.service, "");
        assert_int_equal(bh_exec_encode_service(&s, wire, sizeof(wire), &n), -EINVAL);
        strcpy(s.service, "svc");
        strcpy(s.arg, "a b");
        assert_int_equal(bh_exec_encode_service(&s, wire, sizeof(wire), &n), -EINVAL);
        strcpy(s.arg, "");
        strcpy(s.source, "-work");
        assert_int_equal(bh_exec_encode_service(&s, wire, sizeof(wire), &n), -EINVAL);
        strcpy(s.source, "");
        assert_int_equal(bh_exec_encode_service(&s, wire, sizeof(wire), &n), -EINVAL);
}

static void test_service_check_refuses_malformed_payloads(void **state)
{
        static const struct {
                const char *strings;
                size_t len;
                const char *why;
        } bad[] = {
                { "s\0", 2, "SERVICE of the wrong size" },
                { "s\0a\0w", 5, "string without its NUL" },
                { "s\0a", 3, "string without its NUL" },
                { "s\0a\0", 4, "string without its NUL" },
                { "s\0\0w\0\0", 6, "bytes after the last field" },
                { "s\0\0w\0x", 6, "bytes after the last field" },
                { "../s\0\0w", 8, "SERVICE with a malformed name" },
                { "s/t\0\0w", 7, "SERVICE with a malformed name" },
                { ".s\0\0w", 6, "SERVICE with a malformed name" },
                { "\0\0w", 4, "SERVICE with a malformed name" },
                { "s\0a b\0w", 8, "SERVICE with a malformed name" },
                { "s\0a\n\0w", 7, "SERVICE with a malformed name" },
                { "s\0\0-w", 6, "SERVICE with a malformed name" },
                { "s\0\0\0", 4, "SERVICE with a malformed name" },
                { "s\0\0w\x01", 6, "SERVICE with a malformed name" },
                { "s\0\0w x", 7, "SERVICE with a malformed name" },
        };
        uint8_t p[BH_EXEC_MAX_PAYLOAD + 8];
        struct bh_exec_service s;
        const char *why;
        char str[512];
        int n;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                why = NULL;
                if (bh_exec_service_check(p, service_payload(p, 0, bad[i].strings, bad[i].len), &s, &why) !=
                    -EPROTO)
                        fail_msg("case %zu accepted", i);
                assert_non_null(why);
                if (strcmp(why, bad[i].why) != 0)
                        fail_msg("case %zu: \"%s\", not \"%s\"", i, why, bad[i].why);
        }
        /* The smallest good one, then unknown flags. */
        assert_int_equal(bh_exec_service_check(p, service_payload(p, 0, "s\0\0w", 5), &s, &why), 0);
        assert_int_equal(bh_exec_service_check(p, service_payload(p, 1, "s\0\0w", 5), &s, &why), -EPROTO);
        assert_string_equal(why, "SERVICE with unknown flags");
        assert_int_equal(bh_exec_service_check(p, service_payload(p, 0x80000000, "s\0\0w", 5), &s, &why),
                         -EPROTO);
        /* Each string one over its limit. */
        n = snprintf(str, sizeof(str), "%s%c%c%s", repeat('s', BH_QREXEC_SERVICE_MAX + 1), 0, 0, "w");
        assert_int_equal(bh_exec_service_check(p, service_payload(p, 0, str, (size_t)n + 1), &s, &why), -EPROTO);
        assert_string_equal(why, "string too long");
        n = snprintf(str, sizeof(str), "s%c%s%c%s", 0, repeat('a', BH_QREXEC_ARG_MAX + 1), 0, "w");
        assert_int_equal(bh_exec_service_check(p, service_payload(p, 0, str, (size_t)n + 1), &s, &why), -EPROTO);
        assert_string_equal(why, "string too long");
        n = snprintf(str, sizeof(str), "s%c%c%s", 0, 0, repeat('w', BH_QREXEC_DOMAIN_MAX + 1));
        assert_int_equal(bh_exec_service_check(p, service_payload(p, 0, str, (size_t)n + 1), &s, &why), -EPROTO);
        assert_string_equal(why, "string too long");
        /* Sizes out of bounds, whatever the content. */
        memset(p, 0, sizeof(p));
        assert_int_equal(bh_exec_service_check(p, BH_EXEC_SERVICE_FIXED + 2, &s, &why), -EPROTO);
        assert_int_equal(bh_exec_service_check(p, BH_EXEC_MAX_PAYLOAD + 1, &s, &why), -EPROTO);
        assert_string_equal(why, "SERVICE of the wrong size");
}

static void test_service_check_leaves_the_output_untouched_when_refusing(void **state)
{
        uint8_t p[64];
        struct bh_exec_service s, s0;
        const char *why = NULL;

        (void)state;
        memset(&s, 0x5a, sizeof(s));
        s0 = s;
        assert_int_equal(bh_exec_service_check(p, service_payload(p, 0, "svc\0arg\0-w", 11), &s, &why), -EPROTO);
        assert_memory_equal(&s, &s0, sizeof(s));
        assert_int_equal(bh_exec_service_check(p, service_payload(p, 0, "svc\0arg\0w\0x", 12), &s, &why), -EPROTO);
        assert_memory_equal(&s, &s0, sizeof(s));
}

/* ---- who may send it ------------------------------------------------------------ */

static void test_client_sends_service_then_stdin(void **state)
{
        struct bh_exec_peer p;
        const char *why = NULL;

        (void)state;
        bh_exec_peer_init(&p, BH_EXEC_FROM_CLIENT);
        assert_int_equal(header(&p, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, 1, &why), -EPROTO);
        assert_string_equal(why, "STDIN before EXEC");
        assert_int_equal(header(&p, BH_EXEC_MSG_SERVICE, BH_EXEC_SERVICE_FIXED + 2, &why), -EPROTO);
        assert_string_equal(why, "SERVICE too short for its fields");
        assert_int_equal(header(&p, BH_EXEC_MSG_SERVICE, BH_EXEC_SERVICE_FIXED + 3, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, 100, &why), 0);
        assert_false(bh_exec_peer_done(&p));
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, 0, &why), 0);
        assert_true(bh_exec_peer_done(&p));
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, 1, &why), -EPROTO);
}

static void test_client_sends_one_exec_or_one_service(void **state)
{
        struct bh_exec_peer p;
        const char *why = NULL;

        (void)state;
        bh_exec_peer_init(&p, BH_EXEC_FROM_CLIENT);
        assert_int_equal(header(&p, BH_EXEC_MSG_SERVICE, 16, &why), -EPROTO);
        assert_string_equal(why, "first message is not HELLO");
        assert_int_equal(header(&p, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_SERVICE, 16, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_SERVICE, 16, &why), -EPROTO);
        assert_string_equal(why, "second EXEC or SERVICE");
        assert_int_equal(header(&p, BH_EXEC_MSG_EXEC, 16, &why), -EPROTO);
        assert_string_equal(why, "second EXEC or SERVICE");

        bh_exec_peer_init(&p, BH_EXEC_FROM_CLIENT);
        assert_int_equal(header(&p, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_EXEC, 16, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_SERVICE, 16, &why), -EPROTO);
        assert_string_equal(why, "second EXEC or SERVICE");
        /* Never from the agent's side. */
        bh_exec_peer_init(&p, BH_EXEC_FROM_AGENT);
        assert_int_equal(header(&p, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_SERVICE, 16, &why), -EPROTO);
        assert_string_equal(why, "message type the agent does not send");
        assert_string_equal(bh_exec_msg_name(BH_EXEC_MSG_SERVICE), "SERVICE");
}

static void test_caller_sends_no_exec_and_no_service(void **state)
{
        struct bh_exec_peer p;
        const char *why = NULL;

        (void)state;
        bh_exec_peer_init(&p, BH_EXEC_FROM_CALLER);
        assert_int_equal(header(&p, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_EXEC, 16, &why), -EPROTO);
        assert_string_equal(why, "EXEC or SERVICE from a caller (dom0 chose the service)");
        assert_int_equal(header(&p, BH_EXEC_MSG_SERVICE, 16, &why), -EPROTO);
        assert_string_equal(why, "EXEC or SERVICE from a caller (dom0 chose the service)");
        /* Not after some input either. */
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, 3, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_EXEC, 16, &why), -EPROTO);
        assert_int_equal(header(&p, BH_EXEC_MSG_SERVICE, BH_EXEC_SERVICE_FIXED + 3, &why), -EPROTO);
        /* Nor the agent's messages. */
        for (uint32_t t = BH_EXEC_MSG_STDOUT; t <= BH_EXEC_MSG_EXIT; t++) {
                assert_int_equal(header(&p, t, t == BH_EXEC_MSG_EXIT ? BH_EXEC_EXIT_SIZE : 1, &why), -EPROTO);
                assert_string_equal(why, "message type the client does not send");
        }
        assert_int_equal(header(&p, 0x20, 8, &why), -EPROTO);
}

static void test_caller_sends_stdin_right_after_hello(void **state)
{
        struct bh_exec_peer p;
        const char *why = NULL;

        (void)state;
        bh_exec_peer_init(&p, BH_EXEC_FROM_CALLER);
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, 1, &why), -EPROTO);
        assert_string_equal(why, "first message is not HELLO");
        assert_int_equal(header(&p, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, BH_EXEC_MAX_PAYLOAD, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, BH_EXEC_MAX_PAYLOAD + 1, &why), -EPROTO);
        assert_int_equal(header(&p, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE, &why), -EPROTO);
        assert_string_equal(why, "second HELLO");
        assert_false(bh_exec_peer_done(&p));
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, 0, &why), 0);
        assert_true(bh_exec_peer_done(&p));
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, 1, &why), -EPROTO);
        assert_string_equal(why, "message after the last one");

        /* EOF at once: a caller with nothing to say. */
        bh_exec_peer_init(&p, BH_EXEC_FROM_CALLER);
        assert_int_equal(header(&p, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE, &why), 0);
        assert_int_equal(header(&p, BH_EXEC_MSG_STDIN, 0, &why), 0);
        assert_true(bh_exec_peer_done(&p));
}

/* A caller's whole stream through the assembler the agent uses. */
static void test_caller_stream_through_the_assembler(void **state)
{
        struct bh_exec_rx *rx = malloc(sizeof(*rx));
        const char *why = NULL;
        uint8_t *where;
        size_t n = 0, off = 0, msgs = 0;
        int r = 0;

        (void)state;
        assert_non_null(rx);
        n += bh_exec_encode_hello(wire);
        bh_exec_put_hdr(wire + n, BH_EXEC_MSG_STDIN, 3);
        memcpy(wire + n + BH_EXEC_HDR_SIZE, "abc", 3);
        n += BH_EXEC_HDR_SIZE + 3;
        bh_exec_put_hdr(wire + n, BH_EXEC_MSG_STDIN, 0);
        n += BH_EXEC_HDR_SIZE;
        bh_exec_rx_init(rx, BH_EXEC_FROM_CALLER);
        while (off < n) {
                size_t want = bh_exec_rx_want(rx, &where), k = want < n - off ? want : n - off;

                assert_true(want > 0);
                memcpy(where, wire + off, k);
                off += k;
                r = bh_exec_rx_fed(rx, k, &why);
                assert_true(r >= 0);
                if (r == 1) {
                        msgs++;
                        bh_exec_rx_next(rx);
                }
        }
        assert_int_equal(msgs, 3);
        assert_true(bh_exec_peer_done(&rx->peer));

        /* The same assembler refuses a caller's SERVICE at its header. */
        struct bh_exec_service s = { "svc", "", "work" };

        n = bh_exec_encode_hello(wire);
        assert_int_equal(bh_exec_encode_service(&s, wire + n, sizeof(wire) - n, &off), 0);
        bh_exec_rx_init(rx, BH_EXEC_FROM_CALLER);
        assert_int_equal(bh_exec_rx_want(rx, &where), BH_EXEC_HDR_SIZE);
        memcpy(where, wire, BH_EXEC_HDR_SIZE);
        assert_int_equal(bh_exec_rx_fed(rx, BH_EXEC_HDR_SIZE, &why), 0);
        assert_int_equal(bh_exec_rx_want(rx, &where), BH_EXEC_HELLO_SIZE);
        memcpy(where, wire + BH_EXEC_HDR_SIZE, BH_EXEC_HELLO_SIZE);
        assert_int_equal(bh_exec_rx_fed(rx, BH_EXEC_HELLO_SIZE, &why), 1);
        bh_exec_rx_next(rx);
        assert_int_equal(bh_exec_rx_want(rx, &where), BH_EXEC_HDR_SIZE);
        memcpy(where, wire + n, BH_EXEC_HDR_SIZE);
        assert_int_equal(bh_exec_rx_fed(rx, BH_EXEC_HDR_SIZE, &why), -EPROTO);
        assert_int_equal(rx->type, BH_EXEC_MSG_SERVICE);
        assert_int_equal(bh_exec_rx_want(rx, &where), 0);
        free(rx);
}

static void test_service_fields_hold_qrexec_names(void **state)
{
        struct bh_exec_service s;

        (void)state;
        assert_int_equal(sizeof(s.service), BH_QREXEC_SERVICE_MAX + 1);
        assert_int_equal(sizeof(s.arg), BH_QREXEC_ARG_MAX + 1);
        assert_int_equal(sizeof(s.source), BH_QREXEC_DOMAIN_MAX + 1);
        /* SERVICE never collides with qrexec's own message numbers. */
        assert_true(BH_EXEC_MSG_SERVICE < 0x20);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_service_round_trips),
                cmocka_unit_test(test_service_encode_refuses_bad_names_and_small_buffers),
                cmocka_unit_test(test_service_check_refuses_malformed_payloads),
                cmocka_unit_test(test_service_check_leaves_the_output_untouched_when_refusing),
                cmocka_unit_test(test_client_sends_service_then_stdin),
                cmocka_unit_test(test_client_sends_one_exec_or_one_service),
                cmocka_unit_test(test_caller_sends_no_exec_and_no_service),
                cmocka_unit_test(test_caller_sends_stdin_right_after_hello),
                cmocka_unit_test(test_caller_stream_through_the_assembler),
                cmocka_unit_test(test_service_fields_hold_qrexec_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
