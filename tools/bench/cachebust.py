"""Can a client get past nginx's cache? wrk through the shipped TLS front (deploy/nginx.conf,
tools/servers.tls_front) on one page, three ways: the same URL every time; a random query
parameter on every request (`/?cb=<random>`); a random Accept-Encoding on every request.
For each: requests per second, nginx's cache hits among a sample, and the cache files
written.

    python3 -m tools.bench.cachebust                  # 8 s each
    python3 -m tools.bench.cachebust --seconds 4

Everything on free 127.0.0.1 ports, stopped by PID; wrk runs for bounded times.
"""
from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import requests

from tools import servers
from tools.bench import wrk

# wrk scripts: each request different in one way (math.random is seeded per thread).
RANDOM_QUERY = """\
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/?cb=" .. math.random(1, 1000000000))
end
"""
RANDOM_ENCODING = """\
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/", {["Accept-Encoding"] = "gzip, x-" .. math.random(1, 1000000000)})
end
"""
CASES = {"same URL": None, "random ?cb=": RANDOM_QUERY, "random Accept-Encoding": RANDOM_ENCODING}


def cache_files(directory: Path) -> int:
    return sum(1 for path in (directory / "cache").rglob("*") if path.is_file())


def run_case(site: dict, directory: Path, script: str | None, seconds: float) -> wrk.Result:
    command = ["wrk", "-t1", "-c16", f"-d{seconds:g}s", "--latency"]
    if script is not None:
        path = directory / "case.lua"
        path.write_text(script)
        command += ["-s", str(path)]
    url = f"https://127.0.0.1:{site['https_port']}/"
    done = subprocess.run([*command, url], capture_output=True, text=True,
                          timeout=seconds + 30, check=True)
    return wrk.parse(done.stdout)


def hit_share(site: dict, case: str, samples: int = 20) -> str:
    """How many of `samples` requests of the kind `case` nginx answered from its cache."""
    hits = 0
    for number in range(samples):
        path, headers = "/", {}
        if case == "random ?cb=":
            path = f"/?cb=sample{number}"
        elif case == "random Accept-Encoding":
            headers = {"Accept-Encoding": f"gzip, x-sample{number}"}
        response = requests.get(f"https://127.0.0.1:{site['https_port']}{path}", headers=headers,
                                verify=site["cert"], timeout=10)
        hits += response.headers.get("X-Cache-Status") == "HIT"
    return f"{hits}/{samples}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-cachebust-") as scratch:
        directory = Path(scratch)
        with servers.tls_front(directory) as site:
            requests.get(site["https"] + "/", verify=site["cert"], timeout=10)  # warm
            for case, script in CASES.items():
                before = cache_files(directory)
                result = run_case(site, directory, script, args.seconds)
                written = cache_files(directory) - before
                rows.append((case, result, hit_share(site, case), written))
    print(f"through nginx (TLS), wrk -t1 -c16 -d{args.seconds:g}s on /:")
    for case, result, hits, written in rows:
        print(f"  {case:24} {result.requests_per_s:9.0f} req/s  p50 {result.p50_ms:6.2f} ms"
              f"  cache hits {hits:>5}  cache files written {written}"
              + (f"  !! {result.errors}" if result.errors else ""))


if __name__ == "__main__":
    main()
