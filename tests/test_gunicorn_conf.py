"""The shipped gunicorn settings as an operator meets them: where it listens, and that
a HUP picks up new content (no preload_app, so each new worker reads the files again)."""
import contextlib
import json
import os
import runpy
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tools.servers import ROOT, gunicorn, wait_for


def article(content_dir: Path, slug: str) -> None:
    (content_dir / "articles").mkdir(exist_ok=True)
    (content_dir / "articles" / f"{slug}.md").write_text(
        f"---\ntitle: {slug}\npublished: 2024-01-01T00:00:00Z\n---\nText.\n", encoding="utf-8")


def articles_loaded(url: str, server: subprocess.Popen, want: int,
                    timeout: float = 60) -> int | None:
    """The article count /healthz reports once it is `want`, else the last one seen when
    `timeout` runs out; fails with gunicorn's errors if the server exits."""
    seen = []

    def loaded() -> bool:
        with urllib.request.urlopen(url, timeout=2) as response:
            seen.append(json.load(response)["articles"])
        return seen[-1] == want

    with contextlib.suppress(TimeoutError):
        wait_for(loaded, f"{want} articles at {url}", timeout, process=server)
    return seen[-1] if seen else None


def test_defaults_listen_on_loopback_without_preload(monkeypatch):
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:8000"
    assert not settings.get("preload_app", False)
    monkeypatch.setenv("GUNICORN_BIND", "unix:/tmp/site.sock")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "unix:/tmp/site.sock"


@pytest.mark.parametrize("bind", ["127.0.0.1:8000", "127.0.0.2:9000", "localhost:8000",
                                  "[::1]:8000", "unix:/run/article-site/gunicorn.sock"])
def test_loopback_and_unix_sockets_are_accepted(monkeypatch, bind):
    monkeypatch.setenv("GUNICORN_BIND", bind)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == bind


@pytest.mark.parametrize("bind", ["0.0.0.0:8000", "[::]:8000", ":8000", "192.0.2.10:8000",
                                  "news.example.org:80", "8000"])
def test_a_public_address_is_refused(monkeypatch, bind):
    """Sync workers are held by any client that sends its request slowly (a few slow
    connections take them all): gunicorn must only ever be reached through nginx."""
    monkeypatch.setenv("GUNICORN_BIND", bind)
    with pytest.raises(SystemExit, match="loopback"):
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_will_not_start_on_a_public_address():
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
               "--check-config", "wsgi:app"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "GUNICORN_BIND": "0.0.0.0:8000"})
    assert done.returncode != 0
    assert "GUNICORN_BIND" in done.stderr + done.stdout


def test_hup_reloads_content(tmp_path):
    article(tmp_path, "first")
    env = {"FLASK_CONTENT_DIR": str(tmp_path), "GUNICORN_WORKERS": "1"}
    with gunicorn(env=env, capture_errors=True) as (server, base):
        url = f"{base}/healthz"
        assert articles_loaded(url, server, 1) == 1
        article(tmp_path, "second")
        server.send_signal(signal.SIGHUP)
        assert articles_loaded(url, server, 2) == 2
