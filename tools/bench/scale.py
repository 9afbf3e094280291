"""How the site scales with the number of articles: start-up time, memory per worker and
article-page latency for 1,000, 10,000 and 100,000 generated articles.

    python3 -m tools.bench.scale                  # all three sizes, a few minutes
    python3 -m tools.bench.scale --sizes 1000 10000 --seconds 3 --rounds 2

Each size gets its own temporary content directory (removed afterwards) and its own
gunicorn, started with gunicorn.conf.py on a free 127.0.0.1 port and stopped by PID.
Start-up is bounded by --startup-cap; a size that does not come up in time is reported
as such and the run goes on. Latency is measured on an article in the middle of the
store, with the sizes taking turns (1k, 10k, 100k, 1k, ...) once all are up.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tools import servers
from tools.bench import proc, wrk

WORDS = ("ministers", "harbour", "council", "budget", "railway", "election", "river", "summit",
         "treaty", "school", "hospital", "market", "weather", "festival", "court", "bridge",
         "energy", "farmers", "museum", "port")


def paragraph(seed: int, words: int = 60) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(words)).capitalize() + "."


def generate(directory: Path, count: int) -> list[str]:
    """`count` articles of about 2 KB each, one minute apart; returns their slugs."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    bodies = ["\n\n".join(paragraph(seed + k) for k in range(5)) for seed in range(97)]
    slugs = []
    for number in range(count):
        slug = f"article-{number:06d}"
        published = (start + timedelta(minutes=number)).isoformat()
        body = bodies[number % len(bodies)]
        (directory / f"{slug}.md").write_text(
            f'---\ntitle: "Article number {number}"\npublished: {published}\n'
            f"dateline: PARIS\nauthors: [A. Writer]\ntags: [scale, test]\n---\n\n{body}\n",
            encoding="utf-8")
        slugs.append(slug)
    return slugs


def start(count: int, directory: Path, startup_cap: float) -> dict:
    """One gunicorn on `count` generated articles: its start-up time and memory."""
    (directory / "articles").mkdir()
    slugs = generate(directory / "articles", count)
    began = time.monotonic()
    server, base = servers.start_gunicorn(env={"FLASK_CONTENT_DIR": str(directory)})
    row = {"articles": count, "server": server, "startup_s": None}
    try:
        # Workers load the content in parallel, each on its own: the first answer
        # is close to when all of them are ready.
        servers.wait_until_up(base + "/healthz", server, startup_cap)
    except TimeoutError:
        return row
    row["startup_s"] = time.monotonic() - began
    row["url"] = f"{base}/articles/{slugs[count // 2]}"
    for _ in range(20):  # let every worker render the page before timing it
        urllib.request.urlopen(row["url"], timeout=30).read()
    row["rss_mib"] = max(proc.rss_mib(pid) for pid in servers.worker_pids(server.pid))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--startup-cap", type=float, default=300)
    args = parser.parse_args()
    rows, directories = [], []
    try:
        for count in args.sizes:
            directories.append(Path(tempfile.mkdtemp(prefix=f"bench-scale-{count}-")))
            rows.append(start(count, directories[-1], args.startup_cap))
        up = [row for row in rows if row["startup_s"] is not None]
        # All sizes are up at once and measured in turn, so load from other jobs falls
        # on each of them alike.
        runs = {row["articles"]: [] for row in up}
        for _ in range(args.rounds):
            for row in up:
                runs[row["articles"]].append(wrk.run(row["url"], args.seconds))
    finally:
        for row in rows:
            servers.stop(row["server"])
        for directory in directories:
            shutil.rmtree(directory, ignore_errors=True)

    print(f"{'articles':>9} {'start-up s':>11} {'s per 1k':>9} {'RSS/worker MiB':>15} "
          f"{'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}   (article page, median of {args.rounds})")
    for row in rows:
        count = row["articles"]
        if row["startup_s"] is None:
            print(f"{count:9} {'> cap':>11}  (not up within {args.startup_cap:g} s)")
            continue
        result = wrk.median(runs[count])
        print(f"{count:9} {row['startup_s']:11.1f} {row['startup_s'] / count * 1000:9.2f} "
              f"{row['rss_mib']:15.0f} {result.requests_per_s:8.0f} {result.p50_ms:7.2f} "
              f"{result.p99_ms:7.2f}" + (f"  !! {result.errors}" if result.errors else ""))


if __name__ == "__main__":
    main()
