/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The GUI protocol between gui-agent (in the domain, untrusted) and
 * bulkhead-guid (dom0, one process per domain).  Pure logic, no I/O, so it
 * is unit-tested and fuzzed alone; docs/gui-protocol.md describes every
 * message, order rule and limit (lib/gui_limits.h).
 *
 * Every message is a 12-byte header {u32 type, u32 window, u32 len}
 * (little-endian) and len bytes of payload, whose size is fixed per type
 * except for BUFFER's descriptor, TITLE, CLASS and CLIPBOARD_DATA.  Pixels
 * never cross the channel: the agent shares each window's buffer
 * (bh_shbuf_share) and sends its descriptor; DAMAGE says which part changed.
 *
 * Reading: take the header (bh_vchan_recv of BH_GUI_HDR_SIZE bytes), check it
 * with bh_gui_check_header (which bounds len before anything more is read),
 * take the payload after it in the same buffer, then bh_gui_check the whole
 * message.  The checked struct bh_gui_msg is the only thing the rest of the
 * program uses; a violation returns -EPROTO and a reason for the one log
 * line, and the daemon then closes the channel.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gui_limits.h"

/* The vchan port the agent serves (X's traditional TCP port base); dom0's
 * daemon is the client. */
#define BH_GUI_PORT 6000

/* Highest protocol version spoken here; the lowest one accepted is 1. */
#define BH_GUI_PROTO_VERSION 1u

#define BH_GUI_HDR_SIZE 12u

enum bh_gui_msg_type {
        /* Both ways, first message; window 0. */
        BH_GUI_MSG_HELLO = 0x01,          /* u32 version, u32 flags (0) */
        /* dom0 -> agent, window 0, after HELLO and again on change. */
        BH_GUI_MSG_SCREEN = 0x02,         /* u32 width, u32 height */

        /* agent -> dom0: windows. */
        BH_GUI_MSG_CREATE = 0x10,         /* i32 x, y, u32 w, h, transient_for, flags */
        BH_GUI_MSG_DESTROY = 0x11,        /* - */
        BH_GUI_MSG_MAP = 0x12,            /* u32 transient_for, flags */
        BH_GUI_MSG_UNMAP = 0x13,          /* - */
        BH_GUI_MSG_CONFIGURE = 0x14,      /* both ways: i32 x, y, u32 w, h, flags */
        BH_GUI_MSG_BUFFER = 0x15,         /* u32 width, height, stride, format, size, desc */
        BH_GUI_MSG_DAMAGE = 0x16,         /* u32 x, y, w, h within the buffer */
        BH_GUI_MSG_TITLE = 0x17,          /* UTF-8, no NUL */
        BH_GUI_MSG_CLASS = 0x18,          /* "instance\0class", UTF-8 */
        BH_GUI_MSG_SIZE_HINTS = 0x19,     /* u32 flags, min w,h, max w,h, base w,h, inc w,h */
        BH_GUI_MSG_WINDOW_FLAGS = 0x1a,   /* u32 flags (BH_GUI_WFLAG_*) */
        BH_GUI_MSG_CURSOR = 0x1b,         /* u32 cursor (enum bh_gui_cursor) */

        /* dom0 -> agent: user actions on a window. */
        BH_GUI_MSG_CLOSE = 0x20,          /* - */
        BH_GUI_MSG_KEY = 0x21,            /* u32 keycode, state, pressed */
        BH_GUI_MSG_BUTTON = 0x22,         /* i32 x, y, u32 state, button, pressed */
        BH_GUI_MSG_MOTION = 0x23,         /* i32 x, y, u32 state */
        BH_GUI_MSG_SCROLL = 0x24,         /* i32 x, y, u32 state, i32 dx, dy: steps, + right/down */
        BH_GUI_MSG_CROSSING = 0x25,       /* i32 x, y, u32 state, entered */
        BH_GUI_MSG_FOCUS = 0x26,          /* u32 in, u8 keys[32] (X keymap) */

        /* Clipboard, window 0. */
        BH_GUI_MSG_CLIPBOARD_REQ = 0x30,  /* dom0 -> agent: u32 max_bytes */
        BH_GUI_MSG_CLIPBOARD_DATA = 0x31, /* both ways: bytes */
};

/* Largest payload of any message: a BUFFER with the largest descriptor. */
#define BH_GUI_BUFFER_FIXED 20u
#define BH_GUI_MAX_PAYLOAD (BH_GUI_BUFFER_FIXED + BH_SHBUF_DESC_MAX)
#define BH_GUI_MAX_MSG (BH_GUI_HDR_SIZE + BH_GUI_MAX_PAYLOAD)
/* HELLO may grow in later versions, up to this; version 1 skips the rest. */
#define BH_GUI_HELLO_MAX 64u
/*
 * Ring size each end asks for, each way: three maximal messages, so a burst
 * of damage or a buffer does not stall the sender; within Xen's 1 MiB.
 */
#define BH_GUI_RING_SIZE (256u * 1024)

/* The one pixel format of version 1: 32 bits, x:r:g:b from the high byte
 * down, little-endian (cairo's RGB24, X's 24-bit ZPixmap).  Rows are packed:
 * stride == width * 4. */
#define BH_GUI_FORMAT_XRGB8888 1u

/* flags of CREATE, MAP, CONFIGURE */
#define BH_GUI_OVERRIDE_REDIRECT 0x1u

/* WINDOW_FLAGS: the whole wanted state each time, not a change. */
#define BH_GUI_WFLAG_FULLSCREEN 0x1u
#define BH_GUI_WFLAG_DEMANDS_ATTENTION 0x2u
#define BH_GUI_WFLAG_URGENT 0x4u

/* SIZE_HINTS flags: which fields mean something (the others are 0). */
#define BH_GUI_HINT_MIN 0x1u
#define BH_GUI_HINT_MAX 0x2u
#define BH_GUI_HINT_BASE 0x4u
#define BH_GUI_HINT_INC 0x8u

/* Input state: X's modifier and button mask (Shift ... Mod5, Button1-5). */
#define BH_GUI_STATE_MASK 0x1fffu

#define BH_GUI_KEYMAP_BYTES 32u

/* CURSOR: a fixed list; names as in the CSS / freedesktop cursor spec. */
enum bh_gui_cursor {
        BH_GUI_CURSOR_DEFAULT = 0,
        BH_GUI_CURSOR_NONE,     /* hidden over this window */
        BH_GUI_CURSOR_TEXT,
        BH_GUI_CURSOR_POINTER,  /* a hand, over links */
        BH_GUI_CURSOR_WAIT,
        BH_GUI_CURSOR_PROGRESS,
        BH_GUI_CURSOR_CROSSHAIR,
        BH_GUI_CURSOR_MOVE,
        BH_GUI_CURSOR_NOT_ALLOWED,
        BH_GUI_CURSOR_HELP,
        BH_GUI_CURSOR_GRAB,
        BH_GUI_CURSOR_GRABBING,
        BH_GUI_CURSOR_COL_RESIZE,
        BH_GUI_CURSOR_ROW_RESIZE,
        BH_GUI_CURSOR_N_RESIZE,
        BH_GUI_CURSOR_S_RESIZE,
        BH_GUI_CURSOR_E_RESIZE,
        BH_GUI_CURSOR_W_RESIZE,
        BH_GUI_CURSOR_NE_RESIZE,
        BH_GUI_CURSOR_NW_RESIZE,
        BH_GUI_CURSOR_SE_RESIZE,
        BH_GUI_CURSOR_SW_RESIZE,
        BH_GUI_CURSOR_COUNT
};

/* The CSS name of a cursor (for gdk_cursor_new_from_name); NULL if unknown. */
const char *bh_gui_cursor_name(uint32_t cursor);

struct bh_gui_rect {
        int32_t x, y;    /* BH_GUI_COORD_MIN..BH_GUI_COORD_MAX */
        uint32_t w, h;   /* 1..BH_GUI_MAX_WINDOW_WIDTH/HEIGHT */
};

/*
 * One message, as encoded or as checked.  Byte strings point into the
 * buffer that was checked (valid as long as it is), and are not
 * NUL-terminated.
 */
struct bh_gui_msg {
        uint32_t type;
        uint32_t window; /* 0 for HELLO, SCREEN and the clipboard */
        union {
                struct { uint32_t version, flags; } hello; /* checked: the agreed version */
                struct { uint32_t width, height; } screen;
                struct { struct bh_gui_rect rect; uint32_t transient_for, flags; } create;
                struct { uint32_t transient_for, flags; } map;
                struct { struct bh_gui_rect rect; uint32_t flags; } configure;
                struct {
                        uint32_t width, height, stride, format, size;
                        const uint8_t *desc; /* for bh_shbuf_map(..., size, ...) */
                        size_t desc_len;
                } buffer;
                struct { uint32_t x, y, w, h; } damage;
                struct { const char *bytes; size_t len; } title;
                struct { const char *instance, *class_; size_t instance_len, class_len; } wm_class;
                struct {
                        uint32_t flags, min_w, min_h, max_w, max_h, base_w, base_h, inc_w, inc_h;
                } hints;
                struct { uint32_t flags; } window_flags;
                struct { uint32_t cursor; } cursor;
                struct { uint32_t keycode, state; bool pressed; } key;
                struct { int32_t x, y; uint32_t state, button; bool pressed; } button;
                struct { int32_t x, y; uint32_t state; } motion;
                struct { int32_t x, y; uint32_t state; int32_t dx, dy; } scroll;
                struct { int32_t x, y; uint32_t state; bool entered; } crossing;
                struct { bool in; uint8_t keys[BH_GUI_KEYMAP_BYTES]; } focus;
                struct { uint32_t max_bytes; } clipboard_req;
                struct { const uint8_t *bytes; size_t len; } clipboard;
        } u;
};

/*
 * Encodes m into out.  Refuses with -EINVAL what the checks below would
 * refuse on their own (a bad value; state such as known windows is not
 * looked at), -ENOBUFS if out is too small (BH_GUI_MAX_MSG always suffices).
 * For HELLO, u.hello.version is sent as given.
 */
int bh_gui_encode(const struct bh_gui_msg *m, uint8_t *out, size_t out_size, size_t *ret_len);

/* ---- checking what the peer sent ----------------------------------------- */

/* Which end sent the messages a peer checks. */
enum bh_gui_role {
        BH_GUI_FROM_AGENT = 1, /* dom0 checks these: hostile */
        BH_GUI_FROM_DOM0 = 2,  /* the agent checks these */
};

/* What the peer has sent so far: handshake, its windows and their buffers. */
struct bh_gui_peer;

/* -ENOMEM or 0.  The state is fixed-size (no allocation after this). */
int bh_gui_peer_new(struct bh_gui_peer **ret, enum bh_gui_role from);
void bh_gui_peer_free(struct bh_gui_peer *p);

static inline void bh_gui_peer_freep(struct bh_gui_peer **p)
{
        if (*p)
                bh_gui_peer_free(*p);
}
#define _cleanup_gui_peer_ __attribute__((cleanup(bh_gui_peer_freep)))

/*
 * Checks a header: a type that side sends, the window field set or 0 as the
 * type needs, len within the type's bounds (<= BH_GUI_MAX_PAYLOAD).  Stores
 * the payload length to read next.  -EPROTO with *why otherwise.
 */
int bh_gui_check_header(const struct bh_gui_peer *p, const uint8_t untrusted_hdr[BH_GUI_HDR_SIZE],
                        uint32_t *ret_len, const char **why);

/*
 * Checks one whole message (header and payload, untrusted_len bytes) against
 * the protocol and what the peer sent before, records it, and fills *ret.
 * From the agent: HELLO first; windows known (CREATE: new, and within
 * BH_GUI_MAX_WINDOWS); geometry, buffers and damage within the limits;
 * strings valid UTF-8; clipboard data only as asked.  Some values are
 * clamped rather than refused (see docs/gui-protocol.md).  Returns 0, or
 * -EPROTO with *why: the peer broke the protocol and the channel should be
 * closed.
 */
int bh_gui_check(struct bh_gui_peer *p, const uint8_t *untrusted, size_t untrusted_len,
                 struct bh_gui_msg *ret, const char **why);

/*
 * dom0 side: dom0 has just sent CLIPBOARD_REQ for up to max_bytes (at most
 * BH_GUI_MAX_CLIPBOARD_BYTES); one CLIPBOARD_DATA of at most that is now
 * allowed from the agent.  Without a request it is a violation.
 */
void bh_gui_peer_expect_clipboard(struct bh_gui_peer *p, uint32_t max_bytes);

/* The version agreed by HELLO (0 before it), the windows the peer has. */
uint32_t bh_gui_peer_version(const struct bh_gui_peer *p);
uint32_t bh_gui_peer_windows(const struct bh_gui_peer *p);

/* "CREATE", "DAMAGE", ...; "unknown" otherwise.  For log lines. */
const char *bh_gui_msg_name(uint32_t type);

/*
 * The title dom0 shows after its "[name] " prefix, from a title's bytes:
 * control characters (C0, DEL, C1) and bidi and other invisible format
 * characters removed (tab, newlines and line separators become a space),
 * invalid UTF-8 replaced by U+FFFD, and cut at a character boundary to fit
 * out_size - 1 bytes.  out is NUL-terminated; returns its length.
 * out_size BH_GUI_MAX_TITLE_BYTES + 1 holds any checked title whole.
 */
size_t bh_gui_sanitize_title(const char *untrusted, size_t untrusted_len, char *out,
                             size_t out_size);
