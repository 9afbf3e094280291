"""Load, reload and crash under load: gunicorn with the shipped settings, driven by wrk
at saturation on loopback, in three bounded runs of --duration seconds each.

1. steady:  zero socket errors and zero non-2xx on an article page;
2. reload:  an article file is added and the master gets HUP mid-run: zero lost
            requests, and the new article is served afterwards;
3. crash:   one worker gets SIGKILL mid-run: the requests lost are counted, and the
            seconds until throughput is back (90% of the median before the kill).

    python3 -m tools.bench.load                # 3 x 30 s, settings from gunicorn.conf.py
    python3 -m tools.bench.load --duration 10 --gunicorn-arg=--workers=4
    python3 -m tools.bench.load --via-nginx    # the same through deploy/nginx.conf (TLS)

Exit status 1 if a criterion fails. Loopback only; only the processes started here are
signalled, by pid.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tools import SEED_SLUG, servers

# Counts responses per wall-clock second and per status class in each wrk thread,
# then prints one JSON line with them and wrk's error counters.
WRK_SCRIPT = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args) per_second = {}; non2xx = 0; run = args[1] or "0" end
function response(status, headers, body)
  local now = os.time()
  per_second[now] = (per_second[now] or 0) + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local seconds, bad = {}, 0
  for _, thread in ipairs(threads) do
    for second, n in pairs(thread:get("per_second")) do
      seconds[second] = (seconds[second] or 0) + n
    end
    bad = bad + thread:get("non2xx")
  end
  local parts = {}
  for second, n in pairs(seconds) do table.insert(parts, string.format('"%d":%d', second, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"p50_ms":%.2f,"p99_ms":%.2f,"per_second":{%s}}\\n',
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, table.concat(parts, ",")))
end
"""

NEW_ARTICLE = """---
title: "Published during the load test"
published: 2031-01-01T09:00:00+00:00
---

This article was added while the site was under load, then picked up by a HUP.
"""


def answers_200(url: str, patience: float) -> bool:
    """Whether `url` answers 200 within `patience` seconds (a request queued behind the
    load while the workers change, or refused, is "not yet")."""
    try:
        servers.wait_for(lambda: servers.http_status(url, timeout=5) == 200, url, patience)
    except TimeoutError:
        return False
    return True


def new_article_status(url: str, patience: float = 30.0) -> int:
    """The new article's status: 200 once it answers so, else what it answers after
    `patience`."""
    return 200 if answers_200(url, patience) else servers.http_status(url, timeout=5)


def run_wrk(url: str, duration: int, connections: int, threads: int, script: Path) -> dict:
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s",
         "-s", str(script), url, "--", str(time.time_ns())],
        capture_output=True, text=True, timeout=duration + 60, check=False)
    line = next((text for text in done.stdout.splitlines() if text.startswith("WRKJSON ")),
                None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("WRKJSON "))
    result["per_second"] = {int(k): v for k, v in sorted(result["per_second"].items(),
                                                         key=lambda kv: int(kv[0]))}
    kinds = ("connect", "read", "write", "timeout")
    result["socket_errors"] = sum(result[k] for k in kinds)
    result["errors_by_kind"] = {k: result[k] for k in kinds if result[k]}
    result["lost"] = result["socket_errors"] + result["non2xx"]
    result["rps"] = round(result["requests"] / (result["duration_us"] / 1e6))
    return result


def full_seconds(result: dict) -> dict[int, int]:
    """Per-second counts without the partial first and last seconds."""
    seconds = list(result["per_second"].items())[1:-1]
    return dict(seconds)


def recovery_seconds(result: dict, event_at: float) -> tuple[int | None, float]:
    """Whole seconds from the event until a second reaches 90% of the median before it."""
    seconds = full_seconds(result)
    before = [n for second, n in seconds.items() if second < int(event_at)]
    baseline = statistics.median(before) if before else 0
    for second, n in seconds.items():
        if second > int(event_at) and n >= 0.9 * baseline:
            return second - int(event_at), baseline
    return None, baseline


def during(duration: int, at: float, action) -> threading.Timer:
    timer = threading.Timer(duration * at, action)
    timer.start()
    return timer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per run (max 120)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gunicorn-arg", action="append", default=[],
                        help="extra gunicorn argument, e.g. --gunicorn-arg=--workers=4")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--via-nginx", action="store_true",
                        help="load nginx's TLS front (deploy/nginx.conf) instead of gunicorn")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be 1 to 120 seconds")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")

    work = Path(tempfile.mkdtemp(prefix="load-"))
    content = work / "content"
    shutil.copytree(servers.ROOT / "content", content)
    script = work / "count.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    log = work / "gunicorn.log"
    figures: dict = {"gunicorn_args": args.gunicorn_arg, "connections": args.connections,
                     "threads": args.threads, "duration": args.duration,
                     "via_nginx": args.via_nginx}
    ok = True

    with contextlib.ExitStack() as stack:
        env = {"FLASK_CONTENT_DIR": str(content)}
        if args.via_nginx:
            env.update(FLASK_PROXY_COUNT="1", FLASK_SITE_URL="https://localhost")
        master, base = stack.enter_context(
            servers.gunicorn(log, env=env, args=tuple(args.gunicorn_arg)))
        url = f"{base}/articles/{SEED_SLUG}"
        if args.via_nginx:
            cert, key = servers.make_certificate(work)
            _, _, https_port = stack.enter_context(
                servers.nginx(work, base.removeprefix("http://"), cert, key))
            # /healthz says no-store, so nginx never caches it and every request reaches
            # gunicorn. (nginx's cache key has only the parameters the site reads, so a
            # different query string on every request no longer gets past the cache.)
            url = f"https://127.0.0.1:{https_port}/healthz"
        figures["workers"] = len(servers.worker_pids(master.pid))

        print(f"1/3 steady load, {args.duration} s ...", flush=True)
        steady = run_wrk(url, args.duration, args.connections, args.threads, script)
        figures["steady"] = {k: steady[k] for k in ("rps", "requests", "socket_errors",
                                                    "errors_by_kind", "non2xx", "p50_ms",
                                                    "p99_ms")}
        ok &= steady["lost"] == 0

        print(f"2/3 HUP with a new article, {args.duration} s ...", flush=True)
        hup_at = {}

        def reload():
            (content / "articles" / "published-during-the-load-test.md").write_text(NEW_ARTICLE,
                                                                       encoding="utf-8")
            hup_at["t"] = time.time()
            master.send_signal(signal.SIGHUP)

        timer = during(args.duration, 1 / 3, reload)
        reloaded = run_wrk(url, args.duration, args.connections, args.threads, script)
        timer.join()
        # The new workers answer once the master has compiled the content (on_reload)
        # and started them: a few seconds, counted from the HUP.
        served = new_article_status(f"{base}/articles/published-during-the-load-test")
        new_after = round(time.time() - hup_at["t"], 1)
        back, _ = recovery_seconds(reloaded, hup_at["t"])
        figures["hup"] = {"rps": reloaded["rps"], "requests": reloaded["requests"],
                          "lost": reloaded["lost"], "socket_errors": reloaded["socket_errors"],
                          "errors_by_kind": reloaded["errors_by_kind"],
                          "non2xx": reloaded["non2xx"], "new_article_status": served,
                          "new_article_seconds_after_hup": new_after,
                          "seconds_to_full_throughput": back}
        ok &= reloaded["lost"] == 0 and served == 200

        print(f"3/3 SIGKILL one worker, {args.duration} s ...", flush=True)
        killed = {}

        def kill():
            victim = servers.worker_pids(master.pid)[0]
            killed.update(pid=victim, t=time.time())
            os.kill(victim, signal.SIGKILL)

        timer = during(args.duration, 1 / 3, kill)
        crashed = run_wrk(url, args.duration, args.connections, args.threads, script)
        timer.join()
        back, baseline = recovery_seconds(crashed, killed["t"])
        figures["sigkill"] = {"rps": crashed["rps"], "requests": crashed["requests"],
                              "lost": crashed["lost"], "socket_errors": crashed["socket_errors"],
                              "errors_by_kind": crashed["errors_by_kind"],
                              "non2xx": crashed["non2xx"], "baseline_rps": baseline,
                              "seconds_to_full_throughput": back,
                              "per_second": list(full_seconds(crashed).values())}
        ok &= back is not None
        figures["workers_after"] = len(servers.worker_pids(master.pid))

    figures["ok"] = bool(ok)
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
