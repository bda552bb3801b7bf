"""A gradebook shared by several graders: PostgreSQL, and SQLite's waiting
writers.

The PostgreSQL tests start a real server from Debian's package (``make
postgres`` installs it) in a temporary folder, on a free port of 127.0.0.1,
as the unprivileged user ``postgres`` when the tests run as root; it is
stopped and removed afterwards.
"""

import csv
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT

from autograder.gradebook import open_gradebook, resolve_url
from autograder.settings import COURSE_ID

SUBMISSIONS = ROOT / "tests" / "submissions" / "perceptrons_xor"
PASSWORD = "pg-s3cret-word"
#: Every test here reaches a real gradebook (a PostgreSQL server, or SQLite
#: from several processes) through the command line: end-to-end and slow.
pytestmark = pytest.mark.grading
#: Two graders, two folders; NumPy-only submissions so the run stays short.
FOLDERS = {
    "first": ["solution", "blank", "wrong_step_at_zero", "missing_notebook"],
    "second": ["wrong_forward_column", "wrong_nand_is_and", "wrong_epoch_ignores_lr"],
}


def postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if not found:
        pytest.fail("PostgreSQL's server programs (initdb, pg_ctl) are missing: "
                    "run `make postgres` (as root) to install Debian's package")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A running PostgreSQL server with a database ``gradebook`` owned by
    the password-protected role ``grader``; yields its URL."""
    bindir = postgres_bin()
    as_user = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("no user `postgres` (Debian's package creates it): run `make postgres`")
        as_user = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    tmp = Path(tempfile.mkdtemp(prefix="dlcourse-postgres-"))
    if as_user:
        os.chown(tmp, user.pw_uid, user.pw_gid)
    (tmp / "pw").write_text(PASSWORD)
    if as_user:
        os.chown(tmp / "pw", user.pw_uid, user.pw_gid)
    data, port = tmp / "data", free_port()

    def run(*argv):
        result = subprocess.run([*as_user, *map(str, argv)], capture_output=True, text=True,
                                cwd=tmp)
        assert result.returncode == 0, f"{argv[0]} failed:\n{result.stdout}{result.stderr}"

    try:
        run(bindir / "initdb", "-D", data, "-U", "grader", "--auth=scram-sha-256",
            f"--pwfile={tmp / 'pw'}", "--no-sync")
        run(bindir / "pg_ctl", "-D", data, "-l", tmp / "server.log", "-w", "-t", "60", "start",
            "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off")
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="grader", password=PASSWORD,
                             dbname="postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE gradebook")
        yield f"postgresql://grader:{PASSWORD}@127.0.0.1:{port}/gradebook"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], capture_output=True, cwd=tmp)
        shutil.rmtree(tmp, ignore_errors=True)


def new_database(url: str, name: str) -> str:
    """A new, empty database on the server of ``url``; returns its URL."""
    import psycopg

    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, **kwargs)


def read_expected():
    with open(SUBMISSIONS / "expected.csv", newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


# -- Clear errors -----------------------------------------------------------------------


def test_an_unreachable_gradebook_is_named_with_its_password_masked(tmp_path):
    port = free_port()  # nothing listens there
    url = f"postgresql://grader:{PASSWORD}@127.0.0.1:{port}/gradebook"
    for command in (["export", "--to", tmp_path / "grades.csv"],
                    ["grade", "perceptrons_xor", "--submissions", SUBMISSIONS]):
        result = cli(*command, "--db-url", url, "--work", tmp_path / "work")
        assert result.returncode == 2, result.stderr
        assert f"cannot reach the gradebook postgresql://grader:***@127.0.0.1:{port}/gradebook" \
            in result.stderr
        assert PASSWORD not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "grades.csv").exists()


def test_a_bad_url_or_a_missing_driver_is_named(tmp_path):
    result = cli("export", "--to", tmp_path / "g.csv", "--db-url", "not a url")
    assert result.returncode == 2
    assert "not a database URL" in result.stderr and "Traceback" not in result.stderr
    result = cli("export", "--to", tmp_path / "g.csv",
                 env={**os.environ, "DLCOURSE_DB_URL": f"mysql://grader:{PASSWORD}@db/gradebook"})
    assert result.returncode == 2
    assert "mysql://grader:***@db/gradebook" in result.stderr
    assert "driver is not installed" in result.stderr
    assert PASSWORD not in result.stderr and "Traceback" not in result.stderr


def test_a_wrong_password_is_refused_clearly(postgres, tmp_path):
    url = postgres.replace(PASSWORD, "not-the-password")
    result = cli("export", "--to", tmp_path / "g.csv", "--db-url", url)
    assert result.returncode == 2
    assert "cannot reach the gradebook postgresql://grader:***@" in result.stderr
    assert "password authentication failed" in result.stderr
    assert "not-the-password" not in result.stderr and "Traceback" not in result.stderr


# -- SQLite: writers wait for each other ----------------------------------------------------


def test_sqlite_gradebook_writers_wait_instead_of_failing(tmp_path):
    import sqlite3

    from nbgrader.api import Gradebook

    url = resolve_url(tmp_path)
    assert url == f"sqlite:///{tmp_path / 'gradebook.db'}?timeout=60"
    assert resolve_url(tmp_path, "sqlite:////x/g.db?timeout=5") == "sqlite:////x/g.db?timeout=5"
    open_gradebook(url)  # creates the tables

    # Hold the database's write lock for 3 s while another process writes.
    holder = sqlite3.connect(tmp_path / "gradebook.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from nbgrader.api import Gradebook\n"
         "with Gradebook(sys.argv[1], sys.argv[2]) as gb: gb.update_or_create_student('kim')\n"
         "print('written')", url, COURSE_ID],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    assert writer.poll() is None, "the writer did not wait for the lock"
    holder.execute("COMMIT")
    holder.close()
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert "written" in out
    with Gradebook(url, COURSE_ID) as gb:
        assert [s.id for s in gb.students] == ["kim"]


def test_a_new_gradebook_is_stamped_with_nbgraders_schema_without_a_subprocess(tmp_path,
                                                                             monkeypatch):
    """nbgrader stamps a new gradebook with the revision `alembic heads`
    prints; the grader reads the same revision in its own process."""
    import sqlite3

    import nbgrader.api
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini(f"sqlite:///{tmp_path / 'unused.db'}") as ini:
        printed = subprocess.run([str(Path(sys.executable).parent / "alembic"), "-c", ini, "heads"],
                                 capture_output=True, text=True, check=True).stdout
    head = printed.split()[0]

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"nbgrader started a process: {args}")

    monkeypatch.setattr(nbgrader.api.sp, "check_output", no_subprocess)
    open_gradebook(resolve_url(tmp_path))
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]


# -- Several graders, one PostgreSQL gradebook: creating and registering ----------------------


def test_graders_opening_a_new_gradebook_at_once_all_succeed(postgres, tmp_path):
    """nbgrader creates a new gradebook's tables when it first opens it; two
    processes doing so at once collide unless they take turns."""
    url = new_database(postgres, "opened_at_once")
    exports = [subprocess.Popen(
        [sys.executable, "-m", "autograder", "export", "--db-url", url,
         "--to", str(tmp_path / f"{i}.csv")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    for export in exports:
        _, err = export.communicate(timeout=120)
        assert export.returncode == 0, err
    from nbgrader.api import Gradebook

    with Gradebook(url, COURSE_ID) as gb:
        assert gb.students == [] and gb.assignments == []


def test_a_grader_waits_while_another_holds_the_gradebook_lock(postgres, tmp_path):
    from autograder.gradebook import exclusive

    url = new_database(postgres, "locked")
    with exclusive(url):
        export = subprocess.Popen(
            [sys.executable, "-m", "autograder", "export", "--db-url", url,
             "--to", str(tmp_path / "g.csv")],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(5)
        assert export.poll() is None, export.communicate()
        assert not (tmp_path / "g.csv").exists()
    _, err = export.communicate(timeout=120)
    assert export.returncode == 0, err
    assert (tmp_path / "g.csv").exists()


def test_registering_an_up_to_date_assignment_again_changes_nothing(postgres, tmp_path):
    """nbgrader re-registers an assignment by deleting and re-creating its
    rows, which would pull them from under a grader at work; an assignment
    already registered as it is now is left alone."""
    from nbgrader.api import Gradebook

    from autograder.course import Course
    from autograder.grade import register_assignment

    course = Course(ROOT, work=tmp_path / "work",
                    db_url=new_database(postgres, "registered_twice"))

    def row_versions():
        """Each row's id and xmin (the transaction that wrote this version
        of it): a row deleted and written again, or updated, shows a new one."""
        from sqlalchemy import create_engine, text

        engine = create_engine(course.db_url)
        with engine.connect() as connection:
            versions = {table: sorted(connection.execute(
                text(f"SELECT id, xmin::text FROM {table}")).all())
                for table in ("assignment", "notebook", "base_cell", "grade_cells",
                              "source_cell")}
        engine.dispose()
        return versions

    register_assignment(course, "perceptrons_xor")
    first = row_versions()
    with Gradebook(course.db_url, COURSE_ID) as gb:
        notebook = gb.find_notebook("perceptrons_xor", "perceptrons_xor")
        assert sorted(c.name for c in notebook.grade_cells) == sorted(
            p.grade_id for p in course.assignment("perceptrons_xor").parts)
    register_assignment(course, "perceptrons_xor")
    assert row_versions() == first


# -- Two graders, one PostgreSQL gradebook ---------------------------------------------------


def test_two_graders_at_once_write_one_gradebook_and_lose_nothing(postgres, tmp_path):
    from nbgrader.api import Gradebook

    for folder, students in FOLDERS.items():
        for student in students:
            shutil.copytree(SUBMISSIONS / student, tmp_path / folder / student)
    graders = [subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", "perceptrons_xor",
         "--submissions", str(tmp_path / folder), "--work", str(tmp_path / f"work-{folder}"),
         "--db-url", postgres, "--cell-timeout", "30", "--csv", str(tmp_path / f"{folder}.csv")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for folder in FOLDERS]
    outputs = [grader.communicate(timeout=900) for grader in graders]
    for grader, (out, err) in zip(graders, outputs):
        assert grader.returncode == 0, out + err
        assert PASSWORD not in out + err

    expected = read_expected()
    everyone = [s for students in FOLDERS.values() for s in students]
    with Gradebook(postgres, COURSE_ID) as gb:
        assert sorted(s.id for s in gb.students) == sorted(everyone)
        assignment = gb.find_assignment("perceptrons_xor")
        assert [nb.name for nb in assignment.notebooks] == ["perceptrons_xor"]
        submitted = sorted(s.student.id for s in assignment.submissions)
        # each once; a submission that could not be graded (missing_notebook)
        # is there too, with 0: the gradebook holds every student's latest verdict
        assert submitted == sorted(everyone)
        for student in everyone:
            submission = gb.find_submission("perceptrons_xor", student)
            assert float(submission.score) == float(expected[student]["score"]), student
            parts = {g.name: float(g.score) for nb in submission.notebooks for g in nb.grades}
            for part, points in parts.items():
                assert points == float(expected[student][part]), (student, part)

    result = cli("export", "--db-url", postgres, "--to", tmp_path / "all.csv")
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "all.csv", newline="") as fh:
        exported = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert sorted(exported) == sorted(everyone)
    for student in everyone:
        assert float(exported[student]["score"]) == float(expected[student]["score"]), student
