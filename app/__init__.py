"""The article site's application factory, in the shape of Flask's tutorial."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import (
    compiled,
    errors,
    icon_views,
    icons,
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
from .responses import PageCache
from .share import follow_links
from .sitemaps import utc_now
from .state import KEY, SiteState

ROOT = site_config.PROJECT_ROOT


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
    site_config.load(app.config, config)

    # Every picture in the content folder is made (once, into CACHE_DIR) before the
    # articles that show it are read; the articles are read once per content version
    # (the compiled content, CACHE_DIR/content/) and opened by every worker.
    pictures = media.Pictures(app.config["CONTENT_DIR"], app.config["CACHE_DIR"], build=True)
    content = compiled.open_content(Path(app.config["CONTENT_DIR"]),
                                    Path(app.config["CACHE_DIR"]),
                                    site_config.time_zone(app.config), pictures)
    static = static_files.StaticFiles(Path(app.static_folder))
    style = static.text("css/site.css")
    app.extensions[KEY] = SiteState(
        store=content.store,
        listings=content.listings,
        media=pictures.cache,
        pages=PageCache(app.config["PAGE_CACHE_MB"] * 1024 * 1024),
        static=static,
        style=style,
        security_headers=security.header_set(app.config, style),
        follow_links=follow_links(app.config["SOCIAL_PROFILES"]),
        clock=utc_now,
        search=search.open_index(Path(app.config["CACHE_DIR"]) / "search", content.store,
                                 key=content.search_key),
        search_pages=PageCache(search.CACHED_BYTES),
    )

    for module in (icons, static_files, rendering, errors, security, media_views):
        module.init_app(app)
    for blueprint in (reader.bp, machine.bp, icon_views.bp, media_views.bp):
        app.register_blueprint(blueprint)
    return app
