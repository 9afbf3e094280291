"""Search at 1,000, 10,000 and 100,000 generated articles: the index's build time, size,
start-up cost and memory, and the latency of /search beside the article page.

    python3 -m tools.bench.search                     # all three sizes, several minutes
    python3 -m tools.bench.search --sizes 1000 10000 --seconds 3 --rounds 2

The articles are English-like: the most frequent English words (so "the" is in every
article, and prefixes such as "the" or "gover" match many words, as they do in real
text), then a long tail of invented words, drawn with Zipf's law; "prime minister" is
planted in one article in twenty and the rare word "zeppelin" in ten articles at every
size. Each size gets its own temporary content and cache folders (removed afterwards).

Three parts, each printed as a table:
1. In one process per size: loading the store, then the index built (cold) and, in a
   second process, opened (warm), with the time and resident memory each adds, and the
   index's size on disk.
2. gunicorn (gunicorn.conf.py, its 4 workers) on each size, started with the index
   already built by part 1 (warm start-up, as after any restart with unchanged content).
3. wrk on the article page and on /search for a common word, a rare word, a phrase and
   a prefix, taking turns across sizes and rounds; medians of the rounds. Each search
   request is a new results page (UNCACHED below): what a query costs when it is not in
   the workers' results cache. "repeated" is the common word's one URL again and again,
   served from that cache.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from tools import servers
from tools.bench import proc, wrk

# The most frequent English words, most frequent first (news text's order, roughly).
ENGLISH = """the of and to a in that is for on it with as was he said by at from his an
be have has are but not this they were had which or been their who its will would after
more one all there when also new about up year two than other into first over last
people time government minister state some out can years could told no what percent
only we so its president him our while three most where may against since before many
made between under during then them these country police public week security called
work national group military city say month just party such world those because million
any being both part including well day through if back market report official support
help officials added former next plan still campaign own around health news told how
again house found much same least even set help four police court since billion ago
very take war four second family region high team officer water according left local
foreign hold meeting council policy home among election leader financial minister early
""".split()
SYLLABLES = ("ka", "lo", "ri", "ten", "mar", "vo", "sel", "du", "pra", "nit", "ge", "bor",
             "lin", "tas", "fe", "mu", "ros", "ca", "del", "vin")
SECTIONS = ("World", "Politics", "Business", "Science", "Culture", "Sport", "Opinion",
            "Défense")
RARE, PHRASE = "zeppelin", ("prime", "minister")
# wrk's open connections: 16, as in every benchmark here (throughput; latency is mostly
# queueing behind the other requests), and 1 (latency is the time one request takes).
CONNECTIONS = (16, 1)
QUERIES = {"common word": "the", "rare word": RARE, "phrase": '"prime minister"',
           "prefix": "gover"}


def vocabulary(size: int = 20_000) -> list[str]:
    rng = random.Random(7)
    words = list(dict.fromkeys(ENGLISH))
    known = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in known:
            known.add(word)
            words.append(word)
    return words


def generate(directory: Path, count: int) -> list[str]:
    """`count` articles of about 2 KB, one hour apart from 2015, newest last; their slugs."""
    rng = random.Random(count)
    words = vocabulary()
    weights = list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))
    start = datetime(2015, 1, 1, tzinfo=UTC)
    rare_every = max(1, count // 10)

    def text(length: int) -> list[str]:
        return rng.choices(words, cum_weights=weights, k=length)

    slugs = []
    for number in range(count):
        body = text(330)
        if number % 20 == 0:
            body[40:40] = PHRASE
        if number % rare_every == rare_every // 2:
            body[120:120] = [RARE]
        paragraphs = [" ".join(body[i:i + 66]).capitalize() + "." for i in range(0, 330, 66)]
        title = " ".join(text(7)).capitalize()
        slug = f"article-{number:06d}"
        published = (start + timedelta(hours=number)).isoformat()
        (directory / f"{slug}.md").write_text(
            f'---\ntitle: "{title}"\npublished: {published}\nsection: {SECTIONS[number % 8]}\n'
            f"authors: [A. Writer]\n---\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        slugs.append(slug)
    return slugs


# A wrk script: every request's query ends in a different tail of punctuation, which the
# search ignores and the results cache does not (its key is the text as typed), so each
# request searches and renders.
UNCACHED = """
local marks = {"%2C", ".", "%3B", "!", "%3F", "-", "~", "_"}
local count = 0
request = function()
  count = count + 1
  local n, tail = count, ""
  while n > 0 do
    tail = tail .. marks[n % 8 + 1]
    n = math.floor(n / 8)
  end
  return wrk.format(nil, wrk.path .. "%20" .. tail)
end
"""

# Run in a fresh interpreter per measurement, so that memory is one process's own.
PROBE = """
import json, sys, time
from pathlib import Path
from app import search
from app.content import load_store
from tools.bench.proc import rss_mib
import os
began = time.monotonic()
store = load_store(Path(sys.argv[1]))
loaded, rss_store = time.monotonic(), rss_mib(os.getpid())
articles = list(store)
key = search.content_key(articles)
keyed = time.monotonic()
index = search.open_index(Path(sys.argv[2]), articles, key)
opened, rss_index = time.monotonic(), rss_mib(os.getpid())
timings = {}
for text in sys.argv[3:]:
    query, runs = search.parse(text), []
    for page in (1, 2) * 21:
        start = time.perf_counter()
        index.search(query, page)
        runs.append((time.perf_counter() - start) * 1000)
    timings[text] = sorted(runs[2:])[len(runs[2:]) // 2]
print(json.dumps({"store_s": loaded - began, "key_s": keyed - loaded, "index_s": opened - keyed,
                  "search_ms": timings,
                  "rss_store": rss_store, "rss_index": rss_index,
                  "rss_queried": rss_mib(os.getpid()),
                  "size_mib": index.path.stat().st_size / 2**20}))
"""


def probe(content: Path, cache: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(content), str(cache),
                           *QUERIES.values()], cwd=servers.ROOT, capture_output=True,
                          text=True, check=True, timeout=3600)
    return json.loads(done.stdout)


def search_url(base: str, text: str) -> str:
    return f"{base}/search?{urlencode({'q': text})}"


def prepare(count: int, folder: Path, startup_cap: float) -> dict:
    """Content, the index cold and warm, then gunicorn up with the index already built."""
    content, cache = folder / "content", folder / "cache"
    (content / "articles").mkdir(parents=True)
    slugs = generate(content / "articles", count)
    row = {"articles": count, "cold": probe(content, cache / "search"),
           "warm": probe(content, cache / "search")}
    script = folder / "uncached.lua"
    script.write_text(UNCACHED, encoding="utf-8")
    began = time.monotonic()
    # No recycling after max_requests: a new worker at 100,000 articles loads the store
    # for a minute or more, and this measures requests, not reloads.
    server, base = servers.start_gunicorn(env={"FLASK_CONTENT_DIR": str(content),
                                               "FLASK_CACHE_DIR": str(cache)},
                                          args=("--max-requests", "0"))
    row.update(server=server, startup_s=None)
    try:
        servers.wait_until_up(base + "/healthz", server, startup_cap)
    except TimeoutError:
        return row
    row["startup_s"] = time.monotonic() - began
    # label -> (URL, wrk script or None)
    row["targets"] = {"article page": (f"{base}/articles/{slugs[count // 2]}", None),
                      **{label: (search_url(base, text), str(script))
                         for label, text in QUERIES.items()},
                      "repeated": (search_url(base, QUERIES["common word"]), None)}
    for url, _ in row["targets"].values():
        for _ in range(10):  # every worker opens its connection and renders once
            urllib.request.urlopen(url, timeout=60).read()
    row["rss_mib"] = max(proc.rss_mib(pid) for pid in servers.worker_pids(server.pid))
    return row


def print_build(rows: list[dict]) -> None:
    print("Index (in one process; warm = the same content, the index already on disk):")
    print(f"{'articles':>9} {'store load s':>13} {'key s':>6} {'build s':>8} {'open s':>7} "
          f"{'size MiB':>9} {'store MiB':>10} {'+index cold':>12} {'+index warm':>12} "
          f"{'+queried':>9}")
    for row in rows:
        cold, warm = row["cold"], row["warm"]
        print(f"{row['articles']:9} {warm['store_s']:13.1f} {warm['key_s']:6.2f} "
              f"{cold['index_s']:8.1f} {warm['index_s']:7.2f} {cold['size_mib']:9.1f} "
              f"{warm['rss_store']:10.0f} {cold['rss_index'] - cold['rss_store']:12.1f} "
              f"{warm['rss_index'] - warm['rss_store']:12.1f} "
              f"{warm['rss_queried'] - warm['rss_store']:9.1f}")
    print("\nSearchIndex.search() alone, ms (median of 40, pages 1 and 2):")
    print(f"{'articles':>9} " + " ".join(f"{label:>12}" for label in QUERIES))
    for row in rows:
        timings = row["warm"]["search_ms"]
        print(f"{row['articles']:9} " + " ".join(f"{timings[text]:12.2f}"
                                                 for text in QUERIES.values()))


def print_latency(rows: list[dict], runs: dict, rounds: int) -> None:
    print(f"\nUnder gunicorn (4 sync workers), wrk -t1, median of {rounds}; searches "
          "uncached but 'repeated'; -c16 (the usual load) and -c1 (one request at a time):")
    print(f"{'articles':>9} {'start-up s':>11} {'RSS/worker':>11}  {'target':<14} "
          f"{'req/s':>8} {'p50 ms':>7} {'p99 ms':>8}   {'c1 req/s':>8} {'c1 p50':>7} "
          f"{'c1 p99':>7}")
    for row in rows:
        if row["startup_s"] is None:
            print(f"{row['articles']:9} {'> cap':>11}")
            continue
        for number, label in enumerate(row["targets"]):
            loaded, alone = (wrk.median(runs[row["articles"], label, connections])
                             for connections in CONNECTIONS)
            lead = (f"{row['articles']:9} {row['startup_s']:11.1f} {row['rss_mib']:11.0f}"
                    if number == 0 else " " * 33)
            errors = "; ".join(filter(None, (loaded.errors, alone.errors)))
            print(f"{lead}  {label:<14} {loaded.requests_per_s:8.0f} {loaded.p50_ms:7.2f} "
                  f"{loaded.p99_ms:8.2f}   {alone.requests_per_s:8.0f} {alone.p50_ms:7.2f} "
                  f"{alone.p99_ms:7.2f}" + (f"  !! {errors}" if errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--startup-cap", type=float, default=600)
    args = parser.parse_args()
    rows, folders = [], []
    try:
        for count in args.sizes:
            folders.append(Path(tempfile.mkdtemp(prefix=f"bench-search-{count}-")))
            rows.append(prepare(count, folders[-1], args.startup_cap))
        up = [row for row in rows if row["startup_s"] is not None]
        runs = {(row["articles"], label, connections): []
                for row in up for label in row["targets"] for connections in CONNECTIONS}
        # Sizes and targets take turns, so other jobs' load falls on all of them alike.
        for _ in range(args.rounds):
            for row in up:
                for label, (url, script) in row["targets"].items():
                    for connections in CONNECTIONS:
                        runs[row["articles"], label, connections].append(wrk.run(
                            url, args.seconds, connections=connections, script=script))
    finally:
        for row in rows:
            servers.stop(row["server"])
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    print_build(rows)
    print_latency(rows, runs, args.rounds)


if __name__ == "__main__":
    main()
