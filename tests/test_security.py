"""Security headers on every kind of response, the CSP matching the page's own bytes,
raw HTML in content shown as text, and ProxyFix trusting exactly PROXY_COUNT proxies."""
import base64
import hashlib
from urllib.parse import urlsplit

import pytest

from app import create_app
from app.config import ConfigError
from tests.support import SEED_SLUG, html

REQUIRED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} given twice"
        directives[name] = sources
    return directives


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def assert_hardened(response, https=True):
    for name, value in REQUIRED.items():
        assert response.headers.get(name) == value, name
    csp = csp_directives(response)
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    for sources in csp.values():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
        assert "*" not in sources and "https:" not in sources and "data:" not in sources
    features = dict(item.strip().split("=") for item in
                    response.headers["Permissions-Policy"].split(","))
    assert features["camera"] == features["microphone"] == features["geolocation"] == "()"
    assert "web-share" not in features, "the share button needs navigator.share"
    hsts = response.headers.get("Strict-Transport-Security")
    if https:
        max_age = int(hsts.split(";")[0].strip().removeprefix("max-age="))
        assert max_age >= 365 * 24 * 3600
    else:
        assert hsts is None


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/", 200),
    ("GET", f"/articles/{SEED_SLUG}", 200),
    ("HEAD", f"/articles/{SEED_SLUG}", 200),
    ("GET", f"/articles/{SEED_SLUG}/next", 302),
    ("GET", "/no/such/page", 404),
    ("GET", "/?page=999", 404),
    ("POST", "/", 405),
    ("GET", "/healthz", 200),
    ("GET", "/static/js/share.js", 200),
    ("GET", "/static/css/site.css", 200),
])
def test_every_response_type_is_hardened(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert_hardened(response)


def static_url(client, name: str) -> str:
    """The hashed URL the pages use for static/<name>."""
    from app.state import state
    return "/static/" + state(client.application).static.hashed[name]


# What other sites embed or fetch: a feed reader shows the logo and the feed's items, a
# newsletter the pictures. Pages and scripts stay same-origin.
@pytest.mark.parametrize("path", ["/logo.png", "/favicon.ico", "/feed.atom", "/feed.rss",
                                  "static:favicon.svg", "/static/favicon.svg"])
def test_images_and_feeds_may_be_embedded_by_other_sites(client, path):
    if path.startswith("static:"):
        path = static_url(client, path.removeprefix("static:"))
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert_hardened(response)


@pytest.mark.parametrize("path", ["/", f"/articles/{SEED_SLUG}", "/sitemap.xml",
                                  "/robots.txt", "/icons", "static:js/share.js",
                                  "static:css/site.css", "/no/such/page", "/healthz"])
def test_pages_and_scripts_stay_same_origin(client, path):
    if path.startswith("static:"):
        path = static_url(client, path.removeprefix("static:"))
    response = client.get(path)
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_not_modified_is_hardened(client):
    first = client.get(f"/articles/{SEED_SLUG}")
    again = client.get(f"/articles/{SEED_SLUG}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert_hardened(again)


def test_plain_http_site_sends_no_hsts(app):
    plain = create_app({**app.config, "SITE_URL": "http://127.0.0.1:8000"})
    assert_hardened(plain.test_client().get("/"), https=False)


@pytest.mark.parametrize("path", ["/", f"/articles/{SEED_SLUG}", "/no/such/page"])
def test_csp_allows_exactly_the_inline_style_and_no_inline_script(client, path):
    response = client.get(path)
    page = html(response)
    styles = page.find_all("style")
    assert len(styles) == 1
    assert csp_directives(response)["style-src"] == [sha256_source(styles[0].string)]
    for script in page.find_all("script"):
        if script.get("type") == "application/ld+json":
            continue  # a data block: browsers never run it, so the CSP does not apply
        assert script.get("src"), "inline scripts would need a hash or 'unsafe-inline'"
        assert not script.string
    assert not page.find_all(style=True), "style attributes are blocked by this CSP"
    for element in page.find_all(True):
        assert not [name for name in element.attrs if name.startswith("on")]


@pytest.mark.parametrize("path", ["/", f"/articles/{SEED_SLUG}", "/no/such/page"])
def test_page_makes_no_third_party_request(client, path):
    """Links may point anywhere; what a browser fetches by itself must be our own."""
    page = html(client.get(path))
    fetched = [tag.get("src") for tag in page.find_all(["script", "img", "iframe", "audio",
                                                        "video", "source", "embed"])]
    fetched += [link.get("href") for link in page.find_all("link")
                if set(link.get("rel", [])) - {"canonical", "alternate", "next", "prev"}]
    fetched += [use.get("href") for use in page.find_all("use")]
    for url in filter(None, fetched):
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url


def test_raw_html_in_content_is_shown_not_run(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "hostile.md").write_text(
        "---\ntitle: Hostile\npublished: 2024-01-01T00:00:00Z\n---\n"
        "Before <script>alert(1)</script> after.\n\n"
        '<img src="x" onerror="alert(2)">\n\n'
        "[click](javascript:alert(3)) and [data](data:text/html,<b>x</b>)\n\n"
        '<iframe src="https://evil.example/"></iframe>\n',
        encoding="utf-8")
    page = html(create_app({"CONTENT_DIR": str(tmp_path)}).test_client().get("/articles/hostile"))
    body = page.select_one(".article-body")
    assert body.find_all(["script", "img", "iframe"]) == []
    for element in body.find_all(True):
        assert not [name for name in element.attrs if name.startswith("on")]
    for link in body.find_all("a"):
        assert urlsplit(link["href"]).scheme not in ("javascript", "data")
    text = body.get_text()
    assert "<script>alert(1)</script>" in text
    assert '<img src="x" onerror="alert(2)">' in text


def peer_app(app, **config):
    """The site plus a route that reports what the app believes about the client."""
    built = create_app({**app.config, **config})

    @built.get("/_peer")
    def peer():
        from flask import request
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return built


FORWARDED = {"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "news.example.org"}


def test_no_proxy_is_trusted_by_default(app):
    seen = peer_app(app).test_client().get("/_peer", headers=FORWARDED,
                                           environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert seen == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_one_proxy_trusts_only_its_own_hop(app):
    seen = peer_app(app, PROXY_COUNT=1).test_client().get(
        "/_peer", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    # nginx appended 203.0.113.9; 6.6.6.6 came from the client and is not believed.
    assert seen == {"addr": "203.0.113.9", "scheme": "https", "host": "news.example.org"}


@pytest.mark.parametrize("bad", [-1, "1", True, 9])
def test_bad_proxy_count_is_refused(app, bad):
    with pytest.raises(ConfigError, match="PROXY_COUNT"):
        create_app({**app.config, "PROXY_COUNT": bad})
