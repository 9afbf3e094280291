"""The site's SVG icon set, picked by name from installed icon packages.

The set is exactly the 73 names of the seed page's sprite. Each name maps to an icon
of a well-kept package (Tabler Icons through tablericons2; Font Awesome Free through
fontawesome-free-pack for Google+, which Tabler lacks), read from the package's own SVG
data at start-up, so the repository holds no copied icon art. The `-circle` and
`-square` variants are not separate art either: they are the base glyph drawn by code
inside Tabler's circle or rounded square, at the same stroke weight.

Pages reference icons with <use href="#icon-ID"> and inline only the <symbol>s they
use (`icon()` records them, `icon_sprite()` writes them), so no page carries icons it
does not show. The whole set is also served as one cacheable SVG (`full_sprite()`).
"""
from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from copy import deepcopy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zipfile import ZipFile

from flask import g
from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
BOX = 24  # every symbol's viewBox is 0 0 24 24, Tabler's grid

# The icon packages, by their names on PyPI (and in pyproject.toml).
TABLER = "tablericons2"  # Tabler's SVG files in one zip: tablericons/tablericons.zip
FONTAWESOME = "fontawesome-free-pack"  # Font Awesome Free's SVGs, compiled into the module

# Frames for the composed variants: Tabler's own outline shapes.
FRAMES = {"circle": "circle", "square": "square-rounded"}
# How much of the 24x24 box the base glyph keeps inside a frame, and the stroke width
# it is drawn at once shrunk (in the 24x24 box's units). At Tabler's full 2 the
# detailed brand glyphs (Google, Pinterest, the calendar) clog into blots at 24 px;
# 1.75 keeps them legible and still reads as the same weight as the frame.
FRAME_SCALE = 0.6
FRAMED_STROKE = 1.75

# The attributes that say how a glyph is painted; copied from the source <svg> root.
PAINT = ("fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin")


@dataclass(frozen=True)
class Source:
    """Where an icon comes from: a package, a style within it, and the icon's name."""

    package: str  # TABLER or FONTAWESOME
    style: str  # Tabler: "outline" or "filled"; Font Awesome: "brands", "solid", ...
    icon: str
    frame: str | None = None  # "circle" or "square": the base glyph, composed in a frame


def tabler(icon: str, style: str = "outline") -> Source:
    return Source(TABLER, style, icon)


def framed(base: Source, frame: str) -> Source:
    return Source(base.package, base.style, base.icon, frame)


# The base glyphs; `-circle` / `-square` names compose these (see ICONS below).
BASES: dict[str, Source] = {
    "navigation-background": tabler("layout-navbar"),
    "Reply Icon": tabler("message-reply"),
    "Show More": tabler("dots"),
    "Heart": tabler("heart"),
    "Delete Icon": tabler("trash-x"),
    "wiki": tabler("brand-wikipedia"),
    "add": tabler("plus"),
    "arrow-down": tabler("arrow-down"),
    "arrow-left": tabler("arrow-left"),
    "arrow-right": tabler("arrow-right"),
    "arrow-up": tabler("arrow-up"),
    "calendar": tabler("calendar"),
    "chat-bubble-2": tabler("messages"),
    "chat-bubble": tabler("message"),
    "check": tabler("check"),
    "close": tabler("x"),
    "contact-us": tabler("headset"),
    "credit-card": tabler("credit-card"),
    "drag": tabler("grip-vertical"),
    "menu": tabler("menu-2"),
    "email": tabler("mail"),
    "embed": tabler("code"),
    "facebook": tabler("brand-facebook"),
    "snapchat": tabler("brand-snapchat"),
    "faq": tabler("question-mark"),
    "film": tabler("movie"),
    "gear": tabler("settings"),
    "google": tabler("brand-google"),
    "googleplus": Source(FONTAWESOME, "brands", "google-plus-g"),
    "history": tabler("history"),
    "home": tabler("home"),
    "instagram": tabler("brand-instagram"),
    "linkedin": tabler("brand-linkedin"),
    "load": tabler("loader-2"),
    "monitor": tabler("device-desktop"),
    "Video Player Play Icon": tabler("player-play", "filled"),
    "person": tabler("user"),
    "pinterest": tabler("brand-pinterest"),
    "play": tabler("player-play"),
    "readlist": tabler("bookmarks"),
    "remove": tabler("minus"),
    "search": tabler("search"),
    "share": tabler("share"),
    "share2": tabler("link"),  # the share bar's "Copy link" button
    "sign-out": tabler("logout"),
    "star": tabler("star"),
    "trailer": tabler("video"),
    "trash": tabler("trash"),
    "twitter": tabler("brand-x"),  # Twitter is X now; readers know the X
    "youtube": tabler("brand-youtube"),
    "rss": tabler("rss"),  # not on the seed page: the footer's feed links
}

# The seed page's 73 names, in its order. A name ending in -circle / -square whose base
# is in BASES is composed; every other name is a base itself.
NAMES: tuple[str, ...] = (
    "navigation-background", "arrow-down-circle", "Reply Icon", "Show More", "Heart",
    "Delete Icon", "wiki-circle", "wiki-square", "wiki", "arrow-up-circle", "add-circle",
    "add-square", "add", "arrow-down", "arrow-left", "arrow-right", "arrow-up",
    "calendar-circle", "chat-bubble-2", "chat-bubble", "check-circle", "check", "close",
    "contact-us", "credit-card", "drag", "menu", "email", "embed", "facebook-circle",
    "snapchat-circle", "facebook-square", "facebook", "faq-circle", "faq", "film", "gear",
    "google-circle", "google-square", "googleplus", "history", "home", "instagram-circle",
    "instagram-square", "instagram", "linkedin-circle", "linkedin-square", "linkedin",
    "load", "monitor", "Video Player Play Icon", "person", "pinterest-circle",
    "pinterest-square", "pinterest", "play", "readlist", "remove-circle", "remove-square",
    "remove", "search", "share", "share2", "sign-out", "star", "trailer", "trash",
    "twitter-circle", "twitter-square", "twitter", "youtube-circle", "youtube-square",
    "youtube",
)
# Icons the site uses beyond the seed's sprite, after the seed's names.
EXTRA_NAMES: tuple[str, ...] = ("rss",)
ALL_NAMES = NAMES + EXTRA_NAMES


def _source_of(name: str) -> Source:
    base, _, frame = name.rpartition("-")
    if frame in FRAMES and base in BASES:
        return framed(BASES[base], frame)
    return BASES[name]


# Name -> where its icon comes from: the product's icon set, checked at import.
ICONS: dict[str, Source] = {name: _source_of(name) for name in ALL_NAMES}


class UnknownIcon(KeyError):
    """A template asked for an icon the set does not have: fail loudly, never blank."""

    def __str__(self) -> str:
        return f"no icon named {self.args[0]!r}; the set's names are in app/icons.py ALL_NAMES"


def icon_id(name: str) -> str:
    """`Reply Icon` -> `icon-reply-icon`: the symbol's id, and the <use> target."""
    return "icon-" + name.lower().replace(" ", "-")


def module_dir(module: str) -> Path:
    """An installed top-level package's directory, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"icon package for {module!r} is not installed (see pyproject.toml)")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def tabler_zip() -> ZipFile:
    """tablericons2's zip of Tabler's SVG files (`outline/NAME.svg`, `filled/NAME.svg`).

    Read straight from the package's directory: the `tablericons` module (Django and
    Jinja template tags) is never imported. Opened once a process, as reading the zip's
    index of some 6,000 files is the slow part; every icon is built at start-up.
    """
    return ZipFile(module_dir("tablericons") / "tablericons.zip")


def _tabler_svg(name: str) -> bytes | None:
    try:
        return tabler_zip().read(f"{name}.svg")
    except KeyError:
        return None


def _fontawesome_svg(name: str) -> str | None:
    # The SVG strings are compiled into this module, which needs nothing else.
    try:
        import fontawesome_free_pack
    except ImportError as error:
        raise RuntimeError(f"icon package {FONTAWESOME!r} is not installed "
                           "(see pyproject.toml)") from error
    found = fontawesome_free_pack.get_icon(name)
    return None if found is None else found.svg


# Package -> its reader: "style/icon" -> the icon's SVG text, or None if it has none.
READERS = {TABLER: _tabler_svg, FONTAWESOME: _fontawesome_svg}


def source_svg(source: Source) -> ET.Element:
    """The package's own SVG for `source` (its frame aside), as an element tree."""
    if source.package not in READERS:
        raise ValueError(f"unknown icon package {source.package!r}")
    text = READERS[source.package](f"{source.style}/{source.icon}")
    if text is None:
        raise RuntimeError(f"{source.package} has no {source.style} icon {source.icon!r}")
    return ET.fromstring(text)


def _plain(element: ET.Element) -> ET.Element:
    """A copy without the SVG namespace, so it serialises as <path>, not <ns0:path>."""
    copy = ET.Element(element.tag.rpartition("}")[2], dict(element.attrib))
    copy.extend(_plain(child) for child in element if isinstance(child.tag, str))
    return copy


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Glyph:
    """An icon's shapes in the 24x24 box and the paint (fill/stroke) they inherit."""

    paint: dict[str, str]
    shapes: tuple[ET.Element, ...]


@cache
def load_glyph(package: str, style: str, icon: str) -> Glyph:
    """One icon of an installed package, as a Glyph in the 24x24 box."""
    root = source_svg(Source(package, style, icon))
    shapes = [_plain(child) for child in root if isinstance(child.tag, str)]
    if not shapes:
        raise RuntimeError(f"{package}'s {style} icon {icon!r} has no shapes")
    if package == TABLER:
        paint = {key: root.get(key) for key in PAINT if root.get(key) is not None}
        return Glyph(paint, tuple(shapes))
    # Font Awesome: filled glyphs on their own grid (e.g. 640x512), fitted into
    # Tabler's 18-unit live area and centred, so they sit at the same size.
    left, top, width, height = (float(v) for v in root.get("viewBox").split())
    scale = (BOX - 6) / max(width, height)
    dx = (BOX - width * scale) / 2 - left * scale
    dy = (BOX - height * scale) / 2 - top * scale
    group = ET.Element("g", {"transform": f"translate({_number(dx)} {_number(dy)}) "
                                          f"scale({_number(scale)})"})
    group.extend(shapes)
    return Glyph({"fill": "currentColor", "stroke": "none"}, (group,))


def glyph(source: Source) -> Glyph:
    """The Glyph for `source`, composing the frame around the base when it has one."""
    base = load_glyph(source.package, source.style, source.icon)
    if source.frame is None:
        return base
    frame = load_glyph(TABLER, "outline", FRAMES[source.frame])
    # Shrink the base about the centre, and widen its stroke by the inverse factor so
    # that, once shrunk, it is drawn at FRAMED_STROKE, close to the frame's weight.
    offset = BOX / 2 * (1 - FRAME_SCALE)
    paint = dict(base.paint)
    if paint.get("stroke", "none") != "none":
        paint["stroke-width"] = _number(FRAMED_STROKE / FRAME_SCALE)
    inner = ET.Element("g", {"transform": f"translate({_number(offset)} {_number(offset)}) "
                                          f"scale({_number(FRAME_SCALE)})", **paint})
    inner.extend(deepcopy(shape) for shape in base.shapes)
    return Glyph(frame.paint, (*frame.shapes, inner))


@cache
def symbol(name: str) -> str:
    """The <symbol> element for `name`, painted in currentColor so CSS colours it."""
    if name not in ICONS:
        raise UnknownIcon(name)
    drawn = glyph(ICONS[name])
    element = ET.Element("symbol", {"id": icon_id(name), "viewBox": f"0 0 {BOX} {BOX}",
                                    **drawn.paint})
    element.extend(deepcopy(shape) for shape in drawn.shapes)
    return ET.tostring(element, encoding="unicode")


ATTRIBUTION = (
    "Icons: Tabler Icons (https://tabler.io/icons), MIT License, Copyright (c) 2020-2026 "
    "Paweł Kuna, via tablericons2; the Google+ icon: Font Awesome Free by @fontawesome "
    "(https://fontawesome.com), CC BY 4.0 (https://fontawesome.com/license/free), via "
    "fontawesome-free-pack. Framed variants composed by The Small Dispatch."
)


def full_sprite() -> str:
    """Every icon of the set as one standalone SVG document, with the licences' credit."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="{SVG_NS}">\n<!-- {ATTRIBUTION} -->\n'
            + "\n".join(symbol(name) for name in ALL_NAMES) + "\n</svg>\n")


# Sizes (pixels) that site.css has an `.icon-N` class for.
SIZES = (24, 48)


def icon(name: str, size: int | None = None) -> Markup:
    """An icon for a template: decorative, so hidden from assistive technology.

    The link or button around it carries the accessible name. `size` picks one of
    SIZES through a class (`icon-48`): the CSP allows no inline style attribute.
    """
    if size is not None and size not in SIZES:
        raise ValueError(f"icon size {size!r} is not one of {SIZES}")
    symbol(name)  # raises UnknownIcon now rather than rendering an empty icon
    used = g.setdefault("icons_used", [])
    if name not in used:
        used.append(name)
    classes = "icon" if size is None else f"icon icon-{size}"
    return Markup(f'<svg class="{classes}" aria-hidden="true" focusable="false">'
                  f'<use href="#{escape(icon_id(name))}"></use></svg>')


def icon_sprite() -> Markup:
    """The symbols used so far by the page being rendered; resets for the next page."""
    used = g.pop("icons_used", [])
    if not used:
        return Markup("")
    return Markup(f'<svg class="sprite" xmlns="{SVG_NS}" aria-hidden="true">'
                  + "".join(symbol(name) for name in used) + "</svg>")


def init_app(app) -> None:
    """Template helpers; and every icon built now, so a missing package or icon file
    stops start-up with its name instead of breaking pages later."""
    full_sprite()
    app.jinja_env.globals.update(icon=icon, icon_sprite=icon_sprite)
