"""The icon set: every seed name drawn from a package, composed variants, the served
sprite, the /icons page, and pages that inline only the icons they show."""
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import render_template_string

from app import icons
from tests.support import SEED_FILE, SEED_SLUG, html

SVG = "{http://www.w3.org/2000/svg}"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "icons.md"
SHAPES = {"path", "circle", "rect", "line", "polyline", "polygon", "ellipse"}


def parse_symbol(name: str) -> ET.Element:
    return ET.fromstring(icons.symbol(name))


def path_data(element: ET.Element) -> list[str]:
    return [el.get("d") for el in element.iter() if el.tag.rpartition("}")[2] == "path"]


def test_the_set_is_the_seed_pages_sprite_in_order():
    # The line is space separated, and four names have spaces of their own ("Reply
    # Icon"), so the words must match and the code says where each name ends.
    line = SEED_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert line.split() == [word for name in icons.NAMES for word in name.split()]
    assert len(icons.NAMES) == 73
    assert {"Reply Icon", "Show More", "Delete Icon", "Video Player Play Icon"} <= set(
        icons.NAMES)
    assert icons.NAMES[0] == "navigation-background" and icons.NAMES[-1] == "youtube"


def test_every_name_has_its_own_id():
    ids = [icons.icon_id(name) for name in icons.NAMES]
    assert len(set(ids)) == 73
    assert icons.icon_id("Reply Icon") == "icon-reply-icon"
    assert icons.icon_id("Video Player Play Icon") == "icon-video-player-play-icon"
    assert icons.icon_id("share2") == "icon-share2"
    assert all(re.fullmatch(r"icon-[a-z0-9-]+", i) for i in ids)


@pytest.mark.parametrize("name", icons.NAMES)
def test_every_name_gives_a_non_empty_symbol(name):
    symbol = parse_symbol(name)
    assert symbol.tag == "symbol"
    assert symbol.get("id") == icons.icon_id(name)
    assert symbol.get("viewBox") == "0 0 24 24"
    shapes = [el for el in symbol.iter() if el.tag in SHAPES]
    assert shapes, f"{name} has no shapes"
    assert all(el.get("d", "x").strip() for el in shapes)


def test_symbols_are_painted_in_current_color_only():
    # CSS colours the icons; a hard-coded colour would ignore it (and dark mode).
    for name in icons.NAMES:
        for el in parse_symbol(name).iter():
            for attr in ("fill", "stroke"):
                assert el.get(attr) in (None, "none", "currentColor"), (name, attr)


def test_icons_are_the_packages_own_files():
    for name, file in [("twitter", "brand-x"), ("linkedin", "brand-linkedin"),
                       ("Heart", "heart"), ("wiki", "brand-wikipedia")]:
        svg = icons.tabler_zip().read(f"outline/{file}.svg")
        assert path_data(parse_symbol(name)) == path_data(ET.fromstring(svg))
    import fontawesome_free_pack

    svg = fontawesome_free_pack.get_icon("brands/google-plus-g").svg
    assert path_data(parse_symbol("googleplus")) == path_data(ET.fromstring(svg))


def test_every_tabler_icon_is_one_file_of_the_packages_zip():
    tabler = {f"{s.style}/{s.icon}.svg" for s in icons.ICONS.values()
              if s.package == icons.TABLER}
    tabler |= {f"outline/{frame}.svg" for frame in icons.FRAMES.values()}
    assert tabler <= set(icons.tabler_zip().namelist())
    assert icons.tabler_zip().filename == str(
        icons.module_dir("tablericons") / "tablericons.zip")


def test_icon_packages_bring_no_heavy_imports():
    # The Tabler zip is read from tablericons2's directory, its template-tag module
    # never imported; and nothing of the old pytablericons (pygame) is needed.
    for name in icons.NAMES:
        icons.symbol(name)
    assert "tablericons" not in sys.modules
    assert "pygame" not in sys.modules and "pytablericons" not in sys.modules


def test_only_the_googleplus_glyph_comes_from_font_awesome():
    assert [n for n in icons.NAMES if icons.ICONS[n].package == icons.FONTAWESOME] == [
        "googleplus"]
    assert {s.package for s in icons.ICONS.values()} == {icons.TABLER, icons.FONTAWESOME}


FRAMED = [name for name in icons.NAMES if icons.ICONS[name].frame]


def test_the_framed_variants_are_the_seeds_circle_and_square_names():
    assert FRAMED == [n for n in icons.NAMES if n.endswith(("-circle", "-square"))]
    assert len(FRAMED) == 26


@pytest.mark.parametrize("name", FRAMED)
def test_each_framed_variant_contains_its_base_glyph(name):
    base_name, _, frame = name.rpartition("-")
    base = icons.glyph(icons.BASES[base_name])
    variant = parse_symbol(name)
    base_paths = [d for shape in base.shapes for d in path_data(shape)]
    frame_paths = path_data(icons.source_svg(icons.tabler(icons.FRAMES[frame])))
    assert path_data(variant) == frame_paths + base_paths
    inner = variant.find("g")
    assert re.fullmatch(r"translate\([\d.]+ [\d.]+\) scale\(0?\.\d+\)", inner.get("transform"))
    # The base is shrunk, so its stroke is widened to keep a legible weight.
    assert float(inner.get("stroke-width")) > 2


def test_served_sprite_is_one_cacheable_svg_with_every_symbol(client):
    response = client.get("/icons.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "max-age=86400" in response.headers["Cache-Control"]
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{SVG}svg"
    symbols = root.findall(f"{SVG}symbol")
    assert [s.get("id") for s in symbols] == [icons.icon_id(n) for n in icons.ALL_NAMES]
    assert all(s.get("viewBox") == "0 0 24 24" and len(s) for s in symbols)
    again = client.get("/icons.svg", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_sites_own_additions_come_after_the_seeds_names():
    """The seed's sprite, in its order, then the few icons the site adds (the feeds')."""
    assert icons.ALL_NAMES == icons.NAMES + icons.EXTRA_NAMES
    assert "rss" in icons.EXTRA_NAMES
    assert not set(icons.EXTRA_NAMES) & set(icons.NAMES)


def test_served_sprite_credits_the_packages(client):
    text = client.get("/icons.svg").get_data(as_text=True)
    assert "Tabler Icons" in text and "MIT" in text and "tablericons2" in text
    assert "Font Awesome Free" in text and "CC BY 4.0" in text
    assert "fontawesome-free-pack" in text


@pytest.fixture
def gallery(client):
    response = client.get("/icons")
    assert response.status_code == 200
    return html(response)


def test_icons_page_shows_every_name_twice_in_two_sizes(gallery):
    assert len(gallery.find_all("h1")) == 1
    panels = gallery.select("main section.icon-panel")
    assert [p.h2.get_text(strip=True) for p in panels] == [
        "On a light background", "On a dark background"]
    for panel in panels:
        items = panel.select("ul.icon-grid > li")
        assert [li.code.get_text() for li in items] == list(icons.ALL_NAMES)
        for li, name in zip(items, icons.ALL_NAMES, strict=True):
            svgs = li.find_all("svg")
            assert [s["class"] for s in svgs] == [["icon", "icon-24"], ["icon", "icon-48"]]
            assert all(s["aria-hidden"] == "true" for s in svgs)
            assert {s.use["href"] for s in svgs} == {"#" + icons.icon_id(name)}


def test_icons_page_inlines_each_symbol_once(gallery):
    ids = [s["id"] for s in gallery.select("svg.sprite symbol")]
    assert sorted(ids) == sorted(icons.icon_id(n) for n in icons.ALL_NAMES)
    assert gallery.select_one("a[href='/icons.svg']")


def test_article_page_carries_only_the_icons_it_shows(client):
    page = html(client.get(f"/articles/{SEED_SLUG}"))
    used = {use["href"].lstrip("#") for use in page.select("svg.icon use")}
    inlined = [s["id"] for s in page.select("svg.sprite symbol")]
    assert used, "the article shows share and follow icons"
    assert sorted(inlined) == sorted(used)
    assert len(inlined) < len(icons.NAMES)
    assert len(page.select("svg.sprite")) == 1


def test_a_template_asking_for_an_unknown_icon_fails(app):
    with app.test_request_context(), pytest.raises(icons.UnknownIcon,
                                                   match="no icon named 'facebok'"):
        render_template_string("<a>{{ icon('facebok') }}</a>{{ icon_sprite() }}")


def test_names_are_exact(app):
    # "twitter-x" or "Heart" spelt "heart" must not quietly map to something.
    with app.test_request_context():
        for wrong in ("heart", "reply-icon", "calendar", "twitter-x", ""):
            with pytest.raises(icons.UnknownIcon):
                icons.icon(wrong)


def test_icon_sizes_are_the_ones_the_css_has(app):
    with app.test_request_context():
        assert 'class="icon icon-48"' in icons.icon("star", 48)
        with pytest.raises(ValueError, match="size"):
            icons.icon("star", 30)


def test_a_page_without_icons_has_no_sprite(app):
    with app.test_request_context():
        assert render_template_string("<p>{{ icon_sprite() }}</p>") == "<p></p>"


def test_docs_table_lists_every_name_with_its_icon_and_package():
    rows = [line.split("|")[1:-1] for line in DOCS.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and "`icon-" in line]
    table = {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}
    assert list(table) == list(icons.NAMES)
    for name, (symbol_id, icon, package, *_rest) in table.items():
        source = icons.ICONS[name]
        assert symbol_id == f"`{icons.icon_id(name)}`"
        assert icon.startswith(f"`{source.style}/{source.icon}`")
        assert package == source.package


@pytest.fixture
def fresh_symbols():
    icons.symbol.cache_clear()
    yield
    icons.symbol.cache_clear()


def test_a_missing_icon_file_stops_start_up_with_its_name(monkeypatch, fresh_symbols):
    from app import create_app

    monkeypatch.setitem(icons.ICONS, "Heart", icons.tabler("no-such-heart"))
    with pytest.raises(RuntimeError, match="tablericons2 has no outline icon 'no-such-heart'"):
        create_app({"TESTING": True})


def test_icons_page_has_its_canonical_address(gallery):
    assert gallery.select_one("link[rel=canonical]")["href"] == "https://news.example.org/icons"
