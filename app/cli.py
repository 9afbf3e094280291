"""`flask articles list | check | import`: the editors' commands.

They read the content folder themselves (content.read_articles) instead of building the
app. The app is all or nothing: the site refuses to start on a broken file, and that is
right for a server. An editor, though, needs `check` most when a file is broken, and must
be able to `import` a new article while an unrelated file is being fixed. So the group is
registered as a Flask plugin command (the `flask.commands` entry point in pyproject.toml),
which Flask's CLI offers whether or not the app loads, and it never builds one.
"""
from __future__ import annotations

from datetime import UTC, tzinfo
from pathlib import Path

import click

from . import compiled, files, identity, route_names
from .articles import Article, ArticleStore, clashes
from .config import ConfigError, settings, time_zone
from .content import (
    SLUG_PATTERN,
    ContentError,
    articles_dir,
    authors_dir,
    pages_dir,
    parse_article,
    read_articles,
    read_pages,
)
from .importer import ImportProblem, import_page
from .listings import GROUPS, names_of, slug_of, unused_authors
from .media import Pictures


def configured_content_dir() -> Path:
    """CONTENT_DIR as the site would read it (FLASK_CONTENT_DIR, else the default)."""
    try:
        return Path(settings()["CONTENT_DIR"])
    except ConfigError as error:
        raise click.ClickException(f"the site's settings are wrong ({error}); fix them or "
                                   "give --content-dir") from None


def configured_cache_dir() -> Path | None:
    """CACHE_DIR as the site would read it, or None when the settings are broken."""
    try:
        return Path(settings()["CACHE_DIR"])
    except ConfigError:
        return None


def pictures_in(content_dir: Path) -> Pictures:
    """The pictures as the site finds them: checked by decoding them, unless the site's
    CACHE_DIR already holds them (made from the same bytes). Nothing is written there;
    the site makes the pictures when it starts."""
    return Pictures(content_dir, configured_cache_dir())


content_dir_option = click.option(
    "--content-dir", type=click.Path(file_okay=False, path_type=Path),
    default=configured_content_dir, show_default="the site's CONTENT_DIR",
    help="The content folder (its articles/ holds the article files).")


@click.group("articles")
def articles() -> None:
    """Import, list and check the site's articles (they run on broken content too)."""


def configured_time_zone() -> tzinfo:
    """SITE_TIMEZONE as the site would read it; UTC when the settings are broken (the
    site reports those itself, and the zone matters only for dates near year 1 or 9999)."""
    try:
        return time_zone(settings())
    except ConfigError:
        return UTC


def in_listings(article: Article, wanted: dict[str, str | None]) -> bool:
    """Whether the article is in every listing asked for: {group: name or slug}."""
    return all(slug_of(value) in {slug_of(name) for name in names_of(article, group)}
               for group, value in wanted.items() if value)


@articles.command("list")
@click.option("--section", help="Only this section's articles (its name or its slug).")
@click.option("--tag", help="Only articles with this tag (its name or its slug).")
@click.option("--author", help="Only this author's articles (the name or the slug).")
@content_dir_option
def list_articles(section: str | None, tag: str | None, author: str | None,
                  content_dir: Path) -> None:
    """Slug, date and title of every article, newest first; with --section, --tag or
    --author, of those in all the listings given.

    Files with problems are left out and counted on standard error (exit status 1), so
    a listing is never mistaken for the whole site.
    """
    found, errors = read_articles(content_dir, pictures_in(content_dir))
    wanted = dict(zip(GROUPS, (section, tag, author), strict=True))
    for article in ArticleStore(found):
        if in_listings(article, wanted):
            click.echo(f"{article.slug}\t{article.published.date().isoformat()}\t"
                       f"{article.title}")
    if errors:
        files = len({error.path for error in errors})
        click.echo(f"{files} file(s) with problems are not listed; run "
                   "`flask articles check`.", err=True)
        raise click.exceptions.Exit(1)


@articles.command("check")
@content_dir_option
def check_articles(content_dir: Path) -> None:
    """Load every article, author and page file and site.yml as the site would; report
    every problem (exit status 1), names that make one address included.

    The articles' check is the site's own build of the compiled content (app/compiled.py),
    writing nothing: files unchanged since the site's last start keep the records it made
    of them, so on a large site only the files edited since are read again."""
    _, errors = identity.read(content_dir)
    checked = compiled.check(content_dir, configured_cache_dir(), configured_time_zone(),
                             pictures_in(content_dir))
    found, authors = checked.facts, checked.authors
    pages, page_errors = read_pages(content_dir, route_names())
    errors += checked.problems + page_errors
    for error in errors:
        click.echo(str(error))
    if errors:
        files = len({error.path for error in errors})
        click.echo(f"{len(errors)} problem(s) in {files} file(s) in {content_dir}; the site "
                   "will not start until they are fixed.")
        raise click.exceptions.Exit(1)
    for author in unused_authors(found, authors):
        click.echo(f"{author.source_path}: note: no article names {author.name!r} yet; "
                   f"/authors/{author.slug} appears with their first article")
    also = f" and {len(authors)} author file(s) in {authors_dir(content_dir)}" if authors else ""
    also += f" and {len(pages)} page(s) in {pages_dir(content_dir)}" if pages else ""
    click.echo(f"{len(found)} article(s) in {articles_dir(content_dir)}{also}: all good.")


def write_atomically(path: Path, text: str) -> None:
    """Write `text` as `path` whole (app/files.py): readers (and a server starting up)
    see the old file or the whole new one. The temporary name does not end in .md, so it
    is never loaded."""
    files.write_whole(path, text.encode("utf-8"))


def clash_with(directory: Path, candidate: Article) -> str | None:
    """Why `candidate` cannot join the articles in `directory`, if it cannot: another
    file claims its slug, or holds the same article (the page was imported before)."""
    found, _ = read_articles(directory, pictures_in(directory))
    others = [article for article in found
              if Path(article.source_path).name != f"{candidate.slug}.md"]
    for earlier, _, shared in clashes([*others, candidate]):
        if shared == "slug":
            return (f"the slug {candidate.slug!r} is already used by {earlier.source_path}; "
                    "choose another with --slug")
        return (f"this article is already in {earlier.source_path} (the same {shared}); "
                "nothing was written")
    return None


@articles.command("import")
@click.argument("source", metavar="FILE", type=click.File("rb"))
@click.option("--slug", help="The article's address (default: made from the headline).")
@click.option("--force", is_flag=True, help="Replace an existing article with this slug.")
@content_dir_option
def import_article(source, slug: str | None, force: bool, content_dir: Path) -> None:
    """Turn a raw copy of an article page (FILE, or - for standard input) into an
    article file in the content folder, and print its path."""
    name = getattr(source, "name", "-")  # click.File gives standard input for "-"
    name = "standard input" if name in ("-", "<stdin>") else name
    try:
        made_slug, text = import_page(source.read())
    except ImportProblem as problem:
        raise click.ClickException(f"{name} {problem}") from None
    slug = slug or made_slug
    if not slug:
        raise click.ClickException(f"{name} has no letters or digits in its headline to "
                                   "make an address from; give one with --slug")
    if not SLUG_PATTERN.fullmatch(slug):
        raise click.ClickException(f"--slug {slug!r} must be lower-case letters, digits "
                                   "and single hyphens")
    directory = articles_dir(content_dir)
    if not directory.is_dir():
        raise click.ClickException(f"the content directory {directory} does not exist")
    target = directory / f"{slug}.md"
    try:
        article = parse_article(text, str(target), default_slug=slug)
    except ContentError as error:  # the importer made a file the site would refuse
        raise click.ClickException(f"{name} cannot be imported: {error.message}") from None
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists; use --force to replace it, "
                                   "or --slug to choose another address")
    clash = clash_with(content_dir, article)
    if clash:
        raise click.ClickException(clash)
    try:
        write_atomically(target, text)
    except OSError as error:
        raise click.ClickException(f"cannot write {target}: {error.strerror}") from None
    click.echo(str(target))
