/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-guid: the GUI daemon of one domain (docs/gui-daemon.md).  The
 * parts: guid_state (pure model), guid_draw (cairo: frame and content),
 * guid_gtk (GTK windows and input, or nothing in headless mode),
 * guid_clipboard (dom0's clipboard file and the policy question) and
 * guid_main (options, the channel, the event loop).
 */
#pragma once

#include <cairo.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "gui_proto.h"
#include "guid_state.h"
#include "vchan.h"

struct guid_opts {
        const char *domain;
        const char *label;
        enum bh_vchan_transport transport;
        const char *vchan_dir;   /* socket transport: where the agent's socket is */
        int domid;               /* xen transport: the domain's id */
        const char *headless;    /* PNG to render to, or NULL for GTK */
        uint32_t screen_w, screen_h; /* headless: the desktop's size */
        bool allow_fullscreen;
        uint32_t clipboard_max;
        const char *runtime_dir; /* $BULKHEAD_RUNTIME_DIR or /run/bulkhead */
};

/* What dom0 keeps of a domain window besides the model: its mapped buffer,
 * a cairo surface over it, and (with a display) the GTK window. */
struct guid_view {
        struct bh_shbuf *buf;
        cairo_surface_t *surface; /* over buf's pixels, read-only, never a target */
        void *window;             /* GtkWidget *: the toplevel; NULL headless or hidden */
        void *area;               /* GtkWidget *: its drawing area */
        bool fullscreen;
};

struct guid {
        struct guid_opts o;
        uint32_t label_rgb;
        struct guid_state *s;
        struct bh_gui_peer *peer;
        struct bh_vchan *v;
        GMainLoop *loop;
        int exit_code;
        bool connected, closing;

        /* the message being read */
        uint8_t *msg;
        bool have_hdr;
        uint32_t need;
        guint vchan_watch, more_idle;

        /* clipboard */
        bool copy_pending;
        int policy_fd;
        guint policy_watch, policy_timer;
        uint32_t paste_window;
};

/* Sends a message to the agent; a full ring drops it with a log line (dom0
 * never waits for a domain).  Returns 0 or a negative errno. */
int guid_send(struct guid *g, const struct bh_gui_msg *m);

/* Ends the session: exit code, then the main loop stops. */
void guid_quit(struct guid *g, int code);

/* ---- guid_draw.c ---- */

/* Draws w (frame, and content or a neutral fill) with its outer rectangle's
 * top-left at (ox, oy).  surface: the buffer's pixels, or NULL. */
void guid_draw_window(cairo_t *cr, const struct guid_window *w, uint32_t label_rgb,
                      cairo_surface_t *surface, double ox, double oy);
/* The whole desktop as headless mode sees it: every shown window at its
 * place, override-redirect windows above the others; written atomically. */
int guid_draw_screen_png(const struct guid_state *s, uint32_t label_rgb, uint32_t width,
                         uint32_t height, const char *path);

/* ---- guid_gtk.c ---- */

/* Opens the display (unless headless) and sets the work area. */
int guid_ui_init(struct guid *g, int *argc, char ***argv);
/* The size of the domain's screen (the work area), for SCREEN. */
void guid_ui_screen(struct guid *g, uint32_t *w, uint32_t *h);
/* Acts on a change of the model; buf is the mapped buffer for GUID_CH_BUFFER
 * (taken over).  For GUID_CH_DESTROYED it frees ch->w. */
void guid_ui_apply(struct guid *g, const struct guid_change *ch, struct bh_shbuf *buf);
/* Destroys every window (the domain is gone). */
void guid_ui_close_all(struct guid *g);
/* Headless: renders the desktop to the PNG; logs a failure. */
void guid_ui_render(struct guid *g);
/* A desktop notification (when there is a desktop) and always a log line. */
void guid_notify(struct guid *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- guid_main.c: the clipboard combos, called by guid_gtk.c ---- */
void guid_clipboard_copy(struct guid *g);
void guid_clipboard_paste(struct guid *g, struct guid_window *w);
