"""Static files under names that carry a hash of their content, cached for a year.

A file's URL changes whenever its bytes do (`js/share.js` is linked as
`js/share.1a2b3c4d5e6f.js`), so browsers and CDNs may keep it for a year without
asking again (`immutable`), and a new deploy is still seen at once: the pages link to
the new name. Files are read, hashed and compressed once at start-up; a request is a
dictionary lookup, never a file system access, so no path can reach outside static/.
"""
from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from flask import Flask, abort

from .responses import Rendered, respond
from .state import state

IMMUTABLE = "public, max-age=31536000, immutable"


def hashed_name(name: str, data: bytes) -> str:
    """`css/site.css` -> `css/site.<12 hex digits>.css`: the hash goes before the extension."""
    digest = hashlib.blake2b(data, digest_size=6).hexdigest()
    folder, _, file = name.rpartition("/")
    stem, dot, extension = file.rpartition(".")
    file = f"{stem}.{digest}.{extension}" if dot and stem else f"{file}.{digest}"
    return f"{folder}/{file}" if folder else file


class StaticFiles:
    """Every file under `folder`, by its plain and by its hashed name."""

    def __init__(self, folder: Path):
        self.hashed: dict[str, str] = {}  # plain name -> hashed name
        self.by_hashed: dict[str, Rendered] = {}
        self.by_plain: dict[str, Rendered] = {}
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if not path.is_file() or any(part.startswith(".") for part in name.split("/")):
                continue
            data = path.read_bytes()
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            page = Rendered.from_bytes(data, mimetype)
            self.hashed[name] = hashed_name(name, data)
            self.by_hashed[self.hashed[name]] = page
            self.by_plain[name] = page

    def text(self, name: str) -> str:
        """A file's text by its plain name (the CSS the pages inline)."""
        return self.by_plain[name].body.decode("utf-8")


def _use_hashed_names(endpoint: str, values: dict) -> None:
    """url_for('static', filename='js/share.js') -> the hashed name, for every template."""
    if endpoint == "static" and "filename" in values:
        values["filename"] = state().static.hashed.get(values["filename"], values["filename"])


def serve(filename: str):
    """A hashed name is immutable; a plain name (an old or hand-written link) still
    works, with the short HTML freshness, so a change of content is picked up."""
    files = state().static
    page = files.by_hashed.get(filename)
    if page is not None:
        return respond(page, cache_control=IMMUTABLE)
    page = files.by_plain.get(filename)
    if page is not None:
        return respond(page)
    abort(404)


def init_app(app: Flask) -> None:
    """Replace Flask's file-system static view with the prepared files (the state's)."""
    app.url_defaults(_use_hashed_names)
    app.view_functions["static"] = serve
