"""Attacks on how submissions are read: links into the solutions, notebooks
built to crash or stall the grader, names built to take over the terminal.

Each submission must get a clear status and its score (0 when it cannot be
graded), the solution must never be opened as a student's work, and no
single submission may stop the grading of the class.  The end-to-end test
at the bottom grades such a class through the command line, twice, and
checks that the gradebook (``export``) follows the latest verdict.
"""

import contextlib
import csv
import ctypes
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

import pytest
from conftest import ROOT

from autograder import intake
from autograder.assignment import load_assignment
from autograder.grade import Progress, Workers
from autograder.intake import MAX_CELLS, MAX_JSON_DEPTH, inspect, stage
from autograder.results import Result, format_table, write_csv
from autograder.text import printable

NAME = "perceptrons_xor"
NOTEBOOK = f"{NAME}.ipynb"
FIXTURES = ROOT / "tests" / "submissions" / NAME
ASSIGNMENT = load_assignment(ROOT / "solutions", NAME)
SOLUTION_DIR = ROOT / "solutions" / NAME
ESC = "\x1b"


def fixture_text(name):
    return (FIXTURES / name / NAME / NOTEBOOK).read_text()


def hand_in(root, student, content, file_name=NOTEBOOK):
    folder = root / student / NAME
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    return root / student


def solution_with(change):
    nb = json.loads(fixture_text("solution"))
    change(nb)
    return json.dumps(nb)


# -- watching a file: was it ever opened? -------------------------------------------


IN_OPEN, IN_ACCESS = 0x20, 0x01


@contextlib.contextmanager
def opened_files(*paths):
    """Yield a function returning the subset of ``paths`` that anything in
    this machine opened or read since (the kernel's inotify, so every way
    of opening counts: open(), os.open with dir_fd, through any link)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    assert fd >= 0, os.strerror(ctypes.get_errno())
    watches = {}
    for path in paths:
        wd = libc.inotify_add_watch(fd, os.fsencode(path), IN_OPEN | IN_ACCESS)
        assert wd >= 0, os.strerror(ctypes.get_errno())
        watches[wd] = path
    seen = set()

    def read():
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return seen
            offset = 0
            while offset < len(data):
                wd, mask, _, length = struct.unpack_from("iIII", data, offset)
                if mask & (IN_OPEN | IN_ACCESS) and wd in watches:
                    seen.add(watches[wd])
                offset += 16 + length

    try:
        yield read
    finally:
        os.close(fd)


@pytest.fixture
def decoy(tmp_path):
    """A copy of the solution folder (watched: it must never be opened)."""
    copy = tmp_path / "decoy" / NAME
    shutil.copytree(SOLUTION_DIR, copy)
    return copy


# -- 1. links are never followed ------------------------------------------------------


def test_links_into_the_solutions_are_refused_and_never_opened(tmp_path, decoy):
    root = tmp_path / "submissions"
    root.mkdir()
    # The assignment folder is a link to the solutions (the real ones, and a watched copy).
    (root / "mallory").mkdir()
    (root / "mallory" / NAME).symlink_to(SOLUTION_DIR)
    (root / "mal2").mkdir()
    (root / "mal2" / NAME).symlink_to(decoy)
    # The notebook is a link to the solution notebook.
    (root / "eve" / NAME).mkdir(parents=True)
    (root / "eve" / NAME / NOTEBOOK).symlink_to(decoy / NOTEBOOK)
    # A misnamed notebook that is a link (once graded as "wrong file name").
    (root / "eve2" / NAME).mkdir(parents=True)
    (root / "eve2" / NAME / "mine.ipynb").symlink_to(decoy / NOTEBOOK)
    # The student folder itself is a link to a folder laid out as a submission.
    (root / "trudy").symlink_to(decoy.parent)
    # A real notebook, and beside it a linked extra one.
    hand_in(root, "oscar", fixture_text("blank"))
    (root / "oscar" / NAME / "extra.ipynb").symlink_to(decoy / NOTEBOOK)

    with opened_files(decoy / NOTEBOOK, decoy) as opened:
        found = {name: inspect(root / name, ASSIGNMENT)
                 for name in ("mallory", "mal2", "eve", "eve2", "trudy", "oscar")}
        assert opened() == set()
    expected = {"mallory": f"mallory/{NAME}", "mal2": f"mal2/{NAME}",
                "eve": f"eve/{NAME}/{NOTEBOOK}", "eve2": f"eve2/{NAME}/mine.ipynb",
                "trudy": "trudy/", "oscar": f"oscar/{NAME}/extra.ipynb"}
    for name, submission in found.items():
        assert submission.status == (f"refused: {expected[name]} is a symbolic link "
                                     "(links are never followed)"), name
        assert submission.problem and not submission.files and not submission.data
    # Nothing of it can be staged for nbgrader.
    staging = tmp_path / "staging"
    stage(found["eve"], staging, ASSIGNMENT)
    assert list((staging / "eve" / NAME).iterdir()) == []


def test_a_hard_link_to_the_solution_notebook_is_refused(tmp_path):
    solutions = tmp_path / "solutions"
    shutil.copytree(SOLUTION_DIR, solutions / NAME)
    assignment = load_assignment(solutions, NAME)
    (tmp_path / "subs" / "mallory" / NAME).mkdir(parents=True)
    os.link(solutions / NAME / NOTEBOOK, tmp_path / "subs" / "mallory" / NAME / NOTEBOOK)
    submission = inspect(tmp_path / "subs" / "mallory", assignment)
    assert submission.status == (f"refused: mallory/{NAME}/{NOTEBOOK} is a hard link to the "
                                 "solution notebook")
    assert not submission.data


def test_what_is_staged_is_exactly_what_was_checked(tmp_path):
    """The notebook is read once: replacing it after intake (by a link to the
    solution) changes nothing in what nbgrader grades."""
    root = tmp_path / "submissions"
    folder = hand_in(root, "minji", fixture_text("blank"))
    submission = inspect(folder, ASSIGNMENT)
    assert submission.status == "ok"
    (folder / NAME / NOTEBOOK).unlink()
    (folder / NAME / NOTEBOOK).symlink_to(SOLUTION_DIR / NOTEBOOK)
    stage(submission, tmp_path / "staging", ASSIGNMENT)
    assert (tmp_path / "staging" / "minji" / NAME / NOTEBOOK).read_text() == fixture_text("blank")


# -- 5. one notebook never stops the class ------------------------------------------------


def notebook_with_raw_metadata(raw):
    """The solution notebook with ``"deep": <raw JSON text>`` in its metadata
    (built as text: Python's json cannot even write 5000 levels)."""
    nb = json.loads(fixture_text("solution"))
    nb["metadata"]["deep"] = "@DEEP@"
    return json.dumps(nb).replace('"@DEEP@"', raw, 1)


def set_first_grade_id(value):
    def change(nb):
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))
        cell["metadata"]["nbgrader"]["grade_id"] = value
    return change


def change_cell(change):
    def apply(nb):
        change(nb["cells"][-1])
    return apply


#: folder -> (notebook text, status it must start with)
HOSTILE = {
    "deep_json": (notebook_with_raw_metadata("[" * 5000 + "]" * 5000), "invalid notebook: nested"),
    "deep_json_900": (notebook_with_raw_metadata("[" * 900 + "]" * 900),
                      f"invalid notebook: nested more than {MAX_JSON_DEPTH} levels"),
    "grade_id_list": (solution_with(set_first_grade_id(["a", "b"])),
                      "invalid notebook: cell"),
    "grade_id_dict": (solution_with(set_first_grade_id({"a": 1})), "invalid notebook: cell"),
    "grade_id_number": (solution_with(set_first_grade_id(7)), "invalid notebook: cell"),
    "nbgrader_string": (solution_with(change_cell(
        lambda c: c["metadata"].__setitem__("nbgrader", "grade"))),
        "invalid notebook: cell"),
    "metadata_list": (solution_with(change_cell(lambda c: c.__setitem__("metadata", []))),
                      "invalid notebook: cell"),
    "cell_not_dict": (solution_with(lambda nb: nb["cells"].append("print(1)")),
                      "invalid notebook: cell"),
    "cell_is_null": (solution_with(lambda nb: nb["cells"].append(None)), "invalid notebook: cell"),
    "cells_not_list": (solution_with(lambda nb: nb.__setitem__("cells", {"a": 1})),
                       "invalid notebook: its cells are not a list"),
    "points_text": (solution_with(change_cell(
        lambda c: c["metadata"].setdefault("nbgrader", {}).__setitem__("points", "15"))),
        "invalid notebook: cell"),
    "source_numbers": (solution_with(change_cell(lambda c: c.__setitem__("source", [1, 2]))),
                       "invalid notebook: cell"),
    "huge_int_metadata": (notebook_with_raw_metadata("9" * 4000), "ok"),
    "huge_int_too_long": (notebook_with_raw_metadata("9" * 5000), "invalid notebook: not JSON"),
    "nbformat_huge": (fixture_text("solution").replace('"nbformat": 4', '"nbformat": '
                                                       + "9" * 400, 1), "invalid notebook:"),
    "nbformat_true": (fixture_text("solution").replace('"nbformat": 4', '"nbformat": true', 1),
                      "invalid notebook: old format"),
    "points_400_digits": (solution_with(change_cell(
        lambda c: c["metadata"].setdefault("nbgrader", {}).__setitem__("points", 10**400))),
        "invalid notebook: cell"),
    "infinity_points": (solution_with(change_cell(
        lambda c: c["metadata"].setdefault("nbgrader", {}).__setitem__("points", 1e999))),
        "invalid notebook: cell"),
}


@pytest.mark.parametrize("folder", sorted(HOSTILE))
def test_a_hostile_notebook_gets_a_status_and_never_raises(tmp_path, folder):
    content, status = HOSTILE[folder]
    submission = inspect(hand_in(tmp_path, folder, content), ASSIGNMENT)
    assert submission.status.startswith(status), submission.status
    if status != "ok":
        assert not submission.files


def test_any_unforeseen_error_becomes_the_status(tmp_path, monkeypatch):
    folder = hand_in(tmp_path, "minji", fixture_text("solution"))

    def boom(*args, **kwargs):
        raise KeyError("something nobody foresaw")

    monkeypatch.setattr(intake, "notebook_slips", boom)
    submission = inspect(folder, ASSIGNMENT)
    assert submission.status == "could not be graded: KeyError: 'something nobody foresaw'"
    assert not submission.files


def test_a_non_utf8_or_control_character_folder_name_is_refused_printably(tmp_path):
    root = tmp_path / "submissions"
    root.mkdir()
    names = {os.fsdecode(b"caf\xe9"): "caf\\xe9",
             f"x{ESC}]0;owned{ESC}\\": "x\\x1b]0;owned\\x1b\\",
             "minji\n": "minji\\x0a",
             "\u202egnp.exe": "\\u202egnp.exe"}
    for name, shown in names.items():
        hand_in(root, name, fixture_text("solution"))
        submission = inspect(root / name, ASSIGNMENT)
        assert submission.status.startswith("invalid student id"), (name, submission.status)
        assert submission.name == shown
        submission.name.encode("utf-8")  # printable and encodable everywhere


def test_a_crash_while_grading_one_submission_becomes_its_status(monkeypatch):
    """The grading loop's runner turns an exception into a result, so the
    run goes on with the next submission."""
    from autograder import grade as grading

    calls = []

    def autograde(api, name, student):
        calls.append(student)
        if student == "a":
            raise RecursionError("maximum recursion depth exceeded")
        return {"success": True, "log": "", "error": ""}, 1.0

    monkeypatch.setattr(grading, "_autograde", autograde)
    workers = Workers.__new__(Workers)
    workers.pool, workers.name = None, NAME
    workers.course = type("C", (), {"api": lambda self: None})()
    subs = [intake.Submission(s, ROOT) for s in ("a", "b")]
    results = {s.student: r for s, r, _ in workers.autograde(subs)}
    assert calls == ["a", "b"]
    assert results["a"]["reason"] == "RecursionError: maximum recursion depth exceeded"
    assert results["b"]["success"]


# -- 9. intake is bounded -------------------------------------------------------------------


def many_cells(count):
    def change(nb):
        nb["cells"] += [{"cell_type": "code", "execution_count": None, "id": f"x{i}",
                         "metadata": {}, "outputs": [], "source": "x = 1"} for i in range(count)]
    return change


def test_a_65000_cell_notebook_gets_a_quick_clear_status(tmp_path):
    folder = hand_in(tmp_path, "flood", solution_with(many_cells(65_000)))
    started = time.monotonic()
    submission = inspect(folder, ASSIGNMENT)
    assert time.monotonic() - started < 5
    cells = 65_000 + len(json.loads(fixture_text("solution"))["cells"])
    assert submission.status == f"notebook too large ({cells:,} cells; the limit is {MAX_CELLS:,})"


def test_cell_and_source_sizes_are_capped(tmp_path):
    big_cell = solution_with(change_cell(lambda c: c.__setitem__("source", "#" * 200_000)))
    submission = inspect(hand_in(tmp_path, "big_cell", big_cell), ASSIGNMENT)
    assert submission.status.startswith("notebook too large (cell "), submission.status

    def many_big(nb):
        nb["cells"] += [{"cell_type": "markdown", "id": f"m{i}", "metadata": {},
                         "source": "y" * 90_000} for i in range(15)]
    submission = inspect(hand_in(tmp_path, "big_total", solution_with(many_big)), ASSIGNMENT)
    assert submission.status.startswith("notebook too large (more than"), submission.status
    # Within the limits, a longer notebook is still graded.
    fine = inspect(hand_in(tmp_path, "fine", solution_with(many_cells(300))), ASSIGNMENT)
    assert fine.status == "ok"


@pytest.mark.parametrize("outer_alarm", [0.0, 60.0], ids=["no other alarm", "another alarm"])
def test_intake_time_per_submission_is_bounded(tmp_path, monkeypatch, outer_alarm):
    """Intake's alarm stops a slow intake and puts back the alarm that was
    set before it (a test runner's, say), less the time intake took."""
    folder = hand_in(tmp_path, "slow", fixture_text("solution"))
    monkeypatch.setattr(intake, "INTAKE_SECONDS", 0.3)
    monkeypatch.setattr(intake.nbformat, "validate", lambda nb: time.sleep(5))
    previous = signal.getsignal(signal.SIGALRM)
    runner_alarm = signal.setitimer(signal.ITIMER_REAL, outer_alarm)
    try:
        started = time.monotonic()
        submission = inspect(folder, ASSIGNMENT)
        took = time.monotonic() - started
        left, _ = signal.getitimer(signal.ITIMER_REAL)
    finally:
        signal.setitimer(signal.ITIMER_REAL, *runner_alarm)
    assert took < 2
    assert submission.status == "could not be graded: intake took longer than 0.3 s"
    assert signal.getsignal(signal.SIGALRM) is previous  # put back as it was
    if outer_alarm:
        assert abs(left - (outer_alarm - took)) < 0.1
    else:
        assert left == 0.0


# -- 11. control characters never reach a terminal or a file raw -------------------------------


def test_printable_escapes_every_control_and_bidi_character_and_keeps_the_rest():
    assert printable("ok") == "ok"
    assert printable("김민지 ünïcode 1.5/15") == "김민지 ünïcode 1.5/15"
    assert printable(f"{ESC}[2J{ESC}]8;;http://x{ESC}\\") == "\\x1b[2J\\x1b]8;;http://x\\x1b\\"
    assert printable("a\x9b31mb\x07\x00\x7f\r\n\t") == "a\\x9b31mb\\x07\\x00\\x7f\\x0d\\x0a\\x09"
    assert printable("\u202e\u2066\u2069\u200f\u200b\ufeff\u2028") == \
        "\\u202e\\u2066\\u2069\\u200f\\u200b\\ufeff\\u2028"
    assert printable("\U000e0041") == "\\U000e0041"  # a tag character
    assert printable(os.fsdecode(b"\xff\xfe")) == "\\xff\\xfe"
    assert printable(f"a{ESC}[31m\nb\r\n", lines=True) == "a\\x1b[31m\nb\\x0d\n"
    for text in (f"{ESC}x\u202e", os.fsdecode(b"a\xe9")):
        assert printable(printable(text)) == printable(text)
        assert printable(text).isprintable()


def test_the_printed_table_lines_up_with_korean_names():
    # A Hangul syllable takes two columns on a terminal: counted as one, the
    # Korean student's points stood under the next part's heading.
    from autograder.text import display_width

    rows = [Result("minji", 15.0, 15.0, "ok", {}), Result("박서연", 0.0, 15.0, "ok", {})]
    lines = format_table(rows, ASSIGNMENT).splitlines()
    header, korean = lines[0], lines[-1]
    assert korean.startswith("박서연 ") and display_width("박서연") == 6
    # Each column starts at the same terminal column in every line.
    second = header.index(ASSIGNMENT.parts[0].grade_id)
    assert display_width(korean[:korean.index("0", 4)]) == second, lines


def test_an_escape_in_a_notebook_name_never_reaches_the_screen_or_the_csv(tmp_path, capsys,
                                                                         caplog):
    evil = f"{ESC}[2J{ESC}]0;pwned\x07\u202eblen.ipynb"
    submission = inspect(hand_in(tmp_path, "mallory", fixture_text("solution"), evil), ASSIGNMENT)
    assert submission.status.startswith("wrong file name: graded \"\\x1b[2J\\x1b]0;pwned")
    assert ESC not in submission.status and "\u202e" not in submission.status
    # Whatever reaches the table, the progress line and the CSV is escaped
    # there too, even text that did not come through intake.
    row = Result(f"m{ESC}x", 15.0, 15.0, f"wrong file name: graded {evil}", {})
    print(format_table([row], ASSIGNMENT))
    with caplog.at_level("INFO", logger="autograder"):
        Progress(1, bar=False).step(row)
    write_csv(tmp_path / "grades.csv", [row], ASSIGNMENT)
    out, _ = capsys.readouterr()
    raw = (tmp_path / "grades.csv").read_text(encoding="utf-8")
    for text in (out, caplog.text, raw):
        assert ESC not in text and "\x07" not in text and "\u202e" not in text
        assert "wrong file name: graded \\x1b[2J" in text


def test_csv_cells_are_never_spreadsheet_formulas(tmp_path):
    row = Result("=HYPERLINK(1)", 0.0, 15.0, "+cmd", {})
    write_csv(tmp_path / "grades.csv", [row], ASSIGNMENT)
    with (tmp_path / "grades.csv").open(newline="", encoding="utf-8") as fh:
        (read,) = list(csv.DictReader(fh))
    assert read["student_id"] == "'=HYPERLINK(1)" and read["status"] == "'+cmd"


# -- end to end: a hostile class graded twice --------------------------------------------


def run(*args):
    result = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT,
                            capture_output=True, timeout=900)
    return result.returncode, result.stdout.decode("utf-8", "replace"), \
        result.stderr.decode("utf-8", "replace"), result.stdout + result.stderr


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


@pytest.mark.grading
def test_a_hostile_class_is_graded_to_the_end_and_the_gradebook_follows_the_latest_verdict(
        tmp_path):
    subs, work = tmp_path / "submissions", tmp_path / "work"
    grades, exported = tmp_path / "grades.csv", tmp_path / "export.csv"
    hand_in(subs, "minji", fixture_text("solution"))
    hand_in(subs, "joon", fixture_text("solution"))
    code, out, err, raw = run("grade", NAME, "--submissions", str(subs), "--work", str(work),
                              "--csv", str(grades), "--jobs", "1")
    assert code == 0, err
    assert {sid: row["score"] for sid, row in read_rows(grades).items()} == \
        {"minji": "15", "joon": "15"}

    # Second hand-in: minji's notebook is now invalid, joon's folder a link to
    # the solutions; and hostile newcomers join the class.
    (subs / "minji" / NAME / NOTEBOOK).write_text("not a notebook")
    shutil.rmtree(subs / "joon" / NAME)
    (subs / "joon" / NAME).symlink_to(SOLUTION_DIR)
    hand_in(subs, "deep", HOSTILE["deep_json"][0])
    hand_in(subs, "listid", HOSTILE["grade_id_list"][0])
    hand_in(subs, os.fsdecode(b"caf\xe9"), fixture_text("solution"))
    hand_in(subs, "flood", solution_with(many_cells(65_000)))
    hand_in(subs, "escape", fixture_text("blank"), f"{ESC}[2J{ESC}]0;x\x07.ipynb")
    started = time.monotonic()
    code, out, err, raw = run("grade", NAME, "--submissions", str(subs), "--work", str(work),
                              "--csv", str(grades), "--jobs", "1")
    assert code == 0, err
    assert "Traceback" not in err
    assert time.monotonic() - started < 300
    rows = read_rows(grades)
    expect = {"minji": ("0", "invalid notebook: not JSON"),
              "joon": ("0", f"refused: joon/{NAME} is a symbolic link"),
              "deep": ("0", "invalid notebook: nested"),
              "listid": ("0", "invalid notebook: cell"),
              "caf\\xe9": ("0", "invalid student id"),
              "flood": ("0", "notebook too large (65,"),
              "escape": ("0", "wrong file name: graded \"\\x1b[2J\\x1b]0;x\\x07.ipynb\"")}
    assert set(rows) == set(expect)
    for sid, (score, status) in expect.items():
        assert rows[sid]["score"] == score and rows[sid]["status"].startswith(status), rows[sid]
    assert b"\x1b" not in raw and b"\x07" not in raw
    assert b"\x1b" not in grades.read_bytes()
    for log in (work / "logs" / NAME).glob("*.log"):
        assert b"\x1b" not in log.read_bytes(), log

    # The gradebook holds the latest verdict: what export (and so the
    # report's CSV) shows is 0 for minji and joon, not their earlier 15.
    code, _, err, _ = run("export", "--to", str(exported), "--work", str(work))
    assert code == 0, err
    scores = {row["student_id"]: float(row["score"]) for row in read_rows(exported).values()}
    assert scores["minji"] == 0.0 and scores["joon"] == 0.0
    assert scores["escape"] == 0.0  # the blank notebook scores 0 (graded)

    # Resuming an interrupted run at one of these students does not crash.
    run_file = work / "runs" / f"{NAME}.json"
    progress = json.loads(run_file.read_text())
    progress["finished"] = False
    for sid in ("deep", "listid", "caf\\xe9", "flood"):
        del progress["done"][sid]
    run_file.write_text(json.dumps(progress))
    code, out, err, raw = run("grade", NAME, "--submissions", str(subs), "--work", str(work),
                              "--csv", str(grades), "--jobs", "1")
    assert code == 0, err
    assert "Resuming the unfinished run" in err
    assert {sid: row["status"] for sid, row in read_rows(grades).items()} == \
        {sid: row["status"] for sid, row in rows.items()}


@pytest.mark.grading
def test_a_submission_that_kills_its_grading_worker_costs_only_its_own_grade(tmp_path):
    """A worker that dies (here at a small memory limit, on what one kernel
    sends) takes with it every submission the pool had not finished. Those
    are graded again, each in a worker of its own, two at a time here: the
    one that kills its worker alone is not graded and says why, its
    classmates are, and the run goes on."""
    from autograder.course import Course
    from autograder.grade import grade

    subs = tmp_path / "submissions"
    hand_in(subs, "ann", fixture_text("solution"))
    hand_in(subs, "bomb", solution_with(lambda nb: nb["cells"].insert(1, {
        "cell_type": "code", "execution_count": None, "id": "bomb", "metadata": {}, "outputs": [],
        "source": "from IPython.display import display\n"
                  "for _ in range(5):\n"
                  "    display({'application/json': [{}] * 2_000_000}, raw=True)\n"})))
    hand_in(subs, "ben", fixture_text("solution"))
    course = Course(work=tmp_path / "work")
    # Reading one such message takes about 170 MB in the worker.
    course.config.SandboxLimits.worker_memory_mb = 120
    rows = {r.student_id: r for r in grade(NAME, subs, course, seed=3, jobs=2)}
    assert (rows["ann"].score, rows["ann"].status) == (15, "ok")
    assert (rows["ben"].score, rows["ben"].status) == (15, "ok")
    assert rows["bomb"].score == 0 and rows["bomb"].status.startswith(
        "could not be graded: its grading worker process died"), rows["bomb"].status


def test_a_cell_of_many_shell_lines_costs_the_grader_no_time():
    """The grader reads every code cell as Python (which names a cell binds
    again), outside the sandbox's limits; IPython makes one ``!`` line
    Python per pass over the whole cell, so 499 of them in 100 kB took
    minutes of the grader's CPU.  Such a cell is now read in one pass
    without IPython, and still says what it binds; an honest cell with a
    few magics is read by IPython as before."""
    import time

    from autograder.rebinding import bound_names, python_of

    hostile = "\n".join(["!a"] * 499) + "\n" + "x = 1\n" * 16_000 + "def f():\n    pass\n"
    started = time.process_time()
    assert bound_names(python_of(hostile)) == {"x": "value", "f": "function"}
    assert bound_names(python_of("\n".join(["!a"] * 600) + "\nfiles = !ls\n")) == {"files": "value"}
    assert python_of("%\n" * 11 + " " * 200_000 + "x\n") is None  # not Python
    assert time.process_time() - started < 1.0
    honest = python_of("!pip install -q tqdm\n%matplotlib inline\nfiles = !ls\n"
                       "def relu(z):\n    return np.maximum(z, 0)\n")
    assert [type(node).__name__ for node in honest.body][-1] == "FunctionDef"


@pytest.mark.parametrize("name", [
    'x"; changed cell types (restored); "y.ipynb',
    'a"; re-graded by hand: 14 of 14; "b.ipynb',
    'ends in a backslash\\',
    'q\\"; changed cell ids (the original cells were graded); \\"r.ipynb',
    "z" * 58 + '\\"; changed cell types (restored); "',  # cut next to the escape
])
def test_a_quote_in_a_file_name_cannot_add_a_note_of_the_graders(name):
    """A status's notes are joined by "; " and a student's file name sits
    in quotes in one of them; a name with a quote of its own ended those
    quotes and passed the rest for the grader's notes (a "changed cell
    types (restored)" note on the student's page, "re-graded by hand: 14
    of 14" in the class report). The name's quotes are now escaped, and the
    page reads each note whole."""
    from autograder.feedback import file_notes, say_status
    from autograder.intake import EXTRA_NOTEBOOKS, WRONG_FILE_NAME, file_name

    notes = [WRONG_FILE_NAME.format(file=file_name(name)),
             EXTRA_NOTEBOOKS.format(files=f"{file_name('b.ipynb')}, {file_name(name)}")]
    status = "; ".join(notes)
    assert file_notes(status, "en") == notes
    assert len(file_notes(status, "ko")) == 2
    assert say_status(status, "en") == status
    assert "restored" not in " ".join(file_notes(status, "ko")).replace(file_name(name), "")
