"""Every page of the built book (both editions) in Chromium at desktop width,
visited once: it loads without console errors or failed requests, its images
load and have alt text, its headings are in order, its links lead to pages
and anchors that exist, and axe-core finds nothing serious on it.

One visit per page (the module fixture :func:`visits`) serves all of these
tests: opening a page and drawing all of it is most of what each check costs,
and each test asserts on what the visit recorded. The tests of this file are
one group when the suite runs in several processes (tests/conftest.py), so
the pages are visited once per run.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from book_browser import html_pages, open_page, render_whole_page, show_theme, watch
from conftest import HTML, ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: Serious or critical findings that come from Sphinx or the theme, not from
#: our pages: (page, axe rule) -> why it stays.
UPSTREAM_FINDINGS = {
    ("references.html", "aria-required-children"):
        "Sphinx's HTML writer gives the citation list role=list and puts each "
        "entry's backlink anchors directly in it (sphinx 7.4.7, docutils 0.21)",
}

#: axe-core's tag for the rules whose verdict depends on colours (text
#: contrast, links told apart by colour alone). Switching the theme changes
#: only colours (the book has no light- or dark-only content), so dark mode
#: runs these alone; every other rule runs once, in light mode.
COLOUR_RULES = "cat.color"

#: Runs axe-core in the page: the rules named by ``rules`` ("all", "colours"
#: or "other rules"), serious and critical violations only, as
#: [rule, [where, ...]] with at most three places each.
AXE_RUN = """async ([rules, tag]) => {
    // not the AAA rule (7:1 contrast), which a default run leaves out
    const colour = axe.getRules([tag]).filter(rule => !rule.tags.includes("wcag2aaa"))
        .map(rule => rule.ruleId);
    const options = {
        "all": {},
        "colours": {runOnly: {type: "rule", values: colour}},
        "other rules": {rules: Object.fromEntries(colour.map(id => [id, {enabled: false}]))},
    }[rules];
    return (await axe.run(document, {...options, resultTypes: ["violations"]})).violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => [v.id, v.nodes.map(n => n.target.join(" ")).slice(0, 3)]);
}"""


@dataclass
class Visit:
    """What one page showed when it was opened and drawn whole."""
    problems: list[str]            # console errors, failed requests, broken images (the
                                   # whole visit's: the list watch() keeps adding to)
    ids: set[str]                  # anchors a link can point to
    links: list[str]               # the page's links into the book (absolute URLs)
    without_alt: list[str]         # images without alt text (their src)
    headings: list[tuple[int, str]]  # visible headings in <main>: (level, text)
    axe_runs: list[str] = field(default_factory=list)  # the themes axe ran in
    axe: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (theme, rule, where)


def visit(page, url, name) -> Visit:
    problems = watch(page)
    open_page(page, url)
    render_whole_page(page)  # figures further down load as the reader nears them
    broken = page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    problems += [f"broken image: {src}" for src in broken]
    seen = Visit(
        problems=problems,
        ids=set(page.eval_on_selector_all("[id], a[name]", "els => els.map(e => e.id || e.name)")),
        links=page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"),
        without_alt=page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src)"),
        headings=[tuple(h) for h in page.eval_on_selector_all(
            "main h1, main h2, main h3, main h4, main h5, main h6",
            "hs => hs.filter(h => h.checkVisibility())"
            ".map(h => [Number(h.tagName[1]), h.textContent.trim()])")],
    )
    if name != "index.html" and AXE.is_file():  # index.html: a redirect to intro.html
        page.add_script_tag(path=str(AXE))
        # The colour rules on the English pages only (the Korean pages are
        # styled exactly as their twins: the last test of this file).
        runs = [("light", "other rules")] if name.startswith("ko/") \
            else [("light", "all"), ("dark", "colours")]
        for theme, rules in runs:
            show_theme(page, theme)
            seen.axe_runs.append(theme)
            seen.axe += [(theme, rule, where)
                         for rule, where in page.evaluate(AXE_RUN, [rules, COLOUR_RULES])]
    return seen


@pytest.fixture(scope="module")
def visits(book_url, chromium):
    """Every page, opened in a fresh tab of one desktop-sized browser profile
    (1280 x 900) and drawn whole: page path -> :class:`Visit`."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        seen = {}
        for name in html_pages(HTML):
            page = context.new_page()
            seen[name] = visit(page, book_url + name, name)
            page.close()
        yield book_url, seen
    finally:
        context.close()


def test_every_page_loads_cleanly_with_its_images_and_links(visits, browser_context):
    book_url, seen = visits
    problems = [f"{name}: {problem}" for name, page in seen.items() for problem in page.problems]
    assert problems == [], "\n".join(problems)
    links = {}  # link URL -> a page that has it
    for name, page in seen.items():
        for href in page.links:
            if href.startswith(book_url):
                links.setdefault(href, name)
    assert len(links) > 50, "suspiciously few internal links: were the pages read?"

    for href, source in sorted(links.items()):
        url, fragment = urldefrag(href)
        target = urlsplit(url).path.removeprefix(urlsplit(book_url).path) or "index.html"
        if target.endswith("/"):
            target += "index.html"
        if target in seen:
            anchor = unquote(fragment)
            if anchor and anchor not in seen[target].ids:
                problems.append(f"{source}: link to a missing anchor: {href}")
            continue
        response = browser_context.request.get(url)
        if not response.ok:
            problems.append(f"{source}: broken link ({response.status}): {href}")
    assert problems == [], "\n".join(problems)


def test_images_have_alt_text_and_headings_are_in_order(visits):
    _, seen = visits
    problems = []
    for name, page in seen.items():
        problems += [f"{name}: image without alt text: {src}" for src in page.without_alt]
        levels = page.headings
        if not levels or levels[0][0] != 1 or sum(level == 1 for level, _ in levels) != 1:
            problems.append(f"{name}: the page needs exactly one h1, first: {levels[:3]}")
        for (before, _), (level, text) in zip(levels, levels[1:]):
            if level > before + 1:
                problems.append(f"{name}: h{level} {text!r} follows an h{before}")
    assert problems == [], "\n".join(problems)


def test_axe_finds_nothing_serious_on_any_page(visits):
    """axe-core (`make browser`, pinned) on every page of both editions, the
    whole page drawn: no serious or critical violation except the ones
    listed above. Every rule in light mode; the colour rules again in dark
    mode; the colour rules on the English pages only (the Korean pages are
    styled exactly as their twins: the test below)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `make browser`")
    _, seen = visits
    found, seen_upstream = [], set()
    assert {name: page.axe_runs for name, page in seen.items()} == {
        name: [] if name == "index.html" else ["light"] if name.startswith("ko/") else ["light", "dark"]
        for name in seen}
    for name, page in seen.items():
        for theme, rule, where in page.axe:
            known = (name.removeprefix("ko/"), rule)  # the Korean edition's twin: the same finding
            if known in UPSTREAM_FINDINGS:
                seen_upstream.add(known)
            else:
                found.append(f"{name} ({theme}): {rule} at {where}")
    assert found == [], "\n".join(found)
    assert seen_upstream == set(UPSTREAM_FINDINGS), \
        f"fixed upstream, drop from UPSTREAM_FINDINGS: {set(UPSTREAM_FINDINGS) - seen_upstream}"


def stylesheets(page_path):
    """The bytes of every style a built page uses: its linked stylesheets
    (resolved from the page's folder) and its inline <style> blocks."""
    html = page_path.read_text(encoding="utf-8")
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    for href in re.findall(r'<link rel="stylesheet"[^>]*href="([^"?]+)', html):
        styles.append((page_path.parent / href).resolve().read_text(encoding="utf-8"))
    return styles


def test_korean_pages_are_styled_exactly_as_their_english_twins(built_book):
    """Why the Korean edition's colours need no checking of their own: each
    Korean page uses the same stylesheets, byte for byte, as its English twin
    (its outputs come from the same executed notebooks), so axe's colour
    rules, which judge colours only, run on the English pages alone."""
    pairs = [name for name in html_pages(HTML) if name.startswith("ko/")]
    assert len(pairs) >= 10
    different = [name for name in pairs
                 if stylesheets(HTML / name) != stylesheets(HTML / name.removeprefix("ko/"))]
    assert different == []
