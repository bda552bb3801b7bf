"""Benchmark: how long the book takes to build, cold and warm, and per chapter.

Run with `make bench` (or `.venv/bin/python benchmarks/book_build.py`). The
book is copied to a temporary folder first, so your own build and its cache
are left alone. Prints:

* cold build: no execution cache, every chapter runs;
* warm rebuild: nothing changed, so Sphinx has nothing to re-read;
* warm rebuild after touching every chapter: every page is re-read and
  re-rendered, but the code did not change, so outputs come from the cache
  (what an author sees after editing prose);
* each chapter's execution time, as recorded in the execution cache.

Targets on the course's reference machine (2 cores, no GPU): every chapter
under 60 s, a warm rebuild under 30 s. The script prints the figures and
marks any miss; it does not fail, since timings depend on the machine.
"""

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


def build(book):
    """Build the book in ``book`` with `make book`; return the seconds taken."""
    start = time.perf_counter()
    result = subprocess.run(
        ["make", "--no-print-directory", "book", f"BOOK={book}"],
        cwd=ROOT, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return elapsed


def verdict(value, target):
    return "ok" if value < target else f"OVER the {target} s target"


def main():
    with tempfile.TemporaryDirectory(prefix="book-bench-") as tmp:
        book = Path(tmp) / "book"
        shutil.copytree(ROOT / "book", book, ignore=shutil.ignore_patterns("_build"))
        print("building the book from scratch (every chapter executes)...", flush=True)
        cold = build(book)
        print("rebuilding with nothing changed...", flush=True)
        warm = build(book)
        print("rebuilding after touching every chapter (outputs from the cache)...", flush=True)
        for chapter in (book / "chapters").glob("*.md"):
            chapter.touch()
        touched = build(book)

        cache = get_cache(str(book / "_build" / ".jupyter_cache"))
        per_chapter = sorted(
            (Path(record.uri).relative_to(book).as_posix(),
             record.data.get("execution_seconds", float("nan")))
            for record in cache.list_cache_records()
        )

    print()
    print(f"{'cold build':<40} {cold:7.1f} s")
    print(f"{'warm rebuild, nothing changed':<40} {warm:7.1f} s   {verdict(warm, WARM_TARGET_S)}")
    print(f"{'warm rebuild, every chapter touched':<40} {touched:7.1f} s   {verdict(touched, WARM_TARGET_S)}")
    print()
    print(f"{'chapter (execution only)':<40} {'time':>9}")
    for name, seconds in per_chapter:
        print(f"{name:<40} {seconds:7.1f} s   {verdict(seconds, CHAPTER_TARGET_S)}")


if __name__ == "__main__":
    main()
