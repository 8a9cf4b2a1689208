/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placement of override-redirect windows; see gui_policy.h. */
#include <errno.h>

#include "gui_policy.h"

/*
 * A work area smaller than this a side is refused: cutting a window to 90%
 * of it must leave at least one row, and no real desktop is that small.
 */
#define MIN_AREA_SIDE 10u
/* X11 screens are at most this wide and high (CARD16). */
#define MAX_AREA_SIDE 65535u

static bool area_ok(const struct bh_gui_area *a)
{
        return a->w >= MIN_AREA_SIDE && a->w <= MAX_AREA_SIDE && a->h >= MIN_AREA_SIDE &&
               a->h <= MAX_AREA_SIDE;
}

static bool rect_ok(const struct bh_gui_rect *r)
{
        return r->x >= BH_GUI_COORD_MIN && r->x <= BH_GUI_COORD_MAX && r->y >= BH_GUI_COORD_MIN &&
               r->y <= BH_GUI_COORD_MAX && r->w >= 1 && r->w <= BH_GUI_MAX_WINDOW_WIDTH &&
               r->h >= 1 && r->h <= BH_GUI_MAX_WINDOW_HEIGHT;
}

/* w * h > BH_GUI_OR_MAX_COVER_PERCENT of the area; all factors < 2^17. */
static bool too_big(const struct bh_gui_area *a, uint64_t w, uint64_t h)
{
        return w * h * 100 > (uint64_t)a->w * a->h * BH_GUI_OR_MAX_COVER_PERCENT;
}

/* The length of [start, start + len) inside [lo, lo + span). */
static uint64_t overlap(int64_t start, uint64_t len, int64_t lo, uint64_t span)
{
        int64_t a = start > lo ? start : lo;
        int64_t b = start + (int64_t)len < lo + (int64_t)span ? start + (int64_t)len
                                                              : lo + (int64_t)span;

        return b > a ? (uint64_t)(b - a) : 0;
}

bool bh_gui_covers_most(const struct bh_gui_area *work, const struct bh_gui_rect *r)
{
        if (!area_ok(work) || !rect_ok(r))
                return false;
        return too_big(work, overlap(r->x, r->w, work->x, work->w),
                       overlap(r->y, r->h, work->y, work->h));
}

/* Moves [*pos, *pos + *len) into [lo, lo + span), cutting it to span. */
static void fit(int64_t *pos, uint64_t *len, int64_t lo, uint64_t span)
{
        if (*len > span)
                *len = span;
        if (*pos < lo)
                *pos = lo;
        if (*pos + (int64_t)*len > lo + (int64_t)span)
                *pos = lo + (int64_t)span - (int64_t)*len;
}

int bh_gui_place_override_redirect(const struct bh_gui_area *work, const struct bh_gui_rect *req,
                                   struct bh_gui_area *ret)
{
        int64_t x = req->x, y = req->y;
        uint64_t w = req->w, h = req->h;
        int placed = 0;

        if (!area_ok(work) || !rect_ok(req))
                return -EINVAL;
        fit(&x, &w, work->x, work->w);
        fit(&y, &h, work->y, work->h);
        if (x != req->x || y != req->y || w != req->w || h != req->h)
                placed |= BH_GUI_PLACE_MOVED;
        if (too_big(work, w, h)) {
                /* The largest height that keeps the cover within the limit:
                 * at least 90% of the area's height, since w is at most its
                 * width.  The bottom of the desktop stays in sight. */
                h = (uint64_t)work->w * work->h * BH_GUI_OR_MAX_COVER_PERCENT / (100 * w);
                placed |= BH_GUI_PLACE_SHRUNK;
        }
        /* Inside the area, whose corners fit int32 for a sane work area;
         * a work area at the very edge of int32 is the caller's bug. */
        if (x > INT32_MAX || y > INT32_MAX || x < INT32_MIN || y < INT32_MIN)
                return -EINVAL;
        *ret = (struct bh_gui_area){ .x = (int32_t)x, .y = (int32_t)y, .w = (uint32_t)w,
                                     .h = (uint32_t)h };
        return placed;
}
