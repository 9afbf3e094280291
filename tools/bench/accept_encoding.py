"""Can odd Accept-Encoding headers grow a worker's memory? Requests whose Accept-Encoding
is repeated (gunicorn joins repeated headers into one value, up to ~390 KB) and different
every time, against gunicorn with gunicorn.conf.py; the workers' memory before and after.

    python3 -m tools.bench.accept_encoding                 # 2,400 requests
    python3 -m tools.bench.accept_encoding --requests 600 --headers 20

gunicorn binds a free 127.0.0.1 port and is stopped by PID; the run stops after
--requests requests.
"""
from __future__ import annotations

import argparse
import socket
import time

from tools import SEED_SLUG, servers
from tools.bench import proc

# gunicorn.conf.py's limits: 50 header fields of at most 8,190 bytes each.
FIELD = 8000


def request(port: int, number: int, headers: int) -> bytes:
    """One GET with `headers` Accept-Encoding lines, every one unlike any other."""
    lines = [f"GET /articles/{SEED_SLUG} HTTP/1.1", "Host: localhost", "Connection: close"]
    for line in range(headers):
        filler = f"x-{number}-{line}-" + "a" * FIELD
        lines.append(f"Accept-Encoding: gzip, {filler[:FIELD]}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return connection.recv(16)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2400)
    parser.add_argument("--headers", type=int, default=45,
                        help="Accept-Encoding lines a request (gunicorn allows 50 fields)")
    args = parser.parse_args()
    with servers.gunicorn() as (server, base):
        port = int(base.rsplit(":", 1)[1])
        for _ in range(40):  # every worker renders the page first
            request(port, -1, 1)
        before = {pid: proc.rss_mib(pid) for pid in servers.worker_pids(server.pid)}
        began, statuses = time.monotonic(), {}
        for number in range(args.requests):
            status = request(port, number, args.headers)[9:12].decode()
            statuses[status] = statuses.get(status, 0) + 1
        seconds = time.monotonic() - began
        after = {pid: proc.rss_mib(pid) for pid in servers.worker_pids(server.pid)}
    print(f"{args.requests} requests, {args.headers} Accept-Encoding lines of {FIELD} bytes "
          f"each, in {seconds:.0f} s; statuses {statuses}")
    for pid in sorted(before):
        print(f"  worker {pid}: {before[pid]:.0f} MiB before, "
              f"{after.get(pid, float('nan')):.0f} MiB after")
    recycled = sorted(set(after) - set(before))
    if recycled:
        print(f"  (new workers since: {recycled}: max_requests recycled some)")


if __name__ == "__main__":
    main()
