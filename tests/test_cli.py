"""`flask articles import | list | check` as an editor uses them."""
import importlib.metadata
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import articles
from app.state import state
from tests.support import ROOT, SEED_FILE, SEED_SLUG, seed_as_imported

PAGE = """arrow-down-circle Reply Icon facebook twitter linkedin

A Headline: With "Quotes"

March 5, 2024 (Photo Credit: Jane Doe)

LYON — First paragraph.

# Second, not a heading.

Next Article
"""


def article(title: str, published: str) -> str:
    return f'---\ntitle: "{title}"\npublished: {published}\n---\n\nText of {title}.\n'


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file in `directory` (hidden ones too), to show nothing else was written."""
    return {p.name: p.read_bytes() for p in directory.iterdir()}


class Editor:
    """`flask articles ...` on the content folder around `directory` (its articles/),
    run in this process."""

    def __init__(self, directory: Path | None):
        self.directory = directory

    def invoke(self, args: list[str], input: str | None = None):
        assert args[0] == "articles"
        folder = [] if self.directory is None else ["--content-dir", str(self.directory.parent)]
        args = args[1:] + folder
        return CliRunner().invoke(articles, args, input=input)


def runner_for(directory: Path) -> Editor:
    return Editor(directory)


@pytest.fixture
def runner() -> Editor:
    """The commands on the site's configured content folder (no --content-dir)."""
    return Editor(None)


@pytest.fixture
def content(tmp_path) -> Path:
    directory = tmp_path / "articles"
    directory.mkdir()
    (directory / "older.md").write_text(article("Older", "2024-01-01T09:00:00+00:00"),
                                        encoding="utf-8")
    (directory / "newer.md").write_text(article("Newer: yes", "2024-06-01T09:00:00+02:00"),
                                        encoding="utf-8")
    return directory


@pytest.fixture
def broken(content) -> Path:
    (content / "no-date.md").write_text("---\ntitle: No date\n---\nText.\n", encoding="utf-8")
    (content / "bad-yaml.md").write_text("---\ntitle: a: b\n---\nText.\n", encoding="utf-8")
    return content


def page_file(tmp_path: Path, data: str | bytes, name: str = "page.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# list

def test_list_shows_slug_date_and_title_newest_first(content):
    result = runner_for(content).invoke(args=["articles", "list"])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["newer\t2024-06-01\tNewer: yes",
                                          "older\t2024-01-01\tOlder"]


def test_list_of_the_real_content_includes_the_seed(runner):
    result = runner.invoke(args=["articles", "list"])
    assert result.exit_code == 0
    lines = [line.split("\t") for line in result.output.splitlines()]
    title = "Le Drian, Carter, Other Ministers To Discuss ISIS Strategy"
    assert [SEED_SLUG, "2016-01-19", title] in lines
    dates = [line[1] for line in lines]
    assert dates == sorted(dates, reverse=True)


def test_list_with_broken_files_lists_the_rest_and_says_so(broken):
    result = runner_for(broken).invoke(args=["articles", "list"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["newer\t2024-06-01\tNewer: yes",
                                          "older\t2024-01-01\tOlder"]
    assert "2 file(s) with problems" in result.stderr


# check

def test_check_passes_on_good_content(content):
    result = runner_for(content).invoke(args=["articles", "check"])
    assert result.exit_code == 0
    assert result.output == f"2 article(s) in {content}: all good.\n"


def test_check_passes_on_the_shipped_content(runner):
    result = runner.invoke(args=["articles", "check"])
    assert result.exit_code == 0, result.output
    assert "all good" in result.output


def test_check_reports_every_broken_file_with_its_line(broken):
    result = runner_for(broken).invoke(args=["articles", "check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{broken / 'no-date.md'}:1: missing required field 'published'" in lines
    assert any(line.startswith(f"{broken / 'bad-yaml.md'}:2: front matter is not valid YAML")
               for line in lines)
    assert lines[-1].startswith("2 problem(s) in 2 file(s)")


def test_check_reports_every_problem_in_one_file(content):
    (content / "many.md").write_text("---\nheadline: H\npublished: soon\ntags: 3\n---\n\n",
                                     encoding="utf-8")
    result = runner_for(content).invoke(args=["articles", "check"])
    assert result.exit_code == 1
    where = content / "many.md"
    assert result.output.splitlines()[:-1] == [
        (f"{where}:2: unknown field 'headline' (known: authors, dateline, image, image_alt, "
         "image_caption, image_credit, published, section, slug, source_url, summary, tags, "
         "title, updated)"),
        f"{where}:1: missing required field 'title'",
        f"{where}:3: published is not an ISO 8601 date and time: 'soon'",
        f"{where}: the article has no body text",
        f"{where}:4: tags must be a list of names",
    ]
    assert result.output.splitlines()[-1].startswith("5 problem(s) in 1 file(s)")


def test_check_on_a_missing_directory(tmp_path):
    result = runner_for(tmp_path / "nowhere" / "articles").invoke(args=["articles", "check"])
    assert result.exit_code == 1
    assert "content directory does not exist" in result.output


# sections, tags and authors

def story(slug: str, published: str, **fields) -> str:
    lines = "".join(f"{name}: {value}\n" for name, value in fields.items())
    return f'---\ntitle: "{slug}"\npublished: {published}\n{lines}---\n\nText of {slug}.\n'


@pytest.fixture
def listed(tmp_path) -> Path:
    """Three articles in sections, with tags and authors; their folder's articles/."""
    directory = tmp_path / "articles"
    directory.mkdir()
    files = {
        "a": story("a", "2024-03-01T09:00:00Z", section="Défense & Sécurité",
                   tags="[France, Islamic State]", authors="[Jane Doe]"),
        "b": story("b", "2024-02-01T09:00:00Z", section="Défense & Sécurité",
                   tags="[France]", authors="[Jane Doe, Ali Ben]"),
        "c": story("c", "2024-01-01T09:00:00Z", section="World", tags="[Islamic State]"),
    }
    for name, text in files.items():
        (directory / f"{name}.md").write_text(text, encoding="utf-8")
    return directory


@pytest.mark.parametrize("options, slugs", [
    ([], ["a", "b", "c"]),
    (["--section", "Défense & Sécurité"], ["a", "b"]),
    (["--section", "defense-securite"], ["a", "b"]),          # the slug works too
    (["--tag", "islamic-state"], ["a", "c"]),
    (["--tag", "ISLAMIC STATE"], ["a", "c"]),
    (["--author", "Ali Ben"], ["b"]),
    (["--section", "world", "--tag", "France"], []),          # all the filters at once
    (["--tag", "France", "--author", "jane-doe"], ["a", "b"]),
    (["--tag", "nothing"], []),
])
def test_list_filters_by_section_tag_and_author(listed, options, slugs):
    result = runner_for(listed).invoke(args=["articles", "list", *options])
    assert result.exit_code == 0, result.output
    assert [line.split("\t")[0] for line in result.output.splitlines()] == slugs


def test_check_reports_two_names_for_one_address_naming_both_files(listed):
    (listed / "d.md").write_text(story("d", "2024-04-01T09:00:00Z", tags="[Nothing, france]",
                                       section="'Defense Securite'"), encoding="utf-8")
    result = runner_for(listed).invoke(args=["articles", "check"])
    assert result.exit_code == 1
    where = listed / "d.md"
    assert result.output.splitlines()[:-1] == [
        f"{where}:5: section 'Defense Securite' makes the address /sections/defense-securite, "
        f"as 'Défense & Sécurité' does in {listed / 'a.md'}; spell the two the same, or make "
        "them differ in letters or digits",
        f"{where}:4: tag 'france' makes the address /tags/france, as 'France' does in "
        f"{listed / 'a.md'}; spell the two the same, or make them differ in letters or digits",
    ]
    assert result.output.splitlines()[-1].startswith("2 problem(s) in 1 file(s)")


def test_check_reports_a_name_with_no_address(listed):
    (listed / "d.md").write_text(story("d", "2024-04-01T09:00:00Z", tags="['!!!']"),
                                 encoding="utf-8")
    result = runner_for(listed).invoke(args=["articles", "check"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{listed / 'd.md'}:4: tag '!!!' has no letters or digits to make an address from")


def authors_folder(articles_folder: Path) -> Path:
    folder = articles_folder.parent / "authors"
    folder.mkdir(exist_ok=True)
    return folder


def test_check_reads_author_files_and_notes_the_ones_no_article_names(listed):
    folder = authors_folder(listed)
    (folder / "jane-doe.md").write_text("---\nname: Jane Doe\n---\n\nWrites.\n",
                                        encoding="utf-8")
    (folder / "sam-new.md").write_text("---\nname: Sam New\n---\n\nJoins soon.\n",
                                       encoding="utf-8")
    result = runner_for(listed).invoke(args=["articles", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{folder / 'sam-new.md'}: note: no article names 'Sam New' yet; /authors/sam-new "
        "appears with their first article",
        f"3 article(s) in {listed} and 2 author file(s) in {folder}: all good.",
    ]


@pytest.mark.parametrize("name, text, message", [
    ("jane.md", "---\nname: Jane Doe\n---\n", "2: name 'Jane Doe' makes the address "
     "/authors/jane-doe, so this file must be named jane-doe.md"),
    ("jane-doe.md", "---\nname: jane doe\n---\n", "a.md:6: author 'Jane Doe' makes the "
     "address /authors/jane-doe, as 'jane doe' does in "),
    ("jane-doe.md", "---\nname: Jane Doe\nrole: x\n---\n", "3: unknown field 'role' (known: "
     "name)"),
    ("jane-doe.md", "---\nbio: x\n---\n", "1: missing required field 'name'"),
    ("jane-doe.md", "no front matter", "1: no front matter"),
])
def test_check_reports_broken_author_files(listed, name, text, message):
    (authors_folder(listed) / name).write_text(text, encoding="utf-8")
    result = runner_for(listed).invoke(args=["articles", "check"])
    assert result.exit_code == 1
    assert message in result.output, result.output


# import

def test_import_of_the_seed_makes_the_committed_file(content):
    result = runner_for(content).invoke(args=["articles", "import", str(SEED_FILE)])
    assert result.exit_code == 0, result.output
    written = content / f"{SEED_SLUG}.md"
    assert result.output == f"{written}\n"
    assert written.read_bytes() == seed_as_imported()
    assert written.stat().st_mode & 0o777 == 0o644
    assert sorted(snapshot(content)) == sorted(["newer.md", "older.md", f"{SEED_SLUG}.md"])


def test_imported_file_loads_with_its_fields(content, tmp_path):
    runner = runner_for(content)
    result = runner.invoke(args=["articles", "import", str(page_file(tmp_path, PAGE))])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(content / "a-headline-with-quotes.md")
    check = runner.invoke(args=["articles", "check"])
    assert check.exit_code == 0, check.output
    loaded = state(create_app({"CONTENT_DIR": str(content.parent)})).store
    imported = loaded.get("a-headline-with-quotes")
    assert imported.title == 'A Headline: With "Quotes"'
    assert imported.dateline == "LYON"
    assert imported.image_credit == "Jane Doe"
    assert imported.published.isoformat() == "2024-03-05T00:00:00+00:00"
    assert "<h1>" not in imported.body_html


def test_import_reads_standard_input_and_takes_a_slug(content):
    result = runner_for(content).invoke(args=["articles", "import", "-", "--slug", "chosen"],
                                        input=PAGE)
    assert result.exit_code == 0, result.output
    assert result.output == f"{content / 'chosen.md'}\n"
    assert (content / "chosen.md").read_text(encoding="utf-8").startswith(
        '---\ntitle: "A Headline: With \\"Quotes\\""\n')


def test_import_does_not_overwrite_without_force(content, tmp_path):
    source = page_file(tmp_path, PAGE)
    runner = runner_for(content)
    assert runner.invoke(args=["articles", "import", str(source)]).exit_code == 0
    target = content / "a-headline-with-quotes.md"
    target.write_text("edited by hand", encoding="utf-8")
    before = snapshot(content)

    again = runner.invoke(args=["articles", "import", str(source)])
    assert again.exit_code == 1
    assert again.output == (f"Error: {target} already exists; use --force to replace it, "
                            "or --slug to choose another address\n")
    assert snapshot(content) == before

    forced = runner.invoke(args=["articles", "import", str(source), "--force"])
    assert forced.exit_code == 0, forced.output
    assert target.read_text(encoding="utf-8").startswith("---\ntitle:")
    assert sorted(snapshot(content)) == sorted(before)


def test_import_refuses_a_slug_claimed_by_another_file(content, tmp_path):
    (content / "other-name.md").write_text(
        article("Claimed", "2024-02-01T00:00:00Z").replace("---\n", "---\nslug: taken\n", 1),
        encoding="utf-8")
    before = snapshot(content)
    result = runner_for(content).invoke(
        args=["articles", "import", str(page_file(tmp_path, PAGE)), "--slug", "taken", "--force"])
    assert result.exit_code == 1
    assert "already used by" in result.output and "other-name.md" in result.output
    assert snapshot(content) == before


def test_import_refuses_a_page_imported_before_under_another_slug(content, tmp_path):
    source = str(page_file(tmp_path, PAGE))
    editor = runner_for(content)
    assert editor.invoke(args=["articles", "import", source]).exit_code == 0
    before = snapshot(content)
    again = editor.invoke(args=["articles", "import", source, "--slug", "second-copy"])
    assert again.exit_code == 1
    assert again.output == (f"Error: this article is already in "
                            f"{content / 'a-headline-with-quotes.md'} (the same headline and "
                            "text); nothing was written\n")
    assert snapshot(content) == before


def test_check_reports_the_same_article_in_two_files(content):
    (content / "copy-of-older.md").write_bytes((content / "older.md").read_bytes())
    result = runner_for(content).invoke(args=["articles", "check"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{content / 'older.md'}: the same article as {content / 'copy-of-older.md'} (the "
        "same headline and text); keep one of the two files")


def test_import_works_while_another_file_is_broken(broken, tmp_path):
    result = runner_for(broken).invoke(args=["articles", "import",
                                             str(page_file(tmp_path, PAGE))])
    assert result.exit_code == 0, result.output
    assert (broken / "a-headline-with-quotes.md").exists()


@pytest.mark.parametrize("data, message", [
    ("", "is empty"),
    ("arrow-down-circle Reply Icon facebook twitter linkedin\n\nNext Article\n",
     "has only page chrome"),
    ("A headline\n\nSome text with no date.\n", "has no date line"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "is a binary file"),
    ("Headline\nMay 1, 2020\nCaf\u00e9 cr\u00e8me.\n".encode("latin-1"), "is not UTF-8 text"),
    ("\u6771\u4eac\nMay 1, 2020\nText.\n", "has no letters or digits in its headline"),
])
def test_bad_input_gets_one_message_and_writes_nothing(content, tmp_path, data, message):
    source = page_file(tmp_path, data)
    before = snapshot(content)
    result = runner_for(content).invoke(args=["articles", "import", str(source)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {source} ") and message in result.output
    assert result.output.count("\n") == 1, "one message, one line"
    assert snapshot(content) == before


def test_missing_file(content, tmp_path):
    before = snapshot(content)
    result = runner_for(content).invoke(args=["articles", "import", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2  # click's usage error, from click.File
    assert result.output.splitlines()[-1] == (f"Error: Invalid value for 'FILE': "
                                              f"'{tmp_path / 'nope.txt'}': No such file or "
                                              "directory")
    assert snapshot(content) == before


def test_empty_standard_input(content):
    before = snapshot(content)
    result = runner_for(content).invoke(args=["articles", "import", "-"], input="")
    assert result.exit_code == 1
    assert result.output == "Error: standard input is empty\n"
    assert snapshot(content) == before


def test_import_into_a_missing_directory(tmp_path):
    missing = tmp_path / "nowhere" / "articles"
    result = runner_for(missing).invoke(args=["articles", "import",
                                              str(page_file(tmp_path, PAGE))])
    assert result.exit_code == 1
    assert result.output == f"Error: the content directory {missing} does not exist\n"
    assert not (tmp_path / "nowhere").exists()


def test_bad_slug_option(content, tmp_path):
    result = runner_for(content).invoke(
        args=["articles", "import", str(page_file(tmp_path, PAGE)), "--slug", "Not A Slug"])
    assert result.exit_code == 1
    assert "--slug 'Not A Slug' must be lower-case" in result.output
    assert sorted(snapshot(content)) == ["newer.md", "older.md"]


def test_a_failed_write_leaves_no_file_behind(content, tmp_path, monkeypatch):
    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    before = snapshot(content)
    result = runner_for(content).invoke(args=["articles", "import",
                                              str(page_file(tmp_path, PAGE))])
    assert result.exit_code == 1
    assert result.output == (f"Error: cannot write {content / 'a-headline-with-quotes.md'}: "
                             "No space left on device\n")
    assert snapshot(content) == before


# start-up: only the editors' commands run on broken content

def flask(args: list[str], articles: Path) -> subprocess.CompletedProcess:
    """The `flask` command as an editor types it, on this checkout's code, with the content
    folder around `articles`."""
    env = {**os.environ, "FLASK_CONTENT_DIR": str(articles.parent), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False, env=env)


def test_the_group_is_a_plugin_command_flask_offers_without_an_app():
    plugins = {entry.name: entry.value
               for entry in importlib.metadata.entry_points(group="flask.commands")}
    assert plugins.get("articles") == "app.cli:articles"


IMPOSSIBLE_DATES = ["2026-02-30T09:00:00Z", "2026-13-01T09:00:00Z", "2026-01-01T25:00:00Z"]


@pytest.mark.parametrize("published", IMPOSSIBLE_DATES)
def test_an_impossible_date_is_one_line_with_file_and_line(content, published):
    (content / "impossible.md").write_text(
        f"---\ntitle: Impossible\npublished: {published}\n---\n\nText.\n", encoding="utf-8")
    where = f"{content / 'impossible.md'}:3: published is not an ISO 8601 date and time"
    check = flask(["articles", "check"], content)
    assert check.returncode == 1
    assert check.stdout.splitlines()[0].startswith(f"{where}: '{published}'")
    assert len(check.stdout.splitlines()) == 2 and check.stderr == ""
    listed = flask(["articles", "list"], content)
    assert listed.returncode == 1
    assert listed.stderr == ("1 file(s) with problems are not listed; run "
                             "`flask articles check`.\n")
    start = flask(["run", "--port", "1"], content)
    assert start.returncode == 3
    assert start.stderr.splitlines() == ["The site cannot start:", check.stdout.splitlines()[0]]


def test_flask_articles_check_runs_on_broken_content(broken):
    result = flask(["articles", "check"], broken)
    assert result.returncode == 1
    assert f"{broken / 'no-date.md'}:1: missing required field 'published'" in result.stdout
    assert f"{broken / 'bad-yaml.md'}:2:" in result.stdout
    assert "Traceback" not in result.stderr


def test_flask_run_still_refuses_broken_content(broken):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = flask(["run", "--host", "127.0.0.1", "--port", str(port)], broken)
    assert result.returncode == 3
    assert "missing required field 'published'" in result.stderr
