"""Security headers on every response, and trusting exactly as many proxies as we have.

The headers are computed once at start-up (header_set, called by the factory), from the
same CSS bytes the pages inline, so
every response in every worker carries the same policy: there are no nonces, and a page
stays cacheable by browsers and by nginx. A view that sets one of these headers itself
keeps its own value.
"""
from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from .responses import PreparedResponse
from .state import state

# Browser features the site never uses. Left out on purpose: web-share and
# clipboard-write, which the share bar's "Share…" and "Copy link" buttons need.
UNUSED_FEATURES = (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "usb",
)

# Two years, as browsers' preload lists ask for; at least one is the usual minimum.
HSTS = "max-age=63072000; includeSubDomains"


def style_hash(css: str) -> str:
    """The CSP source for an inline <style> holding exactly `css`."""
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(inline_style_hash: str) -> str:
    """Nothing by default; our own scripts and images; the one inline style by hash."""
    return "; ".join((
        "default-src 'none'",
        f"style-src {inline_style_hash}",
        "script-src 'self'",
        "img-src 'self'",
        # Same-origin fetches only: the site makes none itself, but crawlers' audit
        # tools (Lighthouse fetching /robots.txt from the page) do.
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def header_set(config, inline_style: str) -> dict[str, str]:
    """Every security header the app sends, for these settings and this inline CSS."""
    headers = {
        "Content-Security-Policy": content_security_policy(style_hash(inline_style)),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",  # older browsers; newer ones obey frame-ancestors
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": ", ".join(f"{feature}=()" for feature in UNUSED_FEATURES),
    }
    # HSTS over plain http is ignored by browsers and only misleads, so it follows SITE_URL.
    if config["SITE_URL"].startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    return headers


def security_headers(response: Response) -> Response:
    """after_request: add the start-up header set to any response lacking them.

    Pages from responses.respond carry the set already, prepared with their other
    headers; checking them again would cost every request for nothing.
    """
    if isinstance(response, PreparedResponse):
        return response
    for name, value in state().security_headers.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response, build no URL from Host, trust PROXY_COUNT.

    With no proxy (bare gunicorn or `flask run`) a client could forge X-Forwarded-For
    or -Proto, so nothing is trusted. Behind nginx, PROXY_COUNT=1 trusts exactly the
    values nginx appends, and no more, whatever a client sent before it.
    """
    # Werkzeug answers "//a//b" with a 308 to an absolute URL built from the Host
    # header: a cacheable redirect to whatever host a client names. Such paths get 404.
    app.url_map.merge_slashes = False
    app.after_request(security_headers)
    count = app.config["PROXY_COUNT"]  # checked by config.check
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count,
                                x_port=count)
