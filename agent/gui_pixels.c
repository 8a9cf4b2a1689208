/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pixel copies from the X server; see gui_pixels.h. */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "gui_agent.h"
#include "gui_pixels.h"
#include "util.h"

/*
 * The segment starts at a full-HD window and grows to the largest
 * rectangle asked for; a copy is at most one window buffer
 * (BH_GUI_MAX_BUFFER_BYTES), so that bounds it too.
 */
#define SHM_INITIAL_BYTES (1920u * 1080 * 4)

struct gui_grab {
        Display *dpy;
        bool shm;          /* MIT-SHM is there and works */
        bool attached;
        XShmSegmentInfo seg;
        size_t seg_size;
};

static void seg_detach(struct gui_grab *g)
{
        if (!g->attached)
                return;
        XShmDetach(g->dpy, &g->seg);
        XSync(g->dpy, False);
        shmdt(g->seg.shmaddr);
        g->attached = false;
        g->seg_size = 0;
}

/* A segment of at least size bytes, attached by both ends; false: none. */
static bool seg_reserve(struct gui_grab *g, size_t size)
{
        size_t want = size < SHM_INITIAL_BYTES ? SHM_INITIAL_BYTES : size;
        int id;

        if (g->attached && g->seg_size >= size)
                return true;
        seg_detach(g);
        id = shmget(IPC_PRIVATE, want, IPC_CREAT | 0600);
        if (id < 0) {
                bh_log_errno(-errno, "MIT-SHM: shmget of %zu bytes, using XGetImage", want);
                g->shm = false;
                return false;
        }
        g->seg.shmid = id;
        g->seg.shmaddr = shmat(id, NULL, 0);
        g->seg.readOnly = False;
        if (g->seg.shmaddr == (char *)-1) {
                bh_log_errno(-errno, "MIT-SHM: shmat, using XGetImage");
                shmctl(id, IPC_RMID, NULL);
                g->shm = false;
                return false;
        }
        gui_x_errors_reset();
        XShmAttach(g->dpy, &g->seg);
        XSync(g->dpy, False);
        /* Marked for removal at once: it goes when both ends detach or exit. */
        shmctl(id, IPC_RMID, NULL);
        if (gui_x_error()) {
                /* An X server elsewhere (or in another IPC namespace). */
                bh_log_info("MIT-SHM: the X server cannot attach the segment, using XGetImage");
                shmdt(g->seg.shmaddr);
                g->shm = false;
                return false;
        }
        g->attached = true;
        g->seg_size = want;
        return true;
}

int gui_grab_new(Display *dpy, bool use_shm, struct gui_grab **ret)
{
        struct gui_grab *g = calloc(1, sizeof(*g));
        int major, minor;
        Bool pixmaps;

        if (!g)
                return -ENOMEM;
        g->dpy = dpy;
        g->shm = use_shm && XShmQueryVersion(dpy, &major, &minor, &pixmaps);
        g->shm = g->shm && seg_reserve(g, 0);
        *ret = g;
        return 0;
}

void gui_grab_free(struct gui_grab *g)
{
        if (!g)
                return;
        seg_detach(g);
        free(g);
}

int gui_grab_uses_shm(const struct gui_grab *g)
{
        return g->shm;
}

/* One channel of a pixel to 8 bits, for visuals that are not 32-bit xRGB. */
static uint32_t channel(unsigned long pixel, unsigned long mask)
{
        unsigned shift = 0, bits = 0;
        unsigned long v;

        if (!mask)
                return 0;
        while (!(mask >> shift & 1))
                shift++;
        while (mask >> (shift + bits) & 1)
                bits++;
        v = (pixel & mask) >> shift;
        if (bits >= 8)
                return (uint32_t)(v >> (bits - 8));
        return (uint32_t)(v * 255 / ((1ul << bits) - 1));
}

static void image_copy(XImage *img, Visual *visual, unsigned w, unsigned h, uint8_t *dst,
                       size_t dst_stride)
{
        bool native = img->bits_per_pixel == 32 && img->byte_order == LSBFirst &&
                      (!visual || (visual->red_mask == 0xff0000 && visual->green_mask == 0xff00 &&
                                   visual->blue_mask == 0xff));

        for (unsigned row = 0; row < h; row++) {
                const uint8_t *src = (const uint8_t *)img->data + (size_t)row * img->bytes_per_line;
                uint8_t *d = dst + row * dst_stride;

                if (native) {
                        memcpy(d, src, (size_t)w * 4);
                        continue;
                }
                for (unsigned col = 0; col < w; col++) {
                        unsigned long p = XGetPixel(img, (int)col, (int)row);
                        uint32_t v;

                        if (visual)
                                v = channel(p, visual->red_mask) << 16 |
                                    channel(p, visual->green_mask) << 8 |
                                    channel(p, visual->blue_mask);
                        else
                                v = (uint32_t)p & 0xffffff;
                        memcpy(d + col * 4, &v, 4);
                }
        }
}

int gui_grab_rect(struct gui_grab *g, Drawable d, Visual *visual, int depth, int x, int y,
                  unsigned w, unsigned h, uint8_t *dst, size_t dst_stride)
{
        XImage *img;

        if (g->shm && seg_reserve(g, (size_t)w * h * 4)) {
                img = XShmCreateImage(g->dpy, visual, (unsigned)depth, ZPixmap, g->seg.shmaddr,
                                      &g->seg, w, h);
                if (img && (size_t)img->bytes_per_line * h <= g->seg_size) {
                        Bool ok;

                        gui_x_errors_reset();
                        ok = XShmGetImage(g->dpy, d, img, x, y, AllPlanes);
                        if (ok && !gui_x_error())
                                image_copy(img, visual, w, h, dst, dst_stride);
                        img->data = NULL; /* the segment is not the image's to free */
                        XDestroyImage(img);
                        return ok ? 0 : -EIO;
                }
                if (img) {
                        img->data = NULL;
                        XDestroyImage(img);
                }
        }
        gui_x_errors_reset();
        img = XGetImage(g->dpy, d, x, y, w, h, AllPlanes, ZPixmap);
        if (!img)
                return -EIO;
        image_copy(img, visual, w, h, dst, dst_stride);
        XDestroyImage(img);
        return 0;
}
