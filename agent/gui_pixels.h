/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Copying part of a drawable (a window's composite pixmap) into a window
 * buffer as XRGB8888.  With MIT-SHM the X server writes the pixels into a
 * SysV segment the agent has attached, one request and no socket copy;
 * without it, XGetImage.
 */
#pragma once

#include <X11/Xlib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gui_grab;

/* Never fails for lack of MIT-SHM (it falls back); -ENOMEM.  use_shm false:
 * XGetImage only (for comparison). */
int gui_grab_new(Display *dpy, bool use_shm, struct gui_grab **ret);
void gui_grab_free(struct gui_grab *g);

/* True while the shared-memory path is in use. */
int gui_grab_uses_shm(const struct gui_grab *g);

/*
 * Copies the w x h rectangle at (x, y) of drawable d (visual and depth of
 * the window it belongs to) to dst, which is the pixel at (x, y) of a buffer
 * whose rows are dst_stride bytes apart.  The rectangle must lie inside d.
 * Returns 0 or -EIO (the drawable is gone, or X refused).
 */
int gui_grab_rect(struct gui_grab *g, Drawable d, Visual *visual, int depth, int x, int y,
                  unsigned w, unsigned h, uint8_t *dst, size_t dst_stride);
