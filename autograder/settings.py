"""The course's fixed settings: where things are, and the default limits.

A leaf module: it imports nothing of the course, so every layer may read it.
What an instructor changes per run (the work folder, the gradebook, the
limits) are traits of :class:`autograder.course.Course`, whose defaults are
these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The repository: solutions/, exercises/ and the grading work folder live here.
ROOT = Path(__file__).resolve().parent.parent

COURSE_ID = "dlcourse"

#: Checks that decide each part's points; they sit beside the solution
#: notebook and are never released to students or copied next to a submission.
CHECKS_FILE = "checks.py"

#: Git-ignored working folder: submissions, autograded copies, feedback,
#: grading reports and the gradebook.
WORK_DIR = "grading"

#: CPU seconds one cell may use (nbgrader's default of 30 s is too short for a
#: training cell).  Time limits count the CPU time of the submission's own
#: kernel (its cgroup's, child processes and threads included), not the wall
#: clock, so that a busy grading machine changes no grade
#: (autograder.execute.TimeLimits).
CELL_TIMEOUT = 300

#: CPU seconds a whole submission may use, probes included.
SUBMISSION_TIMEOUT = 900

#: Each CPU-time limit has a wall-clock backstop this many times as long: it
#: stops a kernel that waits instead of working (a sleeping loop uses no CPU).
WALL_CLOCK_FACTOR = 4

#: nbgrader's exchange folder, shared by instructors and students on one
#: machine or JupyterHub (``collect --exchange ROOT`` uses another).  This is
#: nbgrader's own default, so the JupyterLab Assignments panel finds it with
#: no setting on the students' side.
EXCHANGE_ROOT = "/usr/local/share/nbgrader/exchange"

#: Folder, inside the feedback folder, that holds the pages' MathJax copy;
#: pages sit two folders below (feedback/<student>/<assignment>/<nb>.html)
#: and load it as ../../_mathjax/tex-mml-chtml.js (autograder/feedback.py).
FEEDBACK_MATHJAX_DIR = "_mathjax"


@dataclass(frozen=True)
class WorkDir:
    """Every path under a grading work folder (``grading/`` by default),
    named once.  Kept per class: ``--work`` picks another folder."""

    root: Path

    gradebook = property(lambda self: self.root / "gradebook.db")  # unless --db-url names one
    submitted = property(lambda self: self.root / "submitted")  # nbgrader's: staged copies
    autograded = property(lambda self: self.root / "autograded")  # nbgrader's: graded copies
    feedback = property(lambda self: self.root / "feedback")  # pages for students
    report = property(lambda self: self.root / "report")  # the class report and grades CSV
    reports = property(lambda self: self.root / "reports")  # per notebook: each check's verdict
    cases = property(lambda self: self.root / "cases")  # per assignment: the run's drawn inputs
    runs = property(lambda self: self.root / "runs")  # per assignment: progress and results
    logs = property(lambda self: self.root / "logs")  # per submission: nbgrader's log
    ipc = property(lambda self: self.root / "ipc")  # kernels' sockets
    late_policy = property(lambda self: self.root / "late_policy.json")

    def run_file(self, assignment: str) -> Path:
        return self.runs / f"{assignment}.json"

    def cases_file(self, assignment: str) -> Path:
        return self.cases / f"{assignment}.json"

    def check_report(self, assignment: str, student: str, notebook: str) -> Path:
        return self.reports / assignment / student / f"{notebook}.json"

    def log(self, assignment: str, student: str) -> Path:
        return self.logs / assignment / f"{student}.log"
