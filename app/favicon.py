"""The site's icon, drawn once in static/favicon.svg and rasterised from it.

Modern browsers use the SVG (linked from every page), but many clients still ask for
/favicon.ico blindly, and Google wants a raster publisher logo. Rather than keep hand-made
copies in sync, both are produced in memory from the one SVG. The SVG is kept to plain
<rect> elements, which a few lines can rasterise exactly, so no image library is needed;
anything else in it is a clear error at the first request instead of a wrong icon.
"""
from __future__ import annotations

import re
import struct
import zlib

from lxml import etree

SVG_NS = "{http://www.w3.org/2000/svg}"
COLOUR = re.compile(r"#([0-9a-fA-F]{6})")


class FaviconError(ValueError):
    """The SVG uses something the rasteriser cannot draw."""


def _rects(svg: bytes) -> tuple[float, float, list[tuple[float, float, float, float, bytes]]]:
    """The viewBox size and each rectangle (x, y, width, height, RGBA) in paint order."""
    root = etree.fromstring(svg)
    try:
        _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    except ValueError:
        raise FaviconError("favicon.svg needs a viewBox of four numbers") from None
    rects = []
    for element in root.iter(etree.Element):
        if element is root:
            continue
        if element.tag != SVG_NS + "rect":
            raise FaviconError(f"favicon.svg may hold only <rect> elements, found "
                               f"<{etree.QName(element).localname}> on line {element.sourceline}")
        colour = COLOUR.fullmatch(element.get("fill", ""))
        if not colour:
            raise FaviconError(f"favicon.svg line {element.sourceline}: fill must be #rrggbb")
        box = tuple(float(element.get(name, "0")) for name in ("x", "y", "width", "height"))
        rects.append((*box, bytes.fromhex(colour.group(1)) + b"\xff"))
    return width, height, rects


def rasterise(svg: bytes, size: int) -> list[bytes]:
    """Rows of RGBA pixels, `size` square; a pixel takes the last rect over its centre."""
    width, height, rects = _rects(svg)
    rows = []
    for row in range(size):
        y = (row + 0.5) * height / size
        pixels = bytearray()
        for column in range(size):
            x = (column + 0.5) * width / size
            colour = b"\0\0\0\0"
            for left, top, w, h, fill in rects:
                if left <= x < left + w and top <= y < top + h:
                    colour = fill
            pixels += colour
        rows.append(bytes(pixels))
    return rows


def png(svg: bytes, size: int) -> bytes:
    """A PNG (8-bit RGBA) of the SVG at `size` x `size` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\0" + row for row in rasterise(svg, size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def ico(svg: bytes, sizes: tuple[int, ...] = (16, 32, 48)) -> bytes:
    """A .ico holding one PNG image per size (PNG-in-ICO, read by every current browser)."""
    images = [png(svg, size) for size in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    directory = b""
    for size, image in zip(sizes, images, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return header + directory + b"".join(images)
