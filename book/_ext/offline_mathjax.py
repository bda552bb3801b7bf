"""Serve MathJax from the built book instead of a CDN.

Sphinx loads MathJax from a CDN by default, which fails for readers and build
machines without internet. The course installs MathJax 3 from PyPI (the
`django-static-mathjax` package ships its files and needs nothing else); this
extension copies the parts a page uses into `_static/mathjax/` after the build
and points `mathjax_path` there.

MathJax is loaded only on pages with a formula of their own. It asks for its
fonts only after it has typeset the page, and the page's load event waits
for them; pages with formulas therefore preload the three fonts every formula
needs, so that they arrive while MathJax's script is still starting (see
benchmarks/page_weight.py).
"""

import shutil
from pathlib import Path

# What tex-mml-chtml.js loads: itself, its fonts, and the components it pulls
# in on demand (menu, accessibility, TeX extensions, speech rules).
PARTS = ["tex-mml-chtml.js", "a11y", "adaptors", "input", "output/chtml", "sre", "ui"]
ENTRY = "mathjax/tex-mml-chtml.js"
# Fonts every typeset formula uses (the others load on demand).
FONTS = "output/chtml/fonts/woff-v2"
FIRST_FONTS = ["MathJax_Zero.woff", "MathJax_Main-Regular.woff", "MathJax_Math-Italic.woff"]


def mathjax_source():
    import mathjax  # the django-static-mathjax distribution

    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (source / "tex-mml-chtml.js").is_file():
        raise RuntimeError(f"MathJax files not found under {source}")
    return source


def set_mathjax_path(app, config):
    config.mathjax_path = ENTRY


def math_where_formulas_are(app, pagename, templatename, context, doctree):
    """Sphinx also loads MathJax on pages whose toctree children have
    formulas, such as the front page (1.1 MB for nothing): take it off pages
    without a formula of their own.  On pages with formulas, preload the
    fonts every formula needs.  Runs after Sphinx's own handler has added
    MathJax (priority 600 > 500)."""
    if app.builder.format != "html" or app.builder.math_renderer_name != "mathjax":
        return
    if 'class="math' not in (context.get("body") or ""):
        scripts = context.get("script_files", [])
        scripts[:] = [js for js in scripts
                      if "mathjax/" not in (js.filename or "")
                      and not (js.attributes.get("body") or "").startswith("window.MathJax")]
        return
    links = "".join(
        f'<link rel="preload" href="{context["pathto"](f"_static/mathjax/{FONTS}/{font}", 1)}" '
        'as="font" type="font/woff" crossorigin>\n'
        for font in FIRST_FONTS)
    context["metatags"] = context.get("metatags", "") + links


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
    app.connect("html-page-context", math_where_formulas_are, priority=600)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
