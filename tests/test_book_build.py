"""Does the whole book execute and build cleanly, and do the pages show it?

Builds the book exactly as `make book` does (warnings are errors, broken
references fail), then reads the produced HTML the way a reader would see it.
Chapter outputs are cached between runs, so only changed chapters execute.
"""

import re

import pytest
from bs4 import BeautifulSoup
from conftest import BOOK, HTML
from test_book_sources import CHAPTERS

pytestmark = pytest.mark.book

# Lines that frameworks print when they are not kept quiet.
NOISE = re.compile(r"oneDNN|cuda|absl::|I0000|E0000|W0000|Traceback \(most recent"
                   r"|DeprecationWarning|UserWarning|\d+/\d+ \[=+")


def page(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def chapter_pages():
    return [HTML / chapter.relative_to(BOOK).with_suffix(".html") for chapter in CHAPTERS]


def test_every_chapter_has_a_page_with_executed_outputs(built_book):
    for html in chapter_pages():
        assert html.is_file(), f"{html.name} was not built"
        soup = page(html)
        outputs = soup.select(".cell_output")
        assert outputs, f"{html.name} shows no cell outputs: were the cells executed?"
        assert soup.select(".cell_output img"), f"{html.name} shows no figure"


def test_pages_show_no_errors_or_log_noise(built_book):
    for html in chapter_pages():
        soup = page(html)
        bad = soup.select(".output.stderr, .output.error, .output.traceback")
        assert bad == [], f"{html.name} shows stderr or error outputs"
        text = " ".join(node.get_text(" ") for node in soup.select(".cell_output"))
        noise = NOISE.search(text)
        assert noise is None, f"{html.name} output contains {noise.group(0)!r}"


def test_framework_cells_are_marked_for_the_switch(built_book):
    for html in chapter_pages():
        soup = page(html)
        keras = soup.select(".cell.tag_keras")
        pytorch = soup.select(".cell.tag_pytorch")
        assert keras and len(keras) == len(pytorch), \
            f"{html.name}: {len(keras)} Keras vs {len(pytorch)} PyTorch cells"
        scripts = [s.get("src", "") for s in soup.find_all("script")]
        assert any("framework-switch.js" in s for s in scripts)
        assert any("framework-switch.css" in link.get("href", "") for link in soup.find_all("link"))
    assert (HTML / "_static" / "framework-switch.js").is_file()


def test_figures_have_alt_text_and_exist(built_book):
    for html in chapter_pages():
        for img in page(html).select(".cell_output img"):
            assert img.get("alt", "").strip(), f"{html.name}: a figure has no alt text"
            assert (html.parent / img["src"]).resolve().is_file(), f"{html.name}: missing image {img['src']}"


def test_pages_load_nothing_from_the_internet(built_book):
    """Every script, style, image and font comes with the book, KaTeX's
    included (the fonts its stylesheet names are all there)."""
    for html in sorted(HTML.glob("**/*.html")):
        soup = page(html)
        for tag, attr in [("script", "src"), ("link", "href"), ("img", "src")]:
            for node in soup.find_all(tag):
                url = node.get(attr, "")
                assert not url.startswith(("http:", "https:", "//")), f"{html.name} loads {url}"
    katex = HTML / "_static" / "katex"
    fonts = re.findall(r"url\(([^)]+)\)", (katex / "katex.min.css").read_text(encoding="utf-8"))
    assert len(fonts) > 50
    assert [font for font in fonts if not (katex / font).is_file()] == []


def test_figures_load_lazily_and_carry_their_size(built_book):
    """On the site's pages every figure loads as the reader nears it and
    names its size in pixels, the PNG's own (book/_ext/lean_pages.py)."""
    import struct

    figures = 0
    for html in chapter_pages():
        for img in page(html).select(".cell_output img"):
            figures += 1
            assert img.get("loading") == "lazy", f"{html.name}: {img['src']}"
            head = (html.parent / img["src"]).read_bytes()[:24]
            assert (int(img["width"]), int(img["height"])) == struct.unpack(">II", head[16:24]), img["src"]
    assert figures > 40


def test_glossary_page_lists_terms_in_both_languages(built_book):
    soup = page(HTML / "glossary.html")
    terms = [dt.get_text(" ", strip=True) for dt in soup.select("dl.glossary dt")]
    assert "perceptron" in " ".join(terms) and "퍼셉트론" in " ".join(terms)


def test_chapters_link_into_the_glossary(built_book):
    for html in chapter_pages():
        links = [a["href"] for a in page(html).select("a.reference")
                 if "glossary.html#term-" in a.get("href", "")]
        assert links, f"{html.name} has no glossary links"


def test_formulas_are_typeset_in_the_built_pages(built_book):
    """KaTeX typesets every formula when the book is built
    (book/_ext/katex_math.py): each one is HTML to look at with MathML for
    screen readers, and no page loads a script to typeset. KaTeX's
    stylesheet comes only with pages that have a formula."""
    with_math = without_math = 0
    for html in sorted(HTML.glob("**/*.html")):
        soup = page(html)
        if not soup.select("body"):
            continue  # a redirect
        formulas = soup.select(".math")
        untypeset = [f.get_text()[:60] for f in formulas
                     if not f.select_one(".katex > .katex-mathml math") or not f.select_one(".katex-html")]
        assert untypeset == [], f"{html.relative_to(HTML)}: formulas left as TeX: {untypeset}"
        scripts = [s.get("src", "") + (s.string or "")[:40] for s in soup.find_all("script")]
        assert not [s for s in scripts if re.search("mathjax|katex", s, re.I)], html.relative_to(HTML)
        styled = any("katex.min.css" in link.get("href", "") for link in soup.select("link[rel=stylesheet]"))
        where = html.relative_to(HTML)
        assert styled == bool(formulas), f"{where}: {len(formulas)} formulas, KaTeX's stylesheet: {styled}"
        with_math, without_math = with_math + bool(formulas), without_math + (not formulas)
    assert with_math >= 9 and without_math >= 3


def test_korean_words_are_marked_korean(built_book):
    """Every run of Hangul a reader sees sits in an element with lang="ko"
    (book/_ext/korean_lang.py); the page itself stays English."""
    hangul = re.compile(r"[\uac00-\ud7a3]")
    marked = 0
    for html in sorted(HTML.glob("**/*.html")):
        soup = page(html)
        if soup.html is None or html.relative_to(HTML).parts[0] == "ko":  # the Korean edition is all Korean
            continue
        assert soup.html.get("lang") == "en", html.name
        for text in soup.find_all(string=hangul):
            if text.parent.name in ("script", "style", "title"):
                continue
            assert text.find_parent(attrs={"lang": "ko"}) is not None, \
                f"{html.relative_to(HTML)}: {text.strip()[:60]!r} is not marked Korean"
            marked += 1
    assert marked > 300


def test_chapters_executed_by_this_build_ran_in_warm_kernels(built_book):
    # A cold build (the first on a machine, CI's) executes every chapter,
    # in kernels forked from the warm process (_ext/parallel_execution.py).
    if "executing" not in built_book:
        pytest.skip("every chapter's outputs came from the execution cache")
    assert "kernels are forked from a warm process" in built_book
    executed = re.search(r"executed (\d+) chapters in \d+ s \((\d+) of (\d+) in kernels forked",
                         built_book)
    assert executed, built_book[-3000:]
    assert len(set(executed.groups())) == 1, executed.group(0)  # all of them, and all forked
    assert "failed and will run again" not in built_book
