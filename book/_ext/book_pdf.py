"""The whole book as one PDF (``course.pdf`` at the site's root), offered in
every page's download menu.

After the HTML build, the book is built once more as a single page (Sphinx's
``singlehtml`` builder, into ``_build/singlehtml``; the chapters' outputs
come from the execution cache, nothing runs twice) and Debian's Chromium
prints that page through Playwright, once its fonts and every figure have
loaded (formulas are typeset when the book is built: _ext/katex_math.py).
The print rules at the end of ``_static/page-layout.css`` hide the
framework switch and the site's bars, keep the cells of both frameworks with
their labels, set code in a size at which its lines fit the page and start
each chapter on a new page.

Whether it is made is read from ``DLCOURSE_BOOK_PDF`` (``make book PDF=...``):
``auto`` (the default) when Chromium (``make browser``) and Playwright (the
test requirements) are installed, ``yes`` (the build fails without them) or
``no``. The download menu offers the PDF only on a site that has it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.locale import _ as sphinx_gettext
from sphinx.util import logging

logger = logging.getLogger(__name__)

PDF_NAME = "course.pdf"
#: The download menu's entry.
MENU_TEXT, MENU_TOOLTIP = "book .pdf", "Download the whole book as a PDF"
#: Debian's Chromium (``make browser``); Playwright's own download is never used.
CHROMIUM = Path("/usr/bin/chromium")
#: Without the networking switches Chromium contacts its vendor's services in
#: the background (updates, sync, field trials), which fails offline and
#: floods the log; the others suit a headless run as root in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A4 with margins; page numbers in the footer.
PAGE = {"format": "A4", "margin": {"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}}
FOOTER = ('<div style="width: 100%; font-size: 8px; text-align: center; color: #666;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
#: Seconds to wait for the page, its formulas and its figures.
LOAD_TIMEOUT = 300


def wanted() -> str:
    choice = os.environ.get("DLCOURSE_BOOK_PDF", "auto").strip().lower() or "auto"
    if choice not in ("auto", "yes", "no"):
        raise ExtensionError(f"DLCOURSE_BOOK_PDF={choice!r}: use auto, yes or no")
    return choice


def missing() -> str:
    """What is missing to print the book, in words ('' when nothing is)."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is not installed (make browser installs it, as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (make test-deps installs it)"
    return ""


def note_choice(app, config) -> None:
    """Record whether pages offer the PDF as a configuration value: Sphinx
    writes every page again when it changes, so that a page written by a
    build without the PDF (``PDF=no``) does not lack the menu entry after
    a build with it, nor keep it after a build without."""
    config.book_pdf_menu = wanted() != "no" and not missing()


def decide(app) -> None:
    app.book_pdf = False
    if app.builder.name != "html":
        return
    choice = wanted()
    if choice == "no":
        return
    why_not = missing()
    if why_not and choice == "yes":
        raise ExtensionError(f"DLCOURSE_BOOK_PDF=yes but {why_not}")
    if why_not:
        logger.info(f"the whole-book PDF is not made: {why_not}")
        return
    app.book_pdf = True
    app.book_pdf_pages = 0  # pages this build writes


def offer_pdf(app, pagename, templatename, context, doctree):
    """Add the edition's PDF to the theme's download menu (after the theme
    filled it), in the edition's language (the words are in the frame's
    catalog: book/_ext/editions.py)."""
    if not getattr(app, "book_pdf", False):
        return
    app.book_pdf_pages += 1
    url = context["pathto"](PDF_NAME, 1)
    text, tooltip = sphinx_gettext(MENU_TEXT), sphinx_gettext(MENU_TOOLTIP)
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append({
                "type": "link",
                "url": url,
                "text": text,
                "tooltip": tooltip,
                "icon": "fas fa-book",
                "label": "download-book-pdf-button",
            })


def build_single_page(app) -> Path:
    """The book as one HTML page, with the same configuration (an
    edition's, ``book_edition_config``, for a translated edition) and cache."""
    build = Path(app.outdir).parent  # .../_build, beside .../_build/html
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, DLCOURSE_BOOK_PDF="no")
    edition = app.config.book_edition_config
    result = subprocess.run(
        [str(jupyter_book), "build", "--builder", "singlehtml", "--warningiserror", "--nitpick",
         "--keep-going", *(["--config", edition] if edition else []),
         "--path-output", str(build.parent), str(app.srcdir)],
        capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"the single-page build failed:\n{result.stdout[-3000:]}"
                           f"{result.stderr[-3000:]}")
    # The whole book is the root document's page (index.html only redirects to it).
    index = build / "singlehtml" / f"{app.config.root_doc}.html"
    if not index.is_file():
        raise RuntimeError(f"the single-page build wrote no {index}")
    return index


def print_page(index: Path, pdf: Path) -> None:
    """Print ``index`` to ``pdf`` with Chromium, fonts and figures loaded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            page = browser.new_page()
            page.goto(index.resolve().as_uri(), wait_until="load", timeout=LOAD_TIMEOUT * 1000)
            page.emulate_media(media="print")
            page.evaluate("""async () => {
                await document.fonts.ready;
                await Promise.all([...document.images].map(img => img.complete ? null :
                    new Promise(done => { img.onload = img.onerror = done; })));
            }""")
            partial = pdf.with_suffix(".pdf.part")
            page.pdf(path=str(partial), print_background=True, display_header_footer=True,
                     header_template="<span></span>", footer_template=FOOTER, **PAGE)
            partial.replace(pdf)
        finally:
            browser.close()


def _styles_newer_than(app, pdf: Path) -> bool:
    """Whether a file of the book's ``_static/`` (its print rules, say)
    changed after ``pdf`` was printed: no page is written again for that."""
    printed = pdf.stat().st_mtime
    return any(path.stat().st_mtime > printed
               for path in Path(app.srcdir, "_static").rglob("*") if path.is_file())


def make_pdf(app, exception) -> None:
    if exception is not None or not getattr(app, "book_pdf", False):
        return
    pdf = Path(app.outdir, PDF_NAME)
    if pdf.is_file() and app.book_pdf_pages == 0 and not _styles_newer_than(app, pdf):
        logger.info(f"{PDF_NAME} is up to date (no page or style changed)")
        return
    try:
        print_page(build_single_page(app), pdf)
    except Exception as error:  # noqa: BLE001 (any failure is reported as the build's)
        logger.warning(f"{PDF_NAME} could not be made: {error}")
        return
    logger.info(f"whole-book PDF: {pdf} ({pdf.stat().st_size // 2**20} MB)")


def setup(app):
    # The _config.yml a translated edition is built with (dlcourse/translations.py).
    app.add_config_value("book_edition_config", "", "html", [str])
    app.add_config_value("book_pdf_menu", False, "html", [bool])
    app.connect("config-inited", note_choice)
    app.connect("builder-inited", decide)
    # After the theme's download menu (sphinx_book_theme, priority 501).
    app.connect("html-page-context", offer_pdf, priority=502)
    app.connect("build-finished", make_pdf)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
