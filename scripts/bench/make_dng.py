#!/usr/bin/env python3
"""Writes a camera-size DNG for decode benchmarks (docs/performance.md): an uncompressed 16-bit RGGB mosaic
of WIDTH x HEIGHT (a smooth colour field with fine texture) and, with --preview JPEG, that JPEG as the
camera's preview in IFD0 (the raw image then in a SubIFD), laid out as tests/tst_raw_photos.cpp writes its
DNGs.

    make_dng.py OUT.dng [--size 6000x4000] [--preview preview.jpg WxH]
"""
import array
import struct
import sys


def entry(tag, typ, values):
    fmt = {1: "B", 2: "s", 3: "H", 4: "I", 10: "I"}[typ]
    if typ == 2:
        data = values + b"\0"
        return tag, typ, len(data), data
    data = struct.pack("<%d%s" % (len(values), fmt), *values)
    count = len(values) // 2 if typ == 10 else len(values)
    return tag, typ, count, data


class Tiff:
    def __init__(self):
        self.out = bytearray(b"II*\0\0\0\0\0")

    def append(self, data):
        if len(self.out) % 2:
            self.out += b"\0"
        at = len(self.out)
        self.out += data
        return at

    def ifd(self, entries):
        entries = sorted(entries)
        if len(self.out) % 2:
            self.out += b"\0"
        at = len(self.out)
        data_at = at + 2 + 12 * len(entries) + 4
        table, values = bytearray(struct.pack("<H", len(entries))), bytearray()
        for tag, typ, count, data in entries:
            table += struct.pack("<HHI", tag, typ, count)
            if len(data) <= 4:
                table += data.ljust(4, b"\0")
            else:
                table += struct.pack("<I", data_at + len(values))
                values += data
                if len(values) % 2:
                    values += b"\0"
        table += struct.pack("<I", 0)
        self.out += table + values
        return at


def main():
    args = sys.argv[1:]
    out = args[0]
    w, h = 6000, 4000
    preview, psize = None, None
    if "--size" in args:
        w, h = (int(v) for v in args[args.index("--size") + 1].split("x"))
    if "--preview" in args:
        i = args.index("--preview")
        preview = open(args[i + 1], "rb").read()
        psize = tuple(int(v) for v in args[i + 2].split("x"))
    t = Tiff()
    mosaic = bytearray()
    texture = [((x * 2654435761) >> 7) % 2048 for x in range(w)]
    for y in range(h):
        base = 8000 + 40000 * y // h
        if y % 2 == 0:  # R G
            row = array.array("H", (min(65535, base + (x * 20000 // w if x % 2 == 0 else 9000) + texture[x])
                                    for x in range(w)))
        else:  # G B
            row = array.array("H", (min(65535, base + (9000 if x % 2 == 0 else 30000 - x * 20000 // w)
                                        + texture[x]) for x in range(w)))
        mosaic += row.tobytes()
    raw_strip = t.append(bytes(mosaic))
    raw = [entry(254, 4, [0]), entry(256, 4, [w]), entry(257, 4, [h]), entry(258, 3, [16]), entry(259, 3, [1]),
           entry(262, 3, [32803]), entry(273, 4, [raw_strip]), entry(277, 3, [1]), entry(278, 4, [h]),
           entry(279, 4, [len(mosaic)]), entry(33421, 3, [2, 2]), entry(33422, 1, [0, 1, 1, 2]),
           entry(50717, 4, [65535])]
    matrix = []
    for i in range(9):
        matrix += [1 if i % 4 == 0 else 0, 1]
    dng = [entry(50706, 1, [1, 4, 0, 0]), entry(50707, 1, [1, 1, 0, 0]), entry(50708, 2, b"Bench Camera"),
           entry(50721, 10, matrix), entry(50778, 3, [21]), entry(271, 2, b"PhotoSearch"),
           entry(272, 2, b"Bench Camera"), entry(274, 3, [1]), entry(306, 2, b"2022:05:06 07:08:09")]
    if preview is None:
        first = t.ifd(raw + dng)
    else:
        raw_ifd = t.ifd(raw)
        strip = t.append(preview)
        ifd0 = [entry(254, 4, [1]), entry(256, 4, [psize[0]]), entry(257, 4, [psize[1]]),
                entry(258, 3, [8, 8, 8]), entry(259, 3, [7]), entry(262, 3, [6]), entry(273, 4, [strip]),
                entry(277, 3, [3]), entry(278, 4, [psize[1]]), entry(279, 4, [len(preview)]),
                entry(330, 4, [raw_ifd])]
        first = t.ifd(ifd0 + dng)
    t.out[4:8] = struct.pack("<I", first)
    open(out, "wb").write(t.out)


if __name__ == "__main__":
    main()
