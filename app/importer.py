"""A raw copy of a published article page -> the text of an article file.

Editors often start from a page copied out of a browser: the headline, a date line
("January 19, 2016 (Photo Credit: AFP/Getty Images)"), the paragraphs, plus the page's
chrome (its icon sprite flattened to a line of icon names, a closing "Next Article").
This module keeps the words and drops the chrome. It does no file I/O, so the command
that calls it decides where (and whether) anything is written.

The body is kept word for word: every paragraph is escaped so that Markdown shows it
as the page did, never as a heading, a list, a link or an HTML tag.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

import yaml

from .content import NotUTF8, forbidden_character, utf8_text
from .icons import NAMES

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
DATE_LINE = re.compile(
    r"(?P<month>[A-Za-z]+)\.? (?P<day>\d{1,2}), (?P<year>\d{4})"
    r"(?: ?\((?:Photo )?Credit: ?(?P<credit>.*\S) ?\))?", re.IGNORECASE)
# Printed datelines are a place in capitals followed by an em dash: "PARIS — ".
DATELINE = re.compile(r"(?P<place>[^\W\d_][\w .,'’/-]{0,48}?) — (?P<rest>.+)")
NEXT_ARTICLE = "Next Article"
ICON_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Words of the sprite's labels ("Reply Icon", "Show More"), from the site's own icon set:
# the one list of those names is app/icons.py.
ICON_LABEL_WORDS = frozenset(word for name in NAMES for word in name.split()
                             if not ICON_NAME.fullmatch(word))
SPACES = {"\u00a0", "\u2007", "\u202f"}  # non-breaking spaces, made plain
SLUG_MAX = 80


class ImportProblem(ValueError):
    """The page cannot be imported; the message says what is missing or wrong."""


@dataclass(frozen=True)
class Page:
    """What an article file needs from a raw page."""

    title: str
    published: datetime
    paragraphs: tuple[str, ...]
    dateline: str = ""
    image_credit: str = ""


def decode(raw: bytes) -> str:
    """Bytes -> text, refusing what is not a UTF-8 text file rather than guessing."""
    if b"\x00" in raw:
        raise ImportProblem("is a binary file, not a text copy of an article page")
    try:
        text = utf8_text(raw)
    except NotUTF8 as error:
        raise ImportProblem(f"is not UTF-8 text (line {error.line}); save the page as UTF-8 "
                            "and try again") from None
    # Control characters and noncharacters: no text page has them, and the site could
    # not put them in a feed or a page (content.FORBIDDEN_CHARACTERS).
    found = forbidden_character(text)
    if found:
        line, character = found
        raise ImportProblem(f"has a control character or noncharacter ({character}) on "
                            f"line {line}: it looks binary, not a text page")
    return text


def plain(text: str) -> str:
    """One line of page text with non-breaking spaces made plain and runs of spaces
    collapsed: what a reader sees, without the layout's spacing tricks."""
    return " ".join("".join(" " if c in SPACES else c for c in text).split())


def is_icon_line(line: str) -> bool:
    """The page's icon sprite, flattened to names: "arrow-down facebook-circle ..."."""
    words = line.split()
    return len(words) >= 5 and all(ICON_NAME.fullmatch(w) or w in ICON_LABEL_WORDS
                                   for w in words)


def parse_date_line(line: str) -> tuple[datetime, str] | None:
    """("January 19, 2016 (Photo Credit: X)") -> (midnight UTC that day, "X"), or None.

    The page gives a day, not a time: midnight UTC is the site's convention for that.
    """
    match = DATE_LINE.fullmatch(line)
    if not match or match["month"].lower() not in MONTHS:
        return None
    try:
        published = datetime(int(match["year"]), MONTHS[match["month"].lower()],
                             int(match["day"]), tzinfo=UTC)
    except ValueError:
        return None
    return published, match["credit"] or ""


def split_dateline(paragraph: str) -> tuple[str, str]:
    """"PARIS — French Defense ..." -> ("PARIS", "French Defense ..."); else ("", text)."""
    match = DATELINE.fullmatch(paragraph)
    if match and match["place"] == match["place"].upper() and \
            sum(c.isalpha() for c in match["place"]) >= 2:
        return match["place"].strip(), match["rest"]
    return "", paragraph


def find_date_line(lines: list[tuple[int, str]]) -> tuple[int, int, tuple[datetime, str]]:
    """The first date line among (line number, text) pairs: its position in `lines`, its
    line number and what parse_date_line read from it."""
    for position, (number, line) in enumerate(lines):
        found = parse_date_line(line)
        if found:
            return position, number, found
    raise ImportProblem("has no date line (like 'January 19, 2016 (Photo Credit: "
                        "AFP/Getty Images)') after the headline")


def parse_page(text: str) -> Page:
    """A raw page's text -> its headline, date, credit, dateline and paragraphs.

    Layout: [icon line] headline, date line, paragraphs (one a line), ["Next Article"].
    """
    lines = [(number, plain(line)) for number, line in enumerate(text.splitlines(), 1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise ImportProblem("is empty")
    if lines[-1][1] == NEXT_ARTICLE:
        lines.pop()
    if lines and is_icon_line(lines[0][1]):
        lines.pop(0)
    if not lines:
        raise ImportProblem("has only page chrome (icon names, 'Next Article'): no "
                            "headline, date line or text")
    position, number, found = find_date_line(lines)
    if position == 0:
        raise ImportProblem(f"has no headline before the date line (line {number})")
    if position > 1:
        extra = lines[position - 2][0]
        raise ImportProblem(f"has text between the page's start and the headline (line "
                            f"{extra}); expected only the headline before the date line")
    paragraphs = [line for _, line in lines[position + 1:]]
    if not paragraphs:
        raise ImportProblem(f"has no article text after the date line (line {number})")
    dateline, paragraphs[0] = split_dateline(paragraphs[0])
    published, credit = found
    return Page(title=lines[position - 1][1], published=published,
                paragraphs=tuple(paragraphs), dateline=dateline, image_credit=credit)


def slug_for(title: str) -> str:
    """The headline as an address: lower-case ASCII words joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > SLUG_MAX:
            break
        slug = candidate
    return slug or "-".join(words)[:SLUG_MAX].strip("-")


# Markdown (CommonMark) reads these anywhere in a line: escapes, code, emphasis,
# links and images, autolinks and tags.
_INLINE = re.compile(r"[\\`*_\[\]<]|&(?=#?[A-Za-z0-9]+;)")
# ... and these only at the start of a line: headings, quotes, lists, rules, fences.
_LINE_START = re.compile(r"[#>+~-]")
_ORDERED = re.compile(r"(\d{1,9})([.)])")


def escape_markdown(paragraph: str) -> str:
    """One paragraph of plain text -> Markdown that renders to exactly that text.

    The paragraph is one line with no leading, trailing or doubled spaces (as plain()
    makes it), so it cannot be indented code or end in a hard line break. Backslash
    escapes are CommonMark's own way to say "this character is text"; only the
    characters that could start something are escaped, so the file stays readable.
    """
    text = _INLINE.sub(lambda m: "\\" + m.group(0), paragraph)
    if _LINE_START.match(text):
        return "\\" + text
    ordered = _ORDERED.match(text)
    if ordered:
        return f"{ordered[1]}\\{ordered[2]}{text[ordered.end():]}"
    return text


def yaml_value(value: str) -> str:
    """A front-matter value that YAML reads back as exactly `value`, as a string.

    Simple words stay bare (PARIS); anything YAML could read differently (a colon,
    a quote, "2016", "yes") is double-quoted by the YAML library itself.
    """
    if re.fullmatch(r"[^\W\d_][\w .,/'()-]*", value) and not value.endswith(" ") and \
            yaml.safe_load(value) == value:
        return value
    return yaml_quoted(value)


def yaml_quoted(value: str) -> str:
    """`value` as a double-quoted YAML string on one line, escaped by the YAML library."""
    return yaml.safe_dump(value, allow_unicode=True, default_style='"',
                          width=1_000_000_000).rstrip("\n")


def article_file(page: Page) -> str:
    """The article file: YAML front matter, a blank line, one paragraph a block."""
    front = [
        f"title: {yaml_quoted(page.title)}",  # headlines are full of colons and quotes
        f"published: {page.published.isoformat()}",
    ]
    if page.dateline:
        front.append(f"dateline: {yaml_value(page.dateline)}")
    if page.image_credit:
        front.append(f"image_credit: {yaml_value(page.image_credit)}")
    body = "\n\n".join(escape_markdown(paragraph) for paragraph in page.paragraphs)
    return "---\n" + "\n".join(front) + "\n---\n\n" + body + "\n"


def import_page(raw: bytes) -> tuple[str, str]:
    """Raw page bytes -> (suggested slug, article file text), or ImportProblem."""
    page = parse_page(decode(raw))
    return slug_for(page.title), article_file(page)
