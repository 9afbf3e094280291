"""The shipped gunicorn settings as an operator meets them: where it listens, and that
a HUP picks up new content (no preload_app, so each new worker reads the files again)."""
import contextlib
import json
import os
import runpy
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from tools.servers import ROOT, gunicorn, wait_for, worker_pids


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


@pytest.mark.parametrize("bind", ["10.0.0.11:8000", "172.16.5.4:8000", "192.168.1.20:8000",
                                  "[fd12:3456::11]:8000"])
def test_a_private_address_only_when_the_operator_says_so(monkeypatch, bind):
    """A host behind a front nginx on another machine (docs/deployment.md, "Several
    hosts") listens on a private address, never by default."""
    monkeypatch.setenv("GUNICORN_BIND", bind)
    monkeypatch.delenv("GUNICORN_PRIVATE_NETWORK", raising=False)
    with pytest.raises(SystemExit, match="GUNICORN_PRIVATE_NETWORK=1"):
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    monkeypatch.setenv("GUNICORN_PRIVATE_NETWORK", "1")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == bind


@pytest.mark.parametrize("bind", ["0.0.0.0:8000", "[::]:8000", "192.0.2.10:8000",
                                  "172.32.0.1:8000", "[2001:db8::1]:8000", "news.example.org:80"])
def test_a_public_address_is_refused_even_on_a_private_network(monkeypatch, bind):
    monkeypatch.setenv("GUNICORN_BIND", bind)
    monkeypatch.setenv("GUNICORN_PRIVATE_NETWORK", "1")
    with pytest.raises(SystemExit, match="loopback"):
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.mark.parametrize("value", ["yes", "true", "2"])
def test_a_bad_private_network_value_is_named(monkeypatch, value):
    monkeypatch.setenv("GUNICORN_PRIVATE_NETWORK", value)
    with pytest.raises(SystemExit, match="GUNICORN_PRIVATE_NETWORK"):
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


def test_a_hup_compiles_the_content_before_the_new_workers_start(tmp_path):
    """gunicorn's on_reload compiles the new content while the old workers serve: the new
    workers find it made, and only open it."""
    article(tmp_path, "first")
    log = tmp_path / "gunicorn.log"
    env = {"FLASK_CONTENT_DIR": str(tmp_path), "FLASK_CACHE_DIR": str(tmp_path / "cache"),
           "GUNICORN_WORKERS": "2"}
    with gunicorn(log, env=env) as (server, base):
        article(tmp_path, "second")
        server.send_signal(signal.SIGHUP)
        assert articles_loaded(f"{base}/healthz", server, 2) == 2
        wait_for(lambda: "content compiled ahead of the reload" in log.read_text(),
                 "the reload's log", timeout=30)
    assert "compiled content of 2 articles ready" in log.read_text()
    assert len(list((tmp_path / "cache" / "content").glob("*.sqlite"))) == 2


class _Response:
    def __init__(self, status, sent):
        self.status, self.sent = status, sent
        self.headers = [("Content-Type", "text/html"), ("ETag", '"abc"')]


class _Request:
    headers = [("HOST", "127.0.0.1"), ("USER-AGENT", 'say "hi"')]


@pytest.mark.parametrize("environ, response", [
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_REFERER": "https://example.org/a",
      "HTTP_USER_AGENT": "Mozilla/5.0"}, _Response("200 OK", 16514)),
    ({"REMOTE_ADDR": "::1", "HTTP_USER_AGENT": 'say "hi"', "RAW_URI": '/a?q="x"'},
     _Response("304 Not Modified", 0)),
    ({"HTTP_AUTHORIZATION": "Basic " + __import__("base64").b64encode(b'ed"itor:pw').decode()},
     _Response(404, None)),
    ({"HTTP_AUTHORIZATION": "Bearer token"}, _Response("500 INTERNAL SERVER ERROR", 12)),
])
def test_the_access_log_line_is_gunicorns_own(tmp_path, monkeypatch, environ, response):
    """The leaner logger (gunicorn.conf.py) writes the bytes gunicorn's own would."""
    from datetime import timedelta

    from gunicorn import glogging
    from gunicorn.config import Config

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/articles/x?page=2",
               "SERVER_PROTOCOL": "HTTP/1.0", "PATH_INFO": "/articles/x", **environ}
    written = {}
    for logger_class in (glogging.Logger, conf["AccessLogger"]):
        config = Config()
        config.set("accesslog", str(tmp_path / f"{logger_class.__name__}.log"))
        config.set("access_log_format", conf["COMBINED"])
        logger = logger_class(config)
        monkeypatch.setattr(logger, "now", lambda: "[27/Nov/2026:09:00:00 +0000]")
        logger.access(response, _Request(), environ, timedelta(microseconds=1234))
        for handler in logger.access_log.handlers:
            handler.flush()
        written[logger_class] = (tmp_path / f"{logger_class.__name__}.log").read_text()
    assert written[conf["AccessLogger"]] == written[glogging.Logger] != ""


class _Arbiter:
    """gunicorn's Arbiter as far as hold_old_workers uses it: manage_workers stops the
    oldest workers past num_workers."""

    def __init__(self, workers: int):
        self.cfg = type("Cfg", (), {"workers": workers})()
        self.num_workers = workers
        self.running = [f"old-{n}" for n in range(workers)]
        self.stopped: list[str] = []

    def manage_workers(self):
        while len(self.running) > self.num_workers:
            self.stopped.append(self.running.pop(0))


def test_a_hup_keeps_the_old_workers_until_every_new_one_is_ready():
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    arbiter = _Arbiter(workers=3)
    conf["hold_old_workers"](arbiter)
    arbiter.running += ["new-0", "new-1", "new-2"]  # what gunicorn's reload() spawns
    arbiter.manage_workers()
    new_worker = type("Worker", (), {"cfg": arbiter.cfg, "ppid": os.getpid()})()
    previous = signal.signal(signal.SIGCHLD, lambda *_: woken.append(True))
    woken: list[bool] = []
    try:
        loading = [threading.Thread(target=conf["post_worker_init"], args=(new_worker,))
                   for _ in range(3)]
        for number, thread in enumerate(loading):
            arbiter.manage_workers()
            assert arbiter.stopped == [], f"an old worker stopped with {number} new ready"
            thread.start()
        for thread in loading:
            thread.join(10)
            assert not thread.is_alive()  # each waited for the others, then went on
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert woken == [True]  # the last one ready woke the master
    arbiter.manage_workers()
    assert arbiter.stopped == ["old-0", "old-1", "old-2"]  # all at once
    assert arbiter.running == ["new-0", "new-1", "new-2"]
    assert "manage_workers" not in vars(arbiter)  # gunicorn's own again: TTIN, TTOU work
    arbiter.num_workers = 2
    arbiter.manage_workers()
    assert arbiter.running == ["new-1", "new-2"]


def test_after_a_hup_the_site_runs_the_configured_workers_all_new(tmp_path):
    article(tmp_path, "first")
    env = {"FLASK_CONTENT_DIR": str(tmp_path), "FLASK_CACHE_DIR": str(tmp_path / "cache"),
           "GUNICORN_WORKERS": "2"}
    with gunicorn(env=env, capture_errors=True) as (server, base):
        before = set(worker_pids(server.pid))
        article(tmp_path, "second")
        server.send_signal(signal.SIGHUP)
        assert articles_loaded(f"{base}/healthz", server, 2) == 2
        wait_for(lambda: len(set(worker_pids(server.pid))) == 2
                 and not set(worker_pids(server.pid)) & before,
                 "two new workers and no old one", timeout=30, process=server)
