"""The reader's pages: the front page, the article, "Next Article", the listings
(sections, tags, authors, the archive) and search.

Each page is rendered once per process and served from the page cache (rendering.cached);
the store and the listings are read-only, so a request is a lookup and, the first time,
a render. Search results are the exception: any query is a new page, so they are rendered
per query and kept in a small cache of their own (state().search_pages).
"""
from __future__ import annotations

import html
import re

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from . import media, metadata, search
from .articles import TAGS, Article, page_count, page_of
from .listings import ARCHIVE, Listing
from .rendering import (
    cached,
    canonical_url,
    feed_links,
    listing_path,
    listing_trail,
    listing_url,
    page_number,
    pages,
    render_page,
    requested_page,
)
from .responses import Rendered, respond
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


def found_or_404(value):
    """What a lookup found, or the site's 404 page when it found nothing."""
    if value is None:
        abort(404)
    return value


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
            # The front page tells search engines how to search the site (JSON-LD).
            metadata=metadata.for_site_page(
                url, title, current_app.config,
                search_url=canonical_url("reader.search") if number == 1 else None),
        )

    return cached(("index", number), render, by_address=True)


@bp.get("/articles/<slug>")
def article(slug: str):
    store = state().store
    found = found_or_404(store.get(slug))

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

    return cached(("article", slug), render, by_address=True)


@bp.get("/<slug>")
def site_page(slug: str):
    """A page apart from the news (content/pages/<slug>.md): about, contact, FAQ."""
    page = found_or_404(state().site_pages.get(slug))

    def render() -> Rendered:
        url = canonical_url("reader.site_page", slug=slug)
        return render_page("page.html", page=page, body=Markup(page.body_html), canonical=url,
                           current_page=True,
                           metadata=metadata.for_page(page, url, current_app.config))

    return cached(("page", slug), render, by_address=True)


@bp.get("/articles/<slug>/next")
def next_article(slug: str):
    following = found_or_404(state().store.next(slug))
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
    listing = found_or_404(listing)
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

    return cached(("listing", listing.path, number), render, by_address=True)


# A results page may be reused for a minute, and served a minute stale while a cache asks
# again: long enough for a reader going back and forth between results and articles, or
# a link passed around; short, because results change as articles are published, and a
# cache in front should not keep the endless URLs anyone can invent for long.
SEARCH_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=60"


def _search_filters() -> tuple[str | None, int | None]:
    """`section` and `year` as the index knows them; empty is none; unknown is a 404."""
    index = state().search
    section = year = None
    if raw := request.args.get("section", ""):
        section = found_or_404(index.section(raw))
    if raw := request.args.get("year", ""):
        if not (raw.isascii() and raw.isdigit() and len(raw) == 4) or int(raw) not in index.years:
            abort(404)
        year = int(raw)
    return section, year


@bp.get("/search", endpoint="search")
def search_page():
    """Full-text search (app/search.py), rendered on the server: no JavaScript needed."""
    text = " ".join(request.args.get("q", "").split())
    section, year = _search_filters()
    number = page_number(q=text or None, section=section, year=year)
    if not text and number > 1:
        abort(404)
    if len(text) > search.MAX_QUERY_CHARS:
        # Refused, not cut: a cut query would search for something the reader never typed.
        page = _render_search(text[:search.MAX_QUERY_CHARS], section, year, number,
                              too_long=len(text))
        return respond(page, status=400, cache_control=SEARCH_CACHE_CONTROL)
    page = state().search_pages.get(("search", text, section, year, number),
                                    lambda: _render_search(text, section, year, number))
    return respond(page, cache_control=SEARCH_CACHE_CONTROL)


def _search_url(text: str, section: str | None, year: int | None, number: int = 1) -> str:
    return url_for("reader.search", q=text or None, section=section, year=year,
                   page=number if number > 1 else None)


def _render_search(text: str, section: str | None, year: int | None, number: int,
                   too_long: int = 0) -> Rendered:
    """The search page: the form, then the results of `text` (none when it is empty or
    too long). Past the last page of results: 404."""
    site = state()
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    query = search.parse("" if too_long else text)
    results = site.search.search(query, number, per_page, section, year)
    if number > 1 and not results.hits:
        abort(404)
    found = [(hit, site.store.get(hit.slug)) for hit in results.hits]
    page_count = max(1, -(-results.total // per_page))
    return Rendered.from_text(render_template(
        "search.html",
        text=text,
        query=query,
        results=results,
        hits=[(hit, article) for hit, article in found if article is not None],
        section=section,
        year=year,
        sections=site.search.sections,
        years=site.search.years,
        page_number=number,
        page_count=page_count,
        first=(number - 1) * per_page + 1,
        newer=_search_url(text, section, year, number - 1) if number > 1 else None,
        older=_search_url(text, section, year, number + 1) if number < page_count else None,
        unfiltered=_search_url(text, None, None) if section or year else None,
        too_long=too_long,
        max_chars=search.MAX_QUERY_CHARS,
        max_terms=search.MAX_TERMS,
        candidates=search.CANDIDATES,
        canonical=None,
        metadata=None,
    ), quick=True)
