# nbgrader reads this file when run from the top of the course repository, so
# plain `nbgrader ...` commands use the course's settings. They are defined once,
# in autograder/config.py; `python -m autograder` uses the same function.
from autograder.config import course_config

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
c.merge(course_config())
