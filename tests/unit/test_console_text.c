/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "console_text.h"

static char *render(const char *in, size_t len)
{
        char *out = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&out, &n);

        assert_non_null(f);
        assert_int_equal(bh_console_text_write(in, len, f), 0);
        fclose(f);
        return out;
}

static void check(const char *in, size_t len, const char *want)
{
        char *out = render(in, len);

        assert_string_equal(out, want);
        free(out);
}

/* Text, UTF-8, newlines and tabs pass as they are. */
static void test_plain_text_passes(void **state)
{
        const char *s = "stage 1 at 3.95 s\n\tcaf\xc3\xa9 \xe2\x82\xac\n";

        (void)state;
        check(s, strlen(s), s);
}

/* A title change, a screen clear, a bell: nothing reaches the terminal. */
static void test_escape_sequences_are_written_out(void **state)
{
        const char *s = "\033]0;owned\007\033[2Jx\r\b\x7f";

        (void)state;
        check(s, strlen(s), "\\x1b]0;owned\\x07\\x1b[2Jx\\x0d\\x08\\x7f");
}

/* C1 controls as UTF-8 (U+009B is a CSI to some terminals), bytes that
 * are not UTF-8, overlong forms, a NUL, a backslash (so "\x1b" in the
 * output can only come from an escape). */
static void test_c1_invalid_bytes_nul_and_backslash(void **state)
{
        const char s[] = "a\xc2\x9b" "b\xff\xc0\xaf" "c\0d\\";

        (void)state;
        check(s, sizeof(s) - 1, "a\\xc2\\x9bb\\xff\\xc0\\xafc\\x00d\\\\");
}

/* A truncated sequence at the end: its bytes, not a crash or a read past. */
static void test_truncated_sequence_at_the_end(void **state)
{
        (void)state;
        check("ok\xe2\x82", 4, "ok\\xe2\\x82");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain_text_passes),
                cmocka_unit_test(test_escape_sequences_are_written_out),
                cmocka_unit_test(test_c1_invalid_bytes_nul_and_backslash),
                cmocka_unit_test(test_truncated_sequence_at_the_end),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
