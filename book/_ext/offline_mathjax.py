"""MathJax's files, for formulas that are typeset in the reader's browser.

The book's own formulas are typeset when it is built (_ext/katex_math.py).
Two places still typeset in the browser, because their formulas appear
only there: the feedback pages (students' own Markdown, `autograder
feedback`) and the live book's outputs (thebe, `make live`). Both load
MathJax from a copy beside the pages, never from a CDN. The copy comes from
PyPI: the `django-static-mathjax` package ships MathJax 3's files and needs
nothing else. This module is the one home for where those files are and
which of them a page needs; `autograder/feedback.py` and `_ext/live_code.py`
call `copy_mathjax`.
"""

import shutil
from pathlib import Path

# What tex-mml-chtml.js loads: itself, its fonts, and the components it pulls
# in on demand (menu, accessibility, TeX extensions, speech rules).
PARTS = ["tex-mml-chtml.js", "a11y", "adaptors", "input", "output/chtml", "sre", "ui"]


def mathjax_source():
    import mathjax  # the django-static-mathjax distribution

    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (source / "tex-mml-chtml.js").is_file():
        raise RuntimeError(f"MathJax files not found under {source}")
    return source


def copy_mathjax(target):
    """Copy what a page needs of MathJax into the folder ``target``; a page
    loads ``target/tex-mml-chtml.js``."""
    source, target = mathjax_source(), Path(target)
    for part in PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return target
