"""Fixtures built from the application factory, as in Flask's tutorial. The constants and
helpers the test modules share are in tests/support.py."""
from __future__ import annotations

import pytest

from app import create_app
from tests.support import CONTENT_DIR, PROFILES, SITE_URL


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
