/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Input from dom0, injected with XTest; see gui_input.h.
 *
 * Pointer events become motion to the absolute root position (the window's
 * outer corner plus the event's offset) followed by the button; the domain
 * has no window manager, so the window under that point gets them, and
 * FOCUS raises a normal window so that it is that window.  Wheel steps are
 * clicks of buttons 4-7, one per step.
 *
 * Modifiers: dom0's `state` is X's state before the event.  Before a key or
 * button, every modifier whose state in the domain differs is made to agree
 * by pressing or releasing a key bound to it (tapping it for the locks), so
 * Shift held in dom0 is Shift in the domain even if the press was lost to
 * another window.
 */
#include <X11/XKBlib.h>
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gui_agent.h"
#include "gui_input.h"
#include "gui_windows.h"
#include "util.h"

struct gui_input {
        XModifierKeymap *modmap; /* NULL: fetch on next use */
        Atom wm_protocols, wm_delete_window;
};

int gui_input_init(struct gui *g)
{
        int ev, err, major, minor;

        if (!XTestQueryExtension(g->dpy, &ev, &err, &major, &minor))
                return bh_log_errno(-ENOTSUP, "X server has no XTEST extension");
        g->input = calloc(1, sizeof(*g->input));
        if (!g->input)
                return -ENOMEM;
        g->input->wm_protocols = XInternAtom(g->dpy, "WM_PROTOCOLS", False);
        g->input->wm_delete_window = XInternAtom(g->dpy, "WM_DELETE_WINDOW", False);
        return 0;
}

void gui_input_free(struct gui *g)
{
        if (!g->input)
                return;
        if (g->input->modmap)
                XFreeModifiermap(g->input->modmap);
        free(g->input);
        g->input = NULL;
}

void gui_input_mapping_changed(struct gui *g)
{
        if (g->input && g->input->modmap) {
                XFreeModifiermap(g->input->modmap);
                g->input->modmap = NULL;
        }
}

static bool key_down(const char keys[32], unsigned kc)
{
        return keys[kc / 8] & (1 << (kc % 8));
}

/* Caps, Shift and Num Lock toggle: tapped, not held. */
static bool is_lock_key(Display *dpy, KeyCode kc)
{
        KeySym ks = XkbKeycodeToKeysym(dpy, kc, 0, 0);

        return ks == XK_Caps_Lock || ks == XK_Shift_Lock || ks == XK_Num_Lock;
}

static void sync_modifiers(struct gui *g, unsigned want)
{
        struct gui_input *in = g->input;
        Window r, c;
        int rx, ry, wx, wy;
        unsigned have;
        char keys[32];

        if (!in->modmap)
                in->modmap = XGetModifierMapping(g->dpy);
        if (!in->modmap || !XQueryPointer(g->dpy, g->root, &r, &c, &rx, &ry, &wx, &wy, &have))
                return;
        XQueryKeymap(g->dpy, keys);
        for (int mod = 0; mod < 8; mod++) {
                unsigned bit = 1u << mod;
                const KeyCode *row = in->modmap->modifiermap + mod * in->modmap->max_keypermod;
                KeyCode first = 0;

                if (!((have ^ want) & bit))
                        continue;
                for (int i = 0; i < in->modmap->max_keypermod && !first; i++)
                        first = row[i];
                if (!first)
                        continue; /* no key makes this modifier */
                if (is_lock_key(g->dpy, first)) {
                        XTestFakeKeyEvent(g->dpy, first, True, CurrentTime);
                        XTestFakeKeyEvent(g->dpy, first, False, CurrentTime);
                } else if (want & bit) {
                        XTestFakeKeyEvent(g->dpy, first, True, CurrentTime);
                } else {
                        /* Every key that holds it, not just the first. */
                        for (int i = 0; i < in->modmap->max_keypermod; i++)
                                if (row[i] && key_down(keys, row[i]))
                                        XTestFakeKeyEvent(g->dpy, row[i], False, CurrentTime);
                }
        }
}

static int clamp_coord(long v)
{
        return v < BH_GUI_COORD_MIN ? BH_GUI_COORD_MIN : v > BH_GUI_COORD_MAX ? BH_GUI_COORD_MAX : (int)v;
}

static void pointer_to(struct gui *g, struct gui_win *w, int32_t x, int32_t y)
{
        XTestFakeMotionEvent(g->dpy, g->screen, clamp_coord((long)w->x + x),
                             clamp_coord((long)w->y + y), CurrentTime);
        if (g->pointer_win != w->id)
                gui_windows_pointer(g, w);
}

static void clicks(struct gui *g, unsigned button, int32_t n)
{
        for (int32_t i = 0; i < n; i++) {
                XTestFakeButtonEvent(g->dpy, button, True, CurrentTime);
                XTestFakeButtonEvent(g->dpy, button, False, CurrentTime);
        }
}

/* Releases keys held in the domain that dom0 says are up (lost releases). */
static void release_stale_keys(struct gui *g, const uint8_t held[BH_GUI_KEYMAP_BYTES])
{
        char keys[32];

        XQueryKeymap(g->dpy, keys);
        for (unsigned kc = BH_GUI_MIN_KEYCODE; kc <= BH_GUI_MAX_KEYCODE; kc++)
                if (key_down(keys, kc) && !(held[kc / 8] & (1u << (kc % 8))))
                        XTestFakeKeyEvent(g->dpy, kc, False, CurrentTime);
}

static void focus(struct gui *g, struct gui_win *w, bool in, const uint8_t *held)
{
        Window cur;
        int revert;

        if (!in) {
                XGetInputFocus(g->dpy, &cur, &revert);
                if (cur == w->id)
                        XSetInputFocus(g->dpy, None, RevertToNone, CurrentTime);
                return;
        }
        if (!w->shown)
                return; /* not viewable: X would refuse */
        if (!w->override_redirect)
                XRaiseWindow(g->dpy, w->id);
        XSetInputFocus(g->dpy, w->id, RevertToParent, CurrentTime);
        release_stale_keys(g, held);
}

/*
 * The polite close: WM_DELETE_WINDOW if the client takes it (it may ask
 * about unsaved work); otherwise the client is disconnected with
 * XKillClient, which is what window managers do for such clients.
 */
static void close_window(struct gui *g, struct gui_win *w)
{
        Atom *protocols = NULL;
        int n = 0;
        bool polite = false;

        if (XGetWMProtocols(g->dpy, w->id, &protocols, &n)) {
                for (int i = 0; i < n; i++)
                        if (protocols[i] == g->input->wm_delete_window)
                                polite = true;
                XFree(protocols);
        }
        if (polite) {
                XEvent ev = { 0 };

                ev.xclient.type = ClientMessage;
                ev.xclient.window = w->id;
                ev.xclient.message_type = g->input->wm_protocols;
                ev.xclient.format = 32;
                ev.xclient.data.l[0] = (long)g->input->wm_delete_window;
                ev.xclient.data.l[1] = CurrentTime;
                XSendEvent(g->dpy, w->id, False, NoEventMask, &ev);
        } else {
                bh_log_info("window 0x%lx: no WM_DELETE_WINDOW, closing its client", w->id);
                XKillClient(g->dpy, w->id);
        }
}

void gui_input_handle(struct gui *g, const struct bh_gui_msg *m)
{
        struct gui_win *w = gui_windows_find(g, m->window);

        if (!w || !g->input)
                return;
        switch (m->type) {
        case BH_GUI_MSG_KEY:
                sync_modifiers(g, m->u.key.state & 0xff);
                XTestFakeKeyEvent(g->dpy, m->u.key.keycode, m->u.key.pressed, CurrentTime);
                break;
        case BH_GUI_MSG_BUTTON:
                pointer_to(g, w, m->u.button.x, m->u.button.y);
                sync_modifiers(g, m->u.button.state & 0xff);
                XTestFakeButtonEvent(g->dpy, m->u.button.button, m->u.button.pressed, CurrentTime);
                break;
        case BH_GUI_MSG_MOTION:
                pointer_to(g, w, m->u.motion.x, m->u.motion.y);
                break;
        case BH_GUI_MSG_SCROLL:
                pointer_to(g, w, m->u.scroll.x, m->u.scroll.y);
                sync_modifiers(g, m->u.scroll.state & 0xff);
                clicks(g, m->u.scroll.dy > 0 ? 5 : 4, abs(m->u.scroll.dy));
                clicks(g, m->u.scroll.dx > 0 ? 7 : 6, abs(m->u.scroll.dx));
                break;
        case BH_GUI_MSG_CROSSING:
                if (m->u.crossing.entered)
                        pointer_to(g, w, m->u.crossing.x, m->u.crossing.y);
                else if (g->pointer_win == w->id)
                        gui_windows_pointer(g, NULL);
                break;
        case BH_GUI_MSG_FOCUS:
                focus(g, w, m->u.focus.in, m->u.focus.keys);
                break;
        case BH_GUI_MSG_CONFIGURE: {
                const struct bh_gui_rect *r = &m->u.configure.rect;
                unsigned iw = r->w > 2 * w->bw ? r->w - 2 * w->bw : 1;
                unsigned ih = r->h > 2 * w->bw ? r->h - 2 * w->bw : 1;

                XMoveResizeWindow(g->dpy, w->id, r->x, r->y, iw, ih);
                break;
        }
        case BH_GUI_MSG_CLOSE:
                close_window(g, w);
                break;
        }
}
