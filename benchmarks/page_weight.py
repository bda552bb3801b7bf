"""Benchmark: how heavy and how fast each page of the built book is.

Run with `make bench-pages` (or `.venv/bin/python benchmarks/page_weight.py`
after `make book`). Serves book/_build/html on 127.0.0.1 as a web host does
(GitHub Pages, Read the Docs, nginx with `gzip on`): text files (HTML, CSS,
scripts) gzip-compressed, images and fonts as they are. Opens every page in
headless Chromium (Debian's, `make browser`) with an empty cache, as a
first-time reader would. For each page it prints:

* transferred: the bytes that came over the network for the page and
  everything it loaded (HTML, CSS, scripts, images, fonts), as Chromium's
  network panel counts them, until the network went quiet, for the whole
  page: the site loads figures as the reader scrolls near them, so the
  benchmark loads all of them, as for a reader who scrolls to the end (the
  fonts the formulas need included);
* uncompressed: the same files' sizes as stored (what a host that does not
  compress would send);
* painted: when the first text was drawn (first contentful paint);
* load: the time from the start of navigation to the end of the load event.

Times are the median of three cold loads. Targets: no page over 2 MB
transferred, none over 1 s to load from localhost. The script prints the
figures and the largest of each, and exits with status 1 when a target is
missed; it is a benchmark, not a test.
"""

import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from book_browser import CHROMIUM, MISSING_CHROMIUM, html_pages, launch_chromium, render_whole_page, serve  # noqa: E402

HTML = ROOT / "book" / "_build" / "html"
MAX_BYTES = 2 * 1024 * 1024
MAX_LOAD_S = 1.0
RUNS = 3


def cold_load(browser, url):
    """Open ``url`` in a fresh profile; return (bytes transferred, bytes
    uncompressed, first paint seconds, load seconds)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        network = context.new_cdp_session(page)
        network.send("Network.enable")
        network.send("Network.setCacheDisabled", {"cacheDisabled": True})
        pending, received, decoded = set(), [], []

        def finished(event):
            pending.discard(event["requestId"])
            received.append(event.get("encodedDataLength", 0))

        network.on("Network.requestWillBeSent", lambda event: pending.add(event["requestId"]))
        network.on("Network.loadingFinished", finished)
        network.on("Network.dataReceived", lambda event: decoded.append(event["dataLength"]))
        network.on("Network.loadingFailed", lambda event: pending.discard(event["requestId"]))
        response = page.goto(url, wait_until="load")
        if response is None or not response.ok:
            sys.exit(f"{url}: HTTP {response and response.status}")
        load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        # The paint entry can come after the load event on a page that loads fast.
        paint_ms = page.evaluate("""() => new Promise(done => new PerformanceObserver((list, observer) => {
            const paint = list.getEntriesByName("first-contentful-paint")[0];
            if (paint) { observer.disconnect(); done(paint.startTime); }
        }).observe({type: "paint", buffered: true}))""")
        render_whole_page(page)
        # Count what arrives after the load event too (figures further down,
        # fonts): wait until nothing has been in flight for half a second.
        quiet = 0
        for _ in range(100):
            page.wait_for_timeout(100)
            quiet = 0 if pending else quiet + 1
            if quiet >= 5:
                break
        return sum(received), sum(decoded), paint_ms / 1000, load_ms / 1000
    finally:
        context.close()


def main():
    if not CHROMIUM.is_file():
        sys.exit(MISSING_CHROMIUM)
    pages = html_pages(HTML) if HTML.is_dir() else []
    if not pages:
        sys.exit(f"no built book in {HTML}: run `make book` first")
    # index.html only sends the browser on to the first page, measured on its own.
    redirects = [p for p in pages if 'http-equiv="Refresh"' in (HTML / p).read_text(encoding="utf-8")[:500]]
    pages = [p for p in pages if p not in redirects]
    rows = []
    with serve(HTML, compress=True) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        print(f"{len(pages)} pages, {RUNS} cold loads each, from {base} "
              f"(not the redirects: {', '.join(redirects) or 'none'})", flush=True)
        print(f"{'page':<36} {'transferred':>12} {'uncompressed':>13} {'painted':>8} {'load':>8}")
        for path in pages:
            runs = [cold_load(browser, base + path) for _ in range(RUNS)]
            size = max(r[0] for r in runs)
            raw = max(r[1] for r in runs)
            painted = statistics.median(r[2] for r in runs)
            load = statistics.median(r[3] for r in runs)
            rows.append((path, size, load))
            flags = (" OVER 2 MB" if size > MAX_BYTES else "") + (" OVER 1 s" if load > MAX_LOAD_S else "")
            print(f"{path:<36} {size / 1024:>9.0f} KB {raw / 1024:>10.0f} KB {painted:>6.2f} s "
                  f"{load:>6.2f} s{flags}",
                  flush=True)
        browser.close()
    heaviest = max(rows, key=lambda r: r[1])
    slowest = max(rows, key=lambda r: r[2])
    print(f"largest: {heaviest[1] / 1024:.0f} KB ({heaviest[0]}), target under {MAX_BYTES / 1024:.0f} KB")
    print(f"slowest: {slowest[2]:.2f} s ({slowest[0]}), target under {MAX_LOAD_S:.0f} s")
    missed = [r for r in rows if r[1] > MAX_BYTES or r[2] > MAX_LOAD_S]
    print("every page meets both targets" if not missed else f"{len(missed)} page(s) miss a target")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
