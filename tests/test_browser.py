"""The built book in a real browser, as a reader uses it.

Headless Chromium (Debian's, `make browser`) driven by Playwright opens the
book served on 127.0.0.1 (fixtures in conftest.py) and checks what only a
browser shows: the framework switch hides and remembers, search finds
English and Korean terms, the download menu gives each chapter's executed
notebook, the exercises page hands out every assignment, pages are
accessible (contrast, formulas off the Tab order; every page's load, links,
alt text, headings and axe-core's rules: test_browser_every_page.py), no
page scrolls sideways at 320 px, and the pages work on a phone (390 px)
and at desktop width: the sidebar toggles, the framework switch at hand
mid-chapter, code that fits, the exercises table. Screenshots of a chapter
in Keras and in PyTorch mode, and of a chapter on a phone, are saved in
test-artifacts/screenshots/ for a person to look at.
"""

import re
from urllib.parse import urldefrag, urlsplit

import nbformat
import pytest
from book_browser import html_pages, open_page, render_whole_page, show_theme, watch
from conftest import BOOK, HTML, ROOT, SCREENSHOTS
from test_book_sources import CHAPTERS

pytestmark = pytest.mark.browser

# The chapter the framework switch is shown on, and a second one to move to.
CHAPTER = "chapters/02_perceptrons_xor.html"
OTHER_CHAPTER = "chapters/03_training.html"
ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "exercises").glob("*/*.ipynb")
                     if p.stem == p.parent.name)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# A phone's window (an iPhone 12-15 held upright) and a laptop's.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# A long chapter, to read mid-way.
LONG_CHAPTER = "chapters/08_cnn.html"


def chapter_page(chapter):
    return chapter.relative_to(BOOK).with_suffix(".html").as_posix()


def reload_page(page):
    """Reload, and wait as :func:`open_page` does."""
    page.reload(wait_until="networkidle")
    page.wait_for_load_state("load")


# --- every page ---------------------------------------------------------------

def test_there_are_pages_to_check(built_book):
    pages = html_pages(HTML)
    assert "index.html" in pages and "search.html" in pages
    assert {chapter_page(c) for c in CHAPTERS} <= set(pages)


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
    expected = {"keras": (keras_all, 0), "pytorch": (0, pytorch_all),
                "both": (keras_all, pytorch_all)}[choice]
    assert (keras_shown, pytorch_shown) == expected, f"{page.url} in {choice} mode shows {cells}"
    pressed = page.locator(".fw-switch button[aria-pressed=true]")
    assert pressed.count() == 1 and pressed.get_attribute("data-choice") == choice


def choose(page, label):
    page.locator(".fw-switch").get_by_role("button", name=label, exact=True).click()


def screenshot(page, name):
    """A full-page screenshot, with every section drawn and every figure
    loaded (the site does both as the reader scrolls)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    render_whole_page(page)
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
    reload_page(page)
    assert_showing(page, "keras")

    choose(page, "PyTorch")
    assert_showing(page, "pytorch")
    open_page(page, book_url + CHAPTER)
    assert_showing(page, "pytorch")
    screenshot(page, "chapter-pytorch.png")
    reload_page(page)
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
    render_whole_page(page)
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
    summary.filter(has_text=re.compile(r"\S")).wait_for()  # written when the search ends, in any language
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


#: The pages a search finds, asked of the search page's own code without
#: showing them (Sphinx 7.4's searchtools.js: the query is split and stemmed
#: as the reader's is, then matched against the index; showing the results
#: fetches every found page for its summary, which is what takes a reader's
#: search about a second).
FOUND_BY_THE_INDEX = """async (queries) => {
    while (!Search.hasIndex()) await new Promise(done => setTimeout(done, 50));
    return queries.map(query => [...new Set(
        Search._performSearch(...Search._parseQuery(query)).map(result => result[0] + ".html"))]);
}"""


def test_search_finds_every_korean_glossary_term(book_url, browser_context):
    """Every Korean glossary term, through the search page's index and query
    code; the first of them, and a word the book does not use, also as a
    reader searches (the URL), which must find the same pages."""
    page = browser_context.new_page()
    terms = korean_glossary_terms()
    assert len(terms) > 20 and "퍼셉트론" in terms
    shown = search(page, book_url, "퍼셉트론")
    assert "chapters/02_perceptrons_xor.html" in shown  # in the prose too
    unused = "없는낱말"  # a Korean word the book does not use
    found = dict(zip(terms + [unused], map(set, page.evaluate(FOUND_BY_THE_INDEX, terms + [unused]))))
    assert found["퍼셉트론"] == shown and found[unused] == set()
    missing = [term for term in terms if "glossary.html" not in found[term]]
    assert missing == [], f"search does not find these glossary terms: {missing}"
    assert search(page, book_url, unused) == set()


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

#: Per formula on the page: what a reader sees of it and what a screen reader reads.
FORMULAS = """() => [...document.querySelectorAll('article .math')].map(e => ({
    typeset: e.querySelector('.katex .katex-html[aria-hidden=true]') !== null,
    mathml: e.querySelector('.katex .katex-mathml math') !== null,
    raw: /\\[a-zA-Z]|[$]/.test(e.querySelector('.katex-html')?.textContent ?? e.textContent),
    width: e.querySelector('.katex-html')?.getBoundingClientRect().width ?? 0,
}))"""


def test_formulas_are_typeset_in_the_pages_without_a_script(book_url, browser_context):
    """KaTeX typesets every formula when the book is built
    (book/_ext/katex_math.py): each one arrives as HTML to look at and
    MathML for screen readers, no TeX shows, no script is needed, and its
    fonts come from the book. Pages without formulas do not load KaTeX's
    stylesheet."""
    page = browser_context.new_page()
    problems = watch(page)
    fonts = []
    page.on("request", lambda request: fonts.append(request.url) if "KaTeX_" in request.url else None)
    open_page(page, book_url + "chapters/06_optimizers.html")
    render_whole_page(page)
    formulas = page.evaluate(FORMULAS)
    assert len(formulas) > 50
    assert [f for f in formulas if not (f["typeset"] and f["mathml"]) or f["raw"]] == []
    assert sum(f["width"] > 0 for f in formulas) > 50, "formulas are not drawn"
    scripts = page.eval_on_selector_all("script[src]", "ss => ss.map(s => s.src)")
    assert not [s for s in scripts if "mathjax" in s.lower() or "katex" in s.lower()], scripts
    assert fonts and all(url.startswith(book_url + "_static/katex/fonts/") for url in fonts), fonts
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")
    assert problems == [], "\n".join(problems)

    open_page(page, book_url + "intro.html")
    sheets = page.eval_on_selector_all("link[rel=stylesheet]", "ls => ls.map(l => l.href)")
    assert not [s for s in sheets if "katex" in s], sheets


def test_formulas_are_not_tab_stops_unless_they_scroll(book_url, browser_context, phone_context):
    """A keyboard reader tabs from link to link, not through every formula
    (chapter 2 has over 80). A displayed formula wider than the column
    scrolls sideways, from its first symbol to its last (none is cut off),
    and only such a formula is a Tab stop, named as one
    (book/_static/wide-formulas.js)."""
    page = browser_context.new_page()
    open_page(page, book_url + CHAPTER)
    assert page.locator("article .math").count() > 50
    focusable = ("[...document.querySelectorAll('article .math, article .katex *')]"
                 ".filter(m => m.tabIndex >= 0)")
    assert page.evaluate(f"{focusable}.length") == 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.math') === null")

    # Chapter 3's forward pass is wider than a phone (so are some in 4, 6, 9).
    phone = phone_context.new_page()
    open_page(phone, book_url + OTHER_CHAPTER)
    displayed = phone.locator("article div.math")
    wide = []
    for i in range(displayed.count()):
        formula = displayed.nth(i)
        if not formula.is_visible():
            continue
        formula.scroll_into_view_if_needed()
        # Where its first and last symbols lie, measured from the start of
        # what can be scrolled to: nothing before it, nothing past its end.
        start, past_end = formula.evaluate("""f => {
            const box = f.getBoundingClientRect(), symbols = f.querySelectorAll('.katex-html > .base');
            const at = x => x - box.left - f.clientLeft + f.scrollLeft;
            return [at(symbols[0].getBoundingClientRect().left),
                    at(symbols[symbols.length - 1].getBoundingClientRect().right) - f.scrollWidth];
        }""")
        assert start > -1 and past_end < 1, f"formula {i} is cut off: {start:.0f} px, {past_end:.0f} px"
        if formula.evaluate("f => f.scrollWidth > f.clientWidth + 1"):
            wide.append(i)
            assert formula.get_attribute("aria-description") == "wide formula: scroll sideways"
            assert formula.evaluate("f => f.tabIndex") == 0
        else:
            assert formula.get_attribute("aria-description") is None
            assert formula.evaluate("f => f.tabIndex") == -1
    assert wide, f"no displayed formula of {OTHER_CHAPTER} scrolls on a phone: pick a chapter that has one"
    phone.locator("article div.math").nth(wide[0]).focus()
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function("i => document.querySelectorAll('article div.math')[i].scrollLeft > 0",
                            arg=wide[0])


# --- downloads ------------------------------------------------------------------

CONTRAST = """els => els.map(el => {
    const rgb = c => c.match(/[\\d.]+/g).map(Number);
    const lum = c => {
        const [r, g, b] = rgb(c).slice(0, 3).map(v => v / 255)
            .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    let node = el, background = "rgb(255, 255, 255)";
    while (node && node.nodeType === 1) {
        const bg = getComputedStyle(node).backgroundColor;
        if (bg && !bg.startsWith("rgba(0, 0, 0, 0)") && bg !== "transparent") { background = bg; break; }
        node = node.parentElement;
    }
    const [a, b] = [lum(getComputedStyle(el).color), lum(background)].sort((x, y) => y - x);
    return [el.textContent.trim().slice(0, 30), (a + 0.05) / (b + 0.05)];
})"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_switch_and_printed_model_summaries_are_readable(book_url, browser_context, theme):
    """WCAG AA (4.5:1) for the pressed framework button and for the coloured
    numbers of Keras's model.summary() (book/_static/page-layout.css)."""
    page = browser_context.new_page()
    open_page(page, book_url + OTHER_CHAPTER)
    show_theme(page, theme)
    pressed = page.locator('.fw-switch button[aria-pressed="true"]')
    coloured = page.locator('.cell_output .text_html span[style*="color"]')
    assert pressed.count() == 1 and coloured.count() > 5
    checked = pressed.evaluate_all(CONTRAST) + coloured.evaluate_all(CONTRAST)
    low = [(text, round(ratio, 2)) for text, ratio in checked if ratio < 4.5]
    assert low == [], f"{theme}: below 4.5:1: {low}"


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

# --- phones and desktop width (issue 18) ---------------------------------------

@pytest.fixture
def phone_context(chromium):
    """A fresh browser profile with a phone's window and touch screen."""
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                   device_scale_factor=2)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def window_screenshot(page, name):
    """What the reader sees in the window (not the whole page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name)
    print(f"screenshot saved: {SCREENSHOTS / name}")


def scroll_to(locator):
    """Scroll ``locator``'s element into the window as a reader would reach
    it, and wait until it stays there: sections far down are drawn only as
    they come near (content-visibility), and drawing them moves what follows
    them, so one scroll can end beside the element instead of on it."""
    for _ in range(20):
        locator.scroll_into_view_if_needed()
        # Two animation frames: the sections that came near are drawn.
        locator.page.evaluate("() => new Promise(done => requestAnimationFrame("
                              "() => requestAnimationFrame(done)))")
        if in_window(locator):
            return
    raise AssertionError(f"{locator} does not stay in the window")


def in_window(locator):
    """Whether all of ``locator``'s element is inside the window and nothing
    is drawn over its middle (a sticky bar, a label)."""
    return locator.evaluate("""e => {
        const box = e.getBoundingClientRect();
        const inside = box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
            && box.right <= window.innerWidth && box.bottom <= window.innerHeight;
        const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return inside && (top === e || e.contains(top));
    }""")


def test_the_menu_shows_the_chapter_list_on_a_phone(book_url, phone_context):
    """The menu button in the bar at the top opens the chapter list, and the
    contents button the page's sections. (The themes bound their handlers
    to hidden copies of these buttons: pydata-sphinx-theme #2451,
    sphinx-book-theme #988; book/_templates/sections/header.html.)"""
    page = phone_context.new_page()
    problems = watch(page)
    open_page(page, book_url + CHAPTER)
    menu = page.locator(".bd-header-article .primary-toggle")
    assert in_window(menu), "no menu button in the bar at the top"
    menu.tap()
    chapter_list = page.locator("#pst-primary-sidebar-modal")
    chapter_list.wait_for(state="visible")
    links = [chapter_list.get_by_role("link", name=re.compile(rf"^{int(c.stem[:2])}\. ")) for c in CHAPTERS]
    for chapter, link in zip(CHAPTERS, links):
        assert link.count() == 1 and link.is_visible(), f"the menu does not show {chapter.stem}"
    assert in_window(links[0]), "the chapter list is not on screen"
    window_screenshot(page, "phone-menu.png")
    links[2].tap()
    page.wait_for_url("**/" + chapter_page(CHAPTERS[2]))

    page.locator(".bd-header-article .secondary-toggle").tap()
    contents = page.locator("#pst-secondary-sidebar-modal")
    contents.wait_for(state="visible")
    assert contents.locator("nav.page-toc a").count() > 3, "the contents button shows no sections"
    assert in_window(contents.locator("nav.page-toc a").first)
    page.keyboard.press("Escape")
    contents.wait_for(state="hidden")
    assert problems == [], "\n".join(problems)


def test_the_sidebar_toggle_hides_and_shows_the_chapter_list_on_a_desktop(book_url, browser_context):
    page = browser_context.new_page()
    open_page(page, book_url + CHAPTER)
    sidebar = page.locator("#pst-primary-sidebar")
    toggle = page.locator(".bd-header-article .primary-toggle")
    assert sidebar.is_visible() and in_window(toggle)
    toggle.click()
    sidebar.wait_for(state="hidden")
    # The sidebar's search field went with it: the bar's search button shows.
    assert page.locator(".bd-header-article .search-button").is_visible()
    toggle.click()
    sidebar.wait_for(state="visible")
    assert page.locator("#pst-primary-sidebar-modal").evaluate("d => !d.open"), "it opened the phone menu"


def test_one_search_box_and_no_empty_bar_at_the_top(book_url, browser_context, phone_context):
    """The theme's site header held nothing but a second search field on a
    desktop (an empty 64 px strip) and nothing on a phone: it is gone, and
    the article's bar is at the top of the page."""
    for context in (browser_context, phone_context):
        page = context.new_page()
        open_page(page, book_url + CHAPTER)
        width = page.viewport_size["width"]
        assert page.locator("#pst-header").is_hidden(), f"{width} px: the empty site header shows"
        assert abs(page.locator(".bd-header-article").evaluate("e => e.getBoundingClientRect().top")) < 1
        searches = page.locator(".search-button-field, .search-button").filter(visible=True)
        assert searches.count() == 1, f"{width} px: {searches.count()} search boxes"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=lambda v: f"{v['width']}px")
def test_the_framework_switch_is_at_hand_mid_chapter(book_url, chromium, viewport):
    """The switch rides in the bar at the top of the window: visible and
    usable half way down a long chapter, and a heading reached by a link
    shows below the bar, not under it."""
    phone = viewport == PHONE
    context = chromium.new_context(viewport=viewport, has_touch=phone, is_mobile=phone)
    try:
        page = context.new_page()
        open_page(page, book_url + LONG_CHAPTER)
        page.evaluate("window.scrollTo(0, (document.documentElement.scrollHeight - innerHeight) / 2)")
        page.wait_for_function("window.scrollY > 1000")
        switch = page.locator(".fw-switch")
        for label in ("Keras", "PyTorch", "Both"):
            button = switch.get_by_role("button", name=label, exact=True)
            assert in_window(button), f"{viewport['width']} px: {label} is not at hand mid-chapter"
        if phone:
            window_screenshot(page, "phone-mid-chapter.png")
        choose(page, "PyTorch")
        assert_showing(page, "pytorch")
        choose(page, "Both")

        bar = page.locator(".bd-header-article").evaluate("e => e.getBoundingClientRect().bottom")
        headings = page.eval_on_selector_all(
            "article.bd-article section[id] > h2", "hs => hs.map(h => h.parentElement.id)")
        assert len(headings) > 4
        for anchor in (headings[len(headings) // 2], headings[-1]):
            page = context.new_page()  # a load, not a jump within the open page
            open_page(page, f"{book_url}{LONG_CHAPTER}#{anchor}")
            heading = page.locator(f"section[id='{anchor}'] > h2")
            top = heading.evaluate("h => h.getBoundingClientRect().top")
            assert top >= bar, f"{viewport['width']} px: #{anchor} is under the bar ({top} < {bar})"
            assert in_window(heading), f"{viewport['width']} px: #{anchor} is not in view"
    finally:
        context.close()


def test_sections_far_down_a_chapter_are_drawn_when_the_reader_reaches_them(book_url, browser_context):
    """A chapter's sections below the first screen are not laid out at load
    (content-visibility, book/_static/page-layout.css: the load time of
    benchmarks/page_weight.py); scrolled to, a section is drawn, and a
    printed page draws every section."""
    page = browser_context.new_page()
    open_page(page, book_url + LONG_CHAPTER)
    sections = page.locator("article.bd-article > section > section")
    assert sections.count() > 4
    # A skipped section's own box stays (it keeps the page's height); what
    # is inside it is not drawn.
    drawn = "s => s.querySelector('h2').checkVisibility({contentVisibilityAuto: true})"
    assert sections.first.evaluate(drawn), "the first section is not drawn at load"
    last = sections.last
    assert not last.evaluate(drawn), "every section is drawn at load: none waits for the reader"
    last.scroll_into_view_if_needed()
    page.wait_for_function(f"({drawn})(document.getElementById('{last.get_attribute('id')}'))")
    page.emulate_media(media="print")
    assert last.evaluate("s => getComputedStyle(s).contentVisibility") == "visible"


#: Code blocks wider than their box (they scroll sideways), each with its
#: longest line; and framework labels drawn over code.
CODE_THAT_DOES_NOT_FIT = """() => {
    const longest = (pre) => pre.textContent.split("\\n").reduce((a, l) => l.length > a.length ? l : a, "");
    const wide = [...document.querySelectorAll("article.bd-article pre")]
        .filter(pre => pre.clientWidth > 0 && pre.scrollWidth > pre.clientWidth)
        .map(pre => `${pre.scrollWidth - pre.clientWidth} px too wide, ${longest(pre).length} characters: `
                    + longest(pre).trim());
    const covered = [];
    const inputs = ".cell.tag_keras > .cell_input, .cell.tag_pytorch > .cell_input";
    for (const input of document.querySelectorAll(inputs)) {
        const label = getComputedStyle(input, "::after");
        const box = input.getBoundingClientRect();
        const [width, height] = [parseFloat(label.width), parseFloat(label.height)];
        if (!(width > 0 && height > 0)) {
            covered.push("a framework cell without its label");
            continue;
        }
        const pre = input.querySelector("pre");
        const range = document.createRange();
        range.selectNodeContents(pre);
        const shown = pre.getBoundingClientRect();
        const hits = [...range.getClientRects()].some(r => r.width > 0.5
            && Math.min(r.right, shown.right) > box.right - width && Math.max(r.left, shown.left) < box.right
            && r.bottom > box.bottom - height && r.top < box.bottom);
        const last = pre.textContent.trimEnd().split("\\n").pop().trim();
        if (hits) covered.push("the label covers code: " + last);
    }
    return [wide, covered];
}"""


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_code_fits_at_desktop_width_and_labels_stay_off_it(book_url, browser_context, chapter):
    """At 1280 px no code block scrolls sideways (book/_static/page-layout.css:
    lines of 88 characters fit, printed lines wrap), and no Keras/PyTorch
    label hides code. Answers in dropdowns count too: they are laid out while
    folded. A failure names the lines to rewrap in the chapter."""
    page = browser_context.new_page()
    open_page(page, book_url + chapter_page(chapter))
    render_whole_page(page)
    assert page.viewport_size == DESKTOP
    assert page.locator("article.bd-article pre").count() > 10
    wide, covered = page.evaluate(CODE_THAT_DOES_NOT_FIT)
    assert wide == [], f"{chapter.stem}: {len(wide)} code blocks scroll at 1280 px:\n" + "\n".join(wide)
    assert covered == [], f"{chapter.stem}:\n" + "\n".join(covered)


def test_the_exercises_table_shows_its_download_links_on_a_phone(book_url, phone_context):
    page = phone_context.new_page()
    open_page(page, book_url + "exercises.html")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the page scrolls sideways"
    links = page.locator("article table a.download")
    assert links.count() == len(ASSIGNMENTS)
    for i in range(links.count()):
        link = links.nth(i)
        assert link.evaluate("""a => {
            const box = a.getBoundingClientRect();
            return a.checkVisibility() && box.left >= 0 && box.right <= window.innerWidth;
        }"""), (f"{link.inner_text()} is off screen at {PHONE['width']} px "
                "(the table would have to be scrolled)")
    first = links.first
    first.scroll_into_view_if_needed()
    assert in_window(first)
    with page.expect_download() as info:
        first.tap()
    assert info.value.suggested_filename == first.inner_text().strip()


def test_no_page_scrolls_sideways_on_the_smallest_phone(book_url, chromium):
    """At 320 px (the narrowest phones) no page is wider than the screen,
    the whole page drawn: long inline code breaks, headings' "#" links are
    hidden (book/_static/page-layout.css); code blocks and wide formulas
    scroll inside their own box."""
    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True,
                                   has_touch=True)
    context.set_default_timeout(15_000)
    try:
        wide = []
        for name in html_pages(HTML):
            page = context.new_page()
            open_page(page, book_url + name)
            render_whole_page(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                wide.append(f"{name}: {width} px")
            page.close()
        assert wide == [], "pages wider than a 320 px screen:\n" + "\n".join(wide)
    finally:
        context.close()


def test_figures_keep_their_place_before_they_load(book_url, phone_context):
    """Figures load as the reader nears them (book/_ext/lean_pages.py), but
    the page keeps their place from the start: a figure far down has its
    height before it has loaded, the same height after, and the shape of
    the picture (shrunk to a phone's column)."""
    page = phone_context.new_page()
    open_page(page, book_url + CHAPTER)
    boxes = """() => [...document.querySelectorAll('.cell_output img')].filter(i => i.checkVisibility())
        .map(i => { const c = getComputedStyle(i);  // the picture's box, without padding
            return [i.complete && i.naturalWidth > 0,
                    i.clientWidth - parseFloat(c.paddingLeft) - parseFloat(c.paddingRight),
                    i.clientHeight - parseFloat(c.paddingTop) - parseFloat(c.paddingBottom),
                    +i.getAttribute('width'), +i.getAttribute('height')]; })"""
    before = page.evaluate(boxes)
    assert len(before) >= 5
    assert not all(loaded for loaded, *_ in before), "every figure loaded at once: none is lazy"
    render_whole_page(page)
    after = page.evaluate(boxes)
    for (_, width, height, *_), (loaded, width_after, height_after, w, h) in zip(before, after):
        assert loaded and w > 0 and h > 0
        assert (width, height) == (width_after, height_after), "the page moved when a figure arrived"
        assert abs(height_after - width_after * h / w) < 2, "a figure is squeezed"


# --- figures in light and dark mode (issue 18) ----------------------------------

def luminance(pixels):
    """WCAG relative luminance of an array of sRGB pixels (0-255), per pixel."""
    import numpy as np

    c = np.asarray(pixels, dtype=float)[..., :3] / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ [0.2126, 0.7152, 0.0722]


def paper_and_ink(locator):
    """The luminance of a shown figure's paper (the median of its outer ring
    of pixels, as drawn, filters included) and of its ink (the pixel the
    farthest from the paper, at the 1st/99th percentile)."""
    import io

    import numpy as np
    from PIL import Image

    shot = np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("RGB"))
    light = luminance(shot)
    ring = np.concatenate([light[:3].ravel(), light[-3:].ravel(),
                           light[:, :3].ravel(), light[:, -3:].ravel()])
    paper = float(np.median(ring))
    ink = float(np.percentile(light, 1 if paper > 0.5 else 99))
    return paper, ink


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("chapter", ["chapters/02_perceptrons_xor.html", LONG_CHAPTER])
def test_figures_read_in_light_and_dark_mode(book_url, browser_context, phone_context, chapter, theme):
    """Plots and diagrams follow the page: dark paper and light ink in dark
    mode, white paper and dark ink in light mode, ink at 4.5:1 or more
    against the paper. Figures whose pixels are data (cells tagged
    keep-colours) keep their colours in both modes."""
    page = browser_context.new_page()
    open_page(page, book_url + chapter)
    render_whole_page(page)
    show_theme(page, theme)
    figures = page.locator(".cell_output img")
    checked = {"plots": 0, "data images": 0}
    wrong = []
    for i in range(figures.count()):
        figure = figures.nth(i)
        if not figure.is_visible():  # the other framework's figure
            continue
        name = figure.get_attribute("alt")[:50]
        if figure.evaluate("e => !!e.closest('.tag_keep-colours')"):
            checked["data images"] += 1
            # Its pixels as drawn: no inversion (the theme only dims it a little).
            shown_with = figure.evaluate("e => getComputedStyle(e).filter")
            if "invert" in shown_with:
                wrong.append(f"{name!r} should keep its colours, but is shown with {shown_with}")
            continue
        checked["plots"] += 1
        paper, ink = paper_and_ink(figure)
        contrast = (max(paper, ink) + 0.05) / (min(paper, ink) + 0.05)
        if (paper < 0.1) != (theme == "dark"):
            wrong.append(f"{name!r} has paper of luminance {paper:.2f} in {theme} mode")
        if contrast < 4.5:
            wrong.append(f"{name!r}: ink on paper {contrast:.1f}:1")
    print(f"{chapter} ({theme}): {checked}")
    # Chapter 2 has eight plots; chapter 8 one plot and five data images.
    assert checked["plots"] >= 1 and sum(checked.values()) >= 5, checked
    assert wrong == []
    # For a person to look at: the chapter's first figure at a laptop's and
    # at a phone's width.
    phone = phone_context.new_page()
    open_page(phone, book_url + chapter)
    show_theme(phone, theme)
    for width, shown in (("1280", page), ("390", phone)):
        scroll_to(shown.locator(".cell_output img").first)
        window_screenshot(shown, f"figure-{chapter.split('/')[-1][:2]}-{width}-{theme}.png")


# --- the Korean edition ----------------------------------------------------------

KOREAN_CHAPTER = "ko/chapters/01_tensors.html"


def test_the_korean_edition_finds_words_with_their_particles(book_url, browser_context):
    """Korean writes particles onto the noun (텐서는, 텐서를): the search
    (book/_ext/korean_search.py) finds the noun in the prose either way."""
    page = browser_context.new_page()
    korean = book_url + "ko/"
    # 텐서처럼 is not in chapter 1; 정확도 is in chapter 4 only as 정확도를.
    for query in ("텐서", "텐서를", "텐서처럼"):
        assert "chapters/01_tensors.html" in search(page, korean, query), query
    assert "chapters/04_activations.html" in search(page, korean, "정확도")
    assert "chapters/07_regularization.html" in search(page, korean, "과대적합")
    assert search(page, korean, "없는낱말") == set()
    page.close()


def test_the_language_link_leads_to_the_same_page_on_a_phone(book_url, phone_context):
    page = phone_context.new_page()
    open_page(page, book_url + KOREAN_CHAPTER)
    assert page.evaluate("document.documentElement.lang") == "ko"
    assert page.locator(".fw-switch").get_by_role("button", name="둘 다", exact=True).is_visible()
    # It shows "EN"; a screen reader reads the language's name.
    link = page.locator(".bd-header-article").get_by_role("link", name="English", exact=True)
    assert link.is_visible() and link.locator(".edition-code").is_visible()
    assert link.locator(".edition-code").inner_text() == "EN"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the header is too wide"
    link.click()
    page.wait_for_url(re.compile(r"/(?<!ko/)chapters/01_tensors\.html$"))
    assert "/ko/" not in page.url and page.evaluate("document.documentElement.lang") == "en"
    back = page.locator(".bd-header-article a.edition-link[hreflang=ko]")
    back.click()
    page.wait_for_url("**/ko/chapters/01_tensors.html")
    page.close()


def test_on_the_narrowest_phone_the_language_link_is_in_the_menu(book_url, chromium):
    """At 320 px the article header has no room for it (book/_static/page-layout.css)."""
    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        open_page(page, book_url + KOREAN_CHAPTER)
        assert not page.locator(".bd-header-article a.edition-link").is_visible()
        page.locator(".bd-header-article .primary-toggle").click()
        link = page.locator(".bd-sidebar-primary a.edition-link[hreflang=en]")
        link.wait_for(state="visible")
        assert link.get_attribute("href") == "../../chapters/01_tensors.html"
    finally:
        context.close()
