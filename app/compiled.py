"""The compiled content: the article and author files parsed once per content version into
one SQLite file under CACHE_DIR/content/, which every worker opens instead of parsing.

Why: parsing is the whole of start-up (about 0.3 ms of CPU an article), and every
worker did it at every start: 54 s and 432 MiB a worker at 100,000 articles. Now:

- **One file per content version**, `CACHE_DIR/content/<key>.sqlite`. The key hashes
  the code that reads the files (CODE_KEY: this module's, content.py's, listings.py's,
  articles.py's and media.py's source, the versions of the libraries that parse and
  slugify, the pictures' settings), the content folder and the site's time zone, and
  every file's bytes (and the pictures each article shows). Once renamed into place a
  file never changes; workers open it read-only (`immutable`).
- **Workers keep what listings need, and little of it**: the store (CompiledStore)
  reads an article's row when a page needs it and its body when the page is rendered,
  keeping the most recently used CACHED_ARTICLES; listings are their names and counts,
  their members' positions read when first used (four bytes an article). Pages are
  rendered once and kept in the page cache, so a cached page never reads the file.
- **Found without reading a file**: each start scans the folders (names, sizes,
  modification times, inodes: no file is opened) and hashes what it finds (scan()). The
  last build for this folder and code (`<lineage>.seen`) says which version those stats
  gave: if they match, the worker opens that file at once. Stats of a file changed less
  than RACY_NS before the scan are not trusted (a file rewritten within the clock's tick
  keeps its time): then the build below runs and finds the same key.
- **Built once, by one process, only for what changed**: the first worker takes the
  lock (`<lineage>.lock`); the others wait, then find the file it made. The build reads
  the previous version's per-file records (name, size, modification time, inode, hash
  of the bytes, the pictures used): a file whose stats are the same keeps its record
  unread; a file with the same bytes and pictures keeps its parsed article; only the
  rest is parsed (content.check_article). Then the checks between files (the same
  slug, the same text, names making one address, dates the archive cannot place), the
  reading order, the listings and the search index (patched from the previous one when
  few articles changed, app/search.py). A large build runs in a forked process of its
  own, so the worker that waited does not keep the memory it took.
- **Whole or not at all**: the build writes a temporary file, fsyncs it and renames it
  into place. Problems found (every one, with file and line) are stored in the file and
  raised (ContentErrors) by every worker that opens it, and their files are parsed
  again at the next build while the others keep their records.
- `flask articles check` runs the same build without writing anything (check()), reusing
  the site's last records, so it reports exactly what start-up would.

The most recently used KEEP files stay; older ones are removed after a build (a worker of
the previous version that still has one open keeps reading it).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import signal
import sqlite3
import sys
import threading
import time
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, tzinfo
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from . import articles as articles_module
from . import content, files, listings, media, search
from .articles import Article, Author, Store
from .config import ConfigError
from .content import ContentError, ContentErrors
from .listings import Listing, Listings, Members
from .media import Figure, Picture, PictureProblem, Pictures, Variant

log = logging.getLogger(__name__)

# Bump when what is stored changes in a way the sources hashed below do not show.
VERSION = 1
FOLDER = "content"  # in CACHE_DIR
KEEP = 4
# A file whose modification time is this close to the scan (or later) may change again
# within the same clock tick unseen: its stats are not trusted by the next start.
RACY_NS = 2_000_000_000
# From this many content files, a build runs in a forked process of its own.
CHILD_FROM = 5000
# A first build (nothing to reuse) of a folder of this many files parses them in this
# many processes at once.
PARALLEL_FROM = 2000
PROCESSES = os.cpu_count() or 1
PARSE_TIMEOUT_S = 300  # for one file's result from a parsing process
# Articles each worker keeps read (the rest are read again when a page needs them).
CACHED_ARTICLES = 2048
# A temporary file untouched for this long belongs to a build that died.
STALE_BUILD_S = 3600
LIBRARIES = ("markdown-it-py", "mdurl", "PyYAML", "python-frontmatter", "python-slugify",
             "text-unidecode", "Unidecode")


class BuildError(ConfigError):
    """The compiled content cannot be written (an unwritable CACHE_DIR, a full disk)."""


def _digest(*parts: str, size: int = 16) -> str:
    hasher = hashlib.blake2b(digest_size=size)
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def _code_key() -> str:
    """What the compiled form depends on besides the files: the code that reads them."""
    parts = [f"compiled content {VERSION}", media.SETTINGS]
    for module in (articles_module, content, listings, media):
        parts.append(Path(module.__file__).read_text(encoding="utf-8"))
    parts.append(Path(__file__).read_text(encoding="utf-8"))
    for name in LIBRARIES:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} -")
    return _digest(*parts)


CODE_KEY = _code_key()


def lineage(content_dir: Path, zone: tzinfo) -> str:
    """The versions of one content folder read by this code in this time zone: what the
    scan's record and the build's lock are named after."""
    return _digest(CODE_KEY, str(content_dir), str(zone))


# --- Scanning: the folders' stats, no file opened ----------------------------------------

@dataclass(frozen=True)
class Scan:
    """A content folder as its directory entries show it."""

    stats: str  # a hash of every content file's name, size, modification time and inode
    files: int  # article and author files
    trusted: bool  # no file changed within RACY_NS of the scan


class _Stats:
    """An order-free hash of file identities (a sum of their hashes): a folder of a
    million files is hashed as it is listed, without holding or sorting its names."""

    def __init__(self):
        self.total = 0
        self.count = 0
        self.newest = 0

    def add(self, kind: str, name: str, identity: tuple[int, int, int] | None) -> None:
        size, mtime, inode = identity or (-1, -1, -1)
        hashed = hashlib.blake2b(f"{kind}\0{name}\0{size}\0{mtime}\0{inode}".encode(
            "utf-8", "surrogateescape"), digest_size=16).digest()
        self.total = (self.total + int.from_bytes(hashed, "little")) % 2**128
        self.count += 1
        self.newest = max(self.newest, mtime)

    def digest(self) -> str:
        return _digest(f"{self.total:032x}", str(self.count))


def identity(path: str | Path | os.DirEntry) -> tuple[int, int, int] | None:
    """(size, modification time in ns, inode) of a file, or None if it cannot be stat'ed."""
    try:
        status = path.stat() if isinstance(path, os.DirEntry) else os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns, status.st_ino


def _read(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


# An article's authors and tags, stored as one text: content.py refuses this character in
# any name (it is a control character, which feeds and pages cannot carry).
NAMES = "\x1f"


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split(NAMES)) if text else ()


def _packed(body_html: str) -> bytes:
    """A body as stored: compressed (half the size or less, so builds copy and workers
    read half as much), and read back in microseconds."""
    return zlib.compress(body_html.encode("utf-8", "surrogatepass"), 6)


def _unpacked(stored: bytes) -> str:
    return zlib.decompress(stored).decode("utf-8", "surrogatepass")


def _folders(content_dir: Path) -> tuple[tuple[str, Path], ...]:
    return (("articles", content.articles_dir(content_dir)),
            ("authors", content.authors_dir(content_dir)))


def scan(content_dir: Path, pictures: Pictures) -> Scan:
    """The stats of every article, author and picture file: what the build would read."""
    began = time.time_ns()
    stats = _Stats()
    articles_and_authors = 0
    for kind, directory in _folders(content_dir):
        try:
            entries = os.scandir(directory)
        except OSError:
            stats.add(kind, "", None)  # no folder: not the same as an empty one
            continue
        with entries:
            for entry in entries:
                if entry.name.endswith(".md") and not entry.name.startswith("."):
                    stats.add(kind, entry.name, identity(entry))
                    articles_and_authors += 1
    for source in pictures.media_files():
        stats.add("media", source, identity(Path(content_dir) / source))
    return Scan(stats.digest(), articles_and_authors, stats.newest < began - RACY_NS)


# --- Opening -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Content:
    """One compiled content version, open: what create_app puts in the site's state."""

    key: str
    path: Path
    store: CompiledStore
    listings: Listings
    authors: tuple[Author, ...]

    @property
    def search_key(self) -> str:
        return search.key_for(self.key)


def open_content(content_dir: Path, cache_dir: Path, zone: tzinfo, pictures: Pictures
                 ) -> Content:
    """The compiled content of `content_dir`, built first if no process has built it for
    the files as they are now. Raises ContentErrors (every problem, as `flask articles
    check` lists them), BuildError, or SearchIndexError."""
    content_dir, folder = Path(content_dir), Path(cache_dir) / FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BuildError(f"CACHE_DIR {cache_dir} cannot be written ({error.strerror}); the "
                         "site keeps its compiled content there") from None
    line = lineage(content_dir, zone)
    found = scan(content_dir, pictures)
    key = _seen(folder, line, found.stats)
    if key is None:
        with _locked(folder / f"{line}.lock") as waited:
            # Built by the process we waited for, from the files as we found them.
            key = _seen(folder, line, found.stats, waited)
            if key is None:
                key = _build_once(content_dir, Path(cache_dir), line, zone, pictures, found)
        cleanup(folder)
    path = folder / f"{key}.sqlite"
    try:
        os.utime(path)  # in use: cleanup() keeps the most recently used files
    except OSError:
        pass
    return load(path)


def _seen(folder: Path, line: str, stats: str, waited: bool = False) -> str | None:
    """The key the last build recorded for these stats, if its file is there and the
    stats could be trusted; or, for a worker that `waited` for that build (workers
    starting together), whatever their age: it read the files this worker scanned."""
    try:
        seen = json.loads((folder / f"{line}.seen").read_text(encoding="utf-8"))
        if seen["stats"] != stats or not (folder / f"{seen['key']}.sqlite").is_file():
            return None
        if seen["trusted"] or waited:
            return seen["key"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _previous_key(folder: Path, line: str) -> str | None:
    """The key of the last build for this lineage, whatever the stats now."""
    try:
        key = json.loads((folder / f"{line}.seen").read_text(encoding="utf-8"))["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return key if (folder / f"{key}.sqlite").is_file() else None


@contextmanager
def _locked(path: Path) -> Iterator[bool]:
    """Hold the lock at `path`; yields whether another process held it first."""
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            waited = False
        except BlockingIOError:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released on close, or if we die
            waited = True
        yield waited


def load(path: Path) -> Content:
    """Open a compiled file; ContentErrors if its build found problems."""
    db = Database(path)
    info = db.info()
    problems = json.loads(info["problems"])
    if problems:
        raise ContentErrors([ContentError(*problem) for problem in problems])
    store = CompiledStore(db, int(info["articles"]), _moment(info["last_change"] or None),
                          info["key"])
    authors = tuple(Author(slug, name, bio, source)
                    for slug, name, bio, source in db.all(_AUTHORS))
    by_path = {}
    for path_text, name, modified, count, bio_html, source_path in db.all(_LISTINGS):
        by_path[tuple(path_text.split("/"))] = Listing(
            path=tuple(path_text.split("/")), name=name,
            articles=Members(store, count=count, load=partial(db.positions, path_text)),
            modified=_moment(modified), bio_html=bio_html, source_path=source_path)
    found = listings.assemble(store, by_path, store.last_change())
    return Content(info["key"], path, store, found, authors)


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# --- Reading: one connection per thread ----------------------------------------------------

_ARTICLE = ("o.position, a.seq, a.slug, a.title, a.summary, a.published, a.updated, "
            "a.authors, a.dateline, a.section, a.tags, a.image, a.image_credit, "
            "a.source_url, a.source_path")
_BY_SLUG = (f"SELECT {_ARTICLE} FROM articles a JOIN reading_order o ON o.seq = a.seq "
            "WHERE a.slug = ?")
_AT = (f"SELECT {_ARTICLE} FROM reading_order o JOIN articles a ON a.seq = o.seq "
       "WHERE o.position = ?")
_RANGE = (f"SELECT {_ARTICLE}, {{body}} FROM reading_order o JOIN articles a ON a.seq = o.seq "
          "{join} WHERE o.position >= ? AND o.position < ? ORDER BY o.position")
_AUTHORS = "SELECT slug, name, bio_html, source_path FROM authors ORDER BY seq"
_LISTINGS = ("SELECT path, name, modified, count, bio_html, source_path FROM listings "
             "ORDER BY path")


class Database:
    """One compiled file, read-only; a connection per thread (and per process: a
    connection must not cross a fork)."""

    def __init__(self, path: Path):
        self.path = path
        # immutable: the file never changes once renamed into place, so SQLite takes no
        # locks and never checks it for changes.
        self._uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.db, local.pid = sqlite3.connect(self._uri, uri=True), os.getpid()
        return local.db

    def one(self, sql: str, *values) -> tuple | None:
        return self.connection().execute(sql, values).fetchone()

    def all(self, sql: str, *values) -> list[tuple]:
        return self.connection().execute(sql, values).fetchall()

    def info(self) -> dict[str, str]:
        return dict(self.all("SELECT name, value FROM info"))

    def body(self, seq: int) -> str:
        return _unpacked(self.one("SELECT html FROM bodies WHERE seq = ?", seq)[0])

    def positions(self, path: str) -> array:
        found = array("i")
        found.frombytes(self.one("SELECT positions FROM listings WHERE path = ?", path)[0])
        return found


class StoredArticle(Article):
    """An Article read from the compiled content: its body is read when first used."""

    def __init__(self, db: Database, seq: int, body: str | None = None, **fields):
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_db", db)
        object.__setattr__(self, "_seq", seq)
        object.__setattr__(self, "_body", body)

    @property
    def body_html(self) -> str:
        body = self._body
        if body is None:
            body = self._db.body(self._seq)
            object.__setattr__(self, "_body", body)
        return body


def _figure(text: str | None) -> Figure | None:
    if text is None:
        return None
    data = json.loads(text)
    shown = data["picture"]
    picture = Picture(source=shown["source"], width=shown["width"], height=shown["height"],
                      variants=tuple(Variant(**v) for v in shown["variants"]),
                      card=Variant(**shown["card"]))
    return Figure(picture, data["alt"], data["caption"], data["credit"])


class CompiledStore(Store):
    """The articles of a compiled file in reading order (articles.Store), read as pages
    need them; the most recently used CACHED_ARTICLES are kept."""

    def __init__(self, db: Database, count: int, last_change: datetime | None,
                 version: str = ""):
        self._db = db
        self.version = version  # the compiled content's key
        self._count = count
        self._last_change = last_change
        self._kept: OrderedDict[int, StoredArticle] = OrderedDict()  # by position
        self._positions: dict[str, int] = {}  # slug -> position, of the kept ones
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def last_change(self) -> datetime | None:
        return self._last_change

    def _article(self, row: tuple, body: str | None = None) -> StoredArticle:
        (position, seq, slug, title, summary, published, updated, authors, dateline,
         section, tags, image, image_credit, source_url, source_path) = row
        article = StoredArticle(
            self._db, seq, body, slug=slug, title=title, summary=summary,
            published=datetime.fromisoformat(published), updated=_moment(updated),
            authors=_names(authors), dateline=dateline, section=section,
            tags=_names(tags), image=_figure(image), image_credit=image_credit,
            source_url=source_url, source_path=source_path)
        object.__setattr__(article, "_position", position)
        return article

    def _cached(self, position: int) -> StoredArticle | None:
        with self._lock:
            article = self._kept.get(position)
            if article is not None:
                self._kept.move_to_end(position)
            return article

    def _keep(self, article: StoredArticle) -> StoredArticle:
        with self._lock:
            self._kept[article._position] = article
            self._positions[article.slug] = article._position
            while len(self._kept) > CACHED_ARTICLES:
                _, dropped = self._kept.popitem(last=False)
                self._positions.pop(dropped.slug, None)
        return article

    def get(self, slug: str) -> Article | None:
        position = self._positions.get(slug)
        if position is not None:
            article = self._cached(position)
            if article is not None:
                return article
        row = self._db.one(_BY_SLUG, slug)
        return None if row is None else self._keep(self._article(row))

    def position(self, slug: str) -> int | None:
        position = self._positions.get(slug)
        if position is not None:
            return position
        article = self.get(slug)
        return None if article is None else article._position

    def at(self, position: int) -> Article:
        if not 0 <= position < self._count:
            raise IndexError(f"no article at position {position}")
        article = self._cached(position)
        if article is None:
            article = self._keep(self._article(self._db.one(_AT, position)))
        return article

    def slice(self, start: int, stop: int, bodies: bool = False) -> Iterator[Article]:
        """The articles from `start` to before `stop`, read in growing batches (a scan
        that stops early reads little) and not kept (a sitemap does not push the pages'
        articles out). With `bodies`, their bodies are read along with them."""
        start, stop = max(0, start), min(stop, self._count)
        sql = _RANGE.format(body="b.html" if bodies else "NULL",
                            join="JOIN bodies b ON b.seq = a.seq" if bodies else "")
        batch = 32
        while start < stop:
            end = min(stop, start + batch)
            for row in self._db.all(sql, start, end):
                body = None if row[-1] is None else _unpacked(row[-1])
                yield self._cached(row[0]) or self._article(row[:-1], body)
            start, batch = end, min(batch * 2, 1024)

    def with_bodies(self) -> _WithBodies:
        """The store to read whole, bodies included (the search index's build)."""
        return _WithBodies(self)


class _WithBodies:
    def __init__(self, store: CompiledStore):
        self.store = store

    def __len__(self) -> int:
        return len(self.store)

    def __iter__(self) -> Iterator[Article]:
        return self.store.slice(0, len(self.store), bodies=True)


# --- Building ------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE info (name TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Every content file read, in reading order (articles then authors, by name): what the
-- next build reuses. `pictures`: the pictures the file showed, as JSON {reference: print}.
CREATE TABLE files (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
                    size INTEGER, mtime_ns INTEGER, inode INTEGER, digest TEXT,
                    pictures TEXT NOT NULL, problems TEXT);
CREATE TABLE articles (seq INTEGER PRIMARY KEY, slug TEXT NOT NULL, title TEXT NOT NULL,
                       summary TEXT NOT NULL, published TEXT NOT NULL, updated TEXT,
                       authors TEXT NOT NULL, dateline TEXT NOT NULL, section TEXT NOT NULL,
                       tags TEXT NOT NULL, image TEXT, image_credit TEXT, source_url TEXT,
                       source_path TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE bodies (seq INTEGER PRIMARY KEY, html BLOB NOT NULL);  -- zlib, _packed
CREATE TABLE authors (seq INTEGER PRIMARY KEY, slug TEXT NOT NULL, name TEXT NOT NULL,
                      bio_html TEXT NOT NULL, source_path TEXT NOT NULL);
CREATE TABLE reading_order (position INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE listings (path TEXT PRIMARY KEY, name TEXT NOT NULL, modified TEXT,
                       count INTEGER NOT NULL, positions BLOB NOT NULL,
                       bio_html TEXT NOT NULL, source_path TEXT NOT NULL);
"""
INDEXES = """
CREATE UNIQUE INDEX articles_slug ON articles (slug);
CREATE UNIQUE INDEX reading_order_seq ON reading_order (seq);
"""
_ARTICLE_COLUMNS = ("seq, slug, title, summary, published, updated, authors, dateline, "
                    "section, tags, image, image_credit, source_url, source_path, text")


class Facts(NamedTuple):
    """What the checks between files and the listings read of an article: no body."""

    seq: int
    slug: str
    title: str
    published: datetime
    updated: datetime | None
    section: str
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    source_path: str
    text: str  # a hash of the headline and the body (articles.clashes compares it)

    @property
    def modified(self) -> datetime:
        return self.updated or self.published


def _text_hash(title: str, body_html: str) -> str:
    return _digest(title, body_html)


def _picture_print(pictures: Pictures, reference: str) -> str:
    """What `reference` gives now: a hash of the Picture, or the problem."""
    try:
        return _digest(repr(pictures.get(reference)))
    except PictureProblem as problem:
        return f"problem: {problem}"


class _Recording:
    """The site's Pictures, noting what each reference gave (an article's pictures)."""

    def __init__(self, pictures: Pictures):
        self.pictures = pictures
        self.used: dict[str, str] = {}

    def get(self, reference: str) -> Picture:
        self.used[reference] = _picture_print(self.pictures, reference)
        return self.pictures.get(reference)


class _Parsed(NamedTuple):
    """One file parsed: its article or author (None with problems), its problems, the
    pictures it showed (JSON), and for an article the hash of its text and its body
    packed."""

    item: Article | Author | None
    problems: list[ContentError]
    used: str
    text: str = ""
    body: bytes = b""


def _parse_one(kind: str, path: str, raw: bytes, pictures: Pictures) -> _Parsed:
    recording = _Recording(pictures)
    check = (partial(content.check_article, pictures=recording) if kind == "articles"
             else content.check_author)
    item, problems = content.check_bytes(raw, path, check)
    used = json.dumps(recording.used, sort_keys=True)
    if kind == "articles" and item is not None:
        return _Parsed(item, problems, used, _text_hash(item.title, item.body_html),
                       _packed(item.body_html))
    return _Parsed(item, problems, used)


_pool_pictures: Pictures | None = None


def _share_pictures(pictures: Pictures) -> None:
    """A parsing process's start: the build's pictures (inherited through the fork)."""
    global _pool_pictures
    _pool_pictures = pictures
    _default_signals()


def _default_signals() -> None:
    """A process forked by a gunicorn worker inherits its signal handlers, which only
    mark the worker for a graceful exit: a build's own processes end on TERM, as any."""
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP,
                   signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGABRT):
        signal.signal(number, signal.SIG_DFL)


def _parse_chunk(task: tuple[str, str, list[str]]) -> list[tuple]:
    """(stats, hash of the bytes, why unreadable or None, _Parsed) of each file named."""
    kind, folder, names = task
    results = []
    for name in names:
        path = os.path.join(folder, name)
        now = identity(path)
        try:
            raw = _read(path)
        except OSError as error:
            results.append((now, None, error.strerror, None))
            continue
        results.append((now, hashlib.blake2b(raw, digest_size=16).hexdigest(), None,
                        _parse_one(kind, path, raw, _pool_pictures)))
    return results


class _Previous:
    """The last build's file records of one kind, walked in step with this build's
    files (both in name order), so no record is looked up by itself."""

    _SQL = ("SELECT f.seq, f.name, f.size, f.mtime_ns, f.inode, f.digest, f.pictures, "
            "f.problems, {columns} FROM previous.files f LEFT JOIN previous.{table} a "
            "ON a.seq = f.seq WHERE f.kind = ? ORDER BY f.seq")
    _COLUMNS = {"articles": "a.slug, a.title, a.published, a.updated, a.section, a.tags, "
                            "a.authors, a.source_path, a.text",
                "authors": "a.slug, a.name, a.bio_html, a.source_path"}

    def __init__(self, db: sqlite3.Connection | None, kind: str, scanned_ns: int):
        self.scanned_ns = scanned_ns
        self._rows = iter(()) if db is None else db.execute(
            self._SQL.format(columns=self._COLUMNS[kind], table=kind), (kind,))
        self._row = next(self._rows, None)

    def record(self, name: str) -> tuple | None:
        while self._row is not None and self._row[1] < name:
            self._row = next(self._rows, None)
        return self._row if self._row is not None and self._row[1] == name else None

    def trusted(self, row: tuple, now: tuple[int, int, int] | None) -> bool:
        """Whether `row`'s stats are the file's now, and were safe to trust when taken."""
        return now is not None and tuple(row[2:5]) == now and now[1] < self.scanned_ns - RACY_NS


@dataclass
class Outcome:
    """What a build found: the key, every problem, the articles (as Facts, in file
    order, those repeating another left out) and authors; how much was reused."""

    key: str = ""
    problems: list[ContentError] = field(default_factory=list)
    facts: list[Facts] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    reused: int = 0
    parsed: int = 0
    stats: str = ""
    reused_seqs: set[int] = field(default_factory=set)  # articles whose record was reused


class Compiler:
    """One build: reads the files into `db` (a new compiled file, or None for a check
    that writes nothing), reusing the records of `previous` (an earlier compiled file of
    the same lineage, or None)."""

    def __init__(self, content_dir: Path, zone: tzinfo, pictures: Pictures,
                 db: sqlite3.Connection | None, previous: Path | None):
        self.content_dir = content_dir
        self.zone = zone
        self.pictures = pictures
        self.db = db
        self.reading = sqlite3.connect("file::memory:", uri=True) if db is None else db
        self.previous_scanned = 0
        if previous is not None:
            self.reading.execute("ATTACH DATABASE ? AS previous",
                                 (previous.resolve().as_uri() + "?mode=ro&immutable=1",))
            info = dict(self.reading.execute("SELECT name, value FROM previous.info"))
            self.previous_scanned = int(info["scanned_ns"])
        self.has_previous = previous is not None
        self.outcome = Outcome()
        self._key = hashlib.blake2b(f"{CODE_KEY}\0{content_dir}\0{zone}\0".encode(),
                                    digest_size=16)
        self._stats = _Stats()
        self._reused: list[tuple[int, int]] = []  # (seq, previous seq)
        self._rows: dict[str, list[tuple]] = {"files": [], "articles": [], "bodies": [],
                                              "authors": []}

    # Phase 1: each file, reused or parsed.

    def read_files(self) -> None:
        seq = 0
        errors = {"articles": [], "authors": []}
        for kind, directory in _folders(self.content_dir):
            if not directory.is_dir():
                self._stats.add(kind, "", None)
                self._key.update(f"{kind} missing\0".encode())
                if kind == "articles":
                    errors[kind].append(ContentError(str(directory),
                                                     "content directory does not exist"))
                continue
            previous = _Previous(self.reading if self.has_previous else None, kind,
                                 self.previous_scanned)
            folder = str(directory)
            names = content.folder_files(directory)
            if not self.has_previous and len(names) >= PARALLEL_FROM and PROCESSES > 1:
                errors[kind] += self._parse_all(kind, folder, names, seq)
                seq += len(names)
                continue
            for name in names:
                seq += 1
                errors[kind] += self._file(kind, folder, name, seq, previous)
                self._flush(full=False)
        self._flush(full=True)
        for source in self.pictures.media_files():
            self._stats.add("media", source, identity(self.content_dir / source))
        kept, clashes = content.without_clashes(self.outcome.facts, text=lambda f: f.text)
        self.outcome.facts = kept
        self.outcome.problems = (errors["articles"] + clashes + errors["authors"]
                                 + listings.between_files(kept, self.outcome.authors, self.zone))
        self.outcome.key = self._key.hexdigest()
        self.outcome.stats = self._stats.digest()

    def _file(self, kind: str, folder: str, name: str, seq: int,
              previous: _Previous) -> list[ContentError]:
        path = os.path.join(folder, name)
        now = identity(path)
        self._stats.add(kind, name, now)
        old = previous.record(name)
        raw = None
        if old is not None and previous.trusted(old, now):
            digest = old[5]
        else:
            try:
                raw = _read(path)
            except OSError as error:
                self._key.update(f"{kind} {name} unreadable {error.strerror}\0".encode(
                    "utf-8", "surrogateescape"))
                return [content.unreadable(path, error)]
            digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        if old is not None and old[5] == digest and self._pictures_hold(old[6]):
            problems = self._reuse(kind, path, name, seq, old, now)
            used = old[6]
        else:
            if raw is None:
                try:
                    raw = _read(path)
                except OSError as error:
                    return [content.unreadable(path, error)]
                digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
            problems, used = self._parse(kind, path, name, seq, raw, now, digest)
        self._key.update(f"{kind}\0{name}\0{digest}\0{used}\0".encode(
            "utf-8", "surrogateescape"))
        return problems

    def _pictures_hold(self, used: str) -> bool:
        return used == "{}" or all(_picture_print(self.pictures, reference) == printed
                                   for reference, printed in json.loads(used).items())

    def _reuse(self, kind: str, path: str, name: str, seq: int, old: tuple,
               now: tuple[int, int, int] | None) -> list[ContentError]:
        self.outcome.reused += 1
        problems = json.loads(old[7]) if old[7] else []
        self._note_file(seq, kind, name, now, old[5], old[6], problems)
        if problems:
            return [ContentError(path, message, line) for message, line in problems]
        if kind == "articles":
            slug, title, published, updated, section, tags, authors, source_path, text = old[8:]
            self.outcome.facts.append(Facts(
                seq, slug, title, datetime.fromisoformat(published), _moment(updated),
                section, _names(tags), _names(authors), source_path, text))
            self.outcome.reused_seqs.add(seq)
        else:
            self.outcome.authors.append(Author(*old[8:]))
        self._reused.append((seq, old[0]))
        return []

    def _parse(self, kind: str, path: str, name: str, seq: int, raw: bytes,
               now: tuple[int, int, int] | None, digest: str) -> tuple[list[ContentError], str]:
        parsed = _parse_one(kind, path, raw, self.pictures)
        self._record(kind, name, seq, now, digest, parsed)
        return parsed.problems, parsed.used

    def _parse_all(self, kind: str, folder: str, names: list[str], seq: int
                   ) -> list[ContentError]:
        """Every file of a folder parsed by PROCESSES processes (a first build: nothing
        to reuse), recorded in order."""
        errors: list[ContentError] = []
        context = multiprocessing.get_context("fork")
        chunks = [(kind, folder, names[start:start + 64]) for start in range(0, len(names), 64)]
        with context.Pool(PROCESSES, initializer=_share_pictures,
                          initargs=(self.pictures,)) as pool:
            results = pool.imap(_parse_chunk, chunks)
            for _, _, chunk in chunks:
                # Bounded: a result that cannot come back must not hang start-up.
                for name, (now, digest, unreadable, parsed) in zip(
                        chunk, results.next(timeout=PARSE_TIMEOUT_S), strict=True):
                    seq += 1
                    errors += self._parsed_in_pool(kind, folder, name, seq, now, digest,
                                                   unreadable, parsed)
                self._flush(full=False)
            pool.close()  # done: the processes end on their own (terminate on an error)
            pool.join()
        return errors

    def _parsed_in_pool(self, kind: str, folder: str, name: str, seq: int, now, digest,
                        unreadable: str | None, parsed: _Parsed | None) -> list[ContentError]:
        self._stats.add(kind, name, now)
        if unreadable is not None:
            self._key.update(f"{kind} {name} unreadable {unreadable}\0".encode(
                "utf-8", "surrogateescape"))
            return [content.unreadable(os.path.join(folder, name), OSError(0, unreadable))]
        self._record(kind, name, seq, now, digest, parsed)
        self._key.update(f"{kind}\0{name}\0{digest}\0{parsed.used}\0".encode(
            "utf-8", "surrogateescape"))
        return parsed.problems

    def _record(self, kind: str, name: str, seq: int, now: tuple[int, int, int] | None,
                digest: str, parsed: _Parsed) -> None:
        """Note what parsing one file gave: its record, and its article's or author's."""
        self.outcome.parsed += 1
        self._note_file(seq, kind, name, now, digest, parsed.used,
                        [(problem.message, problem.line) for problem in parsed.problems])
        item = parsed.item
        if item is None:
            return
        if kind == "authors":
            self.outcome.authors.append(item)
            self._rows["authors"].append((seq, item.slug, item.name, item.bio_html,
                                          item.source_path))
            return
        self.outcome.facts.append(Facts(
            seq, item.slug, item.title, item.published, item.updated, item.section,
            item.tags, item.authors, item.source_path, parsed.text))
        self._rows["articles"].append((
            seq, item.slug, item.title, item.summary, item.published.isoformat(),
            item.updated.isoformat() if item.updated else None, NAMES.join(item.authors),
            item.dateline, item.section, NAMES.join(item.tags),
            json.dumps(asdict(item.image)) if item.image else None, item.image_credit,
            item.source_url, item.source_path, parsed.text))
        self._rows["bodies"].append((seq, parsed.body))

    def _note_file(self, seq: int, kind: str, name: str, now, digest: str, used: str,
                   problems: list) -> None:
        size, mtime, inode = now or (None, None, None)
        self._rows["files"].append((seq, kind, name, size, mtime, inode, digest, used,
                                    json.dumps(problems) if problems else None))

    _INSERTS = {"files": "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "articles": f"INSERT INTO articles ({_ARTICLE_COLUMNS}) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "bodies": "INSERT INTO bodies VALUES (?, ?)",
                "authors": "INSERT INTO authors VALUES (?, ?, ?, ?, ?)"}

    def _flush(self, full: bool) -> None:
        """Write the rows gathered so far (in batches, so a build's memory stays small)."""
        if not full and len(self._rows["files"]) < 1000:
            return
        for table, rows in self._rows.items():
            if self.db is not None and rows:
                self.db.executemany(self._INSERTS[table], rows)
            rows.clear()

    def copy_reused(self) -> None:
        """The reused records, copied from the previous file by SQLite itself."""
        if self.db is None or not self._reused:
            return
        db = self.db
        db.execute("CREATE TEMP TABLE reuse (seq INTEGER PRIMARY KEY, old INTEGER NOT NULL)")
        db.executemany("INSERT INTO reuse VALUES (?, ?)", self._reused)
        columns = _ARTICLE_COLUMNS.replace("seq, ", "", 1)
        db.execute(f"INSERT INTO articles ({_ARTICLE_COLUMNS}) SELECT r.seq, "
                   f"{', '.join('p.' + c for c in columns.split(', '))} FROM reuse r "
                   "JOIN previous.articles p ON p.seq = r.old")
        db.execute("INSERT INTO bodies SELECT r.seq, p.html FROM reuse r "
                   "JOIN previous.bodies p ON p.seq = r.old")
        db.execute("INSERT INTO authors SELECT r.seq, p.slug, p.name, p.bio_html, "
                   "p.source_path FROM reuse r JOIN previous.authors p ON p.seq = r.old")
        db.execute("DROP TABLE reuse")

    # Phase 2: the reading order and the listings.

    def order(self) -> list[Facts]:
        """The articles in reading order, as articles.ArticleStore orders them."""
        ordered = sorted(self.outcome.facts, key=lambda facts: facts.slug)
        ordered.sort(key=lambda facts: facts.published, reverse=True)
        return ordered

    def write_order_and_listings(self, ordered: list[Facts]) -> datetime | None:
        db = self.db
        db.executemany("INSERT INTO reading_order VALUES (?, ?)",
                       ((position, facts.seq) for position, facts in enumerate(ordered)))
        for statement in INDEXES.strip().split(";"):
            if statement.strip():
                db.execute(statement)
        found = listings.collect(ordered, self.zone)
        bios = {("authors", author.slug): author for author in self.outcome.authors}
        db.executemany("INSERT INTO listings VALUES (?, ?, ?, ?, ?, ?, ?)", (
            ("/".join(path), found.names[path], found.modified[path].isoformat(),
             len(positions), positions.tobytes(),
             bios[path].bio_html if path in bios else "",
             bios[path].source_path if path in bios else "")
            for path, positions in found.positions.items()))
        return found.last_change


# --- Building a file, once, under the lineage's lock -------------------------------------

def _build_once(content_dir: Path, cache_dir: Path, line: str, zone: tzinfo,
                pictures: Pictures, found: Scan) -> str:
    """Build the compiled file for the content as it is now (in a forked process of its
    own for a large folder) and return its key."""
    arguments = (content_dir, cache_dir, line, zone, pictures, found)
    if found.files < CHILD_FROM:
        return _build_converting(*arguments)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_build_in_child, args=(sending, *arguments),
                            name="compile content")
    child.start()
    sending.close()
    child.join()
    if not receiving.poll():
        raise BuildError(f"the content build (process {child.pid}) ended with "
                         f"{child.exitcode} and no answer")
    kind, value = receiving.recv()
    if kind == "search":
        raise search.SearchIndexError(value)
    if kind == "error":
        raise BuildError(value)
    return value


def _build_in_child(sending, *arguments) -> None:
    _default_signals()
    try:
        sending.send(("key", _build_converting(*arguments)))
    except search.SearchIndexError as error:
        sending.send(("search", str(error)))
    except BuildError as error:
        sending.send(("error", str(error)))


def _build_converting(content_dir: Path, cache_dir: Path, line: str, zone: tzinfo,
                      pictures: Pictures, found: Scan) -> str:
    folder = cache_dir / FOLDER
    try:
        return build(content_dir, folder, line, zone, pictures, found,
                     search_dir=cache_dir / "search")
    except (OSError, sqlite3.Error) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise BuildError(f"the compiled content cannot be written in {folder}: {reason} "
                         "(set FLASK_CACHE_DIR to a writable folder)") from None


def build(content_dir: Path, folder: Path, line: str, zone: tzinfo, pictures: Pictures,
          found: Scan, search_dir: Path | None = None) -> str:
    """Compile `content_dir` into `folder`/<key>.sqlite (unless it is there already) and
    record its key for these stats; then make its search index in `search_dir`."""
    began = time.monotonic()
    previous_key = _previous_key(folder, line)
    previous = folder / f"{previous_key}.sqlite" if previous_key else None
    temporary = folder / f"{line}.{os.getpid()}.{threading.get_ident()}.tmp"
    scanned = time.time_ns()
    try:
        db = sqlite3.connect(temporary.resolve().as_uri(), uri=True, isolation_level=None)
        try:
            # One writer, a file nobody reads until it is renamed: no journal, no syncs
            # until the end. 8 KiB pages waste less around rows of a few KiB.
            db.executescript("PRAGMA page_size = 8192; PRAGMA journal_mode = OFF;"
                             "PRAGMA synchronous = OFF;" + SCHEMA)
            db.execute("BEGIN")
            compiler = Compiler(content_dir, zone, pictures, db, previous)
            compiler.read_files()
            outcome = compiler.outcome
            path = folder / f"{outcome.key}.sqlite"
            last_change = None
            if not path.is_file():
                compiler.copy_reused()
                if not outcome.problems:
                    last_change = compiler.write_order_and_listings(compiler.order())
            db.executemany("INSERT INTO info VALUES (?, ?)", [
                ("key", outcome.key), ("lineage", line), ("version", str(VERSION)),
                ("articles", str(len(outcome.facts))),
                ("last_change", last_change.isoformat() if last_change else ""),
                ("problems", json.dumps([[p.path, p.message, p.line]
                                         for p in outcome.problems])),
                ("scanned_ns", str(scanned)), ("reused", str(outcome.reused)),
                ("parsed", str(outcome.parsed))])
            db.execute("COMMIT")
        finally:
            db.close()
        if path.is_file():
            temporary.unlink()
        else:
            files.put_in_place(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    # The next start opens the file without a build if its stats are these, and can be
    # trusted; the next build reuses its records in any case.
    seen = {"key": outcome.key, "scanned_ns": scanned,
            "stats": outcome.stats if outcome.stats == found.stats else None,
            "trusted": found.trusted}
    files.write_whole(folder / f"{line}.seen", json.dumps(seen).encode("utf-8"))
    log.info("content compiled in %.1f s: %d files parsed, %d reused: %s",
             time.monotonic() - began, outcome.parsed, outcome.reused, path)
    if search_dir is not None and not outcome.problems:
        _prepare_search(path, search_dir, previous_key, outcome)
    return outcome.key


def _prepare_search(path: Path, search_dir: Path, previous_key: str | None,
                    outcome: Outcome) -> None:
    """The search index of the new version, patched from the previous version's when
    that is there (the articles reused unchanged keep their place in it)."""
    opened = load(path)
    unchanged = None
    if previous_key is not None and outcome.reused_seqs:
        # A reused record is the same article, every field: its place in the index stays.
        unchanged = (search.key_for(previous_key),
                     {facts.slug for facts in outcome.facts if facts.seq in outcome.reused_seqs})
    search.open_index(search_dir, opened.store, key=opened.search_key, previous=unchanged)


def cleanup(folder: Path, keep: int = KEEP) -> None:
    """Remove all but the `keep` most recently used compiled files, dead builds' files,
    and the records and locks of lineages whose file is gone."""
    compiled = sorted(folder.glob("*.sqlite"), key=_mtime, reverse=True)
    for old in compiled[keep:]:
        old.unlink(missing_ok=True)
    now = time.time()
    for temporary in folder.glob("*.tmp"):
        if now - _mtime(temporary) > STALE_BUILD_S:
            temporary.unlink(missing_ok=True)
    for seen in folder.glob("*.seen"):
        if now - _mtime(seen) > STALE_BUILD_S and _previous_key(folder, seen.stem) is None:
            seen.unlink(missing_ok=True)
            seen.with_suffix(".lock").unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


# --- The editors' check --------------------------------------------------------------------

def check(content_dir: Path, cache_dir: Path | None, zone: tzinfo, pictures: Pictures
          ) -> Outcome:
    """Every problem start-up would find, as it would find it, without writing anything:
    files unchanged since the site's last build keep their records (CACHE_DIR)."""
    content_dir = Path(content_dir)
    previous = None
    if cache_dir is not None:
        key = _previous_key(Path(cache_dir) / FOLDER, lineage(content_dir, zone))
        previous = Path(cache_dir) / FOLDER / f"{key}.sqlite" if key else None
    compiler = Compiler(content_dir, zone, pictures, None, previous)
    compiler.read_files()
    return compiler.outcome


# --- Compiling ahead of the workers (gunicorn's on_reload runs main()) ----------------------

def compile_ahead(settings=None, wait_for_trust: bool = True) -> Content:
    """Compile the content as the site's settings name it (FLASK_* variables), as the
    first worker would: what gunicorn's master runs on a HUP before it starts the new
    workers (gunicorn.conf.py), while the old ones keep serving, so that the new ones only
    open the file. Files changed within RACY_NS are waited for first (at most that long),
    so the stats recorded can be trusted and no worker builds again."""
    from .config import settings as site_settings
    from .config import time_zone

    config = settings if settings is not None else site_settings()
    content_dir, cache_dir = Path(config["CONTENT_DIR"]), Path(config["CACHE_DIR"])
    pictures = Pictures(content_dir, cache_dir, build=True)
    if wait_for_trust and not scan(content_dir, pictures).trusted:
        time.sleep(RACY_NS / 1e9)
    return open_content(content_dir, cache_dir, time_zone(config), pictures)


def main() -> int:
    """Compile ahead (gunicorn.conf.py runs it in a process of its own); 3 with a message
    on standard error if the content has problems or CACHE_DIR cannot be written."""
    began = time.monotonic()
    try:
        opened = compile_ahead()
    except (ContentErrors, ConfigError, search.SearchIndexError) as error:
        print(f"The content cannot be compiled:\n{error}", file=sys.stderr)
        return 3
    print(f"compiled content of {len(opened.store)} articles ready in "
          f"{time.monotonic() - began:.1f} s: {opened.path}", file=sys.stderr)
    return 0
