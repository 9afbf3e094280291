"""Fixtures built from the application factory, as in Flask's tutorial."""
from __future__ import annotations

import pytest

from app import create_app
from app.config import PROJECT_ROOT

SITE_URL = "https://news.example.org"
PROFILES = {
    "facebook": "https://www.facebook.com/smalldispatch",
    "x": "https://x.com/smalldispatch",
    "instagram": "https://www.instagram.com/smalldispatch",
    "linkedin": "https://www.linkedin.com/company/smalldispatch",
    "youtube": "https://www.youtube.com/@smalldispatch",
    "pinterest": "https://www.pinterest.com/smalldispatch",
    "snapchat": "https://www.snapchat.com/add/smalldispatch",
}
CONTENT_DIR = PROJECT_ROOT / "content" / "articles"
SEED_SLUG = "le-drian-carter-other-ministers-to-discuss-isis-strategy"
# The raw seed page, committed byte for byte so the tests run on a clone on its own;
# tests/test_seed_copy.py checks it against ../shared/seeds where that is present.
SEED_FILE = PROJECT_ROOT / "tests" / "data" / "000_cf1eca6b1e41b37d.txt"


@pytest.fixture
def app():
    return create_app({
        "TESTING": True,
        "SITE_URL": SITE_URL,
        "SOCIAL_PROFILES": dict(PROFILES),
        "CONTENT_DIR": str(CONTENT_DIR),
    })


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
