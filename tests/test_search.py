"""Search as readers use it (/search), on generated content: matching (case, accents,
stems, phrases, prefixes), ranking, snippets, filters, pages, limits; the index file
(built once per content version, never half-built); OpenSearch and the WebSite JSON-LD;
and generated queries, none of which gets a 500 or comes back as markup.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from app import create_app, search
from app.articles import Article
from app.content import load_store
from app.state import state
from tests.support import ROOT, SITE_URL, html, in_processes_at_once
from tools import servers

PER_PAGE = 10
RIVERS = 25  # articles with "river": three pages of results at PER_PAGE

ARTICLES = {
    "le-drian": ("Le Drian, Carter, Other Ministers To Discuss ISIS Strategy", "World",
                 "2016-01-19T00:00:00+00:00",
                 "French Défense Minister Jean-Yves Le Drian is due to hold two meetings.\n\n"
                 "The prime minister said the coalition would meet again."),
    "budget-day": ("Budget day at the harbour council", "Business", "2025-03-01T09:00:00+00:00",
                   "The minister of finance spoke; the council's prime concern was the harbour."),
    "harbour-in-headline": ("Harbour", "World", "2025-02-01T09:00:00+00:00",
                            "A story about boats and tides."),
    "harbour-in-body": ("Boats and tides", "World", "2025-02-02T09:00:00+00:00",
                        "The harbour, the harbour master and the harbour wall: harbour news."),
    "hostile": ("<script>alert('title')</script> & friends", "Opinion & <b>Views</b>",
                "2024-06-01T09:00:00+00:00",
                "Raw <script>alert(1)</script> and <b>bold</b> and <mark>marked</mark> text "
                "about hostile input, then a &amp; entity."),
}


def article_file(slug: str, title: str, section: str, published: str, body: str) -> str:
    return (f"---\ntitle: {json.dumps(title)}\npublished: {published}\n"
            f"section: {json.dumps(section)}\n---\n\n{body}\n")


def write_content(directory: Path, rivers: int = RIVERS) -> Path:
    articles = directory / "articles"
    articles.mkdir(parents=True)
    for slug, fields in ARTICLES.items():
        (articles / f"{slug}.md").write_text(article_file(slug, *fields), encoding="utf-8")
    for number in range(rivers):
        (articles / f"river-{number:02d}.md").write_text(article_file(
            f"river-{number:02d}", f"Notes from the river, part {number}", "Science",
            f"2020-01-{number + 1:02d}T09:00:00+00:00",
            f"The river rose by {number} centimetres overnight."), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return write_content(tmp_path_factory.mktemp("search-content"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("search-cache")


@pytest.fixture(scope="module")
def app(content, cache):
    return create_app({"TESTING": True, "SITE_URL": SITE_URL, "CONTENT_DIR": str(content),
                       "CACHE_DIR": str(cache), "ARTICLES_PER_PAGE": PER_PAGE})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def get(client, **params):
    return client.get("/search?" + urlencode(params))


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [a["href"].rsplit("/", 1)[-1] for a in html(response).select(".search-results h2 a")]


def marks(response) -> list[str]:
    return [mark.get_text() for mark in html(response).select(".search-results mark")]


# --- The page -----------------------------------------------------------------------------

def test_search_without_a_query_shows_the_form(client):
    response = client.get("/search")
    assert response.status_code == 200
    page = html(response)
    form = page.select_one('main form[role="search"]')
    assert form["action"] == "/search" and form.get("method", "get").lower() == "get"
    assert form.select_one('input[name="q"]')["value"] == ""
    assert page.select_one("label[for=search-q]") is not None
    assert not page.select(".search-results, .search-message")
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"


def test_results_show_headline_section_date_and_snippet(client):
    page = html(get(client, q="defense"))
    [item] = page.select(".search-results li")
    link = item.select_one("h2 a")
    assert link["href"] == "/articles/le-drian"
    assert link.get_text() == "Le Drian, Carter, Other Ministers To Discuss ISIS Strategy"
    assert item.select_one(".kicker a").get_text() == "World"
    assert item.select_one("time")["datetime"] == "2016-01-19T00:00:00+00:00"
    assert item.select_one("time").get_text() == "January 19, 2016"
    assert [m.get_text() for m in item.select(".snippet mark")] == ["Défense"]
    assert page.select_one('main input[name="q"]')["value"] == "defense"
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"
    assert "1 article matches" in page.select_one(".search-summary").get_text()


@pytest.mark.parametrize("query", ["defense", "DEFENSE", "Défense", "DÉFENSE", "défense"])
def test_case_and_accents_do_not_matter(client, query):
    assert slugs(get(client, q=query)) == ["le-drian"]


def test_english_stems_match(client):
    assert slugs(get(client, q="ministers discuss")) == ["le-drian"]
    assert set(slugs(get(client, q="minister"))) == {"le-drian", "budget-day"}
    assert "Ministers" in marks(get(client, q="minister"))


def test_a_quoted_phrase_matches_the_words_side_by_side(client):
    # budget-day has "prime" and "minister", but not side by side.
    assert set(slugs(get(client, q="prime minister"))) == {"le-drian", "budget-day"}
    assert slugs(get(client, q='"prime minister"')) == ["le-drian"]
    assert slugs(get(client, q="“prime minister”")) == ["le-drian"]  # a phone's quotes
    assert "prime minister" in marks(get(client, q='"prime minister"'))


def test_the_last_word_is_a_prefix(client):
    assert slugs(get(client, q="strat")) == ["le-drian"]
    assert slugs(get(client, q="defense strat")) == ["le-drian"]
    # Only the last: "strat" elsewhere must match a whole word.
    assert slugs(get(client, q="strat defense")) == []
    # A word of the index is matched as that word (and its stem: "tide" finds "tides").
    assert set(slugs(get(client, q="tide"))) == {"harbour-in-headline", "harbour-in-body"}


def test_words_joined_by_punctuation_are_a_phrase(client):
    assert slugs(get(client, q="le-drian")) == ["le-drian"]
    assert slugs(get(client, q="jean-yves")) == ["le-drian"]


def test_the_headline_weighs_more_than_the_body(client):
    # harbour-in-body says "harbour" four times; harbour-in-headline once, in its title.
    found = slugs(get(client, q="harbour"))
    assert found[0] == "harbour-in-headline"
    assert set(found) == {"harbour-in-headline", "harbour-in-body", "budget-day"}


def test_ties_go_to_the_newest(client):
    # The river articles say the same thing in the same number of words: equal scores.
    found = slugs(get(client, q="centimetres overnight"))
    assert found == [f"river-{number:02d}" for number in range(RIVERS - 1, RIVERS - 11, -1)]


@pytest.mark.parametrize("query", [
    "defense OR budget", "defense AND budget", "NOT defense", "defense NOT budget",
    "NEAR(defense budget)", "title:budget", "{title}: budget", "defense*", "*", "^defense",
    "(defense", "defense)", '"defense', 'defense"', '""', '"""', "-budget", "+defense",
    "defense budget:", "d*e*f", "'; DROP TABLE docs; --", "\x00", "%", "\\", "{", "}",
])
def test_fts5_syntax_is_only_text(client, query):
    response = get(client, q=query)
    assert response.status_code == 200
    found = set(slugs(response))
    # No article has "defense" and "budget" together; as operators, OR/NOT/NEAR/column:
    # would find one of them.
    assert not ({"le-drian", "budget-day"} <= found)
    if "budget" in query and "defense" in query:
        assert not found


def test_an_unbalanced_quote_is_ignored(client):
    assert slugs(get(client, q='"prime minister')) == slugs(get(client, q="prime minister"))


def test_snippets_mark_the_matches_and_escape_the_content(client):
    response = get(client, q="hostile")
    page = html(response)
    [item] = page.select(".search-results li")
    snippet = item.select_one(".snippet")
    assert [child.name for child in snippet.find_all(True)] == ["mark"]
    assert snippet.mark.get_text() == "hostile"
    assert "<script>alert(1)</script>" in snippet.get_text()
    assert "<b>bold</b> and <mark>marked</mark> text" in snippet.get_text()
    title = item.select_one("h2 a")
    assert title.find_all(True) == [] and "<script>" in title.get_text()
    assert item.select_one(".kicker a").get_text() == "Opinion & <b>Views</b>"
    assert not page.select("main script, main b")


def test_searching_for_markup_matches_its_words(client):
    response = get(client, q="<script>alert")
    assert slugs(response) == ["hostile"]
    page = html(response)
    assert page.select_one('main input[name="q"]')["value"] == "<script>alert"
    assert "Search results for “<script>alert”" == page.h1.get_text()
    assert not page.select("main script")


# --- Filters and pages ------------------------------------------------------------------

def test_filter_by_section(client):
    assert set(slugs(get(client, q="harbour", section="World"))) == {
        "harbour-in-headline", "harbour-in-body"}
    assert slugs(get(client, q="harbour", section="business")) == ["budget-day"]  # any case
    page = html(get(client, q="harbour", section="World"))
    assert page.select_one("#search-section option[selected]").get_text() == "World"
    assert page.select_one("#search-section option")["value"] == ""


def test_filter_by_year(client):
    assert set(slugs(get(client, q="harbour", year="2025"))) == {
        "harbour-in-headline", "harbour-in-body", "budget-day"}
    assert slugs(get(client, q="minister", year="2016")) == ["le-drian"]
    years = [o.get_text() for o in html(get(client, q="x")).select("#search-year option")]
    assert years == ["Any year", "2025", "2024", "2020", "2016"]


@pytest.mark.parametrize("params", [
    {"q": "river", "section": "No such section"}, {"q": "river", "year": "1999"},
    {"q": "river", "year": "20x5"}, {"q": "river", "year": "２０２０"},
    {"q": "river", "year": "02020"}, {"q": "river", "page": "0"}, {"q": "river", "page": "-1"},
    {"q": "river", "page": "x"}, {"q": "river", "page": "4"}, {"q": "river", "page": "1" * 12},
    {"q": "nothing-matches-this", "page": "2"}, {"page": "2"},
])
def test_parameters_that_make_no_sense_are_404(client, params):
    assert get(client, **params).status_code == 404


def test_empty_filters_are_no_filters(client):
    assert slugs(get(client, q="defense", section="", year="")) == ["le-drian"]


def test_results_are_paginated_like_the_front_page(client):
    first = html(get(client, q="river"))
    assert len(first.select(".search-results li")) == PER_PAGE
    assert "25 articles match" in first.select_one(".search-summary").get_text()
    nav = first.select_one('nav.pagination[aria-label="Result pages"]')
    assert nav.select_one('a[rel="prev"]') is None
    assert "Page 1 of 3" in nav.get_text()
    seen = [a["href"] for a in first.select(".search-results h2 a")]
    link = nav.select_one('a[rel="next"]')["href"]
    while link:
        parts = urlsplit(link)
        assert parts.path == "/search" and "q=river" in parts.query
        page = html(client.get(link))
        seen += [a["href"] for a in page.select(".search-results h2 a")]
        assert page.select_one(".search-results")["start"] == str(len(seen) - len(
            page.select(".search-results li")) + 1)
        following = page.select_one('nav.pagination a[rel="next"]')
        link = following["href"] if following else None
    assert len(seen) == len(set(seen)) == RIVERS
    last = html(get(client, q="river", page="3"))
    assert last.select_one('nav.pagination a[rel="prev"]')["href"] == "/search?q=river&page=2"


def test_filters_stay_on_every_page(client):
    page = html(get(client, q="river", section="Science", year="2020"))
    link = page.select_one('nav.pagination a[rel="next"]')["href"]
    assert "section=Science" in link and "year=2020" in link and "page=2" in link


def test_no_results_says_so_and_suggests_what_to_try(client):
    page = html(get(client, q='"river harbour"', section="World"))
    assert not page.select(".search-results")
    message = page.select_one(".search-message").get_text()
    assert "No articles match" in message and "“\"river harbour\"” in World" in message
    tips = page.select_one(".search-tips").get_text()
    assert "spelling" in tips and "quotation marks" in tips
    assert page.select_one(".search-tips a")["href"] == "/search?q=%22river+harbour%22"


def test_a_query_without_words_asks_for_one(client):
    page = html(get(client, q="*** !!!"))
    assert "no word to search for" in page.select_one(".search-message").get_text()


# --- Limits and common words ---------------------------------------------------------------

def test_a_query_over_the_limit_is_refused_with_a_message(client):
    limit = search.MAX_QUERY_CHARS
    assert get(client, q="river " + "x" * (limit - 6)).status_code == 200
    response = get(client, q="river " + "x" * (limit - 5))
    assert response.status_code == 400
    page = html(response)
    assert f"up to {limit}" in page.select_one(".search-message").get_text()
    assert len(page.select_one('main input[name="q"]')["value"]) == limit
    assert not page.select(".search-results")
    assert response.headers["Content-Security-Policy"]


def test_words_past_the_limit_are_dropped_and_said_so(client):
    words = ["river"] + [f"w{number}" for number in range(search.MAX_TERMS + 3)]
    query = search.parse(" ".join(words))
    assert len(query.terms) == search.MAX_TERMS and query.dropped == 4
    assert not any(term.prefix for term in query.terms)  # the last word was dropped


def test_a_word_in_most_articles_is_left_out_when_others_remain(client):
    # "the" is in every article: it adds no weight, only cost.
    response = get(client, q="the harbour")
    assert set(slugs(response)) == {"harbour-in-headline", "harbour-in-body", "budget-day"}
    assert "Left out as too common: “the”" in html(response).select_one(
        ".search-summary").get_text()


def test_common_words_alone_are_searched_newest_first(client):
    response = get(client, q="the")
    found = slugs(response)
    assert found[0] == "budget-day"  # the newest article
    assert "the newest come first" in html(response).select_one(".search-summary").get_text()


# --- Responses ------------------------------------------------------------------------------

def test_results_are_cached_briefly_with_every_security_header(client):
    front = client.get("/")
    response = get(client, q="river")
    assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=60"
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                 "Referrer-Policy", "Cross-Origin-Opener-Policy",
                 "Cross-Origin-Resource-Policy", "Permissions-Policy",
                 "Strict-Transport-Security"):
        assert response.headers[name] == front.headers[name], name
    again = client.get("/search?q=river", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    brotli = client.get("/search?q=river", headers={"Accept-Encoding": "br"})
    assert brotli.headers["Content-Encoding"] == "br"


def test_results_pages_have_a_bounded_cache_of_their_own(app, client):
    site = state(app)
    assert site.search_pages.budget == search.CACHED_BYTES
    site.search_pages.budget = 64 * 1024  # a few pages' worth, to see it fill quickly
    articles_cached = len(site.pages)
    for number in range(60):
        assert get(client, q=f"river{number}").status_code == 200
        assert site.search_pages.total <= site.search_pages.budget
    assert 0 < len(site.search_pages) < 60, "the oldest results pages were dropped"
    assert len(site.pages) <= articles_cached + 1  # at most the error page


def test_search_pages_are_not_in_the_sitemap(client):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/search" not in sitemap


def test_the_masthead_searches(client):
    masthead = html(client.get("/")).select_one("body > header.masthead")
    form = masthead.select_one('form[role="search"]')
    assert form["action"] == "/search" and form.get("method", "get") == "get"
    assert form.select_one('input[name="q"]')


# --- OpenSearch and JSON-LD --------------------------------------------------------------------

def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/opensearchdescription+xml"
    root = etree.fromstring(response.get_data())
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    assert root.tag == "{http://a9.com/-/spec/opensearch/1.1/}OpenSearchDescription"
    short = root.findtext("os:ShortName", namespaces=ns)
    assert short == "Small Dispatch" and len(short) <= 16
    assert root.findtext("os:InputEncoding", namespaces=ns) == "UTF-8"
    [html_url] = root.xpath("os:Url[@type='text/html']", namespaces=ns)
    assert html_url.get("template") == f"{SITE_URL}/search?q={{searchTerms}}"
    [self_url] = root.xpath("os:Url[@rel='self']", namespaces=ns)
    assert self_url.get("template") == f"{SITE_URL}/opensearch.xml"
    assert response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/", "/?page=2", "/articles/le-drian", "/search",
                                  "/search?q=river", "/no-such-page"])
def test_every_page_links_to_the_opensearch_description(client, path):
    [link] = html(client.get(path)).select('link[rel="search"]')
    assert link["type"] == "application/opensearchdescription+xml"
    assert link["href"] == "/opensearch.xml" and link["title"]


def json_ld(response) -> list[dict]:
    return [json.loads(script.string)
            for script in html(response).select('script[type="application/ld+json"]')]


def test_the_front_page_declares_the_site_search(client):
    [data] = json_ld(client.get("/"))
    assert data["@type"] == "WebSite" and data["url"] == f"{SITE_URL}/"
    action = data["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == f"{SITE_URL}/search?q={{search_term_string}}"
    assert action["query-input"] == "required name=search_term_string"
    assert json_ld(client.get("/?page=2")) == []


# --- The query ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("defense", '{title extra body} : ("defense" *)'),
    ("de", '{title extra body} : ("de")'),
    ("prime minister", '{title extra body} : ("prime" "minister" *)'),
    ('"prime minister"', '{title extra body} : ("prime minister")'),
    ('"prime minister', '{title extra body} : ("prime" "minister" *)'),
    ("le-drian said", '{title extra body} : ("le drian" "said" *)'),
    ("NEAR(a b) OR c*", '{title extra body} : ("near a" "b" "or" "c")'),
    ('x "y" "" x X', '{title extra body} : ("x" "y")'),
    ("title:foo", '{title extra body} : ("title foo" *)'),
    ("under_score", '{title extra body} : ("under score" *)'),
])
def test_parse(text, expected):
    assert search.parse(text).expression() == expected


def test_parse_without_words():
    for text in ("", "   ", "***", '""', "()", "\x00\x01", "—"):
        assert not search.parse(text)


def test_marked_escapes_and_balances():
    assert search.marked("a <b> \x02c\x03 & \x02d") == (
        "a &lt;b&gt; <mark>c</mark> &amp; <mark>d</mark>")
    assert search.marked("\x03x\x02\x02y\x03\x03") == "x<mark>y</mark>"


def test_content_cannot_forge_the_markers(tmp_path):
    """FTS5 marks matches with control characters; any in an article become spaces."""
    article = Article(slug="forged", title="\x02Forged\x03 <i>title</i>", summary="",
                      published=datetime(2026, 1, 1, tzinfo=UTC),
                      body_html="<p>a \x02b\x03 &lt;c&gt; hostile &#2; d</p>")
    index = search.open_index(tmp_path, [article])
    [hit] = index.search(search.parse("hostile")).hits
    assert str(hit.snippet).split() == ["a", "b", "&lt;c&gt;", "<mark>hostile</mark>", "d"]
    assert str(hit.title).split() == ["Forged", "&lt;i&gt;title&lt;/i&gt;"]


def test_plain_text_keeps_paragraphs_apart():
    assert search.plain_text("<p>one</p><p>two <em>thr</em>ee &amp; four</p>").split() == [
        "one", "two", "three", "&", "four"]
    assert "\x02" not in search.plain_text("<p>a &#2; b \x02</p>")


# --- The index file ---------------------------------------------------------------------

def test_the_index_is_one_file_per_content_version(app, content, cache):
    [index] = (cache / "search").glob("*.sqlite")
    assert index == state(app).search.path
    # Named after the compiled content's version (app/compiled.py), not hashed again.
    assert index.stem == search.key_for(state(app).store.version)
    inode = index.stat().st_ino
    # Another app (a worker) on the same content opens the same file, unchanged.
    other = create_app({"TESTING": True, "CONTENT_DIR": str(content), "CACHE_DIR": str(cache)})
    assert state(other).search.path == index and index.stat().st_ino == inode
    assert not list((cache / "search").glob("*.tmp"))


def test_new_content_gets_a_new_index_and_old_ones_are_cleaned_up(tmp_path):
    content = write_content(tmp_path / "content", rivers=1)
    config = {"TESTING": True, "CONTENT_DIR": str(content), "CACHE_DIR": str(tmp_path / "c")}
    paths = []
    for number in range(search.KEEP + 2):
        (content / "articles" / f"new-{number}.md").write_text(article_file(
            "x", f"Zeppelin {number}", "World", "2026-01-01T09:00:00+00:00", "Airship."),
            encoding="utf-8")
        app = create_app(config)
        paths.append(state(app).search.path)
        assert len(state(app).search.search(search.parse("zeppelin")).hits) == number + 1
    assert len(set(paths)) == len(paths)
    kept = set((tmp_path / "c" / "search").glob("*.sqlite"))
    assert kept == set(paths[-search.KEEP:])


def test_a_failed_build_leaves_no_file_and_stops_the_app(tmp_path, monkeypatch):
    content = write_content(tmp_path / "content", rivers=1)
    cache = tmp_path / "cache"
    config = {"TESTING": True, "CONTENT_DIR": str(content), "CACHE_DIR": str(cache)}
    previous = state(create_app(config)).search.path
    (content / "articles" / "more.md").write_text(article_file(
        "more", "More", "World", "2026-01-01T09:00:00+00:00", "Text."), encoding="utf-8")

    def failing(rows):
        yield next(rows)
        raise OSError(28, "No space left on device")

    real_rows = search._rows
    monkeypatch.setattr(search, "_rows", lambda *args: failing(real_rows(*args)))
    with pytest.raises(search.SearchIndexError, match="No space left on device"):
        create_app(config)
    assert set((cache / "search").glob("*.sqlite")) == {previous}
    assert not list((cache / "search").glob("*.tmp"))


def test_an_unwritable_cache_stops_start_up_with_one_message(tmp_path):
    content = write_content(tmp_path / "content", rivers=1)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "search").write_text("a file where the index folder should be", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False, env={**os.environ, "FLASK_CONTENT_DIR": str(content),
                                       "FLASK_CACHE_DIR": str(cache)})
    assert result.returncode == 3
    assert "The site cannot start:\nthe search index cannot be built in" in result.stderr
    assert "FLASK_CACHE_DIR" in result.stderr and "Traceback" not in result.stderr


def test_a_damaged_index_is_built_again(tmp_path):
    content = write_content(tmp_path / "content", rivers=1)
    config = {"TESTING": True, "CONTENT_DIR": str(content), "CACHE_DIR": str(tmp_path / "c")}
    path = state(create_app(config)).search.path
    path.write_bytes(b"not a database" * 100)
    app = create_app(config)
    assert state(app).search.path == path
    assert len(state(app).search.search(search.parse("defense")).hits) == 1


def _open_in_a_worker(content: str, cache: str, ready, results) -> None:
    """One "worker": count the builds it does itself while opening the index."""
    from app import search as module
    from app.content import load_store

    builds = []
    real_build = module.build

    def counting_build(*args):
        builds.append(1)
        real_build(*args)

    module.build = counting_build
    articles = list(load_store(Path(content)))
    ready.wait()
    index = module.open_index(Path(cache), articles)
    results.put((len(builds), len(index.search(module.parse("river")).hits)))


def test_workers_starting_together_build_the_index_once(tmp_path):
    content = write_content(tmp_path / "content")
    outcomes = in_processes_at_once(_open_in_a_worker, str(content), str(tmp_path / "cache"))
    assert sorted(outcomes) == [(0, PER_PAGE)] * 3 + [(1, PER_PAGE)]


def test_a_forked_worker_opens_its_own_connection(app):
    """gunicorn with preload_app forks workers after the app is built: SQLite connections
    must not cross a fork, so each process opens its own."""
    index = state(app).search
    inherited = index._connection()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=lambda: results.put((
        index._connection() is inherited, len(index.search(search.parse("river")).hits))))
    child.start()
    assert results.get(timeout=60) == (False, PER_PAGE)
    child.join(30)
    assert index._connection() is inherited


def test_a_reload_searches_the_new_content(tmp_path):
    """gunicorn's HUP starts workers on the new content: a new index, found at once."""
    content = write_content(tmp_path / "content", rivers=1)
    env = {"FLASK_CONTENT_DIR": str(content), "FLASK_CACHE_DIR": str(tmp_path / "cache")}
    with servers.gunicorn(env=env, args=("--workers", "2")) as (process, base):
        url = base + "/search?q=zeppelin"

        def found() -> bool:
            with urllib.request.urlopen(url, timeout=10) as response:
                return b"/articles/airship" in response.read()

        assert not found()
        (content / "articles" / "airship.md").write_text(article_file(
            "airship", "The zeppelin returns", "World", "2026-01-01T09:00:00+00:00",
            "An airship over the river."), encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        servers.wait_for(found, "the new article in search after HUP", timeout=60)
    assert len(list((tmp_path / "cache" / "search").glob("*.sqlite"))) == 2


# --- The benchmark's premises (tools/bench/search.py) ----------------------------------------

def test_the_benchmark_content_holds_what_it_measures(tmp_path):
    from tools.bench import search as bench

    (tmp_path / "articles").mkdir()
    bench.generate(tmp_path / "articles", 200)
    index = search.open_index(tmp_path / "cache", list(load_store(tmp_path)))
    common, rare, phrase, prefix = (search.parse(text) for text in bench.QUERIES.values())
    assert index.search(common).total == 200 and index.search(common).newest_first
    assert index.search(rare).total == 10
    assert index.search(phrase).total == 10  # one article in twenty
    assert index.plan(prefix).terms[0].prefix and index.search(prefix).total > 0
    # The tail the uncached runs add is no word: the same search, another cache key.
    assert search.parse('"prime minister" ,.;!?-~_').terms == phrase.terms


# --- Generated queries ---------------------------------------------------------------------

# What FTS5 would read as syntax, what HTML would read as markup, and words that match.
FRAGMENTS = ["AND", "OR", "NOT", "NEAR", "NEAR(", "*", "^", "(", ")", ":", '"', "“", "”", "«",
             "»", "title:", "{title body}:", "{", "}", "-", "+", "'", "\\", ";", "\x00", "\x02",
             "\x03", "\x1f", "<script>alert(1)</script>", "<mark>", "</mark>", "</title>",
             '"><img src=x onerror=alert(1)>', "<x-injected>", "&lt;", "&amp;", "&#2;",
             "{{ 7*7 }}", "%s", "%00", "river", "harbour", "defense", "Défense", "prime",
             "minister", "strat", "the", "e\u0301", "ﬁ", "\u202e", "😀", " ", "\t", "\n"]
queries = st.one_of(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=15)
    .map("".join),
    st.text(max_size=search.MAX_QUERY_CHARS + 20))
parameter = st.one_of(st.none(), st.sampled_from(["", "1", "2", "3", "0", "-1", "World",
                                                  "world", "2025", "1999", "x"]),
                      st.text(max_size=6))
GENERATED = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def reference_tags(client) -> set[str]:
    """Every element name a search page of ours may hold: results with pages, no
    results with tips, the form alone, a query refused as too long."""
    tags = set()
    for params in ({"q": "river"}, {"q": "river", "page": "3"}, {"q": '"river zz"', "year": "2020"},
                   {}, {"q": "x" * (search.MAX_QUERY_CHARS + 1)}):
        tags |= {element.name for element in html(get(client, **params)).find_all(True)}
    return tags


def check_page(response, text: str | None, reference_tags: set[str]) -> None:
    """Only our markup: the page's elements are ours, no attribute runs script, a <mark>
    holds only text, and the query comes back as the field's value, whole. Another
    spelling of a page number (`?page=01`) is a 301 to the one URL of that page."""
    if response.status_code == 301:
        target = urlsplit(response.headers["Location"])
        assert target.path == "/search" and not target.netloc
        return
    assert response.status_code in (200, 400, 404), response.status_code
    assert response.headers["Content-Security-Policy"]
    page = html(response)
    elements = page.find_all(True)
    assert {element.name for element in elements} <= reference_tags
    for element in elements:
        assert not [name for name in element.attrs if name.lower().startswith("on")]
    assert not page.select("main script, main img, main iframe, x-injected, title mark")
    for mark in page.select("mark"):
        assert not mark.find_all(True)
    field = page.select_one('main input[name="q"]')
    if response.status_code != 404 and text is not None and text.isprintable():
        assert field["value"] == " ".join(text.split())[:search.MAX_QUERY_CHARS]


@GENERATED
@given(text=queries, page=parameter, section=parameter, year=parameter)
def test_generated_queries_are_answered_and_escaped(client, reference_tags, text, page,
                                                    section, year):
    params = {name: value for name, value in
              (("q", text), ("page", page), ("section", section), ("year", year))
              if value is not None}
    check_page(get(client, **params), text, reference_tags)


@GENERATED
@given(raw=st.binary(max_size=60))
def test_any_bytes_in_the_query_string_are_answered(client, reference_tags, raw):
    encoded = "".join(f"%{byte:02X}" for byte in raw)
    check_page(client.get(f"/search?q={encoded}"), None, reference_tags)


@GENERATED
@given(text=queries)
def test_generated_queries_never_reach_fts5_as_syntax(app, text):
    """Whatever the text, the index reads the query without an error: every term is a
    quoted string whose content FTS5 only tokenizes."""
    index = state(app).search
    query = search.parse(text)
    for term in query.terms:
        assert term.fts().startswith('"') and term.fts().count('"') % 2 == 0
    db = index._connection()
    if query:
        db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?",
                   (index.expression(query.terms),)).fetchone()
