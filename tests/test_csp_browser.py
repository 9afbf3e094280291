"""The strict CSP in a real browser: Chromium reports no violation, the inline style
applies (its hash is right), our script runs, and nothing is fetched from elsewhere."""
import shutil

import pytest

from tests import servers
from tests.conftest import SEED_SLUG

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

# Runs before the page's own code, from the browser's devtools side, so the CSP does not
# apply to it; it records every violation the page causes.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with servers.gunicorn(tmp_path_factory.mktemp("browser") / "gunicorn.log") as (_, url):
        yield url


@pytest.mark.parametrize("path", ["/", f"/articles/{SEED_SLUG}", "/no/such/page"])
def test_page_runs_under_its_csp(base, path):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-quic"])
        try:
            page = browser.new_page()
            page.add_init_script(RECORD_VIOLATIONS)
            requested, console = [], []
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda message: console.append(message.text))
            page.goto(base + path, wait_until="load")
            violations = page.evaluate("window.__violations")
            max_width = page.evaluate(
                "getComputedStyle(document.querySelector('main')).maxWidth")
            copy_hidden = page.evaluate(
                "(document.querySelector('[data-requires=clipboard]') || {hidden: null}).hidden")
        finally:
            browser.close()
    assert violations == []
    assert not [text for text in console if "Content Security Policy" in text]
    assert max_width != "none", "the inline style did not apply"
    assert all(url.startswith((base, "data:")) for url in requested), requested
    if path.startswith("/articles/"):
        # share.js runs and reveals "Copy link" (127.0.0.1 is a secure context).
        assert copy_hidden is False
