"""A short run of tools/bench/load.py, straight at gunicorn and through the nginx TLS
front: the script works, and its zero-loss criteria hold for the shipped settings. Counts
only; throughput is reported, never asserted."""
import json
import shutil
import subprocess
import sys

import pytest

from tools import servers

pytestmark = [
    pytest.mark.slow,  # about 10 s per run: python3 -m pytest -m "not slow" leaves them out
    pytest.mark.skipif(shutil.which("wrk") is None,
                       reason="wrk is not installed (.ci/run installs it)"),
]


CONNECTIONS = 16


@pytest.fixture(scope="module", params=["direct", "via-nginx"])
def figures(request, tmp_path_factory):
    extra = []
    if request.param == "via-nginx":
        if servers.nginx_binary() is None or shutil.which("openssl") is None:
            pytest.skip("nginx and openssl are needed for the run through nginx")
        extra = ["--via-nginx"]
    out = tmp_path_factory.mktemp("load") / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "tools.bench.load", "--duration", "3",
         "--connections", str(CONNECTIONS), "--gunicorn-arg=--workers=2", "--json", str(out),
         *extra],
        cwd=servers.ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert out.exists(), done.stdout + done.stderr
    return json.loads(out.read_text())


def test_steady_load_has_no_errors(figures):
    assert figures["steady"]["requests"] > 0
    assert figures["steady"]["socket_errors"] == 0
    assert figures["steady"]["non2xx"] == 0


def test_hup_under_load_loses_nothing_and_loads_new_content(figures):
    assert figures["hup"]["lost"] == 0
    assert figures["hup"]["new_article_status"] == 200


def test_killed_worker_loses_only_requests_in_flight_and_is_replaced(figures):
    # wrk keeps CONNECTIONS requests in flight at most, one per connection; the killed
    # worker can only have had some of them (a sync worker: one).
    assert figures["sigkill"]["lost"] <= CONNECTIONS
    assert figures["workers_after"] == figures["workers"] == 2
