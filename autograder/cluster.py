"""Grading on many machines: the judged run of each notebook on a Dask worker.

``grade --cluster ADDRESS`` stays the coordinator and the only writer of the
gradebook, the run file and the cases file.  It does intake, nbgrader's steps
before and after execution, and the judging against the solution's answers
itself; only the part that runs student code, :meth:`JudgedExecute.run_and_probe`
(run every cell, then ask the kernel for each part's answers on the drawn
inputs), is sent to a worker as a task.  A task carries:

- the sanitized notebook, hidden tests already cut out (what the student
  wrote, and the course's locked cells as the student saw them);
- for each part its grade id, what to ask the kernel (the probe) and the
  drawn inputs, never the solution's answers (only, for a part with
  ``Part.stand_ins``, the solution's own functions it is asked again with);
- the notebook's language and the run's time and output limits.

It returns the executed notebook, the kernel's answers, the status (which
limits were hit) and the CPU seconds used.  A worker needs the grader's
code and the sandbox (``make sandbox``), never the solutions, the gradebook,
other students' notebooks or the database's password.

Tasks have no side effects and deterministic keys (the assignment, and a hash
of the seed, the student, the notebook and its text), so when Dask runs a task again because its
worker died (it does, on another worker) nothing changes but the time.  Dask
gives a task up after ``distributed.scheduler.allowed-failures`` deaths of
the workers it was on, also those where it only waited behind a notebook
that killed its worker: a task given up is sent once more as a new one
(LOST_TASK_ATTEMPTS), and a notebook given up again ends as
``grading error (worker lost)``; the run goes on.

Whoever reaches the scheduler can run code as root on the workers, so the
cluster speaks TLS with client certificates: ``python -m autograder
certificates DIR`` makes the course's (a private certificate authority and
one certificate it signs, used by the scheduler, the workers and the
grader).  Plain TCP is refused unless the command is told that the cluster
is a test on this machine's loopback.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from autograder.checks import GradingError, Probe
from autograder.utils import own_folder

log = logging.getLogger(__name__)

#: The files ``certificates`` writes: the authority's certificate, and the
#: certificate and key every member of the cluster presents.
CA_FILE, CERT_FILE, KEY_FILE = "ca.pem", "course.pem", "course-key.pem"
#: The environment variables that tell a worker process its work folder, and
#: whether its kernels start cold ("1") instead of forked from a warm process.
WORK_ENV, COLD_ENV = "DLCOURSE_WORKER_WORK", "DLCOURSE_WORKER_COLD"
#: Statuses of a notebook whose grading the cluster could not finish.
WORKER_LOST = "grading error (worker lost)"
#: How many times a notebook's task is sent before it is recorded as
#: WORKER_LOST (Dask itself lets a task's workers die a few times first).
LOST_TASK_ATTEMPTS = 2
#: How long the grader waits for the scheduler when it connects (seconds).
CONNECT_TIMEOUT = 30


class ClusterLost(GradingError):
    """The scheduler is gone: the run stops (what finished is saved) rather
    than record submissions as failed.  nbgrader turns any exception in its
    pipeline into a failed result, so the loss is also noted in this
    process (:func:`lost`), where the grader looks after each submission."""


_LOST: list[str] = []


def _lose(message: str) -> ClusterLost:
    """The error to raise for a lost scheduler, noted for :func:`lost`."""
    _LOST.append(message)
    return ClusterLost(message)


def lost() -> str:
    """Why the scheduler was lost while the last submission was graded in
    this process, or "" (and forget it)."""
    why = _LOST[-1] if _LOST else ""
    _LOST.clear()
    return why


# -- certificates -------------------------------------------------------------------


def make_certificates(folder: Path, hosts: list[str] = (), days: int = 365) -> list[Path]:
    """Write the course's certificate authority and the one certificate it
    signs into ``folder`` (created, mode 0700; keys 0600).  ``hosts`` are
    names or addresses put in the certificate beside localhost (Dask checks
    the chain of trust, not the host name).  Refuses to overwrite."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = Path(folder)
    paths = [folder / CA_FILE, folder / CERT_FILE, folder / KEY_FILE]
    existing = [p for p in paths if p.exists()]
    if existing:
        raise GradingError(f"{existing[0]} exists already; remove the folder's certificates "
                           "first to make new ones (every machine then needs the new ones)")
    if folder.exists() and any(folder.iterdir()):
        raise GradingError(f"{folder} is not empty: give a new folder for the certificates")
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    now = datetime.now(timezone.utc)
    start, end = now - timedelta(minutes=5), now + timedelta(days=days)

    def name(common: str):
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dlcourse grading"),
                          x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("course authority"))
          .issuer_name(name("course authority")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(start)
          .not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    alt = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    for host in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt.append(x509.DNSName(host))
    cert = (x509.CertificateBuilder().subject_name(name("course cluster"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    old = os.umask(0o077)
    try:
        paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    finally:
        os.umask(old)
    # The authority's key is not kept: nobody can sign another member.
    return paths


def security(certificates: Path | str | None):
    """Dask's TLS settings for a member of the course's cluster, or None
    (plain TCP) when no folder is given."""
    if not certificates:
        return None
    from distributed.security import Security

    folder = Path(certificates)
    ca, cert, key = (folder / CA_FILE, folder / CERT_FILE, folder / KEY_FILE)
    missing = [p.name for p in (ca, cert, key) if not p.is_file()]
    if missing:
        raise GradingError(f"{folder} lacks {', '.join(missing)}: make the course's certificates "
                           "with `python -m autograder certificates DIR` and copy the folder "
                           "to every machine of the cluster")
    paths = {"tls_ca_file": str(ca)}
    for role in ("client", "scheduler", "worker"):
        paths[f"tls_{role}_cert"], paths[f"tls_{role}_key"] = str(cert), str(key)
    return Security(require_encryption=True, **paths)


def _is_loopback(address: str) -> bool:
    host = address.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    try:
        return all(ipaddress.ip_address(info[4][0]).is_loopback
                   for info in socket.getaddrinfo(host, None))
    except (OSError, ValueError):
        return False


def check_address(address: str, certificates, *, trusted_loopback: bool) -> None:
    """Refuse a cluster address that would let others run code on the
    workers: plain TCP anywhere but a loopback test, TLS without the course's
    certificates."""
    if address.startswith("tls://"):
        if not certificates:
            raise GradingError(f"{address} speaks TLS: give the course's certificates "
                               "(--certificates DIR)")
        return
    if not address.startswith("tcp://"):
        raise GradingError(f"{address!r} is not a scheduler address (tls://HOST:PORT)")
    if not (trusted_loopback and _is_loopback(address)):
        raise GradingError(f"{address} is plain TCP: whoever reaches it can run code as root on "
                           "the workers. Use tls:// with the course's certificates "
                           "(--trusted-loopback is only for a test on this machine's loopback)")


def resolve_address(cluster: str) -> str:
    """A scheduler's address, from the address itself or from a scheduler
    file (``dask scheduler --scheduler-file``)."""
    if "://" in cluster:
        return cluster
    import json

    try:
        return json.loads(Path(cluster).read_text())["address"]
    except (OSError, ValueError, KeyError, TypeError):
        raise GradingError(f"{cluster} is neither a scheduler address (tls://HOST:PORT) nor a "
                           "readable scheduler file") from None


# -- the coordinator's side -------------------------------------------------------------

_CLIENT: dict = {}


def client(cluster: str, certificates: str = "", *, trusted_loopback: bool = False):
    """This process's connection to the scheduler (made once)."""
    address = resolve_address(cluster)
    check_address(address, certificates, trusted_loopback=trusted_loopback)
    known = _CLIENT.get("client")
    if known is not None and _CLIENT.get("address") == address and known.status == "running":
        return known
    from distributed import Client

    try:
        made = Client(address, security=security(certificates), timeout=CONNECT_TIMEOUT,
                      set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise _lose(f"cannot reach the cluster's scheduler at {address}: {error}") from None
    try:
        problems = made.run_on_scheduler(_scheduler_check())
    except Exception as error:  # noqa: BLE001 - whatever it was, the scheduler is not as expected
        made.close()
        raise GradingError(f"could not ask the scheduler at {address} how it was started "
                           f"({type(error).__name__}: {error}): start it as docs/deployment.md "
                           "says") from None
    if problems:
        made.close()
        raise GradingError(f"the scheduler at {address} {'; it '.join(problems)}: start it as "
                           "docs/deployment.md says")
    _CLIENT.update(client=made, address=address)
    return made


def _scheduler_check():
    """A function to run on the scheduler (sent by value: the scheduler
    needs only Dask) that says how it was started otherwise than the guide
    says, each in words (empty if it was started so): Dask's web pages
    (task names, the workers' logs and call stacks, metrics: plain HTTP
    without a login) served at all, or a web server listening beyond the
    loopback (the dashboard, where it is installed)."""

    def check(dask_scheduler=None) -> list[str]:
        import ipaddress

        import dask

        problems = []
        routes = dask.config.get("distributed.scheduler.http.routes", [])
        if routes:
            problems.append(f"serves Dask's web pages ({', '.join(map(str, routes))}) without a "
                            "login: they show the tasks, the workers' logs and their call stacks")
        server = getattr(dask_scheduler, "http_server", None)
        beyond = [f"{host}:{port}" for host, port, *_ in (
            sock.getsockname() for sock in (getattr(server, "_sockets", None) or {}).values())
            if not ipaddress.ip_address(host).is_loopback]
        if beyond:
            problems.append(f"listens for web requests beyond its machine ({', '.join(beyond)})")
        return problems

    return check


def slots(cluster: str, certificates: str = "", *, trusted_loopback: bool = False) -> int:
    """How many notebooks the cluster runs at once: its workers' threads."""
    return sum(client(cluster, certificates, trusted_loopback=trusted_loopback).nthreads().values())


@dataclass(frozen=True)
class Asked:
    """What a worker needs of a part: its grade id, what to ask the kernel,
    the solution's functions to ask again with (``Part.stand_ins``), and
    whether to ask for the arguments after each call (``Part.keeps_inputs``)."""

    grade_id: str
    probe: Probe
    stand_in_sources: tuple[tuple[str, str], ...] = ()
    keeps_inputs: bool = False


def task_key(assignment: str, seed: int, student: str, notebook: str, text: str) -> str:
    """The task's Dask key: one per run, student, notebook and notebook text,
    which names only the assignment in the clear (a key shows in Dask's logs
    and pages: not whose notebook it is, nor the run's seed)."""
    digest = hashlib.sha256(json.dumps([seed, student, notebook]).encode() + b"\0"
                            + text.encode()).hexdigest()[:32]
    return f"judged-{assignment}-{digest}"


def make_task(executor, nb, parts, cases: dict, language: str) -> dict:
    """The task for one notebook: see the module's docstring for what it
    holds (and what it never holds)."""
    import nbformat

    return {
        "notebook": nbformat.writes(nb),
        "parts": [Asked(p.grade_id, p.probe, p.stand_in_sources, p.keeps_inputs) for p in parts],
        "cases": {p.grade_id: cases[p.grade_id] for p in parts},
        "language": language,
        "limits": {name: getattr(executor, name) for name in executor.LIMITS},
    }


def judge_on_cluster(executor, judge, nb, parts, cases: dict, *, language: str,
                     key: tuple) -> tuple[str, dict]:
    """Run ``nb`` and probe ``parts`` on a worker of the executor's cluster,
    where ``judge`` (:func:`autograder.execute.judge_task`) runs the task;
    the outputs come back into ``nb``.  Returns (status, answers) as
    :meth:`JudgedExecute.run_and_probe` does, and sets the executor's
    ``cpu_seconds``.  ``nb`` must already be without its hidden tests."""
    import nbformat
    from distributed import KilledWorker

    from autograder.language import said

    task = make_task(executor, nb, parts, cases, language)
    connection = client(executor.cluster, executor.cluster_certificates,
                        trusted_loopback=executor.cluster_trusted_loopback)
    # Dask gives up on a task after its workers died a few times
    # (KilledWorker), counting every death of a worker the task was on, or
    # only waiting on: a notebook queued behind one that kills its worker
    # was lost with it.  So a lost task runs once more, as a new task.
    for attempt in range(LOST_TASK_ATTEMPTS):
        name = task_key(*key, task["notebook"]) + (f"-{attempt + 1}" if attempt else "")
        future = connection.submit(judge, task, key=name, pure=False)
        try:
            done = future.result()
            break
        except KilledWorker:
            if attempt + 1 < LOST_TASK_ATTEMPTS:
                log.warning(f"{key[2]}: the workers running or holding this notebook died; "
                            "graded once more")
                continue
            executor.cpu_seconds = executor.start_cpu_seconds = 0.0
            reason = said("the grading machine running this notebook was lost; it can be graded "
                          "again")
            return WORKER_LOST, {p.grade_id: reason for p in parts}
        except Exception as error:
            if future.status == "error":  # the task's own error, raised on the worker
                raise
            raise _lose(f"lost the cluster's scheduler: {type(error).__name__}: {error}") from None
        finally:
            future.release()
    ran = nbformat.reads(done["notebook"], as_version=4)
    if [c.get("source") for c in ran.cells] != [c.get("source") for c in nb.cells]:
        raise GradingError("a worker returned a different notebook than it was sent")
    for mine, theirs in zip(nb.cells, ran.cells):  # only what running a notebook changes
        if mine.cell_type == "code":
            mine.outputs = theirs.get("outputs", [])
            mine.execution_count = theirs.get("execution_count")
        if "execution" in theirs.get("metadata", {}):
            mine.metadata["execution"] = theirs.metadata["execution"]
    for field in ("language_info", "widgets"):
        if field in ran.metadata:
            nb.metadata[field] = ran.metadata[field]
    executor.cpu_seconds = float(done["cpu_seconds"])
    executor.start_cpu_seconds = float(done.get("start_cpu_seconds", 0.0))
    return done["status"], done["answers"]


# -- the worker's side --------------------------------------------------------------

@functools.cache
def worker_config():
    """The nbgrader configuration a worker runs kernels with, and its work
    folder: the sandbox, and a folder of its own for the kernels' sockets
    (made once per worker process)."""
    from autograder.config import course_config

    work = Path(os.environ.get(WORK_ENV) or Path.cwd() / "dlcourse-worker")
    work = work / f"slot-{os.getpid()}"
    # A worker runs no course: its "course folder" is an empty one.
    empty = work / "no-course"
    empty.mkdir(parents=True, exist_ok=True)
    config = course_config(empty, work=work, sandbox=True, zygote=os.environ.get(COLD_ENV) != "1")
    return config, work


def worker_folder(path) -> Path:
    """``path`` as the worker's own folder (:func:`autograder.utils.own_folder`:
    the default lies in /var/tmp, where any user may make that folder first)."""
    return own_folder(path, "the worker's folder", "choose another with --work")


def serve(address: str, slots: int, certificates: str = "", *, work: Path,
          trusted_loopback: bool = False, cold: bool = False) -> None:
    """Run ``slots`` worker processes (one sandboxed kernel each) for the
    scheduler at ``address`` until interrupted.  Each is a Dask worker kept
    alive by a nanny: one that dies is started again."""
    import asyncio

    from distributed import Nanny

    from autograder.sandbox import SandboxError, check

    address = resolve_address(address)
    check_address(address, certificates, trusted_loopback=trusted_loopback)
    if slots < 1:
        raise GradingError("--slots must be at least 1")
    try:
        check()
    except SandboxError as error:
        raise GradingError(f"the sandbox cannot run here: {error}") from None
    sec = security(certificates)
    work = worker_folder(work)
    os.environ[WORK_ENV] = str(work)
    os.environ[COLD_ENV] = "1" if cold else "0"
    host = socket.gethostname()

    async def run() -> None:
        # A plain-TCP test cluster listens on the loopback only (its nannies
        # and workers run whatever a client sends them).
        listen = {} if sec else {"host": "127.0.0.1"}
        # No web pages (Dask's are plain HTTP without a login, and show
        # the tasks and the worker's log), and their server on the loopback.
        nannies = [Nanny(address, nthreads=1, security=sec, name=f"{host}-{os.getpid()}-{index}",
                         local_directory=str(work / "dask"), memory_limit=0,
                         dashboard_address="127.0.0.1:0",
                         config={"distributed.worker.http.routes": []}, **listen)
                   for index in range(slots)]
        await asyncio.gather(*nannies)
        log.info(f"{slots} grading slot(s) on {host} joined {address}; Ctrl-C to leave")
        try:
            await asyncio.gather(*(n.finished() for n in nannies))
        finally:
            await asyncio.gather(*(n.close() for n in nannies), return_exceptions=True)

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        log.info("left the cluster")
