"""The article site's application factory, in the shape of Flask's tutorial."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from . import (
    compiled,
    errors,
    icon_views,
    icons,
    identity,
    machine,
    media,
    media_views,
    reader,
    rendering,
    search,
    security,
    static_files,
)
from . import config as site_config
from .content import ContentErrors, read_pages
from .responses import PageCache, ReadyAnswers
from .share import follow_links
from .sitemaps import utc_now
from .state import KEY, SiteState

ROOT = site_config.PROJECT_ROOT


BLUEPRINTS = (reader.bp, machine.bp, icon_views.bp, media_views.bp)
ANY_OF = re.compile(r"<any\(([^)]*)\):\w+>")


def route_names() -> frozenset[str]:
    """The first segment of every route's path ("search", "archive", "static", ...): the
    addresses the site keeps for itself, which a page in content/pages/ cannot take."""
    probe = Flask(__name__, static_folder=str(ROOT / "static"))
    for blueprint in BLUEPRINTS:
        probe.register_blueprint(blueprint)
    names = set()
    for rule in probe.url_map.iter_rules():
        first = rule.rule.split("/")[1]
        choices = ANY_OF.fullmatch(first)  # /<any(sections, tags, authors):group>/...
        if choices:
            names.update(choice.strip(" '\"") for choice in choices.group(1).split(","))
        elif first and "<" not in first:
            names.add(first)
    return frozenset(names)


def load_content(content_dir: Path, cache_dir: Path, zone, pictures) -> tuple:
    """The compiled content (the store and its listings) and the pages apart from the
    news, or ContentErrors naming every problem in all of them."""
    pages, errors = read_pages(content_dir, route_names())
    try:
        content = compiled.open_content(content_dir, cache_dir, zone, pictures)
    except ContentErrors as failed:
        raise ContentErrors(errors + failed.errors) from None
    if errors:
        raise ContentErrors(errors)
    return content, {page.slug: page for page in pages}


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, then the article store and its listings (all or
    nothing), then routes.

    A bad setting or a CACHE_DIR that cannot be written raises ConfigError, a content
    problem ContentErrors, and a search index that can be neither opened nor built
    SearchIndexError, here, before any request is served. The editors' commands
    (app/cli.py) do not build an app: they read the files themselves, so they work when
    the site cannot start.
    """
    if not (ROOT / "templates").is_dir():
        raise site_config.ConfigError(
            f"no templates/ at {ROOT}: this installation holds only the Python code; "
            "run the site from its checkout (pip install -e .) or install a wheel built "
            "from it (pip install .)")
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    site_config.load(app.config, config, identity.settings)

    # Every picture in the content folder is made (once, into CACHE_DIR) before the
    # articles that show it are read; the articles are read once per content version
    # (the compiled content, CACHE_DIR/content/) and opened by every worker.
    pictures = media.Pictures(app.config["CONTENT_DIR"], app.config["CACHE_DIR"], build=True)
    content, site_pages = load_content(Path(app.config["CONTENT_DIR"]),
                                       Path(app.config["CACHE_DIR"]),
                                       site_config.time_zone(app.config), pictures)
    static = static_files.StaticFiles(Path(app.static_folder))
    style = static.text("css/site.css")
    app.extensions[KEY] = SiteState(
        store=content.store,
        listings=content.listings,
        site_pages=site_pages,
        media=pictures.cache,
        pages=PageCache(app.config["PAGE_CACHE_MB"] * 1024 * 1024),
        static=static,
        style=style,
        security_headers=security.header_set(app.config, style),
        follow_links=follow_links(app.config["SOCIAL_PROFILES"]),
        copyright=rendering.copyright_line(content.store, app.config["SITE_NAME"]),
        clock=utc_now,
        search=search.open_index(Path(app.config["CACHE_DIR"]) / "search", content.store,
                                 key=content.search_key),
        search_pages=PageCache(search.CACHED_BYTES),
    )

    for module in (icons, static_files, rendering, errors, security, media_views):
        module.init_app(app)
    # Outermost: a cached page asked for again by its address never enters Flask.
    app.wsgi_app = ReadyAnswers(app.wsgi_app, app.extensions[KEY].pages)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
