"""The Nu Html Checker (vnu, from npm's vnu-jar) on the HTML the server sends.

Validated are the bytes gunicorn sends, not the browser's DOM (scripts and the parser
would tidy the very mistakes we are looking for). Java starts in about a second, so
every page goes through one vnu run, once a session, and each kind of page is then
its own test.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.browser.served import VNU_JAR, fetch

JAVA = shutil.which("java")

# Kind of page -> (method, paths). Paths may need the article slugs, known at run time.
PAGES = {
    "front": lambda slugs: [("GET", "/")],
    "front-page-2": lambda slugs: [("GET", "/?page=2")],
    "article": lambda slugs: [("GET", f"/articles/{slug}") for slug in slugs],
    "404": lambda slugs: [("GET", "/articles/no-such-article")],
    "405": lambda slugs: [("POST", "/")],
    "icons": lambda slugs: [("GET", "/icons")],
    "section": lambda slugs: [("GET", "/sections/defense")],
    "tag": lambda slugs: [("GET", "/tags/islamic-state")],
    "author": lambda slugs: [("GET", "/authors/the-editors")],  # with a biography
    "archive": lambda slugs: [("GET", "/archive/")],
    "archive-year": lambda slugs: [("GET", "/archive/2026/")],
    "archive-month": lambda slugs: [("GET", "/archive/2016/01/")],
    "pages": lambda slugs: [("GET", "/about"), ("GET", "/contact"), ("GET", "/faq")],
    "search": lambda slugs: [("GET", "/search"), ("GET", "/search?q=the+site"),
                             ("GET", "/search?q=the&page=2"),
                             ("GET", '/search?q="no+such+words"&section=About+this+site'),
                             ("GET", "/search?q=" + "x" * 201)],
}


@pytest.fixture(scope="session")
def vnu_messages(server_url, article_slugs, tmp_path_factory):
    """vnu's messages for every page, by kind: {kind: [(path, message), ...]}."""
    if JAVA is None:
        pytest.skip("java is not installed (apt-get install default-jre-headless)")
    if not VNU_JAR.is_file():
        pytest.skip(f"{VNU_JAR} is missing (run `npm ci --ignore-scripts`)")
    folder = tmp_path_factory.mktemp("vnu")
    files: dict[str, tuple[str, str]] = {}  # file name -> (kind, "METHOD path")
    for kind, paths in PAGES.items():
        for number, (method, path) in enumerate(paths(article_slugs)):
            status, body = fetch(server_url + path, method=method)
            assert body, f"{method} {path} ({status}) sent no HTML"
            file = folder / f"{kind}-{number}.html"
            file.write_bytes(body)
            files[str(file)] = (kind, f"{method} {path}")

    run = subprocess.run([JAVA, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *files],
                         check=False, capture_output=True, text=True, timeout=120)
    assert run.stdout, f"vnu printed nothing (exit {run.returncode}): {run.stderr}"
    by_kind: dict[str, list] = {kind: [] for kind in PAGES}
    for message in json.loads(run.stdout)["messages"]:
        name = message.get("url", "").removeprefix("file:")  # vnu writes file:/tmp/...
        kind, path = files.get(name, ("?", message.get("url")))
        by_kind.setdefault(kind, []).append((path, message))
    return by_kind


def describe(path: str, message: dict) -> str:
    return f"{path} line {message.get('lastLine', '?')}: {message.get('message')}"


@pytest.mark.parametrize("kind", PAGES)
def test_no_html_errors(vnu_messages, kind):
    errors = [describe(path, message) for path, message in vnu_messages[kind]
              if message["type"] in ("error", "non-document-error")]
    assert not errors, "\n".join(errors)


def test_vnu_read_every_file(vnu_messages):
    """A message about a file we did not send would mean vnu read something else."""
    assert "?" not in vnu_messages, vnu_messages.get("?")
