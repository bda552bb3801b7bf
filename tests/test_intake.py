"""Bad input: every submission gets a clear status, none stops the run, and
nothing handed in is changed or lost.

The folders are built in a temporary directory from the committed
perceptrons_xor fixtures (a 500 MB file, an empty folder and odd folder names
cannot be committed).
"""

import codecs
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import nbformat
import pytest
from conftest import ROOT, tree_hashes

from autograder.assignment import load_assignment
from autograder.intake import inspect

NAME = "perceptrons_xor"
FIXTURES = ROOT / "tests" / "submissions" / NAME
NOTEBOOK = f"{NAME}.ipynb"
ASSIGNMENT = load_assignment(ROOT / "solutions", NAME)


def fixture_text(fixture):
    return (FIXTURES / fixture / NAME / NOTEBOOK).read_text()


def solution_with(change):
    nb = nbformat.reads(fixture_text("solution"), as_version=4)
    change(nb)
    return nbformat.writes(nb)


def duplicate_a_check(nb):
    check = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    nb.cells.append(nbformat.from_dict(json.loads(json.dumps(check))))
    nb.cells[-1].id = "duplicate"


def retype_a_check(nb):
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade"))
    cell = nb.cells[index]
    nb.cells[index] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata, id=cell.id)


def rename_an_answer(nb):
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.metadata.nbgrader.grade_id = "my_own_id"


def keep_stub_text(nb):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source += "\n# raise NotImplementedError()\n"


def answers_below_stubs(nb):
    """The blank download with each answer typed into a new cell below its
    stub, which is left as it was."""
    solved = nbformat.reads(fixture_text("solution"), as_version=4)
    answers = {c.metadata.nbgrader.grade_id: c.source for c in solved.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for index in reversed(range(len(nb.cells))):
        grade_id = nb.cells[index].metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and nb.cells[index].metadata.nbgrader.get("solution"):
            nb.cells.insert(index + 1, nbformat.v4.new_code_cell(answers[grade_id]))


def blank_with(change):
    nb = nbformat.reads(fixture_text("blank"), as_version=4)
    change(nb)
    return nbformat.writes(nb)


def exit_after_the_first_answer(nb):
    first = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    nb.cells.insert(first + 1, nbformat.v4.new_code_cell("exit()"))


def reset_at_the_end(nb):
    nb.cells.append(nbformat.v4.new_code_cell("%reset -f"))


def strip_metadata(nb):
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)


V3 = json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                 "worksheets": [{"cells": [], "metadata": {}}]})
OTHER = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]))

#: folder name -> ({file name: content}, expected status, expected score or None)
CASES = {
    "not_json": ({NOTEBOOK: "this is not a notebook"}, "invalid notebook: not JSON", 0),
    "truncated": ({NOTEBOOK: fixture_text("blank")[:500]}, "invalid notebook: not JSON", 0),
    "json_not_notebook": ({NOTEBOOK: '{"hello": "world"}'},
                          "invalid notebook: JSON, but not a Jupyter notebook", 0),
    "nbformat3": ({NOTEBOOK: V3}, "invalid notebook: old format (nbformat 3)", 0),
    "not_utf8": ({NOTEBOOK: "caf\xe9".encode("latin-1")}, "invalid notebook: not UTF-8 text", 0),
    # A new notebook, or the exercise after a tool stripped every cell's
    # nbgrader metadata: it said "wrong assignment" of the right one.
    "other_assignment": ({NOTEBOOK: OTHER}, "no grading metadata", 0),
    "metadata_stripped": ({NOTEBOOK: solution_with(strip_metadata)}, "no grading metadata", 0),
    # Another exercise: it shares only the locked `setup` cell's id.
    "activations_notebook": ({NOTEBOOK: (ROOT / "exercises" / "activations" / "activations.ipynb")
                              .read_text()}, "wrong assignment", 0),
    "renamed": ({"Untitled.ipynb": fixture_text("solution")},
                "wrong file name: graded \"Untitled.ipynb\"", 15),
    # The graded one saved by Windows' Notepad: a byte-order mark, CRLF line ends.
    "two_notebooks": ({NOTEBOOK: codecs.BOM_UTF8 + fixture_text("solution").replace("\n", "\r\n")
                       .encode(), "copy.ipynb": fixture_text("blank")},
                      "extra notebook ignored: \"copy.ipynb\"", 15),
    # The untouched download handed in beside the one the work is in: the
    # answered one is graded (it scored 0, "not written yet").
    "blank_beside_work": ({NOTEBOOK: fixture_text("blank"),
                           f"{NAME} (1).ipynb": fixture_text("solution")},
                          f"wrong file name: graded \"{NAME} (1).ipynb\"; extra notebook ignored: "
                          f"\"{NOTEBOOK}\"", 15),
    # The named one is answered, with the stub's raise left commented out
    # and after a return: it is graded, not an older draft beside it.
    "answered_keeps_stub_text": ({NOTEBOOK: solution_with(keep_stub_text),
                                  f"Copy of {NOTEBOOK}": fixture_text("solution")},
                                 f"extra notebook ignored: \"Copy of {NOTEBOOK}\"", 15),
    # The answers typed into new cells below the stubs, a scratch copy
    # beside it: the named one is graded (the copy was, for 1 of 15).
    "answers_below_stubs": ({NOTEBOOK: blank_with(answers_below_stubs),
                             f"{NAME} (1).ipynb": fixture_text("wrong_nand_is_and")},
                            f"extra notebook ignored: \"{NAME} (1).ipynb\"", 15),
    # exit() ends only its cell, and %reset leaves the names: a grade no
    # longer depends on when the kernel went down (exit() scored 6 to 14
    # of 14 on nine runs; %reset -f at the end, 4 of 14).
    "exit_after_an_answer": ({NOTEBOOK: solution_with(exit_after_the_first_answer)}, "ok", 15),
    "reset_at_the_end": ({NOTEBOOK: solution_with(reset_at_the_end)}, "ok", 15),
    # macOS's companion file of a copied notebook is no notebook.
    "apple_double": ({NOTEBOOK: fixture_text("solution"), f"._{NOTEBOOK}": b"\x00\x05\x16\x07"},
                     "ok", 15),
    # A file name written decomposed (macOS) reads composed in the status.
    "decomposed_file": ({"\u1100\u116a\u110c\u1166.ipynb": fixture_text("solution")},
                        "wrong file name: graded \"\uacfc\uc81c.ipynb\"", 15),
    "two_misnamed": ({"a.ipynb": fixture_text("solution"), "b.ipynb": fixture_text("blank")},
                     "missing notebook: found \"a.ipynb\", \"b.ipynb\"", 0),
    "duplicated_ids": ({NOTEBOOK: solution_with(duplicate_a_check)}, "duplicated cells", 15),
    "retyped_cells": ({NOTEBOOK: solution_with(retype_a_check)}, "changed cell types", 15),
    "changed_ids": ({NOTEBOOK: solution_with(rename_an_answer)}, "changed cell ids", 15),
    "empty_folder": ({}, "missing notebook", 0),
    # The notebook straight in the student's folder (a layout made by hand).
    "flat": ({NOTEBOOK: fixture_text("solution")},
             f"notebook not in a folder named {NAME}: graded from the student's folder", 15),
    "huge_file": (None, "notebook too large", 0),
    "with space": ({NOTEBOOK: fixture_text("solution")}, "invalid student id", 0),
    # 박서준 as macOS writes it: looks right, so the status says what is wrong.
    "\u1107\u1161\u11a8\u1109\u1165\u110c\u116e\u11ab": (
        {NOTEBOOK: fixture_text("solution")}, "invalid student id (the name is written decomposed", 0),
    "escape": (None, "refused: escape/ is a symbolic link", 0),  # a link to the solutions
}


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    (root / "escape").symlink_to(ROOT / "solutions")  # never followed
    for folder, (files, _, _) in CASES.items():
        if folder == "escape":
            continue
        target = root / folder / (NAME if folder != "flat" else "")
        target.mkdir(parents=True)
        if files is None:  # 500 MB without writing 500 MB: a sparse file
            with open(target / NOTEBOOK, "wb") as fh:
                fh.truncate(500 * 2**20)
            continue
        for name, content in files.items():
            path = target / name
            path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    return root


@pytest.mark.parametrize("language", ["", "ko"])
def test_a_changed_or_deleted_self_check_is_noted_and_a_released_notebook_is_not(language):
    """A self-check "fixed" to agree with a wrong answer, or deleted, is put
    back by the grader; the run's status and the student's page now say so
    (they said nothing, and the page showed the original's output under
    "your self-check said").  No released notebook, English or Korean,
    gets the note."""
    from nbgrader.utils import compute_checksum

    from autograder.intake import EDITED_CHECKS, _source, notebook_slips

    for name in ("perceptrons_xor", "training", "transformers"):
        ids, _parts, checks = _source(ROOT / "solutions" / name / f"{name}.ipynb")
        released = nbformat.read(ROOT / "exercises" / language / name / f"{name}.ipynb",
                                 as_version=4)
        assert notebook_slips(released, ids, checks) == [], name
        check_cells = [c for c in released.cells
                       if c.metadata.get("nbgrader", {}).get("grade_id") in checks]
        original = check_cells[0].source
        # Saved with Windows line endings: not a change.
        check_cells[0].source = original.replace("\n", "\r\n")
        assert notebook_slips(released, ids, checks) == [], name
        check_cells[0].source = original + "\n# agree with my answer\n"
        assert notebook_slips(released, ids, checks) == [EDITED_CHECKS]
        # A self-check the course changed after releasing it (its checksum
        # is the released one's): not the student's change.
        check_cells[0].metadata.nbgrader["checksum"] = compute_checksum(check_cells[0])
        assert notebook_slips(released, ids, checks) == [], name
        check_cells[0].source = original
        released.cells.remove(check_cells[-1])
        assert notebook_slips(released, ids, checks) == [EDITED_CHECKS]


def test_an_empty_assignment_folder_beside_the_notebook_does_not_hide_it(tmp_path):
    """The notebook straight in the student's folder, beside an empty (or
    notebook-less) folder named after the assignment, made by mistake or by
    unzipping: it was "missing notebook", 0 points; it is graded, and said."""
    (tmp_path / "minji" / NAME).mkdir(parents=True)
    (tmp_path / "minji" / NAME / "notes.txt").write_text("scratch")
    (tmp_path / "minji" / NOTEBOOK).write_text(fixture_text("solution"))
    submission = inspect(tmp_path / "minji", ASSIGNMENT)
    assert submission.problem is None
    assert submission.files == {NOTEBOOK: tmp_path / "minji" / NOTEBOOK}
    assert submission.status == f"notebook not in a folder named {NAME}: graded from the student's folder"


def test_a_download_with_answers_in_added_cells_is_answered_however_they_are_written():
    """The named notebook counts as the untouched download (and a scratch
    copy beside it is graded instead) only if no cell the student added
    defines a function the parts call: also when that cell holds more
    magics than IPython is given to read, or does not parse yet."""
    from autograder.intake import unanswered

    asked = frozenset(p.probe.name for p in ASSIGNMENT.parts
                      if isinstance(getattr(p.probe, "name", None), str))
    name = sorted(asked)[0]

    def blank_plus(source):
        nb = nbformat.reads(fixture_text("blank"), as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(source))
        return nb

    assert unanswered(blank_plus("x = 1\nprint(x)\n"), asked)
    assert unanswered(blank_plus("def scratch(z):\n    return z\n"), asked)
    assert not unanswered(blank_plus(f"def {name}(*args):\n    return 0\n"), asked)
    assert not unanswered(blank_plus("%load_ext autoreload\n" * 11
                                     + f"def {name}(*args):\n    return 0\n"), asked)
    assert not unanswered(blank_plus(f"def {name}(*args)\n    return 0\n"), asked)  # a slip


@pytest.mark.parametrize("folder", sorted(CASES))
def test_every_kind_of_bad_input_gets_its_own_status(submissions, folder):
    _, status, _ = CASES[folder]
    assert inspect(submissions / folder, ASSIGNMENT).status.startswith(status)


def run_grade(submissions, work, *extra, **popen):
    command = [sys.executable, "-m", "autograder", "grade", NAME, "--submissions",
               str(submissions), "--work", str(work), "--csv", str(work / "grades.csv"), *extra]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, **popen)


def read_csv(path):
    import csv

    with open(path, newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


@pytest.mark.grading
def test_a_killed_run_resumes_grades_everyone_once_and_changes_nothing_handed_in(
        submissions, tmp_path):
    before = tree_hashes(submissions)
    work = tmp_path / "work"
    run_file = work / "runs" / f"{NAME}.json"

    # Kill the grader (and its kernels) with SIGKILL once a submission is done.
    first = run_grade(submissions, work)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None:
        try:
            done = json.loads(run_file.read_text())["done"]
        except (OSError, ValueError, KeyError):
            done = {}
        if any(row["score"] > 0 for row in done.values()):
            break
        time.sleep(0.2)
    assert first.poll() is None, first.communicate()
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()  # reap it and close its pipes
    graded_before_kill = {sid for sid, row in json.loads(run_file.read_text())["done"].items()
                          if row["score"] > 0}
    assert graded_before_kill
    logs_before = {sid: (work / "logs" / NAME / f"{sid}.log").stat().st_mtime_ns
                   for sid in graded_before_kill}

    second = run_grade(submissions, work)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    assert "Resuming the unfinished run" in err and "Traceback" not in err

    rows = read_csv(work / "grades.csv")
    assert set(rows) == set(CASES)
    for folder, (_, status, score) in CASES.items():
        assert rows[folder]["status"].startswith(status), (folder, rows[folder])
        assert float(rows[folder]["score"]) == score, (folder, rows[folder])
    for sid in graded_before_kill:  # not graded a second time
        assert (work / "logs" / NAME / f"{sid}.log").stat().st_mtime_ns == logs_before[sid]

    with sqlite3.connect(work / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert tree_hashes(submissions) == before

    # One student hands in a fixed notebook: graded again alone, on new
    # inputs (the run's were on the feedback pages); the run (and so the
    # class report) keeps everyone else, and the run's inputs stay the
    # run's.  (Grading a folder of that one notebook started a new run of
    # one student, and the report showed only them.)
    fixed = tmp_path / "fixed"
    (fixed / "not_json" / NAME).mkdir(parents=True)
    (fixed / "not_json" / NAME / NOTEBOOK).write_text(fixture_text("solution"))
    seed = json.loads(run_file.read_text())["seed"]
    cases_file = work / "cases" / f"{NAME}.json"
    runs_cases = cases_file.read_bytes()
    again = run_grade(fixed, work, "--student", "not_json")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    regrade_seed = int(re.search(rf"again in the last run of {NAME}, on new inputs \(seed (\d+)\)",
                                 err).group(1))
    assert regrade_seed != seed
    assert json.loads((work / "reports" / NAME / "not_json" / NOTEBOOK.replace(".ipynb", ".json"))
                      .read_text())["seed"] == regrade_seed
    assert cases_file.read_bytes() == runs_cases
    run = json.loads(run_file.read_text())
    assert run["seed"] == seed and run["finished"] and set(run["done"]) == set(CASES)
    assert set(run) == {"submissions", "seed", "finished", "done"}  # nothing left to resume
    rows = read_csv(work / "grades.csv")  # the whole class, as after the first run
    assert set(rows) == set(CASES) and rows["not_json"]["score"] == "15"
    assert (run["done"]["not_json"]["score"], run["done"]["not_json"]["status"]) == (15, "ok")
    assert all(run["done"][sid]["score"] == score
               for sid, (_, _, score) in CASES.items() if sid != "not_json")
    from autograder.course import Course
    from autograder.report import collect

    report = collect(Course(ROOT, work=work), NAME)
    assert len(report.students) == len(CASES)
    missing = run_grade(fixed, work, "--student", "nobody")
    assert missing.wait(timeout=120) == 2  # a usage error: nothing graded
    assert "no folder 'nobody' in the submissions folder" in missing.communicate()[1]


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.grading
def test_ctrl_c_stops_a_parallel_run_cleanly_and_the_same_command_finishes_it(
        submissions, tmp_path):
    work = tmp_path / "work"
    run_file = work / "runs" / f"{NAME}.json"
    # A terminal's Ctrl-C: SIGINT to the grader's whole process group.
    first = run_grade(submissions, work, "--jobs", "2",
                      preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None:
        try:
            done = json.loads(run_file.read_text())["done"]
        except (OSError, ValueError, KeyError):
            done = {}
        if any(row["score"] > 0 for row in done.values()):
            break
        time.sleep(0.2)
    assert first.poll() is None, first.communicate()
    os.killpg(first.pid, signal.SIGINT)
    _, err = first.communicate(timeout=60)
    assert first.returncode == 2, err
    assert "Traceback" not in err
    saved = len(json.loads(run_file.read_text())["done"])
    assert f"stopped: {saved} of {len(CASES)} submission(s) graded and saved" in err
    # The workers and their kernels end with the grader.
    deadline = time.monotonic() + 30
    while group_alive(first.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_alive(first.pid), "grading processes outlived the stopped run"
    # Two workers ran, each with its own folder for kernel sockets.
    assert len(list((work / "ipc").glob("worker-*"))) == 2

    second = run_grade(submissions, work, "--jobs", "2")
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    assert f"{saved} of {len(CASES)} submission(s) already graded" in err
    rows = read_csv(work / "grades.csv")
    for folder, (_, status, score) in CASES.items():
        assert rows[folder]["status"].startswith(status), (folder, rows[folder])
        assert float(rows[folder]["score"]) == score, (folder, rows[folder])


def test_ctrl_c_while_a_grade_is_saved_lets_the_save_finish_first():
    """A CI run's Ctrl-C landed while SQLAlchemy closed the gradebook's
    connection: it logged the interrupt with its traceback before the grader
    said what was saved.  Saving a grade now finishes, then the interrupt
    is raised; without one, nothing is."""
    from autograder.utils import ctrl_c_after

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    saved = []
    try:
        with ctrl_c_after():
            saved.append("quiet")
        with pytest.raises(KeyboardInterrupt):
            with ctrl_c_after():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)  # the signal arrives here, and the block goes on
                saved.append("interrupted")
        assert saved == ["quiet", "interrupted"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        # A second Ctrl-C stops a step that hangs; one pressed during a
        # step that then fails is not lost.
        with pytest.raises(KeyboardInterrupt):
            with ctrl_c_after():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
                saved.append("not reached")
        with pytest.raises(KeyboardInterrupt):
            with ctrl_c_after():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
                raise OSError("the gradebook is locked")
        assert saved == ["quiet", "interrupted"]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_the_time_left_is_estimated_from_the_submissions_not_the_start(monkeypatch, caplog):
    """The first estimate counted the run's start (the solution's run, the
    warm process: 40 s) as the first submission's time: "about 17m44s left"
    for a run that took 2m48s.  It now starts at the second graded one."""
    import logging

    from autograder import grade
    from autograder.results import Result

    now = [0.0]
    monkeypatch.setattr(grade, "monotonic", lambda: now[0])
    progress = grade.Progress(5, bar=False)
    lines = []
    with caplog.at_level(logging.INFO, logger=grade.log.name):
        for when in (40.0, 44.0, 48.0):
            now[0] = when
            progress.step(Result("minji", 1, 1, "ok", {}))
            lines.append(caplog.records[-1].getMessage())
    assert "left" not in lines[0]
    assert lines[1].endswith("about 12s left)") and lines[2].endswith("about 8s left)"), lines
