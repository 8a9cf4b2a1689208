/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * png-probe FILE X,Y=RRGGBB ...: exits 0 if every listed pixel of the PNG
 * has that colour, else 1 with one line per pixel that differs.  The Xen
 * test bed's stand-in for tests/gui-daemon/png.py (it has no Python), with
 * cairo's own PNG reader, as bulkhead-guid writes with cairo.
 */
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
        cairo_surface_t *s;
        const unsigned char *data;
        int w, h, stride, bad = 0;

        if (argc < 3) {
                fprintf(stderr, "usage: png-probe FILE X,Y=RRGGBB ...\n");
                return 2;
        }
        s = cairo_image_surface_create_from_png(argv[1]);
        if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
                fprintf(stderr, "png-probe: %s: %s\n", argv[1],
                        cairo_status_to_string(cairo_surface_status(s)));
                return 1;
        }
        cairo_surface_flush(s);
        data = cairo_image_surface_get_data(s);
        w = cairo_image_surface_get_width(s);
        h = cairo_image_surface_get_height(s);
        stride = cairo_image_surface_get_stride(s);
        for (int i = 2; i < argc; i++) {
                int x, y;
                unsigned want, got;

                if (sscanf(argv[i], "%d,%d=%6x", &x, &y, &want) != 3 || x < 0 || y < 0 || x >= w ||
                    y >= h) {
                        fprintf(stderr, "png-probe: bad pixel '%s' for a %dx%d image\n", argv[i], w, h);
                        bad = 2;
                        break;
                }
                /* cairo's ARGB32 and RGB24: native-endian 32-bit words. */
                got = *(const uint32_t *)(data + (size_t)y * (size_t)stride + (size_t)x * 4) & 0xffffff;
                if (got != want) {
                        printf("%d,%d: %06x, not %06x\n", x, y, got, want);
                        bad = 1;
                }
        }
        cairo_surface_destroy(s);
        return bad;
}
