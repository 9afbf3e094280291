"""The site's own error pages: rendered once, cached and served like any page."""
from __future__ import annotations

from flask import Flask, current_app
from werkzeug.exceptions import HTTPException

from .rendering import render_page
from .responses import Rendered, respond
from .state import state

ERRORS = {
    404: ("Page not found",
          "There is no page at this address. It may have moved, or the link may be mistyped."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    500: ("Something went wrong",
          "The server could not show this page. Please try again in a moment."),
}


def error_page(code: int) -> Rendered:
    title, message = ERRORS[code]
    return state().pages.get(("error", code), lambda: render_page(
        "errors/error.html", code=code, title=title, message=message))


def handle_http_error(error):
    """The site's own error pages; anything unexpected becomes a plain 500 page."""
    code = getattr(error, "code", None) or 500
    if code not in ERRORS:
        return error
    try:
        page = error_page(code)
    except Exception:  # the error page itself failed: still answer, never a traceback
        current_app.logger.exception("error page %s failed to render", code)
        return current_app.response_class(ERRORS[code][0], status=code, mimetype="text/plain")
    response = respond(page, status=code, max_age=60)
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 500:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_http_error)
