"""What a page says about itself to crawlers and social networks.

Open Graph and Twitter tags decide how a shared link looks; the JSON-LD NewsArticle is
what search engines read for article results, a CollectionPage describes a listing (a
section, tag, author or the archive), and a BreadcrumbList the page's breadcrumb. They
are built here as plain data from an Article (or a Listing) and the site's settings, so
the template only prints them (escaped by Jinja: attributes with autoescape, the JSON-LD
with |tojson) and tests can check them directly.
Every URL is absolute and built from SITE_URL, never from the request.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from .articles import Article, ArticleURL, SitePage

if TYPE_CHECKING:
    from .listings import Listing

SCHEMA = "https://schema.org"


@dataclass(frozen=True)
class PageMetadata:
    """The head tags of one page: (property, content) pairs in the order they print, and
    the JSON-LD objects, each printed as its own <script type="application/ld+json">."""

    open_graph: tuple[tuple[str, str], ...] = ()
    twitter: tuple[tuple[str, str], ...] = ()
    json_ld: tuple[dict, ...] = ()


@dataclass(frozen=True)
class ShareImage:
    """The image a shared link shows (app/media.py's share card), by absolute URL."""

    url: str
    width: int
    height: int
    media_type: str
    alt: str


def twitter_handle(profile_url: str | None) -> str | None:
    """'@name' from the site's X profile URL (https://x.com/name), for twitter:site."""
    if not profile_url:
        return None
    name = urlsplit(profile_url).path.strip("/").split("/")[0]
    return f"@{name}" if name else None


def twitter_site(config) -> list[tuple[str, str]]:
    """The twitter:site tag naming the site's X account, when one is configured."""
    handle = twitter_handle(config["SOCIAL_PROFILES"].get("x"))
    return [("twitter:site", handle)] if handle else []


def publisher(config, logo_url: str | None = None) -> dict:
    """The site as a schema.org Organization, the publisher of every article."""
    organization = {"@type": "Organization", "name": config["SITE_NAME"],
                    "url": config["SITE_URL"] + "/"}
    if logo_url:
        organization["logo"] = {"@type": "ImageObject", "url": logo_url}
    return organization


def news_article(article: Article, url: str, config, logo_url: str | None = None,
                 image: ShareImage | None = None) -> dict:
    """A schema.org NewsArticle following Google's Article structured-data guidance.

    Dates keep their offset (ISO 8601, as Google asks); authors are Person objects and
    are left out when unknown rather than guessed; the image is the share card.
    """
    data = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published.isoformat(),
        "dateModified": article.modified.isoformat(),
        "inLanguage": config["SITE_LANGUAGE"],
        "publisher": publisher(config, logo_url),
    }
    if article.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in article.authors]
    if image:
        data["image"] = [{"@type": "ImageObject", "url": image.url, "width": image.width,
                          "height": image.height}]
    if article.section:
        data["articleSection"] = article.section
    if article.tags:
        data["keywords"] = list(article.tags)
    return data


def breadcrumb_list(trail: Sequence[tuple[str, str]], config) -> dict:
    """A schema.org BreadcrumbList of (name, path) steps, from the front page down."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [{"@type": "ListItem", "position": position, "name": name,
                             "item": urljoin(config["SITE_URL"] + "/", path)}
                            for position, (name, path) in enumerate(trail, start=1)],
    }


def collection_page(listing: Listing, url: str, title: str, config,
                    articles: Sequence[Article], first_position: int,
                    article_url: ArticleURL) -> dict:
    """A schema.org CollectionPage for one page of a listing: what it is about, and the
    articles on it as an ItemList (positions counted from the listing's first page)."""
    data = {
        "@context": SCHEMA,
        "@type": "CollectionPage",
        "@id": url,
        "url": url,
        "name": title,
        "description": listing.description,
        "inLanguage": config["SITE_LANGUAGE"],
        "isPartOf": {"@type": "WebSite", "name": config["SITE_NAME"],
                     "url": config["SITE_URL"] + "/"},
    }
    if listing.group == "authors":
        data["about"] = {"@type": "Person", "name": listing.name}
    elif listing.group in ("sections", "tags"):
        data["about"] = {"@type": "Thing", "name": listing.name}
    if articles:
        data["mainEntity"] = {"@type": "ItemList", "itemListElement": [
            {"@type": "ListItem", "position": position, "url": article_url(article),
             "name": article.title}
            for position, article in enumerate(articles, start=first_position)]}
    return data


def for_listing(listing: Listing, url: str, title: str, trail: Sequence[tuple[str, str]],
                config, articles: Sequence[Article], first_position: int,
                article_url: ArticleURL) -> PageMetadata:
    """Open Graph, a Twitter card, a CollectionPage and a BreadcrumbList for a page of a
    listing."""
    site_page = for_site_page(url, title, config, listing.description)
    return PageMetadata(open_graph=site_page.open_graph, twitter=site_page.twitter, json_ld=(
        collection_page(listing, url, title, config, articles, first_position, article_url),
        breadcrumb_list(trail, config)))


def _og_image(image: ShareImage) -> list[tuple[str, str]]:
    return [("og:image", image.url), ("og:image:type", image.media_type),
            ("og:image:width", str(image.width)), ("og:image:height", str(image.height)),
            ("og:image:alt", image.alt)]


def for_article(article: Article, url: str, config, logo_url: str | None = None,
                image: ShareImage | None = None,
                trail: Sequence[tuple[str, str]] = ()) -> PageMetadata:
    """Open Graph (og:* and article:*), a Twitter card and JSON-LD (the NewsArticle, and
    a BreadcrumbList when given a `trail`) for an article page; `image` is its share card
    (every article has one: app/media.py)."""
    og = [
        ("og:type", "article"),
        ("og:title", article.title),
        ("og:description", article.summary),
        ("og:url", url),
        ("og:site_name", config["SITE_NAME"]),
    ]
    if image:
        og += _og_image(image)
    og += [
        ("article:published_time", article.published.isoformat()),
        ("article:modified_time", article.modified.isoformat()),
    ]
    if article.section:
        og.append(("article:section", article.section))
    og += [("article:tag", tag) for tag in article.tags]

    twitter = [("twitter:card", "summary_large_image" if image else "summary"),
               ("twitter:title", article.title),
               ("twitter:description", article.summary)]
    if image:
        twitter += [("twitter:image", image.url), ("twitter:image:alt", image.alt)]
    twitter += twitter_site(config)
    json_ld = [news_article(article, url, config, logo_url, image)]
    if trail:
        json_ld.append(breadcrumb_list(trail, config))
    return PageMetadata(open_graph=tuple(og), twitter=tuple(twitter), json_ld=tuple(json_ld))


def website(config, search_url: str) -> dict:
    """The site as a schema.org WebSite whose SearchAction says how to search it: what
    search engines read to offer a search box for the site in their results."""
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": config["SITE_NAME"],
        "url": config["SITE_URL"] + "/",
        "inLanguage": config["SITE_LANGUAGE"],
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint",
                       "urlTemplate": search_url + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    }


def web_page(page: SitePage, url: str, config) -> dict:
    """A schema.org WebPage: a page of the site that is not news (not a NewsArticle)."""
    data = {"@context": SCHEMA, "@type": "WebPage", "@id": url, "url": url,
            "name": page.title, "description": page.summary,
            "inLanguage": config["SITE_LANGUAGE"],
            "isPartOf": {"@type": "WebSite", "name": config["SITE_NAME"],
                         "url": config["SITE_URL"] + "/"}}
    if page.updated:
        data["dateModified"] = page.updated.isoformat()
    return data


def for_page(page: SitePage, url: str, config) -> PageMetadata:
    """Open Graph, a Twitter card and a WebPage for a page apart from the news."""
    site_page = for_site_page(url, page.title, config, page.summary)
    return PageMetadata(open_graph=site_page.open_graph, twitter=site_page.twitter,
                        json_ld=(web_page(page, url, config),))


def for_site_page(url: str, title: str, config, description: str | None = None,
                  search_url: str | None = None) -> PageMetadata:
    """Open Graph and a Twitter card for a page of the site that is not an article
    (`description`: the site's, unless the page has its own); with `search_url` (the
    front page), the WebSite JSON-LD with its SearchAction too."""
    description = description or config["SITE_DESCRIPTION"]
    og = (("og:type", "website"), ("og:title", title),
          ("og:description", description), ("og:url", url),
          ("og:site_name", config["SITE_NAME"]))
    twitter = [("twitter:card", "summary"), ("twitter:title", title),
               ("twitter:description", description), *twitter_site(config)]
    return PageMetadata(open_graph=og, twitter=tuple(twitter),
                        json_ld=(website(config, search_url),) if search_url else ())
