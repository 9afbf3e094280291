"""Rendered bytes -> cached, compressed responses with ETag and headers.

Content is fixed while a process runs, so each page is rendered once and kept as bytes;
each encoding (gzip, brotli) is compressed the first time a client asks for it and kept
too, together with the headers of each encoding. This module is the one place that turns
those bytes into a response: cache headers, the conditional 304, the encoding, and the
security headers. Nothing per request goes into the bytes, so every worker and every
cache in front of the site serves exactly the same thing.

A request for a cached page does no rendering, hashing or compressing: it picks one of
the prepared (body, headers) pairs, so the site costs little more than Flask itself.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import brotli
from flask import Response, current_app, request
from werkzeug.datastructures import Headers
from werkzeug.http import HTTP_STATUS_CODES, parse_accept_header, parse_etags
from werkzeug.utils import get_content_type

from .state import SiteState, state

# Media types worth compressing; images and fonts are compressed already.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml",
                "application/manifest+json", "application/atom+xml", "application/rss+xml",
                "image/svg+xml")
# Media types other sites embed or fetch on purpose: images (the logo in a feed reader, a
# picture in a newsletter) and feeds. They are sent with Cross-Origin-Resource-Policy:
# cross-origin; everything else (pages, scripts, sitemaps) keeps same-origin.
EMBEDDABLE = ("image/", "application/atom+xml", "application/rss+xml")


@dataclass(frozen=True)
class Variant:
    """The body of one encoding and the headers that describe exactly those bytes."""

    encoding: str | None
    body: bytes
    etag: str  # quoted, as sent
    headers: tuple[tuple[str, str], ...]


# Brotli's best quality is slow (about 1 MB/s): fine for pages, compressed once, but a
# sitemap of 100,000 articles (12 MB) would hold its first request past gunicorn's
# timeout. Above this size a faster quality keeps the first request under a second.
BROTLI_BEST_UP_TO = 512 * 1024


# Pages rendered per request (search results) cannot wait for quality 11 either: on a
# 14 KB page it takes 6 ms, quality 5 0.1 ms for a body 8% larger.
BROTLI_QUICK = 5


def brotli_quality(size: int, quick: bool = False) -> int:
    return 11 if size <= BROTLI_BEST_UP_TO and not quick else BROTLI_QUICK


def compressed(body: bytes, encoding: str, quick: bool = False) -> bytes:
    """`body` in `encoding`: the same bytes for the same input in every process (gzip
    with no timestamp, brotli at a quality fixed by the size and `quick`), so tags stay
    true."""
    if encoding == "gzip":
        return gzip.compress(body, compresslevel=9, mtime=0)
    return brotli.compress(body, quality=brotli_quality(len(body), quick))


# A strong ETag names exact bytes, so each encoding has its own: the identity tag and a
# suffix. Known before the bytes are made, so a 304 never needs compressing.
TAG_SUFFIXES = {None: "", "gzip": "-gz", "br": "-br"}


class Rendered:
    """One page (or static file), ready to send in every encoding we serve.

    The identity bytes are hashed once; an encoding is compressed the first time a
    client asks for it, then kept (`variants`: encoding -> Variant), so a client that
    takes identity never pays for gzip 9 or brotli 11. Two threads asking at once both
    compress and keep the same bytes: harmless, and no lock on the way of a request.
    `on_grow`, when set (by PageCache), hears how many bytes each new encoding adds.
    """

    __slots__ = ("body", "mimetype", "etag", "compress", "quick", "embeddable", "variants",
                 "on_grow", "_content_type")

    def __init__(self, body: bytes, mimetype: str, compress: bool | None = None,
                 quick: bool = False):
        self.body = body
        self.quick = quick
        self.mimetype = mimetype
        self.compress = mimetype.startswith(COMPRESSIBLE) if compress is None else compress
        self.embeddable = mimetype.startswith(EMBEDDABLE)
        # the strong tag of the identity bytes, without quotes
        self.etag = hashlib.blake2b(body, digest_size=16).hexdigest()
        self.on_grow: Callable[[int], None] | None = None
        self._content_type = get_content_type(mimetype, "utf-8")
        self.variants: dict[str | None, Variant] = {None: self._variant(None, body)}

    @classmethod
    def from_bytes(cls, body: bytes, mimetype: str, compress: bool | None = None, *,
                   quick: bool = False) -> Rendered:
        """Hash `body` once; `compress` defaults to "if the type is text"; `quick` for a
        page rendered per request, whose compression must be fast."""
        return cls(body, mimetype, compress, quick)

    @classmethod
    def from_text(cls, text: str, mimetype: str = "text/html", *, quick: bool = False) -> Rendered:
        return cls.from_bytes(text.encode("utf-8"), mimetype, quick=quick)

    def _variant(self, encoding: str | None, data: bytes) -> Variant:
        tag = self.tag(encoding)
        headers = [("Content-Type", self._content_type), ("Content-Length", str(len(data))),
                   ("ETag", tag)]
        if self.compress:
            headers.append(("Vary", "Accept-Encoding"))
        if encoding:
            headers.append(("Content-Encoding", encoding))
        return Variant(encoding, data, tag, tuple(headers))

    def tag(self, encoding: str | None) -> str:
        """The quoted ETag of the bytes in `encoding`, made or not."""
        return f'"{self.etag}{TAG_SUFFIXES[encoding]}"'

    def encoding_for(self, accept_encoding: str | None) -> str | None:
        """The encoding to send for a raw Accept-Encoding header (None: identity)."""
        return choose_encoding(accept_encoding) if self.compress else None

    def in_encoding(self, encoding: str | None) -> Variant:
        """The variant in `encoding`, compressed now if no client asked for it before."""
        variant = self.variants.get(encoding)
        if variant is None:
            made = self._variant(encoding, compressed(self.body, encoding, self.quick))
            variant = self.variants.setdefault(encoding, made)
            grow = self.on_grow
            if variant is made and grow is not None:
                grow(len(made.body))
        return variant

    def variant(self, accept_encoding: str | None) -> Variant:
        """The variant for a raw Accept-Encoding header (None when absent)."""
        return self.in_encoding(self.encoding_for(accept_encoding))

    @property
    def gzip(self) -> bytes | None:
        return self.in_encoding("gzip").body if self.compress else None

    @property
    def br(self) -> bytes | None:
        return self.in_encoding("br").body if self.compress else None

    @property
    def size(self) -> int:
        """Bytes held: every encoding made so far."""
        return sum(len(variant.body) for variant in list(self.variants.values()))


# The codings we can send, in our order of preference when a client accepts several
# equally: the smallest body first. "identity" (no coding) stands for None.
CODINGS = ("br", "gzip", "identity")
# Browsers send a handful of distinct Accept-Encoding values, so the choice is cached;
# only short values, so that odd or repeated headers cannot grow a worker's memory.
CACHED_HEADER_LENGTH = 128


@lru_cache(maxsize=64)
def _cached_choice(accept_encoding: str) -> str | None:
    return _choice(accept_encoding)


def _choice(accept_encoding: str) -> str | None:
    best = parse_accept_header(accept_encoding).best_match(CODINGS)
    return None if best == "identity" else best


def choose_encoding(accept_encoding: str | None) -> str | None:
    """The coding to send for a raw Accept-Encoding header; None means identity.

    werkzeug reads the header as RFC 9110 says (q-values, q=0 refuses, `*` stands for
    the codings not named); among equals the smaller body wins. A client that refuses
    every coding, identity included, still gets identity, which clients handle better
    than a 406.
    """
    if not accept_encoding:
        return None
    if len(accept_encoding) > CACHED_HEADER_LENGTH:
        return _choice(accept_encoding)
    return _cached_choice(accept_encoding)


def not_modified(etag: str, if_none_match: str | None) -> bool:
    """Whether the client already holds exactly the bytes it would be sent.

    `etag` is the quoted tag of the variant chosen for this request: a client holding
    the gzip bytes that now asks for identity gets the identity bytes, not a 304.
    If-None-Match compares weakly (RFC 9110 13.1.2), so W/"x" matches "x"; werkzeug
    parses anything but the common case of one tag sent back as it was received.
    """
    if not if_none_match:
        return False
    if if_none_match == etag:
        return True
    return parse_etags(if_none_match).contains_weak(etag.strip('"'))


class PageCache:
    """Rendered pages by key, the least recently used dropped past `budget` bytes.

    The bound is on bytes, every encoding made counted (Rendered.on_grow), so a worker's
    memory stays under the budget however many pages the site has and whatever clients
    ask for; how many pages that is depends on their size (docs/performance.md).
    Rendering twice under a race is harmless (same bytes), so the lock only guards the
    bookkeeping, never a render.
    """

    OVERHEAD = 1024  # bytes counted per page beyond its bodies: objects, headers, the key

    def __init__(self, budget: int = 128 * 1024 * 1024):
        self.budget = budget
        self.total = 0
        self._pages: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._lock = threading.Lock()
        # Address (PATH_INFO) -> the page it always answers with, for ReadyAnswers; an
        # address leaves with its page, so this holds nothing the budget does not count.
        self.by_address: dict[str, Ready] = {}
        self._address_of: dict[Hashable, str] = {}

    def __len__(self) -> int:
        return len(self._pages)

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._pages)

    def items(self) -> Iterator[tuple[Hashable, Rendered]]:
        with self._lock:
            return iter(list(self._pages.items()))

    def get(self, key: Hashable, render: Callable[[], Rendered]) -> Rendered:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = render()
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:  # another thread rendered it meanwhile: keep the newer
                old.on_grow = None
                self.total -= old.size + self.OVERHEAD
                self._forget(key)
            self._pages[key] = page
            self.total += page.size + self.OVERHEAD
            page.on_grow = lambda grown: self._grew(key, page, grown)
            self._trim()
        return page

    def _grew(self, key: Hashable, page: Rendered, grown: int) -> None:
        with self._lock:
            if self._pages.get(key) is page:  # not if evicted while a request served it
                self.total += grown
                self._trim()

    def _trim(self) -> None:
        """Drop the least recently used pages until the rest fit (always keeping one)."""
        while self.total > self.budget and len(self._pages) > 1:
            key, dropped = self._pages.popitem(last=False)
            dropped.on_grow = None
            self.total -= dropped.size + self.OVERHEAD
            self._forget(key)

    def _forget(self, key: Hashable) -> None:
        address = self._address_of.pop(key, None)
        if address is not None:
            self.by_address.pop(address, None)

    def answer_by_address(self, environ: dict, ready: Ready) -> None:
        """From now on, answer `environ`'s address with `ready` (ReadyAnswers), for as long
        as its page stays cached; only a GET or HEAD with no query string names a page by
        its address alone."""
        if environ.get("QUERY_STRING") or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return
        address = environ.get("PATH_INFO", "")
        with self._lock:
            if self._pages.get(ready.key) is not ready.page:  # dropped meanwhile
                return
            self._forget(ready.key)  # one address a page: the last one that asked
            self._address_of[ready.key] = address
            self.by_address[address] = ready

    def touch(self, key: Hashable) -> None:
        """`key` was just served: the last page to drop."""
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)


@lru_cache(maxsize=64)
def html_cache_control(max_age: int) -> str:
    """Short freshness, then up to an hour (12x) served stale while revalidating."""
    return f"public, max-age={max_age}, stale-while-revalidate={max_age * 12}"


class PreparedResponse(Response):
    """A page's response (200, 304, or an error page) with headers checked once, ahead.

    Werkzeug checks every header value each time a Headers object is filled, and
    again when it copies them for the server; for a page with a dozen headers that
    was a third of the request's cost. Here the prepared list is handed over as is.
    Anything added later (after_request hooks) still goes through Headers.add.
    """

    default_mimetype = None  # a 304 has no body, so no Content-Type either

    def __init__(self, body: bytes, headers: list[tuple[str, str]], status: int = 200):
        prepared = Headers()
        prepared._list = headers  # every value was checked when the page was prepared
        super().__init__([body] if body else [], status, prepared)

    def get_wsgi_headers(self, environ) -> Headers:
        # A prepared page has no Location to make absolute, its Content-Length is
        # set and a 304 was built without entity headers: the base class would add
        # nothing, only copy. Headers set by after_request hooks are in self.headers.
        return self.headers


def _tail(site: SiteState, cache_control: str,
          embeddable: bool = False) -> tuple[tuple[str, str], ...]:
    """Cache-Control and the security headers (app/security.py): the same for every page,
    so built once per Cache-Control value; images and feeds (EMBEDDABLE) may be loaded
    by other origins."""
    key = (cache_control, embeddable)
    tail = site.response_tails.get(key)
    if tail is None:
        headers = dict(site.security_headers)
        if embeddable:
            headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        tail = site.response_tails[key] = (("Cache-Control", cache_control), *headers.items())
    return tail


def tail_for(page: Rendered, max_age: int | None = None,
             cache_control: str | None = None) -> tuple[tuple[str, str], ...]:
    """The headers after `page`'s own: Cache-Control and the security headers.

    `max_age` overrides HTML_MAX_AGE; `cache_control` replaces the HTML policy
    altogether (static files use it for `immutable`).
    """
    app = current_app._get_current_object()
    if cache_control is None:
        cache_control = html_cache_control(app.config["HTML_MAX_AGE"] if max_age is None
                                           else max_age)
    return _tail(state(app), cache_control, page.embeddable)


def answer(page: Rendered, tail: tuple[tuple[str, str], ...], environ: dict,
           status: int = 200) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) for `page` and the request in `environ`: 304 if the
    client has it, else the best encoding."""
    encoding = page.encoding_for(environ.get("HTTP_ACCEPT_ENCODING"))
    tag = page.tag(encoding)
    if status == 200 and not_modified(tag, environ.get("HTTP_IF_NONE_MATCH")):
        headers = [("ETag", tag)]
        if page.compress:
            headers.append(("Vary", "Accept-Encoding"))
        return 304, [*headers, *tail], b""
    variant = page.in_encoding(encoding)
    return status, [*variant.headers, *tail], variant.body


def respond(page: Rendered, status: int = 200, max_age: int | None = None,
            cache_control: str | None = None) -> Response:
    """The response for `page` (see answer and tail_for). The security headers go in
    here already, so the after_request hook has nothing left to do."""
    return respond_with(page, tail_for(page, max_age, cache_control), status)


def respond_with(page: Rendered, tail: tuple[tuple[str, str], ...],
                 status: int = 200) -> Response:
    """The response for `page` and the current request, ending with `tail`."""
    code, headers, body = answer(page, tail, request.environ, status)
    return PreparedResponse(body, headers, status=code)


class Ready(NamedTuple):
    """A cached page that one address always answers with, and the headers after its own."""

    key: Hashable
    page: Rendered
    tail: tuple[tuple[str, str], ...]


class ReadyAnswers:
    """WSGI in front of Flask: a GET or HEAD with no query string, for an address whose
    page is cached (PageCache.by_address), is answered from the prepared bytes, with
    the same status line, headers and body Flask would send, without entering Flask.

    Routing, the request context and the response object were most of what a cached
    page cost; everything else (a first request, a query, a 404, any other method)
    goes to Flask as before.
    """

    def __init__(self, wsgi_app: Callable, pages: PageCache):
        self.wsgi_app = wsgi_app
        self.pages = pages

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (method == "GET" or method == "HEAD") and not environ.get("QUERY_STRING"):
            ready = self.pages.by_address.get(environ.get("PATH_INFO", ""))
            if ready is not None:
                self.pages.touch(ready.key)
                status, headers, body = answer(ready.page, ready.tail, environ)
                start_response(STATUS_LINES[status], headers)
                return [body] if body and method == "GET" else []
        return self.wsgi_app(environ, start_response)


# The status lines werkzeug writes ("304 NOT MODIFIED"), so both ways send the same.
STATUS_LINES = {code: f"{code} {HTTP_STATUS_CODES[code].upper()}" for code in (200, 304)}
