/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-guid's model of one domain's windows, without GTK: the window
 * table, where each window is shown on dom0's desktop (clamped, and
 * override-redirect windows placed by lib/gui_policy), the label frame
 * around it, and the mapping of dom0's input events to protocol messages.
 * Everything here is pure and unit-tested (tests/gui-daemon/test_guid_state.c);
 * guid_gtk.c shows what this module decides.  docs/gui-daemon.md.
 *
 * Coordinates: the domain's X screen is dom0's work area (SCREEN sends its
 * size), so a domain position (x, y) is shown at (work.x + x, work.y + y).
 * A window's *content* rectangle is what the domain draws; its *outer*
 * rectangle adds GUID_FRAME pixels of label colour on every side.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gui_policy.h"
#include "gui_proto.h"

/* Width of the label-coloured frame dom0 draws around every window.  Three
 * pixels is visible on a high-DPI screen and costs little space. */
#define GUID_FRAME 3

/* Longest domain name shown in a title (names are checked by bulkheadd). */
#define GUID_NAME_MAX 64

/* "[name] " + a sanitized title. */
#define GUID_TITLE_SIZE (GUID_NAME_MAX + 3 + BH_GUI_MAX_TITLE_BYTES + 1)
/* "name:" + a WM_CLASS part. */
#define GUID_CLASS_SIZE (GUID_NAME_MAX + 1 + BH_GUI_MAX_CLASS_BYTES + 1)

/* Background of a window the domain has not drawn yet (no buffer): a light
 * grey no label colour uses. */
#define GUID_NEUTRAL_RGB 0xd3d7cfu

/* The label colour (0xRRGGBB) of a label name; -EINVAL for an unknown one. */
int guid_label_rgb(const char *label, uint32_t *ret_rgb);

/* 1..GUID_NAME_MAX of [A-Za-z0-9_.-], not starting with '-' or '.'. */
bool guid_domain_name_ok(const char *name);

/*
 * Geometry changes dom0 made that are still to come back: each user move
 * sent as CONFIGURE until the agent's CONFIGURE echoes it, each move asked
 * of the display until the display reports it.  A drag makes one a frame and
 * its echo comes a few frames later; past this many the oldest is forgotten.
 */
#define GUID_ECHO_MAX 8

struct guid_echoes {
        struct bh_gui_area a[GUID_ECHO_MAX]; /* oldest first */
        uint32_t n;
};

struct guid_window {
        uint32_t id;
        struct bh_gui_rect rect;    /* the domain's geometry: last CREATE/CONFIGURE */
        struct bh_gui_area placed;  /* content on dom0's desktop, after clamping */
        bool override_redirect;     /* the kind it is shown as (fixed while mapped) */
        bool or_wanted;             /* the flag the agent last sent */
        bool mapped;
        uint32_t transient_for;     /* checked: 0 or an existing window */
        uint32_t buf_w, buf_h;      /* the current buffer; 0 before the first */
        uint32_t wflags;            /* BH_GUI_WFLAG_* as the agent sent them */
        uint32_t cursor;
        bool hints_set;
        struct {
                uint32_t flags, min_w, min_h, max_w, max_h, base_w, base_h, inc_w, inc_h;
        } hints;
        char title[GUID_TITLE_SIZE];       /* "[name] sanitized title" */
        char wm_instance[GUID_CLASS_SIZE]; /* "name:instance" */
        char wm_class[GUID_CLASS_SIZE];    /* "name:class" */
        double scroll_x, scroll_y;         /* smooth scrolling not yet a whole step */
        struct guid_echoes user_sent;      /* content rects sent for the user's moves */
        struct guid_echoes asked;          /* outer rects asked of the display */
        void *ui;                          /* the display layer's; NULL until it makes one */
};

struct guid_state {
        char name[GUID_NAME_MAX + 1];
        struct bh_gui_area work; /* dom0's work area: the domain's screen */
        /* Windows in stacking order, bottom first (the last mapped on top). */
        struct guid_window *win[BH_GUI_MAX_WINDOWS];
        uint32_t n;
        uint8_t keys[BH_GUI_KEYMAP_BYTES]; /* keys down, as sent in FOCUS */
};

/* -EINVAL for a bad name, -ENOMEM; the work area may be set later. */
int guid_state_new(const char *name, struct guid_state **ret);
/* Frees the windows too; their ui must be gone (guid_state_take each first). */
void guid_state_free(struct guid_state *s);

/* Sets the work area; -EINVAL if smaller than 10 pixels a side or larger
 * than the protocol's screen; re-places every window. */
int guid_state_set_work_area(struct guid_state *s, const struct bh_gui_area *work);

struct guid_window *guid_state_find(struct guid_state *s, uint32_t id);

/* What applying a message changed, for the display layer. */
enum {
        GUID_CH_CREATED = 1u << 0,
        GUID_CH_DESTROYED = 1u << 1,  /* w is unlinked: tear down w->ui, then guid_window_free */
        GUID_CH_MAPPED = 1u << 2,     /* show (was not shown) */
        GUID_CH_UNMAPPED = 1u << 3,   /* hide */
        GUID_CH_REMAP = 1u << 4,      /* shown as another kind now: hide and show anew */
        GUID_CH_GEOMETRY = 1u << 5,   /* w->placed moved or resized */
        GUID_CH_BUFFER = 1u << 6,     /* new buffer (the caller maps it) */
        GUID_CH_DAMAGE = 1u << 7,     /* redraw `damage` (content-relative, clipped) */
        GUID_CH_TITLE = 1u << 8,
        GUID_CH_CLASS = 1u << 9,
        GUID_CH_HINTS = 1u << 10,
        GUID_CH_FLAGS = 1u << 11,
        GUID_CH_CURSOR = 1u << 12,
};

struct guid_change {
        unsigned what;
        struct guid_window *w;
        struct bh_gui_area damage; /* GUID_CH_DAMAGE: part of the content to redraw */
};

/*
 * Applies one message the validator (bh_gui_check, BH_GUI_FROM_AGENT) has
 * checked.  Only window messages change the table; others report nothing.
 * -ENOMEM, or -EPROTO if the message contradicts the table (which a checked
 * message cannot: the table follows the validator's).
 */
int guid_state_apply(struct guid_state *s, const struct bh_gui_msg *m, struct guid_change *ch);

void guid_window_free(struct guid_window *w);

/* Where a window's frame is: its content grown by GUID_FRAME each side. */
struct bh_gui_area guid_outer(const struct bh_gui_area *content);

/* A window is drawn while mapped; with no buffer, as a neutral fill. */
static inline bool guid_window_shown(const struct guid_window *w)
{
        return w->mapped;
}

/*
 * The part of the content the buffer covers, in content coordinates: the
 * buffer's and the shown size may differ for a moment (and an
 * override-redirect window may be cut).  Empty (w or h 0) if no buffer.
 */
struct bh_gui_area guid_buffer_visible(const struct guid_window *w);

/* ---- dom0's input, as messages to the agent ------------------------------- */

/* Whether a key press is one of dom0's clipboard combos (never forwarded). */
enum guid_combo { GUID_COMBO_NONE = 0, GUID_COMBO_COPY, GUID_COMBO_PASTE };

/* keyval: the keysym pressed (Latin letters as ASCII); state: X's mask. */
enum guid_combo guid_key_combo(uint32_t keyval, uint32_t state);

/*
 * Each builds the message for an event on window w at (ex, ey), relative to
 * the top-left of w's outer rectangle (frame included), as GTK reports it.
 * Coordinates become content-relative and are clamped to X's INT16 range;
 * state is masked to BH_GUI_STATE_MASK.  -EINVAL: nothing to send (a button
 * or keycode X cannot carry).
 */
int guid_input_key(struct guid_state *s, const struct guid_window *w, uint32_t keycode,
                   uint32_t state, bool pressed, struct bh_gui_msg *m);
int guid_input_button(const struct guid_window *w, double ex, double ey, uint32_t state,
                      uint32_t button, bool pressed, struct bh_gui_msg *m);
int guid_input_motion(const struct guid_window *w, double ex, double ey, uint32_t state,
                      struct bh_gui_msg *m);
int guid_input_crossing(const struct guid_window *w, double ex, double ey, uint32_t state,
                        bool entered, struct bh_gui_msg *m);
/*
 * Scrolling: dx, dy in wheel steps (smooth scrolling gives fractions, which
 * add up per window until a whole step).  -EAGAIN: no whole step yet.
 */
int guid_input_scroll(struct guid_window *w, double ex, double ey, uint32_t state, double dx,
                      double dy, struct bh_gui_msg *m);
/* FOCUS with the keys dom0 knows are down (pressed in this domain's windows). */
int guid_input_focus(struct guid_state *s, const struct guid_window *w, bool in,
                     struct bh_gui_msg *m);

/*
 * The display reports w's outer rectangle at (ox, oy, ow, oh) on dom0's
 * desktop.  If that is where guid_displayed last asked it to be (or a
 * step on the way), it is dom0's own move; otherwise the user moved or
 * resized it: builds the CONFIGURE for the agent and records it as w's
 * geometry.  -EAGAIN if there is nothing to send: dom0's own move, nothing
 * changed (the echo of the agent's own CONFIGURE), or w is override-redirect
 * (placed by its domain only).
 *
 * The agent answers a user's CONFIGURE with its own once the domain's window
 * has moved.  While a newer user move is on its way, such an echo of an
 * older one is not shown (guid_state_apply): a drag would otherwise jump
 * back to where it was a few frames before, and that move, reported by the
 * display, would be sent again as the user's.  The echo of the latest one
 * changes nothing on the desktop either (no GUID_CH_GEOMETRY): the window is
 * already there, and the user may have moved it on since.
 */
int guid_user_configure(struct guid_state *s, struct guid_window *w, int ox, int oy, int ow, int oh,
                        struct bh_gui_msg *m);

/* The display layer is about to move or resize w's outer rectangle to
 * `outer` (w->placed grown by the frame). */
void guid_displayed(struct guid_window *w, struct bh_gui_area outer);
