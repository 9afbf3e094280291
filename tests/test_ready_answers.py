"""Cached pages answered by their address without Flask (responses.ReadyAnswers): the
same status line, headers and bytes as Flask's own answer, and only where the address
alone names the page."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.state import state
from tests.support import PICTURE_SLUG, SEED_SLUG

ADDRESSES = ["/", f"/articles/{SEED_SLUG}", f"/articles/{PICTURE_SLUG}", "/sections/defense",
             "/tags/france", "/archive/2016/", "/feed.atom", "/sections/defense/feed.rss",
             "/sitemap.xml", "/opensearch.xml", "/favicon.ico", "/logo.png", "/icons",
             "/icons.svg", "/about"]
ENCODINGS = ["identity", "gzip", "br", "gzip;q=0.5, br;q=0.9"]


@pytest.fixture
def flask_calls(app):
    """How many requests reached Flask (the app inside ReadyAnswers)."""
    calls = []
    inner = app.wsgi_app.wsgi_app

    def counting(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app.wsgi_app = counting
    return calls


def exact(response) -> tuple:
    return response.status, list(response.headers.items()), response.get_data()


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_second_request_skips_flask_and_gets_the_same_answer(client, flask_calls,
                                                                  address):
    for encoding in ENCODINGS:
        for method in ("GET", "HEAD"):
            headers = {"Accept-Encoding": encoding}
            first = exact(client.open(address, method=method, headers=headers))
            calls = len(flask_calls)
            again = exact(client.open(address, method=method, headers=headers))
            assert len(flask_calls) == calls, f"{method} {address} entered Flask again"
            assert again == first, (method, address, encoding)
            assert first[0] == "200 OK"
            assert (first[2] == b"") == (method == "HEAD")


@pytest.mark.parametrize("address", [f"/articles/{SEED_SLUG}", "/feed.atom"])
def test_a_tag_the_client_holds_gets_the_same_304_both_ways(client, flask_calls, address):
    tag = client.get(address, headers={"Accept-Encoding": "br"}).headers["ETag"]
    flask_calls.clear()
    first = exact(client.get(address, headers={"Accept-Encoding": "br",
                                               "If-None-Match": tag}))
    assert flask_calls == []  # the first 200 made the address ready
    state(client.application).pages.by_address.clear()
    through_flask = exact(client.get(address, headers={"Accept-Encoding": "br",
                                                       "If-None-Match": tag}))
    assert flask_calls == [address]
    assert first == through_flask
    assert first[0] == "304 NOT MODIFIED" and first[2] == b""


def test_a_query_another_method_or_an_unknown_address_goes_to_flask(client, flask_calls):
    address = f"/articles/{SEED_SLUG}"
    client.get(address)
    flask_calls.clear()
    assert client.get(address + "?utm_source=x").status_code == 200
    assert client.post(address).status_code == 405
    assert client.get("/sections/defense?page=2").status_code in (200, 404)
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/no-such-page").status_code == 404  # a 404 is never made ready
    assert flask_calls == [address, address, "/sections/defense", "/no-such-page",
                           "/no-such-page"]


def test_pages_that_change_with_the_time_are_always_asked_of_flask(app, client,
                                                                   flask_calls):
    """The news sitemap and robots.txt follow the clock (the last two days' articles)."""
    site = state(app)
    site.clock = lambda: site.store.newest().published + timedelta(hours=1)
    for address in ("/robots.txt", "/news-sitemap.xml"):
        assert client.get(address).status_code == 200
        client.get(address)
    assert flask_calls.count("/robots.txt") == 2
    assert flask_calls.count("/news-sitemap.xml") == 2


def test_an_address_leaves_with_its_page(app, client, flask_calls):
    """The page cache's byte budget bounds what is answered by address, too."""
    pages = state(app).pages
    client.get(f"/articles/{SEED_SLUG}")
    assert f"/articles/{SEED_SLUG}" in pages.by_address
    pages.budget = 1  # the next page pushes every other out
    client.get("/feed.atom")
    assert list(pages.by_address) == ["/feed.atom"]
    flask_calls.clear()
    client.get(f"/articles/{SEED_SLUG}")
    assert flask_calls == [f"/articles/{SEED_SLUG}"]


def test_a_page_served_by_address_stays_the_most_recently_used(app, client):
    pages = state(app).pages
    client.get(f"/articles/{SEED_SLUG}")
    client.get("/feed.atom")
    client.get(f"/articles/{SEED_SLUG}")  # by address
    assert pages.keys()[-1] == ("article", SEED_SLUG)
