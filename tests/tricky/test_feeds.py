"""/feed.atom and /feed.rss as a feed reader sees them: parsed with feedparser and
checked against the store."""
from __future__ import annotations

import calendar

import feedparser
import pytest
from bs4 import BeautifulSoup

from app import create_app
from app.config import ConfigError
from app.feeds import absolute_links
from app.state import state
from tests.support import CONTENT_DIR, SITE_URL
from tests.tricky.content import TRICKY_SECTION, TRICKY_SUMMARY, TRICKY_TAGS, TRICKY_TITLE, make_app

FEEDS = {"/feed.atom": ("atom10", "application/atom+xml"),
         "/feed.rss": ("rss20", "application/rss+xml")}


def parse(client, path: str, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


def tricky_entry(parsed):
    [entry] = [e for e in parsed.entries if e.link == f"{SITE_URL}/articles/tricky"]
    return entry


def text(html: str) -> str:
    return BeautifulSoup(html, "html5lib").get_text()


@pytest.mark.parametrize("path", FEEDS)
def test_feed_is_valid_with_its_own_type(client, path):
    version, mimetype = FEEDS[path]
    response, parsed = parse(client, path)
    assert parsed.version == version
    assert response.mimetype == mimetype
    assert response.headers["ETag"]
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == SITE_URL + path
    assert links["alternate"] == SITE_URL + "/"
    assert parsed.feed.title == "The Small Dispatch"


@pytest.mark.parametrize("path", FEEDS)
def test_entries_follow_the_store_with_absolute_links(app, client, path):
    store = list(state(app).store)
    _, parsed = parse(client, path)
    assert [entry.link for entry in parsed.entries] == [
        f"{SITE_URL}/articles/{article.slug}" for article in store]
    assert [entry.id for entry in parsed.entries] == [entry.link for entry in parsed.entries]
    for entry, article in zip(parsed.entries, store, strict=True):
        assert calendar.timegm(entry.published_parsed) == int(article.published.timestamp())
        assert [a.name for a in entry.get("authors", []) if a.get("name")] == list(
            article.authors)


@pytest.mark.parametrize("path", FEEDS)
def test_tricky_title_and_summary_survive(client, path):
    _, parsed = parse(client, path)
    entry = tricky_entry(parsed)
    assert entry.title == TRICKY_TITLE
    # RSS descriptions are HTML, Atom summaries text: either way a reader shows this.
    summary = entry.summary if entry.summary_detail.type == "text/plain" else text(entry.summary)
    assert summary == TRICKY_SUMMARY
    assert [tag.term for tag in entry.tags] == [TRICKY_SECTION[0],
                                                *(name for name, _ in TRICKY_TAGS)]


@pytest.mark.parametrize("path", FEEDS)
def test_entries_carry_the_full_body_with_absolute_links(app, client, path):
    _, parsed = parse(client, path)
    entry = tricky_entry(parsed)
    [content] = entry.content
    assert content.type == "text/html"
    body = BeautifulSoup(content.value, "html5lib")
    assert body.get_text().strip() == "Read the old story & more."
    assert body.a["href"] == f"{SITE_URL}/articles/old-story"
    article = state(app).store.get("tricky")
    assert body.get_text().strip() == BeautifulSoup(article.body_html,
                                                   "html5lib").get_text().strip()


def test_feeds_hold_only_the_newest_articles(tmp_path):
    client = make_app(tmp_path, FEED_ARTICLES=2).test_client()
    for path in FEEDS:
        _, parsed = parse(client, path)
        assert [e.title for e in parsed.entries] == ["Late night news", TRICKY_TITLE]


def test_feed_updated_is_the_newest_change(app, client):
    _, parsed = parse(client, "/feed.atom")
    newest = max(a.modified for a in state(app).store)
    assert calendar.timegm(parsed.feed.updated_parsed) == int(newest.timestamp())


def test_empty_site_still_has_valid_feeds(tmp_path):
    (tmp_path / "articles").mkdir()  # and nothing in it
    client = create_app({"TESTING": True, "SITE_URL": SITE_URL,
                         "CONTENT_DIR": str(tmp_path)}).test_client()
    for path, (version, _) in FEEDS.items():
        _, parsed = parse(client, path)
        assert parsed.version == version
        assert parsed.entries == []


def test_feeds_ignore_the_host_header_and_revalidate(client):
    first = client.get("/feed.atom", headers={"Host": "evil.example"})
    assert b"evil.example" not in first.get_data()
    again = client.get("/feed.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_absolute_links_keeps_text_and_resolves_every_link():
    html = 'lead &amp; <a href="#n">n</a> <img src="i.png" alt=""> tail'
    result = absolute_links(html, f"{SITE_URL}/articles/a")
    soup = BeautifulSoup(result, "html5lib")
    assert soup.a["href"] == f"{SITE_URL}/articles/a#n"
    assert soup.img["src"] == f"{SITE_URL}/articles/i.png"
    assert soup.get_text() == "lead & n  tail"


def test_every_real_article_body_is_in_both_feeds():
    app = create_app({"TESTING": True, "SITE_URL": SITE_URL, "CONTENT_DIR": str(CONTENT_DIR)})
    client = app.test_client()
    bodies = {f"{SITE_URL}/articles/{a.slug}": " ".join(text(a.body_html).split())
              for a in state(app).store}
    for path in FEEDS:
        _, parsed = parse(client, path)
        assert {e.link: " ".join(text(e.content[0].value).split())
                for e in parsed.entries} == bodies


@pytest.mark.parametrize("size", [0, -3, "20", True])
def test_feed_size_must_be_a_positive_whole_number(size):
    with pytest.raises(ConfigError, match="FEED_ARTICLES must be a positive whole number"):
        create_app({"CONTENT_DIR": str(CONTENT_DIR), "FEED_ARTICLES": size})


def test_feed_size_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_FEED_ARTICLES", "1")
    _, parsed = parse(make_app(tmp_path).test_client(), "/feed.rss")
    assert [e.title for e in parsed.entries] == ["Late night news"]
