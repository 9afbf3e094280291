"""Moving around the site as a reader does: "Next Article" and the 404 page."""
from __future__ import annotations

from playwright.sync_api import Page, expect


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
    expect(page.locator(".article-list")).to_be_visible()
    assert page.url.rstrip("/") == page.evaluate("location.origin")
