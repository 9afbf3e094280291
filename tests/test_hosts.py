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

from tests.support import PICTURE_SLUG, SEED_SLUG
from tools import servers

pytestmark = pytest.mark.skipif(servers.nginx_binary() is None or shutil.which("openssl") is None,
                                reason="nginx and openssl are needed (.ci/run installs them)")

PATHS = ["/", f"/articles/{SEED_SLUG}", f"/articles/{PICTURE_SLUG}", "/feed.atom",
         "/feed.rss", "/sitemap.xml", "/robots.txt", "/sections/defense", "/tags/france",
         "/archive/", "/search?q=minister", "/opensearch.xml", "/favicon.ico", "/logo.png",
         "/articles/nowhere"]
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
    headers = {"Accept-Encoding": encoding or "identity"}
    if etag:
        headers["If-None-Match"] = etag
    response = requests.get(url, headers=headers, allow_redirects=False, timeout=30,
                            stream=True)
    body = response.raw.read()  # the bytes as sent, not decoded
    return response.status_code, body, response.headers.get("ETag")


def test_every_page_is_the_same_bytes_with_the_same_etag_from_either_host(pool):
    first, second = pool
    for path in PATHS + [link for link in static_links(first["url"])]:
        for encoding in ENCODINGS:
            assert (answer(first["url"] + path, encoding)
                    == answer(second["url"] + path, encoding)), (path, encoding)


def static_links(base: str) -> list[str]:
    page = requests.get(base + f"/articles/{PICTURE_SLUG}", timeout=30).text
    return sorted({part.split('"')[0] for part in page.split('="/')[1:]
                   if part.startswith(("static/", "media/"))})[:12]


def test_a_tag_from_one_host_gets_a_304_from_the_other(pool):
    first, second = pool
    for path in (f"/articles/{SEED_SLUG}", "/", "/feed.atom"):
        for encoding in ENCODINGS:
            status, _, etag = answer(first["url"] + path, encoding)
            assert status == 200 and etag
            assert answer(second["url"] + path, encoding, etag)[0] == 304, (path, encoding)


def test_a_new_article_rolled_out_host_by_host_with_a_hup_each(tmp_path):
    with servers.hosts(tmp_path, 2) as (first, second):
        path = "/articles/rolled-out-host-by-host"
        for number, host in enumerate((first, second)):
            (host["content"] / "articles" / "rolled-out-host-by-host.md").write_text(
                NEW_ARTICLE, encoding="utf-8")
            host["process"].send_signal(signal.SIGHUP)
            servers.wait_for(lambda host=host: servers.http_status(host["url"] + path) == 200,
                             f"the new article on host {number}", timeout=60)
        for page in (path, "/", "/feed.atom", "/sitemap.xml"):
            assert answer(first["url"] + page, "br") == answer(second["url"] + page, "br"), page


@pytest.mark.slow
def test_one_host_killed_under_load_loses_no_request(tmp_path):
    """nginx tries the other host for a request the dead one did not answer (idempotent
    GETs: proxy_next_upstream), and stops sending it any for a while (max_fails)."""
    with servers.tls_pool(tmp_path, 2) as site:
        url = f"https://127.0.0.1:{site['https_port']}/healthz"  # no-store: every request
        statuses: list[int] = []  # reaches a host
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
        dead = site["hosts"][0]["process"]
        workers = servers.worker_pids(dead.pid)
        dead.kill()  # the whole host at once: its master, then its workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        for thread in threads:
            thread.join(30)
        assert failures == []
        assert len(statuses) > before + 50  # the load went on after the kill
        assert set(statuses) == {200}
