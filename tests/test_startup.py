"""Start-up as operators see it: a bad content file stops the server with one message."""
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tools.servers import free_port

ROOT = Path(__file__).resolve().parents[1]


def bad_content(tmp_path: Path) -> Path:
    (tmp_path / "broken.md").write_text("---\ntitle: Broken\n---\nText.\n", encoding="utf-8")
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
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2", "wsgi:app"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        env=environment(bad_content(tmp_path)))
    assert result.returncode != 0
    assert "broken.md:1: missing required field 'published'" in result.stderr
    assert "Worker failed to boot" in result.stderr


def test_gunicorn_serves_the_site():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "wsgi:app"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.load(r)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert health["status"] == "ok" and health["articles"] >= 4
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as front:
            assert front.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
