"""Hostile requests: whatever a client sends, the site answers with an ordinary status
(never a 500) and never echoes the input back as markup.

Hypothesis generates the requests; examples are kept few and the app is built once per
module so the suite stays fast.
"""
import gzip
from urllib.parse import quote, unquote_to_bytes

import brotli
import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from app import create_app
from tests.support import CONTENT_DIR, SEED_SLUG

# 308: werkzeug's redirect from /archive/2016 to /archive/2016/ (the canonical address).
ALLOWED = {200, 301, 302, 304, 308, 400, 404, 405}
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# Markup that would run or show up as an element if it were reflected unescaped.
PAYLOADS = ['<script>alert(1)</script>', '"><svg onload=alert(1)>', "<x-reflected>",
            "javascript:alert(1)", "'><img src=x onerror=alert(1)>"]
ODD = ["%00", "\x00", "../", "..%2f", "%2e%2e/", "//", "\\", "~", "%", "%zz", "?", "#",
       "é", "😀", "\u202e", "\ufeff", "a" * 5000, "%ff%fe", ";", "*"]


class RawClient:
    """Calls the WSGI app as a server would, with none of the test client's own URL
    handling: that parses "//x" as a host name and fails on a bad Host port by itself."""

    def __init__(self, app):
        self.app = app

    def open(self, path="/", method="GET", raw_path=None, **kwargs) -> Response:
        environ = EnvironBuilder(path=path, method=method, **kwargs).get_environ()
        if raw_path is not None:  # percent-decoded bytes as latin-1, as servers pass them
            environ.update(PATH_INFO=unquote_to_bytes(raw_path).decode("latin-1"),
                           RAW_URI=raw_path, REQUEST_URI=raw_path)
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        response = Response(body, status=captured["status"], headers=captured["headers"])
        encoding = response.headers.get("Content-Encoding")
        if encoding:  # check what the browser would see
            response.set_data({"gzip": gzip.decompress, "br": brotli.decompress}[encoding](body))
        return response

    def get(self, path="/", **kwargs) -> Response:
        return self.open(path, **kwargs)


@pytest.fixture(scope="module")
def client():
    # PROXY_COUNT=1 so forged X-Forwarded-* headers reach ProxyFix too.
    return RawClient(create_app({"TESTING": True, "SITE_URL": "https://news.example.org",
                                 "CONTENT_DIR": str(CONTENT_DIR), "PROXY_COUNT": 1}))


pieces = st.one_of(st.sampled_from(ODD + PAYLOADS), st.text(max_size=30),
                   st.integers().map(str))
segments = st.lists(pieces, min_size=1, max_size=4)
prefixes = st.sampled_from(["/", "/articles/", f"/articles/{SEED_SLUG}/", "/static/",
                            "/static/css/", "/healthz/", "//", "/sections/", "/tags/",
                            "/authors/", "/archive/", "/archive/2016/", "/sections/defense/",
                            "/tags/france/", "/archive/2016/01/"])
# Pages that read ?page=N: the front page and every kind of listing.
PAGINATED = ["/", "/sections/defense", "/tags/islamic-state", "/authors/the-editors",
             "/archive/2016/", "/archive/2016/01/", "/archive/"]


def check(response, sent: str = ""):
    """An allowed status, and no input turned into markup in the body."""
    assert response.status_code in ALLOWED, response.status_code
    body = response.get_data(as_text=True)
    for payload in PAYLOADS:
        if payload in sent and payload.startswith(("<", '"', "'")):
            assert payload not in body
    if response.mimetype == "text/html" and body:
        page = BeautifulSoup(body, "html5lib")
        assert page.find("x-reflected") is None
        assert page.find("img", src="x") is None
        for script in page.find_all("script"):
            # Our own scripts, or the JSON-LD data block (never executed).
            assert (script.get("src", "").startswith("/static/")
                    or script.get("type") == "application/ld+json"), script
        for element in page.find_all(True):
            assert not [name for name in element.attrs if name.startswith("on")]


@SETTINGS
@given(prefix=prefixes, parts=segments, encode=st.booleans())
def test_any_path(client, prefix, parts, encode):
    joined = "/".join(parts)
    path = prefix + (quote(joined, safe="/%") if encode else joined)
    check(client.get(raw_path=path), sent=path)


@SETTINGS
@given(page=st.one_of(st.integers(min_value=-10**30, max_value=10**30).map(str),
                      st.sampled_from(["", "1.0", "1e9", "0x10", "٣", "１", "NaN", "1 ",
                                       "99999999999999999999"]),
                      pieces),
       extra=st.dictionaries(st.sampled_from(["page", "q", "utm_source", "x" * 300, "é"]),
                             pieces, max_size=3))
def test_any_query_string(client, page, extra):
    query = {"page": page, **extra}
    for path in PAGINATED:
        response = client.get(path, query_string=query)
        check(response, sent=repr(query))
        # Each of them has one page with the shipped content: only "1" (any zeros before
        # it) is a page, in ASCII digits; anything else is the site's 404.
        first = page.isascii() and page.isdigit() and len(page) <= 9 and int(page) == 1
        assert response.status_code == (200 if first else 404), (path, page)


dates = st.one_of(st.sampled_from(["0000", "99999", "1e3", "13", "00", "1", "٢٠١٦", "２０１６",
                                   "2016 ", "+2016", "-1", "0x7e0", "2016.0", "%00", ".."]),
                  st.integers(min_value=-10**6, max_value=10**6).map(str),
                  st.text(max_size=12))


@SETTINGS
@given(year=dates, month=dates, feed=st.sampled_from(["", "feed.atom", "feed.rss"]))
def test_any_archive_date(client, year, month, feed):
    """Only the years and months that have articles answer, each spelled one way."""
    for parts in ((year,), (year, month), ("2016", month)):
        path = "/archive/" + "".join(quote(part, safe="") + "/" for part in parts) + feed
        response = client.get(raw_path=path)
        check(response, sent=path)
        if parts not in (("2016",), ("2016", "01")):
            assert response.status_code in (308, 404), (path, response.status_code)


@SETTINGS
@given(method=st.one_of(
    st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
                     "CONNECT", "PROPFIND", "MKCOL", "BREW", "get"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ-_", min_size=1, max_size=20)),
    path=st.sampled_from(["/", f"/articles/{SEED_SLUG}", f"/articles/{SEED_SLUG}/next",
                          "/healthz", "/static/js/share.js", "/nope"]))
def test_any_method(client, method, path):
    check(client.open(path, method=method, data=b"x" * 10))


header_values = st.one_of(st.sampled_from(ODD + PAYLOADS + ["", " ", "a" * 8000]),
                          st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255),
                                  max_size=60))


@SETTINGS
@given(headers=st.dictionaries(
    st.sampled_from(["Host", "Accept-Encoding", "If-None-Match", "If-Modified-Since",
                     "Accept", "Accept-Language", "User-Agent", "Referer", "Cookie",
                     "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
                     "X-Forwarded-Port", "Content-Length", "Content-Type", "Origin"]),
    header_values, max_size=5),
    path=st.sampled_from(["/", f"/articles/{SEED_SLUG}", "/nope", "/healthz",
                          "/static/css/site.css"]))
def test_any_headers(client, headers, path):
    check(client.get(path, headers=headers), sent=repr(headers))


@pytest.mark.parametrize("host", ["evil.example", "<script>alert(1)</script>", "a" * 5000,
                                  "127.0.0.1:99999", "[::1", "exa mple.org", ""])
def test_bad_host_is_never_reflected(client, host):
    response = client.get(f"/articles/{SEED_SLUG}", headers={"Host": host})
    check(response, sent=host)
    if response.status_code == 200:
        page = BeautifulSoup(response.get_data(as_text=True), "html5lib")
        assert page.select_one('link[rel="canonical"]')["href"].startswith(
            "https://news.example.org/")
