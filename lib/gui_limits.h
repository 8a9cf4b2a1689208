/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every limit of the GUI protocol (docs/gui-protocol.md), each with the reason
 * for its number.  The domain's agent must stay within them; dom0's daemon
 * treats a value past a limit as a protocol violation unless
 * docs/gui-protocol.md says it is clamped.
 */
#pragma once

#include "vchan.h"

/*
 * Largest window (and domain screen) width and height, in pixels.  8192
 * holds two 4K monitors side by side (7680) and an 8K display (7680x4320),
 * the largest desktops in common use.  Area is bounded separately by
 * BH_GUI_MAX_BUFFER_BYTES, so this limit only stops absurd single axes.
 */
#define BH_GUI_MAX_WINDOW_WIDTH 8192u
#define BH_GUI_MAX_WINDOW_HEIGHT 8192u
#define BH_GUI_MAX_SCREEN_WIDTH BH_GUI_MAX_WINDOW_WIDTH
#define BH_GUI_MAX_SCREEN_HEIGHT BH_GUI_MAX_WINDOW_HEIGHT

/*
 * Window positions and input coordinates: X11 carries them as INT16, so no
 * X server the agent talks to can place a window outside this range, and a
 * value outside it is not a geometry but garbage.
 */
#define BH_GUI_COORD_MIN (-32768)
#define BH_GUI_COORD_MAX 32767

/*
 * Windows one domain may have at once (created and not yet destroyed, mapped
 * or not).  A busy desktop application has tens (menus, tooltips, dialogs
 * are all windows); 1000 leaves room for a hundred such programs while
 * bounding what one domain makes its daemon hold (a GTK window each, and the
 * table the validator keeps).
 */
#define BH_GUI_MAX_WINDOWS 1000u

/*
 * Bytes of one window buffer: the shared-buffer transport's own cap, a
 * 4096x4096 window (or a full 7680x2160 double-4K row) at 4 bytes a pixel.
 */
#define BH_GUI_MAX_BUFFER_BYTES BH_SHBUF_MAX_BYTES

/*
 * Bytes of all of one domain's window buffers together.  The pixels live in
 * the domain's memory, but each mapped page costs dom0 page tables and, on
 * Xen, grant mappings; 1 GiB is thirty full-screen 4K windows, more than
 * any desktop shows at once.
 */
#define BH_GUI_MAX_TOTAL_BUFFER_BYTES (1024u * 1024 * 1024)

/*
 * Title bytes (UTF-8).  512 bytes hold 128 characters even in 4-byte
 * scripts; a title bar shows far fewer, and a title is re-sent whole on
 * every change, so a short bound keeps that cheap.
 */
#define BH_GUI_MAX_TITLE_BYTES 512u

/*
 * Bytes of each of WM_CLASS's two strings (instance and class).  They are
 * program names like "Navigator" or "org.gnome.Nautilus"; 128 is several
 * times the longest in a Debian desktop.
 */
#define BH_GUI_MAX_CLASS_BYTES 128u

/*
 * Clipboard bytes in one copy or paste: 64 KiB, pages of text, the same
 * order as Qubes' limit.  The daemon may ask for less (its configuration);
 * a larger transfer wants a file copy, which is checked as a file.
 */
#define BH_GUI_MAX_CLIPBOARD_BYTES (64u * 1024)

/* Mouse buttons: 1-3 the usual, 4-7 wheel, 8-9 back and forward. */
#define BH_GUI_MAX_BUTTON 9u

/* X keycodes: the core protocol's range. */
#define BH_GUI_MIN_KEYCODE 8u
#define BH_GUI_MAX_KEYCODE 255u

/*
 * Wheel steps in one SCROLL event per axis; each becomes one button 4-7
 * click in the domain.  32 is a very fast flick; more would be a burst of
 * injected events for nothing.
 */
#define BH_GUI_MAX_SCROLL_STEPS 32

/*
 * Share of the work area an override-redirect window (a menu, a tooltip:
 * drawn without the window manager's frame) may cover.  The daemon cuts a
 * larger one down (lib/gui_policy.h), so part of the trusted desktop always
 * stays in sight and a popup cannot pose as the whole screen; 90% still lets
 * a big menu or a launcher overlay show nearly whole.
 */
#define BH_GUI_OR_MAX_COVER_PERCENT 90u
