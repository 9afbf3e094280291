"""MDN's HTTP Observatory grade, run locally with tools/observatory.mjs: A+ with every
test passed through the nginx TLS front; every test but the two that need https passed
by gunicorn alone."""
import shutil

import pytest

from tests import servers
from tests.conftest import SEED_SLUG

NEEDS_HTTPS = {"redirection", "strict-transport-security"}

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(
        not (servers.ROOT / "node_modules" / "@mdn" / "mdn-http-observatory").is_dir(),
        reason="the Observatory is not installed: run `npm ci --ignore-scripts`"),
]

PATHS = ["/", f"/articles/{SEED_SLUG}"]


def failed(report: dict) -> set[str]:
    return {name for name, test in report["tests"].items() if not test["pass"]}


@pytest.mark.parametrize("path", PATHS)
def test_gunicorn_alone_passes_all_but_the_https_tests(tmp_path, path):
    with servers.gunicorn(tmp_path / "gunicorn.log") as (_, base):
        port = int(base.rsplit(":", 1)[1])
        report = servers.observatory("127.0.0.1", port, path=path)
    assert failed(report) == NEEDS_HTTPS, report
    assert report["passed"] == report["of"] - 2


@pytest.mark.skipif(servers.nginx_binary() is None, reason="nginx is not installed")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_nginx_tls_front_grades_a_plus(tmp_path):
    with servers.tls_front(tmp_path) as site:
        reports = [servers.observatory("localhost", site["http_port"], site["https_port"],
                                       path=path, cert=site["cert"]) for path in PATHS]
    for report in reports:
        assert failed(report) == set(), report
        assert report["passed"] == report["of"]
        assert report["grade"] == "A+", report
        assert report["score"] >= 130
