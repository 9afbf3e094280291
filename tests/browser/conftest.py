"""One gunicorn server and one Debian Chromium for the whole browser session.

Playwright cannot download its own browser here, so the tests drive Debian's
`chromium`; where it is missing every test that needs a browser is skipped with the
reason. The Nu Html Checker tests need only the server, Java and node_modules.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.browser.served import fetch, settings
from tools.servers import serve

CHROMIUM = shutil.which("chromium")
# Keep the browser off the network: it talks only to the loopback server.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser/ carries the `browser` marker (-m "not browser")."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def server_url() -> str:
    """The site under gunicorn, configured as an operator would, by environment."""
    with serve(settings()) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(server_url) -> str:
    """pytest-base-url's fixture, so `page.goto("/articles/...")` reaches our server."""
    return server_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def article_slugs(server_url) -> list[str]:
    """Every article's slug, in the front page's order (newest first), across its pages."""
    slugs, path = [], "/"
    while path:
        status, body = fetch(server_url + path)
        assert status == 200, f"front page {path} answered {status}"
        soup = BeautifulSoup(body, "html5lib")
        links = soup.select("main article.story :is(h2, h3) a")
        slugs += [a["href"].rsplit("/", 1)[-1] for a in links]
        older = soup.select_one('.pagination a[rel="next"]')
        path = older["href"] if older else None
    assert slugs, "the front page lists no articles"
    return slugs
