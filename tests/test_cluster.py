"""Grading on a Dask cluster (autograder/cluster.py).

The end-to-end tests start a real ``dask scheduler`` over TLS with the
course's certificates and real ``python -m autograder worker`` processes on
this machine's loopback, grade fixtures through them, and kill a worker in
the middle of a notebook.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT

from autograder.checks import GradingError
from autograder.cluster import (
    CA_FILE,
    CERT_FILE,
    KEY_FILE,
    LOST_TASK_ATTEMPTS,
    WORKER_LOST,
    check_address,
    make_certificates,
    resolve_address,
    security,
)

SUBMISSIONS = ROOT / "tests" / "submissions" / "perceptrons_xor"
DASK = Path(sys.executable).parent / "dask"
#: NumPy-only fixtures of one assignment, so that the runs stay short, plus
#: a Keras one (the frameworks' imports happen on the worker).
STUDENTS = ["solution", "blank", "wrong_step_at_zero", "wrong_forward_column",
            "wrong_nand_is_and", "wrong_epoch_ignores_lr", "tamper_points", "full_marks_keras"]


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, **kwargs)


def read_csv(path):
    with open(path, newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


# -- certificates and addresses (quick) --------------------------------------------------


def test_certificates_are_made_once_with_a_private_key_only_root_reads(tmp_path):
    folder = tmp_path / "certs"
    paths = make_certificates(folder, ["grader.example.edu", "10.0.0.5"])
    assert [p.name for p in paths] == [CA_FILE, CERT_FILE, KEY_FILE]
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct((folder / KEY_FILE).stat().st_mode & 0o777) == "0o600"
    from cryptography import x509

    cert = x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())
    ca = x509.load_pem_x509_certificate((folder / CA_FILE).read_bytes())
    assert cert.issuer == ca.subject
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "grader.example.edu" in names.get_values_for_type(x509.DNSName)
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "10.0.0.5"]
    # The authority's key is not kept: nobody can sign a new member.
    assert sorted(p.name for p in folder.iterdir()) == sorted([CA_FILE, CERT_FILE, KEY_FILE])
    with pytest.raises(GradingError, match="exists already"):
        make_certificates(folder)
    assert security(folder).require_encryption


def test_a_folder_without_the_certificates_is_named(tmp_path):
    with pytest.raises(GradingError, match=f"lacks {CA_FILE}, {CERT_FILE}, {KEY_FILE}"):
        security(tmp_path)


@pytest.mark.parametrize("address, certificates, loopback, reason", [
    ("tcp://10.1.2.3:8786", "", True, "plain TCP"),
    ("tcp://127.0.0.1:8786", "", False, "plain TCP"),
    ("tls://10.1.2.3:8786", "", False, "give the course's certificates"),
    ("ws://127.0.0.1:8786", "certs", True, "not a scheduler address"),
])
def test_addresses_that_would_open_the_workers_are_refused(address, certificates, loopback,
                                                             reason):
    with pytest.raises(GradingError, match=reason):
        check_address(address, certificates, trusted_loopback=loopback)


def test_plain_tcp_is_accepted_only_on_a_loopback_test():
    check_address("tcp://127.0.0.1:8786", "", trusted_loopback=True)
    check_address("tls://10.1.2.3:8786", "certs", trusted_loopback=False)


def test_a_scheduler_file_gives_the_address(tmp_path):
    (tmp_path / "scheduler.json").write_text(json.dumps({"address": "tls://10.0.0.5:8786"}))
    assert resolve_address(str(tmp_path / "scheduler.json")) == "tls://10.0.0.5:8786"
    with pytest.raises(GradingError, match="neither a scheduler address"):
        resolve_address(str(tmp_path / "missing.json"))


def test_the_worker_refuses_plain_tcp_before_doing_anything(tmp_path):
    result = cli("worker", "tcp://127.0.0.1:9", "--work", tmp_path / "w")
    assert result.returncode == 2
    assert "plain TCP" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "w").exists()


def test_the_workers_folder_is_its_own(tmp_path):
    """The worker's default folder is in /var/tmp, where any user may make
    it first (or a link in its place): the worker, as root, wrote its slots
    into a folder a student owned. A folder it did not make for itself is
    refused, with what to do."""
    from autograder.cluster import worker_folder

    made = worker_folder(tmp_path / "a" / "worker")
    assert oct(made.stat().st_mode & 0o777) == "0o700"
    assert worker_folder(made) == made  # its own, again
    planted = tmp_path / "planted"
    planted.mkdir(mode=0o777)
    planted.chmod(0o777)
    with pytest.raises(GradingError, match="others may write into it"):
        worker_folder(planted)
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    with pytest.raises(GradingError, match="belongs to another user"):
        worker_folder(theirs)
    link = tmp_path / "link"
    link.symlink_to(made)
    with pytest.raises(GradingError, match="is a link"):
        worker_folder(link)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(GradingError, match="cannot make the worker's folder"):
        worker_folder(tmp_path / "a-file" / "worker")


# -- what a task carries, and a lost worker (one grading run, no cluster) -----------------


class _Lost:
    """A future whose worker kept dying: Dask's KilledWorker."""

    status = "error"

    def result(self):
        from distributed import KilledWorker

        raise KilledWorker("judged-...", "tls://10.0.0.9:1234", 3)

    def release(self):
        pass


class _Cancelled(_Lost):
    """A future the scheduler dropped as it went away."""

    status = "cancelled"

    def result(self):
        from distributed.client import FutureCancelledError

        raise FutureCancelledError("judged-...", "scheduler-connection-lost")


class _RecordingClient:
    """Stands in for the scheduler: records every task it is given."""

    status = "running"

    def nthreads(self):
        return {"tls://10.0.0.9:1234": 2}

    def __init__(self, future=_Lost):
        self.tasks, self.future = [], future

    def submit(self, function, task, *, key, pure):
        self.tasks.append((function, task, key))
        return self.future()


@pytest.mark.grading
def test_a_task_carries_no_solution_and_a_lost_worker_scores_nothing(tmp_path, monkeypatch):
    """Tasks hold the student's notebook, what to ask and the drawn inputs:
    never the solution's answers or code.  A notebook whose workers kept
    dying is recorded as such, with 0 points."""
    from autograder import cluster
    from autograder.course import Course
    from autograder.grade import grade

    recording = _RecordingClient()
    monkeypatch.setattr(cluster, "client", lambda *a, **k: recording)
    subs = tmp_path / "subs"
    for student in ("solution", "blank"):
        shutil.copytree(SUBMISSIONS / student, subs / student)
    course = Course(work=tmp_path / "work", cluster="tls://10.0.0.9:8786",
                    cluster_certificates=str(tmp_path))
    rows = {r.student_id: r for r in grade("perceptrons_xor", subs, course, seed=11, jobs=1)}

    assert {sid: (r.score, r.status) for sid, r in rows.items()} == {
        "solution": (0, WORKER_LOST), "blank": (0, WORKER_LOST)}
    assert len(recording.tasks) == 2 * LOST_TASK_ATTEMPTS  # each sent again once, then lost
    assert len({key for _, _, key in recording.tasks}) == len(recording.tasks)
    run = json.loads(course.paths.cases_file("perceptrons_xor").read_text())
    solution_code = (ROOT / "solutions" / "perceptrons_xor" / "perceptrons_xor.ipynb").read_text()
    for function, task, key in recording.tasks:
        assert function.__module__ == "autograder.execute"
        assert key.startswith("judged-perceptrons_xor-")
        assert "-11-" not in key and "solution" not in key and "blank" not in key
        assert set(task) == {"notebook", "parts", "cases", "language", "limits"}
        assert task["cases"] == {gid: part["cases"] for gid, part in run["parts"].items()}
        sent = pickle.dumps(task)
        for gid, part in run["parts"].items():
            for answer in part["expected"]:
                text = json.dumps(answer)
                assert text.encode() not in sent or len(text) < 12, (gid, text[:80])
        assert b"expected" not in sent
        assert b"checks.py" not in sent
    # A blank student's own notebook is what was sent: none of the solution's code.
    blank_task = next(t for f, t, k in recording.tasks if k == cluster.task_key(
        "perceptrons_xor", 11, "blank", "perceptrons_xor", t["notebook"]))
    ours = json.loads(solution_code)
    solution_lines = {line for cell in ours["cells"] if cell["cell_type"] == "code"
                      and cell["metadata"].get("nbgrader", {}).get("solution")
                      for line in "".join(cell["source"]).splitlines() if len(line.strip()) > 30}
    released = (ROOT / "exercises" / "perceptrons_xor" / "perceptrons_xor.ipynb").read_text()
    solution_lines = {line for line in solution_lines if json.dumps(line)[1:-1] not in released}
    assert len(solution_lines) > 10
    leaked = [line for line in solution_lines if line in blank_task["notebook"]]
    assert leaked == [], leaked[:3]
    feedback = (course.paths.check_report("perceptrons_xor", "solution", "perceptrons_xor")
                .read_text())
    assert "grading machine running this notebook was lost" in feedback


class _Done:
    """A future whose task ran (here, in this process)."""

    status = "finished"

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def release(self):
        pass


@pytest.mark.grading
def test_a_notebook_lost_with_another_ones_worker_is_graded_once_more(tmp_path, monkeypatch):
    """Dask counts a worker's death against every task on it, also the ones
    only waiting there: an honest notebook queued behind one that kills its
    worker's process scored 0, "worker lost". A lost task is now sent once
    more as a new task; here the first sending of every notebook is lost
    and the second runs."""
    from autograder import cluster
    from autograder.course import Course
    from autograder.grade import grade

    monkeypatch.setenv(cluster.WORK_ENV, str(tmp_path / "worker"))

    class LostFirst(_RecordingClient):
        def submit(self, function, task, *, key, pure):
            self.tasks.append((function, task, key))
            sent = sum(t["notebook"] == task["notebook"] for _, t, _ in self.tasks)
            return _Lost() if sent == 1 else _Done(function(task))

    recording = LostFirst()
    monkeypatch.setattr(cluster, "client", lambda *a, **k: recording)
    subs = _class_folder(tmp_path, ["solution", "wrong_step_at_zero"])
    course = Course(work=tmp_path / "work", cluster="tls://10.0.0.9:8786",
                    cluster_certificates=str(tmp_path))
    rows = {r.student_id: r for r in grade("perceptrons_xor", subs, course, seed=3, jobs=1)}
    expected = read_csv(SUBMISSIONS / "expected.csv")
    assert {sid: (f"{r.score:g}", r.status) for sid, r in rows.items()} == {
        sid: (expected[sid]["score"], expected[sid]["status"]) for sid in rows}
    assert len(recording.tasks) == 4


@pytest.mark.grading
def test_a_lost_scheduler_stops_the_run_and_the_same_command_resumes(tmp_path, monkeypatch):
    """nbgrader turns every error in its pipeline into a failed result: a
    lost scheduler must still stop the run, record nobody as graded, and
    leave the submissions to the next run."""
    from autograder import cluster
    from autograder.course import Course
    from autograder.grade import grade

    subs = tmp_path / "subs"
    for student in ("blank", "solution"):
        shutil.copytree(SUBMISSIONS / student, subs / student)
    course = Course(work=tmp_path / "work", cluster="tls://10.0.0.9:8786",
                    cluster_certificates=str(tmp_path))
    monkeypatch.setattr(cluster, "client", lambda *a, **k: _RecordingClient(_Cancelled))
    with pytest.raises(GradingError, match=r"stopped: lost the cluster's scheduler: "
                       r"FutureCancelledError.*0 of 2 submission\(s\) graded and saved"):
        grade("perceptrons_xor", subs, course, seed=5, jobs=1)
    run = json.loads(course.paths.run_file("perceptrons_xor").read_text())
    assert run["done"] == {} and not run["finished"]
    # The scheduler is back (here: workers that keep dying), and the run resumes.
    monkeypatch.setattr(cluster, "client", lambda *a, **k: _RecordingClient(_Lost))
    rows = grade("perceptrons_xor", subs, course, jobs=1)
    assert [(r.student_id, r.status) for r in rows] == [("blank", WORKER_LOST),
                                                       ("solution", WORKER_LOST)]


def test_a_runners_limits_survive_the_notebook_clients_reinitialisation():
    """Limits given to a runner (a cluster task's, the solution's) are the
    ones it runs with, whatever the configuration says."""
    import nbformat
    from traitlets.config import Config

    from autograder.execute import JudgedExecute

    config = Config()
    config.JudgedExecute.submission_timeout = 5
    config.JudgedExecute.wall_clock_factor = 2.0
    config.Execute.timeout = 7
    wanted = {"timeout": 30, "submission_timeout": 99, "probe_timeout": 11,
              "wall_clock_factor": 9.0, "kill_grace": 3, "max_output_bytes": 1234}
    runner = JudgedExecute(config=config, sandbox=False, **wanted)

    class Stop(Exception):
        pass

    def stop(*args, **kwargs):
        raise Stop

    runner._check_assign_resources = stop  # right after the re-initialisation
    with pytest.raises(Stop):
        runner.run_and_probe(nbformat.v4.new_notebook(), {"metadata": {"path": "."}}, [], {})
    assert {name: getattr(runner, name) for name in JudgedExecute.LIMITS} == wanted


# -- a real cluster on the loopback ------------------------------------------------------


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


#: The scheduler's web pages off, as docs/deployment.md starts it.
WEB_ROUTES_OFF = {"DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES": "[]"}
SCHEDULER_WEB_PAGES_OFF = ["--no-dashboard", "--dashboard-address", "127.0.0.1:0"]


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    """A TLS scheduler with the course's certificates and two workers of one
    slot each, on 127.0.0.1; yields (scheduler file, certificates folder)."""
    tmp = tmp_path_factory.mktemp("cluster")
    certs = tmp / "certs"
    make_certificates(certs)
    scheduler_file = tmp / "scheduler.json"
    processes = []
    logs = []

    def start(argv, name, env=None):
        log = open(tmp / f"{name}.log", "w")
        logs.append(log)
        processes.append(subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True, env={**os.environ, **(env or {})}))

    try:
        start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--protocol", "tls",
               "--tls-ca-file", certs / CA_FILE, "--tls-cert", certs / CERT_FILE,
               "--tls-key", certs / KEY_FILE, "--scheduler-file", scheduler_file,
               *SCHEDULER_WEB_PAGES_OFF], "scheduler", env=WEB_ROUTES_OFF)
        _wait_for(scheduler_file.is_file, 60, "the scheduler")
        for index in range(2):
            start([sys.executable, "-m", "autograder", "worker", scheduler_file, "--slots", "1",
                   "--certificates", certs, "--work", tmp / f"worker-{index}"], f"worker-{index}")
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), security=security(certs),
                    timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield scheduler_file, certs
    finally:
        for process in reversed(processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in logs:
            log.close()


def _class_folder(tmp_path, students=STUDENTS):
    subs = tmp_path / "subs"
    for student in students:
        shutil.copytree(SUBMISSIONS / student, subs / student)
    return subs


#: Connects to the scheduler as a client would; prints "connected" if it may.
CONNECT = """
import sys
from distributed import Client
from autograder.cluster import security
address, certificates = sys.argv[1], sys.argv[2]
client = Client(address, security=security(certificates) if certificates else None, timeout=10)
print("connected", client.status, flush=True)
client.close()
"""


def _connects(address, certificates=""):
    """Whether a client reaches the scheduler (in a process of its own: a
    client whose handshake fails may hang as it closes)."""
    try:
        result = subprocess.run([sys.executable, "-c", CONNECT, address, str(certificates)],
                                cwd=ROOT, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        return False
    return "connected running" in result.stdout


@pytest.mark.grading
def test_the_cluster_refuses_members_without_the_course_certificates(tls_cluster, tmp_path):
    scheduler_file, certs = tls_cluster
    address = json.loads(scheduler_file.read_text())["address"]
    strangers = tmp_path / "other-course"
    make_certificates(strangers)  # a valid certificate, from another authority
    assert _connects(address, certs)  # the course's own certificate
    assert not _connects(address.replace("tls://", "tcp://"))
    assert not _connects(address)  # TLS without a certificate
    assert not _connects(address, strangers)


@pytest.mark.grading  # starts a cluster (the module's workers) and a second scheduler
def test_no_member_serves_dask_web_pages_beyond_its_machine(tls_cluster, tmp_path):
    """Dask's web pages (plain HTTP, no login) showed the running task's
    student and seed, the workers' logs and their call stacks to anyone on
    the network, the guide's --no-dashboard notwithstanding. The workers
    serve none, on the loopback; the coordinator refuses a scheduler that
    serves them beyond its machine."""
    from distributed import Client

    from autograder import cluster

    def web_pages(node, kind):
        # Run on a member (sent by value): its HTTP routes and where its
        # web server listens.
        import dask

        sockets = (getattr(node.http_server, "_sockets", None) or {}).values()
        return (dask.config.get(f"distributed.{kind}.http.routes"),
                sorted(sock.getsockname()[0] for sock in sockets))

    scheduler_file, certs = tls_cluster
    with Client(scheduler_file=str(scheduler_file), security=security(certs), timeout=60) as client:
        workers = client.run(lambda dask_worker: web_pages(dask_worker, "worker"))
        scheduler = client.run_on_scheduler(lambda dask_scheduler: web_pages(dask_scheduler,
                                                                             "scheduler"))
    assert len(workers) == 2
    for routes, hosts in workers.values():
        assert routes == [] and hosts and all(host == "127.0.0.1" for host in hosts), (routes, hosts)
    assert scheduler[0] == []
    # The check is sent by value: a scheduler without the course's code runs it.
    import cloudpickle

    blocked = ("import pickle, sys; sys.modules['autograder'] = None; "
               "print(pickle.loads(sys.stdin.buffer.read())(None))")
    ran = subprocess.run([sys.executable, "-c", blocked], input=cloudpickle.dumps(
        cluster._scheduler_check()), capture_output=True, cwd=tmp_path)
    assert ran.returncode == 0 and ran.stdout.strip() == b"[]", ran.stderr[-500:]
    # A scheduler started with --no-dashboard alone, its pages on every address.
    other = tmp_path / "scheduler.json"
    with open(tmp_path / "scheduler.log", "w") as log:
        process = subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--protocol", "tls",
             "--tls-ca-file", certs / CA_FILE, "--tls-cert", certs / CERT_FILE,
             "--tls-key", certs / KEY_FILE, "--scheduler-file", other, "--no-dashboard",
             "--dashboard-address", ":0"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        _wait_for(other.is_file, 60, "the second scheduler")
        with pytest.raises(GradingError, match="serves Dask's web pages .*; it listens for web "
                           "requests beyond its machine \\(0.0.0.0:"):
            cluster.client(str(other), str(certs))
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.grading
def test_a_class_graded_on_the_cluster_gets_its_expected_scores_even_when_a_worker_dies(
        tls_cluster, tmp_path):
    """Every fixture gets the score it gets on one machine, once, although a
    worker is killed (SIGKILL) in the middle of a notebook: Dask runs that
    notebook again on a worker that lives."""
    from distributed import Client

    scheduler_file, certs = tls_cluster
    subs = _class_folder(tmp_path)
    killed = {}

    def kill_a_busy_worker():
        with Client(scheduler_file=str(scheduler_file), security=security(certs),
                    timeout=30) as client:
            def busy():
                return [w for w, keys in client.processing().items() if keys]
            workers = _wait_for(busy, 300, "a notebook on a worker")
            pids = client.run(os.getpid, workers=workers[:1])
            killed.update(pids)
            os.kill(pids[workers[0]], signal.SIGKILL)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    result = cli("grade", "perceptrons_xor", "--submissions", subs, "--work", tmp_path / "work",
                 "--cluster", scheduler_file, "--certificates", certs, "--csv",
                 tmp_path / "grades.csv", timeout=900)
    killer.join(timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    assert killed, "no worker was killed"
    assert "Grading on the cluster" in result.stderr and "2 slot(s)" in result.stderr
    measured = read_csv(tmp_path / "grades.csv")
    expected = {sid: row for sid, row in read_csv(SUBMISSIONS / "expected.csv").items()
                if sid in STUDENTS}
    assert measured == expected
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr, result.stderr
    # Each submission was recorded once, and the run says it finished.
    lines = [line for line in result.stderr.splitlines() if line.strip().startswith("[")]
    assert len(lines) == len(STUDENTS)
    from autograder.settings import WorkDir

    run = json.loads(WorkDir(tmp_path / "work").run_file("perceptrons_xor").read_text())
    assert run["finished"] and sorted(run["done"]) == sorted(STUDENTS)


@pytest.mark.grading
def test_a_coordinator_killed_mid_run_resumes_on_the_cluster(tls_cluster, tmp_path):
    """The coordinator dies (SIGKILL) after some submissions: the same
    command grades the rest, each student once, with the expected scores."""
    scheduler_file, certs = tls_cluster
    students = ["solution", "blank", "wrong_step_at_zero", "wrong_forward_column",
                "wrong_nand_is_and", "wrong_epoch_ignores_lr"]
    subs = _class_folder(tmp_path, students)
    command = [sys.executable, "-m", "autograder", "grade", "perceptrons_xor", "--submissions",
               subs, "--work", tmp_path / "work", "--cluster", scheduler_file, "--certificates",
               certs, "--csv", tmp_path / "grades.csv", "--jobs", "1"]
    from autograder.settings import WorkDir

    run_file = WorkDir(tmp_path / "work").run_file("perceptrons_xor")

    def some_done():
        try:
            return len(json.loads(run_file.read_text())["done"]) >= 2
        except (OSError, ValueError, KeyError):
            return False

    first = subprocess.Popen(list(map(str, command)), cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(some_done, 600, "two graded submissions")
    finally:
        first.kill()
        first.communicate()
    done_before = set(json.loads(run_file.read_text())["done"])
    assert 2 <= len(done_before) < len(students)

    second = subprocess.run(list(map(str, command)), cwd=ROOT, capture_output=True, text=True,
                            timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Resuming the unfinished run" in second.stderr
    graded_again = [line for line in second.stderr.splitlines() if line.strip().startswith("[")]
    assert len(graded_again) == len(students) - len(done_before)
    expected = {sid: row for sid, row in read_csv(SUBMISSIONS / "expected.csv").items()
                if sid in students}
    assert read_csv(tmp_path / "grades.csv") == expected
    assert "Traceback" not in second.stderr and "Warning" not in second.stderr, second.stderr
