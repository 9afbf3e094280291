"""What the test modules share, imported by name (`from tests.support import SEED_SLUG`):
the settings the tests run the site with, the shipped and the seed content, and small
helpers. Fixtures stay in the conftest.py files; no module imports from a conftest.
"""
from __future__ import annotations

import multiprocessing
from pathlib import Path

from bs4 import BeautifulSoup

from tools import PICTURE_SLUG, SEED_SLUG
from tools.servers import ROOT

__all__ = ["ARTICLES_DIR", "CONTENT_DIR", "PICTURE_SLUG", "PROFILES", "ROOT", "SEED_FILE",
           "SEED_SLUG", "SITE_URL", "html", "in_processes_at_once", "seed_as_imported",
           "write_article"]

SITE_URL = "https://news.example.org"
PROFILES = {
    "facebook": "https://www.facebook.com/smalldispatch",
    "x": "https://x.com/smalldispatch",
    "instagram": "https://www.instagram.com/smalldispatch",
    "linkedin": "https://www.linkedin.com/company/smalldispatch",
    "youtube": "https://www.youtube.com/@smalldispatch",
    "pinterest": "https://www.pinterest.com/smalldispatch",
    "snapchat": "https://www.snapchat.com/add/smalldispatch",
}
CONTENT_DIR = ROOT / "content"
ARTICLES_DIR = CONTENT_DIR / "articles"
# The raw seed page, committed byte for byte so the tests run on a clone on its own;
# tests/test_seed_copy.py checks it against ../shared/seeds where that is present.
# SEED_SLUG (from tools/) is the article it becomes.
SEED_FILE = ROOT / "tests" / "data" / "000_cf1eca6b1e41b37d.txt"


def html(response) -> BeautifulSoup:
    """A test client's response parsed as a browser parses it (html5lib)."""
    return BeautifulSoup(response.get_data(as_text=True), "html5lib")


# What an editor added to the seed's front matter after importing it: its section and
# tags (the page itself names neither). Everything else is the import's, byte for byte.
SEED_EDITORS_LINES = (b"section: Defense\n", b"tags: [France, Islamic State, Syria, Iraq]\n")


def seed_as_imported() -> bytes:
    """The committed seed article without the lines its editor added: what
    `flask articles import` makes of the seed page."""
    committed = (ARTICLES_DIR / f"{SEED_SLUG}.md").read_bytes()
    for line in SEED_EDITORS_LINES:
        assert committed.count(line) == 1, line
        committed = committed.replace(line, b"", 1)
    return committed


def write_article(content_dir: Path, name: str, text: str | bytes) -> Path:
    """An article file `name` in the content folder's articles/."""
    (content_dir / "articles").mkdir(exist_ok=True)
    path = content_dir / "articles" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def in_processes_at_once(target, *args, count: int = 4) -> list:
    """What `target(*args, ready, results)` put in `results` in each of `count` forked
    processes, released together by the barrier `ready`: workers starting at once."""
    context = multiprocessing.get_context("fork")
    ready, results = context.Barrier(count), context.Queue()
    workers = [context.Process(target=target, args=(*args, ready, results))
               for _ in range(count)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(30)
    return outcomes
