"""/sitemap.xml, /news-sitemap.xml and /robots.txt as a crawler reads them: the XML parsed
with lxml, validated against the sitemap schema (tests/data/*.xsd) and checked against the
store; the news sitemap under a fixed clock."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from lxml import etree

from app import create_app
from app.config import ConfigError
from app.sitemaps import (
    SITEMAP_LIMIT,
    lead_bounds,
    news_language,
    news_sitemap,
    part_bounds,
    part_count,
    recent_articles,
)
from app.state import state
from tests.support import ROOT, SITE_URL
from tests.tricky.content import TRICKY_TITLE, make_app, utc

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "news": "http://www.google.com/schemas/sitemap-news/0.9"}

# tricky: published 2026-11-25 09:00 UTC; late-night: 2026-11-25 23:00 UTC;
# old-story: 2026-11-18 09:00 UTC.
NOON_26 = utc(2026, 11, 26, 12)


# The sitemap protocol's schema and Google News' tags, written from their documentation;
# one schema importing both validates a news sitemap strictly, as the protocol asks.
SCHEMAS = ROOT / "tests" / "data"
SCHEMA = etree.XMLSchema(etree.fromstring(f"""\
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <xsd:import namespace="{NS['s']}" schemaLocation="{(SCHEMAS / 'sitemap-0.9.xsd').as_uri()}"/>
  <xsd:import namespace="{NS['news']}"
              schemaLocation="{(SCHEMAS / 'sitemap-news-0.9.xsd').as_uri()}"/>
</xsd:schema>"""))

# The tricky site's listing pages, each with its newest article's last change: tricky's
# (updated 2026-11-25 11:30 UTC) where it is listed, else old-story's.
TRICKY = "2026-11-25T12:30:00+01:00"
OLD = "2026-11-18T09:00:00+00:00"
LISTING_PAGES = {
    "/sections/monde-societe": TRICKY, "/tags/defense": TRICKY, "/tags/i-x-i": TRICKY,
    "/tags/bryt-q": TRICKY, "/authors/zoe-angstrom": TRICKY, "/authors/jean-dupont": TRICKY,
    "/authors/o-brien-b-al-b": TRICKY, "/archive/": "2026-11-26T08:00:00+09:00",
    "/archive/2026/": "2026-11-26T08:00:00+09:00", "/archive/2026/11/": "2026-11-26T08:00:00+09:00",
}
# Every URL of the tricky site: the front page, the listings, the three articles.
URL_COUNT = 1 + len(LISTING_PAGES) + 3


def xml(response):
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = etree.fromstring(response.get_data())
    assert SCHEMA.validate(root), SCHEMA.error_log
    return root


def clocked(tmp_path, now, **settings):
    return make_app(tmp_path, now=now, **settings).test_client()


def robots_sitemaps(client) -> list[str]:
    lines = client.get("/robots.txt").get_data(as_text=True).splitlines()
    return [line.removeprefix("Sitemap: ") for line in lines if line.startswith("Sitemap:")]


def news_entries(client) -> dict[str, dict[str, str]]:
    root = xml(client.get("/news-sitemap.xml"))
    assert root.tag == f"{{{NS['s']}}}urlset"
    entries = {}
    for url in root.findall("s:url", NS):
        news = url.find("news:news", NS)
        entries[url.findtext("s:loc", namespaces=NS)] = {
            "name": news.findtext("news:publication/news:name", namespaces=NS),
            "language": news.findtext("news:publication/news:language", namespaces=NS),
            "date": news.findtext("news:publication_date", namespaces=NS),
            "title": news.findtext("news:title", namespaces=NS),
        }
    return entries


def test_sitemap_lists_home_listings_and_every_article_with_lastmod(app, client):
    root = xml(client.get("/sitemap.xml"))
    assert root.tag == f"{{{NS['s']}}}urlset"
    listed = {url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
              for url in root.findall("s:url", NS)}
    store = state(app).store
    expected = {f"{SITE_URL}/articles/{a.slug}": a.modified for a in store}
    expected[f"{SITE_URL}/"] = max(a.modified for a in store)
    expected |= {SITE_URL + path: datetime.fromisoformat(lastmod)
                 for path, lastmod in LISTING_PAGES.items()}
    assert set(listed) == set(expected) and len(listed) == URL_COUNT
    for loc, lastmod in listed.items():
        assert datetime.fromisoformat(lastmod) == expected[loc], loc
        assert datetime.fromisoformat(lastmod).utcoffset() is not None
    assert listed[f"{SITE_URL}/articles/tricky"] == "2026-11-25T12:30:00+01:00"
    assert listed[f"{SITE_URL}/tags/i-x-i"] == TRICKY


def test_every_listing_in_the_sitemap_is_a_page(client):
    root = xml(client.get("/sitemap.xml"))
    for loc in root.findall("s:url/s:loc", NS):
        assert client.get(loc.text.removeprefix(SITE_URL)).status_code == 200, loc.text


def test_news_sitemap_lists_the_last_two_days(tmp_path):
    store_app = make_app(tmp_path, now=NOON_26)
    entries = news_entries(store_app.test_client())
    assert set(entries) == {f"{SITE_URL}/articles/tricky", f"{SITE_URL}/articles/late-night"}
    tricky = entries[f"{SITE_URL}/articles/tricky"]
    assert tricky == {"name": "The Small Dispatch", "language": "en",
                      "date": "2026-11-25T10:00:00+01:00", "title": TRICKY_TITLE}


def test_news_sitemap_follows_the_clock_through_the_cache(app, client):
    """The same app, asked again later: an article past its two days must drop out, even
    though the earlier answer is in the page cache. With none left there is no news
    sitemap (an empty urlset is invalid), and robots.txt stops naming it."""
    moments = [
        (utc(2026, 11, 25, 8), set()),                           # nothing published yet
        (utc(2026, 11, 25, 9), {"tricky"}),                      # at publication exactly
        (NOON_26, {"tricky", "late-night"}),
        (utc(2026, 11, 27, 9), {"tricky", "late-night"}),        # exactly two days: still in
        (utc(2026, 11, 27, 9, 0, 1), {"late-night"}),            # one second later: out
        (utc(2026, 12, 1), set()),                               # none: no news sitemap
        (NOON_26, {"tricky", "late-night"}),
    ]
    for now, slugs in moments:
        state(app).clock = lambda now=now: now
        news = f"{SITE_URL}/news-sitemap.xml"
        if slugs:
            assert set(news_entries(client)) == {f"{SITE_URL}/articles/{s}" for s in slugs}, now
            assert robots_sitemaps(client) == [f"{SITE_URL}/sitemap.xml", news]
        else:
            response = client.get("/news-sitemap.xml")
            assert response.status_code == 404, now
            assert response.headers["Cache-Control"].startswith("public, max-age=60")
            assert robots_sitemaps(client) == [f"{SITE_URL}/sitemap.xml"]


def test_news_sitemap_etag_is_stable_while_its_articles_are(tmp_path):
    app = make_app(tmp_path, now=NOON_26)
    client = app.test_client()
    first = client.get("/news-sitemap.xml")
    state(app).clock = lambda: NOON_26 + timedelta(hours=3)
    assert client.get("/news-sitemap.xml",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    state(app).clock = lambda: NOON_26 + timedelta(days=1)  # tricky is out, late-night in
    later = client.get("/news-sitemap.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert later.status_code == 200 and later.headers["ETag"] != first.headers["ETag"]


def test_an_empty_site_has_a_valid_sitemap_and_no_news_sitemap(tmp_path):
    (tmp_path / "articles").mkdir()  # and nothing in it
    client = create_app({"TESTING": True, "SITE_URL": SITE_URL,
                         "CONTENT_DIR": str(tmp_path)}).test_client()
    assert client.get("/news-sitemap.xml").status_code == 404
    assert [loc.text for loc in xml(client.get("/sitemap.xml")).findall("s:url/s:loc", NS)] == [
        f"{SITE_URL}/"]
    assert robots_sitemaps(client) == [f"{SITE_URL}/sitemap.xml"]


def test_the_schema_refuses_an_empty_urlset():
    """What the news sitemap used to send when no article was recent."""
    assert not SCHEMA.validate(etree.fromstring(
        f'<urlset xmlns="{NS["s"]}" xmlns:news="{NS["news"]}"/>'.encode()))
    with pytest.raises(ValueError, match="at least one"):
        news_sitemap((), {"SITE_NAME": "x", "SITE_LANGUAGE": "en"}, str)


def test_recent_articles_needs_an_aware_clock(app):
    store = state(app).store
    with pytest.raises(ValueError, match="timezone"):
        recent_articles(store, datetime(2026, 11, 26))


@pytest.mark.parametrize("language, code", [("en", "en"), ("en-GB", "en"), ("fr_FR", "fr"),
                                            ("zh-CN", "zh-cn"), ("zh-TW", "zh-tw")])
def test_news_language_codes(language, code):
    assert news_language(language) == code


def test_sitemaps_ignore_the_host_header(tmp_path):
    client = clocked(tmp_path, NOON_26)
    for path in ("/sitemap.xml", "/news-sitemap.xml", "/robots.txt"):
        body = client.get(path, headers={"Host": "evil.example"}).get_data(as_text=True)
        assert "evil.example" not in body and SITE_URL in body


def test_robots_allows_all_and_names_both_sitemaps(tmp_path):
    client = clocked(tmp_path, NOON_26)
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    assert robots_sitemaps(client) == [f"{SITE_URL}/sitemap.xml",
                                       f"{SITE_URL}/news-sitemap.xml"]
    assert not any(line.startswith("Disallow:") and line != "Disallow:" for line in lines)


# --- Past SITEMAP_URLS_PER_FILE URLs: an index of parts. The tricky site has URL_COUNT
# URLs (the front page, its listings, 3 articles), so small limits split it as a
# 100,000-article site would be: lead pages only, lead pages and articles, articles only.

def sitemap_urls(root) -> list[tuple[str, str]]:
    assert root.tag == f"{{{NS['s']}}}urlset"
    return [(url.findtext("s:loc", namespaces=NS), url.findtext("s:lastmod", namespaces=NS))
            for url in root.findall("s:url", NS)]


@pytest.mark.parametrize("limit", [1, 2, 5, 11, 12, URL_COUNT - 1])
def test_big_site_gets_an_index_of_parts_holding_every_url_once(tmp_path, limit):
    app = make_app(tmp_path, SITEMAP_URLS_PER_FILE=limit)
    client = app.test_client()
    parts = -(-URL_COUNT // limit)
    index = xml(client.get("/sitemap.xml", headers={"Host": "evil.example"}))
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    entries = [(entry.findtext("s:loc", namespaces=NS), entry.findtext("s:lastmod", namespaces=NS))
               for entry in index.findall("s:sitemap", NS)]
    expected = [f"{SITE_URL}/sitemap-{n}.xml" for n in range(1, parts + 1)]
    assert [loc for loc, _ in entries] == expected

    listed = []
    for number, (loc, lastmod) in enumerate(entries, start=1):
        urls = sitemap_urls(xml(client.get(loc.removeprefix(SITE_URL))))
        assert 1 <= len(urls) <= limit
        assert datetime.fromisoformat(lastmod) == max(datetime.fromisoformat(m) for _, m in urls)
        if number == 1:
            assert urls[0][0] == f"{SITE_URL}/"
        listed += [url for url, _ in urls]

    store = state(app).store
    expected = ([f"{SITE_URL}/"] + [SITE_URL + path for path in LISTING_PAGES]
                + [f"{SITE_URL}/articles/{a.slug}" for a in store])
    assert Counter(listed) == Counter(expected) and len(listed) == URL_COUNT
    # The front page first, the articles last and in the store's order.
    assert listed[0] == f"{SITE_URL}/" and listed[-3:] == expected[-3:]
    # The front page's lastmod is the newest article's, as in the single urlset.
    home_lastmod = dict(sitemap_urls(xml(client.get("/sitemap-1.xml"))))[f"{SITE_URL}/"]
    assert datetime.fromisoformat(home_lastmod) == max(a.modified for a in store)


@pytest.mark.parametrize("path", ["/sitemap-0.xml", "/sitemap-8.xml", "/sitemap-01.xml",
                                  "/sitemap-99999999999999999999.xml", "/sitemap--1.xml"])
def test_parts_out_of_range_are_the_sites_404(tmp_path, path):
    client = make_app(tmp_path, SITEMAP_URLS_PER_FILE=2).test_client()
    assert client.get("/sitemap-7.xml").status_code == 200
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_site_within_the_limit_keeps_the_single_urlset_and_has_no_parts(tmp_path):
    (tmp_path / "a").mkdir()
    default = make_app(tmp_path / "a").test_client().get("/sitemap.xml").get_data()
    (tmp_path / "b").mkdir()
    exactly = make_app(tmp_path / "b", SITEMAP_URLS_PER_FILE=URL_COUNT).test_client()
    assert exactly.get("/sitemap.xml").get_data() == default
    assert len(sitemap_urls(etree.fromstring(default))) == URL_COUNT
    assert exactly.get("/sitemap-1.xml").status_code == 404


def test_robots_names_the_index_when_the_sitemap_is_split(tmp_path):
    client = clocked(tmp_path, NOON_26, SITEMAP_URLS_PER_FILE=2)
    assert robots_sitemaps(client) == [f"{SITE_URL}/sitemap.xml",
                                       f"{SITE_URL}/news-sitemap.xml"]


@pytest.mark.parametrize("lead", [1, 2, 5, 9])
@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_parts_cover_every_position_once(limit, lead):
    """part_count, lead_bounds and part_bounds agree for every site size around the
    boundaries: each lead page and each article in exactly one part, in order."""
    for articles in range(4 * limit + 2):
        count = part_count(articles, limit, lead)
        assert count == (0 if articles + lead <= limit else -(-(articles + lead) // limit))
        leads = [lead_bounds(n, limit) for n in range(1, count + 1)]
        bounds = [part_bounds(n, limit, lead) for n in range(1, count + 1)]
        # In order, each once (the last part's stops may pass the end: slices stop).
        lead_positions = [p for start, stop in leads for p in range(start, min(stop, lead))]
        positions = [p for start, stop in bounds for p in range(start, min(stop, articles))]
        if count:
            assert lead_positions == list(range(lead))
            assert positions == list(range(articles))
        # No part is empty or too big.
        sizes = [len(range(a, min(b, lead))) + len(range(c, min(d, articles)))
                 for (a, b), (c, d) in zip(leads, bounds, strict=True)]
        assert all(1 <= size <= limit for size in sizes), sizes


def test_a_hundred_thousand_articles_need_three_files():
    assert part_count(100_000) == 3 and part_count(SITEMAP_LIMIT - 1) == 0
    assert part_bounds(1) == (0, SITEMAP_LIMIT - 1)
    assert part_bounds(3) == (2 * SITEMAP_LIMIT - 1, 3 * SITEMAP_LIMIT - 1)


@pytest.mark.parametrize("value", [0, SITEMAP_LIMIT + 1, True, "3"])
def test_bad_urls_per_file_is_named(tmp_path, value):
    with pytest.raises(ConfigError, match="SITEMAP_URLS_PER_FILE"):
        make_app(tmp_path, SITEMAP_URLS_PER_FILE=value)
