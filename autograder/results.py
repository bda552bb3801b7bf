"""One student's result for one assignment, and the ways it is shown.

A :class:`Result` is read from the gradebook once (:func:`from_gradebook`)
and used by everything that shows grades: the table ``grade`` prints, the
grades CSV, the run file that lets an interrupted run resume, and the class
report.  Its ``score`` is always the score after any late penalty.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, fields
from datetime import timezone
from pathlib import Path

from autograder.assignment import Assignment
from autograder.checks import GradingError
from autograder.late import late_status
from autograder.settings import WorkDir
from autograder.text import display_width, printable

#: Columns every grades CSV starts with; one column per part follows.
CSV_COLUMNS = ["student_id", "score", "max_score", "status"]


@dataclass
class Result:
    """One student's result for one assignment."""

    student_id: str
    score: float  # after any late penalty
    max_score: float
    status: str
    parts: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0  # grading time
    graded: bool = True  # False: turned away or failed; every part scores 0
    timestamp: str = ""  # receipt time, UTC
    seconds_late: float = 0.0
    late_penalty: float = 0.0

    @classmethod
    def not_graded(cls, student_id: str, max_score: float, status: str) -> Result:
        return cls(student_id, 0.0, max_score, status, graded=False)

    @classmethod
    def from_record(cls, record: dict) -> Result:
        """A result saved in a run file (older files lack the newer fields)."""
        known = {f.name for f in fields(cls)}
        result = cls(**{k: v for k, v in record.items() if k in known})
        if "graded" not in record:
            result.graded = bool(result.parts)
        return result


def from_gradebook(submission) -> Result:
    """The result nbgrader's gradebook holds for ``submission`` (an
    ``nbgrader.api.SubmittedAssignment``): the parts' points, less any late
    penalty (the status then says how late, e.g. ``late 2 h: -10% (-1.5 points)``)."""
    parts = {grade.name: float(grade.score)
             for notebook in submission.notebooks for grade in notebook.grades}
    raw = float(submission.score)
    penalty = float(submission.late_submission_penalty or 0.0)
    seconds_late = float(submission.total_seconds_late or 0.0)
    stamp = submission.timestamp
    return Result(
        submission.student_id, max(0.0, raw - penalty), float(submission.max_score),
        late_status(seconds_late, raw, penalty) or "ok", parts,
        timestamp=stamp.replace(tzinfo=timezone.utc).isoformat(" ", "seconds") if stamp else "",
        seconds_late=seconds_late, late_penalty=penalty)


def read_run(work: Path, name: str) -> tuple[dict, dict[str, Result]]:
    """The last grading run of assignment ``name`` in the work folder: the
    run file's settings and each student's result."""
    path = WorkDir(work).run_file(name)
    try:
        run = json.loads(path.read_text())
    except FileNotFoundError:
        raise GradingError(f"{name} has not been graded in {work} (no {path}); "
                           f"run `python -m autograder grade {name}` first") from None
    return run, {student: Result.from_record(record) for student, record in run["done"].items()}


def _csv_text(text: str) -> str:
    """A text cell of the grades CSV: printable, and never read as a formula
    by a spreadsheet (a leading ``= + - @`` gets a ``'``)."""
    text = printable(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_csv(path: Path, results: list[Result], assignment: Assignment) -> None:
    part_ids = [p.grade_id for p in assignment.parts]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS + part_ids)
        for r in results:
            writer.writerow([_csv_text(r.student_id), f"{r.score:g}", f"{r.max_score:g}",
                             _csv_text(r.status)]
                            + [f"{r.parts.get(pid, 0.0):g}" for pid in part_ids])


def format_table(results: list[Result], assignment: Assignment) -> str:
    part_ids = [p.grade_id for p in assignment.parts]
    header = ["student"] + part_ids + ["total", "status"]
    body = [[printable(r.student_id)] + [f"{r.parts.get(pid, 0.0):g}" for pid in part_ids]
            + [f"{r.score:g}/{r.max_score:g}", printable(r.status)] for r in results]
    points = (["(points)"] + [f"{p.points:g}" for p in assignment.parts]
              + [f"{assignment.max_score:g}", ""])
    table = [header, points] + body
    widths = [max(display_width(line[i]) for line in table) for i in range(len(header))]
    return "\n".join("  ".join(cell + " " * (w - display_width(cell))
                               for cell, w in zip(line, widths)).rstrip() for line in table)
