"""Reading a drawn signature: a real PNG (chunks and CRCs intact), of bounded size and dimensions, with ink on
it. Pure Python (zlib only): a signature canvas is small, and the desk needs no imaging library for it."""

from __future__ import annotations

import struct
import zlib
from collections import Counter

from kb.errors import TooLarge, ValidationError

MAX_BYTES = 512 * 1024
MAX_WIDTH, MAX_HEIGHT = 1000, 400  # the pad draws 900×300; this bounds the work (under 0.5 s)
MIN_WIDTH, MIN_HEIGHT = 120, 60
MIN_INK_PIXELS = 60  # fewer pixels that differ from the background: a dot or a slip, not a signature
_MAGIC = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> channels (8-bit; palettes are not what a canvas writes)


def _bad(reason: str) -> ValidationError:
    return ValidationError("The signature is not a drawn PNG image.", fields={"signature": reason})


def _chunks(data: bytes) -> tuple[bytes, bytes]:
    """The IHDR body and the joined IDAT data, once every chunk's length and CRC check out."""
    pos, header, idat = len(_MAGIC), b"", bytearray()
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4 or zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise _bad("damaged")
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    else:
        raise _bad("damaged")
    if len(header) != 13 or not idat:
        raise _bad("damaged")
    return header, bytes(idat)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _rows(raw: bytes, width: int, height: int, bpp: int) -> list[bytes]:
    """The image's rows with PNG's per-row filters undone."""
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise _bad("damaged")
    prior = bytes(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((x + p) & 0xFF for x, p in zip(line, prior, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prior[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                upleft = prior[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(left, prior[i], upleft)) & 0xFF
        elif kind != 0:
            raise _bad("damaged")
        prior = bytes(line)
        rows.append(prior)
    return rows


def check(data: bytes) -> tuple[int, int]:
    """The signature's (width, height) if data is a valid, bounded PNG with ink on it; ValidationError naming
    the field "signature" (TooLarge beyond the size limit) otherwise."""
    if not data:
        raise ValidationError("Draw the signature first.", fields={"signature": "required"})
    if len(data) > MAX_BYTES:
        raise TooLarge("The signature image is too large.", fields={"signature": "too large"})
    if not data.startswith(_MAGIC):
        raise _bad("not a png")
    header, idat = _chunks(data)
    width, height, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_HEIGHT <= height <= MAX_HEIGHT):
        raise ValidationError("The signature image has the wrong size.", fields={"signature": "dimensions"})
    if depth != 8 or colour not in _CHANNELS or interlace != 0:
        raise _bad("unsupported png")
    bpp = _CHANNELS[colour]
    expected = height * (width * bpp + 1)
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(idat, expected + 1)  # bounded: a small file cannot inflate beyond the image
    except zlib.error as exc:
        raise _bad("damaged") from exc
    rows = _rows(raw, width, height, bpp)
    if _ink(rows, bpp) < MIN_INK_PIXELS:
        raise ValidationError("The signature is blank: ask the customer to sign.", fields={"signature": "blank"})
    return width, height


def _ink(rows: list[bytes], bpp: int) -> int:
    """Pixels that differ from the background (the commonest pixel); with alpha, fully transparent pixels are
    background whatever their colour."""
    def pixels() -> list[bytes]:
        out = []
        for row in rows:
            for i in range(0, len(row), bpp):
                pixel = row[i:i + bpp]
                out.append(b"" if bpp in (2, 4) and pixel[-1] == 0 else pixel)
        return out

    counts = Counter(pixels())
    _background, seen = counts.most_common(1)[0]
    return sum(counts.values()) - seen
