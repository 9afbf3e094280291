"""What readers and load balancers get from each route, with the HTML parsed."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app import create_app
from app.state import state
from tests.support import PROFILES, SEED_FILE, SEED_SLUG, SITE_URL, html


def text_of(element) -> str:
    return " ".join(element.get_text().split())


def seed_paragraphs() -> list[str]:
    """The seed page's paragraphs, chrome dropped, non-breaking spaces made plain."""
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    body = [line for line in lines[5:] if line.strip() and line.strip() != "Next Article"]
    return [" ".join(line.replace("\u00a0", " ").split()) for line in body]


@pytest.fixture
def seed_page(client):
    response = client.get(f"/articles/{SEED_SLUG}")
    assert response.status_code == 200
    return html(response)


def test_seed_article_header(seed_page):
    article = seed_page.select_one("main article")
    assert text_of(article.select_one("header h1")) == (
        "Le Drian, Carter, Other Ministers To Discuss ISIS Strategy")
    time = article.select_one("header time")
    assert time["datetime"].startswith("2016-01-19T")
    assert re.search(r"([+-]\d\d:\d\d|Z)$", time["datetime"]), "datetime needs a timezone"
    assert text_of(time) == "January 19, 2016"
    # No picture: its credit is in the end matter, not an orphan line under the date.
    assert "AFP/Getty Images" in text_of(article.select_one("footer.end-matter .credit"))
    assert article.select_one("header .credit") is None
    # The dateline opens the text as printed papers do; the byline block names the place.
    assert text_of(article.select_one(".article-body p .place")) == "PARIS"
    assert "Paris" in text_of(article.select_one("header .article-meta"))
    assert re.fullmatch(r"\d+ min read", text_of(article.select_one(".article-meta p:last-child")))
    assert seed_page.title.string.startswith("Le Drian, Carter")


def test_seed_article_has_every_paragraph_word_for_word(seed_page):
    expected = seed_paragraphs()
    assert len(expected) == 12
    shown = [text_of(p) for p in seed_page.select("main article .article-body p")]
    assert shown == expected
    assert "“acceleration and intensification”" in shown[3]


def test_share_links_carry_the_canonical_url(seed_page):
    canonical = f"{SITE_URL}/articles/{SEED_SLUG}"
    title = "Le Drian, Carter, Other Ministers To Discuss ISIS Strategy"
    assert seed_page.select_one('link[rel="canonical"]')["href"] == canonical
    bar = seed_page.select_one('nav[aria-label="Share this article"]')
    links = {a["aria-label"]: a for a in bar.select("a")}
    assert set(links) == {"Share on Facebook", "Share on X", "Share on LinkedIn",
                          "Share on Pinterest", "Share by email"}
    expected = {
        "Share on Facebook": ("www.facebook.com", "/sharer/sharer.php", {"u": canonical}),
        "Share on X": ("x.com", "/intent/tweet", {"url": canonical, "text": title}),
        "Share on LinkedIn": ("www.linkedin.com", "/sharing/share-offsite/", {"url": canonical}),
        "Share on Pinterest": ("www.pinterest.com", "/pin/create/button/",
                               {"url": canonical, "description": title}),
    }
    for label, (host, path, params) in expected.items():
        parts = urlsplit(links[label]["href"])
        assert (parts.scheme, parts.netloc, parts.path) == ("https", host, path)
        assert {k: v[0] for k, v in parse_qs(parts.query).items()} == params
    mail = urlsplit(links["Share by email"]["href"])
    assert mail.scheme == "mailto"
    assert {k: v[0] for k, v in parse_qs(mail.query).items()} == {"subject": title,
                                                                  "body": canonical}
    for a in bar.select("a"):
        svg = a.find("svg")
        assert svg["aria-hidden"] == "true"
        assert not text_of(a), "the accessible name comes from aria-label"


def test_share_url_ignores_the_host_header(client):
    page = html(client.get(f"/articles/{SEED_SLUG}", headers={"Host": "evil.example"}))
    for a in page.select('nav[aria-label="Share this article"] a'):
        assert "evil.example" not in a["href"]
    assert page.select_one('link[rel="canonical"]')["href"].startswith(SITE_URL)


def test_script_only_buttons_are_hidden_without_javascript(seed_page):
    bar = seed_page.select_one('nav[aria-label="Share this article"]')
    for button in bar.select("button"):
        assert button.find_parent(attrs={"hidden": True}) is not None


SITE_FEEDS = ["/feed.rss", "/feed.atom"]


def test_follow_bar_links_to_the_feeds_then_every_configured_profile(seed_page):
    bar = seed_page.select_one('nav[aria-label="Follow us"]')
    hrefs = [a["href"] for a in bar.select("a")]
    assert hrefs == SITE_FEEDS + list(PROFILES.values())
    labels = [a["aria-label"] for a in bar.select("a")]
    assert labels[:2] == ["Subscribe to the RSS feed", "Subscribe to the Atom feed"]
    assert labels[3] == "Follow us on X"


@pytest.mark.parametrize("path", ["/", f"/articles/{SEED_SLUG}", "/icons",
                                  "/articles/no-such-story", "/sections/defense",
                                  "/tags/france", "/authors/the-editors", "/archive/",
                                  "/archive/2016/", "/archive/2016/01/"])
def test_every_kind_of_page_has_the_same_header_and_footer(client, path):
    page = html(client.get(path))
    masthead = page.select_one("body > header.masthead")
    assert masthead.select_one("a.wordmark")["href"] == "/"
    forms = masthead.select('form[role="search"]')
    assert forms and all(form["action"] == "/search" and form.select_one('input[name="q"]')
                         for form in forms)
    sections = masthead.select_one('nav.sections[aria-label="Sections"]')
    assert [text_of(a) for a in sections.select("a")] == ["Defense", "Science", "Newsroom"]
    # On phones the same sections and search open from a <details>: no JavaScript needed.
    menu = masthead.select_one("details.menu")
    assert menu.select_one("summary") and menu.select_one('form[role="search"]')
    assert [a["href"] for a in menu.select("nav a")] == [a["href"] for a in sections.select("a")]
    footer = page.select_one("body > footer.site-footer")
    assert text_of(footer.select_one(".follow h2")) == "Follow The Small Dispatch"
    bar = footer.select_one('nav[aria-label="Follow us"]')
    assert [a["href"] for a in bar.select("a")] == SITE_FEEDS + list(PROFILES.values())
    assert [a["href"] for a in footer.select(".footer-links a")] == [
        "/about", "/contact", "/faq", "/archive/"]
    assert text_of(footer.select_one(".copyright")).startswith("© 2016–2026 The Small Dispatch")


def test_the_masthead_marks_the_section_the_reader_is_in(client):
    section = html(client.get("/sections/defense")).select_one("nav.sections")
    assert [(text_of(a), a.get("aria-current")) for a in section.select("a")] == [
        ("Defense", "page"), ("Science", None), ("Newsroom", None)]
    article = html(client.get(f"/articles/{SEED_SLUG}")).select_one("nav.sections")
    assert [a.get("aria-current") for a in article.select("a")] == ["true", None, None]
    assert html(client.get("/")).select("nav.sections [aria-current]") == []


def test_networks_without_a_url_are_not_shown(app):
    partial = create_app({**app.config, "SOCIAL_PROFILES": {"youtube": PROFILES["youtube"]}})
    page = html(partial.test_client().get(f"/articles/{SEED_SLUG}"))
    bar = page.select_one('nav[aria-label="Follow us"]')
    assert [a["href"] for a in bar.select("a")] == SITE_FEEDS + [PROFILES["youtube"]]


def test_the_follow_bar_has_the_feeds_without_any_profile(app):
    bare = create_app({**app.config, "SOCIAL_PROFILES": {}})
    page = html(bare.test_client().get(f"/articles/{SEED_SLUG}"))
    bar = page.select_one('footer nav[aria-label="Follow us"]')
    assert [a["href"] for a in bar.select("a")] == SITE_FEEDS
    assert [text_of(a) for a in bar.select("a")] == ["RSS", "Atom"]


def test_next_article_link_follows_the_store(app, client):
    store = state(app).store
    for article in store:
        page = html(client.get(f"/articles/{article.slug}"))
        link = page.select_one('a[rel="next"]')
        assert link["href"] == f"/articles/{store.next(article.slug).slug}"


def test_next_article_link_is_hidden_when_next_is_itself(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "only.md").write_text(
        "---\ntitle: Only\npublished: 2024-01-01T00:00:00Z\n---\nText.\n", encoding="utf-8")
    page = html(create_app({"CONTENT_DIR": str(tmp_path)}).test_client().get("/articles/only"))
    assert page.select_one('a[rel="next"]') is None


def test_next_route_redirects_and_wraps(app, client):
    slugs = [a.slug for a in state(app).store]
    for current, following in zip(slugs, slugs[1:] + slugs[:1], strict=True):
        response = client.get(f"/articles/{current}/next")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/articles/{following}"


def test_next_route_unknown_slug_is_404(client):
    assert client.get("/articles/no-such-story/next").status_code == 404


def test_front_page_lists_articles_newest_first(app, client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = html(response)
    store = list(state(app).store)
    headlines = page.select("main article.story :is(h2, h3) a")
    assert [text_of(a) for a in headlines] == [a.title for a in store]
    lead = page.select_one("main .lead-story article")
    assert lead.select_one("h2 a")["href"] == f"/articles/{store[0].slug}"
    assert lead.select_one("time")["datetime"] == store[0].published.isoformat()
    assert text_of(lead.select_one(".standfirst")) == store[0].summary
    assert text_of(lead.select_one(".kicker a")) == store[0].section


def test_front_page_pagination(app):
    paged = create_app({**app.config, "ARTICLES_PER_PAGE": 2})
    client = paged.test_client()
    store = list(state(paged).store)
    assert len(store) == 3
    first, second = html(client.get("/")), html(client.get("/?page=2"))
    assert len(first.select("main article.story")) == 2
    assert first.select_one('.pagination a[rel="next"]')["href"] == "/?page=2"
    assert [text_of(h) for h in second.select("ol.article-list h2")] == [
        a.title for a in store[2:4]]
    assert second.select_one('.pagination a[rel="prev"]')["href"] == "/"
    assert client.get("/?page=3").status_code == 404


@pytest.mark.parametrize("query, location", [
    ("?page=1", "/"), ("?page=01", "/"), ("?page=0001", "/"), ("?page=02", "/?page=2"),
    ("?page=02&utm_source=x", "/?page=2"),  # only what the page reads is kept
])
def test_other_spellings_of_a_page_number_redirect_to_the_one_url(app, query, location):
    """Each page has one URL: `01` or `1` is sent on to it rather than served (and
    cached, by nginx or a CDN) as a page of its own."""
    paged = create_app({**app.config, "ARTICLES_PER_PAGE": 3})
    response = paged.test_client().get("/" + query)
    assert response.status_code == 301
    assert response.headers["Location"] == location
    assert "max-age" in response.headers["Cache-Control"]


@pytest.mark.parametrize("query", ["?page=+1", "?page=+2", "?page=%201", "?page=1%20",
                                   "?page=1.0", "?page=2e0", "?page=0x2", "?page=",
                                   "?page=00", "?page=%D9%A3"])
def test_other_forms_of_a_page_number_are_404(app, query):
    paged = create_app({**app.config, "ARTICLES_PER_PAGE": 3})
    assert paged.test_client().get("/" + query).status_code == 404


@pytest.mark.parametrize("query", ["?page=2", "?page=0", "?page=-1", "?page=abc",
                                   "?page=99999999999999999999", "?page=%EF%BC%91"])
def test_front_page_out_of_range_is_404(client, query):
    response = client.get("/" + query)
    assert response.status_code == 404


def test_unknown_article_gets_the_sites_404_page(client):
    response = client.get("/articles/no-such-story")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = html(response)
    assert text_of(page.select_one("main h1")) == "Page not found"
    assert page.select_one('main a[href="/"]') is not None


def test_wrong_method_is_405_with_allow(client):
    response = client.post(f"/articles/{SEED_SLUG}")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert text_of(html(response).select_one("main h1")) == "Method not allowed"


def test_unexpected_error_is_a_500_page_without_traceback(app):
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert text_of(html(response).select_one("main h1")) == "Something went wrong"


def test_healthz_counts_articles(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "articles": len(state(app).store)}
    assert response.headers["Cache-Control"] == "no-store"


def test_article_page_is_semantic(seed_page):
    assert seed_page.select_one("html")["lang"] == "en"
    assert seed_page.select_one("a.skip-link")["href"] == "#main"
    assert seed_page.select_one("main#main article header h1") is not None
    assert len(seed_page.select("h1")) == 1
    assert seed_page.select_one('meta[name="viewport"]') is not None
