"""The whole book as one PDF (book/_ext/book_pdf.py): made by the book's
build when Chromium is installed, offered in every page's download menu, and
printed from a single page on which every chapter, formula and figure is
ready and no code is cut off."""

from __future__ import annotations

import re

import pytest
from book_browser import html_pages
from bs4 import BeautifulSoup
from conftest import BOOK, HTML, SCREENSHOTS
from test_book_sources import CHAPTERS
from test_browser import CODE_THAT_DOES_NOT_FIT

pytestmark = pytest.mark.browser

PDF = HTML / "course.pdf"
#: The single-page book: the root document's page (index.html redirects to it).
SINGLE = BOOK / "_build" / "singlehtml" / "intro.html"
#: The printable width of an A4 page with the PDF's margins (210 - 2 x 16 mm), in CSS px.
PRINT_WIDTH = round((210 - 32) / 25.4 * 96)


def page_count(pdf: bytes) -> int:
    """Pages in a PDF as Chromium writes it (one page object each)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_whole_book_is_one_pdf_of_every_chapter(built_book):
    assert PDF.is_file(), "the book build made no course.pdf (is Chromium installed?)"
    data = PDF.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = page_count(data)
    print(f"course.pdf: {pages} pages, {len(data) / 2**20:.1f} MB")
    # Nine chapters with their figures and both frameworks' code: far more
    # than one page per chapter, far fewer than a page per cell.
    assert 100 <= pages <= 900, pages


def test_every_page_offers_the_pdf_in_its_download_menu(built_book):
    for name in html_pages(HTML):
        soup = BeautifulSoup((HTML / name).read_text(), "html.parser")
        links = soup.select("a.btn-download-book-pdf-button")
        if name == "search.html" or name == "genindex.html":
            continue  # no download menu: pages Sphinx writes without a source
        assert len(links) == 1, name
        target = (HTML / name).parent / links[0]["href"]
        assert target.resolve() == PDF.resolve(), (name, links[0]["href"])


def test_the_printed_page_has_every_chapter_formula_and_figure_and_all_code_fits(built_book,
                                                                                 chromium):
    assert SINGLE.is_file()
    page = chromium.new_page(viewport={"width": PRINT_WIDTH, "height": 1100})
    try:
        page.goto(SINGLE.resolve().as_uri(), wait_until="load", timeout=120_000)
        page.emulate_media(media="print")
        page.evaluate("""async () => {
            await window.MathJax.startup.promise;
            await window.MathJax.startup.document.lazyTypesetAll?.();
        }""")
        found = page.evaluate("""() => {
            const visible = el => el.getClientRects().length > 0;
            return {
                titles: [...document.querySelectorAll('.bd-article h1')].map(h => h.textContent),
                switches: [...document.querySelectorAll('.fw-switch')].filter(visible).length,
                untypeset: [...document.querySelectorAll('.math')].filter(
                    el => !el.querySelector('mjx-container')).length,
                formulas: document.querySelectorAll('mjx-container').length,
                brokenImages: [...document.images].filter(
                    img => !img.complete || img.naturalWidth === 0).map(img => img.src),
                images: document.images.length,
                keras: [...document.querySelectorAll('.cell.tag_keras')].filter(visible).length,
                pytorch: [...document.querySelectorAll('.cell.tag_pytorch')].filter(visible).length,
            };
        }""")
        wide, covered = page.evaluate(CODE_THAT_DOES_NOT_FIT)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "book-pdf-print-view.png"))
    finally:
        page.close()
    titles = " ".join(found["titles"])
    for chapter in CHAPTERS:
        source = chapter.read_text()
        title = re.search(r"^# (.+)$", source, re.M).group(1).strip()
        assert title in titles, title
    assert found["switches"] == 0
    assert found["formulas"] > 300 and found["untypeset"] == 0
    assert found["images"] > 30 and found["brokenImages"] == []
    assert found["keras"] > 50 and found["pytorch"] > 50  # both frameworks, in print
    assert wide == [], f"{len(wide)} code blocks do not fit the printed page:\n" + "\n".join(wide)
    assert covered == [], "\n".join(covered)
