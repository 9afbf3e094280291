"""Atom and RSS feeds of the newest articles, the site's or a listing's, made with feedgen.

Feed readers show the whole article, so each entry carries the full body as HTML (Atom
<content type="html">, RSS <content:encoded>) besides the summary. Every link is absolute
from SITE_URL. The output depends only on the store and the settings, never on the clock
or the request, so a feed is rendered once per process and cached like a page.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from urllib.parse import urljoin

from feedgen.feed import FeedGenerator
from lxml import html

from .articles import Article, ArticleURL, last_change

# Used as the feed's "updated" when there are no articles: Atom requires a date, and a
# fixed one keeps the bytes (and so the ETag) the same in every worker.
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)


# The feed formats by the name in their URL (/feed.atom, /feed.rss).
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


def absolute_srcset(srcset: str, base_url: str) -> str:
    """'/media/a.jpg 400w, ...' with every URL absolute."""
    candidates = (candidate.strip().split(None, 1) for candidate in srcset.split(","))
    return ", ".join(" ".join([urljoin(base_url, parts[0]), *parts[1:]])
                     for parts in candidates if parts)


def absolute_links(body_html: str, base_url: str) -> str:
    """The body with every href, src and srcset made absolute: a feed reader has no page
    to resolve "/articles/..." against, and Atom's xml:base is not honoured everywhere.

    A figure's <picture> keeps its <img> (JPEG or PNG, every width) and loses its AVIF
    and WebP <source>s: feed readers strip them, and lxml's parser does not know
    <source> is empty and would put the <img> inside it.
    """
    if not body_html.strip():
        return body_html
    container = html.fragment_fromstring(body_html, create_parent="div")
    container.make_links_absolute(base_url, resolve_base_href=False)
    for source in list(container.iter("source")):
        source.drop_tag()
    for image in container.iter("img"):
        if image.get("srcset"):
            image.set("srcset", absolute_srcset(image.get("srcset"), base_url))
    inner = escape(container.text or "", quote=False)
    return inner + "".join(html.tostring(child, encoding="unicode") for child in container)


@dataclass(frozen=True)
class FeedPage:
    """What a feed is the feed of, when it is not the whole site: a listing's page
    (its absolute URL, also the feed's id), its title and one sentence about it."""

    url: str
    title: str
    subtitle: str


def build_feed(articles: Iterable[Article], config, article_url: ArticleURL,
               self_url: str, self_type: str, page: FeedPage | None = None) -> FeedGenerator:
    """The feed for `articles` (newest first), ready for atom_str() or rss_str().

    `self_url` is the feed's own absolute address (rel="self"), of type `self_type`;
    `page` the listing it follows (a section, tag, author, year or month), else the site.
    """
    articles = list(articles)
    site_url = config["SITE_URL"] + "/"
    home_url = page.url if page else site_url
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)  # dc:creator: RSS <author> needs an email
    feed.id(home_url)
    feed.title(page.title if page else config["SITE_NAME"])
    # Also the RSS <description>.
    feed.subtitle(page.subtitle if page else config["SITE_DESCRIPTION"])
    # Atom wants an author on the feed when an entry has none; the site itself is one.
    feed.author({"name": config["SITE_NAME"], "uri": site_url})
    feed.link(href=self_url, rel="self", type=self_type)
    feed.link(href=home_url, rel="alternate")  # last, as feedgen gives RSS <link> the last one
    feed.language(config["SITE_LANGUAGE"])
    feed.generator("article-site")
    newest = last_change(articles) or EMPTY_FEED_DATE
    feed.updated(newest)
    feed.lastBuildDate(newest)

    for article in articles:
        url = article_url(article)
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(article.title)
        entry.link(href=url, rel="alternate")
        entry.published(article.published)
        entry.updated(article.modified)
        # RSS <description> is HTML, so the plain-text summary is escaped for it; Atom's
        # <summary> is text. description() also sets Atom content, which content() then
        # replaces, and summary() keeps an RSS description that is already set.
        entry.description(escape(article.summary, quote=False))
        entry.content(absolute_links(article.body_html, url), type="html")
        entry.summary(article.summary)
        for name in article.authors:
            entry.author({"name": name})
            entry.dc.dc_creator(name)
        for term in ((article.section,) if article.section else ()) + article.tags:
            entry.category(term=term)
    return feed


def atom(articles: Iterable[Article], config, article_url: ArticleURL, self_url: str,
         page: FeedPage | None = None) -> bytes:
    """An Atom 1.0 document (UTF-8 bytes)."""
    feed = build_feed(articles, config, article_url, self_url, MEDIA_TYPES["atom"], page)
    return feed.atom_str(pretty=True, encoding="UTF-8")


def rss(articles: Iterable[Article], config, article_url: ArticleURL, self_url: str,
        page: FeedPage | None = None) -> bytes:
    """An RSS 2.0 document (UTF-8 bytes)."""
    feed = build_feed(articles, config, article_url, self_url, MEDIA_TYPES["rss"], page)
    return feed.rss_str(pretty=True, encoding="UTF-8")


FORMATS = {"atom": atom, "rss": rss}
