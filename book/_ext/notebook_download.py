"""Offer each chapter as an executed notebook (.ipynb) in the download menu.

myst-nb writes each chapter's notebook to `_build/jupyter_execute/<page>.ipynb`
but, when the outputs come from the execution cache (every build after the
first), it writes the notebook without them: it merges the cached outputs into
a copy and saves the original. This extension puts the cached outputs back
into that file, copies it next to the page's source in the built site
(`_sources/<page>.ipynb`), and names it to the theme (sphinx-book-theme),
whose download menu then shows a ".ipynb" entry. (The theme fills that entry
itself only when launch buttons are configured.) A small script marks the
link as a download, so browsers save the file instead of showing its JSON,
whatever type the web server sends.
"""

import shutil
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from sphinx.util import logging

logger = logging.getLogger(__name__)

# The theme renders the download menu's .ipynb entry with this class.
LINK_CLASS = "btn-download-notebook-button"
MARK_AS_DOWNLOAD = f"""
document.addEventListener("DOMContentLoaded", function () {{
  document.querySelectorAll("a.{LINK_CLASS}").forEach(function (link) {{
    link.setAttribute("download", link.getAttribute("href").split("/").pop());
    link.removeAttribute("target");
  }});
}});
"""


def restore_outputs(app, path):
    """Give the notebook at ``path`` its outputs from the execution cache.

    Returns False (after a build warning) when the cache holds no run of
    this notebook's code, as after a failed execution."""
    config = app.env.mystnb_config
    if config.execution_mode != "cache":
        return True  # executed in place, or not at all: nothing to restore
    notebook = nbformat.read(path, as_version=4)
    try:
        _, notebook = get_cache(config.execution_cache_path).merge_match_into_notebook(notebook)
    except KeyError:
        logger.warning(f"no executed run of {path.name} in the execution cache: "
                       "not offered for download", location=path)
        return False
    # Line numbers in the MyST source, which the reader does not have.
    notebook.metadata.pop("source_map", None)
    nbformat.write(notebook, path)
    return True


def offer_notebook(app, pagename, templatename, context, doctree):
    if app.builder.format != "html" or doctree is None:
        return
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return  # a plain Markdown page: nothing was executed
    source = Path(app.env.mystnb_config.output_folder, pagename + ".ipynb")
    if not source.is_file():
        logger.warning(f"the executed notebook {source} is missing", location=pagename)
        return
    if not restore_outputs(app, source):
        return
    target = Path(app.outdir, "_sources", pagename + ".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    # Read by the theme's download menu (sphinx_book_theme.header_buttons).
    context["ipynb_source"] = pagename + ".ipynb"


def setup(app):
    app.setup_extension("myst_nb")
    # Before the theme builds its header buttons and launch links (priority 501).
    app.connect("html-page-context", offer_notebook, priority=500)
    app.add_js_file(None, body=MARK_AS_DOWNLOAD)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
