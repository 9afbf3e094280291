"""The nginx front against itself: through the shipped deploy/nginx.conf over TLS, an
article page from nginx's cache beside the same bytes served as a static file by the
same nginx (its /static/ location), in one run, taking turns.

    python3 -m tools.bench.front                  # 5 rounds x 5 s each, about a minute
    python3 -m tools.bench.front --rounds 3 --seconds 3 --connections 16

gunicorn (gunicorn.conf.py, FLASK_PROXY_COUNT=1) and nginx (deploy/nginx.conf rendered by
tools/servers.tls_front, Debian's nginx, one worker process, the prefix's own access log
as /etc/nginx/nginx.conf has one) on free 127.0.0.1 ports with a throwaway certificate;
the static root is a copy of static/ holding also the article's bytes, exactly as nginx
has them cached (the identity variant: wrk sends no Accept-Encoding). Targets alternate
(static, article, static, ...) so other jobs' load falls on both; the table gives medians,
the ratio of each round's pair, its median, and the bytes of headers each answer carries.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import requests

from tools import SEED_SLUG, servers
from tools.bench import wrk

STATIC_NAME = "bench/article.html"


def header_bytes(response: requests.Response) -> int:
    """Bytes of the status line and headers as sent (HTTP/1.1)."""
    raw = response.raw
    version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(raw.version, "HTTP/1.1")
    lines = [f"{version} {response.status_code} {response.reason}"]
    lines += [f"{name}: {value}" for name, value in raw.headers.items()]
    return len("\r\n".join(lines).encode("latin-1")) + 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--slug", default=SEED_SLUG)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-front-") as scratch:
        directory = Path(scratch)
        directory.chmod(0o755)  # nginx's workers read the static copy
        static = directory / "static"
        shutil.copytree(servers.ROOT / "static", static)
        (static / "bench").mkdir()
        with servers.tls_front(directory / "front", static_root=static) as site:
            base, cert = f"https://127.0.0.1:{site['https_port']}", site["cert"]
            article = f"{base}/articles/{args.slug}"
            first = requests.get(article, verify=cert, timeout=30)
            first.raise_for_status()
            (static / STATIC_NAME).write_bytes(first.content)
            again = requests.get(article, verify=cert, timeout=30)
            copy = requests.get(f"{base}/static/{STATIC_NAME}", verify=cert, timeout=30)
            assert again.headers["X-Cache-Status"] == "HIT", again.headers
            assert copy.content == again.content, "the static copy differs from the page"
            targets = {"static file": f"{base}/static/{STATIC_NAME}",
                       "article (cached)": article}
            for url in targets.values():
                wrk.run(url, args.warmup, args.connections)
            results: dict[str, list[wrk.Result]] = {name: [] for name in targets}
            for _ in range(args.rounds):
                for name, url in targets.items():
                    results[name].append(wrk.run(url, args.seconds, args.connections))
            report(results, {"static file": header_bytes(copy),
                             "article (cached)": header_bytes(again)},
                   len(again.content), args)


def report(results: dict[str, list[wrk.Result]], headers: dict[str, int], body: int,
           args) -> None:
    static = results["static file"]
    print(f"through nginx over TLS, wrk -t1 -c{args.connections}, {args.rounds} x "
          f"{args.seconds:g} s, taking turns; body {body} bytes (identity)")
    print(f"{'target':18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'header bytes':>13} "
          f"{'/ static':>9}")
    for name, runs in results.items():
        median = wrk.median(runs)
        ratio = wrk.paired_ratio(runs, static)
        print(f"{name:18} {median.requests_per_s:9.0f} {median.p50_ms:8.2f} "
              f"{median.p99_ms:8.2f} {headers[name]:13d} {ratio:9.3f}"
              + (f"  !! {median.errors}" if median.errors else ""))
    wrk.print_rounds(results)


if __name__ == "__main__":
    main()
