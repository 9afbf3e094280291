"""What crawlers read first: /robots.txt, /sitemap.xml and the Google News sitemap.

The XML is built with lxml, so titles and URLs are escaped by the library, not by hand.
The plain sitemap depends only on the store. The news sitemap depends on the clock (it
lists the articles of the last two days, as Google News asks), so its contents are chosen
per request by recent_articles(now) and the XML is a pure function of that choice: the
caller caches by the chosen articles, never by time, so a cached copy can never outlive
the articles in it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from lxml import etree

from .articles import Article

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
# Google News reads articles published in the last two days, at most 1000 per sitemap.
NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000

ArticleURL = Callable[[Article], str]


def utc_now() -> datetime:
    """The clock the news sitemap reads; views take it from app.extensions['clock'] if set."""
    return datetime.now(timezone.utc)


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _w3c(moment: datetime) -> str:
    """W3C Datetime with its offset, as the sitemap protocol asks (seconds precision)."""
    return moment.isoformat(timespec="seconds")


def sitemap(articles: Iterable[Article], home_url: str, article_url: ArticleURL) -> bytes:
    """The front page and every article, each with its last modification."""
    articles = list(articles)
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})

    def add(loc: str, lastmod: datetime | None) -> None:
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = loc
        if lastmod is not None:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(lastmod)

    add(home_url, max((a.modified for a in articles), default=None))
    for article in articles:
        add(article_url(article), article.modified)
    return _xml(urlset)


def recent_articles(articles: Iterable[Article], now: datetime) -> tuple[Article, ...]:
    """Articles published within NEWS_WINDOW before `now`; not yet published ones excluded.

    `articles` come newest first (the store's order), so the scan stops at the first one
    too old: the cost is the number of recent articles, not the size of the archive.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    chosen = []
    for article in articles:
        if article.published > now:
            continue
        if now - article.published > NEWS_WINDOW:
            break
        chosen.append(article)
        if len(chosen) == NEWS_LIMIT:
            break
    return tuple(chosen)


def news_language(site_language: str) -> str:
    """The language code Google News wants: ISO 639 (zh-cn and zh-tw keep their region)."""
    code = site_language.strip().lower().replace("_", "-")
    if code in ("zh-cn", "zh-tw"):
        return code
    return code.split("-")[0]


def news_sitemap(recent: Iterable[Article], config, article_url: ArticleURL) -> bytes:
    """A Google News sitemap of `recent` (see recent_articles); valid and empty if none."""
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    language = news_language(config["SITE_LANGUAGE"])
    for article in recent:
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = article_url(article)
        news = etree.SubElement(url, f"{{{NEWS_NS}}}news")
        publication = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(publication, f"{{{NEWS_NS}}}name").text = config["SITE_NAME"]
        etree.SubElement(publication, f"{{{NEWS_NS}}}language").text = language
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = _w3c(article.published)
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = article.title
    return _xml(urlset)


def robots(sitemap_urls: Iterable[str]) -> str:
    """Everything may be crawled; the sitemaps are named so crawlers find them."""
    lines = ["User-agent: *", "Allow: /", ""]
    lines += [f"Sitemap: {url}" for url in sitemap_urls]
    return "\n".join(lines) + "\n"
