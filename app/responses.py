"""Rendered bytes -> cached, compressed responses with ETag and headers.

Content is fixed while a process runs, so each page is rendered once, compressed
once (gzip and brotli) and kept as bytes, together with the headers of each encoding.
This module is the one place that turns those bytes into a response: cache headers,
the conditional 304, the encoding, and the security headers. Nothing per request goes
into the bytes, so every worker and every cache in front of the site serves exactly
the same thing.

A request for a cached page does no rendering, hashing or compressing: it picks one of
three prepared (body, headers) pairs, so the site costs little more than Flask itself.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import brotli
from flask import Response, current_app, request
from werkzeug.datastructures import Headers
from werkzeug.http import parse_accept_header, parse_etags
from werkzeug.utils import get_content_type

from .state import SiteState, state

# Media types worth compressing; images and fonts are compressed already.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml",
                "application/manifest+json", "application/atom+xml", "application/rss+xml",
                "image/svg+xml")


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


@dataclass(frozen=True)
class Rendered:
    """One page (or static file) in every encoding we serve, ready to send."""

    body: bytes
    mimetype: str
    etag: str  # the strong tag of the identity bytes, without quotes
    gzip: bytes | None
    br: bytes | None
    variants: dict = field(repr=False, compare=False)  # encoding -> Variant

    @classmethod
    def from_bytes(cls, body: bytes, mimetype: str, compress: bool | None = None, *,
                   quick: bool = False) -> Rendered:
        """Hash and compress `body` once; `compress` defaults to "if the type is text";
        `quick` for a page rendered per request, whose compression must be fast."""
        if compress is None:
            compress = mimetype.startswith(COMPRESSIBLE)
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        # mtime=0 keeps the gzip bytes identical across processes and restarts.
        gz = gzip.compress(body, compresslevel=9, mtime=0) if compress else None
        br = brotli.compress(body, quality=brotli_quality(len(body), quick)) if compress else None
        content_type = get_content_type(mimetype, "utf-8")
        bodies = {None: body, "gzip": gz, "br": br}
        suffixes = {None: "", "gzip": "-gz", "br": "-br"}
        variants = {}
        for encoding, data in bodies.items():
            if data is None:
                continue
            # A strong ETag names exact bytes, so each encoding has its own.
            tag = f'"{digest}{suffixes[encoding]}"'
            headers = [("Content-Type", content_type), ("Content-Length", str(len(data))),
                       ("ETag", tag)]
            if compress:
                headers.append(("Vary", "Accept-Encoding"))
            if encoding:
                headers.append(("Content-Encoding", encoding))
            variants[encoding] = Variant(encoding, data, tag, tuple(headers))
        return cls(body=body, mimetype=mimetype, etag=digest, gzip=gz, br=br, variants=variants)

    @classmethod
    def from_text(cls, text: str, mimetype: str = "text/html", *, quick: bool = False) -> Rendered:
        return cls.from_bytes(text.encode("utf-8"), mimetype, quick=quick)

    def variant(self, accept_encoding: str | None) -> Variant:
        """The variant for a raw Accept-Encoding header (None when absent)."""
        return self.variants.get(choose_encoding(accept_encoding)) or self.variants[None]


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


def not_modified(variant: Variant, if_none_match: str | None) -> bool:
    """Whether the client already holds exactly the bytes it would be sent.

    Compared with the tag of the variant chosen for this request only: a client holding
    the gzip bytes that now asks for identity gets the identity bytes, not a 304.
    If-None-Match compares weakly (RFC 9110 13.1.2), so W/"x" matches "x"; werkzeug
    parses anything but the common case of one tag sent back as it was received.
    """
    if not if_none_match:
        return False
    if if_none_match == variant.etag:
        return True
    return parse_etags(if_none_match).contains_weak(variant.etag.strip('"'))


class PageCache:
    """Rendered pages by key, least recently used dropped beyond `size` pages.

    The bound keeps a worker's memory flat however many articles the site has.
    Rendering twice under a race is harmless (same bytes), so the lock only guards
    the bookkeeping, never a render.
    """

    def __init__(self, size: int = 4096):
        self.size = size
        self._pages: OrderedDict[object, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, render: Callable[[], Rendered]) -> Rendered:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = render()
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page


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


def _tail(site: SiteState, cache_control: str) -> tuple[tuple[str, str], ...]:
    """Cache-Control and the security headers (app/security.py): the same for every page,
    so built once per Cache-Control value."""
    tail = site.response_tails.get(cache_control)
    if tail is None:
        tail = site.response_tails[cache_control] = (("Cache-Control", cache_control),
                                                     *site.security_headers.items())
    return tail


def respond(page: Rendered, status: int = 200, max_age: int | None = None,
            cache_control: str | None = None) -> Response:
    """The response for `page`: 304 if the client has it, else the best encoding.

    `max_age` overrides HTML_MAX_AGE; `cache_control` replaces the HTML policy
    altogether (static files use it for `immutable`). The security headers go in
    here already, so the after_request hook has nothing left to do.
    """
    app = current_app._get_current_object()
    if cache_control is None:
        cache_control = html_cache_control(app.config["HTML_MAX_AGE"] if max_age is None
                                           else max_age)
    environ = request.environ
    variant = page.variant(environ.get("HTTP_ACCEPT_ENCODING"))
    tail = _tail(state(app), cache_control)
    if status == 200 and not_modified(variant, environ.get("HTTP_IF_NONE_MATCH")):
        headers = [("ETag", variant.etag)]
        if page.gzip is not None:
            headers.append(("Vary", "Accept-Encoding"))
        return PreparedResponse(b"", [*headers, *tail], status=304)
    return PreparedResponse(variant.body, [*variant.headers, *tail], status=status)
