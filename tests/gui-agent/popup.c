/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * popup: X windows the GUI agent's tests need and the usual tools do not
 * make.  Runs until killed.
 *
 *   popup or TITLE           an override-redirect 200x100 window (a menu's
 *                            kind) at (40, 40), filled with one colour
 *   popup paint W H TITLE    a W x H window repainted as fast as the X
 *                            server takes it, each frame a new colour over
 *                            the whole window (the agent's frame rate test)
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
        bool paint = argc == 5 && strcmp(argv[1], "paint") == 0;
        bool or = argc == 3 && strcmp(argv[1], "or") == 0;
        unsigned w = paint ? (unsigned)atoi(argv[2]) : 200, h = paint ? (unsigned)atoi(argv[3]) : 100;
        XSetWindowAttributes a = { .override_redirect = or, .background_pixel = 0x3366cc };
        Display *dpy;
        Window win;
        GC gc;

        if (!paint && !or) {
                fprintf(stderr, "usage: popup or TITLE | popup paint W H TITLE\n");
                return 2;
        }
        dpy = XOpenDisplay(NULL);
        if (!dpy) {
                fprintf(stderr, "popup: cannot open display\n");
                return 1;
        }
        win = XCreateWindow(dpy, DefaultRootWindow(dpy), or ? 40 : 0, or ? 40 : 0, w, h, 0,
                            CopyFromParent, InputOutput, CopyFromParent,
                            CWOverrideRedirect | CWBackPixel, &a);
        XStoreName(dpy, win, argv[argc - 1]);
        XSelectInput(dpy, win, ExposureMask);
        XMapWindow(dpy, win);
        gc = XCreateGC(dpy, win, 0, NULL);
        for (unsigned long frame = 0;; frame++) {
                if (!paint) {
                        XEvent ev;

                        /* Paint on expose only; otherwise wait. */
                        XNextEvent(dpy, &ev);
                        XSetForeground(dpy, gc, 0x3366cc);
                        XFillRectangle(dpy, win, gc, 0, 0, w, h);
                        XFlush(dpy);
                        continue;
                }
                XSetForeground(dpy, gc, (frame * 0x010307) & 0xffffff);
                XFillRectangle(dpy, win, gc, 0, 0, w, h);
                XSync(dpy, False);
        }
}
