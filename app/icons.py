"""The site's SVG icons, read from the Tabler Icons files that pytablericons installs.

Pages reference icons with <use href="#icon-NAME"> and inline only the <symbol>s they
use, so no page carries icons it does not show.
"""
from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from flask import g
from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"

# Icon name -> Tabler Icons outline file.
TABLER_FILES = {
    "facebook": "brand-facebook",
    "twitter": "brand-x",
    "linkedin": "brand-linkedin",
    "pinterest": "brand-pinterest",
    "email": "mail",
    "instagram": "brand-instagram",
    "youtube": "brand-youtube",
    "snapchat-circle": "brand-snapchat",
    "share": "share",
    "share2": "link",
}


class UnknownIcon(KeyError):
    """A template asked for an icon the set does not have: fail loudly, never blank."""


def icon_id(name: str) -> str:
    return "icon-" + name.lower().replace(" ", "-")


def _tabler_dir() -> Path:
    # Read the package's files without importing it (its __init__ pulls in pygame).
    spec = importlib.util.find_spec("pytablericons")
    return Path(next(iter(spec.submodule_search_locations))) / "icons" / "outline"


@lru_cache(maxsize=None)
def symbol(name: str) -> str:
    """The <symbol> element for `name`, stroked in currentColor."""
    if name not in TABLER_FILES:
        raise UnknownIcon(name)
    root = ET.parse(_tabler_dir() / f"{TABLER_FILES[name]}.svg").getroot()
    shapes = []
    for child in root:
        if child.get("stroke") == "none":  # Tabler's invisible 24x24 bounding box
            continue
        child.tail = None
        shapes.append(ET.tostring(child, encoding="unicode").replace(f' xmlns="{SVG_NS}"', "")
                      .replace("ns0:", "").replace(f' xmlns:ns0="{SVG_NS}"', ""))
    return (f'<symbol id="{icon_id(name)}" viewBox="{root.get("viewBox")}" fill="none" '
            'stroke="currentColor" stroke-width="2" stroke-linecap="round" '
            f'stroke-linejoin="round">{"".join(shapes)}</symbol>')


def icon(name: str) -> Markup:
    """An icon for a template: decorative, so hidden from assistive technology."""
    symbol(name)  # raises UnknownIcon now rather than rendering an empty icon
    used = g.setdefault("icons_used", [])
    if name not in used:
        used.append(name)
    return Markup('<svg class="icon" aria-hidden="true" focusable="false">'
                  f'<use href="#{escape(icon_id(name))}"></use></svg>')


def icon_sprite() -> Markup:
    """The symbols used so far by the page being rendered; resets for the next page."""
    used = g.pop("icons_used", [])
    if not used:
        return Markup("")
    return Markup('<svg class="sprite" xmlns="http://www.w3.org/2000/svg" aria-hidden="true">'
                  + "".join(symbol(name) for name in used) + "</svg>")


def init_app(app) -> None:
    app.jinja_env.globals.update(icon=icon, icon_sprite=icon_sprite)
