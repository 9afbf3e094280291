"""Content files -> articles, and every kind of bad file named with its problem."""
from pathlib import Path

import pytest

from app import create_app
from app.content import ContentErrors, load_store, read_articles
from tests.support import write_article as write

GOOD = """---
title: "A headline: with a colon"
published: 2024-03-01T09:30:00+01:00
dateline: LYON
authors: [Ana Ruiz]
tags: [one, two]
---

First *paragraph* here.

Second paragraph <script>alert(1)</script>.
"""


def problems(directory: Path) -> list[str]:
    return [str(error) for error in read_articles(directory)[1]]


def test_a_good_file_becomes_an_article(tmp_path):
    write(tmp_path, "a-story.md", GOOD)
    store = load_store(tmp_path)
    article = store.get("a-story")
    assert article.title == "A headline: with a colon"
    assert article.published.isoformat() == "2024-03-01T09:30:00+01:00"
    assert article.dateline == "LYON"
    assert article.authors == ("Ana Ruiz",)
    assert article.tags == ("one", "two")
    assert article.summary == "First paragraph here."
    assert "<em>paragraph</em>" in article.body_html


def test_raw_html_in_markdown_is_never_passed_through(tmp_path):
    write(tmp_path, "a-story.md", GOOD)
    body = load_store(tmp_path).get("a-story").body_html
    assert "<script>" not in body
    assert "&lt;script&gt;" in body


def test_slug_from_front_matter_wins_over_file_name(tmp_path):
    write(tmp_path, "file-name.md", GOOD.replace("dateline:", "slug: chosen\ndateline:"))
    assert "chosen" in load_store(tmp_path)


@pytest.mark.parametrize("text, expected", [
    ("no front matter at all\n", "a-story.md:1: no front matter"),
    ("---\ntitle: [unclosed\npublished: 2024-01-01T00:00:00Z\n---\nbody\n",
     "front matter is not valid YAML"),
    ("---\npublished: 2024-01-01T00:00:00Z\n---\nbody\n", "missing required field 'title'"),
    ("---\ntitle: T\n---\nbody\n", "missing required field 'published'"),
    ("---\ntitle: T\npublished: 2024-01-01\n---\nbody\n",
     "a-story.md:3: published has a date but no time and timezone"),
    ("---\ntitle: T\npublished: 2024-01-01T10:00:00\n---\nbody\n",
     "a-story.md:3: published has no timezone"),
    ("---\ntitle: T\npublished: next tuesday\n---\nbody\n",
     "a-story.md:3: published is not an ISO 8601 date"),
    # Impossible dates: YAML would build them itself and fail with no file or line.
    ("---\ntitle: T\npublished: 2026-02-30T09:00:00Z\n---\nbody\n",
     "a-story.md:3: published is not an ISO 8601 date and time: '2026-02-30T09:00:00Z' "
     "(day is out of range for month)"),
    ("---\ntitle: T\npublished: 2026-13-01T09:00:00Z\n---\nbody\n",
     "a-story.md:3: published is not an ISO 8601 date and time: '2026-13-01T09:00:00Z' "
     "(month must be in 1..12)"),
    ("---\ntitle: T\npublished: 2026-01-01T09:00:00Z\nupdated: 2026-01-01 25:00:00Z\n---\nb\n",
     "a-story.md:4: updated is not an ISO 8601 date and time: '2026-01-01 25:00:00Z' "
     "(hour must be in 0..23)"),
    ("---\ntitle: T\npublished: !!timestamp 2026-02-30\n---\nbody\n",
     "a-story.md:3: published is not an ISO 8601 date and time: '2026-02-30'"),
    ("---\ntitle: T\npublished: 2024-01-01T10:00:00Z\n---\n\n", "has no body text"),
    ("---\ntitle: T\npublished: 2024-01-01T10:00:00Z\nheadline: x\n---\nbody\n",
     "a-story.md:4: unknown field 'headline'"),
    ("---\ntitle: T\nslug: Not A Slug\npublished: 2024-01-01T10:00:00Z\n---\nbody\n",
     "a-story.md:3: slug 'Not A Slug' must be lower-case"),
    ("---\ntitle: T\npublished: 2024-01-02T10:00:00Z\nupdated: 2024-01-01T10:00:00Z\n---\nb\n",
     "a-story.md:4: updated is earlier than published"),
])
def test_bad_files_are_named_with_their_problem(tmp_path, text, expected):
    write(tmp_path, "a-story.md", text)
    found = problems(tmp_path)
    assert len(found) == 1
    assert expected in found[0]
    assert found[0].startswith(str(tmp_path / "articles" / "a-story.md"))


def test_yaml_error_points_at_the_line(tmp_path):
    write(tmp_path, "a-story.md", "---\ntitle: T\npublished: 2024-01-01T00:00:00Z\n"
                                  "tags: [a, b\n---\nbody\n")
    (error,) = read_articles(tmp_path)[1]
    assert error.line is not None and error.line >= 4


def test_non_utf8_file(tmp_path):
    write(tmp_path, "a-story.md", b"---\ntitle: caf\xe9\n---\n")
    assert problems(tmp_path) == [f"{tmp_path / 'articles' / 'a-story.md'}:2: is not UTF-8 text"]


def test_unreadable_file(tmp_path):
    # A directory with an article's name cannot be read.
    (tmp_path / "articles" / "a-story.md").mkdir(parents=True)
    (message,) = problems(tmp_path)
    assert "a-story.md: cannot be read" in message


def test_duplicate_slug_names_both_files(tmp_path):
    write(tmp_path, "first.md", GOOD.replace("dateline:", "slug: same\ndateline:"))
    write(tmp_path, "second.md", GOOD.replace("dateline:", "slug: same\ndateline:"))
    (message,) = problems(tmp_path)
    assert "second.md:4: duplicate slug 'same', also used by" in message
    assert "first.md" in message


def test_the_same_article_under_two_slugs_names_both_files(tmp_path):
    write(tmp_path, "first.md", GOOD)
    write(tmp_path, "second.md", GOOD)
    (message,) = problems(tmp_path)
    articles = tmp_path / "articles"
    assert message == (f"{articles / 'second.md'}: the same article as {articles / 'first.md'} "
                       "(the same headline and text); keep one of the two files")


def test_missing_directory(tmp_path):
    (message,) = problems(tmp_path / "nowhere")
    assert "content directory does not exist" in message


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "no-title.md", "---\npublished: 2024-01-01T00:00:00Z\n---\nbody\n")
    write(tmp_path, "no-date.md", "---\ntitle: T\n---\nbody\n")
    assert len(problems(tmp_path)) == 2


def test_the_site_refuses_to_start_with_a_bad_file(tmp_path):
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "bad.md", "---\ntitle: T\n---\nbody\n")
    with pytest.raises(ContentErrors) as caught:
        create_app({"CONTENT_DIR": str(tmp_path)})
    assert "bad.md" in str(caught.value)
    assert "missing required field 'published'" in str(caught.value)
