"""What a page says about itself to crawlers and social networks.

Open Graph and Twitter tags decide how a shared link looks; the JSON-LD NewsArticle is
what search engines read for article results. They are built here as plain data from an
Article and the site's settings, so the template only prints them (escaped by Jinja:
attributes with autoescape, the JSON-LD with |tojson) and tests can check them directly.
Every URL is absolute and built from SITE_URL, never from the request.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from .articles import Article


@dataclass(frozen=True)
class PageMetadata:
    """The head tags of one page: (property, content) pairs in the order they print."""

    open_graph: tuple[tuple[str, str], ...] = ()
    twitter: tuple[tuple[str, str], ...] = ()
    json_ld: dict | None = field(default=None)


def absolute(url: str, base: str) -> str:
    """`url` as the browser would resolve it from the page at `base`."""
    return urljoin(base, url)


def image_url(article: Article, article_url: str) -> str | None:
    """The article's image as an absolute URL, resolved like the page's <img src>."""
    return absolute(article.image, article_url) if article.image else None


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


def news_article(article: Article, url: str, config, logo_url: str | None = None) -> dict:
    """A schema.org NewsArticle following Google's Article structured-data guidance.

    Dates keep their offset (ISO 8601, as Google asks); authors are Person objects and
    are left out when unknown rather than guessed.
    """
    data = {
        "@context": "https://schema.org",
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
    image = image_url(article, url)
    if image:
        data["image"] = [image]
    if article.section:
        data["articleSection"] = article.section
    if article.tags:
        data["keywords"] = list(article.tags)
    return data


def for_article(article: Article, url: str, config, logo_url: str | None = None) -> PageMetadata:
    """Open Graph (og:* and article:*), a Twitter card and JSON-LD for an article page."""
    image = image_url(article, url)
    og = [
        ("og:type", "article"),
        ("og:title", article.title),
        ("og:description", article.summary),
        ("og:url", url),
        ("og:site_name", config["SITE_NAME"]),
    ]
    if image:
        og.append(("og:image", image))
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
        twitter.append(("twitter:image", image))
    twitter += twitter_site(config)
    return PageMetadata(open_graph=tuple(og), twitter=tuple(twitter),
                        json_ld=news_article(article, url, config, logo_url))


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


def for_site_page(url: str, title: str, config, search_url: str | None = None) -> PageMetadata:
    """Open Graph and a Twitter card for a page of the site that is not an article; with
    `search_url` (the front page), the WebSite JSON-LD with its SearchAction too."""
    og = (("og:type", "website"), ("og:title", title),
          ("og:description", config["SITE_DESCRIPTION"]), ("og:url", url),
          ("og:site_name", config["SITE_NAME"]))
    twitter = [("twitter:card", "summary"), ("twitter:title", title),
               ("twitter:description", config["SITE_DESCRIPTION"]), *twitter_site(config)]
    return PageMetadata(open_graph=og, twitter=tuple(twitter),
                        json_ld=website(config, search_url) if search_url else None)
