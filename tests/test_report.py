"""The class report and the grades it exports read the gradebook the
instructor named, and show the score a student gets: after any late penalty.

No kernels: the gradebook is filled through nbgrader's API, as a grading
run would leave it, and the run file is written as ``grade`` writes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import pytest
from conftest import ROOT

from autograder.course import Course
from autograder.grade import register_assignment
from autograder.report import write_report
from autograder.results import Result
from autograder.settings import COURSE_ID
from autograder.utils import quiet_nbgrader

NAME = "perceptrons_xor"
DUE = dt.datetime(2026, 12, 1, 15, 0)


def graded_class(course: Course, penalties: dict[str, float]) -> dict[str, float]:
    """Record one submission per student in ``penalties``, each earning
    every part's full points, with that late penalty (a second's lateness
    per point of penalty); write the run file.  Returns the raw scores."""
    from nbgrader.api import Gradebook

    course.open_gradebook()
    register_assignment(course, NAME)
    done, raw = {}, {}
    with quiet_nbgrader(), Gradebook(course.db_url, COURSE_ID) as gb:
        gb.update_or_create_assignment(NAME, duedate=DUE)
        for student, penalty in penalties.items():
            gb.update_or_create_student(student)
            late = dt.timedelta(hours=2) if penalty else dt.timedelta(hours=-1)
            submission = gb.add_submission(NAME, student, timestamp=DUE + late)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = grade.max_score
                notebook.late_submission_penalty = penalty
            gb.db.commit()
            raw[student] = float(submission.score)
            result = Result(student, raw[student] - penalty, float(submission.max_score),
                            "ok", {g.name: float(g.score) for nb in submission.notebooks
                                   for g in nb.grades})
            done[student] = result.__dict__
    runs = course.work / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    (runs / f"{NAME}.json").write_text(json.dumps(
        {"submissions": "x", "seed": 1, "finished": True, "done": done}))
    return raw


def student_scores(html: str) -> dict[str, str]:
    """Each student's total as the report's Grades table shows it."""
    table = html[html.index('<table class="grades">'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<tr data-student="([^"]+)">(.*?)</tr>', table, re.S)
    return {student: re.findall(r'<td class="num">([^<]+)</td>', cells)[-1]
            for student, cells in rows}


def test_the_report_shows_the_score_after_the_late_penalty(tmp_path):
    course = Course(ROOT, work=tmp_path / "work")
    raw = graded_class(course, {"ontime": 0.0, "late": 1.5})
    report = write_report([NAME], course)
    html = report.path.read_text()
    (assignment,) = report.assignments
    scores = {s.student_id: s.score for s in assignment.students}
    assert scores == {"ontime": raw["ontime"], "late": raw["late"] - 1.5}
    assert assignment.mean == pytest.approx((2 * raw["late"] - 1.5) / 2)
    shown = student_scores(html)
    assert float(shown["late"]) == raw["late"] - 1.5, shown
    assert [s.student_id for s in assignment.late] == ["late"]
    # The grades CSV beside it (nbgrader's export) agrees.
    with open(report.csv, newline="") as fh:
        exported = {r["student_id"]: float(r["score"]) for r in csv.DictReader(fh)}
    assert exported == scores


def test_report_with_another_gradebook_exports_that_gradebook(tmp_path):
    """--db-url names a gradebook outside the work folder: the CSV beside the
    report must come from it, not from a new empty one in the work folder."""
    other = tmp_path / "shared" / "gradebook.db"
    other.parent.mkdir()
    course = Course(ROOT, work=tmp_path / "work", db_url=f"sqlite:///{other}")
    graded_class(course, {"minji": 0.0})
    report = write_report([NAME], course)
    with open(report.csv, newline="") as fh:
        assert [r["student_id"] for r in csv.DictReader(fh)] == ["minji"]
    assert not (tmp_path / "work" / "gradebook.db").exists()


@pytest.mark.browser
def test_the_report_fits_a_phone(tmp_path, chromium):
    """At 390 px wide nothing but a table's own scroll box is wider than
    the screen (a long check message once pushed the whole page sideways)."""
    course = Course(ROOT, work=tmp_path / "work")
    graded_class(course, {"a_student_with_a_rather_long_identifier": 0.0, "late": 1.5})
    report = write_report([NAME], course)
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    page.goto(report.path.as_uri())
    wider = page.evaluate("""[...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                     && !e.closest('.scroll'))
        .map(e => e.tagName + '.' + e.className)""")
    page.close()
    assert wider == []
