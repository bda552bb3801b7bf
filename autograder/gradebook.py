"""Where the gradebook lives, and how several graders share it.

The gradebook is nbgrader's database, reached through a SQLAlchemy URL
(nbgrader's ``db_url``).  By default it is a SQLite file in the grading work
folder; ``--db-url`` or the ``DLCOURSE_DB_URL`` environment variable point it
elsewhere, typically at a PostgreSQL database that graders on several
machines share.

Several graders may write to one gradebook at once.  Grading different
students touches different rows, so that needs nothing but, for SQLite,
writers that wait for each other (a busy timeout) instead of failing with
"database is locked".  Registering an assignment (its cells, points and
checksums) is different: nbgrader deletes and re-creates a notebook's rows
when it registers it again, which would pull them from under a grader
already at work.  So :func:`register_assignment` leaves a registration that
is already up to date alone, and registers under a lock that every grader of
the same gradebook takes: a PostgreSQL advisory lock, or a lock file beside
a SQLite gradebook.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from filelock import FileLock

from autograder.checks import GradingError
from autograder.settings import COURSE_ID, WorkDir

#: The environment variable that points every command, and plain
#: ``nbgrader`` through ``nbgrader_config.py``, at a shared gradebook.
ENV_VAR = "DLCOURSE_DB_URL"

#: Seconds a SQLite writer waits for another one before giving up.
SQLITE_TIMEOUT = 60

#: Seconds to wait for a database server to answer a connection.
CONNECT_TIMEOUT = 10

#: Key of the PostgreSQL advisory lock held while an assignment is
#: registered (any fixed 64-bit number; this one spells "dlcourse").
LOCK_KEY = 0x646C636F75727365


def resolve_url(work: Path, url: str | None = None) -> str:
    """The gradebook's URL: ``url``, else ``$DLCOURSE_DB_URL``, else
    ``gradebook.db`` in the work folder.  A SQLite URL gets a busy timeout
    unless it sets one."""
    url = url or os.environ.get(ENV_VAR) or f"sqlite:///{WorkDir(Path(work)).gradebook}"
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # reported, masked, by check()
    if parsed.get_backend_name() == "sqlite" and "timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"timeout": str(SQLITE_TIMEOUT)})
        return parsed.render_as_string(hide_password=False)
    return url


def mask(url: str) -> str:
    """``url`` fit to print: its password replaced by ``***``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except ArgumentError:
        return None


def _engine(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    connect_args = {}
    if make_url(url).get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    return create_engine(url, connect_args=connect_args)


def check(url: str) -> None:
    """Connect to the gradebook once, or raise a GradingError that says why
    not in one line (with the URL's password masked)."""
    from sqlalchemy import text
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    where = mask(url)
    try:
        engine = _engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except (ArgumentError, NoSuchModuleError) as error:
        raise GradingError(f"{where} is not a database URL SQLAlchemy understands ({error}); "
                           "for example postgresql://USER:PASSWORD@HOST/DATABASE") from None
    except ModuleNotFoundError as error:
        raise GradingError(f"cannot use the gradebook {where}: its database driver is not "
                           f"installed ({error}); requirements.txt pins psycopg (version "
                           "3), the driver of postgresql:// URLs") from None
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        reason = reason[0] if reason else type(error).__name__
        password = _password(url)
        if password:
            reason = reason.replace(password, "***")
        raise GradingError(f"cannot reach the gradebook {where}: {reason}") from None


@contextlib.contextmanager
def exclusive(url: str):
    """Hold the gradebook's registration lock: one holder at a time among
    every process using this gradebook, on any machine for PostgreSQL, on
    this machine for SQLite (whose file must be local anyway)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        engine = _engine(url)
        try:
            with engine.connect() as connection:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        finally:
            engine.dispose()
    elif backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        with FileLock(f"{parsed.database}.lock"):
            yield
    else:
        yield  # another database: nbgrader's own handling only


def _schema_head() -> str:
    """The newest revision of nbgrader's gradebook schema, read from
    nbgrader's own migration scripts with alembic's API."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


def stamp_in_process() -> None:
    """nbgrader stamps each new gradebook with its schema revision, which it
    asks of an `alembic heads` command in a new process; that process imports
    nbgrader again, about 2.4 s for every new gradebook (and grading makes one
    each run, to register the assignment).  Read the same revision in this
    process instead, without looking for the `alembic` command on PATH."""
    import nbgrader.api

    nbgrader.api.get_alembic_version = _schema_head


def open_gradebook(url: str) -> None:
    """Check that the gradebook can be reached, and create its tables if it
    is new, under the lock (two graders creating one empty gradebook at
    once would otherwise collide)."""
    check(url)
    stamp_in_process()
    from nbgrader.api import Gradebook

    with exclusive(url), Gradebook(url, COURSE_ID):
        pass


def describe(url: str, name: str) -> dict | None:
    """What the gradebook records of assignment ``name``: its notebooks'
    cells, points and checksums (None if it is not registered)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(url, COURSE_ID) as gb:
        try:
            assignment = gb.find_assignment(name)
        except MissingEntry:
            return None
        return {nb.name: {
            "kernelspec": nb.kernelspec,
            "grade": sorted((c.name, c.max_score, c.cell_type) for c in nb.grade_cells),
            "task": sorted((c.name, c.max_score, c.cell_type) for c in nb.task_cells),
            "solution": sorted(c.name for c in nb.solution_cells),
            "source": sorted((c.name, c.cell_type, c.locked, c.checksum or "", c.source or "")
                             for c in nb.source_cells),
        } for nb in assignment.notebooks}
