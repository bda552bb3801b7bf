"""Formulas typeset when the book is built, not in the reader's browser.

Every formula in the book is turned into HTML by KaTeX while Sphinx writes
the pages (`sphinxcontrib-katex` with prerendering: one Node.js process,
started once per build, renders each formula). A page then needs only
KaTeX's stylesheet (23 KB) and the fonts its formulas use; no script runs
to show a formula. Typesetting in the browser with MathJax cost each
chapter 1.2 MB of script and most of its load time on a 2-core machine
(0.96 s of chapter 2's 1.72 s; benchmarks/page_weight.py).

KaTeX comes from npm, at the version pinned here: the same package supplies
the renderer the build runs and the stylesheet and fonts the pages load, so
the two always match. `make book` installs it into `.venv/npm/` (npm
install, once); this extension copies the stylesheet and fonts into
`_static/katex/` and adds the stylesheet only to pages with a formula.

A formula KaTeX cannot typeset is a warning at its page and line (so
`make book`, which treats warnings as errors, fails and lists every such
formula), and the page shows its TeX. KaTeX's output carries MathML beside
the HTML, which screen readers read.
"""

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from docutils import nodes
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)
#: The math renderer this extension registers: sphinxcontrib-katex's, with
#: a formula KaTeX refuses reported where it is.
RENDERER = "course_katex"

#: The KaTeX release the book is typeset with (the Makefile reads it here).
KATEX_VERSION = "0.16.22"
#: Where `make book` puts it: npm's folder inside the virtual environment.
KATEX_DIR = Path(sys.prefix) / "npm" / "node_modules" / "katex"
STYLESHEET = "katex/katex.min.css"


def katex_dist():
    """KaTeX's dist folder, after checking that it holds the pinned release."""
    package = KATEX_DIR / "package.json"
    found = None
    if package.is_file():
        found = json.loads(package.read_text(encoding="utf-8")).get("version")
    if found != KATEX_VERSION:
        what = f"KaTeX {found}" if found else "no KaTeX"
        raise ConfigError(
            f"the book's formulas need KaTeX {KATEX_VERSION} from npm, found {what} in {KATEX_DIR}; "
            f"run `make book`, which installs it (npm install --prefix {KATEX_DIR.parent.parent} "
            f"katex@{KATEX_VERSION})"
        )
    if shutil.which("node") is None:
        raise ConfigError("the book's formulas are typeset with Node.js, which is not installed "
                          "(Debian: apt-get install nodejs)")
    return KATEX_DIR / "dist"


def configure(app, config):
    dist = katex_dist()
    config.katex_prerender = True
    config.katex_js_path = str(dist / "katex.min.js")
    config.katex_css_path = STYLESHEET
    config.html_math_renderer = RENDERER
    # sphinxcontrib-katex's default draws a formula KaTeX cannot parse in red
    # and says nothing; here KaTeX raises, and `reported` makes it a warning.
    from sphinxcontrib import katex

    katex.KATEX_DEFAULT_OPTIONS["throwOnError"] = True


def reported(visit):
    """``visit`` (one of sphinxcontrib-katex's), with a formula KaTeX cannot
    typeset turned into a warning at the formula and its TeX on the page."""
    from sphinxcontrib.katex import KaTeXError

    def visit_formula(self, node):
        start = len(self.body)
        try:
            visit(self, node)
        except KaTeXError as error:
            del self.body[start:]
            logger.warning(f"KaTeX cannot typeset this formula: {error}", location=node)
            tag = "div" if isinstance(node, nodes.math_block) else "span"
            self.body.append(f'<{tag} class="math">{self.encode(node.astext())}</{tag}>')
            raise nodes.SkipNode from None
    return visit_formula


def stylesheet_where_formulas_are(app, pagename, templatename, context, doctree):
    """sphinxcontrib-katex adds its two stylesheets to every page: keep them
    only on pages with a formula (KaTeX's fonts load only where used)."""
    if app.builder.format != "html" or 'class="katex' in (context.get("body") or ""):
        return
    css = context.get("css_files", [])
    css[:] = [sheet for sheet in css
              if not (sheet.filename or "").endswith((STYLESHEET, "katex-math.css"))]


def copy_katex(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    dist = Path(app.config.katex_js_path).parent  # checked by `configure`
    target = Path(app.outdir) / "_static" / "katex"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(dist / "katex.min.css", target / "katex.min.css")
    shutil.copytree(dist / "fonts", target / "fonts", dirs_exist_ok=True)


#: Seconds KaTeX's server (Node.js) may take to start.  sphinxcontrib-katex
#: allows 5, which a busy 2-core machine can exceed: the build then fails,
#: and the server it gave up on keeps running, holding the build's output
#: open.
KATEX_STARTUP_SECONDS = 120.0


def start_server_process(cls, rundir, timeout):
    """Start KaTeX's server on a Unix socket in ``rundir`` and connect to it
    (in place of sphinxcontrib-katex's own start, which connects once as soon
    as the socket file exists: on a busy machine the server had made the file
    but was not listening yet, the connection was refused and the build
    failed).  Connections refused are tried again until ``timeout``."""
    path = rundir / "katex.sock"
    process = subprocess.Popen(cls.build_command(socket=path), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, cwd=rundir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if path.is_socket():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                sock.connect(str(path))
            except ConnectionRefusedError:
                sock.close()
            else:
                sock.settimeout(None)
                return process, sock
        time.sleep(0.01)
    ended = process.poll()
    process.kill()
    process.wait()
    if ended is not None:
        from sphinxcontrib.katex import KaTeXError

        raise KaTeXError(f"KaTeX's server (Node.js) ended as it started, with exit code {ended}")
    raise cls.timeout_error(timeout)


def setup(app):
    app.setup_extension("sphinxcontrib.katex")
    from sphinxcontrib import katex

    katex.STARTUP_TIMEOUT = max(katex.STARTUP_TIMEOUT, KATEX_STARTUP_SECONDS)
    katex.KaTeXServer.start_server_process = classmethod(start_server_process)

    app.add_html_math_renderer(RENDERER, inline_renderers=(reported(katex.html_visit_math), None),
                               block_renderers=(reported(katex.html_visit_displaymath), None))
    app.connect("config-inited", configure)
    app.connect("html-page-context", stylesheet_where_formulas_are, priority=600)
    app.connect("build-finished", copy_katex)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
