/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Top-level windows: tracking, properties, buffers and damage (see
 * gui_windows.h and docs/gui-agent.md).
 *
 * Geometry is the window's outer rectangle, border included, because that
 * is what its composite pixmap holds: the buffer's (0, 0) is the border's
 * top-left corner, and input coordinates from dom0 are relative to it.
 *
 * Damage is coalesced by XDamage itself: with XDamageReportNonEmpty the
 * server sends one event when a window's damage stops being empty and then
 * accumulates silently until the agent takes the region (XDamageSubtract).
 * The agent takes it at most once per FRAME_MS, so a window repainting
 * continuously costs one copy and a few DAMAGE messages per frame, never a
 * message per drawing request.  While dom0 has not drained what was sent
 * before, nothing is taken: the damage keeps accumulating in the server.
 */
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xcomposite.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gui_agent.h"
#include "gui_pixels.h"
#include "gui_text.h"
#include "gui_windows.h"
#include "util.h"

/* One flush of damage per 12 ms: a 60 Hz display shows no more than one
 * per 16.7 ms, and the margin keeps timer and scheduling jitter from
 * turning a 60 Hz app into 55 frames a second. */
#define FRAME_MS 12
/* More damaged rectangles than this in one window and frame are sent as
 * their bounding box: one copy instead of many small round trips. */
#define MAX_RECTS 16
/* Title and property reads: a title is cut to BH_GUI_MAX_TITLE_BYTES anyway;
 * this leaves room for Latin-1 text doubling in UTF-8. */
#define PROP_MAX_LONGS 1024

static struct {
        Atom net_wm_name, utf8_string, compound_text, net_wm_state, state_fullscreen,
                state_demands_attention;
} atoms;

static unsigned umin(unsigned a, unsigned b)
{
        return a < b ? a : b;
}

static int clamp_coord(int v)
{
        return v < BH_GUI_COORD_MIN ? BH_GUI_COORD_MIN : v > BH_GUI_COORD_MAX ? BH_GUI_COORD_MAX : v;
}

static struct bh_gui_rect win_rect(const struct gui_win *w)
{
        return (struct bh_gui_rect){
                .x = clamp_coord(w->x),
                .y = clamp_coord(w->y),
                .w = umin(w->w ? w->w : 1, BH_GUI_MAX_WINDOW_WIDTH),
                .h = umin(w->h ? w->h : 1, BH_GUI_MAX_WINDOW_HEIGHT),
        };
}

static struct gui_win *lookup(struct gui *g, Window id)
{
        XPointer p;

        if (id == None || XFindContext(g->dpy, id, g->win_ctx, &p) != 0)
                return NULL;
        return (struct gui_win *)p;
}

struct gui_win *gui_windows_find(struct gui *g, uint32_t id)
{
        struct gui_win *w = g->dpy ? lookup(g, id) : NULL;

        return w && w->announced ? w : NULL;
}

static void send_simple(struct gui *g, struct gui_win *w, uint32_t type)
{
        struct bh_gui_msg m = { .type = type, .window = (uint32_t)w->id };

        gui_send(g, &m);
}

/* ---- properties ------------------------------------------------------------- */

static unsigned char *get_prop(struct gui *g, Window id, Atom prop, Atom type, Atom *ret_type,
                               int *ret_format, unsigned long *ret_n)
{
        unsigned char *data = NULL;
        unsigned long after;

        if (XGetWindowProperty(g->dpy, id, prop, 0, PROP_MAX_LONGS, False, type, ret_type,
                               ret_format, ret_n, &after, &data) != Success) {
                *ret_type = None;
                return NULL;
        }
        if (*ret_type == None && data) {
                XFree(data);
                data = NULL;
        }
        return data;
}

static uint32_t transient_for(struct gui *g, struct gui_win *w)
{
        Window t = None;
        struct gui_win *tw;

        if (!XGetTransientForHint(g->dpy, w->id, &t))
                return 0;
        tw = lookup(g, t);
        return tw && tw->announced && tw != w ? (uint32_t)t : 0;
}

static void send_title(struct gui *g, struct gui_win *w)
{
        char title[BH_GUI_MAX_TITLE_BYTES];
        struct bh_gui_msg m = { .type = BH_GUI_MSG_TITLE, .window = (uint32_t)w->id };
        unsigned char *data;
        unsigned long n;
        size_t len = 0;
        Atom type;
        int format;

        data = get_prop(g, w->id, atoms.net_wm_name, atoms.utf8_string, &type, &format, &n);
        if (data && type == atoms.utf8_string && format == 8) {
                len = gui_text_utf8((char *)data, n, GUI_TEXT_UTF8, 0, title, sizeof(title));
        } else {
                if (data)
                        XFree(data);
                data = get_prop(g, w->id, XA_WM_NAME, AnyPropertyType, &type, &format, &n);
                if (data && format == 8 && type == atoms.utf8_string) {
                        len = gui_text_utf8((char *)data, n, GUI_TEXT_UTF8, 0, title,
                                            sizeof(title));
                } else if (data && format == 8 && type == atoms.compound_text) {
                        XTextProperty tp = { .value = data, .encoding = type, .format = 8,
                                             .nitems = n };
                        char **list = NULL;
                        int count = 0;

                        if (Xutf8TextPropertyToTextList(g->dpy, &tp, &list, &count) >= Success &&
                            count > 0 && list)
                                len = gui_text_utf8(list[0], strlen(list[0]), GUI_TEXT_UTF8, 0,
                                                    title, sizeof(title));
                        if (list)
                                XFreeStringList(list);
                } else if (data && format == 8) {
                        /* STRING, or anything else 8-bit: ICCCM's Latin-1. */
                        len = gui_text_utf8((char *)data, n, GUI_TEXT_LATIN1, 0, title,
                                            sizeof(title));
                }
        }
        if (data)
                XFree(data);
        m.u.title.bytes = title;
        m.u.title.len = len;
        gui_send(g, &m);
}

static void send_class(struct gui *g, struct gui_win *w)
{
        char inst[BH_GUI_MAX_CLASS_BYTES], cls[BH_GUI_MAX_CLASS_BYTES];
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CLASS, .window = (uint32_t)w->id };
        XClassHint hint = { 0 };

        if (!XGetClassHint(g->dpy, w->id, &hint))
                return;
        m.u.wm_class.instance = inst;
        m.u.wm_class.class_ = cls;
        if (hint.res_name)
                m.u.wm_class.instance_len = gui_text_utf8(hint.res_name, strlen(hint.res_name),
                                                          GUI_TEXT_AUTO, GUI_TEXT_NO_CONTROLS,
                                                          inst, sizeof(inst));
        if (hint.res_class)
                m.u.wm_class.class_len = gui_text_utf8(hint.res_class, strlen(hint.res_class),
                                                       GUI_TEXT_AUTO, GUI_TEXT_NO_CONTROLS, cls,
                                                       sizeof(cls));
        if (hint.res_name)
                XFree(hint.res_name);
        if (hint.res_class)
                XFree(hint.res_class);
        gui_send(g, &m);
}

/* One hint pair into the message: dropped if negative, the border added
 * (extra), clamped to the limits. */
static void hint_pair(uint32_t *flags, uint32_t bit, int wv, int hv, unsigned extra, uint32_t *w,
                      uint32_t *h, int least)
{
        if (wv < least || hv < least)
                return;
        *flags |= bit;
        *w = umin(umin((unsigned)wv, BH_GUI_MAX_WINDOW_WIDTH) + extra, BH_GUI_MAX_WINDOW_WIDTH);
        *h = umin(umin((unsigned)hv, BH_GUI_MAX_WINDOW_HEIGHT) + extra, BH_GUI_MAX_WINDOW_HEIGHT);
}

/*
 * WM_NORMAL_HINTS describe the window's inside; the protocol's geometry is
 * the outer rectangle (border included), so the border is added to the
 * minimum, maximum and base sizes.  With increments and no base size, ICCCM
 * counts from the minimum size (or 0): that base is sent, border added, so
 * dom0 steps the outer size from the right place.
 */
static void send_hints(struct gui *g, struct gui_win *w)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_SIZE_HINTS, .window = (uint32_t)w->id };
        XSizeHints *sh = XAllocSizeHints();
        unsigned border = umin(2 * w->bw, BH_GUI_MAX_WINDOW_WIDTH);
        long supplied = 0;

        if (!sh)
                return;
        if (XGetWMNormalHints(g->dpy, w->id, sh, &supplied)) {
                uint32_t *f = &m.u.hints.flags;

                if (sh->flags & PMinSize)
                        hint_pair(f, BH_GUI_HINT_MIN, sh->min_width, sh->min_height, border,
                                  &m.u.hints.min_w, &m.u.hints.min_h, 0);
                if (sh->flags & PMaxSize)
                        hint_pair(f, BH_GUI_HINT_MAX, sh->max_width, sh->max_height, border,
                                  &m.u.hints.max_w, &m.u.hints.max_h, 0);
                if (sh->flags & PBaseSize)
                        hint_pair(f, BH_GUI_HINT_BASE, sh->base_width, sh->base_height, border,
                                  &m.u.hints.base_w, &m.u.hints.base_h, 0);
                if (sh->flags & PResizeInc)
                        hint_pair(f, BH_GUI_HINT_INC, sh->width_inc, sh->height_inc, 0,
                                  &m.u.hints.inc_w, &m.u.hints.inc_h, 1);
                if ((*f & BH_GUI_HINT_INC) && !(*f & BH_GUI_HINT_BASE) && border > 0) {
                        if (*f & BH_GUI_HINT_MIN) {
                                m.u.hints.base_w = m.u.hints.min_w;
                                m.u.hints.base_h = m.u.hints.min_h;
                        } else {
                                m.u.hints.base_w = m.u.hints.base_h = border;
                        }
                        *f |= BH_GUI_HINT_BASE;
                }
        }
        XFree(sh);
        gui_send(g, &m);
}

static uint32_t window_flags(struct gui *g, struct gui_win *w)
{
        uint32_t flags = 0;
        unsigned char *data;
        unsigned long n;
        XWMHints *hints;
        Atom type;
        int format;

        data = get_prop(g, w->id, atoms.net_wm_state, XA_ATOM, &type, &format, &n);
        if (data && type == XA_ATOM && format == 32) {
                const long *a = (const long *)data; /* Xlib hands 32-bit items as longs */

                for (unsigned long i = 0; i < n; i++) {
                        if ((Atom)a[i] == atoms.state_fullscreen)
                                flags |= BH_GUI_WFLAG_FULLSCREEN;
                        else if ((Atom)a[i] == atoms.state_demands_attention)
                                flags |= BH_GUI_WFLAG_DEMANDS_ATTENTION;
                }
        }
        if (data)
                XFree(data);
        hints = XGetWMHints(g->dpy, w->id);
        if (hints) {
                if (hints->flags & XUrgencyHint)
                        flags |= BH_GUI_WFLAG_URGENT;
                XFree(hints);
        }
        return flags;
}

static void send_flags(struct gui *g, struct gui_win *w)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_WINDOW_FLAGS, .window = (uint32_t)w->id };

        m.u.window_flags.flags = window_flags(g, w);
        if (m.u.window_flags.flags == w->sent_flags)
                return;
        w->sent_flags = m.u.window_flags.flags;
        gui_send(g, &m);
}

static void send_cursor(struct gui *g, struct gui_win *w)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CURSOR, .window = (uint32_t)w->id };

        if (w->sent_cursor == g->cursor)
                return;
        w->sent_cursor = g->cursor;
        m.u.cursor.cursor = g->cursor;
        gui_send(g, &m);
}

static void send_map(struct gui *g, struct gui_win *w)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_MAP, .window = (uint32_t)w->id };

        m.u.map.transient_for = transient_for(g, w);
        m.u.map.flags = w->override_redirect ? BH_GUI_OVERRIDE_REDIRECT : 0;
        gui_send(g, &m);
}

static void send_configure(struct gui *g, struct gui_win *w)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CONFIGURE, .window = (uint32_t)w->id };

        m.u.configure.rect = win_rect(w);
        m.u.configure.flags = w->override_redirect ? BH_GUI_OVERRIDE_REDIRECT : 0;
        gui_send(g, &m);
}

/* ---- announcing, buffers ---------------------------------------------------- */

static bool announce(struct gui *g, struct gui_win *w)
{
        static bool told;
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CREATE, .window = (uint32_t)w->id };

        if (w->announced)
                return true;
        if (g->announced >= BH_GUI_MAX_WINDOWS) {
                if (!told)
                        bh_log_error("window 0x%lx: over %u windows, not shown", w->id,
                                     BH_GUI_MAX_WINDOWS);
                told = true;
                return false;
        }
        m.u.create.rect = win_rect(w);
        m.u.create.transient_for = transient_for(g, w);
        m.u.create.flags = w->override_redirect ? BH_GUI_OVERRIDE_REDIRECT : 0;
        if (gui_send(g, &m) < 0)
                return false;
        w->announced = true;
        w->sent_flags = 0;
        w->sent_cursor = BH_GUI_CURSOR_DEFAULT;
        g->announced++;
        send_class(g, w);
        send_title(g, w);
        send_hints(g, w);
        send_flags(g, w);
        return true;
}

static void buffer_drop(struct gui *g, struct gui_win *w)
{
        if (!w->buf)
                return;
        g->buffer_bytes -= (uint64_t)w->buf_w * w->buf_h * 4;
        bh_shbuf_free(w->buf);
        w->buf = NULL;
        w->buf_w = w->buf_h = 0;
}

/*
 * A buffer for the window's current size, sent with BUFFER.  A window larger
 * than one buffer may be (BH_GUI_MAX_BUFFER_BYTES) keeps its top rows only.
 */
static int buffer_make(struct gui *g, struct gui_win *w)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_BUFFER, .window = (uint32_t)w->id };
        unsigned bw = umin(w->w, BH_GUI_MAX_WINDOW_WIDTH), bh = umin(w->h, BH_GUI_MAX_WINDOW_HEIGHT);
        uint32_t stride = bw * 4, size;
        struct bh_shbuf *b;
        const void *desc;
        size_t desc_len;
        int r;

        if (bh > BH_GUI_MAX_BUFFER_BYTES / stride)
                bh = BH_GUI_MAX_BUFFER_BYTES / stride;
        size = stride * bh;
        if (w->buf && w->buf_w == bw && w->buf_h == bh)
                return 0;
        buffer_drop(g, w);
        if (g->buffer_bytes + size > BH_GUI_MAX_TOTAL_BUFFER_BYTES)
                return bh_log_errno(-ENOSPC, "window 0x%lx: buffers over %u bytes, not shown",
                                    w->id, BH_GUI_MAX_TOTAL_BUFFER_BYTES);
        r = bh_shbuf_share(g->v, size, &b);
        if (r < 0)
                return bh_log_errno(r, "window 0x%lx: share a %ux%u buffer", w->id, bw, bh);
        r = bh_shbuf_desc(b, &desc, &desc_len);
        if (r < 0) {
                bh_shbuf_free(b);
                return bh_log_errno(r, "window 0x%lx: buffer descriptor", w->id);
        }
        m.u.buffer.width = bw;
        m.u.buffer.height = bh;
        m.u.buffer.stride = stride;
        m.u.buffer.format = BH_GUI_FORMAT_XRGB8888;
        m.u.buffer.size = size;
        m.u.buffer.desc = desc;
        m.u.buffer.desc_len = desc_len;
        r = gui_send(g, &m);
        if (r < 0) {
                bh_shbuf_free(b);
                return r;
        }
        w->buf = b;
        w->buf_w = bw;
        w->buf_h = bh;
        g->buffer_bytes += size;
        return 0;
}

static void pixmap_renew(struct gui *g, struct gui_win *w)
{
        if (w->pixmap)
                XFreePixmap(g->dpy, w->pixmap);
        w->pixmap = XCompositeNameWindowPixmap(g->dpy, w->id);
}

static void mark_full(struct gui *g, struct gui_win *w)
{
        w->full = true;
        g->frame_pending = true;
}

/* Mapped in X and the session is ready: buffer, MAP, then its pixels. */
static void show(struct gui *g, struct gui_win *w)
{
        if (!gui_ready(g) || !announce(g, w))
                return;
        if (!w->damage)
                w->damage = XDamageCreate(g->dpy, w->id, XDamageReportNonEmpty);
        pixmap_renew(g, w);
        buffer_make(g, w);
        send_map(g, w);
        w->shown = true;
        mark_full(g, w);
}

static void hide(struct gui *g, struct gui_win *w, bool tell)
{
        if (w->damage && g->dpy)
                XDamageDestroy(g->dpy, w->damage);
        w->damage = 0;
        if (w->pixmap && g->dpy)
                XFreePixmap(g->dpy, w->pixmap);
        w->pixmap = 0;
        buffer_drop(g, w);
        if (w->shown && tell)
                send_simple(g, w, BH_GUI_MSG_UNMAP);
        w->shown = false;
        w->damaged = w->full = false;
}

/* ---- the window list ---------------------------------------------------------- */

static struct gui_win *track(struct gui *g, Window id)
{
        XWindowAttributes a;
        struct gui_win *w;

        if (id == g->clip_win || lookup(g, id))
                return lookup(g, id);
        gui_x_errors_reset();
        if (!XGetWindowAttributes(g->dpy, id, &a) || a.class == InputOnly)
                return NULL; /* gone already, or nothing to show */
        w = calloc(1, sizeof(*w));
        if (!w) {
                bh_log_error("window 0x%lx: out of memory", id);
                return NULL;
        }
        w->id = id;
        w->x = a.x;
        w->y = a.y;
        w->bw = (unsigned)a.border_width;
        w->w = (unsigned)(a.width + 2 * a.border_width);
        w->h = (unsigned)(a.height + 2 * a.border_width);
        w->visual = a.visual;
        w->depth = a.depth;
        w->override_redirect = a.override_redirect;
        w->mapped = a.map_state != IsUnmapped;
        XSelectInput(g->dpy, id, PropertyChangeMask);
        if (XSaveContext(g->dpy, id, g->win_ctx, (XPointer)w) != 0) {
                free(w);
                return NULL;
        }
        w->next = g->windows;
        if (g->windows)
                g->windows->prev = w;
        g->windows = w;
        return w;
}

static void untrack(struct gui *g, struct gui_win *w)
{
        hide(g, w, false);
        if (w->announced) {
                send_simple(g, w, BH_GUI_MSG_DESTROY);
                g->announced--;
        }
        if (g->pointer_win == w->id)
                g->pointer_win = None;
        XDeleteContext(g->dpy, w->id, g->win_ctx);
        if (w->prev)
                w->prev->next = w->next;
        else
                g->windows = w->next;
        if (w->next)
                w->next->prev = w->prev;
        free(w);
}

/* ---- events ------------------------------------------------------------------- */

static void on_configure(struct gui *g, const XConfigureEvent *e)
{
        struct gui_win *w = lookup(g, e->window);
        unsigned nw, nh;

        if (!w)
                return;
        nw = (unsigned)(e->width + 2 * e->border_width);
        nh = (unsigned)(e->height + 2 * e->border_width);
        if (w->x == e->x && w->y == e->y && w->w == nw && w->h == nh &&
            w->bw == (unsigned)e->border_width && w->override_redirect == !!e->override_redirect)
                return; /* a restack */
        bool resized = w->w != nw || w->h != nh;
        bool new_border = w->bw != (unsigned)e->border_width;

        w->x = e->x;
        w->y = e->y;
        w->w = nw;
        w->h = nh;
        w->bw = (unsigned)e->border_width;
        w->override_redirect = e->override_redirect;
        if (!w->announced)
                return;
        send_configure(g, w);
        if (new_border)
                send_hints(g, w); /* they carry the border */
        if (w->shown && resized) {
                pixmap_renew(g, w);
                buffer_make(g, w);
                mark_full(g, w);
        }
}

static void on_property(struct gui *g, const XPropertyEvent *e)
{
        struct gui_win *w = lookup(g, e->window);

        if (!w || !w->announced)
                return;
        if (e->atom == XA_WM_NAME || e->atom == atoms.net_wm_name)
                send_title(g, w);
        else if (e->atom == XA_WM_CLASS)
                send_class(g, w);
        else if (e->atom == XA_WM_NORMAL_HINTS)
                send_hints(g, w);
        else if (e->atom == XA_WM_TRANSIENT_FOR && w->shown)
                send_map(g, w);
        else if (e->atom == atoms.net_wm_state || e->atom == XA_WM_HINTS)
                send_flags(g, w);
}

static void on_cursor(struct gui *g, Atom name)
{
        static Atom last = None;
        static uint32_t last_cursor = BH_GUI_CURSOR_DEFAULT;
        struct gui_win *w;

        if (name != last) {
                char *s = name != None ? XGetAtomName(g->dpy, name) : NULL;

                last_cursor = gui_cursor_from_x_name(s);
                last = name;
                if (s)
                        XFree(s);
        }
        g->cursor = last_cursor;
        w = gui_windows_find(g, (uint32_t)g->pointer_win);
        if (w)
                send_cursor(g, w);
}

bool gui_windows_event(struct gui *g, XEvent *ev)
{
        struct gui_win *w;

        if (ev->type == g->damage_event + XDamageNotify) {
                const XDamageNotifyEvent *d = (const XDamageNotifyEvent *)ev;

                w = lookup(g, d->drawable);
                if (w && w->shown) {
                        w->damaged = true;
                        g->frame_pending = true;
                }
                return true;
        }
        if (ev->type == g->fixes_event + XFixesCursorNotify) {
                on_cursor(g, ((const XFixesCursorNotifyEvent *)ev)->cursor_name);
                return true;
        }
        switch (ev->type) {
        case CreateNotify:
                if (ev->xcreatewindow.parent == g->root)
                        track(g, ev->xcreatewindow.window);
                return true;
        case DestroyNotify:
                w = lookup(g, ev->xdestroywindow.window);
                if (w)
                        untrack(g, w);
                return true;
        case MapNotify:
                if (ev->xmap.event != g->root)
                        return true;
                w = lookup(g, ev->xmap.window);
                if (!w)
                        w = track(g, ev->xmap.window);
                if (!w)
                        return true;
                w->mapped = true;
                w->override_redirect = ev->xmap.override_redirect;
                if (!w->shown)
                        show(g, w);
                return true;
        case UnmapNotify:
                if (ev->xunmap.event != g->root)
                        return true;
                w = lookup(g, ev->xunmap.window);
                if (w) {
                        w->mapped = false;
                        hide(g, w, true);
                }
                return true;
        case ConfigureNotify:
                if (ev->xconfigure.event == g->root && ev->xconfigure.window != g->root)
                        on_configure(g, &ev->xconfigure);
                return true;
        case ReparentNotify:
                w = lookup(g, ev->xreparent.window);
                if (ev->xreparent.parent == g->root) {
                        w = track(g, ev->xreparent.window);
                        if (w && w->mapped)
                                show(g, w);
                } else if (w) {
                        untrack(g, w); /* no longer top-level: its new parent draws it */
                }
                return true;
        case PropertyNotify:
                if (!lookup(g, ev->xproperty.window))
                        return false;
                on_property(g, &ev->xproperty);
                return true;
        }
        return false;
}

/* ---- damage ------------------------------------------------------------------- */

static void copy_and_send(struct gui *g, struct gui_win *w, XRectangle r)
{
        struct bh_gui_msg m = { .type = BH_GUI_MSG_DAMAGE, .window = (uint32_t)w->id };
        int x0 = r.x < 0 ? 0 : r.x, y0 = r.y < 0 ? 0 : r.y;
        int x1 = r.x + (int)r.width, y1 = r.y + (int)r.height;
        int64_t t0, dt;
        size_t stride = (size_t)w->buf_w * 4;
        uint8_t *data;

        if (x1 > (int)w->buf_w)
                x1 = (int)w->buf_w;
        if (y1 > (int)w->buf_h)
                y1 = (int)w->buf_h;
        if (x1 <= x0 || y1 <= y0)
                return;
        data = bh_shbuf_data(w->buf);
        t0 = gui_now_ns();
        if (gui_grab_rect(g->grab, w->pixmap, w->visual, w->depth, x0, y0, (unsigned)(x1 - x0),
                          (unsigned)(y1 - y0), data + (size_t)y0 * stride + (size_t)x0 * 4,
                          stride) < 0)
                return; /* the window went away meanwhile; its events follow */
        dt = gui_now_ns() - t0;
        g->stats.copy_ns += (uint64_t)dt;
        if ((uint64_t)dt > g->stats.copy_max_ns)
                g->stats.copy_max_ns = (uint64_t)dt;
        g->stats.pixels += (uint64_t)(x1 - x0) * (uint64_t)(y1 - y0);
        g->stats.damages++;
        m.u.damage.x = (uint32_t)x0;
        m.u.damage.y = (uint32_t)y0;
        m.u.damage.w = (uint32_t)(x1 - x0);
        m.u.damage.h = (uint32_t)(y1 - y0);
        gui_send(g, &m);
}

static void flush_window(struct gui *g, struct gui_win *w, XserverRegion region)
{
        XRectangle *rects = NULL, box;
        int n = 0;

        if (w->damaged) {
                XDamageSubtract(g->dpy, w->damage, None, region);
                rects = XFixesFetchRegionAndBounds(g->dpy, region, &n, &box);
        }
        w->damaged = false;
        if (w->full || n > MAX_RECTS) {
                w->full = false;
                copy_and_send(g, w,
                              (XRectangle){ 0, 0, (unsigned short)w->buf_w,
                                            (unsigned short)umin(w->buf_h, 0xffff) });
        } else {
                /* Damage is relative to the window's inside; the buffer
                 * starts at its border. */
                for (int i = 0; i < n; i++) {
                        XRectangle r = rects[i];

                        r.x = (short)(r.x + (int)w->bw);
                        r.y = (short)(r.y + (int)w->bw);
                        copy_and_send(g, w, r);
                }
        }
        if (rects)
                XFree(rects);
}

static void stats_log(struct gui *g, int64_t now)
{
        struct gui_stats *s = &g->stats;
        double secs;

        if (!s->interval_ms)
                return;
        if (s->since_ms == 0)
                s->since_ms = now;
        if (now - s->since_ms < s->interval_ms)
                return;
        secs = (double)(now - s->since_ms) / 1000.0;
        if (s->damages)
                bh_log_info("stats: %.1f frames/s, %.1f DAMAGE/s, %.1f Mpixel/s copied, "
                            "copy %.2f ms on average (%.2f ms at most) for %.2f Mpixel, %s",
                            (double)s->frames / secs, (double)s->damages / secs,
                            (double)s->pixels / secs / 1e6,
                            (double)s->copy_ns / (double)s->damages / 1e6,
                            (double)s->copy_max_ns / 1e6,
                            (double)s->pixels / (double)s->damages / 1e6,
                            gui_grab_uses_shm(g->grab) ? "MIT-SHM" : "XGetImage");
        *s = (struct gui_stats){ .interval_ms = s->interval_ms, .since_ms = now };
}

int gui_windows_timeout(struct gui *g, int64_t now)
{
        int64_t due = g->last_frame_ms + FRAME_MS - now;

        if (!g->frame_pending || !gui_ready(g))
                return g->stats.interval_ms ? g->stats.interval_ms : -1;
        return due < 0 ? 0 : (int)due;
}

void gui_windows_flush(struct gui *g, int64_t now)
{
        XserverRegion region;

        stats_log(g, now);
        if (!g->frame_pending || !gui_ready(g) || now < g->last_frame_ms + FRAME_MS)
                return;
        g->last_frame_ms = now;
        /* dom0 has not taken the last frame yet: let the damage pile up in
         * the server instead of in the queue. */
        if (g->out_len > 0)
                return;
        g->frame_pending = false;
        region = XFixesCreateRegion(g->dpy, NULL, 0);
        for (struct gui_win *w = g->windows; w; w = w->next)
                if (w->shown && w->buf && (w->damaged || w->full))
                        flush_window(g, w, region);
                else if (w->shown && w->damaged) {
                        XDamageSubtract(g->dpy, w->damage, None, None);
                        w->damaged = false;
                }
        XFixesDestroyRegion(g->dpy, region);
        g->stats.frames++;
}

/* ---- sessions and set-up -------------------------------------------------------- */

void gui_windows_announce_all(struct gui *g)
{
        /* Oldest first, so that transient-for names windows already created. */
        struct gui_win *last = g->windows;

        while (last && last->next)
                last = last->next;
        for (struct gui_win *w = last; w; w = w->prev)
                if (w->mapped)
                        show(g, w);
}

void gui_windows_session_end(struct gui *g)
{
        for (struct gui_win *w = g->windows; w; w = w->next) {
                hide(g, w, false);
                w->announced = false;
        }
        g->announced = 0;
        g->frame_pending = false;
}

void gui_windows_pointer(struct gui *g, struct gui_win *w)
{
        g->pointer_win = w ? w->id : None;
        if (w)
                send_cursor(g, w);
}

int gui_windows_init(struct gui *g)
{
        int major = 0, minor = 2, ev, err;
        Window root_ret, parent, *children = NULL;
        unsigned n = 0;
        XFixesCursorImage *ci;

        if (!XCompositeQueryExtension(g->dpy, &ev, &err) ||
            !XCompositeQueryVersion(g->dpy, &major, &minor) || (major == 0 && minor < 2))
                return bh_log_errno(-ENOTSUP, "X server has no Composite 0.2");
        if (!XDamageQueryExtension(g->dpy, &g->damage_event, &err))
                return bh_log_errno(-ENOTSUP, "X server has no DAMAGE extension");
        if (!XFixesQueryExtension(g->dpy, &g->fixes_event, &err))
                return bh_log_errno(-ENOTSUP, "X server has no XFIXES extension");
        major = 2;
        minor = 0;
        XFixesQueryVersion(g->dpy, &major, &minor);
        atoms.net_wm_name = XInternAtom(g->dpy, "_NET_WM_NAME", False);
        atoms.utf8_string = XInternAtom(g->dpy, "UTF8_STRING", False);
        atoms.compound_text = XInternAtom(g->dpy, "COMPOUND_TEXT", False);
        atoms.net_wm_state = XInternAtom(g->dpy, "_NET_WM_STATE", False);
        atoms.state_fullscreen = XInternAtom(g->dpy, "_NET_WM_STATE_FULLSCREEN", False);
        atoms.state_demands_attention =
                XInternAtom(g->dpy, "_NET_WM_STATE_DEMANDS_ATTENTION", False);
        g->win_ctx = XUniqueContext();
        if (gui_grab_new(g->dpy, !g->no_shm, &g->grab) < 0)
                return bh_log_errno(-ENOMEM, "pixel copies");
        XCompositeRedirectSubwindows(g->dpy, g->root, CompositeRedirectAutomatic);
        XSelectInput(g->dpy, g->root, SubstructureNotifyMask);
        XFixesSelectCursorInput(g->dpy, g->root, XFixesDisplayCursorNotifyMask);
        ci = XFixesGetCursorImage(g->dpy);
        if (ci) {
                g->cursor = gui_cursor_from_x_name(ci->name);
                XFree(ci);
        }
        /* Windows already there (an X server given by DISPLAY). */
        XGrabServer(g->dpy);
        if (XQueryTree(g->dpy, g->root, &root_ret, &parent, &children, &n)) {
                for (unsigned i = 0; i < n; i++)
                        track(g, children[i]);
                if (children)
                        XFree(children);
        }
        XUngrabServer(g->dpy);
        XFlush(g->dpy);
        return 0;
}

void gui_windows_free(struct gui *g)
{
        while (g->windows) {
                struct gui_win *w = g->windows;

                hide(g, w, false);
                XDeleteContext(g->dpy, w->id, g->win_ctx);
                g->windows = w->next;
                free(w);
        }
        gui_grab_free(g->grab);
        g->grab = NULL;
}
