"""Execute the chapters whose cached outputs are out of date one per CPU
core at a time, before Sphinx reads them.

myst-nb (``execute_notebooks: cache``) executes a chapter when Sphinx reads
it, one chapter after another, and each chapter spends most of its time in
its own kernel (importing TensorFlow and PyTorch alone takes 11-14 s of CPU).
This extension runs first: it adds the chapters Sphinx is about to read to myst-nb's own cache
project (jupyter-cache, read with myst-nb's reader, so a chapter's
fingerprint is the one myst-nb computes), executes the stale ones with
jupyter-cache's parallel executor, from the chapter's own folder and with the
book's cell timeout, and leaves the rest to myst-nb: a chapter executed here
is a cache hit when Sphinx reads it. A chapter that fails here is executed
again by myst-nb, which reports the error as usual (and fails the build).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging as sphinx_logging

log = sphinx_logging.getLogger(__name__)

#: How jupyter-cache reads a MyST Markdown chapter: with myst-nb's reader.
MYST_READER = {"name": "myst_nb_md", "type": "plugin"}


def notebooks(env, docnames) -> list[Path]:
    """Of the documents Sphinx is about to read, those that are MyST Markdown
    notebooks (as myst-nb decides)."""
    from myst_nb.core.read import is_myst_markdown_notebook

    found = []
    for docname in sorted(docnames):
        path = Path(env.doc2path(docname))
        if path.suffix == ".md" and is_myst_markdown_notebook(path.read_text(encoding="utf-8")):
            found.append(path)
    return found


def execute_stale_chapters(app: Sphinx, env, docnames: list[str]) -> None:
    config = app.env.mystnb_config  # myst-nb's settings, with its cache's path filled in
    if config.execution_mode != "cache" or app.builder.format != "html":
        return
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cache = get_cache(config.execution_cache_path)
    for record in cache.list_project_records():  # chapters since removed or renamed
        if not Path(record.uri).exists():
            cache.remove_nb_from_project(record.pk)
    pks = [cache.add_nb_to_project(str(path), read_data=MYST_READER).pk
           for path in notebooks(env, docnames)]
    stale = cache.list_unexecuted(filter_pks=pks)
    if len(stale) < 2:  # nothing to overlap: myst-nb executes it as it reads
        return
    log.info(f"executing {len(stale)} chapters, one per CPU core at a time ...")
    started = time.monotonic()
    quiet = logging.getLogger("jupyter_cache.parallel")
    quiet.setLevel(logging.WARNING)
    result = load_executor("local-parallel", cache, logger=quiet).run_and_cache(
        filter_pks=[record.pk for record in stale], timeout=config.execution_timeout,
        allow_errors=config.execution_allow_errors)
    failed = sorted(Path(uri).name for uri in result.excepted + result.errored)
    log.info(f"executed {len(result.succeeded)} chapters in {time.monotonic() - started:.0f} s"
             + (f"; {', '.join(failed)} failed and will run again to show why" if failed else ""))


def setup(app: Sphinx) -> dict:
    app.connect("env-before-read-docs", execute_stale_chapters)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
