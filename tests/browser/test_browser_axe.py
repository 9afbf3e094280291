"""axe-core on every kind of page, light and dark: zero violations, best practices included.

axe checks what a screen reader and a low-vision reader meet: names, landmarks,
headings, contrast in the colours actually painted.
"""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.support import PICTURE_SLUG, SEED_SLUG

AXE = Axe()
# Kind of page -> how to find its path once the server is up.
PAGES = {
    "front": lambda slugs: "/",
    "front-page-2": lambda slugs: "/?page=2",
    "article": lambda slugs: f"/articles/{slugs[0]}",
    "article-with-picture": lambda slugs: f"/articles/{PICTURE_SLUG}",
    "article-without-picture": lambda slugs: f"/articles/{SEED_SLUG}",
    "404": lambda slugs: "/articles/no-such-article",
    "icons": lambda slugs: "/icons",
    "section": lambda slugs: "/sections/defense",
    "tag": lambda slugs: "/tags/islamic-state",
    "author": lambda slugs: "/authors/the-editors",
    "archive": lambda slugs: "/archive/",
    "archive-year": lambda slugs: "/archive/2026/",
    "archive-month": lambda slugs: "/archive/2016/01/",
    "page": lambda slugs: "/about",
    "search": lambda slugs: "/search",
    "search-results": lambda slugs: "/search?q=the+site",
    "search-results-page-2": lambda slugs: "/search?q=the&page=2",
    "search-none": lambda slugs: '/search?q="no+such+words"&section=About+this+site',
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", PAGES)
def test_no_axe_violations(page: Page, article_slugs, kind, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(PAGES[kind](article_slugs))
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
