/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>

#include "console_text.h"
#include "utf8.h"

int bh_console_text_write(const char *untrusted, size_t len, FILE *out)
{
        const uint8_t *s = (const uint8_t *)untrusted;
        size_t i = 0;

        while (i < len) {
                uint32_t cp;
                size_t n = bh_utf8_next(s + i, len - i, &cp);

                if (n == 0 || (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7f && cp <= 0x9f)) {
                        /* One byte at a time: an invalid sequence's next
                         * byte may start a valid one. */
                        for (size_t k = 0; k < (n ? n : 1); k++)
                                fprintf(out, "\\x%02x", s[i + k]);
                        i += n ? n : 1;
                        continue;
                }
                if (cp == '\\')
                        fputs("\\\\", out);
                else
                        fwrite(s + i, 1, n, out);
                i += n;
        }
        return ferror(out) ? -EIO : 0;
}
