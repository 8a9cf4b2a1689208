/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared pieces of the wire formats; see wire.h. */
#include <errno.h>
#include <string.h>

#include "wire.h"

int bh_wire_take_strings(const uint8_t *p, const uint8_t *end, char *const *dst,
                         const size_t *max, size_t n, const char **why)
{
        for (size_t i = 0; i < n; i++) {
                const uint8_t *nul = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;

                if (!nul) {
                        *why = "string without its NUL";
                        return -EPROTO;
                }
                if ((size_t)(nul - p) > max[i]) {
                        *why = "string too long";
                        return -EPROTO;
                }
                memcpy(dst[i], p, (size_t)(nul - p) + 1);
                p = nul + 1;
        }
        if (p != end) {
                *why = "bytes after the last field";
                return -EPROTO;
        }
        return 0;
}
