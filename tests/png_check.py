#!/usr/bin/python3
"""Checks that a PNG is a real, non-blank picture of a given size (stdlib).

    png_check.py FILE --size WxH [--min-colours N] [--min-dark PERMILLE]

Reads the chunks (signature, CRCs, IHDR, IDAT, IEND), inflates the image
data with zlib, undoes the per-row filters (PNG spec 9: None, Sub, Up,
Average, Paeth) and counts the distinct colours and the dark pixels (luma
below 128). 8-bit greyscale, grey+alpha, RGB and RGBA, not interlaced: what
Chromium writes. Prints what it found; exits 0 when the picture is WxH
with at least N colours (16) and PERMILLE per mille dark pixels (2), 1 with
the reason otherwise.
"""

import argparse
import struct
import sys
import zlib

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


class Bad(Exception):
    pass


def chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Bad("not a PNG: bad signature")
    pos = 8
    while pos < len(data):
        if pos + 12 > len(data):
            raise Bad("truncated chunk at byte %d" % pos)
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise Bad("truncated %r chunk" % kind)
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise Bad("bad CRC in %r chunk" % kind)
        yield kind, body
        pos += 12 + length
        if kind == b"IEND":
            return
    raise Bad("no IEND chunk")


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode(data):
    """(width, height, channels, rows): rows as bytearrays."""
    ihdr = None
    idat = []
    for kind, body in chunks(data):
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    if ihdr is None or not idat:
        raise Bad("no IHDR or no IDAT")
    width, height, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in CHANNELS or interlace:
        raise Bad("unsupported: depth %d, colour type %d, interlace %d"
                  % (depth, ctype, interlace))
    bpp = CHANNELS[ctype]
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != height * (stride + 1):
        raise Bad("image data is %d bytes, want %d"
                  % (len(raw), height * (stride + 1)))
    rows = []
    prev = bytearray(stride)
    for y in range(height):
        base = y * (stride + 1)
        ftype = raw[base]
        row = bytearray(raw[base + 1:base + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 0xff
        elif ftype == 2:
            for i in range(stride):
                row[i] = (row[i] + prev[i]) & 0xff
        elif ftype == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + prev[i]) >> 1)) & 0xff
        elif ftype == 4:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                upleft = prev[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + paeth(left, prev[i], upleft)) & 0xff
        elif ftype != 0:
            raise Bad("row %d: unknown filter %d" % (y, ftype))
        rows.append(row)
        prev = row
    return width, height, bpp, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--size", required=True, help="WxH")
    ap.add_argument("--min-colours", type=int, default=16)
    ap.add_argument("--min-dark", type=float, default=2.0,
                    help="dark pixels, per mille")
    args = ap.parse_args()
    want_w, want_h = (int(x) for x in args.size.split("x"))

    try:
        with open(args.file, "rb") as f:
            width, height, bpp, rows = decode(f.read())
    except (OSError, Bad, zlib.error) as e:
        print("png_check: %s: %s" % (args.file, e))
        return 1

    colours = set()
    dark = 0
    for row in rows:
        for x in range(0, len(row), bpp):
            px = bytes(row[x:x + bpp])
            colours.add(px)
            if bpp >= 3:
                luma = (299 * px[0] + 587 * px[1] + 114 * px[2]) // 1000
            else:
                luma = px[0]
            if luma < 128:
                dark += 1
    permille = 1000.0 * dark / (width * height)
    print("png_check: %s: %dx%d, %d channels, %d colours, %.1f per mille dark"
          % (args.file, width, height, bpp, len(colours), permille))
    if (width, height) != (want_w, want_h):
        print("png_check: want %dx%d" % (want_w, want_h))
        return 1
    if len(colours) < args.min_colours:
        print("png_check: blank? fewer than %d colours" % args.min_colours)
        return 1
    if permille < args.min_dark:
        print("png_check: blank? fewer than %.1f per mille dark pixels"
              % args.min_dark)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
