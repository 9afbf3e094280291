"""What every blueprint's views share: absolute URLs, rendering a template once into a
cached response, and what every page's header and footer show.

Views never set headers themselves: they render (once per process) and hand the bytes
to responses.respond, which knows about caching, encodings and 304s.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Hashable

from flask import Flask, Response, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from .responses import Rendered, html_cache_control, respond
from .state import state


def canonical_url(endpoint: str, **values) -> str:
    """An absolute URL from SITE_URL, never from the request's Host header."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def render_page(template: str, **context) -> Rendered:
    return Rendered.from_text(render_template(template, **context))


def cached(key: Hashable, render: Callable[[], Rendered], **respond_options) -> Response:
    """The response for the page `key`, rendered by `render` on its first request only."""
    return respond(state().pages.get(key, render), **respond_options)


# A page number as the site writes it in its links, and the other spellings of one.
CANONICAL_PAGE = re.compile(r"[1-9][0-9]{0,8}")
PAGE_DIGITS = re.compile(r"[0-9]{1,12}")


def page_number(name: str = "page", **kept) -> int:
    """The page of a listing asked for in the query string (`?page=N`; none: page 1).

    Each page has one URL: page 1 none of its own (`/`), later pages the number as the
    site's links write it (`?page=2`). Another spelling of a number (`01`, `1`) gets a
    301 to that URL, which keeps only `kept`, the other parameters the view reads: a
    cache in front then stores each page once, and no client can have the site send a
    visitor on with parameters of its own. Anything else (`+1`, `1.0`, `٣`) is a 404.
    The view checks the number against its page count.
    """
    raw = request.args.get(name)
    if raw is None:
        return 1
    if CANONICAL_PAGE.fullmatch(raw) and raw != "1":
        return int(raw)
    if not PAGE_DIGITS.fullmatch(raw) or not 1 <= int(raw) < 10**9:
        abort(404)
    number = int(raw)
    values = {**(request.view_args or {}), **kept, name: number if number > 1 else None}
    response = redirect(url_for(request.endpoint, **values), code=301)
    response.headers["Cache-Control"] = html_cache_control(current_app.config["HTML_MAX_AGE"])
    abort(response)


def long_date(moment) -> str:
    """'January 19, 2016': the date as the article's readers write it."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def layout() -> dict:
    """What base.html needs around every page: the inline CSS and the footer's links."""
    site = state()
    return {"inline_style": Markup(site.style), "follow_links": site.follow_links}


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.context_processor(layout)
