"""Serve MathJax from the built book instead of a CDN.

Sphinx loads MathJax from a CDN by default, which fails for readers and build
machines without internet. The course installs MathJax 3 from PyPI (the
`django-static-mathjax` package ships its files and needs nothing else); this
extension copies the parts a page uses into `_static/mathjax/` after the build
and points `mathjax_path` there.
"""

import shutil
from pathlib import Path

# What tex-mml-chtml.js loads: itself, its fonts, and the components it pulls
# in on demand (menu, accessibility, TeX extensions, speech rules).
PARTS = ["tex-mml-chtml.js", "a11y", "adaptors", "input", "output/chtml", "sre", "ui"]
ENTRY = "mathjax/tex-mml-chtml.js"


def mathjax_source():
    import mathjax  # the django-static-mathjax distribution

    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (source / "tex-mml-chtml.js").is_file():
        raise RuntimeError(f"MathJax files not found under {source}")
    return source


def set_mathjax_path(app, config):
    config.mathjax_path = ENTRY


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def setup(app):
    mathjax_source()  # fail early, with a clear message, if MathJax is missing
    app.connect("config-inited", set_mathjax_path)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
