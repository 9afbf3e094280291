"""The news design as a reader's browser shows it (issue 12): the masthead's menu without
JavaScript, the front page's columns, print, phones, no shift, reader modes, and a
screenshot of every page kind at three sizes in light, dark and print."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import trafilatura
from bs4 import BeautifulSoup
from playwright.sync_api import Page, expect

from tests.browser.measure import layout_shift, what_shifted
from tests.browser.served import ARTIFACTS, ROOT, SITE_URL, fetch, settings
from tests.support import PICTURE_SLUG, SEED_SLUG
from tools.servers import serve

SIZES = {"phone": (390, 844), "tablet": (768, 1024), "desktop": (1440, 900)}
# Every kind of page a reader meets, by the name its screenshots carry.
PAGES = {
    "front": "/",
    "article": f"/articles/{SEED_SLUG}",
    "article-picture": f"/articles/{PICTURE_SLUG}",
    "section": "/sections/defense",
    "tag": "/tags/islamic-state",
    "author": "/authors/the-editors",
    "archive": "/archive/2016/",
    "search": "/search?q=minister",
    "page": "/about",
    "404": "/no-such-page",
}
NODE = shutil.which("node")
READABILITY = ROOT / "tools" / "readability.mjs"


def hides_everything_of(page: Page, selector: str) -> bool:
    return all(not element.is_visible() for element in page.locator(selector).all())


@pytest.mark.browser_context_args(java_script_enabled=False, viewport={"width": 390,
                                                                      "height": 844})
def test_the_phone_menu_opens_without_javascript(page: Page):
    page.goto("/")
    sections = page.locator("nav.sections")
    expect(sections).to_be_hidden()  # no room on a phone: the menu holds them
    summary = page.locator("details.menu summary")
    expect(summary).to_be_visible()
    panel = page.locator("details.menu .menu-panel")
    expect(panel).to_be_hidden()
    summary.click()
    expect(panel).to_be_visible()
    links = panel.get_by_role("navigation", name="Sections").get_by_role("link")
    expect(links).to_have_text(["Defense", "Science", "Newsroom"])
    expect(panel.get_by_role("searchbox")).to_be_visible()
    links.first.click()
    expect(page.locator("h1")).to_have_text("Defense")


def test_the_desktop_shows_the_sections_and_search_and_no_menu(page: Page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/")
    expect(page.locator("nav.sections")).to_be_visible()
    expect(page.locator(".masthead-search input[name=q]")).to_be_visible()
    expect(page.locator("details.menu")).to_be_hidden()
    page.locator(".masthead-search input[name=q]").fill("minister")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=minister$"))
    expect(page.get_by_role("link", name="Le Drian, Carter, Other Ministers To Discuss "
                                        "ISIS Strategy")).to_be_visible()


def test_the_front_page_uses_a_desktops_width(page: Page):
    """The lead story large beside two others, then a grid of three columns."""
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/")
    lead = page.locator(".lead-story").bounding_box()
    side = page.locator(".lead-side").bounding_box()
    assert side["x"] > lead["x"] + lead["width"] - 1, "the side stories stand beside the lead"
    lead_headline = page.locator(".lead-story h2").evaluate("e => getComputedStyle(e).fontSize")
    side_headline = page.locator(".lead-side h3").first.evaluate(
        "e => getComputedStyle(e).fontSize")
    assert float(lead_headline[:-2]) >= 1.5 * float(side_headline[:-2])
    used = page.evaluate(
        "document.querySelector('.lead').getBoundingClientRect().width / window.innerWidth")
    assert used > 0.75, f"the front page uses {used:.0%} of a 1440 px screen"


@pytest.fixture(scope="module")
def busy_site(tmp_path_factory) -> str:
    """The site with a dozen stories, enough to fill the front page's every part."""
    root = tmp_path_factory.mktemp("busy-site")
    articles = root / "content" / "articles"
    articles.mkdir(parents=True)
    for number in range(12):
        (articles / f"story-{number:02d}.md").write_text(
            f"---\ntitle: Story number {number} of a busy day\n"
            f"published: 2026-11-{number + 1:02d}T09:00:00Z\nsection: World\n---\n\n"
            + "A sentence of the story. " * 40 + "\n", encoding="utf-8")
    # The default settings otherwise: no social profile configured.
    defaults = {name: value for name, value in settings().items()
                if not name.startswith("FLASK_SOCIAL_PROFILES")}
    with serve({**defaults, "FLASK_CONTENT_DIR": str(root / "content"),
                "FLASK_CACHE_DIR": str(root / "cache"), "FLASK_ARTICLES_PER_PAGE": "10"}) as url:
        yield url


def test_the_footer_follow_bar_is_there_with_the_default_settings(page: Page, busy_site):
    page.goto(busy_site + "/")
    follow = page.locator("footer .follow")
    expect(follow.get_by_role("heading")).to_have_text("Follow The Small Dispatch")
    links = follow.get_by_role("link")
    expect(links).to_have_text(["RSS", "Atom"])
    for link in links.all():
        status, body = fetch(busy_site + link.get_attribute("href"))
        assert status == 200 and b"Story number 11 of a busy day" in body


@pytest.mark.parametrize("size, columns", [("phone", 1), ("tablet", 2), ("desktop", 3)])
def test_the_next_stories_fill_a_grid_of_the_screens_width(page: Page, busy_site, size,
                                                           columns):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    page.goto(busy_site + "/")
    items = page.locator("ol.grid > li")
    expect(items).to_have_count(6)
    lefts = {round(item.bounding_box()["x"]) for item in items.all()}
    assert len(lefts) == columns
    expect(page.locator("ol.compact > li")).to_have_count(1)


@pytest.mark.parametrize("path", [PAGES["article"], PAGES["page"]])
def test_print_keeps_the_story_and_where_it_came_from(page: Page, path):
    page.goto(path)
    page.emulate_media(media="print")
    expect(page.locator(".wordmark")).to_be_visible()
    expect(page.locator("h1")).to_be_visible()
    for chrome in ("nav.sections", ".masthead-search", "details.menu", ".share-bar",
                   "footer.site-footer", ".sidebar", ".next", ".breadcrumbs"):
        assert hides_everything_of(page, chrome), f"{chrome} is printed"
    if path == PAGES["article"]:
        expect(page.locator(".article-meta time").first).to_be_visible()
        expect(page.locator(".print-url")).to_have_text(f"{SITE_URL}{path}")
        breaks = page.locator("h1, h2").first.evaluate("e => getComputedStyle(e).breakAfter")
        assert breaks in ("avoid", "avoid-page")


@pytest.mark.parametrize("name", PAGES)
def test_nothing_scrolls_sideways_at_320_pixels(page: Page, name):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(PAGES[name])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{name} is {width} px wide"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_article_does_not_move_when_the_share_script_runs(page: Page, size):
    """The share row stays one row when "Copy link" and "Share…" appear, and the masthead
    keeps its place when a slow network paints it before its menu is parsed."""
    shift = layout_shift(page, PAGES["article"], SIZES[size])
    assert shift == 0, what_shifted(page)


def test_every_page_kind_is_photographed(browser, base_url):
    """Screenshots for designers' eyes (test-artifacts/), every kind, size and scheme."""
    ARTIFACTS.mkdir(exist_ok=True)
    taken = 0
    for size, (width, height) in SIZES.items():
        for scheme in ("light", "dark", "print"):
            context = browser.new_context(base_url=base_url, color_scheme="dark"
                                          if scheme == "dark" else "light",
                                          viewport={"width": width, "height": height})
            page = context.new_page()
            if scheme == "print":
                page.emulate_media(media="print")
            for name, path in PAGES.items():
                page.goto(path)
                shot = ARTIFACTS / f"{name}-{size}-{scheme}.png"
                page.screenshot(path=str(shot), full_page=True)
                taken += shot.stat().st_size > 0
            context.close()
    assert taken == len(SIZES) * 3 * len(PAGES)


def extracted_by_reader_view(html: bytes, url: str) -> dict:
    if NODE is None or not (ROOT / "node_modules" / "@mozilla" / "readability").is_dir():
        pytest.skip("node and node_modules (npm ci --ignore-scripts) are needed")
    done = subprocess.run([NODE, str(READABILITY), url], input=html, capture_output=True,
                          timeout=60, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("slug, byline", [
    (SEED_SLUG, None),  # no author: nothing, never the dateline
    ("welcome-to-the-small-dispatch", "The Editors"),
])
def test_reader_modes_and_extractors_get_the_story_and_no_chrome(server_url, slug, byline):
    url = f"{server_url}/articles/{slug}"
    status, html = fetch(url)
    assert status == 200
    # The page's chrome: its links' words, and the next article's headline in its card.
    next_headline = BeautifulSoup(html, "html5lib").select_one(".next-card .headline").get_text()
    chrome = ["Skip to content", "Copy link", "Subscribe to the", "Follow The Small Dispatch",
              "Latest", "Older articles", "min read", next_headline]
    reader = extracted_by_reader_view(html, url)
    assert reader["readerable"]
    assert reader["title"] and reader["title"] in html.decode()
    assert reader["byline"] == byline
    assert reader["publishedTime"].startswith(("2016-01-19", "2026-11-25"))
    extracted = json.loads(trafilatura.extract(html.decode(), output_format="json",
                                               with_metadata=True, url=url))
    assert extracted["title"] == reader["title"]
    assert extracted["author"] == byline
    assert extracted["date"] == reader["publishedTime"][:10]
    for text in (reader["textContent"], extracted["text"]):
        assert not any(words in text for words in chrome), text[:200]
    paragraphs = [p for p in extracted["text"].split("\n") if p.strip()]
    assert len(paragraphs) >= 3
    if slug == SEED_SLUG:
        assert reader["textContent"].strip().startswith("PARIS — French Defense Minister")
        assert reader["textContent"].strip().endswith("left hundreds wounded.")
