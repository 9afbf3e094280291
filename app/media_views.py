"""/media/<name>: the pictures and share cards app/media.py makes, from CACHE_DIR/media/.

The names carry a hash of what made the file (source bytes and settings, or a card's
text), so a name never changes meaning and the files are cached for a year, like the
static files, through the same responses.respond (ETag, 304, the security headers).
Only names of the form media.FILE_NAME are looked up, so no path can reach outside the
folder. In production nginx serves the files from disk (deploy/nginx.conf) and passes
here only a drawn card that no one has asked for yet.

The templates get `picture(picture, alt, role)` and `figure(figure, role)` (app/media.py):
the one place that writes <picture> markup, for any role a design needs.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app

from . import media
from .responses import Rendered, respond
from .state import state
from .static_files import IMMUTABLE

bp = Blueprint("media", __name__)


def _drawn_card(name: str) -> bytes | None:
    """The drawn share card `name`, drawn now if no worker has drawn it yet; None unless
    it is the current card of an article without a picture."""
    site = state()
    article = site.store.get(media.drawn_card_slug(name) or "")
    if article is None or article.image is not None:
        return None
    site_name = current_app.config["SITE_NAME"]
    if media.share_card(article, site_name).name != name:
        return None
    return media.draw_card(site.media, article, site_name)


@bp.get("/media/<name>")
def file(name: str):
    if not media.FILE_NAME.fullmatch(name):
        abort(404)
    data = state().media.read(name)
    if data is None:
        data = _drawn_card(name)
    if data is None:
        abort(404)
    media_type = media.MEDIA_TYPES[name.rsplit(".", 1)[1]]
    return respond(Rendered.from_bytes(data, media_type), cache_control=IMMUTABLE)


def init_app(app: Flask) -> None:
    app.add_template_global(media.picture_markup, "picture")
    app.add_template_global(media.figure_markup, "figure")
