"""Several hosts behind one nginx: two gunicorns on two loopback ports stand in for two
machines, each with its own copy of the content and its own CACHE_DIR (tools/servers.py
hosts, tls_pool). They serve the same bytes with the same ETags, so either answers a
conditional request from the other's tag; nginx's upstream pool carries on when one
dies; a new article is rolled out a host at a time, with a HUP each."""
from __future__ import annotations

import os
import shutil
import signal
import threading
import time

import pytest
import requests
from bs4 import BeautifulSoup

from tests.support import PICTURE_SLUG, SEED_SLUG
from tools import servers

pytestmark = pytest.mark.skipif(servers.nginx_binary() is None or shutil.which("openssl") is None,
                                reason="nginx and openssl are needed (.ci/run installs them)")

PATHS = ["/", f"/articles/{SEED_SLUG}", f"/articles/{PICTURE_SLUG}",
         f"/articles/{SEED_SLUG}/next", "/feed.atom", "/feed.rss", "/sitemap.xml",
         "/news-sitemap.xml", "/robots.txt", "/sections/defense", "/sections/defense/feed.atom",
         "/tags/france", "/archive/", "/search?q=minister", "/about", "/opensearch.xml",
         "/favicon.ico", "/logo.png", "/icons.svg", "/healthz", "/articles/nowhere"]
ENCODINGS = ("", "gzip", "br")

NEW_ARTICLE = """---
title: "Rolled out host by host"
published: 2031-01-01T09:00:00+00:00
---

Published on one host, then on the other.
"""


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    with servers.hosts(tmp_path_factory.mktemp("hosts")) as running:
        yield running


def answer(url: str, encoding: str = "", etag: str | None = None) -> tuple:
    """(status, the bytes as sent, every header but the date) of a GET."""
    headers = {"Accept-Encoding": encoding or "identity"}
    if etag:
        headers["If-None-Match"] = etag
    response = requests.get(url, headers=headers, allow_redirects=False, timeout=30,
                            stream=True)
    body = response.raw.read()  # the bytes as sent, not decoded
    return (response.status_code, body,
            sorted((name, value) for name, value in response.headers.items() if name != "Date"))


def etag(answered: tuple) -> str | None:
    return dict(answered[2]).get("ETag")


def test_every_page_is_the_same_bytes_with_the_same_etag_from_either_host(pool):
    first, second = pool
    links = static_links(first["url"])
    assert any(link.startswith("/media/") for link in links), links
    for path in PATHS + links:
        for encoding in ENCODINGS:
            assert (answer(first["url"] + path, encoding)
                    == answer(second["url"] + path, encoding)), (path, encoding)


def static_links(base: str) -> list[str]:
    """Every /static/ and /media/ URL an article page with a picture links: scripts,
    styles, icons, each width and format of its picture, and its share card."""
    page = BeautifulSoup(requests.get(base + f"/articles/{PICTURE_SLUG}", timeout=30).text,
                         "html5lib")
    urls = set()
    for element in page.find_all(True):
        for name in ("href", "src", "content"):
            urls.add(element.get(name) or "")
        urls.update(part.split()[0] for part in (element.get("srcset") or "").split(",")
                    if part.strip())
    urls = {url.removeprefix("https://localhost") for url in urls}  # hosts()' site URL
    return sorted(url for url in urls if url.startswith(("/static/", "/media/")))


def test_a_tag_from_one_host_gets_a_304_from_the_other(pool):
    first, second = pool
    for path in (f"/articles/{SEED_SLUG}", "/", "/feed.atom"):
        for encoding in ENCODINGS:
            tag = etag(answer(first["url"] + path, encoding))
            assert tag
            assert answer(second["url"] + path, encoding, tag)[0] == 304, (path, encoding)


def articles_as_seen(url: str) -> tuple[list[str], list[str], list[str]]:
    """One host's site: the articles its front page links, its sitemap lists, and its
    Next Article links visit from the front page's lead until they come back round."""
    front = BeautifulSoup(requests.get(url + "/", timeout=30).text, "html5lib")
    linked = [a["href"].removeprefix("/articles/") for a in front.select("main a[href]")
              if a["href"].startswith("/articles/")]
    sitemap = BeautifulSoup(requests.get(url + "/sitemap.xml", timeout=30).content, "xml")
    listed = [loc.text.removeprefix("https://localhost/articles/") for loc in
              sitemap.find_all("loc") if loc.text.startswith("https://localhost/articles/")]
    walked = [linked[0]]
    while len(walked) <= len(listed):
        following = requests.get(f"{url}/articles/{walked[-1]}/next", allow_redirects=False,
                                 timeout=30).headers["Location"]
        if following.removeprefix("/articles/") == walked[0]:
            break
        walked.append(following.removeprefix("/articles/"))
    return list(dict.fromkeys(linked)), listed, walked


def test_a_new_article_rolled_out_host_by_host_with_a_hup_each(tmp_path):
    slug = "rolled-out-host-by-host"
    with servers.hosts(tmp_path, 2) as (first, second):
        path = f"/articles/{slug}"
        for number, host in enumerate((first, second)):
            (host["content"] / "articles" / f"{slug}.md").write_text(NEW_ARTICLE,
                                                                    encoding="utf-8")
            host["process"].send_signal(signal.SIGHUP)
            servers.wait_for(lambda host=host: servers.http_status(host["url"] + path) == 200,
                             f"the new article on host {number}", timeout=60)
            if number == 0:  # half way: each host a whole site, the new one's or the old one's
                assert servers.http_status(second["url"] + path) == 404
                for host_url, has_it in ((first["url"], True), (second["url"], False)):
                    linked, listed, walked = articles_as_seen(host_url)
                    assert (slug in linked) is has_it and (slug in listed) is has_it
                    assert (linked[0] == slug) is has_it  # the newest leads
                    assert sorted(walked) == sorted(listed)  # Next Article wraps, all of them
                    assert all(servers.http_status(f"{host_url}/articles/{article}") == 200
                               for article in linked)
        for page in (path, "/", "/feed.atom", "/sitemap.xml", f"/articles/{SEED_SLUG}"):
            assert answer(first["url"] + page, "br") == answer(second["url"] + page, "br"), page


@pytest.mark.slow
def test_one_host_killed_under_load_loses_no_request(tmp_path):
    """nginx tries the other host for a request the dead one did not answer (idempotent
    GETs: proxy_next_upstream), and stops sending it any for a while (max_fails)."""
    with servers.tls_pool(tmp_path, 2) as site:
        front = f"https://127.0.0.1:{site['https_port']}"
        dead, alive = site["hosts"]
        # nginx here has no CACHE_DIR of its own: the pictures come from the hosts.
        pictures = [link for link in static_links(alive["url"]) if link.startswith("/media/")]
        for link in pictures:
            assert (requests.get(front + link, verify=site["cert"], timeout=30).content
                    == requests.get(alive["url"] + link, timeout=30).content), link

        url = front + "/healthz"  # no-store: every request reaches a host
        statuses: list[int] = []
        failures: list[str] = []
        stop = time.monotonic() + 8

        def load() -> None:
            session = requests.Session()
            while time.monotonic() < stop:
                try:
                    statuses.append(session.get(url, verify=site["cert"], timeout=10).status_code)
                except requests.RequestException as error:
                    failures.append(repr(error))

        threads = [threading.Thread(target=load) for _ in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        before = len(statuses)
        workers = servers.worker_pids(dead["process"].pid)
        dead["process"].kill()  # the whole host at once: its master, then its workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        for thread in threads:
            thread.join(30)
        assert failures == []
        assert set(statuses) == {200}
        after = len(statuses) - before
        assert after > 100  # the load went on after the kill
        # Both hosts had their share before it; afterwards nginx left the dead one out
        # after a few refused connections instead of trying it for every other request.
        answered = (tmp_path / "host-0" / "gunicorn.log").read_text().count("GET /healthz")
        dead_port = dead["url"].rsplit(":", 1)[1]
        errors = (tmp_path / "front" / "error.log").read_text()
        tried_dead = sum(f":{dead_port}/" in line for line in errors.splitlines())
        assert answered > 10 and 0 < tried_dead < 20, (answered, tried_dead, after)
        for link in pictures:  # from nginx's cache or the live host
            assert requests.get(front + link, verify=site["cert"], timeout=30).status_code == 200
