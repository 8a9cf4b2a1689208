/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-gui-agent's state, shared by its parts (docs/gui-agent.md):
 *
 *   gui_agent.c      main, the poll loop, the channel to dom0 and its queue
 *   gui_xvfb.c       the domain's own X server
 *   gui_windows.c    top-level windows: tracking, properties, buffers, damage
 *   gui_pixels.c     copying a rectangle of a pixmap into a buffer (MIT-SHM)
 *   gui_input.c      dom0's input and window requests, injected with XTest
 *   gui_clipboard.c  CLIPBOARD_REQ and pastes against the X selections
 *   gui_text.c       pure text and cursor-name conversions
 *
 * One process, one thread, one loop: nothing here is locked.
 */
#pragma once

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "gui_proto.h"
#include "vchan.h"

struct gui_win;
struct gui_clipboard;
struct gui_grab;
struct gui_input;

struct gui_stats {
        int interval_ms;           /* BULKHEAD_GUI_STATS=N: a log line every N s (0: none) */
        int64_t since_ms;
        uint64_t damages, pixels;  /* DAMAGE messages sent, pixels copied */
        uint64_t copy_ns, copy_max_ns;
        uint64_t frames;           /* flushes that sent something */
};

struct gui {
        /* The channel to dom0. */
        struct bh_vchan_addr addr;
        struct bh_vchan *v;        /* NULL while there is none */
        bool session;              /* connected, HELLO sent */
        bool screen_seen;          /* dom0's SCREEN came: windows may be announced */
        bool broken;               /* the session must end (peer gone, overflow) */
        struct bh_gui_peer *peer;  /* what dom0 sent, checked as FROM_DOM0 */
        uint8_t *out;              /* encoded messages dom0 has not taken yet */
        size_t out_len, out_cap;
        uint8_t *msg;              /* BH_GUI_MAX_MSG: one message in or out */
        uint8_t *in;
        bool have_hdr;
        uint32_t in_payload;

        /* The domain's X server. */
        Display *dpy;
        Window root;
        int screen;
        const char *own_display;   /* the Xvfb display the agent starts, if DISPLAY is unset */
        pid_t xvfb_pid;
        int damage_event, fixes_event;
        bool no_shm;               /* BULKHEAD_GUI_NO_SHM=1: XGetImage only */

        struct gui_win *windows;   /* every tracked top-level window */
        XContext win_ctx;          /* X window id -> struct gui_win */
        unsigned announced;        /* windows dom0 knows (CREATE sent) */
        uint64_t buffer_bytes;     /* of all shared window buffers */
        Window clip_win;           /* the agent's own hidden window (selections) */
        Window pointer_win;        /* where dom0's pointer last was */
        uint32_t cursor;           /* the X cursor now shown, as a protocol cursor */
        bool frame_pending;        /* some window has damage to send */
        int64_t last_frame_ms;
        struct gui_grab *grab;
        struct gui_input *input;
        struct gui_clipboard *clip;

        struct gui_stats stats;
};

/* CLOCK_MONOTONIC in milliseconds and nanoseconds. */
int64_t gui_now_ms(void);
int64_t gui_now_ns(void);

/*
 * Queues a message for dom0 (nothing happens without a session).  An
 * encoding failure is a bug in the agent: logged, the message dropped,
 * -EINVAL.  A queue dom0 does not drain ends the session.
 */
int gui_send(struct gui *g, const struct bh_gui_msg *m);

/* A session in which windows can be announced: HELLO and SCREEN done, X up. */
static inline bool gui_ready(const struct gui *g)
{
        return g->session && g->screen_seen && g->dpy && !g->broken;
}

/* The last X error code caught (0: none); gui_x_errors_reset() clears it. */
int gui_x_error(void);
void gui_x_errors_reset(void);
