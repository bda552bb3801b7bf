"""Build the fixture submissions the grading tests use.

    python tests/submissions/build.py            # rewrite every fixture
    python tests/submissions/build.py --check    # exit 1 if a fixture is stale
    python tests/submissions/build.py --expected # rebuild, grade, rewrite expected.csv
    python tests/submissions/build.py --expected perceptrons_xor   # one assignment only

For each assignment with a ``tests/submissions/<assignment>/wrong.py``, this
writes ``tests/submissions/<assignment>/<fixture>/<assignment>/<notebook>.ipynb``
(the folder is laid out like nbgrader's ``submitted/``, one "student" per
fixture).  Every fixture starts from the released student notebook, as a real
submission would, and is named by its expected result:

* ``solution``: every answer cell holds the solution's code.
* ``solution_ko``, ``wrong_*_ko``: the same in the Korean notebook (for
  ``TRANSLATED_FIXTURES``): the same points as their English twins.
* ``blank``: the released notebook, untouched.
* ``wrong_*``: the solution with the mistakes in ``wrong.py``.
* ``right_*``: the solution with the correct variants in ``right.py``
  (float32, lists, tensors, the other framework, loops...): full marks.
* ``stub``: every answer cell replaced by ``stub.py``'s constants or zeros
  of the right shape (untrained models): no marks.
* ``tamper_*``: attempts to fake a pass, on top of blank (or solution) code.
* ``timeout_*``, ``invalid_notebook``, ``missing_notebook``: submissions
  the grader must report with a status instead of crashing.

The expected scores live in ``<assignment>/expected.csv``, written by
``grade --csv``.  Regenerate them on purpose (``make expected-scores`` runs
``--expected``) and read the diff before committing it: every changed number
is a changed grade.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from autograder.assignment import load_assignment  # noqa: E402
from autograder.checks import Call, Predict, Read  # noqa: E402
from dlcourse.translations import LANGUAGES  # noqa: E402

#: Assignments whose fixtures include the translated notebooks (solution_ko,
#: and the first wrong.py variant in Korean): grading them costs suite time,
#: and the code cells of every twin are checked equal to the English ones.
TRANSLATED_FIXTURES = ("perceptrons_xor", "tensors")

MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_check(cell) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def solution_code(solution_nb) -> dict[str, str]:
    """The solution's code for each answer cell, markers removed."""
    return {nbgrader_meta(c)["grade_id"]: MARKERS.sub("", c.source)
            for c in solution_nb.cells if nbgrader_meta(c).get("solution")}


def with_answers(nb, answers: dict[str, str]):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def student_cell(source: str):
    """A new code cell, with a fixed id so that rebuilding changes nothing."""
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "added-by-student"
    return cell


def insert_after_setup(nb, source: str):
    """A cell of the student's own right after the first code cell."""
    nb = copy.deepcopy(nb)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 1, student_cell(source))
    return nb


def append_cell(nb, source: str):
    nb = copy.deepcopy(nb)
    nb.cells.append(student_cell(source))
    return nb


INPUT_TRANSFORMER = '''\
# Rewrite every self-check cell into a success message before it runs, and
# answer the grader's probe with a forged result.
def _fake_pass(lines):
    text = "".join(lines)
    if "self_check" in text:
        return ["print('all public checks passed')\\n"]
    if "__dlcourse_probe__(" in text:
        return ["__dlcourse_answer__ = '{\\"answers\\": []}'\\n"]
    return lines

get_ipython().input_transformers_post.append(_fake_pass)
'''

AST_TRANSFORMER = '''\
# Remove every raise and assert from the code of each cell before it runs.
import ast

class _NoFailures(ast.NodeTransformer):
    def visit_Raise(self, node):
        return ast.Pass()

    def visit_Assert(self, node):
        return ast.Pass()

get_ipython().ast_transformers.append(_NoFailures())
'''

PATCH_TESTING = '''\
# Make NumPy's comparisons and the self-check helper always succeed.
import numpy as np
import numpy.testing
import dlcourse.selfcheck

np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
dlcourse.selfcheck.self_check.__exit__ = lambda self, *exc: True
dlcourse.selfcheck.self_check.close = lambda self, *args, **kwargs: None
'''

ENV_GATED = '''\
# Only while nbgrader grades: swallow every failure in the self-checks.
import os

if os.environ.get("NBGRADER_EXECUTION"):
    import dlcourse.selfcheck
    dlcourse.selfcheck.self_check.__exit__ = lambda self, *exc: True
'''


def always_equal_cell(assignment) -> str:
    """Every name the grader asks for, bound to objects equal to anything."""
    lines = [
        "# Answers that compare equal to anything and pretend to be numbers.",
        "class AlwaysEqual:",
        "    def __eq__(self, other):",
        "        return True",
        "",
        "    def __ne__(self, other):",
        "        return False",
        "",
        "    def __float__(self):",
        "        return 1.0",
        "",
        "    __hash__ = object.__hash__",
        "",
    ]
    for part in assignment.parts:
        probe = part.probe
        if isinstance(probe, Call):
            lines.append(f"def {probe.name}(*args, **kwargs):\n    return AlwaysEqual()\n")
        elif isinstance(probe, Read):
            lines += [f"{name} = AlwaysEqual()" for name in probe.names]
        elif isinstance(probe, Predict):
            lines.append(f"{probe.name} = lambda X: AlwaysEqual()")
    return "\n".join(lines) + "\n"


def edited_checks(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if is_check(cell):
            cell.source = "print('✓ all public checks passed')"
    return nb


def deleted_checks(nb):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not is_check(c)]
    return nb


def inflated_points(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if is_check(cell):
            meta["points"] = 100
        elif meta.get("solution"):  # also try to turn answers into graded cells
            meta.update(grade=True, points=100)
    return nb


def load_module(path: Path, attribute: str):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attribute)


def load_wrong(assignment_dir: Path) -> dict[str, dict[str, str]]:
    return load_module(assignment_dir / "wrong.py", "WRONG")


def load_right(assignment_dir: Path) -> dict[str, dict[str, str]]:
    """``right.py``'s correct variants (none if the file does not exist)."""
    path = assignment_dir / "right.py"
    return load_module(path, "RIGHT") if path.exists() else {}


def load_stub(assignment_dir: Path) -> dict[str, str] | None:
    """``stub.py``'s answer for every answer cell (None if there is no file)."""
    path = assignment_dir / "stub.py"
    return load_module(path, "STUB") if path.exists() else None


def fixtures_for(name: str) -> dict[str, object]:
    """fixture name -> notebook (or a str: the raw file content, or None:
    no notebook at all)."""
    assignment = load_assignment(ROOT / "solutions", name)
    (notebook,) = assignment.notebooks  # one notebook per assignment in this course
    released = nbformat.read(ROOT / "exercises" / name / notebook.name, as_version=4)
    answers = solution_code(nbformat.read(notebook, as_version=4))
    solved = with_answers(released, answers)
    out = {"solution": solved, "blank": released}
    for source, variants in (("wrong.py", load_wrong(HERE / name)),
                             ("right.py", load_right(HERE / name))):
        for fixture, changes in variants.items():
            unknown = set(changes) - set(answers)
            if unknown:
                raise SystemExit(f"{name}/{source}: {fixture} changes unknown cells "
                                 f"{sorted(unknown)}")
            if source == "right.py" and not fixture.startswith("right_"):
                raise SystemExit(f"{name}/right.py: {fixture} should be named right_*")
            out[fixture] = with_answers(solved, changes)
    stub = load_stub(HERE / name)
    if stub is not None:
        if set(stub) != set(answers):  # no solution code may be left in the stub
            raise SystemExit(f"{name}/stub.py: STUB must answer exactly the cells "
                             f"{sorted(answers)}")
        out["stub"] = with_answers(released, stub)
    if name in TRANSLATED_FIXTURES:
        # The Korean twin (translated Markdown, a cell choosing the language,
        # the same code cells) with the same answers earns the same points.
        for language in LANGUAGES:
            twin = nbformat.read(ROOT / "exercises" / language / name / notebook.name, as_version=4)
            out[f"solution_{language}"] = with_answers(twin, answers)
            first_wrong, changes = next(iter(load_wrong(HERE / name).items()))
            out[f"{first_wrong}_{language}"] = with_answers(with_answers(twin, answers), changes)
    out.update({
        "tamper_input_transformer": insert_after_setup(released, INPUT_TRANSFORMER),
        "tamper_ast_transformer": insert_after_setup(released, AST_TRANSFORMER),
        "tamper_patched_testing": insert_after_setup(released, PATCH_TESTING),
        "tamper_always_equal": append_cell(released, always_equal_cell(assignment)),
        "tamper_edited_checks": edited_checks(released),
        "tamper_deleted_checks_solution": deleted_checks(solved),
        "tamper_points": inflated_points(released),
        "tamper_env_gated": insert_after_setup(released, ENV_GATED),
        "invalid_notebook": "this file is not a notebook\n",
        "missing_notebook": None,
    })
    return out


def build(name: str, dest: Path) -> None:
    for fixture, content in fixtures_for(name).items():
        folder = dest / fixture / name
        folder.mkdir(parents=True)
        target = folder / f"{name}.ipynb"
        if content is None:
            (folder / "notes.txt").write_text("The notebook was never uploaded.\n")
        elif isinstance(content, str):
            target.write_text(content)
        else:
            nbformat.write(content, target)


def assignments() -> list[str]:
    return sorted(p.parent.name for p in HERE.glob("*/wrong.py"))


def stale(name: str) -> list[str]:
    """Fixture files of ``name`` that differ from a fresh build."""
    from autograder.utils import trees_differ

    with tempfile.TemporaryDirectory() as tmp:
        build(name, Path(tmp))
        # wrong.py, right.py, stub.py and expected.csv sit beside the fixture folders
        return trees_differ(Path(tmp), HERE / name, keep=lambda rel: len(rel.parts) > 1)


#: Per-cell time limit for grading the fixtures: long enough for a cell that
#: imports TensorFlow and trains, short enough that the timeout fixture is quick.
CELL_TIMEOUT = 30


def grade_fixtures(name: str, work: Path, seed: int | None = None):
    """Grade ``name``'s fixtures with a throw-away gradebook in ``work``;
    returns the rows and writes ``work/grades.csv``."""
    from autograder.course import Course
    from autograder.grade import grade

    course = Course(ROOT, work=work, cell_timeout=CELL_TIMEOUT)
    rows = grade(name, HERE / name, course=course, seed=seed, csv_path=work / "grades.csv")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; fail if stale")
    parser.add_argument("--expected", action="store_true",
                        help="also grade the fixtures and rewrite each expected.csv")
    parser.add_argument("names", nargs="*", metavar="ASSIGNMENT",
                        help="only these assignments (default: every one with a wrong.py)")
    args = parser.parse_args()
    unknown = set(args.names) - set(assignments())
    if unknown:
        parser.error(f"no fixtures for {', '.join(sorted(unknown))} (each needs a wrong.py)")
    status = 0
    for name in args.names or assignments():
        if args.check:
            differ = stale(name)
            if differ:
                print(f"{name}: stale fixtures: {', '.join(differ)}")
                status = 1
            continue
        for folder in (HERE / name).iterdir():
            if folder.is_dir():
                shutil.rmtree(folder)
        build(name, HERE / name)
        print(f"{name}: wrote fixtures to {(HERE / name).relative_to(ROOT)}")
        if args.expected:
            with tempfile.TemporaryDirectory() as tmp:
                grade_fixtures(name, Path(tmp))
                shutil.copy(Path(tmp) / "grades.csv", HERE / name / "expected.csv")
            print(f"{name}: wrote {(HERE / name / 'expected.csv').relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
