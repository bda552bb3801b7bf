"""Live code: run a page's cells on the reader's own Jupyter server.

Only the live build (`make live`) loads this extension; `make book` never
does, so the normal site carries no live-code script and loads nothing from
outside the book. The extension

- copies thebe (the browser library that turns code cells into editable,
  runnable ones; fetched from npm by `python -m dlcourse.live prepare`) into
  `_static/thebe/`, and MathJax, which thebe uses for formulas in the
  outputs of cells a reader runs, into `_static/mathjax/` (the site's own
  formulas are typeset at build time), so nothing comes from a CDN;
- adds `live-code.js` / `live-code.css`, which put a "Run code" bar under each
  chapter's title and start thebe against the local server on a click;
- tells each chapter page where its source is, relative to the Jupyter
  server's root, and which kernel it uses (two `<meta>` tags), and adds an
  "Open in JupyterLab" launch button to the page header.

The server's port and token are never part of the build: `make live` hands
them to the browser in the fragment of the address it prints (see
`live-code.js`), so the built pages hold no secret.
"""

import shutil
from pathlib import Path

from offline_mathjax import copy_mathjax
from sphinx.errors import ConfigError

STATIC = Path(__file__).parent / "live_static"
# What the browser needs from thebe's npm package: the bundle, the chunks it
# loads on demand (from its own folder), and the stylesheet. Source maps and
# type declarations stay out.
THEBE_FILES = ["*.js", "thebe.css"]


def thebe_folder(config):
    folder = Path(config.live_code_thebe)
    if not config.live_code_thebe or not (folder / "index.js").is_file():
        raise ConfigError(
            f"live_code_thebe must name the folder of thebe's lib/index.js, got {config.live_code_thebe!r}; "
            "run `python -m dlcourse.live prepare` (part of `make live`)"
        )
    return folder


def add_assets(app):
    thebe_folder(app.config)  # fail early, with a clear message
    app.config.html_static_path.append(str(STATIC))
    app.add_js_file("live-code.js")
    app.add_css_file("live-code.css")


def add_page_data(app, pagename, templatename, context, doctree):
    """Chapter pages (notebooks) get their source path and kernel, and a launch button."""
    kernelspec = app.env.metadata.get(pagename, {}).get("kernelspec")
    if doctree is None or not kernelspec:
        return
    kernel = kernelspec.get("name", "python3") if isinstance(kernelspec, dict) else "python3"
    source = Path(app.env.doc2path(pagename)).relative_to(app.srcdir).as_posix()
    source = f"{app.config.live_code_book_path.strip('/')}/{source}".lstrip("/")
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="live-code-source" content="{source}">'
        f'\n<meta name="live-code-kernel" content="{kernel}">'
    )
    buttons = context.get("header_buttons")
    if buttons is not None:
        # live-code.js fills in the address, which depends on the running server.
        buttons.append({
            "type": "group",
            "tooltip": "Launch interactive content",
            "icon": "fas fa-rocket",
            "label": "launch-buttons",
            "buttons": [{
                "type": "link",
                "text": "JupyterLab",
                "tooltip": "Open this chapter as a notebook in your local JupyterLab",
                "icon": "fas fa-book-open",
                "url": "#",
                "label": "live-jupyterlab",
            }],
        })


def copy_thebe(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "thebe"
    target.mkdir(parents=True, exist_ok=True)
    for pattern in THEBE_FILES:
        for path in thebe_folder(app.config).glob(pattern):
            shutil.copy2(path, target / path.name)
    copy_mathjax(Path(app.outdir) / "_static" / "mathjax")


def setup(app):
    app.add_config_value("live_code_thebe", "", "html")
    # Where the book's folder is, seen from the Jupyter server's root folder.
    app.add_config_value("live_code_book_path", "book", "html")
    app.connect("builder-inited", add_assets)
    app.connect("html-page-context", add_page_data)
    app.connect("build-finished", copy_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
