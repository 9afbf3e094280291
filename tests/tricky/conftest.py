"""The `app` of this folder: the site over the tricky content (tests/tricky/content.py)
instead of the shipped articles. tests/conftest.py's `client` and `runner` follow it."""
from __future__ import annotations

import pytest

from tests.tricky.content import make_app


@pytest.fixture
def app(tmp_path):
    """The app over the tricky content, with the real clock."""
    return make_app(tmp_path)
