/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vchan.h"
#include "vchan_ring.h"

struct pair {
        struct bh_ring_shared sh;
        uint8_t data[BH_VCHAN_RING_MIN];
        struct bh_ring writer, reader;
};

static void pair_init(struct pair *p)
{
        memset(p, 0, sizeof(*p));
        bh_ring_init(&p->writer, &p->sh, p->data, sizeof(p->data));
        bh_ring_init(&p->reader, &p->sh, p->data, sizeof(p->data));
}

static void test_ring_round_trip_wraps(void **state)
{
        static struct pair p;
        uint8_t in[3000], out[3000];
        size_t done;

        (void)state;
        pair_init(&p);
        for (int round = 0; round < 20; round++) {
                for (size_t i = 0; i < sizeof(in); i++)
                        in[i] = (uint8_t)(i * 7 + (size_t)round);
                assert_int_equal(bh_ring_write(&p.writer, in, sizeof(in), &done), 0);
                assert_int_equal(done, sizeof(in));
                assert_int_equal(bh_ring_read(&p.reader, out, sizeof(out), &done), 0);
                assert_int_equal(done, sizeof(out));
                assert_memory_equal(in, out, sizeof(in));
        }
}

static void test_ring_write_stops_when_full(void **state)
{
        static struct pair p;
        static uint8_t big[BH_VCHAN_RING_MIN + 100];
        uint32_t space, ready;
        size_t done;

        (void)state;
        pair_init(&p);
        assert_int_equal(bh_ring_write(&p.writer, big, sizeof(big), &done), 0);
        assert_int_equal(done, BH_VCHAN_RING_MIN);
        assert_int_equal(bh_ring_writable(&p.writer, &space), 0);
        assert_int_equal(space, 0);
        assert_int_equal(bh_ring_readable(&p.reader, &ready), 0);
        assert_int_equal(ready, BH_VCHAN_RING_MIN);
}

static void test_ring_rejects_producer_index_beyond_size(void **state)
{
        static struct pair p;
        uint8_t buf[16];
        uint32_t ready;
        size_t done;

        (void)state;
        pair_init(&p);
        p.sh.prod = BH_VCHAN_RING_MIN + 1; /* the peer claims more than the ring holds */
        assert_int_equal(bh_ring_readable(&p.reader, &ready), -EPROTO);
        assert_int_equal(bh_ring_read(&p.reader, buf, sizeof(buf), &done), -EPROTO);
        p.sh.prod = UINT32_MAX; /* "behind" our consumer index */
        assert_int_equal(bh_ring_readable(&p.reader, &ready), -EPROTO);
}

static void test_ring_rejects_consumer_index_ahead_of_producer(void **state)
{
        static struct pair p;
        uint32_t space;
        size_t done;

        (void)state;
        pair_init(&p);
        assert_int_equal(bh_ring_write(&p.writer, "abc", 3, &done), 0);
        p.sh.cons = 10; /* consumed more than was produced */
        assert_int_equal(bh_ring_writable(&p.writer, &space), -EPROTO);
        assert_int_equal(bh_ring_write(&p.writer, "d", 1, &done), -EPROTO);
}

static void test_ring_ignores_peer_rewriting_our_index(void **state)
{
        static struct pair p;
        uint8_t out[4];
        size_t done;

        (void)state;
        pair_init(&p);
        assert_int_equal(bh_ring_write(&p.writer, "abcd", 4, &done), 0);
        /* The peer rewrites the producer index we published; our private
         * copy decides where we write next. */
        p.sh.prod = 0;
        p.sh.prod = 4;
        assert_int_equal(bh_ring_write(&p.writer, "efgh", 4, &done), 0);
        assert_int_equal(p.sh.prod, 8);
        assert_int_equal(bh_ring_read(&p.reader, out, 4, &done), 0);
        assert_memory_equal(out, "abcd", 4);
}

static void test_ring_indices_wrap_at_2_32(void **state)
{
        static struct pair p;
        uint8_t out[8];
        size_t done;

        (void)state;
        pair_init(&p);
        p.writer.local = p.reader.local = UINT32_MAX - 3;
        p.sh.prod = p.sh.cons = UINT32_MAX - 3;
        assert_int_equal(bh_ring_write(&p.writer, "01234567", 8, &done), 0);
        assert_int_equal(done, 8);
        assert_int_equal(bh_ring_read(&p.reader, out, 8, &done), 0);
        assert_int_equal(done, 8);
        assert_memory_equal(out, "01234567", 8);
}

static void test_ring_wake_flags_fire_once(void **state)
{
        static struct pair p;
        size_t done;

        (void)state;
        pair_init(&p);
        assert_false(bh_ring_writer_must_wake_reader(&p.writer));
        bh_ring_reader_arm(&p.reader);
        assert_int_equal(bh_ring_write(&p.writer, "x", 1, &done), 0);
        assert_true(bh_ring_writer_must_wake_reader(&p.writer));
        assert_false(bh_ring_writer_must_wake_reader(&p.writer));
        bh_ring_writer_arm(&p.writer);
        assert_true(bh_ring_reader_must_wake_writer(&p.reader));
        assert_false(bh_ring_reader_must_wake_writer(&p.reader));
}

static void test_ring_layout_check(void **state)
{
        uint32_t s;

        (void)state;
        assert_int_equal(bh_ring_check_layout(4096, 8192, 4096 + 4096 + 8192), 0);
        assert_int_equal(bh_ring_check_layout(4096, 8192, 4096 + 4096 + 8192 - 1), -EPROTO);
        assert_int_equal(bh_ring_check_layout(4096, 8192, 4096 + 4096 + 8192 + 4096), -EPROTO);
        assert_int_equal(bh_ring_check_layout(6000, 8192, 4096 + 6000 + 8192), -EPROTO);
        assert_int_equal(bh_ring_check_layout(0, 0, 4096), -EPROTO);
        assert_int_equal(bh_ring_check_layout(2048, 2048, 4096 + 4096), -EPROTO);
        assert_int_equal(bh_ring_check_layout(1u << 31, 1u << 31, 4096 + (1ull << 32)), -EPROTO);
        assert_int_equal(bh_ring_size_for(1, &s), 0);
        assert_int_equal(s, BH_VCHAN_RING_MIN);
        assert_int_equal(bh_ring_size_for(65537, &s), 0);
        assert_int_equal(s, 131072);
        assert_int_equal(bh_ring_size_for(BH_VCHAN_RING_MAX + 1, &s), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ring_round_trip_wraps),
                cmocka_unit_test(test_ring_write_stops_when_full),
                cmocka_unit_test(test_ring_rejects_producer_index_beyond_size),
                cmocka_unit_test(test_ring_rejects_consumer_index_ahead_of_producer),
                cmocka_unit_test(test_ring_ignores_peer_rewriting_our_index),
                cmocka_unit_test(test_ring_indices_wrap_at_2_32),
                cmocka_unit_test(test_ring_wake_flags_fire_once),
                cmocka_unit_test(test_ring_layout_check),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
