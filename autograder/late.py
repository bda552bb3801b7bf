"""Late submissions: a due date per assignment and a penalty, applied by
nbgrader.

nbgrader does the work: the due date is the gradebook assignment's
``duedate``; the submission time is the ``timestamp.txt`` staged with the
submission (the receipt time :mod:`autograder.collect` wrote, never one a
student wrote: see :func:`autograder.receipts.trusted_receipt`); and its
``AssignLatePenalties`` step, already in the grading pipeline, asks a
``LateSubmissionPlugin`` for the penalty.  :class:`LatePenalty` adds to
nbgrader's methods ``none`` and ``zero`` one more, ``per_day``: a percentage
of the score for every day or part of a day late, up to a maximum.

The due date lives in the gradebook (``grade --due``, or nbgrader's own
``nbgrader db assignment add ... --duedate``); the penalty is kept per
assignment in the work folder (``late_policy.json``), so each class has its
own and later runs reuse them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float

from autograder.checks import GradingError
from autograder.settings import COURSE_ID

log = logging.getLogger(__name__)



class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission plugin with a per-day method."""

    penalty_method = Enum(("none", "zero", "per_day"), default_value="none", help=(
        "'none': no penalty; 'zero': the score becomes 0; 'per_day': "
        "percent_per_day of the score for every day or part of a day late, "
        "at most max_percent")).tag(config=True)
    percent_per_day = Float(10.0).tag(config=True)
    max_percent = Float(100.0).tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if self.penalty_method != "per_day":
            return super().late_submission_penalty(student_id, score, total_seconds_late)
        days = math.ceil(total_seconds_late / 86400)
        return score * min(self.max_percent, days * self.percent_per_day) / 100


def parse_due(text: str) -> dt.datetime | None:
    """``2026-12-01T23:59+09:00`` -> aware datetime; ``none`` -> None."""
    if text.strip().lower() == "none":
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise GradingError(f"due date {text!r}: write it like 2026-12-01T23:59+09:00") from None
    if when.tzinfo is None:
        raise GradingError(f"due date {text!r} has no time zone: add one, "
                           "like 2026-12-01T23:59+09:00 or 2026-12-01T14:59Z")
    return when


def parse_penalty(text: str, max_text: str | None = None) -> dict:
    """``none``, ``zero`` or ``N%/day`` (with ``max_text`` ``M%``) -> settings."""
    spec = text.strip().lower().replace(" ", "")
    cap = 100.0
    if max_text is not None:
        found = re.fullmatch(r"(\d+(?:\.\d+)?)%?", max_text.strip())
        if not found or not 0 <= float(found[1]) <= 100:
            raise GradingError(f"late penalty maximum {max_text!r}: write a percentage, like 50%")
        cap = float(found[1])
    if spec in ("none", "zero"):
        return {"method": spec}
    found = re.fullmatch(r"(\d+(?:\.\d+)?)%/day", spec)
    if not found or not 0 < float(found[1]) <= 100:
        raise GradingError(f"late penalty {text!r}: write none, zero, or a percentage per "
                           "day like 10%/day")
    return {"method": "per_day", "percent_per_day": float(found[1]), "max_percent": cap}


def describe_penalty(policy: dict) -> str:
    if policy.get("method") == "zero":
        return "a late submission scores 0"
    if policy.get("method") == "per_day":
        return (f"{policy['percent_per_day']:g}% of the score per day or part of a day late, "
                f"at most {policy['max_percent']:g}%")
    return "no penalty"


def _policies(course) -> dict:
    try:
        return json.loads(course.paths.late_policy.read_text())
    except (OSError, ValueError):
        return {}


def set_policy(course, name: str, *, due: str | None = None, penalty: str | None = None,
               penalty_max: str | None = None) -> None:
    """Record ``name``'s due date (in the gradebook) and penalty (in the work
    folder) for this and later grading runs."""
    from nbgrader.api import Gradebook

    course.open_gradebook()
    if due is not None:
        when = parse_due(due)
        with Gradebook(course.db_url, COURSE_ID) as gb:
            gb.update_or_create_assignment(name, duedate=when)
    if penalty is not None or penalty_max is not None:
        policies = _policies(course)
        current = policies.get(name, {"method": "none"})
        if penalty is None:
            penalty = ("{:g}%/day".format(current["percent_per_day"])
                       if current.get("method") == "per_day" else current["method"])
        if penalty_max is None and "max_percent" in current:
            penalty_max = f"{current['max_percent']:g}%"
        policies[name] = parse_penalty(penalty, penalty_max)
        course.paths.late_policy.write_text(json.dumps(policies, indent=1))


def configure(course, name: str) -> dict:
    """Set nbgrader's late-penalty plugin for grading ``name`` and say what
    applies.  Returns the policy (with ``due``, a datetime or None)."""
    from nbgrader.api import Gradebook, MissingEntry

    policy = dict(_policies(course).get(name, {"method": "none"}))
    plugin = course.config.LatePenalty
    plugin.penalty_method = policy["method"]
    if policy["method"] == "per_day":
        plugin.percent_per_day = policy["percent_per_day"]
        plugin.max_percent = policy["max_percent"]
    due = None
    from sqlalchemy.engine import make_url

    url = make_url(course.db_url)  # a SQLite gradebook not made yet has no due date
    if url.get_backend_name() != "sqlite" or Path(url.database or "").is_file():
        with Gradebook(course.db_url, COURSE_ID) as gb:
            try:
                due = gb.find_assignment(name).duedate
            except MissingEntry:
                pass
    policy["due"] = due.replace(tzinfo=dt.timezone.utc) if due else None
    if due:
        log.info(f"  {name} is due {due:%Y-%m-%d %H:%M} UTC; late penalty: {describe_penalty(policy)}")
    return policy


#: A lateness's units in each language a feedback page speaks.
LATE_UNITS = {"en": {"d": " d", "h": " h", "min": " min"},
              "ko": {"d": "일", "h": "시간", "min": "분"}}


def late_duration(seconds: float, language: str = "en") -> str:
    """How late, as the grade table, the CSV, the class report and the
    student's page say it: rounded up to the minute (40 s late is "1 min"),
    minutes dropped past a day; in ``language`` ("1일 2시간")."""
    units = LATE_UNITS.get(language, LATE_UNITS["en"])
    minutes = math.ceil(seconds / 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days}{units['d']}" if days else "", f"{hours}{units['h']}" if hours else "",
             f"{minutes}{units['min']}" if minutes and not days else ""]
    return " ".join(p for p in parts if p) or f"1{units['min']}"


def late_status(seconds_late: float, raw_score: float, penalty: float) -> str | None:
    """``late 2 h: -10% (-1.5 points)``, or None when on time."""
    if not seconds_late or seconds_late <= 0:
        return None
    text = f"late {late_duration(seconds_late)}"
    if penalty > 0:
        share = f"-{100 * penalty / raw_score:.3g}% " if raw_score else ""
        return f"{text}: {share}(-{penalty:g} points)"
    return f"{text}: no penalty"
