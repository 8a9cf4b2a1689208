/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drawing a domain window with cairo, the same for GTK and headless mode.
 *
 * The content is painted straight from the shared buffer (a read-only
 * mapping; the cairo surface over it is only ever a source), clipped to the
 * content rectangle.  The frame is painted afterwards from dom0's constant,
 * outside that clip, so nothing the domain puts in its buffer, or changes
 * in it while a frame is drawn, can reach the frame: the worst a domain can
 * do is tear its own content.  Copying damaged parts into dom0's memory
 * instead would cost dom0 as much memory as the domain has buffers (up to
 * BH_GUI_MAX_TOTAL_BUFFER_BYTES) for no gain in what the user can trust.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guid.h"

/* Desktop behind the windows in headless renders: a dark slate no label
 * colour uses, so a test can tell "nothing drawn" from a frame. */
#define DESKTOP_RGB 0x202428u

static void set_rgb(cairo_t *cr, uint32_t rgb)
{
        cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                             (rgb & 0xff) / 255.0);
}

void guid_draw_window(cairo_t *cr, const struct guid_window *w, uint32_t label_rgb,
                      cairo_surface_t *surface, double ox, double oy)
{
        double cx = ox + GUID_FRAME, cy = oy + GUID_FRAME;
        double cw = w->placed.w, ch = w->placed.h;
        struct bh_gui_area vis = guid_buffer_visible(w);

        cairo_save(cr);
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);

        /* Content, inside its rectangle only. */
        cairo_save(cr);
        cairo_rectangle(cr, cx, cy, cw, ch);
        cairo_clip(cr);
        set_rgb(cr, GUID_NEUTRAL_RGB);
        cairo_paint(cr);
        if (surface && vis.w > 0 && vis.h > 0) {
                cairo_set_source_surface(cr, surface, cx, cy);
                cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
                cairo_rectangle(cr, cx, cy, vis.w, vis.h);
                cairo_fill(cr);
        }
        cairo_restore(cr);

        /* The frame, last, around it: four strips dom0 paints alone. */
        set_rgb(cr, label_rgb);
        cairo_rectangle(cr, ox, oy, cw + 2 * GUID_FRAME, GUID_FRAME);
        cairo_rectangle(cr, ox, cy + ch, cw + 2 * GUID_FRAME, GUID_FRAME);
        cairo_rectangle(cr, ox, cy, GUID_FRAME, ch);
        cairo_rectangle(cr, cx + cw, cy, GUID_FRAME, ch);
        cairo_fill(cr);
        cairo_restore(cr);
}

static void draw_pass(cairo_t *cr, const struct guid_state *s, uint32_t label_rgb, bool or_pass)
{
        for (uint32_t i = 0; i < s->n; i++) {
                const struct guid_window *w = s->win[i];
                const struct guid_view *v = w->ui;
                struct bh_gui_area o = guid_outer(&w->placed);

                if (!guid_window_shown(w) || w->override_redirect != or_pass)
                        continue;
                guid_draw_window(cr, w, label_rgb, v ? v->surface : NULL, o.x, o.y);
        }
}

int guid_draw_screen_png(const struct guid_state *s, uint32_t label_rgb, uint32_t width,
                         uint32_t height, const char *path)
{
        cairo_surface_t *screen;
        cairo_status_t st;
        cairo_t *cr;
        char *tmp;
        int r = 0;

        screen = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)width, (int)height);
        if (cairo_surface_status(screen) != CAIRO_STATUS_SUCCESS) {
                cairo_surface_destroy(screen);
                return -ENOMEM;
        }
        cr = cairo_create(screen);
        set_rgb(cr, DESKTOP_RGB);
        cairo_paint(cr);
        draw_pass(cr, s, label_rgb, false);
        draw_pass(cr, s, label_rgb, true);
        cairo_destroy(cr);

        if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
                cairo_surface_destroy(screen);
                return -ENOMEM;
        }
        st = cairo_surface_write_to_png(screen, tmp);
        cairo_surface_destroy(screen);
        if (st != CAIRO_STATUS_SUCCESS)
                r = -EIO;
        else if (rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        free(tmp);
        return r;
}
