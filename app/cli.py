"""`flask articles list | check | import`: editors' commands, registered by the factory.

These commands read CONTENT_DIR themselves (with content.read_articles) instead of
using the app's article store. The store is all or nothing: the site refuses to start
on a broken file, and that is right for a server. An editor, though, needs `check` most
when a file is broken, and must be able to `import` a new article while an unrelated
file is being fixed. So when this process is `flask articles ...`, wsgi.py builds the
app with strict_content=False (see editors_command_requested) and these commands report
the problems themselves; every other way of starting the app still fails loudly.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .articles import ArticleStore
from .content import SLUG_PATTERN, ContentError, parse_article, read_articles
from .importer import ImportProblem, import_page

GROUP = "articles"
articles_cli = AppGroup(GROUP, help="Import, list and check the site's articles.")

# Options of the `flask` command itself that take a value (`flask --app wsgi articles`).
_FLASK_OPTIONS_WITH_VALUE = {"-A", "--app", "-e", "--env-file"}


def editors_command_requested(argv: list[str] | None = None,
                              environ: os._Environ | dict | None = None) -> bool:
    """True when this process is the Flask CLI running `flask [options] articles ...`.

    Flask's CLI imports wsgi.py to find the app's commands before it runs any of them,
    and wsgi.py exits on broken content; this is how wsgi.py knows to let the editors'
    commands through. FLASK_RUN_FROM_CLI is set by the Flask CLI itself (FlaskGroup),
    so gunicorn and `python -c "import wsgi"` are never mistaken for it, and `flask run`
    is not the `articles` group, so it still refuses to serve broken content.
    """
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if environ.get("FLASK_RUN_FROM_CLI") != "true":
        return False
    args = iter(argv[1:])
    for arg in args:
        if arg in _FLASK_OPTIONS_WITH_VALUE:
            next(args, None)
        elif not arg.startswith("-"):
            return arg == GROUP
    return False


def content_dir() -> Path:
    return Path(current_app.config["CONTENT_DIR"])


@articles_cli.command("list")
def list_articles():
    """Slug, date and title of every article, newest first.

    Files with problems are left out and counted on standard error (exit status 1), so
    a listing is never mistaken for the whole site.
    """
    articles, errors = read_articles(content_dir())
    for article in ArticleStore(articles):
        click.echo(f"{article.slug}\t{article.published.date().isoformat()}\t{article.title}")
    if errors:
        click.echo(f"{len(errors)} file(s) with problems are not listed; run "
                   f"`flask {GROUP} check`.", err=True)
        click.get_current_context().exit(1)


@articles_cli.command("check")
def check_articles():
    """Load every article as the site would; report every problem (exit status 1)."""
    directory = content_dir()
    articles, errors = read_articles(directory)
    for error in errors:
        click.echo(str(error))
    if errors:
        files = len({error.path for error in errors})
        click.echo(f"{len(errors)} problem(s) in {files} file(s) in {directory}; the site "
                   "will not start until they are fixed.")
        click.get_current_context().exit(1)
    click.echo(f"{len(articles)} article(s) in {directory}: all good.")


def read_input(source: str) -> bytes:
    if source == "-":
        return click.get_binary_stream("stdin").read()
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {source}: {error.strerror}") from None


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`.

    Readers (and a server starting up) see the old file or the whole new one, never a
    half-written one. The temporary name does not end in .md, so it is never loaded.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; the server must read it
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def claimed_by(directory: Path, slug: str) -> str | None:
    """Another file whose front matter already claims `slug`, if any."""
    articles, _ = read_articles(directory)
    for article in articles:
        if article.slug == slug and Path(article.source_path).name != f"{slug}.md":
            return article.source_path
    return None


@articles_cli.command("import")
@click.argument("source", metavar="FILE")
@click.option("--slug", help="The article's address (default: made from the headline).")
@click.option("--force", is_flag=True, help="Replace an existing article with this slug.")
def import_article(source: str, slug: str | None, force: bool):
    """Turn a raw copy of an article page (FILE, or - for standard input) into an
    article file in CONTENT_DIR, and print its path."""
    name = "standard input" if source == "-" else source
    raw = read_input(source)
    try:
        made_slug, text = import_page(raw)
    except ImportProblem as problem:
        raise click.ClickException(f"{name} {problem}") from None
    slug = slug or made_slug
    if not slug:
        raise click.ClickException(f"{name} has no letters or digits in its headline to "
                                   "make an address from; give one with --slug")
    if not SLUG_PATTERN.fullmatch(slug):
        raise click.ClickException(f"--slug {slug!r} must be lower-case letters, digits "
                                   "and single hyphens")
    directory = content_dir()
    if not directory.is_dir():
        raise click.ClickException(f"the content directory {directory} does not exist")
    target = directory / f"{slug}.md"
    try:
        parse_article(text, str(target), default_slug=slug)
    except ContentError as error:  # the importer made a file the site would refuse
        raise click.ClickException(f"{name} cannot be imported: {error.message}") from None
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists; use --force to replace it, "
                                   "or --slug to choose another address")
    other = claimed_by(directory, slug)
    if other:
        raise click.ClickException(f"the slug {slug!r} is already used by {other}; "
                                   "choose another with --slug")
    try:
        write_atomically(target, text)
    except OSError as error:
        raise click.ClickException(f"cannot write {target}: {error.strerror}") from None
    click.echo(str(target))


def init_app(app) -> None:
    app.cli.add_command(articles_cli)
