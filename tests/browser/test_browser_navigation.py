"""Moving around the site as a reader does: "Next Article", sections, tags, the archive,
breadcrumbs and the 404 page."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support import SEED_SLUG

SEED_TITLE = "Le Drian, Carter, Other Ministers To Discuss ISIS Strategy"


def current_slug(page: Page) -> str:
    return page.url.rsplit("/", 1)[-1]


def test_next_article_walks_every_article_and_returns_to_the_newest(page: Page, article_slugs):
    page.goto(f"/articles/{article_slugs[0]}")
    visited = [current_slug(page)]
    for _ in article_slugs:
        next_link = page.get_by_role("navigation", name="Next article").get_by_role("link")
        with page.expect_navigation():
            next_link.click()
        expect(page.locator("h1")).to_be_visible()
        visited.append(current_slug(page))
    # Newest first, through every article once, then round to the newest again.
    assert visited == article_slugs + article_slugs[:1]


def test_next_route_redirects_from_the_oldest_to_the_newest(page: Page, article_slugs):
    response = page.goto(f"/articles/{article_slugs[-1]}/next")
    assert response.ok
    assert current_slug(page) == article_slugs[0]


def test_unknown_article_gets_the_sites_own_404_page(page: Page):
    response = page.goto("/articles/no-such-article")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page).to_have_title("Page not found — The Small Dispatch")
    page.get_by_role("link", name="Go to the front page").click()
    expect(page.locator("main .lead-story")).to_be_visible()
    assert page.url.rstrip("/") == page.evaluate("location.origin")


def test_a_reader_follows_the_section_a_tag_and_the_breadcrumb(page: Page):
    page.goto(f"/articles/{SEED_SLUG}")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Defense").click()
    expect(page.locator("h1")).to_have_text("Defense")
    page.get_by_role("link", name=SEED_TITLE).click()
    expect(page.locator("h1")).to_have_text(SEED_TITLE)
    page.get_by_role("list", name="Tags").get_by_role("link", name="Islamic State").click()
    expect(page.locator("h1")).to_have_text("Islamic State")
    expect(page).to_have_title("Islamic State — The Small Dispatch")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Home").click()
    expect(page.locator("main .lead-story")).to_be_visible()


def test_a_reader_walks_the_archive(page: Page):
    page.goto("/archive/")
    years = page.get_by_role("navigation", name="Years and months")
    years.get_by_role("link", name="January 2016").click()
    expect(page.locator("h1")).to_have_text("January 2016")
    expect(page.get_by_role("link", name=SEED_TITLE)).to_be_visible()
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumb.get_by_role("link", name="2016", exact=True).click()
    expect(page.locator("h1")).to_have_text("2016")
