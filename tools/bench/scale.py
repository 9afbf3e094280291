"""How the site scales with the number of articles: start-up time, memory per worker, and
the latency of an article page and of a section page for 1,000, 10,000 and 100,000
generated articles.

    python3 -m tools.bench.scale                  # all three sizes, a few minutes
    python3 -m tools.bench.scale --sizes 1000 10000 --seconds 3 --rounds 2

Each size gets its own temporary content directory (removed afterwards) and its own
gunicorn, started with gunicorn.conf.py on a free 127.0.0.1 port and stopped by PID.
Start-up is bounded by --startup-cap; a size that does not come up in time is reported
as such and the run goes on. Latency is measured on an article in the middle of the
store and on the middle page of the biggest section (a slice deep in the listing), with
the sizes and the two pages taking turns (1k article, 1k section, 10k article, ...) once
all are up.
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


# Generated articles go round these sections, take two of WORDS as tags and one of the
# writers as author, so every kind of listing has many articles at every size.
SECTIONS = ("World", "Défense & Sécurité", "Business", "Culture", "Sport")
WRITERS = tuple(f"Writer {chr(ord('A') + n)}" for n in range(26))


def generate(directory: Path, count: int) -> list[str]:
    """`count` articles of about 2 KB each, one minute apart; returns their slugs."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    bodies = ["\n\n".join(paragraph(seed + k) for k in range(5)) for seed in range(97)]
    slugs = []
    for number in range(count):
        slug = f"article-{number:06d}"
        published = (start + timedelta(minutes=number)).isoformat()
        body = bodies[number % len(bodies)]
        tags = f"[{WORDS[number % len(WORDS)]}, {WORDS[number * 7 % len(WORDS)]}]"
        (directory / f"{slug}.md").write_text(
            f'---\ntitle: "Article number {number}"\npublished: {published}\n'
            f'dateline: PARIS\nauthors: ["{WRITERS[number % len(WRITERS)]}"]\n'
            f'section: "{SECTIONS[number % len(SECTIONS)]}"\ntags: {tags}\n---\n\n{body}\n',
            encoding="utf-8")
        slugs.append(slug)
    return slugs


def section_page(count: int, per_page: int = 10) -> str:
    """The path of the middle page of the first section (the biggest, or one of them)."""
    in_section = -(-count // len(SECTIONS))
    pages = -(-in_section // per_page)
    return f"/sections/world?page={max(1, pages // 2)}"


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
    row["urls"] = {"article": f"{base}/articles/{slugs[count // 2]}",
                   "section": base + section_page(count)}
    for url in row["urls"].values():
        for _ in range(20):  # let every worker render the page before timing it
            with urllib.request.urlopen(url, timeout=30) as response:
                assert response.status == 200, url
                response.read()
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
        runs = {(row["articles"], page): [] for row in up for page in row["urls"]}
        for _ in range(args.rounds):
            for row in up:
                for page, url in row["urls"].items():
                    runs[row["articles"], page].append(wrk.run(url, args.seconds))
    finally:
        for row in rows:
            servers.stop(row["server"])
        for directory in directories:
            shutil.rmtree(directory, ignore_errors=True)

    report(rows, runs, args)


def report(rows: list[dict], runs: dict, args) -> None:
    print(f"{'articles':>9} {'start-up s':>11} {'s per 1k':>9} {'RSS/worker MiB':>15}   "
          f"{'page':<8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}   (median of {args.rounds})")
    for row in rows:
        count = row["articles"]
        if row["startup_s"] is None:
            print(f"{count:9} {'> cap':>11}  (not up within {args.startup_cap:g} s)")
            continue
        lead = (f"{count:9} {row['startup_s']:11.1f} {row['startup_s'] / count * 1000:9.2f} "
                f"{row['rss_mib']:15.0f}")
        for page, url in row["urls"].items():
            result = wrk.median(runs[count, page])
            print(f"{lead}   {page:<8} {result.requests_per_s:8.0f} {result.p50_ms:7.2f} "
                  f"{result.p99_ms:7.2f}   {url.split('/', 3)[-1]}"
                  + (f"  !! {result.errors}" if result.errors else ""))
            lead = " " * len(lead)


if __name__ == "__main__":
    main()
