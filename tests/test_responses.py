"""Caching, conditional requests and compression, as a browser, a CDN or curl sees them."""
import gzip
from pathlib import Path

import brotli
import pytest
from bs4 import BeautifulSoup
from flask import Response
from werkzeug.datastructures import Headers

from app import create_app, responses
from app.config import ConfigError
from app.responses import BROTLI_BEST_UP_TO, PageCache, PreparedResponse, Rendered, choose_encoding
from app.state import state
from app.static_files import IMMUTABLE, hashed_name
from tests.support import PICTURE_SLUG, SEED_SLUG

ARTICLE = f"/articles/{SEED_SLUG}"
STATIC = Path(__file__).resolve().parents[1] / "static"
FIRST_ROUND_TRIP = 14 * 1024  # what TCP's first flight can carry, about ten packets


def decoded(response) -> bytes:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(data)
    if encoding == "gzip":
        return gzip.decompress(data)
    assert encoding is None, f"unexpected encoding {encoding}"
    return data


@pytest.fixture
def plain(client):
    return client.get(ARTICLE)


def test_html_cache_headers(app, plain):
    assert plain.status_code == 200
    max_age = app.config["HTML_MAX_AGE"]
    directives = {d.strip() for d in plain.headers["Cache-Control"].split(",")}
    assert directives == {"public", f"max-age={max_age}", f"stale-while-revalidate={max_age * 12}"}
    assert plain.headers["Vary"] == "Accept-Encoding"
    etag = plain.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"'), "a strong ETag, quoted"
    assert int(plain.headers["Content-Length"]) == len(plain.get_data())
    assert plain.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("accept, expected", [
    (None, None),
    ("", None),
    ("identity", None),
    ("gzip", "gzip"),
    ("br", "br"),
    ("gzip, deflate, br", "br"),
    ("gzip, deflate, br, zstd", "br"),
    ("br;q=0, gzip", "gzip"),
    ("BR;Q=0, GZIP", "gzip"),
    ("gzip;q=1.0, br;q=0.5", "gzip"),
    ("gzip;q=0, br;q=0", None),
    ("deflate", None),
    ("*", "br"),
    ("*;q=0, gzip", "gzip"),
    ("identity;q=0, gzip;q=0, br;q=0", None),  # refuses everything: identity rather than 406
    ("gzip;q=0.5, identity", None),
    ("gzip;q=nonsense, br", "br"),
])
def test_encoding_follows_accept_encoding(client, plain, accept, expected):
    headers = {} if accept is None else {"Accept-Encoding": accept}
    response = client.get(ARTICLE, headers=headers)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == expected
    assert response.headers["Vary"] == "Accept-Encoding"
    assert decoded(response) == plain.get_data()
    assert int(response.headers["Content-Length"]) == len(response.get_data())


def test_each_encoding_has_its_own_etag(client):
    tags = {client.get(ARTICLE, headers={"Accept-Encoding": enc}).headers["ETag"]
            for enc in ("identity", "gzip", "br")}
    assert len(tags) == 3


@pytest.mark.parametrize("accept", ["identity", "gzip", "br"])
def test_matching_etag_gets_304(client, accept):
    first = client.get(ARTICLE, headers={"Accept-Encoding": accept})
    again = client.get(ARTICLE, headers={"Accept-Encoding": accept,
                                         "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert again.headers["Vary"] == "Accept-Encoding"
    assert "Content-Encoding" not in again.headers


def test_if_none_match_forms(client, plain):
    etag = plain.headers["ETag"]
    # werkzeug also reads a tag sent without its quotes as that tag (lenient, and harmless:
    # the client names the bytes it holds); browsers send back the quoted form.
    for header in (f"W/{etag}", f'"other", {etag}', "*", etag.strip('"')):
        assert client.get(ARTICLE, headers={"If-None-Match": header}).status_code == 304, header
    for header in ('"other"', f'"{etag}"', ""):
        assert client.get(ARTICLE, headers={"If-None-Match": header}).status_code == 200, header


def test_etag_of_another_page_does_not_match(client, plain):
    front = client.get("/", headers={"If-None-Match": plain.headers["ETag"]})
    assert front.status_code == 200


def test_error_pages_never_answer_304(client):
    missing = client.get("/articles/no-such-story")
    again = client.get("/articles/no-such-story",
                       headers={"If-None-Match": missing.headers["ETag"]})
    assert again.status_code == 404


def test_head_has_headers_without_body(client, plain):
    head = client.head(ARTICLE)
    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["ETag"] == plain.headers["ETag"]
    assert head.headers["Content-Length"] == plain.headers["Content-Length"]


def test_same_bytes_for_every_request_and_every_client(client, plain):
    for headers in ({}, {"Host": "other.example"}, {"User-Agent": "curl/8"},
                    {"Cookie": "a=b"}, {"X-Forwarded-Host": "evil.example"}):
        again = client.get(ARTICLE, headers=headers)
        assert again.get_data() == plain.get_data(), headers
        assert again.headers["ETag"] == plain.headers["ETag"]


def test_same_bytes_from_two_app_instances(app):
    """Two workers (two processes, two renders) must serve byte-identical pages."""
    other = create_app(dict(app.config))
    for path in (ARTICLE, "/"):
        for accept in ("identity", "gzip", "br"):
            first = app.test_client().get(path, headers={"Accept-Encoding": accept})
            second = other.test_client().get(path, headers={"Accept-Encoding": accept})
            assert first.get_data() == second.get_data(), (path, accept)
            assert first.headers["ETag"] == second.headers["ETag"]


@pytest.mark.parametrize("accept", ["gzip", "br"])
@pytest.mark.parametrize("path", [ARTICLE, f"/articles/{PICTURE_SLUG}"])
def test_article_first_view_fits_the_first_round_trip(client, accept, path):
    """The compressed HTML carries all that painting needs, within about 14 KB (the
    article with a lead picture too: its markup, every width in three formats)."""
    response = client.get(path, headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == accept
    assert len(response.get_data()) < FIRST_ROUND_TRIP
    page = BeautifulSoup(decoded(response), "html5lib")
    assert page.select('link[rel="stylesheet"]') == [], "CSS is inline, no extra request"
    assert page.select_one("head style").string.strip()
    for script in page.select("script[src]"):
        assert script.has_attr("defer") or script.has_attr("async"), "render-blocking script"
    assert "@font-face" not in str(page), "no web fonts"
    assert page.select_one("svg.sprite symbol") is not None, "icons inline"


def test_static_files_are_linked_by_hashed_name(client, plain):
    page = BeautifulSoup(plain.get_data(), "html5lib")
    source = (STATIC / "js" / "share.js").read_bytes()
    src = page.select_one("script[src]")["src"]
    assert src == "/static/" + hashed_name("js/share.js", source)
    response = client.get(src)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.get_data() == source
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Vary"] == "Accept-Encoding"
    compressed = client.get(src, headers={"Accept-Encoding": "br"})
    assert compressed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(compressed.get_data()) == source


def test_static_plain_names_still_work_with_short_freshness(app, client):
    response = client.get("/static/js/share.js")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]
    assert f"max-age={app.config['HTML_MAX_AGE']}" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/static/nope.js", "/static/../app/config.py",
                                  "/static/js/share.000000000000.js", "/static/js"])
def test_static_unknown_names_are_404(client, path):
    assert client.get(path).status_code == 404


def test_hashed_name_changes_with_content():
    one, two = hashed_name("js/a.js", b"1"), hashed_name("js/a.js", b"2")
    assert one != two
    assert one.startswith("js/a.") and one.endswith(".js")
    assert hashed_name("robots", b"x").startswith("robots.")
    assert hashed_name(".well-known", b"x").startswith(".well-known.")


def test_precompressed_bodies_are_deterministic():
    body = b"<p>" + b"same bytes every time " * 200 + b"</p>"
    first, second = Rendered.from_bytes(body, "text/html"), Rendered.from_bytes(body, "text/html")
    assert (first.gzip, first.br, first.etag) == (second.gzip, second.br, second.etag)


def test_large_bodies_compress_to_the_same_bytes_in_every_encoding():
    # Past BROTLI_BEST_UP_TO brotli switches to a faster quality: still exact bytes.
    body = b"".join(b"<url><loc>https://news.example.org/articles/a-%06d</loc></url>" % i
                    for i in range(12_000))
    assert len(body) > BROTLI_BEST_UP_TO
    page = Rendered.from_bytes(body, "application/xml")
    assert brotli.decompress(page.br) == body == gzip.decompress(page.gzip)
    assert len(page.br) < len(body) // 10


def test_already_compressed_types_are_sent_as_they_are():
    image = Rendered.from_bytes(b"\x89PNG fake image bytes", "image/png")
    variant = image.variant("gzip, br")
    assert variant.encoding is None
    assert "Vary" not in dict(variant.headers)


def test_choose_encoding_orders_by_quality_then_size():
    assert choose_encoding("gzip;q=0.8, br;q=0.9") == "br"
    assert choose_encoding("gzip, identity;q=0") == "gzip"
    assert choose_encoding("gzip, br") == "br"


def test_a_tag_of_another_encoding_gets_the_bytes_not_a_304(client):
    """A client holding the gzip bytes that now asks for identity must get the identity
    bytes: a 304 would tell it to reuse bytes it cannot read as they are."""
    gzipped = client.get(ARTICLE, headers={"Accept-Encoding": "gzip"})
    plain = client.get(ARTICLE, headers={"Accept-Encoding": "identity",
                                         "If-None-Match": gzipped.headers["ETag"]})
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["ETag"] != gzipped.headers["ETag"]


def test_odd_accept_encoding_headers_do_not_grow_the_cache(client):
    """Only short header values are remembered: long or repeated ones (gunicorn joins
    repeated headers into one) are parsed each time, so no client can grow a worker."""
    responses._cached_choice.cache_clear()
    for number in range(300):
        header = "gzip, " + ", ".join(f"x-{number}-{i}" for i in range(40))
        assert client.get(ARTICLE, headers={"Accept-Encoding": header}).headers[
            "Content-Encoding"] == "gzip"
    assert responses._cached_choice.cache_info().currsize == 0
    client.get(ARTICLE, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert responses._cached_choice.cache_info().currsize == 1


def test_prepared_headers_are_what_werkzeug_would_send():
    """PreparedResponse hands werkzeug its header list as Headers._list (werkzeug's own
    storage, not a public API; pyproject.toml pins werkzeug's major version). If a new
    werkzeug stores headers differently, this fails before any page goes out wrong."""
    assert isinstance(Headers()._list, list), "werkzeug no longer keeps headers in _list"
    pairs = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "5"),
             ("ETag", '"abc"'), ("Vary", "Accept-Encoding"), ("X-Test", "1")]
    prepared = PreparedResponse(b"hello", list(pairs))
    ordinary = Response(b"hello", headers=pairs)
    environ = {"REQUEST_METHOD": "GET", "SERVER_NAME": "x", "SERVER_PORT": "80",
               "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1"}
    assert prepared.get_wsgi_headers(environ).to_wsgi_list() == \
        ordinary.get_wsgi_headers(environ).to_wsgi_list()
    assert prepared.headers.get("X-Test") == "1"
    prepared.headers.add("X-Added", "later")  # after_request hooks still work
    assert ("X-Added", "later") in prepared.get_wsgi_headers(environ).to_wsgi_list()


ETAGS_SCRIPT = """
import json, sys
from app import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
def etag(path, enc):
    return client.get(path, headers={"Accept-Encoding": enc}).headers["ETag"]
print(json.dumps({f"{path} {enc}": etag(path, enc)
                  for path in sys.argv[2:] for enc in ("identity", "gzip", "br")}))
"""


def test_same_bytes_from_processes_with_different_hash_seeds(app):
    """Workers are separate processes with their own hash seeds: set or dict order that
    leaked into a page would give each worker different bytes, and caches a mess."""
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    config = {key: app.config[key] for key in ("SITE_URL", "SOCIAL_PROFILES", "CONTENT_DIR")}
    tags = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", ETAGS_SCRIPT, json.dumps(config), ARTICLE, "/"],
            cwd=root, capture_output=True, text=True, timeout=60, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed})
        tags.append(json.loads(done.stdout))
    assert tags[0] == tags[1]
    client = app.test_client()
    assert tags[0][f"{ARTICLE} br"] == client.get(ARTICLE, headers={"Accept-Encoding": "br"}
                                                  ).headers["ETag"]


def test_an_encoding_is_compressed_when_first_asked_for():
    """A page costs only the encodings clients ask for: a crawler that takes identity
    never pays for gzip 9 or brotli 11."""
    body = b"<p>" + b"words and more words " * 500 + b"</p>"
    page = Rendered.from_bytes(body, "text/html")
    assert set(page.variants) == {None}
    assert page.variant(None).body == body
    assert page.variant("identity").body == body
    assert set(page.variants) == {None}
    assert gzip.decompress(page.variant("gzip").body) == body
    assert set(page.variants) == {None, "gzip"}
    assert brotli.decompress(page.variant("gzip, br").body) == body
    assert set(page.variants) == {None, "gzip", "br"}


def test_lazily_compressed_bytes_and_tags_do_not_depend_on_the_order_asked(app):
    """Two workers asked in a different order still send the same bytes and tags."""
    other = create_app(dict(app.config))
    one, two = app.test_client(), other.test_client()
    for accept in ("br", "gzip", "identity"):
        one.get(ARTICLE, headers={"Accept-Encoding": accept})
    for accept in ("identity", "gzip", "br"):
        first = one.get(ARTICLE, headers={"Accept-Encoding": accept})
        second = two.get(ARTICLE, headers={"Accept-Encoding": accept})
        assert (first.get_data(), first.headers["ETag"]) == \
            (second.get_data(), second.headers["ETag"]), accept


def test_a_client_wanting_no_compression_leaves_the_cached_page_uncompressed(app, client):
    client.get(ARTICLE)
    (page,) = [page for key, page in state(app).pages.items() if key == ("article", SEED_SLUG)]
    assert set(page.variants) == {None}
    # A 304 needs no compressing either: a tag is known before its bytes are made.
    br_tag = page.tag("br")
    assert client.get(ARTICLE, headers={"Accept-Encoding": "br",
                                        "If-None-Match": br_tag}).status_code == 304
    assert set(page.variants) == {None}
    assert client.get(ARTICLE, headers={"Accept-Encoding": "br"}).headers["ETag"] == br_tag
    assert set(page.variants) == {None, "br"}


def page_of(size: int, fill: bytes = b"a") -> Rendered:
    return Rendered.from_bytes(fill * size, "text/html")


def test_the_page_cache_is_bounded_by_bytes_not_by_count():
    cache = PageCache(budget=100_000)
    for number in range(50):
        cache.get(number, lambda: page_of(10_000))
    assert cache.total <= 100_000
    assert 5 <= len(cache) < 10
    assert list(cache.keys())[-1] == 49  # the newest stay, the least recently used go
    # Small pages: many more fit in the same budget (each also counts its OVERHEAD).
    small = PageCache(budget=100_000 + 50 * PageCache.OVERHEAD)
    for number in range(50):
        small.get(number, lambda: page_of(1_000))
    assert len(small) == 50


def test_compressing_a_cached_page_counts_against_the_budget():
    cache = PageCache(budget=1_000_000)
    page = cache.get("a", lambda: page_of(20_000, b"x"))
    before = cache.total
    page.variant("br")
    assert cache.total == before + len(page.variants["br"].body)
    page.variant("gzip")
    assert cache.total == sum(len(v.body) for v in page.variants.values()) + cache.OVERHEAD


def test_an_evicted_page_still_served_does_not_count():
    cache = PageCache(budget=30_000)
    first = cache.get("first", lambda: page_of(20_000, b"y"))
    cache.get("second", lambda: page_of(20_000, b"z"))
    assert "first" not in cache.keys()
    total = cache.total
    first.variant("gzip")  # a request that was already serving it
    assert cache.total == total


def test_the_cache_budget_is_a_setting(tmp_path):
    app = create_app({"TESTING": True, "PAGE_CACHE_MB": 3})
    assert state(app).pages.budget == 3 * 1024 * 1024


@pytest.mark.parametrize("bad", [0, -1, "x", True, 1.5])
def test_a_bad_cache_budget_stops_start_up(bad):
    with pytest.raises(ConfigError, match="PAGE_CACHE_MB"):
        create_app({"TESTING": True, "PAGE_CACHE_MB": bad})
