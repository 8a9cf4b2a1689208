/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where dom0 lets a domain's override-redirect window (a menu, a tooltip, a
 * drop-down: drawn without the window manager's frame) appear.  Pure
 * arithmetic for bulkhead-guid; see docs/gui-protocol.md, "Override-redirect
 * windows".
 */
#pragma once

#include <stdbool.h>

#include "gui_proto.h"

/* The work area: dom0's desktop less its panels, 1..65535 each way. */
struct bh_gui_area {
        int32_t x, y;
        uint32_t w, h;
};

/* True if r (clipped to the area) covers more than
 * BH_GUI_OR_MAX_COVER_PERCENT of the area. */
bool bh_gui_covers_most(const struct bh_gui_area *work, const struct bh_gui_rect *r);

#define BH_GUI_PLACE_MOVED 0x1u  /* moved (and cut if larger) into the work area */
#define BH_GUI_PLACE_SHRUNK 0x2u /* then cut to the cover limit */

/*
 * Where an override-redirect window with the checked geometry req is shown:
 * moved into the work area (cut to it if larger), then, if it still covers
 * more than BH_GUI_OR_MAX_COVER_PERCENT of it, its height is cut (top edge
 * kept) until it does not.  Returns BH_GUI_PLACE_* bits (0: shown as asked),
 * or -EINVAL for an empty or oversized work area or request.
 */
int bh_gui_place_override_redirect(const struct bh_gui_area *work, const struct bh_gui_rect *req,
                                   struct bh_gui_area *ret);
