"""The strict CSP in a real browser: Chromium reports no violation, the inline style
applies (its hash is right), our script runs, and nothing is fetched from elsewhere."""
import pytest

from tests.support import SEED_SLUG

# Runs before the page's own code, from the browser's devtools side, so the CSP does not
# apply to it; it records every violation the page causes.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.mark.parametrize("path", ["/", f"/articles/{SEED_SLUG}", "/no/such/page", "/icons"])
def test_page_runs_under_its_csp(page, server_url, path):
    page.add_init_script(RECORD_VIOLATIONS)
    requested, console = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: console.append(message.text))
    page.goto(server_url + path, wait_until="load")

    assert page.evaluate("window.__violations") == []
    assert not [text for text in console if "Content Security Policy" in text]
    max_width = page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")
    assert max_width != "none", "the inline style did not apply"
    assert all(url.startswith((server_url, "data:")) for url in requested), requested
    if path.startswith("/articles/"):
        # share.js runs and reveals "Copy link" (127.0.0.1 is a secure context).
        hidden = page.evaluate("document.querySelector('[data-requires=clipboard]').hidden")
        assert hidden is False
