"""The built book in a real browser, as a reader uses it.

Headless Chromium (Debian's, `make browser`) driven by Playwright opens the
book served on 127.0.0.1 (fixtures in conftest.py) and checks what only a
browser shows: pages load without console errors or failed requests, links
and images resolve, the framework switch hides and remembers, search finds
English and Korean terms, the download menu gives each chapter's executed
notebook, the exercises page hands out every assignment, and pages are
accessible (alt text, heading order). Screenshots of a chapter in Keras and
in PyTorch mode are saved in test-artifacts/screenshots/ for a person to
look at.
"""

import re
from urllib.parse import unquote, urldefrag, urlsplit

import nbformat
import pytest

from book_browser import html_pages, typeset_all
from conftest import BOOK, HTML, ROOT, SCREENSHOTS
from test_book_sources import CHAPTERS

pytestmark = pytest.mark.browser

# The chapter the framework switch is shown on, and a second one to move to.
CHAPTER = "chapters/02_perceptrons_xor.html"
OTHER_CHAPTER = "chapters/03_training.html"
ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "exercises").glob("*/*.ipynb")
                     if p.stem == p.parent.name)
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def chapter_page(chapter):
    return chapter.relative_to(BOOK).with_suffix(".html").as_posix()


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
    return response


# --- every page ---------------------------------------------------------------

def test_there_are_pages_to_check(built_book):
    pages = html_pages(HTML)
    assert "index.html" in pages and "search.html" in pages
    assert {chapter_page(c) for c in CHAPTERS} <= set(pages)


def test_every_page_loads_cleanly_with_its_images_and_links(book_url, browser_context):
    page = browser_context.new_page()
    problems = watch(page)
    ids = {}      # page path -> ids (anchors) on it
    links = {}    # link URL -> a page that has it
    for path in html_pages(HTML):
        before = len(problems)
        open_page(page, book_url + path)
        broken = page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        problems += [f"broken image: {src}" for src in broken]
        ids[path] = set(page.eval_on_selector_all("[id], a[name]", "els => els.map(e => e.id || e.name)"))
        for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
            if href.startswith(book_url):
                links.setdefault(href, path)
        problems[before:] = [f"{path}: {p}" for p in problems[before:]]
    assert problems == [], "\n".join(problems)
    assert len(links) > 50, "suspiciously few internal links: were the pages read?"

    for href, source in sorted(links.items()):
        url, fragment = urldefrag(href)
        target = urlsplit(url).path.removeprefix(urlsplit(book_url).path) or "index.html"
        if target.endswith("/"):
            target += "index.html"
        if target in ids:
            anchor = unquote(fragment)
            if anchor and anchor not in ids[target]:
                problems.append(f"{source}: link to a missing anchor: {href}")
            continue
        response = browser_context.request.get(url)
        if not response.ok:
            problems.append(f"{source}: broken link ({response.status}): {href}")
    assert problems == [], "\n".join(problems)


# --- the framework switch ----------------------------------------------------

def shown(page):
    """How many Keras, PyTorch and untagged code cells are visible, of how many."""
    return page.evaluate("""() => {
        const count = (selector) => {
            const cells = [...document.querySelectorAll(selector)];
            return [cells.filter(c => c.checkVisibility()).length, cells.length];
        };
        return {keras: count(".cell.tag_keras"), pytorch: count(".cell.tag_pytorch"),
                neutral: count(".cell:not(.tag_keras):not(.tag_pytorch)")};
    }""")


def assert_showing(page, choice):
    """Only the chosen framework's cells (or both) are visible, with every
    framework-neutral cell, and the switch shows the choice as pressed."""
    cells = shown(page)
    keras_shown, keras_all = cells["keras"]
    pytorch_shown, pytorch_all = cells["pytorch"]
    assert keras_all > 0 and pytorch_all > 0, f"{page.url}: no framework cells"
    assert cells["neutral"][0] == cells["neutral"][1] > 0, f"{page.url}: neutral cells hidden: {cells}"
    expected = {"keras": (keras_all, 0), "pytorch": (0, pytorch_all), "both": (keras_all, pytorch_all)}[choice]
    assert (keras_shown, pytorch_shown) == expected, f"{page.url} in {choice} mode shows {cells}"
    pressed = page.locator(".fw-switch button[aria-pressed=true]")
    assert pressed.count() == 1 and pressed.get_attribute("data-choice") == choice


def choose(page, label):
    page.locator(".fw-switch").get_by_role("button", name=label, exact=True).click()


def screenshot(page, name):
    """A full-page screenshot, with every formula typeset (MathJax typesets
    the ones out of view only as the reader scrolls to them or prints)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    typeset_all(page)
    page.screenshot(path=path, full_page=True)
    print(f"screenshot saved: {path}")


def test_framework_switch_shows_one_framework_and_remembers_it(book_url, browser_context):
    page = browser_context.new_page()
    problems = watch(page)
    open_page(page, book_url + CHAPTER)
    assert_showing(page, "both")  # a first visit shows both

    choose(page, "Keras")
    assert_showing(page, "keras")
    screenshot(page, "chapter-keras.png")
    open_page(page, book_url + OTHER_CHAPTER)
    assert_showing(page, "keras")
    page.reload(wait_until="networkidle")
    assert_showing(page, "keras")

    choose(page, "PyTorch")
    assert_showing(page, "pytorch")
    open_page(page, book_url + CHAPTER)
    assert_showing(page, "pytorch")
    screenshot(page, "chapter-pytorch.png")
    page.reload(wait_until="networkidle")
    assert_showing(page, "pytorch")

    choose(page, "Both")
    assert_showing(page, "both")
    open_page(page, book_url + OTHER_CHAPTER)
    assert_showing(page, "both")
    assert problems == [], "\n".join(problems)


# Prose that points at one framework's code: "the PyTorch cell", "our Keras
# run", "the PyTorch loop".
NAMES_A_CELL = r"\b(?:the|our|this|that)\s+{framework}\s+(?:cells?|runs?|loops?|code|versions?)\b"


def visible_prose(page):
    """The text of every paragraph and list item a reader can see in the article."""
    return page.evaluate("""() => [...document.querySelectorAll(
            'article.bd-article p, article.bd-article li')]
        .filter(e => !e.closest('.cell') && e.checkVisibility())
        .map(e => e.innerText)""")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_prose_follows_the_framework_switch(book_url, browser_context, chapter):
    """With one framework chosen, no visible paragraph talks about the other
    framework's cells (they are hidden); with both, every paragraph shows."""
    page = browser_context.new_page()
    open_page(page, book_url + chapter_page(chapter))
    everything = visible_prose(page)
    for choice, other in (("Keras", "PyTorch"), ("PyTorch", "Keras")):
        choose(page, choice)
        pattern = re.compile(NAMES_A_CELL.format(framework=other), re.IGNORECASE)
        wrong = [text for text in visible_prose(page) if pattern.search(text)]
        assert wrong == [], f"{chapter.stem} in {choice} mode: " + "\n".join(wrong)
    choose(page, "Both")
    assert visible_prose(page) == everything


def test_the_switch_appears_only_on_pages_with_framework_code(book_url, browser_context):
    page = browser_context.new_page()
    for path in ["intro.html", "glossary.html", "exercises.html"]:
        open_page(page, book_url + path)
        assert page.locator(".fw-switch").count() == 0, f"{path} shows a framework switch"
    for chapter in CHAPTERS:
        open_page(page, book_url + chapter_page(chapter))
        assert page.locator(".fw-switch").count() == 1, f"{chapter.name} has no framework switch"


# --- search ---------------------------------------------------------------------

def search(page, book_url, query):
    """Search the book as a reader does; return the result pages' paths."""
    page.goto(book_url + "search.html?q=" + query)
    summary = page.locator("#search-results p.search-summary")
    summary.filter(has_text=re.compile(r"Search finished|did not match")).wait_for()
    hrefs = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    return {urlsplit(h).path.removeprefix(urlsplit(book_url).path) for h in hrefs}


def korean_glossary_terms():
    """The Korean names in the glossary (term lines of the glossary block)."""
    text = (BOOK / "glossary.md").read_text(encoding="utf-8")
    block = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines()
            if line.strip() and not line.startswith((" ", ":")) and HANGUL.search(line)]


def test_search_finds_a_chapter_term(book_url, browser_context):
    page = browser_context.new_page()
    assert "chapters/02_perceptrons_xor.html" in search(page, book_url, "perceptron")
    assert "chapters/08_cnn.html" in search(page, book_url, "convolution")
    assert search(page, book_url, "xyzzyplugh") == set()  # and not everything


def test_search_finds_every_korean_glossary_term(book_url, browser_context):
    page = browser_context.new_page()
    terms = korean_glossary_terms()
    assert len(terms) > 20 and "퍼셉트론" in terms
    missing = [term for term in terms if "glossary.html" not in search(page, book_url, term)]
    assert missing == [], f"search does not find these glossary terms: {missing}"
    assert "chapters/02_perceptrons_xor.html" in search(page, book_url, "퍼셉트론")  # in the prose too
    assert search(page, book_url, "없는낱말") == set()  # a Korean word the book does not use


def test_the_search_box_finds_a_korean_term(book_url, browser_context):
    """Typed into the theme's search box on a chapter page, not put in the URL."""
    page = browser_context.new_page()
    open_page(page, book_url + CHAPTER)
    page.keyboard.press("Control+k")  # the theme's search shortcut
    box = page.locator("form.bd-search input[name=q]").filter(visible=True).first
    box.fill("퍼셉트론")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    page.locator("#search-results p.search-summary").filter(has_text="Search finished").wait_for()
    hrefs = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    assert any("glossary.html" in h for h in hrefs), hrefs


# --- formulas -----------------------------------------------------------------

#: Per formula on the page: [typeset?, in the window?].
FORMULAS = """() => [...document.querySelectorAll('.math')].map(e => {
    const box = e.getBoundingClientRect();
    return [e.querySelector('mjx-container mjx-math') !== null,
            box.bottom > 0 && box.top < window.innerHeight];
})"""


def test_formulas_are_typeset_where_the_reader_looks_and_for_printing(book_url, browser_context):
    """MathJax typesets lazily (book/_config.yml): the formulas in the window
    when the page loads, the others as they scroll into view, and all of
    them before the page is printed."""
    page = browser_context.new_page()
    problems = watch(page)
    open_page(page, book_url + "chapters/06_optimizers.html")
    page.wait_for_function("() => window.MathJax?.startup?.promise")
    page.evaluate("() => MathJax.startup.promise")
    formulas = page.evaluate(FORMULAS)
    assert len(formulas) > 50
    assert any(seen for _, seen in formulas), "no formula in the first window"
    assert all(typeset for typeset, seen in formulas if seen), "a formula in view is not typeset"
    assert formulas[-1] == [False, False], "the last formula was typeset before anyone looked"

    # The last formula a reader can scroll to (those in folded answers are
    # hidden until opened).
    last = page.locator("div.math").filter(visible=True).last
    last.scroll_into_view_if_needed()
    last.locator("mjx-container mjx-math").wait_for()

    page.emulate_media(media="print")
    page.wait_for_function(f"() => ({FORMULAS})().every(([typeset]) => typeset)")
    assert problems == []


# --- downloads ------------------------------------------------------------------

def read_notebook(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    return notebook


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_each_chapter_offers_its_executed_notebook(chapter, book_url, browser_context, tmp_path):
    page = browser_context.new_page()
    open_page(page, book_url + chapter_page(chapter))
    page.locator(".dropdown-download-buttons button.dropdown-toggle").click()
    link = page.locator("a.btn-download-notebook-button")
    assert link.inner_text().strip() == ".ipynb"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"{chapter.stem}.ipynb"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    notebook = read_notebook(saved)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    source = chapter.read_text(encoding="utf-8")
    assert len(code) == source.count("```{code-cell}"), "not the chapter's cells"
    assert sum(bool(cell.outputs) for cell in code) > len(code) // 2, "the notebook was not executed"
    figures = [cell for cell in code if "figure" in cell.metadata.get("mystnb", {})]
    assert figures, "the chapter has no figure cells"
    for cell in figures:
        name = cell.metadata.mystnb.figure.get("name")
        assert any("image/png" in out.get("data", {}) for out in cell.outputs), f"figure {name} has no image"
    tags = {tag for cell in code for tag in cell.metadata.get("tags", [])}
    assert {"keras", "pytorch"} <= tags
    assert notebook.metadata.kernelspec.language == "python"


def test_exercises_page_hands_out_every_assignment(book_url, browser_context, tmp_path):
    assert len(ASSIGNMENTS) >= 9
    page = browser_context.new_page()
    problems = watch(page)
    open_page(page, book_url + "exercises.html")
    for name in ASSIGNMENTS:
        link = page.locator("a.download", has_text=f"{name}.ipynb")
        assert link.count() == 1, f"exercises page has no download link for {name}"
        with page.expect_download() as info:
            link.click()
        saved = tmp_path / f"{name}.ipynb"
        info.value.save_as(saved)
        original = ROOT / "exercises" / name / f"{name}.ipynb"
        assert saved.read_bytes() == original.read_bytes(), f"{name}: the download is not the exercise"
        read_notebook(saved)
    # Every link in the table (notebooks and chapters) resolves.
    hrefs = page.eval_on_selector_all("article table a[href]", "as => as.map(a => a.href)")
    assert len(hrefs) == 2 * len(ASSIGNMENTS)
    for href in hrefs:
        response = browser_context.request.get(urldefrag(href)[0])
        assert response.ok, f"{href}: HTTP {response.status}"
    assert problems == [], "\n".join(problems)


# --- accessibility --------------------------------------------------------------

def test_images_have_alt_text_and_headings_are_in_order(book_url, browser_context):
    page = browser_context.new_page()
    problems = []
    for path in html_pages(HTML):
        open_page(page, book_url + path)
        for src in page.eval_on_selector_all(
                "img", "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src)"):
            problems.append(f"{path}: image without alt text: {src}")
        levels = page.eval_on_selector_all(
            "main h1, main h2, main h3, main h4, main h5, main h6",
            "hs => hs.filter(h => h.checkVisibility()).map(h => [Number(h.tagName[1]), h.textContent.trim()])")
        if not levels or levels[0][0] != 1 or sum(level == 1 for level, _ in levels) != 1:
            problems.append(f"{path}: the page needs exactly one h1, first: {levels[:3]}")
        for (before, _), (level, text) in zip(levels, levels[1:]):
            if level > before + 1:
                problems.append(f"{path}: h{level} {text!r} follows an h{before}")
    assert problems == [], "\n".join(problems)
