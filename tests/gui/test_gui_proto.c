/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the GUI protocol's wire format and checks (lib/gui_proto.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gui_proto.h"

static uint8_t wire[BH_GUI_MAX_MSG + 64];
static uint8_t desc[BH_GUI_MAX_PAYLOAD + 1];

static void put32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

/* A raw message: header, then the given u32 fields as payload. */
static size_t raw(uint32_t type, uint32_t window, size_t n, const uint32_t *fields)
{
        put32(wire, type);
        put32(wire + 4, window);
        put32(wire + 8, (uint32_t)(4 * n));
        for (size_t i = 0; i < n; i++)
                put32(wire + BH_GUI_HDR_SIZE + 4 * i, fields[i]);
        return BH_GUI_HDR_SIZE + 4 * n;
}

/* A raw message with a byte payload. */
static size_t raw_bytes(uint32_t type, uint32_t window, const void *bytes, size_t len)
{
        put32(wire, type);
        put32(wire + 4, window);
        put32(wire + 8, (uint32_t)len);
        memcpy(wire + BH_GUI_HDR_SIZE, bytes, len);
        return BH_GUI_HDR_SIZE + len;
}

static int check_raw(struct bh_gui_peer *p, size_t len, struct bh_gui_msg *got, const char **why)
{
        struct bh_gui_msg scratch;
        uint32_t plen;
        int r;

        /* The header check and the whole check agree on every message. */
        r = bh_gui_check_header(p, wire, &plen, why);
        if (r == 0 && plen != len - BH_GUI_HDR_SIZE)
                return -100;
        r = bh_gui_check(p, wire, len, got ? got : &scratch, why);
        return r;
}

/* Encodes m and checks it as the peer would. */
static int send_msg(struct bh_gui_peer *p, const struct bh_gui_msg *m, struct bh_gui_msg *got,
                    const char **why)
{
        size_t len;
        int r = bh_gui_encode(m, wire, sizeof(wire), &len);

        if (r < 0)
                return r;
        return check_raw(p, len, got, why);
}

static struct bh_gui_peer *peer(enum bh_gui_role from)
{
        struct bh_gui_peer *p;
        struct bh_gui_msg m = { .type = BH_GUI_MSG_HELLO, .u.hello.version = 1 };
        const char *why = NULL;

        assert_int_equal(bh_gui_peer_new(&p, from), 0);
        assert_int_equal(send_msg(p, &m, NULL, &why), 0);
        return p;
}

static int create(struct bh_gui_peer *p, uint32_t id, int32_t x, int32_t y, uint32_t w, uint32_t h,
                  const char **why)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CREATE, .window = id,
                                .u.create.rect = { x, y, w, h } };

        return send_msg(p, &m, NULL, why);
}

static int buffer(struct bh_gui_peer *p, uint32_t id, uint32_t w, uint32_t h, const char **why)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_BUFFER, .window = id,
                                .u.buffer = { w, h, w * 4, BH_GUI_FORMAT_XRGB8888, w * h * 4,
                                              desc, 16 } };

        return send_msg(p, &m, NULL, why);
}

static int damage(struct bh_gui_peer *p, uint32_t id, uint32_t x, uint32_t y, uint32_t w,
                  uint32_t h, const char **why)
{
        uint32_t f[] = { x, y, w, h };

        return check_raw(p, raw(BH_GUI_MSG_DAMAGE, id, 4, f), NULL, why);
}

/* ---- handshake ------------------------------------------------------------------ */

static void test_header_is_little_endian(void **state)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_SCREEN, .u.screen = { 0x0102, 0x0304 } };
        size_t len;

        (void)state;
        assert_int_equal(bh_gui_encode(&m, wire, sizeof(wire), &len), 0);
        assert_int_equal(len, 20);
        assert_memory_equal(wire, "\x02\0\0\0\0\0\0\0\x08\0\0\0\x02\x01\0\0\x04\x03\0\0", 20);
}

static void test_hello_negotiates_the_lower_version(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = NULL, *q = NULL, *o = NULL;
        struct bh_gui_msg got;
        const char *why = NULL;
        uint8_t longer[BH_GUI_HELLO_MAX] = { 1 };

        (void)state;
        /* A newer agent: both speak ours. */
        assert_int_equal(bh_gui_peer_new(&p, BH_GUI_FROM_AGENT), 0);
        assert_int_equal(bh_gui_peer_version(p), 0);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_HELLO, 0, 2, (uint32_t[]){ 7, 0 }), &got, &why), 0);
        assert_int_equal(got.u.hello.version, BH_GUI_PROTO_VERSION);
        assert_int_equal(bh_gui_peer_version(p), BH_GUI_PROTO_VERSION);

        /* A newer dom0 with a longer HELLO: its extra bytes are skipped. */
        assert_int_equal(bh_gui_peer_new(&q, BH_GUI_FROM_DOM0), 0);
        longer[0] = 3;
        assert_int_equal(check_raw(q, raw_bytes(BH_GUI_MSG_HELLO, 0, longer, sizeof(longer)), &got,
                                   &why), 0);
        assert_int_equal(got.u.hello.version, 1);

        /* Version 0 does not exist; a HELLO past its maximum is refused. */
        assert_int_equal(bh_gui_peer_new(&o, BH_GUI_FROM_AGENT), 0);
        assert_int_equal(check_raw(o, raw(BH_GUI_MSG_HELLO, 0, 2, (uint32_t[]){ 0, 0 }), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "HELLO with version 0");
        assert_int_equal(check_raw(o, raw_bytes(BH_GUI_MSG_HELLO, 0, desc, BH_GUI_HELLO_MAX + 1),
                                   NULL, &why), -EPROTO);
        assert_int_equal(check_raw(o, raw(BH_GUI_MSG_HELLO, 0, 1, (uint32_t[]){ 1 }), NULL, &why),
                         -EPROTO);
        assert_int_equal(bh_gui_peer_version(o), 0);
}

static void test_hello_comes_first_and_once(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = NULL;
        const char *why = NULL;

        (void)state;
        assert_int_equal(bh_gui_peer_new(&p, BH_GUI_FROM_AGENT), 0);
        assert_int_equal(create(p, 5, 0, 0, 10, 10, &why), -EPROTO);
        assert_string_equal(why, "first message is not HELLO");
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_HELLO, 0, 2, (uint32_t[]){ 1, 0 }), NULL, &why), 0);
        assert_int_equal(create(p, 5, 0, 0, 10, 10, &why), 0);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_HELLO, 0, 2, (uint32_t[]){ 1, 0 }), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "second HELLO");
}

/* ---- every message, encoded and checked ------------------------------------------ */

static void test_agent_messages_round_trip(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        struct bh_gui_msg m, got;
        const char *why = NULL;

        (void)state;
        for (size_t i = 0; i < sizeof(desc); i++)
                desc[i] = (uint8_t)(i * 7);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CREATE, .window = 0x400001,
                                 .u.create = { { -20, 30, 640, 480 }, 0, 0 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.window, 0x400001);
        assert_int_equal(got.u.create.rect.x, -20);
        assert_int_equal(got.u.create.rect.y, 30);
        assert_int_equal(got.u.create.rect.w, 640);
        assert_int_equal(got.u.create.rect.h, 480);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CREATE, .window = 0x400002,
                                 .u.create = { { 100, 100, 200, 50 }, 0x400001,
                                               BH_GUI_OVERRIDE_REDIRECT } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.create.transient_for, 0x400001);
        assert_int_equal(got.u.create.flags, BH_GUI_OVERRIDE_REDIRECT);
        assert_int_equal(bh_gui_peer_windows(p), 2);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_MAP, .window = 0x400002,
                                 .u.map = { 0x400001, BH_GUI_OVERRIDE_REDIRECT } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.map.transient_for, 0x400001);
        assert_int_equal(got.u.map.flags, BH_GUI_OVERRIDE_REDIRECT);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CONFIGURE, .window = 0x400001,
                                 .u.configure = { { -5, -6, 800, 600 }, 0 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.configure.rect.x, -5);
        assert_int_equal(got.u.configure.rect.h, 600);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_BUFFER, .window = 0x400001,
                                 .u.buffer = { 800, 600, 3200, BH_GUI_FORMAT_XRGB8888, 1920000,
                                               desc, BH_SHBUF_DESC_MAX } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.buffer.width, 800);
        assert_int_equal(got.u.buffer.height, 600);
        assert_int_equal(got.u.buffer.size, 1920000);
        assert_int_equal(got.u.buffer.desc_len, BH_SHBUF_DESC_MAX);
        assert_memory_equal(got.u.buffer.desc, desc, BH_SHBUF_DESC_MAX);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_DAMAGE, .window = 0x400001,
                                 .u.damage = { 10, 20, 790, 580 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.damage.x, 10);
        assert_int_equal(got.u.damage.h, 580);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_TITLE, .window = 0x400001,
                                 .u.title = { "Übersicht — ファイル", strlen("Übersicht — ファイル") } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.title.len, strlen("Übersicht — ファイル"));
        assert_memory_equal(got.u.title.bytes, "Übersicht — ファイル", got.u.title.len);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_TITLE, .window = 0x400001 };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.title.len, 0);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CLASS, .window = 0x400001,
                                 .u.wm_class = { "Navigator", "firefox-esr", 9, 11 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.wm_class.instance_len, 9);
        assert_memory_equal(got.u.wm_class.instance, "Navigator", 9);
        assert_int_equal(got.u.wm_class.class_len, 11);
        assert_memory_equal(got.u.wm_class.class_, "firefox-esr", 11);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_SIZE_HINTS, .window = 0x400001,
                                 .u.hints = { BH_GUI_HINT_MIN | BH_GUI_HINT_MAX | BH_GUI_HINT_BASE |
                                                      BH_GUI_HINT_INC,
                                              100, 50, 4000, 3000, 2, 4, 6, 13 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_memory_equal(&got.u.hints, &m.u.hints, sizeof(m.u.hints));

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_WINDOW_FLAGS, .window = 0x400001,
                                 .u.window_flags.flags = BH_GUI_WFLAG_FULLSCREEN |
                                                         BH_GUI_WFLAG_URGENT };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.window_flags.flags, BH_GUI_WFLAG_FULLSCREEN | BH_GUI_WFLAG_URGENT);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CURSOR, .window = 0x400001,
                                 .u.cursor.cursor = BH_GUI_CURSOR_TEXT };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.cursor.cursor, BH_GUI_CURSOR_TEXT);
        assert_string_equal(bh_gui_cursor_name(got.u.cursor.cursor), "text");
        assert_null(bh_gui_cursor_name(BH_GUI_CURSOR_COUNT));

        bh_gui_peer_expect_clipboard(p, 100);
        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CLIPBOARD_DATA,
                                 .u.clipboard = { (const uint8_t *)"copied\0bytes", 12 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.clipboard.len, 12);
        assert_memory_equal(got.u.clipboard.bytes, "copied\0bytes", 12);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_UNMAP, .window = 0x400002 };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.type, BH_GUI_MSG_UNMAP);
        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_DESTROY, .window = 0x400002 };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(bh_gui_peer_windows(p), 1);
}

static void test_dom0_messages_round_trip(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_DOM0);
        struct bh_gui_msg m, got;
        const char *why = NULL;

        (void)state;
        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_SCREEN, .u.screen = { 3840, 2160 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.screen.width, 3840);
        assert_int_equal(got.u.screen.height, 2160);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CONFIGURE, .window = 9,
                                 .u.configure = { { 10, 20, 300, 400 }, 0 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.window, 9);
        assert_int_equal(got.u.configure.rect.w, 300);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CLOSE, .window = 9 };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.type, BH_GUI_MSG_CLOSE);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_KEY, .window = 9,
                                 .u.key = { 38, 0x5, true } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.key.keycode, 38);
        assert_int_equal(got.u.key.state, 0x5);
        assert_true(got.u.key.pressed);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_BUTTON, .window = 9,
                                 .u.button = { -3, 700, 0x100, 3, false } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.button.x, -3);
        assert_int_equal(got.u.button.y, 700);
        assert_int_equal(got.u.button.state, 0x100);
        assert_int_equal(got.u.button.button, 3);
        assert_false(got.u.button.pressed);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_MOTION, .window = 9,
                                 .u.motion = { 5, -6, 0x1 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.motion.y, -6);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_SCROLL, .window = 9,
                                 .u.scroll = { 5, 6, 0, 0, -3 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.scroll.dy, -3);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CROSSING, .window = 9,
                                 .u.crossing = { 1, 2, 0, true } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_true(got.u.crossing.entered);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_FOCUS, .window = 9, .u.focus.in = true };
        m.u.focus.keys[4] = 0x40; /* keycode 38 held */
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_true(got.u.focus.in);
        assert_memory_equal(got.u.focus.keys, m.u.focus.keys, BH_GUI_KEYMAP_BYTES);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CLIPBOARD_REQ,
                                 .u.clipboard_req.max_bytes = 4096 };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_int_equal(got.u.clipboard_req.max_bytes, 4096);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CLIPBOARD_DATA,
                                 .u.clipboard = { (const uint8_t *)"paste", 5 } };
        assert_int_equal(send_msg(p, &m, &got, &why), 0);
        assert_memory_equal(got.u.clipboard.bytes, "paste", 5);
}

/* ---- rejections ------------------------------------------------------------------ */

static void test_geometry_out_of_range_is_refused(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        const char *why = NULL;
        static const uint32_t bad[][4] = {
                { 0, 0, 0, 10 },                          /* empty */
                { 0, 0, 10, 0 },
                { 0, 0, 0xffffffffu, 10 },                /* a negative width */
                { 0, 0, 10, (uint32_t)-5 },
                { 0, 0, BH_GUI_MAX_WINDOW_WIDTH + 1, 10 }, /* too large */
                { 0, 0, 10, BH_GUI_MAX_WINDOW_HEIGHT + 1 },
                { (uint32_t)-32769, 0, 10, 10 },          /* outside INT16 */
                { 0, 32768, 10, 10 },
                { 0x80000000u, 0, 10, 10 },
        };

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                uint32_t f[] = { bad[i][0], bad[i][1], bad[i][2], bad[i][3], 0, 0 };

                why = NULL;
                assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CREATE, 1, 6, f), NULL, &why), -EPROTO);
                assert_non_null(why);
        }
        assert_int_equal(bh_gui_peer_windows(p), 0);
        /* The same rules hold for CONFIGURE. */
        assert_int_equal(create(p, 1, 0, 0, 10, 10, &why), 0);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CONFIGURE, 1, 5,
                                          (uint32_t[]){ 0, 0, 0xfffffff0u, 10, 0 }), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "window size out of range");
        /* Unknown window flags. */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CONFIGURE, 1, 5,
                                          (uint32_t[]){ 0, 0, 10, 10, 2 }), NULL, &why), -EPROTO);
}

static void test_geometry_off_screen_is_accepted(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        struct bh_gui_msg got;
        const char *why = NULL;
        uint32_t f[] = { (uint32_t)BH_GUI_COORD_MIN, BH_GUI_COORD_MAX, BH_GUI_MAX_WINDOW_WIDTH,
                         BH_GUI_MAX_WINDOW_HEIGHT, 0, 0 };

        (void)state;
        /* Off the screen, but a geometry X allows: the daemon places it. */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CREATE, 1, 6, f), &got, &why), 0);
        assert_int_equal(got.u.create.rect.x, BH_GUI_COORD_MIN);
        assert_int_equal(got.u.create.rect.y, BH_GUI_COORD_MAX);
        assert_int_equal(create(p, 2, -100, -100, 1, 1, &why), 0);
}

static void test_buffer_sizes_are_checked(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        const char *why = NULL;
        struct {
                uint32_t w, h, stride, format, size;
                const char *why;
        } bad[] = {
                /* w * h * 4 wraps to 0 in 32 bits. */
                { 0x40000000u, 4, 0, BH_GUI_FORMAT_XRGB8888, 0, "BUFFER size out of range" },
                { 0x8000u, 0x8000u, 0x20000u, BH_GUI_FORMAT_XRGB8888, 0, "BUFFER size out of range" },
                { 0, 10, 0, BH_GUI_FORMAT_XRGB8888, 0, "BUFFER size out of range" },
                { 8192, 8192, 32768, BH_GUI_FORMAT_XRGB8888, 0x10000000u,
                  "BUFFER over BH_GUI_MAX_BUFFER_BYTES" },
                { 100, 100, 404, BH_GUI_FORMAT_XRGB8888, 40400, "BUFFER stride is not width * 4" },
                { 100, 100, 400, BH_GUI_FORMAT_XRGB8888, 4096, "BUFFER size is not stride * height" },
                { 100, 100, 400, BH_GUI_FORMAT_XRGB8888, 40001, "BUFFER size is not stride * height" },
                { 100, 100, 400, 2, 40000, "BUFFER in an unknown pixel format" },
        };

        (void)state;
        assert_int_equal(create(p, 7, 0, 0, 100, 100, &why), 0);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                uint32_t f[] = { bad[i].w, bad[i].h, bad[i].stride, bad[i].format, bad[i].size, 0x1234 };

                why = NULL;
                assert_int_equal(check_raw(p, raw(BH_GUI_MSG_BUFFER, 7, 6, f), NULL, &why), -EPROTO);
                assert_string_equal(why, bad[i].why);
        }
        /* No descriptor, or one longer than any the transport makes. */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_BUFFER, 7, 5,
                                          (uint32_t[]){ 100, 100, 400, 1, 40000 }), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "payload too short for its type");
        put32(desc, 100);
        put32(desc + 4, 100);
        put32(desc + 8, 400);
        put32(desc + 12, 1);
        put32(desc + 16, 40000);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_BUFFER, 7, desc, BH_GUI_MAX_PAYLOAD + 1),
                                   NULL, &why), -EPROTO);
        assert_string_equal(why, "payload too long for its type");
        /* The largest buffer there may be is fine. */
        assert_int_equal(buffer(p, 7, 4096, 4096, &why), 0);
        assert_int_equal(buffer(p, 7, 8192, 2048, &why), 0);
        /* The encoder refuses what the check would. */
        {
                struct bh_gui_msg m = { .type = BH_GUI_MSG_BUFFER, .window = 7,
                                        .u.buffer = { 100, 100, 400, 1, 4096, desc, 8 } };
                size_t len;

                assert_int_equal(bh_gui_encode(&m, wire, sizeof(wire), &len), -EINVAL);
        }
}

static void test_buffers_of_a_domain_have_a_total_cap(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        const char *why = NULL;
        uint32_t n = BH_GUI_MAX_TOTAL_BUFFER_BYTES / BH_GUI_MAX_BUFFER_BYTES;

        (void)state;
        for (uint32_t i = 1; i <= n + 1; i++)
                assert_int_equal(create(p, i, 0, 0, 4096, 4096, &why), 0);
        for (uint32_t i = 1; i <= n; i++)
                assert_int_equal(buffer(p, i, 4096, 4096, &why), 0);
        assert_int_equal(buffer(p, n + 1, 4096, 4096, &why), -EPROTO);
        assert_string_equal(why, "BUFFER past BH_GUI_MAX_TOTAL_BUFFER_BYTES");
        /* Replacing a buffer counts the new one instead of the old. */
        assert_int_equal(buffer(p, 1, 1024, 1024, &why), 0);
        assert_int_equal(buffer(p, 1, 4096, 4096, &why), 0);
        /* Destroying a window gives its bytes back. */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_DESTROY, 2, 0, NULL), NULL, &why), 0);
        assert_int_equal(buffer(p, n + 1, 4096, 4096, &why), 0);
}

static void test_damage_must_lie_in_the_buffer(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        const char *why = NULL;

        (void)state;
        assert_int_equal(create(p, 3, 0, 0, 200, 100, &why), 0);
        assert_int_equal(damage(p, 3, 0, 0, 1, 1, &why), -EPROTO);
        assert_string_equal(why, "DAMAGE before the window's BUFFER");
        assert_int_equal(buffer(p, 3, 200, 100, &why), 0);
        assert_int_equal(damage(p, 3, 0, 0, 200, 100, &why), 0);
        assert_int_equal(damage(p, 3, 199, 99, 1, 1, &why), 0);
        assert_int_equal(damage(p, 3, 0, 0, 201, 100, &why), -EPROTO);
        assert_string_equal(why, "DAMAGE outside the window's buffer");
        assert_int_equal(damage(p, 3, 0, 1, 200, 100, &why), -EPROTO);
        assert_int_equal(damage(p, 3, 200, 0, 1, 1, &why), -EPROTO);
        /* Offsets that wrap around 32 bits. */
        assert_int_equal(damage(p, 3, 0xffffffffu, 0, 2, 1, &why), -EPROTO);
        assert_string_equal(why, "DAMAGE outside any possible buffer");
        assert_int_equal(damage(p, 3, 1, 1, 0xffffffffu, 1, &why), -EPROTO);
        assert_int_equal(damage(p, 3, 0, 0x80000000u, 1, 0x80000000u, &why), -EPROTO);
        assert_int_equal(damage(p, 3, 0, 0, 0, 5, &why), -EPROTO);
        assert_string_equal(why, "empty DAMAGE");
        /* A smaller buffer replaces the larger one. */
        assert_int_equal(buffer(p, 3, 50, 50, &why), 0);
        assert_int_equal(damage(p, 3, 0, 0, 200, 100, &why), -EPROTO);
        assert_int_equal(damage(p, 3, 0, 0, 50, 50, &why), 0);
        /* The window has a buffer, another does not. */
        assert_int_equal(create(p, 4, 0, 0, 10, 10, &why), 0);
        assert_int_equal(damage(p, 4, 0, 0, 1, 1, &why), -EPROTO);
}

static void test_window_limit_holds_at_10000_creates(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        const char *why = NULL;
        uint32_t accepted = 0;

        (void)state;
        for (uint32_t i = 1; i <= 10000; i++) {
                int r = create(p, i * 0x10001u, 0, 0, 10, 10, &why);

                if (r == 0)
                        accepted++;
                else
                        assert_string_equal(why, "CREATE past BH_GUI_MAX_WINDOWS");
        }
        assert_int_equal(accepted, BH_GUI_MAX_WINDOWS);
        assert_int_equal(bh_gui_peer_windows(p), BH_GUI_MAX_WINDOWS);
        /* One destroyed, one more fits. */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_DESTROY, 0x10001u, 0, NULL), NULL, &why), 0);
        assert_int_equal(create(p, 0xdead, 0, 0, 10, 10, &why), 0);
        assert_int_equal(create(p, 0xbeef, 0, 0, 10, 10, &why), -EPROTO);
}

static void test_unknown_and_duplicate_windows_are_refused(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        const char *why = NULL;
        static const uint32_t types[] = { BH_GUI_MSG_DESTROY, BH_GUI_MSG_UNMAP };

        (void)state;
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                assert_int_equal(check_raw(p, raw(types[i], 42, 0, NULL), NULL, &why), -EPROTO);
                assert_string_equal(why, "message for an unknown window");
        }
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_MAP, 42, 2, (uint32_t[]){ 0, 0 }), NULL, &why),
                         -EPROTO);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CURSOR, 42, 1, (uint32_t[]){ 0 }), NULL, &why),
                         -EPROTO);
        assert_int_equal(buffer(p, 42, 10, 10, &why), -EPROTO);
        assert_int_equal(create(p, 42, 0, 0, 10, 10, &why), 0);
        assert_int_equal(create(p, 42, 0, 0, 10, 10, &why), -EPROTO);
        assert_string_equal(why, "CREATE of a window that exists");
        /* Destroyed, the id is free again (X reuses ids). */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_DESTROY, 42, 0, NULL), NULL, &why), 0);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_UNMAP, 42, 0, NULL), NULL, &why), -EPROTO);
        assert_int_equal(create(p, 42, 0, 0, 10, 10, &why), 0);
}

static void test_transient_for_an_unknown_window_is_cleared(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        struct bh_gui_msg got;
        const char *why = NULL;

        (void)state;
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CREATE, 5, 6,
                                          (uint32_t[]){ 0, 0, 10, 10, 99, 0 }), &got, &why), 0);
        assert_int_equal(got.u.create.transient_for, 0);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_MAP, 5, 2, (uint32_t[]){ 5, 0 }), &got, &why), 0);
        assert_int_equal(got.u.map.transient_for, 0);
        assert_int_equal(create(p, 6, 0, 0, 10, 10, &why), 0);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_MAP, 5, 2, (uint32_t[]){ 6, 1 }), &got, &why), 0);
        assert_int_equal(got.u.map.transient_for, 6);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_MAP, 5, 2, (uint32_t[]){ 6, 3 }), &got, &why),
                         -EPROTO);
}

static void test_title_must_be_valid_utf8_and_bounded(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        static const char *const bad[] = {
                "\xc0\xaf",         /* overlong '/' */
                "\xe0\x80\xaf",     /* overlong, three bytes */
                "\xed\xa0\x80",     /* a surrogate */
                "\xf4\x90\x80\x80", /* past U+10FFFF */
                "ab\xe2\x82",       /* cut short */
                "\x80",             /* a lone continuation byte */
                "\xff",
        };
        char long_title[BH_GUI_MAX_TITLE_BYTES + 1];
        struct bh_gui_msg got;
        const char *why = NULL;

        (void)state;
        assert_int_equal(create(p, 1, 0, 0, 10, 10, &why), 0);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_TITLE, 1, bad[i], strlen(bad[i])),
                                           NULL, &why), -EPROTO);
                assert_string_equal(why, "TITLE not valid UTF-8 or with a NUL");
        }
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_TITLE, 1, "a\0b", 3), NULL, &why), -EPROTO);
        /* Controls are valid UTF-8: accepted here, removed for display. */
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_TITLE, 1, "a\tb\xe2\x80\xae", 6), &got,
                                   &why), 0);
        memset(long_title, 'x', sizeof(long_title));
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_TITLE, 1, long_title,
                                                BH_GUI_MAX_TITLE_BYTES), NULL, &why), 0);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_TITLE, 1, long_title,
                                                BH_GUI_MAX_TITLE_BYTES + 1), NULL, &why), -EPROTO);
        assert_string_equal(why, "payload too long for its type");
}

static void test_class_is_two_bounded_strings(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        uint8_t two[2 * BH_GUI_MAX_CLASS_BYTES + 1];
        struct bh_gui_msg got;
        const char *why = NULL;

        (void)state;
        assert_int_equal(create(p, 1, 0, 0, 10, 10, &why), 0);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLASS, 1, "\0", 1), &got, &why), 0);
        assert_int_equal(got.u.wm_class.instance_len + got.u.wm_class.class_len, 0);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLASS, 1, "xterm", 5), NULL, &why), -EPROTO);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLASS, 1, "a\0b\0c", 5), NULL, &why),
                         -EPROTO);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLASS, 1, "a\nb\0c", 5), NULL, &why),
                         -EPROTO);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLASS, 1, "a\0\xc3", 3), NULL, &why),
                         -EPROTO);
        /* The longest pair, and one byte too many on one side. */
        memset(two, 'c', sizeof(two));
        two[BH_GUI_MAX_CLASS_BYTES] = '\0';
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLASS, 1, two, sizeof(two)), NULL, &why), 0);
        two[BH_GUI_MAX_CLASS_BYTES] = 'c';
        two[BH_GUI_MAX_CLASS_BYTES - 1] = '\0';
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLASS, 1, two, sizeof(two)), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "CLASS string over BH_GUI_MAX_CLASS_BYTES");
}

static void test_clipboard_data_only_as_asked(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        _cleanup_gui_peer_ struct bh_gui_peer *a = peer(BH_GUI_FROM_DOM0);
        static uint8_t big[BH_GUI_MAX_CLIPBOARD_BYTES + 1];
        const char *why = NULL;

        (void)state;
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLIPBOARD_DATA, 0, "x", 1), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "CLIPBOARD_DATA nobody asked for");
        /* dom0 asked for less than the protocol's maximum. */
        bh_gui_peer_expect_clipboard(p, 1000);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLIPBOARD_DATA, 0, big, 1001), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "CLIPBOARD_DATA over the size asked for");
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLIPBOARD_DATA, 0, big, 1000), NULL, &why),
                         0);
        /* One answer per request. */
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLIPBOARD_DATA, 0, big, 1), NULL, &why),
                         -EPROTO);
        /* The protocol's maximum, whatever dom0 asks for. */
        bh_gui_peer_expect_clipboard(p, UINT32_MAX);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLIPBOARD_DATA, 0, big, sizeof(big)), NULL,
                                   &why), -EPROTO);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLIPBOARD_DATA, 0, big,
                                                BH_GUI_MAX_CLIPBOARD_BYTES), NULL, &why), 0);
        /* An empty answer: nothing to copy. */
        bh_gui_peer_expect_clipboard(p, 10);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLIPBOARD_DATA, 0, big, 0), NULL, &why), 0);
        /* The agent's side: pastes within the maximum, requests within it. */
        assert_int_equal(check_raw(a, raw_bytes(BH_GUI_MSG_CLIPBOARD_DATA, 0, big, sizeof(big)), NULL,
                                   &why), -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_CLIPBOARD_REQ, 0, 1,
                                          (uint32_t[]){ BH_GUI_MAX_CLIPBOARD_BYTES + 1 }), NULL, &why),
                         -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_CLIPBOARD_REQ, 0, 1, (uint32_t[]){ 0 }), NULL,
                                   &why), -EPROTO);
}

static void test_truncated_and_oversized_messages_are_refused(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        const char *why = NULL;
        uint32_t len;
        size_t n;

        (void)state;
        n = raw(BH_GUI_MSG_CREATE, 1, 6, (uint32_t[]){ 0, 0, 10, 10, 0, 0 });
        /* Shorter than a header; payload shorter or longer than the header says. */
        assert_int_equal(bh_gui_check(p, wire, 11, &(struct bh_gui_msg){ 0 }, &why), -EPROTO);
        assert_string_equal(why, "message shorter than its header");
        assert_int_equal(bh_gui_check(p, wire, n - 1, &(struct bh_gui_msg){ 0 }, &why), -EPROTO);
        assert_string_equal(why, "message length disagrees with its header");
        assert_int_equal(bh_gui_check(p, wire, n + 1, &(struct bh_gui_msg){ 0 }, &why), -EPROTO);
        /* A fixed-size payload of another size, either way. */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CREATE, 1, 5, (uint32_t[]){ 0, 0, 10, 10, 0 }),
                                   NULL, &why), -EPROTO);
        assert_string_equal(why, "payload too short for its type");
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CREATE, 1, 7,
                                          (uint32_t[]){ 0, 0, 10, 10, 0, 0, 0 }), NULL, &why), -EPROTO);
        assert_string_equal(why, "payload too long for its type");
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_DESTROY, 1, 1, (uint32_t[]){ 0 }), NULL, &why),
                         -EPROTO);
        /* A huge length is refused from the header alone. */
        put32(wire, BH_GUI_MSG_TITLE);
        put32(wire + 4, 1);
        put32(wire + 8, 0xfffffff0u);
        assert_int_equal(bh_gui_check_header(p, wire, &len, &why), -EPROTO);
        assert_string_equal(why, "payload too long for its type");
        put32(wire, BH_GUI_MSG_CLIPBOARD_DATA);
        put32(wire + 4, 0);
        put32(wire + 8, BH_GUI_MAX_CLIPBOARD_BYTES + 1);
        assert_int_equal(bh_gui_check_header(p, wire, &len, &why), -EPROTO);
        /* Nothing was recorded by all that. */
        assert_int_equal(bh_gui_peer_windows(p), 0);
}

static void test_unknown_and_wrong_direction_types_are_refused(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        _cleanup_gui_peer_ struct bh_gui_peer *a = peer(BH_GUI_FROM_DOM0);
        static const uint32_t unknown[] = { 0, 3, 0x0f, 0x1c, 0x27, 0x32, 0xffffffffu };
        static const uint32_t dom0_only[] = { BH_GUI_MSG_SCREEN, BH_GUI_MSG_CLOSE, BH_GUI_MSG_KEY,
                                              BH_GUI_MSG_BUTTON, BH_GUI_MSG_MOTION, BH_GUI_MSG_SCROLL,
                                              BH_GUI_MSG_CROSSING, BH_GUI_MSG_FOCUS,
                                              BH_GUI_MSG_CLIPBOARD_REQ };
        static const uint32_t agent_only[] = { BH_GUI_MSG_CREATE, BH_GUI_MSG_DESTROY, BH_GUI_MSG_MAP,
                                               BH_GUI_MSG_UNMAP, BH_GUI_MSG_BUFFER, BH_GUI_MSG_DAMAGE,
                                               BH_GUI_MSG_TITLE, BH_GUI_MSG_CLASS,
                                               BH_GUI_MSG_SIZE_HINTS, BH_GUI_MSG_WINDOW_FLAGS,
                                               BH_GUI_MSG_CURSOR };
        const char *why = NULL;

        (void)state;
        for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
                assert_int_equal(check_raw(p, raw(unknown[i], 1, 0, NULL), NULL, &why), -EPROTO);
                assert_string_equal(why, "unknown message type");
                assert_int_equal(check_raw(a, raw(unknown[i], 1, 0, NULL), NULL, &why), -EPROTO);
                assert_string_equal(bh_gui_msg_name(unknown[i]), "unknown");
        }
        for (size_t i = 0; i < sizeof(dom0_only) / sizeof(dom0_only[0]); i++) {
                assert_int_equal(check_raw(p, raw(dom0_only[i], 1, 0, NULL), NULL, &why), -EPROTO);
                assert_string_equal(why, "message type this side does not send");
        }
        for (size_t i = 0; i < sizeof(agent_only) / sizeof(agent_only[0]); i++) {
                assert_int_equal(check_raw(a, raw(agent_only[i], 1, 0, NULL), NULL, &why), -EPROTO);
                assert_string_equal(why, "message type this side does not send");
        }
}

static void test_window_field_follows_the_type(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        const char *why = NULL;

        (void)state;
        assert_int_equal(create(p, 0, 0, 0, 10, 10, &why), -EINVAL); /* the encoder refuses too */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CREATE, 0, 6, (uint32_t[]){ 0, 0, 10, 10, 0, 0 }),
                                   NULL, &why), -EPROTO);
        assert_string_equal(why, "window message for window 0");
        bh_gui_peer_expect_clipboard(p, 10);
        assert_int_equal(check_raw(p, raw_bytes(BH_GUI_MSG_CLIPBOARD_DATA, 5, "x", 1), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "window set on a message that takes none");
}

static void test_size_hints_are_checked_and_made_consistent(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        struct bh_gui_msg got;
        const char *why = NULL;

        (void)state;
        assert_int_equal(create(p, 1, 0, 0, 10, 10, &why), 0);
        /* A maximum below the minimum is dropped, not fatal. */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_SIZE_HINTS, 1, 9,
                                          (uint32_t[]){ 3, 500, 500, 100, 800, 0, 0, 0, 0 }), &got,
                                   &why), 0);
        assert_int_equal(got.u.hints.flags, BH_GUI_HINT_MIN);
        assert_int_equal(got.u.hints.max_w, 0);
        assert_int_equal(got.u.hints.max_h, 0);
        assert_int_equal(got.u.hints.min_w, 500);
        /* Values past the limits, a value without its flag, unknown flags,
         * a zero increment. */
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_SIZE_HINTS, 1, 9,
                                          (uint32_t[]){ 2, 0, 0, 0x7fffffff, 10, 0, 0, 0, 0 }), NULL,
                                   &why), -EPROTO);
        assert_string_equal(why, "SIZE_HINTS value out of range");
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_SIZE_HINTS, 1, 9,
                                          (uint32_t[]){ 1, 5, 5, 0, 0, 0, 0, 1, 0 }), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "SIZE_HINTS value without its flag");
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_SIZE_HINTS, 1, 9,
                                          (uint32_t[]){ 0x10, 0, 0, 0, 0, 0, 0, 0, 0 }), NULL, &why),
                         -EPROTO);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_SIZE_HINTS, 1, 9,
                                          (uint32_t[]){ 8, 0, 0, 0, 0, 0, 0, 0, 4 }), NULL, &why),
                         -EPROTO);
        assert_string_equal(why, "SIZE_HINTS increment of 0");
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_WINDOW_FLAGS, 1, 1, (uint32_t[]){ 8 }), NULL,
                                   &why), -EPROTO);
        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_CURSOR, 1, 1,
                                          (uint32_t[]){ BH_GUI_CURSOR_COUNT }), NULL, &why), -EPROTO);
}

static void test_input_from_dom0_is_checked(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *a = peer(BH_GUI_FROM_DOM0);
        const char *why = NULL;

        (void)state;
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_KEY, 1, 3, (uint32_t[]){ 7, 0, 1 }), NULL, &why),
                         -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_KEY, 1, 3, (uint32_t[]){ 256, 0, 1 }), NULL, &why),
                         -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_KEY, 1, 3, (uint32_t[]){ 9, 0x2000, 1 }), NULL,
                                   &why), -EPROTO);
        assert_string_equal(why, "input state with unknown bits");
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_KEY, 1, 3, (uint32_t[]){ 9, 0, 2 }), NULL, &why),
                         -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_BUTTON, 1, 5, (uint32_t[]){ 0, 0, 0, 10, 1 }),
                                   NULL, &why), -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_BUTTON, 1, 5, (uint32_t[]){ 0, 0, 0, 0, 1 }),
                                   NULL, &why), -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_MOTION, 1, 3, (uint32_t[]){ 40000, 0, 0 }), NULL,
                                   &why), -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_SCROLL, 1, 5, (uint32_t[]){ 0, 0, 0, 0, 0 }), NULL,
                                   &why), -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_SCROLL, 1, 5, (uint32_t[]){ 0, 0, 0, 33, 0 }),
                                   NULL, &why), -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_SCROLL, 1, 5,
                                          (uint32_t[]){ 0, 0, 0, 0, (uint32_t)-32 }), NULL, &why), 0);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_SCREEN, 0, 2, (uint32_t[]){ 8193, 100 }), NULL,
                                   &why), -EPROTO);
        assert_int_equal(check_raw(a, raw(BH_GUI_MSG_CROSSING, 1, 4, (uint32_t[]){ 0, 0, 0, 5 }), NULL,
                                   &why), -EPROTO);
}

/* Ids that share a home slot, destroyed in an order that makes the table
 * shift entries back: every id stays findable, none comes back. */
static void test_window_table_survives_churn(void **state)
{
        _cleanup_gui_peer_ struct bh_gui_peer *p = peer(BH_GUI_FROM_AGENT);
        const char *why = NULL;
        uint32_t ids[600], inv = 0x9e3779b1u;
        bool live[600];

        (void)state;
        /* The inverse of the table's multiplier: (k * inv) * multiplier = k,
         * so ids k * inv for small k all share the table's first slot. */
        for (int i = 0; i < 5; i++)
                inv *= 2 - 0x9e3779b1u * inv;
        for (uint32_t i = 0; i < 600; i++) {
                ids[i] = i < 300 ? (i + 1) * inv : 0x1000 + i;
                live[i] = true;
                assert_int_equal(create(p, ids[i], 0, 0, 1, 1, &why), 0);
        }
        for (uint32_t round = 0; round < 3; round++) {
                for (uint32_t i = round; i < 600; i += 3) {
                        assert_int_equal(check_raw(p, raw(BH_GUI_MSG_DESTROY, ids[i], 0, NULL), NULL,
                                                   &why), 0);
                        live[i] = false;
                }
                for (uint32_t i = 0; i < 600; i++) {
                        int r = check_raw(p, raw(BH_GUI_MSG_UNMAP, ids[i], 0, NULL), NULL, &why);

                        assert_int_equal(r, live[i] ? 0 : -EPROTO);
                }
        }
        assert_int_equal(bh_gui_peer_windows(p), 0);
        for (uint32_t i = 0; i < 600; i++)
                assert_int_equal(create(p, ids[i], 0, 0, 1, 1, &why), 0);
        assert_int_equal(bh_gui_peer_windows(p), 600);
}

static void test_encode_refuses_bad_values(void **state)
{
        size_t len;
        struct bh_gui_msg bad[] = {
                { .type = 0x77 },
                { .type = BH_GUI_MSG_CREATE, .window = 1, .u.create.rect = { 0, 0, 0, 5 } },
                { .type = BH_GUI_MSG_TITLE, .window = 1, .u.title = { "\xff", 1 } },
                { .type = BH_GUI_MSG_TITLE, .window = 1, .u.title = { (const char *)desc, BH_GUI_MAX_TITLE_BYTES + 1 } },
                { .type = BH_GUI_MSG_KEY, .window = 1, .u.key = { 3, 0, true } },
                { .type = BH_GUI_MSG_HELLO, .window = 1, .u.hello.version = 1 },
                { .type = BH_GUI_MSG_CLIPBOARD_DATA, .u.clipboard = { NULL, 3 } },
        };

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(bh_gui_encode(&bad[i], wire, sizeof(wire), &len), -EINVAL);
        assert_int_equal(bh_gui_encode(&(struct bh_gui_msg){ .type = BH_GUI_MSG_SCREEN,
                                                             .u.screen = { 1, 1 } },
                                       wire, BH_GUI_HDR_SIZE + 7, &len), -ENOBUFS);
}

static void test_limits_fit_together(void **state)
{
        (void)state;
        assert_true(2 * BH_GUI_MAX_MSG <= BH_GUI_RING_SIZE);
        assert_true(BH_GUI_RING_SIZE <= BH_VCHAN_RING_MAX);
        /* The largest window's buffer at full height is within the cap for
         * one of the two sides, as documented. */
        assert_true(4096ull * 4096 * 4 <= BH_GUI_MAX_BUFFER_BYTES);
        assert_true(7680ull * 2160 * 4 <= BH_GUI_MAX_BUFFER_BYTES);
        assert_true(BH_GUI_MAX_BUFFER_BYTES <= BH_SHBUF_MAX_BYTES);
        assert_true(BH_GUI_MAX_WINDOW_WIDTH <= BH_GUI_COORD_MAX + 1);
        assert_string_equal(bh_gui_msg_name(BH_GUI_MSG_DAMAGE), "DAMAGE");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_header_is_little_endian),
                cmocka_unit_test(test_hello_negotiates_the_lower_version),
                cmocka_unit_test(test_hello_comes_first_and_once),
                cmocka_unit_test(test_agent_messages_round_trip),
                cmocka_unit_test(test_dom0_messages_round_trip),
                cmocka_unit_test(test_geometry_out_of_range_is_refused),
                cmocka_unit_test(test_geometry_off_screen_is_accepted),
                cmocka_unit_test(test_buffer_sizes_are_checked),
                cmocka_unit_test(test_buffers_of_a_domain_have_a_total_cap),
                cmocka_unit_test(test_damage_must_lie_in_the_buffer),
                cmocka_unit_test(test_window_limit_holds_at_10000_creates),
                cmocka_unit_test(test_unknown_and_duplicate_windows_are_refused),
                cmocka_unit_test(test_transient_for_an_unknown_window_is_cleared),
                cmocka_unit_test(test_title_must_be_valid_utf8_and_bounded),
                cmocka_unit_test(test_class_is_two_bounded_strings),
                cmocka_unit_test(test_clipboard_data_only_as_asked),
                cmocka_unit_test(test_truncated_and_oversized_messages_are_refused),
                cmocka_unit_test(test_unknown_and_wrong_direction_types_are_refused),
                cmocka_unit_test(test_window_field_follows_the_type),
                cmocka_unit_test(test_size_hints_are_checked_and_made_consistent),
                cmocka_unit_test(test_input_from_dom0_is_checked),
                cmocka_unit_test(test_window_table_survives_churn),
                cmocka_unit_test(test_encode_refuses_bad_values),
                cmocka_unit_test(test_limits_fit_together),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
