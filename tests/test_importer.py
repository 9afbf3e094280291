"""Raw article pages -> article files: the words survive, the chrome does not."""
import re
from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from app.content import parse_article, render_markdown
from app.importer import ImportProblem, decode, escape_markdown, import_page, parse_page, slug_for
from tests.support import SEED_FILE, SEED_SLUG, seed_as_imported

ICONS = "arrow-down-circle Reply Icon facebook twitter linkedin pinterest share email"
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]


def page(headline: str, when: date, paragraphs: list[str], credit: str = "AFP") -> str:
    """A raw page laid out as the seed is: icons, headline, date line, paragraphs."""
    date_line = f"{MONTH_NAMES[when.month - 1]} {when.day}, {when.year}"
    if credit:
        date_line += f" (Photo Credit: {credit})"
    body = "\n\n".join(paragraphs)
    return f"{ICONS}\n\n{headline}\n\n{date_line}\n\n\n\n{body}\n\n\nNext Article"


def paragraph_texts(body_html: str) -> list[str]:
    soup = BeautifulSoup(body_html, "html.parser")
    assert [child.name for child in soup.find_all(recursive=False)] == \
        ["p"] * len(soup.find_all("p")), "every block is a plain paragraph"
    return [p.get_text() for p in soup.find_all("p")]


def test_the_committed_seed_is_exactly_what_the_import_makes():
    """Exactly, but for the section and tags its editor added afterwards."""
    slug, text = import_page(SEED_FILE.read_bytes())
    assert slug == SEED_SLUG
    assert text.encode("utf-8") == seed_as_imported()


def test_seed_page_parts():
    parsed = parse_page(decode(SEED_FILE.read_bytes()))
    assert parsed.title == "Le Drian, Carter, Other Ministers To Discuss ISIS Strategy"
    assert parsed.published == datetime(2016, 1, 19, tzinfo=UTC)
    assert parsed.image_credit == "AFP/Getty Images"
    assert parsed.dateline == "PARIS"
    assert len(parsed.paragraphs) == 12
    assert parsed.paragraphs[0].startswith("French Defense Minister Jean-Yves Le Drian")
    assert "with Ash Carter on Wednesday when" in parsed.paragraphs[0]  # NBSPs made plain
    assert all("\u00a0" not in p for p in parsed.paragraphs)
    assert parsed.paragraphs[-1].endswith("left hundreds wounded.")


def test_date_line_without_credit_and_abbreviated_month():
    parsed = parse_page("Headline\nSept. 3, 2024\nText.\n")
    assert parsed.published == datetime(2024, 9, 3, tzinfo=UTC)
    assert parsed.image_credit == ""
    assert parsed.paragraphs == ("Text.",)


@pytest.mark.parametrize("first, dateline, rest", [
    ("NEW YORK — The text.", "NEW YORK", "The text."),
    ("WASHINGTON, D.C. — The text.", "WASHINGTON, D.C.", "The text."),
    ("Paris — not a dateline, not in capitals.", "", "Paris — not a dateline, not in capitals."),
    ("PARIS - a hyphen is not a dateline dash.", "", "PARIS - a hyphen is not a dateline dash."),
    ("A — single letter is not a place.", "", "A — single letter is not a place."),
])
def test_dateline(first, dateline, rest):
    parsed = parse_page(f"Headline\nMay 1, 2020\n{first}\n")
    assert (parsed.dateline, parsed.paragraphs[0]) == (dateline, rest)


def test_windows_and_old_mac_line_endings_read_the_same():
    text = "Headline\n\nMay 1, 2020 (Photo Credit: AFP (Pool))\n\nOne.\n\nTwo.\n"
    expected = parse_page(text)
    assert expected.image_credit == "AFP (Pool)"
    assert parse_page(text.replace("\n", "\r\n")) == expected
    assert parse_page(text.replace("\n", "\r")) == expected


def test_text_before_the_headline_is_not_dropped_silently():
    with pytest.raises(ImportProblem, match="line 1"):
        parse_page("World news\nHeadline\nMay 1, 2020\nText.\n")


def test_a_next_article_paragraph_inside_the_text_is_kept():
    parsed = parse_page("Headline\nMay 1, 2020\nNext Article\nMore text.\nNext Article\n")
    assert parsed.paragraphs == ("Next Article", "More text.")


@pytest.mark.parametrize("raw, message", [
    (b"", "is empty"),
    (b"\n \n\t\n", "is empty"),
    (ICONS.encode() + b"\n\n\nNext Article\n", "only page chrome"),
    (b"Headline\n\nSome text.\n", "no date line"),
    (b"January 19, 2016\n\nSome text.\n", "no headline"),
    (b"Headline\nJanuary 19, 2016\n\nNext Article\n", "no article text"),
    (b"Headline\nFebruary 30, 2016\nText.\n", "no date line"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("Headline\nJanuary 19, 2016\ncaf\u00e9\n".encode("latin-1"), "not UTF-8 text (line 3)"),
    (b"Headline\nJanuary 19, 2016\nbell\x07\n", "control character"),
])
def test_bad_pages_are_refused_with_a_clear_message(raw, message):
    with pytest.raises(ImportProblem, match=re.escape(message)):
        import_page(raw)


def test_slugs():
    assert slug_for("Café: Über \"quotes\" & more!") == "cafe-uber-quotes-more"
    assert slug_for("東京") == ""
    long = slug_for("word " * 40)
    assert len(long) <= 80 and not long.endswith("-")


@pytest.mark.parametrize("text", [
    "# not a heading", "#hashtag", "> not a quote", "- not a list", "+ not a list",
    "* not a list", "1. not a list", "2) not a list", "---", "***", "___", "- - -",
    "~~~", "```", "`not code`", "*not emphasis*", "_not emphasis_", "snake_case_word",
    "[not](a link)", "![not](an image)", "[ref]: /not-a-definition", "<b>not bold</b>",
    "<https://example.org>", "<!-- not a comment -->", "&amp; stays &amp;", "&#35; &copy;",
    "AT&T", "back\\slash", "ends with a backslash\\", "\\*", "=== x", "2016. A year.",
])
def test_markdown_specials_are_shown_as_text(text):
    assert paragraph_texts(render_markdown(escape_markdown(text))[0]) == [text]


def test_escaping_leaves_ordinary_prose_alone():
    prose = "Le Drian, Carter (and others) met: 3,500 troops — “solidarity,” 42.7 #1!"
    assert escape_markdown(prose) == prose


# Text a well-formed page can hold: printable characters, no line breaks, with the
# characters Markdown, HTML and YAML care about drawn often.
line_text = st.text(
    st.one_of(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
              st.sampled_from("#>-+*_`[]()!<>&;:\"'~=.1 \u00a0\u2014amp")),
    min_size=1, max_size=80,
).map(lambda s: " ".join(s.replace("\u00a0", " ").split())).filter(bool)
paragraph = line_text.filter(lambda s: s != "Next Article")


@settings(max_examples=200, deadline=None)
@given(headline=line_text,
       when=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
       credit=st.one_of(st.just(""), line_text),
       paragraphs=st.lists(paragraph, min_size=1, max_size=6))
def test_a_well_formed_page_survives_import_and_loading(headline, when, credit, paragraphs):
    slug, text = import_page(page(headline, when, paragraphs, credit).encode("utf-8"))
    article = parse_article(text, "imported.md", default_slug=slug or "x")
    assert article.title == headline
    assert article.published.date() == when
    assert (article.image_credit or "") == credit
    shown = paragraph_texts(article.body_html)
    if article.dateline:  # the page shows the dateline opening the first paragraph
        shown[0] = f"{article.dateline} — {shown[0]}"
    assert shown == paragraphs
