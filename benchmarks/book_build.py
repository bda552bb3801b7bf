"""Benchmark: how long the book takes to build, cold and warm, and per chapter.

Run with `make bench` (or `.venv/bin/python benchmarks/book_build.py`). The
book is copied to a temporary folder first, so your own build and its cache
are left alone. Prints:

* cold build: no execution cache, every chapter runs, in kernels forked
  from a warm process (book/_ext/parallel_execution.py);
* the same cold build with every kernel started cold (DLCOURSE_BOOK_KERNELS=cold),
  for comparison;
* warm rebuild: nothing changed, so Sphinx has nothing to re-read;
* warm rebuild after touching every chapter: every page is re-read and
  re-rendered, but the code did not change, so outputs come from the cache
  (what an author sees after editing prose);
* each chapter's execution time in both cold builds, as recorded in the
  execution cache.

Targets on the course's reference machine (2 cores, no GPU): every chapter
under 60 s, a warm rebuild under 30 s, the cold build with warm kernels at
most half as long as with cold ones. The script prints the figures and
marks any miss; it does not fail, since timings depend on the machine.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_TARGET_S = 60
WARM_TARGET_S = 30


def build(book, kernels="warm"):
    """Build the book in ``book`` with `make book`; return the seconds taken."""
    start = time.perf_counter()
    result = subprocess.run(
        ["make", "--no-print-directory", "book", f"BOOK={book}", "PDF=no"],
        cwd=ROOT, capture_output=True, text=True,
        env=dict(os.environ, DLCOURSE_BOOK_KERNELS=kernels),
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return elapsed


def verdict(value, target):
    return "ok" if value < target else f"OVER the {target} s target"


def copy_book(tmp, name):
    """A copy of the book in ``tmp/name/book``, beside the repository's
    exercises (the exercises page offers them for download)."""
    book = Path(tmp) / name / "book"
    shutil.copytree(ROOT / "book", book, ignore=shutil.ignore_patterns("_build"))
    (book.parent / "exercises").symlink_to(ROOT / "exercises")
    return book


def execution_times(book):
    """{chapter: seconds its execution took}, from the book's execution cache."""
    cache = get_cache(str(book / "_build" / ".jupyter_cache"))
    return {Path(record.uri).name: record.data.get("execution_seconds", float("nan"))
            for record in cache.list_cache_records()}


def main():
    with tempfile.TemporaryDirectory(prefix="book-bench-") as tmp:
        book = copy_book(tmp, "warm")
        print("building the book from scratch (every chapter executes, warm kernels)...", flush=True)
        cold = build(book)
        print("rebuilding with nothing changed...", flush=True)
        warm = build(book)
        print("rebuilding after touching every chapter (outputs from the cache)...", flush=True)
        for chapter in (book / "chapters").glob("*.md"):
            chapter.touch()
        touched = build(book)
        forked = execution_times(book)
        print("building the book from scratch again, every kernel started cold...", flush=True)
        book = copy_book(tmp, "cold")
        cold_kernels = build(book, kernels="cold")
        started_cold = execution_times(book)

    print()
    print(f"{'cold build, kernels started cold':<40} {cold_kernels:7.1f} s")
    half = cold_kernels / 2
    print(f"{'cold build, kernels forked warm':<40} {cold:7.1f} s   "
          f"{cold / cold_kernels:.0%} of the above: "
          + ("ok" if cold <= half else f"OVER the target (half: {half:.0f} s)"))
    print(f"{'warm rebuild, nothing changed':<40} {warm:7.1f} s   {verdict(warm, WARM_TARGET_S)}")
    print(f"{'warm rebuild, every chapter touched':<40} {touched:7.1f} s   {verdict(touched, WARM_TARGET_S)}")
    print()
    print("chapter execution (two at a time)       forked warm   started cold")
    for name in sorted(set(forked) | set(started_cold)):
        seconds = forked.get(name, float("nan"))
        print(f"{name:<40} {seconds:7.1f} s   {started_cold.get(name, float('nan')):7.1f} s   "
              f"{verdict(seconds, CHAPTER_TARGET_S)}")


if __name__ == "__main__":
    main()
