"""Keep the book's pages light: no Font Awesome script.

The theme (pydata-sphinx-theme, under sphinx-book-theme) puts Font Awesome's
JavaScript on every page, 1.4 MB that turns icon tags into inline drawings
so that sites can add icons of their own. The theme's stylesheet already
draws every icon it uses from Font Awesome's 150 KB web font, and the course
adds no icons, so the script only makes each page heavier (see
benchmarks/page_weight.py). `_templates/layout.html` passes the theme's
asset block through the `without_script` filter defined here.
"""

import re


def without_script(html, name):
    """``html`` without the <script> elements whose src names the file ``name``."""
    pattern = re.compile(r'<script\b[^>]*\bsrc="[^"]*/' + re.escape(name) + r'(\?[^"]*)?"[^>]*>\s*</script>\s*')
    return pattern.sub("", str(html))


def add_filter(app):
    if hasattr(app.builder, "templates"):
        app.builder.templates.environment.filters["without_script"] = without_script


def setup(app):
    app.connect("builder-inited", add_filter)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
