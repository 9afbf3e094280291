"""Turn the files in content/articles/ into Articles, and content/authors/ into Authors.

The content folder (CONTENT_DIR, `content/` by default) holds the editors' files: the
articles in `articles/`, one Markdown file each, the pictures they show in `media/`
(app/media.py checks and makes those), and the authors' biographies in
`authors/<slug>.md` (optional; front matter `name`, the body is the biography).

Editors write one Markdown file per article with YAML front matter, as in Hugo or
Jekyll. Every problem is reported with the file (and line, where known) so that an
editor can fix it; the site refuses to start rather than serve half its content.
"""
from __future__ import annotations

import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .articles import Article, ArticleStore, Author, SitePage, clashes
from .media import Figure, PictureProblem, Pictures, figure_markup

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
KNOWN_FIELDS = {
    "title", "slug", "published", "updated", "authors", "dateline", "section", "tags",
    "summary", "image", "image_alt", "image_caption", "image_credit", "source_url",
}
AUTHOR_FIELDS = {"name"}
PAGE_FIELDS = {"title", "label", "summary", "updated"}
# Fields holding an address the pages link: checked by url_problem. (`image` names a
# file in media/, which _lead_figure checks.)
URL_FIELDS = ("source_url",)
# The lead picture's words, which mean nothing without it.
IMAGE_WORDS = ("image_alt", "image_caption")

# CommonMark with raw HTML turned off: an editor's "<script>" is shown, never run.
_markdown = MarkdownIt("commonmark", {"html": False})


# Front matter is a handful of short fields: deeper than this is a mistake or an attack
# (PyYAML's composer recurses once a level and would hit Python's recursion limit).
MAX_NESTING = 20
# Longer numbers are refused rather than read: Python will not turn an integer of more
# than 4,300 digits into text (nor read one), and no field wants a number this long.
MAX_NUMBER_LENGTH = 100


class FrontMatterRefused(yaml.MarkedYAMLError):
    """Valid YAML that front matter does not allow; its problem is the whole message."""


def _render_figure(self, tokens: list[Token], index: int, options, env) -> str:
    """A "figure" token (made by body_figures from a paragraph holding only a picture)."""
    return figure_markup(tokens[index].meta["figure"], "body") + "\n"


_markdown.add_render_rule("figure", _render_figure)


class FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader with dates and times left as text, and no anchors, aliases,
    deep nesting or endless numbers.

    PyYAML builds a datetime itself and raises a bare ValueError, with no file or line,
    for an impossible one (2026-02-30, hour 25); as text, _timestamp reads it and says
    what is wrong and where.

    Anchors and aliases (`&a [*b, *b]`) let a few lines stand for billions of values
    (the "billion laughs"); front matter has no use for them, so the file is refused at
    the first one, while the document is composed and before any value is built.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._nesting = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:  # an anchor (&a) or an alias (*a)
            raise FrontMatterRefused(
                None, None, "anchors (&name) and aliases (*name) are not allowed in front "
                            "matter: write each value out", event.start_mark)
        if self._nesting >= MAX_NESTING:
            raise FrontMatterRefused(
                None, None, f"front matter values are nested too deeply (more than "
                            f"{MAX_NESTING} levels)", event.start_mark)
        self._nesting += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._nesting -= 1

    def construct_yaml_int(self, node):
        if len(node.value) > MAX_NUMBER_LENGTH:
            digits = sum(character.isdigit() for character in node.value)
            raise FrontMatterRefused(
                None, None, f"a number of {digits} digits is too long: put it in quotes "
                            "to make it text", node.start_mark)
        return super().construct_yaml_int(node)


FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                  yaml.SafeLoader.construct_yaml_str)
FrontMatterLoader.add_constructor("tag:yaml.org,2002:int",
                                  FrontMatterLoader.construct_yaml_int)


class FrontMatterHandler(YAMLHandler):
    """python-frontmatter's YAML handler, reading with FrontMatterLoader."""

    def load(self, fm: str, **kwargs) -> dict:
        return yaml.load(fm, Loader=FrontMatterLoader)  # noqa: S506 (a SafeLoader)


_handler = FrontMatterHandler()


class NotUTF8(ValueError):
    """Bytes that are not UTF-8 text; `line` is where the first bad byte is."""

    def __init__(self, line: int):
        super().__init__(f"not UTF-8 text (line {line})")
        self.line = line


def utf8_text(raw: bytes) -> str:
    """A file's bytes as text (a leading byte-order mark dropped), or NotUTF8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotUTF8(raw[:error.start].count(b"\n") + 1) from None


# What XML 1.0 forbids (every C0 control but tab, line feed and carriage return; U+FFFE,
# U+FFFF; lone surrogates) and what HTML forbids in text besides (DEL, the C1 controls,
# the noncharacters U+FDD0-U+FDEF and U+nFFFE/U+nFFFF): lxml will not write them into a
# feed or a sitemap (a 500 on every request), and they are errors in a page.
_NONCHARACTERS = "".join(chr(plane + last) for plane in range(0, 0x110000, 0x10000)
                         for last in (0xFFFE, 0xFFFF))
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + _NONCHARACTERS + "]")


def forbidden_character(text: str) -> tuple[int, str] | None:
    """(line, "U+FFFE") of the first character of `text` that XML or HTML forbids."""
    found = FORBIDDEN_CHARACTERS.search(text)
    if found is None:
        return None
    return text.count("\n", 0, found.start()) + 1, f"U+{ord(found.group()):04X}"


# A message quotes at most this much of a value: an editor's file can make a value of
# any size (a megabyte of title, a list of a million items), a message stays a line.
SHOWN_LENGTH = 60
_KINDS = {list: "list", dict: "set of 'name: value' fields", bool: "yes/no value",
          int: "number", float: "number", type(None): "empty value", bytes: "binary value"}


def shown(value) -> str:
    """`value` as a message may show it: text quoted and cut short, anything else named
    by its kind only (never its whole repr, which for a nested value can be endless)."""
    if isinstance(value, str):
        if len(value) <= SHOWN_LENGTH:
            return repr(value)
        return repr(value[:SHOWN_LENGTH]) + "…"
    return "a " + _KINDS.get(type(value), type(value).__name__)


def url_problem(value: str) -> str | None:
    """What is wrong with `value` as an address a page links or loads, or None if it is
    fine: an https URL with a host, or a path on this site ("/media/a.jpg").

    Anything else is refused: other schemes (javascript:, data:, http:), addresses
    relative to the page, and what browsers read as another host ("//host", "/\\host").
    """
    if any(character.isspace() or not character.isprintable() for character in value):
        return "must not contain spaces or control characters"
    if "\\" in value:
        return "must not contain a backslash (browsers read it as '/')"
    if value.startswith("/") and not value.startswith("//"):
        return None
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme != "https" or not parts.hostname or not port_ok:
        return (f"must be an https:// address or a path on this site starting with '/', "
                f"not {shown(value)}")
    return None


@dataclass(frozen=True)
class ContentError(Exception):
    """One problem in one content file, in the words an editor needs to fix it."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"

    def __reduce__(self):
        # An exception pickles its args, which a dataclass leaves empty: say what makes it
        # (the compiled content's build parses in other processes, app/compiled.py).
        return ContentError, (self.path, self.message, self.line)


class ContentErrors(Exception):
    """Every problem found in a content directory, so editors can fix them in one go."""

    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def render_markdown(text: str) -> tuple[str, list[Token]]:
    """The body's HTML and the tokens it came from, parsed once: the summary, when the
    front matter gives none, is read from the same tokens (start-up parses every file)."""
    env: dict = {}  # link reference definitions: what parse finds, render needs
    tokens = _markdown.parse(text, env)
    return _markdown.renderer.render(tokens, _markdown.options, env), tokens


def _alone_in_paragraph(tokens: list[Token], position: int) -> bool:
    """Whether tokens[position] opens a paragraph whose only content is one picture."""
    return (tokens[position].type == "paragraph_open" and position + 2 < len(tokens)
            and len(tokens[position + 1].children or ()) == 1
            and tokens[position + 1].children[0].type == "image")


def _images(token: Token) -> list[Token]:
    return [child for child in token.children or () if child.type == "image"]


def body_figures(tokens: list[Token], pictures: Pictures, path: str,
                 first_line: int) -> tuple[list[Token], list[ContentError]]:
    """The body's tokens with each paragraph holding only a picture made a "figure"
    (its alt text, its title as caption), and a ContentError for every picture that
    cannot be shown: not alone in its paragraph, no alt text, or a PictureProblem.
    `first_line` is the file's line number of the body's first line."""
    out: list[Token] = []
    errors: list[ContentError] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        line = first_line + token.map[0] if token.map else None
        if _alone_in_paragraph(tokens, position):
            figure = _figure(tokens[position + 1].children[0], pictures, path, line, errors)
            if figure is not None:
                made = Token("figure", "figure", 0, map=token.map, block=True,
                             meta={"figure": figure})
                out.append(made)
            position += 3
            continue
        for image in _images(token):
            errors.append(ContentError(path, f"the picture {image.attrs.get('src', '')} must be "
                                             "a paragraph of its own (a blank line before "
                                             "and after it)", line))
        out.append(token)
        position += 1
    return out, errors


def _figure(image: Token, pictures: Pictures, path: str, line: int | None,
            errors: list[ContentError]) -> Figure | None:
    source = str(image.attrs.get("src", ""))
    alt = " ".join(_markdown.renderer.renderInlineAsText(image.children or [],
                                                         _markdown.options, {}).split())
    if not alt:
        errors.append(ContentError(path, f"the picture {source} has no alt text: write "
                                         f"![what it shows]({source})", line))
        return None
    try:
        picture = pictures.get(source)
    except PictureProblem as problem:
        errors.append(ContentError(path, f"picture: {problem}", line))
        return None
    return Figure(picture, alt, caption=" ".join(str(image.attrs.get("title", "")).split()))


def first_paragraph_text(tokens: list[Token]) -> str:
    """The plain text of the first paragraph: the summary when none is given."""
    for position, token in enumerate(tokens):
        if token.type == "paragraph_open":
            inline = tokens[position + 1]
            parts = []
            for child in inline.children or ():
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            return " ".join("".join(parts).split())
    return ""


def _field_line(text: str, name: str) -> int | None:
    """The line of `name:` in the front matter, to point the editor at it."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(f"{name}:"):
            return number
    return None


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _timestamp(value, name: str, path: str, text: str) -> datetime:
    """A date and time with its timezone, from the text FrontMatterLoader leaves it as."""
    line = _field_line(text, name)
    if not isinstance(value, str):
        raise ContentError(path, f"{name} must be a date and time, not {shown(value)}", line)
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        reason = "" if str(error).startswith("Invalid isoformat") else f" ({error})"
        raise ContentError(path, f"{name} is not an ISO 8601 date and time: "
                                 f"{shown(value)}{reason}", line) from None
    if ISO_DATE.fullmatch(value):
        raise ContentError(path, f"{name} has a date but no time and timezone "
                                 f"(write e.g. {value}T09:00:00+00:00)", line)
    value = moment
    if value.tzinfo is None or value.utcoffset() is None:
        raise ContentError(path, f"{name} has no timezone (add e.g. +00:00 or Z)", line)
    return value


def _allowed_characters(value: str, name: str, path: str, text: str) -> str:
    found = forbidden_character(value)
    if found is not None:
        raise ContentError(path, f"{name} has the character {found[1]}, which feeds and pages "
                                 "cannot carry (XML and HTML forbid it): delete it",
                           _field_line(text, name))
    return value


def _text(meta: dict, name: str, path: str, text: str, required: bool = False) -> str:
    value = meta.get(name)
    if value is None:
        if required:
            raise ContentError(path, f"missing required field {name!r}", 1)
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ContentError(path, f"{name} must be text", _field_line(text, name))
    value = _allowed_characters(str(value).strip(), name, path, text)
    if required and not value:
        raise ContentError(path, f"{name} is empty", _field_line(text, name))
    return value


def _url(meta: dict, name: str, path: str, text: str) -> str:
    """An address field: empty, an https URL or a path on this site (url_problem)."""
    value = _text(meta, name, path, text)
    problem = url_problem(value) if value else None
    if problem:
        raise ContentError(path, f"{name} {problem}", _field_line(text, name))
    return value


def _text_list(meta: dict, name: str, path: str, text: str) -> tuple[str, ...]:
    value = meta.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(path, f"{name} must be a list of names", _field_line(text, name))
    return tuple(_allowed_characters(v.strip(), name, path, text) for v in value)


def _front_matter(text: str, path: str) -> tuple[dict, str]:
    """The file's fields and body; a file whose front matter cannot be read has no
    fields to check, so this is the one problem that stops the checks of a file."""
    if not text.startswith("---"):
        raise ContentError(path, "no front matter: the file must start with a '---' line", 1)
    try:
        post = frontmatter.loads(text, handler=_handler)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # python-frontmatter hands YAML the text from the end of the "---" line, so its
        # 0-based line numbers are already one behind: +1 gives the line in the file.
        line = mark.line + 1 if mark is not None else None
        problem = error.problem if isinstance(error, FrontMatterRefused) else \
            f"front matter is not valid YAML: {error.problem}"
        raise ContentError(path, problem, line) from None
    except yaml.YAMLError as error:
        raise ContentError(path, f"front matter is not valid YAML: {error}", 1) from None
    meta = post.metadata
    if not isinstance(meta, dict) or not meta:
        raise ContentError(path, "front matter is empty or not a set of 'name: value' fields", 1)
    return meta, post.content


def _slug(meta: dict, path: str, text: str, default_slug: str) -> str:
    slug = _text(meta, "slug", path, text) or default_slug
    if not SLUG_PATTERN.fullmatch(slug):
        raise ContentError(path, f"slug {shown(slug)} must be lower-case letters, digits and "
                                 "single hyphens", _field_line(text, "slug"))
    return slug


def _published(meta: dict, path: str, text: str) -> datetime:
    if "published" not in meta:
        raise ContentError(path, "missing required field 'published'", 1)
    return _timestamp(meta["published"], "published", path, text)


def _updated(meta: dict, published: datetime | None, path: str, text: str) -> datetime | None:
    if meta.get("updated") is None:
        return None
    updated = _timestamp(meta["updated"], "updated", path, text)
    if published is not None and updated < published:
        raise ContentError(path, "updated is earlier than published",
                           _field_line(text, "updated"))
    return updated


def _unknown_fields(meta: dict, known: set[str], path: str, text: str) -> list[ContentError]:
    return [ContentError(path, f"unknown field {shown(name)} (known: {', '.join(sorted(known))})",
                         _field_line(text, name))
            for name in sorted(set(map(str, meta)) - known)]


def _lead_figure(fields: dict, pictures: Pictures, path: str, text: str) -> Figure | None:
    """The article's own picture (`image`, with `image_alt` required and `image_caption`
    and `image_credit` optional), or None when it has none."""
    reference = fields["image"]
    if not reference:
        for name in IMAGE_WORDS:
            if fields[name]:
                raise ContentError(path, f"{name} is set but there is no image",
                                   _field_line(text, name))
        return None
    line = _field_line(text, "image")
    try:
        picture = pictures.get(reference)
    except PictureProblem as problem:
        raise ContentError(path, f"image: {problem}", line) from None
    if not fields["image_alt"]:
        raise ContentError(path, "image has no image_alt: say in a few words what the "
                                 "picture shows, for readers who cannot see it",
                           _field_line(text, "image_alt") or line)
    return Figure(picture, fields["image_alt"], fields["image_caption"],
                  fields["image_credit"])


def body_first_line(text: str, body: str) -> int:
    """The line of the file on which the Markdown body starts."""
    start = text.find(body) if body else -1
    return text.count("\n", 0, start) + 1 if start >= 0 else 1


TEXT_FIELDS = ("dateline", "section", "summary", "image", "image_alt", "image_caption",
               "image_credit")


def check_article(text: str, path: str, default_slug: str, pictures: Pictures | None = None
                  ) -> tuple[Article | None, list[ContentError]]:
    """One file's text -> (its Article, []) or (None, every problem found in it).

    A problem in one field does not hide a problem in another, so an editor running
    `flask articles check` can fix a file in one go. `pictures` finds the pictures it
    names (by default, checked in the content folder the file is in, without a cache).
    """
    found = forbidden_character(text)
    if found is not None:
        line, character = found
        return None, [ContentError(path, f"the character {character}, which feeds and pages "
                                         "cannot carry (XML and HTML forbid it): delete it",
                                   line)]
    try:
        meta, body = _front_matter(text, path)
    except ContentError as error:
        return None, [error]
    if pictures is None:
        pictures = Pictures(Path(path).resolve().parent.parent)
    errors: list[ContentError] = []

    def field(check, *args, default=None):
        try:
            return check(*args)
        except ContentError as error:
            errors.append(error)
            return default

    errors.extend(_unknown_fields(meta, KNOWN_FIELDS, path, text))
    slug = field(_slug, meta, path, text, default_slug)
    title = field(_text, meta, "title", path, text, True)
    published = field(_published, meta, path, text)
    updated = field(_updated, meta, published, path, text)
    if not body.strip():
        errors.append(ContentError(path, "the article has no body text"))
    fields = {name: field(_text, meta, name, path, text, default="") for name in TEXT_FIELDS}
    fields.update((name, field(_url, meta, name, path, text, default=""))
                  for name in URL_FIELDS)
    authors = field(_text_list, meta, "authors", path, text, default=())
    tags = field(_text_list, meta, "tags", path, text, default=())
    image = field(_lead_figure, fields, pictures, path, text)
    env: dict = {}  # link reference definitions: what parse finds, render needs
    tokens, problems = body_figures(_markdown.parse(body, env), pictures, path,
                                    body_first_line(text, body))
    errors.extend(problems)
    if errors:
        return None, errors
    return Article(
        slug=slug,
        title=title,
        published=published,
        updated=updated,
        authors=authors,
        dateline=fields["dateline"],
        section=fields["section"],
        tags=tags,
        summary=fields["summary"] or first_paragraph_text(tokens),
        image=image,
        image_credit=fields["image_credit"] or None,
        source_url=fields["source_url"] or None,
        body_html=_markdown.renderer.render(tokens, _markdown.options, env),
        source_path=path,
    ), []


def parse_article(text: str, path: str, default_slug: str,
                  pictures: Pictures | None = None) -> Article:
    """One file's text -> an Article, or the first ContentError naming what is wrong
    (check_article lists them all)."""
    article, errors = check_article(text, path, default_slug, pictures)
    if errors:
        raise errors[0]
    return article


def articles_dir(content_dir: Path) -> Path:
    """Where the article files are: `articles/` in the content folder (CONTENT_DIR)."""
    return Path(content_dir) / "articles"


def folder_files(directory: Path) -> list[str]:
    """The names of the Markdown files in `directory` that are read, in name order.

    Files whose name starts with a dot are not articles: macOS's AppleDouble
    "._name.md", an editor's lock or backup (".#name.md"), the import's own temporary file.
    """
    with os.scandir(directory) as entries:
        return sorted(entry.name for entry in entries
                      if entry.name.endswith(".md") and not entry.name.startswith("."))


def check_bytes(raw: bytes, path: str, check) -> tuple[object | None, list[ContentError]]:
    """What `check(text, path, file stem)` makes of a file's bytes; bytes that are not
    UTF-8 text are one problem."""
    try:
        text = utf8_text(raw)
    except NotUTF8 as error:
        return None, [ContentError(path, "is not UTF-8 text", error.line)]
    return check(text, path, Path(path).stem)


def unreadable(path: str, error: OSError) -> ContentError:
    return ContentError(path, f"cannot be read: {error.strerror}")


def _read_folder(directory: Path, check) -> tuple[list, list[ContentError]]:
    """What `check(text, path, file stem)` makes of each Markdown file in `directory`
    (folder_files), in name order, and every problem found."""
    found: list = []
    errors: list[ContentError] = []
    for name in folder_files(directory):
        file = directory / name
        try:
            raw = file.read_bytes()
        except OSError as error:
            errors.append(unreadable(str(file), error))
            continue
        item, problems = check_bytes(raw, str(file), check)
        errors.extend(problems)
        if item is not None:
            found.append(item)
    return found, errors


def read_articles(content_dir: Path, pictures: Pictures | None = None
                  ) -> tuple[list[Article], list[ContentError]]:
    """Every article in the content folder, and every problem found: nothing stops at
    the first. `pictures` finds the pictures they name (by default: checked by decoding
    them, with no cache)."""
    directory = articles_dir(content_dir)
    if not directory.is_dir():
        return [], [ContentError(str(directory), "content directory does not exist")]
    if pictures is None:
        pictures = Pictures(content_dir)
    articles, errors = _read_folder(directory, partial(check_article, pictures=pictures))
    articles, clash_errors = without_clashes(articles)
    return articles, errors + clash_errors


def without_clashes(articles: list, text=None) -> tuple[list, list[ContentError]]:
    """`articles` without those that repeat an earlier one (articles.clashes, `text` as
    it takes it), and a ContentError for each that does."""
    found = list(clashes(articles, text))
    repeats = {id(later) for _, later, _ in found}
    return ([article for article in articles if id(article) not in repeats],
            [_clash_error(*clash) for clash in found])


def check_author(text: str, path: str, slug: str) -> tuple[Author | None, list[ContentError]]:
    """An author file's text -> (its Author, []) or (None, every problem found in it).

    The file's name is the author's address; listings.py checks that the name makes it.
    """
    try:
        meta, body = _front_matter(text, path)
    except ContentError as error:
        return None, [error]
    errors = _unknown_fields(meta, AUTHOR_FIELDS, path, text)
    try:
        name = _text(meta, "name", path, text, required=True)
    except ContentError as error:
        errors.append(error)
    if errors:
        return None, errors
    bio_html, _ = render_markdown(body)
    return Author(slug=slug, name=name, bio_html=bio_html, source_path=path), []


def check_page(text: str, path: str, slug: str) -> tuple[SitePage | None, list[ContentError]]:
    """A page file's text -> (its SitePage, []) or (None, every problem found in it)."""
    found = forbidden_character(text)
    if found is not None:
        line, character = found
        return None, [ContentError(path, f"the character {character}, which pages cannot "
                                         "carry (HTML forbids it): delete it", line)]
    try:
        meta, body = _front_matter(text, path)
    except ContentError as error:
        return None, [error]
    errors = _unknown_fields(meta, PAGE_FIELDS, path, text)
    if not SLUG_PATTERN.fullmatch(slug):
        errors.append(ContentError(path, f"the file's name {shown(slug)} must be lower-case "
                                         "letters, digits and single hyphens: it is the "
                                         "page's address"))
    if not body.strip():
        errors.append(ContentError(path, "the page has no text"))
    fields = {}
    for name, check in (("title", lambda: _text(meta, "title", path, text, required=True)),
                        ("label", lambda: _text(meta, "label", path, text)),
                        ("summary", lambda: _text(meta, "summary", path, text)),
                        ("updated", lambda: _updated(meta, None, path, text))):
        try:
            fields[name] = check()
        except ContentError as error:
            errors.append(error)
    if errors:
        return None, errors
    body_html, tokens = render_markdown(body)
    return SitePage(slug=slug, title=fields["title"], label=fields["label"] or fields["title"],
                    summary=fields["summary"] or first_paragraph_text(tokens),
                    body_html=body_html, updated=fields["updated"], source_path=path), []


def pages_dir(content_dir: Path) -> Path:
    """Where the pages apart from the news are: `pages/` in the content folder (optional)."""
    return Path(content_dir) / "pages"


def read_pages(content_dir: Path, taken: Collection[str]) -> tuple[list[SitePage],
                                                                   list[ContentError]]:
    """Every page in the content folder (none without pages/), and every problem found;
    a page whose address the site's own routes take (`taken`: "search", "archive"...)
    is one, since it could never be reached."""
    directory = pages_dir(content_dir)
    if not directory.is_dir():
        return [], []
    pages, errors = _read_folder(directory, check_page)
    for page in pages:
        if page.slug in taken:
            errors.append(ContentError(page.source_path, f"the address /{page.slug} is the "
                                                         "site's own: rename the file"))
    return [page for page in pages if page.slug not in taken], errors


def authors_dir(content_dir: Path) -> Path:
    """Where the authors' files are: `authors/` in the content folder (optional)."""
    return Path(content_dir) / "authors"


def read_authors(content_dir: Path) -> tuple[list[Author], list[ContentError]]:
    """Every author file in the content folder (none if it has no authors/), and every
    problem found."""
    directory = authors_dir(content_dir)
    if not directory.is_dir():
        return [], []
    return _read_folder(directory, check_author)


def field_line_in(path: str, name: str) -> int | None:
    """The line of the field `name` in the file at `path` (for errors found after
    loading, such as clashes between files); None if it cannot be read."""
    try:
        return _field_line(Path(path).read_text(encoding="utf-8-sig"), name)
    except (OSError, UnicodeDecodeError):
        return None


def _clash_error(earlier: Article, later: Article, shared: str) -> ContentError:
    """`later` repeats `earlier`: one URL for two articles, or one article at two URLs."""
    if shared == "slug":
        line = field_line_in(later.source_path, "slug")
        return ContentError(later.source_path, f"duplicate slug {later.slug!r}, also used by "
                                               f"{earlier.source_path}", line)
    return ContentError(later.source_path, f"the same article as {earlier.source_path} (the "
                                           f"same {shared}); keep one of the two files")


def load_store(content_dir: Path, pictures: Pictures | None = None) -> ArticleStore:
    """The store for the content folder, or ContentErrors listing every problem in it."""
    articles, errors = read_articles(Path(content_dir), pictures)
    if errors:
        raise ContentErrors(errors)
    return ArticleStore(articles)
