#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks pixels of a screenshot for tests/gui-daemon/hostile.sh.

    png.py FILE X,Y=RRGGBB ...     every listed pixel must have that colour
    png.py FILE --get X,Y ...      prints the colours

FILE is a PNG (8-bit RGB or RGBA, not interlaced: what cairo writes) or an
XWD dump (what Xvfb -fbdir keeps of its screen).  Only the standard library
is used, so the test needs no imaging package.
"""
import struct
import sys
import zlib


def read_png(data):
    pos, chunks = 8, []
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunks.append((kind, data[pos + 8:pos + 8 + n]))
        pos += 12 + n
    ihdr = dict(chunks)[b"IHDR"]
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise SystemExit("png.py: unsupported PNG (depth %d, type %d)" % (depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(c for k, c in chunks if k == b"IDAT"))
    stride, rows, prev = w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xff
            elif f == 2:
                line[i] = (line[i] + b) & 0xff
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xff
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
        rows.append(line)
        prev = line
    return w, h, lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])


def read_xwd(data):
    hdr = struct.unpack(">25I", data[:100])
    header_size, w, h, bpp, bpl, byte_order, ncolors = (hdr[0], hdr[4], hdr[5], hdr[11], hdr[12],
                                                        hdr[7], hdr[19])
    if bpp != 32:
        raise SystemExit("png.py: unsupported XWD (%d bits a pixel)" % bpp)
    base = header_size + 12 * ncolors

    def pixel(x, y):
        off = base + y * bpl + x * 4
        v = struct.unpack("<I" if byte_order == 0 else ">I", data[off:off + 4])[0]
        return ((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
    return w, h, pixel


def main():
    data = open(sys.argv[1], "rb").read()
    w, h, pixel = read_png(data) if data[:8] == b"\x89PNG\r\n\x1a\n" else read_xwd(data)
    args, bad = sys.argv[2:], 0
    if args and args[0] == "--get":
        for a in args[1:]:
            x, y = map(int, a.split(","))
            print("%d,%d=%02x%02x%02x" % ((x, y) + pixel(x, y)))
        return 0
    for a in args:
        xy, want = a.split("=")
        x, y = map(int, xy.split(","))
        if not (0 <= x < w and 0 <= y < h):
            print("pixel %d,%d outside the %dx%d screen" % (x, y, w, h))
            bad += 1
            continue
        got = "%02x%02x%02x" % pixel(x, y)
        if got != want.lower():
            print("pixel %d,%d is %s, wanted %s" % (x, y, got, want))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
