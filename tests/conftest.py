"""Shared paths and helpers for the course's test suite."""

import hashlib
import os
import subprocess
from pathlib import Path

from dlcourse import quiet_logs

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# The tests make their own gradebooks; a shared one named in the environment
# (see README, "Several graders and JupyterHub") must never receive their rows.
os.environ.pop("DLCOURSE_DB_URL", None)

# Tests that import TensorFlow get the same quiet start-up as the chapters.
quiet_logs()


def tree_hashes(*roots):
    """SHA-256 of every regular file under ``roots`` (links and __pycache__
    skipped), to show that something outside a run's reach did not change."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for root in roots for p in sorted(Path(root).rglob("*"))
            if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts}


def build_book(book):
    """Build the book in folder ``book`` with `make book`, as a reader would.

    Returns (exit code, combined output).
    """
    result = subprocess.run(
        ["make", "--no-print-directory", "book", f"BOOK={book}"],
        cwd=ROOT, capture_output=True, text=True,
    )
    return result.returncode, result.stdout + result.stderr


def pytest_collection_modifyitems(items):
    """Run the quick checks first, then whole-assignment grading (marker
    `grading`), and the book build (marker `book`) last."""
    def order(item):
        if item.get_closest_marker("book"):
            return 2
        return 1 if item.get_closest_marker("grading") else 0

    items.sort(key=order)
