"""Measuring what a reader sees move: layout shift on a slow network, as Chrome's CLS
counts it. Shared by the browser tests of pictures and of the page design."""
from __future__ import annotations

from playwright.sync_api import Page

# Every layout shift that happens without input is summed, as Chrome's CLS does.
SHIFT_OBSERVER = """
const describe = (node) => {  // "svg.icon in SUMMARY": SVG's className is not a string
  const name = (n) => n.nodeName + (n.getAttribute && n.getAttribute("class")
    ? "." + n.getAttribute("class").split(" ")[0] : "");
  return node.parentElement ? `${name(node)} in ${name(node.parentElement)}` : name(node);
};
window.__layoutShift = 0;
window.__shifted = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__layoutShift += entry.value;
    for (const source of entry.sources) {
      const node = source.node;
      window.__shifted.push(node ? describe(node) : "?");
    }
  }
}).observe({type: "layout-shift", buffered: true});
"""
# Slow enough that pictures arrive after the first paint: about 100 KB/s.
SLOW_NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 100 * 1024,
                "uploadThroughput": 50 * 1024}



def layout_shift(page: Page, url: str, size: tuple[int, int]) -> float:
    """The page's layout shift from loading to every picture shown and the share script
    run, on a slow network, scrolling down the whole page."""
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    session.send("Network.emulateNetworkConditions", SLOW_NETWORK)
    page.add_init_script(SHIFT_OBSERVER)
    page.goto(url, wait_until="load")
    for _ in range(20):  # scroll down the page, bringing the lazy pictures in
        page.mouse.wheel(0, height // 2)
        page.wait_for_timeout(100)
    page.wait_for_function("Array.from(document.images).every(i => i.complete)",
                           timeout=30_000)
    page.wait_for_timeout(300)
    return page.evaluate("window.__layoutShift")


def what_shifted(page: Page) -> list[str]:
    """The elements that moved in the last layout_shift measure (for a failure message)."""
    return page.evaluate("window.__shifted")
