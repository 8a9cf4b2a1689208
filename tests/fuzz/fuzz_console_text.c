/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for lib/console_text.c: whatever a domain wrote to its
 * console, what reaches dom0's terminal is strict UTF-8 with no control
 * character but newline and tab, and no C1 code point.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "console_text.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *out = NULL;
        size_t len = 0, i = 0;
        FILE *f = open_memstream(&out, &len);

        if (!f)
                abort();
        if (bh_console_text_write((const char *)data, size, f) != 0)
                abort();
        fclose(f);
        while (i < len) {
                uint32_t cp;
                size_t n = bh_utf8_next((const uint8_t *)out + i, len - i, &cp);

                if (n == 0 || (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7f && cp <= 0x9f))
                        abort();
                i += n;
        }
        free(out);
        return 0;
}
