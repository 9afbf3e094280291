"""Articles and the stores that serve them in reading order.

Content is fixed while a process runs, so a store is built (or opened) once at start-up
and never changes afterwards: every thread and every worker can read it without locks.
ArticleStore holds its articles in memory; the site opens the compiled content instead
(app/compiled.py), which reads them from disk as pages need them.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .media import Figure

TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Article:
    """One published article, with its body already rendered to HTML."""

    slug: str
    title: str
    published: datetime
    body_html: str
    summary: str
    updated: datetime | None = None
    authors: tuple[str, ...] = ()
    dateline: str = ""
    section: str = ""
    tags: tuple[str, ...] = ()
    image: Figure | None = None  # the lead picture, with its alt text, caption and credit
    image_credit: str | None = None  # also set without a picture (the seed credits one)
    source_url: str | None = None
    source_path: str = field(default="", compare=False)

    @property
    def reading_minutes(self) -> int:
        """Minutes a reader needs at about 230 words a minute, at least one."""
        words = len(TAGS.sub(" ", self.body_html).split())
        return max(1, round(words / 230))

    @property
    def modified(self) -> datetime:
        """When the article last changed: its update if it has one, else publication."""
        return self.updated or self.published


@dataclass(frozen=True)
class Author:
    """An author's own file (content/authors/<slug>.md): the name as articles give it
    and a short biography, rendered once."""

    slug: str
    name: str
    bio_html: str
    source_path: str = field(default="", compare=False)


@dataclass(frozen=True)
class SitePage:
    """A page apart from the news (content/pages/<slug>.md, served at /<slug>): about
    the site, how to reach it. Not in the feeds, the news sitemap or the front page."""

    slug: str
    title: str
    label: str  # its link's words in the footer: `label`, or the title
    summary: str
    body_html: str
    updated: datetime | None = None
    source_path: str = field(default="", compare=False)


def long_date(moment: datetime) -> str:
    """'January 19, 2016': the date as the article's readers write it."""
    return f"{moment:%B} {moment.day}, {moment.year}"


# Turns an article into its absolute URL: views build it from SITE_URL and the route,
# and hand it to the modules that write feeds and sitemaps.
ArticleURL = Callable[["Article"], str]


def last_change(articles: Iterable[Article]) -> datetime | None:
    """The newest `modified` among `articles` (None for none): a listing's own date,
    as feeds, sitemaps and the front page's sitemap entry give it."""
    return max((article.modified for article in articles), default=None)


def page_of(items: Sequence, number: int, per_page: int) -> tuple:
    """Page `number` (from 1) of `items`: a slice, whatever their number; empty past the
    end. Every listing pages its articles with this (the store has page())."""
    if number < 1 or per_page < 1:
        return ()
    start = (number - 1) * per_page
    return tuple(items[start:start + per_page])


def page_count(total: int, per_page: int) -> int:
    """Pages needed for `total` items; an empty list still has one (empty) page."""
    return max(1, -(-total // per_page))


class DuplicateSlug(ValueError):
    """Two articles claim the same URL; serving either would hide the other."""


def clashes(articles: Iterable[Article], text: Callable[[Article], Hashable] | None = None
            ) -> Iterator[tuple[Article, Article, str]]:
    """(earlier, later, what they share) for each article that repeats an earlier one:
    the same slug (one URL, two articles), or the same headline and text under two slugs
    (a page imported twice). The store refuses the first; the content check reports both.

    `text` gives what "the same headline and text" compares (by default the two
    themselves; the compiled content compares a hash of them, app/compiled.py).
    """
    by_slug: dict[str, Article] = {}
    by_text: dict[Hashable, Article] = {}
    for article in articles:
        earlier = by_slug.setdefault(article.slug, article)
        if earlier is not article:
            yield earlier, article, "slug"
            continue
        same = text(article) if text is not None else (article.title, article.body_html)
        earlier = by_text.setdefault(same, article)
        if earlier is not article:
            yield earlier, article, "headline and text"


class Store:
    """Articles in reading order: newest first (ties by slug), found by slug.

    The order is what readers see on the front page and what "Next Article" follows:
    next() goes one step older and wraps from the oldest back to the newest. A position
    is a place in that order (0 for the newest). Subclasses say how many articles there
    are, where a slug stands and which article stands where: ArticleStore holds them all
    in memory, compiled.CompiledStore reads them from the compiled content on disk.
    """

    def __len__(self) -> int:
        raise NotImplementedError

    def position(self, slug: str) -> int | None:
        """Where `slug` stands in reading order (0 for the newest), or None."""
        raise NotImplementedError

    def at(self, position: int) -> Article:
        """The article at `position` (0 <= position < len(self))."""
        raise NotImplementedError

    def slice(self, start: int, stop: int) -> Iterator[Article]:
        """The articles from `start` to before `stop`, in reading order."""
        return (self.at(position) for position in range(max(0, start), min(stop, len(self))))

    def __iter__(self) -> Iterator[Article]:
        return self.slice(0, len(self))

    def __contains__(self, slug: object) -> bool:
        return isinstance(slug, str) and self.position(slug) is not None

    def get(self, slug: str) -> Article | None:
        position = self.position(slug)
        return None if position is None else self.at(position)

    def next(self, slug: str) -> Article | None:
        """The article after `slug` in reading order, or None if `slug` is unknown."""
        position = self.position(slug)
        if position is None:
            return None
        return self.at((position + 1) % len(self))

    def newest(self) -> Article:
        return self.at(0)

    def oldest(self) -> Article:
        return self.at(len(self) - 1)

    def page(self, number: int, per_page: int) -> tuple[Article, ...]:
        """Articles on front-page `number` (from 1); empty past the end."""
        if number < 1 or per_page < 1:
            return ()
        start = (number - 1) * per_page
        return tuple(self.slice(start, start + per_page))

    def page_count(self, per_page: int) -> int:
        """Number of front pages; an empty site still has one (empty) page."""
        return page_count(len(self), per_page)

    def last_change(self) -> datetime | None:
        """The newest `modified` of all (None for none): the front page's own date."""
        return last_change(self)


class ArticleStore(Store):
    """Articles held in memory, newest first (ties by slug), found by slug in O(1)."""

    def __init__(self, articles: Iterable[Article] = ()):
        ordered = sorted(articles, key=lambda a: a.slug)
        ordered.sort(key=lambda a: a.published, reverse=True)
        for _, article, shared in clashes(ordered):
            if shared == "slug":
                raise DuplicateSlug(f"duplicate slug {article.slug!r}")
        self._articles: tuple[Article, ...] = tuple(ordered)
        self._index = {article.slug: position for position, article in enumerate(ordered)}

    def __len__(self) -> int:
        return len(self._articles)

    def __iter__(self) -> Iterator[Article]:
        return iter(self._articles)

    def position(self, slug: str) -> int | None:
        return self._index.get(slug)

    def at(self, position: int) -> Article:
        return self._articles[position]

    def slice(self, start: int, stop: int) -> Iterator[Article]:
        return iter(self._articles[max(0, start):max(0, stop)])
