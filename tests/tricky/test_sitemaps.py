"""/sitemap.xml, /news-sitemap.xml and /robots.txt as a crawler reads them: the XML parsed
with lxml and checked against the store; the news sitemap under a fixed clock."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from lxml import etree

from app import create_app
from app.config import ConfigError
from app.sitemaps import SITEMAP_LIMIT, news_language, part_bounds, part_count, recent_articles
from app.state import state
from tests.support import SITE_URL
from tests.tricky.content import TRICKY_TITLE, make_app, utc

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "news": "http://www.google.com/schemas/sitemap-news/0.9"}

# tricky: published 2026-11-25 09:00 UTC; late-night: 2026-11-25 23:00 UTC;
# old-story: 2026-11-18 09:00 UTC.
NOON_26 = utc(2026, 11, 26, 12)


def xml(response):
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    return etree.fromstring(response.get_data())


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


def test_sitemap_lists_home_and_every_article_with_lastmod(app, client):
    root = xml(client.get("/sitemap.xml"))
    assert root.tag == f"{{{NS['s']}}}urlset"
    listed = {url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
              for url in root.findall("s:url", NS)}
    store = state(app).store
    expected = {f"{SITE_URL}/articles/{a.slug}": a.modified for a in store}
    expected[f"{SITE_URL}/"] = max(a.modified for a in store)
    assert set(listed) == set(expected)
    for loc, lastmod in listed.items():
        assert datetime.fromisoformat(lastmod) == expected[loc]
        assert datetime.fromisoformat(lastmod).utcoffset() is not None
    assert listed[f"{SITE_URL}/articles/tricky"] == "2026-11-25T12:30:00+01:00"


def test_news_sitemap_lists_the_last_two_days(tmp_path):
    store_app = make_app(tmp_path, now=NOON_26)
    entries = news_entries(store_app.test_client())
    assert set(entries) == {f"{SITE_URL}/articles/tricky", f"{SITE_URL}/articles/late-night"}
    tricky = entries[f"{SITE_URL}/articles/tricky"]
    assert tricky == {"name": "The Small Dispatch", "language": "en",
                      "date": "2026-11-25T10:00:00+01:00", "title": TRICKY_TITLE}


def test_news_sitemap_follows_the_clock_through_the_cache(app, client):
    """The same app, asked again later: an article past its two days must drop out, even
    though the earlier answer is in the page cache."""
    moments = [
        (utc(2026, 11, 25, 8), set()),                           # nothing published yet
        (utc(2026, 11, 25, 9), {"tricky"}),                      # at publication exactly
        (NOON_26, {"tricky", "late-night"}),
        (utc(2026, 11, 27, 9), {"tricky", "late-night"}),        # exactly two days: still in
        (utc(2026, 11, 27, 9, 0, 1), {"late-night"}),            # one second later: out
        (utc(2026, 12, 1), set()),                               # valid and empty
        (NOON_26, {"tricky", "late-night"}),
    ]
    for now, slugs in moments:
        state(app).clock = lambda now=now: now
        assert set(news_entries(client)) == {f"{SITE_URL}/articles/{s}" for s in slugs}, now


def test_news_sitemap_etag_is_stable_while_its_articles_are(tmp_path):
    app = make_app(tmp_path, now=NOON_26)
    client = app.test_client()
    first = client.get("/news-sitemap.xml")
    state(app).clock = lambda: NOON_26 + timedelta(hours=3)
    assert client.get("/news-sitemap.xml",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    state(app).clock = lambda: NOON_26 + timedelta(days=3)
    later = client.get("/news-sitemap.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert later.status_code == 200 and later.headers["ETag"] != first.headers["ETag"]


def test_news_sitemap_of_an_empty_site_is_valid(tmp_path):
    (tmp_path / "articles").mkdir()  # and nothing in it
    client = create_app({"TESTING": True, "SITE_URL": SITE_URL,
                         "CONTENT_DIR": str(tmp_path)}).test_client()
    root = xml(client.get("/news-sitemap.xml"))
    assert root.tag == f"{{{NS['s']}}}urlset" and len(root) == 0
    assert xml(client.get("/sitemap.xml")).findall("s:url", NS)[0].findtext(
        "s:loc", namespaces=NS) == f"{SITE_URL}/"


def test_recent_articles_needs_an_aware_clock(app):
    store = state(app).store
    with pytest.raises(ValueError, match="timezone"):
        recent_articles(store, datetime(2026, 11, 26))


@pytest.mark.parametrize("language, code", [("en", "en"), ("en-GB", "en"), ("fr_FR", "fr"),
                                            ("zh-CN", "zh-cn"), ("zh-TW", "zh-tw")])
def test_news_language_codes(language, code):
    assert news_language(language) == code


def test_sitemaps_ignore_the_host_header(tmp_path):
    client = make_app(tmp_path, now=NOON_26).test_client()
    for path in ("/sitemap.xml", "/news-sitemap.xml", "/robots.txt"):
        body = client.get(path, headers={"Host": "evil.example"}).get_data(as_text=True)
        assert "evil.example" not in body and SITE_URL in body


def test_robots_allows_all_and_names_both_sitemaps(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        f"Sitemap: {SITE_URL}/sitemap.xml", f"Sitemap: {SITE_URL}/news-sitemap.xml"]
    assert not any(line.startswith("Disallow:") and line != "Disallow:" for line in lines)


# --- Past SITEMAP_URLS_PER_FILE URLs: an index of parts. The tricky site has 3 articles,
# so 4 URLs with the front page; small limits split it as a 100,000-article site would be.

def sitemap_urls(root) -> list[tuple[str, str]]:
    assert root.tag == f"{{{NS['s']}}}urlset"
    return [(url.findtext("s:loc", namespaces=NS), url.findtext("s:lastmod", namespaces=NS))
            for url in root.findall("s:url", NS)]


@pytest.mark.parametrize("limit, parts", [(1, 4), (2, 2), (3, 2)])
def test_big_site_gets_an_index_of_parts_holding_every_url_once(tmp_path, limit, parts):
    app = make_app(tmp_path, SITEMAP_URLS_PER_FILE=limit)
    client = app.test_client()
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
    expected = [f"{SITE_URL}/"] + [f"{SITE_URL}/articles/{a.slug}" for a in store]
    assert Counter(listed) == Counter(expected) and len(listed) == len(expected)
    # The front page's lastmod is the newest article's, as in the single urlset.
    home_lastmod = dict(sitemap_urls(xml(client.get("/sitemap-1.xml"))))[f"{SITE_URL}/"]
    assert datetime.fromisoformat(home_lastmod) == max(a.modified for a in store)


@pytest.mark.parametrize("path", ["/sitemap-0.xml", "/sitemap-3.xml", "/sitemap-01.xml",
                                  "/sitemap-99999999999999999999.xml", "/sitemap--1.xml"])
def test_parts_out_of_range_are_the_sites_404(tmp_path, path):
    client = make_app(tmp_path, SITEMAP_URLS_PER_FILE=2).test_client()
    assert client.get("/sitemap-2.xml").status_code == 200
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_site_within_the_limit_keeps_the_single_urlset_and_has_no_parts(tmp_path):
    (tmp_path / "a").mkdir()
    default = make_app(tmp_path / "a").test_client().get("/sitemap.xml").get_data()
    (tmp_path / "b").mkdir()
    exactly = make_app(tmp_path / "b", SITEMAP_URLS_PER_FILE=4).test_client()
    assert exactly.get("/sitemap.xml").get_data() == default
    assert len(sitemap_urls(etree.fromstring(default))) == 4
    assert exactly.get("/sitemap-1.xml").status_code == 404


def test_robots_names_the_index_when_the_sitemap_is_split(tmp_path):
    client = make_app(tmp_path, SITEMAP_URLS_PER_FILE=2).test_client()
    lines = client.get("/robots.txt").get_data(as_text=True).splitlines()
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        f"Sitemap: {SITE_URL}/sitemap.xml", f"Sitemap: {SITE_URL}/news-sitemap.xml"]


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_parts_cover_every_position_once(limit):
    """part_count and part_bounds agree for every site size around the boundaries."""
    for articles in range(4 * limit + 2):
        count = part_count(articles, limit)
        assert count == (0 if articles + 1 <= limit else -(-(articles + 1) // limit))
        bounds = [part_bounds(n, limit) for n in range(1, count + 1)]
        # In order, each article once (the last part's stop may pass the end: slices stop).
        positions = [p for start, stop in bounds for p in range(start, min(stop, articles))]
        if count:
            assert positions == list(range(articles))
        # Part 1 holds the front page and limit - 1 articles; no part is empty or too big.
        assert all(stop - start <= limit - (n == 1) for n, (start, stop) in enumerate(bounds, 1))
        assert all(start < articles for start, _ in bounds[1:])


def test_a_hundred_thousand_articles_need_three_files():
    assert part_count(100_000) == 3 and part_count(SITEMAP_LIMIT - 1) == 0
    assert part_bounds(1) == (0, SITEMAP_LIMIT - 1)
    assert part_bounds(3) == (2 * SITEMAP_LIMIT - 1, 3 * SITEMAP_LIMIT - 1)


@pytest.mark.parametrize("value", [0, SITEMAP_LIMIT + 1, True, "3"])
def test_bad_urls_per_file_is_named(tmp_path, value):
    with pytest.raises(ConfigError, match="SITEMAP_URLS_PER_FILE"):
        make_app(tmp_path, SITEMAP_URLS_PER_FILE=value)
