"""Full-text search: an SQLite FTS5 index on disk, built once per content version, and the
translation of what a reader types into a query that FTS5 cannot misread.

Why FTS5: it ships with Python's sqlite3, ranks with BM25 (per-column weights, so the
headline counts more than the body), cuts snippets around the matches, and its tokenizer
folds case and accents (unicode61 remove_diacritics 2: `defense` finds `Défense`) and
stems English (porter: `ministers` finds `minister`). No service to run, nothing in
JavaScript.

The index is a file, CACHE_DIR/search/<key>.sqlite, where the key hashes the schema
version and the content version: the compiled content's key (key_for; app/compiled.py),
or every indexed field of every article (content_key) for a list of articles. The first
worker that needs it builds it under a lock file, into a temporary name, and renames it
into place; the workers that start beside it wait on the lock, then open the finished file
read-only. So no worker ever sees half an index, four workers starting together build it
once, and a HUP with new content gives a new key, hence a new file. When the previous
version's index is there and few articles changed (the usual publish: one new article),
the new file is that index copied and patched (patch()), not built again: seconds instead
of minutes at 100,000 articles, and the same results. A build that fails leaves every
existing file as it was and stops start-up with one message (SearchIndexError). The most
recently used KEEP files stay; older ones are removed.

Ranking: BM25 over the newest CANDIDATES matches (rowids follow the store's order, newest
first, and FTS5 hands matches out in rowid order; they are spaced ROWID_GAP apart, so a
patch can put a new article between two others without renumbering them). A query
matching fewer articles than that (almost every query with a specific word) is ranked
over all its matches; a common word at 100,000 articles would otherwise cost BM25 over
every article (over 100 ms) for each page of results. A term in most articles is left
out of a query that has others, as BM25 gives it no weight anyway (SearchIndex.plan).
docs/search.md has the measurements.

The reader's query: words are searched as words, quoted text as a phrase, and the last word
as a prefix (`strat` finds `strategy`). Each term goes to FTS5 as a quoted string, so its
operators (AND, OR, NOT, NEAR, `*`, `^`, `column:`, parentheses) are only ever words here.
"""
from __future__ import annotations

import fcntl
import hashlib
import html
import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Container, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from . import files
from .articles import Article

log = logging.getLogger(__name__)

# The key hashes this and SCHEMA's text, so every site builds a fresh index on its next
# start when either changes: bump it when the indexed text changes (plain_text, _body,
# _extra, the facets) or the rowids do.
SCHEMA_VERSION = 2
TOKENIZER = "porter unicode61 remove_diacritics 2"
# Prefixes of this length have their own index: without it, FTS5 merges the matches of
# every word starting with the prefix in each statement (5.5 ms for `whe` at 100,000
# articles), and three-letter prefixes are the ones matching the most words. It adds a
# fifth to the index's size; longer prefixes match fewer words and merge faster.
PREFIX_INDEX = 3
# title: the headline; extra: section, dateline, authors and tags; body: the standfirst
# (when it is not the first paragraph) and the text; facets: one token per filter value
# (section and year), never searched, weight 0.
COLUMNS = ("title", "extra", "body", "facets")
WEIGHTS = (10.0, 3.0, 1.0, 0.0)
SEARCHED = "{title extra body}"
BODY_COLUMN = COLUMNS.index("body")
TITLE_COLUMN = COLUMNS.index("title")

# Matches ranked per query; past it, the newest CANDIDATES are ranked and the page says so.
CANDIDATES = 1000
# A query longer than a long headline is not a search: pasted text, or a probe.
MAX_QUERY_CHARS = 200
# Terms (words or phrases) searched; each costs a pass over its matches for BM25.
MAX_TERMS = 10
# The last word is a prefix from this length: a one- or two-letter prefix matches much of
# the vocabulary, so merging its matches is slow and finds little a reader wanted.
MIN_PREFIX = 3
# Index files kept in CACHE_DIR/search/: the current one and the ones before it, which
# workers of the previous content version may still hold open during a graceful reload.
KEEP = 3
# A build's temporary file untouched for this long belongs to a build that died.
STALE_BUILD_S = 3600
# The newest article's rowid in a fresh build, and the space between two articles'. A patch
# gives a new article a rowid between its neighbours' (a new newest one: below the
# newest's), so the articles already indexed keep theirs; when no room is left, the
# index is built again.
FIRST_ROWID = 2**61
ROWID_GAP = 2**20
# A patch copies the previous index and changes the articles that changed: worth it while
# they are few; past this many (or this share of the index), a fresh build is as quick.
PATCH_AT_MOST = 20_000
PATCH_SHARE = 0.2
# Bytes of rendered results pages each worker keeps: about 200 pages of some 20 KB with
# their compressed forms (a PageCache apart from the articles', so queries evict only
# other results).
CACHED_BYTES = 4 * 1024 * 1024
SNIPPET_TOKENS = 24
# FTS5 wraps each match in these; clean() removes them from everything indexed, so in
# FTS5's output they can only be FTS5's own markers.
OPEN, CLOSE = "\x02", "\x03"
ELLIPSIS = "…"


class SearchIndexError(Exception):
    """The index cannot be built or opened; the site does not start without it."""


# --- Indexed text -------------------------------------------------------------------------

_BLOCK_TAG = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|dl|dt|dd|blockquote|pre|hr|br|table|thead|"
                        r"tbody|tr|td|th|div|figure|figcaption)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Text with control characters (FTS5's markers among them) made spaces."""
    return _CONTROL.sub(" ", text)


def plain_text(body_html: str) -> str:
    """The words of an article's HTML body (our Markdown renderer's output: tags are
    well-formed, and `<` and `>` in text and attributes are escaped). Block tags become
    line breaks, so words of two paragraphs never run together; inline tags vanish, so a
    word half in emphasis stays one word."""
    return clean(html.unescape(_TAG.sub("", _BLOCK_TAG.sub("\n", body_html))))


def _body(article: Article) -> str:
    text = plain_text(article.body_html)
    summary = clean(article.summary)
    # The summary is the first paragraph unless the editor wrote one: index it only then.
    if summary and " ".join(summary.split()) not in " ".join(text.split()):
        return summary + "\n" + text
    return text


def _extra(article: Article) -> str:
    return clean(" ".join((article.section, article.dateline, *article.authors,
                           *article.tags)))


def _section_token(section: str) -> str:
    """The facet token of a section: from a hash of its name, so a new section changes
    no other article's tokens."""
    return "zsection" + hashlib.blake2b(section.encode("utf-8", "surrogatepass"),
                                        digest_size=8).hexdigest()


def _year_token(year: int) -> str:
    return f"zyear{year}"


def key_for(content_version: str) -> str:
    """The index's name for a content version named elsewhere (the compiled content's
    key, which changes with any article, the order or the code that reads them)."""
    return hashlib.blake2b(f"search index {SCHEMA_VERSION}\n{SCHEMA}\n{content_version}"
                           .encode(), digest_size=16).hexdigest()


def content_key(articles: Iterable[Article]) -> str:
    """A hash of everything the index holds, in the store's order: the index's name.

    Any change to an indexed field, to the order (rowids follow it) or to SCHEMA_VERSION
    gives another name, so an index file never has to be checked against the content.
    """
    digest = hashlib.blake2b(f"search index {SCHEMA_VERSION}\n{SCHEMA}".encode(),
                             digest_size=16)
    for article in articles:
        for value in (article.slug, article.title, article.published.isoformat(),
                      article.section, article.dateline, "\x1f".join(article.authors),
                      "\x1f".join(article.tags), article.summary, article.body_html):
            digest.update(value.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
        digest.update(b"\x1e")
    return digest.hexdigest()


# --- Building -------------------------------------------------------------------------

SCHEMA = f"""
CREATE TABLE info (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (id INTEGER PRIMARY KEY, slug TEXT NOT NULL);
CREATE VIRTUAL TABLE docs USING fts5({', '.join(COLUMNS)}, prefix='{PREFIX_INDEX}',
                                     tokenize='{TOKENIZER}');
"""


class _Facets:
    """What build and patch learn while they read the articles: the sections and years
    to filter by, how many articles, and each article's (rowid, slug)."""

    def __init__(self):
        self.sections: set[str] = set()
        self.years: set[int] = set()
        self.slugs: list[tuple[int, str]] = []

    def info(self, key: str, count: int) -> list[tuple[str, str]]:
        return [("key", key), ("schema", str(SCHEMA_VERSION)), ("articles", str(count)),
                ("sections", json.dumps(sorted(self.sections))),
                ("years", json.dumps(sorted(self.years, reverse=True)))]


def _rows(numbered: Iterable[tuple[int, Article]], facets: _Facets) -> Iterator[tuple]:
    """The FTS5 rows of (rowid, article) pairs, noting each article in `facets`."""
    for rowid, article in numbered:
        tokens = [_year_token(article.published.year)]
        facets.years.add(article.published.year)
        if article.section:
            tokens.append(_section_token(article.section))
            facets.sections.add(article.section)
        facets.slugs.append((rowid, article.slug))
        yield (rowid, clean(article.title), _extra(article), _body(article), " ".join(tokens))


def _numbered(articles: Iterable[Article]) -> Iterator[tuple[int, Article]]:
    """Each article with its rowid in a fresh build: FIRST_ROWID, then a gap between two."""
    return ((FIRST_ROWID + position * ROWID_GAP, article)
            for position, article in enumerate(articles))


_INSERT = f"INSERT INTO docs (rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?)"


@contextmanager
def _written(path: Path, copy_of: Path | None = None) -> Iterator[sqlite3.Connection]:
    """A connection to a new index (a copy of `copy_of`, if given) that becomes `path`
    when the block ends, whole or not at all: it is written under a temporary name and
    renamed into place once complete (app/files.py), removed if anything fails."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        if copy_of is not None:
            shutil.copyfile(copy_of, temporary)
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            yield db
        finally:
            db.close()
        files.put_in_place(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def build(path: Path, articles: Iterable[Article], key: str) -> None:
    """Write the index of `articles` (in the store's order, read once) to `path`, whole
    or not at all (_written)."""
    facets = _Facets()
    with _written(path) as db:
        # One writer, a file nobody reads until it is renamed: no journal, no syncs
        # until the end. 8 KiB pages hold an article's text with less waste than 4 KiB.
        db.executescript("PRAGMA page_size = 8192; PRAGMA journal_mode = OFF;"
                         "PRAGMA synchronous = OFF;" + SCHEMA)
        db.execute("BEGIN")
        # No merging while loading (it made the load twice as slow at 100,000
        # articles): the 'optimize' below merges everything once.
        db.execute("INSERT INTO docs (docs, rank) VALUES ('automerge', 0)")
        db.execute("INSERT INTO docs (docs, rank) VALUES ('crisismerge', 10000)")
        db.executemany(_INSERT, _rows(_numbered(articles), facets))
        db.executemany("INSERT INTO articles (id, slug) VALUES (?, ?)", facets.slugs)
        # One merged segment: faster queries, and the file never changes again.
        db.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        db.executemany("INSERT INTO info (name, value) VALUES (?, ?)",
                       facets.info(key, len(facets.slugs)))
        db.execute("COMMIT")


class NoRoom(Exception):
    """A patch cannot place the changed articles; the index is built afresh instead."""


def _between(low: int | None, high: int | None, count: int) -> list[int]:
    """`count` increasing rowids above `low` and below `high` (None: no bound)."""
    if low is None and high is None:
        raise NoRoom("no article is left as it was")
    if low is None:
        rowids = [high - ROWID_GAP * (count - n) for n in range(count)]
    elif high is None:
        rowids = [low + ROWID_GAP * (n + 1) for n in range(count)]
    else:
        step = (high - low) // (count + 1)
        if step < 1:
            raise NoRoom(f"no rowid left between {low} and {high}")
        rowids = [low + step * (n + 1) for n in range(count)]
    if rowids[0] <= -FIRST_ROWID:
        raise NoRoom("rowids exhausted below the newest article")
    return rowids


def _placed(articles: Iterable[Article], kept: dict[str, int], unchanged) -> tuple[
        list[tuple[int, Article]], set[str]]:
    """(rowid, article) for each article to index anew, between the kept articles' rowids
    (which stay); and the slugs kept. Raises NoRoom when that cannot be done."""
    placed: list[tuple[int, Article]] = []
    pending: list[Article] = []
    staying: set[str] = set()
    low = None
    for article in articles:
        rowid = kept.get(article.slug) if article.slug in unchanged else None
        if rowid is None:
            pending.append(article)
            if len(pending) > PATCH_AT_MOST:
                raise NoRoom("too many new or changed articles")
            continue
        if low is not None and rowid <= low:
            raise NoRoom("the articles kept are not in the index's order")
        if pending:
            placed += zip(_between(low, rowid, len(pending)), pending, strict=True)
            pending = []
        staying.add(article.slug)
        low = rowid
    if pending:
        placed += zip(_between(low, None, len(pending)), pending, strict=True)
    return placed, staying


def patch(previous: Path, path: Path, articles: Iterable[Article], key: str,
          unchanged) -> None:
    """Write the index of `articles` to `path` by copying `previous` (the index of the
    content before) and changing what changed: the articles whose slug is in `unchanged`
    (the same fields as when `previous` was built) stay with their rowids, the others
    are deleted, and the new ones are inserted between their neighbours. Whole or not at
    all, like build(); raises NoRoom when a fresh build is needed instead."""
    with _written(path, copy_of=previous) as db:
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        kept = dict(db.execute("SELECT slug, id FROM articles"))
        if len(kept) * PATCH_SHARE < PATCH_AT_MOST:
            limit = max(1, int(len(kept) * PATCH_SHARE))
        else:
            limit = PATCH_AT_MOST
        placed, staying = _placed(articles, kept, unchanged)
        if len(placed) > limit:
            raise NoRoom(f"{len(placed)} articles changed")
        gone = [(rowid,) for slug, rowid in kept.items() if slug not in staying]
        db.execute("BEGIN")
        # Merged as they come, in small steps: a patched index gets a segment a patch.
        db.execute("INSERT INTO docs (docs, rank) VALUES ('automerge', 4)")
        db.executemany("DELETE FROM docs WHERE rowid = ?", gone)
        db.executemany("DELETE FROM articles WHERE id = ?", gone)
        facets = _Facets()
        db.executemany(_INSERT, _rows(placed, facets))
        db.executemany("INSERT INTO articles (id, slug) VALUES (?, ?)", facets.slugs)
        _still_there(db, facets)
        (count,) = db.execute("SELECT count(*) FROM articles").fetchone()
        db.executemany("INSERT OR REPLACE INTO info (name, value) VALUES (?, ?)",
                       facets.info(key, count))
        db.execute("COMMIT")


def _still_there(db: sqlite3.Connection, facets: _Facets) -> None:
    """Make `facets` (the sections and years of the articles a patch inserted) those of
    the whole patched index: the index's before, and the new ones, less those no article
    holds any more."""
    info = dict(db.execute("SELECT name, value FROM info"))
    sections = facets.sections | set(json.loads(info["sections"]))
    years = facets.years | set(json.loads(info["years"]))

    def held(token: str) -> bool:
        return db.execute("SELECT 1 FROM docs WHERE docs MATCH ? LIMIT 1",
                          (f'facets : "{token}"',)).fetchone() is not None

    facets.sections = {section for section in sections if held(_section_token(section))}
    facets.years = {year for year in years if held(_year_token(year))}


def cleanup(directory: Path, keep: int = KEEP) -> None:
    """Remove all but the `keep` most recently used index files, and dead builds' files.

    An index is "used" when a worker opens it (open_index touches it), so the content
    version being served is never the one removed. A worker that still has a removed
    file open keeps reading it: the file lives on until it is closed.
    """
    indexes = sorted(directory.glob("*.sqlite"), key=_mtime, reverse=True)
    for old in indexes[keep:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".lock").unlink(missing_ok=True)
    for temporary in directory.glob("*.tmp"):
        if time.time() - _mtime(temporary) > STALE_BUILD_S:
            temporary.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


# --- Opening --------------------------------------------------------------------------

def open_index(directory: Path, articles: Iterable[Article], key: str | None = None,
               previous: tuple[str, Container[str]] | None = None) -> SearchIndex:
    """The index of `articles` in `directory`, built first if no worker has built it yet.

    `articles` is read in order, once, and only if the index must be built (a list, or a
    store); `key` names the content version (content_key(articles) when not given).
    `previous`, (the key of the index before, the slugs of the articles that have not
    changed since), lets a build patch that index instead (patch()). Raises
    SearchIndexError, with the folder and the reason, when it can be neither opened nor
    built.
    """
    key = key or content_key(articles)
    path = directory / f"{key}.sqlite"
    index = _try_open(path, key)
    if index is None:
        try:
            _build_once(directory, path, articles, key, previous)
        except (OSError, sqlite3.Error) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise SearchIndexError(f"the search index cannot be built in {directory}: "
                                   f"{reason} (set FLASK_CACHE_DIR to a writable folder)") from None
        index = _try_open(path, key)
        if index is None:
            raise SearchIndexError(f"the search index {path} was built but cannot be read")
    try:
        os.utime(path)  # in use: cleanup() keeps the most recently used files
    except OSError:
        pass  # a read-only cache folder: nothing will clean it either
    return index


def _try_open(path: Path, key: str) -> SearchIndex | None:
    """The index at `path` if it is there, complete and for `key`; None otherwise."""
    if not path.is_file():
        return None
    try:
        return SearchIndex(path, key)
    except (sqlite3.Error, KeyError, ValueError) as error:
        log.warning("search index %s is unusable (%s); building it again", path, error)
        return None


def _build_once(directory: Path, path: Path, articles: Iterable[Article], key: str,
                previous: tuple[str, Container[str]] | None = None) -> None:
    """Build `path` unless another process does: the lock file makes the workers that
    start together wait for the first one's build instead of each building their own."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{key}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released on close, or by the kernel if we die
        if _try_open(path, key) is not None:
            return  # built by the worker we waited for
        began = time.monotonic()
        how = "built"
        try:
            if previous is None or _try_open(directory / f"{previous[0]}.sqlite",
                                             previous[0]) is None:
                raise NoRoom("no previous index")
            patch(directory / f"{previous[0]}.sqlite", path, articles, key, previous[1])
            how = "patched"
        except NoRoom:
            # A store that can be read whole with its bodies in one pass says so.
            build(path, getattr(articles, "with_bodies", lambda: articles)(), key)
        log.info("search index %s in %.1f s: %s", how, time.monotonic() - began, path)
    cleanup(directory)


# --- The reader's query ---------------------------------------------------------------

# Straight and typographic double quotes (phones type “ ”) all delimit phrases.
_QUOTES = str.maketrans({mark: '"' for mark in "“”„‟«»＂"})
# A word as unicode61 sees one: letters and digits; anything else separates words.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """A word, or several that must appear together (a phrase); `prefix` for the last."""

    words: tuple[str, ...]
    prefix: bool = False

    def fts(self) -> str:
        """The term as an FTS5 string: inside quotes, every character is text."""
        quoted = '"' + " ".join(self.words).replace('"', '""') + '"'
        return quoted + " *" if self.prefix else quoted


@dataclass(frozen=True)
class Query:
    """What a reader typed, as the terms searched; `dropped` terms past MAX_TERMS."""

    text: str
    terms: tuple[Term, ...]
    dropped: int = 0
    quoted: bool = False  # a phrase in quotes among the terms

    def __bool__(self) -> bool:
        return bool(self.terms)

    def expression(self) -> str:
        """The FTS5 query: every term must match, in the searched columns."""
        return f"{SEARCHED} : ({' '.join(term.fts() for term in self.terms)})"


def parse(text: str) -> Query:
    """A reader's query -> the terms to search.

    Text between two double quotes is a phrase; an odd quote out is ignored. Outside
    quotes, each word is a term, and words joined by punctuation (`le-drian`, `u.s.`) are
    the phrase they make. The last term, when typed outside quotes and long enough, is
    a prefix. Repeated terms count once; past MAX_TERMS, the rest are dropped.
    """
    segments = unicodedata.normalize("NFC", text).translate(_QUOTES).split('"')
    unmatched = len(segments) % 2 == 0  # an odd number of quotes: the last opens nothing
    terms: list[tuple[tuple[str, ...], bool]] = []
    for number, segment in enumerate(segments):
        if number % 2 and not (unmatched and number == len(segments) - 1):
            terms.append((tuple(_WORD.findall(segment)), True))
        else:
            terms.extend((tuple(_WORD.findall(chunk)), False) for chunk in segment.split())
    unique: dict[tuple[str, ...], bool] = {}
    for words, quoted in terms:
        if words:
            unique.setdefault(tuple(word.casefold() for word in words), quoted)
    found = [(words, quoted) for words, quoted in unique.items()]
    kept = found[:MAX_TERMS]
    result = [Term(words) for words, _ in kept]
    if kept and kept[-1] == found[-1]:
        words, quoted = kept[-1]
        if not quoted and len(words[-1]) >= MIN_PREFIX:
            result[-1] = Term(words, prefix=True)
    return Query(text=text, terms=tuple(result), dropped=len(found) - len(kept),
                 quoted=any(quoted for _, quoted in kept))


# --- Searching ------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    slug: str
    title: Markup  # the headline, matched words in <mark>
    snippet: Markup  # words around the matches in the text, matched words in <mark>


@dataclass(frozen=True)
class Results:
    hits: tuple[Hit, ...]
    total: int  # matches counted: at most CANDIDATES
    more: bool = False  # more than CANDIDATES matched (the newest CANDIDATES are ranked)
    left_out: tuple[str, ...] = ()  # common words not searched (see SearchIndex.plan)
    newest_first: bool = False  # every word was common: no ranking, newest first


@dataclass(frozen=True)
class Plan:
    """What is searched for a query on this index, and how the matches are ordered."""

    terms: tuple[Term, ...]
    left_out: tuple[Term, ...] = ()
    ranked: bool = True


# The newest :candidates matches: how many (up to :candidates) and the oldest's rowid.
_CANDIDATES = """
SELECT count(*), max(rowid) FROM (
    SELECT rowid FROM docs WHERE docs MATCH :query ORDER BY rowid LIMIT :candidates)
"""
# A page of the candidates, best first, with their marked headline and snippet. FTS5
# sorts by `rank` itself (here BM25 with the columns' weights) and computes the marks for
# the rows returned only, in the same pass: one reading of the query (a prefix's matches
# are merged once per statement).
_MARKS = f"""highlight(docs, {TITLE_COLUMN}, '{OPEN}', '{CLOSE}'),
       snippet(docs, {BODY_COLUMN}, '{OPEN}', '{CLOSE}', '{ELLIPSIS}', {SNIPPET_TOKENS})"""
_RANKED = f"""
SELECT rowid, {_MARKS} FROM docs
WHERE docs MATCH :query AND rank MATCH 'bm25({", ".join(map(str, WEIGHTS))})'
      AND rowid <= :bound
ORDER BY rank LIMIT :limit OFFSET :offset
"""
_NEWEST = f"""
SELECT rowid, {_MARKS} FROM docs
WHERE docs MATCH :query AND rowid <= :bound ORDER BY rowid LIMIT :limit OFFSET :offset
"""
# A term is common when it is in more than half of the newest COMMON_WINDOW articles.
COMMON_WINDOW = 200


def marked(text: str) -> Markup:
    """FTS5's output as HTML: the text escaped, each OPEN ... CLOSE a <mark>.

    The markers are control characters that clean() keeps out of the index, so neither an
    article nor a query can forge one; an unbalanced marker is closed or dropped.
    """
    parts, inside = [], False
    for piece in re.split(f"([{OPEN}{CLOSE}])", text.strip()):
        if piece == OPEN:
            if not inside:
                parts.append("<mark>")
            inside = True
        elif piece == CLOSE:
            if inside:
                parts.append("</mark>")
            inside = False
        else:
            parts.append(str(escape(piece)))
    if inside:
        parts.append("</mark>")
    return Markup("".join(parts))


def _searched(terms: Iterable[Term]) -> str:
    return f"{SEARCHED} : ({' '.join(term.fts() for term in terms)})"


class SearchIndex:
    """One index file, opened read-only; one connection per thread (sqlite3's rule)."""

    def __init__(self, path: Path, key: str):
        self.path = path
        # immutable: the file never changes once renamed into place, so SQLite takes no
        # locks and never checks it for changes.
        self._uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        self._local = threading.local()
        info = dict(self._connection().execute("SELECT name, value FROM info"))
        if info["key"] != key or info["schema"] != str(SCHEMA_VERSION):
            raise ValueError(f"made for {info['key']} (schema {info['schema']})")
        self.sections: tuple[str, ...] = tuple(json.loads(info["sections"]))
        self.years: tuple[int, ...] = tuple(json.loads(info["years"]))
        self.size = int(info["articles"])
        self._sections = {section.casefold(): section for section in self.sections}
        # The rowid of the newest COMMON_WINDOW-th article: rowids are spaced, not counted.
        self._window = min(self.size, COMMON_WINDOW)
        bound = self._connection().execute("SELECT id FROM articles ORDER BY id LIMIT 1 "
                                           "OFFSET ?", (max(self._window - 1, 0),)).fetchone()
        self._window_bound = bound[0] if bound else 0

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection; a process forked after it was opened (gunicorn with
        preload_app) opens its own, since SQLite connections must not cross a fork."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.db, local.pid = sqlite3.connect(self._uri, uri=True), os.getpid()
        return local.db

    def section(self, name: str) -> str | None:
        """The section called `name` (any case), or None if there is none."""
        return self._sections.get(name.casefold())

    def _exists(self, db: sqlite3.Connection, term: Term) -> bool:
        return db.execute("SELECT 1 FROM docs WHERE docs MATCH ? LIMIT 1",
                          (_searched([term]),)).fetchone() is not None

    def _common(self, db: sqlite3.Connection, term: Term) -> bool:
        (count,) = db.execute("SELECT count(*) FROM docs WHERE docs MATCH ? AND rowid <= ?",
                              (_searched([term]), self._window_bound)).fetchone()
        return count * 2 > self._window

    def plan(self, query: Query) -> Plan:
        """The terms searched for `query`, and whether BM25 ranks their matches.

        The last word is a prefix only when it is not a word of the index (`strat`, not
        `the`). A term in more than half the articles is left out when the query has
        others: BM25 gives such a term no weight (FTS5 clamps its IDF), and counting its
        matches for that weight is the slowest part of a query (8 ms for `the` at 100,000
        articles). A query of common terms only is searched whole, newest first.
        """
        db = self._connection()
        terms = list(query.terms)
        if terms and terms[-1].prefix and self._exists(db, Term(terms[-1].words)):
            terms[-1] = Term(terms[-1].words)
        common = tuple(term for term in terms if self._common(db, term))
        kept = tuple(term for term in terms if term not in common)
        if not kept:
            return Plan(tuple(terms), ranked=False)
        return Plan(kept, common)

    def expression(self, terms: Iterable[Term], section: str | None = None,
                   year: int | None = None) -> str:
        expression = _searched(terms)
        if section is not None:
            expression += f' AND facets : "{_section_token(self._sections[section.casefold()])}"'
        if year is not None:
            expression += f' AND facets : "{_year_token(year)}"'
        return expression

    def search(self, query: Query, page: int = 1, per_page: int = 10,
               section: str | None = None, year: int | None = None) -> Results:
        """Page `page` of the matches of `query`, best first; no hits past the last page."""
        if not query:
            return Results((), 0)
        db = self._connection()
        try:
            plan = self.plan(query)
            expression = self.expression(plan.terms, section, year)
            total, bound = db.execute(_CANDIDATES, {
                "query": expression, "candidates": CANDIDATES + 1}).fetchone()
            rows = db.execute(_RANKED if plan.ranked else _NEWEST, {
                "query": expression, "bound": bound or 0, "limit": per_page,
                "offset": (page - 1) * per_page}).fetchall()
            slugs = self._slugs(db, [rowid for rowid, _, _ in rows])
        except sqlite3.OperationalError as error:
            # Every term is quoted, so FTS5 should never fail to read a query; if it
            # does, the reader gets "no results", not a server error.
            log.warning("search for %r failed: %s", query.text, error)
            return Results((), 0)
        hits = tuple(Hit(slugs[rowid], marked(title), marked(snippet))
                     for rowid, title, snippet in rows)
        return Results(hits, min(total, CANDIDATES), total > CANDIDATES,
                       tuple(" ".join(term.words) for term in plan.left_out),
                       newest_first=not plan.ranked)

    def _slugs(self, db: sqlite3.Connection, rowids: list[int]) -> dict[int, str]:
        if not rowids:
            return {}
        return dict(db.execute(f"SELECT id, slug FROM articles WHERE id IN "
                               f"({', '.join('?' * len(rowids))})", rowids))
