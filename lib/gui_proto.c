/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GUI protocol's wire format and checks; see gui_proto.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gui_proto.h"
#include "wire.h"
#include "utf8.h"

/* ---- the wire ---------------------------------------------------------------- */

/* Integers: little-endian, lib/wire.h. */

/* Signed fields travel as two's complement. */
static int32_t get32s(const uint8_t *p)
{
        uint32_t v = bh_get32(p);

        return v <= INT32_MAX ? (int32_t)v : -(int32_t)(~v) - 1;
}

static int refuse(const char **why, const char *reason)
{
        if (why)
                *why = reason;
        return -EPROTO;
}

/* Senders of a type, as bits. */
#define FROM_AGENT (1u << BH_GUI_FROM_AGENT)
#define FROM_DOM0 (1u << BH_GUI_FROM_DOM0)

struct type_info {
        uint32_t type;
        const char *name;
        unsigned from;     /* FROM_* bits */
        bool window;       /* names a window (else the window field is 0) */
        uint32_t min, max; /* payload bytes */
};

static const struct type_info types[] = {
        { BH_GUI_MSG_HELLO, "HELLO", FROM_AGENT | FROM_DOM0, false, 8, BH_GUI_HELLO_MAX },
        { BH_GUI_MSG_SCREEN, "SCREEN", FROM_DOM0, false, 8, 8 },
        { BH_GUI_MSG_CREATE, "CREATE", FROM_AGENT, true, 24, 24 },
        { BH_GUI_MSG_DESTROY, "DESTROY", FROM_AGENT, true, 0, 0 },
        { BH_GUI_MSG_MAP, "MAP", FROM_AGENT, true, 8, 8 },
        { BH_GUI_MSG_UNMAP, "UNMAP", FROM_AGENT, true, 0, 0 },
        { BH_GUI_MSG_CONFIGURE, "CONFIGURE", FROM_AGENT | FROM_DOM0, true, 20, 20 },
        { BH_GUI_MSG_BUFFER, "BUFFER", FROM_AGENT, true, BH_GUI_BUFFER_FIXED + 1,
          BH_GUI_MAX_PAYLOAD },
        { BH_GUI_MSG_DAMAGE, "DAMAGE", FROM_AGENT, true, 16, 16 },
        { BH_GUI_MSG_TITLE, "TITLE", FROM_AGENT, true, 0, BH_GUI_MAX_TITLE_BYTES },
        { BH_GUI_MSG_CLASS, "CLASS", FROM_AGENT, true, 1, 2 * BH_GUI_MAX_CLASS_BYTES + 1 },
        { BH_GUI_MSG_SIZE_HINTS, "SIZE_HINTS", FROM_AGENT, true, 36, 36 },
        { BH_GUI_MSG_WINDOW_FLAGS, "WINDOW_FLAGS", FROM_AGENT, true, 4, 4 },
        { BH_GUI_MSG_CURSOR, "CURSOR", FROM_AGENT, true, 4, 4 },
        { BH_GUI_MSG_CLOSE, "CLOSE", FROM_DOM0, true, 0, 0 },
        { BH_GUI_MSG_KEY, "KEY", FROM_DOM0, true, 12, 12 },
        { BH_GUI_MSG_BUTTON, "BUTTON", FROM_DOM0, true, 20, 20 },
        { BH_GUI_MSG_MOTION, "MOTION", FROM_DOM0, true, 12, 12 },
        { BH_GUI_MSG_SCROLL, "SCROLL", FROM_DOM0, true, 20, 20 },
        { BH_GUI_MSG_CROSSING, "CROSSING", FROM_DOM0, true, 16, 16 },
        { BH_GUI_MSG_FOCUS, "FOCUS", FROM_DOM0, true, 4 + BH_GUI_KEYMAP_BYTES,
          4 + BH_GUI_KEYMAP_BYTES },
        { BH_GUI_MSG_CLIPBOARD_REQ, "CLIPBOARD_REQ", FROM_DOM0, false, 4, 4 },
        { BH_GUI_MSG_CLIPBOARD_DATA, "CLIPBOARD_DATA", FROM_AGENT | FROM_DOM0, false, 0,
          BH_GUI_MAX_CLIPBOARD_BYTES },
};

_Static_assert(2 * BH_GUI_MAX_MSG <= BH_GUI_RING_SIZE, "two maximal messages fit in the ring");
_Static_assert(BH_GUI_MAX_CLIPBOARD_BYTES <= BH_GUI_MAX_PAYLOAD, "clipboard fits one message");
_Static_assert(2 * BH_GUI_MAX_CLASS_BYTES + 1 <= BH_GUI_MAX_PAYLOAD, "class fits one message");
_Static_assert(BH_GUI_MAX_TITLE_BYTES <= BH_GUI_MAX_PAYLOAD, "title fits one message");
_Static_assert((uint64_t)BH_GUI_MAX_BUFFER_BYTES * BH_GUI_MAX_WINDOWS >=
                       BH_GUI_MAX_TOTAL_BUFFER_BYTES,
               "the total cap binds before the window count");
_Static_assert(BH_GUI_MAX_WINDOW_WIDTH <= (uint32_t)BH_GUI_COORD_MAX + 1,
               "x + w of a checked rect fits in int32");

static const struct type_info *type_info(uint32_t type)
{
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (types[i].type == type)
                        return &types[i];
        return NULL;
}

const char *bh_gui_msg_name(uint32_t type)
{
        const struct type_info *t = type_info(type);

        return t ? t->name : "unknown";
}

static const char *const cursor_names[BH_GUI_CURSOR_COUNT] = {
        [BH_GUI_CURSOR_DEFAULT] = "default",
        [BH_GUI_CURSOR_NONE] = "none",
        [BH_GUI_CURSOR_TEXT] = "text",
        [BH_GUI_CURSOR_POINTER] = "pointer",
        [BH_GUI_CURSOR_WAIT] = "wait",
        [BH_GUI_CURSOR_PROGRESS] = "progress",
        [BH_GUI_CURSOR_CROSSHAIR] = "crosshair",
        [BH_GUI_CURSOR_MOVE] = "move",
        [BH_GUI_CURSOR_NOT_ALLOWED] = "not-allowed",
        [BH_GUI_CURSOR_HELP] = "help",
        [BH_GUI_CURSOR_GRAB] = "grab",
        [BH_GUI_CURSOR_GRABBING] = "grabbing",
        [BH_GUI_CURSOR_COL_RESIZE] = "col-resize",
        [BH_GUI_CURSOR_ROW_RESIZE] = "row-resize",
        [BH_GUI_CURSOR_N_RESIZE] = "n-resize",
        [BH_GUI_CURSOR_S_RESIZE] = "s-resize",
        [BH_GUI_CURSOR_E_RESIZE] = "e-resize",
        [BH_GUI_CURSOR_W_RESIZE] = "w-resize",
        [BH_GUI_CURSOR_NE_RESIZE] = "ne-resize",
        [BH_GUI_CURSOR_NW_RESIZE] = "nw-resize",
        [BH_GUI_CURSOR_SE_RESIZE] = "se-resize",
        [BH_GUI_CURSOR_SW_RESIZE] = "sw-resize",
};

const char *bh_gui_cursor_name(uint32_t cursor)
{
        return cursor < BH_GUI_CURSOR_COUNT ? cursor_names[cursor] : NULL;
}

/* ---- UTF-8 ------------------------------------------------------------------- */

static bool is_control(uint32_t c)
{
        return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* Valid UTF-8; with no_controls, also free of C0, DEL and C1 (NUL is never
 * allowed: checked strings are C strings once copied). */
static bool utf8_ok(const uint8_t *s, size_t len, bool no_controls)
{
        while (len > 0) {
                uint32_t c;
                size_t n = bh_utf8_next(s, len, &c);

                if (n == 0 || c == 0 || (no_controls && is_control(c)))
                        return false;
                s += n;
                len -= n;
        }
        return true;
}

/* ---- payloads ------------------------------------------------------------------ */

static bool coord_ok(int32_t v)
{
        return v >= BH_GUI_COORD_MIN && v <= BH_GUI_COORD_MAX;
}

static int rect_parse(const uint8_t *p, struct bh_gui_rect *r, const char **why)
{
        r->x = get32s(p);
        r->y = get32s(p + 4);
        r->w = bh_get32(p + 8);
        r->h = bh_get32(p + 12);
        if (!coord_ok(r->x) || !coord_ok(r->y))
                return refuse(why, "window position outside the coordinate range");
        if (r->w < 1 || r->w > BH_GUI_MAX_WINDOW_WIDTH || r->h < 1 ||
            r->h > BH_GUI_MAX_WINDOW_HEIGHT)
                return refuse(why, "window size out of range");
        return 0;
}

static void rect_put(uint8_t *p, const struct bh_gui_rect *r)
{
        bh_put32(p, (uint32_t)r->x);
        bh_put32(p + 4, (uint32_t)r->y);
        bh_put32(p + 8, r->w);
        bh_put32(p + 12, r->h);
}

static int bool_parse(const uint8_t *p, bool *ret, const char **why)
{
        uint32_t v = bh_get32(p);

        if (v > 1)
                return refuse(why, "flag field neither 0 nor 1");
        *ret = v == 1;
        return 0;
}

static int state_parse(const uint8_t *p, uint32_t *ret, const char **why)
{
        *ret = bh_get32(p);
        if (*ret & ~BH_GUI_STATE_MASK)
                return refuse(why, "input state with unknown bits");
        return 0;
}

static int point_parse(const uint8_t *p, int32_t *x, int32_t *y, const char **why)
{
        *x = get32s(p);
        *y = get32s(p + 4);
        if (!coord_ok(*x) || !coord_ok(*y))
                return refuse(why, "pointer position outside the coordinate range");
        return 0;
}

static int buffer_parse(const uint8_t *p, uint32_t len, struct bh_gui_msg *m, const char **why)
{
        uint32_t row, bytes;

        m->u.buffer.width = bh_get32(p);
        m->u.buffer.height = bh_get32(p + 4);
        m->u.buffer.stride = bh_get32(p + 8);
        m->u.buffer.format = bh_get32(p + 12);
        m->u.buffer.size = bh_get32(p + 16);
        m->u.buffer.desc = p + BH_GUI_BUFFER_FIXED;
        m->u.buffer.desc_len = len - BH_GUI_BUFFER_FIXED;
        if (m->u.buffer.format != BH_GUI_FORMAT_XRGB8888)
                return refuse(why, "BUFFER in an unknown pixel format");
        if (m->u.buffer.width < 1 || m->u.buffer.width > BH_GUI_MAX_WINDOW_WIDTH ||
            m->u.buffer.height < 1 || m->u.buffer.height > BH_GUI_MAX_WINDOW_HEIGHT)
                return refuse(why, "BUFFER size out of range");
        /* Checked even though the bounds above keep these small: the
         * arithmetic must stay right if a limit grows. */
        if (__builtin_mul_overflow(m->u.buffer.width, 4u, &row) ||
            __builtin_mul_overflow(row, m->u.buffer.height, &bytes))
                return refuse(why, "BUFFER size overflows");
        if (m->u.buffer.stride != row)
                return refuse(why, "BUFFER stride is not width * 4");
        if (m->u.buffer.size != bytes)
                return refuse(why, "BUFFER size is not stride * height");
        if (bytes > BH_GUI_MAX_BUFFER_BYTES)
                return refuse(why, "BUFFER over BH_GUI_MAX_BUFFER_BYTES");
        return 0;
}

static int class_parse(const uint8_t *p, uint32_t len, struct bh_gui_msg *m, const char **why)
{
        const uint8_t *nul = memchr(p, '\0', len);
        size_t a, b;

        if (!nul)
                return refuse(why, "CLASS without the NUL between instance and class");
        a = (size_t)(nul - p);
        b = len - a - 1;
        if (a > BH_GUI_MAX_CLASS_BYTES || b > BH_GUI_MAX_CLASS_BYTES)
                return refuse(why, "CLASS string over BH_GUI_MAX_CLASS_BYTES");
        if (!utf8_ok(p, a, true) || !utf8_ok(nul + 1, b, true))
                return refuse(why, "CLASS not valid UTF-8 or with control characters");
        m->u.wm_class.instance = (const char *)p;
        m->u.wm_class.instance_len = a;
        m->u.wm_class.class_ = (const char *)nul + 1;
        m->u.wm_class.class_len = b;
        return 0;
}

static int hints_parse(const uint8_t *p, struct bh_gui_msg *m, const char **why)
{
        uint32_t v[9];

        for (int i = 0; i < 9; i++)
                v[i] = bh_get32(p + 4 * i);
        if (v[0] & ~(BH_GUI_HINT_MIN | BH_GUI_HINT_MAX | BH_GUI_HINT_BASE | BH_GUI_HINT_INC))
                return refuse(why, "SIZE_HINTS with unknown flags");
        for (int i = 0; i < 4; i++) {
                uint32_t w = v[1 + 2 * i], h = v[2 + 2 * i];

                if (!(v[0] & (1u << i))) {
                        if (w || h)
                                return refuse(why, "SIZE_HINTS value without its flag");
                        continue;
                }
                if (w > BH_GUI_MAX_WINDOW_WIDTH || h > BH_GUI_MAX_WINDOW_HEIGHT)
                        return refuse(why, "SIZE_HINTS value out of range");
                if ((1u << i) == BH_GUI_HINT_INC && (w < 1 || h < 1))
                        return refuse(why, "SIZE_HINTS increment of 0");
        }
        m->u.hints.flags = v[0];
        m->u.hints.min_w = v[1];
        m->u.hints.min_h = v[2];
        m->u.hints.max_w = v[3];
        m->u.hints.max_h = v[4];
        m->u.hints.base_w = v[5];
        m->u.hints.base_h = v[6];
        m->u.hints.inc_w = v[7];
        m->u.hints.inc_h = v[8];
        return 0;
}

/*
 * The checks that need no state: each field in its range.  Used on what the
 * peer sent and on what we are about to send.
 */
static int payload_parse(const uint8_t *p, uint32_t len, struct bh_gui_msg *m, const char **why)
{
        int r;

        switch (m->type) {
        case BH_GUI_MSG_HELLO:
                m->u.hello.version = bh_get32(p);
                m->u.hello.flags = bh_get32(p + 4); /* none in version 1: ignored */
                if (m->u.hello.version < 1)
                        return refuse(why, "HELLO with version 0");
                return 0;
        case BH_GUI_MSG_SCREEN:
                m->u.screen.width = bh_get32(p);
                m->u.screen.height = bh_get32(p + 4);
                if (m->u.screen.width < 1 || m->u.screen.width > BH_GUI_MAX_SCREEN_WIDTH ||
                    m->u.screen.height < 1 || m->u.screen.height > BH_GUI_MAX_SCREEN_HEIGHT)
                        return refuse(why, "SCREEN size out of range");
                return 0;
        case BH_GUI_MSG_CREATE:
                r = rect_parse(p, &m->u.create.rect, why);
                if (r < 0)
                        return r;
                m->u.create.transient_for = bh_get32(p + 16);
                m->u.create.flags = bh_get32(p + 20);
                if (m->u.create.flags & ~BH_GUI_OVERRIDE_REDIRECT)
                        return refuse(why, "window flags with unknown bits");
                return 0;
        case BH_GUI_MSG_DESTROY:
        case BH_GUI_MSG_UNMAP:
        case BH_GUI_MSG_CLOSE:
                return 0;
        case BH_GUI_MSG_MAP:
                m->u.map.transient_for = bh_get32(p);
                m->u.map.flags = bh_get32(p + 4);
                if (m->u.map.flags & ~BH_GUI_OVERRIDE_REDIRECT)
                        return refuse(why, "window flags with unknown bits");
                return 0;
        case BH_GUI_MSG_CONFIGURE:
                r = rect_parse(p, &m->u.configure.rect, why);
                if (r < 0)
                        return r;
                m->u.configure.flags = bh_get32(p + 16);
                if (m->u.configure.flags & ~BH_GUI_OVERRIDE_REDIRECT)
                        return refuse(why, "window flags with unknown bits");
                return 0;
        case BH_GUI_MSG_BUFFER:
                return buffer_parse(p, len, m, why);
        case BH_GUI_MSG_DAMAGE:
                m->u.damage.x = bh_get32(p);
                m->u.damage.y = bh_get32(p + 4);
                m->u.damage.w = bh_get32(p + 8);
                m->u.damage.h = bh_get32(p + 12);
                if (m->u.damage.w < 1 || m->u.damage.h < 1)
                        return refuse(why, "empty DAMAGE");
                /* Written so that nothing can wrap; the buffer check follows. */
                if (m->u.damage.x > BH_GUI_MAX_WINDOW_WIDTH ||
                    m->u.damage.w > BH_GUI_MAX_WINDOW_WIDTH - m->u.damage.x ||
                    m->u.damage.y > BH_GUI_MAX_WINDOW_HEIGHT ||
                    m->u.damage.h > BH_GUI_MAX_WINDOW_HEIGHT - m->u.damage.y)
                        return refuse(why, "DAMAGE outside any possible buffer");
                return 0;
        case BH_GUI_MSG_TITLE:
                if (!utf8_ok(p, len, false))
                        return refuse(why, "TITLE not valid UTF-8 or with a NUL");
                m->u.title.bytes = (const char *)p;
                m->u.title.len = len;
                return 0;
        case BH_GUI_MSG_CLASS:
                return class_parse(p, len, m, why);
        case BH_GUI_MSG_SIZE_HINTS:
                return hints_parse(p, m, why);
        case BH_GUI_MSG_WINDOW_FLAGS:
                m->u.window_flags.flags = bh_get32(p);
                if (m->u.window_flags.flags & ~(BH_GUI_WFLAG_FULLSCREEN |
                                                BH_GUI_WFLAG_DEMANDS_ATTENTION |
                                                BH_GUI_WFLAG_URGENT))
                        return refuse(why, "WINDOW_FLAGS with unknown bits");
                return 0;
        case BH_GUI_MSG_CURSOR:
                m->u.cursor.cursor = bh_get32(p);
                if (m->u.cursor.cursor >= BH_GUI_CURSOR_COUNT)
                        return refuse(why, "CURSOR not in the list");
                return 0;
        case BH_GUI_MSG_KEY:
                m->u.key.keycode = bh_get32(p);
                if (m->u.key.keycode < BH_GUI_MIN_KEYCODE || m->u.key.keycode > BH_GUI_MAX_KEYCODE)
                        return refuse(why, "KEY keycode out of range");
                r = state_parse(p + 4, &m->u.key.state, why);
                return r < 0 ? r : bool_parse(p + 8, &m->u.key.pressed, why);
        case BH_GUI_MSG_BUTTON:
                r = point_parse(p, &m->u.button.x, &m->u.button.y, why);
                if (r >= 0)
                        r = state_parse(p + 8, &m->u.button.state, why);
                if (r < 0)
                        return r;
                m->u.button.button = bh_get32(p + 12);
                if (m->u.button.button < 1 || m->u.button.button > BH_GUI_MAX_BUTTON)
                        return refuse(why, "BUTTON number out of range");
                return bool_parse(p + 16, &m->u.button.pressed, why);
        case BH_GUI_MSG_MOTION:
                r = point_parse(p, &m->u.motion.x, &m->u.motion.y, why);
                return r < 0 ? r : state_parse(p + 8, &m->u.motion.state, why);
        case BH_GUI_MSG_SCROLL:
                r = point_parse(p, &m->u.scroll.x, &m->u.scroll.y, why);
                if (r >= 0)
                        r = state_parse(p + 8, &m->u.scroll.state, why);
                if (r < 0)
                        return r;
                m->u.scroll.dx = get32s(p + 12);
                m->u.scroll.dy = get32s(p + 16);
                if (m->u.scroll.dx < -BH_GUI_MAX_SCROLL_STEPS ||
                    m->u.scroll.dx > BH_GUI_MAX_SCROLL_STEPS ||
                    m->u.scroll.dy < -BH_GUI_MAX_SCROLL_STEPS ||
                    m->u.scroll.dy > BH_GUI_MAX_SCROLL_STEPS)
                        return refuse(why, "SCROLL steps out of range");
                if (m->u.scroll.dx == 0 && m->u.scroll.dy == 0)
                        return refuse(why, "SCROLL of no steps");
                return 0;
        case BH_GUI_MSG_CROSSING:
                r = point_parse(p, &m->u.crossing.x, &m->u.crossing.y, why);
                if (r >= 0)
                        r = state_parse(p + 8, &m->u.crossing.state, why);
                return r < 0 ? r : bool_parse(p + 12, &m->u.crossing.entered, why);
        case BH_GUI_MSG_FOCUS:
                memcpy(m->u.focus.keys, p + 4, BH_GUI_KEYMAP_BYTES);
                return bool_parse(p, &m->u.focus.in, why);
        case BH_GUI_MSG_CLIPBOARD_REQ:
                m->u.clipboard_req.max_bytes = bh_get32(p);
                if (m->u.clipboard_req.max_bytes < 1 ||
                    m->u.clipboard_req.max_bytes > BH_GUI_MAX_CLIPBOARD_BYTES)
                        return refuse(why, "CLIPBOARD_REQ size out of range");
                return 0;
        case BH_GUI_MSG_CLIPBOARD_DATA:
                /* Bytes dom0 never interprets, only passes on: no encoding rule. */
                m->u.clipboard.bytes = p;
                m->u.clipboard.len = len;
                return 0;
        }
        return refuse(why, "unknown message type");
}

/* Type, window field and length, for either sender. */
static int header_parse(const uint8_t *h, unsigned from, struct bh_gui_msg *m, uint32_t *ret_len,
                        const struct type_info **ret_t, const char **why)
{
        const struct type_info *t;
        uint32_t len;

        m->type = bh_get32(h);
        m->window = bh_get32(h + 4);
        len = bh_get32(h + 8);
        t = type_info(m->type);
        if (!t)
                return refuse(why, "unknown message type");
        if (!(t->from & from))
                return refuse(why, "message type this side does not send");
        if (t->window && m->window == 0)
                return refuse(why, "window message for window 0");
        if (!t->window && m->window != 0)
                return refuse(why, "window set on a message that takes none");
        if (len < t->min)
                return refuse(why, "payload too short for its type");
        if (len > t->max)
                return refuse(why, "payload too long for its type");
        *ret_len = len;
        *ret_t = t;
        return 0;
}

/* ---- encoding ------------------------------------------------------------------ */

static int put_bytes(uint8_t *p, const void *bytes, size_t len)
{
        if (len && !bytes)
                return -EINVAL;
        if (len)
                memcpy(p, bytes, len);
        return 0;
}

int bh_gui_encode(const struct bh_gui_msg *m, uint8_t *out, size_t out_size, size_t *ret_len)
{
        const struct type_info *t = type_info(m->type);
        struct bh_gui_msg back;
        uint8_t *p = out + BH_GUI_HDR_SIZE;
        uint32_t back_len;
        size_t len;
        int r = 0;

        if (!t)
                return -EINVAL;
        switch (m->type) {
        case BH_GUI_MSG_BUFFER:
                len = BH_GUI_BUFFER_FIXED + m->u.buffer.desc_len;
                if (m->u.buffer.desc_len > BH_SHBUF_DESC_MAX)
                        return -EINVAL;
                break;
        case BH_GUI_MSG_TITLE:
                len = m->u.title.len;
                break;
        case BH_GUI_MSG_CLASS:
                if (m->u.wm_class.instance_len > BH_GUI_MAX_CLASS_BYTES ||
                    m->u.wm_class.class_len > BH_GUI_MAX_CLASS_BYTES)
                        return -EINVAL;
                len = m->u.wm_class.instance_len + 1 + m->u.wm_class.class_len;
                break;
        case BH_GUI_MSG_CLIPBOARD_DATA:
                len = m->u.clipboard.len;
                break;
        default:
                len = t->min;
        }
        if (len < t->min || len > t->max)
                return -EINVAL;
        if (out_size < BH_GUI_HDR_SIZE + len)
                return -ENOBUFS;
        bh_put32(out, m->type);
        bh_put32(out + 4, m->window);
        bh_put32(out + 8, (uint32_t)len);
        switch (m->type) {
        case BH_GUI_MSG_HELLO:
                bh_put32(p, m->u.hello.version);
                bh_put32(p + 4, m->u.hello.flags);
                break;
        case BH_GUI_MSG_SCREEN:
                bh_put32(p, m->u.screen.width);
                bh_put32(p + 4, m->u.screen.height);
                break;
        case BH_GUI_MSG_CREATE:
                rect_put(p, &m->u.create.rect);
                bh_put32(p + 16, m->u.create.transient_for);
                bh_put32(p + 20, m->u.create.flags);
                break;
        case BH_GUI_MSG_MAP:
                bh_put32(p, m->u.map.transient_for);
                bh_put32(p + 4, m->u.map.flags);
                break;
        case BH_GUI_MSG_CONFIGURE:
                rect_put(p, &m->u.configure.rect);
                bh_put32(p + 16, m->u.configure.flags);
                break;
        case BH_GUI_MSG_BUFFER:
                bh_put32(p, m->u.buffer.width);
                bh_put32(p + 4, m->u.buffer.height);
                bh_put32(p + 8, m->u.buffer.stride);
                bh_put32(p + 12, m->u.buffer.format);
                bh_put32(p + 16, m->u.buffer.size);
                r = put_bytes(p + BH_GUI_BUFFER_FIXED, m->u.buffer.desc, m->u.buffer.desc_len);
                break;
        case BH_GUI_MSG_DAMAGE:
                bh_put32(p, m->u.damage.x);
                bh_put32(p + 4, m->u.damage.y);
                bh_put32(p + 8, m->u.damage.w);
                bh_put32(p + 12, m->u.damage.h);
                break;
        case BH_GUI_MSG_TITLE:
                r = put_bytes(p, m->u.title.bytes, m->u.title.len);
                break;
        case BH_GUI_MSG_CLASS:
                r = put_bytes(p, m->u.wm_class.instance, m->u.wm_class.instance_len);
                p[m->u.wm_class.instance_len] = '\0';
                if (r == 0)
                        r = put_bytes(p + m->u.wm_class.instance_len + 1, m->u.wm_class.class_,
                                      m->u.wm_class.class_len);
                break;
        case BH_GUI_MSG_SIZE_HINTS:
                bh_put32(p, m->u.hints.flags);
                bh_put32(p + 4, m->u.hints.min_w);
                bh_put32(p + 8, m->u.hints.min_h);
                bh_put32(p + 12, m->u.hints.max_w);
                bh_put32(p + 16, m->u.hints.max_h);
                bh_put32(p + 20, m->u.hints.base_w);
                bh_put32(p + 24, m->u.hints.base_h);
                bh_put32(p + 28, m->u.hints.inc_w);
                bh_put32(p + 32, m->u.hints.inc_h);
                break;
        case BH_GUI_MSG_WINDOW_FLAGS:
                bh_put32(p, m->u.window_flags.flags);
                break;
        case BH_GUI_MSG_CURSOR:
                bh_put32(p, m->u.cursor.cursor);
                break;
        case BH_GUI_MSG_KEY:
                bh_put32(p, m->u.key.keycode);
                bh_put32(p + 4, m->u.key.state);
                bh_put32(p + 8, m->u.key.pressed);
                break;
        case BH_GUI_MSG_BUTTON:
                bh_put32(p, (uint32_t)m->u.button.x);
                bh_put32(p + 4, (uint32_t)m->u.button.y);
                bh_put32(p + 8, m->u.button.state);
                bh_put32(p + 12, m->u.button.button);
                bh_put32(p + 16, m->u.button.pressed);
                break;
        case BH_GUI_MSG_MOTION:
                bh_put32(p, (uint32_t)m->u.motion.x);
                bh_put32(p + 4, (uint32_t)m->u.motion.y);
                bh_put32(p + 8, m->u.motion.state);
                break;
        case BH_GUI_MSG_SCROLL:
                bh_put32(p, (uint32_t)m->u.scroll.x);
                bh_put32(p + 4, (uint32_t)m->u.scroll.y);
                bh_put32(p + 8, m->u.scroll.state);
                bh_put32(p + 12, (uint32_t)m->u.scroll.dx);
                bh_put32(p + 16, (uint32_t)m->u.scroll.dy);
                break;
        case BH_GUI_MSG_CROSSING:
                bh_put32(p, (uint32_t)m->u.crossing.x);
                bh_put32(p + 4, (uint32_t)m->u.crossing.y);
                bh_put32(p + 8, m->u.crossing.state);
                bh_put32(p + 12, m->u.crossing.entered);
                break;
        case BH_GUI_MSG_FOCUS:
                bh_put32(p, m->u.focus.in);
                memcpy(p + 4, m->u.focus.keys, BH_GUI_KEYMAP_BYTES);
                break;
        case BH_GUI_MSG_CLIPBOARD_REQ:
                bh_put32(p, m->u.clipboard_req.max_bytes);
                break;
        case BH_GUI_MSG_CLIPBOARD_DATA:
                r = put_bytes(p, m->u.clipboard.bytes, m->u.clipboard.len);
                break;
        }
        if (r < 0)
                return r;
        /* What we send passes the same checks the peer makes, so a bug shows
         * here rather than as a disconnect on the other side. */
        if (header_parse(out, FROM_AGENT | FROM_DOM0, &back, &back_len, &t, NULL) < 0 ||
            payload_parse(p, back_len, &back, NULL) < 0)
                return -EINVAL;
        *ret_len = BH_GUI_HDR_SIZE + len;
        return 0;
}

/* ---- the peer -------------------------------------------------------------------- */

/*
 * Windows by id, open addressing with linear probing in a table twice the
 * window limit, so it never fills; removal shifts entries back instead of
 * leaving tombstones, so a create/destroy churn cannot make lookups slow.
 * Ids are the agent's to choose; the worst it can do by picking colliding
 * ids is BH_GUI_MAX_WINDOWS probes a lookup.
 */
#define TABLE_BITS 11
#define TABLE_SIZE (1u << TABLE_BITS)
_Static_assert(TABLE_SIZE >= 2 * BH_GUI_MAX_WINDOWS, "window table has room to spare");

struct window {
        uint32_t id; /* 0: free slot */
        uint32_t buf_w, buf_h; /* 0: no buffer yet */
        uint32_t buf_bytes;
};

struct bh_gui_peer {
        enum bh_gui_role from;
        uint32_t version; /* 0 until HELLO */
        uint32_t windows;
        uint64_t buffer_bytes; /* all windows' buffers */
        bool clipboard_pending;
        uint32_t clipboard_max;
        struct window table[TABLE_SIZE];
};

static uint32_t slot_home(uint32_t id)
{
        return (id * 0x9e3779b1u) >> (32 - TABLE_BITS);
}

static struct window *window_find(struct bh_gui_peer *p, uint32_t id)
{
        for (uint32_t i = slot_home(id);; i = (i + 1) & (TABLE_SIZE - 1)) {
                if (p->table[i].id == id)
                        return &p->table[i];
                if (p->table[i].id == 0)
                        return NULL;
        }
}

static struct window *window_add(struct bh_gui_peer *p, uint32_t id)
{
        uint32_t i = slot_home(id);

        while (p->table[i].id != 0)
                i = (i + 1) & (TABLE_SIZE - 1);
        p->table[i] = (struct window){ .id = id };
        p->windows++;
        return &p->table[i];
}

static void window_remove(struct bh_gui_peer *p, struct window *w)
{
        uint32_t i = (uint32_t)(w - p->table), j = i;

        p->buffer_bytes -= w->buf_bytes;
        p->windows--;
        /* Move back every later entry of the run that may no longer be
         * reachable from its home slot across the gap. */
        for (;;) {
                uint32_t home;

                j = (j + 1) & (TABLE_SIZE - 1);
                if (p->table[j].id == 0)
                        break;
                home = slot_home(p->table[j].id);
                if (((j - home) & (TABLE_SIZE - 1)) >= ((j - i) & (TABLE_SIZE - 1))) {
                        p->table[i] = p->table[j];
                        i = j;
                }
        }
        p->table[i] = (struct window){ 0 };
}

int bh_gui_peer_new(struct bh_gui_peer **ret, enum bh_gui_role from)
{
        struct bh_gui_peer *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->from = from;
        *ret = p;
        return 0;
}

void bh_gui_peer_free(struct bh_gui_peer *p)
{
        free(p);
}

void bh_gui_peer_expect_clipboard(struct bh_gui_peer *p, uint32_t max_bytes)
{
        p->clipboard_pending = true;
        p->clipboard_max = max_bytes < BH_GUI_MAX_CLIPBOARD_BYTES ? max_bytes
                                                                  : BH_GUI_MAX_CLIPBOARD_BYTES;
}

uint32_t bh_gui_peer_version(const struct bh_gui_peer *p)
{
        return p->version;
}

uint32_t bh_gui_peer_windows(const struct bh_gui_peer *p)
{
        return p->windows;
}

/* Header rules that depend on what the peer sent before (read only). */
static int header_order(const struct bh_gui_peer *p, const struct bh_gui_msg *m, uint32_t len,
                        const char **why)
{
        if (p->version == 0 && m->type != BH_GUI_MSG_HELLO)
                return refuse(why, "first message is not HELLO");
        if (p->version != 0 && m->type == BH_GUI_MSG_HELLO)
                return refuse(why, "second HELLO");
        if (p->from == BH_GUI_FROM_AGENT && m->type == BH_GUI_MSG_CLIPBOARD_DATA) {
                if (!p->clipboard_pending)
                        return refuse(why, "CLIPBOARD_DATA nobody asked for");
                if (len > p->clipboard_max)
                        return refuse(why, "CLIPBOARD_DATA over the size asked for");
        }
        return 0;
}

int bh_gui_check_header(const struct bh_gui_peer *p, const uint8_t untrusted_hdr[BH_GUI_HDR_SIZE],
                        uint32_t *ret_len, const char **why)
{
        const struct type_info *t;
        struct bh_gui_msg m;
        uint32_t len;
        int r;

        r = header_parse(untrusted_hdr, 1u << p->from, &m, &len, &t, why);
        if (r >= 0)
                r = header_order(p, &m, len, why);
        if (r < 0)
                return r;
        *ret_len = len;
        return 0;
}

/* A transient-for that names no window of the peer (or the window itself)
 * means none: WM_TRANSIENT_FOR may name any X window. */
static uint32_t transient_clamp(struct bh_gui_peer *p, uint32_t self, uint32_t untrusted_for)
{
        if (untrusted_for == self || !window_find(p, untrusted_for))
                return 0;
        return untrusted_for;
}

/* What the agent sends, against the windows it has. */
static int agent_state(struct bh_gui_peer *p, struct bh_gui_msg *m, const char **why)
{
        struct window *w = NULL;

        if (m->window != 0) {
                w = window_find(p, m->window);
                if (m->type == BH_GUI_MSG_CREATE) {
                        if (w)
                                return refuse(why, "CREATE of a window that exists");
                        if (p->windows >= BH_GUI_MAX_WINDOWS)
                                return refuse(why, "CREATE past BH_GUI_MAX_WINDOWS");
                } else if (!w) {
                        return refuse(why, "message for an unknown window");
                }
        }
        switch (m->type) {
        case BH_GUI_MSG_HELLO:
                if (m->u.hello.version > BH_GUI_PROTO_VERSION)
                        m->u.hello.version = BH_GUI_PROTO_VERSION;
                p->version = m->u.hello.version;
                break;
        case BH_GUI_MSG_CREATE:
                m->u.create.transient_for =
                        transient_clamp(p, m->window, m->u.create.transient_for);
                window_add(p, m->window);
                break;
        case BH_GUI_MSG_DESTROY:
                window_remove(p, w);
                break;
        case BH_GUI_MSG_MAP:
                m->u.map.transient_for = transient_clamp(p, m->window, m->u.map.transient_for);
                break;
        case BH_GUI_MSG_BUFFER:
                /* The new buffer replaces the old one. */
                if (p->buffer_bytes - w->buf_bytes + m->u.buffer.size >
                    BH_GUI_MAX_TOTAL_BUFFER_BYTES)
                        return refuse(why, "BUFFER past BH_GUI_MAX_TOTAL_BUFFER_BYTES");
                p->buffer_bytes = p->buffer_bytes - w->buf_bytes + m->u.buffer.size;
                w->buf_w = m->u.buffer.width;
                w->buf_h = m->u.buffer.height;
                w->buf_bytes = m->u.buffer.size;
                break;
        case BH_GUI_MSG_DAMAGE:
                if (w->buf_w == 0)
                        return refuse(why, "DAMAGE before the window's BUFFER");
                if (m->u.damage.x > w->buf_w || m->u.damage.w > w->buf_w - m->u.damage.x ||
                    m->u.damage.y > w->buf_h || m->u.damage.h > w->buf_h - m->u.damage.y)
                        return refuse(why, "DAMAGE outside the window's buffer");
                break;
        case BH_GUI_MSG_SIZE_HINTS:
                /* Contradicting hints are the application's, not an attack:
                 * a maximum below the minimum is dropped. */
                if ((m->u.hints.flags & BH_GUI_HINT_MIN) && (m->u.hints.flags & BH_GUI_HINT_MAX) &&
                    (m->u.hints.max_w < m->u.hints.min_w || m->u.hints.max_h < m->u.hints.min_h)) {
                        m->u.hints.flags &= ~BH_GUI_HINT_MAX;
                        m->u.hints.max_w = 0;
                        m->u.hints.max_h = 0;
                }
                break;
        case BH_GUI_MSG_CLIPBOARD_DATA:
                p->clipboard_pending = false;
                break;
        }
        return 0;
}

int bh_gui_check(struct bh_gui_peer *p, const uint8_t *untrusted, size_t untrusted_len,
                 struct bh_gui_msg *ret, const char **why)
{
        const struct type_info *t;
        struct bh_gui_msg m;
        uint32_t len;
        int r;

        if (untrusted_len < BH_GUI_HDR_SIZE)
                return refuse(why, "message shorter than its header");
        memset(&m, 0, sizeof(m));
        r = header_parse(untrusted, 1u << p->from, &m, &len, &t, why);
        if (r >= 0)
                r = header_order(p, &m, len, why);
        if (r < 0)
                return r;
        if (untrusted_len - BH_GUI_HDR_SIZE != len)
                return refuse(why, "message length disagrees with its header");
        r = payload_parse(untrusted + BH_GUI_HDR_SIZE, len, &m, why);
        if (r < 0)
                return r;
        if (p->from == BH_GUI_FROM_AGENT) {
                r = agent_state(p, &m, why);
                if (r < 0)
                        return r;
        } else if (m.type == BH_GUI_MSG_HELLO) {
                if (m.u.hello.version > BH_GUI_PROTO_VERSION)
                        m.u.hello.version = BH_GUI_PROTO_VERSION;
                p->version = m.u.hello.version;
        }
        *ret = m;
        return 0;
}

/* ---- titles ------------------------------------------------------------------------- */

/*
 * Characters a title shown by dom0 must not carry: invisible ones that
 * reorder or hide the text around them, or make it look like something
 * else.  Controls (C0, DEL, C1) are handled apart.
 */
static const struct {
        uint32_t first, last;
} title_drop[] = {
        { 0x00ad, 0x00ad },   /* soft hyphen: invisible */
        { 0x034f, 0x034f },   /* combining grapheme joiner: invisible */
        { 0x061c, 0x061c },   /* Arabic letter mark: bidi */
        { 0x115f, 0x1160 },   /* Hangul fillers: blank */
        { 0x180e, 0x180e },   /* Mongolian vowel separator: invisible */
        { 0x200b, 0x200b },   /* zero width space */
        { 0x200e, 0x200f },   /* LRM, RLM: bidi */
        { 0x202a, 0x202e },   /* LRE, RLE, PDF, LRO, RLO: bidi embedding and override */
        { 0x2060, 0x2064 },   /* word joiner, invisible operators */
        { 0x2066, 0x2069 },   /* LRI, RLI, FSI, PDI: bidi isolates */
        { 0x206a, 0x206f },   /* deprecated format controls */
        { 0x3164, 0x3164 },   /* Hangul filler: blank */
        { 0xfeff, 0xfeff },   /* zero width no-break space (BOM) */
        { 0xffa0, 0xffa0 },   /* halfwidth Hangul filler: blank */
        { 0xfff9, 0xfffb },   /* interlinear annotation: hides text */
        { 0xe0000, 0xe007f }, /* tags: invisible copies of ASCII */
};

/* Becomes a space: breaks a line or a column, which a title bar has not. */
static bool title_space(uint32_t c)
{
        return c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0x85 ||
               c == 0x2028 || c == 0x2029;
}

static bool title_dropped(uint32_t c)
{
        if (is_control(c))
                return true;
        for (size_t i = 0; i < sizeof(title_drop) / sizeof(title_drop[0]); i++)
                if (c >= title_drop[i].first && c <= title_drop[i].last)
                        return true;
        return false;
}

size_t bh_gui_sanitize_title(const char *untrusted, size_t untrusted_len, char *out,
                             size_t out_size)
{
        const uint8_t *s = (const uint8_t *)untrusted;
        size_t o = 0;

        if (out_size == 0)
                return 0;
        while (untrusted_len > 0) {
                static const uint8_t replacement[] = { 0xef, 0xbf, 0xbd }; /* U+FFFD */
                const uint8_t *emit = s;
                uint32_t c;
                size_t n = bh_utf8_next(s, untrusted_len, &c), emit_len = n;

                if (n == 0) {
                        /* One invalid byte, one replacement; resync at the next. */
                        n = 1;
                        emit = replacement;
                        emit_len = sizeof(replacement);
                } else if (title_space(c)) {
                        emit = (const uint8_t *)" ";
                        emit_len = 1;
                } else if (title_dropped(c)) {
                        emit_len = 0;
                }
                if (emit_len > out_size - 1 - o)
                        break; /* whole characters only */
                memcpy(out + o, emit, emit_len);
                o += emit_len;
                s += n;
                untrusted_len -= n;
        }
        out[o] = '\0';
        return o;
}
