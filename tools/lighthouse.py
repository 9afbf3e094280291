"""Lighthouse scores for the front page, two articles (the seed, without a picture, and
the feature with a lead picture) and a section page, on mobile and on desktop, with the
largest contentful paint.

A script, not a test: Lighthouse's performance score moves with the machine's load,
so it is a figure to read and record (the README keeps today's), not to assert.

    python3 -m tools.lighthouse            # the table
    python3 -m tools.lighthouse --runs 3   # each figure the median of three runs
    python3 -m tools.lighthouse --details  # plus every audit that scored below 1

The site runs under gunicorn on a free loopback port with SITE_URL set to that
address, so canonical links resolve as they do in production. Lighthouse 12.2.3 (from
package.json; `npm ci --ignore-scripts`) drives Debian's Chromium through CHROME_PATH.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys

from tools import PICTURE_SLUG, SEED_SLUG
from tools.servers import ROOT, serve

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-background-networking --disable-quic"
ARTICLE = f"/articles/{SEED_SLUG}"
SECTION = "/sections/defense"  # a listing page (app/listings.py), the seed's section
PICTURE_ARTICLE = f"/articles/{PICTURE_SLUG}"
PROFILES = {  # so the "Follow us" bar is on the pages measured
    "FLASK_SOCIAL_PROFILES__facebook": "https://www.facebook.com/smalldispatch",
    "FLASK_SOCIAL_PROFILES__x": "https://x.com/smalldispatch",
    "FLASK_SOCIAL_PROFILES__instagram": "https://www.instagram.com/smalldispatch",
}


def run_lighthouse(url: str, form_factor: str, chrome: str, timeout: float) -> dict:
    """Lighthouse's report for `url`, run again once if Lighthouse itself asks for that.

    On a busy machine Chromium's trace sometimes misses the navigation start
    (NO_NAVSTART, "Please run Lighthouse again"): a fault of the measurement, not the page.
    """
    try:
        return run_once(url, form_factor, chrome, timeout)
    except LighthouseRetry as retry:
        print(f"    (lighthouse asked to be run again: {retry}; running again)", file=sys.stderr)
        return run_once(url, form_factor, chrome, timeout)


class LighthouseRetry(RuntimeError):
    """Lighthouse failed in a way it says another run may not."""


def run_once(url: str, form_factor: str, chrome: str, timeout: float) -> dict:
    """One Lighthouse run; its JSON report. Its Chromium is ended with it, even on timeout."""
    command = [str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
               f"--chrome-flags={CHROME_FLAGS}"]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "CHROME_PATH": chrome},
                               start_new_session=True, text=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # Lighthouse and the Chromium it started
        process.communicate()
        raise SystemExit(f"lighthouse took more than {timeout:.0f} s on {url}") from None
    if process.returncode != 0 or not out:
        if "run Lighthouse again" in err:
            raise LighthouseRetry(err.strip().splitlines()[-1])
        raise SystemExit(f"lighthouse failed on {url} (exit {process.returncode}):\n{err}")
    return json.loads(out)


def below_full_marks(report: dict, category: str) -> list[str]:
    """The audits that cost `category` points, with Lighthouse's own title."""
    audits = report["audits"]
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
            shown = audit.get("displayValue", "")
            lines.append(f"{category}: {ref['id']} ({audit['score']:.2f}) {audit['title']}"
                         + (f" [{shown}]" if shown else "") + culprits(audit))
    return lines


def culprits(audit: dict) -> str:
    """The first few URLs an audit blames (e.g. which request logged a console error)."""
    urls = []
    for item in audit.get("details", {}).get("items", [])[:3]:
        url = item.get("url") or item.get("sourceLocation", {}).get("url")
        if isinstance(url, str) and url:
            urls.append(url)
    return f" <- {', '.join(urls)}" if urls else ""


def median_score(reports: list[dict], category: str) -> str:
    """The median score out of 100, or "n/a" if Lighthouse could not score the category."""
    scores = [report["categories"][category]["score"] for report in reports]
    if any(score is None for score in scores):
        return "n/a"
    return str(round(statistics.median(scores) * 100))


def median_lcp(reports: list[dict]) -> str:
    """The median largest contentful paint, in seconds, as Lighthouse simulated it."""
    values = [report["audits"]["largest-contentful-paint"].get("numericValue")
              for report in reports]
    if any(value is None for value in values):
        return "n/a"
    return f"{statistics.median(values) / 1000:.2f} s"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true",
                        help="list every weighted audit that scored below 1")
    parser.add_argument("--runs", type=int, default=1,
                        help="runs per page and form factor; each score is their median")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per run")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not chrome:
        raise SystemExit("no Chromium: apt-get install chromium, or set CHROME_PATH")
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `npm ci --ignore-scripts`")

    print(f"{'page':<10} {'form':<8} " + " ".join(f"{c:>14}" for c in CATEGORIES)
          + f" {'LCP':>8}")
    with serve(PROFILES, site_url_is_own_address=True) as base:
        for name, path in (("front", "/"), ("article", ARTICLE), ("picture", PICTURE_ARTICLE),
                           ("section", SECTION), ("page", "/about")):
            for form_factor in ("mobile", "desktop"):
                reports = [run_lighthouse(base + path, form_factor, chrome, args.timeout)
                           for _ in range(args.runs)]
                scores = [median_score(reports, category) for category in CATEGORIES]
                print(f"{name:<10} {form_factor:<8} " + " ".join(f"{s:>14}" for s in scores)
                      + f" {median_lcp(reports):>8}", flush=True)
                if args.details:
                    for number, report in enumerate(reports, 1):
                        for category in CATEGORIES:
                            for line in below_full_marks(report, category):
                                print(f"    run {number}: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
