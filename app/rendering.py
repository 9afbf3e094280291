"""What every blueprint's views share: absolute URLs, rendering a template once into a
cached response, and what every page's header and footer show.

Views never set headers themselves: they render (once per process) and hand the bytes
to responses.respond, which knows about caching, encodings and 304s.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Flask, Response, current_app, render_template, url_for
from markupsafe import Markup

from .articles import long_date
from .responses import Rendered, respond
from .state import state


def canonical_url(endpoint: str, **values) -> str:
    """An absolute URL from SITE_URL, never from the request's Host header."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def render_page(template: str, **context) -> Rendered:
    return Rendered.from_text(render_template(template, **context))


def cached(key: Hashable, render: Callable[[], Rendered], **respond_options) -> Response:
    """The response for the page `key`, rendered by `render` on its first request only."""
    return respond(state().pages.get(key, render), **respond_options)


def layout() -> dict:
    """What base.html needs around every page: the inline CSS and the footer's links."""
    site = state()
    return {"inline_style": Markup(site.style), "follow_links": site.follow_links}


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.context_processor(layout)
