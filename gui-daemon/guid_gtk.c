/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The display side of bulkhead-guid: a GTK window per shown domain window,
 * drawn with guid_draw_window, and dom0's input turned into messages by
 * guid_state.  In headless mode there is no display: windows live only in
 * the model and are rendered to a PNG on demand.
 *
 * No call here grabs the keyboard or the pointer for a domain, and nothing
 * a domain sends reaches GTK except through the model: sanitized titles,
 * prefixed WM_CLASS, placed geometry, a cursor from the fixed list.
 */
#include <errno.h>
#include <gtk/gtk.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guid.h"
#include "util.h"

static struct guid *G; /* one daemon per process */

static const char *const ID_KEY = "bulkhead-guid-window";

static bool headless(void)
{
        return G->o.headless != NULL;
}

/* The model's window behind a widget, if it still exists. */
static struct guid_window *window_of(GtkWidget *widget)
{
        GtkWidget *top = gtk_widget_get_toplevel(widget);
        uint32_t id = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(top), ID_KEY));
        struct guid_window *w = id ? guid_state_find(G->s, id) : NULL;

        return w && w->ui && ((struct guid_view *)w->ui)->window == top ? w : NULL;
}

static void send_or_skip(int r, const struct bh_gui_msg *m)
{
        if (r == 0)
                guid_send(G, m);
}

/* ---- drawing ------------------------------------------------------------- */

static gboolean on_draw(GtkWidget *area, cairo_t *cr, gpointer data)
{
        struct guid_window *w = window_of(area);
        struct guid_window shown;
        int aw = gtk_widget_get_allocated_width(area), ah = gtk_widget_get_allocated_height(area);

        if (!w)
                return TRUE;
        /* The frame hugs the window as it really is, whatever size the
         * window manager gave it. */
        shown = *w;
        shown.placed.w = aw > 2 * GUID_FRAME ? (uint32_t)(aw - 2 * GUID_FRAME) : 0;
        shown.placed.h = ah > 2 * GUID_FRAME ? (uint32_t)(ah - 2 * GUID_FRAME) : 0;
        guid_draw_window(cr, &shown, G->label_rgb, ((struct guid_view *)w->ui)->surface, 0, 0);
        return TRUE;
}

/* ---- input --------------------------------------------------------------- */

static uint32_t consumed_keycode; /* the key of a combo: its release is dom0's too */

static gboolean on_key(GtkWidget *widget, GdkEventKey *ev, gpointer data)
{
        struct guid_window *w = window_of(widget);
        bool pressed = ev->type == GDK_KEY_PRESS;
        struct bh_gui_msg m;

        if (!w)
                return TRUE;
        if (pressed) {
                enum guid_combo c = guid_key_combo(ev->keyval, ev->state);

                if (c != GUID_COMBO_NONE) {
                        consumed_keycode = ev->hardware_keycode;
                        if (c == GUID_COMBO_COPY)
                                guid_clipboard_copy(G);
                        else
                                guid_clipboard_paste(G, w);
                        return TRUE;
                }
        } else if (consumed_keycode && ev->hardware_keycode == consumed_keycode) {
                consumed_keycode = 0;
                return TRUE;
        }
        send_or_skip(guid_input_key(G->s, w, ev->hardware_keycode, ev->state, pressed, &m), &m);
        return TRUE;
}

static gboolean on_button(GtkWidget *widget, GdkEventButton *ev, gpointer data)
{
        struct guid_window *w = window_of(widget);
        struct bh_gui_msg m;

        /* GTK adds 2BUTTON/3BUTTON events after the real presses. */
        if (!w || (ev->type != GDK_BUTTON_PRESS && ev->type != GDK_BUTTON_RELEASE))
                return TRUE;
        send_or_skip(guid_input_button(w, ev->x, ev->y, ev->state, ev->button,
                                       ev->type == GDK_BUTTON_PRESS, &m),
                     &m);
        return TRUE;
}

static gboolean on_motion(GtkWidget *widget, GdkEventMotion *ev, gpointer data)
{
        struct guid_window *w = window_of(widget);
        struct bh_gui_msg m;

        if (w)
                send_or_skip(guid_input_motion(w, ev->x, ev->y, ev->state, &m), &m);
        return TRUE;
}

static gboolean on_scroll(GtkWidget *widget, GdkEventScroll *ev, gpointer data)
{
        struct guid_window *w = window_of(widget);
        struct bh_gui_msg m;
        double dx = 0, dy = 0;

        if (!w)
                return TRUE;
        switch (ev->direction) {
        case GDK_SCROLL_UP: dy = -1; break;
        case GDK_SCROLL_DOWN: dy = 1; break;
        case GDK_SCROLL_LEFT: dx = -1; break;
        case GDK_SCROLL_RIGHT: dx = 1; break;
        case GDK_SCROLL_SMOOTH: gdk_event_get_scroll_deltas((GdkEvent *)ev, &dx, &dy); break;
        }
        send_or_skip(guid_input_scroll(w, ev->x, ev->y, ev->state, dx, dy, &m), &m);
        return TRUE;
}

static gboolean on_crossing(GtkWidget *widget, GdkEventCrossing *ev, gpointer data)
{
        struct guid_window *w = window_of(widget);
        struct bh_gui_msg m;

        if (w && ev->detail != GDK_NOTIFY_INFERIOR)
                send_or_skip(guid_input_crossing(w, ev->x, ev->y, ev->state,
                                                 ev->type == GDK_ENTER_NOTIFY, &m),
                             &m);
        return TRUE;
}

static gboolean on_focus(GtkWidget *widget, GdkEventFocus *ev, gpointer data)
{
        struct guid_window *w = window_of(widget);
        struct bh_gui_msg m;

        if (w)
                send_or_skip(guid_input_focus(G->s, w, ev->in != 0, &m), &m);
        return FALSE;
}

static gboolean on_configure(GtkWidget *widget, GdkEventConfigure *ev, gpointer data)
{
        struct guid_window *w = window_of(widget);
        struct bh_gui_msg m;

        if (w)
                send_or_skip(guid_user_configure(G->s, w, ev->x, ev->y, ev->width, ev->height, &m),
                             &m);
        return FALSE;
}

static gboolean on_delete(GtkWidget *widget, GdkEvent *ev, gpointer data)
{
        struct guid_window *w = window_of(widget);

        if (w) {
                struct bh_gui_msg m = { .type = BH_GUI_MSG_CLOSE, .window = w->id };

                guid_send(G, &m);
        }
        return TRUE; /* the domain decides; its UNMAP/DESTROY closes it */
}

/*
 * The GTK window is going away.  When dom0 destroys it (hide_window) the
 * view no longer points to it and nothing is left to do.  Otherwise another
 * program on the desktop destroyed its X window (GTK then destroys the
 * widget): the view forgets it, so that nothing later touches the freed
 * widget, and the domain is asked to close the window as if the user had
 * clicked its close button.  Should the domain keep it, it is shown again
 * at its next MAP.
 */
static void on_destroy(GtkWidget *widget, gpointer data)
{
        struct guid_window *w = window_of(widget);
        struct bh_gui_msg m;
        struct guid_view *v;

        if (!w)
                return;
        v = w->ui;
        v->window = v->area = NULL;
        v->fullscreen = false;
        bh_log_info("domain %s: window 0x%x was destroyed on the desktop; asking the domain to "
                    "close it",
                    G->s->name, w->id);
        m = (struct bh_gui_msg){ .type = BH_GUI_MSG_CLOSE, .window = w->id };
        guid_send(G, &m);
}

/* ---- windows --------------------------------------------------------------- */

static void apply_geometry(struct guid_window *w)
{
        struct guid_view *v = w->ui;
        struct bh_gui_area o = guid_outer(&w->placed);

        if (!v->window)
                return;
        guid_displayed(w, o);
        gtk_window_move(GTK_WINDOW(v->window), o.x, o.y);
        gtk_window_resize(GTK_WINDOW(v->window), (int)o.w, (int)o.h);
        gtk_widget_queue_draw(v->area);
}

static void apply_hints(struct guid_window *w)
{
        struct guid_view *v = w->ui;
        GdkGeometry geo = { 0 };
        GdkWindowHints mask = 0;

        if (!v->window || w->override_redirect || !w->hints_set)
                return;
        if (w->hints.flags & BH_GUI_HINT_MIN) {
                geo.min_width = (int)w->hints.min_w + 2 * GUID_FRAME;
                geo.min_height = (int)w->hints.min_h + 2 * GUID_FRAME;
                mask |= GDK_HINT_MIN_SIZE;
        }
        if (w->hints.flags & BH_GUI_HINT_MAX) {
                geo.max_width = (int)w->hints.max_w + 2 * GUID_FRAME;
                geo.max_height = (int)w->hints.max_h + 2 * GUID_FRAME;
                mask |= GDK_HINT_MAX_SIZE;
        }
        if (w->hints.flags & BH_GUI_HINT_BASE) {
                geo.base_width = (int)w->hints.base_w + 2 * GUID_FRAME;
                geo.base_height = (int)w->hints.base_h + 2 * GUID_FRAME;
                mask |= GDK_HINT_BASE_SIZE;
        }
        if (w->hints.flags & BH_GUI_HINT_INC) {
                geo.width_inc = (int)w->hints.inc_w;
                geo.height_inc = (int)w->hints.inc_h;
                mask |= GDK_HINT_RESIZE_INC;
        }
        gtk_window_set_geometry_hints(GTK_WINDOW(v->window), NULL, &geo, mask);
}

static void apply_cursor(struct guid_window *w)
{
        struct guid_view *v = w->ui;
        const char *name = bh_gui_cursor_name(w->cursor);
        GdkWindow *gw;
        GdkCursor *c;

        if (!v->window || !name || !(gw = gtk_widget_get_window(v->area)))
                return;
        c = gdk_cursor_new_from_name(gtk_widget_get_display(v->area), name);
        gdk_window_set_cursor(gw, c); /* NULL (unknown to the theme): dom0's default */
        if (c)
                g_object_unref(c);
}

static void apply_flags(struct guid_window *w)
{
        struct guid_view *v = w->ui;
        bool want_fs = w->wflags & BH_GUI_WFLAG_FULLSCREEN;

        if (!v->window || w->override_redirect)
                return;
        gtk_window_set_urgency_hint(GTK_WINDOW(v->window),
                                    (w->wflags & (BH_GUI_WFLAG_URGENT |
                                                  BH_GUI_WFLAG_DEMANDS_ATTENTION)) != 0);
        if (want_fs && !G->o.allow_fullscreen) {
                if (!v->fullscreen) {
                        bh_log_info("domain %s: window 0x%x asked for fullscreen; refused "
                                    "(--allow-fullscreen is not set)",
                                    G->s->name, w->id);
                        v->fullscreen = true; /* logged once while it asks */
                }
                return;
        }
        if (want_fs != v->fullscreen) {
                if (want_fs)
                        gtk_window_fullscreen(GTK_WINDOW(v->window));
                else
                        gtk_window_unfullscreen(GTK_WINDOW(v->window));
        }
        v->fullscreen = want_fs;
}

static void hide_window(struct guid_window *w)
{
        struct guid_view *v = w->ui;

        if (v && v->window) {
                GtkWidget *win = v->window;

                /* Forgotten first: on_destroy then sees dom0's own doing. */
                v->window = v->area = NULL;
                v->fullscreen = false;
                gtk_widget_destroy(win);
        }
}

static void show_window(struct guid_window *w)
{
        struct guid_view *v = w->ui;
        struct bh_gui_area o = guid_outer(&w->placed);
        GtkWidget *win, *area;

        if (headless() || v->window)
                return;
        win = gtk_window_new(w->override_redirect ? GTK_WINDOW_POPUP : GTK_WINDOW_TOPLEVEL);
        g_object_set_data(G_OBJECT(win), ID_KEY, GUINT_TO_POINTER(w->id));
        /* WM_CLASS is read by window managers and taskbars at mapping; the
         * domain's part always comes after "name:". */
        G_GNUC_BEGIN_IGNORE_DEPRECATIONS
        gtk_window_set_wmclass(GTK_WINDOW(win), w->wm_instance, w->wm_class);
        G_GNUC_END_IGNORE_DEPRECATIONS
        gtk_window_set_title(GTK_WINDOW(win), w->title);
        gtk_window_set_default_size(GTK_WINDOW(win), (int)o.w, (int)o.h);
        guid_displayed(w, o);
        gtk_window_move(GTK_WINDOW(win), o.x, o.y);
        if (w->override_redirect)
                gtk_window_set_resizable(GTK_WINDOW(win), FALSE);
        if (w->transient_for) {
                struct guid_window *t = guid_state_find(G->s, w->transient_for);
                struct guid_view *tv = t ? t->ui : NULL;

                if (tv && tv->window)
                        gtk_window_set_transient_for(GTK_WINDOW(win), GTK_WINDOW(tv->window));
        }
        area = gtk_drawing_area_new();
        gtk_widget_set_size_request(area, 1, 1);
        gtk_widget_add_events(area, GDK_BUTTON_PRESS_MASK | GDK_BUTTON_RELEASE_MASK |
                                            GDK_POINTER_MOTION_MASK | GDK_SCROLL_MASK |
                                            GDK_SMOOTH_SCROLL_MASK | GDK_ENTER_NOTIFY_MASK |
                                            GDK_LEAVE_NOTIFY_MASK);
        g_signal_connect(area, "draw", G_CALLBACK(on_draw), NULL);
        g_signal_connect(area, "button-press-event", G_CALLBACK(on_button), NULL);
        g_signal_connect(area, "button-release-event", G_CALLBACK(on_button), NULL);
        g_signal_connect(area, "motion-notify-event", G_CALLBACK(on_motion), NULL);
        g_signal_connect(area, "scroll-event", G_CALLBACK(on_scroll), NULL);
        g_signal_connect(area, "enter-notify-event", G_CALLBACK(on_crossing), NULL);
        g_signal_connect(area, "leave-notify-event", G_CALLBACK(on_crossing), NULL);
        g_signal_connect(win, "key-press-event", G_CALLBACK(on_key), NULL);
        g_signal_connect(win, "key-release-event", G_CALLBACK(on_key), NULL);
        g_signal_connect(win, "focus-in-event", G_CALLBACK(on_focus), NULL);
        g_signal_connect(win, "focus-out-event", G_CALLBACK(on_focus), NULL);
        if (!w->override_redirect)
                g_signal_connect(win, "configure-event", G_CALLBACK(on_configure), NULL);
        g_signal_connect(win, "delete-event", G_CALLBACK(on_delete), NULL);
        g_signal_connect(win, "destroy", G_CALLBACK(on_destroy), NULL);
        gtk_container_add(GTK_CONTAINER(win), area);
        v->window = win;
        v->area = area;
        apply_hints(w);
        gtk_widget_show_all(win);
        apply_cursor(w);
        apply_flags(w);
}

static void set_buffer(struct guid_window *w, struct bh_shbuf *buf)
{
        struct guid_view *v = w->ui;

        if (v->surface) {
                cairo_surface_destroy(v->surface);
                v->surface = NULL;
        }
        if (v->buf)
                bh_shbuf_free(v->buf);
        v->buf = buf;
        if (!buf)
                return;
        /* Read-only pixels: the surface is a source only (guid_draw.c). */
        v->surface = cairo_image_surface_create_for_data(bh_shbuf_data(buf), CAIRO_FORMAT_RGB24,
                                                         (int)w->buf_w, (int)w->buf_h,
                                                         (int)(w->buf_w * 4));
        if (cairo_surface_status(v->surface) != CAIRO_STATUS_SUCCESS) {
                cairo_surface_destroy(v->surface);
                v->surface = NULL;
        }
}

static void free_view(struct guid_window *w)
{
        struct guid_view *v = w->ui;

        if (!v)
                return;
        hide_window(w);
        set_buffer(w, NULL);
        g_free(v);
        w->ui = NULL;
}

void guid_ui_apply(struct guid *g, const struct guid_change *ch, struct bh_shbuf *buf)
{
        struct guid_window *w = ch->w;
        struct guid_view *v;

        if (!w) {
                if (buf)
                        bh_shbuf_free(buf);
                return;
        }
        if (ch->what & GUID_CH_CREATED)
                w->ui = g_new0(struct guid_view, 1);
        if (ch->what & GUID_CH_DESTROYED) {
                free_view(w);
                guid_window_free(w);
                return;
        }
        v = w->ui;
        if (ch->what & GUID_CH_BUFFER)
                set_buffer(w, buf);
        else if (buf)
                bh_shbuf_free(buf);
        if (headless())
                return;
        if (ch->what & (GUID_CH_UNMAPPED | GUID_CH_REMAP))
                hide_window(w);
        if (ch->what & (GUID_CH_MAPPED | GUID_CH_REMAP))
                show_window(w);
        if (!v->window)
                return;
        if (ch->what & GUID_CH_GEOMETRY)
                apply_geometry(w);
        if (ch->what & GUID_CH_BUFFER)
                gtk_widget_queue_draw(v->area);
        else if (ch->what & GUID_CH_DAMAGE)
                gtk_widget_queue_draw_area(v->area, GUID_FRAME + ch->damage.x,
                                           GUID_FRAME + ch->damage.y, (int)ch->damage.w,
                                           (int)ch->damage.h);
        if (ch->what & GUID_CH_TITLE)
                gtk_window_set_title(GTK_WINDOW(v->window), w->title);
        if (ch->what & GUID_CH_HINTS)
                apply_hints(w);
        if (ch->what & GUID_CH_CURSOR)
                apply_cursor(w);
        if (ch->what & GUID_CH_FLAGS)
                apply_flags(w);
}

void guid_ui_close_all(struct guid *g)
{
        for (uint32_t i = 0; i < g->s->n; i++)
                free_view(g->s->win[i]);
}

void guid_ui_render(struct guid *g)
{
        int r;

        if (!g->o.headless)
                return;
        r = guid_draw_screen_png(g->s, g->label_rgb, g->o.screen_w, g->o.screen_h, g->o.headless);
        if (r < 0)
                bh_log_errno(r, "domain %s: rendering %s", g->s->name, g->o.headless);
}

/* ---- the desktop -------------------------------------------------------------- */

static void work_area(struct bh_gui_area *a)
{
        GdkDisplay *d = gdk_display_get_default();
        GdkMonitor *m = gdk_display_get_primary_monitor(d);
        GdkRectangle r;

        if (!m)
                m = gdk_display_get_monitor(d, 0);
        if (!m) {
                *a = (struct bh_gui_area){ 0, 0, 1024, 768 };
                return;
        }
        gdk_monitor_get_workarea(m, &r);
        if (r.width > (int)BH_GUI_MAX_SCREEN_WIDTH)
                r.width = BH_GUI_MAX_SCREEN_WIDTH;
        if (r.height > (int)BH_GUI_MAX_SCREEN_HEIGHT)
                r.height = BH_GUI_MAX_SCREEN_HEIGHT;
        *a = (struct bh_gui_area){ r.x, r.y, (uint32_t)(r.width > 0 ? r.width : 1),
                                   (uint32_t)(r.height > 0 ? r.height : 1) };
}

static void on_monitors_changed(GdkScreen *screen, gpointer data)
{
        struct bh_gui_area a;
        struct bh_gui_msg m = { .type = BH_GUI_MSG_SCREEN };

        work_area(&a);
        if (a.x == G->s->work.x && a.y == G->s->work.y && a.w == G->s->work.w &&
            a.h == G->s->work.h)
                return;
        if (guid_state_set_work_area(G->s, &a) < 0)
                return;
        for (uint32_t i = 0; i < G->s->n; i++)
                if (G->s->win[i]->ui)
                        apply_geometry(G->s->win[i]);
        if (G->connected) {
                m.u.screen.width = a.w;
                m.u.screen.height = a.h;
                guid_send(G, &m);
        }
}

int guid_ui_init(struct guid *g, int *argc, char ***argv)
{
        struct bh_gui_area a;
        int r;

        G = g;
        if (headless()) {
                a = (struct bh_gui_area){ 0, 0, g->o.screen_w, g->o.screen_h };
        } else {
                if (!gtk_init_check(argc, argv))
                        return -ENXIO;
                work_area(&a);
                g_signal_connect(gdk_screen_get_default(), "monitors-changed",
                                 G_CALLBACK(on_monitors_changed), NULL);
                g_signal_connect(gdk_screen_get_default(), "size-changed",
                                 G_CALLBACK(on_monitors_changed), NULL);
        }
        r = guid_state_set_work_area(g->s, &a);
        return r;
}

void guid_ui_screen(struct guid *g, uint32_t *w, uint32_t *h)
{
        *w = g->s->work.w;
        *h = g->s->work.h;
}

void guid_notify(struct guid *g, const char *fmt, ...)
{
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        bh_log_info("domain %s: %s", g->s->name, text);
        if (headless())
                return;
        /* The text is dom0's own (names and counts), never the domain's. */
        gchar *prog = g_find_program_in_path("notify-send");
        if (prog) {
                gchar *args[] = { prog, (gchar *)"--app-name=Bulkhead", (gchar *)"Bulkhead clipboard",
                                  text, NULL };

                g_spawn_async(NULL, args, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                                                        G_SPAWN_STDERR_TO_DEV_NULL,
                              NULL, NULL, NULL, NULL);
                g_free(prog);
        }
}
