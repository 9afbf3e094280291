"""Rendered bytes -> cached, compressed responses with ETag and headers.

Content is fixed while a process runs, so each page is rendered once, compressed
once (gzip and brotli) and kept as bytes. This module is the one place that turns
those bytes into a response: cache headers, the conditional 304, the encoding, and
the security headers. Nothing per request goes into the bytes, so every worker and
every cache in front of the site serves exactly the same thing.
"""
from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import brotli
from flask import Response, current_app, request


@dataclass(frozen=True)
class Rendered:
    """One representation of a page, in every encoding we serve."""

    body: bytes
    mimetype: str
    etag: str  # the strong tag of the identity bytes, without quotes
    gzip: bytes
    br: bytes

    @classmethod
    def from_bytes(cls, body: bytes, mimetype: str) -> "Rendered":
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        return cls(body=body, mimetype=mimetype, etag=digest,
                   gzip=gzip.compress(body, compresslevel=9, mtime=0),
                   br=brotli.compress(body, quality=11))

    @classmethod
    def from_text(cls, text: str, mimetype: str = "text/html") -> "Rendered":
        return cls.from_bytes(text.encode("utf-8"), mimetype)

    def encoded(self, accept_encoding) -> tuple[str | None, bytes]:
        """The best encoding the client accepts: brotli, then gzip, then identity."""
        if accept_encoding.quality("br") > 0:
            return "br", self.br
        if accept_encoding.quality("gzip") > 0:
            return "gzip", self.gzip
        return None, self.body


class PageCache:
    """Rendered pages by key, least recently used dropped beyond `size` pages.

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

    def __len__(self) -> int:
        return len(self._pages)


def _etags(page: Rendered) -> dict[str | None, str]:
    # A strong ETag names exact bytes, so each encoding gets its own.
    return {None: f'"{page.etag}"', "gzip": f'"{page.etag}-gz"', "br": f'"{page.etag}-br"'}


def respond(page: Rendered, status: int = 200, max_age: int | None = None) -> Response:
    """The response for `page`: 304 if the client has it, else the best encoding."""
    if max_age is None:
        max_age = current_app.config["HTML_MAX_AGE"]
    encoding, body = page.encoded(request.accept_encodings)
    tags = _etags(page)
    headers = {
        "Cache-Control": f"public, max-age={max_age}, stale-while-revalidate={max_age * 12}",
        "ETag": tags[encoding],
        "Vary": "Accept-Encoding",
    }
    if status == 200 and any(request.if_none_match.contains_weak(tag.strip('"'))
                             for tag in tags.values()):
        return Response(status=304, headers=headers)
    response = Response(body, status=status, mimetype=page.mimetype, headers=headers)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    return response
