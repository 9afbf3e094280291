"""How the site scales with the number of articles: the first start (the compiled
content and the search index built), a start with both already on disk, memory per
worker, the latency of an article, the front page and a listing page, and a HUP with one
new article under load, for 1,000 to 1,000,000 generated articles.

    python3 -m tools.bench.scale                  # 1k, 10k and 100k: about 5 minutes
    python3 -m tools.bench.scale --sizes 1000 10000 100000 1000000 --startup-cap 3600
    python3 -m tools.bench.scale --sizes 1000 --seconds 2 --rounds 1 --no-hup

Each size gets its own temporary folder (content and CACHE_DIR; in --dir, removed
afterwards, also on Ctrl-C) and its own gunicorn (gunicorn.conf.py, a free 127.0.0.1 port,
stopped by PID). A million generated files take about 4 GB and their compiled form and
index about 5 GB more: check `df -h` first. Every start is bounded by --startup-cap; a
size that does not come up in time is reported as such and the run goes on.

Per size, in order: generate; start (cold: nothing in CACHE_DIR) and time until
/healthz answers; stop; start again (warm) and time it; render the three pages in every
worker and read the workers' resident memory. Then, all sizes up, the pages are measured
with wrk taking turns (1k article, 1k front page, 1k listing, 10k article, ...), so that
load from other jobs falls on all alike. Last (unless --no-hup), per size: wrk on the
article for --hup-seconds, one new article written and the master sent HUP a third of
the way in; the time until the new article answers, and every request wrk saw lost.
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tools import servers
from tools.bench import load, proc, wrk

WORDS = ("ministers", "harbour", "council", "budget", "railway", "election", "river", "summit",
         "treaty", "school", "hospital", "market", "weather", "festival", "court", "bridge",
         "energy", "farmers", "museum", "port")


def paragraph(seed: int, words: int = 60) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(words)).capitalize() + "."


# Generated articles go round these sections, take two of WORDS as tags and one of the
# writers as author, so every kind of listing has many articles at every size.
SECTIONS = ("World", "Défense & Sécurité", "Business", "Culture", "Sport")
WRITERS = tuple(f"Writer {chr(ord('A') + n)}" for n in range(26))


def article_text(number: int, start: datetime = datetime(2020, 1, 1, tzinfo=UTC)) -> str:
    published = (start + timedelta(minutes=number)).isoformat()
    body = "\n\n".join(paragraph(number % 97 + k) for k in range(5))
    tags = f"[{WORDS[number % len(WORDS)]}, {WORDS[number * 7 % len(WORDS)]}]"
    return (f'---\ntitle: "Article number {number}"\npublished: {published}\n'
            f'dateline: PARIS\nauthors: ["{WRITERS[number % len(WRITERS)]}"]\n'
            f'section: "{SECTIONS[number % len(SECTIONS)]}"\ntags: {tags}\n---\n\n{body}\n')


def slug(number: int) -> str:
    return f"article-{number:06d}"


def generate(directory: Path, count: int) -> list[str]:
    """`count` articles of about 2 KB each, one minute apart; returns their slugs."""
    slugs = []
    for number in range(count):
        (directory / f"{slug(number)}.md").write_text(article_text(number), encoding="utf-8")
        slugs.append(slug(number))
    return slugs


def section_page(count: int, per_page: int = 10) -> str:
    """The path of the middle page of the first section (the biggest, or one of them)."""
    in_section = -(-count // len(SECTIONS))
    pages = -(-in_section // per_page)
    return f"/sections/world?page={max(1, pages // 2)}"


def start(row: dict, startup_cap: float) -> float | None:
    """Start gunicorn on the row's content; seconds until /healthz answers, or None."""
    began = time.monotonic()
    server, base = servers.start_gunicorn(env={"FLASK_CONTENT_DIR": str(row["content"]),
                                               "FLASK_CACHE_DIR": str(row["cache"])})
    row["server"], row["base"] = server, base
    try:
        servers.wait_until_up(base + "/healthz", server, startup_cap)
    except (TimeoutError, RuntimeError) as error:
        row["failed"] = str(error).splitlines()[0]
        return None
    return time.monotonic() - began


def prepare(count: int, work: Path, startup_cap: float) -> dict:
    """One size: generated, started cold and warm, its pages rendered in every worker."""
    row = {"articles": count, "content": work / "content", "cache": work / "cache",
           "server": None}
    (row["content"] / "articles").mkdir(parents=True)
    began = time.monotonic()
    generate(row["content"] / "articles", count)
    row["generate_s"] = time.monotonic() - began
    time.sleep(2.5)  # files as old as an editor's: their stats can be trusted (compiled.py)
    row["cold_s"] = start(row, startup_cap)
    if row["cold_s"] is None:
        return row
    servers.stop(row["server"])
    row["warm_s"] = start(row, startup_cap)
    if row["warm_s"] is None:
        return row
    base = row["base"]
    row["urls"] = {"article": f"{base}/articles/{slug(count // 2)}",
                   "front page": base + "/",
                   "listing": base + section_page(count)}
    for url in row["urls"].values():
        for _ in range(20):  # let every worker render the page before timing it
            with urllib.request.urlopen(url, timeout=60) as response:
                assert response.status == 200, url
                response.read()
    workers = servers.worker_pids(row["server"].pid)
    row["workers"] = len(workers)
    row["rss_mib"] = max(proc.rss_mib(pid) for pid in workers)
    row["disk_mib"] = {kind: sum(path.stat().st_size for path in (row["cache"] / kind).glob(
        "*.sqlite")) / 2**20 for kind in ("content", "search")}
    return row


def hup(row: dict, seconds: int, script: Path) -> None:
    """A new article and a HUP a third of the way into a wrk run on the article."""
    new = slug(row["articles"])
    url = f"{row['base']}/articles/{new}"
    timing: dict = {}

    def publish() -> None:
        (row["content"] / "articles" / f"{new}.md").write_text(
            article_text(row["articles"] + 60 * 24 * 365 * 30), encoding="utf-8")
        timing["sent"] = time.monotonic()
        row["server"].send_signal(signal.SIGHUP)
        if load.answers_200(url, patience=seconds * 2):
            timing["served"] = time.monotonic()

    timer = threading.Timer(seconds / 3, publish)
    timer.start()
    result = load.run_wrk(row["urls"]["article"], seconds, 16, 1, script)
    timer.join()
    row["hup"] = {"to_new_article_s": (timing["served"] - timing["sent"]
                                       if "served" in timing else None),
                  "requests": result["requests"], "lost": result["lost"],
                  "errors": result["errors_by_kind"], "non2xx": result["non2xx"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--startup-cap", type=float, default=900)
    parser.add_argument("--hup-seconds", type=int, default=30)
    parser.add_argument("--no-hup", action="store_true")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the temporary folders go (default: the system's)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    rows, folders = [], []
    runs: dict = {}
    try:
        for count in args.sizes:
            folders.append(Path(tempfile.mkdtemp(prefix=f"bench-scale-{count}-", dir=args.dir)))
            print(f"{count} articles: generating, starting cold, then warm ...", flush=True)
            rows.append(prepare(count, folders[-1], args.startup_cap))
        up = [row for row in rows if row.get("rss_mib")]
        runs = {(row["articles"], page): [] for row in up for page in row["urls"]}
        for _ in range(args.rounds):
            for row in up:
                for page, url in row["urls"].items():
                    runs[row["articles"], page].append(wrk.run(url, args.seconds))
        if not args.no_hup:
            script = folders[0] / "count.lua"
            script.write_text(load.WRK_SCRIPT, encoding="utf-8")
            for row in up:
                print(f"{row['articles']} articles: HUP with a new article under load ...",
                      flush=True)
                hup(row, args.hup_seconds, script)
    finally:
        for row in rows:
            if row.get("server") is not None:
                servers.stop(row["server"], timeout=60)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    report(rows, runs, args)


def report(rows: list[dict], runs: dict, args) -> None:
    figures = []
    print(f"\n{'articles':>9} {'cold s':>8} {'warm s':>7} {'RSS/worker MiB':>15} "
          f"{'disk MiB':>9}   {'page':<10} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
          f"   (median of {args.rounds})")
    for row in rows:
        count = row["articles"]
        if not row.get("rss_mib"):
            print(f"{count:9} not up within {args.startup_cap:g} s: {row.get('failed', '')}")
            continue
        disk = sum(row["disk_mib"].values())
        lead = (f"{count:9} {row['cold_s']:8.1f} {row['warm_s']:7.2f} {row['rss_mib']:15.0f} "
                f"{disk:9.0f}")
        entry = {key: row[key] for key in ("articles", "generate_s", "cold_s", "warm_s",
                                           "workers", "rss_mib", "disk_mib")}
        for page, url in row["urls"].items():
            result = wrk.median(runs[count, page])
            entry[page] = {"url": url.split("/", 3)[-1], "rps": result.requests_per_s,
                           "p50_ms": result.p50_ms, "p99_ms": result.p99_ms}
            print(f"{lead}   {page:<10} {result.requests_per_s:7.0f} {result.p50_ms:7.2f} "
                  f"{result.p99_ms:7.2f}   /{url.split('/', 3)[-1]}"
                  + (f"  !! {result.errors}" if result.errors else ""))
            lead = " " * len(lead)
        if "hup" in row:
            entry["hup"] = row["hup"]
            print(f"{'':9} HUP with one new article: served after "
                  f"{row['hup']['to_new_article_s'] or float('nan'):.1f} s; "
                  f"{row['hup']['requests']} requests, {row['hup']['lost']} lost")
        figures.append(entry)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
