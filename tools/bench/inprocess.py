"""Microseconds per request inside one process, no network: the site's pages beside a
Flask view returning constant bytes, in CPU time, best of 5 rounds. Quieter than wrk on a
shared machine, so it is the
quick check while changing the hot path; wrk (tools.bench.compare) is the real measure.

    python3 -m tools.bench.inprocess
"""
from __future__ import annotations

import time

from flask import Flask

from app import create_app
from tools import SEED_SLUG


def timed(app, path: str, headers: dict, count: int) -> float:
    environ_base = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
                    "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
                    "SERVER_PROTOCOL": "HTTP/1.1",
                    "wsgi.url_scheme": "http", "wsgi.input": None, "wsgi.errors": None,
                    "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
                    **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}}

    def start_response(status, headers, exc_info=None):
        return None

    start = time.process_time()
    for _ in range(count):
        for _chunk in app(dict(environ_base), start_response):
            pass
    return (time.process_time() - start) / count * 1e6


def main(count: int = 20000, rounds: int = 5) -> None:
    site = create_app()
    body = site.test_client().get(f"/articles/{SEED_SLUG}").data
    etag = site.test_client().get(f"/articles/{SEED_SLUG}").headers["ETag"]
    ceiling = Flask(__name__)
    ceiling.add_url_rule("/", "constant", lambda: body)
    cases = {
        "ceiling": (ceiling, "/", {}),
        "article": (site, f"/articles/{SEED_SLUG}", {}),
        "article br": (site, f"/articles/{SEED_SLUG}", {"Accept-Encoding": "gzip, deflate, br"}),
        "front page": (site, "/", {}),
        "article 304": (site, f"/articles/{SEED_SLUG}", {"If-None-Match": etag}),
    }
    times = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (app, path, headers) in cases.items():
            times[name].append(timed(app, path, headers, count))
    base = min(times["ceiling"])
    for name, values in times.items():
        value = min(values)
        print(f"{name:12} {value:7.1f} us/request  x{value / base:.2f} of the ceiling's time")


if __name__ == "__main__":
    main()
