"""The course a command works on: its folders, its gradebook, its limits.

:class:`Course` is a traitlets ``Configurable``: the command line sets its
traits through a ``Config`` (``c.Course.work_directory``,
``c.Course.database_url``, ...),
and a grading worker process gets the same ``Config`` and builds the same
course.  From its traits it derives nbgrader's configuration
(:func:`autograder.config.course_config`), held in ``course.config``
beside its own section.  Making a ``Course`` touches nothing: the gradebook
is reached by :meth:`Course.open_gradebook`, folders are made by the
commands that write into them.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

from traitlets import Bool, Float, Integer, Unicode, default
from traitlets.config import Config, LoggingConfigurable

from autograder.assignment import Assignment, consistency_problems, load_assignment
from autograder.checks import GradingError
from autograder.config import course_config
from autograder.gradebook import open_gradebook, stamp_in_process
from autograder.settings import CELL_TIMEOUT, ROOT, SUBMISSION_TIMEOUT, WALL_CLOCK_FACTOR, WORK_DIR, WorkDir


class Course(LoggingConfigurable):
    """The course folder and the nbgrader settings for one command."""

    root_directory = Unicode(str(ROOT), help="The course folder (solutions/, exercises/)."
                             ).tag(config=True)
    work_directory = Unicode(help="Grading work folder: gradebook, autograded copies, reports "
                             "(default: grading/ in the course folder).").tag(config=True)
    release_directory = Unicode(help="Where the student notebooks are written "
                                "(default: exercises/ in the course folder).").tag(config=True)
    database_url = Unicode(help="The gradebook's SQLAlchemy URL (default: $DLCOURSE_DB_URL, "
                           "else gradebook.db in the work folder).").tag(config=True)
    cell_timeout = Integer(CELL_TIMEOUT, help="CPU seconds one cell may use.").tag(config=True)
    submission_timeout = Integer(SUBMISSION_TIMEOUT,
                                 help="CPU seconds a whole submission may use.").tag(config=True)
    wall_clock_factor = Float(WALL_CLOCK_FACTOR,
                              help="Each CPU-time limit's wall-clock backstop, as a multiple."
                              ).tag(config=True)
    sandbox = Bool(True, help="Run student code in the sandbox.").tag(config=True)
    zygote = Bool(True, help="Fork each kernel (the students' in the sandbox, the solutions' "
                  "outside it) from a warm process that imported the frameworks once "
                  "(False: start each kernel cold).").tag(config=True)

    cluster = Unicode(help="A Dask scheduler's address (tls://HOST:PORT) or scheduler file: "
                      "student code runs on its workers (empty: on this machine)."
                      ).tag(config=True)
    cluster_certificates = Unicode(help="Folder of the course's cluster certificates."
                                   ).tag(config=True)
    cluster_trusted_loopback = Bool(False, help="Accept a plain-TCP scheduler on the loopback "
                                    "(tests only).").tag(config=True)

    @default("work_directory")
    def _default_work(self):
        return str(Path(self.root_directory) / WORK_DIR)

    #: Short keyword names for the folder traits (``Course(root, work=...)``).
    ALIASES = {"work": "work_directory", "release": "release_directory", "db_url": "database_url"}

    def __init__(self, root: Path | str | None = None, **kwargs):
        for short, trait in self.ALIASES.items():
            if short in kwargs:
                kwargs[trait] = kwargs.pop(short)
        for name in ("root_directory", "work_directory", "release_directory"):
            if kwargs.get(name) is not None:
                kwargs[name] = str(Path(kwargs[name]).resolve())
            else:
                kwargs.pop(name, None)
        if root is not None:
            kwargs["root_directory"] = str(Path(root).resolve())
        if kwargs.get("database_url") is None:
            kwargs.pop("database_url", None)
        super().__init__(**kwargs)
        own = Config(copy.deepcopy(self.config))
        own.merge(course_config(
            self.root, work=self.work,
            release=Path(self.release_directory) if self.release_directory else None,
            db_url=self.database_url, cell_timeout=self.cell_timeout,
            submission_timeout=self.submission_timeout,
            wall_clock_factor=self.wall_clock_factor, sandbox=self.sandbox,
            zygote=self.zygote, cluster=self.cluster,
            cluster_certificates=self.cluster_certificates,
            cluster_trusted_loopback=self.cluster_trusted_loopback))
        for name in self.trait_names(config=True):  # the traits as they are now
            own.Course[name] = getattr(self, name)
        self.config = own

    # -- the folders ------------------------------------------------------

    @property
    def root(self) -> Path:
        return Path(self.root_directory)

    @property
    def work(self) -> Path:
        return Path(self.work_directory)

    @property
    def paths(self) -> WorkDir:
        """Every path under the work folder."""
        return WorkDir(self.work)

    @property
    def source(self) -> Path:
        return Path(self.config.CourseDirectory.source_directory)

    @property
    def release(self) -> Path:
        return Path(self.config.CourseDirectory.release_directory)

    @property
    def submitted(self) -> Path:
        return Path(self.config.CourseDirectory.submitted_directory)

    @property
    def db_url(self) -> str:
        """The gradebook's URL as nbgrader uses it (resolved, with a SQLite busy timeout)."""
        return self.config.CourseDirectory.db_url

    # -- what the commands ask of it --------------------------------------

    def scratch(self, folder: Path) -> Course:
        """The same course with a throw-away release folder, work folder
        and gradebook inside ``folder`` (to generate or register an
        assignment without touching the real ones)."""
        config = copy.deepcopy(self.config)
        config.Course.release_directory = str(folder / "release")
        config.Course.work_directory = str(folder / "work")
        config.Course.database_url = f"sqlite:///{folder / 'gradebook.db'}"
        return Course(config=config)

    def open_gradebook(self) -> None:
        """Start work on the course: make the work folder, reach the
        gradebook (a clear error now if it cannot be) and create its tables
        if it is new."""
        self.work.mkdir(parents=True, exist_ok=True)
        open_gradebook(self.db_url)

    def api(self):
        """nbgrader's API on this course."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        stamp_in_process()  # new gradebooks without an `alembic` process
        # The API looks for a shared exchange folder at start-up; grading
        # does not use one, so its complaint is noise here.
        logging.getLogger("NbGraderAPI").setLevel(logging.CRITICAL)
        coursedir = CourseDirectory(config=self.config)
        return NbGraderAPI(coursedir=coursedir, config=self.config)

    def assignment(self, name: str) -> Assignment:
        assignment = load_assignment(self.source, name)
        problems = consistency_problems(assignment)
        if problems:
            raise GradingError(f"{name}: checks.py and the solution notebook disagree:\n  "
                               + "\n  ".join(problems))
        return assignment
