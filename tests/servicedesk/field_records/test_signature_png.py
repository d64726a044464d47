"""The signature check reads the PNG itself: real chunks, bounded size, every row filter undone, ink present."""

from __future__ import annotations

import struct
import zlib

import pytest

from kb.errors import TooLarge, ValidationError
from servicedesk.demo_field import png, signature
from servicedesk.incidents import signature_png


def _filtered_png(width: int, height: int, pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An RGBA PNG whose rows use filters 0-4 in turn, as real encoders mix them."""
    def paeth(a: int, b: int, c: int) -> int:
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

    raw = bytearray()
    prior = bytes(width * 4)
    for y in range(height):
        line = bytes(v for px in pixels[y] for v in px)
        kind = y % 5
        out = bytearray()
        for i, x in enumerate(line):
            left = line[i - 4] if i >= 4 else 0
            up = prior[i]
            upleft = prior[i - 4] if i >= 4 else 0
            pred = (0, left, up, (left + up) >> 1, paeth(left, up, upleft))[kind]
            out.append((x - pred) & 0xFF)
        raw += bytes([kind]) + out
        prior = line

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + \
        chunk(b"IEND", b"")


def test_a_drawn_signature_passes_with_its_size():
    assert signature_png.check(signature()) == (900, 300)


def test_every_row_filter_is_undone():
    width, height = 200, 100
    ink = {(x, 50 + (x % 7)) for x in range(20, 180)}
    pixels = [[(10, 20, 30, 255) if (x, y) in ink else (255, 255, 255, 0) for x in range(width)] for y in range(height)]
    assert signature_png.check(_filtered_png(width, height, pixels)) == (200, 100)
    blank = [[(255, 255, 255, 0) for _x in range(width)] for _y in range(height)]
    with pytest.raises(ValidationError) as exc:
        signature_png.check(_filtered_png(width, height, blank))
    assert exc.value.fields == {"signature": "blank"}


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "required"),
    (b"GIF89a" + bytes(100), "not a png"),
    (png(900, 300, lambda x, y: (0, 0, 0, 0)), "blank"),
    (png(900, 300, lambda x, y: (255, 255, 255, 255)), "blank"),  # an opaque white pad, untouched
    (png(900, 300, lambda x, y: (0, 0, 0, 255) if x == 5 and y < 20 else (0, 0, 0, 0)), "blank"),  # a slip
    (png(60, 30, lambda x, y: (0, 0, 0, 255) if x == y else (0, 0, 0, 0)), "dimensions"),
    (png(2000, 300, lambda x, y: (0, 0, 0, 0)), "dimensions"),
])
def test_not_a_signature_is_refused_naming_why(data, reason):
    with pytest.raises(ValidationError) as exc:
        signature_png.check(data)
    assert exc.value.fields == {"signature": reason}


def test_a_damaged_file_is_refused():
    good = signature()
    broken = good[:60] + bytes([good[60] ^ 0xFF]) + good[61:]  # one byte of the image data flipped: CRC fails
    with pytest.raises(ValidationError) as exc:
        signature_png.check(broken)
    assert exc.value.fields == {"signature": "damaged"}
    with pytest.raises(ValidationError):
        signature_png.check(good[: len(good) // 2])  # cut short


def test_a_too_large_file_is_refused_before_reading():
    with pytest.raises(TooLarge):
        signature_png.check(b"\x89PNG\r\n\x1a\n" + bytes(signature_png.MAX_BYTES))
