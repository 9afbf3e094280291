"""The shipped deployment, for real: deploy/nginx.conf rendered with a throwaway
certificate, Debian's nginx terminating TLS in front of gunicorn, on loopback."""
import shutil

import pytest
import requests
from bs4 import BeautifulSoup

from app import create_app
from deploy import render_nginx
from deploy.render_nginx import WORD, render
from tests.support import PICTURE_SLUG, SEED_SLUG
from tools import servers, slowloris

pytestmark = [
    pytest.mark.skipif(servers.nginx_binary() is None,
                       reason="nginx is not installed (.ci/run installs nginx-light)"),
    pytest.mark.skipif(shutil.which("openssl") is None,
                       reason="openssl is needed to make a test certificate"),
]

SITE_URL = "https://localhost"
ONE_YEAR = 365 * 24 * 3600


@pytest.fixture(scope="module")
def site(prefix):
    """gunicorn behind nginx: servers.tls_front's dict."""
    with servers.tls_front(prefix, SITE_URL) as running:
        yield running


@pytest.fixture(scope="module")
def front(site):
    """(https base URL, http base URL, certificate, port)."""
    return site["https"], site["http"], site["cert"], site["https_port"]


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """nginx's private prefix; its proxy cache is in cache/."""
    return tmp_path_factory.mktemp("nginx")


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
    path = "/"
    get(front, path)
    again = get(front, path)
    assert again.status_code == 200
    assert again.headers["X-Cache-Status"] == "HIT"
    assert page(again).select("main article.story")


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
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"  # embeddable
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


def upstream_servers(text: str) -> list[list[str]]:
    """The `server` lines of the rendered upstream block, split into words."""
    block = text[text.index("upstream article_site {"):]
    block = block[:block.index("}")]
    return [line.strip().rstrip(";").split() for line in block.splitlines()
            if line.strip().startswith("server ")]


def test_one_upstream_by_default_and_several_as_a_pool(capsys):
    default = render(server_name="news.example.org", certificate="/c.pem",
                     certificate_key="/k.pem")
    assert [words[1] for words in upstream_servers(default)] == ["127.0.0.1:8000"]
    hosts = ["10.0.0.11:8000", "10.0.0.12:8000", "unix:/run/article-site/gunicorn.sock"]
    assert render_nginx.main(["--server-name", "news.example.org", "--certificate", "/c.pem",
                              "--certificate-key", "/k.pem",
                              *(word for host in hosts for word in ("--upstream", host))]) == 0
    pool = capsys.readouterr().out
    assert not WORD.search(pool)
    lines = upstream_servers(pool)
    assert [words[1] for words in lines] == hosts
    # Each host with the same settings: left out for a while after failing, not forever.
    assert all(words[2:] == lines[0][2:] and any(w.startswith("max_fails=") for w in words)
               for words in lines)
    assert pool.replace("\n".join(f"    {' '.join(words)};" for words in lines),
                        f"    {' '.join(upstream_servers(default)[0])};") == default


@pytest.mark.parametrize("bad", [["10.0.0.11:8000 backup"], ["10.0.0.11:8000", "x;y"], [""],
                                 ["$host"], ["a:1}"], [], ["10.0.0.11:8000", "10.0.0.11:8000"]])
def test_renderer_refuses_a_bad_upstream(bad, capsys):
    with pytest.raises(ValueError):
        render(server_name="news.example.org", certificate="/c.pem", certificate_key="/k.pem",
               upstream=bad)
    if bad:
        assert render_nginx.main(["--server-name", "news.example.org", "--certificate",
                                  "/c.pem", "--certificate-key", "/k.pem",
                                  *(word for host in bad for word in ("--upstream", host))]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "upstream" in captured.err


# --- What the pages link, as nginx serves it ---------------------------------------------

def linked_static_urls(front) -> list[str]:
    """Every /static/ URL an article page links: the share script, the favicon, ..."""
    html = page(get(front, f"/articles/{SEED_SLUG}"))
    urls = [tag.get("src") or tag.get("href") for tag in html.select("[src], link[href]")]
    return [url for url in urls if url.startswith("/static/")]


def test_the_static_files_the_pages_link_are_served_through_nginx(front):
    urls = linked_static_urls(front)
    assert any("/js/share." in url for url in urls) and any("favicon." in url for url in urls)
    app = create_app({"TESTING": True, "SITE_URL": SITE_URL})
    for url in urls:
        response = get(front, url)
        assert response.status_code == 200, url
        assert response.content == app.test_client().get(url).get_data(), url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert get(front, url).headers["X-Cache-Status"] == "HIT"


def test_a_hashed_name_that_is_not_the_files_is_404(front):
    assert get(front, "/static/js/share.000000000000.js").status_code == 404


# --- Cross-Origin-Resource-Policy --------------------------------------------------------

@pytest.mark.parametrize("path", ["/logo.png", "/favicon.ico", "/feed.atom", "/feed.rss",
                                  "/static/favicon.svg", "favicon"])
def test_images_and_feeds_are_embeddable_through_nginx(front, path):
    if path == "favicon":
        path = next(url for url in linked_static_urls(front) if "favicon." in url)
    response = get(front, path)
    assert response.status_code == 200
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


@pytest.mark.parametrize("path", ["/", f"/articles/{SEED_SLUG}", "/static/js/share.js",
                                  "/static/css/site.css", "/sitemap.xml"])
def test_pages_and_scripts_stay_same_origin_through_nginx(front, path):
    assert get(front, path).headers["Cross-Origin-Resource-Policy"] == "same-origin"


# --- The cache key: what changes the page, and nothing else --------------------------------

def cache_files(prefix) -> int:
    return sum(1 for path in (prefix / "cache").rglob("*") if path.is_file())


def test_a_parameter_the_site_does_not_read_makes_no_cache_entry(front, prefix):
    get(front, "/")
    before = cache_files(prefix)
    for number in range(40):
        response = get(front, f"/?cb={number}&utm_source=x{number}")
        assert response.status_code == 200
        assert response.headers["X-Cache-Status"] == "HIT"
    assert cache_files(prefix) == before


def test_a_host_header_of_the_clients_choosing_makes_no_cache_entry(front, prefix):
    get(front, "/")
    before = cache_files(prefix)
    for number in range(20):
        response = get(front, "/", headers={"Host": f"cache-buster-{number}.example"})
        assert response.headers["X-Cache-Status"] == "HIT"
    assert cache_files(prefix) == before


def test_the_page_parameter_is_read_as_the_app_reads_it(front):
    """nginx matches $arg_page without regard to case: the app must be asked the same
    question the key names, or a page would be cached under another page's key."""
    assert get(front, "/?PAGE=2").status_code == get(front, "/?page=2").status_code == 404
    response = get(front, "/?page=01")
    assert response.status_code == 301 and response.headers["Location"] == "/"


@pytest.mark.parametrize("accept, encoding", [
    ("gzip, deflate, br", "br"), ("br", "br"), ("BR;q=1.0, gzip", "br"),
    ("gzip, deflate, br, zstd", "br"), ("br;q=0.001", "br"),
    ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("gzip;q=0.5, deflate", "gzip"),
    ("identity", None), ("deflate", None), ("br;q=0, gzip;q=0.0", None), ("", None),
    (", ".join(f"x-{n}" for n in range(600)) + ", gzip", "gzip"),  # 5 kB of codings
], ids=lambda value: value[:40] if isinstance(value, str) else str(value))
def test_accept_encoding_is_read_as_one_of_three(front, prefix, accept, encoding):
    get(front, f"/articles/{SEED_SLUG}", headers={"Accept-Encoding": "br"})
    get(front, f"/articles/{SEED_SLUG}", headers={"Accept-Encoding": "gzip"})
    get(front, f"/articles/{SEED_SLUG}", headers={"Accept-Encoding": "identity"})
    before = cache_files(prefix)
    response = get(front, f"/articles/{SEED_SLUG}", headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    assert response.headers["X-Cache-Status"] == "HIT"
    assert cache_files(prefix) == before


# --- Slow clients ---------------------------------------------------------------------------

@pytest.mark.slow
def test_slow_clients_do_not_keep_visitors_out():
    """The issue's attack: 253 TLS connections sending their headers a line every 5 s.
    nginx closes each after client_header_timeout and has connections to spare, so a
    visitor's probe every 3 s is answered (the shipped settings before: 0 of 12)."""
    tally = slowloris.run("nginx", connections=253, seconds=36, interval=5, probe_every=3,
                          probe_timeout=3, path="/healthz")
    answered = [seconds for seconds in tally.probes if seconds is not None]
    assert len(tally.probes) >= 9
    assert len(answered) >= len(tally.probes) - 1, tally
    assert tally.closed_by_server >= 253, "nginx never timed the slow connections out"


def test_search_reaches_the_app_with_its_parameters_and_no_others(front):
    """/search reads q, section, year and page: nginx passes those (and drops the rest)."""
    found = page(get(front, "/search?q=minister&utm_source=x&cb=1"))
    assert found.select_one('main input[name="q"]')["value"] == "minister"
    headlines = [a.get_text() for a in found.select("main article h2 a, main article h3 a")]
    assert "Le Drian, Carter, Other Ministers To Discuss ISIS Strategy" in headlines
    filtered = get(front, "/search?q=minister&section=no-such-section")
    assert filtered.status_code == 404  # the filter reached the app
