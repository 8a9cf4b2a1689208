/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-guid's window table and input mapping, pure; see guid_state.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guid_state.h"

/*
 * Label colours: the Tango palette's darker tones, which stay distinct from
 * each other and readable next to white and black title text.  docs/gui-daemon.md
 * lists them; tests compare frame pixels with these values.
 */
static const struct {
        const char *name;
        uint32_t rgb;
} labels[] = {
        { "red", 0xcc0000 },    { "orange", 0xf57900 }, { "yellow", 0xedd400 },
        { "green", 0x4e9a06 },  { "gray", 0x555753 },   { "blue", 0x3465a4 },
        { "purple", 0x75507b }, { "black", 0x000000 },
};

int guid_label_rgb(const char *label, uint32_t *ret_rgb)
{
        for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
                if (strcmp(labels[i].name, label) == 0) {
                        *ret_rgb = labels[i].rgb;
                        return 0;
                }
        return -EINVAL;
}

bool guid_domain_name_ok(const char *name)
{
        size_t n = strlen(name);

        if (n < 1 || n > GUID_NAME_MAX || name[0] == '-' || name[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.'))
                        return false;
        }
        return true;
}

/* ---- the table ---------------------------------------------------------------- */

/* The smallest work area windows are placed in: room for a frame and a few
 * pixels of content; no desktop is smaller. */
#define MIN_WORK_SIDE 64u

int guid_state_new(const char *name, struct guid_state **ret)
{
        struct guid_state *s;

        if (!guid_domain_name_ok(name))
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        snprintf(s->name, sizeof(s->name), "%s", name);
        s->work = (struct bh_gui_area){ 0, 0, 1024, 768 };
        *ret = s;
        return 0;
}

void guid_window_free(struct guid_window *w)
{
        free(w);
}

void guid_state_free(struct guid_state *s)
{
        if (!s)
                return;
        for (uint32_t i = 0; i < s->n; i++)
                guid_window_free(s->win[i]);
        free(s);
}

struct guid_window *guid_state_find(struct guid_state *s, uint32_t id)
{
        for (uint32_t i = 0; i < s->n; i++)
                if (s->win[i]->id == id)
                        return s->win[i];
        return NULL;
}

static uint32_t index_of(const struct guid_state *s, const struct guid_window *w)
{
        for (uint32_t i = 0; i < s->n; i++)
                if (s->win[i] == w)
                        return i;
        return s->n;
}

static void unlink_window(struct guid_state *s, struct guid_window *w)
{
        uint32_t i = index_of(s, w);

        if (i == s->n)
                return;
        memmove(&s->win[i], &s->win[i + 1], (s->n - i - 1) * sizeof(s->win[0]));
        s->n--;
}

static void raise_window(struct guid_state *s, struct guid_window *w)
{
        unlink_window(s, w);
        s->win[s->n++] = w;
}

struct bh_gui_area guid_outer(const struct bh_gui_area *c)
{
        return (struct bh_gui_area){ c->x - GUID_FRAME, c->y - GUID_FRAME, c->w + 2 * GUID_FRAME,
                                     c->h + 2 * GUID_FRAME };
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
        return a < b ? a : b;
}

static bool area_eq(struct bh_gui_area a, struct bh_gui_area b)
{
        return a.x == b.x && a.y == b.y && a.w == b.w && a.h == b.h;
}

static void echo_push(struct guid_echoes *e, struct bh_gui_area a)
{
        if (e->n == GUID_ECHO_MAX) {
                memmove(&e->a[0], &e->a[1], (GUID_ECHO_MAX - 1) * sizeof(e->a[0]));
                e->n--;
        }
        e->a[e->n++] = a;
}

/* Takes a and everything older; returns how many newer are left, or -1 if
 * a was not there. */
static int echo_take(struct guid_echoes *e, struct bh_gui_area a)
{
        for (uint32_t i = 0; i < e->n; i++) {
                if (!area_eq(e->a[i], a))
                        continue;
                memmove(&e->a[0], &e->a[i + 1], (e->n - i - 1) * sizeof(e->a[0]));
                e->n -= i + 1;
                return (int)e->n;
        }
        return -1;
}

static struct bh_gui_area rect_area(struct bh_gui_rect r)
{
        return (struct bh_gui_area){ r.x, r.y, r.w, r.h };
}

/*
 * A managed window: cut to the work area (less the frame) and moved so that
 * the whole frame is inside it.  The domain is not told; the user may move
 * it (and then the agent hears a CONFIGURE).
 */
static void place_normal(const struct guid_state *s, struct guid_window *w)
{
        int64_t x = (int64_t)s->work.x + w->rect.x, y = (int64_t)s->work.y + w->rect.y;
        uint32_t cw = min_u32(w->rect.w, s->work.w - 2 * GUID_FRAME);
        uint32_t ch = min_u32(w->rect.h, s->work.h - 2 * GUID_FRAME);
        int64_t lo_x = (int64_t)s->work.x + GUID_FRAME, lo_y = (int64_t)s->work.y + GUID_FRAME;
        int64_t hi_x = (int64_t)s->work.x + s->work.w - GUID_FRAME - cw;
        int64_t hi_y = (int64_t)s->work.y + s->work.h - GUID_FRAME - ch;

        x = x < lo_x ? lo_x : x > hi_x ? hi_x : x;
        y = y < lo_y ? lo_y : y > hi_y ? hi_y : y;
        w->placed = (struct bh_gui_area){ (int32_t)x, (int32_t)y, cw, ch };
}

/*
 * An override-redirect window: lib/gui_policy places it, in the work area
 * less the frame (so the frame too stays on the desktop and within the 90%
 * rule's room), in the domain's coordinates, then it is moved to dom0's.
 */
static void place_override_redirect(const struct guid_state *s, struct guid_window *w)
{
        struct bh_gui_area inner = { GUID_FRAME, GUID_FRAME, s->work.w - 2 * GUID_FRAME,
                                     s->work.h - 2 * GUID_FRAME };
        struct bh_gui_area got;

        if (bh_gui_place_override_redirect(&inner, &w->rect, &got) < 0) {
                /* Cannot happen for a checked rect and a work area of at
                 * least MIN_WORK_SIDE; a small window in the corner then. */
                got = (struct bh_gui_area){ GUID_FRAME, GUID_FRAME, min_u32(w->rect.w, 16),
                                            min_u32(w->rect.h, 16) };
        }
        w->placed = (struct bh_gui_area){ s->work.x + got.x, s->work.y + got.y, got.w, got.h };
}

static void place(const struct guid_state *s, struct guid_window *w)
{
        if (w->override_redirect)
                place_override_redirect(s, w);
        else
                place_normal(s, w);
}

int guid_state_set_work_area(struct guid_state *s, const struct bh_gui_area *work)
{
        if (work->w < MIN_WORK_SIDE || work->h < MIN_WORK_SIDE ||
            work->w > BH_GUI_MAX_SCREEN_WIDTH || work->h > BH_GUI_MAX_SCREEN_HEIGHT ||
            work->x < BH_GUI_COORD_MIN || work->x > BH_GUI_COORD_MAX ||
            work->y < BH_GUI_COORD_MIN || work->y > BH_GUI_COORD_MAX)
                return -EINVAL;
        s->work = *work;
        for (uint32_t i = 0; i < s->n; i++)
                place(s, s->win[i]);
        return 0;
}

struct bh_gui_area guid_buffer_visible(const struct guid_window *w)
{
        if (w->buf_w == 0)
                return (struct bh_gui_area){ 0, 0, 0, 0 };
        return (struct bh_gui_area){ 0, 0, min_u32(w->buf_w, w->placed.w),
                                     min_u32(w->buf_h, w->placed.h) };
}

/* Copies n bytes of checked text after "name:" (the validator bounds n). */
static void set_prefixed(char *out, size_t size, const char *name, const char *sep,
                         const char *bytes, size_t n)
{
        int k = snprintf(out, size, "%s%s", name, sep);

        if (k < 0 || (size_t)k >= size)
                return;
        if (n > size - 1 - (size_t)k)
                n = size - 1 - (size_t)k;
        memcpy(out + k, bytes, n);
        out[(size_t)k + n] = '\0';
}

static struct guid_window *window_new(struct guid_state *s, const struct bh_gui_msg *m)
{
        struct guid_window *w = calloc(1, sizeof(*w));

        if (!w)
                return NULL;
        w->id = m->window;
        w->rect = m->u.create.rect;
        w->transient_for = m->u.create.transient_for;
        w->or_wanted = w->override_redirect = m->u.create.flags & BH_GUI_OVERRIDE_REDIRECT;
        snprintf(w->title, sizeof(w->title), "[%s] ", s->name);
        snprintf(w->wm_instance, sizeof(w->wm_instance), "%s", s->name);
        snprintf(w->wm_class, sizeof(w->wm_class), "%s", s->name);
        place(s, w);
        return w;
}

int guid_state_apply(struct guid_state *s, const struct bh_gui_msg *m, struct guid_change *ch)
{
        struct guid_window *w = NULL;

        *ch = (struct guid_change){ 0 };
        switch (m->type) {
        case BH_GUI_MSG_CREATE:
        case BH_GUI_MSG_DESTROY:
        case BH_GUI_MSG_MAP:
        case BH_GUI_MSG_UNMAP:
        case BH_GUI_MSG_CONFIGURE:
        case BH_GUI_MSG_BUFFER:
        case BH_GUI_MSG_DAMAGE:
        case BH_GUI_MSG_TITLE:
        case BH_GUI_MSG_CLASS:
        case BH_GUI_MSG_SIZE_HINTS:
        case BH_GUI_MSG_WINDOW_FLAGS:
        case BH_GUI_MSG_CURSOR:
                w = guid_state_find(s, m->window);
                if (m->type == BH_GUI_MSG_CREATE ? w != NULL : w == NULL)
                        return -EPROTO;
                break;
        default:
                return 0;
        }
        ch->w = w;
        switch (m->type) {
        case BH_GUI_MSG_CREATE:
                if (s->n >= BH_GUI_MAX_WINDOWS)
                        return -EPROTO;
                w = window_new(s, m);
                if (!w)
                        return -ENOMEM;
                s->win[s->n++] = w;
                ch->w = w;
                ch->what = GUID_CH_CREATED;
                break;
        case BH_GUI_MSG_DESTROY:
                unlink_window(s, w);
                ch->what = GUID_CH_DESTROYED;
                break;
        case BH_GUI_MSG_MAP: {
                bool want = m->u.map.flags & BH_GUI_OVERRIDE_REDIRECT;

                w->transient_for = m->u.map.transient_for;
                w->or_wanted = want;
                if (!w->mapped) {
                        w->mapped = true;
                        w->override_redirect = want;
                        raise_window(s, w);
                        place(s, w);
                        ch->what = GUID_CH_MAPPED | GUID_CH_GEOMETRY;
                } else if (w->override_redirect != want) {
                        /* A shown window never changes kind in place: it is
                         * shown anew as the other kind, placed by that
                         * kind's rules. */
                        w->override_redirect = want;
                        raise_window(s, w);
                        place(s, w);
                        ch->what = GUID_CH_REMAP | GUID_CH_GEOMETRY;
                }
                break;
        }
        case BH_GUI_MSG_UNMAP:
                if (w->mapped) {
                        w->mapped = false;
                        ch->what = GUID_CH_UNMAPPED;
                }
                break;
        case BH_GUI_MSG_CONFIGURE: {
                bool stale = echo_take(&w->user_sent, rect_area(m->u.configure.rect)) > 0;
                struct bh_gui_area shown = w->placed;

                /* The override-redirect bit here is only noted: the kind
                 * changes at MAP. */
                w->or_wanted = m->u.configure.flags & BH_GUI_OVERRIDE_REDIRECT;
                if (!w->mapped)
                        w->override_redirect = w->or_wanted;
                /* The echo of a user's move that a newer one overrides:
                 * the domain follows the newer one, which w->rect holds,
                 * and the desktop stays. */
                if (stale)
                        break;
                w->rect = m->u.configure.rect;
                place(s, w);
                /* Already shown there (the echo of the user's latest move):
                 * the display is not asked again.  Asking would undo a move
                 * the user has made since and the display has not reported
                 * yet; and as GDK reports a window where it is when the
                 * report is read, that move would never reach the domain. */
                if (!area_eq(w->placed, shown))
                        ch->what = GUID_CH_GEOMETRY;
                break;
        }
        case BH_GUI_MSG_BUFFER:
                w->buf_w = m->u.buffer.width;
                w->buf_h = m->u.buffer.height;
                ch->what = GUID_CH_BUFFER | GUID_CH_DAMAGE;
                ch->damage = guid_buffer_visible(w);
                break;
        case BH_GUI_MSG_DAMAGE: {
                struct bh_gui_area v = guid_buffer_visible(w);
                uint64_t x1 = m->u.damage.x, y1 = m->u.damage.y;
                uint64_t x2 = x1 + m->u.damage.w, y2 = y1 + m->u.damage.h;

                if (x2 > v.w)
                        x2 = v.w;
                if (y2 > v.h)
                        y2 = v.h;
                if (x1 < x2 && y1 < y2) {
                        ch->what = GUID_CH_DAMAGE;
                        ch->damage = (struct bh_gui_area){ (int32_t)x1, (int32_t)y1,
                                                           (uint32_t)(x2 - x1),
                                                           (uint32_t)(y2 - y1) };
                }
                break;
        }
        case BH_GUI_MSG_TITLE: {
                int k = snprintf(w->title, sizeof(w->title), "[%s] ", s->name);

                if (k > 0 && (size_t)k < sizeof(w->title))
                        bh_gui_sanitize_title(m->u.title.bytes, m->u.title.len, w->title + k,
                                              sizeof(w->title) - (size_t)k);
                ch->what = GUID_CH_TITLE;
                break;
        }
        case BH_GUI_MSG_CLASS:
                set_prefixed(w->wm_instance, sizeof(w->wm_instance), s->name, ":",
                             m->u.wm_class.instance, m->u.wm_class.instance_len);
                set_prefixed(w->wm_class, sizeof(w->wm_class), s->name, ":",
                             m->u.wm_class.class_, m->u.wm_class.class_len);
                ch->what = GUID_CH_CLASS;
                break;
        case BH_GUI_MSG_SIZE_HINTS:
                w->hints_set = true;
                w->hints.flags = m->u.hints.flags;
                w->hints.min_w = m->u.hints.min_w;
                w->hints.min_h = m->u.hints.min_h;
                w->hints.max_w = m->u.hints.max_w;
                w->hints.max_h = m->u.hints.max_h;
                w->hints.base_w = m->u.hints.base_w;
                w->hints.base_h = m->u.hints.base_h;
                w->hints.inc_w = m->u.hints.inc_w;
                w->hints.inc_h = m->u.hints.inc_h;
                ch->what = GUID_CH_HINTS;
                break;
        case BH_GUI_MSG_WINDOW_FLAGS:
                w->wflags = m->u.window_flags.flags;
                ch->what = GUID_CH_FLAGS;
                break;
        case BH_GUI_MSG_CURSOR:
                w->cursor = m->u.cursor.cursor;
                ch->what = GUID_CH_CURSOR;
                break;
        }
        return 0;
}

/* ---- input ------------------------------------------------------------------------ */

enum guid_combo guid_key_combo(uint32_t keyval, uint32_t state)
{
        const uint32_t shift = 0x1, control = 0x4;

        if ((state & (shift | control)) != (shift | control))
                return GUID_COMBO_NONE;
        if (keyval == 'c' || keyval == 'C')
                return GUID_COMBO_COPY;
        if (keyval == 'v' || keyval == 'V')
                return GUID_COMBO_PASTE;
        return GUID_COMBO_NONE;
}

/* Content-relative, clamped to INT16 as X carries it. */
static int32_t coord(double outer)
{
        double v = outer - GUID_FRAME;

        if (isnan(v))
                return 0;
        v = floor(v);
        if (v < BH_GUI_COORD_MIN)
                return BH_GUI_COORD_MIN;
        if (v > BH_GUI_COORD_MAX)
                return BH_GUI_COORD_MAX;
        return (int32_t)v;
}

int guid_input_key(struct guid_state *s, const struct guid_window *w, uint32_t keycode,
                   uint32_t state, bool pressed, struct bh_gui_msg *m)
{
        if (keycode < BH_GUI_MIN_KEYCODE || keycode > BH_GUI_MAX_KEYCODE)
                return -EINVAL;
        if (pressed)
                s->keys[keycode / 8] |= (uint8_t)(1u << (keycode % 8));
        else
                s->keys[keycode / 8] &= (uint8_t)~(1u << (keycode % 8));
        *m = (struct bh_gui_msg){ .type = BH_GUI_MSG_KEY, .window = w->id };
        m->u.key.keycode = keycode;
        m->u.key.state = state & BH_GUI_STATE_MASK;
        m->u.key.pressed = pressed;
        return 0;
}

int guid_input_button(const struct guid_window *w, double ex, double ey, uint32_t state,
                      uint32_t button, bool pressed, struct bh_gui_msg *m)
{
        if (button < 1 || button > BH_GUI_MAX_BUTTON)
                return -EINVAL;
        *m = (struct bh_gui_msg){ .type = BH_GUI_MSG_BUTTON, .window = w->id };
        m->u.button.x = coord(ex);
        m->u.button.y = coord(ey);
        m->u.button.state = state & BH_GUI_STATE_MASK;
        m->u.button.button = button;
        m->u.button.pressed = pressed;
        return 0;
}

int guid_input_motion(const struct guid_window *w, double ex, double ey, uint32_t state,
                      struct bh_gui_msg *m)
{
        *m = (struct bh_gui_msg){ .type = BH_GUI_MSG_MOTION, .window = w->id };
        m->u.motion.x = coord(ex);
        m->u.motion.y = coord(ey);
        m->u.motion.state = state & BH_GUI_STATE_MASK;
        return 0;
}

int guid_input_crossing(const struct guid_window *w, double ex, double ey, uint32_t state,
                        bool entered, struct bh_gui_msg *m)
{
        *m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CROSSING, .window = w->id };
        m->u.crossing.x = coord(ex);
        m->u.crossing.y = coord(ey);
        m->u.crossing.state = state & BH_GUI_STATE_MASK;
        m->u.crossing.entered = entered;
        return 0;
}

/* Whole steps out of an accumulator, the fraction kept; within the limit. */
static int32_t take_steps(double *acc, double add)
{
        double whole;

        if (!isfinite(add))
                add = 0;
        *acc += add;
        /* A burst past the limit is dropped, not queued up. */
        if (*acc > BH_GUI_MAX_SCROLL_STEPS)
                *acc = BH_GUI_MAX_SCROLL_STEPS;
        if (*acc < -BH_GUI_MAX_SCROLL_STEPS)
                *acc = -BH_GUI_MAX_SCROLL_STEPS;
        whole = trunc(*acc);
        *acc -= whole;
        return (int32_t)whole;
}

int guid_input_scroll(struct guid_window *w, double ex, double ey, uint32_t state, double dx,
                      double dy, struct bh_gui_msg *m)
{
        int32_t sx = take_steps(&w->scroll_x, dx), sy = take_steps(&w->scroll_y, dy);

        if (sx == 0 && sy == 0)
                return -EAGAIN;
        *m = (struct bh_gui_msg){ .type = BH_GUI_MSG_SCROLL, .window = w->id };
        m->u.scroll.x = coord(ex);
        m->u.scroll.y = coord(ey);
        m->u.scroll.state = state & BH_GUI_STATE_MASK;
        m->u.scroll.dx = sx;
        m->u.scroll.dy = sy;
        return 0;
}

int guid_input_focus(struct guid_state *s, const struct guid_window *w, bool in,
                     struct bh_gui_msg *m)
{
        *m = (struct bh_gui_msg){ .type = BH_GUI_MSG_FOCUS, .window = w->id };
        m->u.focus.in = in;
        memcpy(m->u.focus.keys, s->keys, sizeof(s->keys));
        if (!in)
                memset(s->keys, 0, sizeof(s->keys)); /* the domain sees no more of them */
        return 0;
}

static int32_t clamp_coord(int64_t v)
{
        return v < BH_GUI_COORD_MIN ? BH_GUI_COORD_MIN : v > BH_GUI_COORD_MAX ? BH_GUI_COORD_MAX
                                                                           : (int32_t)v;
}

static uint32_t clamp_size(int64_t v, uint32_t max)
{
        return v < 1 ? 1 : v > max ? max : (uint32_t)v;
}

void guid_displayed(struct guid_window *w, struct bh_gui_area outer)
{
        echo_push(&w->asked, outer);
}

int guid_user_configure(struct guid_state *s, struct guid_window *w, int ox, int oy, int ow, int oh,
                        struct bh_gui_msg *m)
{
        struct bh_gui_rect r;

        if (w->override_redirect || !w->mapped)
                return -EAGAIN;
        if (ow > 0 && oh > 0 &&
            echo_take(&w->asked, (struct bh_gui_area){ ox, oy, (uint32_t)ow, (uint32_t)oh }) >= 0)
                return -EAGAIN; /* dom0's own move */
        r.x = clamp_coord((int64_t)ox + GUID_FRAME - s->work.x);
        r.y = clamp_coord((int64_t)oy + GUID_FRAME - s->work.y);
        r.w = clamp_size((int64_t)ow - 2 * GUID_FRAME, BH_GUI_MAX_WINDOW_WIDTH);
        r.h = clamp_size((int64_t)oh - 2 * GUID_FRAME, BH_GUI_MAX_WINDOW_HEIGHT);
        w->placed = (struct bh_gui_area){ s->work.x + r.x, s->work.y + r.y, r.w, r.h };
        if (r.x == w->rect.x && r.y == w->rect.y && r.w == w->rect.w && r.h == w->rect.h)
                return -EAGAIN;
        w->rect = r;
        echo_push(&w->user_sent, rect_area(r));
        *m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CONFIGURE, .window = w->id };
        m->u.configure.rect = r;
        m->u.configure.flags = 0;
        return 0;
}
