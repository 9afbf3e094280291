"""The article site's application factory, in the shape of Flask's tutorial."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.exceptions import HTTPException

from . import config as site_config
from . import icon_views, icons, security, static_files
from .articles import ArticleStore
from .content import ContentErrors, load_store
from .responses import PageCache
from .security import style_hash
from .views import bp, handle_http_error

ROOT = site_config.PROJECT_ROOT


def create_app(config: dict | None = None, *, strict_content: bool = True) -> Flask:
    """Build the app: settings, then the article store (all or nothing), then routes.

    A content problem raises ContentErrors here, before any request is served.
    strict_content=False is only for the editors' commands (`flask articles ...`, see
    app/cli.py), which read the files themselves and must run on broken content; the
    store is then left empty.
    """
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    app.config.update(site_config.DEFAULTS)
    app.config.from_prefixed_env()
    if config:
        app.config.update(config)
    site_config.check(app.config)

    css = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
    app.config["INLINE_STYLE"] = css
    app.config["INLINE_STYLE_HASH"] = style_hash(css)

    try:
        app.extensions["article_store"] = load_store(Path(app.config["CONTENT_DIR"]))
    except ContentErrors:
        if strict_content:
            raise
        app.extensions["article_store"] = ArticleStore()
    app.extensions["page_cache"] = PageCache()

    icons.init_app(app)
    static_files.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(icon_views.bp)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_http_error)
    security.init_app(app)

    from . import cli
    cli.init_app(app)
    return app
