"""A crawler's view of a large site: every article page in turn, round after round, as
a search engine's full crawl goes, against one gunicorn worker on generated articles.

    python3 -m tools.bench.crawl                                  # 6,000 articles
    python3 -m tools.bench.crawl --articles 6000 --accept "" --rounds 2

A page cache that holds fewer pages than the site has is emptied by such a crawl
before any page comes round again (the least recently used goes first), so every
request of every round re-renders (and compresses); one that holds them all answers the
second round from memory. Each round asks for every article once, 8 at a time (a
Python client: it tops out near 2,000 requests a second here, so a fully cached round
reads low; misses are far below that); the report gives requests per second of each
round and the worker's memory. One worker, because the page
cache is a worker's own. The content directory is temporary and removed; gunicorn binds a
free 127.0.0.1 port and is stopped by PID.
"""
from __future__ import annotations

import argparse
import http.client
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tools import servers
from tools.bench import proc
from tools.bench.scale import generate

CLIENTS = 8  # connections at once, as a crawler's fetchers


@dataclass(frozen=True)
class Round:
    seconds: float
    requests: int
    failures: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def crawl_round(base: str, paths: list[str], accept: str) -> Round:
    """Every path once, CLIENTS at a time; how long that took and what failed."""
    if not base.startswith("http://127.0.0.1:"):
        raise ValueError("the crawl only runs against 127.0.0.1")
    headers = {"Accept-Encoding": accept} if accept else {}
    port = int(base.rsplit(":", 1)[1])

    def fetch(share: list[str]) -> int:
        failures = 0
        for path in share:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                failures += response.status != 200
            except OSError:
                failures += 1
            finally:
                connection.close()
        return failures

    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        failures = sum(pool.map(fetch, [paths[n::CLIENTS] for n in range(CLIENTS)]))
    return Round(time.perf_counter() - began, len(paths), failures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--accept", default="gzip, deflate, br",
                        help="the crawler's Accept-Encoding ('' for none)")
    parser.add_argument("--env", nargs="*", default=[], metavar="NAME=VALUE",
                        help="settings for the site, e.g. FLASK_PAGE_CACHE_MB=64")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    results = []
    try:
        (directory / "articles").mkdir()
        slugs = generate(directory / "articles", args.articles)
        paths = [f"/articles/{slug}" for slug in slugs]
        env = {"FLASK_CONTENT_DIR": str(directory), **dict(v.split("=", 1) for v in args.env)}
        # No max_requests: a worker recycled mid-crawl would start with an empty cache.
        with servers.gunicorn(env=env, args=("--workers", "1", "--max-requests", "0"),
                              timeout=300) as (server, base):
            for _ in range(args.rounds):
                results.append(crawl_round(base, paths, args.accept))
            rss = max(proc.rss_mib(pid) for pid in servers.worker_pids(server.pid))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"{args.articles} articles, 1 worker, Accept-Encoding: {args.accept or '(none)'}"
          + (f", {' '.join(args.env)}" if args.env else ""))
    for number, result in enumerate(results, 1):
        print(f"  round {number}: {result.per_second:8.0f} req/s  ({result.requests} pages in "
              f"{result.seconds:.1f} s)" + (f"  !! {result.failures} failed" if result.failures
                                             else ""))
    print(f"  worker memory after: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
