/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the title dom0 shows for a domain's window
 * (bh_gui_sanitize_title in lib/gui_proto.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "gui_proto.h"

static char out[BH_GUI_MAX_TITLE_BYTES * 3 + 1];

static const char *clean(const char *s)
{
        size_t n = bh_gui_sanitize_title(s, strlen(s), out, sizeof(out));

        assert_int_equal(n, strlen(out));
        return out;
}

/* What the daemon shows: the real prefix, then the cleaned title. */
static const char *shown(const char *domain, const char *title)
{
        static char line[sizeof(out) + 64];

        snprintf(line, sizeof(line), "[%s] %s", domain, clean(title));
        return line;
}

static void test_title_keeps_ordinary_text(void **state)
{
        (void)state;
        assert_string_equal(clean("Inbox — Mail"), "Inbox — Mail");
        assert_string_equal(clean("résumé.pdf - 文書 - مستند"), "résumé.pdf - 文書 - مستند");
        /* Joiners shape scripts and emoji; they reorder nothing. */
        assert_string_equal(clean("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb"),
                            "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb");
        assert_string_equal(clean(""), "");
}

static void test_title_drops_control_characters(void **state)
{
        (void)state;
        assert_string_equal(clean("a\x01\x1b[31mb\x7f"), "a[31mb");
        /* C1 controls, written as UTF-8 (U+0080, U+009B CSI). */
        assert_string_equal(clean("x\xc2\x80y\xc2\x9bz"), "xyz");
        /* Line and column breaks become a space. */
        assert_string_equal(clean("one\ttwo\nthree\r\nfour\xe2\x80\xa8" "five\xc2\x85six"),
                            "one two three  four five six");
}

static void test_title_drops_bidi_and_invisible_characters(void **state)
{
        (void)state;
        /* An override that would show "exe.pdf" for a file named "fdp.exe". */
        assert_string_equal(clean("report \xe2\x80\xae" "fdp.exe"), "report fdp.exe");
        assert_string_equal(clean("\xe2\x80\x8e\xe2\x80\x8fL\xd8\x9cR"), "LR");   /* LRM RLM ALM */
        assert_string_equal(clean("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"), "");
        assert_string_equal(clean("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9i"), "i");
        /* Zero width space, BOM, word joiner, soft hyphen, tags. */
        assert_string_equal(clean("d\xe2\x80\x8bo\xef\xbb\xbfm\xe2\x81\xa0\xc2\xad" "0"
                                  "\xf3\xa0\x80\x81"),
                            "dom0");
        /* Blank fillers that look like spaces. */
        assert_string_equal(clean("a\xe3\x85\xa4z"), "az");
}

static void test_fake_dom0_prefix_stays_visible_as_text(void **state)
{
        (void)state;
        /* The real prefix comes first; a fake one is just text after it. */
        assert_string_equal(shown("work", "[dom0] Password required"),
                            "[work] [dom0] Password required");
        /* No bidi control can move the fake prefix in front of the real one. */
        assert_string_equal(shown("work", "\xe2\x80\xae[dom0]\xe2\x81\xa6 x"),
                            "[work] [dom0] x");
        /* Nor can a line break push the real prefix out of a one-line bar. */
        assert_string_equal(shown("work", "\n\n\n[dom0] x"), "[work]    [dom0] x");
}

static void test_title_replaces_invalid_utf8(void **state)
{
        (void)state;
        assert_string_equal(clean("a\xff" "b"), "a\xef\xbf\xbd" "b");
        assert_string_equal(clean("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");     /* overlong */
        assert_string_equal(clean("\xed\xa0\x80z"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
        assert_string_equal(clean("end\xe2\x82"), "end\xef\xbf\xbd\xef\xbf\xbd"); /* cut short */
}

static void test_title_is_cut_at_a_character_boundary(void **state)
{
        char small[8];
        char big[BH_GUI_MAX_TITLE_BYTES];

        (void)state;
        /* "ab" + three 2-byte characters = 8 bytes; 7 fit. */
        assert_int_equal(bh_gui_sanitize_title("ab\xc3\xa9\xc3\xa9\xc3\xa9", 8, small, sizeof(small)),
                         6);
        assert_string_equal(small, "ab\xc3\xa9\xc3\xa9");
        assert_int_equal(bh_gui_sanitize_title("abc", 3, small, 1), 0);
        assert_string_equal(small, "");
        assert_int_equal(bh_gui_sanitize_title("abc", 3, small, 0), 0);
        /* Any checked title fits whole in BH_GUI_MAX_TITLE_BYTES + 1. */
        memset(big, 'x', sizeof(big));
        assert_int_equal(bh_gui_sanitize_title(big, sizeof(big), out, BH_GUI_MAX_TITLE_BYTES + 1),
                         BH_GUI_MAX_TITLE_BYTES);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_title_keeps_ordinary_text),
                cmocka_unit_test(test_title_drops_control_characters),
                cmocka_unit_test(test_title_drops_bidi_and_invisible_characters),
                cmocka_unit_test(test_fake_dom0_prefix_stays_visible_as_text),
                cmocka_unit_test(test_title_replaces_invalid_utf8),
                cmocka_unit_test(test_title_is_cut_at_a_character_boundary),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
