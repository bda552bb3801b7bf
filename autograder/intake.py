"""Reading a folder of submissions: what each student handed in, and whether
it can be graded.

Every submission gets a clear answer and none stops the run.  A submission
that cannot be graded at all (no notebook, not a notebook, another
assignment's notebook, a file too large to open, a symbolic link) gets a
status saying why and scores 0; so does one whose inspection fails in any
way nobody foresaw ("could not be graded: <reason>").  One that can be
graded despite a slip (a renamed file, an extra notebook, duplicated or
retyped cells) is graded, and its status names the slip.

Links are never followed.  Each student folder, its assignment folder and
the notebook are opened one component at a time, relative to the folder
opened before, with ``O_NOFOLLOW``; a component that is a symbolic link is
refused ("refused: ... is a symbolic link").  The notebook's bytes are read
once: what is checked here is exactly what is copied into the grading work
folder (``grading/submitted/``, nbgrader's input), so grading never reads,
modifies or deletes what students handed in a second time.

Intake work is bounded (the limits below) before anything reaches nbgrader,
and every text that comes from a submission (folder and file names, error
messages) goes through :func:`printable` before it reaches a terminal, a CSV
or a log.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import errno
import json
import os
import re
import shutil
import signal
import stat
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic

import nbformat

from autograder.assignment import Assignment
from autograder.receipts import trusted_receipt
from autograder.text import printable, shortened
from autograder.utils import quiet_nbgrader
from dlcourse.messages import N_

#: Student ids become folder names and gradebook keys: letters and digits of
#: any script (Korean names included) and a few separators, starting with a
#: letter or digit.  (``\Z``, not ``$``: ``$`` also matches before a final
#: newline.)
STUDENT_ID = re.compile(r"^[^\W_][\w.@+-]{0,99}\Z")
#: What a folder name that is not a student id is told.
STUDENT_ID_RULE = ("use letters, digits and . _ @ + -, starting with a letter or digit, "
                   "written in composed form and without full-width or styled letters; "
                   "rename the folder")


#: What a folder name written decomposed (as macOS writes Korean names) is
#: told: it looks right, so the rule alone would not say what to change.
DECOMPOSED_RULE = ("the name is written decomposed, as macOS writes Korean names, and looks "
                   "the same as its composed spelling; collect writes names composed, or "
                   "rename the folder: see 'Student ids written decomposed' in the "
                   "instructor guide")


#: Most bytes a student id may take in UTF-8: it names folders and files,
#: which the file system caps at 255 bytes (a Korean name takes 3 a letter).
MAX_STUDENT_ID_BYTES = 200
#: Hangul fillers: "letters" that show as nothing (minji and minji + U+3164
#: would be two students who look the same).
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


def is_student_id(name: str) -> bool:
    """Whether ``name`` can be a student id (:data:`STUDENT_ID`), in one
    spelling only: Unicode's composed form (the same name typed on two
    machines can arrive composed or decomposed: macOS writes file names
    decomposed), without compatibility forms that look like other letters
    (full-width ｍｉｎｊｉ, mathematical bold letters: NFKC would change them)
    or letters that show as nothing, and short enough to name a file."""
    return (bool(STUDENT_ID.match(name)) and unicodedata.normalize("NFKC", name) == name
            and not INVISIBLE_LETTERS.intersection(name)
            and len(name.encode("utf-8", "surrogatepass")) <= MAX_STUDENT_ID_BYTES)

# -- limits on intake --------------------------------------------------------
# A notebook is checked in the grader's own process, before any time limit of
# the sandbox applies; these bounds keep that work small whatever a student
# hands in.  Exercise notebooks have about 40 cells and a few kB of code.

#: Largest notebook file the grader opens.  Exercise notebooks are tens of kB;
#: a notebook with a few figures a few MB.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: Most cells a notebook may have (an exercise has about 40; 65,000 cells took
#: minutes to validate, grade and render).
MAX_CELLS = 1000
#: Longest source of a single cell, in characters (2,000 lines of code).
MAX_CELL_SOURCE_CHARS = 100_000
#: Longest source of all cells together, in characters.
MAX_SOURCE_CHARS = 1_000_000
#: Deepest nesting of JSON arrays and objects (a notebook needs fewer than 10;
#: a few thousand make Python's parsers raise RecursionError).
MAX_JSON_DEPTH = 64
#: Most JSON values (numbers, strings, arrays, objects) in one notebook.
MAX_JSON_VALUES = 500_000
#: Most entries read from one assignment folder.
MAX_FOLDER_ENTRIES = 10_000
#: Longest time intake may spend on one submission, in seconds (a normal
#: notebook takes a few milliseconds).
INTAKE_SECONDS = 30

#: Shown when a folder, file or parent component is a symbolic link.
LINK_REFUSED = "refused: {} is a symbolic link (links are never followed)"


# -- text that reaches a person ------------------------------------------------


#: The longest a student's file name is shown in a status.
MAX_NAME_SHOWN = 60


def file_name(name: str) -> str:
    """A file name the student chose, for a status: printable, in quotes and
    at most MAX_NAME_SHOWN characters, so that it reads as a name and not as
    the grader's words (a file named "x.ipynb; regraded by hand, 14 of 14").
    A quote or backslash in the name is escaped with a backslash, so that
    the name cannot end its own quotes (QUOTED_NAMES reads it back)."""
    escaped = unicodedata.normalize("NFC", name).replace("\\", "\\\\").replace('"', '\\"')
    # A cut name ends in "…", which no backslash before it can escape away.
    return f'"{shortened(printable(escaped), MAX_NAME_SHOWN)}"'


#: One or more names as :func:`file_name` writes them, joined by ", ".
QUOTED_NAMES = r'"(?:[^"\\]|\\.)*"(?:, "(?:[^"\\]|\\.)*")*'


def describe(error: BaseException) -> str:
    """A one-line, printable description of an unexpected error."""
    text = str(error).strip().splitlines()
    detail = text[0][:200] if text else ""
    return printable(f"{type(error).__name__}: {detail}" if detail else type(error).__name__)


@dataclass
class Submission:
    """One student's folder, as the grader found it."""

    student: str
    folder: Path
    problem: str | None = None  # why it cannot be graded; None if it can
    notes: list[str] = field(default_factory=list)  # slips that were worked around
    files: dict[str, Path] = field(default_factory=dict)  # expected name -> file handed in
    data: dict[str, bytes] = field(default_factory=dict)  # expected name -> its bytes, as checked
    stamp: str | None = None  # the folder's timestamp.txt, if any (read without following links)

    @property
    def status(self) -> str:
        if self.problem:
            return printable(self.problem)
        return printable("; ".join(self.notes)) if self.notes else "ok"

    @property
    def name(self) -> str:
        """The student's folder name, printable (a valid id is unchanged)."""
        return printable(self.student)


# -- notebook content ------------------------------------------------------------


def _nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata, or {} when there is none (or it is not a dict)."""
    if not isinstance(cell, dict):
        return {}
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def _nbgrader_ids(nb) -> dict[str, str]:
    """grade_id -> cell type, for every nbgrader cell of a notebook."""
    ids = {}
    cells = nb.get("cells", []) if isinstance(nb, dict) else []
    for cell in cells if isinstance(cells, list) else []:
        meta = _nbgrader_meta(cell)
        if isinstance(meta.get("grade_id"), str):
            ids.setdefault(meta["grade_id"], cell.get("cell_type"))
    return ids


def part_ids(nb) -> set[str]:
    """grade_ids of a notebook's answer and graded cells: the ones that tell
    one assignment from another (every assignment has a ``setup`` cell)."""
    ids = set()
    for cell in nb.get("cells", []):
        meta = _nbgrader_meta(cell)
        if (meta.get("grade") or meta.get("solution")) and isinstance(meta.get("grade_id"), str):
            ids.add(meta["grade_id"])
    return ids


def _json_shape_problem(data) -> str | None:
    """Too deep or too many JSON values, counted without recursion."""
    stack, values = [(data, 1)], 0
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > MAX_JSON_VALUES:
            return f"more than {MAX_JSON_VALUES:,} JSON values"
        if depth > MAX_JSON_DEPTH:
            return f"nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return None


def _cells_problem(cells) -> str | None:
    """Limits on cells and their sources, and nbgrader metadata nbgrader can read."""
    if not isinstance(cells, list):
        return "invalid notebook: its cells are not a list"
    if len(cells) > MAX_CELLS:
        return f"notebook too large ({len(cells):,} cells; the limit is {MAX_CELLS:,})"
    total = 0
    for index, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            return f"invalid notebook: cell {index} is not a cell"
        source = cell.get("source", "")
        if isinstance(source, list):
            if not all(isinstance(line, str) for line in source):
                return f"invalid notebook: cell {index}'s source is not text"
            size = sum(map(len, source))
        elif isinstance(source, str):
            size = len(source)
        else:
            return f"invalid notebook: cell {index}'s source is not text"
        if size > MAX_CELL_SOURCE_CHARS:
            return (f"notebook too large (cell {index} holds {size:,} characters; "
                    f"the limit is {MAX_CELL_SOURCE_CHARS:,} per cell)")
        total += size
        if total > MAX_SOURCE_CHARS:
            return (f"notebook too large (more than {MAX_SOURCE_CHARS:,} characters of "
                    "source in all)")
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict):
            return f"invalid notebook: cell {index}'s metadata is not a dictionary"
        if "nbgrader" not in metadata:
            continue
        meta = metadata["nbgrader"]
        if not isinstance(meta, dict):
            return f"invalid notebook: cell {index}'s nbgrader metadata is damaged"
        if "grade_id" in meta and not isinstance(meta["grade_id"], str):
            return f"invalid notebook: cell {index}'s grade_id is not text"
        for flag in ("grade", "solution", "locked", "task"):
            if flag in meta and not isinstance(meta[flag], bool):
                return f"invalid notebook: cell {index}'s nbgrader {flag!r} is not true or false"
        points = meta.get("points", 0)
        if isinstance(points, bool) or not isinstance(points, (int, float)) \
                or not -1e6 <= points <= 1e6:  # also NaN, infinities, 400-digit ints
            return f"invalid notebook: cell {index}'s nbgrader points are not a number"
    return None


def without_bom(raw: bytes) -> bytes:
    """``raw`` without a UTF-8 byte-order mark at its start (Windows' Notepad
    and "UTF-8 with BOM" write one; JSON, nbformat and Jupyter refuse it,
    but the notebook after it is whole)."""
    return raw.removeprefix(codecs.BOM_UTF8)


def notebook_problem(raw: bytes, source_ids: dict[str, str],
                     source_parts: set[str] | None = None):
    """(why the bytes ``raw`` cannot be graded as this notebook or None, the
    parsed notebook or None).  The notebook must share a cell with the
    source: one of ``source_parts`` (answer and graded cells) when given,
    else any of ``source_ids``."""
    try:
        text = without_bom(raw).decode("utf-8")
    except UnicodeDecodeError:
        return "invalid notebook: not UTF-8 text", None
    try:
        data = json.loads(text)
    except RecursionError:
        return f"invalid notebook: nested more than {MAX_JSON_DEPTH} levels deep", None
    except ValueError:
        return "invalid notebook: not JSON (damaged or cut short)", None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return "invalid notebook: JSON, but not a Jupyter notebook", None
    if not isinstance(data.get("nbformat"), int) or isinstance(data["nbformat"], bool) \
            or data["nbformat"] < 4:
        shown = printable(repr(data.get("nbformat"))[:20])
        return f"invalid notebook: old format (nbformat {shown}); save it again in Jupyter", None
    shape = _json_shape_problem(data)
    if shape:
        return f"invalid notebook: {shape}", None
    problem = _cells_problem(data.get("cells"))
    if problem:
        return problem, None
    try:
        with quiet_nbgrader():
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
    except Exception as error:  # nbformat raises many kinds; all mean the same here
        first = str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__
        return f"invalid notebook: {printable(first)}", None
    if not set(_nbgrader_ids(nb)) & set(source_parts or source_ids):
        if not any(_nbgrader_meta(cell) for cell in nb.cells):
            return NO_METADATA, None
        return WRONG_ASSIGNMENT, None
    return None, nb


def read_problem(path: Path, source_ids: dict[str, str], max_bytes: int,
                 source_parts: set[str] | None = None) -> str | None:
    """Why the file at ``path`` cannot be graded as this notebook, or None
    (see :func:`notebook_problem`)."""
    size = Path(path).stat().st_size
    if size > max_bytes:
        return f"notebook too large ({size / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB)"
    return notebook_problem(Path(path).read_bytes(), source_ids, source_parts)[0]


#: What intake says of a student's file, for the run's status (English) and
#: the student's feedback page (translated there: autograder/feedback.py).
WRONG_FILE_NAME = N_("wrong file name: graded {file}")
EXTRA_NOTEBOOKS = N_("extra notebook ignored: {files}")
DUPLICATED_CELLS = N_("duplicated cells (each copy ran; the last one counts)")
RETYPED_CELLS = N_("changed cell types (restored)")
RENAMED_CELLS = N_("changed cell ids (the original cells were graded)")
EDITED_CHECKS = N_("changed or deleted self-checks (the originals ran)")
#: Why a submission was not graded, where the student's page translates it.
NOT_IN_ITS_FOLDER = N_("notebook not in a folder named {folder}: graded from the student's folder")
MISSING_NOTEBOOK = N_("missing notebook")
WRONG_ASSIGNMENT = N_("wrong assignment: no cell of this assignment's notebook")
#: A notebook none of whose cells says it is an answer or a check (an
#: editor, a converter or a "clear metadata" tool removed what nbgrader
#: wrote), or a new notebook: graded as neither.
NO_METADATA = N_("no grading metadata: no cell of the notebook is marked as an answer or a "
                 "check (an editor or a tool removes those marks, and a new notebook has none); "
                 "copy your answers into the notebook you downloaded")
MISSING_NOTEBOOK_NAMED = N_("missing notebook: found {found}, none named {name}")


def changed_since_released(cell, released: str | None = None) -> bool:
    """Whether a locked cell is not what the student was given: its
    checksum against the one nbgrader wrote into the student's released
    copy (so a self-check the course changed later is not the student's
    change), else against ``released`` (the released cell's checksum), with
    Windows line endings read as Jupyter's."""
    from nbgrader.utils import compute_checksum

    given = _nbgrader_meta(cell).get("checksum")
    given = given if isinstance(given, str) else released
    if given is None or not isinstance(cell.get("source"), str):
        return False
    try:
        as_saved = nbformat.from_dict(dict(cell, source=cell["source"].replace("\r\n", "\n")))
        return compute_checksum(as_saved) != given
    except Exception:  # noqa: BLE001 - a note only; nbgrader's own checks decide the rest
        return False


def notebook_slips(nb, source_ids: dict[str, str], checks: frozenset[str] = frozenset()
                   ) -> list[str]:
    """What nbgrader will put right when it grades the (valid) notebook ``nb``
    (English: the run's notes; validate shows them in the notebook's language,
    and says itself what became of the self-checks, the grade ids ``checks``)."""
    found: dict[str, int] = {}
    retyped = edited = False
    for cell in nb.get("cells", []):
        grade_id = _nbgrader_meta(cell).get("grade_id")
        if isinstance(grade_id, str) and grade_id:
            found[grade_id] = found.get(grade_id, 0) + 1
            if grade_id in source_ids and cell.get("cell_type") != source_ids[grade_id]:
                retyped = True
            if grade_id in checks and changed_since_released(cell):
                edited = True
    notes = []
    if any(count > 1 for count in found.values()):
        notes.append(DUPLICATED_CELLS)
    if retyped:
        notes.append(RETYPED_CELLS)
    if set(found) - set(source_ids):
        notes.append(RENAMED_CELLS)
    if checks and (edited or set(checks) - set(found)):
        notes.append(EDITED_CHECKS)
    return notes


def unanswered(nb, functions=frozenset()) -> bool:
    """Whether every answer cell of ``nb`` still holds nothing but the
    exercise's stub (functions whose body, after a docstring, only raises
    NotImplementedError, that raise itself, imports) and no cell the
    student added defines one of ``functions`` (those the parts call): the
    download as it was released.  A cell with an answer beside a
    commented-out or leftover raise is an answer, and so are answers
    written in new cells below the stubs, even ones that are not valid
    Python yet."""
    from autograder.rebinding import bound_names, python_of

    def defines(source: str) -> bool:
        tree = python_of(source)
        if tree is None:  # not Python (a slip while typing an answer): what it would define
            return any(re.search(rf"^(?:async[ \t]+)?def[ \t]+{re.escape(name)}\b", source, re.M)
                       for name in functions)
        bound = bound_names(tree)
        return any(bound.get(name) == "function" for name in functions)

    code = [cell for cell in nb.get("cells", []) if cell.get("cell_type") == "code"]
    answers = [cell for cell in code if _nbgrader_meta(cell).get("solution")]
    added = [cell for cell in code if not _nbgrader_meta(cell)]
    return bool(answers) and all(_is_stub(cell.get("source", "")) for cell in answers) and not any(
        defines(cell.get("source", "")) for cell in added)


def _is_stub(source: str) -> bool:
    """Whether an answer cell's code is an exercise's stub: imports, calls
    the exercise gives (``set_seed(0)``), functions that only raise
    NotImplementedError, and that raise itself, and nothing else."""
    from autograder.rebinding import python_of

    def raises_not_implemented(node) -> bool:
        if not isinstance(node, ast.Raise) or node.exc is None:
            return False
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"

    def stub_body(body) -> bool:
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # a docstring
        return len(body) == 1 and raises_not_implemented(body[0])

    tree = python_of(source)
    if tree is None:
        return False
    statements = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))
                  and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call))]
    return bool(statements) and all(
        raises_not_implemented(n) or (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                                      and stub_body(n.body)) for n in statements)


def read_notebook(path, as_version: int = 4):
    """The notebook at ``path``, as nbformat reads it, a byte-order mark
    before it ignored (:func:`without_bom`), as when grading."""
    return nbformat.reads(without_bom(Path(path).read_bytes()).decode("utf-8"), as_version)


def slips(path: Path, source_ids: dict[str, str]) -> list[str]:
    """What nbgrader will put right when it grades the notebook at ``path``."""
    with quiet_nbgrader():
        return notebook_slips(read_notebook(path), source_ids)


_SOURCES: dict[tuple[str, int], tuple[dict[str, str], set[str], frozenset[str]]] = {}


def _source(path: Path) -> tuple[dict[str, str], set[str], frozenset[str]]:
    """(grade_id -> cell type, part ids, self-check grade_ids) of a solution
    notebook, read once."""
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _SOURCES:
        nb = nbformat.read(path, as_version=4)
        checks = frozenset(meta["grade_id"] for cell in nb.cells
                           if (meta := _nbgrader_meta(cell)).get("grade") and not meta.get("solution")
                           and isinstance(meta.get("grade_id"), str))
        _SOURCES[key] = (_nbgrader_ids(nb), part_ids(nb), checks)
    return _SOURCES[key]


# -- reading without following links ------------------------------------------------


class Refused(Exception):
    """A submission that cannot be graded; the message is its status."""


class IntakeTimeout(BaseException):
    """Intake spent too long on one submission.  (Not an ``Exception``, so
    that no ``except Exception`` on the way turns it into another status.)"""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise :class:`IntakeTimeout` in this thread after ``seconds`` (with
    SIGALRM, in the main thread; elsewhere only the checks between steps)."""
    if threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise IntakeTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    old_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_delay:  # someone else's alarm (a test runner's, say): what was left of it
            signal.setitimer(signal.ITIMER_REAL, max(old_delay - (time.monotonic() - started), 1e-3))


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


def _lstat(name: str, dir_fd: int):
    """lstat of ``name`` in the folder ``dir_fd``, or None if it is absent."""
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def open_folder(name: str, dir_fd: int, shown: str) -> int:
    """Open the folder ``name`` inside ``dir_fd`` without following a link
    (``shown`` names it in a refusal).  Raises :class:`Refused`."""
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP or stat.S_ISLNK(getattr(_lstat(name, dir_fd), "st_mode", 0)):
            raise Refused(LINK_REFUSED.format(shown)) from None
        if error.errno == errno.ENOTDIR:
            raise Refused(f"not a folder: {shown}") from None
        raise
    if not stat.S_ISDIR(os.fstat(fd).st_mode):  # pragma: no cover - O_DIRECTORY says so
        os.close(fd)
        raise Refused(f"not a folder: {shown}")
    return fd


def read_file(name: str, dir_fd: int, shown: str, max_bytes: int,
              forbidden: frozenset = frozenset()) -> bytes:
    """The bytes of the regular file ``name`` inside ``dir_fd``, never
    through a link, nor when it is one of the files ``forbidden`` ((device,
    inode) pairs: a hard link to them).  Raises :class:`Refused`."""
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused(LINK_REFUSED.format(shown)) from None
        raise
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"missing notebook: {shown} is not a regular file")
        if (info.st_dev, info.st_ino) in forbidden:
            raise Refused(f"refused: {shown} is a hard link to the solution notebook")
        if info.st_size > max_bytes:
            raise Refused(f"notebook too large ({info.st_size / 2**20:.0f} MB; the limit is "
                          f"{max_bytes / 2**20:.0f} MB)")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(f"notebook too large (over {max_bytes / 2**20:.0f} MB)")
    return data


# -- one student's folder -------------------------------------------------------------


def inspect(folder: Path, assignment: Assignment, max_bytes: int = MAX_NOTEBOOK_BYTES) -> Submission:
    """Decide what to grade in one student's folder ``folder``.  Never
    raises (except on Ctrl-C): whatever goes wrong becomes the status."""
    folder = Path(folder)
    submission = Submission(folder.name, folder)
    try:
        with _time_limit(INTAKE_SECONDS):
            _inspect(submission, folder, assignment, max_bytes, monotonic() + INTAKE_SECONDS)
    except Refused as refusal:
        submission.problem = str(refusal)
    except IntakeTimeout:
        submission.problem = (f"could not be graded: intake took longer than "
                              f"{INTAKE_SECONDS} s")
    except Exception as error:  # noqa: BLE001 - one submission never stops the run
        submission.problem = f"could not be graded: {describe(error)}"
    if submission.problem:
        submission.files.clear()
        submission.data.clear()
        submission.notes.clear()
        submission.stamp = None
    return submission


def _inspect(submission: Submission, folder: Path, assignment: Assignment, max_bytes: int,
             deadline: float) -> None:
    student = folder.name
    shown = printable(student)
    # The submissions folder itself is the instructor's choice; from there on
    # every component is opened without following links.
    root_fd = os.open(folder.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    with contextlib.ExitStack() as close:
        close.callback(os.close, root_fd)
        info = _lstat(student, root_fd)
        if info is None:
            raise Refused("missing notebook: the folder is gone")
        if stat.S_ISLNK(info.st_mode):
            raise Refused(LINK_REFUSED.format(f"{shown}/"))
        if not stat.S_ISDIR(info.st_mode):
            raise Refused("not a folder")
        if not is_student_id(student):
            if student != unicodedata.normalize("NFC", student) and \
                    is_student_id(unicodedata.normalize("NFC", student)):
                raise Refused(f"invalid student id ({DECOMPOSED_RULE})")
            raise Refused(f"invalid student id ({STUDENT_ID_RULE})")
        student_fd = open_folder(student, root_fd, f"{shown}/")
        close.callback(os.close, student_fd)
        where = f"{shown}/{assignment.name}"
        info = _lstat(assignment.name, student_fd)
        present: list[str] = []
        work_fd = None
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise Refused(LINK_REFUSED.format(where))
        inside = ""  # the folder, in the student's, that holds the notebooks
        if info is not None and stat.S_ISDIR(info.st_mode):
            work_fd = open_folder(assignment.name, student_fd, where)
            close.callback(os.close, work_fd)
            inside = assignment.name
        elif info is None:
            # No assignment folder: notebooks put straight in the student's
            # folder (a layout made by hand) are graded from there, and said.
            work_fd, where = student_fd, shown

        def notebooks_in(fd: int, where: str) -> list[str]:
            found = []
            with os.scandir(fd) as entries:
                for count, entry in enumerate(entries):
                    if count >= MAX_FOLDER_ENTRIES:
                        raise Refused(f"too many files in {where} (over {MAX_FOLDER_ENTRIES:,})")
                    if not entry.name.endswith(".ipynb") or entry.name.startswith("._"):
                        continue  # "._x.ipynb": macOS's AppleDouble companion, not a notebook
                    if entry.is_symlink():
                        raise Refused(LINK_REFUSED.format(f"{where}/{printable(entry.name)}"))
                    if entry.is_file(follow_symlinks=False):
                        found.append(entry.name)
            return sorted(found)

        if work_fd is not None:
            present = notebooks_in(work_fd, where)
        if inside and not present and (beside := notebooks_in(student_fd, shown)):
            # An assignment folder without a notebook, the notebooks beside
            # it (a folder made by mistake, or by unzipping): graded from there.
            work_fd, where, inside, present = student_fd, shown, "", beside
        if present and not inside:
            submission.notes.append(NOT_IN_ITS_FOLDER.format(folder=assignment.name))
        sources = {s.name for s in assignment.notebooks}
        solutions = frozenset((i.st_dev, i.st_ino) for i in map(os.stat, assignment.notebooks))
        for source in assignment.notebooks:
            if monotonic() > deadline:
                raise IntakeTimeout
            source_ids, source_parts, source_checks = _source(source)
            if source.name in present:
                chosen = source.name
                others = [n for n in present if n != chosen and n not in sources]
                if others and len(assignment.notebooks) == 1:
                    extra = EXTRA_NOTEBOOKS.format(files=", ".join(map(file_name, others)))
                    submission.notes.append(extra)
            elif len(present) == 1 and len(assignment.notebooks) == 1:
                chosen = present[0]
                submission.notes.append(WRONG_FILE_NAME.format(file=file_name(chosen)))
            elif present:
                raise Refused(MISSING_NOTEBOOK_NAMED.format(
                    found=", ".join(map(file_name, present)), name=source.name))
            else:
                raise Refused(MISSING_NOTEBOOK)
            raw = read_file(chosen, work_fd, f"{where}/{printable(chosen)}", max_bytes, solutions)
            problem, nb = notebook_problem(raw, source_ids, source_parts)
            if problem:
                raise Refused(problem)
            asked = assignment.called
            if chosen == source.name and len(assignment.notebooks) == 1 and unanswered(nb, asked):
                # The untouched download handed in beside the notebook the
                # work is in ("tensors (1).ipynb"): that one is graded.
                answered = []
                for other in (n for n in present if n != chosen):
                    try:
                        other_raw = read_file(other, work_fd, f"{where}/{printable(other)}",
                                              max_bytes, solutions)
                    except Refused:  # too large, a link: not a candidate, and no reason to refuse
                        continue
                    other_problem, other_nb = notebook_problem(other_raw, source_ids, source_parts)
                    if not other_problem and not unanswered(other_nb, asked):
                        answered.append((other, other_raw, other_nb))
                if len(answered) == 1:
                    (other, raw, nb), = answered
                    submission.notes.remove(extra)
                    submission.notes += [
                        WRONG_FILE_NAME.format(file=file_name(other)),
                        EXTRA_NOTEBOOKS.format(files=", ".join(
                            map(file_name, [n for n in present if n != other])))]
                    chosen = other
            submission.notes += notebook_slips(nb, source_ids, source_checks)
            submission.files[source.name] = folder / inside / chosen
            submission.data[source.name] = raw
        submission.stamp = _read_stamp(work_fd)


def _read_stamp(work_fd: int) -> str | None:
    """The assignment folder's ``timestamp.txt`` (short, never through a link)."""
    try:
        raw = read_file("timestamp.txt", work_fd, "timestamp.txt", 100)
    except (Refused, OSError):
        return None
    return raw.decode("utf-8", "replace").strip()


def stage(submission: Submission, staging: Path, assignment: Assignment) -> str | None:
    """Copy what will be graded (the bytes intake checked) into
    ``staging/<student>/<assignment>/`` under the expected names, with
    nbgrader's ``timestamp.txt`` when ``collect`` wrote the submission's
    receipt time (a ``timestamp.txt`` written by anyone else is not copied:
    see :func:`autograder.receipts.trusted_receipt`).  Returns that time, or
    None."""
    dest = staging / submission.student / assignment.name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in submission.files:
        (dest / name).write_bytes(without_bom(submission.data[name]))
    # The receipt names the files as handed in (a misnamed notebook under its own name).
    handed_in = {path.name: submission.data[name] for name, path in submission.files.items()}
    received = trusted_receipt(submission.folder / assignment.name, handed_in,
                               stamp=submission.stamp or "")
    if received:
        (dest / "timestamp.txt").write_text(received)
    return received
