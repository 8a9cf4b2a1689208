/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for everything the GUI protocol takes from a peer:
 * message streams from the agent (as dom0's daemon checks them) and from
 * dom0 (as the agent does), the title sanitizer, and the override-redirect
 * placement.  Whatever passes a check must hold to the limits, encode again,
 * and (where nothing was clamped) encode to the very same bytes.
 *
 * Input: a selector byte, then the case's bytes.  A stream is a sequence of
 * {control byte, header, payload}: an odd control byte first tells the peer
 * that dom0 asked for the clipboard (up to control * 256 bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gui_policy.h"
#include "gui_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t msg[BH_GUI_MAX_MSG];
static uint8_t again[BH_GUI_MAX_MSG];
static char title[BH_GUI_MAX_TITLE_BYTES * 3 + 1];

static bool rect_ok(const struct bh_gui_rect *r)
{
        return r->x >= BH_GUI_COORD_MIN && r->x <= BH_GUI_COORD_MAX && r->y >= BH_GUI_COORD_MIN &&
               r->y <= BH_GUI_COORD_MAX && r->w >= 1 && r->w <= BH_GUI_MAX_WINDOW_WIDTH &&
               r->h >= 1 && r->h <= BH_GUI_MAX_WINDOW_HEIGHT;
}

/* The title sanitizer's promises: valid UTF-8, no C0/DEL, fits, terminated. */
static void check_title(const char *s, size_t len, size_t out_size)
{
        size_t n = bh_gui_sanitize_title(s, len, title, out_size);

        if (out_size == 0)
                return;
        if (n >= out_size || title[n] != '\0' || strlen(title) != n)
                abort();
        for (size_t i = 0; i < n; i++) {
                uint8_t c = (uint8_t)title[i];

                if (c < 0x20 || c == 0x7f || c == 0xc0 || c == 0xc1 || c >= 0xf5)
                        abort();
                /* No C1 control (U+0080-U+009F is C2 80-C2 9F). */
                if (c == 0xc2 && i + 1 < n && (uint8_t)title[i + 1] < 0xa0)
                        abort();
                /* No RLO/LRO and friends (E2 80 AA-AE). */
                if (c == 0xe2 && i + 2 < n && (uint8_t)title[i + 1] == 0x80 &&
                    (uint8_t)title[i + 2] >= 0xaa && (uint8_t)title[i + 2] <= 0xae)
                        abort();
        }
}

static void on_checked(struct bh_gui_peer *p, enum bh_gui_role from, const struct bh_gui_msg *m,
                       size_t len)
{
        size_t n;

        if (bh_gui_peer_windows(p) > BH_GUI_MAX_WINDOWS)
                abort();
        switch (m->type) {
        case BH_GUI_MSG_CREATE:
                if (!rect_ok(&m->u.create.rect) || m->u.create.transient_for == m->window)
                        abort();
                break;
        case BH_GUI_MSG_CONFIGURE:
                if (!rect_ok(&m->u.configure.rect))
                        abort();
                break;
        case BH_GUI_MSG_BUFFER:
                if ((uint64_t)m->u.buffer.width * m->u.buffer.height * 4 != m->u.buffer.size ||
                    m->u.buffer.size > BH_GUI_MAX_BUFFER_BYTES || m->u.buffer.desc_len == 0 ||
                    m->u.buffer.desc_len > BH_SHBUF_DESC_MAX)
                        abort();
                break;
        case BH_GUI_MSG_DAMAGE:
                if ((uint64_t)m->u.damage.x + m->u.damage.w > BH_GUI_MAX_WINDOW_WIDTH ||
                    (uint64_t)m->u.damage.y + m->u.damage.h > BH_GUI_MAX_WINDOW_HEIGHT)
                        abort();
                break;
        case BH_GUI_MSG_TITLE:
                if (m->u.title.len > BH_GUI_MAX_TITLE_BYTES)
                        abort();
                if (memchr(m->u.title.bytes, 0, m->u.title.len))
                        abort();
                /* A checked title only loses characters, never its tail. */
                if (bh_gui_sanitize_title(m->u.title.bytes, m->u.title.len, title,
                                          BH_GUI_MAX_TITLE_BYTES + 1) > m->u.title.len)
                        abort();
                check_title(m->u.title.bytes, m->u.title.len, BH_GUI_MAX_TITLE_BYTES + 1);
                break;
        case BH_GUI_MSG_CLIPBOARD_DATA:
                if (m->u.clipboard.len > BH_GUI_MAX_CLIPBOARD_BYTES)
                        abort();
                break;
        case BH_GUI_MSG_HELLO:
                if (m->u.hello.version < 1 || m->u.hello.version > BH_GUI_PROTO_VERSION ||
                    bh_gui_peer_version(p) != m->u.hello.version)
                        abort();
                return; /* the version was lowered; re-encoding differs */
        }
        /* What was accepted encodes again; byte for byte unless clamped. */
        if (bh_gui_encode(m, again, sizeof(again), &n) != 0)
                abort();
        if (m->type == BH_GUI_MSG_SIZE_HINTS || m->type == BH_GUI_MSG_CREATE ||
            m->type == BH_GUI_MSG_MAP)
                return;
        if (n != len || memcmp(again, msg, n) != 0)
                abort();
        (void)from;
}

static void fuzz_stream(enum bh_gui_role from, const uint8_t *p, size_t left)
{
        struct bh_gui_peer *peer;

        if (bh_gui_peer_new(&peer, from) < 0)
                return;
        while (left > BH_GUI_HDR_SIZE) {
                const char *why = NULL;
                struct bh_gui_msg m;
                uint8_t control = *p++;
                uint32_t len;

                left--;
                if (control & 1)
                        bh_gui_peer_expect_clipboard(peer, (uint32_t)control * 256);
                memcpy(msg, p, BH_GUI_HDR_SIZE);
                p += BH_GUI_HDR_SIZE;
                left -= BH_GUI_HDR_SIZE;
                if (bh_gui_check_header(peer, msg, &len, &why) < 0) {
                        if (!why)
                                abort();
                        /* The whole check refuses what the header check did. */
                        if (bh_gui_check(peer, msg, BH_GUI_HDR_SIZE, &m, &why) == 0)
                                abort();
                        break;
                }
                if (len > BH_GUI_MAX_PAYLOAD)
                        abort();
                if (len > left)
                        break;
                memcpy(msg + BH_GUI_HDR_SIZE, p, len);
                p += len;
                left -= len;
                if (bh_gui_check(peer, msg, BH_GUI_HDR_SIZE + len, &m, &why) < 0) {
                        if (!why)
                                abort();
                        break; /* the daemon closes the channel */
                }
                on_checked(peer, from, &m, BH_GUI_HDR_SIZE + len);
        }
        bh_gui_peer_free(peer);
}

static int32_t take32(const uint8_t **p)
{
        int32_t v = (int32_t)((uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 |
                              (uint32_t)(*p)[3] << 24);

        *p += 4;
        return v;
}

static void fuzz_place(const uint8_t *p, size_t size)
{
        struct bh_gui_area work, got;
        struct bh_gui_rect req;
        int r;

        if (size < 32)
                return;
        work.x = take32(&p) % 100000;
        work.y = take32(&p) % 100000;
        work.w = (uint32_t)take32(&p) % 70000;
        work.h = (uint32_t)take32(&p) % 70000;
        req.x = take32(&p) % 40000;
        req.y = take32(&p) % 40000;
        req.w = (uint32_t)take32(&p) % 9000;
        req.h = (uint32_t)take32(&p) % 9000;
        r = bh_gui_place_override_redirect(&work, &req, &got);
        if (r < 0)
                return;
        /* Inside the work area, no larger than asked, within the cover limit. */
        if (got.x < work.x || got.y < work.y || got.w < 1 || got.h < 1 ||
            (int64_t)got.x + got.w > (int64_t)work.x + work.w ||
            (int64_t)got.y + got.h > (int64_t)work.y + work.h || got.w > req.w || got.h > req.h)
                abort();
        if ((uint64_t)got.w * got.h * 100 > (uint64_t)work.w * work.h * BH_GUI_OR_MAX_COVER_PERCENT)
                abort();
        if (r == 0 && (got.x != req.x || got.y != req.y || got.w != req.w || got.h != req.h))
                abort();
        if (bh_gui_covers_most(&work, &(struct bh_gui_rect){ got.x, got.y, got.w, got.h }))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        switch (data[0] % 4) {
        case 0:
                fuzz_stream(BH_GUI_FROM_AGENT, data + 1, size - 1);
                break;
        case 1:
                fuzz_stream(BH_GUI_FROM_DOM0, data + 1, size - 1);
                break;
        case 2:
                if (size >= 2)
                        check_title((const char *)data + 2, size - 2, data[1]);
                break;
        case 3:
                fuzz_place(data + 1, size - 1);
                break;
        }
        return 0;
}
