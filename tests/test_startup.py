"""Start-up as operators see it: a bad content file stops the server with one message."""
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from tools.servers import ROOT, gunicorn, start_gunicorn, stop


def bad_content(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "broken.md").write_text("---\ntitle: Broken\n---\nText.\n",
                                                     encoding="utf-8")
    return tmp_path


def environment(content_dir: Path) -> dict:
    return {**os.environ, "FLASK_CONTENT_DIR": str(content_dir)}


def test_flask_app_import_stops_with_one_clear_message(tmp_path):
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False,
                            env=environment(bad_content(tmp_path)))
    assert result.returncode == 3
    assert "broken.md:1: missing required field 'published'" in result.stderr
    assert "Traceback" not in result.stderr


def test_gunicorn_stops_instead_of_respawning(tmp_path):
    server, _ = start_gunicorn(env={"FLASK_CONTENT_DIR": str(bad_content(tmp_path))},
                               args=("--workers", "2"), capture_errors=True)
    try:
        _, stderr = server.communicate(timeout=60)
    finally:
        stop(server)
    assert server.returncode != 0
    assert "broken.md:1: missing required field 'published'" in stderr
    assert "Worker failed to boot" in stderr


def test_gunicorn_serves_the_site():
    with gunicorn(args=("--workers", "1")) as (_, base):
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
            health = json.load(r)
        assert health["status"] == "ok" and health["articles"] >= 3
        with urllib.request.urlopen(f"{base}/", timeout=5) as front:
            assert front.status == 200
