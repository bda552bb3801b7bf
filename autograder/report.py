"""The class report: one self-contained HTML file for the instructor.

For each assignment graded in the work folder: the distribution of total
scores and each part's mean score (figures drawn with matplotlib, embedded
as PNG with alt text), the checks most often failed (from the per-notebook
JSON reports), late submissions (nbgrader's timestamps and late penalties in
the gradebook), flagged submissions with their status (from the run file),
and every student's points.  The grades CSV (nbgrader's export, as
``python -m autograder export``) is written beside the report and linked from
it.  The page loads nothing: styles are inline and figures are data URLs.
"""

from __future__ import annotations

import base64
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from autograder.checks import SKIPPED, GradingError
from autograder.export import export
from autograder.late import late_duration
from autograder.results import Result, from_gradebook, read_run
from autograder.settings import COURSE_ID
from autograder.utils import quiet_nbgrader, templates

#: How many of the most often failed checks each assignment lists.
TOP_FAILED = 10


@dataclass
class FailedCheck:
    part: str
    check: str
    failed: int
    of: int
    example: str
    #: The student whose answer the example is: its words after the call
    #: can be the student's own (an exception's message).
    example_from: str


@dataclass
class Figure:
    png: str  # base64
    alt: str
    caption: str


@dataclass
class AssignmentReport:
    name: str
    max_score: float
    seed: int | None
    parts: list[tuple[str, float]]  # (grade id, points)
    students: list[Result]
    failed_checks: list[FailedCheck]
    finished: bool = True
    figures: list[Figure] = field(default_factory=list)

    @property
    def graded(self) -> list[Result]:
        return [s for s in self.students if s.graded]

    @property
    def flagged(self) -> list[Result]:
        return [s for s in self.students if s.status != "ok"]

    @property
    def late(self) -> list[Result]:
        return [s for s in self.students if s.seconds_late > 0]

    @property
    def mean(self) -> float:
        return sum(s.score for s in self.students) / len(self.students) if self.students else 0.0

    def part_means(self) -> list[tuple[str, float]]:
        """Each part's mean score as a fraction of its points."""
        n = len(self.students) or 1
        return [(gid, sum(s.parts.get(gid, 0.0) for s in self.students) / n / points)
                for gid, points in self.parts]


@dataclass
class Report:
    path: Path
    csv: Path
    assignments: list[AssignmentReport]

    @property
    def summary(self) -> str:
        return "; ".join(
            f"{a.name}: {len(a.students)} students, mean {a.mean:.1f}/{a.max_score:g}, "
            f"{len(a.flagged)} flagged, {len(a.late)} late" for a in self.assignments)


# -- Collecting ------------------------------------------------------------------


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def graded_assignments(course) -> list[str]:
    """Assignments with a grading run in the work folder."""
    runs = course.paths.runs
    return sorted(p.stem for p in runs.glob("*.json")) if runs.is_dir() else []


def _gradebook_results(course, name: str) -> dict[str, Result]:
    from nbgrader.api import Gradebook, MissingEntry

    with quiet_nbgrader(), Gradebook(course.db_url, COURSE_ID) as gb:
        try:
            submissions = gb.assignment_submissions(name)
        except MissingEntry:
            return {}
        return {sub.student_id: from_gradebook(sub) for sub in submissions}


#: What a check says of an answer that raised an exception (autograder/checks.py's
#: error_checks), before the exception's own message.
RAISED = ": raised "
#: What a check says of an answer that was not written (error_checks).
UNWRITTEN = "not written yet"


def _failed_checks(course, name: str, students: list[str]) -> list[FailedCheck]:
    """Checks most often failed in the run, from the JSON reports.  A check is
    its place in its part (the same inputs were drawn for everyone in a run);
    a part that was not checked at all counts under its reason."""
    reports = []  # (student, report)
    for student in students:
        for path in sorted((course.paths.reports / name / student).glob("*.json")):
            report = _read_json(path)
            if report:
                reports.append((student, report))
    if not reports:
        return []
    usual = {}  # part -> most common number of checks
    for part in {p for _, r in reports for p in r["parts"]}:
        counts = Counter(len(r["parts"][part]["checks"]) for _, r in reports if part in r["parts"])
        usual[part] = counts.most_common(1)[0][0]
    failed, label, example = Counter(), {}, {}

    def call_of(message: str) -> str:
        # A check is labelled by the call on the inputs drawn for everyone:
        # a failing check's words after it can be the student's own (an
        # exception's message), and a passing one's are its verdict.  The
        # call ends at the first ": " outside its brackets and quotes.
        depth, quote = 0, ""
        for index, char in enumerate(message):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char in "([{":
                depth += 1
            elif char in ")]}":
                depth = max(depth - 1, 0)
            elif depth == 0 and message.startswith(": ", index):
                return message[:index]
        return message

    def rank(message: str) -> int:
        # Best: the grader's words on an answer; then an exception's message
        # (the student's own words); last "not written yet", which says
        # nothing about the check.
        return 2 if UNWRITTEN in message else 1 if RAISED in message else 0

    def offer(key, student: str, message: str) -> None:
        # The example: the first student's, unless another's ranks better.
        if key not in example or rank(message) < rank(example[key][1]):
            example[key] = (student, message)

    for student, report in reports:
        for part, entry in report["parts"].items():
            checks = entry["checks"]
            # A check skipped after an error is explained by that error.
            reason = next((c["message"] for c in checks
                           if not c["passed"] and SKIPPED not in c["message"]), "")
            if len(checks) != usual[part]:
                for check in checks:
                    if not check["passed"]:
                        key = (part, check["message"])
                        failed[key] += 1
                        label.setdefault(key, call_of(check["message"]))
                        offer(key, student, check["message"])
                continue
            for index, check in enumerate(checks):
                key = (part, index)
                if check["passed"]:
                    # The call, in the grader's words (not its passing verdict,
                    # "values match the solution", in a table of failures).
                    label[key] = call_of(check["message"])
                else:
                    failed[key] += 1
                    label.setdefault(key, call_of(check["message"]))
                    offer(key, student, reason if SKIPPED in check["message"] and reason
                          else check["message"])
    checked = len(reports)
    ranked = sorted(failed.items(), key=lambda item: (-item[1], item[0][0], str(item[0][1])))
    return [FailedCheck(part, label[(part, key)], count, checked, example[(part, key)][1],
                        example[(part, key)][0])
            for (part, key), count in ranked[:TOP_FAILED]]


def collect(course, name: str) -> AssignmentReport:
    assignment = course.assignment(name)
    run, results = read_run(course.work, name)
    in_gradebook = _gradebook_results(course, name)
    students = []
    for student_id, result in sorted(results.items()):
        if result.graded and student_id in in_gradebook:
            # The gradebook's record (scores, receipt time, lateness), with
            # this run's status, which also says what intake noticed.
            status, result = result.status, in_gradebook[student_id]
            result.status = status
        students.append(result)
    graded_ids = [s.student_id for s in students if s.graded]
    return AssignmentReport(
        name=name, max_score=assignment.max_score, seed=run.get("seed"),
        parts=[(p.grade_id, p.points) for p in assignment.parts], students=students,
        failed_checks=_failed_checks(course, name, graded_ids),
        finished=bool(run.get("finished")))


# -- Figures -------------------------------------------------------------------------


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def figures(report: AssignmentReport) -> list[Figure]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    if not report.students:
        return []
    scores = np.array([s.score for s in report.students])
    top = report.max_score
    fig, ax = plt.subplots(figsize=(6, 3))
    bins = np.linspace(0, top, min(int(top), 20) + 1) if top >= 1 else 10
    ax.hist(scores, bins=bins, range=(0, top), color="#3b6ea5", edgecolor="white")
    ax.set_xlim(0, top)
    ax.set_xlabel(f"total score (of {top:g} points)")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"{report.name}: total scores")
    hist_alt = (f"Histogram of the total scores of {len(scores)} students in {report.name}, "
                f"out of {top:g} points: mean {scores.mean():.1f}, median {np.median(scores):g}, "
                f"lowest {scores.min():g}, highest {scores.max():g}.")
    made = [Figure(_png(fig), hist_alt, "Distribution of total scores (submissions that could "
                   "not be graded count as 0).")]

    means = report.part_means()
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(means) + 1))
    names = [gid for gid, _ in means][::-1]
    values = [100 * m for _, m in means][::-1]
    bars = ax.barh(names, values, color="#6a9f58")
    ax.bar_label(bars, labels=[f"{v:.0f}%" for v in values], padding=3)
    ax.set_xlim(0, 110)
    ax.set_xlabel("mean score, % of the part's points")
    ax.set_title(f"{report.name}: mean score per part")
    part_alt = (f"Bar chart of each part's mean score in {report.name}, as a percentage of its "
                "points: " + ", ".join(f"{gid} {100 * m:.0f}%" for gid, m in means) + ".")
    made.append(Figure(_png(fig), part_alt, "Mean score per part, as a share of the part's "
                       "points (every student counts, ungraded ones as 0)."))
    return made


# -- Writing ----------------------------------------------------------------------------


def _breakable(name: str):
    """A long grade id that may wrap after its underscores (escaped)."""
    from markupsafe import Markup, escape

    return Markup("_<wbr>").join(escape(part) for part in name.split("_"))


def write_report(names: list[str] | None, course, to: Path | None = None) -> Report:
    """Write the class report for ``names`` (default: every graded
    assignment) to ``to`` (default ``<work>/report/index.html``), with the
    grades CSV beside it."""
    names = names or graded_assignments(course)
    if not names:
        raise GradingError(f"nothing graded in {course.work} yet; "
                           "run `python -m autograder grade ASSIGNMENT` first")
    reports = []
    for name in names:
        report = collect(course, name)
        report.figures = figures(report)
        reports.append(report)
    path = Path(to) if to else course.paths.report / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_path = export(course, path.with_name("grades.csv"))
    env = templates(duration=late_duration, breakable=_breakable)
    html = env.get_template("report.html.j2").render(
        assignments=reports, csv_name=csv_path.name, course=COURSE_ID,
        generated=datetime.now(timezone.utc).isoformat(" ", "seconds"),
        work=str(course.work))
    path.write_text(html)
    return Report(path, csv_path, reports)
