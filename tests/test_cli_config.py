"""One configuration path: ``nbgrader_config.py``'s ``Course`` section and
the command-line options set the same traits, the options winning."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT

from autograder.__main__ import build_parser, course_from

SETTINGS = """\
from autograder.course import Course

c = get_config()
c.Course.cell_timeout = 77
c.Course.database_url = "sqlite:///{db}"
c.merge(Course(config=c).config)
"""


def settings(tmp_path: Path) -> Path:
    path = tmp_path / "nbgrader_config.py"
    path.write_text(SETTINGS.format(db=tmp_path / "shared.db"))
    return path


def grade_args(*extra: str):
    return build_parser().parse_args(["grade", "perceptrons_xor", "--submissions", "x", *extra])


def test_the_settings_file_sets_the_courses_traits(tmp_path):
    course = course_from(grade_args(), settings(tmp_path))
    assert course.cell_timeout == 77
    assert course.config.Execute.timeout == 77
    assert course.db_url.startswith(f"sqlite:///{tmp_path / 'shared.db'}")
    assert course.work == ROOT / "grading"


def test_command_line_options_win_over_the_settings_file(tmp_path):
    args = grade_args("--cell-timeout", "5", "--work", str(tmp_path / "w"),
                      "--db-url", f"sqlite:///{tmp_path / 'mine.db'}", "--no-sandbox")
    course = course_from(args, settings(tmp_path))
    assert (course.cell_timeout, course.config.Execute.timeout) == (5, 5)
    assert course.work == tmp_path / "w"
    assert course.db_url.startswith(f"sqlite:///{tmp_path / 'mine.db'}")
    assert course.sandbox is False and course.config.JudgedExecute.sandbox is False


def test_a_worker_rebuilds_the_same_course_from_its_config(tmp_path):
    import pickle

    from autograder.course import Course

    course = course_from(grade_args("--timeout", "123", "--work", str(tmp_path)), settings(tmp_path))
    again = Course(config=pickle.loads(pickle.dumps(course.config)))
    assert (again.work, again.db_url, again.submission_timeout, again.cell_timeout) == \
        (course.work, course.db_url, 123, 77)


def test_making_a_course_touches_nothing(tmp_path):
    from autograder.course import Course

    Course(ROOT, work=tmp_path / "work", db_url="postgresql://nobody@127.0.0.1:1/none")
    assert not (tmp_path / "work").exists()


def test_quiet_and_verbose_choose_what_the_grader_says(capfd):
    from autograder.__main__ import main

    assert main(["generate", "--check", "perceptrons_xor"]) == 0
    assert "perceptrons_xor is up to date" in capfd.readouterr().err
    assert main(["generate", "--check", "--quiet", "perceptrons_xor"]) == 0
    assert capfd.readouterr().err == ""


def test_nbgraders_folders_are_the_work_folders_named_paths(tmp_path):
    from autograder.course import Course

    course = Course(ROOT, work=tmp_path / "w")
    paths, config = course.paths, course.config
    assert (Path(config.CourseDirectory.submitted_directory),
            Path(config.CourseDirectory.autograded_directory),
            Path(config.CourseDirectory.feedback_directory),
            Path(config.JudgedExecute.report_directory),
            Path(config.JudgedExecute.cases_directory),
            Path(config.KernelManager.ip).parent) == (
        paths.submitted, paths.autograded, paths.feedback, paths.reports, paths.cases, paths.ipc)
    assert course.db_url.startswith(f"sqlite:///{paths.gradebook}")
    named = [paths.gradebook, paths.submitted, paths.autograded, paths.feedback, paths.report,
             paths.reports, paths.cases, paths.runs, paths.logs, paths.ipc, paths.late_policy]
    assert len(set(named)) == len(named) and all(p.parent == tmp_path / "w" for p in named)
