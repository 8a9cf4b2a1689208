/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Clipboard requests and pastes; see gui_clipboard.h. */
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gui_agent.h"
#include "gui_clipboard.h"
#include "gui_text.h"
#include "util.h"

/* An owner that has not answered in 1 s is stuck; dom0 gets nothing. */
#define CLIP_TIMEOUT_MS 1000

struct gui_clipboard {
        Atom clipboard, utf8_string, targets, text, incr, property, timestamp;
        /* A request from dom0 waiting for the owner's answer. */
        bool pending;
        uint32_t max_bytes;
        int64_t deadline;
        Atom asked;             /* UTF8_STRING, then STRING */
        /* What dom0 pasted, while the agent owns the selections. */
        char *data;
        size_t len;
        bool own_clipboard, own_primary;
        Time owned_at;
};

int gui_clipboard_init(struct gui *g)
{
        struct gui_clipboard *c = calloc(1, sizeof(*c));
        XSetWindowAttributes a = { .override_redirect = True, .event_mask = PropertyChangeMask };

        if (!c)
                return -ENOMEM;
        c->clipboard = XInternAtom(g->dpy, "CLIPBOARD", False);
        c->utf8_string = XInternAtom(g->dpy, "UTF8_STRING", False);
        c->targets = XInternAtom(g->dpy, "TARGETS", False);
        c->text = XInternAtom(g->dpy, "TEXT", False);
        c->incr = XInternAtom(g->dpy, "INCR", False);
        c->property = XInternAtom(g->dpy, "_BULKHEAD_CLIPBOARD", False);
        c->timestamp = XInternAtom(g->dpy, "_BULKHEAD_TIMESTAMP", False);
        /* Never mapped, so never announced; off-screen all the same. */
        g->clip_win = XCreateWindow(g->dpy, g->root, -10, -10, 1, 1, 0, CopyFromParent, InputOnly,
                                    CopyFromParent, CWOverrideRedirect | CWEventMask, &a);
        g->clip = c;
        return 0;
}

void gui_clipboard_free(struct gui *g)
{
        if (!g->clip)
                return;
        free(g->clip->data);
        free(g->clip);
        g->clip = NULL;
}

static void answer(struct gui *g, const void *bytes, size_t len)
{
        struct gui_clipboard *c = g->clip;
        struct bh_gui_msg m = { .type = BH_GUI_MSG_CLIPBOARD_DATA };

        if (!c->pending)
                return;
        c->pending = false;
        if (len > c->max_bytes)
                len = 0; /* too much: nothing, never a cut */
        m.u.clipboard.bytes = len ? bytes : NULL;
        m.u.clipboard.len = len;
        gui_send(g, &m);
}

void gui_clipboard_request(struct gui *g, uint32_t max_bytes)
{
        struct gui_clipboard *c = g->clip;
        Window owner;

        if (!c) {
                /* No X server yet: nothing to copy.  One answer all the same. */
                struct bh_gui_msg m = { .type = BH_GUI_MSG_CLIPBOARD_DATA };

                gui_send(g, &m);
                return;
        }
        /* A request while one waits: dom0 expects one answer, to the last. */
        c->max_bytes = max_bytes;
        if (c->pending)
                return;
        c->pending = true;
        owner = XGetSelectionOwner(g->dpy, c->clipboard);
        if (owner == None) {
                answer(g, NULL, 0);
                return;
        }
        if (owner == g->clip_win) {
                answer(g, c->data, c->len);
                return;
        }
        c->asked = c->utf8_string;
        c->deadline = gui_now_ms() + CLIP_TIMEOUT_MS;
        XDeleteProperty(g->dpy, g->clip_win, c->property);
        XConvertSelection(g->dpy, c->clipboard, c->asked, c->property, g->clip_win, CurrentTime);
}

static void on_notify(struct gui *g, const XSelectionEvent *e)
{
        struct gui_clipboard *c = g->clip;
        unsigned char *data = NULL;
        unsigned long n = 0, after = 0;
        Atom type = None;
        int format = 0;

        if (!c->pending || e->selection != c->clipboard || e->requestor != g->clip_win)
                return;
        if (e->property == None) {
                if (c->asked == c->utf8_string) {
                        c->asked = XA_STRING;
                        XConvertSelection(g->dpy, c->clipboard, XA_STRING, c->property,
                                          g->clip_win, CurrentTime);
                        return;
                }
                answer(g, NULL, 0);
                return;
        }
        /* One byte more than allowed tells "too long" without reading it all. */
        if (XGetWindowProperty(g->dpy, g->clip_win, c->property, 0,
                               (long)(c->max_bytes / 4 + 1), True, AnyPropertyType, &type, &format,
                               &n, &after, &data) != Success) {
                answer(g, NULL, 0);
                return;
        }
        if (type == c->incr || format != 8 || after > 0 || n > c->max_bytes) {
                if (type == c->incr || after > 0)
                        XDeleteProperty(g->dpy, g->clip_win, c->property);
                answer(g, NULL, 0);
        } else if (type == XA_STRING) {
                /* Latin-1 from the owner; dom0's other domains expect UTF-8. */
                size_t cap = (size_t)n * 2;
                char *u = malloc(cap ? cap : 1);
                size_t len = u ? gui_text_utf8((char *)data, n, GUI_TEXT_LATIN1, 0, u, cap) : 0;

                answer(g, u, len);
                free(u);
        } else {
                answer(g, data, n);
        }
        if (data)
                XFree(data);
}

/* A server timestamp for XSetSelectionOwner (ICCCM: never CurrentTime). */
static Time server_time(struct gui *g)
{
        XEvent ev;

        XChangeProperty(g->dpy, g->clip_win, g->clip->timestamp, XA_STRING, 8, PropModeAppend,
                        (const unsigned char *)"", 0);
        for (;;) {
                XWindowEvent(g->dpy, g->clip_win, PropertyChangeMask, &ev);
                if (ev.xproperty.atom == g->clip->timestamp)
                        return ev.xproperty.time;
        }
}

void gui_clipboard_paste(struct gui *g, const uint8_t *bytes, size_t len)
{
        struct gui_clipboard *c = g->clip;
        char *copy;

        if (!c)
                return;
        copy = malloc(len ? len : 1);
        if (!copy) {
                bh_log_error("clipboard: out of memory for %zu bytes", len);
                return;
        }
        if (len)
                memcpy(copy, bytes, len);
        free(c->data);
        c->data = copy;
        c->len = len;
        c->owned_at = server_time(g);
        XSetSelectionOwner(g->dpy, c->clipboard, g->clip_win, c->owned_at);
        XSetSelectionOwner(g->dpy, XA_PRIMARY, g->clip_win, c->owned_at);
        c->own_clipboard = XGetSelectionOwner(g->dpy, c->clipboard) == g->clip_win;
        c->own_primary = XGetSelectionOwner(g->dpy, XA_PRIMARY) == g->clip_win;
        if (!c->own_clipboard)
                bh_log_error("clipboard: could not own CLIPBOARD");
}

static void on_request(struct gui *g, const XSelectionRequestEvent *e)
{
        struct gui_clipboard *c = g->clip;
        XEvent reply = { 0 };
        Atom prop = e->property != None ? e->property : e->target; /* ICCCM: old clients */
        bool owned = (e->selection == c->clipboard && c->own_clipboard) ||
                     (e->selection == XA_PRIMARY && c->own_primary);

        reply.xselection.type = SelectionNotify;
        reply.xselection.requestor = e->requestor;
        reply.xselection.selection = e->selection;
        reply.xselection.target = e->target;
        reply.xselection.time = e->time;
        reply.xselection.property = None;
        if (owned && c->data && (e->time == CurrentTime || e->time >= c->owned_at)) {
                if (e->target == c->targets) {
                        Atom list[] = { c->targets, c->utf8_string, c->text, XA_STRING };

                        XChangeProperty(g->dpy, e->requestor, prop, XA_ATOM, 32, PropModeReplace,
                                        (const unsigned char *)list, (int)ELEMENTSOF(list));
                        reply.xselection.property = prop;
                } else if (e->target == c->utf8_string || e->target == c->text) {
                        XChangeProperty(g->dpy, e->requestor, prop, c->utf8_string, 8,
                                        PropModeReplace, (const unsigned char *)c->data,
                                        (int)c->len);
                        reply.xselection.property = prop;
                } else if (e->target == XA_STRING) {
                        char *l = malloc(c->len ? c->len : 1);

                        if (l) {
                                size_t n = gui_text_latin1(c->data, c->len, l);

                                XChangeProperty(g->dpy, e->requestor, prop, XA_STRING, 8,
                                                PropModeReplace, (const unsigned char *)l, (int)n);
                                reply.xselection.property = prop;
                                free(l);
                        }
                }
        }
        XSendEvent(g->dpy, e->requestor, False, NoEventMask, &reply);
}

bool gui_clipboard_event(struct gui *g, XEvent *ev)
{
        struct gui_clipboard *c = g->clip;

        if (!c)
                return false;
        switch (ev->type) {
        case SelectionNotify:
                on_notify(g, &ev->xselection);
                return true;
        case SelectionRequest:
                on_request(g, &ev->xselectionrequest);
                return true;
        case SelectionClear:
                if (ev->xselectionclear.selection == c->clipboard)
                        c->own_clipboard = false;
                else if (ev->xselectionclear.selection == XA_PRIMARY)
                        c->own_primary = false;
                if (!c->own_clipboard && !c->own_primary) {
                        free(c->data);
                        c->data = NULL;
                        c->len = 0;
                }
                return true;
        case PropertyNotify:
                return ev->xproperty.window == g->clip_win;
        }
        return false;
}

int gui_clipboard_timeout(struct gui *g, int64_t now)
{
        if (!g->clip || !g->clip->pending)
                return -1;
        return g->clip->deadline > now ? (int)(g->clip->deadline - now) : 0;
}

void gui_clipboard_tick(struct gui *g, int64_t now)
{
        if (g->clip && g->clip->pending && now >= g->clip->deadline) {
                bh_log_info("clipboard: the owner did not answer in %d ms", CLIP_TIMEOUT_MS);
                answer(g, NULL, 0);
        }
}

void gui_clipboard_session_end(struct gui *g)
{
        if (g->clip)
                g->clip->pending = false;
}
