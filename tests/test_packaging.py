"""`pip install .` (not editable) gives a site that serves its pages: the wheel carries
the templates, static files and demo content inside the package."""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SERVE = """
import json
import app.config
from app import create_app
from app.state import state
site = create_app()
client = site.test_client()
picture = state(site).store.get("eileen-collins-first-woman-to-command-a-space-shuttle").image
paths = ["/", "/articles/le-drian-carter-other-ministers-to-discuss-isis-strategy",
         "/articles/eileen-collins-first-woman-to-command-a-space-shuttle",
         "/static/css/site.css", "/feed.atom", picture.picture.variants[0].url]
print(json.dumps({"root": str(app.config.PROJECT_ROOT),
                  "status": {path: client.get(path).status_code for path in paths}}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    (built,) = out.glob("article_site-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_carries_what_the_site_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("app/__init__.py", "app/templates/base.html",
                   "app/templates/partials/bars.html", "app/static/css/site.css",
                   "app/static/js/share.js", "app/static/favicon.svg",
                   "app/content/articles/welcome-to-the-small-dispatch.md",
                   "app/content/media/eileen-collins-sts-93-portrait.png"):
        assert needed in names, f"{needed} is not in {wheel.name}"
    assert not any(name.startswith(("tests/", "tools/", "bench/", "scripts/")) for name in names)
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "articles = app.cli:articles" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.slow
def test_the_installed_package_serves_its_pages(wheel, tmp_path):
    """The wheel's files, away from the checkout, find their templates inside the package."""
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    done = subprocess.run([sys.executable, "-c", SERVE], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=True,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    result = json.loads(done.stdout)
    assert result["root"] == str(site / "app")
    assert set(result["status"].values()) == {200}, result["status"]
