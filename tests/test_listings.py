"""Sections, tags, authors and the archive (app/listings.py) as readers and crawlers meet
them: the pages, their pagination, feeds, breadcrumbs and JSON-LD, the article's links
and related stories, with the HTML parsed. A small newsroom is written for each test."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from app import create_app
from app.articles import Article, ArticleStore
from app.content import ContentErrors
from app.listings import build, read_site, related_stories, slug_of
from app.state import state
from tests.support import CONTENT_DIR, SEED_SLUG, SITE_URL, html

# slug: (published, section, tags, authors), newest first.
NEWSROOM = {
    "e": ("2026-03-05T09:00:00+00:00", "Défense & Sécurité", ["France", "Navy"], ["Ana Ruiz"]),
    "d": ("2026-03-04T09:00:00+00:00", "World", ["France", "Navy"], ["Ana Ruiz", "Li Wei"]),
    "c": ("2026-02-03T09:00:00+00:00", "Défense & Sécurité", ["Army"], ["Li Wei"]),
    "b": ("2026-01-01T00:30:00+01:00", "Défense & Sécurité", ["France"], []),
    "a": ("2025-12-31T22:00:00+00:00", "World", ["Navy"], ["Ana Ruiz"]),
}
BIO = "Covers *defence* from Madrid. <script>alert(1)</script>"


def newsroom(directory: Path, articles: dict = NEWSROOM) -> Path:
    (directory / "articles").mkdir()
    for slug, (published, section, tags, authors) in articles.items():
        (directory / "articles" / f"{slug}.md").write_text(
            f"---\ntitle: Story {slug}\npublished: {published}\nsection: {section}\n"
            f"tags: {json.dumps(tags)}\nauthors: {json.dumps(authors)}\n---\n\n"
            f"Text of {slug}.\n", encoding="utf-8")
    (directory / "authors").mkdir()
    (directory / "authors" / "ana-ruiz.md").write_text(f"---\nname: Ana Ruiz\n---\n\n{BIO}\n",
                                                      encoding="utf-8")
    return directory


def make_client(directory: Path, **settings):
    return create_app({"TESTING": True, "SITE_URL": SITE_URL, "CONTENT_DIR": str(directory),
                       **settings}).test_client()


@pytest.fixture
def client(tmp_path):
    return make_client(newsroom(tmp_path))


def listed(page) -> list[str]:
    """The slugs of the articles a page lists, in order."""
    return [a["href"].rsplit("/", 1)[-1] for a in page.select("main article.story :is(h2, h3) a")]


def json_ld(page) -> dict[str, dict]:
    return {data["@type"]: data for data in
            (json.loads(s.string) for s in page.select('script[type="application/ld+json"]'))}


def crumbs(page) -> list[tuple[str, str]]:
    nav = page.select_one('nav[aria-label="Breadcrumb"]')
    return [(a.get_text(), a["href"]) for a in nav.select("li a")]


# Slugs and listings, computed at load

@pytest.mark.parametrize("name, slug", [
    ("Défense & Sécurité", "defense-securite"), ("Islamic State", "islamic-state"),
    ("islamic-state", "islamic-state"), ("Zoë Ångström", "zoe-angstrom"),
    ("<i>x</i>", "i-x-i"), ("日本", "ri-ben"), ("!!!", ""),
])
def test_names_make_slugs(name, slug):
    assert slug_of(name) == slug


def test_each_listing_holds_its_articles_newest_first(tmp_path):
    articles, authors, errors = read_site(newsroom(tmp_path), UTC)
    assert errors == []
    listings = build(ArticleStore(articles), authors, UTC)

    def slugs(*path):
        return [a.slug for a in listings.get(*path).articles]

    assert slugs("sections", "defense-securite") == ["e", "c", "b"]
    assert listings.get("sections", "defense-securite").name == "Défense & Sécurité"
    assert slugs("sections", "world") == ["d", "a"]
    assert slugs("tags", "france") == ["e", "d", "b"]
    assert slugs("authors", "ana-ruiz") == ["e", "d", "a"]
    assert slugs("authors", "li-wei") == ["d", "c"]
    assert "<em>defence</em>" in listings.get("authors", "ana-ruiz").bio_html
    assert listings.get("authors", "li-wei").bio_html == ""
    assert listings.get("sections", "Défense & Sécurité") is None  # by address only
    # "b" is 2025-12-31 23:30 UTC, whatever offset the editor wrote it with.
    assert slugs("archive", "2025") == ["b", "a"]
    assert listings.get("archive", "2026", "01") is None
    assert [y.name for y in listings.years] == ["2026", "2025"]
    assert [m.name for m in listings.months["2026"]] == ["February 2026", "March 2026"]


def test_archive_counts_in_the_sites_time_zone(tmp_path):
    newsroom(tmp_path)
    utc = make_client(tmp_path)
    paris = make_client(tmp_path, SITE_TIMEZONE="Europe/Paris")
    # "b" is 23:30 UTC on 31 December (written as 00:30 +01:00): 2026 in Paris only;
    # "a", 22:00 UTC, is 23:00 in Paris: 2025 in both.
    assert listed(html(utc.get("/archive/2025/12/"))) == ["b", "a"]
    assert utc.get("/archive/2026/01/").status_code == 404
    assert listed(html(paris.get("/archive/2026/01/"))) == ["b"]
    assert listed(html(paris.get("/archive/2025/12/"))) == ["a"]


def test_a_listing_page_never_reads_the_whole_store(tmp_path):
    """Everything is computed when the content loads: a page is a lookup and a slice."""
    app = create_app({"TESTING": True, "SITE_URL": SITE_URL,
                      "CONTENT_DIR": str(newsroom(tmp_path))})

    class Untouchable(ArticleStore):
        def __iter__(self):
            raise AssertionError("a listing page read the whole store")

    state(app).store = Untouchable(state(app).store)
    client = app.test_client()
    for path in ("/sections/world", "/tags/france", "/authors/ana-ruiz",
                 "/archive/2026/", "/archive/2026/03/", "/archive/", "/tags/navy/feed.atom",
                 "/archive/2026/feed.rss", "/articles/d"):
        assert client.get(path).status_code == 200, path


def article(slug: str, day: int, section: str = "", tags: tuple = ()) -> Article:
    return Article(slug=slug, title=slug, published=datetime(2026, 1, day, tzinfo=UTC),
                   body_html="<p>x</p>", summary="x", section=section, tags=tags)


def related_of(articles: list[Article]) -> dict[str, list[str]]:
    store = ArticleStore(articles)
    listings = build(store, (), UTC)
    return {slug: [a.slug for a in found] for slug, found in
            related_stories(store, listings.by_path).items()}


def test_related_stories_come_from_the_section_then_shared_tags():
    related = related_of([
        article("s9", 9, "Arts", ("paint", "oil")), article("s8", 8, "Arts"),
        article("s7", 7, "News", ("paint",)), article("s6", 6, "News", ("paint", "oil")),
        article("s5", 5, "Arts", ("paint",)), article("s4", 4, "Arts"),
        article("s3", 3, "", ("oil",)), article("s2", 2),
    ])
    # Its section's newest, leaving out itself and its Next article (s8).
    assert related["s9"] == ["s5", "s4", "s6"]  # then s6, which shares two tags
    assert related["s5"] == ["s9", "s8", "s7"]  # s4 is its Next: a shared tag fills in
    # No section: the stories sharing most tags, newest first among equals.
    assert related["s3"] == ["s9", "s6"]
    assert related["s7"] == ["s9", "s5"]  # s6 is its Next
    assert related["s2"] == []            # nothing in common: no related stories


def test_related_stories_are_at_most_three_and_never_the_article_or_next():
    articles = [article(f"s{n}", n, "Arts", ("paint",)) for n in range(1, 9)]
    store = ArticleStore(articles)
    for slug, found in related_of(articles).items():
        assert len(found) == 3
        assert slug not in found and store.next(slug).slug not in found


def test_equal_related_lists_are_kept_once():
    articles = [article(f"s{n}", n, "Arts") for n in range(1, 20)]
    store = ArticleStore(articles)
    related = related_stories(store, build(store, (), UTC).by_path)
    assert related["s10"] is related["s11"]


def test_a_date_out_of_the_archives_years_is_a_content_error(tmp_path):
    newsroom(tmp_path, {"z": ("9999-12-31T23:00:00+00:00", "World", [], [])})
    with pytest.raises(ContentErrors, match=r"z\.md:3: published is outside the years 1 to "
                                            r"9999 in the site's time zone \(Asia/Tokyo\)"):
        make_client(tmp_path, SITE_TIMEZONE="Asia/Tokyo")
    assert make_client(tmp_path).get("/archive/9999/12/").status_code == 200


def test_two_names_for_one_address_stop_the_site(tmp_path):
    newsroom(tmp_path, {**NEWSROOM, "f": ("2026-03-06T09:00:00Z", "world", [], [])})
    with pytest.raises(ContentErrors, match="section 'world' makes the address /sections/world,"
                                            " as 'World' does in"):
        make_client(tmp_path)


# The pages

@pytest.mark.parametrize("path, title, slugs", [
    ("/sections/defense-securite", "Défense & Sécurité", ["e", "c", "b"]),
    ("/tags/navy", "Navy", ["e", "d", "a"]),
    ("/authors/li-wei", "Li Wei", ["d", "c"]),
    ("/archive/2026/", "2026", ["e", "d", "c"]),
    ("/archive/2026/03/", "March 2026", ["e", "d"]),
])
def test_listing_pages_list_their_articles(client, path, title, slugs):
    response = client.get(path)
    assert response.status_code == 200
    page = html(response)
    assert page.select_one("main h1").get_text() == title
    assert page.title.get_text() == f"{title} — The Small Dispatch"
    assert listed(page) == slugs
    assert page.select_one('link[rel="canonical"]')["href"] == SITE_URL + path
    assert crumbs(page)[0] == ("Home", "/") and crumbs(page)[-1] == (title, path)
    assert page.select_one('nav[aria-label="Breadcrumb"] [aria-current="page"]')["href"] == path


def test_listing_head_names_its_own_feeds_first(client):
    page = html(client.get("/tags/navy"))
    feeds = [(link["type"], link["href"], link["title"])
             for link in page.select('head link[rel="alternate"]')]
    assert feeds == [
        ("application/atom+xml", f"{SITE_URL}/tags/navy/feed.atom",
         "Navy — The Small Dispatch (Atom)"),
        ("application/rss+xml", f"{SITE_URL}/tags/navy/feed.rss",
         "Navy — The Small Dispatch (RSS)"),
        ("application/atom+xml", f"{SITE_URL}/feed.atom", "The Small Dispatch (Atom)"),
        ("application/rss+xml", f"{SITE_URL}/feed.rss", "The Small Dispatch (RSS)"),
    ]
    assert [a["href"] for a in page.select(".listing-feeds a")] == [f[1] for f in feeds[:2]]


def test_listing_json_ld_is_a_collection_page_and_a_breadcrumb_list(client):
    page = html(client.get("/archive/2026/03/"))
    data = json_ld(page)
    assert set(data) == {"CollectionPage", "BreadcrumbList"}
    collection = data["CollectionPage"]
    assert collection["@id"] == collection["url"] == f"{SITE_URL}/archive/2026/03/"
    assert collection["name"] == "March 2026"
    assert collection["isPartOf"]["url"] == f"{SITE_URL}/"
    assert [(item["position"], item["url"]) for item in
            collection["mainEntity"]["itemListElement"]] == [
        (1, f"{SITE_URL}/articles/e"), (2, f"{SITE_URL}/articles/d")]
    assert data["BreadcrumbList"]["itemListElement"] == [
        {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{SITE_URL}/"},
        {"@type": "ListItem", "position": 2, "name": "Archive", "item": f"{SITE_URL}/archive/"},
        {"@type": "ListItem", "position": 3, "name": "2026", "item": f"{SITE_URL}/archive/2026/"},
        {"@type": "ListItem", "position": 4, "name": "March 2026",
         "item": f"{SITE_URL}/archive/2026/03/"},
    ]
    assert [name for name, _ in crumbs(page)] == ["Home", "Archive", "2026", "March 2026"]
    assert json_ld(html(client.get("/authors/ana-ruiz")))["CollectionPage"]["about"] == {
        "@type": "Person", "name": "Ana Ruiz"}


def test_author_page_shows_the_biography_with_markup_escaped(client):
    page = html(client.get("/authors/ana-ruiz"))
    bio = page.select_one(".bio")
    assert bio.select_one("em").get_text() == "defence"
    assert bio.select_one("script") is None
    assert "<script>alert(1)</script>" in bio.get_text()
    assert html(client.get("/authors/li-wei")).select_one(".bio") is None


def test_archive_index_links_every_year_and_month(client):
    page = html(client.get("/archive/"))
    links = [a["href"] for a in page.select('nav[aria-label="Years and months"] a')]
    assert links == ["/archive/2026/", "/archive/2026/02/", "/archive/2026/03/",
                     "/archive/2025/", "/archive/2025/12/"]
    assert listed(page) == []
    year = html(client.get("/archive/2025/"))
    assert [a["href"] for a in year.select('nav[aria-label="Years and months"] a')] == [
        "/archive/2026/", "/archive/2025/", "/archive/2025/12/"]
    assert year.select_one('nav[aria-label="Years and months"] [aria-current="page"]')[
        "href"] == "/archive/2025/"


def test_listings_paginate_as_the_front_page_does(tmp_path):
    client = make_client(newsroom(tmp_path), ARTICLES_PER_PAGE=2)
    first = html(client.get("/tags/france"))
    assert listed(first) == ["e", "d"]
    assert first.select_one('link[rel="canonical"]')["href"] == f"{SITE_URL}/tags/france"
    assert first.select_one('.pagination a[rel="next"]')["href"] == "/tags/france?page=2"
    assert first.select_one('.pagination a[rel="prev"]') is None
    second = html(client.get("/tags/france?page=2"))
    assert listed(second) == ["b"]
    assert second.select_one('link[rel="canonical"]')["href"] == f"{SITE_URL}/tags/france?page=2"
    assert second.select_one('.pagination a[rel="prev"]')["href"] == "/tags/france"
    assert second.title.get_text() == "France, page 2 — The Small Dispatch"
    assert json_ld(second)["CollectionPage"]["mainEntity"]["itemListElement"][0][
        "position"] == 3
    first = client.get("/tags/france?page=1")
    assert (first.status_code, first.headers["Location"]) == (301, "/tags/france")
    for page in ("3", "0", "-1", "1e0", "x", "", "２", "1 ", "9" * 12):
        assert client.get("/tags/france", query_string={"page": page}).status_code == 404, page


@pytest.mark.parametrize("path", [
    "/sections/nope", "/sections/World", "/sections/DEFENSE-SECURITE", "/sections/world%00",
    "/sections/..", "/sections/" + "a" * 3000, "/sections/d%C3%A9fense-securite",
    "/tags/", "/authors/ana%20ruiz", "/authors/Ana Ruiz",
    "/archive/0000/", "/archive/99999/", "/archive/1e3/", "/archive/2026/13/",
    "/archive/2026/00/", "/archive/2026/3/", "/archive/2026/003/", "/archive/2024/",
    "/archive/2026/01/", "/archive/+2026/", "/archive/２０２６/",
    "/sections/nope/feed.atom", "/tags/navy/feed.json", "/archive/2024/feed.atom",
    "/archive/2026/13/feed.rss", "/archive/feed.atom/",
])
def test_unknown_listings_are_the_sites_404(client, path):
    response = client.get(path)
    assert response.status_code == 404, path
    assert response.mimetype == "text/html"


def test_archive_without_its_trailing_slash_redirects(client):
    response = client.get("/archive/2026")
    assert response.status_code == 308 and response.location.endswith("/archive/2026/")


@pytest.mark.parametrize("path, entries", [
    ("/sections/defense-securite", ["e", "c", "b"]), ("/authors/li-wei", ["d", "c"]),
    ("/archive/2025/", ["b", "a"]), ("/archive/2026/02/", ["c"]),
])
@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_each_listing_has_its_own_feeds(client, path, entries, kind):
    response = client.get(f"{path.rstrip('/')}/feed.{kind}")
    assert response.status_code == 200
    assert response.mimetype == f"application/{kind}+xml"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [entry.link.rsplit("/", 1)[-1] for entry in parsed.entries] == entries
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == f"{SITE_URL}{path.rstrip('/')}/feed.{kind}"
    assert links["alternate"] == SITE_URL + path
    assert parsed.feed.title.endswith(" — The Small Dispatch")


def test_listing_feeds_hold_the_newest_articles_only(tmp_path):
    client = make_client(newsroom(tmp_path), FEED_ARTICLES=1)
    parsed = feedparser.parse(client.get("/tags/france/feed.atom").get_data())
    assert [entry.title for entry in parsed.entries] == ["Story e"]


# The article page

def test_article_links_to_its_section_tags_and_authors(client):
    page = html(client.get("/articles/d"))
    header = page.select_one("main article header")
    assert [(a.get_text(), a["href"]) for a in header.select(".kicker a")] == [
        ("World", "/sections/world")]
    assert [(a.get_text(), a["href"], a["rel"]) for a in header.select(".byline a")] == [
        ("Ana Ruiz", "/authors/ana-ruiz", ["author"]), ("Li Wei", "/authors/li-wei", ["author"])]
    assert [(a.get_text(), a["href"]) for a in page.select('ul[aria-label="Tags"] a')] == [
        ("France", "/tags/france"), ("Navy", "/tags/navy")]
    for a in page.select("main a[href^='/sections/'], main a[href^='/tags/'], "
                         "main a[href^='/authors/']"):
        assert client.get(a["href"]).status_code == 200


def test_article_breadcrumb_goes_home_section_article(client):
    page = html(client.get("/articles/c"))
    trail = [("Home", "/"), ("Défense & Sécurité", "/sections/defense-securite"),
             ("Story c", "/articles/c")]
    assert crumbs(page) == trail
    assert [(item["name"], item["item"]) for item in
            json_ld(page)["BreadcrumbList"]["itemListElement"]] == [
        (name, SITE_URL + path) for name, path in trail]
    assert json_ld(page)["NewsArticle"]["headline"] == "Story c"


def test_article_shows_more_in_its_section(client):
    page = html(client.get("/articles/c"))
    related = page.select_one('section[aria-labelledby="related-heading"]')
    assert related.select_one("h2").get_text() == "More in Défense & Sécurité"
    # e and b are its section; b is its Next article, so a shared tag fills in: none
    # shares "Army", so only e.
    assert listed_in(related) == ["e"]
    assert listed_in(html(client.get("/articles/e"))
                     .select_one('section[aria-labelledby="related-heading"]')) == ["c", "b", "a"]


def listed_in(section) -> list[str]:
    return [a["href"].rsplit("/", 1)[-1] for a in section.select("h3 a")]


def test_article_with_nothing_related_has_no_related_section(tmp_path):
    client = make_client(newsroom(tmp_path, {"x": ("2026-01-01T09:00:00Z", "", [], [])}))
    page = html(client.get("/articles/x"))
    assert page.select_one('section[aria-labelledby="related-heading"]') is None
    assert crumbs(page) == [("Home", "/"), ("Story x", "/articles/x")]
    assert page.select_one("main article header .section") is None


# The shipped content

def test_the_seed_is_in_defense_with_its_tags():
    client = create_app({"TESTING": True, "SITE_URL": SITE_URL,
                         "CONTENT_DIR": str(CONTENT_DIR)}).test_client()
    page = html(client.get(f"/articles/{SEED_SLUG}"))
    assert [a["href"] for a in page.select("article header .kicker a")] == ["/sections/defense"]
    assert [a.get_text() for a in page.select('.end-matter ul.tags a[rel="tag"]')] == [
        "France", "Islamic State", "Syria", "Iraq"]
    assert listed(html(client.get("/sections/defense"))) == [SEED_SLUG]
    assert listed(html(client.get("/archive/2016/01/"))) == [SEED_SLUG]
    editors = html(client.get("/authors/the-editors"))
    assert editors.select_one(".bio").get_text().strip().startswith("The editors of")
