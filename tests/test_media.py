"""Pictures (app/media.py): what editors give, what readers get, what is made once.

Each kind of file an editor may drop into content/media/ (tests/images.py makes them)
is either served correctly, checked here by opening what the site sends with Pillow
(its size, its format, and no EXIF, GPS, XMP, ICC profile or comment left), or refused
with one message naming the article's file and line.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from app import create_app, media, share_cards
from app.content import ContentErrors, read_articles
from app.state import state
from tests import images
from tests.support import CONTENT_DIR, PICTURE_SLUG, ROOT, SEED_SLUG, SITE_URL, html

PUBLISHED = "2026-11-20T09:00:00+00:00"
IMMUTABLE = "public, max-age=31536000, immutable"
# What an image's info may hold after Pillow reads it back: format details, no metadata.
HARMLESS_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive",
                 "progression", "loop", "duration", "background", "timestamp"}


def write_article(content: Path, front: str = "", body: str = "Some text.\n",
                  name: str = "story") -> Path:
    """content/articles/<name>.md with a title, a date, `front` and `body`."""
    (content / "articles").mkdir(parents=True, exist_ok=True)
    path = content / "articles" / f"{name}.md"
    path.write_text(f"---\ntitle: A story\npublished: {PUBLISHED}\n{front}---\n\n{body}",
                    encoding="utf-8")
    return path


def media_dir(content: Path) -> Path:
    (content / "media").mkdir(parents=True, exist_ok=True)
    return content / "media"


def lead(name: str, alt: str = "What it shows") -> str:
    return f"image: media/{name}\nimage_alt: {alt}\n"


def problems(content: Path) -> list[str]:
    return [str(error) for error in read_articles(content)[1]]


def make_app(content: Path, cache: Path):
    return create_app({"TESTING": True, "SITE_URL": SITE_URL, "CONTENT_DIR": str(content),
                       "CACHE_DIR": str(cache)})


def served(client, url: str) -> tuple[bytes, Image.Image]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Cache-Control"] == IMMUTABLE
    image = Image.open(io.BytesIO(response.data))
    image.load()
    return response.data, image


def assert_no_metadata(data: bytes, image: Image.Image) -> None:
    """Nothing but pixels: no EXIF (so no GPS), no XMP, no ICC profile, no comment."""
    assert set(image.info) <= HARMLESS_INFO, set(image.info) - HARMLESS_INFO
    assert not image.getexif()
    for trace in (b"Exif\0", b"xmpmeta", b"ns.adobe.com", images.COMMENT, b"Paris",
                  b"ICC_PROFILE", b"iCCP", b"eXIf"):
        assert trace not in data


def figure_urls(soup: BeautifulSoup, selector: str = "figure") -> dict[str, list[str]]:
    """Media type -> the URLs of a figure's srcsets (the fallback under its type too)."""
    figure = soup.select_one(selector)
    urls = {source["type"]: [part.split()[0] for part in source["srcset"].split(", ")]
            for source in figure.select("source")}
    img = figure.select_one("img")
    fallback = "image/png" if img["src"].endswith(".png") else "image/jpeg"
    urls[fallback] = [part.split()[0] for part in img["srcset"].split(", ")]
    return urls


# --- Served correctly ------------------------------------------------------------------

def test_phone_portrait_is_upright_in_every_width_and_format_with_no_metadata(tmp_path):
    content = tmp_path / "content"
    images.phone_portrait(media_dir(content) / "phone.jpg", shown=(900, 1200))
    source = Image.open(content / "media" / "phone.jpg")
    assert source.getexif().get_ifd(images.GPS_IFD)  # the GPS position is in the original
    write_article(content, lead("phone.jpg"))
    client = make_app(content, tmp_path / "cache").test_client()
    soup = html(client.get("/articles/story"))
    img = soup.select_one("figure img")
    assert (img["width"], img["height"]) == ("900", "1200")  # upright: a portrait
    urls = figure_urls(soup)
    assert set(urls) == {"image/avif", "image/webp", "image/jpeg"}
    for media_type, found in urls.items():
        widths = []
        for url in found:
            data, image = served(client, url)
            assert Image.MIME[image.format] == media_type
            assert image.height > image.width  # EXIF orientation applied
            assert image.convert("RGB").getpixel((image.width // 2, 2))[0] > 180  # red top
            assert_no_metadata(data, image)
            widths.append(image.width)
        assert widths == [400, 900]  # never wider than the original
    card_url = soup.select_one('meta[property="og:image"]')["content"].removeprefix(SITE_URL)
    data, card = served(client, card_url)
    assert card.size == (1200, 630) and card.format == "JPEG"
    assert_no_metadata(data, card)


def test_widths_are_a_few_and_never_wider_than_the_original():
    assert media.widths(4000) == (400, 800, 1200, 1600)
    assert media.widths(1600) == (400, 800, 1200, 1600)
    assert media.widths(1300) == (400, 800, 1300)  # 1200 would weigh about the same
    assert media.widths(512) == (400, 512)
    assert media.widths(300) == (300,)


def test_cmyk_jpeg_is_served_in_rgb_with_its_colours(tmp_path):
    content = tmp_path / "content"
    images.cmyk_jpeg(media_dir(content) / "print.jpg")
    write_article(content, lead("print.jpg"))
    client = make_app(content, tmp_path / "cache").test_client()
    for url in sum(figure_urls(html(client.get("/articles/story"))).values(), []):
        data, image = served(client, url)
        assert image.mode in ("RGB", "YCbCr") or image.format == "AVIF"
        red, green, blue = image.convert("RGB").getpixel((10, 10))
        assert red > 200 and green < 60 and blue < 60, (url, (red, green, blue))
        assert_no_metadata(data, image)


def test_palette_png_keeps_its_transparency_and_falls_back_to_png(tmp_path):
    content = tmp_path / "content"
    images.palette_png(media_dir(content) / "logo.png", size=(600, 300))
    write_article(content, lead("logo.png"))
    client = make_app(content, tmp_path / "cache").test_client()
    soup = html(client.get("/articles/story"))
    urls = figure_urls(soup)
    assert set(urls) == {"image/avif", "image/webp", "image/png"}
    assert soup.select_one("figure img")["src"].endswith(".png")
    for url in sum(urls.values(), []):
        data, image = served(client, url)
        rgba = image.convert("RGBA")
        assert rgba.getpixel((5, 5))[3] == 0  # the left half stays transparent
        assert rgba.getpixel((image.width - 5, 5))[3] == 255
        assert_no_metadata(data, image)
    card_url = soup.select_one('meta[property="og:image"]')["content"].removeprefix(SITE_URL)
    _, card = served(client, card_url)
    assert card.format == "JPEG" and card.getpixel((5, 5)) == pytest.approx((255, 255, 255),
                                                                            abs=8)


def test_lead_picture_markup_has_real_size_and_high_priority(tmp_path):
    content = tmp_path / "content"
    images.jpeg(media_dir(content) / "wide.jpg", (2400, 1600))
    write_article(content, lead("wide.jpg", "Three domes at dusk")
                  + "image_caption: The domes, from the river.\nimage_credit: Jane Doe\n")
    client = make_app(content, tmp_path / "cache").test_client()
    figure = html(client.get("/articles/story")).select_one("article header figure")
    img = figure.select_one("picture > img")
    assert (img["width"], img["height"], img["alt"]) == ("1600", "1067", "Three domes at dusk")
    assert img["fetchpriority"] == "high" and not img.get("loading")
    assert [s["type"] for s in figure.select("picture > source")] == ["image/avif",
                                                                      "image/webp"]
    for element in (*figure.select("source"), img):
        assert element["sizes"] == media.COLUMN
        assert [part.split()[1] for part in element["srcset"].split(", ")] == [
            "400w", "800w", "1200w", "1600w"]
    caption = figure.select_one("figcaption")
    assert caption.get_text(" ", strip=True) == ("The domes, from the river. "
                                                 "Photo credit: Jane Doe")


def test_body_pictures_become_figures_lazily_loaded(tmp_path):
    content = tmp_path / "content"
    images.jpeg(media_dir(content) / "one.jpg", (1000, 800))
    images.jpeg(media_dir(content) / "two.jpg", (640, 480), seed=3)
    write_article(content, body=(
        "First paragraph, the summary.\n\n"
        '![A *market* stall](media/one.jpg "Saturday\'s market & its stalls")\n\n'
        "Between the pictures.\n\n"
        "![A quiet street](media/two.jpg)\n"))
    app = make_app(content, tmp_path / "cache")
    article = state(app).store.get("story")
    assert article.summary == "First paragraph, the summary."
    body = html(app.test_client().get("/articles/story")).select_one(".article-body")
    first, second = body.select("figure")
    assert first.find_parent("p") is None and second.find_parent("p") is None
    assert first.select_one("img")["alt"] == "A market stall"
    assert first.select_one("figcaption").get_text() == "Saturday's market & its stalls"
    assert second.select_one("figcaption") is None
    for figure in (first, second):
        img = figure.select_one("img")
        assert img["loading"] == "lazy" and "fetchpriority" not in img.attrs
    assert (second.select_one("img")["width"], second.select_one("img")["height"]) == (
        "640", "480")


def test_feeds_give_the_body_pictures_with_absolute_urls(tmp_path):
    content = tmp_path / "content"
    images.jpeg(media_dir(content) / "one.jpg", (1000, 800))
    write_article(content, body="Text.\n\n![A stall](media/one.jpg)\n")
    client = make_app(content, tmp_path / "cache").test_client()
    feed = BeautifulSoup(client.get("/feed.atom").get_data(as_text=True), "xml")
    body = BeautifulSoup(feed.select_one("entry content").get_text(), "html5lib")
    img = body.select_one("figure img")
    assert img["src"].startswith(f"{SITE_URL}/media/")
    assert all(part.split()[0].startswith(f"{SITE_URL}/media/")
               for part in img["srcset"].split(", "))
    assert body.select("source") == []  # the AVIF and WebP <source>s stay on the site


# --- Refused, with one message naming the file and line ---------------------------------

REFUSED = {  # file maker -> what the one message says
    "bomb.png": (images.bomb, "is too large to be safe to open: 10,000,000,000 pixels"),
    "moving.gif": (images.animated_gif, "is animated (3 frames)"),
    "cut.jpg": (images.truncated_jpeg, "is damaged or cut short"),
    "caption.jpg": (images.text_named_jpg, "is not a picture the site can read"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_bad_files_are_refused_as_lead_picture_with_file_and_line(tmp_path, name):
    make, words = REFUSED[name]
    content = tmp_path / "content"
    make(media_dir(content) / name)
    path = write_article(content, lead(name))
    (found,) = problems(content)
    assert found.startswith(f"{path}:4: image: media/{name} {words}")


@pytest.mark.parametrize("name", REFUSED)
def test_bad_files_are_refused_in_the_body_with_file_and_line(tmp_path, name):
    make, words = REFUSED[name]
    content = tmp_path / "content"
    make(media_dir(content) / name)
    path = write_article(content, body=f"One.\n\nTwo.\n\n![Something](media/{name})\n")
    (found,) = problems(content)
    assert found.startswith(f"{path}:10: picture: media/{name} {words}")


@pytest.mark.parametrize("reference, words", [
    ("https://cdn.example.com/a.jpg", "https://cdn.example.com/a.jpg is a remote address"),
    ("//cdn.example.com/a.jpg", "//cdn.example.com/a.jpg is a remote address"),
    ("data:image/png;base64,AAAA", "is a remote address"),
    ("media/missing.jpg", "media/missing.jpg does not exist"),
    ("static/favicon.svg", "is not in the content folder's media/"),
    ("media/../articles/story.md", "is not in the content folder's media/"),
    ("media/notes.txt", "is not named as a picture the site takes"),
])
def test_pictures_that_are_not_ours_are_refused(tmp_path, reference, words):
    content = tmp_path / "content"
    (media_dir(content) / "notes.txt").write_text("no", encoding="utf-8")
    path = write_article(content, f"image: {reference}\nimage_alt: x\n")
    (found,) = problems(content)
    assert found.startswith(f"{path}:4: image: ") and words in found


def test_lead_picture_needs_its_alt_text(tmp_path):
    content = tmp_path / "content"
    images.jpeg(media_dir(content) / "a.jpg", (500, 400))
    path = write_article(content, "image: media/a.jpg\nimage_credit: AFP\n")
    assert problems(content) == [
        f"{path}:4: image has no image_alt: say in a few words what the picture shows, "
        "for readers who cannot see it"]


def test_picture_words_without_a_picture_are_a_mistake(tmp_path):
    content = tmp_path / "content"
    path = write_article(content, "image_credit: AFP\nimage_caption: Somewhere\n")
    assert problems(content) == [f"{path}:5: image_caption is set but there is no image"]


def test_body_picture_needs_alt_text_and_a_paragraph_of_its_own(tmp_path):
    content = tmp_path / "content"
    images.jpeg(media_dir(content) / "a.jpg", (500, 400))
    path = write_article(content, body=(
        "Intro.\n\n![](media/a.jpg)\n\nText and ![a picture](media/a.jpg) inline.\n\n"
        "[![linked](media/a.jpg)](/elsewhere)\n"))
    assert problems(content) == [
        f"{path}:8: the picture media/a.jpg has no alt text: write "
        "![what it shows](media/a.jpg)",
        f"{path}:10: the picture media/a.jpg must be a paragraph of its own (a blank line "
        "before and after it)",
        f"{path}:12: the picture media/a.jpg must be a paragraph of its own (a blank line "
        "before and after it)",
    ]


def test_start_up_refuses_a_bad_picture_and_check_reports_it(tmp_path):
    content = tmp_path / "content"
    images.truncated_jpeg(media_dir(content) / "cut.jpg")
    path = write_article(content, lead("cut.jpg"))
    with pytest.raises(ContentErrors) as refused:
        make_app(content, tmp_path / "cache")
    assert str(refused.value).startswith(f"{path}:4: image: media/cut.jpg is damaged")
    done = subprocess.run([sys.executable, "-m", "flask", "articles", "check",
                           "--content-dir", str(content)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                         "FLASK_CACHE_DIR": str(tmp_path / "c")})
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == str(refused.value)
    assert not (tmp_path / "c").exists()  # the editors' check writes nothing


# --- Made once, the same everywhere -----------------------------------------------------

def test_pictures_are_made_once_and_found_again_after_a_restart(tmp_path):
    content = tmp_path / "content"
    images.jpeg(media_dir(content) / "a.jpg", (1200, 800))
    write_article(content, lead("a.jpg"))
    cache = tmp_path / "cache"
    first = media.Pictures(content, cache, build=True)
    assert first.built == ["media/a.jpg"]
    files = {path.name: path.stat().st_mtime_ns for path in (cache / "media").iterdir()
             if path.is_file()}
    assert len(files) == 3 * 3 + 1  # 400, 800, 1200 in three formats, and the card
    again = media.Pictures(content, cache, build=True)
    assert again.built == []
    assert again.get("media/a.jpg") == first.get("media/a.jpg")
    assert files == {path.name: path.stat().st_mtime_ns for path in (cache / "media").iterdir()
                     if path.is_file()}


def test_a_restart_reads_no_picture_that_has_not_changed(tmp_path, monkeypatch):
    """A restart finds each picture's record from its inode, size and modification time:
    it neither decodes nor reads the files again (1,000 of them would be 265 MB)."""
    content = tmp_path / "content"
    images.jpeg(media_dir(content) / "a.jpg", (800, 600))
    images.jpeg(media_dir(content) / "b.jpg", (800, 600), seed=2)
    made = media.Pictures(content, tmp_path / "cache", build=True)

    def no_reading(self, source):
        raise AssertionError(f"{source} was read again")

    monkeypatch.setattr(media.Pictures, "_read", no_reading)
    again = media.Pictures(content, tmp_path / "cache", build=True)
    assert again.get("media/a.jpg") == made.get("media/a.jpg")
    assert again.get("media/b.jpg") == made.get("media/b.jpg")
    monkeypatch.undo()
    images.jpeg(content / "media" / "b.jpg", (800, 600), seed=3)  # changed: read again
    changed = media.Pictures(content, tmp_path / "cache", build=True)
    assert changed.built == ["media/b.jpg"]


def test_a_changed_file_gets_new_names(tmp_path):
    content = tmp_path / "content"
    images.jpeg(media_dir(content) / "a.jpg", (800, 600))
    before = media.Pictures(content, tmp_path / "cache", build=True).get("media/a.jpg")
    images.jpeg(content / "media" / "a.jpg", (800, 600), seed=5)
    after = media.Pictures(content, tmp_path / "cache", build=True).get("media/a.jpg")
    assert not {v.name for v in before.files} & {v.name for v in after.files}


def test_same_source_gives_the_same_bytes_in_another_cache(tmp_path):
    content = tmp_path / "content"
    images.phone_portrait(media_dir(content) / "a.jpg", shown=(600, 800))
    one = media.Pictures(content, tmp_path / "one", build=True).get("media/a.jpg")
    two = media.Pictures(content, tmp_path / "two", build=True).get("media/a.jpg")
    assert one == two
    for variant in one.files:
        assert ((tmp_path / "one" / "media" / variant.name).read_bytes()
                == (tmp_path / "two" / "media" / variant.name).read_bytes()), variant.name


BUILD = """
import json, sys
from app import media
pictures = media.Pictures(sys.argv[1], sys.argv[2], build=True)
print(json.dumps(pictures.built))
"""


def test_workers_starting_together_make_each_picture_once(tmp_path):
    """Four processes start on the same cold cache at once (as gunicorn's workers do):
    between them every picture is made exactly once."""
    content = tmp_path / "content"
    for number in range(8):
        images.jpeg(media_dir(content) / f"p{number}.jpg", (900, 600), seed=number)
    processes = [subprocess.Popen([sys.executable, "-c", BUILD, str(content),
                                   str(tmp_path / "cache")], stdout=subprocess.PIPE, text=True,
                                  cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
                 for _ in range(4)]
    built = [json.loads(process.communicate(timeout=120)[0]) for process in processes]
    made = sorted(sum(built, []))
    assert made == sorted(f"media/p{number}.jpg" for number in range(8))  # each once
    records = list((tmp_path / "cache" / "media" / ".index").glob("*.json"))
    assert len(records) == 8


def test_editors_check_trusts_the_sites_cache_and_writes_nothing(tmp_path):
    content = tmp_path / "content"
    images.jpeg(media_dir(content) / "a.jpg", (800, 600))
    built = media.Pictures(content, tmp_path / "cache", build=True).get("media/a.jpg")
    checked = media.Pictures(content, tmp_path / "cache")
    assert checked.get("media/a.jpg") == built and checked.built == []
    assert media.Pictures(content).get("media/a.jpg") == built  # decoded: the same plan


# --- The /media/ route ------------------------------------------------------------------

def test_media_route_answers_like_a_static_file(client, app):
    article = state(app).store.get(PICTURE_SLUG)
    variant = article.image.picture.variants[0]
    response = client.get(variant.url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == variant.media_type
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Content-Encoding" not in response.headers  # pictures are compressed already
    # The site's security headers, but a picture may be shown on other sites (feed
    # readers, newsletters): Cross-Origin-Resource-Policy cross-origin (responses.EMBEDDABLE).
    expected = {**state(app).security_headers, "Cross-Origin-Resource-Policy": "cross-origin"}
    for name, value in expected.items():
        assert response.headers[name] == value
    again = client.get(variant.url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", [
    "/media/nothing.0123456789abcdef.jpg", "/media/.index", "/media/a.jpg",
    "/media/share-no-such-story.0123456789abcdef.png", "/media/..%2Fwsgi.py",
    f"/media/share-{PICTURE_SLUG}.0123456789abcdef.png"])
def test_media_route_serves_only_what_the_site_made(client, path):
    assert client.get(path).status_code == 404


def test_every_shipped_article_has_a_share_card_of_1200_by_630(app, client):
    for article in state(app).store:
        soup = html(client.get(f"/articles/{article.slug}"))
        url = soup.select_one('meta[property="og:image"]')["content"]
        assert soup.select_one('meta[name="twitter:image"]')["content"] == url
        [data] = [json.loads(s.string) for s in soup.select('script[type="application/ld+json"]')
                  if json.loads(s.string)["@type"] == "NewsArticle"]
        assert data["image"][0]["url"] == url
        _, card = served(client, url.removeprefix(SITE_URL))
        assert card.size == (1200, 630)


def test_seed_keeps_its_credit_and_gets_a_drawn_card(app, client):
    seed = state(app).store.get(SEED_SLUG)
    assert seed.image is None and seed.image_credit == "AFP/Getty Images"
    soup = html(client.get(f"/articles/{SEED_SLUG}"))
    # No picture to put it under: the credit is in the end matter, said as it is.
    assert soup.select_one("article header .credit") is None
    assert soup.select_one("article .end-matter .credit").get_text().startswith(
        "Photo credit: AFP/Getty Images")
    assert soup.select("article figure") == []
    url = soup.select_one('meta[property="og:image"]')["content"]
    assert f"/media/share-{SEED_SLUG}." in url and url.endswith(".png")


def test_drawn_cards_are_the_same_bytes_every_time(app, tmp_path):
    seed = state(app).store.get(SEED_SLUG)
    text = media.card_text(seed, app.config["SITE_NAME"])
    first = media.draw_card(media.MediaCache(tmp_path / "one"), seed, app.config["SITE_NAME"])
    again = share_cards.draw(text)
    assert first == again
    assert (tmp_path / "one" / "media" / media.share_card(seed, "The Small Dispatch").name
            ).read_bytes() == first
    image = Image.open(io.BytesIO(first))
    assert image.size == (1200, 630) and image.format == "PNG"
    assert_no_metadata(first, image)


def test_a_card_changes_name_when_what_it_says_changes(app):
    seed = state(app).store.get(SEED_SLUG)
    name = media.share_card(seed, "The Small Dispatch").name
    assert media.share_card(seed, "Harbour Post").name != name


def test_drawn_headline_fits_and_long_ones_are_cut(tmp_path):
    face, lines = share_cards.fit_headline("Short", 1056, 300)
    assert face.size == share_cards.HEADLINE_SIZES[0] and lines == ["Short"]
    face, lines = share_cards.fit_headline("word " * 200, 1056, 300)
    assert face.size == share_cards.HEADLINE_SIZES[-1]
    assert len(lines) * round(face.size * share_cards.LEADING) <= 300
    assert lines[-1].endswith(" …")
    assert all(face.getlength(line) <= 1056 for line in lines)


def test_the_demo_photograph_has_its_credit_and_licence(app, client):
    article = state(app).store.get(PICTURE_SLUG)
    assert article.image.credit == "NASA (public domain)"
    assert article.image.alt and article.image.caption
    soup = html(client.get(f"/articles/{PICTURE_SLUG}"))
    assert soup.select_one("article header figure figcaption .credit").get_text() == (
        "Photo credit: NASA (public domain)")
    assert (CONTENT_DIR / article.image.picture.source).is_file()
    assert "NASA" in (ROOT / "docs" / "pictures.md").read_text(encoding="utf-8")
