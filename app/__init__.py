"""The article site's application factory, in the shape of Flask's tutorial."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import config as site_config
from . import errors, icon_views, icons, machine, reader, rendering, security, static_files
from .content import load_store
from .responses import PageCache
from .share import follow_links
from .sitemaps import utc_now
from .state import KEY, SiteState

ROOT = site_config.PROJECT_ROOT


def copyright_line(store, site_name: str) -> str:
    """'© 2016–2026 The Small Dispatch': from the oldest article's year to the newest's,
    so every worker prints the same bytes whatever today's date."""
    years = sorted({store.newest().published.year, store.oldest().published.year}) if len(
        store) else []
    span = "–".join(str(year) for year in years)
    return f"© {span} {site_name}".replace("  ", " ")


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, then the article store (all or nothing), then routes.

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
    site_config.load(app.config, config)

    store = load_store(Path(app.config["CONTENT_DIR"]))
    static = static_files.StaticFiles(Path(app.static_folder))
    style = static.text("css/site.css")
    app.extensions[KEY] = SiteState(
        store=store,
        pages=PageCache(),
        static=static,
        style=style,
        security_headers=security.header_set(app.config, style),
        follow_links=follow_links(app.config["SOCIAL_PROFILES"]),
        copyright=copyright_line(store, app.config["SITE_NAME"]),
        clock=utc_now,
    )

    for module in (icons, static_files, rendering, errors, security):
        module.init_app(app)
    for blueprint in (reader.bp, machine.bp, icon_views.bp):
        app.register_blueprint(blueprint)
    return app
