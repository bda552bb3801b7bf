"""Does the build refuse a broken chapter instead of publishing it?

Builds a throw-away book with the course's own configuration and four bad
pages: a cell that raises, a cell that writes to stderr, a glossary link to
a term that does not exist, and a formula KaTeX cannot typeset. Each must
stop the build, and each is reported.
"""

import re
import shutil

import pytest
from conftest import BOOK, build_book
from test_book_sources import CHAPTERS

pytestmark = pytest.mark.book


def notebook_header():
    """The jupytext front matter of a real chapter, so the bad pages match it."""
    text = CHAPTERS[0].read_text(encoding="utf-8")
    end = text.index("\n---\n", 4) + len("\n---\n")
    return text[:end]


BAD_PAGES = {
    "raises": "# Raises\n\n```{code-cell} ipython3\nraise RuntimeError('cell failed on purpose')\n```\n",
    "stderr": ("# Stderr\n\n```{code-cell} ipython3\nimport sys\n"
               "print('noise on purpose', file=sys.stderr)\n```\n"),
    "badterm": "# Bad term\n\nA {term}`no such term on purpose`.\n\n```{code-cell} ipython3\nx = 1\n```\n",
    "badmath": ("# Bad math\n\nA formula: $x^2 + \\nosuchmacro{y}$.\n\n"
                "```{code-cell} ipython3\nx = 1\n```\n"),
}


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory):
    book = tmp_path_factory.mktemp("broken") / "book"
    book.mkdir()
    header = notebook_header()
    for name in ["_config.yml", "glossary.md"]:
        shutil.copy(BOOK / name, book / name)
    for folder in ["_static", "_ext", "_extra", "_templates"]:
        shutil.copytree(BOOK / folder, book / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (book / "intro.md").write_text("# Intro\n\n```{tableofcontents}\n```\n", encoding="utf-8")
    for name, body in BAD_PAGES.items():
        (book / f"{name}.md").write_text(header + body, encoding="utf-8")
    chapters = "".join(f"  - file: {name}\n" for name in [*BAD_PAGES, "glossary"])
    (book / "_toc.yml").write_text(f"format: jb-book\nroot: intro\nchapters:\n{chapters}", encoding="utf-8")
    return build_book(book)


def test_a_broken_page_fails_the_build(broken_build):
    returncode, log = broken_build
    assert returncode != 0, log[-3000:]


def test_a_cell_error_is_reported_with_its_traceback(broken_build):
    _, log = broken_build
    assert "raises.md: WARNING: Executing notebook failed" in log
    assert "cell failed on purpose" in log


def test_stderr_output_is_reported(broken_build):
    _, log = broken_build
    assert re.search(r"stderr\.md:\d+: WARNING: stderr was found in the cell outputs", log), log[-3000:]


def test_an_unknown_glossary_term_is_reported(broken_build):
    _, log = broken_build
    assert "term not in glossary: 'no such term on purpose'" in log


def test_a_formula_katex_cannot_typeset_is_reported_where_it_is(broken_build):
    _, log = broken_build
    reported = r"badmath\.md:\d+: WARNING: KaTeX cannot typeset this formula: .*nosuchmacro"
    assert re.search(reported, log), log[-3000:]
