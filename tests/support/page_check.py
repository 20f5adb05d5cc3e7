"""Helpers for the report tests: a strict tag-balance check, the page's SVG parts, and a tiny PNG reader."""

from __future__ import annotations

import re
import struct
import zlib
from html.parser import HTMLParser
from xml.etree import ElementTree

VOID = {"meta", "br", "img", "hr", "input", "link", "col", "area", "base", "wbr", "source"}


class Balance(HTMLParser):
    """Fails on any end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def check_balanced(html: str) -> list[str]:
    parser = Balance()
    parser.feed(html)
    parser.close()
    return parser.problems + [f"<{t}> never closed" for t in parser.stack]


def svg_parts(html: str) -> list[ElementTree.Element]:
    """Every inline <svg> parsed as XML (raises ParseError if one is not well-formed)."""
    return [ElementTree.fromstring(part) for part in re.findall(r"<svg\b.*?</svg>", html, re.S)]


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        row_filter, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if row_filter == 1:
                line[i] = (line[i] + left) & 255
            elif row_filter == 2:
                line[i] = (line[i] + up) & 255
            elif row_filter == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif row_filter == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        previous = line
        rgb = bytes(line) if channels == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3)
        rows.append(rgb)
    return width, height, rows


def count_colour(row: bytes, rgb: tuple[int, int, int]) -> int:
    target = bytes(rgb)
    return sum(1 for x in range(0, len(row), 3) if row[x : x + 3] == target)


def bands(rows: list[bytes], rgb: tuple[int, int, int], at_least: int) -> list[tuple[int, int]]:
    """Runs of pixel rows (first y, last y) holding at least `at_least` pixels of exactly this colour."""
    found: list[tuple[int, int]] = []
    for y, row in enumerate(rows):
        if count_colour(row, rgb) >= at_least:
            if found and found[-1][1] == y - 1:
                found[-1] = (found[-1][0], y)
            else:
                found.append((y, y))
    return found
