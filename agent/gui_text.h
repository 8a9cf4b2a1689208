/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure helpers of the GUI agent (no X, no I/O), unit-tested alone: turning
 * the text X properties carry into the UTF-8 the GUI protocol accepts, and
 * X cursor names into the protocol's fixed cursor list.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gui_text_from {
        GUI_TEXT_UTF8,   /* UTF8_STRING: invalid bytes become U+FFFD */
        GUI_TEXT_LATIN1, /* STRING (ICCCM): ISO 8859-1 */
        GUI_TEXT_AUTO,   /* UTF-8 if the whole text is valid UTF-8, else Latin-1 */
};

/* Drop C0, DEL and C1 control characters (WM_CLASS may carry none). */
#define GUI_TEXT_NO_CONTROLS 0x1u

/*
 * Converts in (in_len bytes, from the given encoding) to strict UTF-8 in out,
 * at most out_max bytes, cut at a character boundary; NUL is always dropped.
 * Returns the bytes written (out is not terminated).
 */
size_t gui_text_utf8(const char *in, size_t in_len, enum gui_text_from from, unsigned flags,
                     char *out, size_t out_max);

/* True if s is strict UTF-8 (no overlong forms, surrogates, or past U+10FFFF). */
bool gui_text_is_utf8(const char *s, size_t len);

/*
 * UTF-8 to Latin-1 for requestors that ask for STRING: characters past
 * U+00FF (and invalid bytes) become '?'.  out needs in_len bytes; returns the
 * bytes written.
 */
size_t gui_text_latin1(const char *in, size_t in_len, char *out);

/*
 * The protocol cursor (enum bh_gui_cursor) for an X cursor name (the core
 * cursor font's "xterm", "hand2", ..., or a CSS name as themes use);
 * BH_GUI_CURSOR_DEFAULT for NULL or anything unknown.
 */
uint32_t gui_cursor_from_x_name(const char *name);
