"""Execute the chapters whose cached outputs are out of date one per CPU
core at a time, in kernels forked from a warm process, before Sphinx reads
them.

myst-nb (``execute_notebooks: cache``) executes a chapter when Sphinx reads
it, one chapter after another, each in a kernel started cold: importing
TensorFlow and PyTorch alone takes 11-14 s of CPU per chapter.  This
extension runs first: it adds the chapters Sphinx is about to read to
myst-nb's own cache project (jupyter-cache, read with myst-nb's reader, so a
chapter's fingerprint is the one myst-nb computes), and executes the stale
ones, from the chapter's own folder and with the book's cell timeout, one
per core at a time.  Their kernels are forked from one warm process that
has imported the frameworks once (``autograder.zygote.TrustedZygote``; the
outputs are the same as a cold kernel's, figures included); where it cannot
start, kernels start cold.  A chapter executed here is a cache hit when
Sphinx reads it.  A chapter that fails here is executed again by myst-nb,
which reports the error as usual (and fails the build).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging as sphinx_logging

log = sphinx_logging.getLogger(__name__)

#: The environment variable that makes chapters execute in kernels started
#: cold (``cold``) instead of forked warm (``warm``, the default): for
#: benchmarks/book_build.py, which times both.
KERNELS_SETTING = "DLCOURSE_BOOK_KERNELS"
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
    from jupyter_cache.executors.utils import create_cache_bundle

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
    # The longest first (as long as they took last time, if they ran
    # before), so that the build does not end waiting for one long chapter.
    took = {record.uri: record.data.get("execution_seconds", 0)
            for record in cache.list_cache_records()}
    chapters = sorted((cache.get_project_notebook(record.pk) for record in stale),
                      key=lambda chapter: -took.get(chapter.uri, 0))
    failed = []
    # (On Ctrl-C the warm process closes first, ending the running kernels,
    # so that the pool's threads end at once.)
    with ThreadPoolExecutor(max_workers=min(len(chapters), os.cpu_count() or 1)) as pool, \
            warm_kernels() as (zygote, kernels):
        runs = {pool.submit(execute_in_thread, chapter.nb, cwd=str(Path(chapter.uri).parent),
                            timeout=config.execution_timeout,
                            allow_errors=config.execution_allow_errors, **kernels): chapter
                for chapter in chapters}
        try:
            for run in as_completed(runs):
                chapter = runs[run]
                name = Path(chapter.uri).name
                try:
                    result = run.result()
                    if result.err is not None:
                        failed.append(name)
                        continue
                    cache.cache_notebook_bundle(
                        create_cache_bundle(chapter, result.cwd, None, result.time, None),
                        check_validity=False, overwrite=True)
                except Exception as error:  # noqa: BLE001 - myst-nb runs it again and reports it
                    failed.append(f"{name} ({error})")
                    continue
                log.info(f"  {name}: {result.time:.0f} s")
        except BaseException:  # Ctrl-C: run no chapter that has not started
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        forked = zygote.forks if zygote is not None else 0
    log.info(f"executed {len(chapters) - len(failed)} chapters in {time.monotonic() - started:.0f} s"
             f" ({forked} of {len(chapters)} in kernels forked from the warm process)"
             + (f"; {', '.join(sorted(failed))} failed and will run again to show why"
                if failed else ""))


def execute_in_thread(nb, **kwargs):
    """jupyter-cache's execution of ``nb`` (in place), from a thread other
    than the main one: nbclient runs it on an event loop of the thread's own,
    closed here (nobody else would close it)."""
    import asyncio

    from jupyter_cache.executors.utils import single_nb_execution

    try:
        return single_nb_execution(nb, **kwargs)
    finally:
        loop = asyncio.get_event_loop_policy().get_event_loop()
        asyncio.set_event_loop(None)
        loop.close()


@contextmanager
def warm_kernels():
    """The warm process and nbclient's arguments for kernels forked from it,
    for as long as the block runs; (None, {}) where it cannot start, and
    kernels start cold (same outputs, slower: a note, not a warning)."""
    from autograder.zygote import TrustedZygote, WarmKernelManager

    zygote = None
    if os.environ.get(KERNELS_SETTING, "warm") == "cold":
        log.info(f"chapters execute in kernels started cold ({KERNELS_SETTING}=cold)")
    else:
        try:
            zygote = TrustedZygote()
        except Exception as error:  # noqa: BLE001 - cold kernels give the same outputs
            log.info(f"note: chapters execute in kernels started cold: the warm process "
                     f"could not start ({error})")
    if zygote is None:
        yield None, {}
        return
    log.info(f"kernels are forked from a warm process ({zygote.seconds:.0f} s to import "
             f"{', '.join(zygote.preloaded)})")
    try:
        yield zygote, {"kernel_manager_class": type("ChapterKernelManager", (WarmKernelManager,),
                                                    {"zygote": zygote})}
    finally:
        zygote.close()


def setup(app: Sphinx) -> dict:
    app.connect("env-before-read-docs", execute_stale_chapters)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
