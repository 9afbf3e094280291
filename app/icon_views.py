"""The icon set on the web: the whole sprite as one SVG file, and a page showing it.

Both are rendered once per process and served through responses.respond, like every
page, so they get the same ETag, 304 and compression handling.
"""
from __future__ import annotations

from flask import Blueprint

from . import icons
from .rendering import cached, canonical_url, render_page
from .responses import Rendered

bp = Blueprint("icons", __name__)

# The sprite changes only with a deploy; a day of caching, then a cheap 304 by ETag.
SPRITE_MAX_AGE = 86400


@bp.get("/icons.svg")
def sprite():
    return cached(("icons.svg",), lambda: Rendered.from_text(icons.full_sprite(), "image/svg+xml"),
                  max_age=SPRITE_MAX_AGE, by_address=True)


@bp.get("/icons")
def gallery():
    return cached(("icons",), lambda: render_page(
        "icons.html", names=icons.ALL_NAMES, attribution=icons.ATTRIBUTION,
        canonical=canonical_url("icons.gallery")), by_address=True)
