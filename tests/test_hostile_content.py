"""Hostile content: whatever an editor's file holds (or a page run through the importer),
the site and `flask articles check` answer with one message per problem naming the file
and line, in little time and memory, and nothing unsafe reaches a page, a feed or a tag.
"""
import json
from pathlib import Path

import pytest

from app import content, create_app
from app.content import ContentErrors, load_store, read_articles
from app.importer import ImportProblem, import_page
from tests.support import write_article as write

HEAD = "---\ntitle: {title}\npublished: 2026-11-20T09:00:00Z\n{extra}---\n\n{body}\n"


def article(title="A headline", extra="", body="Some text.") -> str:
    return HEAD.format(title=title, extra=extra, body=body)


def problems(content_dir: Path) -> list[str]:
    return [str(error) for error in read_articles(content_dir)[1]]


def only_problem(content_dir: Path) -> str:
    found = problems(content_dir)
    assert len(found) == 1, found
    return found[0]


# --- 1. Characters XML (and so feeds and sitemaps) forbid --------------------------------

@pytest.mark.parametrize("title, code", [
    ('"A \\uFFFE headline"', "U+FFFE"),   # YAML escapes reach the value as the character
    ('"A \\uFFFF headline"', "U+FFFF"),
    ('"A \\0 headline"', "U+0000"),
    ('"A \\x01 headline"', "U+0001"),
    ('"A \\e headline"', "U+001B"),
    ('"A \\x85 headline"', "U+0085"),    # a C1 control: HTML forbids it
])
def test_a_forbidden_character_in_the_title_is_named_with_its_line(tmp_path, title, code):
    write(tmp_path, "a.md", article(title=title))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'articles' / 'a.md'}:2: ")
    assert code in message


@pytest.mark.parametrize("extra, line", [
    ('dateline: "PA\\uFFFFRIS"\n', 4),
    ('summary: "x\\x07y"\n', 4),
    ('image_credit: "AFP\\uFDD0"\n', 4),  # a noncharacter
    ('tags: [one, "t\\x02wo"]\n', 4),
    ('authors:\n  - Ana\n  - "B\\x1fob"\n', 4),
])
def test_a_forbidden_character_in_any_text_field_is_refused(tmp_path, extra, line):
    write(tmp_path, "a.md", article(extra=extra))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'articles' / 'a.md'}:{line}: ")
    assert "U+" in message


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\x01", "\x0c", "\x7f", "\x9b"])
def test_a_forbidden_character_in_the_body_is_named_with_its_line(tmp_path, character):
    write(tmp_path, "a.md", article(body=f"First paragraph.\n\nSecond {character} one."))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'articles' / 'a.md'}:8: ")
    assert f"U+{ord(character):04X}" in message


def test_tabs_line_ends_and_ordinary_unicode_stay_allowed(tmp_path):
    write(tmp_path, "a.md", article(title='"Caf\u00e9 \u2014 \U0001f600"',
                                    body="Tab\there.\r\n\r\nNBSP\u00a0and \u202fthin."))
    assert problems(tmp_path) == []


def test_a_site_with_such_a_title_does_not_start_and_so_never_serves_a_broken_feed(tmp_path):
    write(tmp_path, "a.md", article(title='"A \\uFFFE headline"'))
    with pytest.raises(ContentErrors, match="U\\+FFFE"):
        create_app({"TESTING": True, "CONTENT_DIR": str(tmp_path)})


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\ufdd0"])
def test_the_importer_refuses_what_xml_forbids(character):
    raw = f"A headline\nJanuary 19, 2016\nText {character} here.\n".encode()
    with pytest.raises(ImportProblem, match=f"U\\+{ord(character):04X}.*line 3"):
        import_page(raw)


# --- 2. Anchors and aliases; values never whole in a message --------------------------------

def alias_bomb(levels: int) -> str:
    lines = ['  - &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"  - &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "---\ntitle: Bomb\npublished:\n" + "\n".join(lines) + "\n---\n\nBody.\n"


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path):
    # Five levels (59,049 strings) would already make a message of 600 kB; the file is
    # refused at its first anchor, before anything is built.
    write(tmp_path, "bomb.md", alias_bomb(5))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'articles' / 'bomb.md'}:4: ")
    assert "anchors" in message and "aliases" in message
    assert len(message) < 300


@pytest.mark.parametrize("extra", [
    "dateline: &place PARIS\nsection: *place\n",
    "tags: &t [a, b]\n",
    "x: &m {a: 1}\n<<: *m\n",
])
def test_anchors_and_aliases_are_refused(tmp_path, extra):
    write(tmp_path, "a.md", article(extra=extra))
    message = only_problem(tmp_path)
    assert "anchors (&name) and aliases (*name) are not allowed" in message
    assert ":4: " in message


@pytest.mark.parametrize("extra", [
    "published: [" + ", ".join(f"item-{n}" for n in range(20000)) + "]\n",
    "published: {" + ", ".join(f"k{n}: v" for n in range(20000)) + "}\n",
])
def test_a_long_value_of_the_wrong_kind_is_named_by_its_type(tmp_path, extra):
    write(tmp_path, "a.md", f"---\ntitle: T\n{extra}---\n\nBody.\n")
    message = only_problem(tmp_path)
    assert "published must be a date and time" in message
    assert "item-19999" not in message and "k19999" not in message
    assert len(message) < 300


@pytest.mark.parametrize("field, value", [
    ("published", "x" * 100_000),
    ("slug", "Not-A-Slug-" + "x" * 100_000),
    ("updated", "y" * 100_000),
])
def test_a_long_text_value_is_shortened_in_its_message(tmp_path, field, value):
    text = article(extra=f"{field}: {value}\n") if field != "published" else \
        article().replace("2026-11-20T09:00:00Z", value)
    write(tmp_path, "a.md", text)
    message = only_problem(tmp_path)
    assert "…" in message
    assert len(message) < 300 + len(str(tmp_path))


def test_a_long_unknown_field_name_is_shortened(tmp_path):
    # YAML's longest implicit key is 1,024 characters; an explicit one (?) has no limit.
    write(tmp_path, "a.md", article(extra=f"? {'k' * 100_000}\n: 1\n"))
    message = only_problem(tmp_path)
    assert "unknown field" in message and len(message) < 600 + len(str(tmp_path))


# --- 3. Values that crashed the reader ---------------------------------------------------

def test_a_five_thousand_digit_number_is_one_problem_with_its_line(tmp_path):
    write(tmp_path, "a.md", article(title="1" * 5000))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'articles' / 'a.md'}:2: ")
    assert "5000 digits" in message


@pytest.mark.parametrize("extra, line", [
    ("tags: " + "[" * 5000 + "]" * 5000 + "\n", 4),
    ("tags: " + "{a: " * 3000 + "b" + "}" * 3000 + "\n", 4),
    # One level a line: the line where it goes past content.MAX_NESTING levels.
    ("tags:\n" + "".join("  " * depth + "- \n" for depth in range(2000)),
     4 + content.MAX_NESTING),
])
def test_deep_nesting_is_one_problem_with_its_line(tmp_path, extra, line):
    write(tmp_path, "a.md", article(extra=extra))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'articles' / 'a.md'}:{line}: ")
    assert "nested too deeply" in message


def test_the_site_reports_such_values_instead_of_crashing(tmp_path):
    write(tmp_path, "a.md", article(title="1" * 5000))
    write(tmp_path, "b.md", article(extra="tags: " + "[" * 5000 + "]" * 5000 + "\n"))
    with pytest.raises(ContentErrors) as caught:
        create_app({"TESTING": True, "CONTENT_DIR": str(tmp_path)})
    assert len(caught.value.errors) == 2


# --- 4. Hidden files -----------------------------------------------------------------------

@pytest.mark.parametrize("name, data", [
    ("._a.md", b"\x00\x05\x16\x07Mac OS X        \x00\x02\x00\x00"),  # macOS AppleDouble
    (".#a.md", b"editor@host.1234:1700000000"),  # Emacs' lock file
    (".a.md.swp.md", b"\x00binary"),
    (".draft.md", b"---\ntitle: [unclosed\n---\n"),
])
def test_hidden_files_are_skipped(tmp_path, name, data):
    write(tmp_path, "a.md", article())
    write(tmp_path, name, data)
    assert problems(tmp_path) == []
    assert list(load_store(tmp_path)) and len(load_store(tmp_path)) == 1


# --- 5. URLs in front matter --------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
    "data:image/svg+xml,<svg onload=alert(1)>", "vbscript:x", "http://example.org/a.jpg",
    "//evil.example/a.jpg", "/\\evil.example/a.jpg", "\\\\evil.example\\a.jpg",
    "https:/a.jpg", "https://", "pic.jpg", "/a b.jpg", "https://example.org:0/",
    "ftp://example.org/a", "https://exa mple.org/a",
    "java\tscript:alert(1)", "https://example.org/a\nb",
])
def test_url_fields_refuse_anything_but_https_and_site_relative(tmp_path, value):
    assert content.url_problem(value) is not None
    for field in ("image", "source_url"):
        write(tmp_path, "a.md", article(extra=f"{field}: {json.dumps(value)}\n"))
        message = only_problem(tmp_path)
        # source_url says what is wrong with the address; image, which names a file in
        # media/ (app/media.py), says the same of anything else.
        assert message.startswith(f"{tmp_path / 'articles' / 'a.md'}:4: {field}")


@pytest.mark.parametrize("value", [
    "https://example.org/a.jpg", "https://example.org/a?x=1#y", "/media/a.jpg", "/a%20b.jpg",
    "HTTPS://EXAMPLE.ORG/",
])
def test_url_fields_accept_https_and_site_relative(tmp_path, value):
    assert content.url_problem(value) is None
    quoted = json.dumps(value)
    write(tmp_path, "a.md", article(extra=f"source_url: {quoted}\n"))
    assert problems(tmp_path) == []


def test_a_javascript_image_never_reaches_a_page(tmp_path):
    write(tmp_path, "a.md", article(extra="image: javascript:alert(1)\n"))
    with pytest.raises(ContentErrors, match="image"):
        create_app({"TESTING": True, "CONTENT_DIR": str(tmp_path)})
