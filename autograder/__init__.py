"""Grading of the course's exercises on top of nbgrader.

``python -m autograder`` is the instructor's entry point; see docs/instructor-guide.md.
Instructors describe an assignment's graded parts with :mod:`autograder.checks`
in ``solutions/<assignment>/checks.py``.
"""

import sys

# jsonschema (under nbformat) checks the "iri" string format with
# rfc3987-syntax when it is installed (Jupyter's packages install it), which
# compiles a grammar on import: 0.8 CPU s in every process that reads a
# notebook, the grader, each of its workers and every `validate`, against
# 0.1 s for the rest of nbformat. No schema read here uses that format, and
# jsonschema leaves it unchecked when the import fails, as it does now.
sys.modules.setdefault("rfc3987_syntax", None)
