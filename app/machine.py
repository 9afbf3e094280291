"""What machines read: feeds, sitemaps, robots.txt, the OpenSearch description, the favicon
and logo, the health check.

Like pages, each is rendered once and served through responses.respond (cached bytes,
ETag, gzip and brotli). Only the news sitemap depends on the clock; see news_sitemap().
"""
from __future__ import annotations

from itertools import islice

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from lxml import etree

from . import favicon, feeds, sitemaps
from .articles import Article, last_change
from .rendering import cached, canonical_url
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


@bp.get("/feed.<any(atom, rss):kind>")
def feed(kind: str):
    def render() -> Rendered:
        newest = state().store.page(1, current_app.config["FEED_ARTICLES"])
        body = feeds.FORMATS[kind](newest, current_app.config, article_url,
                                   canonical_url("machine.feed", kind=kind))
        return Rendered.from_bytes(body, feeds.MEDIA_TYPES[kind])

    return cached(("feed", kind), render)


def _sitemap_limit() -> int:
    return current_app.config["SITEMAP_URLS_PER_FILE"]


def _sitemap_part_articles(number: int) -> list[Article]:
    return list(islice(state().store, *sitemaps.part_bounds(number, _sitemap_limit())))


@bp.get("/sitemap.xml")
def sitemap():
    """Every URL in one urlset while they fit in one file; past that, an index of parts."""
    store = state().store
    count = sitemaps.part_count(len(store), _sitemap_limit())

    def render() -> Rendered:
        if count == 0:
            body = sitemaps.sitemap(store, canonical_url("reader.index"), article_url)
        else:
            newest = last_change(store)  # the front page's, in part 1
            body = sitemaps.sitemap_index(
                (canonical_url("machine.sitemap_part", number=n),
                 newest if n == 1 else last_change(_sitemap_part_articles(n)))
                for n in range(1, count + 1))
        return Rendered.from_bytes(body, "application/xml")

    return cached(("sitemap",), render)


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int):
    """Part `number` of the index; 404 past the last part, when there are no parts, and
    for other spellings of the number (/sitemap-01.xml), so each part has one URL."""
    store = state().store
    count = sitemaps.part_count(len(store), _sitemap_limit())
    if not 1 <= number <= count or request.path != url_for("machine.sitemap_part", number=number):
        abort(404)

    def render() -> Rendered:
        home = (canonical_url("reader.index"), last_change(store)) if number == 1 else None
        body = sitemaps.sitemap_part(_sitemap_part_articles(number), article_url, home)
        return Rendered.from_bytes(body, "application/xml")

    return cached(("sitemap", number), render)


@bp.get("/news-sitemap.xml")
def news_sitemap():
    """The articles of the last two days, by the clock.

    The choice is made on every request (cheap: the scan stops at the first old article)
    and the cache is keyed by the chosen slugs, not by time. So the XML is rendered once
    per distinct set, an article drops out the moment its two days are up, and the ETag
    stays the same (304s keep working) for as long as the set does not change.
    """
    site = state()
    recent = sitemaps.recent_articles(site.store, site.clock())

    def render() -> Rendered:
        body = sitemaps.news_sitemap(recent, current_app.config, article_url)
        return Rendered.from_bytes(body, "application/xml")

    return cached(("news-sitemap", tuple(a.slug for a in recent)), render)


@bp.get("/robots.txt")
def robots_txt():
    def render() -> Rendered:
        text = sitemaps.robots([canonical_url("machine.sitemap"),
                                canonical_url("machine.news_sitemap")])
        return Rendered.from_text(text, "text/plain")

    return cached(("robots",), render)


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

    return cached(("opensearch",), render)


def _favicon_svg() -> bytes:
    return state().static.by_plain["favicon.svg"].body


@bp.get("/favicon.ico")
def favicon_ico():
    def render() -> Rendered:
        return Rendered.from_bytes(favicon.ico(_favicon_svg()), "image/vnd.microsoft.icon")

    return cached(("favicon.ico",), render, max_age=IMAGE_MAX_AGE)


@bp.get("/logo.png")
def logo():
    """The publisher logo of the JSON-LD: Google asks for a raster image of 112px or more."""
    def render() -> Rendered:
        return Rendered.from_bytes(favicon.png(_favicon_svg(), 512), "image/png")

    return cached(("logo.png",), render, max_age=IMAGE_MAX_AGE)
