/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vchan.h"
#include "vchan_wire.h"

static void test_ctl_accepts_well_formed_records(void **state)
{
        struct bh_vchan_ctl c;

        (void)state;
        bh_vchan_ctl_make(&c, BH_VCHAN_CTL_NOTIFY, 0, 0);
        assert_int_equal(bh_vchan_ctl_check(&c, sizeof(c), 0), BH_VCHAN_CTL_NOTIFY);
        bh_vchan_ctl_make(&c, BH_VCHAN_CTL_SETUP, 4096, 4096);
        assert_int_equal(bh_vchan_ctl_check(&c, sizeof(c), 1), BH_VCHAN_CTL_SETUP);
        bh_vchan_ctl_make(&c, BH_VCHAN_CTL_SHBUF, 1, 1);
        assert_int_equal(bh_vchan_ctl_check(&c, sizeof(c), 1), BH_VCHAN_CTL_SHBUF);
}

static void test_ctl_rejects_fd_mismatch_and_garbage(void **state)
{
        struct bh_vchan_ctl c;
        uint8_t longer[sizeof(c) + 1] = { 0 };

        (void)state;
        bh_vchan_ctl_make(&c, BH_VCHAN_CTL_NOTIFY, 0, 0);
        assert_int_equal(bh_vchan_ctl_check(&c, sizeof(c), 1), -EPROTO);
        bh_vchan_ctl_make(&c, BH_VCHAN_CTL_SHBUF, 0, 0);
        assert_int_equal(bh_vchan_ctl_check(&c, sizeof(c), 0), -EPROTO);
        assert_int_equal(bh_vchan_ctl_check(&c, sizeof(c) - 1, 1), -EPROTO);
        memcpy(longer, &c, sizeof(c));
        assert_int_equal(bh_vchan_ctl_check(longer, sizeof(longer), 1), -EPROTO);
        c.magic ^= 1;
        assert_int_equal(bh_vchan_ctl_check(&c, sizeof(c), 1), -EPROTO);
        bh_vchan_ctl_make(&c, 99, 0, 0);
        assert_int_equal(bh_vchan_ctl_check(&c, sizeof(c), 0), -EPROTO);
        bh_vchan_ctl_make(&c, BH_VCHAN_CTL_NOTIFY, 0, 0);
        c.version = 2;
        assert_int_equal(bh_vchan_ctl_check(&c, sizeof(c), 0), -EPROTO);
}

static void test_shbuf_desc_must_match_expected_size(void **state)
{
        struct bh_shbuf_desc_socket d = {
                .magic = BH_SHBUF_DESC_MAGIC, .transport = BH_VCHAN_SOCKET, .id = 7, .pages = 2
        };
        uint32_t id;

        (void)state;
        assert_int_equal(bh_shbuf_desc_socket_check(&d, sizeof(d), 8192, &id), 0);
        assert_int_equal(id, 7);
        assert_int_equal(bh_shbuf_desc_socket_check(&d, sizeof(d), 4097, &id), 0);
        assert_int_equal(bh_shbuf_desc_socket_check(&d, sizeof(d), 4096, &id), -EPROTO);
        assert_int_equal(bh_shbuf_desc_socket_check(&d, sizeof(d), 8193, &id), -EPROTO);
        assert_int_equal(bh_shbuf_desc_socket_check(&d, sizeof(d) - 1, 8192, &id), -EPROTO);
        assert_int_equal(bh_shbuf_desc_socket_check(&d, sizeof(d), 0, &id), -EPROTO);
        assert_int_equal(bh_shbuf_desc_socket_check(&d, sizeof(d), BH_SHBUF_MAX_BYTES + 1, &id),
                         -EPROTO);
        d.transport = BH_VCHAN_XEN;
        assert_int_equal(bh_shbuf_desc_socket_check(&d, sizeof(d), 8192, &id), -EPROTO);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ctl_accepts_well_formed_records),
                cmocka_unit_test(test_ctl_rejects_fd_mismatch_and_garbage),
                cmocka_unit_test(test_shbuf_desc_must_match_expected_size),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
