"""``export``: every assignment's grades in the gradebook as one CSV, one
row per student and assignment (nbgrader's own exporter: raw score, late
penalty, score after it)."""

from __future__ import annotations

from pathlib import Path

from autograder.course import Course
from autograder.settings import COURSE_ID
from autograder.utils import quiet_nbgrader


def export(course: Course, to: Path) -> Path:
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    course.open_gradebook()
    plugin = CsvExportPlugin(config=course.config)
    plugin.to = str(to)
    with quiet_nbgrader(), Gradebook(course.db_url, COURSE_ID) as gb:
        plugin.export(gb)
    return Path(to)
