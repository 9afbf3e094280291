"""The reader's pages: the front page, the article, "Next Article", and search.

Each page is rendered once per process and served from the page cache (rendering.cached);
the store is read-only, so a request is a lookup and, the first time, a render. Search
results are the exception: any query is a new page, so they are rendered per query and
kept in a small cache of their own (state().search_pages).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from . import metadata, search
from .articles import Article
from .rendering import cached, canonical_url, render_page
from .responses import Rendered, respond
from .share import share_links
from .state import state

bp = Blueprint("reader", __name__)


def body_with_dateline(article: Article) -> Markup:
    """The body, its first paragraph opening with the dateline as printed papers do."""
    body = Markup(article.body_html)
    if article.dateline and body.startswith("<p>"):
        return Markup('<p><span class="dateline">{}</span> — ').format(article.dateline) + body[3:]
    return body


@bp.get("/")
def index():
    raw = request.args.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        abort(404)
    number = int(raw)
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    page_count = state().store.page_count(per_page)
    if not 1 <= number <= page_count:
        abort(404)

    def render() -> Rendered:
        # Page 1 is "/" (never "/?page=1"); later pages are canonical to themselves.
        url = canonical_url("reader.index", page=number if number > 1 else None)
        title = current_app.config["SITE_NAME"] + (f", page {number}" if number > 1 else "")
        return render_page(
            "index.html",
            articles=state().store.page(number, per_page),
            page_number=number,
            page_count=page_count,
            canonical=url,
            # The front page tells search engines how to search the site (JSON-LD).
            metadata=metadata.for_site_page(
                url, title, current_app.config,
                search_url=canonical_url("reader.search") if number == 1 else None),
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
        return render_page(
            "article.html",
            article=found,
            body=body_with_dateline(found),
            canonical=url,
            next_article=None if following is found else following,
            share_links=share_links(url, found.title),
            metadata=metadata.for_article(found, url, current_app.config,
                                          logo_url=canonical_url("machine.logo")),
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


# A results page may be reused for a minute, and served a minute stale while a cache asks
# again: long enough for a reader going back and forth between results and articles, or
# a link passed around; short, because results change as articles are published, and a
# cache in front should not keep the endless URLs anyone can invent for long.
SEARCH_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=60"


def _search_page_number() -> int:
    """`?page=N` as a number from 1; anything else is a page that does not exist (404)."""
    raw = request.args.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        abort(404)
    return int(raw)


def _search_filters() -> tuple[str | None, int | None]:
    """`section` and `year` as the index knows them; empty is none; unknown is a 404."""
    index = state().search
    section = year = None
    if raw := request.args.get("section", ""):
        section = index.section(raw)
        if section is None:
            abort(404)
    if raw := request.args.get("year", ""):
        if not (raw.isascii() and raw.isdigit() and len(raw) == 4) or int(raw) not in index.years:
            abort(404)
        year = int(raw)
    return section, year


@bp.get("/search", endpoint="search")
def search_page():
    """Full-text search (app/search.py), rendered on the server: no JavaScript needed."""
    text = " ".join(request.args.get("q", "").split())
    number = _search_page_number()
    section, year = _search_filters()
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
