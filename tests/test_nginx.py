"""The shipped deployment, for real: deploy/nginx.conf rendered with a throwaway
certificate, Debian's nginx terminating TLS in front of gunicorn, on loopback."""
import shutil

import pytest
import requests
from bs4 import BeautifulSoup

from deploy.render_nginx import WORD, render
from tests.support import PICTURE_SLUG, SEED_SLUG
from tools import servers

pytestmark = [
    pytest.mark.skipif(servers.nginx_binary() is None,
                       reason="nginx is not installed (.ci/run installs nginx-light)"),
    pytest.mark.skipif(shutil.which("openssl") is None,
                       reason="openssl is needed to make a test certificate"),
]

SITE_URL = "https://localhost"
ONE_YEAR = 365 * 24 * 3600


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn behind nginx: servers.tls_front's dict."""
    with servers.tls_front(tmp_path_factory.mktemp("nginx"), SITE_URL) as running:
        yield running


@pytest.fixture(scope="module")
def front(site):
    """(https base URL, http base URL, certificate, port)."""
    return site["https"], site["http"], site["cert"], site["https_port"]


def get(front, path, **kwargs):
    base, _, cert, _ = front
    return requests.get(base + path, verify=cert, allow_redirects=False, timeout=10, **kwargs)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def hsts_max_age(response) -> int:
    # requests joins repeated headers with ", ": a second copy would break int().
    value = response.headers["Strict-Transport-Security"]
    directives = [part.strip() for part in value.split(";")]
    assert "includeSubDomains" in directives
    return int(directives[0].removeprefix("max-age="))


def test_article_page_through_tls(front):
    response = get(front, f"/articles/{SEED_SLUG}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert hsts_max_age(response) >= ONE_YEAR
    assert "'sha256-" in response.headers["Content-Security-Policy"]  # the app's own CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "nginx/" not in response.headers.get("Server", "")  # server_tokens off
    html = page(response)
    assert html.select_one("main article h1").get_text(strip=True).startswith("Le Drian")
    assert html.select_one('link[rel="canonical"]')["href"] == f"{SITE_URL}/articles/{SEED_SLUG}"


def test_pages_are_cached_by_nginx(front):
    path = "/?page=1"
    get(front, path)
    again = get(front, path)
    assert again.status_code == 200
    assert again.headers["X-Cache-Status"] == "HIT"
    assert page(again).select("ol.article-list > li")


def test_compressed_and_conditional_pages_pass_through(front):
    first = get(front, "/", headers={"Accept-Encoding": "br"})
    assert first.headers.get("Content-Encoding") == "br"
    again = get(front, "/", headers={"Accept-Encoding": "br",
                                     "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_static_files_are_served_by_nginx(front):
    response = get(front, "/static/js/share.js")
    assert response.status_code == 200
    assert response.content == (servers.ROOT / "static" / "js" / "share.js").read_bytes()
    assert response.headers["Content-Type"].startswith(("application/javascript",
                                                        "text/javascript"))
    # nginx's own headers, not the app's: the app sends no "max-age=3600" for static files.
    assert response.headers["Cache-Control"] == "max-age=3600"
    assert "X-Cache-Status" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert hsts_max_age(response) >= ONE_YEAR


def media_urls(front, slug: str) -> tuple[list[str], str]:
    """The /media/ URLs an article's page links (its picture's files), and its share card."""
    html = page(get(front, f"/articles/{slug}"))
    urls = {img["src"] for img in html.select("main img")}
    for element in html.select("main source, main img"):
        urls.update(part.split()[0] for part in element.get("srcset", "").split(","))
    card = html.select_one('meta[property="og:image"]')["content"].removeprefix(SITE_URL)
    return sorted(urls), card


def assert_immutable_with_security_headers(response) -> None:
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert hsts_max_age(response) >= ONE_YEAR


def test_pictures_are_served_by_nginx_from_the_apps_cache(site, front):
    urls, card = media_urls(front, PICTURE_SLUG)
    assert urls and all(url.startswith("/media/") for url in urls)
    for url in [*urls, card]:
        response = get(front, url)
        assert response.status_code == 200, url
        assert "X-Cache-Status" not in response.headers  # a file, not the proxy
        name = url.removeprefix("/media/")
        assert response.content == (site["cache_dir"] / "media" / name).read_bytes()
        assert response.headers["Content-Type"] == {
            "avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg"}[name[-4:].strip(".")]
        assert_immutable_with_security_headers(response)


def test_a_drawn_card_is_drawn_by_the_app_once_then_served_from_disk(site, front):
    _, card = media_urls(front, SEED_SLUG)
    on_disk = site["cache_dir"] / "media" / card.removeprefix("/media/")
    assert not on_disk.exists()  # named on the page, drawn when first asked for
    first = get(front, card)
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/png"
    assert "'sha256-" in first.headers["Content-Security-Policy"]  # the app's answer
    assert_immutable_with_security_headers(first)
    again = get(front, card)
    assert again.content == first.content == on_disk.read_bytes()
    assert again.headers["Content-Security-Policy"].startswith("default-src 'none'")  # nginx


@pytest.mark.parametrize("path", ["/media/nope.0123456789abcdef.jpg", "/media/.index/x.json",
                                  "/media/x.jpg", "/media/../wsgi.py"])
def test_unknown_media_is_404(front, path):
    assert get(front, path).status_code == 404


def test_missing_static_file_is_404(front):
    response = get(front, "/static/js/nope.js")
    assert response.status_code == 404
    assert hsts_max_age(response) >= ONE_YEAR


def test_unknown_article_gets_the_site_404_page(front):
    response = get(front, "/articles/no-such-story")
    assert response.status_code == 404
    assert hsts_max_age(response) >= ONE_YEAR
    assert page(response).select_one("main h1").get_text(strip=True) == "Page not found"


def test_http_redirects_to_https_on_the_same_host(front):
    _, http_base, _, https_port = front
    response = requests.get(f"{http_base}/articles/{SEED_SLUG}?x=1", allow_redirects=False,
                            headers={"Host": "localhost"}, timeout=10)
    assert response.status_code == 301
    assert response.headers["Location"] == (
        f"https://localhost:{https_port}/articles/{SEED_SLUG}?x=1")


def test_request_bodies_are_refused_at_the_edge(front):
    response = requests.post(front[0] + "/", data=b"x" * 4096, verify=front[2], timeout=10)
    assert response.status_code == 413


def test_rendered_configuration_is_complete(tmp_path):
    text = render(server_name="news.example.org", certificate="/c.pem",
                  certificate_key="/k.pem")
    assert not WORD.search(text)  # no @WORD@ left unfilled (@name is a named location)
    assert "return 301 https://news.example.org$request_uri;" in text
    assert "listen 443 ssl http2;" in text


@pytest.mark.parametrize("bad", ["a b", "x;y", "", "$host"])
def test_renderer_refuses_unsafe_values(bad):
    with pytest.raises(ValueError):
        render(server_name=bad, certificate="/c.pem", certificate_key="/k.pem")
