"""``generate``: the student notebooks in ``exercises/``, from the solution
notebooks in ``solutions/``, through nbgrader's ``generate_assignment``.

An assignment is written only if its solution notebook, graded as a
submission against itself on freshly drawn inputs, earns full marks.

Each English notebook gets its twins in the other languages, in
``exercises/<language>/<assignment>/``: the same code cells, the Markdown
translated from ``solutions/locale/`` (dlcourse.translations). A paragraph
not translated yet stays English, with a warning.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.assignment import list_assignments
from autograder.checks import GradingError
from autograder.course import Course
from autograder.grade import grade
from autograder.gradebook import exclusive
from autograder.utils import quiet_logs, quiet_nbgrader, require_success, trees_differ
from dlcourse.translations import LANGUAGES, translate_notebook

log = logging.getLogger(__name__)


def write_translations(course: Course, name: str, release: Path) -> None:
    """The other languages' twins of ``release/<name>``'s notebooks, under ``release/<language>/``."""
    for language in LANGUAGES:
        folder = release / language / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for notebook in sorted((release / name).glob("*.ipynb")):
            twin, english = translate_notebook(nbformat.read(notebook, as_version=4), name,
                                               language, course.source)
            nbformat.write(twin, folder / notebook.name)
            if english:
                log.warning(f"{name}: {english} paragraph(s) of {language}/{name}/{notebook.name} "
                            f"are still English (python -m dlcourse.translations check)")


def generate(course: Course, names: list[str] | None = None, *, check: bool = False) -> list[str]:
    """Generate the student notebooks of ``names`` (default: every
    assignment) into the course's release folder (``exercises/``).

    Each solution notebook is first graded as a submission, against itself,
    on freshly drawn inputs; an assignment whose solution does not earn full
    marks is refused and ``exercises/`` is left as it was.  With
    ``check=True`` nothing is written: the return value lists the
    assignments whose committed ``exercises/`` differ from what generation
    produces now.
    """
    names = names or list_assignments(course.source)
    stale = []
    if not check:
        course.open_gradebook()  # once, before the first assignment is written
    for name in names:
        assignment = course.assignment(name)  # refuses when checks.py and the notebook disagree
        with tempfile.TemporaryDirectory(prefix="dlcourse-generate-") as tmp:
            tmp = Path(tmp)
            scratch = course.scratch(tmp)
            with quiet_nbgrader():
                require_success(scratch.api().generate_assignment(name, force=True),
                                f"generate {name}")
            if check:
                write_translations(course, name, tmp / "release")
                differ = trees_differ(tmp / "release" / name, course.release / name)
                differ += [f"{language}/{path}" for language in LANGUAGES for path in
                           trees_differ(tmp / "release" / language / name,
                                        course.release / language / name)]
                if differ:
                    stale.append(name)
                    log.warning(f"{name}: exercises/{name} differs from its solution: "
                                f"{', '.join(differ)}")
                else:
                    log.info(f"{name}: exercises/{name} is up to date")
                continue
            log.info(f"{name}: grading the solution notebook against itself ...")
            own = tmp / "incoming" / "solution" / name
            own.mkdir(parents=True)
            for notebook in assignment.notebooks:
                shutil.copy(notebook, own / notebook.name)
            with quiet_logs("autograder.grade"):
                result = grade(name, tmp / "incoming", scratch)[0]
            if result.status != "ok" or result.score < result.max_score:
                raise GradingError(
                    f"{name}: the solution scores {result.score:g} of {result.max_score:g} "
                    f"({result.status}) on its own checks; exercises/{name} left unchanged")
        with exclusive(course.db_url), quiet_nbgrader():
            require_success(course.api().generate_assignment(name, force=True), f"generate {name}")
        write_translations(course, name, course.release)
        log.info(f"{name}: solution scores full marks; wrote exercises/{name}")
    return stale
