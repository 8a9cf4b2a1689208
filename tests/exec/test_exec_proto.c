/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the exec protocol's wire format and checks (lib/exec_proto.c). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "exec_proto.h"

static uint8_t wire[BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD + 64];

static void hdr(uint8_t *out, uint32_t type, uint32_t len)
{
        bh_exec_put_hdr(out, type, len);
}

/* Feeds a whole byte string through an assembler; returns the last result. */
static int feed(struct bh_exec_rx *rx, const uint8_t *p, size_t len, int *messages,
                const char **why)
{
        int r = 0;

        *messages = 0;
        while (len > 0) {
                uint8_t *where;
                size_t want = bh_exec_rx_want(rx, &where);
                size_t n = want < len ? want : len;

                if (want == 0)
                        return -100; /* a message left waiting: a bug in the test */
                memcpy(where, p, n);
                p += n;
                len -= n;
                r = bh_exec_rx_fed(rx, n, why);
                if (r < 0)
                        return r;
                if (r == 1) {
                        (*messages)++;
                        bh_exec_rx_next(rx);
                }
        }
        return r;
}

static void test_header_is_little_endian(void **state)
{
        uint8_t h[8];

        (void)state;
        hdr(h, 0x11223344, 0x00010203);
        assert_memory_equal(h, "\x44\x33\x22\x11\x03\x02\x01\x00", 8);
}

static void test_exec_round_trip_keeps_argv_exactly(void **state)
{
        char *const argv[] = { "printf", "%s|", "a b", "", "$HOME", "*", NULL };
        char **got = NULL;
        const char *why = NULL;
        size_t len;

        (void)state;
        assert_int_equal(bh_exec_encode_exec(argv, wire, sizeof(wire), &len), 0);
        assert_int_equal(len, 8 + 8 + 7 + 4 + 4 + 1 + 6 + 2);
        assert_int_equal(bh_exec_exec_check(wire + 8, len - 8, &got, &why), 0);
        for (int i = 0; argv[i]; i++)
                assert_string_equal(got[i], argv[i]);
        assert_null(got[6]);
        free(got);
}

static void test_exec_encode_refuses_bad_argv(void **state)
{
        char *const empty[] = { NULL };
        char *const empty0[] = { "", NULL };
        char **many = calloc(BH_EXEC_MAX_ARGC + 2, sizeof(char *));
        char *big = malloc(BH_EXEC_MAX_ARGV_BYTES + 1);
        char *const toolong[] = { big, NULL };
        size_t len;

        (void)state;
        assert_int_equal(bh_exec_encode_exec(empty, wire, sizeof(wire), &len), -EINVAL);
        assert_int_equal(bh_exec_encode_exec(empty0, wire, sizeof(wire), &len), -EINVAL);
        assert_int_equal(bh_exec_encode_exec(NULL, wire, sizeof(wire), &len), -EINVAL);
        for (unsigned i = 0; i <= BH_EXEC_MAX_ARGC; i++)
                many[i] = "x";
        assert_int_equal(bh_exec_encode_exec(many, wire, sizeof(wire), &len), -E2BIG);
        many[BH_EXEC_MAX_ARGC] = NULL;
        assert_int_equal(bh_exec_encode_exec(many, wire, sizeof(wire), &len), 0);
        assert_int_equal(bh_exec_encode_exec(many, wire, 100, &len), -ENOBUFS);
        /* One string exactly filling the argv bytes fits; one byte more does not. */
        memset(big, 'a', BH_EXEC_MAX_ARGV_BYTES);
        big[BH_EXEC_MAX_ARGV_BYTES] = '\0';
        assert_int_equal(bh_exec_encode_exec(toolong, wire, sizeof(wire), &len), -E2BIG);
        big[BH_EXEC_MAX_ARGV_BYTES - 1] = '\0';
        assert_int_equal(bh_exec_encode_exec(toolong, wire, sizeof(wire), &len), 0);
        assert_int_equal(len, BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD);
        free(many);
        free(big);
}

static void test_exec_check_refuses_malformed_payloads(void **state)
{
        uint8_t p[64];
        char **argv = NULL;
        const char *why = NULL;

        (void)state;
        memset(p, 0, sizeof(p));
        /* flags 0, argc 1, "true\0" */
        p[4] = 1;
        memcpy(p + 8, "true", 5);
        assert_int_equal(bh_exec_exec_check(p, 13, &argv, &why), 0);
        free(argv);
        assert_int_equal(bh_exec_exec_check(p, 12, &argv, &why), -EPROTO); /* no NUL */
        assert_string_equal(why, "EXEC argument not terminated");
        assert_int_equal(bh_exec_exec_check(p, 14, &argv, &why), -EPROTO); /* trailing byte */
        assert_int_equal(bh_exec_exec_check(p, 7, &argv, &why), -EPROTO);
        p[4] = 2; /* argc says 2, one string present */
        assert_int_equal(bh_exec_exec_check(p, 13, &argv, &why), -EPROTO);
        p[4] = 0;
        assert_int_equal(bh_exec_exec_check(p, 13, &argv, &why), -EPROTO);
        p[4] = 1;
        p[0] = 1; /* a flag version 1 does not know */
        assert_int_equal(bh_exec_exec_check(p, 13, &argv, &why), -EPROTO);
        assert_string_equal(why, "EXEC with unknown flags");
        p[0] = 0;
        p[8] = '\0'; /* empty program name */
        assert_int_equal(bh_exec_exec_check(p, 13, &argv, &why), -EPROTO);
        p[8] = 't';
        /* argc over the limit, whatever the strings */
        p[4] = (BH_EXEC_MAX_ARGC + 1) & 0xff;
        p[5] = (BH_EXEC_MAX_ARGC + 1) >> 8;
        assert_int_equal(bh_exec_exec_check(p, 13, &argv, &why), -EPROTO);
        assert_string_equal(why, "EXEC argument count out of range");
        p[7] = 0x80; /* argc with the top bit set */
        assert_int_equal(bh_exec_exec_check(p, 13, &argv, &why), -EPROTO);
}

static void test_hello_negotiates_the_lower_version(void **state)
{
        uint8_t m[BH_EXEC_HDR_SIZE + BH_EXEC_HELLO_SIZE];
        uint8_t p[BH_EXEC_HELLO_MAX + 1];
        uint32_t v = 0;
        const char *why;

        (void)state;
        assert_int_equal(bh_exec_encode_hello(m), sizeof(m));
        assert_int_equal(bh_exec_hello_check(m + 8, 8, &v, &why), 0);
        assert_int_equal(v, BH_EXEC_PROTO_VERSION);
        memset(p, 0, sizeof(p));
        p[0] = 9; /* a newer peer with a longer HELLO */
        assert_int_equal(bh_exec_hello_check(p, BH_EXEC_HELLO_MAX, &v, &why), 0);
        assert_int_equal(v, BH_EXEC_PROTO_VERSION);
        assert_int_equal(bh_exec_hello_check(p, BH_EXEC_HELLO_MAX + 1, &v, &why), -EPROTO);
        assert_int_equal(bh_exec_hello_check(p, 7, &v, &why), -EPROTO);
        p[0] = 0;
        assert_int_equal(bh_exec_hello_check(p, 8, &v, &why), -EPROTO);
}

static void test_exit_status_is_bounded(void **state)
{
        uint8_t m[12];
        uint32_t s = 0;
        const char *why;

        (void)state;
        assert_int_equal(bh_exec_encode_exit(m, 255), 12);
        assert_int_equal(bh_exec_exit_check(m + 8, 4, &s, &why), 0);
        assert_int_equal(s, 255);
        bh_exec_encode_exit(m, 256);
        assert_int_equal(bh_exec_exit_check(m + 8, 4, &s, &why), -EPROTO);
        assert_int_equal(bh_exec_exit_check(m + 8, 3, &s, &why), -EPROTO);
        assert_int_equal(bh_exec_exit_check(m + 8, 5, &s, &why), -EPROTO);
}

static void test_status_from_wait_follows_the_shell(void **state)
{
        (void)state;
        assert_int_equal(bh_exec_status_from_wait(0), 0);
        assert_int_equal(bh_exec_status_from_wait(3 << 8), 3);
        assert_int_equal(bh_exec_status_from_wait(255 << 8), 255);
        assert_int_equal(bh_exec_status_from_wait(SIGKILL), 137);
        assert_int_equal(bh_exec_status_from_wait(SIGTERM | 0x80), 143); /* core dumped */
}

static void test_agent_stream_in_order_is_accepted(void **state)
{
        struct bh_exec_rx *rx = malloc(sizeof(*rx));
        const char *why = NULL;
        size_t n = 0;
        int msgs;

        (void)state;
        bh_exec_rx_init(rx, BH_EXEC_FROM_AGENT);
        n += bh_exec_encode_hello(wire + n);
        hdr(wire + n, BH_EXEC_MSG_STDOUT, 3);
        memcpy(wire + n + 8, "out", 3);
        n += 11;
        hdr(wire + n, BH_EXEC_MSG_STDERR, 0);
        n += 8;
        hdr(wire + n, BH_EXEC_MSG_STDOUT, 0);
        n += 8;
        n += bh_exec_encode_exit(wire + n, 7);
        assert_int_equal(feed(rx, wire, n, &msgs, &why), 1);
        assert_int_equal(msgs, 5);
        assert_true(bh_exec_peer_done(&rx->peer));
        /* Nothing may follow EXIT. */
        hdr(wire, BH_EXEC_MSG_STDOUT, 1);
        assert_int_equal(feed(rx, wire, 8, &msgs, &why), -EPROTO);
        assert_string_equal(why, "message after the last one");
        free(rx);
}

static void test_agent_stream_order_violations_are_refused(void **state)
{
        struct bh_exec_rx *rx = malloc(sizeof(*rx));
        static const struct {
                uint32_t type, len;
                bool after_hello, after_eofs;
                const char *why;
        } cases[] = {
                { BH_EXEC_MSG_STDOUT, 1, false, false, "first message is not HELLO" },
                { BH_EXEC_MSG_HELLO, 4, false, false, "HELLO of the wrong size" },
                { BH_EXEC_MSG_HELLO, 8, true, false, "second HELLO" },
                { BH_EXEC_MSG_EXEC, 16, true, false, "message type the agent does not send" },
                { BH_EXEC_MSG_STDIN, 1, true, false, "message type the agent does not send" },
                { 0x77, 1, true, false, "message type the agent does not send" },
                { BH_EXEC_MSG_EXIT, 4, true, false, "EXIT before the end of stdout and stderr" },
                { BH_EXEC_MSG_EXIT, 8, true, true, "EXIT of the wrong size" },
                { BH_EXEC_MSG_STDOUT, 1, true, true, "STDOUT after its end" },
                { BH_EXEC_MSG_STDERR, 1, true, true, "STDERR after its end" },
                { BH_EXEC_MSG_STDOUT, BH_EXEC_MAX_PAYLOAD + 1, true, false,
                  "length over BH_EXEC_MAX_PAYLOAD" },
                { BH_EXEC_MSG_STDOUT, 0xffffffffu, true, false, "length over BH_EXEC_MAX_PAYLOAD" },
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *why = NULL;
                size_t n = 0;
                int msgs;

                bh_exec_rx_init(rx, BH_EXEC_FROM_AGENT);
                if (cases[i].after_hello)
                        n += bh_exec_encode_hello(wire + n);
                if (cases[i].after_eofs) {
                        hdr(wire + n, BH_EXEC_MSG_STDOUT, 0);
                        hdr(wire + n + 8, BH_EXEC_MSG_STDERR, 0);
                        n += 16;
                }
                hdr(wire + n, cases[i].type, cases[i].len);
                n += 8;
                assert_int_equal(feed(rx, wire, n, &msgs, &why), -EPROTO);
                assert_string_equal(why, cases[i].why);
                /* Refused before any payload was asked for, and for good. */
                assert_int_equal(rx->have, 8);
                uint8_t *where;
                assert_int_equal(bh_exec_rx_want(rx, &where), 0);
                assert_int_equal(bh_exec_rx_fed(rx, 1, &why), -EPROTO);
        }
        free(rx);
}

static void test_client_stream_order_is_checked(void **state)
{
        struct bh_exec_rx *rx = malloc(sizeof(*rx));
        char *const argv[] = { "cat", NULL };
        const char *why = NULL;
        size_t n = 0, len;
        int msgs;

        (void)state;
        bh_exec_rx_init(rx, BH_EXEC_FROM_CLIENT);
        n += bh_exec_encode_hello(wire);
        hdr(wire + n, BH_EXEC_MSG_STDIN, 1);
        wire[n + 8] = 'x';
        n += 9;
        assert_int_equal(feed(rx, wire, n, &msgs, &why), -EPROTO);
        assert_string_equal(why, "STDIN before EXEC");

        bh_exec_rx_init(rx, BH_EXEC_FROM_CLIENT);
        n = bh_exec_encode_hello(wire);
        assert_int_equal(bh_exec_encode_exec(argv, wire + n, sizeof(wire) - n, &len), 0);
        n += len;
        hdr(wire + n, BH_EXEC_MSG_STDIN, 2);
        memcpy(wire + n + 8, "hi", 2);
        n += 10;
        hdr(wire + n, BH_EXEC_MSG_STDIN, 0);
        n += 8;
        assert_int_equal(feed(rx, wire, n, &msgs, &why), 1);
        assert_int_equal(msgs, 4);
        assert_true(bh_exec_peer_done(&rx->peer));
        hdr(wire, BH_EXEC_MSG_STDIN, 1);
        assert_int_equal(feed(rx, wire, 8, &msgs, &why), -EPROTO);

        bh_exec_rx_init(rx, BH_EXEC_FROM_CLIENT);
        n = bh_exec_encode_hello(wire);
        assert_int_equal(bh_exec_encode_exec(argv, wire + n, sizeof(wire) - n, &len), 0);
        n += len;
        memcpy(wire + n, wire + n - len, len); /* EXEC twice */
        n += len;
        assert_int_equal(feed(rx, wire, n, &msgs, &why), -EPROTO);
        assert_string_equal(why, "second EXEC or SERVICE");

        bh_exec_rx_init(rx, BH_EXEC_FROM_CLIENT);
        n = bh_exec_encode_hello(wire);
        hdr(wire + n, BH_EXEC_MSG_STDOUT, 0);
        assert_int_equal(feed(rx, wire, n + 8, &msgs, &why), -EPROTO);
        assert_string_equal(why, "message type the client does not send");
        free(rx);
}

static void test_rx_asks_never_past_one_message(void **state)
{
        struct bh_exec_rx *rx = malloc(sizeof(*rx));
        const char *why = NULL;
        uint8_t *where;
        size_t n;

        (void)state;
        bh_exec_rx_init(rx, BH_EXEC_FROM_AGENT);
        assert_int_equal(bh_exec_rx_want(rx, &where), 8);
        n = bh_exec_encode_hello(wire);
        /* Byte by byte: the header is checked once it is whole. */
        for (size_t i = 0; i < 8; i++) {
                assert_int_equal(bh_exec_rx_want(rx, &where), 8 - i);
                *where = wire[i];
                assert_int_equal(bh_exec_rx_fed(rx, 1, &why), 0);
        }
        assert_int_equal(bh_exec_rx_want(rx, &where), 8);
        memcpy(where, wire + 8, 8);
        assert_int_equal(bh_exec_rx_fed(rx, 9, &why), -EPROTO); /* more than asked */
        assert_int_equal(bh_exec_rx_fed(rx, 8, &why), 1);
        assert_int_equal(rx->type, BH_EXEC_MSG_HELLO);
        assert_int_equal(bh_exec_rx_want(rx, &where), 0);
        bh_exec_rx_next(rx);
        assert_int_equal(bh_exec_rx_want(rx, &where), 8);
        /* A maximal data message is taken whole. */
        hdr(wire, BH_EXEC_MSG_STDOUT, BH_EXEC_MAX_PAYLOAD);
        memcpy(where, wire, 8);
        assert_int_equal(bh_exec_rx_fed(rx, 8, &why), 0);
        assert_int_equal(bh_exec_rx_want(rx, &where), BH_EXEC_MAX_PAYLOAD);
        assert_int_equal(bh_exec_rx_fed(rx, BH_EXEC_MAX_PAYLOAD, &why), 1);
        (void)n;
        free(rx);
}

static void test_limits_fit_together(void **state)
{
        (void)state;
        /* A whole EXEC of maximal argv is one message. */
        assert_int_equal(BH_EXEC_EXEC_FIXED + BH_EXEC_MAX_ARGV_BYTES, BH_EXEC_MAX_PAYLOAD);
        /* Two maximal messages fit in a ring. */
        assert_true(2 * (BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD) <= BH_EXEC_RING_SIZE);
        assert_true(BH_EXEC_HELLO_MAX <= BH_EXEC_MAX_PAYLOAD);
        assert_string_equal(bh_exec_msg_name(BH_EXEC_MSG_EXIT), "EXIT");
        assert_string_equal(bh_exec_msg_name(0x77), "unknown");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_header_is_little_endian),
                cmocka_unit_test(test_exec_round_trip_keeps_argv_exactly),
                cmocka_unit_test(test_exec_encode_refuses_bad_argv),
                cmocka_unit_test(test_exec_check_refuses_malformed_payloads),
                cmocka_unit_test(test_hello_negotiates_the_lower_version),
                cmocka_unit_test(test_exit_status_is_bounded),
                cmocka_unit_test(test_status_from_wait_follows_the_shell),
                cmocka_unit_test(test_agent_stream_in_order_is_accepted),
                cmocka_unit_test(test_agent_stream_order_violations_are_refused),
                cmocka_unit_test(test_client_stream_order_is_checked),
                cmocka_unit_test(test_rx_asks_never_past_one_message),
                cmocka_unit_test(test_limits_fit_together),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
