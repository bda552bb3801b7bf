"""Grading of the course's exercises on top of nbgrader.

``python -m autograder`` is the instructor's entry point; see docs/instructor-guide.md.
Instructors describe an assignment's graded parts with :mod:`autograder.checks`
in ``solutions/<assignment>/checks.py``.
"""
