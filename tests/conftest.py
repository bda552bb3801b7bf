"""Shared paths and helpers for the course's test suite."""

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from book_browser import CHROMIUM, MISSING_CHROMIUM, launch_chromium, serve

from dlcourse import quiet_logs

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
# Screenshots the browser tests save for a person to look at (git-ignored).
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SESSION_START = time.time()

# The tests make their own gradebooks; a shared one named in the environment
# (see docs/deployment.md, "Several graders") must never receive their rows.
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
    # The whole-book PDF is made for the course's own book only (its own test
    # checks it); a copy's build would only spend time printing it again.
    pdf = "auto" if Path(book).resolve() == BOOK.resolve() else "no"
    # The output goes to a file, not a pipe, and the build runs in a session
    # of its own that is ended after it: a helper the build left running
    # (KaTeX's server, after a failed build) cannot hold the test up.
    with tempfile.TemporaryFile(mode="w+") as output:
        build = subprocess.Popen(
            ["make", "--no-print-directory", "book", f"BOOK={book}", f"PDF={pdf}"],
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        try:
            returncode = build.wait()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(build.pid, signal.SIGKILL)
        output.seek(0)
        return returncode, output.read()


@pytest.fixture(scope="session")
def built_book():
    """Build the course's book once per test run, as `make book` does; return
    the build's combined output. Fails the test with the build's log.

    With pytest-xdist the tests that read the book run in several processes
    (see :func:`xdist_group`): the first to need it builds it while holding
    a lock on the build folder, and the others wait, then take its result."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        returncode, log = build_book(BOOK)
    else:
        (BOOK / "_build").mkdir(exist_ok=True)
        result = BOOK / "_build" / f".test-build-{run}.json"
        with open(BOOK / "_build" / ".test-build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            if result.is_file():
                returncode, log = json.loads(result.read_text())
            else:
                for earlier in (BOOK / "_build").glob(".test-build-*.json"):
                    earlier.unlink()
                returncode, log = build_book(BOOK)
                result.write_text(json.dumps([returncode, log]))
    if returncode != 0:
        reports = sorted((HTML / "reports").glob("**/*.log")) if (HTML / "reports").is_dir() else []
        details = "\n".join(p.read_text(errors="replace")[-3000:] for p in reports)
        pytest.fail(f"book build failed (exit {returncode}):\n{log[-6000:]}\n{details}")
    return log


@pytest.fixture(scope="session")
def book_url(built_book):
    """The built book served on 127.0.0.1 at a free port, for the session."""
    with serve(HTML) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium (Debian's, installed by `make browser`) through Playwright."""
    if not CHROMIUM.is_file():
        pytest.fail(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium):
    """A fresh browser profile for one test: empty storage, downloads allowed."""
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    context.close()


#: The test file whose first test builds the course's book (fixture
#: `built_book`): it starts first, so that the book is built by the time the
#: tests that read it start.
BUILDS_THE_BOOK = "test_book_build.py"
#: Files whose module fixture has parameters (one grading per assignment):
#: each parameter's tests are a group of their own.
SPLIT_BY_PARAMETER = frozenset({"test_grading.py"})
#: Files whose tests share only session fixtures (the built book, a browser):
#: each test (with its parameters) is a group of its own, so that the two
#: processes share them out.
SPLIT_BY_TEST = frozenset({"test_browser.py"})


#: Markers of the tests that build the book, grade whole assignments or drive
#: a browser, and get SLOW_TEST_TIMEOUT seconds rather than the quick tests'
#: 600 (pyproject.toml).  Half an hour still ends a hung test well inside the
#: CI's time; a machine twice as slow as usual must not fail a run.
SLOW_MARKERS = ("book", "grading", "browser")
SLOW_TEST_TIMEOUT = 1800


def pytest_collection_modifyitems(items):
    """The order the tests run in, which with pytest-xdist is also the order
    their groups are handed out (:func:`pytest_xdist_make_scheduler`): the
    book's build first (the longest single step), then whole-assignment
    grading and the other slow tests (marker `grading`, or a book built in a
    copy), then the tests that read the built book, and the quick checks
    last, which fill in while the last slow group finishes."""
    reads_the_book = {xdist_group(item.nodeid) for item in items if "built_book" in item.fixturenames}
    for item in items:
        if xdist_group(item.nodeid) in reads_the_book or any(
                item.get_closest_marker(slow) for slow in SLOW_MARKERS):
            item.add_marker(pytest.mark.timeout(SLOW_TEST_TIMEOUT))

    def order(item):
        if item.path.name == BUILDS_THE_BOOK:
            return 0
        if xdist_group(item.nodeid) in reads_the_book:  # the group's other tests too: it runs as one
            return 2
        if item.get_closest_marker("grading") or item.get_closest_marker("book"):
            return 1
        return 3

    items.sort(key=order)


def xdist_group(nodeid: str) -> str:
    """The group of the test ``nodeid`` when `make test` runs the suite in
    several processes (pytest-xdist); a process runs a group's tests
    together, in the order above.

    A file is a group, so that the tests sharing its module fixtures (one
    PostgreSQL server, one grading of an assignment) make them once, except
    that each assignment's grading in SPLIT_BY_PARAMETER is a group of its
    own, and each test of SPLIT_BY_TEST too.  The book is built once per run
    whichever process needs it first (:func:`built_book`).  (pytest-xdist's
    own `xdist_group` marker cannot be used: with pytest 9 it no longer
    reaches the scheduler.)
    """
    path, _, name = nodeid.partition("::")
    file = path.rsplit("/", 1)[-1]
    if file in SPLIT_BY_PARAMETER and name.endswith("]"):
        return f"{file}[{name[name.index('[') + 1:-1]}]"
    if file in SPLIT_BY_TEST:
        return f"{file}::{name.partition('[')[0]}"
    return file


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scheduling by scope, with :func:`xdist_group` as the
    scope, handed out in the order of the tests (not the biggest group first)."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(nodeid)

    return ByGroup(config, log)


def pytest_terminal_summary(terminalreporter):
    """Say where the browser tests left their screenshots."""
    shots = sorted(p for p in SCREENSHOTS.glob("*.png") if p.stat().st_mtime >= SESSION_START) \
        if SCREENSHOTS.is_dir() else []
    if shots:
        terminalreporter.write_line(f"screenshots for a person to look at: {SCREENSHOTS}/ "
                                    f"({', '.join(p.name for p in shots)})")
