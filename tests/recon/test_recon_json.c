/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the JSON writer's escaping and structure. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "recon_json.h"

static char *buf;
static size_t len;
static FILE *f;

static int setup(void **state)
{
        (void)state;
        buf = NULL;
        len = 0;
        f = open_memstream(&buf, &len);
        return f ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        if (f)
                fclose(f);
        free(buf);
        return 0;
}

static const char *text(void)
{
        fflush(f);
        return buf;
}

static void escaped(const char *in, size_t n, const char *want)
{
        rewind(f);
        json_write_string(f, in, n);
        fputc(0, f);
        assert_string_equal(text(), want);
}

static void test_quotes_backslashes_and_controls_are_escaped(void **state)
{
        (void)state;
        escaped("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
        escaped("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
        escaped("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
        escaped("a\0b", 3, "\"a\\u0000b\"");
}

static void test_utf8_passes_and_invalid_bytes_become_replacement(void **state)
{
        (void)state;
        escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
        escaped("\xff", 1, "\"\\ufffd\"");
        escaped("\xc3", 1, "\"\\ufffd\"");              /* cut short */
        escaped("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");   /* overlong '/' */
        escaped("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
        escaped("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
        escaped("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");
}

static void test_document_layout(void **state)
{
        struct json_writer w;

        (void)state;
        json_init(&w, f);
        json_begin_object(&w, NULL);
        json_string(&w, "name", "x");
        json_int(&w, "n", -3);
        json_uint(&w, "big", UINT64_MAX);
        json_bool(&w, "yes", true);
        json_null(&w, "none");
        json_string(&w, "nul", NULL);
        json_begin_array(&w, "empty");
        json_end_array(&w);
        json_begin_object(&w, "o");
        json_end_object(&w);
        json_begin_array(&w, "list");
        json_string(&w, NULL, "a");
        json_begin_object(&w, NULL);
        json_bool(&w, "k", false);
        json_end_object(&w);
        json_end_array(&w);
        json_end_object(&w);
        assert_int_equal(json_end(&w), 0);
        assert_string_equal(text(), "{\n"
                                    "  \"name\": \"x\",\n"
                                    "  \"n\": -3,\n"
                                    "  \"big\": 18446744073709551615,\n"
                                    "  \"yes\": true,\n"
                                    "  \"none\": null,\n"
                                    "  \"nul\": null,\n"
                                    "  \"empty\": [],\n"
                                    "  \"o\": {},\n"
                                    "  \"list\": [\n"
                                    "    \"a\",\n"
                                    "    {\n"
                                    "      \"k\": false\n"
                                    "    }\n"
                                    "  ]\n"
                                    "}\n");
}

static void test_misuse_is_reported(void **state)
{
        struct json_writer w;

        (void)state;
        json_init(&w, f);
        json_begin_array(&w, NULL);
        json_string(&w, "key", "in an array");
        json_end_array(&w);
        assert_int_equal(json_end(&w), -EINVAL);

        json_init(&w, f);
        json_begin_object(&w, NULL);
        json_string(&w, NULL, "no key");
        assert_int_equal(json_end(&w), -EINVAL);

        json_init(&w, f);
        json_end_object(&w);
        assert_int_equal(json_end(&w), -EINVAL);

        json_init(&w, f);
        json_begin_object(&w, NULL);
        assert_int_equal(json_end(&w), -EINVAL); /* unclosed */

        json_init(&w, f);
        json_bool(&w, NULL, true);
        json_bool(&w, NULL, true); /* two top-level values */
        assert_int_equal(json_end(&w), -EINVAL);

        json_init(&w, f);
        for (int i = 0; i <= JSON_MAX_DEPTH; i++)
                json_begin_array(&w, NULL);
        assert_int_equal(json_end(&w), -EINVAL);
}

static void test_keys_are_escaped_too(void **state)
{
        struct json_writer w;

        (void)state;
        json_init(&w, f);
        json_begin_object(&w, NULL);
        json_int(&w, "a\"b", 1);
        json_end_object(&w);
        assert_int_equal(json_end(&w), 0);
        assert_string_equal(text(), "{\n  \"a\\\"b\": 1\n}\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_quotes_backslashes_and_controls_are_escaped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_utf8_passes_and_invalid_bytes_become_replacement, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_document_layout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_misuse_is_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(test_keys_are_escaped_too, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
