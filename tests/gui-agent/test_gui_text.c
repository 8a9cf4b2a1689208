/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the GUI agent's text and cursor-name conversions
 * (agent/gui_text.c): what it sends must pass dom0's checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "gui_proto.h"
#include "gui_text.h"

static char out[2048];

static size_t conv(const char *s, size_t len, enum gui_text_from from, unsigned flags,
                   size_t max)
{
        size_t n = gui_text_utf8(s, len, from, flags, out, max);

        assert_true(n <= max);
        assert_true(gui_text_is_utf8(out, n));
        assert_null(memchr(out, '\0', n));
        out[n] = '\0';
        return n;
}

/* The title as TITLE would carry it passes the same check dom0 makes. */
static void assert_title_accepted(const char *bytes, size_t len)
{
        uint8_t msg[BH_GUI_MAX_MSG];
        struct bh_gui_msg m = { .type = BH_GUI_MSG_TITLE, .window = 1 };
        size_t n;

        m.u.title.bytes = bytes;
        m.u.title.len = len;
        assert_int_equal(bh_gui_encode(&m, msg, sizeof(msg), &n), 0);
}

static void test_text_utf8_kept(void **state)
{
        const char *s = "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80";

        (void)state;
        assert_int_equal(conv(s, strlen(s), GUI_TEXT_UTF8, 0, 512), strlen(s));
        assert_string_equal(out, s);
}

static void test_text_invalid_utf8_replaced(void **state)
{
        /* overlong '/', a surrogate, a lone continuation byte, a cut sequence */
        const char s[] = "a\xc0\xaf" "b\xed\xa0\x80" "c\x80" "d\xe2\x82";

        (void)state;
        conv(s, sizeof(s) - 1, GUI_TEXT_UTF8, 0, 512);
        assert_non_null(strstr(out, "\xef\xbf\xbd"));
        assert_int_equal(out[0], 'a');
        assert_title_accepted(out, strlen(out));
}

static void test_text_nul_dropped(void **state)
{
        const char s[] = { 'a', 0, 'b' };

        (void)state;
        assert_int_equal(conv(s, 3, GUI_TEXT_UTF8, 0, 512), 2);
        assert_string_equal(out, "ab");
}

static void test_text_latin1_converted(void **state)
{
        const char s[] = "caf\xe9";

        (void)state;
        conv(s, 4, GUI_TEXT_LATIN1, 0, 512);
        assert_string_equal(out, "caf\xc3\xa9");
}

static void test_text_auto_picks_encoding(void **state)
{
        (void)state;
        conv("caf\xc3\xa9", 5, GUI_TEXT_AUTO, 0, 512);
        assert_string_equal(out, "caf\xc3\xa9");
        conv("caf\xe9", 4, GUI_TEXT_AUTO, 0, 512);
        assert_string_equal(out, "caf\xc3\xa9");
}

static void test_text_cut_at_character_boundary(void **state)
{
        char s[600];

        (void)state;
        /* 300 two-byte characters into 511 bytes: 255 whole ones. */
        for (int i = 0; i < 300; i++) {
                s[2 * i] = '\xc3';
                s[2 * i + 1] = '\xa9';
        }
        assert_int_equal(conv(s, 600, GUI_TEXT_UTF8, 0, 511), 510);
        assert_title_accepted(out, 510);
}

static void test_text_controls_dropped_for_class(void **state)
{
        const char s[] = "x\tterm\x7f\xc2\x85!";
        uint8_t msg[BH_GUI_MAX_MSG];
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CLASS, .window = 1 };
        size_t n;

        (void)state;
        n = conv(s, sizeof(s) - 1, GUI_TEXT_UTF8, GUI_TEXT_NO_CONTROLS, 128);
        assert_string_equal(out, "xterm!");
        m.u.wm_class.instance = out;
        m.u.wm_class.instance_len = n;
        m.u.wm_class.class_ = "XTerm";
        m.u.wm_class.class_len = 5;
        assert_int_equal(bh_gui_encode(&m, msg, sizeof(msg), &n), 0);
}

static void test_text_latin1_for_string_requestors(void **state)
{
        char l[32];
        size_t n;

        (void)state;
        n = gui_text_latin1("caf\xc3\xa9 \xe2\x82\xac", 9, l);
        assert_int_equal(n, 6);
        assert_memory_equal(l, "caf\xe9 ?", 6);
}

static void test_cursor_names_mapped(void **state)
{
        (void)state;
        assert_int_equal(gui_cursor_from_x_name("xterm"), BH_GUI_CURSOR_TEXT);
        assert_int_equal(gui_cursor_from_x_name("hand2"), BH_GUI_CURSOR_POINTER);
        assert_int_equal(gui_cursor_from_x_name("watch"), BH_GUI_CURSOR_WAIT);
        assert_int_equal(gui_cursor_from_x_name("sb_h_double_arrow"), BH_GUI_CURSOR_COL_RESIZE);
        assert_int_equal(gui_cursor_from_x_name("bottom_right_corner"), BH_GUI_CURSOR_SE_RESIZE);
        assert_int_equal(gui_cursor_from_x_name("not-allowed"), BH_GUI_CURSOR_NOT_ALLOWED);
}

static void test_cursor_unknown_is_default(void **state)
{
        (void)state;
        assert_int_equal(gui_cursor_from_x_name(NULL), BH_GUI_CURSOR_DEFAULT);
        assert_int_equal(gui_cursor_from_x_name(""), BH_GUI_CURSOR_DEFAULT);
        assert_int_equal(gui_cursor_from_x_name("dom0-lock-screen"), BH_GUI_CURSOR_DEFAULT);
}

static void test_cursor_every_name_in_the_list(void **state)
{
        (void)state;
        for (uint32_t c = 0; c < BH_GUI_CURSOR_COUNT; c++)
                assert_int_equal(gui_cursor_from_x_name(bh_gui_cursor_name(c)), c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_text_utf8_kept),
                cmocka_unit_test(test_text_invalid_utf8_replaced),
                cmocka_unit_test(test_text_nul_dropped),
                cmocka_unit_test(test_text_latin1_converted),
                cmocka_unit_test(test_text_auto_picks_encoding),
                cmocka_unit_test(test_text_cut_at_character_boundary),
                cmocka_unit_test(test_text_controls_dropped_for_class),
                cmocka_unit_test(test_text_latin1_for_string_requestors),
                cmocka_unit_test(test_cursor_names_mapped),
                cmocka_unit_test(test_cursor_unknown_is_default),
                cmocka_unit_test(test_cursor_every_name_in_the_list),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
