"""What machines read: feeds (the site's and each listing's), sitemaps, robots.txt, the
OpenSearch description, the favicon and logo, the health check.

Like pages, each is rendered once and served through responses.respond (cached bytes,
ETag, gzip and brotli). Only the news sitemap (and so robots.txt, which names it while it
exists) depends on the clock; see news_sitemap().
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from lxml import etree

from . import favicon, feeds, sitemaps
from .articles import Article
from .listings import ARCHIVE, Listing
from .rendering import cached, canonical_url, listing_feed_url, listing_title, listing_url
from .responses import Rendered
from .state import state

bp = Blueprint("machine", __name__)

# The favicon and logo change only with a deploy: a day of caching, then a cheap 304.
IMAGE_MAX_AGE = 86400


def article_url(article: Article) -> str:
    return canonical_url("reader.article", slug=article.slug)


@bp.get("/healthz")
def healthz():
    response = jsonify(status="ok", articles=len(state().store))
    response.headers["Cache-Control"] = "no-store"
    return response


def _feed(key: Hashable, kind: str, articles: Sequence[Article], self_url: str,
          page: feeds.FeedPage | None = None):
    def render() -> Rendered:
        body = feeds.FORMATS[kind](articles, current_app.config, article_url, self_url, page)
        return Rendered.from_bytes(body, feeds.MEDIA_TYPES[kind])

    return cached(key, render, by_address=True)


@bp.get("/feed.<any(atom, rss):kind>")
def feed(kind: str):
    newest = state().store.page(1, current_app.config["FEED_ARTICLES"])
    return _feed(("feed", kind), kind, newest, canonical_url("machine.feed", kind=kind))


@bp.get("/<any(sections, tags, authors):group>/<slug>/feed.<any(atom, rss):kind>")
def listing_feed(group: str, slug: str, kind: str):
    return _listing_feed(state().listings.get(group, slug), kind)


@bp.get("/archive/<year>/feed.<any(atom, rss):kind>", defaults={"month": None})
@bp.get("/archive/<year>/<month>/feed.<any(atom, rss):kind>")
def archive_feed(year: str, month: str | None, kind: str):
    path = (ARCHIVE, year) if month is None else (ARCHIVE, year, month)
    return _listing_feed(state().listings.get(*path), kind)


def _listing_feed(listing: Listing | None, kind: str):
    """A listing's newest articles; 404 for no listing (or the archive's index)."""
    if listing is None or not listing.articles:
        abort(404)
    newest = listing.articles[:current_app.config["FEED_ARTICLES"]]
    page = feeds.FeedPage(listing_url(listing), listing_title(listing), listing.description)
    return _feed(("feed", kind, listing.path), kind, newest, listing_feed_url(listing, kind),
                 page)


def _sitemap_limit() -> int:
    return current_app.config["SITEMAP_URLS_PER_FILE"]


def _sitemap_lead() -> list[sitemaps.Entry]:
    """The URLs before the articles': the front page, each listing's first page, then the
    pages apart from the news (about, contact...)."""
    site = state()
    return [(canonical_url("reader.index"), site.store.last_change()),
            *((listing_url(listing), listing.modified) for listing in site.listings),
            *((canonical_url("reader.site_page", slug=slug), page.updated)
              for slug, page in sorted(site.site_pages.items()))]


def _sitemap_part_count() -> int:
    site = state()
    return sitemaps.part_count(len(site.store), _sitemap_limit(),
                               lead=1 + len(site.listings) + len(site.site_pages))


@bp.get("/sitemap.xml")
def sitemap():
    """Every URL in one urlset while they fit in one file; past that, an index of parts."""
    count = _sitemap_part_count()

    def render() -> Rendered:
        if count == 0:
            body = sitemaps.sitemap(_sitemap_lead(), state().store, article_url)
        else:
            body = sitemaps.sitemap_index(
                (canonical_url("machine.sitemap_part", number=n), _part_lastmod(*_part(n)))
                for n in range(1, count + 1))
        return Rendered.from_bytes(body, "application/xml")

    return cached(("sitemap",), render, by_address=True)


def _part(number: int) -> tuple[list[sitemaps.Entry], list[Article]]:
    """Part `number`'s lead pages (as URL and lastmod) and articles."""
    limit = _sitemap_limit()
    lead = _sitemap_lead()
    articles = state().store.slice(*sitemaps.part_bounds(number, limit, lead=len(lead)))
    return lead[slice(*sitemaps.lead_bounds(number, limit))], list(articles)


def _part_lastmod(lead: list[sitemaps.Entry], articles: list[Article]):
    """The newest lastmod in a part, for the index."""
    changes = [modified for _, modified in lead if modified is not None]
    changes += [article.modified for article in articles]
    return max(changes, default=None)


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int):
    """Part `number` of the index; 404 past the last part, when there are no parts, and
    for other spellings of the number (/sitemap-01.xml), so each part has one URL."""
    count = _sitemap_part_count()
    if not 1 <= number <= count or request.path != url_for("machine.sitemap_part", number=number):
        abort(404)

    def render() -> Rendered:
        return Rendered.from_bytes(sitemaps.sitemap(*_part(number), article_url),
                                   "application/xml")

    return cached(("sitemap", number), render, by_address=True)


def _recent_articles() -> tuple[Article, ...]:
    site = state()
    return sitemaps.recent_articles(site.store, site.clock())


@bp.get("/news-sitemap.xml")
def news_sitemap():
    """The articles of the last two days, by the clock; 404 when there are none.

    The choice is made on every request (cheap: the scan stops at the first old article)
    and the cache is keyed by the chosen slugs, not by time. So the XML is rendered once
    per distinct set, an article drops out the moment its two days are up, and the ETag
    stays the same (304s keep working) for as long as the set does not change. With no
    recent article there is no news sitemap: a urlset needs at least one <url> to be
    valid, and robots.txt names this file only while it exists.
    """
    recent = _recent_articles()
    if not recent:
        abort(404)

    def render() -> Rendered:
        body = sitemaps.news_sitemap(recent, current_app.config, article_url)
        return Rendered.from_bytes(body, "application/xml")

    return cached(("news-sitemap", tuple(a.slug for a in recent)), render)


@bp.get("/robots.txt")
def robots_txt():
    """Names the sitemap, and the news sitemap while it has articles (see news_sitemap)."""
    with_news = bool(_recent_articles())

    def render() -> Rendered:
        urls = [canonical_url("machine.sitemap")]
        if with_news:
            urls.append(canonical_url("machine.news_sitemap"))
        return Rendered.from_text(sitemaps.robots(urls), "text/plain")

    return cached(("robots", with_news), render)


OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
# OpenSearch 1.1 limits: ShortName up to 16 characters, Description up to 1024.
SHORT_NAME_CHARS = 16


def short_name(name: str) -> str:
    """The site's name in OpenSearch's 16 characters: whole, or without a leading "The",
    or cut after a word ("The Small Dispatch" -> "Small Dispatch")."""
    if len(name) > SHORT_NAME_CHARS and name.startswith("The "):
        name = name[4:]
    if len(name) > SHORT_NAME_CHARS:
        name = name[:SHORT_NAME_CHARS + 1].rsplit(" ", 1)[0][:SHORT_NAME_CHARS]
    return name


def opensearch_description(config, search_url: str, self_url: str, icon_url: str) -> bytes:
    """The OpenSearch 1.1 description of the site's search: what a browser reads (through
    the pages' <link rel="search">) to offer it in its address bar."""
    name = config["SITE_NAME"]
    root = etree.Element("OpenSearchDescription", nsmap={None: OPENSEARCH})

    def add(tag: str, text: str | None = None, **attributes) -> None:
        etree.SubElement(root, tag, attributes).text = text

    add("ShortName", short_name(name))
    add("Description", f"Search the articles of {name}"[:1024])
    add("InputEncoding", "UTF-8")
    add("Language", config["SITE_LANGUAGE"])
    add("Image", icon_url, height="16", width="16", type="image/x-icon")
    add("Url", type="text/html", method="get", template=search_url + "?q={searchTerms}")
    add("Url", type=OPENSEARCH_TYPE, rel="self", template=self_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@bp.get("/opensearch.xml")
def opensearch():
    def render() -> Rendered:
        body = opensearch_description(current_app.config, canonical_url("reader.search"),
                                      canonical_url("machine.opensearch"),
                                      canonical_url("machine.favicon_ico"))
        return Rendered.from_bytes(body, OPENSEARCH_TYPE)

    return cached(("opensearch",), render, by_address=True)


def _favicon_svg() -> bytes:
    return state().static.by_plain["favicon.svg"].body


@bp.get("/favicon.ico")
def favicon_ico():
    def render() -> Rendered:
        return Rendered.from_bytes(favicon.ico(_favicon_svg()), "image/vnd.microsoft.icon")

    return cached(("favicon.ico",), render, max_age=IMAGE_MAX_AGE, by_address=True)


@bp.get("/logo.png")
def logo():
    """The publisher logo of the JSON-LD: Google asks for a raster image of 112px or more."""
    def render() -> Rendered:
        return Rendered.from_bytes(favicon.png(_favicon_svg(), 512), "image/png")

    return cached(("logo.png",), render, max_age=IMAGE_MAX_AGE, by_address=True)
