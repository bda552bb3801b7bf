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

pytestmark = pytest.mark.browser

PDF = HTML / "course.pdf"
#: The single-page book: the root document's page (index.html redirects to it).
SINGLE = BOOK / "_build" / "singlehtml" / "intro.html"
#: The printable width of an A4 page with the PDF's margins (210 - 2 x 16 mm), in CSS px.
PRINT_WIDTH = round((210 - 32) / 25.4 * 96)


#: Code (not what cells print) whose lines wrap in print: more lines on the
#: page than in the text. Paper cannot scroll, so print wraps what does not
#: fit (book/_static/page-layout.css); here nothing should need to.
CODE_THAT_WRAPS = """() => [...document.querySelectorAll('.bd-article pre')]
    .filter(pre => pre.getClientRects().length > 0 && !pre.closest('.cell_output, .output'))
    .filter(pre => {
        const style = getComputedStyle(pre);
        const inner = pre.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
        const lines = pre.textContent.replace(/\\n$/, '').split('\\n').length;
        return Math.round(inner / parseFloat(style.lineHeight)) > lines;
    })
    .map(pre => pre.textContent.split('\\n').reduce((a, l) => l.length > a.length ? l : a, '').trim())"""


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
    menus = 0
    for name in html_pages(HTML):
        soup = BeautifulSoup((HTML / name).read_text(), "html.parser")
        if not soup.select(".btn-download-pdf-button"):
            continue  # no download menu: the redirect, search and index pages
        menus += 1
        links = soup.select("a.btn-download-book-pdf-button")
        assert len(links) == 1, name
        target = (HTML / name).parent / links[0]["href"]
        assert target.resolve() == PDF.resolve(), (name, links[0]["href"])
    assert menus >= 13  # the intro, nine chapters, exercises, glossary, references


def test_the_printed_page_has_every_chapter_formula_and_figure_and_all_code_fits(built_book,
                                                                                 chromium):
    assert SINGLE.is_file()
    page = chromium.new_page(viewport={"width": PRINT_WIDTH, "height": 1100})
    try:
        page.goto(SINGLE.resolve().as_uri(), wait_until="load", timeout=120_000)
        page.emulate_media(media="print")
        page.evaluate("document.fonts.ready")
        found = page.evaluate("""() => {
            const visible = el => el.getClientRects().length > 0;
            return {
                // Each document's part starts on a new page (the single page
                // nests the chapters' titles under the intro's headings).
                titles: [...document.querySelectorAll('span[id^="document-"] + section')].map(
                    section => [section.querySelector('h1, h2, h3').textContent,
                                getComputedStyle(section).breakBefore]),
                switches: [...document.querySelectorAll('.fw-switch')].filter(visible).length,
                // typeset when the book was built (book/_ext/katex_math.py)
                untypeset: [...document.querySelectorAll('.math')].filter(
                    el => !el.querySelector('.katex .katex-html')).length,
                formulas: document.querySelectorAll('.math .katex').length,
                lazyImages: document.querySelectorAll('img[loading=lazy]').length,
                brokenImages: [...document.images].filter(
                    img => !img.complete || img.naturalWidth === 0).map(img => img.src),
                images: document.images.length,
                keras: [...document.querySelectorAll('.cell.tag_keras')].filter(visible).length,
                pytorch: [...document.querySelectorAll('.cell.tag_pytorch')].filter(visible).length,
            };
        }""")
        wrapped = page.evaluate(CODE_THAT_WRAPS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "book-pdf-print-view.png"))
    finally:
        page.close()
    titles = dict(found["titles"])
    for chapter in CHAPTERS:
        title = re.search(r"^# (.+)$", chapter.read_text(), re.M).group(1).strip()
        assert titles.get(title + "#") == "page", (title, titles)
    assert found["switches"] == 0
    assert found["formulas"] > 300 and found["untypeset"] == 0
    # The printed page loads every figure at once (only the site's pages load them lazily).
    assert found["images"] > 30 and found["brokenImages"] == [] and found["lazyImages"] == 0
    assert found["keras"] > 50 and found["pytorch"] > 50  # both frameworks, in print
    assert wrapped == [], f"{len(wrapped)} code blocks wrap on the printed page:\n" + "\n".join(wrapped)
