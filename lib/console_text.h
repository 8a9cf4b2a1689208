/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's console output, made safe for a terminal in dom0: the domain
 * wrote it, so it may hold escape sequences that retitle, recolour or
 * rewrite the user's terminal.  Pure: no I/O beyond the FILE it writes.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

/*
 * Writes untrusted[0..len) to out with every control character but newline
 * and tab (C0, DEL and the C1 code points U+0080..U+009F), and every byte
 * that is not strict UTF-8, written as \xHH; a backslash is written as
 * "\\" so the two cannot be told apart wrongly.  Returns 0 or -EIO.
 */
int bh_console_text_write(const char *untrusted, size_t len, FILE *out);
