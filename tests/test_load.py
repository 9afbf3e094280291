"""A short run of bench/load.py: the load script works, and its zero-loss criteria hold
for gunicorn's shipped settings. Counts only; throughput is reported, never asserted."""
import json
import shutil
import subprocess
import sys

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None,
                                reason="wrk is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("load") / "figures.json"
    done = subprocess.run(
        [sys.executable, "bench/load.py", "--duration", "3", "--connections", "16",
         "--gunicorn-arg=--workers=2", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert out.exists(), done.stdout + done.stderr
    return json.loads(out.read_text())


def test_steady_load_has_no_errors(figures):
    assert figures["steady"]["requests"] > 0
    assert figures["steady"]["socket_errors"] == 0
    assert figures["steady"]["non2xx"] == 0


def test_hup_under_load_loses_nothing_and_loads_new_content(figures):
    assert figures["hup"]["lost"] == 0
    assert figures["hup"]["new_article_status"] == 200


def test_killed_worker_is_replaced(figures):
    assert figures["sigkill"]["non2xx"] == 0
    assert figures["workers_after"] == figures["workers"] == 2
