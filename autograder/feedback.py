"""Feedback for students: one HTML page per student and assignment.

The pages are nbgrader's own (``generate_feedback``, its ``feedback``
template) rendered from the autograded notebooks, with the course's settings
from :mod:`autograder.config`: hidden-test regions are cut from test cells,
and MathJax comes from a copy in ``feedback/_mathjax/`` instead of a CDN.

What a page shows: the student's own cells, the public self-check cells, and
under each self-check the grader's verdict (each check in words and the
points).  What it cannot show, because it is not in the autograded notebook:
``checks.py``, the solution notebook, the inputs drawn for the run and the
solution's answers on them (``cases/<assignment>.json``), the probe.

A submission that was never graded (no notebook, not a notebook, ...) gets a
short page saying why, with its score of 0.
"""

from __future__ import annotations

import html
import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.checks import GradingError
from autograder.config import FEEDBACK_MATHJAX_DIR, ROOT
from autograder.intake import STUDENT_ID

#: Loads the MathJax copy that sits beside this script, set up for notebook
#: math ($...$ and $$...$$).  The pages refer to it by a relative URL.
MATHJAX_LOADER = r"""// MathJax for the feedback pages, from the copy in this folder (no CDN).
(function () {
  var here = document.currentScript.src.replace(/[^\/]*$/, "");
  window.MathJax = {
    tex: {
      inlineMath: [["$", "$"], ["\\(", "\\)"]],
      displayMath: [["$$", "$$"], ["\\[", "\\]"]],
      processEscapes: true,
      processEnvironments: true
    }
  };
  var script = document.createElement("script");
  script.src = here + "tex-mml-chtml.js";
  script.async = true;
  document.head.appendChild(script);
})();
"""

NOT_GRADED_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{assignment}: not graded</title>
<style>body {{ font-family: sans-serif; max-width: 40em; margin: 2em auto; line-height: 1.5; }}
.status {{ color: #a33; font-weight: bold; }}</style></head>
<body>
<h1>{assignment}</h1>
<p>Student: <code>{student}</code></p>
<p>Your submission could not be graded: <span class="status">{status}</span>.</p>
<p>Score: 0 of {max_score:g} points.</p>
<p>Nothing in it was run. Check that you handed in the notebook you downloaded,
saved from Jupyter under its original name, and ask your instructor if it
should be graded again.</p>
</body>
</html>
"""


@dataclass
class Page:
    student: str
    path: Path
    graded: bool
    status: str


def _book_mathjax():
    """The book's MathJax helper (``book/_ext/offline_mathjax.py``): one home
    for where the MathJax files come from and which of them a page needs."""
    path = ROOT / "book" / "_ext" / "offline_mathjax.py"
    spec = importlib.util.spec_from_file_location("offline_mathjax", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def install_mathjax(feedback_dir: Path) -> Path:
    """Copy MathJax and its loader into ``feedback_dir/_mathjax/``."""
    mathjax = _book_mathjax()
    source = mathjax.mathjax_source()
    target = Path(feedback_dir) / FEEDBACK_MATHJAX_DIR
    for part in mathjax.PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    (target / "load.js").write_text(MATHJAX_LOADER)
    return target


def _read_run(course, name: str) -> dict:
    path = course.work / "runs" / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise GradingError(f"{name} has not been graded in {course.work} "
                           f"(no {path}); run `python -m autograder grade {name}` first") from None


def generate_feedback(name: str, course, log=print) -> list[Page]:
    """Write the feedback pages of every student in the last grading run of
    assignment ``name`` into ``<work>/feedback/<student>/<name>/``."""
    from autograder.grading import _run, quiet_nbgrader

    assignment = course.assignment(name)
    run = _read_run(course, name)
    feedback_dir = Path(course.config.CourseDirectory.feedback_directory)
    autograded = Path(course.config.CourseDirectory.autograded_directory)
    install_mathjax(feedback_dir)
    api = course.api()
    pages = []
    students = sorted(run["done"].items())
    for index, (student, row) in enumerate(students, 1):
        if not STUDENT_ID.match(student):
            log(f"  [{index}/{len(students)}] {student!r}: no page (not a valid student id)")
            continue
        status = row["status"]
        folder = feedback_dir / student / name
        # Graded in this run: nbgrader's page.  Otherwise a note, even if an
        # earlier run left an autograded copy behind.
        if row.get("parts") and (autograded / student / name).is_dir():
            with quiet_nbgrader():
                _run(api.generate_feedback(name, student, force=True),
                     f"write the feedback of {student}")
            for notebook in assignment.notebooks:
                pages.append(Page(student, folder / f"{notebook.stem}.html", True, status))
        else:
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            for notebook in assignment.notebooks:
                path = folder / f"{notebook.stem}.html"
                path.write_text(NOT_GRADED_PAGE.format(
                    assignment=html.escape(name), student=html.escape(student),
                    status=html.escape(status), max_score=assignment.max_score))
                pages.append(Page(student, path, False, status))
        log(f"  [{index}/{len(students)}] {student}: {row['score']:g}/{row['max_score']:g} "
            f"{'' if status == 'ok' else status + ' '}-> {folder}")
    return pages
