/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of where override-redirect windows may appear (lib/gui_policy.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gui_policy.h"

/* A 1920x1080 desktop with a 30-pixel panel at the top. */
static const struct bh_gui_area work = { 0, 30, 1920, 1050 };

static int place(int32_t x, int32_t y, uint32_t w, uint32_t h, struct bh_gui_area *ret)
{
        struct bh_gui_rect r = { x, y, w, h };

        return bh_gui_place_override_redirect(&work, &r, ret);
}

static uint64_t share_percent_x100(const struct bh_gui_area *a)
{
        return (uint64_t)a->w * a->h * 10000 / ((uint64_t)work.w * work.h);
}

static void test_menu_inside_the_work_area_is_shown_as_asked(void **state)
{
        struct bh_gui_area got;

        (void)state;
        assert_int_equal(place(100, 200, 300, 400, &got), 0);
        assert_int_equal(got.x, 100);
        assert_int_equal(got.y, 200);
        assert_int_equal(got.w, 300);
        assert_int_equal(got.h, 400);
}

static void test_popup_off_screen_is_moved_in(void **state)
{
        struct bh_gui_area got;

        (void)state;
        /* Over the panel and off the left edge. */
        assert_int_equal(place(-50, 0, 300, 200, &got), BH_GUI_PLACE_MOVED);
        assert_int_equal(got.x, 0);
        assert_int_equal(got.y, 30);
        /* Off the bottom right. */
        assert_int_equal(place(1900, 1070, 300, 200, &got), BH_GUI_PLACE_MOVED);
        assert_int_equal(got.x, 1620);
        assert_int_equal(got.y, 880);
        assert_int_equal(got.w, 300);
        assert_int_equal(got.h, 200);
}

static void test_window_covering_more_than_90_percent_is_shrunk(void **state)
{
        struct bh_gui_area got;
        int r;

        (void)state;
        /* Full screen from a domain: cut into the work area, then to 90%. */
        r = place(0, 0, 1920, 1080, &got);
        assert_int_equal(r, BH_GUI_PLACE_MOVED | BH_GUI_PLACE_SHRUNK);
        assert_int_equal(got.x, 0);
        assert_int_equal(got.y, 30);
        assert_int_equal(got.w, 1920);
        assert_int_equal(got.h, 945); /* 90% of 1050: the bottom tenth stays in sight */
        assert_true(share_percent_x100(&got) <= 9000);
        assert_false(bh_gui_covers_most(&work, &(struct bh_gui_rect){ got.x, got.y, got.w, got.h }));

        /* Already inside, 95% of the width and the whole height. */
        r = place(0, 30, 1824, 1050, &got);
        assert_int_equal(r, BH_GUI_PLACE_SHRUNK);
        assert_int_equal(got.w, 1824);
        assert_true(got.h < 1050 && got.h >= 945);
        assert_true(share_percent_x100(&got) <= 9000);

        /* Larger than the desktop: cut, then shrunk. */
        r = place(-8000, -8000, 8192, 8192, &got);
        assert_int_equal(r, BH_GUI_PLACE_MOVED | BH_GUI_PLACE_SHRUNK);
        assert_true(share_percent_x100(&got) <= 9000);
}

static void test_exactly_90_percent_is_allowed(void **state)
{
        struct bh_gui_area got;
        struct bh_gui_rect r90 = { 0, 30, 1920, 945 }, r91 = { 0, 30, 1920, 946 };

        (void)state;
        assert_int_equal(place(0, 30, 1920, 945, &got), 0);
        assert_false(bh_gui_covers_most(&work, &r90));
        assert_true(bh_gui_covers_most(&work, &r91));
        /* What lies outside the work area does not count. */
        assert_false(bh_gui_covers_most(&work, &(struct bh_gui_rect){ -960, 30, 1920, 1050 }));
        assert_true(bh_gui_covers_most(&work, &(struct bh_gui_rect){ -10, 0, 1940, 1080 }));
}

static void test_bad_areas_and_requests_are_refused(void **state)
{
        struct bh_gui_area got, tiny = { 0, 0, 9, 100 }, huge = { 0, 0, 70000, 100 };
        struct bh_gui_rect ok = { 0, 0, 10, 10 }, bad = { 0, 0, 0, 10 };

        (void)state;
        assert_int_equal(bh_gui_place_override_redirect(&tiny, &ok, &got), -EINVAL);
        assert_int_equal(bh_gui_place_override_redirect(&huge, &ok, &got), -EINVAL);
        assert_int_equal(bh_gui_place_override_redirect(&work, &bad, &got), -EINVAL);
        assert_false(bh_gui_covers_most(&tiny, &ok));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_menu_inside_the_work_area_is_shown_as_asked),
                cmocka_unit_test(test_popup_off_screen_is_moved_in),
                cmocka_unit_test(test_window_covering_more_than_90_percent_is_shrunk),
                cmocka_unit_test(test_exactly_90_percent_is_allowed),
                cmocka_unit_test(test_bad_areas_and_requests_are_refused),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
