"""What a crawler or social network reads in a page's head: canonical, description, feeds
links, icon, Open Graph, Twitter card and the NewsArticle JSON-LD, checked against the
store, with the HTML parsed (html5lib, as a browser would) and the JSON-LD with json."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import struct
from datetime import datetime

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from app import create_app, favicon, media
from app.state import state
from tests.support import CONTENT_DIR, SEED_SLUG, SITE_URL
from tests.tricky.content import (
    TRICKY_ALT,
    TRICKY_AUTHORS,
    TRICKY_SUMMARY,
    TRICKY_TAGS,
    TRICKY_TITLE,
    make_app,
)

ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


def page(client, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code in (200, 404), path
    return BeautifulSoup(response.get_data(as_text=True), "html5lib")


def meta(soup: BeautifulSoup, attribute: str, key: str) -> list[str]:
    return [tag["content"] for tag in soup.select(f'head meta[{attribute}="{key}"]')]


def og(soup: BeautifulSoup, key: str) -> list[str]:
    return meta(soup, "property", key)


def card_url(app, slug: str) -> str:
    """The share card's absolute URL: the article's picture's crop, or its drawn card."""
    card = media.share_card(state(app).store.get(slug), app.config["SITE_NAME"])
    return f"{SITE_URL}/media/{card.name}"


def json_ld(soup: BeautifulSoup) -> list[dict]:
    return [json.loads(script.string) for script in
            soup.select('script[type="application/ld+json"]')]


def json_ld_of(soup: BeautifulSoup, kind: str) -> dict:
    """The page's one JSON-LD object of @type `kind`."""
    [data] = [data for data in json_ld(soup) if data["@type"] == kind]
    return data


@pytest.fixture
def paged_client(tmp_path):
    return make_app(tmp_path, ARTICLES_PER_PAGE=1).test_client()


@pytest.mark.parametrize("path, canonical", [
    ("/", "/"), ("/?page=2", "/?page=2"), ("/articles/tricky", "/articles/tricky"),
    ("/articles/old-story", "/articles/old-story")])
def test_every_page_has_canonical_description_lang_feeds_and_icon(paged_client, path,
                                                                 canonical):
    soup = page(paged_client, path)
    assert [link["href"] for link in soup.select('head link[rel="canonical"]')] == [
        SITE_URL + canonical]
    assert meta(soup, "name", "description")[0].strip()
    assert soup.html["lang"] == "en"
    feeds = {link["type"]: link["href"] for link in soup.select('head link[rel="alternate"]')}
    assert feeds == {"application/atom+xml": f"{SITE_URL}/feed.atom",
                     "application/rss+xml": f"{SITE_URL}/feed.rss"}
    icon = soup.select_one('head link[rel="icon"]')
    assert icon["type"] == "image/svg+xml"
    assert paged_client.get(icon["href"]).status_code == 200


def test_front_page_one_is_canonical_to_the_root(paged_client):
    # "/?page=1" is not a second address of the front page: it is sent on to "/".
    response = paged_client.get("/?page=1")
    assert (response.status_code, response.headers["Location"]) == (301, "/")
    soup = page(paged_client, "/")
    assert soup.select_one('link[rel="canonical"]')["href"] == f"{SITE_URL}/"
    assert og(page(paged_client, "/?page=3"), "og:url") == [f"{SITE_URL}/?page=3"]


def test_error_pages_have_feeds_but_no_canonical(client):
    soup = page(client, "/articles/missing")
    assert soup.select('link[rel="canonical"]') == []
    assert len(soup.select('link[rel="alternate"]')) == 2


def test_canonical_and_og_url_ignore_the_host_header(client):
    soup = BeautifulSoup(client.get("/articles/tricky", headers={"Host": "evil.example"})
                         .get_data(as_text=True), "html5lib")
    assert soup.select_one('link[rel="canonical"]')["href"].startswith(SITE_URL + "/")
    assert og(soup, "og:url")[0].startswith(SITE_URL + "/")
    assert "evil.example" not in str(soup)


def test_article_open_graph_matches_the_store(app, client):
    article = state(app).store.get("tricky")
    soup = page(client, "/articles/tricky")
    url = f"{SITE_URL}/articles/tricky"
    assert og(soup, "og:type") == ["article"]
    assert og(soup, "og:title") == [TRICKY_TITLE] == [article.title]
    assert og(soup, "og:description") == [TRICKY_SUMMARY]
    assert meta(soup, "name", "description") == [TRICKY_SUMMARY]
    assert og(soup, "og:url") == [url]
    assert og(soup, "og:site_name") == [app.config["SITE_NAME"]]
    assert og(soup, "og:image") == [card_url(app, "tricky")]
    assert og(soup, "og:image:width") == ["1200"] and og(soup, "og:image:height") == ["630"]
    assert og(soup, "og:image:type") == ["image/jpeg"]
    assert og(soup, "og:image:alt") == [TRICKY_ALT]
    assert og(soup, "article:published_time") == [article.published.isoformat()]
    assert og(soup, "article:modified_time") == [article.updated.isoformat()]
    assert og(soup, "article:section") == ["Monde & Société"]
    assert og(soup, "article:tag") == [name for name, _ in TRICKY_TAGS]
    for moment in og(soup, "article:published_time") + og(soup, "article:modified_time"):
        assert ISO_WITH_OFFSET.match(moment)
    assert soup.title.string == f"{TRICKY_TITLE} — {app.config['SITE_NAME']}"


def test_twitter_card_is_large_with_a_picture_and_without(app, client):
    """Every article shares with a 1200x630 card: its picture cropped, or one drawn."""
    with_image = page(client, "/articles/tricky")
    assert meta(with_image, "name", "twitter:card") == ["summary_large_image"]
    assert meta(with_image, "name", "twitter:title") == [TRICKY_TITLE]
    assert meta(with_image, "name", "twitter:image") == [card_url(app, "tricky")]
    assert meta(with_image, "name", "twitter:image:alt") == [TRICKY_ALT]
    assert meta(with_image, "name", "twitter:site") == ["@smalldispatch"]
    without = page(client, "/articles/late-night")
    drawn = card_url(app, "late-night")
    assert drawn.endswith(".png") and "/media/share-late-night." in drawn
    assert meta(without, "name", "twitter:card") == ["summary_large_image"]
    assert meta(without, "name", "twitter:image") == [drawn]
    assert og(without, "og:image") == [drawn]
    assert og(without, "og:image:type") == ["image/png"]
    assert og(without, "og:image:alt") == [f"{app.config['SITE_NAME']}: Late night news"]
    assert og(without, "article:section") == [] and og(without, "article:tag") == []
    for url in (card_url(app, "tricky"), drawn):
        response = client.get(url.removeprefix(SITE_URL))
        assert response.status_code == 200
        assert Image.open(io.BytesIO(response.data)).size == (1200, 630)


def test_front_page_is_an_og_website(app, client):
    soup = page(client, "/")
    assert og(soup, "og:type") == ["website"]
    assert og(soup, "og:title") == [app.config["SITE_NAME"]]
    assert og(soup, "og:description") == [app.config["SITE_DESCRIPTION"]]
    # Its one JSON-LD is the WebSite and its search (tests/test_search.py); not an article.
    assert [data["@type"] for data in json_ld(soup)] == ["WebSite"]


def test_news_article_json_ld_matches_the_store(app, client):
    article = state(app).store.get("tricky")
    url = f"{SITE_URL}/articles/tricky"
    data = json_ld_of(page(client, "/articles/tricky"), "NewsArticle")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == TRICKY_TITLE
    assert data["description"] == TRICKY_SUMMARY
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["url"] == url
    for key, expected in (("datePublished", article.published),
                          ("dateModified", article.updated)):
        assert ISO_WITH_OFFSET.match(data[key])
        assert datetime.fromisoformat(data[key]) == expected
    assert data["author"] == [{"@type": "Person", "name": name} for name, _ in TRICKY_AUTHORS]
    assert data["image"] == [{"@type": "ImageObject", "url": card_url(app, "tricky"),
                               "width": 1200, "height": 630}]
    publisher = data["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == app.config["SITE_NAME"]
    assert publisher["logo"]["url"] == f"{SITE_URL}/logo.png"
    assert client.get("/logo.png").status_code == 200


def test_json_ld_leaves_out_unknown_author_and_gives_the_drawn_card(app, client):
    data = json_ld_of(page(client, "/articles/late-night"), "NewsArticle")
    assert "author" not in data
    assert [image["url"] for image in data["image"]] == [card_url(app, "late-night")]
    assert data["datePublished"] == data["dateModified"] == "2026-11-26T08:00:00+09:00"


def test_title_cannot_break_out_of_the_json_ld_script(client):
    body = client.get("/articles/tricky").get_data(as_text=True)
    soup = BeautifulSoup(body, "html5lib")
    scripts = soup.find_all("script")
    # Every "</script" in the raw bytes closes one of our own elements, nothing more.
    assert body.lower().count("</script") == len(scripts)
    for ld in soup.select('script[type="application/ld+json"]'):
        assert "<" not in ld.string and ">" not in ld.string
    # The page's visible heading still shows the title as text, not markup.
    assert soup.select_one("main h1").get_text() == TRICKY_TITLE
    assert soup.select_one("main h1 b") is None


def test_json_ld_keeps_the_csp_intact(client):
    """The CSP allows scripts from 'self' and one inline style by hash. A JSON-LD block
    is data, never executed, so it needs no hash and must not weaken the policy."""
    response = client.get("/articles/tricky")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    soup = BeautifulSoup(response.get_data(as_text=True), "html5lib")
    inline = [s for s in soup.find_all("script") if not s.get("src")]
    assert inline and {s["type"] for s in inline} == {"application/ld+json"}
    [style] = soup.find_all("style")
    digest = base64.b64encode(hashlib.sha256(style.string.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_seed_article_metadata():
    client_seed = create_app({"TESTING": True, "SITE_URL": SITE_URL,
                              "CONTENT_DIR": str(CONTENT_DIR)}).test_client()
    soup = BeautifulSoup(client_seed.get(f"/articles/{SEED_SLUG}").get_data(as_text=True),
                         "html5lib")
    data = json_ld_of(soup, "NewsArticle")
    assert data["headline"] == "Le Drian, Carter, Other Ministers To Discuss ISIS Strategy"
    assert data["datePublished"] == "2016-01-19T00:00:00+00:00"
    assert "author" not in data  # the seed names no author: none is invented


def test_favicon_ico_is_a_real_icon_drawn_from_the_svg(app, client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    data = response.get_data()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count >= 1
    icon = Image.open(io.BytesIO(data))
    assert icon.format == "ICO"
    assert icon.size == (48, 48)
    # The SVG's first rect paints the corner navy blue: the ico must agree.
    assert icon.convert("RGBA").getpixel((0, 0)) == (0x14, 0x21, 0x3d, 255)
    # Each size is drawn at that size (crisp stripes), not scaled down from the largest.
    svg = client.get("/static/favicon.svg").get_data()
    for size in (16, 32, 48):
        drawn = icon.ico.getimage((size, size)).convert("RGBA")
        assert drawn.tobytes() == favicon.draw(svg, size).tobytes()
    assert client.get("/static/favicon.svg").mimetype == "image/svg+xml"


def test_logo_is_a_png_large_enough_for_google(client):
    response = client.get("/logo.png")
    assert response.mimetype == "image/png"
    logo = Image.open(io.BytesIO(response.get_data()))
    assert logo.format == "PNG" and logo.size == (512, 512)


def test_favicon_rejects_shapes_it_cannot_draw():
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8">\n'
           b'<circle cx="4" cy="4" r="4" fill="#000000"/></svg>')
    with pytest.raises(favicon.FaviconError, match="circle.*line 2"):
        favicon.ico(svg)
