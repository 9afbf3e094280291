"""Sections, tags, authors and the archive: the ways a reader finds articles besides the
front page, and the related stories under each article.

A listing is a name (a section, a tag, an author, a year or a month), the address made
from it, and its articles newest first (the store's order). All of them, and every
article's related stories, are computed once, when the content loads (build()), and kept
in the app's state: a listing page is then a dictionary lookup and a slice, whatever the
number of articles.

Addresses are made from names by python-slugify ('Défense & Sécurité' -> 'defense-securite').
Two different names that make the same address would share one page, so that is a content
error naming both files (name_errors()), as is a name with nothing to make one from ('!!!').
Years and months are counted in the site's time zone (SITE_TIMEZONE).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cache
from itertools import islice
from pathlib import Path

from slugify import slugify

from .articles import Article, ArticleStore, Author, last_change
from .content import ContentError, ContentErrors, field_line_in, read_articles, read_authors
from .media import Pictures

# The listings made from names: URL segment -> (the article's field, one of them in words).
GROUPS = {"sections": ("section", "section"), "tags": ("tags", "tag"),
          "authors": ("authors", "author")}
ARCHIVE = "archive"
RELATED_STORIES = 3
# How far down each tag's listing related_stories looks for stories sharing more tags.
CANDIDATES_PER_TAG = 10
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@cache
def slug_of(name: str) -> str:
    """The address a name makes ('' when it has no letters or digits); a slug makes
    itself, so editors' commands take either. Cached: names repeat across articles."""
    return slugify(name)


def names_of(article: Article, group: str) -> tuple[str, ...]:
    """The article's names in `group` (its section, its tags or its authors), each once."""
    if group == "sections":
        return (article.section,) if article.section else ()
    return tuple(dict.fromkeys(getattr(article, GROUPS[group][0])))


@dataclass(frozen=True)
class Listing:
    """One listing page's subject and its articles, newest first.

    `path` is where it lives: ("sections", "defense"), ("archive", "2016"),
    ("archive", "2016", "01"), or ("archive",) for the archive's own index.
    """

    path: tuple[str, ...]
    name: str
    articles: tuple[Article, ...]
    modified: datetime | None  # the newest change among its articles (the sitemap's lastmod)
    bio_html: str = ""  # an author's biography, from content/authors/<slug>.md
    source_path: str = field(default="", compare=False)

    @property
    def group(self) -> str:
        return self.path[0]

    @property
    def label(self) -> str:
        """What kind of listing it is, in a word: 'Section', 'Tag', 'Author', 'Archive'."""
        return GROUPS[self.group][1].capitalize() if self.group in GROUPS else "Archive"

    @property
    def description(self) -> str:
        """One sentence for the page's description and its feeds' subtitle."""
        if self.group == "sections":
            return f"The latest articles in {self.name}."
        if self.group == "tags":
            return f"Articles tagged {self.name}."
        if self.group == "authors":
            return f"Articles by {self.name}."
        if len(self.path) == 1:
            return "Every year and month with articles."
        return f"Articles published in {self.name}."

    @property
    def route(self) -> tuple[str, dict[str, str]]:
        """The view that serves it (reader.<name>, its feeds machine.<name>_feed) and
        the view's URL values."""
        if self.group == ARCHIVE:
            return "archive", dict(zip(("year", "month"), self.path[1:], strict=False))
        return "listing", {"group": self.group, "slug": self.path[1]}

    @property
    def parent(self) -> tuple[str, ...] | None:
        """The path of the listing above it in the breadcrumb (a month's year, a year's
        archive); None for those under the front page."""
        return self.path[:-1] if self.group == ARCHIVE and len(self.path) > 1 else None


@dataclass(frozen=True)
class Listings:
    """Every listing by path, the archive's years and months, and related stories."""

    by_path: dict[tuple[str, ...], Listing]
    years: tuple[Listing, ...] = ()  # newest first
    months: dict[str, tuple[Listing, ...]] = field(default_factory=dict)  # "2016" -> Jan first
    related: dict[str, tuple[Article, ...]] = field(default_factory=dict)  # by article slug

    def get(self, *path: str) -> Listing | None:
        return self.by_path.get(path)

    def named(self, group: str, name: str) -> Listing | None:
        """The listing of a section, tag or author by the name an article gives."""
        return self.by_path.get((group, slug_of(name)))

    def of(self, article: Article, group: str) -> tuple[Listing, ...]:
        """The article's section, tags or authors, as their listings."""
        found = (self.named(group, name) for name in names_of(article, group))
        return tuple(listing for listing in found if listing is not None)

    def group(self, group: str) -> tuple[Listing, ...]:
        """Every listing of a group (sections, tags, authors), by address."""
        return tuple(sorted((listing for path, listing in self.by_path.items()
                             if path[0] == group), key=lambda listing: listing.path))

    def __iter__(self) -> Iterator[Listing]:
        """Every listing page: sections, tags and authors by address, then the archive
        (its index, then each year followed by its months)."""
        for group in GROUPS:
            yield from self.group(group)
        index = self.by_path.get((ARCHIVE,))
        if index is not None:
            yield index
        for year in self.years:
            yield year
            yield from self.months[year.path[1]]

    def __len__(self) -> int:
        return len(self.by_path)


def archive_day(article: Article, zone: tzinfo) -> datetime:
    """When the article was published, in the site's time zone."""
    return article.published.astimezone(zone)


def name_errors(articles: Iterable[Article], authors: Iterable[Author]) -> list[ContentError]:
    """Names that make no address, or the address another name makes (one page for two
    names), and author files whose name does not make their file's name."""
    errors: list[ContentError] = []
    seen: dict[tuple[str, str], tuple[str, str]] = {}  # (group, slug) -> (name, file)
    for author in authors:
        if slug_of(author.name) != author.slug:
            errors.append(ContentError(
                author.source_path, f"name {author.name!r} makes the address "
                f"/authors/{slug_of(author.name) or '?'}, so this file must be named "
                f"{slug_of(author.name) or '(a name with letters or digits)'}.md",
                field_line_in(author.source_path, "name")))
            continue
        seen[("authors", author.slug)] = (author.name, author.source_path)
    for article in articles:
        for group, (field_name, word) in GROUPS.items():
            for name in names_of(article, group):
                problem = _name_problem(seen, group, word, name, article.source_path)
                if problem:
                    errors.append(ContentError(article.source_path, problem,
                                               field_line_in(article.source_path, field_name)))
    return errors


def _name_problem(seen: dict, group: str, word: str, name: str, path: str) -> str | None:
    slug = slug_of(name)
    if not slug:
        return f"{word} {name!r} has no letters or digits to make an address from"
    first_name, first_path = seen.setdefault((group, slug), (name, path))
    if first_name == name:
        return None
    where = "this file" if first_path == path else first_path
    return (f"{word} {name!r} makes the address /{group}/{slug}, as {first_name!r} does "
            f"in {where}; spell the two the same, or make them differ in letters or digits")


def archive_errors(articles: Iterable[Article], zone: tzinfo) -> list[ContentError]:
    """Dates that cannot be placed in the archive: past year 9999 (or before year 1) once
    moved to the site's time zone."""
    errors = []
    for article in articles:
        try:
            archive_day(article, zone)
        except OverflowError:
            errors.append(ContentError(
                article.source_path, f"published is outside the years 1 to 9999 in the "
                f"site's time zone ({zone})", field_line_in(article.source_path, "published")))
    return errors


def unused_authors(articles: Iterable[Article], authors: Iterable[Author]) -> list[Author]:
    """Author files that no article names yet: not an error (a biography may be written
    before the first article, and stays after the last), but no page shows them."""
    named = {slug_of(name) for article in articles for name in article.authors}
    return [author for author in authors if author.slug not in named]


def read_site(content_dir: Path, zone: tzinfo, pictures: Pictures | None = None
              ) -> tuple[list[Article], list[Author], list[ContentError]]:
    """Every article and author file, and every problem in them, those between files
    (the same address for two names) included: what `flask articles check` reports.
    `pictures` finds the pictures the articles name (content.read_articles)."""
    articles, errors = read_articles(content_dir, pictures)
    authors, author_errors = read_authors(content_dir)
    errors += author_errors
    errors += name_errors(articles, authors)
    errors += archive_errors(articles, zone)
    return articles, authors, errors


def load(content_dir: Path, zone: tzinfo, pictures: Pictures | None = None
         ) -> tuple[ArticleStore, Listings]:
    """The store and its listings, or ContentErrors listing every problem."""
    articles, authors, errors = read_site(Path(content_dir), zone, pictures)
    if errors:
        raise ContentErrors(errors)
    store = ArticleStore(articles)
    return store, build(store, authors, zone)


def build(store: ArticleStore, authors: Iterable[Author], zone: tzinfo) -> Listings:
    """Every listing of the store's articles (checked by read_site first), and the
    related stories of each article."""
    members: dict[tuple[str, ...], list[Article]] = defaultdict(list)
    names: dict[tuple[str, ...], str] = {}
    for article in store:  # newest first, so every listing is too
        for group in GROUPS:
            for name in names_of(article, group):
                path = (group, slug_of(name))
                names.setdefault(path, name)
                members[path].append(article)
        day = archive_day(article, zone)
        year, month = f"{day.year:04d}", f"{day.month:02d}"
        names[(ARCHIVE, year)] = year
        names[(ARCHIVE, year, month)] = f"{MONTHS[day.month - 1]} {day.year}"
        members[(ARCHIVE, year)].append(article)
        members[(ARCHIVE, year, month)].append(article)

    bios = {("authors", author.slug): author for author in authors}
    by_path = {}
    for path, articles in members.items():
        author = bios.get(path)
        by_path[path] = Listing(
            path=path, name=names[path], articles=tuple(articles),
            modified=last_change(articles),
            bio_html=author.bio_html if author else "",
            source_path=author.source_path if author else "")
    archive = sorted((path for path in by_path if path[0] == ARCHIVE), reverse=True)
    years = tuple(by_path[path] for path in archive if len(path) == 2)  # newest first
    months: dict[str, list[Listing]] = defaultdict(list)
    for path in reversed(archive):  # oldest first, so each year's months run from January
        if len(path) == 3:
            months[path[1]].append(by_path[path])
    if years:
        by_path[(ARCHIVE,)] = Listing(path=(ARCHIVE,), name="Archive", articles=(),
                                      modified=last_change(store))
    return Listings(by_path=by_path, years=years,
                    months={year: tuple(listings) for year, listings in months.items()},
                    related=related_stories(store, by_path))


def related_stories(store: ArticleStore, by_path: dict[tuple[str, ...], Listing],
                    limit: int = RELATED_STORIES) -> dict[str, tuple[Article, ...]]:
    """Up to `limit` stories for each article: the newest of its section first, then the
    newest sharing the most of its tags; never the article itself or its Next article.

    Each listing is read from its newest end and only as far as needed, so the cost per
    article is bounded, whatever the size of its section or tags. Equal answers (most of
    a section's articles get the same newest stories) are kept once.
    """
    related: dict[str, tuple[Article, ...]] = {}
    kept: dict[tuple[str, ...], tuple[Article, ...]] = {}
    for article in store:
        following = store.next(article.slug)
        skip = {article.slug, following.slug if following else article.slug}
        picks: list[Article] = []
        if article.section:
            section = by_path[("sections", slug_of(article.section))]
            picks += islice((a for a in section.articles if a.slug not in skip), limit)
        if len(picks) < limit and article.tags:
            skip.update(a.slug for a in picks)
            picks += _sharing_tags(store, by_path, article, skip, limit - len(picks))
        chosen = tuple(picks)
        related[article.slug] = kept.setdefault(tuple(a.slug for a in chosen), chosen)
    return related


def _sharing_tags(store: ArticleStore, by_path: dict, article: Article, skip: set[str],
                  wanted: int) -> list[Article]:
    """The `wanted` stories sharing most tags with `article`, newest first among equals,
    from the newest CANDIDATES_PER_TAG of each of its tags."""
    shared: dict[str, list] = {}  # slug -> [tags shared, article]
    for tag in names_of(article, "tags"):
        newest = (a for a in by_path[("tags", slug_of(tag))].articles if a.slug not in skip)
        for candidate in islice(newest, CANDIDATES_PER_TAG):
            shared.setdefault(candidate.slug, [0, candidate])[0] += 1
    ranked = sorted(shared.values(), key=lambda entry: (-entry[0],
                                                        store.position(entry[1].slug)))
    return [candidate for _, candidate in ranked[:wanted]]
