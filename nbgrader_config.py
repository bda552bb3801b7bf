# nbgrader reads this file when run from the top of the course repository, so
# plain `nbgrader ...` commands use the course's settings. They are derived in
# one place, autograder/config.py, from the traits of autograder.course.Course,
# which `python -m autograder` uses too. To grade elsewhere, set the course's
# traits above the last line, e.g. c.Course.work_directory = "/srv/grading" or
# c.Course.database_url = "postgresql://grader@db/course".
from autograder.course import Course

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
c.merge(Course(config=c).config)
