"""Collecting submissions: nbgrader's exchange, or zip files from an LMS,
into a folder that ``grade --submissions`` reads.

``python -m autograder collect ASSIGNMENT --to DIR`` writes DIR in nbgrader's
``submitted/`` layout, ``DIR/<student>/<assignment>/<notebook>.ipynb``, with a
``timestamp.txt`` holding the time the submission was *received*.  Every
submission ever collected is also kept, never deleted, in
``DIR/.history/<student>/<assignment>/<received>-<hash>/`` with a
``receipt.json`` saying where it came from.  ``DIR/<student>/<assignment>/``
is a copy of the newest one, so a second submission replaces the first for
grading while both are kept.  Running collect again adds what is new and
changes nothing else.

Receipt time
------------
A late penalty is only fair if the time it is computed from is one no student
can set.  In nbgrader's exchange a student owns their inbound folder: its name
(which carries nbgrader's timestamp), the ``timestamp.txt`` inside it, and the
files' modification times (``touch -d``) all come from the student's side.
What a student cannot set is a file's *inode change time* (ctime): the kernel
stamps it with its own clock whenever a file is created, written, renamed,
linked or has its permissions changed, and no system call sets it back.  So
the receipt time of an exchange submission is the latest ctime of the
submission folder and of every file in it, read *after* the files were
copied: anything the student changes, even while collect copies, moves it
forward, never back.  (Restoring the exchange from a backup also moves it
forward, which would make everyone look late: collect before restoring.)
The student's own ``timestamp.txt`` is kept, in ``receipt.json``, but never
used.

A zip downloaded from an LMS carries the LMS's times: the ``timestamp`` group
of the file-name pattern (see :data:`DEFAULT_PATTERN`) if it has one, else
the zip entry's time, else the time of collection.  The pattern must match
the LMS's part of the name, which comes before the file name the student
chose: it is matched from the start of the first path component where it
matches, and an entry is refused when the pattern could also match in the
student's part (see :func:`match_entry`).

Links are never followed.  Each exchange folder is opened once, with
``O_DIRECTORY | O_NOFOLLOW``, and everything in it is read relative to that
descriptor (``os.fwalk``, ``O_NOFOLLOW`` on every file): swapping the folder
or one of its subfolders for a link while collect runs cannot make it read
anything outside the folder.

Only the files collect wrote are trusted: ``grade`` uses a ``timestamp.txt``
only when a receipt in ``.history`` vouches for it and for the notebook's
content (:func:`autograder.receipts.trusted_receipt`).  A ``timestamp.txt`` a student wrote
into a plain folder is ignored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fnmatch
import glob
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dateutil.tz import gettz
from filelock import FileLock, Timeout
from nbgrader.exchange.abc import ExchangeError
from nbgrader.exchange.default import ExchangeCollect
from nbgrader.plugins import FileNameCollectorPlugin
from traitlets import Unicode

from autograder.checks import GradingError
from autograder.intake import describe, is_student_id
from autograder.receipts import HISTORY, RECEIPT, format_time, history_entries, sha256, utc
from autograder.text import printable
from autograder.utils import trees_differ

log = logging.getLogger(__name__)

#: Default file-name pattern for zip files from an LMS, matched against each
#: entry's path inside the zip from the start of a path component (see
#: :func:`match_entry`).  It reads names like
#: ``perceptrons_xor_minji_attempt_2026-11-30-23-59-59_perceptrons_xor.ipynb``
#: (``<anything>_<student id>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name>``, the
#: style of nbgrader's own zip_collect example), in any folder of the zip.
#: The student id cannot contain ``_`` here, since ``_`` separates the parts;
#: it is the whole of what comes between the ``_`` before it (or the start)
#: and the first ``_attempt_<time>``, letters and digits of any script (never
#: the end of a longer name: ``jöns`` once became a student ``ns``; never
#: from the file name, which the student chose: an LMS name the pattern
#: could not read once let ``x_attempt_<time>_minji_attempt_<earlier time>``
#: stand in for minji's notebook).
#: The file name, the student's choice, is everything after the LMS's part.
DEFAULT_PATTERN = (r"(?:(?:(?!_attempt_\d)[^/])*_)?(?P<student_id>[^\W_](?:[^\W_]|[.@+-])*)"
                   r"_attempt_(?P<timestamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)"
                   r"_(?P<file_id>.+)$")
#: The default pattern in words, for an entry it does not match.
DEFAULT_FORM = ("<anything>_<student id>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name>, the "
                "student id in letters and digits, with . @ + - after the first")

#: Bounds on one exchange submission, beyond nbgrader's ``max_file_size`` and
#: ``max_dir_size``: files read, and how deep its folders may nest.
MAX_SUBMISSION_FILES = 1000
MAX_SUBMISSION_DEPTH = 16
#: Most submissions of one student collected from the exchange in one run,
#: and most kB a student's submissions of one assignment may hold in the
#: history, which is never deleted (a sparse file costs its writer no disk,
#: but its copy there does).
MAX_SUBMISSIONS_PER_STUDENT = 100
MAX_HISTORY_KB_PER_STUDENT = 200_000
#: Why a submission that would take a student past that was skipped.
OVER_BUDGET = (f"skipped: the student's submissions of this assignment would hold more than "
               f"{MAX_HISTORY_KB_PER_STUDENT} kB in the history")
#: Longest zip entry name read (longer ones are skipped): matching a pattern
#: costs time that grows with the square of the name's length.
MAX_ENTRY_NAME_CHARS = 1000


# -- the history and the current copy ---------------------------------------


@dataclass
class Event:
    """What collect did with one submission."""

    student: str
    received: dt.datetime | None
    action: str  # "new", "already collected", "skipped: <why>"
    source: str

    def __post_init__(self):
        # Names come from students: never let them reach a terminal raw.
        self.student = printable(self.student)
        self.action = printable(self.action)
        self.source = printable(self.source)


def _content_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + sha256(files[name]).encode() + b"\0")
    return digest.hexdigest()


def _store(to: Path, assignment: str, student: str, files: dict[str, bytes],
           received: dt.datetime, source: str, claimed: str | None,
           room: int | None = None) -> Event:
    """Keep one submission in the history, unless it is already there; a
    new one of more than ``room`` bytes (if given) is skipped."""
    folder = to / HISTORY / student / assignment
    content = _content_hash(files)
    for _, _, record in history_entries(folder):
        if record.get("source") == source and record.get("content") == content:
            return Event(student, dt.datetime.fromisoformat(record["received"]),
                         "already collected", source)
    if room is not None and sum(map(len, files.values())) > room:
        return Event(student, None, OVER_BUDGET, source)
    key = (utc(received).strftime("%Y%m%dT%H%M%S.%fZ") + "-" + content[:8]
           + sha256(source.encode())[:4])
    final = folder / key
    tmp = folder / f".{key}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for name, data in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)
    (tmp / "timestamp.txt").write_text(format_time(received))
    record = {"received": utc(received).isoformat(), "source": source, "content": content,
              "files": {name: sha256(data) for name, data in files.items()},
              "student_timestamp": claimed}
    (tmp / RECEIPT).write_text(json.dumps(record, indent=1))
    os.replace(tmp, final)
    return Event(student, received, "new", source)


def _history_bytes(folder: Path) -> int:
    """How many bytes a student's submissions of one assignment hold in the
    history (``folder``), links not followed."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _owner_name(uid: int) -> str:
    """The name of the user ``uid``, or "uid N" for one without a name."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _same_folder(a: Path, b: Path) -> bool:
    return a.is_dir() and b.is_dir() and not trees_differ(
        a, b, keep=lambda relative: relative.name != RECEIPT)


def _refresh_current(to: Path, assignment: str, student: str, now: dt.datetime) -> Path | None:
    """Make ``DIR/<student>/<assignment>/`` a copy of the newest submission.

    A folder found there that collect did not write (put there by hand) is
    first moved into the history, marked unrecorded, so nothing is lost."""
    entries = history_entries(to / HISTORY / student / assignment)
    if not entries:
        return None
    newest = entries[-1][1]
    current = to / student / assignment
    if _same_folder(current, newest):
        return newest
    if current.exists() and not any(_same_folder(current, e) for _, e, _ in entries):
        keep = to / HISTORY / student / assignment / (
            utc(now).strftime("%Y%m%dT%H%M%S.%fZ") + "-unrecorded")
        shutil.copytree(current, keep, symlinks=True)
        (keep / RECEIPT).write_text(json.dumps(
            {"received": utc(now).isoformat(), "unrecorded": True,
             "source": f"found in {student}/{assignment} before collect replaced it"}))
    new = current.parent / f".{assignment}.new"
    if new.exists():
        shutil.rmtree(new)
    shutil.copytree(newest, new, ignore=shutil.ignore_patterns(RECEIPT))
    old = current.parent / f".{assignment}.old"
    if old.exists():
        shutil.rmtree(old)
    if current.is_symlink():
        current.unlink()
    elif current.exists():
        os.replace(current, old)
    os.replace(new, current)
    if old.exists():
        shutil.rmtree(old)
    return newest


@contextlib.contextmanager
def _lock(to: Path):
    """One collect at a time into the same folder."""
    to.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with FileLock(to / ".collect.lock", timeout=0):
            yield
    except Timeout:
        raise GradingError("another collect is writing into this folder; wait for it") from None


def _finish(to: Path, assignment: str, events: list[Event], now: dt.datetime) -> list[Event]:
    for student in sorted({e.student for e in events if not e.action.startswith("skipped")}):
        _refresh_current(to, assignment, student, now)
    return events


def _check_target(to: Path, course_submitted: Path | None) -> Path:
    to = Path(to).resolve()
    if course_submitted and (to == course_submitted or course_submitted in to.parents):
        raise GradingError(f"{to} is the grader's own working folder; collect into another folder")
    return to


# -- nbgrader's exchange -----------------------------------------------------


class ReceiptCollect(ExchangeCollect):
    """nbgrader's exchange collect, keeping every submission (not only each
    student's latest) with its receipt time (see the module's docstring),
    and never following a link a student put in the exchange.

    nbgrader's settings apply: ``Exchange.root``, ``CourseDirectory.course_id``,
    ``CourseDirectory.ignore`` / ``max_file_size`` / ``max_dir_size``, and
    ``ExchangeCollect.check_owner``, which here refuses (nbgrader only warns)
    a submission whose folder belongs to another user than the student it
    names."""

    def init_src(self):
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"no exchange inbound folder {self.inbound_path} (has the course "
                      "released an assignment into this exchange?)")
        if not os.access(self.inbound_path, os.R_OK | os.X_OK):
            self.fail(f"cannot read {self.inbound_path}")
        pattern = os.path.join(glob.escape(self.inbound_path),
                               "*+{}+*".format(glob.escape(self.coursedir.assignment_id)))
        self.src_records, self.events = [], []
        for path in sorted(glob.glob(pattern)):
            try:
                self.src_records.append(self._path_to_record(path))
            except Exception:  # noqa: BLE001 - nbgrader parses the time in the name
                self.events.append(Event("?", None, "skipped: unreadable name",
                                         os.path.basename(path)))

    def init_dest(self):
        pass

    def _path_to_record(self, path):
        # nbgrader's own logs the name raw when it cannot read it; names are
        # the students' choice, so read it here without logging.
        from nbgrader.utils import parse_utc

        filename = os.path.basename(path)
        parts = filename.rsplit("+", 3)
        if len(parts) < 3:
            raise ValueError("unreadable name")
        return {"username": parts[0], "filename": filename, "timestamp": parse_utc(parts[2])}

    def _walk(self, dir_fd: int):
        """os.fwalk over the folder open as ``dir_fd``, never through a link
        (fwalk checks that each subfolder it opens is the one it listed),
        skipping nbgrader's ignored names and bounded in depth."""
        skip = self.coursedir.ignore
        for dirpath, dirnames, filenames, fd in os.fwalk(".", dir_fd=dir_fd,
                                                         follow_symlinks=False):
            depth = 0 if dirpath == "." else dirpath.count(os.sep)
            if depth >= MAX_SUBMISSION_DEPTH and dirnames:
                raise ExchangeError(f"folders nested more than {MAX_SUBMISSION_DEPTH} deep")
            dirnames[:] = [d for d in dirnames if not any(fnmatch.fnmatch(d, g) for g in skip)]
            yield dirpath, filenames, fd

    def _read(self, dir_fd: int, src: str) -> tuple[dict[str, bytes], str | None, int]:
        """The regular files in the folder open as ``dir_fd`` (no links
        followed; ``src`` names it in messages), the student's timestamp.txt,
        and the newest ctime seen (ns)."""
        files, claimed, total, count = {}, None, 0, 0
        limit = 1000 * self.coursedir.max_file_size
        skip = self.coursedir.ignore
        newest = os.fstat(dir_fd).st_ctime_ns
        for dirpath, filenames, fd in self._walk(dir_fd):
            newest = max(newest, os.fstat(fd).st_ctime_ns)
            for name in filenames:
                relative = os.path.normpath(os.path.join(dirpath, name))
                if any(fnmatch.fnmatch(name, g) for g in skip):
                    continue
                count += 1
                if count > MAX_SUBMISSION_FILES:
                    raise ExchangeError(f"more than {MAX_SUBMISSION_FILES} files")
                try:  # no links followed; a named pipe must not block the open
                    file_fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
                                      | os.O_CLOEXEC, dir_fd=fd)
                except OSError:
                    self.log.warning("not collected (a link or unreadable): %s",
                                     printable(os.path.join(src, relative)))
                    continue
                with os.fdopen(file_fd, "rb") as fh:
                    info = os.fstat(fh.fileno())
                    if not stat.S_ISREG(info.st_mode):
                        continue
                    # Too large to keep: not even read (a sparse file costs nothing to make).
                    data = fh.read(limit + 1) if info.st_size <= limit else None
                    newest = max(newest, os.fstat(fh.fileno()).st_ctime_ns)
                if data is None or len(data) > limit:
                    self.log.warning("not collected (over %d kB): %s",
                                     self.coursedir.max_file_size,
                                     printable(os.path.join(src, relative)))
                    continue
                total += len(data)
                if total > 1000 * self.coursedir.max_dir_size:
                    raise ExchangeError(f"larger than {self.coursedir.max_dir_size} kB")
                if relative == "timestamp.txt":
                    claimed = data[:100].decode("utf-8", "replace").strip()
                    continue
                files[relative] = data
        # Read the times again after reading: a change during the copy shows.
        for _, filenames, fd in self._walk(dir_fd):
            newest = max(newest, os.fstat(fd).st_ctime_ns)
            for name in filenames:
                with contextlib.suppress(FileNotFoundError):  # removed: its folder's ctime moved
                    newest = max(newest, os.stat(name, dir_fd=fd,
                                                 follow_symlinks=False).st_ctime_ns)
        return files, claimed, max(newest, os.fstat(dir_fd).st_ctime_ns)

    def copy_files(self):
        inbound = os.open(self.inbound_path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.room: dict[str, int] = {}  # student -> bytes their history may still take
        try:
            for record in self._within_the_cap(inbound):
                try:
                    self._copy_one(record, inbound)
                except Exception as error:  # noqa: BLE001 - one folder never stops collect
                    self.events.append(Event(record.get("username", "?"), None,
                                             f"skipped: could not be read: {describe(error)}",
                                             record.get("filename", "?")))
        finally:
            os.close(inbound)
        over: dict[str, list[str]] = {}  # student -> folders skipped for the budget: a line each
        for event in self.events:
            if event.action == OVER_BUDGET:
                over.setdefault(event.student, []).append(event.source)
        self.events = [event for event in self.events if event.action != OVER_BUDGET]
        for student, sources in over.items():
            self._skipped(student, sources, OVER_BUDGET.removeprefix("skipped: "),
                          "submissions (the newest were taken first): "
                          + OVER_BUDGET.removeprefix("skipped: "))

    def _within_the_cap(self, inbound: int) -> list[dict]:
        """The records to collect: of each student's folders, the newest
        MAX_SUBMISSIONS_PER_STUDENT (by the time in their names), newest
        first.  Folders that belong to somebody else (when owners are
        checked) are skipped here and count for nobody: a classmate could
        otherwise use up a student's allowance with folders named after
        them.  What is skipped is said in a line per student and reason."""

        kept: dict[str, list[dict]] = {}
        foreign: dict[tuple[str, str], list[str]] = {}  # (student named, owner) -> folders
        for record in self.src_records:
            student, source = record.get("username", "?"), record.get("filename", "?")
            if self.check_owner:
                try:
                    uid = os.stat(source, dir_fd=inbound, follow_symlinks=False).st_uid
                except OSError:
                    uid = None  # _copy_one says why it cannot be read
                if uid is not None and (owner := _owner_name(uid)) != student:
                    foreign.setdefault((student, owner), []).append(source)
                    continue
            kept.setdefault(student, []).append(record)
        for (student, owner), sources in foreign.items():
            self._skipped(student, sources, f"the folder belongs to {owner}, not {student}",
                          f"folders named after {student} belong to {owner}, not {student}")
        chosen = []
        for student, records in kept.items():
            records.sort(key=lambda r: (r["timestamp"], r["filename"]), reverse=True)
            chosen += records[:MAX_SUBMISSIONS_PER_STUDENT]
            if len(records) > MAX_SUBMISSIONS_PER_STUDENT:
                self._skipped(student, [r.get("filename", "?")
                                        for r in records[MAX_SUBMISSIONS_PER_STUDENT:]],
                              "", f"older submissions: more than {MAX_SUBMISSIONS_PER_STUDENT} of "
                              "this student in the exchange (the newest are collected)")
        return chosen  # each student's newest first: they are kept if all cannot be

    def _skipped(self, student: str, sources: list[str], one: str, many: str) -> None:
        """One line for folders of ``student`` skipped for one reason (``one``
        said of a single folder, ``many`` after their count), not a line
        each: thousands of them would bury the lines that matter."""
        if len(sources) == 1 and one:
            self.events.append(Event(student, None, f"skipped: {one}", sources[0]))
        else:
            self.events.append(Event(student, None, f"skipped: {len(sources)} {many}",
                                     sources[0] if len(sources) == 1
                                     else f"{sources[0]} and {len(sources) - 1} more"))

    def _copy_one(self, record: dict, inbound: int) -> None:

        student, source = record["username"], record["filename"]
        if not is_student_id(student):
            self.events.append(Event(student, None, "skipped: invalid student id", source))
            return
        # Opened once, never through a link; everything below is read
        # relative to this descriptor, whatever happens to the name.
        try:
            fd = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK
                         | os.O_CLOEXEC, dir_fd=inbound)
        except OSError as error:
            try:
                link = stat.S_ISLNK(os.stat(source, dir_fd=inbound,
                                            follow_symlinks=False).st_mode)
            except OSError:
                link = False
            why = ("a symbolic link (links are never followed)" if link or error.errno == errno.ELOOP
                   else "not a folder" if error.errno == errno.ENOTDIR
                   else f"unreadable ({error.strerror})")
            self.events.append(Event(student, None, f"skipped: {why}", source))
            return
        try:
            info = os.fstat(fd)
            if self.check_owner:
                owner = _owner_name(info.st_uid)
                if owner != student:
                    self.events.append(Event(student, None, f"skipped: the folder belongs to "
                                             f"{owner}, not {student}", source))
                    return
            try:
                files, claimed, ctime_ns = self._read(fd, source)
            except (ExchangeError, OSError) as error:
                self.events.append(Event(student, None, f"skipped: {error}", source))
                return
        finally:
            os.close(fd)
        received = dt.datetime.fromtimestamp(ctime_ns / 1e9, dt.timezone.utc)
        if student not in self.room:
            self.room[student] = 1000 * MAX_HISTORY_KB_PER_STUDENT - _history_bytes(
                self.to / HISTORY / student / self.coursedir.assignment_id)
        room = self.room[student]
        event = _store(self.to, self.coursedir.assignment_id, student, files, received,
                       f"exchange {source}", claimed, room)
        if event.action == "new":
            self.room[student] = room - sum(map(len, files.values()))
        self.events.append(event)


def collect_exchange(name: str, to: Path, config, *, root: str | None = None,
                     check_owner: bool | None = None) -> list[Event]:
    """Collect every submission of ``name`` from nbgrader's exchange
    (``Exchange.root`` in ``config``, or ``root``) into ``to``."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory

    if root:
        config.Exchange.root = str(root)
    if check_owner is not None:
        config.ExchangeCollect.check_owner = check_owner
    to = _check_target(to, Path(config.CourseDirectory.submitted_directory))
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = name
    app = ReceiptCollect(coursedir=coursedir, authenticator=Authenticator(config=config),
                         config=config)
    app.to = to
    now = dt.datetime.now(dt.timezone.utc)
    with _lock(to):
        try:
            app.init_src()
            app.copy_files()
        except ExchangeError as error:
            raise GradingError(str(error)) from None
        return _finish(to, name, app.events, now)


# -- zip files from an LMS ---------------------------------------------------------


def _components(name: str) -> list[tuple[int, int]]:
    """(start, end) of each path component of a zip entry's name."""
    spans, start = [], 0
    for index, char in enumerate(name + "/"):
        if char == "/":
            spans.append((start, index))
            start = index + 1
    return spans


def _anchored(regex: re.Pattern, name: str, start: int, end: int):
    """The pattern's match that names its student inside the component
    ``name[start:end]``: matched from the component's start over the rest of
    the name, or else over the component alone; None if there is none."""
    match = regex.match(name[start:])
    if match and 0 <= match.start("student_id") < end - start:
        return match
    match = regex.match(name[start:end])
    return match if match and match.start("student_id") >= 0 else None


def _holds_another(match, group: str) -> bool:
    """Whether ``match`` (of a name whose student id or time was blanked out
    or cut out) found another one: its ``group`` is not empty and holds none
    of the blanked characters.  (A pattern written with a class such as
    ``[^_]+`` matches the NULs themselves, which is no second student.)"""
    return bool(match) and match.start(group) >= 0 and match.end(group) > match.start(group) \
        and "\0" not in match.group(group)


def _second_match(regex: re.Pattern, name: str, components, group: str) -> bool:
    """Whether the pattern finds ``group`` (a student id, a time) in
    ``name`` from the start of any path component, or anchored in one."""
    return any(_holds_another(_anchored(regex, name, s, e), group)
               or _holds_another(regex.match(name[s:]), group) for s, e in components)


def match_entry(regex: re.Pattern, name: str) -> tuple[dict | None, str | None]:
    """Read a zip entry's ``name`` with the file-name pattern ``regex``:
    (the named groups, None), or (None, why the entry is refused), or
    (None, None) when the pattern does not match at all.

    The LMS writes its part of the name (student, time) first; what follows,
    the file name, and any folder in it, the student chose.  So the pattern
    is matched from the start of a path component, and the first component
    that names a student is the LMS's, never (greedily) the last folder.  An
    entry is refused when a later component names a student too, when the
    pattern still matches with the student id (or the time) it found blanked
    out (so that the name holds a second student or time), or when the
    student id or the time comes after the start of the file name."""
    components = _components(name)
    found = [(start, match) for start, end in components
             if (match := _anchored(regex, name, start, end))]
    if not found:
        return None, None
    if len(found) > 1:
        return None, "the name matches the pattern twice (in two of its folders)"
    start, match = found[0]
    groups = match.groupdict()
    file_start = match.start("file_id")
    for group in ("student_id", "timestamp"):
        if group not in regex.groupindex or match.start(group) < 0:
            continue
        begin, end = start + match.start(group), start + match.end(group)
        if file_start >= 0 and match.start(group) >= file_start:
            return None, (f"the pattern takes the {group.replace('_', ' ')} from after the "
                          "file name, which the student chose")
        # The id found, blanked out, then cut out: the first match the
        # pattern then finds may be the blank itself (``[^_]+`` matches NULs)
        # where a second id lies elsewhere in the name; cut out, it cannot be.
        blanked = name[:begin] + "\0" * (end - begin) + name[end:]
        cut = name[:begin] + name[end:]
        if _second_match(regex, blanked, components, group) or \
                _second_match(regex, cut, _components(cut), group):
            return None, (f"the name matches the pattern twice (a second "
                          f"{group.replace('_', ' ')} in it)")
    return groups, None


def entry_name(entry: zipfile.ZipInfo) -> str:
    """A zip entry's name.  Zip tools that do not mark a name as UTF-8 write
    it in the machine's own encoding, which Python reads as cp437: Korean
    Windows writes cp949 (김민지 came out as ▒Φ╣╬┴÷), and some tools write
    UTF-8 unmarked.  Such a name is read as UTF-8, else as cp949, else as
    cp437 (an ASCII name is the same in all of them)."""
    if entry.flag_bits & 0x800:  # marked UTF-8: Python read it so
        return entry.filename
    try:
        raw = entry.filename.encode("cp437")
    except UnicodeEncodeError:  # not as Python read it: leave it
        return entry.filename
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return entry.filename


class LmsFileNameCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector with the course's default pattern
    (:data:`DEFAULT_PATTERN`), matched from the LMS's part of the name
    (:func:`match_entry`), student ids checked, and LMS times read in
    ``timezone`` when they carry none (``YYYY-MM-DD-HH-MM-SS`` accepted)."""

    named_regexp = Unicode(DEFAULT_PATTERN).tag(config=True)
    timezone = Unicode("UTC", help="Time zone of LMS times without one").tag(config=True)

    def parse_time(self, text: str) -> dt.datetime:
        from dateutil.parser import parse

        text = text.strip()
        plain = re.fullmatch(r"(\d{4}-\d\d-\d\d)[-_ T](\d\d)[-:_.](\d\d)[-:_.](\d\d)", text)
        when = (dt.datetime.fromisoformat(f"{plain[1]}T{plain[2]}:{plain[3]}:{plain[4]}")
                if plain else parse(text))
        if when.tzinfo is None:
            zone = gettz(self.timezone)
            if zone is None:
                raise ValueError(f"unknown time zone {self.timezone!r}")
            when = when.replace(tzinfo=zone)
        return utc(when)

    def read_name(self, submitted_file: str) -> tuple[dict | None, str | None]:
        """(student_id, file_id and timestamp, None) for an entry to collect;
        (None, why) for a notebook refused; ({"student_id": ...}, why) for a
        student's file that is not a notebook (an archive, a script);
        (None, None) for any other file."""
        stem, extension = os.path.splitext(submitted_file)
        if extension not in self.valid_ext:
            # A student's archive or script in place of the notebook: said,
            # with the student, when its name is read as a notebook's would be.
            info, _ = match_entry(re.compile(self.named_regexp), stem + ".ipynb")
            student = unicodedata.normalize("NFC", str((info or {}).get("student_id") or ""))
            if extension and is_student_id(student):
                return {"student_id": student}, f"not a notebook ({extension}), not collected"
            return None, None
        info, why = match_entry(re.compile(self.named_regexp), submitted_file)
        if why:
            return None, why
        if not info or not isinstance(info.get("student_id"), str) \
                or not isinstance(info.get("file_id"), str):
            return None, "name does not match the pattern" + (
                f" ({DEFAULT_FORM})" if self.named_regexp == DEFAULT_PATTERN else "")
        # macOS writes file names decomposed: 박서준 arrives as its jamo.
        info["student_id"] = unicodedata.normalize("NFC", info["student_id"])
        if not is_student_id(info["student_id"]):
            return None, f"invalid student id {printable(info['student_id'])!r}"
        if info.get("timestamp"):
            try:
                info["timestamp"] = self.parse_time(info["timestamp"])
            except (ValueError, OverflowError):
                return None, f"unreadable time {printable(info['timestamp'])!r}"
        return info, None

    def collect(self, submitted_file: str) -> dict | None:
        info, why = self.read_name(submitted_file)
        if why:
            self.log.warning("Skipped (%s): %s", why, printable(submitted_file))
            return None
        return info


def _safe_file_name(file_id: str) -> str:
    """The file name a notebook is stored under: letters and digits of any
    script (a Korean name stays readable in statuses and pages), composed,
    and a few separators; short enough for any file system."""
    name = unicodedata.normalize("NFC", os.path.basename(file_id.replace("\\", "/")))
    name = re.sub(r"[^\w.+@ ()-]", "_", name).lstrip(".")
    stem = name.removesuffix(".ipynb").encode("utf-8")[:150].decode("utf-8", "ignore")
    return (stem or "notebook") + ".ipynb"


def collect_zips(name: str, zips: list[Path], to: Path, config, *,
                 pattern: str | None = None, timezone: str | None = None) -> list[Event]:
    """Collect the notebooks in LMS zip files ``zips`` into ``to``.

    Each entry's path inside the zip goes through nbgrader's
    FileNameCollectorPlugin (:class:`LmsFileNameCollector`), which names the
    student, the file and, if the pattern has one, the time.  Entries are read
    here rather than by nbgrader's extractor, which unpacks nested archives
    with no size limit and drops the entries' times."""
    if pattern:
        config.LmsFileNameCollector.named_regexp = pattern
    if timezone:
        config.LmsFileNameCollector.timezone = timezone
    collector = LmsFileNameCollector(config=config)
    try:
        re.compile(collector.named_regexp)
    except re.error as error:
        raise GradingError(f"the file-name pattern is not a regular expression: {error}") from None
    if not {"student_id", "file_id"} <= set(re.compile(collector.named_regexp).groupindex):
        raise GradingError("the file-name pattern needs the named groups "
                           "(?P<student_id>...) and (?P<file_id>...)")
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    limit, group_limit = 1000 * coursedir.max_file_size, 1000 * coursedir.max_dir_size
    to = _check_target(to, Path(config.CourseDirectory.submitted_directory))
    now = dt.datetime.now(dt.timezone.utc)
    events: list[Event] = []
    with _lock(to):
        for archive in zips:
            archive = Path(archive)
            try:
                zf = zipfile.ZipFile(archive)
            except (OSError, zipfile.BadZipFile) as error:
                raise GradingError(f"{archive}: not a readable zip file ({error})") from None
            with zf:
                # First the names (who, when, which file), then the data one
                # submission at a time: memory holds one submission at most.
                groups: dict[tuple[str, dt.datetime], list] = {}
                for entry in zf.infolist():
                    if entry.is_dir():
                        continue
                    entry.filename = entry_name(entry)
                    where = f"{archive.name}: {entry.filename}"
                    if len(entry.filename) > MAX_ENTRY_NAME_CHARS:
                        if entry.filename.endswith(".ipynb"):
                            events.append(Event("?", None, "skipped: name longer than "
                                                f"{MAX_ENTRY_NAME_CHARS} characters",
                                                where[:200] + "..."))
                        continue
                    info, why = collector.read_name(entry.filename)
                    if why or not info:
                        if why:
                            events.append(Event((info or {}).get("student_id", "?"), None,
                                                f"skipped: {why}", where))
                        continue
                    if entry.file_size > limit:
                        events.append(Event(info["student_id"], None, "skipped: too large",
                                            where))
                        continue
                    named = received = info.get("timestamp")
                    if received is None and entry.date_time > (1980, 1, 1, 0, 0, 0):
                        try:
                            received = collector.parse_time(
                                "{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}".format(
                                    *entry.date_time))
                        except (ValueError, OverflowError):
                            received = None
                    if received is None:
                        log.warning(printable(f"  {entry.filename}: no time in the name or "
                                              "the zip; using the time of collection"))
                        received = now
                    # A time in the name tells one attempt from another.  Without
                    # one, each file has its own upload time, and an LMS's
                    # download holds each student's last submission only: all
                    # of a student's files in one zip are one submission,
                    # received when its last file was.
                    key = (info["student_id"], named)
                    group = groups.setdefault(key, [received, []])
                    group[0] = max(group[0], received)
                    group[1].append((entry, _safe_file_name(info["file_id"])))
                for (student, _named), (received, entries) in sorted(
                        groups.items(), key=lambda item: (item[0][0], item[1][0])):
                    files, sources, total = {}, [], 0
                    for entry, file_name in entries:
                        where = f"{archive.name}: {entry.filename}"
                        try:
                            with zf.open(entry) as fh:
                                data = fh.read(limit + 1)
                        except Exception as error:  # noqa: BLE001 - damaged, encrypted, ...
                            events.append(Event(student, None, "skipped: could not be read: "
                                                f"{describe(error)}", where))
                            continue
                        if len(data) > limit or total + len(data) > group_limit:
                            events.append(Event(student, None, "skipped: too large", where))
                            continue
                        total += len(data)
                        files[file_name] = data
                        sources.append(entry.filename)
                    if files:
                        source = f"zip {archive.name}: " + ", ".join(sources)
                        try:
                            events.append(_store(to, name, student, files, received, source,
                                                 None))
                        except OSError as error:  # one submission never stops collect
                            events.append(Event(student, None, "skipped: could not be stored: "
                                                f"{describe(error)}", source))
        return _finish(to, name, events, now)


def report(events: list[Event], to: Path, assignment: str) -> str:
    """What collect did, one line per submission, then where things are."""
    lines = []
    for event in events:
        when = f" received {format_time(event.received)}" if event.received else ""
        lines.append(printable(f"  {event.student}: {event.action}{when}  ({event.source})"))
    to = Path(to)
    current = sorted(p.parent.name for p in to.glob(f"*/{assignment}") if p.is_dir()
                     and not p.parent.name.startswith("."))
    new = sum(e.action == "new" for e in events)
    skipped = sum(e.action.startswith("skipped") for e in events)
    if any("the folder belongs to" in e.action for e in events):
        lines.append("  (each exchange folder must belong to the user named as its student; "
                     "where all students share one user id, use --no-check-owner)")
    lines.append(f"{new} new submission(s), {skipped} skipped; {len(current)} student(s) in "
                 f"{to} (the newest submission of each); every submission kept in "
                 f"{printable(to / HISTORY)}")
    return "\n".join(lines)
