/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every wire format here shares: little-endian integers whatever the
 * host, byte by byte so alignment never matters, and a run of bounded
 * NUL-terminated strings taken from an untrusted payload.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

static inline void bh_put32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t bh_get32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void bh_put64(uint8_t *p, uint64_t v)
{
        bh_put32(p, (uint32_t)v);
        bh_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t bh_get64(const uint8_t *p)
{
        return (uint64_t)bh_get32(p) | (uint64_t)bh_get32(p + 4) << 32;
}

/*
 * Takes exactly n NUL-terminated strings from [p, end), string i at most
 * max[i] bytes (NUL excluded), copied to dst[i] (room for max[i] + 1), and
 * nothing after the last.  -EPROTO with *why otherwise; dst is then
 * partly written and must not be used.
 */
int bh_wire_take_strings(const uint8_t *p, const uint8_t *end, char *const *dst,
                         const size_t *max, size_t n, const char **why);
