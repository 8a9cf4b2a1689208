/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the file-copy stream's format and checks (qrexec/filecopy_proto.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filecopy_proto.h"

/* ---- a stream built in memory ------------------------------------------------ */

static uint8_t *wire;
static size_t wire_len, wire_cap;

static void put(const void *p, size_t n)
{
        if (wire_len + n > wire_cap) {
                wire_cap = (wire_len + n) * 2;
                wire = realloc(wire, wire_cap);
                assert_non_null(wire);
        }
        memcpy(wire + wire_len, p, n);
        wire_len += n;
}

static void start(void)
{
        uint8_t h[BH_FC_HELLO_SIZE];

        wire_len = 0;
        bh_fc_put_hello(h);
        put(h, sizeof(h));
}

static void entry(uint32_t type, uint32_t mode, uint64_t size, const char *name)
{
        uint8_t h[BH_FC_ENTRY_SIZE];
        struct bh_fc_entry e = { .type = type, .mode = mode, .size = size, .mtime = 1234,
                                 .mtime_nsec = 5, .name_len = (uint32_t)strlen(name) };

        bh_fc_put_entry(h, &e);
        put(h, sizeof(h));
        put(name, strlen(name));
}

static void chunk(uint32_t kind, uint64_t len)
{
        uint8_t c[BH_FC_CHUNK_SIZE];

        bh_fc_put_chunk(c, kind, len);
        put(c, sizeof(c));
}

static void file(const char *name, const char *data)
{
        entry(BH_FC_FILE, 0644, strlen(data), name);
        if (*data) {
                chunk(BH_FC_CHUNK_DATA, strlen(data));
                put(data, strlen(data));
        }
}

static void link_(const char *name, const char *target)
{
        entry(BH_FC_SYMLINK, 0777, strlen(target), name);
        put(target, strlen(target));
}

static void end(void)
{
        uint8_t h[BH_FC_ENTRY_SIZE] = { BH_FC_END };

        put(h, sizeof(h));
}

/* What the receiver saw. */
struct seen {
        int entries, data, holes, end;
        uint64_t bytes;
        char log[4096];
        const char *why;
};

static struct bh_fc_rx rx;

/* Feeds the wire in pieces of at most `piece` bytes; returns 0 at END,
 * -EPROTO when refused, 1 when the wire ran out first. */
static int feed(size_t piece, struct seen *s)
{
        size_t off = 0;

        memset(s, 0, sizeof(*s));
        bh_fc_rx_init(&rx);
        while (off < wire_len) {
                uint8_t *where;
                size_t want = bh_fc_rx_want(&rx, &where), n;
                int ev;

                assert_true(want > 0);
                n = want < piece ? want : piece;
                if (n > wire_len - off)
                        n = wire_len - off;
                memcpy(where, wire + off, n);
                off += n;
                ev = bh_fc_rx_fed(&rx, n, &s->why);
                if (ev < 0)
                        return ev;
                if (ev == BH_FC_EV_ENTRY) {
                        s->entries++;
                        snprintf(s->log + strlen(s->log), sizeof(s->log) - strlen(s->log),
                                 "%u:%s@%u%s%s;", rx.entry.type, rx.name, rx.depth,
                                 rx.entry.type == BH_FC_SYMLINK ? ">" : "",
                                 rx.entry.type == BH_FC_SYMLINK ? rx.target : "");
                } else if (ev == BH_FC_EV_DATA) {
                        s->data++;
                        s->bytes += rx.data_len;
                } else if (ev == BH_FC_EV_HOLE) {
                        s->holes++;
                        s->bytes += rx.hole;
                } else if (ev == BH_FC_EV_END) {
                        s->end = 1;
                        return 0;
                }
        }
        return 1;
}

static int name_ok(const char *n)
{
        unsigned d;
        const char *why;

        return bh_fc_name_check((const uint8_t *)n, strlen(n), &d, &why) == 0;
}

static int link_ok(const char *t, unsigned depth)
{
        const char *why;

        return bh_fc_link_check((const uint8_t *)t, strlen(t), depth, &why) == 0;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_entry_header_is_little_endian(void **state)
{
        uint8_t h[BH_FC_ENTRY_SIZE];
        struct bh_fc_entry e = { .type = 1, .mode = 0x1a4, .size = 0x0102030405060708ull,
                                 .mtime = 0x11223344, .mtime_nsec = 7, .name_len = 3 };

        (void)state;
        bh_fc_put_entry(h, &e);
        assert_memory_equal(h, "\x01\0\0\0\xa4\x01\0\0\x08\x07\x06\x05\x04\x03\x02\x01"
                               "\x44\x33\x22\x11\0\0\0\0\x07\0\0\0\x03\0\0\0", 32);
}

static void test_name_accepts_nested_spaces_and_utf8(void **state)
{
        (void)state;
        assert_true(name_ok("a"));
        assert_true(name_ok("dir/sub dir/file name.txt"));
        assert_true(name_ok("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x98\x80"));
        assert_true(name_ok(".hidden/..x/x.."));
}

static void test_name_refuses_traversal_and_empty_components(void **state)
{
        (void)state;
        assert_false(name_ok("../x"));
        assert_false(name_ok("a/../../x"));
        assert_false(name_ok("a/.."));
        assert_false(name_ok("/etc/passwd"));
        assert_false(name_ok("./x"));
        assert_false(name_ok("a/./b"));
        assert_false(name_ok("a//b"));
        assert_false(name_ok("a/"));
        assert_false(name_ok(""));
        assert_false(name_ok("."));
        assert_false(name_ok(".."));
}

static void test_name_refuses_control_characters_and_bad_utf8(void **state)
{
        unsigned d;
        const char *why;

        (void)state;
        assert_false(name_ok("a\nb"));
        assert_false(name_ok("a\tb"));
        assert_false(name_ok("a\x1b[31m"));
        assert_false(name_ok("a\x7f"));
        assert_false(name_ok("a\xc2\x85"));         /* C1 NEL */
        assert_false(name_ok("gpj.\xe2\x80\xae" "exe")); /* right-to-left override */
        assert_false(name_ok("a\xff"));
        assert_false(name_ok("\xc0\xaf"));         /* overlong '/' */
        assert_false(name_ok("\xe0\x80\xae"));     /* overlong '.' */
        assert_false(name_ok("\xed\xa0\x80"));     /* surrogate */
        assert_false(name_ok("\xf4\x90\x80\x80")); /* past U+10FFFF */
        assert_false(name_ok("\xe2\x82"));         /* cut short */
        assert_int_equal(bh_fc_name_check((const uint8_t *)"a\0b", 3, &d, &why), -EPROTO);
}

static void test_name_limits(void **state)
{
        char n[BH_FC_MAX_NAME_BYTES + 2];
        unsigned d;
        const char *why;

        (void)state;
        memset(n, 'x', BH_FC_MAX_COMPONENT_BYTES);
        n[BH_FC_MAX_COMPONENT_BYTES] = '\0';
        assert_true(name_ok(n));
        strcat(n, "x");
        assert_false(name_ok(n));

        /* 128 components "a/a/.../a" is the deepest. */
        n[0] = '\0';
        for (unsigned i = 0; i < BH_FC_MAX_DEPTH; i++)
                strcat(n, i ? "/a" : "a");
        assert_int_equal(bh_fc_name_check((const uint8_t *)n, strlen(n), &d, &why), 0);
        assert_int_equal(d, BH_FC_MAX_DEPTH - 1);
        strcat(n, "/a");
        assert_false(name_ok(n));

        /* 4095 bytes of 16 components is fine, one more byte is not. */
        for (size_t i = 0; i < BH_FC_MAX_NAME_BYTES; i++)
                n[i] = (i % 256 == 255) ? '/' : 'y';
        n[BH_FC_MAX_NAME_BYTES] = '\0';
        assert_true(name_ok(n));
        n[BH_FC_MAX_NAME_BYTES] = 'y';
        n[BH_FC_MAX_NAME_BYTES + 1] = '\0';
        assert_false(name_ok(n));
}

static void test_link_stays_inside_the_tree(void **state)
{
        (void)state;
        assert_true(link_ok("a", 0));
        assert_true(link_ok("sub/x", 0));
        assert_true(link_ok("./a", 0));
        assert_true(link_ok("a/", 0));
        assert_true(link_ok("../x", 1));
        assert_true(link_ok("../../x/y", 2));
        assert_true(link_ok("..", 1));

        assert_false(link_ok("/etc", 3));
        assert_false(link_ok("/", 3));
        assert_false(link_ok("../x", 0));
        assert_false(link_ok("..", 0));
        assert_false(link_ok("../../x", 1));
        assert_false(link_ok("a/../../x", 5)); /* '..' after a name */
        assert_false(link_ok("up/..", 5));
        assert_false(link_ok("", 1));
        assert_false(link_ok("a\nb", 1));
}

static void test_domain_names(void **state)
{
        (void)state;
        assert_true(bh_fc_domain_ok("work"));
        assert_true(bh_fc_domain_ok("disp1234"));
        assert_true(bh_fc_domain_ok("sys-net_2.x"));
        assert_true(bh_fc_domain_ok("abcdefghijklmnopqrstuvwxyz01234")); /* 31 */
        assert_false(bh_fc_domain_ok("abcdefghijklmnopqrstuvwxyz012345"));
        assert_false(bh_fc_domain_ok(""));
        assert_false(bh_fc_domain_ok(NULL));
        assert_false(bh_fc_domain_ok(".hidden"));
        assert_false(bh_fc_domain_ok("-x"));
        assert_false(bh_fc_domain_ok(".."));
        assert_false(bh_fc_domain_ok("a/b"));
        assert_false(bh_fc_domain_ok("a b"));
        assert_false(bh_fc_domain_ok("\xc3\xa9"));
}

static void test_status_round_trip_and_limit(void **state)
{
        uint8_t out[BH_FC_STATUS_SIZE + BH_FC_MAX_STATUS_MSG];
        char longmsg[400];
        uint32_t code, len;
        const char *why;

        (void)state;
        assert_int_equal(bh_fc_put_status(out, 71, "no"), BH_FC_STATUS_SIZE + 2);
        assert_int_equal(bh_fc_status_check(out, &code, &len, &why), 0);
        assert_int_equal(code, 71);
        assert_int_equal(len, 2);
        memset(longmsg, 'm', sizeof(longmsg) - 1);
        longmsg[sizeof(longmsg) - 1] = '\0';
        assert_int_equal(bh_fc_put_status(out, 0, longmsg), sizeof(out));
        memcpy(out + 4, "\x01\x01\0\0", 4); /* 257 */
        assert_int_equal(bh_fc_status_check(out, &code, &len, &why), -EPROTO);
}

static void test_rx_round_trip_of_a_tree(void **state)
{
        struct seen s;

        (void)state;
        start();
        entry(BH_FC_DIR, 0755, 0, "top");
        file("top/a", "hello");
        file("top/empty", "");
        entry(BH_FC_DIR, 0700, 0, "top/sub dir");
        link_("top/sub dir/l", "../a");
        entry(BH_FC_FILE, 0600, 70000, "top/sub dir/big");
        chunk(BH_FC_CHUNK_HOLE, 4096);
        chunk(BH_FC_CHUNK_DATA, 65536);
        for (int i = 0; i < 65536; i++)
                put("z", 1);
        chunk(BH_FC_CHUNK_HOLE, 70000 - 4096 - 65536);
        file("top/z", "last");
        file("second", "x");
        end();
        /* Byte by byte and in big pieces alike. */
        for (size_t piece = 1; piece <= 1u << 20; piece <<= 10) {
                assert_int_equal(feed(piece, &s), 0);
                assert_true(s.end);
                assert_int_equal(s.entries, 8);
                assert_string_equal(s.log, "2:top@0;1:top/a@1;1:top/empty@1;2:top/sub dir@1;"
                                           "3:top/sub dir/l@2>../a;1:top/sub dir/big@2;"
                                           "1:top/z@1;1:second@0;");
                assert_int_equal(s.bytes, 5 + 70000 + 4 + 1);
                assert_int_equal(s.holes, 2);
        }
}

static void test_rx_refuses_bad_hello(void **state)
{
        struct seen s;

        (void)state;
        wire_len = 0;
        put("BHFC\x02\0\0\0", 8);
        assert_int_equal(feed(64, &s), -EPROTO);
        wire_len = 0;
        put("GIF89a\0\0", 8);
        assert_int_equal(feed(64, &s), -EPROTO);
}

static void test_rx_refuses_unknown_types_and_modes(void **state)
{
        static const uint32_t types[] = { 0, 5, 6, 0x2000, 0x6000, 0xffffffff };
        struct seen s;

        (void)state;
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                start();
                entry(types[i], 0644, 0, "dev");
                end();
                assert_int_equal(feed(4096, &s), -EPROTO);
                assert_int_equal(s.entries, 0);
        }
        start();
        entry(BH_FC_FILE, 0100644, 0, "f"); /* S_IFREG bits in mode */
        assert_int_equal(feed(4096, &s), -EPROTO);
        /* setuid and friends are carried; the unpacker strips them. */
        start();
        entry(BH_FC_FILE, 07755, 0, "f");
        end();
        assert_int_equal(feed(4096, &s), 0);
}

static void test_rx_refuses_oversized_fields_before_their_bytes(void **state)
{
        uint8_t h[BH_FC_ENTRY_SIZE];
        struct bh_fc_entry e = { .type = BH_FC_FILE, .mode = 0644, .mtime = 1,
                                 .name_len = BH_FC_MAX_NAME_BYTES + 1 };
        struct seen s;

        (void)state;
        start();
        bh_fc_put_entry(h, &e);
        put(h, sizeof(h)); /* no name follows: refused on the header alone */
        assert_int_equal(feed(4096, &s), -EPROTO);

        start();
        entry(BH_FC_FILE, 0644, BH_FC_MAX_FILE_SIZE + 1, "big");
        assert_int_equal(feed(4096, &s), -EPROTO);

        start();
        entry(BH_FC_SYMLINK, 0777, BH_FC_MAX_LINK_BYTES + 1, "l");
        assert_int_equal(feed(4096, &s), -EPROTO);

        start();
        entry(BH_FC_DIR, 0755, 1, "d");
        assert_int_equal(feed(4096, &s), -EPROTO);

        e = (struct bh_fc_entry){ .type = BH_FC_FILE, .mtime = -1, .name_len = 1 };
        start();
        bh_fc_put_entry(h, &e);
        put(h, sizeof(h));
        put("f", 1);
        assert_int_equal(feed(4096, &s), -EPROTO);
}

static void test_rx_total_size_limit(void **state)
{
        struct seen s;
        char name[16];
        unsigned n = (unsigned)(BH_FC_MAX_TOTAL_SIZE / BH_FC_MAX_FILE_SIZE);

        (void)state;
        start();
        for (unsigned i = 0; i < n; i++) {
                snprintf(name, sizeof(name), "f%u", i);
                entry(BH_FC_FILE, 0644, BH_FC_MAX_FILE_SIZE, name);
                chunk(BH_FC_CHUNK_HOLE, BH_FC_MAX_FILE_SIZE);
        }
        end();
        assert_int_equal(feed(1 << 20, &s), 0);
        wire_len -= BH_FC_ENTRY_SIZE;
        entry(BH_FC_FILE, 0644, 1, "one-more");
        assert_int_equal(feed(1 << 20, &s), -EPROTO);
        assert_int_equal(s.entries, (int)n);
}

static void test_rx_refuses_chunks_that_disagree_with_the_size(void **state)
{
        struct seen s;

        (void)state;
        start();
        entry(BH_FC_FILE, 0644, 3, "f");
        chunk(BH_FC_CHUNK_DATA, 10);
        put("0123456789", 10);
        assert_int_equal(feed(4096, &s), -EPROTO);

        start();
        entry(BH_FC_FILE, 0644, 3, "f");
        chunk(BH_FC_CHUNK_HOLE, 4);
        assert_int_equal(feed(4096, &s), -EPROTO);

        start();
        entry(BH_FC_FILE, 0644, 1u << 20, "f");
        chunk(BH_FC_CHUNK_DATA, BH_FC_MAX_CHUNK + 1);
        assert_int_equal(feed(4096, &s), -EPROTO);

        start();
        entry(BH_FC_FILE, 0644, 3, "f");
        chunk(BH_FC_CHUNK_DATA, 0);
        assert_int_equal(feed(4096, &s), -EPROTO);

        start();
        entry(BH_FC_FILE, 0644, 3, "f");
        chunk(3, 3);
        assert_int_equal(feed(4096, &s), -EPROTO);

        /* A stream that stops inside a file is not whole. */
        start();
        entry(BH_FC_FILE, 0644, 100, "f");
        chunk(BH_FC_CHUNK_DATA, 100);
        put("short", 5);
        assert_int_equal(feed(4096, &s), 1);
        assert_false(s.end);
}

static void test_rx_entries_only_inside_open_directories(void **state)
{
        struct seen s;

        (void)state;
        start(); /* parent never sent */
        file("a/x", "1");
        assert_int_equal(feed(4096, &s), -EPROTO);

        start(); /* parent already left */
        entry(BH_FC_DIR, 0755, 0, "a");
        entry(BH_FC_DIR, 0755, 0, "b");
        file("a/x", "1");
        assert_int_equal(feed(4096, &s), -EPROTO);

        start(); /* a file "through" a symlink */
        link_("l", "sub");
        entry(BH_FC_DIR, 0755, 0, "sub");
        file("l/x", "1");
        assert_int_equal(feed(4096, &s), -EPROTO);

        start(); /* a file is not a directory */
        file("f", "1");
        file("f/x", "1");
        assert_int_equal(feed(4096, &s), -EPROTO);

        start(); /* a sibling with a common prefix is not the parent */
        entry(BH_FC_DIR, 0755, 0, "ab");
        file("a/x", "1");
        assert_int_equal(feed(4096, &s), -EPROTO);

        start(); /* back up to an ancestor is fine */
        entry(BH_FC_DIR, 0755, 0, "a");
        entry(BH_FC_DIR, 0755, 0, "a/b");
        entry(BH_FC_DIR, 0755, 0, "a/b/c");
        file("a/y", "1");
        entry(BH_FC_DIR, 0755, 0, "a/d");
        file("a/d/z", "1");
        end();
        assert_int_equal(feed(4096, &s), 0);
}

static void test_rx_symlink_targets_checked_at_their_depth(void **state)
{
        struct seen s;

        (void)state;
        start();
        entry(BH_FC_DIR, 0755, 0, "d");
        link_("d/up", "../x");
        end();
        assert_int_equal(feed(4096, &s), 0);

        start();
        link_("top", "../x");
        assert_int_equal(feed(4096, &s), -EPROTO);

        start();
        link_("etc", "/etc");
        assert_int_equal(feed(4096, &s), -EPROTO);
}

static void test_rx_entry_count_limit(void **state)
{
        struct seen s;

        (void)state;
        start();
        for (unsigned i = 0; i < BH_FC_MAX_ENTRIES; i++)
                entry(BH_FC_FILE, 0644, 0, "f"); /* duplicates are the unpacker's to refuse */
        end();
        assert_int_equal(feed(1 << 20, &s), 0);
        assert_int_equal(s.entries, BH_FC_MAX_ENTRIES);
        wire_len -= BH_FC_ENTRY_SIZE;
        entry(BH_FC_FILE, 0644, 0, "f");
        assert_int_equal(feed(1 << 20, &s), -EPROTO);
        assert_int_equal(s.entries, BH_FC_MAX_ENTRIES);
}

static void test_rx_takes_nothing_after_end(void **state)
{
        struct seen s;
        uint8_t *where;

        (void)state;
        start();
        end();
        assert_int_equal(feed(4096, &s), 0);
        assert_int_equal(bh_fc_rx_want(&rx, &where), 0);
        assert_int_equal(bh_fc_rx_fed(&rx, 1, &s.why), -EPROTO);

        start();
        put("\x04\0\0\0\x01\0\0\0", 8); /* END with a mode */
        put("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24);
        assert_int_equal(feed(4096, &s), -EPROTO);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_entry_header_is_little_endian),
                cmocka_unit_test(test_name_accepts_nested_spaces_and_utf8),
                cmocka_unit_test(test_name_refuses_traversal_and_empty_components),
                cmocka_unit_test(test_name_refuses_control_characters_and_bad_utf8),
                cmocka_unit_test(test_name_limits),
                cmocka_unit_test(test_link_stays_inside_the_tree),
                cmocka_unit_test(test_domain_names),
                cmocka_unit_test(test_status_round_trip_and_limit),
                cmocka_unit_test(test_rx_round_trip_of_a_tree),
                cmocka_unit_test(test_rx_refuses_bad_hello),
                cmocka_unit_test(test_rx_refuses_unknown_types_and_modes),
                cmocka_unit_test(test_rx_refuses_oversized_fields_before_their_bytes),
                cmocka_unit_test(test_rx_total_size_limit),
                cmocka_unit_test(test_rx_refuses_chunks_that_disagree_with_the_size),
                cmocka_unit_test(test_rx_entries_only_inside_open_directories),
                cmocka_unit_test(test_rx_symlink_targets_checked_at_their_depth),
                cmocka_unit_test(test_rx_entry_count_limit),
                cmocka_unit_test(test_rx_takes_nothing_after_end),
        };
        int r = cmocka_run_group_tests(tests, NULL, NULL);

        free(wire);
        return r;
}
