"""Full-text search: an SQLite FTS5 index on disk, built once per content version, and the
translation of what a reader types into a query that FTS5 cannot misread.

Why FTS5: it ships with Python's sqlite3, ranks with BM25 (per-column weights, so the
headline counts more than the body), cuts snippets around the matches, and its tokenizer
folds case and accents (unicode61 remove_diacritics 2: `defense` finds `Défense`) and
stems English (porter: `ministers` finds `minister`). No service to run, nothing in
JavaScript.

The index is a file, CACHE_DIR/search/<key>.sqlite, where the key hashes the schema
version and every indexed field of every article (content_key). The first worker that
needs it builds it under a lock file, into a temporary name, and renames it into place;
the workers that start beside it wait on the lock, then open the finished file read-only.
So no worker ever sees half an index, four workers starting together build it once, and a
HUP with new content gives a new key, hence a new file. A build that fails leaves every
existing file as it was and stops start-up with one message (SearchIndexError). The most
recently used KEEP files stay; older ones are removed.

Ranking: BM25 over the newest CANDIDATES matches (rowids follow the store's order, newest
first, and FTS5 hands matches out in rowid order). A query matching fewer articles than
that (almost every query with a specific word) is ranked over all its matches; a common
word at 100,000 articles would otherwise cost BM25 over every article (over 100 ms) for
each page of results. A term in most articles is left out of a query that has others, as
BM25 gives it no weight anyway (SearchIndex.plan). docs/search.md has the measurements.

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
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from .articles import Article

log = logging.getLogger(__name__)

# The key hashes this and SCHEMA's text, so every site builds a fresh index on its next
# start when either changes: bump it when the indexed text changes (plain_text, _body,
# _extra, the facets).
SCHEMA_VERSION = 1
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


def _section_token(number: int) -> str:
    return f"zsection{number}"


def _year_token(year: int) -> str:
    return f"zyear{year}"


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


def _rows(articles: Sequence[Article], sections: dict[str, int]) -> Iterator[tuple]:
    for rowid, article in enumerate(articles, start=1):
        facets = [_year_token(article.published.year)]
        if article.section:
            facets.append(_section_token(sections[article.section]))
        yield (rowid, clean(article.title), _extra(article), _body(article), " ".join(facets))


def build(path: Path, articles: Sequence[Article], key: str) -> None:
    """Write the index of `articles` (in the store's order) to `path`, whole or not at all:
    it is written under a temporary name and renamed into place once complete."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    sections = sorted({article.section for article in articles if article.section})
    numbers = {section: number for number, section in enumerate(sections)}
    years = sorted({article.published.year for article in articles}, reverse=True)
    try:
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            # One writer, a file nobody reads until it is renamed: no journal, no syncs
            # until the end. 8 KiB pages hold an article's text with less waste than 4 KiB.
            db.executescript("PRAGMA page_size = 8192; PRAGMA journal_mode = OFF;"
                             "PRAGMA synchronous = OFF;" + SCHEMA)
            db.execute("BEGIN")
            # No merging while loading (it made the load twice as slow at 100,000
            # articles): the 'optimize' below merges everything once.
            db.execute("INSERT INTO docs (docs, rank) VALUES ('automerge', 0)")
            db.execute("INSERT INTO docs (docs, rank) VALUES ('crisismerge', 10000)")
            db.executemany("INSERT INTO articles (id, slug) VALUES (?, ?)",
                           enumerate((article.slug for article in articles), start=1))
            db.executemany(f"INSERT INTO docs (rowid, {', '.join(COLUMNS)}) "
                           "VALUES (?, ?, ?, ?, ?)", _rows(articles, numbers))
            # One merged segment: faster queries, and the file never changes again.
            db.execute("INSERT INTO docs (docs) VALUES ('optimize')")
            db.executemany("INSERT INTO info (name, value) VALUES (?, ?)", [
                ("key", key), ("schema", str(SCHEMA_VERSION)), ("articles", str(len(articles))),
                ("sections", json.dumps(sections)), ("years", json.dumps(years))])
            db.execute("COMMIT")
        finally:
            db.close()
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
        _sync_directory(path.parent)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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

def open_index(directory: Path, articles: Sequence[Article],
               key: str | None = None) -> SearchIndex:
    """The index of `articles` in `directory`, built first if no worker has built it yet.

    `key` names the content version (content_key(articles) when not given). Raises
    SearchIndexError, with the folder and the reason, when it can be neither opened nor
    built.
    """
    key = key or content_key(articles)
    path = directory / f"{key}.sqlite"
    index = _try_open(path, key)
    if index is None:
        try:
            _build_once(directory, path, articles, key)
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


def _build_once(directory: Path, path: Path, articles: Sequence[Article], key: str) -> None:
    """Build `path` unless another process does: the lock file makes the workers that
    start together wait for the first one's build instead of each building their own."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{key}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released on close, or by the kernel if we die
        if _try_open(path, key) is not None:
            return  # built by the worker we waited for
        began = time.monotonic()
        build(path, articles, key)
        log.info("search index of %d articles built in %.1f s: %s", len(articles),
                 time.monotonic() - began, path)
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
        self._section_numbers = {section.casefold(): number
                                 for number, section in enumerate(self.sections)}

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection; a process forked after it was opened (gunicorn with
        preload_app) opens its own, since SQLite connections must not cross a fork."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.db, local.pid = sqlite3.connect(self._uri, uri=True), os.getpid()
        return local.db

    def section(self, name: str) -> str | None:
        """The section called `name` (any case), or None if there is none."""
        number = self._section_numbers.get(name.casefold())
        return None if number is None else self.sections[number]

    def _exists(self, db: sqlite3.Connection, term: Term) -> bool:
        return db.execute("SELECT 1 FROM docs WHERE docs MATCH ? LIMIT 1",
                          (_searched([term]),)).fetchone() is not None

    def _common(self, db: sqlite3.Connection, term: Term) -> bool:
        window = min(self.size, COMMON_WINDOW)
        (count,) = db.execute("SELECT count(*) FROM docs WHERE docs MATCH ? AND rowid <= ?",
                              (_searched([term]), window)).fetchone()
        return count * 2 > window

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
            number = self._section_numbers[section.casefold()]
            expression += f' AND facets : "{_section_token(number)}"'
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
