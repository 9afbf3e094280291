"""The article page as a reader's browser shows it: sizes, share bar, keyboard, scripts.

Share URLs are checked against the page's canonical link, which comes from SITE_URL
(https://news.example.org here), not from the address the browser used: a reader who
shares passes on the public address, whatever proxy they came through.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Page, expect

from tests.browser.colour import contrast
from tests.browser.served import ARTIFACTS, fetch
from tests.support import PROFILES, SITE_URL

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}


@pytest.fixture
def slug(article_slugs) -> str:
    return article_slugs[0]


def canonical_of(page: Page) -> str:
    return page.locator('link[rel="canonical"]').get_attribute("href")


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_article_fits_the_screen_and_is_photographed(page: Page, slug, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/articles/{slug}")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("article header .share-bar")).to_be_visible()
    expect(page.locator("article .end-matter .share-bar")).to_be_visible()
    expect(page.locator("a.next-card")).to_be_visible()
    # Nothing sticks out sideways: no horizontal scrolling on a phone.
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"page is {scroll_width}px wide in a {width}px viewport"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"article-{width}x{height}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


def test_share_links_pass_on_the_canonical_url_and_title(page: Page, slug):
    page.goto(f"/articles/{slug}")
    canonical = canonical_of(page)
    assert canonical == f"{SITE_URL}/articles/{slug}"
    title = page.locator("h1").inner_text().strip()

    hrefs = {link.get_attribute("class"): link.get_attribute("href")
             for link in page.locator("article header .share-bar a").all()}
    expected = {  # class -> (scheme://host/path, {query parameter: value})
        "share-facebook": ("https://www.facebook.com/sharer/sharer.php", {"u": canonical}),
        "share-x": ("https://x.com/intent/tweet", {"url": canonical, "text": title}),
        "share-linkedin": ("https://www.linkedin.com/sharing/share-offsite/", {"url": canonical}),
        "share-pinterest": ("https://www.pinterest.com/pin/create/button/",
                            {"url": canonical, "description": title}),
        "share-email": ("mailto:", {"subject": title, "body": canonical}),
    }
    assert set(hrefs) == set(expected)
    for name, (target, params) in expected.items():
        parts = urlsplit(hrefs[name])
        where = f"{parts.scheme}:" if parts.scheme == "mailto" else \
            f"{parts.scheme}://{parts.netloc}{parts.path}"
        assert where == target, name
        decoded = {key: values[0] for key, values in parse_qs(parts.query).items()}
        assert decoded == params, name


def test_follow_links_are_the_configured_profiles_in_order(page: Page, slug):
    page.goto(f"/articles/{slug}")
    hrefs = [link.get_attribute("href") for link in page.locator(".follow-bar a").all()]
    assert hrefs == ["/feed.rss", "/feed.atom", *PROFILES.values()]


# A name for each link or button that tells apart two links to one address (the
# breadcrumb's section and the kicker): its class, its href and its place in the page.
KEY = """const KEY = el => el.className + ' ' + (el.getAttribute('href') || '') + ' #'
    + Array.from(document.querySelectorAll('a, button')).indexOf(el);"""


def focused_description(page: Page) -> dict | None:
    """What has keyboard focus, with the outline the browser draws around it."""
    return page.evaluate("""() => {
        """ + KEY + """
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        return {key: KEY(el),
                outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                colour: style.outlineColor, visible: el.matches(':focus-visible'),
                background: getComputedStyle(document.body).backgroundColor};
    }""")


def test_tab_reaches_every_share_and_follow_link_in_order_with_a_focus_ring(page: Page, slug):
    page.goto(f"/articles/{slug}")
    wanted = page.evaluate("""() => {""" + KEY + """
        return Array.from(
            document.querySelectorAll('.share-bar a, .share-bar button, .follow-bar a'))
            .filter(el => el.offsetParent !== null).map(KEY); }""")
    assert len(wanted) >= 5 + len(PROFILES)

    reached, seen = [], set()
    for _ in range(200):  # far more stops than the page has; the loop ends on wrap-around
        page.keyboard.press("Tab")
        focused = focused_description(page)
        if focused is None or focused["key"] in seen:
            break
        seen.add(focused["key"])
        if focused["key"] in wanted:
            reached.append(focused["key"])
            assert focused["visible"], f"{focused['key']} does not match :focus-visible"
            assert focused["outline"] != "none" and focused["width"] >= 2, \
                f"no visible focus ring on {focused['key']}: {focused}"
            # WCAG 1.4.11: a focus indicator needs 3:1 against what surrounds it.
            assert contrast(focused["colour"], focused["background"]) >= 3, focused
    assert reached == wanted


def test_copy_link_puts_the_canonical_url_on_the_clipboard(page: Page, slug, base_url):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto(f"/articles/{slug}")
    button = page.locator("article header").get_by_role("button", name="Copy link")
    expect(button).to_be_visible()
    # The share row after the text has its own Copy link, enhanced the same way.
    expect(page.locator("article .end-matter").get_by_role("button", name="Copy link")
           ).to_be_visible()
    button.click()
    expect(page.locator("article header .share-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == canonical_of(page)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript_the_page_reads_fully_and_script_buttons_stay_hidden(
        page: Page, slug, base_url):
    page.goto(f"/articles/{slug}")
    # Every paragraph the server sent is shown, word for word.
    sent = BeautifulSoup(fetch(f"{base_url}/articles/{slug}")[1], "html5lib")
    expected = [" ".join(p.get_text().split()) for p in sent.select(".article-body p")]
    paragraphs = page.locator(".article-body p")
    assert expected and paragraphs.count() == len(expected)
    for paragraph, text in zip(paragraphs.all(), expected, strict=True):
        expect(paragraph).to_be_visible()
        assert " ".join(paragraph.inner_text().split()) == text
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("a.next-card")).to_be_visible()
    for link in page.locator(".share-bar a, .follow-bar a").all():
        expect(link).to_be_visible()
    script_only = page.locator("li[data-requires]")
    assert script_only.count() >= 1
    for item in script_only.all():
        expect(item).to_be_hidden()
