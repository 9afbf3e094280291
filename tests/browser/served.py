"""What the browser tests' server is: its settings and how to read its raw bytes.

Kept apart from conftest.py so test modules can import it by name.
"""
from __future__ import annotations

import urllib.error
import urllib.request

from tests.support import CONTENT_DIR, PROFILES, ROOT, SITE_URL

# Two a page, so the content shipped (three articles) also exercises pagination.
ARTICLES_PER_PAGE = 2
ARTIFACTS = ROOT / "test-artifacts"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def settings() -> dict[str, str]:
    """The site configured as an operator would: by FLASK_* environment variables."""
    return {
        "FLASK_SITE_URL": SITE_URL,
        "FLASK_ARTICLES_PER_PAGE": str(ARTICLES_PER_PAGE),
        "FLASK_CONTENT_DIR": str(CONTENT_DIR),
        **{f"FLASK_SOCIAL_PROFILES__{network}": url for network, url in PROFILES.items()},
    }


def fetch(url: str, method: str = "GET") -> tuple[int, bytes]:
    """Status and the exact bytes the server sends (identity encoding), errors included."""
    request = urllib.request.Request(url, method=method,
                                     headers={"Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
