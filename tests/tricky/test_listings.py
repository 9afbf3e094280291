"""Listing pages named by hostile names (markup, quotes, an ampersand, right-to-left text):
the names come out as text in the HTML, the feeds and the JSON-LD, and the addresses made
from them are plain ASCII in links and sitemaps."""
from __future__ import annotations

import json

import feedparser
import pytest
from bs4 import BeautifulSoup

from tests.support import SITE_URL
from tests.tricky.content import (
    TRICKY_AUTHORS,
    TRICKY_BIO,
    TRICKY_SECTION,
    TRICKY_TAGS,
    TRICKY_TITLE,
)

LISTINGS = ([("sections", *TRICKY_SECTION)] + [("tags", *tag) for tag in TRICKY_TAGS]
            + [("authors", *author) for author in TRICKY_AUTHORS])
IDS = [f"{group}/{slug}" for group, _, slug in LISTINGS]


def soup_of(client, path: str) -> tuple[str, BeautifulSoup]:
    response = client.get(path)
    assert response.status_code == 200, path
    body = response.get_data(as_text=True)
    return body, BeautifulSoup(body, "html5lib")


def json_ld(soup) -> dict[str, dict]:
    scripts = soup.select('script[type="application/ld+json"]')
    for script in scripts:  # |tojson escapes <, > and &: nothing can close the script
        assert "<" not in script.string and ">" not in script.string
    return {data["@type"]: data for data in (json.loads(s.string) for s in scripts)}


@pytest.mark.parametrize("group, name, slug", LISTINGS, ids=IDS)
def test_listing_page_shows_the_name_as_text(client, group, name, slug):
    path = f"/{group}/{slug}"
    body, soup = soup_of(client, path)
    h1 = soup.select_one("main h1")
    assert h1.get_text() == name
    assert h1.find(["b", "i", "script"]) is None and h1.select_one("bdi") is not None
    assert soup.title.get_text() == f"{name} — The Small Dispatch"
    assert soup.select_one('meta[property="og:title"]')["content"] == name
    if set(name) & set("<>&\"'"):  # nowhere in the bytes as it is: always escaped
        assert name not in body
    nav = soup.select_one('nav[aria-label="Breadcrumb"]')
    assert [bdi.get_text() for bdi in nav.select("bdi")] == ["Home", name]
    data = json_ld(soup)
    assert data["CollectionPage"]["name"] == name
    assert data["BreadcrumbList"]["itemListElement"][-1] == {
        "@type": "ListItem", "position": 2, "name": name, "item": SITE_URL + path}
    if group != "authors":
        assert data["CollectionPage"]["about"] == {"@type": "Thing", "name": name}


@pytest.mark.parametrize("group, name, slug", LISTINGS, ids=IDS)
@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_listing_feed_titles_keep_the_name(client, group, name, slug, kind):
    response = client.get(f"/{group}/{slug}/feed.{kind}")
    assert response.status_code == 200
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == f"{name} — The Small Dispatch"
    assert TRICKY_TITLE in [entry.title for entry in parsed.entries]


def test_article_links_show_every_name_as_text(client):
    _, soup = soup_of(client, "/articles/tricky")
    header = soup.select_one("main article header")
    assert [a.get_text() for a in header.select(".kicker a")] == [TRICKY_SECTION[0]]
    assert [(a.get_text(), a["href"]) for a in header.select('a[rel="author"]')] == [
        (name, f"/authors/{slug}") for name, slug in TRICKY_AUTHORS]
    assert [(a.get_text(), a["href"]) for a in soup.select('ul[aria-label="Tags"] a')] == [
        (name, f"/tags/{slug}") for name, slug in TRICKY_TAGS]
    # The names' markup is text: no element comes out of them.
    assert header.select(".article-meta b, .kicker b") == [] and soup.select(".tags i") == []
    for link in header.select('a[rel="author"]') + soup.select('ul[aria-label="Tags"] a'):
        assert [child.name for child in link.children] == ["bdi"]  # RTL stays in its box
    # Its one other story in the section is its Next article, so none is related.
    assert soup.select_one('section[aria-labelledby="related-heading"]') is None


def test_related_stories_heading_and_titles_are_text(client):
    _, soup = soup_of(client, "/articles/old-story")
    related = soup.select_one('section[aria-labelledby="related-heading"]')
    assert related.select_one("h2").get_text() == f"More in {TRICKY_SECTION[0]}"
    assert [h3.get_text() for h3 in related.select("h3")] == [TRICKY_TITLE]
    assert related.select("b, i, script") == []


def test_author_biography_is_markdown_without_markup(client):
    _, soup = soup_of(client, "/authors/zoe-angstrom")
    bio = soup.select_one(".bio")
    assert bio.get_text().strip() == TRICKY_BIO
    assert bio.select("script") == []


def test_sitemap_addresses_made_from_names_are_plain_ascii(client):
    text = client.get("/sitemap.xml").get_data(as_text=True)
    locs = [line.strip()[5:-6] for line in text.splitlines() if line.strip().startswith("<loc>")]
    made = [loc for loc in locs if loc.startswith((f"{SITE_URL}/sections/",
                                                   f"{SITE_URL}/tags/", f"{SITE_URL}/authors/"))]
    assert sorted(made) == sorted(f"{SITE_URL}/{group}/{slug}" for group, _, slug in LISTINGS)
    assert all(loc.isascii() for loc in locs)
