"""What every blueprint's views share: absolute URLs, rendering a template once into a
cached response, and what every page's header and footer show.

Views never set headers themselves: they render (once per process) and hand the bytes
to responses.respond, which knows about caching, encodings and 304s.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import timedelta

from flask import Flask, Response, current_app, render_template, url_for
from markupsafe import Markup

from .responses import Rendered, respond
from .share import feed_links
from .state import state


def canonical_url(endpoint: str, **values) -> str:
    """An absolute URL from SITE_URL, never from the request's Host header."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def render_page(template: str, **context) -> Rendered:
    return Rendered.from_text(render_template(template, **context))


def cached(key: Hashable, render: Callable[[], Rendered], **respond_options) -> Response:
    """The response for the page `key`, rendered by `render` on its first request only."""
    return respond(state().pages.get(key, render), **respond_options)


def long_date(moment) -> str:
    """'January 19, 2016': the date as the article's readers write it."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def section_url(name: str) -> str:
    # Placeholder until the sections' pages exist.
    return "/sections/" + "-".join(name.lower().split())


def long_date_time(moment) -> str:
    """'November 25, 2026, 09:00 UTC'; the date alone for midnight UTC, which is what the
    importer writes when a page gives only the day."""
    if (moment.hour, moment.minute, moment.utcoffset()) == (0, 0, timedelta(0)):
        return long_date(moment)
    return f"{long_date(moment)}, {moment:%H:%M} {moment.tzname() or ''}".rstrip()


def layout() -> dict:
    """What base.html needs around every page, the same for every kind of page: the inline
    CSS, the masthead's sections menu, and the footer band's links and copyright line."""
    site = state()
    config = current_app.config
    feeds = feed_links(url_for("machine.feed", kind="atom"), url_for("machine.feed", kind="rss"))
    menu = [{"label": entry.label, "section": entry.section, "href": section_url(entry.section)}
            for entry in config["SECTIONS_MENU"]]
    return {"inline_style": Markup(site.style), "follow_links": feeds + site.follow_links,
            "menu": menu, "footer_links": [], "copyright": site.copyright}


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(long_date_time)
    app.add_template_global(section_url, "section_href")
    app.context_processor(layout)
