"""Student kernels forked from a warm process instead of started cold.

Every graded notebook's kernel imports NumPy, PyTorch, TensorFlow and Keras
again: 12-20 CPU seconds before the student's first line runs.  A *zygote*
(:mod:`autograder.zygote_process`) pays that once per grading run (one for
all of a parallel run's workers, :class:`ZygoteService`; one per process
otherwise): it is started in the sandbox like any student kernel (same user, namespaces,
file system, prlimits; cgroups of its own), imports the frameworks, and
then forks one child per submission.  Each child

* is moved by the grader into that submission's own cgroups before it runs
  anything (the same memory, process and CPU accounting as a cold kernel);
* enters new user, mount, PID, IPC, network and UTS namespaces, gets an
  empty ``/tmp``, ``/home/student`` and ``/dev/shm``, terminals
  (``/dev/pts``) of its own, of the zygote's socket folder only its own
  folder, and a ``/proc`` that shows only its own processes, drops every
  capability;
* runs the IPython kernel with the connection file the grader wrote and
  the options that followed it in the kernel's command.

A child is a copy of the zygote as it was before any kernel existed: what
one student changes (a module, a global, a file) is gone for the next.

:class:`ZygoteProvisioner` is the jupyter_client kernel provisioner that
launches a kernel this way; :class:`autograder.sandbox.SandboxedKernelManager`
uses it when the sandbox's ``zygote`` setting is on and the zygote starts.
Where it cannot start (namespaces refused, say), kernels start cold as
before, and the log says so once.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import json
import logging
import os
import secrets
import select
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from multiprocessing.connection import AuthenticationError, Client, Listener
from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from autograder.checks import GradingError
from autograder.sandbox import (
    LimitedKernelManager,
    SandboxedKernelManager,
    SandboxLimits,
    _members,
    _new_sandbox_dir,
    _owner_alive,
    _start_time,
    clean_sandbox_dir,
    kill_cgroups,
    launch_environment,
    make_cgroups,
    new_kernel_folder,
    new_socket_folder,
    remove_cgroups,
    remove_socket_folder,
    share_mounts,
    wrap,
)
from autograder.utils import own_folder

log = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("zygote_process.py").read_text()
#: Seconds the zygote may take to import everything (CPU-bound: ~15 s on a
#: quiet machine; a busy one takes longer).
READY_TIMEOUT = 300
#: Seconds for one answer to a fork request.
ANSWER_TIMEOUT = 30


class ZygoteError(RuntimeError):
    """The zygote could not start or could not fork a kernel."""


class WarmProcess:
    """The zygote program (:mod:`autograder.zygote_process`) running as
    ``cmd``, and the conversation with it: one JSON request per line on its
    stdin, one JSON answer per line on its stdout, its stderr in ``log_file``."""

    def __init__(self, cmd: list[str], env: dict, log_file: Path):
        self.process: subprocess.Popen | None = None
        self.owner = os.getpid()
        self.forks = 0  # kernels forked
        self.broken = ""
        self._lost = ""
        self._lock = threading.Lock()
        self.log_file = log_file
        self.stderr = open(log_file, "wb")
        started = time.monotonic()
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr, env=env)
        ready = self._answer(READY_TIMEOUT)
        if "ready" not in ready:
            raise ZygoteError(f"unexpected first answer {ready!r}")
        self.preloaded = ready["ready"]
        self.cpu_seconds = ready["cpu_seconds"]
        self.seconds = time.monotonic() - started

    def _send(self, request: dict) -> None:
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except (OSError, ValueError) as error:
            raise ZygoteError(f"the zygote is gone ({error})") from None

    def _answer(self, timeout: float) -> dict:
        stdout = self.process.stdout
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                raise ZygoteError(f"no answer from the zygote in {timeout:.0f} s{self._log_tail()}")
        line = stdout.readline()
        if not line:
            try:  # its output closed as it ended: wait for its exit status
                code = self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                code = None
            raise ZygoteError(f"the zygote ended (exit {code}){self._log_tail()}")
        return json.loads(line)

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return f": {lines[-1]}" if lines else ""

    def _exchange(self, request: dict) -> dict:
        """Send one request, return its answer (one conversation at a time:
        several threads may ask).  After an exchange that failed half-way
        (no answer in time) a late answer could be taken for the next one's:
        none is tried again."""
        with self._lock:
            if self._lost:
                raise ZygoteError(f"the conversation with the zygote was lost ({self._lost})")
            try:
                self._send(request)
                return self._answer(ANSWER_TIMEOUT)
            except BaseException as error:
                self._lost = str(error) or type(error).__name__
                raise

    def begin_fork(self, request: dict, place) -> tuple[int, int]:
        """Ask for a child, which waits; ``place(inner pid)`` returns its
        host pid once it is wherever it must be before it goes on (cgroups).
        Returns (inner pid, host pid); the child goes on or is killed with
        :meth:`finish_fork`."""
        try:
            answer = self._exchange({"fork": request})
            if "forked" not in answer:
                raise ZygoteError(answer.get("error") or f"unexpected answer {answer!r}")
            inner = answer["forked"]
            try:
                return inner, place(inner)
            except BaseException:
                with contextlib.suppress(ZygoteError, OSError):  # the first error is the one told
                    self._exchange({"cancel": inner})
                raise
        except BaseException as error:  # a zygote whose fork failed is not asked again
            self.broken = str(error) or type(error).__name__
            raise

    def finish_fork(self, inner: int, go: bool = True) -> None:
        """Let the child ``inner`` go on and become a kernel (or kill it)."""
        try:
            answer = self._exchange({"go" if go else "cancel": inner})
            if answer != {"done": inner}:
                raise ZygoteError(f"unexpected answer {answer!r}")
            self.forks += go
        except BaseException as error:
            self.broken = str(error) or type(error).__name__
            raise

    def _fork(self, request: dict, place) -> ForkedKernel:
        inner, pid = self.begin_fork(request, place)
        return _go(pid, lambda: self.finish_fork(inner), lambda: self.finish_fork(inner, go=False))

    def alive(self) -> bool:
        return not self.broken and self.process is not None and self.process.poll() is None

    def close(self) -> None:
        """End the zygote (end of its input) and with it the kernels it forked."""
        if getattr(self, "process", None) is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
            self.process = None
        if getattr(self, "stderr", None):
            self.stderr.close()
            self.stderr = None


class CpuChoice:
    """The CPU each forked kernel runs on, all its threads and processes: the
    first that no other running kernel on the machine keeps to (every
    grader's), or none (the system places it) when each CPU has one.

    Keras's training loop hands every step between the kernel's threads.
    Left to move between CPUs, a kernel beside another busy one waits at each
    hand-over: six Keras notebooks of 300 epochs, graded two at a time on
    two CPUs, took 1.5 times their CPU time in wall-clock time; kept on a
    CPU each, 1.2 times (41 s and 33 s for the six).  The sandbox gives a
    kernel's libraries one thread each (THREAD_VARIABLES), so one CPU is all
    a kernel would use anyway.  Two kernels are never kept to one CPU: when
    the other CPU fell idle, they could not move to it.

    Which kernel keeps to which CPU is written by the graders, in a folder
    only root reads (``registry``: a file per kernel, named by its pid and
    start time), never read from the kernels themselves: a kernel that
    changes its own CPUs changes no later kernel's, and a kernel's CPU says
    only which kernels run beside it, which a busy neighbour's speed says
    too.  Where a CPU cannot be set (a cpuset that does not allow it), the
    kernel runs wherever the system puts it; no grade depends on it (time
    limits count CPU time)."""

    def __init__(self, registry: Path | None = None):
        self.registry = registry or Path(tempfile.gettempdir()) / "dlcourse-cpus"
        self.cpus = sorted(os.sched_getaffinity(0))

    def pin(self, pid: int) -> int | None:
        """Keep the process ``pid`` (a kernel not yet started, one thread)
        and the threads and processes it makes on a CPU no other kernel
        keeps to; returns it (None: every CPU has one, the machine has one
        CPU, or it could not be set)."""
        if len(self.cpus) < 2:
            return None
        try:
            # In the shared temporary folder: one another user made first
            # could hold links to the grader's files.
            own_folder(self.registry, "the graders' record of CPUs", "remove it", closed=0o077)
            with open(self.registry / ".lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # one grader chooses at a time
                taken = set()
                for entry in self.registry.glob("*-*"):
                    kernel, _, started = entry.name.partition("-")
                    if not (kernel.isdigit() and started) or _start_time(int(kernel)) != started:
                        entry.unlink(missing_ok=True)  # that kernel has ended
                    else:
                        taken.add(int(entry.read_text() or -1))
                cpu = next((c for c in self.cpus if c not in taken), None)
                if cpu is None:
                    return None
                os.sched_setaffinity(pid, {cpu})
                (self.registry / f"{pid}-{_start_time(pid)}").write_text(str(cpu))
                return cpu
        except (OSError, ValueError, GradingError) as error:
            log.debug("a forked kernel runs on any CPU: %s", error)
            return None


class Zygote(WarmProcess):
    """One warm process in the sandbox, and the socket folder its kernels'
    folders are made in: each kernel has a tmpfs of its own there and sees
    only its own, so that kernels forked at the same time (a run's grading
    workers share one zygote: :class:`ZygoteService`) neither see nor fill
    each other's."""

    def __init__(self, limits: SandboxLimits):
        self.limits = limits
        self.base, self.kernel_dir = new_kernel_folder(limits)
        self.kernels = 0  # kernels asked for (each names its cgroups, even if its fork failed)
        self.cpu = CpuChoice()
        self.groups: list[Path] = []
        self._names = threading.Lock()
        try:
            # Each kernel's folder is mounted after the zygote started.
            share_mounts(self.kernel_dir)
            self.groups = make_cgroups(f"{self.base.name}-zygote", limits)
            cmd = wrap([sys.executable, "-c", SOURCE], self.kernel_dir, self.groups, limits, self.base,
                       zygote=True)
            super().__init__(cmd, launch_environment(), self.base / "zygote.log")
            # A kernel that cannot isolate itself would score 0 as "kernel
            # died": find out now, while cold kernels can still take over.
            _, own = self.open_kernel()
            try:
                checked = self._exchange({"check": {"tmp_bytes": limits.tmp_mb * 2**20,
                                                    "sockets": str(self.kernel_dir),
                                                    "own": str(own)}}).get("checked")
            finally:
                self.close_kernel(own)
            if checked != 0:
                raise ZygoteError(f"a forked kernel cannot isolate itself (exit {checked})"
                                  f"{self._log_tail()}")
            log.info("kernels are forked from a warm process (%s imported in %.1f s, %.1f CPU s)",
                     ", ".join(self.preloaded), self.seconds, self.cpu_seconds)
        except BaseException:
            self.close()
            raise

    def open_kernel(self) -> tuple[str, Path]:
        """A name for the next kernel's cgroups, never used before, and its
        own socket folder (a new tmpfs in the zygote's)."""
        # Random, not counted: the kernel sees its folder's name, and a count
        # would tell it how many kernels came before it (a reviewer playing
        # an attacker told a first run from a run again that way).
        with self._names:
            self.kernels += 1
            name = secrets.token_hex(8)
            while (self.kernel_dir / name).exists():
                name = secrets.token_hex(8)
            return (f"{self.base.name}-{name}",
                    new_socket_folder(self.kernel_dir / name, self.limits))

    def close_kernel(self, folder: Path) -> str:
        """Remove a kernel's socket folder, once its cgroups are empty
        (nothing of it runs any more); returns what was removed, in words."""
        folder = Path(folder)
        if folder.parent != self.kernel_dir:
            raise ZygoteError(f"{folder} is not a kernel's folder of this zygote")
        return remove_socket_folder(folder)

    # -- forking a kernel --------------------------------------------------------------

    def request(self, connection_file: str, arguments: list[str], seed: int) -> dict:
        """The fork request for a kernel whose connection file is in its own
        folder (:meth:`open_kernel`)."""
        return {"connection_file": connection_file, "arguments": arguments, "seed": seed,
                "tmp_bytes": self.limits.tmp_mb * 2**20, "sockets": str(self.kernel_dir)}

    def place(self, inner: int, groups: list[Path]) -> int:
        """Move the zygote's child ``inner`` into ``groups`` and onto a CPU
        of its own (:class:`CpuChoice`); its host pid."""
        pid = self._host_pid(inner)
        for group in groups:
            (Path(group) / "cgroup.procs").write_text(str(pid))
        self.cpu.pin(pid)
        return pid

    def fork(self, connection_file: str, arguments: list[str], groups: list[Path],
             seed: int) -> ForkedKernel:
        """Fork a kernel for ``connection_file`` (with the kernel's command's
        ``arguments``) into ``groups``.  A zygote whose fork fails is not
        asked again (the next kernel gets a new one)."""
        return self._fork(self.request(connection_file, arguments, seed),
                          lambda inner: self.place(inner, groups))

    def _host_pid(self, inner: int) -> int:
        """The host's id of the zygote's child ``inner`` (an id in the
        sandbox's PID namespace): the member of the zygote's cgroup whose
        innermost id it is."""
        for pid in _members(self.groups[0]):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("NSpid:") and int(line.split()[-1]) == inner:
                    if int(line.split()[1]) == pid and len(line.split()) > 2:
                        return pid
        raise ZygoteError(f"the zygote's child {inner} is not in its cgroup")

    def close(self) -> None:
        """End the zygote and remove its cgroups and folder."""
        super().close()
        if self.groups:
            kill_cgroups(self.groups)
            remove_cgroups(self.groups)
            self.groups = []
        if self.base.exists():
            log.debug("zygote cleanup: %s", clean_sandbox_dir(self.base))


# -- this process's own zygote ---------------------------------------------------------

_zygote: Zygote | None = None
_failed = ""
#: Held while a thread picks (or starts) the zygote of :func:`zygote_for`.
_choosing = threading.Lock()


def zygote_for(limits: SandboxLimits) -> Zygote | SharedZygote | None:
    """The zygote this process's kernels are forked from: the run's shared
    one in a grading worker that was given one (:func:`use_shared`), else
    this process's own, started on first use; None (and one warning) when
    it cannot start, so that kernels start cold instead."""
    with _choosing:  # two threads starting kernels at once share one zygote
        return _zygote_for(limits)


def _zygote_for(limits: SandboxLimits) -> Zygote | SharedZygote | None:
    global _zygote, _failed, _shared
    if _shared is not None:
        if _shared.owner == os.getpid() and _shared.alive():
            return _shared
        if _shared.owner == os.getpid() and _shared.unavailable:
            _failed = _shared.broken  # said once, by the grader: a worker's own would fail alike
        elif _shared.owner == os.getpid():
            log.warning("the run's shared warm process cannot be used (%s); this worker "
                        "starts its own", _shared.broken)
        _shared.close()
        _shared = None
    if _zygote is not None and _zygote.owner != os.getpid():
        # Inherited by a forked grading worker: the parent's, not ours.
        _zygote, _failed = None, ""
    if _zygote is not None and _zygote.alive():
        return _zygote
    if _zygote is not None:
        log.warning("the kernels' warm process %s; starting another",
                    f"failed ({_zygote.broken})" if _zygote.broken else "ended")
        _zygote.close()
        _zygote = None
    if _failed:
        return None
    try:
        _zygote = Zygote(limits)
    except (OSError, ZygoteError, ValueError) as error:
        _failed = str(error)
        log.warning("kernels start cold (each imports the frameworks again): "
                    "the warm process could not start: %s", error)
        return None
    _register_close()
    return _zygote


def close() -> None:
    global _zygote
    if _zygote is not None and _zygote.owner == os.getpid():
        _zygote.close()
        _zygote = None


def _register_close() -> None:
    import multiprocessing.util

    # A grading worker (multiprocessing) runs finalizers, not atexit, when it ends.
    multiprocessing.util.Finalize(None, close, exitpriority=10)
    atexit.register(close)


# -- one zygote for a run's grading workers -------------------------------------------


class ZygoteService:
    """One zygote for all of a run's grading workers, instead of one each
    (each costs about 10 CPU seconds of imports, and its memory).  It runs
    in the grader's own process: the zygote starts in a thread, while the
    grader registers the assignment, and forks the solution's kernel first
    (:func:`shared_here`).  Workers ask it
    for kernels over a Unix socket in a root-only folder, with a key handed
    to them when they start (:mod:`multiprocessing.connection`); they see
    it through :class:`SharedZygote`.  A worker that cannot use it starts a
    zygote of its own, as before (:func:`zygote_for`)."""

    def __init__(self, limits: SandboxLimits):
        self.owner = os.getpid()
        self.limits = limit_values(limits)
        self.folder = _new_sandbox_dir()  # swept like a kernel's if this process dies
        self.folder.chmod(0o700)
        self.address = str(self.folder / "zygote")
        self.authkey = os.urandom(32)
        self.listener = Listener(self.address, family="AF_UNIX", authkey=self.authkey)
        self.zygote: Zygote | None = None
        self.failed = ""
        self.closed = False
        self.ready, self._stop = threading.Event(), threading.Event()
        # The zygote lives as long as the thread that started it (bubblewrap
        # ends with its parent *thread*): that thread waits until the end.
        self._keeper = threading.Thread(target=self._keep, args=(limits,), name="zygote-keeper",
                                        daemon=True)
        self._keeper.start()
        threading.Thread(target=self._accept, name="zygote-service", daemon=True).start()

    @property
    def handle(self) -> tuple[str, bytes]:
        """What a worker needs to use the service (:func:`use_shared`)."""
        return self.address, self.authkey

    def _keep(self, limits: SandboxLimits) -> None:
        try:
            zygote = Zygote(limits)
        except (OSError, ZygoteError, ValueError) as error:
            self.failed = str(error)
            log.warning("kernels start cold (each imports the frameworks again): the grading "
                        "workers' shared warm process could not start: %s", error)
            zygote = None
        else:
            self.zygote = zygote
        finally:
            self.ready.set()
        self._stop.wait()
        if zygote is not None:
            zygote.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                connection = self.listener.accept()
            except (OSError, EOFError, AuthenticationError):
                continue  # a caller without the key, or the service closing
            threading.Thread(target=self._serve, args=(connection,), name="zygote-client",
                             daemon=True).start()

    def _serve(self, connection) -> None:
        kernels: dict[str, list[str]] = {}  # this worker's kernels: socket folder -> cgroups
        with connection:
            while True:
                try:
                    request = connection.recv()
                except (EOFError, OSError):
                    break
                try:
                    answer = ("ok", self._answer(kernels, *request))
                except Unavailable as error:
                    answer = ("unavailable", str(error))
                except Exception as error:  # noqa: BLE001 - told to the worker, whose kernel starts cold
                    answer = ("error", str(error) or type(error).__name__)
                try:
                    connection.send(answer)
                except OSError:
                    break
        self._end_kernels(kernels)

    def _end_kernels(self, kernels: dict[str, list[str]]) -> None:
        """The kernels of a worker that is gone (killed, say), which nobody
        else would end: killed, their cgroups and socket folders removed."""
        for folder, groups in kernels.items():
            paths = [Path(g) for g in groups]
            kill_cgroups(paths, wait=2.0)
            remove_cgroups(paths)
            if self.zygote is not None:
                with contextlib.suppress(ZygoteError, OSError):
                    log.warning("a grading worker left a kernel: %s", self.zygote.close_kernel(Path(folder)))

    def _answer(self, kernels: dict[str, list[str]], what: str, *args):
        if not self.ready.wait(READY_TIMEOUT) or self.zygote is None:
            raise Unavailable(self.failed or "the shared warm process did not start in time")
        zygote = self.zygote
        # A kernel being started or ended is seen through, even if another
        # worker's fork has just failed.
        if what == "close":
            kernels.pop(args[0], None)
            return zygote.close_kernel(Path(args[0]))
        if what in ("go", "cancel"):
            return zygote.finish_fork(int(args[0]), go=what == "go")
        if not zygote.alive():
            raise ZygoteError("the shared warm process " + (f"failed ({zygote.broken})"
                                                            if zygote.broken else "ended"))
        if what == "open":
            name, folder = zygote.open_kernel()
            kernels[str(folder)] = []
            return name, str(folder)
        if what == "fork":
            connection_file, arguments, groups, seed = args
            kernels[str(Path(connection_file).parent)] = list(groups)
            return zygote.begin_fork(zygote.request(connection_file, arguments, seed),
                                     lambda inner: zygote.place(inner, groups))
        raise ZygoteError(f"unknown request {what!r}")

    def usable(self) -> bool:
        """Can a new run use it: not closed, and its zygote still starting
        or alive."""
        if self.closed or self.failed:
            return False
        return not self.ready.is_set() or (self.zygote is not None and self.zygote.alive())

    def close(self) -> None:
        """End the zygote (and any kernel still forked from it) and the service."""
        self.closed = True
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as wake:
            wake.connect(self.address)  # the accepting thread sees it is closed
        self.listener.close()
        self._stop.set()
        # A zygote still importing is not waited for: it is closed once it
        # is ready, or ends with this process.
        self._keeper.join(30 if self.ready.is_set() else 0)
        clean_sandbox_dir(self.folder)


def limit_values(limits: SandboxLimits) -> dict:
    """The values of ``limits``, to compare two runs' limits by."""
    return {name: getattr(limits, name) for name in sorted(limits.trait_names(config=True))}


_service: ZygoteService | None = None
_keeping = threading.Lock()


def service_for(limits: SandboxLimits) -> ZygoteService:
    """The warm process a run's grading workers share: the one this
    process started for an earlier run with the same limits, if it still
    works, else a new one, kept for the runs that follow (a process that
    grades many times, such as the test suite or
    ``tests/submissions/build.py --expected``, imports the frameworks once;
    a forked kernel sees nothing of the kernels forked before it, in this
    run or an earlier one).  Left running when a run ends; ended when this
    process ends."""
    global _service
    with _keeping:
        kept = _service
        if kept is not None and kept.owner == os.getpid():
            if kept.limits == limit_values(limits) and kept.usable():
                return kept
            kept.close()
        _service = ZygoteService(limits)
        return _service


def _close_service() -> None:
    global _service
    if _service is not None and _service.owner == os.getpid():
        _service.close()
        _service = None


atexit.register(_close_service)  # a no-op in a process that never graded


class SharedZygote:
    """A grading worker's side of the run's :class:`ZygoteService`, with the
    methods of :class:`Zygote` that kernels are started and ended with."""

    def __init__(self, address: str, authkey: bytes, limits: SandboxLimits):
        self.limits = limits
        self.owner = os.getpid()
        self.forks = 0
        self.broken = ""
        self.unavailable = False
        self._lock = threading.Lock()
        self.connection = Client(address, family="AF_UNIX", authkey=authkey)

    def _ask(self, *request):
        with self._lock:
            try:
                self.connection.send(request)
                if not self.connection.poll(READY_TIMEOUT + ANSWER_TIMEOUT):
                    raise ZygoteError("no answer from the shared warm process")
                kind, value = self.connection.recv()
            except (OSError, EOFError) as error:
                kind, value = "error", f"the shared warm process is gone ({error})"
        if kind != "ok":
            # Not asked again: this worker starts a zygote of its own, or,
            # where the shared one could not even start, cold kernels.
            self.broken, self.unavailable = value, kind == "unavailable"
            raise ZygoteError(value)
        return value

    def alive(self) -> bool:
        return not self.broken

    def open_kernel(self) -> tuple[str, Path]:
        name, folder = self._ask("open")
        return name, Path(folder)

    def close_kernel(self, folder: Path) -> str:
        return self._ask("close", str(folder))

    def fork(self, connection_file: str, arguments: list[str], groups: list[Path],
             seed: int) -> ForkedKernel:
        inner, pid = self._ask("fork", connection_file, arguments, [str(g) for g in groups], seed)
        kernel = _go(pid, lambda: self._ask("go", inner), lambda: self._ask("cancel", inner))
        self.forks += 1
        return kernel

    def close(self) -> None:
        self.connection.close()


def _go(pid: int, go, cancel) -> ForkedKernel:
    """The grader's handle on a forked child, held before the child goes on
    (it waits until ``go()``): on this very process, never on a later one
    that reuses its id.  ``cancel()`` kills the child if that fails."""
    try:
        pidfd = os.pidfd_open(pid)
    except BaseException:
        with contextlib.suppress(ZygoteError, OSError):
            cancel()
        raise
    try:
        go()
    except BaseException:
        os.close(pidfd)
        raise
    return ForkedKernel(pid, pidfd)


class Unavailable(ZygoteError):
    """The run's shared zygote could not start: kernels start cold."""


_shared: SharedZygote | None = None


def use_shared(address: str, authkey: bytes, limits: SandboxLimits) -> None:
    """In a grading worker: fork kernels from the run's :class:`ZygoteService`."""
    global _shared
    try:
        _shared = SharedZygote(address, authkey, limits)
    except (OSError, EOFError, AuthenticationError) as error:
        log.warning("the run's shared warm process cannot be reached (%s); this worker "
                    "starts its own", error)


@contextlib.contextmanager
def shared_here(handle: tuple[str, bytes], limits: SandboxLimits):
    """In the grader's own process, for the length of a run: its kernels
    (the solution's) are forked from the run's :class:`ZygoteService` too,
    rather than from a warm process started for them alone."""
    global _shared, _failed
    before = _failed
    use_shared(*handle, limits)
    try:
        yield
    finally:
        if _shared is not None and _shared.owner == os.getpid():
            _shared.close()
            _shared = None
        _failed = before  # what this run's service could not do says nothing of the next run's


class ForkedKernel:
    """The part of :class:`subprocess.Popen` that jupyter_client's local
    provisioner uses, for a kernel forked by the zygote: not the grader's
    child, so it is watched and signalled through a pidfd."""

    def __init__(self, pid: int, pidfd: int):
        self.pid, self.pidfd = pid, pidfd
        self.returncode: int | None = None
        # The pidfd is readable once the kernel has ended (select.poll, not
        # select.select: a long run's descriptors pass 1023).
        self._ended = select.poll()
        self._ended.register(pidfd, select.POLLIN)
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None and self._ended.poll(0):
            self.returncode = -signal.SIGKILL  # its exit status went to the zygote
            os.close(self.pidfd)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        stop = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if stop is not None and time.monotonic() > stop:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                signal.pidfd_send_signal(self.pidfd, signum)
            except (ProcessLookupError, OSError):
                pass

    async def ended(self) -> None:
        """Wait, without polling, until the kernel has ended."""
        if self.poll() is not None:
            return
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.add_reader(self.pidfd, lambda: done.done() or done.set_result(None))
        try:
            await done
        finally:
            loop.remove_reader(self.pidfd)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def kernel_arguments(cmd: list[str]) -> list[str]:
    """The options a kernel's launch command gives after its connection file
    (``-f FILE``): those its client added, such as nbclient's
    ``--HistoryManager.hist_file=:memory:``, which a forked kernel must be
    given as a cold one is."""
    return cmd[cmd.index("-f") + 2:] if "-f" in cmd else []


class AwaitsForkedKernels:
    """For a kernel manager whose kernel may be a :class:`ForkedKernel`:
    its end is awaited, where jupyter_client would look every 0.1 s (a
    grader ends hundreds of kernels)."""

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        process = getattr(self.provisioner, "process", None)
        if isinstance(process, ForkedKernel):
            await process.ended()
        await super()._async_wait(pollinterval)


class ZygoteProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching the kernel as a fork of
    the zygote (``zygote``) into the manager's sandbox cgroups (``groups``)."""

    zygote: Zygote | None = None
    groups: list[Path] = []

    async def launch_kernel(self, cmd, **kwargs):
        seed = int.from_bytes(os.urandom(8), "little")
        try:
            self.process = self.zygote.fork(self.parent.connection_file, kernel_arguments(cmd),
                                            self.groups, seed)
        except (ZygoteError, OSError) as error:
            # Never a student's loss: this kernel starts cold, in the same
            # cgroups and socket folder (the next one gets another zygote).
            log.warning("a kernel could not be forked from the warm process (%s); "
                        "it starts cold", error)
            km = self.parent
            base = km._sandbox_dir = _new_sandbox_dir()  # removed with the kernel's sandbox
            base.chmod(0o755)
            folder = Path(km.connection_file).parent  # its own socket folder, and only that
            cold = wrap(cmd, folder, self.groups, SandboxLimits(parent=km), base)
            kwargs = dict(kwargs, env=launch_environment(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return await super().launch_kernel(cold, **kwargs)
        self.pid, self.pgid = self.process.pid, None
        self.cwd = "/home/student"
        return self.connection_info


class ZygoteKernelManager(AwaitsForkedKernels, SandboxedKernelManager):
    """The sandbox's kernel manager, forking each kernel from the zygote
    :func:`zygote_for` gives (the run's shared one, or this process's own);
    cold kernels where no zygote can run."""

    def _warm_start(self, limits: SandboxLimits):
        for _ in range(2):  # a worker's shared zygote that fails: its own one next
            zygote = zygote_for(limits)
            if zygote is None:
                return None
            try:
                name, self._socket_folder = zygote.open_kernel()
                break
            except (ZygoteError, OSError) as error:
                if zygote.alive():  # the folder, not the zygote, failed
                    log.warning("a forked kernel's socket folder could not be made (%s); "
                                "it starts cold", error)
                    return None
        else:
            return None
        self.kernel_id = self.kernel_id or str(uuid.uuid4())
        provisioner = ZygoteProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                        parent=self)
        provisioner.zygote = self._zygote = zygote
        return provisioner, self._socket_folder, name

    def kill_now(self) -> None:
        """SIGKILL the kernel (through its pidfd) and everything in its cgroups."""
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            process.kill()
        kill_cgroups(list(getattr(self, "_sandbox_groups", []) or []), wait=2.0)

    def finish_sandbox(self) -> list[str]:
        flags = super().finish_sandbox()
        zygote, self._zygote = getattr(self, "_zygote", None), None
        if zygote is not None:
            # Nothing of this kernel may be left in the zygote's socket folder.
            try:
                self.sandbox_cleanup = zygote.close_kernel(self._socket_folder)
            except (ZygoteError, OSError) as error:
                self.sandbox_cleanup = f"{self._socket_folder}: not removed ({error})"
                log.warning("sandbox cleanup incomplete: %s", self.sandbox_cleanup)
            else:
                log.debug("sandbox cleanup: %s", self.sandbox_cleanup)
        return flags


# -- kernels for the course's own notebooks ------------------------------------------


class TrustedZygote(WarmProcess):
    """A warm process for notebooks the course trusts (the book's chapters,
    the solutions): started as this user, outside the sandbox; its kernels
    are not isolated and run in the folder they are given.  Its environment
    is this process's with :func:`dlcourse.quiet_logs`'s settings: the
    course's notebooks call ``quiet_logs()`` before importing TensorFlow,
    and the warm process imports it for them."""

    PREFIX = "dlcourse-zygote-"

    def __init__(self):
        from dlcourse.notebook_setup import quiet_environment

        _sweep_trusted_folders()
        self.folder = _new_sandbox_dir(self.PREFIX)
        try:
            super().__init__([sys.executable, "-c", SOURCE, "--trusted"],
                             dict(os.environ, **quiet_environment()), self.folder / "zygote.log")
        except BaseException:
            self.close()
            raise

    def fork(self, connection_file: str, arguments: list[str], cwd: str) -> ForkedKernel:
        # Python's, NumPy's and PyTorch's random numbers differ per kernel, as cold kernels' do
        seed = int.from_bytes(os.urandom(8), "little")
        return self._fork({"connection_file": connection_file, "arguments": arguments,
                           "cwd": str(cwd), "seed": seed},
                          lambda pid: pid)  # the same PID namespace as ours

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _sweep_trusted_folders() -> None:
    """Remove the folders of this user's trusted warm processes whose owner
    has ended without closing them (a book build that was killed): each
    holds only its warm process's log.  (Folders from before owners were
    written down go once they are a day old.)"""
    for folder in Path(tempfile.gettempdir()).glob(TrustedZygote.PREFIX + "*"):
        try:
            info = folder.stat()
        except OSError:
            continue
        if not folder.is_dir() or info.st_uid != os.getuid():
            continue
        if (folder / "owner").is_file():
            stale = not _owner_alive(folder)
        else:
            stale = time.time() - info.st_mtime > 24 * 3600
        if stale:
            shutil.rmtree(folder, ignore_errors=True)


class TrustedProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching the kernel as a fork of
    a :class:`TrustedZygote`; cold where the fork fails."""

    zygote: TrustedZygote | None = None

    async def launch_kernel(self, cmd, **kwargs):
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            if not os.path.isdir(cwd):  # found out here, while a cold kernel can still start
                raise ZygoteError(f"no folder {cwd}")
            self.process = self.zygote.fork(self.parent.connection_file, kernel_arguments(cmd), cwd)
        except (ZygoteError, OSError) as error:
            log.warning("a kernel could not be forked from the warm process (%s); "
                        "it starts cold", error)
            return await super().launch_kernel(cmd, **kwargs)
        self.pid = self.pgid = self.process.pid
        self.cwd = cwd
        return self.connection_info


class WarmKernelManager(AwaitsForkedKernels, AsyncKernelManager):
    """A kernel manager whose kernels are forked from :attr:`zygote` (set
    it before use), for notebooks the course trusts; cold kernels where it
    is None or gone.  (Asynchronous, as nbclient's default is: with a
    blocking client nbclient could not enforce its cell timeout nor notice
    a kernel that died.)"""

    zygote: TrustedZygote | None = None

    async def _async_pre_start_kernel(self, **kw):
        zygote = self.zygote
        if zygote is not None and not zygote.alive():
            log.warning("the warm process %s; this kernel starts cold",
                        f"failed ({zygote.broken})" if zygote.broken else "has ended")
        elif zygote is not None:
            self.kernel_id = self.kernel_id or str(uuid.uuid4())
            provisioner = TrustedProvisioner(kernel_id=self.kernel_id,
                                             kernel_spec=self.kernel_spec, parent=self)
            provisioner.zygote = zygote
            # jupyter_client uses a provisioner already set instead of making one.
            self.provisioner = provisioner
        return await super()._async_pre_start_kernel(**kw)


class UnsandboxedKernelManager(WarmKernelManager, LimitedKernelManager):
    """The kernel manager for notebooks run without the sandbox (the
    solutions; every notebook under ``grade --no-sandbox``), with the limits
    of :class:`LimitedKernelManager`, forking each kernel from this
    process's trusted zygote: started with the first kernel and kept for the
    next ones (a grader grading several assignments, the test suite)."""

    @property
    def zygote(self) -> TrustedZygote | None:
        return trusted_zygote()


_trusted: TrustedZygote | None = None
_trusted_failed = ""
#: Trusted zygotes started by this process: after a second one fails or
#: ends, kernels start cold rather than pay for a third.
_trusted_started = 0


def trusted_zygote() -> TrustedZygote | None:
    """This process's warm process for the course's own notebooks, started
    on first use; None (and one warning) where it cannot start."""
    global _trusted, _trusted_failed, _trusted_started
    if _trusted is not None and _trusted.owner != os.getpid():
        _trusted, _trusted_failed, _trusted_started = None, "", 0  # a forked worker's
    if _trusted is not None and not _trusted.alive():
        broken = _trusted.broken or "it ended"
        _trusted.close()
        _trusted = None
        if _trusted_started >= 2:
            _trusted_failed = broken
            log.warning("kernels outside the sandbox start cold: the warm process failed "
                        "twice (%s)", broken)
    if _trusted is None and not _trusted_failed:
        _trusted_started += 1
        try:
            _trusted = TrustedZygote()
        except (OSError, ZygoteError, ValueError) as error:
            _trusted_failed = str(error)
            log.warning("kernels outside the sandbox start cold: the warm process could not "
                        "start: %s", error)
            return None
        atexit.register(_close_trusted)
    return _trusted


def _close_trusted() -> None:
    global _trusted
    if _trusted is not None and _trusted.owner == os.getpid():
        _trusted.close()
        _trusted = None
