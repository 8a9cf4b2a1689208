/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The domain's top-level windows as dom0 sees them: every child of the root
 * window is tracked (XComposite keeps its pixels in a pixmap of its own,
 * XDamage says what changed); one that maps is announced to dom0 with
 * CREATE and its properties, gets a shared buffer (BUFFER) and MAP, and its
 * damage is copied into the buffer and sent at most once per frame.
 */
#pragma once

#include <X11/Xlib.h>
#include <X11/extensions/Xdamage.h>
#include <stdbool.h>
#include <stdint.h>

#include "gui_agent.h"

struct gui_win {
        Window id;
        struct gui_win *prev, *next;
        int x, y;               /* outer top-left corner (the border's) in the root */
        unsigned w, h;          /* outer size: the window and its border */
        unsigned bw;            /* border width */
        Visual *visual;
        int depth;
        bool override_redirect;
        bool mapped;            /* in X */

        /* In the current session: */
        bool announced;         /* CREATE sent */
        bool shown;             /* MAP sent, and not UNMAP */
        uint32_t sent_flags;    /* WINDOW_FLAGS dom0 has */
        uint32_t sent_cursor;   /* CURSOR dom0 has */
        Damage damage;          /* while shown */
        Pixmap pixmap;          /* XCompositeNameWindowPixmap, while shown */
        bool damaged;           /* XDamage reported something not yet sent */
        bool full;              /* the whole buffer is to be copied */
        struct bh_shbuf *buf;
        unsigned buf_w, buf_h;
};

/* After the X connection opens: extensions, root events, the windows there. */
int gui_windows_init(struct gui *g);
void gui_windows_free(struct gui *g);

/* Window, damage and cursor events; false if the event was not one of them. */
bool gui_windows_event(struct gui *g, XEvent *ev);

/* A session became ready (SCREEN): announce every mapped window. */
void gui_windows_announce_all(struct gui *g);
/* The session ended: buffers freed, nothing announced any more. */
void gui_windows_session_end(struct gui *g);

/* A window dom0 knows of (announced in this session), or NULL. */
struct gui_win *gui_windows_find(struct gui *g, uint32_t id);

/* dom0's pointer is now over w (NULL: none); sends w its cursor if needed. */
void gui_windows_pointer(struct gui *g, struct gui_win *w);

/* Milliseconds until damage is due to be flushed (-1: none waiting). */
int gui_windows_timeout(struct gui *g, int64_t now);
/* Copies and sends the damage that is due. */
void gui_windows_flush(struct gui *g, int64_t now);
