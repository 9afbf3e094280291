"""The site's icon, drawn once in static/favicon.svg and rasterised from it.

Modern browsers use the SVG (linked from every page), but many clients still ask for
/favicon.ico blindly, and Google wants a raster publisher logo. Rather than keep hand-made
copies in sync, both are produced in memory from the one SVG. The SVG is kept to plain
<rect> elements, which Pillow draws exactly without an SVG renderer; anything else in it
is a clear error at the first request instead of a wrong icon. Pillow writes the PNG and
ICO files.
"""
from __future__ import annotations

import io
import math
import re

from lxml import etree
from PIL import Image, ImageDraw

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


def draw(svg: bytes, size: int) -> Image.Image:
    """The SVG at `size` x `size` pixels; a pixel takes the last rect over its centre."""
    width, height, rects = _rects(svg)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def first_pixel(edge: float, scale: float) -> int:
        # The first pixel whose centre (p + 0.5) / scale lies at or past `edge`.
        return math.ceil(edge * scale - 0.5)

    for left, top, w, h, fill in rects:
        sx, sy = size / width, size / height
        x0, y0 = first_pixel(left, sx), first_pixel(top, sy)
        x1, y1 = first_pixel(left + w, sx) - 1, first_pixel(top + h, sy) - 1
        if x0 <= x1 and y0 <= y1:
            pen.rectangle((x0, y0, x1, y1), fill=tuple(fill))
    return image


def png(svg: bytes, size: int) -> bytes:
    """A PNG (8-bit RGBA) of the SVG at `size` x `size` pixels."""
    out = io.BytesIO()
    draw(svg, size).save(out, format="PNG", optimize=True)
    return out.getvalue()


def ico(svg: bytes, sizes: tuple[int, ...] = (16, 32, 48)) -> bytes:
    """A .ico with one image per size, each drawn at its size rather than scaled down."""
    images = [draw(svg, size) for size in sorted(sizes, reverse=True)]
    out = io.BytesIO()
    images[0].save(out, format="ICO", sizes=[image.size for image in images],
                   append_images=images[1:])
    return out.getvalue()
