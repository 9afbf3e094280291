"""Start and stop the servers a benchmark compares, on free 127.0.0.1 ports.

Every server is started by us, recorded by PID and stopped by that PID: the machine
is shared with other people's servers, which we must never touch.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float) -> float:
    """Seconds until `url` answers 200; raises if the process dies or time runs out."""
    start = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with status {process.returncode}")
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.05)


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stop one server we started, by its PID: politely, then firmly."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def start_gunicorn(app: str, port: int, env: dict | None = None,
                   extra_args: tuple[str, ...] = ()) -> subprocess.Popen:
    """gunicorn with the project's gunicorn.conf.py, bound to 127.0.0.1:`port` only."""
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", *extra_args, app]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


NGINX_CONF = """\
daemon off;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    types {{ text/html html; }}
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/html;
        location / {{ try_files $uri =404; }}
    }}
}}
"""


def start_nginx(prefix: Path, port: int, workers: int) -> subprocess.Popen:
    """nginx in the foreground with its own prefix, config and temp paths under `prefix`.

    `prefix/html` is the document root; the caller puts the files there.
    """
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, workers=workers))
    return subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(conf), "-e",
                             str(prefix / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn workers: the master's child processes, read from /proc."""
    children: list[int] = []
    for task in Path(f"/proc/{master_pid}/task").iterdir():
        text = (task / "children").read_text().split()
        children.extend(int(pid) for pid in text)
    return children


def rss_mib(pid: int) -> float:
    """Resident memory of one process in MiB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of a server's worker processes so far, from /proc.

    CPU per request hardly moves when other jobs compete for the cores, while
    requests per second does: it is the steadier measure on a shared machine.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [master_pid, *worker_pids(master_pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks
