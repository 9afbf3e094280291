"""Serve the site with gunicorn on a free loopback port, for browser tests and Lighthouse.

The browser checks must see what production serves (gunicorn, the real headers and
compression), not Flask's test client. The listening socket is bound here and handed
to gunicorn as an open file descriptor, so no other process can take the port between
choosing it and serving on it, and two runs side by side never collide.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerError(RuntimeError):
    """gunicorn did not come up; the message carries its output."""


def _wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"gunicorn exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise ServerError(f"gunicorn did not answer {url}/healthz within {timeout:.0f} s")


@contextlib.contextmanager
def serve(settings: dict[str, str] | None = None, *, site_url_is_own_address: bool = False,
          timeout: float = 30.0) -> Iterator[str]:
    """Run gunicorn with `settings` (FLASK_* environment variables); yield its base URL.

    With `site_url_is_own_address`, FLASK_SITE_URL is set to the address served, so
    canonical links resolve (what Lighthouse wants). gunicorn is stopped on exit, by
    the process id started here and nothing else.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"

    env = {**os.environ, **(settings or {})}
    if site_url_is_own_address:
        env["FLASK_SITE_URL"] = base_url
    command = [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}",
               "--workers", "1", "--threads", "8", "--worker-class", "gthread",
               "--log-level", "warning", "wsgi:app"]
    # stdout carries only the access log (if gunicorn.conf.py turns it on): dropped, so it
    # never mixes with a caller's output. Errors go to stderr and stay visible.
    process = subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=(listener.fileno(),),
                               stdout=subprocess.DEVNULL)
    listener.close()  # gunicorn holds its own copy
    try:
        _wait_until_healthy(base_url, process, timeout)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
