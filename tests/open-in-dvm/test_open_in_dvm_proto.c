/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of bulkhead.OpenInVM's framing (agent/open_in_dvm_proto.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "open_in_dvm_proto.h"

static int parse_req(const char *line, struct bh_oid_request *r)
{
        const char *why = NULL;
        int ret = bh_oid_parse_request(line, strlen(line), r, &why);

        if (ret < 0)
                assert_non_null(why);
        return ret;
}

static int parse_reply(const char *line, struct bh_oid_reply *r)
{
        const char *why = NULL;
        int ret = bh_oid_parse_reply(line, strlen(line), r, &why);

        if (ret < 0)
                assert_non_null(why);
        return ret;
}

static void test_request_round_trip(void **state)
{
        char line[BH_OID_MAX_LINE + 1];
        struct bh_oid_request r;
        int n;

        (void)state;
        n = bh_oid_encode_request(line, "report 2024 (final).pdf", 12345);
        assert_int_equal(n, (int)strlen("bulkhead-open/1 12345 report 2024 (final).pdf\n"));
        assert_string_equal(line, "bulkhead-open/1 12345 report 2024 (final).pdf\n");
        assert_int_equal(parse_req(line, &r), 0);
        assert_int_equal(r.size, 12345);
        assert_string_equal(r.name, "report 2024 (final).pdf");
}

static void test_request_utf8_name_and_empty_file(void **state)
{
        struct bh_oid_request r;

        (void)state;
        assert_int_equal(parse_req("bulkhead-open/1 0 \xc3\xa9t\xc3\xa9.txt\n", &r), 0);
        assert_int_equal(r.size, 0);
        assert_string_equal(r.name, "\xc3\xa9t\xc3\xa9.txt");
}

static void test_request_size_at_limit_accepted_above_refused(void **state)
{
        char line[BH_OID_MAX_LINE + 1];
        struct bh_oid_request r;

        (void)state;
        snprintf(line, sizeof(line), "bulkhead-open/1 %llu a\n", (unsigned long long)BH_OID_MAX_CONTENT);
        assert_int_equal(parse_req(line, &r), 0);
        snprintf(line, sizeof(line), "bulkhead-open/1 %llu a\n", (unsigned long long)BH_OID_MAX_CONTENT + 1);
        assert_int_equal(parse_req(line, &r), -EPROTO);
        assert_int_equal(bh_oid_encode_request(line, "a", BH_OID_MAX_CONTENT + 1), -EINVAL);
        assert_int_equal(parse_req("bulkhead-open/1 99999999999999999999999 a\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 18446744073709551616 a\n", &r), -EPROTO);
}

static void test_request_malformed_sizes_refused(void **state)
{
        struct bh_oid_request r;

        (void)state;
        assert_int_equal(parse_req("bulkhead-open/1 012 a\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 -1 a\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 +1 a\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1  1 a\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1x a\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1\n", &r), -EPROTO);
}

static void test_request_bad_names_refused(void **state)
{
        struct bh_oid_request r;
        char line[BH_OID_MAX_LINE + 64];

        (void)state;
        assert_int_equal(parse_req("bulkhead-open/1 1 ../etc/passwd\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 a/b\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 .\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 ..\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 \n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 a\tb\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 a\x1b[31mb\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 a\x7f\n", &r), -EPROTO);
        /* U+202E RIGHT-TO-LEFT OVERRIDE: "txt.exe" shown as "exe.txt". */
        assert_int_equal(parse_req("bulkhead-open/1 1 a\xe2\x80\xaetxt.exe\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 \xc0\xaf\n", &r), -EPROTO);
        memset(line, 0, sizeof(line));
        strcpy(line, "bulkhead-open/1 1 ");
        memset(line + strlen(line), 'x', BH_OID_MAX_NAME + 1);
        strcat(line, "\n");
        assert_int_equal(parse_req(line, &r), -EPROTO);
        /* Names starting with '.' or '-' are ordinary files. */
        assert_int_equal(parse_req("bulkhead-open/1 1 .bashrc\n", &r), 0);
        assert_int_equal(parse_req("bulkhead-open/1 1 -rf\n", &r), 0);
}

static void test_request_framing_refused(void **state)
{
        struct bh_oid_request r;
        const char *why;

        (void)state;
        assert_int_equal(parse_req("bulkhead-open/2 1 a\n", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 a", &r), -EPROTO);
        assert_int_equal(parse_req("bulkhead-open/1 1 a\nb\n", &r), -EPROTO);
        assert_int_equal(bh_oid_parse_request("bulkhead-open/1 1 a\0b\n", 22, &r, &why), -EPROTO);
        assert_int_equal(bh_oid_parse_request("", 0, &r, &why), -EPROTO);
}

static void test_name_encoder_refuses_what_the_parser_would(void **state)
{
        char line[BH_OID_MAX_LINE + 1];

        (void)state;
        assert_int_equal(bh_oid_encode_request(line, "a/b", 1), -EINVAL);
        assert_int_equal(bh_oid_encode_request(line, "a\nb", 1), -EINVAL);
        assert_int_equal(bh_oid_encode_request(line, "", 1), -EINVAL);
}

static void test_replies_round_trip(void **state)
{
        char line[BH_OID_MAX_LINE + 1];
        struct bh_oid_reply r;

        (void)state;
        bh_oid_encode_unchanged(line);
        assert_int_equal(parse_reply(line, &r), 0);
        assert_int_equal(r.kind, BH_OID_UNCHANGED);
        bh_oid_encode_changed(line, 77);
        assert_string_equal(line, "changed 77\n");
        assert_int_equal(parse_reply(line, &r), 0);
        assert_int_equal(r.kind, BH_OID_CHANGED);
        assert_int_equal(r.size, 77);
        bh_oid_encode_error(line, "no viewer for application/x-foo");
        assert_int_equal(parse_reply(line, &r), 0);
        assert_int_equal(r.kind, BH_OID_ERROR);
        assert_string_equal(r.message, "no viewer for application/x-foo");
}

static void test_error_message_made_printable_and_cut(void **state)
{
        char line[BH_OID_MAX_LINE + 1], msg[BH_OID_MAX_MESSAGE * 2];
        struct bh_oid_reply r;

        (void)state;
        bh_oid_encode_error(line, "bad\x1b]0;title\x07 \xc3\xa9");
        assert_string_equal(line, "error bad?]0;title? ??\n");
        memset(msg, 'm', sizeof(msg) - 1);
        msg[sizeof(msg) - 1] = '\0';
        bh_oid_encode_error(line, msg);
        assert_int_equal(parse_reply(line, &r), 0);
        assert_int_equal(strlen(r.message), BH_OID_MAX_MESSAGE);
        bh_oid_encode_error(line, "");
        assert_string_equal(line, "error ?\n");
}

static void test_hostile_replies_refused(void **state)
{
        struct bh_oid_reply r;
        char line[BH_OID_MAX_LINE + 64];

        (void)state;
        assert_int_equal(parse_reply("unchanged \n", &r), -EPROTO);
        assert_int_equal(parse_reply("Unchanged\n", &r), -EPROTO);
        assert_int_equal(parse_reply("changed\n", &r), -EPROTO);
        assert_int_equal(parse_reply("changed 1073741825\n", &r), -EPROTO);
        assert_int_equal(parse_reply("changed 01\n", &r), -EPROTO);
        assert_int_equal(parse_reply("changed 1 \n", &r), -EPROTO);
        assert_int_equal(parse_reply("error \x1b[2J\n", &r), -EPROTO);
        assert_int_equal(parse_reply("error \xc3\xa9\n", &r), -EPROTO);
        assert_int_equal(parse_reply("error \n", &r), -EPROTO);
        assert_int_equal(parse_reply("unchanged", &r), -EPROTO);
        strcpy(line, "error ");
        memset(line + 6, 'e', BH_OID_MAX_MESSAGE + 1);
        strcpy(line + 6 + BH_OID_MAX_MESSAGE + 1, "\n");
        assert_int_equal(parse_reply(line, &r), -EPROTO);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_request_round_trip),
                cmocka_unit_test(test_request_utf8_name_and_empty_file),
                cmocka_unit_test(test_request_size_at_limit_accepted_above_refused),
                cmocka_unit_test(test_request_malformed_sizes_refused),
                cmocka_unit_test(test_request_bad_names_refused),
                cmocka_unit_test(test_request_framing_refused),
                cmocka_unit_test(test_name_encoder_refuses_what_the_parser_would),
                cmocka_unit_test(test_replies_round_trip),
                cmocka_unit_test(test_error_message_made_printable_and_cut),
                cmocka_unit_test(test_hostile_replies_refused),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
