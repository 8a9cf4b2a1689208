/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict UTF-8, for every parser of text a domain sends. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * One character of strict UTF-8 (no overlong forms, no surrogates, nothing
 * past U+10FFFF) at s, of at most len bytes: its length, with the code
 * point in *cp, or 0 if s does not start with a valid character.
 */
size_t bh_utf8_next(const uint8_t *s, size_t len, uint32_t *cp);

/* Encodes code point c (at most U+10FFFF); returns its length. */
size_t bh_utf8_put(uint32_t c, uint8_t out[4]);
