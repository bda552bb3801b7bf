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
KOREAN_PDF = HTML / "ko" / "course.pdf"
KOREAN_SINGLE = BOOK / "_build" / "ko" / "_build" / "singlehtml" / "intro.html"
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


def test_the_korean_edition_prints_its_own_pdf(built_book):
    assert KOREAN_PDF.is_file(), "the Korean edition's build made no ko/course.pdf"
    data = KOREAN_PDF.read_bytes()
    pages = page_count(data)
    print(f"ko/course.pdf: {pages} pages, {len(data) / 2**20:.1f} MB")
    # The same book as the English one, give or take the length of its sentences.
    english = page_count(PDF.read_bytes())
    assert 0.7 * english <= pages <= 1.3 * english, (pages, english)
    # Printed in Korean: Debian's Korean font (make browser) is embedded.
    assert re.search(rb"/FontName\s*/[A-Z]{6}\+Nanum", data)
    single = BeautifulSoup(KOREAN_SINGLE.read_text(), "html.parser")
    assert single.html["lang"] == "ko"


def test_every_page_offers_its_editions_pdf_in_its_download_menu(built_book):
    menus = {"": 0, "ko/": 0}
    for name in html_pages(HTML):
        soup = BeautifulSoup((HTML / name).read_text(), "html.parser")
        if not soup.select(".btn-download-pdf-button"):
            continue  # no download menu: the redirect, search and index pages
        edition = "ko/" if name.startswith("ko/") else ""
        menus[edition] += 1
        links = soup.select("a.btn-download-book-pdf-button")
        assert len(links) == 1, name
        target = (HTML / name).parent / links[0]["href"]
        assert target.resolve() == (KOREAN_PDF if edition else PDF).resolve(), (name, links[0]["href"])
        assert links[0].get_text(strip=True) == ("책 전체 .pdf" if edition else "book .pdf"), name
    # the intro, nine chapters, exercises, glossary, references, in each edition
    assert menus[""] >= 13 and menus["ko/"] >= 13, menus


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


def test_the_korean_book_breaks_lines_between_words_in_print(built_book, chromium):
    """Korean wraps between words, as Korean books do: in print too, where
    the book's title stands outside the article ("딥러 / 닝" before)."""
    page = chromium.new_page(viewport={"width": PRINT_WIDTH, "height": 1100})
    try:
        page.goto(KOREAN_SINGLE.resolve().as_uri(), wait_until="load", timeout=120_000)
        page.emulate_media(media="print")
        breaking = page.evaluate("""() => [...document.querySelectorAll('h1, h2, p, li, caption, td')]
            .filter(el => el.getClientRects().length > 0)
            .filter(el => getComputedStyle(el).wordBreak !== 'keep-all')
            .map(el => el.tagName + ': ' + el.textContent.trim().slice(0, 40))""")
    finally:
        page.close()
    assert breaking == [], breaking[:5]
