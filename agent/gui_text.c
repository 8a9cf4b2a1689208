/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text and cursor-name conversions of the GUI agent; see gui_text.h. */
#include <string.h>

#include "gui_proto.h"
#include "gui_text.h"
#include "utf8.h"

bool gui_text_is_utf8(const char *s, size_t len)
{
        const uint8_t *p = (const uint8_t *)s;

        while (len > 0) {
                uint32_t c;
                size_t n = bh_utf8_next(p, len, &c);

                if (n == 0)
                        return false;
                p += n;
                len -= n;
        }
        return true;
}

size_t gui_text_utf8(const char *in, size_t in_len, enum gui_text_from from, unsigned flags,
                     char *out, size_t out_max)
{
        const uint8_t *s = (const uint8_t *)in;
        size_t o = 0;

        if (from == GUI_TEXT_AUTO)
                from = gui_text_is_utf8(in, in_len) ? GUI_TEXT_UTF8 : GUI_TEXT_LATIN1;
        while (in_len > 0) {
                uint8_t enc[4];
                uint32_t c;
                size_t n, len;

                if (from == GUI_TEXT_LATIN1) {
                        c = s[0];
                        n = 1;
                } else {
                        n = bh_utf8_next(s, in_len, &c);
                        if (n == 0) {
                                c = 0xfffd; /* one per bad byte, then resync */
                                n = 1;
                        }
                }
                s += n;
                in_len -= n;
                if (c == 0)
                        continue;
                if ((flags & GUI_TEXT_NO_CONTROLS) && (c < 0x20 || (c >= 0x7f && c <= 0x9f)))
                        continue;
                len = bh_utf8_put(c, enc);
                if (len > out_max - o)
                        break; /* whole characters only */
                memcpy(out + o, enc, len);
                o += len;
        }
        return o;
}

size_t gui_text_latin1(const char *in, size_t in_len, char *out)
{
        const uint8_t *s = (const uint8_t *)in;
        size_t o = 0;

        while (in_len > 0) {
                uint32_t c;
                size_t n = bh_utf8_next(s, in_len, &c);

                if (n == 0) {
                        c = '?';
                        n = 1;
                }
                out[o++] = c <= 0xff ? (char)c : '?';
                s += n;
                in_len -= n;
        }
        return o;
}

/*
 * X cursor names (the core cursor font, which Xcursor themes name their
 * cursors after) and the CSS names themes also carry, with the common
 * aliases of each.
 */
static const struct {
        const char *name;
        uint32_t cursor;
} cursor_names[] = {
        { "left_ptr", BH_GUI_CURSOR_DEFAULT },
        { "default", BH_GUI_CURSOR_DEFAULT },
        { "arrow", BH_GUI_CURSOR_DEFAULT },
        { "top_left_arrow", BH_GUI_CURSOR_DEFAULT },
        { "none", BH_GUI_CURSOR_NONE },
        { "blank", BH_GUI_CURSOR_NONE },
        { "xterm", BH_GUI_CURSOR_TEXT },
        { "text", BH_GUI_CURSOR_TEXT },
        { "ibeam", BH_GUI_CURSOR_TEXT },
        { "vertical-text", BH_GUI_CURSOR_TEXT },
        { "hand", BH_GUI_CURSOR_POINTER },
        { "hand1", BH_GUI_CURSOR_POINTER },
        { "hand2", BH_GUI_CURSOR_POINTER },
        { "pointer", BH_GUI_CURSOR_POINTER },
        { "pointing_hand", BH_GUI_CURSOR_POINTER },
        { "watch", BH_GUI_CURSOR_WAIT },
        { "wait", BH_GUI_CURSOR_WAIT },
        { "left_ptr_watch", BH_GUI_CURSOR_PROGRESS },
        { "progress", BH_GUI_CURSOR_PROGRESS },
        { "half-busy", BH_GUI_CURSOR_PROGRESS },
        { "crosshair", BH_GUI_CURSOR_CROSSHAIR },
        { "cross", BH_GUI_CURSOR_CROSSHAIR },
        { "tcross", BH_GUI_CURSOR_CROSSHAIR },
        { "cross_reverse", BH_GUI_CURSOR_CROSSHAIR },
        { "diamond_cross", BH_GUI_CURSOR_CROSSHAIR },
        { "fleur", BH_GUI_CURSOR_MOVE },
        { "move", BH_GUI_CURSOR_MOVE },
        { "all-scroll", BH_GUI_CURSOR_MOVE },
        { "size_all", BH_GUI_CURSOR_MOVE },
        { "not-allowed", BH_GUI_CURSOR_NOT_ALLOWED },
        { "no-drop", BH_GUI_CURSOR_NOT_ALLOWED },
        { "forbidden", BH_GUI_CURSOR_NOT_ALLOWED },
        { "crossed_circle", BH_GUI_CURSOR_NOT_ALLOWED },
        { "circle", BH_GUI_CURSOR_NOT_ALLOWED },
        { "question_arrow", BH_GUI_CURSOR_HELP },
        { "help", BH_GUI_CURSOR_HELP },
        { "whats_this", BH_GUI_CURSOR_HELP },
        { "left_ptr_help", BH_GUI_CURSOR_HELP },
        { "grab", BH_GUI_CURSOR_GRAB },
        { "openhand", BH_GUI_CURSOR_GRAB },
        { "grabbing", BH_GUI_CURSOR_GRABBING },
        { "closedhand", BH_GUI_CURSOR_GRABBING },
        { "dnd-move", BH_GUI_CURSOR_GRABBING },
        { "col-resize", BH_GUI_CURSOR_COL_RESIZE },
        { "ew-resize", BH_GUI_CURSOR_COL_RESIZE },
        { "sb_h_double_arrow", BH_GUI_CURSOR_COL_RESIZE },
        { "h_double_arrow", BH_GUI_CURSOR_COL_RESIZE },
        { "split_h", BH_GUI_CURSOR_COL_RESIZE },
        { "size_hor", BH_GUI_CURSOR_COL_RESIZE },
        { "row-resize", BH_GUI_CURSOR_ROW_RESIZE },
        { "ns-resize", BH_GUI_CURSOR_ROW_RESIZE },
        { "sb_v_double_arrow", BH_GUI_CURSOR_ROW_RESIZE },
        { "v_double_arrow", BH_GUI_CURSOR_ROW_RESIZE },
        { "split_v", BH_GUI_CURSOR_ROW_RESIZE },
        { "size_ver", BH_GUI_CURSOR_ROW_RESIZE },
        { "top_side", BH_GUI_CURSOR_N_RESIZE },
        { "n-resize", BH_GUI_CURSOR_N_RESIZE },
        { "bottom_side", BH_GUI_CURSOR_S_RESIZE },
        { "s-resize", BH_GUI_CURSOR_S_RESIZE },
        { "right_side", BH_GUI_CURSOR_E_RESIZE },
        { "e-resize", BH_GUI_CURSOR_E_RESIZE },
        { "left_side", BH_GUI_CURSOR_W_RESIZE },
        { "w-resize", BH_GUI_CURSOR_W_RESIZE },
        { "top_right_corner", BH_GUI_CURSOR_NE_RESIZE },
        { "ne-resize", BH_GUI_CURSOR_NE_RESIZE },
        { "top_left_corner", BH_GUI_CURSOR_NW_RESIZE },
        { "nw-resize", BH_GUI_CURSOR_NW_RESIZE },
        { "bottom_right_corner", BH_GUI_CURSOR_SE_RESIZE },
        { "se-resize", BH_GUI_CURSOR_SE_RESIZE },
        { "bottom_left_corner", BH_GUI_CURSOR_SW_RESIZE },
        { "sw-resize", BH_GUI_CURSOR_SW_RESIZE },
};

uint32_t gui_cursor_from_x_name(const char *name)
{
        if (!name)
                return BH_GUI_CURSOR_DEFAULT;
        for (size_t i = 0; i < sizeof(cursor_names) / sizeof(cursor_names[0]); i++)
                if (strcmp(cursor_names[i].name, name) == 0)
                        return cursor_names[i].cursor;
        return BH_GUI_CURSOR_DEFAULT;
}
