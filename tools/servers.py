"""Real servers on loopback, for the tests, the benchmarks and the other tools: gunicorn
with the shipped gunicorn.conf.py, nginx in a private prefix, a throwaway TLS certificate.

One module so that every tool starts and stops servers the same careful way. Other
people may be running servers on this machine: every port is a free one picked by the
kernel, everything binds 127.0.0.1, every wait is bounded, and only the processes
started here are ever stopped (by their own pid).
"""
from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from deploy.render_nginx import render

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port the kernel says is free now (for servers that cannot take an open socket)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0,
             process: subprocess.Popen | None = None) -> None:
    """Poll `check` until it is true; fail early if `process` exits, late on `timeout`.

    An OSError from `check` (connection refused, HTTP error) counts as "not yet". If the
    process exits and its stderr was captured (start_gunicorn(capture_errors=True)),
    what it wrote there is part of the error.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}"
                               + captured_errors(process))
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")


def captured_errors(process: subprocess.Popen, timeout: float = 5.0) -> str:
    """What an exited process wrote to its captured stderr, as ":\n..." ("" if none)."""
    if process.stderr is None:
        return ""
    try:
        _, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:  # a child still holds the pipe open
        return ""
    if isinstance(errors, bytes):
        errors = errors.decode("utf-8", "replace")
    return f":\n{errors}" if errors else ""


def http_status(url: str, timeout: float = 10.0) -> int:
    """The status a GET of `url` answers, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Wait until `url` answers 200 while `process` (the server behind it) runs."""
    wait_for(lambda: http_status(url, timeout=2) == 200, url, timeout, process)


def stop(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """Stop one server we started, by its PID: TERM, then KILL if it does not go in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def start_gunicorn(app: str = "wsgi:app", *, env: dict[str, str] | None = None,
                   args: tuple[str, ...] = (), log: Path | None = None,
                   show_errors: bool = False, capture_errors: bool = False,
                   site_url_is_own_address: bool = False) -> tuple[subprocess.Popen, str]:
    """gunicorn -c gunicorn.conf.py serving `app` on loopback; returns (process, base URL).

    The listening socket is bound here and handed to gunicorn as an open file
    descriptor, so no other process can take the port between choosing it and serving
    on it. `env` adds to this process's environment; `args` go after the config file.
    Output (access log and errors) goes to the file `log`, or is dropped, except errors
    with `show_errors`, or with `capture_errors` kept in a pipe, `process.stderr` (text),
    for the caller to read: `process.communicate()` once gunicorn has exited, to check
    what an operator would read. With `site_url_is_own_address`, FLASK_SITE_URL is the
    address served, so canonical links resolve (what Lighthouse wants).
    """
    if capture_errors and (log is not None or show_errors):
        raise ValueError("capture_errors keeps stderr in a pipe: not with log or show_errors")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    environment = {**os.environ, **(env or {})}
    if site_url_is_own_address:
        environment["FLASK_SITE_URL"] = base_url
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
               "--bind", f"fd://{listener.fileno()}", *args, app]
    with contextlib.ExitStack() as files:
        if log is not None:
            stdout, stderr = files.enter_context(open(log, "ab")), subprocess.STDOUT
        elif capture_errors:
            stdout, stderr = subprocess.DEVNULL, subprocess.PIPE
        else:
            stdout = subprocess.DEVNULL
            stderr = None if show_errors else subprocess.DEVNULL
        process = subprocess.Popen(command, cwd=ROOT, env=environment,
                                   pass_fds=(listener.fileno(),), stdout=stdout, stderr=stderr,
                                   text=capture_errors)
    listener.close()  # gunicorn holds its own copy
    return process, base_url


@contextlib.contextmanager
def gunicorn(log: Path | None = None, *, env: dict[str, str] | None = None,
             args: tuple[str, ...] = (), show_errors: bool = False,
             capture_errors: bool = False, site_url_is_own_address: bool = False,
             timeout: float = 30.0) -> Iterator[tuple[subprocess.Popen, str]]:
    """start_gunicorn() for the site, ready (/healthz answers); yields (process, base URL)
    and stops it on exit. With `capture_errors`, a wait_for() on the process fails with
    gunicorn's own error messages if it exits."""
    process, base_url = start_gunicorn(env=env, args=args, log=log, show_errors=show_errors,
                                       capture_errors=capture_errors,
                                       site_url_is_own_address=site_url_is_own_address)
    try:
        wait_until_up(base_url + "/healthz", process, timeout)
        yield process, base_url
    finally:
        stop(process)
        if process.stderr is not None:
            process.stderr.close()


@contextlib.contextmanager
def serve(settings: dict[str, str] | None = None, *, site_url_is_own_address: bool = False,
          timeout: float = 30.0) -> Iterator[str]:
    """The site with `settings` (FLASK_* environment variables) for a browser; yields its
    base URL. One worker with threads, so a browser's parallel requests do not queue."""
    args = ("--workers", "1", "--threads", "8", "--worker-class", "gthread",
            "--log-level", "warning")
    with gunicorn(env=settings, args=args, show_errors=True, timeout=timeout,
                  site_url_is_own_address=site_url_is_own_address) as (_, base_url):
        yield base_url


def worker_pids(master_pid: int) -> list[int]:
    """A gunicorn master's workers: its child processes, read from /proc."""
    children: list[int] = []
    for task in Path(f"/proc/{master_pid}/task").iterdir():
        children.extend(int(pid) for pid in (task / "children").read_text().split())
    return children


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, valid for two days."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)
    return cert, key


# Every path nginx writes to, inside its private prefix.
NGINX_TEMP_PATHS = """\
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;"""

# The main configuration around the site's: what docs/deployment.md asks of
# /etc/nginx/nginx.conf (file descriptors and connections for slow clients: 65,536 and
# 16,384, or as many as this machine's hard limit allows), with one worker and every path
# in the private prefix.
NGINX_SITE_MAIN = """\
{user}
worker_processes 1;
worker_rlimit_nofile {files};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
{temp_paths}
    include {prefix}/site.conf;
}}
"""


def nginx_open_files(wanted: int = 65536) -> int:
    """The documented worker_rlimit_nofile, or this machine's hard limit if lower."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None)


def start_nginx(prefix: Path, config: str) -> subprocess.Popen:
    """nginx in the foreground with `config` (its whole nginx.conf) under `prefix`.

    The configuration is checked first (`nginx -t`), so a bad one fails with nginx's
    own words rather than as a server that never answers.
    """
    conf = prefix / "nginx.conf"
    conf.write_text(config, encoding="utf-8")
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    command = [binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    if checked.returncode:
        raise RuntimeError(f"nginx rejects the configuration {conf}:\n{checked.stderr}")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@contextlib.contextmanager
def nginx(directory: Path, upstream: str | list[str], cert: Path, key: Path,
          server_name="localhost",
          media_root: Path | None = None, static_root: Path | None = None):
    """Debian's nginx with deploy/nginx.conf rendered into a private prefix, in front of
    `upstream` (one address, or several: an upstream pool); `media_root` is the site's
    CACHE_DIR (default: the checkout's instance/cache), `static_root` the folder served
    at /static/ (default: the checkout's static/).

    Yields (process, http port, https port).
    """
    http_port, https_port = free_port(), free_port()
    media = {"media_root": str(media_root)} if media_root is not None else {}
    if static_root is not None:
        media["static_root"] = str(static_root)
    site = render(server_name=server_name, certificate=str(cert), certificate_key=str(key),
                  upstream=upstream, http_port=http_port, https_port=https_port,
                  cache_dir=str(directory / "cache"), address="127.0.0.1", **media)
    (directory / "site.conf").write_text(site, encoding="utf-8")
    # As root, nginx's workers would drop to "nobody", who cannot read a private tmp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    temp_paths = NGINX_TEMP_PATHS.format(prefix=directory)
    files = nginx_open_files()
    process = start_nginx(directory, NGINX_SITE_MAIN.format(
        prefix=directory, user=user, temp_paths=temp_paths, files=files,
        connections=min(16384, files // 2)))

    def listening() -> bool:
        for port in (http_port, https_port):
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
        return True

    try:
        wait_for(listening, f"nginx (log: {directory / 'error.log'})", process=process)
        yield process, http_port, https_port
    finally:
        stop(process)


@contextlib.contextmanager
def tls_front(directory: Path, site_url: str = "https://localhost",
              static_root: Path | None = None, env: dict[str, str] | None = None):
    """gunicorn (trusting one proxy) behind nginx with a fresh certificate, sharing a
    fresh CACHE_DIR (the site makes its pictures there, nginx serves them); `static_root`
    and `env` as nginx() and gunicorn() take them.

    Yields a dict: https (base URL), http (base URL), https_port, http_port, cert,
    cache_dir.
    """
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = make_certificate(directory)
    cache_dir = directory / "site-cache"
    env = {"FLASK_PROXY_COUNT": "1", "FLASK_SITE_URL": site_url,
           "FLASK_CACHE_DIR": str(cache_dir), **(env or {})}
    with contextlib.ExitStack() as stack:
        _, upstream = stack.enter_context(gunicorn(directory / "gunicorn.log", env=env))
        _, http_port, https_port = stack.enter_context(
            nginx(directory, upstream.removeprefix("http://"), cert, key,
                  media_root=cache_dir, static_root=static_root))
        yield {"https": f"https://localhost:{https_port}", "https_port": https_port,
               "http": f"http://127.0.0.1:{http_port}", "http_port": http_port,
               "cert": str(cert), "cache_dir": cache_dir}


@contextlib.contextmanager
def hosts(directory: Path, count: int = 2, site_url: str = "https://localhost",
          content_dir: Path = ROOT / "content") -> Iterator[list[dict]]:
    """`count` gunicorns standing in for as many hosts: each on its own port with its own
    copy of `content_dir` and its own CACHE_DIR (trusting one proxy, as behind nginx).
    Each copy has its own modification times and inodes, as a checkout or an rsync on
    another machine would: nothing a reader gets may depend on them.

    Yields a dict a host: process, url, content, cache_dir. Stopped on exit.
    """
    with contextlib.ExitStack() as stack:
        running = []
        for number in range(count):
            home = directory / f"host-{number}"
            content = home / "content"
            shutil.copytree(content_dir, content, copy_function=shutil.copyfile)
            env = {"FLASK_PROXY_COUNT": "1", "FLASK_SITE_URL": site_url,
                   "FLASK_CONTENT_DIR": str(content), "FLASK_CACHE_DIR": str(home / "cache")}
            process, url = stack.enter_context(gunicorn(home / "gunicorn.log", env=env))
            running.append({"process": process, "url": url, "content": content,
                            "cache_dir": home / "cache"})
        yield running


@contextlib.contextmanager
def tls_pool(directory: Path, count: int = 2, site_url: str = "https://localhost"):
    """hosts() behind one nginx (deploy/nginx.conf with an upstream of `count` servers),
    with a fresh certificate. nginx stands for a machine of its own: its media root is an
    empty folder (no host's CACHE_DIR), so pictures come from the hosts through the pool.

    Yields a dict: hosts (as hosts() gives them), https, https_port, cert, front (nginx's
    prefix: error.log, access.log, cache/).
    """
    cert, key = make_certificate(directory)
    front = directory / "front"
    (front / "no-media").mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(hosts(directory, count, site_url))
        upstream = [host["url"].removeprefix("http://") for host in pool]
        _, _, https_port = stack.enter_context(
            nginx(front, upstream, cert, key, media_root=front / "no-media"))
        yield {"hosts": pool, "https": f"https://localhost:{https_port}",
               "https_port": https_port, "cert": str(cert), "front": front}
