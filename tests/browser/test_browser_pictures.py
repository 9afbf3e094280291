"""Pictures as Chromium shows them: nothing moves while they load (layout shift 0, at a
phone's and a desktop's width, on a slow network), the browser picks the AVIF of the
width it needs, and a page with a lead picture and figures passes axe and the Nu Html
Checker. The site here has its own content: generated pictures (tests/images.py) in a
lead and in the body, with and without captions, a portrait turned by its EXIF, a PNG
with transparency.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from axe_playwright_python.sync_playwright import Axe
from bs4 import BeautifulSoup
from playwright.sync_api import Page

from tests import images
from tests.browser.measure import layout_shift
from tests.browser.served import VNU_JAR, fetch, settings
from tests.support import PICTURE_SLUG
from tools.servers import serve

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
PARAGRAPH = ("A paragraph of text that goes on for a while, so that the pictures in this "
             "article are spread down the page and some of them start below the fold. ")
ARTICLE = f"""---
title: Pictures in a story
published: 2026-11-20T09:00:00+00:00
section: Tests
image: media/lead.jpg
image_alt: A gradient with shapes, its top band red
image_caption: The lead picture, with a caption.
image_credit: The test suite
---

{PARAGRAPH * 3}

![A portrait taken on a phone, turned upright](media/phone.jpg "A portrait, turned by its EXIF.")

{PARAGRAPH * 4}

![A red band beside a transparent one](media/logo.png)

{PARAGRAPH * 2}
"""
@pytest.fixture(scope="module")
def picture_site(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("picture-site")
    content = root / "content"
    (content / "articles").mkdir(parents=True)
    (content / "media").mkdir()
    images.jpeg(content / "media" / "lead.jpg", (1600, 1067))
    images.phone_portrait(content / "media" / "phone.jpg", shown=(900, 1200))
    images.palette_png(content / "media" / "logo.png", (800, 400))
    (content / "articles" / "pictures.md").write_text(ARTICLE, encoding="utf-8")
    with serve({**settings(), "FLASK_CONTENT_DIR": str(content),
                "FLASK_CACHE_DIR": str(root / "cache")}) as url:
        yield url


@pytest.mark.parametrize("size", SIZES)
def test_pictures_load_without_moving_anything(page: Page, picture_site, size):
    shift = layout_shift(page, f"{picture_site}/articles/pictures", SIZES[size])
    assert shift == 0
    assert page.locator("img").count() == 3
    for img in page.locator("img").all():
        assert img.evaluate("i => i.naturalWidth > 0")


@pytest.mark.parametrize("size", SIZES)
def test_the_shipped_article_with_a_picture_does_not_move(page: Page, size):
    """The feature as a reader gets it, share script and all."""
    assert layout_shift(page, f"/articles/{PICTURE_SLUG}", SIZES[size]) == 0


def test_the_measure_sees_a_picture_without_its_size_move_the_text(page: Page, picture_site):
    """The control: the same picture without width and height, on the same network,
    pushes the text down as it arrives, and the observer counts it."""
    sent = BeautifulSoup(fetch(f"{picture_site}/articles/pictures")[1], "html5lib")
    src = sent.select_one("article header figure img")["src"]
    control = f"{picture_site}/control"
    page.route(control, lambda route: route.fulfill(
        content_type="text/html",
        body=f"<!doctype html><title>c</title><p>Above</p><img src='{src}' alt=''>"
             f"<p>{PARAGRAPH * 5}</p>"))
    assert layout_shift(page, control, SIZES["phone"]) > 0.05


@pytest.mark.parametrize("size, chosen", [("phone", "-400."), ("desktop", "-800.")])
def test_the_browser_picks_the_avif_of_the_width_it_shows(page: Page, picture_site, size,
                                                          chosen):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{picture_site}/articles/pictures")
    current = page.locator("article header figure img").evaluate("i => i.currentSrc")
    assert current.endswith(".avif") and chosen in current, current


def test_axe_finds_nothing_on_a_page_with_figures(page: Page, picture_site):
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{picture_site}/articles/pictures")
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()


def test_nu_html_checker_finds_no_error_on_a_page_with_figures(picture_site, tmp_path):
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.skip("the Nu Html Checker needs java and node_modules/vnu-jar")
    status, body = fetch(f"{picture_site}/articles/pictures")
    assert status == 200
    (tmp_path / "page.html").write_bytes(body)
    run = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", "--stdout",
                          str(tmp_path / "page.html")], capture_output=True, text=True,
                         timeout=120, check=False)
    errors = [m for m in json.loads(run.stdout)["messages"]
              if m["type"] in ("error", "non-document-error")]
    assert errors == []
