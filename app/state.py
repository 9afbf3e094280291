"""Everything an app holds besides its settings, in one typed object.

create_app builds it once, before the first request; it never changes afterwards, so
every thread of a worker reads it without locks (the page cache and the header tails
guard or tolerate their own filling). Settings stay in app.config; what is derived from
them or from the files (the store, the inline style, the header set) lives here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from .articles import ArticleStore, SitePage
    from .listings import Listings
    from .media import MediaCache
    from .responses import PageCache
    from .search import SearchIndex
    from .share import Link
    from .static_files import StaticFiles

KEY = "article_site"


@dataclass
class SiteState:
    store: ArticleStore
    listings: Listings  # sections, tags, authors, archive, related stories (app/listings.py)
    site_pages: dict[str, SitePage]  # content/pages/, by address: about, contact, ...
    media: MediaCache  # CACHE_DIR/media/: the pictures made at start-up, the drawn cards
    pages: PageCache
    static: StaticFiles
    style: str  # the CSS every page inlines (static/css/site.css)
    security_headers: dict[str, str]
    follow_links: tuple[Link, ...]  # the site's social profiles, in the footer's follow bar
    copyright: str  # the footer's line: the years of the articles and the site's name
    clock: Callable[[], datetime]  # "now" for the news sitemap; tests set their own
    search: SearchIndex  # the full-text index of the store's articles (app/search.py)
    # Rendered search results, apart from `pages` and smaller: any query is a new page,
    # so a flood of them evicts only other search results, never an article.
    search_pages: PageCache
    # (Cache-Control value, embeddable) -> the headers every response ends with
    # (responses._tail).
    response_tails: dict[tuple[str, bool], tuple[tuple[str, str], ...]] = field(
        default_factory=dict)


def state(app: Flask | None = None) -> SiteState:
    """The state of `app`, or of the app handling the current request."""
    return (app or current_app).extensions[KEY]
