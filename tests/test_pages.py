"""Pages apart from the news (content/pages/) and the site's identity (content/site.yml)."""
import json

import feedparser
import pytest

from app import create_app, route_names
from app.content import ContentErrors
from app.rendering import copyright_line, long_date_time
from app.state import state
from tests.support import CONTENT_DIR, SITE_URL, html, write_article

ARTICLE = "---\ntitle: A story\npublished: 2026-01-02T09:00:00Z\n---\n\nThe story.\n"


def site(tmp_path, pages: dict[str, str] | None = None, identity: str | None = None,
         **settings):
    write_article(tmp_path, "a-story.md", ARTICLE)
    if pages:
        (tmp_path / "pages").mkdir()
        for name, text in pages.items():
            (tmp_path / "pages" / name).write_text(text, encoding="utf-8")
    if identity is not None:
        (tmp_path / "site.yml").write_text(identity, encoding="utf-8")
    return create_app({"TESTING": True, "SITE_URL": SITE_URL, "CONTENT_DIR": str(tmp_path),
                       "CACHE_DIR": str(tmp_path / "cache"), **settings})


ABOUT = "---\ntitle: About us\nlabel: About\nsummary: Who we are.\n---\n\nWe are a newsroom.\n"


def test_a_page_is_served_at_its_address_as_a_web_page(tmp_path):
    client = site(tmp_path, {"about.md": ABOUT}).test_client()
    page = html(client.get("/about"))
    assert page.select_one("main h1").get_text() == "About us"
    assert page.select_one("main .prose p").get_text() == "We are a newsroom."
    assert page.select_one('link[rel="canonical"]')["href"] == f"{SITE_URL}/about"
    [data] = [json.loads(s.string) for s in page.select('script[type="application/ld+json"]')]
    assert data["@type"] == "WebPage" and data["name"] == "About us"
    assert data["description"] == "Who we are."
    assert page.select_one('meta[property="og:type"]')["content"] == "website"


def test_pages_are_in_the_footer_and_sitemap_but_not_the_news(tmp_path):
    client = site(tmp_path, {"about.md": ABOUT}).test_client()
    front = html(client.get("/"))
    assert [(a.get_text(), a["href"]) for a in front.select("footer .footer-links a")][0] == (
        "About", "/about")
    assert "/about" not in [a["href"] for a in front.select("main a")]
    assert f"<loc>{SITE_URL}/about</loc>" in client.get("/sitemap.xml").get_data(as_text=True)
    feed = feedparser.parse(client.get("/feed.atom").get_data())
    assert [entry.title for entry in feed.entries] == ["A story"]
    assert client.get("/search?q=newsroom").status_code == 200
    assert html(client.get("/search?q=newsroom")).select("main ol.search-results li") == []


@pytest.mark.parametrize("name", ["search.md", "archive.md", "sections.md", "static.md"])
def test_a_page_on_an_address_the_site_keeps_is_a_content_error(tmp_path, name):
    with pytest.raises(ContentErrors) as caught:
        site(tmp_path, {name: ABOUT})
    [error] = caught.value.errors
    assert error.path.endswith(f"pages/{name}")
    assert f"the address /{name[:-3]} is the site's own" in error.message


def test_route_names_are_every_first_segment_the_site_routes():
    assert {"articles", "sections", "tags", "authors", "archive", "search", "static",
            "media", "icons", "healthz"} <= route_names()
    assert "about" not in route_names()


def test_a_broken_page_names_its_file_and_line_with_an_article_problem_too(tmp_path):
    write_article(tmp_path, "broken.md", "---\ntitle: No date\n---\n\nText.\n")
    with pytest.raises(ContentErrors) as caught:
        site(tmp_path, {"faq.md": "---\nsummary: No title\nupdated: 2026-02-30T00:00:00Z\n"
                                  "---\n\nx\n"})
    messages = [str(error) for error in caught.value.errors]
    assert any("pages/faq.md:1: missing required field 'title'" in m for m in messages)
    assert any("pages/faq.md:3: updated is not an ISO 8601 date and time" in m for m in messages)
    assert any("articles/broken.md:1: missing required field 'published'" in m
               for m in messages)


def test_the_shipped_pages_are_for_readers(client):
    for slug in ("about", "contact", "faq"):
        page = html(client.get(f"/{slug}"))
        assert page.select_one("main h1").get_text()
        assert len(page.select("main .prose p")) >= 2


# The site's identity

IDENTITY = """\
name: Harbour Post
tagline: News from the harbour.
contact: desk@harbour.example
menu:
  - A story section
  - {section: Ports, label: The Port}
social:
  x: https://x.com/harbour
"""


def test_editors_set_the_sites_identity_in_site_yml(tmp_path):
    write_article(tmp_path, "ports.md", ARTICLE.replace("A story", "Ships").replace(
        "---\n\n", "section: Ports\n---\n\n", 1))
    app = site(tmp_path, identity=IDENTITY)
    assert app.config["SITE_NAME"] == "Harbour Post"
    assert app.config["SITE_DESCRIPTION"] == "News from the harbour."
    assert app.config["CONTACT_EMAIL"] == "desk@harbour.example"
    page = html(app.test_client().get("/"))
    assert page.select_one(".wordmark").get_text() == "Harbour Post"
    # A menu entry with no section of that name is left out; the label is the editors'.
    assert [(a.get_text(), a["href"]) for a in page.select("nav.sections a")] == [
        ("The Port", "/sections/ports")]
    assert "https://x.com/harbour" in [a["href"] for a in page.select("footer .follow-bar a")]


def test_operators_settings_win_over_site_yml(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_SITE_NAME", "Harbour Post (staging)")
    monkeypatch.setenv("FLASK_SOCIAL_PROFILES__facebook", "https://www.facebook.com/harbour")
    app = site(tmp_path, identity=IDENTITY)
    assert app.config["SITE_NAME"] == "Harbour Post (staging)"
    assert app.config["SOCIAL_PROFILES"] == {"x": "https://x.com/harbour",
                                             "facebook": "https://www.facebook.com/harbour"}


@pytest.mark.parametrize("text, message", [
    ("name: [a, b]\n", "site.yml:1: name must be text"),
    ("contact: not-an-address\n", "site.yml:1: contact must be an email address"),
    ("tagline: x\nsocial:\n  myspace: https://myspace.com/x\n",
     "site.yml:2: social has unknown network 'myspace'"),
    ("social:\n  x: http://x.com/a\n", "site.yml:1: social: x must be an https URL"),
    ("menu: World\n", "site.yml:1: menu must be a list of section names"),
    ("colour: red\n", "site.yml:1: unknown field 'colour'"),
    ("name: a\n  bad: indent\n", "site.yml:2: is not valid YAML"),
])
def test_a_broken_site_yml_names_the_line(tmp_path, text, message):
    with pytest.raises(ContentErrors) as caught:
        site(tmp_path, identity=text)
    assert message in str(caught.value)


def test_the_shipped_identity_gives_the_masthead_its_sections(client):
    page = html(client.get("/"))
    assert [a.get_text() for a in page.select("nav.sections a")] == [
        "Defense", "Science", "Newsroom"]
    assert (CONTENT_DIR / "site.yml").is_file()


# Small helpers of the layout

def test_copyright_runs_from_the_oldest_article_to_the_newest(app):
    assert copyright_line(state(app).store, "The Small Dispatch") == (
        "© 2016–2026 The Small Dispatch")


def test_times_carry_their_zone_unless_only_the_day_is_known():
    from datetime import UTC, datetime, timedelta, timezone
    assert long_date_time(datetime(2016, 1, 19, tzinfo=UTC)) == "January 19, 2016"
    assert long_date_time(datetime(2026, 11, 25, 9, 5, tzinfo=UTC)) == (
        "November 25, 2026, 09:05 UTC")
    paris = timezone(timedelta(hours=1))
    assert long_date_time(datetime(2026, 11, 25, 0, 0, tzinfo=paris)) == (
        "November 25, 2026, 00:00 UTC+01:00")


def test_the_standfirst_is_left_out_when_it_is_the_first_paragraph(client):
    seed = html(client.get("/articles/le-drian-carter-other-ministers-to-discuss-isis-strategy"))
    assert seed.select_one("article header .standfirst") is None
    welcome = html(client.get("/articles/welcome-to-the-small-dispatch"))
    assert welcome.select_one("article header .standfirst").get_text().startswith(
        "A new, small news site")


def test_reading_time_counts_the_words_at_230_a_minute(client):
    seed = html(client.get("/articles/le-drian-carter-other-ministers-to-discuss-isis-strategy"))
    words = len(seed.select_one(".article-body").get_text().split())
    assert 400 < words < 600
    assert seed.select(".article-meta p")[-1].get_text() == f"{round(words / 230)} min read"
