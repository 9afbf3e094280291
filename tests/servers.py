"""Real servers on loopback for the deployment tests and the load script: gunicorn with
the shipped settings, nginx with the shipped template, a throwaway TLS certificate.

Other people may be running servers on this machine: every port is a free one picked
by the kernel, everything binds 127.0.0.1, every wait is bounded, and only the
processes started here are ever stopped (by their own pid).
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from deploy.render_nginx import render

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, timeout: float = 20.0, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what}: not ready after {timeout} s")


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status == 200


def stop(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """TERM the process we started, then KILL it if it does not go in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextlib.contextmanager
def gunicorn(log_path: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()):
    """gunicorn -c gunicorn.conf.py on a free loopback port; yields (process, base URL)."""
    port = free_port()
    environment = {**os.environ, **(env or {})}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", *args, "wsgi:app"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: http_ok(base + "/healthz"), f"gunicorn (log: {log_path})",
                 process=process)
        yield process, base
    finally:
        stop(process)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, valid for two days."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)
    return cert, key


NGINX_MAIN = """\
{user}
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None)


@contextlib.contextmanager
def nginx(directory: Path, upstream: str, cert: Path, key: Path, server_name="localhost"):
    """Debian's nginx with deploy/nginx.conf rendered into a private prefix.

    Yields (process, http port, https port).
    """
    http_port, https_port = free_port(), free_port()
    site = render(server_name=server_name, certificate=str(cert), certificate_key=str(key),
                  upstream=upstream, http_port=http_port, https_port=https_port,
                  cache_dir=str(directory / "cache"), address="127.0.0.1")
    (directory / "site.conf").write_text(site, encoding="utf-8")
    # As root, nginx's workers would drop to "nobody", who cannot read a private tmp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    (directory / "nginx.conf").write_text(NGINX_MAIN.format(dir=directory, user=user),
                                          encoding="utf-8")
    binary = nginx_binary()
    checked = subprocess.run([binary, "-t", "-p", str(directory), "-c",
                              str(directory / "nginx.conf")], capture_output=True, text=True,
                             check=False)
    if checked.returncode:
        raise RuntimeError(f"nginx rejects the rendered configuration:\n{checked.stderr}")
    process = subprocess.Popen([binary, "-p", str(directory), "-c", str(directory / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

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
def tls_front(directory: Path, site_url: str = "https://localhost"):
    """gunicorn (trusting one proxy) behind nginx with a fresh certificate.

    Yields a dict: https (base URL), http (base URL), https_port, http_port, cert.
    """
    cert, key = make_certificate(directory)
    env = {"FLASK_PROXY_COUNT": "1", "FLASK_SITE_URL": site_url}
    with contextlib.ExitStack() as stack:
        _, upstream = stack.enter_context(gunicorn(directory / "gunicorn.log", env=env))
        _, http_port, https_port = stack.enter_context(
            nginx(directory, upstream.removeprefix("http://"), cert, key))
        yield {"https": f"https://localhost:{https_port}", "https_port": https_port,
               "http": f"http://127.0.0.1:{http_port}", "http_port": http_port,
               "cert": str(cert)}


def observatory(host: str, http_port: int, https_port: int | None = None, path: str = "/",
                cert: str | None = None) -> dict:
    """The grade of tools/observatory.mjs for one server, as parsed JSON."""
    env = {**os.environ}
    if cert:
        env["NODE_EXTRA_CA_CERTS"] = cert
    args = ["node", str(ROOT / "tools" / "observatory.mjs"), host, str(http_port)]
    args += [str(https_port or 1), path]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
                          check=False)
    if done.returncode:
        raise RuntimeError(f"observatory failed: {done.stdout}{done.stderr}")
    return json.loads(done.stdout)
