"""RestoreCellRoles: a cell's grade and solution flags come from the
gradebook, never from the submission's metadata (an in-memory notebook, a
throw-away gradebook, no kernel)."""

from __future__ import annotations

import copy

import nbformat
import pytest
from conftest import ROOT

from autograder.course import Course
from autograder.grade import register_assignment
from autograder.sanitize import RestoreCellRoles

NAME = "perceptrons_xor"


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    course = Course(ROOT, work=tmp_path_factory.mktemp("work"))
    course.open_gradebook()
    register_assignment(course, NAME)
    return course.db_url


def restore(nb, url):
    resources = {"nbgrader": {"notebook": NAME, "assignment": NAME, "db_url": url}}
    return RestoreCellRoles().preprocess(copy.deepcopy(nb), resources)[0]


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(scope="module")
def solution():
    return nbformat.read(ROOT / "exercises" / NAME / f"{NAME}.ipynb", as_version=4)


def test_an_honest_notebook_keeps_its_roles(gradebook, solution):
    out = restore(solution, gradebook)
    for grade_id, grade, answer in [("step", False, True), ("check_step", True, False)]:
        meta = cell(out, grade_id).metadata.nbgrader
        assert (meta["grade"], meta["solution"]) == (grade, answer)
    assert cell(out, "check_step").metadata.nbgrader["points"] == 1


def test_a_test_cell_turned_into_an_answer_cell_is_a_test_cell_again(gradebook, solution):
    nb = copy.deepcopy(solution)
    meta = cell(nb, "check_step").metadata.nbgrader
    meta["grade"], meta["solution"], meta["points"] = False, True, 100
    restored = cell(restore(nb, gradebook), "check_step").metadata.nbgrader
    assert (restored["grade"], restored["solution"]) == (True, False)


def test_an_answer_cell_claiming_points_loses_them(gradebook, solution):
    nb = copy.deepcopy(solution)
    meta = cell(nb, "step").metadata.nbgrader
    meta["grade"], meta["points"] = True, 50
    restored = cell(restore(nb, gradebook), "step").metadata.nbgrader
    assert (restored["grade"], restored["solution"]) == (False, True)
    assert "points" not in restored


@pytest.mark.parametrize("meta", [
    {"grade": True, "grade_id": "my_bonus", "points": 10, "solution": False},
    {"grade": True, "points": 10},
    "not even a dict",
])
def test_a_cell_the_gradebook_does_not_know_is_an_ordinary_cell(gradebook, solution, meta):
    nb = copy.deepcopy(solution)
    extra = nbformat.v4.new_code_cell("score = 10")
    extra.metadata["nbgrader"] = meta
    nb.cells.append(extra)
    out = restore(nb, gradebook)
    assert "nbgrader" not in out.cells[-1].metadata


def sanitize(nb, url):
    """nbgrader's sanitizing steps around RestoreCellRoles, as the grader runs them."""
    from nbgrader.preprocessors import CheckCellMetadata, DeduplicateIds, OverwriteCells

    resources = {"nbgrader": {"notebook": NAME, "assignment": NAME, "db_url": url}}
    nb = copy.deepcopy(nb)
    for step in (DeduplicateIds(), RestoreCellRoles(), OverwriteCells(), CheckCellMetadata()):
        nb, resources = step.preprocess(nb, resources)
    return nb


def unflagged_markdown_copy(nb):
    # A markdown cell carrying a test cell's id, without flags or points:
    # nbgrader's DeduplicateIds does not see it, and nbgrader stopped on it.
    nb.cells.append(nbformat.v4.new_markdown_cell("my notes",
                                                  metadata={"nbgrader": {"grade_id": "check_step"}}))


def schema_from_the_future(nb):
    cell(nb, "check_step").metadata.nbgrader["schema_version"] = 99


def flagged_copy_first(nb):
    # A copy of the answer cell before it, flags and all (a cell duplicated in
    # Jupyter): nbgrader keeps the last.
    nb.cells.insert(0, copy.deepcopy(cell(nb, "step")))


@pytest.mark.parametrize("change", [unflagged_markdown_copy, schema_from_the_future, flagged_copy_first])
def test_metadata_nbgrader_would_stop_on_is_written_anew(gradebook, solution, change):
    # Each of these made the whole notebook a "grading error" (0 points) that
    # read as the grader's fault.
    nb = copy.deepcopy(solution)
    change(nb)
    out = sanitize(nb, gradebook)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in out.cells if "nbgrader" in c.metadata]
    assert sorted(ids) == sorted(c.metadata["nbgrader"]["grade_id"] for c in solution.cells
                                 if "nbgrader" in c.metadata)
    meta = cell(out, "check_step").metadata.nbgrader
    assert (meta["grade"], meta["points"], meta["schema_version"]) == (True, 1, 3)
    assert cell(out, "check_step").cell_type == "code"
