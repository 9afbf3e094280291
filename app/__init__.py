"""The article site's application factory, in the shape of Flask's tutorial."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import config as site_config
from . import (
    errors,
    icon_views,
    icons,
    identity,
    listings,
    machine,
    media,
    media_views,
    reader,
    rendering,
    security,
    static_files,
)
from .responses import PageCache
from .share import follow_links
from .sitemaps import utc_now
from .state import KEY, SiteState

ROOT = site_config.PROJECT_ROOT


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, then the article store and its listings (all or
    nothing), then routes.

    A bad setting raises ConfigError and a content problem ContentErrors, here, before
    any request is served. The editors' commands (app/cli.py) do not build an app: they
    read the files themselves, so they work when the site cannot start.
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
    # articles that show it are read.
    pictures = media.Pictures(app.config["CONTENT_DIR"], app.config["CACHE_DIR"], build=True)
    store, found = listings.load(Path(app.config["CONTENT_DIR"]),
                                 site_config.time_zone(app.config), pictures)
    static = static_files.StaticFiles(Path(app.static_folder))
    style = static.text("css/site.css")
    app.extensions[KEY] = SiteState(
        store=store,
        listings=found,
        media=pictures.cache,
        pages=PageCache(app.config["PAGE_CACHE_MB"] * 1024 * 1024),
        static=static,
        style=style,
        security_headers=security.header_set(app.config, style),
        follow_links=follow_links(app.config["SOCIAL_PROFILES"]),
        copyright=rendering.copyright_line(store, app.config["SITE_NAME"]),
        clock=utc_now,
    )

    for module in (icons, static_files, rendering, errors, security, media_views):
        module.init_app(app)
    for blueprint in (reader.bp, machine.bp, icon_views.bp, media_views.bp):
        app.register_blueprint(blueprint)
    return app
