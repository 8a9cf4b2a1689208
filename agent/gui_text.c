/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text and cursor-name conversions of the GUI agent; see gui_text.h. */
#include <string.h>

#include "gui_proto.h"
#include "gui_text.h"

/* One character of strict UTF-8: its length, or 0 if s does not start with one. */
static size_t utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
        uint32_t c, min;
        size_t n;

        if (len == 0)
                return 0;
        c = s[0];
        if (c < 0x80) {
                *cp = c;
                return 1;
        }
        if (c >= 0xc2 && c <= 0xdf) {
                n = 2;
                c &= 0x1f;
                min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
                n = 3;
                c &= 0x0f;
                min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
                n = 4;
                c &= 0x07;
                min = 0x10000;
        } else {
                return 0;
        }
        if (len < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = c << 6 | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *cp = c;
        return n;
}

static size_t utf8_put(uint32_t c, uint8_t out[4])
{
        if (c < 0x80) {
                out[0] = (uint8_t)c;
                return 1;
        }
        if (c < 0x800) {
                out[0] = (uint8_t)(0xc0 | c >> 6);
                out[1] = (uint8_t)(0x80 | (c & 0x3f));
                return 2;
        }
        if (c < 0x10000) {
                out[0] = (uint8_t)(0xe0 | c >> 12);
                out[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
                out[2] = (uint8_t)(0x80 | (c & 0x3f));
                return 3;
        }
        out[0] = (uint8_t)(0xf0 | c >> 18);
        out[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
        out[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
        out[3] = (uint8_t)(0x80 | (c & 0x3f));
        return 4;
}

bool gui_text_is_utf8(const char *s, size_t len)
{
        const uint8_t *p = (const uint8_t *)s;

        while (len > 0) {
                uint32_t c;
                size_t n = utf8_next(p, len, &c);

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
                        n = utf8_next(s, in_len, &c);
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
                len = utf8_put(c, enc);
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
                size_t n = utf8_next(s, in_len, &c);

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
