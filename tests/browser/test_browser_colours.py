"""The dark colour scheme: a reader whose system is dark gets a dark page, still legible.

Contrast is worked out here from the computed colours with WCAG's formula, so a
palette change that makes text hard to read fails with the numbers in the message.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

# What each scheme must reach: WCAG AA for body-size text.
MINIMUM_CONTRAST = 4.5
# Text that readers must be able to read on the page background. Tags appear only on
# articles that have some; the rest is on every article page.
TEXT = ["body", ".meta", ".article-body p", ".next-article a", ".next-article span",
        ".share-bar a"]
OPTIONAL_TEXT = [".tags li", ".section", ".credit", ".article-body a"]


def parse_rgb(value: str) -> tuple[float, float, float]:
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)", value)
    assert match, f"unexpected colour {value!r}"
    assert match.group(4) in (None, "1"), f"translucent colour {value!r}"
    return tuple(int(match.group(i)) / 255 for i in (1, 2, 3))


def luminance(rgb) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(parse_rgb(a)), luminance(parse_rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colours(page: Page, selector: str) -> tuple[str, str]:
    """The text colour of `selector` and the page background behind it."""
    return page.evaluate("""(selector) => [
        getComputedStyle(document.querySelector(selector)).color,
        getComputedStyle(document.body).backgroundColor]""", selector)


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
    assert luminance(parse_rgb(dark[1])) < luminance(parse_rgb(light[1]))
    assert luminance(parse_rgb(dark[0])) > luminance(parse_rgb(dark[1]))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_is_legible_in_each_scheme(article_in, scheme):
    page = article_in(scheme)
    present = [s for s in OPTIONAL_TEXT if page.locator(s).count()]
    for selector in TEXT + present:
        text, background = colours(page, selector)
        ratio = contrast(text, background)
        assert ratio >= MINIMUM_CONTRAST, \
            f"{selector} in {scheme}: {text} on {background} is {ratio:.2f}:1"
