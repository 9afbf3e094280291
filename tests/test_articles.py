"""The store: reading order, lookup by slug, and the Next Article wrap-around."""
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.articles import Article, ArticleStore, DuplicateSlug


def make(slug, day, hour=0):
    return Article(slug=slug, title=slug.title(),
                   published=datetime(2024, 1, day, hour, tzinfo=UTC),
                   body_html="<p>x</p>", summary="x")


def test_newest_first_with_ties_by_slug():
    store = ArticleStore([make("b", 1), make("c", 3), make("a", 1), make("d", 2)])
    assert [a.slug for a in store] == ["c", "d", "a", "b"]


def test_order_compares_instants_across_timezones():
    paris = timezone(timedelta(hours=1))
    # 00:30 in Paris on the 2nd is 23:30 UTC on the 1st: older than 23:45 UTC.
    early = Article(slug="paris", title="P", published=datetime(2024, 1, 2, 0, 30, tzinfo=paris),
                    body_html="", summary="")
    late = Article(slug="utc", title="U", published=datetime(2024, 1, 1, 23, 45, tzinfo=UTC),
                   body_html="", summary="")
    assert [a.slug for a in ArticleStore([early, late])] == ["utc", "paris"]


def test_lookup_by_slug():
    store = ArticleStore([make("a", 1), make("b", 2)])
    assert store.get("a").slug == "a"
    assert store.get("missing") is None
    assert "b" in store and "missing" not in store
    assert len(store) == 2


def test_next_goes_older_and_wraps_to_newest():
    store = ArticleStore([make("old", 1), make("mid", 2), make("new", 3)])
    assert store.next("new").slug == "mid"
    assert store.next("mid").slug == "old"
    assert store.next("old").slug == "new"
    assert store.next("missing") is None


def test_next_of_a_single_article_is_itself():
    store = ArticleStore([make("only", 1)])
    assert store.next("only").slug == "only"


def test_duplicate_slugs_are_refused():
    with pytest.raises(DuplicateSlug):
        ArticleStore([make("a", 1), make("a", 2)])


def test_pages():
    store = ArticleStore([make(f"s{n:02d}", n) for n in range(1, 26)])
    assert store.page_count(10) == 3
    assert [a.slug for a in store.page(1, 10)][:2] == ["s25", "s24"]
    assert len(store.page(3, 10)) == 5
    assert store.page(4, 10) == ()
    assert store.page(0, 10) == ()
    assert ArticleStore([]).page_count(10) == 1
