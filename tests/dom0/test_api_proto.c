/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api_proto.h"

static void test_api_round_trip(void **state)
{
        struct bh_api_buf b;
        struct bh_api_msg m;

        (void)state;
        bh_api_buf_init(&b);
        bh_api_add(&b, BH_API_VERSION);
        bh_api_add(&b, "create");
        bh_api_addf(&b, "label=%s", "blue");
        bh_api_add(&b, "");
        assert_int_equal(b.err, 0);
        assert_int_equal(bh_api_parse(b.data, b.len, &m), 0);
        assert_int_equal(m.n, 4);
        assert_string_equal(m.f[1], "create");
        assert_string_equal(bh_api_get(&m, 2, "label"), "blue");
        assert_null(bh_api_get(&m, 2, "lab"));
        assert_string_equal(m.f[3], "");
        bh_api_msg_free(&m);
        bh_api_buf_free(&b);
}

static void test_api_rejects_malformed(void **state)
{
        struct bh_api_msg m;
        char *big;

        (void)state;
        assert_int_equal(bh_api_parse("", 0, &m), -EPROTO);
        assert_int_equal(bh_api_parse("no-nul", 6, &m), -EPROTO);
        big = calloc(1, BH_API_MSG_MAX + 1);
        assert_int_equal(bh_api_parse(big, BH_API_MSG_MAX + 1, &m), -EPROTO);
        /* BH_API_FIELDS_MAX + 1 empty fields */
        assert_int_equal(bh_api_parse(big, BH_API_FIELDS_MAX + 1, &m), -EPROTO);
        assert_int_equal(bh_api_parse(big, BH_API_FIELDS_MAX, &m), 0);
        assert_int_equal(m.n, BH_API_FIELDS_MAX);
        bh_api_msg_free(&m);
        free(big);
}

static void test_api_builder_refuses_oversize(void **state)
{
        struct bh_api_buf b;
        char *s = malloc(BH_API_MSG_MAX);

        (void)state;
        memset(s, 'x', BH_API_MSG_MAX - 1);
        s[BH_API_MSG_MAX - 1] = '\0';
        bh_api_buf_init(&b);
        bh_api_add(&b, s);
        assert_int_equal(b.err, 0);
        bh_api_add(&b, "y");
        assert_int_equal(b.err, -EMSGSIZE);
        bh_api_buf_free(&b);
        free(s);
}

static void test_errno_names_round_trip(void **state)
{
        (void)state;
        assert_string_equal(bh_errno_name(-ENOENT), "ENOENT");
        assert_int_equal(bh_errno_from_name("EEXIST"), EEXIST);
        assert_int_equal(bh_errno_from_name("nonsense"), EIO);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_api_round_trip),
                cmocka_unit_test(test_api_rejects_malformed),
                cmocka_unit_test(test_api_builder_refuses_oversize),
                cmocka_unit_test(test_errno_names_round_trip),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
