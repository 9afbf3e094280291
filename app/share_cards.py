"""The card an article without a picture is shared with: 1200x630 pixels (what Open
Graph and X's large summary card show) holding its section, headline, date and the
site's wordmark, drawn with Pillow.

The typeface is Source Sans Pro (Adobe, SIL Open Font License 1.1, which allows
pictures made with it to be used freely), from PyPI's `font-source-sans-pro`, so the
site draws the same cards on every host without a system font. Text is laid out with
FreeType's basic layout (no libraqm), also the same everywhere: the same article gives
the same bytes. Scripts the typeface lacks (Chinese, Japanese, Arabic ...) would show as
boxes; the card then still has the wordmark and date, and the page's own title and
description travel with the link.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from functools import cache
from importlib.resources import files

import PIL
from PIL import Image, ImageDraw, ImageFont, features

SIZE = (1200, 630)
MARGIN = 72
BACKGROUND = (255, 255, 255)
INK = (26, 26, 26)  # the site's --fg
ACCENT = (11, 92, 173)  # the site's --accent
MUTED = (89, 89, 89)  # the site's --muted
RULE = (220, 220, 220)  # the site's --rule
HEADLINE_SIZES = (84, 76, 68, 62, 56, 50)  # the largest at which the headline fits
LEADING = 1.14
HEADLINE_BOTTOM = 490  # above the rule over the wordmark
# Bumped whenever the drawing changes, so every card gets a new name.
VERSION = 1

FONT_PACKAGE = "font_source_sans_pro"
FONTS = {"bold": "SourceSansPro-Bold.ttf", "semibold": "SourceSansPro-Semibold.ttf",
         "regular": "SourceSansPro-Regular.ttf"}


@cache
def _font_bytes(weight: str) -> bytes:
    return (files(FONT_PACKAGE) / "files" / FONTS[weight]).read_bytes()


@cache
def font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(_font_bytes(weight)), size,
                              layout_engine=ImageFont.Layout.BASIC)


@cache
def drawing_settings() -> str:
    """Everything besides the text that decides a card's bytes."""
    fonts = {weight: hashlib.blake2b(_font_bytes(weight), digest_size=16).hexdigest()
             for weight in FONTS}
    return json.dumps({"version": VERSION, "size": SIZE, "fonts": fonts,
                       "pillow": PIL.__version__, "freetype": features.version("freetype2"),
                       "zlib": features.version("zlib")}, sort_keys=True)


@dataclass(frozen=True)
class CardText:
    """What a drawn card says."""

    headline: str
    section: str
    date: str
    site_name: str

    def key(self) -> str:
        """The card's text and drawing settings: its name is made from this."""
        return json.dumps(asdict(self), sort_keys=True) + drawing_settings()


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """`text` in lines no wider than `width`; a word wider than that is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if face.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while face.getlength(word) > width:
            cut = max(1, next(n for n in range(len(word), 0, -1)
                              if face.getlength(word[:n]) <= width))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def fit_headline(headline: str, width: int,
                 height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the headline fits the box; at the smallest, what does
    not fit is cut and the last line ends in an ellipsis."""
    for size in HEADLINE_SIZES:
        face = font("bold", size)
        lines = wrap(headline, face, width)
        if len(lines) * round(size * LEADING) <= height:
            return face, lines
    kept = lines[:max(1, height // round(face.size * LEADING))]
    kept[-1] = shorten(kept[-1] + " …", face, width)
    return face, kept


def shorten(text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    """`text` as it is if it fits `width`, else cut to fit with an ellipsis."""
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + " …") > width:
        text = text[:-1]
    return text.rstrip(" …") + " …"


def draw(text: CardText) -> bytes:
    """The card as PNG bytes (flat colours and text: smaller and sharper than JPEG)."""
    image = Image.new("RGB", SIZE, BACKGROUND)
    pen = ImageDraw.Draw(image)
    width = SIZE[0] - 2 * MARGIN
    pen.rectangle((0, 0, SIZE[0], 11), fill=ACCENT)
    top = 88
    if text.section:
        kicker = font("semibold", 30)
        pen.text((MARGIN, top), shorten(text.section.upper(), kicker, width), font=kicker,
                 fill=ACCENT, anchor="lt")
        top += 58
    face, lines = fit_headline(text.headline, width, HEADLINE_BOTTOM - top)
    leading = round(face.size * LEADING)
    for number, line in enumerate(lines):
        pen.text((MARGIN, top + number * leading), line, font=face, fill=INK, anchor="lt")
    pen.line((MARGIN, 520, SIZE[0] - MARGIN, 520), fill=RULE, width=2)
    date_face = font("regular", 30)
    pen.text((SIZE[0] - MARGIN, 580), text.date, font=date_face, fill=MUTED, anchor="rs")
    wordmark = font("bold", 36)
    room = width - date_face.getlength(text.date) - 40
    pen.text((MARGIN, 580), shorten(text.site_name, wordmark, room), font=wordmark, fill=INK,
             anchor="ls")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
