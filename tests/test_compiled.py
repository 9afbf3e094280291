"""The compiled content (app/compiled.py): parsed once per content version into
CACHE_DIR/content/, opened by every worker; rebuilt only for the files that changed; the
same pages, byte for byte, as a cold start and as the articles held in memory; every
problem found by start-up and by `flask articles check` alike.
"""
from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import signal
import time
from datetime import UTC
from pathlib import Path

import pytest

from app import compiled, create_app, listings
from app.content import ContentErrors
from app.listings import read_site
from app.media import Pictures
from app.responses import PageCache
from app.state import state
from tests.images import photo
from tests.support import SITE_URL, in_processes_at_once, write_article

PER_PAGE = 3
SECTIONS = ("World", "Défense & Sécurité", "Culture")
TAGS = ("Navy", "France", "Army", "Budget")
AUTHORS = ("Ana Ruiz", "Li Wei")


def story(number: int, title: str | None = None, extra: str = "",
          day: int | None = None) -> str:
    """An article file's text: sections, tags and authors go round, one a day."""
    tags = json.dumps([TAGS[number % 4], TAGS[(number + 1) % 4]])
    section = json.dumps(SECTIONS[number % 3], ensure_ascii=False)
    return (f"---\ntitle: {json.dumps(title or f'Story number {number}')}\n"
            f"published: 2026-0{1 + (day or number) // 28}-{1 + (day or number) % 28:02d}"
            f"T09:00:00+01:00\nsection: {section}\ntags: {tags}\n"
            f"authors: [{json.dumps(AUTHORS[number % 2])}]\ndateline: PARIS\n{extra}---\n\n"
            f"The text of story {number}, about the harbour.\n\nA second paragraph.\n")


def newsroom(directory: Path, count: int = 12) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        write_article(directory, f"story-{number:02d}.md", story(number))
    (directory / "authors").mkdir(exist_ok=True)
    (directory / "authors" / "ana-ruiz.md").write_text(
        "---\nname: Ana Ruiz\n---\n\nCovers *defence*.\n", encoding="utf-8")
    (directory / "media").mkdir(exist_ok=True)
    photo(320, 200).save(directory / "media" / "harbour.jpg", quality=80)
    write_article(directory, "pictured.md", story(
        40, "A picture of the harbour", "image: media/harbour.jpg\nimage_alt: The harbour\n"
        "image_credit: Staff\n", day=5).replace(
        "A second paragraph.", "![Boats at dawn](media/harbour.jpg \"Dawn\")"))
    return directory


def in_the_past(directory: Path) -> None:
    """Every content file last changed an hour ago: old enough for its stats to count."""
    moment = time.time() - 3600
    for path in directory.rglob("*"):
        if path.is_file():
            os.utime(path, (moment, moment))


def make_app(content: Path, cache: Path):
    return create_app({"TESTING": True, "SITE_URL": SITE_URL, "CONTENT_DIR": str(content),
                       "CACHE_DIR": str(cache), "ARTICLES_PER_PAGE": PER_PAGE})


SEARCHES = ("harbour", "story number 3", "nav", "\"second paragraph\"", "defense")


def pages(app) -> dict[str, tuple[int, bytes, str | None]]:
    """Every page of the site as served: status, body and ETag, by path."""
    from app.rendering import listing_path

    site = state(app)
    paths = ["/", "/feed.atom", "/feed.rss", "/sitemap.xml", "/robots.txt", "/archive/",
             "/healthz"]
    paths += [f"/?page={n}" for n in range(2, site.store.page_count(PER_PAGE) + 1)]
    for article in site.store:
        paths += [f"/articles/{article.slug}", f"/articles/{article.slug}/next"]
    with app.test_request_context():
        for listing in site.listings:
            path = listing_path(listing)
            paths.append(path)
            pages_of = -(-len(listing.articles) // PER_PAGE)
            paths += [listing_path(listing, n) for n in range(2, pages_of + 1)]
            if listing.articles and len(listing.path) > 1:
                paths.append(path.rstrip("/") + "/feed.atom")
    paths += [f"/search?q={query}" for query in SEARCHES]
    paths += ["/search?q=story&section=World", "/search?q=story&page=2"]
    client = app.test_client()
    served = {}
    for path in paths:
        for encoding in ("", "gzip"):
            response = client.get(path, headers={"Accept-Encoding": encoding})
            served[f"{path} [{encoding}]"] = (response.status_code, response.data,
                                              response.headers.get("ETag"))
    return served


def compiled_files(cache: Path) -> set[Path]:
    return set((cache / "content").glob("*.sqlite"))


def info(app) -> dict[str, str]:
    return state(app).store._db.info()


# --- The same pages -----------------------------------------------------------------------

def test_pages_are_those_of_the_articles_held_in_memory(tmp_path):
    """The compiled store serves what the store in memory (app/listings.load) served."""
    content = newsroom(tmp_path / "content")
    app = make_app(content, tmp_path / "cache")
    reference = make_app(content, tmp_path / "cache")
    site = state(reference)
    site.store, site.listings = listings.load(content, UTC, Pictures(content, tmp_path / "cache"))
    site.pages = PageCache()
    assert type(state(app).store).__name__ == "CompiledStore"
    assert type(site.store).__name__ == "ArticleStore"
    served, expected = pages(app), pages(reference)
    assert served.keys() == expected.keys()
    for path in expected:
        assert served[path] == expected[path], path
    assert served["/articles/pictured [gzip]"][0] == 200
    assert b"<figure" in served["/articles/pictured []"][1]


def test_an_edit_rebuilds_only_what_changed_and_serves_what_a_cold_start_does(tmp_path,
                                                                              caplog):
    content = newsroom(tmp_path / "content")
    cache = tmp_path / "cache"
    in_the_past(content)
    first = make_app(content, cache)
    assert info(first)["parsed"] == "14" and info(first)["reused"] == "0"
    # A new article, an edited one, a removed one: three files, a new version.
    write_article(content, "story-99.md", story(99, "Breaking: the harbour reopens", day=50))
    write_article(content, "story-03.md", story(3, "Story three, corrected"))
    (content / "articles" / "story-07.md").unlink()
    with caplog.at_level(logging.INFO, logger="app.search"):
        edited = make_app(content, cache)
    assert info(edited)["parsed"] == "2" and info(edited)["reused"] == "12"
    assert "search index patched" in caplog.text
    assert state(edited).store.version != state(first).store.version
    served = pages(edited)
    shutil.rmtree(cache / "content")
    shutil.rmtree(cache / "search")
    cold = make_app(content, cache)
    assert info(cold)["parsed"] == "14" and info(cold)["reused"] == "0"
    assert state(cold).store.version == state(edited).store.version
    expected = pages(cold)
    assert served.keys() == expected.keys()
    for path in expected:
        assert served[path] == expected[path], path
    assert b"Breaking: the harbour reopens" in served["/ []"][1]


def test_next_article_still_wraps_from_the_oldest_to_the_newest(tmp_path):
    content = newsroom(tmp_path / "content", count=4)
    client = make_app(content, tmp_path / "cache").test_client()
    store = state(client.application).store
    oldest, newest = store.oldest(), store.newest()
    response = client.get(f"/articles/{oldest.slug}/next")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/articles/{newest.slug}")


# --- Found again, built once ------------------------------------------------------------------

def test_unchanged_content_is_opened_without_a_build(tmp_path, monkeypatch):
    content = newsroom(tmp_path / "content")
    in_the_past(content)
    first = make_app(content, tmp_path / "cache")
    monkeypatch.setattr(compiled, "build", lambda *args, **kwargs: pytest.fail("built"))
    again = make_app(content, tmp_path / "cache")
    assert state(again).store.version == state(first).store.version
    assert compiled_files(tmp_path / "cache") == {state(first).store._db.path}


def test_files_changed_just_now_are_read_again_and_then_trusted(tmp_path, monkeypatch,
                                                                caplog):
    """A file's stats are trusted only once it is older than the clock's tick: a file
    rewritten within it (same size, same time) would otherwise go unseen."""
    content = newsroom(tmp_path / "content")
    first = make_app(content, tmp_path / "cache")  # files written just now
    builds = []
    real = compiled.build
    monkeypatch.setattr(compiled, "build", lambda *a, **k: builds.append(1) or real(*a, **k))
    with caplog.at_level(logging.INFO, logger="app.compiled"):
        again = make_app(content, tmp_path / "cache")
    assert builds == [1]  # the stats were not trusted: read and hashed again...
    assert "0 files parsed, 14 reused" in caplog.text  # ...but nothing parsed again,
    assert state(again).store.version == state(first).store.version  # the same version
    in_the_past(content)
    make_app(content, tmp_path / "cache")  # new stats, trusted now: recorded
    assert builds == [1, 1]
    make_app(content, tmp_path / "cache")
    assert builds == [1, 1]


def test_a_changed_picture_changes_the_articles_that_show_it(tmp_path):
    content = newsroom(tmp_path / "content")
    in_the_past(content)
    first = make_app(content, tmp_path / "cache")
    before = first.test_client().get("/articles/pictured").data
    photo(640, 400, seed=3).save(content / "media" / "harbour.jpg", quality=80)
    again = make_app(content, tmp_path / "cache")
    assert info(again)["parsed"] == "1"
    after = again.test_client().get("/articles/pictured").data
    assert before != after and 'width="640"' in after.decode()


def _open_in_a_worker(content: str, cache: str, ready, results) -> None:
    """One "worker": count the builds it does itself while opening the content."""
    builds = []
    real = compiled.build
    compiled.build = lambda *a, **k: builds.append(1) or real(*a, **k)
    pictures = Pictures(content, cache, build=True)
    ready.wait()
    opened = compiled.open_content(Path(content), Path(cache), UTC, pictures)
    results.put((len(builds), len(opened.store)))


def test_workers_starting_together_build_it_once(tmp_path):
    content = newsroom(tmp_path / "content")
    outcomes = in_processes_at_once(_open_in_a_worker, str(content), str(tmp_path / "cache"))
    assert sorted(outcomes) == [(0, 13)] * 3 + [(1, 13)]
    assert len(compiled_files(tmp_path / "cache")) == 1


def test_a_large_build_runs_in_a_process_of_its_own(tmp_path, monkeypatch):
    content = newsroom(tmp_path / "content")
    monkeypatch.setattr(compiled, "CHILD_FROM", 1)
    pids = []
    real = compiled.build
    monkeypatch.setattr(compiled, "build",
                        lambda *a, **k: pids.append(os.getpid()) or real(*a, **k))
    app = make_app(content, tmp_path / "cache")
    assert pids == []  # not in this process: the build's memory goes with its process
    assert info(app)["parsed"] == "14" and len(state(app).store) == 13
    assert app.test_client().get("/search?q=harbour").status_code == 200


# --- Problems ------------------------------------------------------------------------------

def broken(directory: Path) -> Path:
    """A newsroom with a problem of every kind, in and between files."""
    newsroom(directory)
    write_article(directory, "no-date.md", "---\ntitle: No date\n---\n\nText.\n")
    write_article(directory, "copy.md", story(4))  # story-04 again: same headline and text
    write_article(directory, "clash.md", story(5, "Other").replace(
        "---\ntitle", "---\nslug: story-06\ntitle"))
    write_article(directory, "lower.md", story(1, "Lower").replace(
        'section: "Défense & Sécurité"', 'section: "défense & sécurité"'))
    write_article(directory, "bytes.md", b"---\ntitle: \xff\n---\n")
    (directory / "authors" / "bad.md").write_text("---\nname: Someone Else\n---\n\nBio.\n",
                                                  encoding="utf-8")
    return directory


def test_problems_are_those_the_files_give_and_are_kept(tmp_path, monkeypatch):
    content = broken(tmp_path / "content")
    expected = read_site(content, UTC, Pictures(content))[2]
    assert len(expected) == 6
    with pytest.raises(ContentErrors) as first:
        make_app(content, tmp_path / "cache")
    assert first.value.errors == expected
    # Every worker that starts on the same files gets them, without a build.
    in_the_past(content)
    with pytest.raises(ContentErrors):
        make_app(content, tmp_path / "cache")
    monkeypatch.setattr(compiled, "build", lambda *args, **kwargs: pytest.fail("built"))
    with pytest.raises(ContentErrors) as again:
        make_app(content, tmp_path / "cache")
    assert again.value.errors == expected


def test_fixing_a_file_reparses_only_the_files_with_problems(tmp_path):
    content = newsroom(tmp_path / "content")
    write_article(content, "no-date.md", "---\ntitle: No date\n---\n\nText.\n")
    with pytest.raises(ContentErrors):
        make_app(content, tmp_path / "cache")
    write_article(content, "no-date.md", story(30, "Dated now"))
    app = make_app(content, tmp_path / "cache")
    assert info(app)["parsed"] == "1" and len(state(app).store) == 14


def test_the_editors_check_finds_what_start_up_finds_and_writes_nothing(tmp_path):
    content = newsroom(tmp_path / "content")
    cache = tmp_path / "cache"
    make_app(content, cache)  # the site's records, which the check may reuse
    broken(content)
    before = sorted(path.name for path in cache.rglob("*"))
    expected = read_site(content, UTC, Pictures(content))[2]
    checked = compiled.check(content, cache, UTC, Pictures(content, cache))
    assert checked.problems == expected
    assert checked.reused == 13  # the newsroom's files, unchanged since the site read them
    assert sorted(path.name for path in cache.rglob("*")) == before
    assert compiled.check(content, None, UTC, Pictures(content)).problems == expected


def test_a_build_that_cannot_write_stops_start_up_and_leaves_nothing(tmp_path, monkeypatch):
    content = newsroom(tmp_path / "content")
    cache = tmp_path / "cache"
    previous = compiled_files(cache) if make_app(content, cache) else set()
    write_article(content, "new.md", story(20, "New"))

    def full(self, full):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compiled.Compiler, "_flush", full)
    with pytest.raises(compiled.BuildError, match="No space left on device.*FLASK_CACHE_DIR"):
        make_app(content, cache)
    assert compiled_files(cache) == previous
    assert not list((cache / "content").glob("*.tmp"))


# --- What a worker keeps ----------------------------------------------------------------------

def test_a_worker_keeps_few_articles_and_reads_listings_when_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(compiled, "CACHED_ARTICLES", 3)
    app = make_app(newsroom(tmp_path / "content"), tmp_path / "cache")
    site = state(app)
    world = site.listings.get("sections", "world")
    assert world.articles._positions is None  # read when a page first needs them
    client = app.test_client()
    for article in list(site.store):
        assert client.get(f"/articles/{article.slug}").status_code == 200
    assert len(site.store._kept) <= 3
    assert client.get("/sections/world").status_code == 200
    assert list(world.articles._positions) == sorted(world.articles._positions)
    body = site.store.get("story-01")
    assert "_body" in vars(body)  # read with the page, then kept with its article


def test_a_first_build_parses_in_several_processes_to_the_same_result(tmp_path, monkeypatch):
    content = broken(tmp_path / "content")
    (content / "articles" / "unreadable.md").mkdir()  # a folder named like an article
    with pytest.raises(ContentErrors) as alone:
        make_app(content, tmp_path / "alone")
    monkeypatch.setattr(compiled, "PARALLEL_FROM", 1)
    monkeypatch.setattr(compiled, "PROCESSES", 2)
    with pytest.raises(ContentErrors) as together:
        make_app(content, tmp_path / "together")
    assert together.value.errors == alone.value.errors
    assert "unreadable.md: cannot be read: Is a directory" in str(together.value)
    assert ({path.name for path in compiled_files(tmp_path / "alone")}
            == {path.name for path in compiled_files(tmp_path / "together")})


def _build_as_a_gunicorn_worker(content: str, cache: str, results) -> None:
    # gunicorn's worker catches TERM to exit gracefully later: a process it forks inherits
    # that, so a build's own processes must put the default back to end when told.
    signal.signal(signal.SIGTERM, lambda *_: None)
    compiled.CHILD_FROM = compiled.PARALLEL_FROM = 1
    compiled.PROCESSES = 2
    opened = compiled.open_content(Path(content), Path(cache), UTC,
                                   Pictures(content, cache, build=True))
    results.put(len(opened.store))


def test_a_build_forked_from_a_gunicorn_worker_ends(tmp_path):
    content = newsroom(tmp_path / "content")
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    worker = context.Process(target=_build_as_a_gunicorn_worker,
                             args=(str(content), str(tmp_path / "cache"), results))
    worker.start()
    try:
        assert results.get(timeout=60) == 13
        worker.join(30)
        assert worker.exitcode == 0
    finally:
        if worker.is_alive():
            worker.kill()
