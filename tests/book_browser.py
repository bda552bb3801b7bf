"""The built book in a real browser: a local web server and Debian's Chromium.

Shared by the browser tests (`tests/test_browser*.py`, through the fixtures in
`tests/conftest.py`) and the page-weight benchmark
(`benchmarks/page_weight.py`). Playwright drives the Chromium that Debian
installs (`make browser`); Playwright's own browser download is never used,
so nothing is fetched at run time.
"""

import contextlib
import functools
import gzip
import io
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Debian's Chromium and the switches it runs with: one home, the book's PDF
# extension, which prints the whole book with it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from book_pdf import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

MISSING_CHROMIUM = f"{CHROMIUM} not found: run `make browser` (as root) to install Debian's Chromium"


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files like `python -m http.server`, without a log line per request."""

    def log_message(self, format, *args):
        pass


#: What web hosts send compressed (GitHub Pages, Read the Docs, nginx with
#: `gzip on` and its usual types): text. Images and fonts are compressed already.
COMPRESSED_TYPES = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".ipynb"}


@functools.lru_cache(maxsize=None)
def gzipped(path: Path, modified_ns: int) -> bytes:
    """``path``'s content, gzip-compressed once per version of the file (a
    web host compresses once and caches; compressing the theme's scripts on
    every request would add its time to every page's load)."""
    return gzip.compress(path.read_bytes(), compresslevel=6)


class CompressingHandler(QuietHandler):
    """Sends text files gzip-compressed to a browser that accepts it, as a
    web host does; everything else as :class:`QuietHandler` does."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if (path.suffix not in COMPRESSED_TYPES or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzipped(path, path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve(folder, compress=False):
    """Serve ``folder`` on 127.0.0.1 at a free port; yield the base URL (ending
    in /). With ``compress``, text goes out gzip-compressed, as from a web host."""
    folder = Path(folder)
    if not (folder / "index.html").is_file():
        raise FileNotFoundError(f"{folder} holds no built book (no index.html): run `make book`")
    handler = functools.partial(CompressingHandler if compress else QuietHandler,
                                directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="book-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def launch_chromium(playwright):
    """Start headless Chromium from Debian's package through Playwright."""
    if not CHROMIUM.is_file():
        raise RuntimeError(MISSING_CHROMIUM)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def render_whole_page(page):
    """Have ``page`` load all of itself, as it is once a reader has scrolled
    to its end: the site loads figures as they come near (loading="lazy",
    book/_ext/lean_pages.py). Measurements of the whole page (broken images,
    contrast, weight, a full screenshot) need all of it. Returns when every
    figure and font is in. Sections far down are drawn only as the reader
    nears them (content-visibility, book/_static/page-layout.css); here every
    section is drawn, so that contrast checks and screenshots see them all."""
    page.add_style_tag(content=".bd-article section { content-visibility: visible !important; }")
    page.evaluate("""async () => {
        const images = [...document.images];
        for (const image of images) image.loading = "eager";
        await Promise.all(images.map(image => image.complete ? null : new Promise(done => {
            image.addEventListener("load", done);
            image.addEventListener("error", done);
        })));
        await document.fonts.ready;
    }""")


def html_pages(folder):
    """Every HTML page of the built site (both editions), as paths relative
    to ``folder``; not the theme's templates in ``_static/``."""
    folder = Path(folder)
    return sorted(p.relative_to(folder).as_posix() for p in folder.glob("**/*.html")
                  if not any(part.startswith("_") for part in p.relative_to(folder).parts))


def watch(page):
    """Record everything that goes wrong while ``page`` loads: console
    errors, uncaught exceptions, failed requests and HTTP errors."""
    problems = []

    def on_console(message):
        if message.type == "error":
            where = message.location.get("url", "")
            problems.append(f"console error: {message.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught exception: {error}"))
    page.on("requestfailed", lambda request: problems.append(
        f"request failed: {request.url} ({request.failure})"))
    page.on("response", lambda response: response.status >= 400 and problems.append(
        f"HTTP {response.status}: {response.url}"))
    return problems


def open_page(page, url):
    """Go to ``url`` and wait until the page and everything it loads are in."""
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    # Network idle alone is not enough: it can come while a long chapter is
    # still being parsed, before its deferred scripts (the theme's) have run.
    # Pressing Ctrl+K then did nothing on 7 of 40 loads of chapter 2; after
    # the load event as well, on none.
    page.wait_for_load_state("load")
    return response


def show_theme(page, theme):
    """Switch ``page`` to the light or dark theme and return once its colours
    are the theme's: the theme's buttons fade colours over 0.15 s, and a
    check run in that time (axe did so on a busy machine) reads colours
    between the two themes."""
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    page.evaluate(f"""() => {{ document.documentElement.dataset.theme = '{theme}';
                               getComputedStyle(document.body).color; }}""")
