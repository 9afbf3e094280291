"""What crawlers read first: /robots.txt, /sitemap.xml and the Google News sitemap.

The XML is built with lxml, so titles and URLs are escaped by the library, not by hand.
The plain sitemap depends only on the store and its listings: the front page and each
listing's first page (sections, tags, authors, the archive), then every article. The
protocol allows SITEMAP_LIMIT URLs per file, so a bigger site gets a sitemap index at
/sitemap.xml naming numbered parts, each a urlset of at most that many URLs (part_count,
part_bounds, lead_bounds). The news sitemap depends
on the clock (it lists the articles of the last two days, as Google News asks), so its
contents are chosen per request by recent_articles(now) and the XML is a pure function
of that choice: the caller caches by the chosen articles, never by time, so a cached copy
can never outlive the articles in it. The schema wants at least one <url> in a urlset, so
when no article is recent there is no news sitemap at all (the view answers 404 and
robots.txt stops naming it) rather than an invalid empty one.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from lxml import etree

from .articles import Article, ArticleURL

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
# Google News reads articles published in the last two days, at most 1000 per sitemap.
NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000
# The sitemaps protocol's ceiling per file. Its other ceiling, 50 MB uncompressed, is far
# off: an entry here is under 300 bytes unless SITE_URL or a slug is kilobytes long.
SITEMAP_LIMIT = 50_000


def utc_now() -> datetime:
    """The clock the news sitemap reads (the app state's `clock`, which tests replace)."""
    return datetime.now(UTC)


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _w3c(moment: datetime) -> str:
    """W3C Datetime with its offset, as the sitemap protocol asks (seconds precision)."""
    return moment.isoformat(timespec="seconds")


def _entries(root_tag: str, entry_tag: str,
             entries: Iterable[tuple[str, datetime | None]]) -> bytes:
    """A <urlset> of <url>s or a <sitemapindex> of <sitemap>s: loc and optional lastmod."""
    root = etree.Element(f"{{{SITEMAP_NS}}}{root_tag}", nsmap={None: SITEMAP_NS})
    for loc, lastmod in entries:
        entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}{entry_tag}")
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = loc
        if lastmod is not None:
            etree.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(lastmod)
    return _xml(root)


def _urlset(entries: Iterable[tuple[str, datetime | None]]) -> bytes:
    return _entries("urlset", "url", entries)


# A URL of the sitemap with its last modification: the front page's and the listings'
# come before the articles' (the "lead"), so part 1 starts with the front page.
Entry = tuple[str, datetime | None]


def sitemap(lead: Iterable[Entry], articles: Iterable[Article],
            article_url: ArticleURL) -> bytes:
    """A urlset: the front page and listing pages (`lead`), then `articles`, each with
    its last modification. The whole site's, or one part's (lead_bounds, part_bounds)."""
    return _urlset([*lead, *((article_url(a), a.modified) for a in articles)])


def part_count(article_count: int, limit: int = SITEMAP_LIMIT, lead: int = 1) -> int:
    """How many part files the site's URLs (`lead` pages, then the articles) need at
    `limit` each; 0 when they all fit in the one urlset at /sitemap.xml, so no parts exist."""
    urls = article_count + lead
    return 0 if urls <= limit else -(-urls // limit)


def part_bounds(number: int, limit: int = SITEMAP_LIMIT, lead: int = 1) -> tuple[int, int]:
    """Start and stop positions, in the store's order, of part `number`'s articles.

    The `lead` pages (the front page first) come before the articles, so the first parts
    hold fewer articles (none while they are all lead pages); lead_bounds gives theirs.
    """
    if number < 1 or limit < 1:
        raise ValueError(f"part number and limit must be positive, got {number}, {limit}")
    return max(0, (number - 1) * limit - lead), max(0, number * limit - lead)


def lead_bounds(number: int, limit: int = SITEMAP_LIMIT) -> tuple[int, int]:
    """Start and stop positions of part `number`'s lead pages (an empty range past them)."""
    return (number - 1) * limit, number * limit


def sitemap_index(parts: Iterable[tuple[str, datetime | None]]) -> bytes:
    """A <sitemapindex> naming each part file (absolute URL, newest lastmod in it)."""
    return _entries("sitemapindex", "sitemap", parts)


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
    """A Google News sitemap of `recent` (see recent_articles), at least one: a urlset
    with no <url> is not a valid sitemap."""
    recent = list(recent)
    if not recent:
        raise ValueError("a news sitemap needs at least one article")
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
