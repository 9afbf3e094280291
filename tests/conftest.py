"""Fixtures built from the application factory, as in Flask's tutorial. The constants and
helpers the test modules share are in tests/support.py."""
from __future__ import annotations

import pytest

from app import create_app
from tests.support import CONTENT_DIR, PROFILES, SITE_URL


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """One CACHE_DIR for the session's apps over the shipped content: its pictures are
    made once (the cache is keyed by their bytes), away from the checkout's instance/."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def app(cache_dir):
    return create_app({
        "TESTING": True,
        "SITE_URL": SITE_URL,
        "SOCIAL_PROFILES": dict(PROFILES),
        "CONTENT_DIR": str(CONTENT_DIR),
        "CACHE_DIR": str(cache_dir),
    })


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
