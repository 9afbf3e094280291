"""MDN's HTTP Observatory grade, run locally with tools/observatory.mjs: A+ with every
test passed through the nginx TLS front; every test but the two that need https passed
by gunicorn alone."""
import json
import os
import shutil
import subprocess

import pytest

from tests.support import SEED_SLUG
from tools import servers

NEEDS_HTTPS = {"redirection", "strict-transport-security"}

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(
        not (servers.ROOT / "node_modules" / "@mdn" / "mdn-http-observatory").is_dir(),
        reason="the Observatory is not installed: run `npm ci --ignore-scripts`"),
]

PATHS = ["/", f"/articles/{SEED_SLUG}"]


def observatory(host: str, http_port: int, https_port: int | None = None, path: str = "/",
                cert: str | None = None) -> dict:
    """The grade of tools/observatory.mjs for one server, as parsed JSON."""
    env = {**os.environ}
    if cert:
        env["NODE_EXTRA_CA_CERTS"] = cert
    args = ["node", str(servers.ROOT / "tools" / "observatory.mjs"), host, str(http_port)]
    args += [str(https_port or 1), path]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env,
                          cwd=servers.ROOT, check=False)
    if done.returncode:
        raise RuntimeError(f"observatory failed: {done.stdout}{done.stderr}")
    return json.loads(done.stdout)


def failed(report: dict) -> set[str]:
    return {name for name, test in report["tests"].items() if not test["pass"]}


@pytest.mark.parametrize("path", PATHS)
def test_gunicorn_alone_passes_all_but_the_https_tests(tmp_path, path):
    with servers.gunicorn(tmp_path / "gunicorn.log") as (_, base):
        port = int(base.rsplit(":", 1)[1])
        report = observatory("127.0.0.1", port, path=path)
    assert failed(report) == NEEDS_HTTPS, report
    assert report["passed"] == report["of"] - 2


@pytest.mark.skipif(servers.nginx_binary() is None, reason="nginx is not installed")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_nginx_tls_front_grades_a_plus(tmp_path):
    with servers.tls_front(tmp_path) as site:
        reports = [observatory("localhost", site["http_port"], site["https_port"],
                               path=path, cert=site["cert"]) for path in PATHS]
    for report in reports:
        assert failed(report) == set(), report
        assert report["passed"] == report["of"]
        assert report["grade"] == "A+", report
        assert report["score"] >= 130
