/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of bulkhead-guid's pure model: placement, frame, titles, input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guid_state.h"

struct fixture {
        struct guid_state *s;
        struct bh_gui_peer *p;
        uint8_t buf[BH_GUI_MAX_MSG];
};

/* Sends m through the encoder and the validator, as the daemon sees it. */
static int feed(struct fixture *f, const struct bh_gui_msg *m, struct guid_change *ch)
{
        struct bh_gui_msg checked;
        const char *why = NULL;
        size_t len;

        assert_int_equal(bh_gui_encode(m, f->buf, sizeof(f->buf), &len), 0);
        if (bh_gui_check(f->p, f->buf, len, &checked, &why) < 0)
                return -EPROTO;
        return guid_state_apply(f->s, &checked, ch);
}

static int setup(void **state)
{
        static struct fixture f;
        struct bh_gui_msg hello = { .type = BH_GUI_MSG_HELLO };
        struct bh_gui_area work = { 0, 0, 1000, 800 };
        struct guid_change ch;

        memset(&f, 0, sizeof(f));
        assert_int_equal(guid_state_new("work", &f.s), 0);
        assert_int_equal(guid_state_set_work_area(f.s, &work), 0);
        assert_int_equal(bh_gui_peer_new(&f.p, BH_GUI_FROM_AGENT), 0);
        hello.u.hello.version = 1;
        assert_int_equal(feed(&f, &hello, &ch), 0);
        *state = &f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        guid_state_free(f->s);
        bh_gui_peer_free(f->p);
        return 0;
}

static struct guid_window *create(struct fixture *f, uint32_t id, int32_t x, int32_t y, uint32_t w,
                                  uint32_t h, bool override_redirect)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CREATE, .window = id };
        struct guid_change ch;

        m.u.create.rect = (struct bh_gui_rect){ x, y, w, h };
        m.u.create.flags = override_redirect ? BH_GUI_OVERRIDE_REDIRECT : 0;
        assert_int_equal(feed(f, &m, &ch), 0);
        assert_int_equal(ch.what, GUID_CH_CREATED);
        assert_non_null(ch.w);
        return ch.w;
}

static unsigned map(struct fixture *f, uint32_t id, bool override_redirect)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_MAP, .window = id };
        struct guid_change ch;

        m.u.map.flags = override_redirect ? BH_GUI_OVERRIDE_REDIRECT : 0;
        assert_int_equal(feed(f, &m, &ch), 0);
        return ch.what;
}

static void test_label_colours_known_and_unknown(void **state)
{
        static const char *const names[] = { "red",  "orange", "yellow", "green",
                                             "gray", "blue",   "purple", "black" };
        uint32_t rgb, seen[8];

        for (size_t i = 0; i < 8; i++) {
                assert_int_equal(guid_label_rgb(names[i], &rgb), 0);
                for (size_t j = 0; j < i; j++)
                        assert_int_not_equal(seen[j], rgb);
                assert_int_not_equal(rgb, GUID_NEUTRAL_RGB);
                seen[i] = rgb;
        }
        assert_int_equal(guid_label_rgb("Red", &rgb), -EINVAL);
        assert_int_equal(guid_label_rgb("", &rgb), -EINVAL);
        assert_int_equal(guid_label_rgb("white", &rgb), -EINVAL);
}

static void test_domain_name_rules(void **state)
{
        assert_true(guid_domain_name_ok("work"));
        assert_true(guid_domain_name_ok("disp1234"));
        assert_true(guid_domain_name_ok("sys-net_2.x"));
        assert_false(guid_domain_name_ok(""));
        assert_false(guid_domain_name_ok("-x"));
        assert_false(guid_domain_name_ok(".x"));
        assert_false(guid_domain_name_ok("a b"));
        assert_false(guid_domain_name_ok("a/b"));
        assert_false(guid_domain_name_ok("[dom0]"));
        assert_false(guid_domain_name_ok(
                "a123456789012345678901234567890123456789012345678901234567890123456789"));
}

static void test_offscreen_window_is_moved_so_its_frame_is_inside(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, -30000, -30000, 500, 400, false);
        struct bh_gui_area o = guid_outer(&w->placed);

        assert_int_equal(o.x, 0);
        assert_int_equal(o.y, 0);
        assert_int_equal(w->placed.w, 500);
        assert_int_equal(w->placed.h, 400);

        w = create(f, 2, 32000, 32000, 100, 50, false);
        o = guid_outer(&w->placed);
        assert_int_equal(o.x + (int32_t)o.w, 1000);
        assert_int_equal(o.y + (int32_t)o.h, 800);
}

static void test_oversized_window_is_cut_to_the_work_area(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 0, 0, 8192, 8192, false);
        struct bh_gui_area o = guid_outer(&w->placed);

        assert_int_equal(o.x, 0);
        assert_int_equal(o.y, 0);
        assert_int_equal(o.w, 1000);
        assert_int_equal(o.h, 800);
        /* the domain's own geometry is kept for input and CONFIGURE */
        assert_int_equal(w->rect.w, 8192);
}

static void test_work_area_offset_translates_domain_coordinates(void **state)
{
        struct fixture *f = *state;
        struct bh_gui_area work = { 50, 30, 900, 700 };
        struct guid_window *w = create(f, 1, 100, 100, 200, 100, false);

        assert_int_equal(guid_state_set_work_area(f->s, &work), 0);
        assert_int_equal(w->placed.x, 150);
        assert_int_equal(w->placed.y, 130);
}

static void test_work_area_too_small_refused(void **state)
{
        struct fixture *f = *state;
        struct bh_gui_area work = { 0, 0, 10, 10 };

        assert_int_equal(guid_state_set_work_area(f->s, &work), -EINVAL);
        work = (struct bh_gui_area){ 0, 0, 9000, 700 };
        assert_int_equal(guid_state_set_work_area(f->s, &work), -EINVAL);
}

static void test_override_redirect_cut_to_cover_limit(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, -5, -5, 8192, 8192, true);
        struct bh_gui_area o = guid_outer(&w->placed);
        uint64_t covered = (uint64_t)o.w * o.h;

        /* frame included, inside the work area */
        assert_true(o.x >= 0 && o.y >= 0);
        assert_true(o.x + (int64_t)o.w <= 1000 && o.y + (int64_t)o.h <= 800);
        /* content at most 90% of the room the frame leaves */
        assert_true((uint64_t)w->placed.w * w->placed.h * 100 <=
                    (uint64_t)(1000 - 2 * GUID_FRAME) * (800 - 2 * GUID_FRAME) * 90);
        /* and the bottom of the desktop stays in sight */
        assert_true(covered < 1000u * 800u);
        assert_true(o.y + (int64_t)o.h <= 800 - 70);
}

static void test_small_override_redirect_is_shown_as_asked(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 200, 300, 120, 40, true);

        assert_int_equal(w->placed.x, 200);
        assert_int_equal(w->placed.y, 300);
        assert_int_equal(w->placed.w, 120);
        assert_int_equal(w->placed.h, 40);
}

static void test_map_switching_override_redirect_is_a_remap(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 0, 0, 2000, 2000, false);
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CONFIGURE, .window = 1 };
        struct guid_change ch;

        assert_int_equal(map(f, 1, false), GUID_CH_MAPPED | GUID_CH_GEOMETRY);
        assert_false(w->override_redirect);
        /* a CONFIGURE with the bit only notes it while mapped */
        m.u.configure.rect = (struct bh_gui_rect){ 0, 0, 2000, 2000 };
        m.u.configure.flags = BH_GUI_OVERRIDE_REDIRECT;
        assert_int_equal(feed(f, &m, &ch), 0);
        assert_false(w->override_redirect);
        assert_true(w->or_wanted);
        /* a MAP with the other kind shows it anew, placed by that kind */
        assert_int_equal(map(f, 1, true), GUID_CH_REMAP | GUID_CH_GEOMETRY);
        assert_true(w->override_redirect);
        assert_true((uint64_t)w->placed.w * w->placed.h * 100 <=
                    (uint64_t)(1000 - 2 * GUID_FRAME) * (800 - 2 * GUID_FRAME) * 90);
        /* the same MAP again changes nothing */
        assert_int_equal(map(f, 1, true), 0);
}

static void test_title_is_prefixed_and_sanitized(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 0, 0, 10, 10, false);
        static const char evil[] = "\xe2\x80\xae" "fdp.exe\x07\n[dom0] Password\xe2\x81\xa6";
        struct bh_gui_msg m = { .type = BH_GUI_MSG_TITLE, .window = 1 };
        struct guid_change ch;

        assert_string_equal(w->title, "[work] ");
        m.u.title.bytes = evil;
        m.u.title.len = strlen(evil);
        assert_int_equal(feed(f, &m, &ch), 0);
        assert_int_equal(ch.what, GUID_CH_TITLE);
        assert_string_equal(w->title, "[work] fdp.exe [dom0] Password");
}

static void test_class_is_prefixed_with_the_domain(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 0, 0, 10, 10, false);
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CLASS, .window = 1 };
        struct guid_change ch;

        assert_string_equal(w->wm_class, "work");
        m.u.wm_class.instance = "gnome-terminal";
        m.u.wm_class.instance_len = strlen("gnome-terminal");
        m.u.wm_class.class_ = "Gnome-terminal";
        m.u.wm_class.class_len = strlen("Gnome-terminal");
        assert_int_equal(feed(f, &m, &ch), 0);
        assert_string_equal(w->wm_instance, "work:gnome-terminal");
        assert_string_equal(w->wm_class, "work:Gnome-terminal");
}

static void test_damage_is_clipped_to_what_is_shown(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 0, 0, 100, 50, false);
        struct bh_gui_msg m = { .type = BH_GUI_MSG_BUFFER, .window = 1 };
        static const uint8_t desc[4] = { 1, 2, 3, 4 };
        struct guid_change ch;

        m.u.buffer.width = 200;
        m.u.buffer.height = 40;
        m.u.buffer.stride = 800;
        m.u.buffer.format = BH_GUI_FORMAT_XRGB8888;
        m.u.buffer.size = 800 * 40;
        m.u.buffer.desc = desc;
        m.u.buffer.desc_len = sizeof(desc);
        assert_int_equal(feed(f, &m, &ch), 0);
        assert_int_equal(ch.what, GUID_CH_BUFFER | GUID_CH_DAMAGE);
        assert_int_equal(ch.damage.w, 100);
        assert_int_equal(ch.damage.h, 40);
        assert_int_equal(w->buf_w, 200);

        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_DAMAGE, .window = 1 };
        m.u.damage.x = 90;
        m.u.damage.y = 10;
        m.u.damage.w = 100;
        m.u.damage.h = 30;
        assert_int_equal(feed(f, &m, &ch), 0);
        assert_int_equal(ch.what, GUID_CH_DAMAGE);
        assert_int_equal(ch.damage.x, 90);
        assert_int_equal(ch.damage.w, 10);
        assert_int_equal(ch.damage.h, 30);
        /* damage wholly outside what is shown: nothing to redraw */
        m.u.damage.x = 150;
        m.u.damage.w = 10;
        assert_int_equal(feed(f, &m, &ch), 0);
        assert_int_equal(ch.what, 0);
}

static void test_no_buffer_shows_nothing_of_the_domain(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 0, 0, 100, 50, false);
        struct bh_gui_area v = guid_buffer_visible(w);

        map(f, 1, false);
        assert_true(guid_window_shown(w));
        assert_int_equal(v.w, 0);
        assert_int_equal(v.h, 0);
}

static void test_destroy_unlinks_and_map_raises(void **state)
{
        struct fixture *f = *state;
        struct bh_gui_msg m = { .type = BH_GUI_MSG_DESTROY, .window = 1 };
        struct guid_change ch;

        create(f, 1, 0, 0, 10, 10, false);
        create(f, 2, 0, 0, 10, 10, false);
        create(f, 3, 0, 0, 10, 10, false);
        map(f, 1, false);
        assert_int_equal(f->s->win[2]->id, 1);
        assert_int_equal(feed(f, &m, &ch), 0);
        assert_int_equal(ch.what, GUID_CH_DESTROYED);
        assert_int_equal(ch.w->id, 1);
        guid_window_free(ch.w);
        assert_int_equal(f->s->n, 2);
        assert_null(guid_state_find(f->s, 1));
        assert_non_null(guid_state_find(f->s, 3));
}

static void test_window_table_follows_the_validator_to_its_limit(void **state)
{
        struct fixture *f = *state;
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CREATE };
        struct guid_change ch;
        int r = 0;
        uint32_t i;

        m.u.create.rect = (struct bh_gui_rect){ 0, 0, 1, 1 };
        for (i = 1; i <= 10000; i++) {
                m.window = i;
                r = feed(f, &m, &ch);
                if (r < 0)
                        break;
        }
        assert_int_equal(r, -EPROTO);
        assert_int_equal(i, BH_GUI_MAX_WINDOWS + 1);
        assert_int_equal(f->s->n, BH_GUI_MAX_WINDOWS);
}

static void test_input_coordinates_are_content_relative_and_clamped(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 7, 0, 0, 100, 100, false);
        uint8_t out[BH_GUI_MAX_MSG];
        struct bh_gui_msg m;
        size_t len;

        assert_int_equal(guid_input_button(w, GUID_FRAME + 10.7, GUID_FRAME, 0x104, 1, true, &m), 0);
        assert_int_equal(m.type, BH_GUI_MSG_BUTTON);
        assert_int_equal(m.window, 7);
        assert_int_equal(m.u.button.x, 10);
        assert_int_equal(m.u.button.y, 0);
        assert_int_equal(m.u.button.state, 0x104);
        assert_int_equal(bh_gui_encode(&m, out, sizeof(out), &len), 0);
        /* the frame itself is left of and above the content */
        assert_int_equal(guid_input_motion(w, 0, 1, 0, &m), 0);
        assert_int_equal(m.u.motion.x, -GUID_FRAME);
        assert_int_equal(m.u.motion.y, 1 - GUID_FRAME);
        /* far drags clamp to INT16; unknown state bits are dropped */
        assert_int_equal(guid_input_motion(w, 1e9, -1e9, 0xffffffff, &m), 0);
        assert_int_equal(m.u.motion.x, BH_GUI_COORD_MAX);
        assert_int_equal(m.u.motion.y, BH_GUI_COORD_MIN);
        assert_int_equal(m.u.motion.state, BH_GUI_STATE_MASK);
        assert_int_equal(bh_gui_encode(&m, out, sizeof(out), &len), 0);
        assert_int_equal(guid_input_crossing(w, 5, 5, 0, true, &m), 0);
        assert_int_equal(bh_gui_encode(&m, out, sizeof(out), &len), 0);
        /* buttons X cannot carry are not sent */
        assert_int_equal(guid_input_button(w, 0, 0, 0, 0, true, &m), -EINVAL);
        assert_int_equal(guid_input_button(w, 0, 0, 0, 10, true, &m), -EINVAL);
}

static void test_smooth_scroll_adds_up_to_wheel_steps(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 0, 0, 100, 100, false);
        uint8_t out[BH_GUI_MAX_MSG];
        struct bh_gui_msg m;
        size_t len;

        assert_int_equal(guid_input_scroll(w, 10, 10, 0, 0, 0.4, &m), -EAGAIN);
        assert_int_equal(guid_input_scroll(w, 10, 10, 0, 0, 0.4, &m), -EAGAIN);
        assert_int_equal(guid_input_scroll(w, 10, 10, 0, 0, 0.4, &m), 0);
        assert_int_equal(m.u.scroll.dy, 1);
        assert_int_equal(m.u.scroll.dx, 0);
        assert_int_equal(bh_gui_encode(&m, out, sizeof(out), &len), 0);
        assert_int_equal(guid_input_scroll(w, 10, 10, 0, -1, 0, &m), 0);
        assert_int_equal(m.u.scroll.dx, -1);
        /* a huge flick is capped to what one message may carry */
        assert_int_equal(guid_input_scroll(w, 10, 10, 0, 0, 1e6, &m), 0);
        assert_int_equal(m.u.scroll.dy, BH_GUI_MAX_SCROLL_STEPS);
        assert_int_equal(bh_gui_encode(&m, out, sizeof(out), &len), 0);
        assert_int_equal(guid_input_scroll(w, 10, 10, 0, 0, 0.0 / 0.0, &m), -EAGAIN);
}

static void test_clipboard_combos_need_ctrl_and_shift(void **state)
{
        assert_int_equal(guid_key_combo('C', 0x5), GUID_COMBO_COPY);
        assert_int_equal(guid_key_combo('c', 0x5 | 0x10), GUID_COMBO_COPY);
        assert_int_equal(guid_key_combo('V', 0x5), GUID_COMBO_PASTE);
        assert_int_equal(guid_key_combo('c', 0x4), GUID_COMBO_NONE);
        assert_int_equal(guid_key_combo('v', 0x1), GUID_COMBO_NONE);
        assert_int_equal(guid_key_combo('x', 0x5), GUID_COMBO_NONE);
}

static void test_keys_held_are_reported_in_focus(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 0, 0, 100, 100, false);
        uint8_t out[BH_GUI_MAX_MSG];
        struct bh_gui_msg m;
        size_t len;

        assert_int_equal(guid_input_key(f->s, w, 50, 0x1, true, &m), 0);
        assert_int_equal(bh_gui_encode(&m, out, sizeof(out), &len), 0);
        assert_int_equal(guid_input_key(f->s, w, 38, 0, true, &m), 0);
        assert_int_equal(guid_input_key(f->s, w, 38, 0, false, &m), 0);
        assert_false(m.u.key.pressed);
        assert_int_equal(guid_input_key(f->s, w, 7, 0, true, &m), -EINVAL);
        assert_int_equal(guid_input_focus(f->s, w, false, &m), 0);
        assert_int_equal(m.u.focus.keys[50 / 8], 1u << (50 % 8));
        assert_int_equal(m.u.focus.keys[38 / 8] & (1u << (38 % 8)), 0);
        assert_int_equal(bh_gui_encode(&m, out, sizeof(out), &len), 0);
        /* after focus left, nothing is held any more */
        assert_int_equal(guid_input_focus(f->s, w, true, &m), 0);
        assert_int_equal(m.u.focus.keys[50 / 8], 0);
}

/* The user puts the window's contents at x,y with size w,h on the desktop
 * (the desktop window is that plus dom0's frame). */
static int user_places(struct fixture *f, struct guid_window *w, int x, int y, int cw, int ch,
                       struct bh_gui_msg *m)
{
        return guid_user_configure(f->s, w, x - GUID_FRAME, y - GUID_FRAME, cw + 2 * GUID_FRAME,
                                   ch + 2 * GUID_FRAME, m);
}

static void test_user_configure_sends_only_changes(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 100, 100, 200, 100, false);
        struct guid_window *menu = create(f, 2, 10, 10, 50, 50, true);
        struct bh_gui_msg m;
        uint8_t out[BH_GUI_MAX_MSG];
        size_t len;

        map(f, 1, false);
        map(f, 2, true);
        /* the echo of where the agent put it */
        assert_int_equal(user_places(f, w, 100, 100, 200, 100, &m), -EAGAIN);
        assert_int_equal(guid_user_configure(f->s, w, 300, 200, 400 + 2 * GUID_FRAME,
                                             300 + 2 * GUID_FRAME, &m),
                         0);
        assert_int_equal(m.type, BH_GUI_MSG_CONFIGURE);
        assert_int_equal(m.u.configure.rect.x, 300 + GUID_FRAME);
        assert_int_equal(m.u.configure.rect.w, 400);
        assert_int_equal(m.u.configure.flags, 0);
        assert_int_equal(bh_gui_encode(&m, out, sizeof(out), &len), 0);
        assert_int_equal(w->placed.w, 400);
        /* a window shrunk to nothing still has a legal size */
        assert_int_equal(guid_user_configure(f->s, w, 0, 0, 1, 1, &m), 0);
        assert_int_equal(m.u.configure.rect.w, 1);
        /* override-redirect windows are the domain's to place */
        assert_int_equal(guid_user_configure(f->s, menu, 0, 0, 500, 500, &m), -EAGAIN);
}

/* The agent's CONFIGURE for window id. */
static unsigned agent_configure(struct fixture *f, uint32_t id, int32_t x, int32_t y, uint32_t w,
                                uint32_t h)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CONFIGURE, .window = id };
        struct guid_change ch;

        m.u.configure.rect = (struct bh_gui_rect){ x, y, w, h };
        assert_int_equal(feed(f, &m, &ch), 0);
        return ch.what;
}

static void test_user_configure_stale_echo_does_not_move_the_window_back(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 100, 100, 200, 100, false);
        struct bh_gui_msg m;

        map(f, 1, false);
        /* a resize, then a move, before the agent has answered either */
        assert_int_equal(user_places(f, w, 100, 100, 300, 200, &m), 0);
        assert_int_equal(user_places(f, w, 400, 300, 300, 200, &m), 0);
        /* the echo of the resize: the domain follows the move, the window stays */
        assert_int_equal(agent_configure(f, 1, 100, 100, 300, 200), 0);
        assert_int_equal(w->placed.x, 400);
        assert_int_equal(w->placed.y, 300);
        /* the domain cut the old size on its own (a terminal's cell grid):
         * shown, as the domain has it */
        assert_int_equal(agent_configure(f, 1, 100, 100, 300, 195), GUID_CH_GEOMETRY);
        assert_int_equal(w->placed.x, 100);
        /* the echo of the move, the newest: shown */
        assert_int_equal(agent_configure(f, 1, 400, 300, 300, 200), GUID_CH_GEOMETRY);
        assert_int_equal(w->placed.x, 400);
        assert_int_equal(w->placed.y, 300);
        assert_int_equal(agent_configure(f, 1, 400, 300, 300, 195), GUID_CH_GEOMETRY);
        assert_int_equal(w->placed.h, 195);
}

/*
 * xdotool windowsize then windowmove: the agent's echo of the resize came
 * after the display had done the move but before it reported it.  Shown,
 * the echo moved the window back; the display then reported the window
 * where it was once more, so the move was lost on both sides.
 */
static void test_echo_of_the_users_latest_move_asks_nothing_of_the_display(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 100, 100, 200, 100, false);
        struct bh_gui_msg m;

        map(f, 1, false);
        assert_int_equal(user_places(f, w, 100, 100, 300, 200, &m), 0);
        /* the echo of the resize, the newest move the daemon knows of:
         * the window is already there, the display is left alone */
        assert_int_equal(agent_configure(f, 1, 100, 100, 300, 200), 0);
        assert_int_equal(w->placed.x, 100);
        assert_int_equal(w->placed.w, 300);
        /* the move the display then reports reaches the domain */
        assert_int_equal(user_places(f, w, 400, 300, 300, 200, &m), 0);
        assert_int_equal(m.u.configure.rect.x, 400);
        assert_int_equal(m.u.configure.rect.y, 300);
        assert_int_equal(agent_configure(f, 1, 400, 300, 300, 200), 0);
        assert_int_equal(w->placed.x, 400);
        /* a window the user left partly off the desktop is still brought
         * back when the domain has followed it */
        assert_int_equal(user_places(f, w, -50, 300, 300, 200, &m), 0);
        assert_int_equal(agent_configure(f, 1, -50, 300, 300, 200), GUID_CH_GEOMETRY);
        assert_int_equal(w->placed.x, GUID_FRAME);
}

static void test_user_move_back_during_a_stale_echo_is_sent(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 100, 100, 200, 100, false);
        struct bh_gui_msg m;

        map(f, 1, false);
        assert_int_equal(user_places(f, w, 100, 100, 200, 150, &m), 0);
        assert_int_equal(user_places(f, w, 400, 300, 200, 150, &m), 0);
        /* the echo of the first, which the domain leaves for the second */
        assert_int_equal(agent_configure(f, 1, 100, 100, 200, 150), 0);
        /* the user puts it back where the first was: the domain, on its
         * way to the second, is told */
        assert_int_equal(user_places(f, w, 100, 100, 200, 150, &m), 0);
        assert_int_equal(m.u.configure.rect.x, 100);
        assert_int_equal(m.u.configure.rect.y, 100);
}

static void test_user_configure_ignores_the_displays_own_moves(void **state)
{
        struct fixture *f = *state;
        struct guid_window *w = create(f, 1, 100, 100, 200, 100, false);
        struct bh_gui_area first, second;
        struct bh_gui_msg m;

        map(f, 1, false);
        /* two CONFIGUREs from the domain, shown one after the other */
        agent_configure(f, 1, 10, 10, 200, 100);
        first = guid_outer(&w->placed);
        guid_displayed(w, first);
        agent_configure(f, 1, 500, 400, 200, 100);
        second = guid_outer(&w->placed);
        guid_displayed(w, second);
        /* the display reports the first move after the second was asked:
         * dom0's own doing, not sent back to the domain as the user's */
        assert_int_equal(guid_user_configure(f->s, w, first.x, first.y, (int)first.w,
                                             (int)first.h, &m),
                         -EAGAIN);
        assert_int_equal(guid_user_configure(f->s, w, second.x, second.y, (int)second.w,
                                             (int)second.h, &m),
                         -EAGAIN);
        /* the user's next move is sent */
        assert_int_equal(guid_user_configure(f->s, w, first.x, first.y, (int)first.w,
                                             (int)first.h, &m),
                         0);
        assert_int_equal(m.u.configure.rect.x, 10);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_label_colours_known_and_unknown),
                cmocka_unit_test(test_domain_name_rules),
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
                T(test_offscreen_window_is_moved_so_its_frame_is_inside),
                T(test_oversized_window_is_cut_to_the_work_area),
                T(test_work_area_offset_translates_domain_coordinates),
                T(test_work_area_too_small_refused),
                T(test_override_redirect_cut_to_cover_limit),
                T(test_small_override_redirect_is_shown_as_asked),
                T(test_map_switching_override_redirect_is_a_remap),
                T(test_title_is_prefixed_and_sanitized),
                T(test_class_is_prefixed_with_the_domain),
                T(test_damage_is_clipped_to_what_is_shown),
                T(test_no_buffer_shows_nothing_of_the_domain),
                T(test_destroy_unlinks_and_map_raises),
                T(test_window_table_follows_the_validator_to_its_limit),
                T(test_input_coordinates_are_content_relative_and_clamped),
                T(test_smooth_scroll_adds_up_to_wheel_steps),
                T(test_clipboard_combos_need_ctrl_and_shift),
                T(test_keys_held_are_reported_in_focus),
                T(test_user_configure_sends_only_changes),
                T(test_user_configure_stale_echo_does_not_move_the_window_back),
                T(test_echo_of_the_users_latest_move_asks_nothing_of_the_display),
                T(test_user_move_back_during_a_stale_echo_is_sent),
                T(test_user_configure_ignores_the_displays_own_moves),
#undef T
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
