"""Grading of the course's exercises on top of nbgrader.

``python -m autograder`` is the instructor's entry point; see the README.
Instructors describe an assignment's graded parts with :mod:`autograder.checks`
in ``solutions/<assignment>/checks.py``.
"""

import sys

# Start-up time: jsonschema, which nbformat imports, compiles a grammar for
# the optional "iri" string format when the rfc3987_syntax package is
# installed (about 0.7 s, paid by the grader and by every grading worker).
# Notebook schemas never use that format, so the grader does without it.
sys.modules.setdefault("rfc3987_syntax", None)
