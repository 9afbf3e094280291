"""gunicorn with the shipped gunicorn.conf.py: size limits answer 400 (request line) or
431 (headers, "Request Header Fields Too Large") before the app is reached, requests are logged
to stdout, and a HUP (graceful reload) serves content added since start-up."""
import shutil
import signal
import socket

import pytest

from tests.support import CONTENT_DIR, SEED_SLUG
from tools import servers

NEW_ARTICLE = """---
title: "Added while running"
published: 2030-01-01T09:00:00+00:00
---

Published after the workers started.
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn on a copy of the content, so a test may add an article to it."""
    directory = tmp_path_factory.mktemp("gunicorn")
    content = directory / "content"
    shutil.copytree(CONTENT_DIR, content)
    log = directory / "gunicorn.log"
    with servers.gunicorn(log, env={"FLASK_CONTENT_DIR": str(content)}) as (process, base):
        yield {"process": process, "base": base, "articles": content / "articles", "log": log}


def raw_status(base: str, request: bytes) -> int:
    """Send `request` as is and return the status code of the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    return int(head.split(b" ", 2)[1])


def test_over_long_request_line_is_refused(site):
    # gunicorn 27 answers 414 URI Too Long; 23 answered 400.
    path = b"/articles/" + b"a" * 5000
    assert raw_status(site["base"], b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n") in (400, 414)


def test_too_many_headers_is_431(site):
    headers = b"".join(b"X-H%d: v\r\n" % n for n in range(60))
    assert raw_status(site["base"], b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n") == 431


def test_over_long_header_is_431(site):
    request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 9000 + b"\r\n\r\n"
    assert raw_status(site["base"], request) == 431


def test_requests_are_logged_to_stdout(site):
    assert servers.http_status(site["base"] + f"/articles/{SEED_SLUG}?logged=1") == 200
    servers.wait_for(lambda: f"GET /articles/{SEED_SLUG}?logged=1" in site["log"].read_text(),
                     "the access log line", timeout=10)


def test_hup_serves_new_content(site):
    url = site["base"] + "/articles/added-while-running"
    assert servers.http_status(url) == 404
    (site["articles"] / "added-while-running.md").write_text(NEW_ARTICLE, encoding="utf-8")
    site["process"].send_signal(signal.SIGHUP)
    servers.wait_for(lambda: servers.http_status(url) == 200, "the new article after HUP",
                     timeout=30)
    assert servers.http_status(site["base"] + f"/articles/{SEED_SLUG}") == 200
