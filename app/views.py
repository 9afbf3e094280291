"""The site's pages: request -> store -> template -> cached response.

Views never set headers themselves: they render (once per process) and hand the
bytes to responses.respond, which knows about caching, encodings and 304s.
"""
from __future__ import annotations

from itertools import islice
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from . import favicon, feeds, metadata, sitemaps
from .articles import Article, ArticleStore, last_change
from .responses import PageCache, Rendered, respond
from .share import follow_links, share_links

bp = Blueprint("site", __name__)


def store() -> ArticleStore:
    return current_app.extensions["article_store"]


def pages() -> PageCache:
    return current_app.extensions["page_cache"]


def canonical_url(endpoint: str, **values) -> str:
    """An absolute URL from SITE_URL, never from the request's Host header."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def body_with_dateline(article: Article) -> Markup:
    """The body, its first paragraph opening with the dateline as printed papers do."""
    body = Markup(article.body_html)
    if article.dateline and body.startswith("<p>"):
        return Markup('<p><span class="dateline">{}</span> — ').format(article.dateline) + body[3:]
    return body


def render_page(template: str, **context) -> Rendered:
    return Rendered.from_text(render_template(template, **context))


@bp.get("/")
def index():
    raw = request.args.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        abort(404)
    number = int(raw)
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    page_count = store().page_count(per_page)
    if not 1 <= number <= page_count:
        abort(404)

    def render() -> Rendered:
        # Page 1 is "/" (never "/?page=1"); later pages are canonical to themselves.
        url = canonical_url("site.index", page=number if number > 1 else None)
        title = current_app.config["SITE_NAME"] + (f", page {number}" if number > 1 else "")
        return render_page(
            "index.html",
            articles=store().page(number, per_page),
            page_number=number,
            page_count=page_count,
            canonical=url,
            metadata=metadata.for_site_page(url, title, current_app.config),
        )

    return respond(pages().get(("index", number), render))


@bp.get("/articles/<slug>")
def article(slug: str):
    found = store().get(slug)
    if found is None:
        abort(404)

    def render() -> Rendered:
        url = canonical_url("site.article", slug=found.slug)
        following = store().next(found.slug)
        return render_page(
            "article.html",
            article=found,
            body=body_with_dateline(found),
            canonical=url,
            next_article=None if following is found else following,
            share_links=share_links(url, found.title),
            follow_links=follow_links(current_app.config["SOCIAL_PROFILES"]),
            metadata=metadata.for_article(found, url, current_app.config,
                                          logo_url=canonical_url("site.logo")),
        )

    return respond(pages().get(("article", slug), render))


@bp.get("/articles/<slug>/next")
def next_article(slug: str):
    following = store().next(slug)
    if following is None:
        abort(404)
    response = redirect(url_for("site.article", slug=following.slug), code=302)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['HTML_MAX_AGE']}"
    return response


@bp.get("/healthz")
def healthz():
    response = jsonify(status="ok", articles=len(store()))
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(code: int, title: str, message: str) -> Rendered:
    def render() -> Rendered:
        return render_page("errors/error.html", code=code, title=title, message=message,
                           follow_links=follow_links(current_app.config["SOCIAL_PROFILES"]))

    return pages().get(("error", code), render)


ERRORS = {
    404: ("Page not found",
          "There is no page at this address. It may have moved, or the link may be mistyped."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    500: ("Something went wrong",
          "The server could not show this page. Please try again in a moment."),
}


def handle_http_error(error):
    """The site's own error pages; anything unexpected becomes a plain 500 page."""
    code = getattr(error, "code", None) or 500
    if code not in ERRORS:
        return error
    try:
        page = error_page(code, *ERRORS[code])
    except Exception:  # the error page itself failed: still answer, never a traceback
        current_app.logger.exception("error page %s failed to render", code)
        return current_app.response_class(ERRORS[code][0], status=code, mimetype="text/plain")
    response = respond(page, status=code, max_age=60)
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 500:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("long_date")
def long_date(moment) -> str:
    """'January 19, 2016': the date as the article's readers write it."""
    return f"{moment:%B} {moment.day}, {moment.year}"


# --- Feeds, sitemaps, robots.txt and icons: for feed readers and crawlers. -------------
# Like pages, each is rendered once and served through respond(): cached bytes, ETag,
# gzip/brotli. Only the news sitemap depends on the clock; see news_sitemap() below.

def _article_url(article: Article) -> str:
    return canonical_url("site.article", slug=article.slug)


def _feed_articles() -> list[Article]:
    return list(store().page(1, current_app.config["FEED_ARTICLES"]))


@bp.get("/feed.<any(atom, rss):kind>")
def feed(kind: str):
    def render() -> Rendered:
        body = feeds.FORMATS[kind](_feed_articles(), current_app.config, _article_url,
                                   canonical_url("site.feed", kind=kind))
        return Rendered.from_bytes(body, feeds.MEDIA_TYPES[kind])

    return respond(pages().get(("feed", kind), render))


def _sitemap_limit() -> int:
    return current_app.config["SITEMAP_URLS_PER_FILE"]


def _sitemap_part_articles(number: int) -> list[Article]:
    return list(islice(store(), *sitemaps.part_bounds(number, _sitemap_limit())))


@bp.get("/sitemap.xml")
def sitemap():
    """Every URL in one urlset while they fit in one file; past that, an index of parts."""
    count = sitemaps.part_count(len(store()), _sitemap_limit())

    def render() -> Rendered:
        if count == 0:
            body = sitemaps.sitemap(store(), canonical_url("site.index"), _article_url)
        else:
            newest = last_change(store())  # the front page's, in part 1
            body = sitemaps.sitemap_index(
                (canonical_url("site.sitemap_part", number=n),
                 newest if n == 1 else last_change(_sitemap_part_articles(n)))
                for n in range(1, count + 1))
        return Rendered.from_bytes(body, "application/xml")

    return respond(pages().get(("sitemap",), render))


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int):
    """Part `number` of the index; 404 past the last part, when there are no parts, and
    for other spellings of the number (/sitemap-01.xml), so each part has one URL."""
    count = sitemaps.part_count(len(store()), _sitemap_limit())
    if not 1 <= number <= count or request.path != url_for("site.sitemap_part", number=number):
        abort(404)

    def render() -> Rendered:
        home = None
        if number == 1:
            home = (canonical_url("site.index"), last_change(store()))
        body = sitemaps.sitemap_part(_sitemap_part_articles(number), _article_url, home)
        return Rendered.from_bytes(body, "application/xml")

    return respond(pages().get(("sitemap", number), render))


@bp.get("/news-sitemap.xml")
def news_sitemap():
    """The articles of the last two days, by the clock.

    The choice is made on every request (cheap: the scan stops at the first old article)
    and the cache is keyed by the chosen slugs, not by time. So the XML is rendered once
    per distinct set, an article drops out the moment its two days are up, and the ETag
    stays the same (304s keep working) for as long as the set does not change.
    """
    now = current_app.extensions.get("clock", sitemaps.utc_now)()
    recent = sitemaps.recent_articles(store(), now)

    def render() -> Rendered:
        body = sitemaps.news_sitemap(recent, current_app.config, _article_url)
        return Rendered.from_bytes(body, "application/xml")

    return respond(pages().get(("news-sitemap", tuple(a.slug for a in recent)), render))


@bp.get("/robots.txt")
def robots_txt():
    def render() -> Rendered:
        text = sitemaps.robots([canonical_url("site.sitemap"), canonical_url("site.news_sitemap")])
        return Rendered.from_text(text, "text/plain")

    return respond(pages().get(("robots",), render))


def _favicon_svg() -> bytes:
    return (Path(current_app.static_folder) / "favicon.svg").read_bytes()


@bp.get("/favicon.ico")
def favicon_ico():
    def render() -> Rendered:
        return Rendered.from_bytes(favicon.ico(_favicon_svg()), "image/vnd.microsoft.icon")

    return respond(pages().get(("favicon.ico",), render), max_age=86400)


@bp.get("/logo.png")
def logo():
    """The publisher logo of the JSON-LD: Google asks for a raster image of 112px or more."""
    def render() -> Rendered:
        return Rendered.from_bytes(favicon.png(_favicon_svg(), 512), "image/png")

    return respond(pages().get(("logo.png",), render), max_age=86400)
