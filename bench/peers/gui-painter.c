/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gui-painter: the window bench/gui measures.  A W x H window on $DISPLAY
 * repainted whole, each frame carrying its number in pixels, with the time
 * each frame was drawn written down for the driver.
 *
 *   gui-painter WIDTH HEIGHT TITLE TIMES-FILE
 *
 * Commands come on stdin, one a line; answers go to stdout:
 *
 *   (start)          maps the window, shows frame 0, answers "ready"; the
 *                    last frame is drawn again every 100 ms until the next
 *                    command
 *   run HZ SECONDS   paints frames 1, 2, ... for SECONDS, at HZ frames a
 *                    second (0: as fast as the X server takes them), then
 *                    appends "FRAME NANOSECONDS" lines to TIMES-FILE and
 *                    answers "done FIRST LAST"
 *   (end of input)   exits
 *
 * A frame is one of four noise images (so it does not compress to nothing)
 * with the frame's marker drawn over its top-left and bottom-left corners.  It is assembled in a pixmap and copied to the window
 * in one request, so no client of the X server ever sees half a frame.  The
 * time written is CLOCK_MONOTONIC once XSync returns after that copy: the
 * moment the frame is in the window on this X server.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * The marker, which bench/gui.c decodes: a row of 32 square blocks, white
 * for 1 and black for 0, most significant bit first: 1, 0 (so a reader can
 * tell where it starts), 22 bits of frame number, 8 check bits.  Blocks of
 * 8x8 pixels survive any scaling-free path, even a lossy one.
 */
#define MARKER_BLOCK 8
#define MARKER_BLOCKS 32
#define MARKER_WIDTH (MARKER_BLOCK * MARKER_BLOCKS)
#define MARKER_FRAME_MASK 0x3fffffu

#define NOISE_IMAGES 4
#define IDLE_MS 100

struct stamp {
        uint32_t frame;
        uint64_t ns;
};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t marker_encode(uint32_t frame)
{
        uint32_t f = frame & MARKER_FRAME_MASK;
        uint32_t check = (f ^ f >> 8 ^ f >> 16 ^ 0xa5) & 0xff;

        return 2u << 30 | f << 8 | check;
}

static void draw_marker(Display *dpy, Drawable d, GC gc, int y, uint32_t frame)
{
        uint32_t bits = marker_encode(frame);

        for (int i = 0; i < MARKER_BLOCKS; i++) {
                XSetForeground(dpy, gc, (bits >> (MARKER_BLOCKS - 1 - i)) & 1 ? 0xffffff : 0);
                XFillRectangle(dpy, d, gc, i * MARKER_BLOCK, y, MARKER_BLOCK,
                               MARKER_BLOCK);
        }
}

/* xorshift: fast, and good enough to defeat run-length and dictionary
 * compression. */
static uint32_t next_rand(uint32_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return *s;
}

static int make_noise(Display *dpy, Window win, unsigned w, unsigned h, Pixmap out[NOISE_IMAGES])
{
        int scr = DefaultScreen(dpy);
        GC gc = XCreateGC(dpy, win, 0, NULL);
        uint32_t *px = malloc((size_t)w * h * 4), seed = 0x9e3779b9u;
        XImage *img;

        if (!px)
                return -ENOMEM;
        img = XCreateImage(dpy, DefaultVisual(dpy, scr), 24, ZPixmap, 0, (char *)px, w, h, 32, 0);
        if (!img) {
                free(px);
                return -ENOMEM;
        }
        for (int k = 0; k < NOISE_IMAGES; k++) {
                for (size_t i = 0; i < (size_t)w * h; i++)
                        px[i] = next_rand(&seed) & 0xffffff;
                out[k] = XCreatePixmap(dpy, win, w, h, 24);
                XPutImage(dpy, out[k], gc, img, 0, 0, 0, 0, w, h);
        }
        XDestroyImage(img); /* frees px */
        XFreeGC(dpy, gc);
        XSync(dpy, False);
        return 0;
}

int main(int argc, char **argv)
{
        Display *dpy;
        Window win;
        Pixmap noise[NOISE_IMAGES], back;
        GC gc;
        XEvent ev;
        unsigned w, h;
        uint32_t frame = 0;
        struct stamp *st = NULL;
        size_t cap = 0;
        char line[128];

        if (argc != 5) {
                fprintf(stderr, "usage: gui-painter WIDTH HEIGHT TITLE TIMES-FILE\n");
                return 2;
        }
        w = (unsigned)atoi(argv[1]);
        h = (unsigned)atoi(argv[2]);
        if (w < MARKER_WIDTH || h < 2 * MARKER_BLOCK || w > 8192 || h > 8192) {
                fprintf(stderr, "gui-painter: size %ux%u: out of range\n", w, h);
                return 2;
        }
        dpy = XOpenDisplay(NULL);
        if (!dpy) {
                fprintf(stderr, "gui-painter: cannot open display\n");
                return 1;
        }
        {
                XSetWindowAttributes a = { .background_pixel = 0 };
                win = XCreateWindow(dpy, DefaultRootWindow(dpy), 0, 0, w, h, 0, 24, InputOutput,
                                    CopyFromParent, CWBackPixel, &a);
        }
        XStoreName(dpy, win, argv[3]);
        XSelectInput(dpy, win, ExposureMask | StructureNotifyMask);
        gc = XCreateGC(dpy, win, 0, NULL);
        if (make_noise(dpy, win, w, h, noise) < 0) {
                fprintf(stderr, "gui-painter: no memory for the images\n");
                return 1;
        }
        back = XCreatePixmap(dpy, win, w, h, 24);
        XMapWindow(dpy, win);
        do
                XNextEvent(dpy, &ev);
        while (ev.type != MapNotify);

        setvbuf(stdout, NULL, _IOLBF, 0);
        for (;;) {
                double hz, secs;
                uint64_t start, end, period, next;
                uint32_t first = frame + 1;
                size_t n = 0;

                /* Between runs the last frame (frame 0 before the first) is
                 * drawn again every IDLE_MS, so a viewer that attaches late
                 * or missed it still gets it. */
                for (bool ready = false;;) {
                        struct pollfd p = { STDIN_FILENO, POLLIN, 0 };

                        XCopyArea(dpy, noise[frame % NOISE_IMAGES], back, gc, 0, 0, w, h, 0, 0);
                        draw_marker(dpy, back, gc, 0, frame);
                        draw_marker(dpy, back, gc, (int)h - MARKER_BLOCK, frame);
                        XCopyArea(dpy, back, win, gc, 0, 0, w, h, 0, 0);
                        XSync(dpy, False);
                        while (XPending(dpy))
                                XNextEvent(dpy, &ev);
                        if (frame == 0 && !ready)
                                printf("ready\n");
                        ready = true;
                        if (poll(&p, 1, IDLE_MS) != 0)
                                break;
                }
                if (!fgets(line, sizeof(line), stdin))
                        break;
                if (sscanf(line, "run %lf %lf", &hz, &secs) != 2 || hz < 0 || secs <= 0 ||
                    secs > 3600) {
                        fprintf(stderr, "gui-painter: bad command: %s", line);
                        return 2;
                }
                /* Room for every frame of the run at up to 2000 a second. */
                if ((size_t)(secs * 2000) + 16 > cap) {
                        cap = (size_t)(secs * 2000) + 16;
                        free(st);
                        st = malloc(cap * sizeof(*st));
                        if (!st)
                                return 1;
                }
                period = hz > 0 ? (uint64_t)(1e9 / hz) : 0;
                start = now_ns();
                end = start + (uint64_t)(secs * 1e9);
                next = start;
                while (n < cap) {
                        uint64_t t;

                        if (period) {
                                struct timespec ts = { (time_t)(next / 1000000000ull),
                                                       (long)(next % 1000000000ull) };
                                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
                                next += period;
                        }
                        if (now_ns() >= end)
                                break;
                        frame++;
                        XCopyArea(dpy, noise[frame % NOISE_IMAGES], back, gc, 0, 0, w, h, 0, 0);
                        draw_marker(dpy, back, gc, 0, frame);
                        draw_marker(dpy, back, gc, (int)h - MARKER_BLOCK, frame);
                        XCopyArea(dpy, back, win, gc, 0, 0, w, h, 0, 0);
                        XSync(dpy, False);
                        t = now_ns();
                        st[n].frame = frame;
                        st[n].ns = t;
                        n++;
                        /* Events (Expose from the agent's redirection) are
                         * not needed: drop them so they do not pile up. */
                        while (XPending(dpy))
                                XNextEvent(dpy, &ev);
                        if (period && next < t)
                                next = t; /* fell behind: do not burst */
                }
                {
                        FILE *f = fopen(argv[4], "a");
                        if (!f) {
                                fprintf(stderr, "gui-painter: %s: %s\n", argv[4], strerror(errno));
                                return 1;
                        }
                        for (size_t i = 0; i < n; i++)
                                fprintf(f, "%u %llu\n", st[i].frame, (unsigned long long)st[i].ns);
                        fclose(f);
                }
                printf("done %u %u\n", first, frame);
        }
        free(st);
        XCloseDisplay(dpy);
        return 0;
}
