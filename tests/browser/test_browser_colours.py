"""The dark colour scheme: a reader whose system is dark gets a dark page, still legible.

A palette change that makes text hard to read fails with the numbers in the message.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.colour import contrast, luminance

# What each scheme must reach: WCAG AA for body-size text.
MINIMUM_CONTRAST = 4.5
# Text that readers must be able to read on the page background. Tags appear only on
# articles that have some; the rest is on every article page.
TEXT = ["body", ".article-meta", ".article-body p", ".next-card .label",
        ".next-card .headline", ".next-card .standfirst", ".share-bar a", ".wordmark",
        ".sections a", ".follow h2", ".copyright", ".footer-links a", ".sidebar .meta"]
OPTIONAL_TEXT = [".tags a", ".kicker a", ".standfirst", ".credit", ".article-body a",
                 ".breadcrumbs a"]


def colours(page: Page, selector: str) -> tuple[str, str]:
    """The text colour of `selector` and the background behind it: its own or its
    nearest ancestor's that is not transparent (the footer band, the next-article card)."""
    return page.evaluate("""(selector) => {
        const element = document.querySelector(selector);
        let behind = element;
        while (behind && ["rgba(0, 0, 0, 0)", "transparent"].includes(
                getComputedStyle(behind).backgroundColor)) behind = behind.parentElement;
        return [getComputedStyle(element).color,
                getComputedStyle(behind || document.body).backgroundColor];
    }""", selector)


@pytest.fixture
def article_in(page: Page, article_slugs):
    def load(scheme: str) -> Page:
        page.emulate_media(color_scheme=scheme)
        page.goto(f"/articles/{article_slugs[0]}")
        return page
    return load


def test_dark_scheme_changes_the_colours(article_in):
    light = colours(article_in("light"), "body")
    dark = colours(article_in("dark"), "body")
    assert light != dark
    # Dark means a dark background with light text, not just different colours.
    assert luminance(dark[1]) < luminance(light[1])
    assert luminance(dark[0]) > luminance(dark[1])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_is_legible_in_each_scheme(article_in, scheme):
    page = article_in(scheme)
    present = [s for s in OPTIONAL_TEXT if page.locator(s).count()]
    for selector in TEXT + present:
        text, background = colours(page, selector)
        ratio = contrast(text, background)
        assert ratio >= MINIMUM_CONTRAST, \
            f"{selector} in {scheme}: {text} on {background} is {ratio:.2f}:1"


def test_contrast_formula_matches_known_wcag_figures():
    """The yardstick itself: black on white is 21:1, and #767676 on white just passes AA."""
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(18, 18, 18)", "rgb(18, 18, 18)") == pytest.approx(1)
    assert contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)") == pytest.approx(4.54, abs=0.01)
    with pytest.raises(ValueError, match="translucent"):
        contrast("rgba(0, 0, 0, 0.5)", "rgb(255, 255, 255)")
