/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict UTF-8; see utf8.h. */
#include "utf8.h"

size_t bh_utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
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

size_t bh_utf8_put(uint32_t c, uint8_t out[4])
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
