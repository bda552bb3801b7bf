"""Attacks on collect: an exchange folder swapped for a link to the
solutions while collect reads it, LMS zip entries named to impersonate
another student or backdate a submission, and names built to take over the
instructor's terminal.
"""

import ctypes
import os
import re
import subprocess
import sys
import threading
import zipfile

import pytest
from conftest import ROOT
from test_collect import NAME, NOTEBOOK, exchange, fixture  # noqa: F401 (exchange: a fixture)

from autograder import collect as collect_module
from autograder.collect import (
    MAX_ENTRY_NAME_CHARS,
    MAX_SUBMISSION_DEPTH,
    MAX_SUBMISSIONS_PER_STUDENT,
    collect_exchange,
    collect_zips,
    report,
)
from autograder.course import Course
from autograder.receipts import HISTORY

ESC = "\x1b"


SOLUTION = (ROOT / "solutions" / NAME / NOTEBOOK).read_bytes()


def inbound(course):
    return os.path.join(course.config.Exchange.root, "dlcourse", "inbound")


def make_submission(course, student, files, stamp="2026-01-01 00:00:00 UTC"):
    folder = os.path.join(inbound(course), f"{student}+{NAME}+{stamp}+x")
    for relative, data in files.items():
        path = os.path.join(folder, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
    return folder


def decoy(tmp_path, layout):
    """A folder where every file of ``layout`` holds the solution."""
    root = tmp_path / "solutions-decoy"
    for relative in layout:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(SOLUTION)
    return root


def stored(to):
    """Every file collect wrote, history included."""
    return {p: p.read_bytes() for p in to.rglob("*") if p.is_file() and not p.is_symlink()}


def collect(course, to):
    return collect_exchange(NAME, to, course.config, check_owner=False)


# -- 2. the exchange: a folder swapped for a link mid-collect -----------------------------


@pytest.mark.parametrize("swapped", ["the submission folder", "a subfolder"])
def test_a_folder_swapped_for_a_link_while_collect_reads_it_never_stores_the_solution(
        exchange, tmp_path, monkeypatch, swapped):
    """Deterministic: the swap happens right when collect opens a notebook
    in the folder (the first one for the submission folder, the one in the
    subfolder for the subfolder), after every check made on the names."""
    folder = make_submission(exchange, "mallory", {NOTEBOOK: fixture("blank"),
                                                   f"work/{NOTEBOOK}": fixture("blank")})
    target = folder if swapped == "the submission folder" else os.path.join(folder, "work")
    link_to = decoy(tmp_path, [NOTEBOOK, f"work/{NOTEBOOK}"])
    if swapped == "a subfolder":
        link_to = link_to / "work"
    real_open, seen, swaps = os.open, [], []
    at = 1 if swapped == "the submission folder" else 2  # files are read before subfolders

    def open_and_swap(path, flags, mode=0o777, *, dir_fd=None):
        if os.fsdecode(path).endswith(NOTEBOOK):
            seen.append(path)
            if len(seen) == at:
                os.rename(target, target + ".aside")
                os.symlink(link_to, target)
                swaps.append(path)
        return real_open(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "open", open_and_swap)
    to = tmp_path / "to"
    events = collect(exchange, to)
    monkeypatch.undo()
    assert swaps, "the swap never happened"
    files = stored(to)
    assert files and SOLUTION not in files.values()
    assert [e.action for e in events] == ["new"]
    assert (to / "mallory" / NAME / NOTEBOOK).read_bytes() == fixture("blank")


def test_an_exchange_rename_race_never_stores_the_solution(exchange, tmp_path):
    """The attack as a student runs it: renameat2(RENAME_EXCHANGE) of the
    inbound folder and a link to the solutions, in a loop, while collect runs."""
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        pytest.skip("no renameat2 in this C library")
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    folder = make_submission(exchange, "mallory", {NOTEBOOK: fixture("blank")})
    link = folder + ".link"
    os.symlink(decoy(tmp_path, [NOTEBOOK]), link)
    stop = threading.Event()

    def swap():
        a, b = os.fsencode(folder), os.fsencode(link)
        while not stop.is_set():
            libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)

    thread = threading.Thread(target=swap, daemon=True)
    thread.start()
    try:
        outcomes = []
        for attempt in range(25):
            to = tmp_path / f"to{attempt}"
            events = collect(exchange, to)
            assert SOLUTION not in stored(to).values(), f"attempt {attempt}: solution stored"
            outcomes += [e.action for e in events if e.student == "mallory"]
    finally:
        stop.set()
        thread.join()
    assert outcomes and all(a == "new" or a.startswith("skipped") for a in outcomes)


def test_deep_or_crowded_exchange_folders_are_skipped_and_the_rest_collected(
        exchange, tmp_path, monkeypatch):
    deep = "/".join(["d"] * (MAX_SUBMISSION_DEPTH + 5))
    make_submission(exchange, "deep", {NOTEBOOK: fixture("blank"), f"{deep}/x.txt": b"x"})
    make_submission(exchange, "crowd", {NOTEBOOK: fixture("blank"),
                                        **{f"f{i}.txt": b"" for i in range(1001)}})
    make_submission(exchange, "boom", {NOTEBOOK: fixture("blank")})
    make_submission(exchange, "minji", {NOTEBOOK: fixture("solution")})
    real_read = collect_module.ReceiptCollect._read

    def read(self, fd, src):
        if src.startswith("boom+"):
            raise RecursionError("maximum recursion depth exceeded")
        return real_read(self, fd, src)

    monkeypatch.setattr(collect_module.ReceiptCollect, "_read", read)
    events = {e.student: e.action for e in collect(exchange, tmp_path / "to")}
    assert events == {
        "deep": f"skipped: folders nested more than {MAX_SUBMISSION_DEPTH} deep",
        "crowd": "skipped: more than 1000 files",
        "boom": "skipped: could not be read: RecursionError: maximum recursion depth exceeded",
        "minji": "new"}
    assert (tmp_path / "to" / "minji" / NAME / NOTEBOOK).read_bytes() == fixture("solution")


def test_one_student_flooding_the_exchange_is_capped(exchange, tmp_path):
    for i in range(MAX_SUBMISSIONS_PER_STUDENT + 2):
        make_submission(exchange, "flood", {NOTEBOOK: fixture("blank"), "n.txt": str(i).encode()},
                        stamp=f"2026-01-01 00:{i // 60:02d}:{i % 60:02d} UTC")
    make_submission(exchange, "minji", {NOTEBOOK: fixture("solution")})
    events = collect(exchange, tmp_path / "to")
    flood = [e for e in events if e.student == "flood"]
    assert [e.action for e in flood].count("new") == MAX_SUBMISSIONS_PER_STUDENT
    skipped = [(e.action, e.source) for e in flood if e.action.startswith("skipped")]
    assert skipped == [(f"skipped: 2 older submissions: more than {MAX_SUBMISSIONS_PER_STUDENT} of "
                        "this student in the exchange (the newest are collected)",
                        f"flood+{NAME}+2026-01-01 00:00:01 UTC+x and 1 more")]
    assert [e.action for e in events if e.student == "minji"] == ["new"]


def test_folders_named_after_a_classmate_do_not_use_up_their_allowance(exchange, tmp_path):
    """On a shared hub anyone may make a folder in the inbound folder, named
    after anyone: more than the cap of folders named after a classmate and
    dated before their real one made collect skip the real one. Folders
    that belong to somebody else now count for nobody, and are said in one
    line (3,000 of them buried the classmate's own line)."""
    import pwd

    from autograder.sandbox import SANDBOX_USER

    student = SANDBOX_USER  # a real account on a machine that grades
    try:
        owner = pwd.getpwnam(student)
    except KeyError:
        pytest.fail(f"no user {student}: run `make sandbox`")
    for i in range(MAX_SUBMISSIONS_PER_STUDENT + 5):
        make_submission(exchange, student, {NOTEBOOK: fixture("blank")},
                        stamp=f"2000-01-01 00:{i // 60:02d}:{i % 60:02d} UTC")
    real = make_submission(exchange, student, {NOTEBOOK: fixture("solution")})
    for path in [real, *(os.path.join(real, name) for name in os.listdir(real))]:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    events = collect_exchange(NAME, tmp_path / "to", exchange.config, check_owner=True)
    # One line says what was skipped, not a line per folder.
    assert [e.action for e in events] == [
        f"skipped: {MAX_SUBMISSIONS_PER_STUDENT + 5} folders named after {student} belong to root, "
        f"not {student}", "new"]
    assert (tmp_path / "to" / student / NAME / NOTEBOOK).read_bytes() == fixture("solution")


# -- 3. LMS zip entries: who submitted, and when, is the LMS's word -------------------------------


def lms_zip(path, entries):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 2, 12, 0, 0)), data)
    return path


VICTIM = f"{NAME}_victim_attempt_2026-12-01-10-00-00_{NOTEBOOK}"
#: entry name -> why it is refused (each one tries to replace the victim's
#: notebook, or to backdate the attacker's own).
SPOOFS = {
    # The quoted attack: the student's own folder names the victim and a time.
    f"{NAME}_mallory_attempt_2026-12-03-10-00-00_x/y_victim_attempt_2026-12-31-23-59-59_"
    f"{NOTEBOOK}": "twice (in two of its folders)",
    # Deeper, and with a backslash as the folder separator.
    f"{NAME}_mallory_attempt_2026-12-03-10-00-00_x/a/b/{NAME}_victim_attempt_2026-12-31-23-59-59_"
    f"{NOTEBOOK}": "twice (in two of its folders)",
    f"{NAME}_mallory_attempt_2026-12-03-10-00-00_x\\y_victim_attempt_2026-12-31-23-59-59_"
    f"{NOTEBOOK}": "twice",
    # No folder at all: the second student and time inside the file name.
    f"{NAME}_mallory_attempt_2026-12-03-10-00-00_victim_attempt_2026-12-31-23-59-59_"
    f"{NOTEBOOK}": "twice (a second ",
    # Backdating only: the attacker's own name with an earlier time.
    f"{NAME}_mallory_attempt_2026-12-03-10-00-00_mallory_attempt_2020-01-01-00-00-00_"
    f"{NOTEBOOK}": "twice",
    # A wrapper folder the LMS never writes, named like an entry.
    f"{NAME}_victim_attempt_2026-12-31-23-59-59_x/{NAME}_mallory_attempt_2026-12-03-10-00-00_"
    f"{NOTEBOOK}": "twice (in two of its folders)",
}


def test_zip_entries_naming_a_second_student_or_time_are_refused(tmp_path):
    config = Course(ROOT, work=tmp_path / "work").config
    archive = lms_zip(tmp_path / "lms.zip", [(VICTIM, fixture("blank"))]
                      + [(name, SOLUTION) for name in SPOOFS])
    to = tmp_path / "to"
    events = collect_zips(NAME, [archive], to, config)
    by_source = {e.source.split(": ", 1)[1]: e for e in events}
    assert by_source[collect_module.printable(VICTIM)].action == "new"
    for name, why in SPOOFS.items():
        event = by_source[collect_module.printable(name)]
        assert event.action.startswith("skipped: the name matches the pattern ") and \
            why in event.action, (name, event.action)
    assert (to / "victim" / NAME / NOTEBOOK).read_bytes() == fixture("blank")
    assert len(list((to / HISTORY / "victim" / NAME).iterdir())) == 1
    assert not (to / "mallory").exists()
    assert SOLUTION not in stored(to).values()


GREEDY = (r"(?:.*/)?[^/]*?_?(?P<student_id>[A-Za-z0-9][A-Za-z0-9.@+-]*)"
          r"_attempt_(?P<timestamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_(?P<file_id>[^/]+)$")


@pytest.mark.parametrize("entry, pattern", [
    (f"Download 2026-12-02/{NAME}_minji_attempt_2026-12-01-10-00-00_{NOTEBOOK}", None),
    (f"course\\{NAME}_minji_attempt_2026-12-01-10-00-00_{NOTEBOOK}", None),
    (f"{NAME}_minji_attempt_2026-12-01-10-00-00_my notes (2).ipynb", None),
    (f"{NAME}_minji_attempt_2026-12-01-10-00-00_{NAME}_final.ipynb", None),
    (f"wrapper/{NAME}_minji_attempt_2026-12-01-10-00-00_{NOTEBOOK}", GREEDY),
    (f"Minji Kim_minji_assignsubmission_file_/{NOTEBOOK}",
     r"[^_/]+ [^_/]+_(?P<student_id>[a-z]+)_assignsubmission_file_/(?P<file_id>.+)"),
])
def test_ordinary_lms_layouts_are_still_collected(tmp_path, entry, pattern):
    config = Course(ROOT, work=tmp_path / "work").config
    archive = lms_zip(tmp_path / "lms.zip", [(entry, fixture("blank"))])
    events = collect_zips(NAME, [archive], tmp_path / "to", config, pattern=pattern)
    assert [(e.student, e.action) for e in events] == [("minji", "new")]


def test_a_greedy_or_misordered_pattern_cannot_be_used_to_impersonate(tmp_path):
    config = Course(ROOT, work=tmp_path / "work").config
    quoted = next(iter(SPOOFS))
    # The old default: greedy from the last folder of the name.
    archive = lms_zip(tmp_path / "a.zip", [(quoted, SOLUTION)])
    (event,) = collect_zips(NAME, [archive], tmp_path / "to", config, pattern=GREEDY)
    assert event.action.startswith("skipped: the name matches the pattern twice"), event.action
    # A greedy prefix inside one component picks the later of two students.
    config = Course(ROOT, work=tmp_path / "work").config
    flat = f"{NAME}_mallory_attempt_2026-12-03-10-00-00_victim_attempt_2026-12-31-23-59-59_x.ipynb"
    archive = lms_zip(tmp_path / "b.zip", [(flat, SOLUTION)])
    (event,) = collect_zips(NAME, [archive], tmp_path / "to2", config,
                            pattern=r".*_(?P<student_id>[a-z]+)_attempt_(?P<file_id>.+)$")
    assert event.action.startswith("skipped: the name matches the pattern twice"), event.action
    # A pattern that takes the student from after the file name.
    config = Course(ROOT, work=tmp_path / "work").config
    archive = lms_zip(tmp_path / "c.zip", [("notes.ipynb--victim.ipynb", SOLUTION)])
    (event,) = collect_zips(NAME, [archive], tmp_path / "to3", config,
                            pattern=r"(?P<file_id>[a-z]+\.ipynb)--(?P<student_id>[a-z]+)")
    assert event.action == ("skipped: the pattern takes the student id from after the file "
                            "name, which the student chose")
    assert not any((tmp_path / d / "victim").exists() for d in ("to", "to2", "to3"))


def test_zip_names_and_sizes_are_bounded(tmp_path):
    import time

    course = Course(ROOT, work=tmp_path / "work")
    config = course.config
    config.CourseDirectory.max_dir_size = 60  # kB for one submission
    long_name = f"{NAME}_" + "a" * 60_000 + ".ipynb"  # the pattern would take minutes on it
    part = b"x" * 40_000
    archive = lms_zip(tmp_path / "lms.zip", [
        (long_name, SOLUTION),
        (f"{NAME}_minji_attempt_2026-12-01-10-00-00_a.ipynb", part),
        (f"{NAME}_minji_attempt_2026-12-01-10-00-00_b.ipynb", part),
        (VICTIM, fixture("blank"))])
    started = time.monotonic()
    events = collect_zips(NAME, [archive], tmp_path / "to", config)
    assert time.monotonic() - started < 10
    actions = sorted((e.student, e.action) for e in events)
    assert actions == [("?", f"skipped: name longer than {MAX_ENTRY_NAME_CHARS} characters"),
                       ("minji", "new"), ("minji", "skipped: too large"), ("victim", "new")]
    assert len([p for p in (tmp_path / "to" / "minji" / NAME).iterdir()
                if p.suffix == ".ipynb"]) == 1


def test_a_misnamed_notebook_keeps_its_receipt_time(tmp_path):
    """Renaming the notebook must not shed the LMS's time (and a late penalty)."""
    from autograder.assignment import load_assignment
    from autograder.intake import inspect, stage

    config = Course(ROOT, work=tmp_path / "work").config
    archive = lms_zip(tmp_path / "lms.zip", [
        (f"{NAME}_minji_attempt_2026-12-01-10-00-00_Untitled.ipynb", fixture("blank"))])
    collect_zips(NAME, [archive], tmp_path / "to", config)
    assignment = load_assignment(ROOT / "solutions", NAME)
    submission = inspect(tmp_path / "to" / "minji", assignment)
    assert submission.status == "wrong file name: graded \"Untitled.ipynb\""
    assert stage(submission, tmp_path / "staging", assignment) == \
        "2026-12-01 10:00:00.000000 UTC"


# -- 11. names never reach the terminal raw --------------------------------------------------


def test_escapes_in_exchange_and_zip_names_never_reach_the_terminal(exchange, tmp_path):
    evil = f"{ESC}[2J{ESC}]0;owned\x07\u202e"
    make_submission(exchange, f"mal{evil}", {NOTEBOOK: fixture("blank")})
    make_submission(exchange, "minji", {NOTEBOOK: fixture("blank"), f"{evil}.ipynb": b"{}"})
    to = tmp_path / "to"
    events = collect(exchange, to)
    text = report(events, to, NAME)
    assert "skipped: invalid student id" in text and "\\x1b[2J" in text
    assert ESC not in text and "\x07" not in text and "\u202e" not in text
    for event in events:
        assert event.student.isprintable() and event.action.isprintable()
        assert event.source.isprintable()

    config = Course(ROOT, work=tmp_path / "work").config
    archive = lms_zip(tmp_path / "lms.zip", [
        (f"{evil}.ipynb", b"{}"),
        (f"{NAME}_minji_attempt_2026-12-01-10-00-00_{evil}.ipynb", fixture("blank")),
        (f"{NAME}_{evil}_attempt_2026-12-01-10-00-00_{NOTEBOOK}", fixture("blank"))])
    text = report(collect_zips(NAME, [archive], tmp_path / "to2", config), tmp_path / "to2", NAME)
    assert ESC not in text and "\x07" not in text and "\u202e" not in text
    assert all(p.name.isprintable() for p in (tmp_path / "to2").rglob("*"))

    # The command line, as an instructor runs it.
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "collect", NAME, "--to", str(tmp_path / "to3"),
         "--zip", str(archive)], cwd=ROOT, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert b"\x1b" not in result.stdout + result.stderr
    assert b"\x07" not in result.stdout + result.stderr
    assert "\u202e".encode() not in result.stdout + result.stderr
    assert b"\\x1b[2J" in result.stdout


def test_a_students_submissions_hold_a_bounded_number_of_bytes(exchange, tmp_path, monkeypatch):
    """Files within the size limits cost their writer nothing when sparse
    (`truncate`), but their copies in the history are real and never
    deleted: 100 folders of one 99 MB sparse file each made one collect
    write 10 GB, and each later collect as much again. A student's
    submissions of an assignment now hold at most MAX_HISTORY_KB_PER_STUDENT
    kB in the history, over all collects; the newest are kept, and the rest
    said in one line."""
    submission = {NOTEBOOK: fixture("blank"), "data.bin": b"\0" * 4000}
    size = sum(map(len, submission.values())) + 200  # with its receipt and time
    monkeypatch.setattr(collect_module, "MAX_HISTORY_KB_PER_STUDENT", (2 * size + size // 2) / 1000)
    for minute in range(4):
        make_submission(exchange, "sparse", submission | {"n.txt": str(minute).encode()},
                        stamp=f"2026-01-01 00:0{minute}:00 UTC")
    make_submission(exchange, "minji", {NOTEBOOK: fixture("solution")})
    events = collect(exchange, tmp_path / "to")
    sparse = [e for e in events if e.student == "sparse"]
    new = [re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", e.source).group(0) for e in sparse
           if e.action == "new"]
    assert sorted(new) == ["2026-01-01 00:02", "2026-01-01 00:03"]  # the newest
    (skipped,) = [e for e in sparse if e.action != "new"]
    assert skipped.action.startswith("skipped: 2 submissions (the newest were taken first): the "
                                     "student's submissions of this assignment would hold more")
    assert [e.action for e in events if e.student == "minji"] == ["new"]
    # Collected again, and with a newer one: the history holds no more.
    make_submission(exchange, "sparse", submission | {"n.txt": b"4"},
                    stamp="2026-01-01 00:04:00 UTC")
    again = [e.action for e in collect(exchange, tmp_path / "to") if e.student == "sparse"]
    assert "new" not in again and again.count("already collected") == 2
    history = tmp_path / "to" / collect_module.HISTORY / "sparse" / NAME
    assert collect_module._history_bytes(history) <= 1000 * collect_module.MAX_HISTORY_KB_PER_STUDENT
