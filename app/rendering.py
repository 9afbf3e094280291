"""What every blueprint's views share: absolute URLs, rendering a template once into a
cached response, the page number of a paginated list, the addresses of listings, and
what every page's header and footer show.

Views never set headers themselves: they render (once per process) and hand the bytes
to app/responses.py, which knows about caching, encodings and 304s.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

from flask import Flask, Response, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from .articles import Article, ArticleStore, long_date
from .feeds import MEDIA_TYPES
from .responses import Ready, Rendered, html_cache_control, respond_with, tail_for
from .share import site_feed_links
from .state import state

if TYPE_CHECKING:
    from .listings import Listing

# One step of a breadcrumb: what it says, and its path on the site.
Crumb = tuple[str, str]


def canonical_url(endpoint: str, **values) -> str:
    """An absolute URL from SITE_URL, never from the request's Host header."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def requested_page(page_count: int, **kept) -> int:
    """The page asked for with `?page=N` (page_number), or 404 past `page_count`. Every
    paginated list reads it here."""
    number = page_number(**kept)
    if number > page_count:
        abort(404)
    return number


@dataclass(frozen=True)
class Pages:
    """Where a paginated list is: page `number` of `count`, and the paths of the pages
    before (newer articles) and after (older) it, None at either end."""

    number: int
    count: int
    newer: str | None
    older: str | None


def pages(number: int, count: int, path_of: Callable[[int], str]) -> Pages:
    """Pages for page `number`; `path_of(n)` is page n's path (page 1 without ?page)."""
    return Pages(number, count, path_of(number - 1) if number > 1 else None,
                 path_of(number + 1) if number < count else None)


def listing_path(listing: Listing, page: int | None = None) -> str:
    """The path of a listing's page (`page` 1 or None: the page's own address, no ?page)."""
    name, values = listing.route
    return url_for(f"reader.{name}", **values, page=page if page and page > 1 else None)


def listing_url(listing: Listing, page: int | None = None) -> str:
    """The absolute, canonical URL of a listing's page."""
    return current_app.config["SITE_URL"] + listing_path(listing, page)


def listing_feed_url(listing: Listing, kind: str) -> str:
    """The absolute URL of a listing's feed (`kind`: atom or rss)."""
    name, values = listing.route
    return canonical_url(f"machine.{name}_feed", kind=kind, **values)


def listing_title(listing: Listing) -> str:
    """The listing's name with the site's: its pages' and its feeds' title."""
    return f"{listing.name} — {current_app.config['SITE_NAME']}"


class FeedLink(NamedTuple):
    """A feed as a page links to it: <link rel="alternate"> in the head, and a link."""

    format: str  # what readers call it: "Atom", "RSS"
    title: str
    type: str
    href: str


FEED_FORMATS = {"atom": "Atom", "rss": "RSS"}


def feed_links(listing: Listing) -> list[FeedLink]:
    """A listing's Atom and RSS feeds."""
    return [FeedLink(FEED_FORMATS[kind], f"{listing_title(listing)} ({FEED_FORMATS[kind]})",
                     MEDIA_TYPES[kind], listing_feed_url(listing, kind)) for kind in MEDIA_TYPES]


def listing_trail(listing: Listing) -> list[Crumb]:
    """Home, then the listings above this one (a month's year and the archive), then it."""
    chain = []
    current = listing
    while current is not None:
        chain.append((current.name, listing_path(current)))
        current = state().listings.get(*current.parent) if current.parent else None
    return [("Home", url_for("reader.index")), *reversed(chain)]


def render_page(template: str, **context) -> Rendered:
    return Rendered.from_text(render_template(template, **context))


def cached(key: Hashable, render: Callable[[], Rendered], *, by_address: bool = False,
           max_age: int | None = None) -> Response:
    """The response for the page `key`, rendered by `render` on its first request only.

    `by_address`: the page depends on the request's address alone (not on the time or a
    header), so later requests for that address are answered without Flask
    (responses.ReadyAnswers)."""
    pages = state().pages
    page = pages.get(key, render)
    tail = tail_for(page, max_age)
    if by_address:
        pages.answer_by_address(request.environ, Ready(key, page, tail))
    return respond_with(page, tail)


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


def long_date_time(moment) -> str:
    """'November 25, 2026, 09:00 UTC'; the date alone for midnight UTC, which is what the
    importer writes when a page gives only the day."""
    if (moment.hour, moment.minute, moment.utcoffset()) == (0, 0, timedelta(0)):
        return long_date(moment)
    return f"{long_date(moment)}, {moment:%H:%M} {moment.tzname() or ''}".rstrip()


def copyright_line(store: ArticleStore, site_name: str) -> str:
    """'© 2016–2026 The Small Dispatch', from the oldest article's year to the newest's:
    every worker prints the same bytes, whatever today's date."""
    if not len(store):
        return f"© {site_name}"
    first, last = store.oldest().published.year, store.newest().published.year
    return f"© {last if first == last else f'{first}–{last}'} {site_name}"


def section_of(article: Article) -> Listing | None:
    """The article's section as its listing (for a kicker), if it has one."""
    return state().listings.named("sections", article.section) if article.section else None


def layout() -> dict:
    """What base.html needs around every page, the same for every kind of page: the inline
    CSS, the masthead's sections menu, and the footer band's links and copyright line."""
    site = state()
    feeds = site_feed_links(url_for("machine.feed", kind="atom"),
                            url_for("machine.feed", kind="rss"))
    menu = [{"label": entry.label, "section": entry.section, "href": listing_path(listing)}
            for entry in current_app.config["SECTIONS_MENU"]
            if (listing := site.listings.named("sections", entry.section))]
    footer = [{"label": page.label, "href": url_for("reader.site_page", slug=slug)}
              for slug, page in sorted(site.site_pages.items())]
    footer.append({"label": "Archive", "href": url_for("reader.archive")})
    return {"inline_style": Markup(site.style), "follow_links": feeds + site.follow_links,
            "menu": menu, "footer_links": footer, "copyright": site.copyright}


def init_app(app: Flask) -> None:
    app.add_template_filter(long_date)
    app.add_template_filter(long_date_time)
    app.add_template_global(listing_path)
    app.add_template_global(section_of)
    app.context_processor(layout)
