"""Small product pictures drawn in pure Python: a gradient and a shape, encoded as PNG.

No network and no imaging library: each row is a few byte-string spans, so twelve pictures take
milliseconds.
"""

from __future__ import annotations

import colorsys
import struct
import zlib
from collections.abc import Callable

SIZE = 240
Span = tuple[int, int]
Rgb = tuple[int, int, int]


def _rgb(hue: float, lightness: float, saturation: float) -> Rgb:
    red, green, blue = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def _circle(y: int, size: int) -> list[Span]:
    centre, radius = size / 2, size * 0.3
    dy = abs(y + 0.5 - centre)
    if dy >= radius:
        return []
    half = (radius**2 - dy**2) ** 0.5
    return [(round(centre - half), round(centre + half))]


def _diamond(y: int, size: int) -> list[Span]:
    centre, radius = size / 2, size * 0.34
    half = radius - abs(y + 0.5 - centre)
    return [(round(centre - half), round(centre + half))] if half > 0 else []


def _triangle(y: int, size: int) -> list[Span]:
    top, bottom = size * 0.2, size * 0.8
    if not top <= y < bottom:
        return []
    half = (y - top) / (bottom - top) * size * 0.32
    return [(round(size / 2 - half), round(size / 2 + half))]


def _ring(y: int, size: int) -> list[Span]:
    outer = _circle(y, size)
    inner_radius, centre = size * 0.16, size / 2
    dy = abs(y + 0.5 - centre)
    if not outer or dy >= inner_radius:
        return outer
    half = (inner_radius**2 - dy**2) ** 0.5
    (left, right) = outer[0]
    return [(left, round(centre - half)), (round(centre + half), right)]


SHAPES: tuple[Callable[[int, int], list[Span]], ...] = (_circle, _diamond, _triangle, _ring)


def _row(y: int, size: int, background: Rgb, ink: Rgb, shape: Callable[..., list[Span]]) -> bytes:
    bg, fg = bytes(background), bytes(ink)
    row, x = bytearray(b"\x00"), 0  # filter byte: None
    for left, right in shape(y, size):
        row += bg * (left - x) + fg * (right - left)
        x = right
    row += bg * (size - x)
    return bytes(row)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def product_png(hue: float, variant: int, size: int = SIZE) -> bytes:
    """A `size` x `size` PNG: a gradient of `hue` behind one of four shapes, picked by `variant`."""
    shape = SHAPES[variant % len(SHAPES)]
    ink = _rgb(hue + 0.5, 0.35, 0.55)
    rows = b"".join(
        _row(y, size, _rgb(hue, 0.82 - 0.22 * y / size, 0.6), ink, shape) for y in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )
