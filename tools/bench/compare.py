"""The site beside its ceilings, in one run: nginx serving the article as a static file,
gunicorn serving a Flask app that returns constant bytes (same gunicorn settings; also
with the site's headers, to show their cost), and this site's article page, front page
and 304 path.

    python3 -m tools.bench.compare           # 3 rounds x 5 s per target, about 2 minutes
    python3 -m tools.bench.compare --rounds 1 --seconds 3
    python3 -m tools.bench.compare --gunicorn-args "--workers 4 --worker-class sync"

Targets run in turn (A, B, C, A, B, C, ...) so that noise on this shared 2-core machine
falls on all of them alike; the table shows medians, and ratios taken within each round.
It also shows the servers' CPU time per request (from /proc), which competing jobs move
less than requests per second, and the best round of each target (the least disturbed,
as timeit reports its minimum). Everything listens on 127.0.0.1
only and every server is stopped by the PID we recorded.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import shutil
import tempfile
import urllib.request
from pathlib import Path

from tools import SEED_SLUG, servers
from tools.bench import proc, wrk

BROWSER_ENCODINGS = "Accept-Encoding: gzip, deflate, br"
NGINX = "nginx static file"
CEILING = "Flask constant bytes (ceiling)"


# nginx as a plain static file server, the fastest this machine sends the article.
NGINX_STATIC = """\
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
{temp_paths}
    types {{ text/html html; }}
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/html;
        location / {{ try_files $uri =404; }}
    }}
}}
"""


def article_slug(content_dir: str | None) -> str:
    """The seed article (a real published page) if it is there, else the newest."""
    from app import create_app
    from app.state import state

    config = {"CONTENT_DIR": content_dir} if content_dir else None
    store = state(create_app(config)).store
    return SEED_SLUG if SEED_SLUG in store else next(iter(store)).slug


def fetch(url: str, headers: dict | None = None) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read(), dict(response.headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--nginx-workers", type=int, default=2)
    parser.add_argument("--gunicorn-args", default="",
                        help="extra gunicorn options for both gunicorn servers")
    parser.add_argument("--content-dir", default=None)
    args = parser.parse_args()

    extra = tuple(shlex.split(args.gunicorn_args))
    site_env = {"FLASK_CONTENT_DIR": args.content_dir} if args.content_dir else {}
    slug = article_slug(args.content_dir)
    prefix = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    prefix.chmod(0o755)  # nginx's workers run as an unprivileged user and must read it
    started = []
    try:
        site, site_url = servers.start_gunicorn(env=site_env, args=extra)
        started.append(site)
        servers.wait_until_up(site_url + "/healthz", site, 120)
        article_url = f"{site_url}/articles/{slug}"
        body, headers = fetch(article_url)
        etag = headers["ETag"]

        site_headers = [(name, value) for name, value in headers.items()
                        if name.lower() not in ("content-type", "content-length", "date",
                                                "server", "connection", "keep-alive")]
        (prefix / "headers.json").write_text(json.dumps(site_headers))
        (prefix / "html").mkdir()
        (prefix / "html" / "article.html").write_bytes(body)
        nginx_port = servers.free_port()
        nginx = servers.start_nginx(prefix, NGINX_STATIC.format(
            prefix=prefix, port=nginx_port, workers=args.nginx_workers,
            temp_paths=servers.NGINX_TEMP_PATHS.format(prefix=prefix)))
        started.append(nginx)
        nginx_url = f"http://127.0.0.1:{nginx_port}/article.html"
        servers.wait_until_up(nginx_url, nginx, 30)

        ceiling, ceiling_url = servers.start_gunicorn(
            "tools.bench.ceiling:app", args=extra,
            env={"CEILING_BODY": str(prefix / "html" / "article.html"),
                 "CEILING_HEADERS": str(prefix / "headers.json")})
        started.append(ceiling)
        ceiling_url += "/"
        servers.wait_until_up(ceiling_url, ceiling, 60)
        assert fetch(ceiling_url)[0] == body == fetch(nginx_url)[0], "servers differ in bytes"

        targets = {
            NGINX: (nginx, nginx_url, ()),
            CEILING: (ceiling, ceiling_url, ()),
            "Flask constant bytes + site headers": (ceiling, ceiling_url + "with-headers", ()),
            "site article": (site, article_url, ()),
            "site article, br": (site, article_url, (BROWSER_ENCODINGS,)),
            "site front page": (site, site_url + "/", ()),
            "site article, 304": (site, article_url, (f"If-None-Match: {etag}",)),
        }
        print(f"article {slug}: {len(body)} bytes; gunicorn args: "
              f"{' '.join(extra) or '(gunicorn.conf.py as is)'}; wrk -t1 -c{args.connections}, "
              f"{args.rounds} x {args.seconds:g} s, median", flush=True)
        for _, url, headers in targets.values():
            wrk.run(url, args.warmup, args.connections, headers)
        results: dict[str, list[wrk.Result]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (server, url, headers) in targets.items():
                before = proc.cpu_seconds(server.pid)
                result = wrk.run(url, args.seconds, args.connections, headers)
                cpu = proc.cpu_seconds(server.pid) - before
                results[name].append(dataclasses.replace(
                    result, cpu_us=cpu / max(result.requests, 1) * 1e6))
        report(results)
    finally:
        for process in reversed(started):
            servers.stop(process)
        shutil.rmtree(prefix, ignore_errors=True)


def report(results: dict[str, list[wrk.Result]]) -> None:
    """Medians, and ratios taken within each round then medianed: on a shared machine
    the load moves between rounds, and a ratio of neighbours moves much less."""
    def paired(name: str, base: str) -> float:
        return wrk.paired_ratio(results[name], results[base])

    medians = {name: wrk.median(runs) for name, runs in results.items()}
    ceiling_cpu = medians[CEILING].cpu_us
    best = {name: max(r.requests_per_s for r in runs) for name, runs in results.items()}
    print(f"{'target':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'/ceiling':>9} {'/nginx':>7}"
          f" {'CPU us/req':>11} {'ceiling CPU/CPU':>16} {'best req/s':>11} {'best/ceiling':>13}")
    for name, result in medians.items():
        print(f"{name:34} {result.requests_per_s:9.0f} {result.p50_ms:8.2f} {result.p99_ms:8.2f} "
              f"{paired(name, CEILING):9.2f} {paired(name, NGINX):7.3f}"
              f" {result.cpu_us:11.0f} {ceiling_cpu / result.cpu_us:16.2f}"
              f" {best[name]:11.0f} {best[name] / best[CEILING]:13.2f}"
              + (f"  !! {result.errors}" if result.errors else ""))
    wrk.print_rounds(results)


if __name__ == "__main__":
    main()
