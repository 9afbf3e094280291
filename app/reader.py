"""The reader's pages: the front page, the article, "Next Article", and the listings
(sections, tags, authors, the archive).

Each page is rendered once per process and served from the page cache (rendering.cached);
the store and the listings are read-only, so a request is a lookup and, the first time,
a render.
"""
from __future__ import annotations

import html
import re

from flask import Blueprint, abort, current_app, redirect, url_for
from markupsafe import Markup

from . import media, metadata
from .articles import TAGS, Article, page_count, page_of
from .listings import ARCHIVE, Listing
from .rendering import (
    cached,
    canonical_url,
    feed_links,
    listing_path,
    listing_trail,
    listing_url,
    pages,
    render_page,
    requested_page,
)
from .responses import Rendered
from .share import share_links
from .state import state

bp = Blueprint("reader", __name__)

# Stories in an article's "Latest" column.
LATEST = 5
FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


def body_with_dateline(article: Article) -> Markup:
    """The body, its first paragraph opening with the dateline as printed papers do."""
    body = Markup(article.body_html)
    if article.dateline and body.startswith("<p>"):
        return Markup('<p><span class="place">{}</span> — ').format(article.dateline) + body[3:]
    return body


def own_standfirst(article: Article) -> str | None:
    """The summary, as the standfirst under the headline, unless it is only the first
    paragraph again (a summary made from it): the body says that a moment later."""
    first = FIRST_PARAGRAPH.search(article.body_html)
    lede = " ".join(html.unescape(TAGS.sub("", first.group(1))).split()) if first else ""
    return None if lede == article.summary else article.summary


def share_image(article: Article) -> metadata.ShareImage:
    """The article's share card (its picture cropped, or drawn), by absolute URL."""
    card = media.share_card(article, current_app.config["SITE_NAME"])
    return metadata.ShareImage(canonical_url("media.file", name=card.name), card.width,
                               card.height, card.media_type, card.alt)


@bp.get("/")
def index():
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    count = state().store.page_count(per_page)
    number = requested_page(count)

    def render() -> Rendered:
        # Page 1 is "/" (never "/?page=1"); later pages are canonical to themselves.
        url = canonical_url("reader.index", page=number if number > 1 else None)
        title = current_app.config["SITE_NAME"] + (f", page {number}" if number > 1 else "")
        return render_page(
            "index.html",
            articles=state().store.page(number, per_page),
            pages=pages(number, count, lambda n: url_for("reader.index",
                                                         page=n if n > 1 else None)),
            canonical=url,
            metadata=metadata.for_site_page(url, title, current_app.config),
        )

    return cached(("index", number), render)


@bp.get("/articles/<slug>")
def article(slug: str):
    store = state().store
    found = store.get(slug)
    if found is None:
        abort(404)

    def render() -> Rendered:
        url = canonical_url("reader.article", slug=found.slug)
        following = store.next(found.slug)
        listings = state().listings
        section = next(iter(listings.of(found, "sections")), None)
        # Home, its section, the article: the breadcrumb and its BreadcrumbList.
        trail = [("Home", url_for("reader.index")),
                 *([(section.name, listing_path(section))] if section else []),
                 (found.title, url_for("reader.article", slug=found.slug))]
        return render_page(
            "article.html",
            article=found,
            standfirst=own_standfirst(found),
            body=body_with_dateline(found),
            latest=[item for item in store.page(1, LATEST + 1) if item is not found][:LATEST],
            current_section=found.section,
            canonical=url,
            next_article=None if following is found else following,
            share_links=share_links(url, found.title),
            trail=trail,
            section=section,
            tags=listings.of(found, "tags"),
            authors=listings.of(found, "authors"),
            related=listings.related.get(found.slug, ()),
            metadata=metadata.for_article(found, url, current_app.config,
                                          logo_url=canonical_url("machine.logo"),
                                          image=share_image(found), trail=trail),
        )

    return cached(("article", slug), render)


@bp.get("/articles/<slug>/next")
def next_article(slug: str):
    following = state().store.next(slug)
    if following is None:
        abort(404)
    response = redirect(url_for("reader.article", slug=following.slug), code=302)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['HTML_MAX_AGE']}"
    return response


@bp.get("/<any(sections, tags, authors):group>/<slug>")
def listing(group: str, slug: str):
    """A section's, a tag's or an author's articles, newest first."""
    return listing_page(state().listings.get(group, slug))


@bp.get("/archive/", defaults={"year": None, "month": None})
@bp.get("/archive/<year>/", defaults={"month": None})
@bp.get("/archive/<year>/<month>/")
def archive(year: str | None, month: str | None):
    """The archive's index, a year's or a month's articles. Years and months are found
    by their exact text ("2016", "01"): any other spelling is not in the dictionary."""
    path = (ARCHIVE, *(part for part in (year, month) if part is not None))
    return listing_page(state().listings.get(*path))


def listing_page(listing: Listing | None):
    """Page `?page=N` of a listing, paginated as the front page is; 404 for no listing."""
    if listing is None:
        abort(404)
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    count = page_count(len(listing.articles), per_page)
    number = requested_page(count)

    def render() -> Rendered:
        url = listing_url(listing, number)
        title = listing.name + (f", page {number}" if number > 1 else "")
        articles = page_of(listing.articles, number, per_page)
        trail = listing_trail(listing)
        listings = state().listings
        return render_page(
            "listing.html",
            listing=listing,
            current_section=listing.name if listing.group == "sections" else None,
            current_page=True,
            title=title,
            bio=Markup(listing.bio_html),
            articles=articles,
            pages=pages(number, count, lambda n: listing_path(listing, n)),
            canonical=url,
            feeds=feed_links(listing) if listing.articles else (),
            trail=trail,
            years=listings.years if listing.group == ARCHIVE else (),
            months=listings.months,
            metadata=metadata.for_listing(
                listing, url, title, trail, current_app.config, articles,
                first_position=(number - 1) * per_page + 1,
                article_url=lambda article: canonical_url("reader.article", slug=article.slug)),
        )

    return cached(("listing", listing.path, number), render)
