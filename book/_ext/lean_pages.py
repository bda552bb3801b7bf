"""Keep the book's pages light: no Font Awesome script, no search scripts
that hold up the page, figures that load as the reader reaches them.

The theme (pydata-sphinx-theme, under sphinx-book-theme) puts Font Awesome's
JavaScript on every page, 1.4 MB that turns icon tags into inline drawings
so that sites can add icons of their own. The theme's stylesheet already
draws every icon it uses from Font Awesome's 150 KB web font, and the course
adds no icons, so the script only makes each page heavier (see
benchmarks/page_weight.py). The theme also puts Sphinx's search scripts
and the whole search index in every page's head, where the browser stops
reading the page until they have loaded and run; they are only used once
the reader opens the search box, so they can wait until the page is read
(`defer`, which keeps their order). `_templates/layout.html` passes the
theme's blocks through the `without_script` and `deferred_scripts` filters
defined here.

A chapter shows up to 15 figures, most of them far below the first screen;
the browser's load event waited for all of them. On the site's pages every
image is marked `loading="lazy"`: the browser fetches a figure when the
reader scrolls near it. So that the text does not jump when a figure
arrives, each PNG also carries its size (`width` and `height`, read from
the file), from which the browser keeps its place; `_static/page-layout.css`
lets a figure shrink to the column keeping that shape. The single-page build
that is printed to the PDF keeps loading every figure at once.
"""

import re
import struct
from pathlib import Path

from docutils import nodes


def without_script(html, name):
    """``html`` without the <script> elements whose src names the file ``name``."""
    pattern = re.compile(r'<script\b[^>]*\bsrc="[^"]*/' + re.escape(name)
                         + r'(\?[^"]*)?"[^>]*>\s*</script>\s*')
    return pattern.sub("", str(html))


def deferred_scripts(html, *names):
    """``html`` with ``defer`` added to the <script> elements whose src names
    one of the files ``names``."""
    for name in names:
        pattern = re.compile(r'<script(?![^>]*\bdefer\b)(?=[^>]*\bsrc="(?:[^"]*/)?'
                             + re.escape(name) + r'(?:\?[^"]*)?")')
        html = pattern.sub("<script defer", str(html))
    return html


def add_filter(app):
    if hasattr(app.builder, "templates"):
        filters = app.builder.templates.environment.filters
        filters["without_script"] = without_script
        filters["deferred_scripts"] = deferred_scripts


def figures_load_when_reached(app, doctree, docname):
    if app.builder.name != "html":
        return
    for image in doctree.findall(nodes.image):
        image["loading"] = "lazy"


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMG_TAG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\bsrc="([^"]+)"')


def png_size(path):
    """(width, height) of the PNG file ``path`` from its header, or None."""
    try:
        with open(path, "rb") as file:
            head = file.read(24)
    except OSError:
        return None
    if head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def figures_keep_their_place(app, pagename, templatename, context, doctree):
    """Give each lazily loaded PNG on the page its width and height."""
    if app.builder.name != "html" or 'loading="lazy"' not in (context.get("body") or ""):
        return
    sources = {name: Path(app.srcdir, path) for path, name in app.builder.images.items()}

    def sized(match):
        tag = match.group(0)
        src = SRC.search(tag)
        if 'loading="lazy"' not in tag or " width=" in tag or not src:
            return tag
        size = png_size(sources.get(src.group(1).rsplit("/", 1)[-1], ""))
        return tag if size is None else tag.replace("<img ", '<img width="%d" height="%d" ' % size, 1)

    context["body"] = IMG_TAG.sub(sized, context["body"])


def setup(app):
    app.connect("builder-inited", add_filter)
    app.connect("doctree-resolved", figures_load_when_reached)
    app.connect("html-page-context", figures_keep_their_place)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
