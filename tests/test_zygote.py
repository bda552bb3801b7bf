"""Kernels forked from the warm zygote (autograder/zygote.py): they start
with the frameworks imported, and are isolated from the zygote and from each
other as strongly as cold kernels are."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import time

import pytest
from test_attacks_kernel import notebook, outputs, run, sandbox_ready  # noqa: F401

from autograder import zygote

pytestmark = pytest.mark.grading

HONEST = "def f(x):\n    return x\n"


def forks() -> int:
    return zygote._zygote.forks if zygote._zygote is not None else 0


def printed(nb, key: str) -> str:
    text = outputs(nb)
    assert f"{key} " in text, text[-800:]
    return text.split(f"{key} ")[1].split("\n")[0]


def test_a_forked_kernel_starts_with_the_frameworks_imported():
    nb = notebook("import sys\nprint('LOADED', sorted(m for m in ('numpy', 'torch', 'tensorflow', "
                  "'keras') if m in sys.modules))\n"
                  "import keras, torch\nprint('RUNS', float(keras.ops.sum(keras.ops.ones(3))), "
                  "float(torch.ones(3).sum()))\n"
                  "print('HISTORY', get_ipython().history_manager.hist_file)\n", HONEST)
    before = forks()
    status, answers, _ = run(nb)
    assert status == "ok" and answers["part"][0].ok
    assert forks() == before + 1
    assert printed(nb, "LOADED") == "['keras', 'numpy', 'tensorflow', 'torch']"
    assert printed(nb, "RUNS") == "3.0 3.0"
    assert printed(nb, "HISTORY") == ":memory:"  # started with the options a cold kernel gets


def test_a_forked_kernel_sees_only_itself():
    nb = notebook('''
import os
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print("PIDS", pids)
print("NAMES", sorted({open(f"/proc/{p}/comm").read().strip() for p in pids}))
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print("CAPS", status["CapEff"].strip(), status["CapBnd"].strip(), status["NoNewPrivs"].strip())
print("HOSTNAME", os.uname().nodename)
killed, own = [], {int(t) for t in os.listdir("/proc/self/task")}  # its threads: itself
for pid in range(1, 400):
    if pid not in own and pid != 1:
        try:
            os.kill(pid, 9)
            killed.append(pid)
        except OSError:
            pass
print("KILLED", killed)
''', HONEST)
    status, answers, _ = run(nb)
    assert status == "ok" and answers["part"][0].ok
    assert printed(nb, "PIDS") == "[1, 2]"  # its own init and itself
    assert printed(nb, "CAPS") == "0000000000000000 0000000000000000 1"
    assert printed(nb, "HOSTNAME") == "sandbox"
    assert printed(nb, "KILLED") == "[]"
    assert zygote._zygote.alive()


def test_what_one_student_changes_is_gone_for_the_next():
    first = notebook('''
import os, sys, numpy, torch
folder = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
for path in ("/tmp/left", "/home/student/left", "/dev/shm/left", os.path.join(folder, "left")):
    try:
        open(path, "w").write("from the last student")
    except OSError:  # the socket folder: read-only once the grader is connected
        assert path.startswith(folder)
numpy.pi = 3.0
torch.ones = None
os.environ["LEFT"] = "yes"
import builtins
builtins.LEFT = "from the last student"
print("CHANGED")
''', HONEST)
    second = notebook('''
import os, sys, numpy, torch
folder = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
print("FILES", sorted(os.listdir("/tmp") + os.listdir("/home/student") + os.listdir("/dev/shm")
                      + os.listdir(folder)))
import builtins
print("STATE", numpy.pi, torch.ones is None, "LEFT" in os.environ, hasattr(builtins, "LEFT"))
''', HONEST)
    before = forks()
    run(first)
    assert "CHANGED" in outputs(first)
    status, answers, _ = run(second)
    assert status == "ok" and answers["part"][0].ok
    assert forks() == before + 2
    assert "left" not in printed(second, "FILES")
    assert printed(second, "STATE") == "3.141592653589793 False False False"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a machine of one CPU")
def test_a_forked_kernel_keeps_to_one_cpu_with_its_threads_and_processes():
    """zygote.CpuChoice (which CPU: tests/test_sandbox_units.py): Keras's
    hand-overs between threads wait less on one CPU."""
    nb = notebook('''
import os, subprocess, sys, threading
seen = []
thread = threading.Thread(target=lambda: seen.append(sorted(os.sched_getaffinity(0))))
thread.start()
thread.join()
child = subprocess.run([sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
                       capture_output=True, text=True).stdout.strip()
print("CPUS", sorted(os.sched_getaffinity(0)), seen[0], child)
''', HONEST)
    status, answers, _ = run(nb)
    assert status == "ok" and answers["part"][0].ok
    own, thread, child = printed(nb, "CPUS").split("] ")
    assert own + "]" == thread + "]" == child and len(json.loads(child)) == 1, (own, thread, child)


@pytest.mark.parametrize("attack, status", [
    ("x = bytearray(8 * 2**30)\nx[::4096] = b'x' * len(x[::4096])\n", "memory limit"),
    ("import os\nwhile True:\n    os.fork()\n", "process limit"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "kernel died"),
])
def test_a_kernel_that_breaks_takes_down_only_itself(attack, status):
    status_seen, answers, _ = run(notebook(attack, HONEST), submission_timeout=60)
    assert status in status_seen
    # Nothing to check: its answer comes after the cell that broke it (or,
    # where the first cell stopped the kernel, nothing finished at all).
    assert answers == {} or answers["part"].startswith("not checked: the notebook stopped ("), \
        answers
    served = forks()
    nb = notebook("print('NEXT', 6 * 7)\n", HONEST)
    next_status, answers, _ = run(nb)
    assert next_status == "ok" and answers["part"][0].ok, next_status
    assert printed(nb, "NEXT") == "42"
    assert forks() == served + 1  # the same zygote served the next student


#: Two ways a machine can refuse the zygote: it cannot start, or the
#: namespaces a forked kernel needs are refused.
REFUSALS = {
    "no zygote": ("import sys\nsys.exit(3)\n", "exit 3"),
    "no namespaces": (zygote.SOURCE.replace(
        'def isolate(tmp_bytes: int, sockets: str = "", own: str = "") -> None:\n',
        'def isolate(tmp_bytes: int, sockets: str = "", own: str = "") -> None:\n'
        "    raise OSError(1, 'unshare refused')\n"),
        "unshare refused"),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_where_the_zygote_cannot_work_kernels_start_cold(refusal, monkeypatch, caplog):
    source, reason = REFUSALS[refusal]
    assert source != zygote.SOURCE
    monkeypatch.setattr(zygote, "SOURCE", source)
    monkeypatch.setattr(zygote, "_zygote", None)
    monkeypatch.setattr(zygote, "_failed", "")
    caplog.set_level(logging.WARNING, logger="autograder.zygote")
    for _ in range(2):
        nb = notebook("import sys\nprint('LOADED', 'tensorflow' in sys.modules)\n", HONEST)
        status, answers, _ = run(nb)
        assert status == "ok" and answers["part"][0].ok
        assert printed(nb, "LOADED") == "False"
    said = [r.getMessage() for r in caplog.records if "start cold" in r.getMessage()]
    assert len(said) == 1, said
    assert reason in said[0]


def test_only_the_private_folders_are_writable_and_the_next_student_is_unharmed():
    attack = notebook('''
import os
tried = {}
for action, path in [("write", "/etc/ipython/ipython_kernel_config.py"), ("write", "/opt/blob"),
                     ("write", "/dev/x"), ("write", "/x"), ("rename", "/home"), ("rename", "/etc")]:
    try:
        if action == "write":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").write("c.InteractiveShellApp.exec_lines = ['f = None']")
        else:
            os.rename(path, path + "_moved")
        tried[path] = "done"
    except OSError as error:
        tried[path] = error.strerror
print("TRIED", sorted(tried.items()))
for path in ("/tmp/ok", "/home/student/ok", "/dev/shm/ok"):
    open(path, "w").write("mine")
print("PRIVATE WRITABLE")
''', HONEST)
    run(attack)
    tried = printed(attack, "TRIED")
    assert "done" not in tried, tried
    assert "PRIVATE WRITABLE" in outputs(attack)
    victim = notebook("import os\nprint('HOME', os.path.isdir('/home/student'), os.getcwd())\n", HONEST)
    status, answers, _ = run(victim)
    assert status == "ok" and answers["part"][0].ok, status
    assert printed(victim, "HOME") == "True /home/student"


def test_a_kernel_reaches_nothing_of_its_init_and_names_no_host_cgroup():
    nb = notebook('''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
pidfd = libc.syscall(434, 1, 0)                 # pidfd_open(1): its namespace's init
stolen = libc.syscall(438, pidfd, 2, 0)         # pidfd_getfd: the init's stderr
print("GETFD", stolen, os.strerror(ctypes.get_errno()) if stolen < 0 else "")
try:
    print("INITFDS", os.listdir("/proc/1/fd"))
except OSError as error:
    print("INITFDS", error.strerror)
print("CGROUPS", sorted({line.split(":", 2)[2].strip() for line in open("/proc/self/cgroup")}))
''', HONEST)
    status, answers, _ = run(nb)
    assert status == "ok" and answers["part"][0].ok
    assert printed(nb, "GETFD").startswith("-1 ")
    assert printed(nb, "INITFDS") == "Permission denied"
    assert printed(nb, "CGROUPS") == "['/']"


def test_a_failed_fork_starts_that_kernel_cold_and_the_next_from_a_new_zygote(monkeypatch, caplog):
    nb = notebook("print('FIRST')\n", HONEST)
    run(nb)  # a zygote is running
    old = zygote._zygote
    real = zygote.Zygote._host_pid

    def fail_once(self, inner):
        monkeypatch.setattr(zygote.Zygote, "_host_pid", real)
        raise zygote.ZygoteError("the child vanished")

    monkeypatch.setattr(zygote.Zygote, "_host_pid", fail_once)
    caplog.set_level(logging.WARNING, logger="autograder.zygote")
    nb = notebook("import sys\nprint('LOADED', 'tensorflow' in sys.modules)\n", HONEST)
    status, answers, _ = run(nb)
    assert status == "ok" and answers["part"][0].ok, status
    assert printed(nb, "LOADED") == "False"  # started cold
    assert any("it starts cold" in r.getMessage() for r in caplog.records)
    nb = notebook("import sys\nprint('LOADED', 'tensorflow' in sys.modules)\n", HONEST)
    status, answers, _ = run(nb)
    assert status == "ok" and printed(nb, "LOADED") == "True"
    assert zygote._zygote is not old and zygote._zygote.forks == 1
    assert not old.alive()


# -- kernels forked at once, and one zygote for a run's workers ----------------------

#: In a kernel: its own socket folder, what it sees of the zygote's, and
#: of the terminals (after opening one of its own, which stays open).
SOCKETS = '''
import os, sys
own = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
print("SEEN", os.path.basename(own), sorted(os.listdir(os.path.dirname(own))))
terminal = os.openpty()
print("TERMINALS", sorted(os.listdir("/dev/pts")))
'''

#: In a kernel: fill its own socket folder, bytes and files, until refused.
FILL = '''
import errno
made, why = 0, ""
try:
    open(os.path.join(own, "big"), "wb").write(b"x" * 2**30)
except OSError as error:
    why = errno.errorcode[error.errno]
try:
    while made < 100_000:
        open(os.path.join(own, f"f{made}"), "w").close()
        made += 1
except OSError as error:
    why += " " + errno.errorcode[error.errno]
print("FILLED", made, why)
'''


def _kernels_at_once(codes: list[str]) -> list[str]:
    """For each code in turn, start a forked kernel and run the code in it,
    keeping the earlier kernels alive; return what each printed."""
    import asyncio

    from autograder.zygote import ZygoteKernelManager

    async def printed_by(client, code):
        said = []

        def keep(message):
            if message["msg_type"] == "stream":
                said.append(message["content"]["text"])

        reply = await client.execute_interactive(code, output_hook=keep, timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(said)

    async def main():
        started, said = [], []
        try:
            for code in codes:
                manager = ZygoteKernelManager()
                await manager.start_kernel()
                client = manager.client()
                client.start_channels()
                started.append((manager, client))
                await client.wait_for_ready(timeout=60)
                said.append(await printed_by(client, code))
            return said
        finally:
            for manager, client in started:
                client.stop_channels()
                await manager.shutdown_kernel(now=True)

    # In a thread of its own: an earlier test may have left this thread's
    # event loop running.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


def test_kernels_forked_at_once_neither_see_nor_fill_each_others_socket_folders():
    run(notebook("print('WARM')\n", HONEST))  # this process's zygote is running
    z = zygote._zygote
    first, second, third = _kernels_at_once([SOCKETS + FILL, SOCKETS, SOCKETS])
    own = {}
    for text in (first, second, third):
        name, seen = text.split("SEEN ")[1].split("\n")[0].split(" ", 1)
        assert seen == repr([name]), text  # of the zygote's socket folder, only its own
        own[name] = text
        assert text.split("TERMINALS ")[1].split("\n")[0] == "['0', 'ptmx']", text  # its own only
    assert len(own) == 3
    made, why = first.split("FILLED ")[1].split("\n")[0].split(" ", 1)
    # Its own tmpfs is full, and the kernels started after that still started
    # (their sockets are in folders of their own) and saw only their own.
    assert why == "ENOSPC ENOSPC" and int(made) < 100_000
    assert z.alive() and list(z.kernel_dir.iterdir()) == []  # every kernel's folder removed


def test_a_runs_workers_share_one_zygote_and_strangers_are_refused(monkeypatch):
    from multiprocessing.connection import AuthenticationError, Client

    from autograder.sandbox import SandboxLimits

    service = zygote.ZygoteService(SandboxLimits())
    # Its imports take a minute on a busy machine: not the kernels' time.
    assert service.ready.wait(600) and service.zygote is not None
    try:
        monkeypatch.setattr(zygote, "_shared", None)
        zygote.use_shared(*service.handle, SandboxLimits())
        shared = zygote._shared
        assert shared is not None
        for _ in range(2):
            nb = notebook("import sys\nprint('LOADED', 'tensorflow' in sys.modules)\n", HONEST)
            status, answers, _ = run(nb)
            assert status == "ok" and answers["part"][0].ok, status
            assert printed(nb, "LOADED") == "True"
        assert shared.forks == 2 and service.zygote.forks == 2
        with pytest.raises(AuthenticationError):
            Client(service.address, family="AF_UNIX", authkey=b"a guess")
        nb = notebook("print('STILL', 1)\n", HONEST)
        assert run(nb)[0] == "ok" and printed(nb, "STILL") == "1"
        assert service.zygote.forks == 3
    finally:
        zygote._shared = None
        service.close()
    assert not service.folder.exists()


def test_where_the_shared_zygote_cannot_start_kernels_start_cold(monkeypatch, caplog):
    from autograder.sandbox import SandboxLimits

    real = zygote.SOURCE
    monkeypatch.setattr(zygote, "SOURCE", "import sys\nsys.exit(3)\n")
    caplog.set_level(logging.WARNING, logger="autograder.zygote")
    service = zygote.ZygoteService(SandboxLimits())
    try:
        assert service.ready.wait(60) and service.zygote is None
        monkeypatch.setattr(zygote, "SOURCE", real)  # a worker's own zygote would start
        for name, value in (("_shared", None), ("_zygote", None), ("_failed", "")):
            monkeypatch.setattr(zygote, name, value)
        zygote.use_shared(*service.handle, SandboxLimits())
        for _ in range(2):
            nb = notebook("import sys\nprint('LOADED', 'tensorflow' in sys.modules)\n", HONEST)
            status, answers, _ = run(nb)
            assert status == "ok" and answers["part"][0].ok, status
            assert printed(nb, "LOADED") == "False"  # cold, and no second wait for imports
        said = [r.getMessage() for r in caplog.records]
        assert len([m for m in said if "start cold" in m]) == 1 and "exit 3" in said[0], said
        assert zygote._zygote is None and "exit 3" in zygote._failed
    finally:
        service.close()


def test_a_worker_whose_shared_zygote_fails_later_uses_its_own(monkeypatch, caplog):
    from autograder.sandbox import SandboxLimits

    service = zygote.ZygoteService(SandboxLimits())
    assert service.ready.wait(600) and service.zygote is not None  # not the kernel's time
    try:
        for name, value in (("_shared", None), ("_zygote", None), ("_failed", "")):
            monkeypatch.setattr(zygote, name, value)
        zygote.use_shared(*service.handle, SandboxLimits())
        assert run(notebook("print(1)\n", HONEST))[0] == "ok" and service.zygote.forks == 1
        service.zygote.broken = "a fork failed"
        caplog.set_level(logging.WARNING, logger="autograder.zygote")
        nb = notebook("import sys\nprint('LOADED', 'tensorflow' in sys.modules)\n", HONEST)
        status, answers, _ = run(nb)
        assert status == "ok" and answers["part"][0].ok, status
        assert printed(nb, "LOADED") == "True"  # forked from the worker's own zygote
        said = " ".join(r.getMessage() for r in caplog.records)
        assert "a fork failed" in said and "starts its own" in said, said
        assert zygote._shared is None and zygote._zygote.forks == 1
    finally:
        zygote.close()
        service.close()


def test_the_kernels_of_a_worker_that_died_are_ended(monkeypatch):
    from autograder.sandbox import SandboxLimits, make_cgroups

    service = zygote.ZygoteService(SandboxLimits())
    try:
        assert service.ready.wait(120) and service.zygote is not None
        worker = zygote.SharedZygote(*service.handle, SandboxLimits())
        name, folder = worker.open_kernel()
        groups = make_cgroups(name, SandboxLimits())
        connection = folder / "connection.json"
        connection.write_text("{}")
        kernel = worker.fork(str(connection), [], groups, seed=1)  # no real kernel: it ends
        worker.connection.close()  # the worker is gone without closing its kernel
        deadline = time.monotonic() + 30
        while (folder.exists() or any(g.exists() for g in groups)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not folder.exists() and not any(g.exists() for g in groups)
        assert kernel.wait(10) is not None
    finally:
        service.close()


def test_the_solution_is_forked_from_the_runs_shared_zygote(monkeypatch, tmp_path):
    # No warm process of its own for the solution: its kernel is the run's
    # zygote's first, in the sandbox, like the students' that follow.
    import shutil

    from conftest import ROOT

    from autograder.course import Course
    from autograder.grade import grade

    def no_trusted_zygote():
        raise AssertionError("a warm process outside the sandbox was asked for")

    monkeypatch.setattr(zygote, "trusted_zygote", no_trusted_zygote)
    zygote._close_service()  # one kept from an earlier run of this process would count its forks
    fixtures = ROOT / "tests" / "submissions" / "perceptrons_xor"
    for student in ("solution", "blank"):
        shutil.copytree(fixtures / student, tmp_path / "class" / student)
    rows = grade("perceptrons_xor", tmp_path / "class", Course(ROOT, work=tmp_path / "work"), jobs=2)
    scores = {row.student_id: row.score for row in rows}
    assert scores == {"solution": rows[0].max_score, "blank": 0}, scores
    service = zygote._service
    assert service.zygote.forks == 3, "the solution and both students, from the one shared zygote"
    assert zygote._shared is None, "the grader's own use of the service ended with the run"
    report = json.loads(next((tmp_path / "work" / "reports").glob("*/solution/*.json")).read_text())
    assert 0 < report["start_cpu_seconds"] < report["cpu_seconds"], report


def test_a_later_run_forks_from_the_same_warm_process_and_other_limits_get_their_own(tmp_path):
    # A process that grades again (the test suite, build.py --expected)
    # imports the frameworks once; a run with other limits never gets
    # kernels made for the earlier limits.
    import shutil

    from conftest import ROOT

    from autograder.course import Course
    from autograder.grade import grade

    fixtures = ROOT / "tests" / "submissions" / "tensors"
    shutil.copytree(fixtures / "solution", tmp_path / "class" / "solution")

    def run(work, **limits):
        course = Course(ROOT, work=tmp_path / work)
        for name, value in limits.items():
            setattr(course.config.SandboxLimits, name, value)
        rows = grade("tensors", tmp_path / "class", course, jobs=1)
        assert [(r.score, r.status) for r in rows] == [(rows[0].max_score, "ok")]
        return zygote._service

    first = run("first")
    forks = first.zygote.forks
    assert run("second") is first and first.zygote.forks == forks + 2, "the solution and the student"
    # The next run's service, as Workers asks for it (no grading needed to see which).
    from autograder.sandbox import SandboxLimits

    other_limits = SandboxLimits(memory_mb=2048)
    other = zygote.service_for(other_limits)
    assert other is not first and first.closed, "ended once no run can use it"
    assert other.limits["memory_mb"] == 2048
    assert other.ready.wait(120) and other.zygote is not None
    other.zygote.close()  # a warm process that ended is not used again
    assert zygote.service_for(other_limits) is not other
    zygote._close_service()


def test_quiet_logs_is_quiet_in_a_forked_kernel():
    # Every exercise notebook starts with quiet_logs(), meant to come before
    # TensorFlow's import; in a forked kernel TensorFlow was imported by the
    # zygote, which must have had the same settings, or every student's
    # feedback page shows quiet_logs()'s warning (and TensorFlow would run
    # with oneDNN on, where a cold kernel has it off).
    nb = notebook("import os, warnings, sys\n"
                  "warnings.simplefilter('error')\n"
                  "from dlcourse import quiet_logs\n"
                  "quiet_logs()\n"
                  "print('QUIET', 'tensorflow' in sys.modules, os.environ['TF_ENABLE_ONEDNN_OPTS'])\n",
                  HONEST)
    status, answers, _ = run(nb)
    assert status == "ok" and answers["part"][0].ok, status
    assert printed(nb, "QUIET") == "True 0"
