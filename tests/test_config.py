"""Settings: defaults, FLASK_* environment variables, the factory argument, bad values."""
import re

import pytest

from app import create_app
from app.config import ConfigError
from tests.support import CONTENT_DIR


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("FLASK_SITE_NAME", "Harbour Post")
    monkeypatch.setenv("FLASK_SITE_URL", "https://harbour.example/")
    monkeypatch.setenv("FLASK_ARTICLES_PER_PAGE", "2")
    monkeypatch.setenv("FLASK_SOCIAL_PROFILES__facebook", "https://www.facebook.com/harbour")
    app = create_app({"CONTENT_DIR": str(CONTENT_DIR)})
    assert app.config["SITE_NAME"] == "Harbour Post"
    assert app.config["SITE_URL"] == "https://harbour.example"  # trailing slash dropped
    assert app.config["ARTICLES_PER_PAGE"] == 2
    assert app.config["SOCIAL_PROFILES"] == {"facebook": "https://www.facebook.com/harbour"}
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Harbour Post" in page


def test_factory_argument_wins_over_environment(monkeypatch):
    monkeypatch.setenv("FLASK_SITE_NAME", "From the environment")
    app = create_app({"SITE_NAME": "From the test", "CONTENT_DIR": str(CONTENT_DIR)})
    assert app.config["SITE_NAME"] == "From the test"


def test_no_secret_key_is_shipped():
    app = create_app({"CONTENT_DIR": str(CONTENT_DIR)})
    assert not app.config.get("SECRET_KEY")
    response = app.test_client().get("/")
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("settings, message", [
    ({"SITE_URL": "news.example.org"}, "SITE_URL must be an absolute http(s) URL"),
    ({"SITE_URL": "ftp://news.example.org"}, "SITE_URL must be an absolute http(s) URL"),
    ({"SOCIAL_PROFILES": {"myspace": "https://myspace.com/x"}}, "unknown network 'myspace'"),
    ({"SOCIAL_PROFILES": {"x": "javascript:alert(1)"}}, "must be an https URL"),
    ({"SOCIAL_PROFILES": "https://x.com/a"}, "SOCIAL_PROFILES must be a mapping"),
    ({"ARTICLES_PER_PAGE": 0}, "ARTICLES_PER_PAGE must be a positive whole number"),
    ({"HTML_MAX_AGE": -5}, "HTML_MAX_AGE must be a whole number"),
    ({"SITE_TIMEZONE": "Mars/Olympus"}, "SITE_TIMEZONE must be an IANA time zone"),
    ({"SITE_TIMEZONE": "../../etc/passwd"}, "SITE_TIMEZONE must be an IANA time zone"),
    ({"SITE_TIMEZONE": ""}, "SITE_TIMEZONE must be an IANA time zone"),
    ({"SITE_TIMEZONE": 2}, "SITE_TIMEZONE must be an IANA time zone"),
])
def test_bad_settings_are_named(settings, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app({"CONTENT_DIR": str(CONTENT_DIR), **settings})


def test_bad_environment_value_is_named(monkeypatch):
    monkeypatch.setenv("FLASK_ARTICLES_PER_PAGE", "ten")
    with pytest.raises(ConfigError, match="ARTICLES_PER_PAGE"):
        create_app({"CONTENT_DIR": str(CONTENT_DIR)})
