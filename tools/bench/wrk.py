"""Run wrk for a bounded time against 127.0.0.1 and read its report."""
from __future__ import annotations

import re
import statistics
import subprocess
from dataclasses import dataclass
from urllib.parse import urlsplit

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Result:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: str  # non-2xx/3xx responses or socket errors, "" when none
    requests: int = 0
    cpu_us: float = 0.0  # server CPU time per request, when the caller measured it


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse(report: str) -> Result:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", report)
    p50 = re.search(r"^\s+50%\s+(\S+)", report, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", report, re.MULTILINE)
    if not (rps and p50 and p99):
        raise ValueError(f"cannot read wrk's report:\n{report}")
    problems = [line.strip() for line in report.splitlines()
                if "Non-2xx or 3xx" in line or "Socket errors" in line]
    count = re.search(r"(\d+) requests in", report)
    return Result(float(rps.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), "; ".join(problems),
                  int(count.group(1)) if count else 0)


def run(url: str, seconds: float, connections: int = 16,
        headers: tuple[str, ...] = (), script: str | None = None) -> Result:
    """One wrk run: one thread (the other core is the server's), `connections` open;
    `script`, a wrk Lua script's path, to vary the requests."""
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "::1"):
        raise ValueError(f"benchmarks only run against the loopback address, not {host!r}")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", script]
    done = subprocess.run(command + [url], capture_output=True, text=True,
                          timeout=seconds + 30, check=True)
    return parse(done.stdout)


def median(results: list[Result]) -> Result:
    return Result(statistics.median(r.requests_per_s for r in results),
                  statistics.median(r.p50_ms for r in results),
                  statistics.median(r.p99_ms for r in results),
                  "; ".join(sorted({r.errors for r in results if r.errors})),
                  int(statistics.median(r.requests for r in results)),
                  statistics.median(r.cpu_us for r in results))


def paired_ratio(runs: list[Result], baseline: list[Result]) -> float:
    """The median of each round's ratio of requests/s: targets that took turns meet the
    same load from other jobs round by round, so this moves less than a ratio of medians."""
    return statistics.median(r.requests_per_s / b.requests_per_s
                             for r, b in zip(runs, baseline, strict=True))


def print_rounds(results: dict[str, list[Result]]) -> None:
    """Each target's requests/s round by round, for a reader to judge the noise."""
    print("requests/s in each round:")
    for name, runs in results.items():
        print(f"  {name}: " + ", ".join(f"{r.requests_per_s:.0f}" for r in runs))
