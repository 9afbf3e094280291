"""Site settings: defaults here, then the editors' content/site.yml (app/identity.py), then
FLASK_* environment variables, then the factory's argument (tests). A site owner changes
the site without touching code:

    FLASK_SITE_NAME="Harbour Post" FLASK_SITE_URL=https://news.example.org flask run
    FLASK_SOCIAL_PROFILES__facebook=https://www.facebook.com/harbourpost

The site keeps no sessions and sets no cookies, so it needs no SECRET_KEY.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Config

from .share import FOLLOW_NETWORKS
from .sitemaps import SITEMAP_LIMIT

PACKAGE = Path(__file__).resolve().parent
# Where templates/, static/ and content/ are: beside app/ in a checkout (and an editable
# install); inside the package in a wheel, which carries them there (pyproject.toml).
PROJECT_ROOT = PACKAGE if (PACKAGE / "templates").is_dir() else PACKAGE.parent

DEFAULTS = {
    "SITE_NAME": "The Small Dispatch",
    "SITE_DESCRIPTION": "News articles, served fast and readable everywhere.",
    # Absolute URLs (canonical links, share links, feeds) are built from this, never
    # from the request's Host header, so every response is the same for every client.
    "SITE_URL": "http://127.0.0.1:5000",
    "SITE_LANGUAGE": "en",
    # The newsroom's address, on the contact page and in the footer; none by default.
    "CONTACT_EMAIL": "",
    # The masthead's sections, in order (identity.MenuEntry); content/site.yml sets them.
    "SECTIONS_MENU": (),
    # The IANA time zone the archive's years and months are counted in (an article
    # published at 23:30 UTC on 31 December is in next year's archive in Paris).
    "SITE_TIMEZONE": "UTC",
    # The editors' folder: articles/ (one Markdown file each) and what the site reads
    # beside them.
    "CONTENT_DIR": str(PROJECT_ROOT / "content"),
    # What the site derives from the content once and keeps on disk for every worker and
    # the next start (one subfolder per kind); safe to delete, never edited by hand.
    "CACHE_DIR": str(PROJECT_ROOT / "instance" / "cache"),
    "ARTICLES_PER_PAGE": 10,
    # Profile URL per network (share.FOLLOW_NETWORKS); a network with no URL is not shown.
    "SOCIAL_PROFILES": {},
    # Seconds a browser or CDN may reuse an HTML page before revalidating it.
    "HTML_MAX_AGE": 300,
    # Megabytes of rendered pages each worker keeps (app/responses.py PageCache); the
    # least recently used go past it. docs/performance.md: how many pages that holds.
    "PAGE_CACHE_MB": 128,
    # Newest articles in /feed.atom and /feed.rss.
    "FEED_ARTICLES": 20,
    # Proxies in front that set X-Forwarded-* (nginx: 1). 0 trusts none: see app/security.py.
    "PROXY_COUNT": 0,
    # URLs per sitemap file; more articles than that make /sitemap.xml an index of parts.
    "SITEMAP_URLS_PER_FILE": SITEMAP_LIMIT,
}


class ConfigError(ValueError):
    """A setting that cannot work, named so the operator can fix it."""


def load(config: Config, overrides: dict | None = None,
         identity: Callable[[Path], dict] | None = None) -> Config:
    """Fill `config`: the defaults, then what `identity(content_dir)` gives (the factory
    passes identity.settings: content/site.yml), then the FLASK_* environment (a mapping
    such as SOCIAL_PROFILES is merged key by key), then `overrides`; checked.

    The factory and the editors' commands (which run without an app) both read their
    settings through here, so `flask articles` sees the content directory the site does.
    """
    environment = Config(config.root_path)
    environment.from_prefixed_env()
    content_dir = (overrides or {}).get("CONTENT_DIR") or environment.get(
        "CONTENT_DIR", DEFAULTS["CONTENT_DIR"])
    config.update(DEFAULTS)
    if identity is not None:
        config.update(identity(Path(content_dir)))
    for key, value in environment.items():
        merged = isinstance(value, dict) and isinstance(config.get(key), dict)
        config[key] = {**config[key], **value} if merged else value
    config.update(overrides or {})
    check(config)
    return config


def settings(overrides: dict | None = None) -> Config:
    """The site's settings without an app, and without reading content/site.yml."""
    return load(Config(str(PROJECT_ROOT)), overrides)


def check(config) -> None:
    """Normalise and validate the settings that would otherwise fail far from their cause."""
    site_url = str(config["SITE_URL"]).rstrip("/")
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"SITE_URL must be an absolute http(s) URL, got {config['SITE_URL']!r}")
    config["SITE_URL"] = site_url

    profiles = config["SOCIAL_PROFILES"]
    if not isinstance(profiles, dict):
        raise ConfigError("SOCIAL_PROFILES must be a mapping of network to profile URL")
    for network, url in profiles.items():
        if network not in FOLLOW_NETWORKS:
            raise ConfigError(f"SOCIAL_PROFILES has unknown network {network!r} "
                              f"(known: {', '.join(FOLLOW_NETWORKS)})")
        if url and urlsplit(str(url)).scheme != "https":
            raise ConfigError(f"SOCIAL_PROFILES[{network!r}] must be an https URL, got {url!r}")

    time_zone(config)
    _whole_number(config, "ARTICLES_PER_PAGE", 1, None, "a positive whole number")
    _whole_number(config, "FEED_ARTICLES", 1, None, "a positive whole number")
    _whole_number(config, "HTML_MAX_AGE", 0, None, "a whole number of seconds")
    _whole_number(config, "PAGE_CACHE_MB", 1, None, "a positive whole number of megabytes")
    _whole_number(config, "SITEMAP_URLS_PER_FILE", 1, SITEMAP_LIMIT,
                  f"a whole number from 1 to {SITEMAP_LIMIT} (the sitemaps protocol's limit)")
    _whole_number(config, "PROXY_COUNT", 0, 5, "a whole number from 0 to 5")


def time_zone(config) -> ZoneInfo:
    """SITE_TIMEZONE as a zone, or ConfigError naming the setting."""
    name = config["SITE_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(f"SITE_TIMEZONE must be an IANA time zone such as 'UTC' or "
                          f"'Europe/Paris', got {name!r}") from None


def _whole_number(config, name: str, low: int, high: int | None, requirement: str) -> None:
    """`name` is an int (not a bool, which Python counts as one) within [low, high]."""
    value = config[name]
    if (not isinstance(value, int) or isinstance(value, bool) or value < low
            or (high is not None and value > high)):
        raise ConfigError(f"{name} must be {requirement}, got {value!r}")
