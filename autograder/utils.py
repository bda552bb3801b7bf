"""Small helpers shared by the commands: calling nbgrader's API, comparing
folders, writing JSON that a crash never leaves half written."""

from __future__ import annotations

import contextlib
import filecmp
import json
import logging
import os
import signal
import threading
import warnings
from pathlib import Path

from autograder.checks import GradingError


@contextlib.contextmanager
def quiet_nbgrader():
    """Silence warnings nbgrader causes and a course cannot fix: SQLAlchemy's
    about nbgrader's session handling, and nbformat's about the cells nbgrader
    puts back without an id and about a submission's repeated cell ids, which
    it renumbers (the student's doing, harmless, and not the instructor's to
    act on; intake reads submissions under it too)."""
    from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=SAWarning)
        warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
        warnings.filterwarnings("ignore", category=DuplicateCellId)
        yield


@contextlib.contextmanager
def ctrl_c_after():
    """Let Ctrl-C wait until the block has run, then raise it.

    A grade is saved whole or not at all, and an interrupt never lands in
    a library's cleanup: SQLAlchemy logs a ``KeyboardInterrupt`` raised
    while it closes a gradebook connection with its traceback, and the
    instructor who pressed Ctrl-C sees that instead of what was saved.
    A second Ctrl-C stops the block at once (a step that hangs).  Only the
    main thread gets signals; elsewhere, or where SIGINT has a handler of
    its own, the block runs as it is."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    pressed = []

    def press(*_):
        pressed.append(True)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the next one stops it

    signal.signal(signal.SIGINT, press)
    try:
        yield
    except Exception as error:  # an error in the block: the Ctrl-C is not lost
        if pressed:
            raise KeyboardInterrupt from error
        raise
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        raise KeyboardInterrupt


@contextlib.contextmanager
def quiet_logs(name: str, level: int = logging.WARNING):
    """Show only ``level`` and above from logger ``name`` for a while (a
    command that runs another quietly, as ``generate`` runs ``grade``)."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def require_success(result: dict, what: str) -> None:
    """Raise a :class:`GradingError` naming ``what`` when an nbgrader API
    call reports failure (its result dict, with the last line of its error)."""
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "").strip().splitlines()
        raise GradingError(f"nbgrader could not {what}: " + (detail[-1] if detail else "unknown error"))


def trees_differ(a: Path, b: Path, keep=lambda relative: True) -> list[str]:
    """Paths (relative) of the files that differ between two folders, by
    content; ``keep(relative_path)`` chooses which files to compare."""
    def files(root: Path) -> set[Path]:
        if not root.exists():
            return set()
        return {p.relative_to(root) for p in root.rglob("*")
                if p.is_file() and keep(p.relative_to(root))}

    names_a, names_b = files(a), files(b)
    differ = sorted(str(n) for n in names_a ^ names_b)
    differ += sorted(str(n) for n in names_a & names_b
                     if not filecmp.cmp(a / n, b / n, shallow=False))
    return differ


def save_json(path: Path, data: dict) -> None:
    """Write ``data`` so that a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def templates(**filters):
    """The Jinja environment of the grader's own pages (the class report,
    feedback notes): autoescaped, since student ids, file names and error
    messages come from submissions; an undefined name is an error."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters.update(filters)
    return env


def own_folder(path, name: str, remedy: str, closed: int = 0o022) -> Path:
    """``path`` as this user's own folder, called ``name`` in what is said:
    made if missing (readable by its owner only), never through a link, and
    refused (:class:`GradingError`, ending with ``remedy``) unless it
    belongs to this user and the permission bits ``closed`` are off (by
    default: nobody else may write into it).  For folders in a place where
    any user may make them first (/tmp, /var/tmp)."""
    import stat

    path = Path(os.path.abspath(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
        info = os.lstat(path)
    except OSError as error:
        raise GradingError(f"cannot make {name} {path}: {error.strerror}; {remedy}") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise GradingError(f"{name} {path} is a link or not a folder: remove it, or {remedy}")
    if info.st_uid != os.geteuid() or info.st_mode & closed:
        raise GradingError(f"{name} {path} belongs to another user or others may "
                           f"write into it: remove it, or {remedy}")
    return path
