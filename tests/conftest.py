"""Shared paths and fixtures for the course's test suite."""

from pathlib import Path

import pytest

from dlcourse import quiet_logs

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# Tests that import TensorFlow get the same quiet start-up as the chapters.
quiet_logs()


@pytest.fixture(scope="session")
def root():
    return ROOT


def pytest_collection_modifyitems(items):
    """Run the quick checks first and the book build (marker `book`) last."""
    items.sort(key=lambda item: item.get_closest_marker("book") is not None)
