"""The shipped gunicorn settings as an operator meets them: where it listens, and that
a HUP picks up new content (no preload_app, so each new worker reads the files again)."""
import json
import os
import runpy
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tools.servers import free_port

ROOT = Path(__file__).resolve().parents[1]


def article(directory: Path, slug: str) -> None:
    (directory / f"{slug}.md").write_text(
        f"---\ntitle: {slug}\npublished: 2024-01-01T00:00:00Z\n---\nText.\n", encoding="utf-8")


def articles_loaded(url: str, server: subprocess.Popen, want: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                seen = json.load(response)["articles"]
            if seen == want:
                return seen
        except OSError:
            pass
        time.sleep(0.2)
    return seen


def test_defaults_listen_on_loopback_without_preload(monkeypatch):
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:8000"
    assert not settings.get("preload_app", False)
    monkeypatch.setenv("GUNICORN_BIND", "unix:/tmp/site.sock")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "unix:/tmp/site.sock"


def test_hup_reloads_content(tmp_path):
    article(tmp_path, "first")
    port = free_port()
    env = {**os.environ, "FLASK_CONTENT_DIR": str(tmp_path), "GUNICORN_WORKERS": "1",
           "GUNICORN_BIND": f"127.0.0.1:{port}"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        assert articles_loaded(url, server, 1) == 1
        article(tmp_path, "second")
        server.send_signal(signal.SIGHUP)
        assert articles_loaded(url, server, 2) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
