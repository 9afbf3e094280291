"""The reader's pages: the front page, the article, and "Next Article".

Each page is rendered once per process and served from the page cache (rendering.cached);
the store is read-only, so a request is a lookup and, the first time, a render.
"""
from __future__ import annotations

import html
import re

from flask import Blueprint, abort, current_app, redirect, request, url_for
from markupsafe import Markup

from . import metadata
from .articles import TAGS, Article
from .rendering import cached, canonical_url, render_page
from .responses import Rendered
from .share import share_links
from .state import state

bp = Blueprint("reader", __name__)

# Stories in an article's "Latest" column.
LATEST = 5
FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


def own_standfirst(article: Article) -> str | None:
    """The summary, as the standfirst under the headline, unless it is only the first
    paragraph again (a summary made from it): the body says that a moment later."""
    first = FIRST_PARAGRAPH.search(article.body_html)
    lede = " ".join(html.unescape(TAGS.sub("", first.group(1))).split()) if first else ""
    return None if lede == article.summary else article.summary


def body_with_dateline(article: Article) -> Markup:
    """The body, its first paragraph opening with the dateline as printed papers do."""
    body = Markup(article.body_html)
    if article.dateline and body.startswith("<p>"):
        return Markup('<p><span class="place">{}</span> — ').format(article.dateline) + body[3:]
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
        return render_page(
            "article.html",
            article=found,
            standfirst=own_standfirst(found),
            body=body_with_dateline(found),
            latest=[item for item in store.page(1, LATEST + 1) if item is not found][:LATEST],
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
