"""`flask articles ...`: editors' commands, registered by the factory."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

articles_cli = AppGroup("articles", help="List and check the site's articles.")


@articles_cli.command("list")
def list_articles():
    """Slug, date and title of every article, newest first."""
    for article in current_app.extensions["article_store"]:
        click.echo(f"{article.slug}\t{article.published.date().isoformat()}\t{article.title}")


def init_app(app) -> None:
    app.cli.add_command(articles_cli)
