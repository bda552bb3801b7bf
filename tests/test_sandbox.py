"""Hostile submissions, graded in the sandbox.

Each attack is a cell added to the blank perceptrons_xor notebook, so an
attack that achieved nothing scores what blank work deserves: 0.  Two honest
students are graded in the same run; their grades must not change.  The test
also checks that nothing outside the sandbox changed (hashes of the course
tree and of the submissions), that the network server it starts heard
nothing, and that the gradebook is intact.
"""

import socket
import sqlite3
import sys
import threading
from time import monotonic

import nbformat
import pytest
from conftest import ROOT, tree_hashes

sys.path.insert(0, str(ROOT / "tests" / "submissions"))
import build as fixtures  # noqa: E402

NAME = "perceptrons_xor"
FIXTURES = ROOT / "tests" / "submissions" / NAME
#: CPU seconds per cell and per submission, and the wall-clock backstop's factor.
CELL_TIMEOUT = 20
SUBMISSION_TIMEOUT = 40
WALL_CLOCK_FACTOR = 5


def attacks(work, submissions, port):
    """Attack name -> (cell source, what its status must contain, or a tuple
    of statuses one of which it must contain)."""
    solution = ROOT / "solutions" / NAME / f"{NAME}.ipynb"
    honest = submissions / "honest_solution" / NAME / f"{NAME}.ipynb"
    return {
        "read_solution": (f'''
import json
for cell in json.load(open({str(solution)!r}))["cells"]:
    if "BEGIN SOLUTION" in "".join(cell["source"]):
        exec("".join(cell["source"]))
''', "ok"),
        "write_gradebook": (f'''
open({str(work / "gradebook.db")!r}, "wb").write(b"all zeros")
''', "ok"),
        "tamper_other_student": (f'''
open({str(honest)!r}, "w").write("{{}}")
open({str(work / "submitted" / "honest_solution" / NAME / (NAME + ".ipynb"))!r}, "w").write("{{}}")
''', "ok"),
        "network": (f'''
import socket
socket.create_connection(("127.0.0.1", {port}), timeout=5).sendall(b"leaked")
''', "ok"),
        "detect_grading": ('''
import os
GRADING = bool(os.environ.get("NBGRADER_EXECUTION")) or "autograded" in os.getcwd()
print("grading detected" if GRADING else "not detected")
''', "ok"),
        "os_exit": ("import os\nos._exit(3)\n", "kernel died"),
        "sys_exit": ("import sys\nsys.exit(0)\n", "ok"),
        "kill_parent": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n", ""),
        # A loop that burns CPU, or sleeps, is stopped by the time limits:
        # tests/test_attacks_kernel.py (each limit alone, with small limits)
        # and tests/test_cpu_time.py (a whole class, quiet and loaded).
        "memory_numpy": ("import numpy as np\nhoard = [np.ones(2**27) for _ in range(64)]\n",
                         "memory limit"),
        "memory_torch": ("import torch\nhoard = [torch.ones(2**27, dtype=torch.float64) "
                         "for _ in range(64)]\n", "memory limit"),
        "fork_bomb": ('''
import os
children = 0
try:
    while True:
        if os.fork() == 0:
            import time
            time.sleep(600)
        children += 1
except OSError:
    print("fork refused after", children)
''', "process limit"),
        "thread_bomb": ('''
import threading, time
started = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
        started += 1
except RuntimeError:
    print("thread refused after", started)
''', "process limit"),
        # Each worker is a forked copy of a kernel that has imported torch:
        # the 256-task limit and the 3 GB memory limit are both near, and
        # which one stops the attack first depends on the machine's timing.
        "dataloader_workers": ('''
import torch
from torch.utils.data import DataLoader, TensorDataset
loader = DataLoader(TensorDataset(torch.zeros(10000, 2)), batch_size=1, num_workers=400)
next(iter(loader))
''', ("process limit", "memory limit")),
        "print_100mb": ('print("x" * 100_000_000)\n', "output limit"),
        "huge_image": ('''
from IPython.display import Image, display
display(Image(data=b"\\x89PNG\\r\\n\\x1a\\n" + bytes(30_000_000)))
''', "output limit"),
        "fill_disk": ('''
import os
written = 0
try:
    for i in range(1000):
        with open(f"filler-{i}", "wb") as fh:
            fh.write(bytes(32 * 2**20))
        written += 1
except OSError as error:
    print("stopped after", written, error)
''', ""),
        # The one folder the kernel shares with the grader: its sockets'.
        "fill_socket_folder": ('''
import os, sys
folder = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
try:
    for i in range(200):
        with open(os.path.join(folder, f"filler-{i}"), "wb") as fh:
            fh.write(bytes(2**20))
except OSError as error:
    print("stopped:", error)
''', ""),
        # One 80 MB message: refused by the grader's socket, never parsed.
        "huge_message": ('''
from IPython.display import display
display({"text/plain": "x" * 80_000_000}, raw=True)
''', "output limit"),
        # Messages sent straight to IOPub, without end, from the moment the
        # grader's probe arrives (an input transformer sees the probe's code):
        # the grader reads on regardless, within the time limit.
        "flood_at_probe": ('''
import threading
_kernel = get_ipython().kernel
def _flood():
    parent = _kernel.get_parent()
    while True:
        _kernel.session.send(_kernel.iopub_socket, "stream", {"name": "stdout", "text": "x"},
                             parent=parent)
def _on_probe(lines):
    if "__dlcourse" in "".join(lines):
        for _ in range(4):
            threading.Thread(target=_flood, daemon=True).start()
    return lines
get_ipython().input_transformers_post.append(_on_probe)
''', ""),
        # A forged answer holding an integer no float can hold.
        "huge_integer": ('''
import json
def _forge(lines):
    text = "".join(lines)
    if "__dlcourse_answer__ = __dlcourse_probe__(" in text:
        request = json.loads(eval(text.split("__dlcourse_probe__(", 1)[1].rsplit(")", 1)[0]))
        answer = {"secret": request["secret"], "answers": [
            {"values": [{"shape": [], "data": [10**400]}]} for _ in request["cases"]]}
        return [f"__dlcourse_answer__ = {json.dumps(answer)!r}\\n"]
    return lines
get_ipython().input_transformers_post.append(_forge)
''', "ok"),
    }


class Listener:
    """A TCP server on the grader's loopback that records what it receives."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.server.settimeout(0.5)
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            with conn:
                self.received += conn.recv(100)

    def close(self):
        self.running = False
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.course import Course
    from autograder.grade import grade

    base = tmp_path_factory.mktemp("sandbox")
    work, submissions = base / "work", base / "submissions"
    listener = Listener()
    blank = nbformat.read(FIXTURES / "blank" / NAME / f"{NAME}.ipynb", as_version=4)
    for honest, fixture in [("honest_solution", "solution"), ("honest_wrong", "wrong_step_at_zero")]:
        (submissions / honest / NAME).mkdir(parents=True)
        (submissions / honest / NAME / f"{NAME}.ipynb").write_bytes(
            (FIXTURES / fixture / NAME / f"{NAME}.ipynb").read_bytes())
    cases = attacks(work, submissions, listener.port)
    for attack, (source, _) in cases.items():
        (submissions / attack / NAME).mkdir(parents=True)
        nbformat.write(fixtures.insert_after_setup(blank, source.strip() + "\n"),
                       submissions / attack / NAME / f"{NAME}.ipynb")

    course_tree = [ROOT / d for d in ("solutions", "exercises", "autograder", "dlcourse")]
    before = tree_hashes(*course_tree, submissions)
    course = Course(ROOT, work=work, cell_timeout=CELL_TIMEOUT,
                    submission_timeout=SUBMISSION_TIMEOUT, wall_clock_factor=WALL_CLOCK_FACTOR)
    started = monotonic()
    try:
        rows = grade(NAME, submissions, course=course, seed=7)
    finally:
        listener.close()
    return {
        "rows": {row.student_id: row for row in rows},
        "cases": cases,
        "seconds": monotonic() - started,
        "changed": sorted(k for k, v in tree_hashes(*course_tree, submissions).items() ^
                          before.items()),
        "received": listener.received,
        "work": work,
    }


pytestmark = pytest.mark.grading


def test_honest_students_keep_their_grades(graded):
    rows = graded["rows"]
    assert (rows["honest_solution"].score, rows["honest_solution"].status) == (15, "ok")
    # wrong_step_at_zero: its step is wrong at the exact zeros (0.5 of 1 point)
    assert (rows["honest_wrong"].score, rows["honest_wrong"].status) == (14.5, "ok")


@pytest.mark.parametrize("attack", sorted(attacks(ROOT, ROOT, 0)))
def test_an_attack_gains_nothing_and_is_flagged(graded, attack):
    row = graded["rows"][attack]
    _, flag = graded["cases"][attack]
    print(f"{attack}: {row.score}/{row.max_score} {row.status} ({row.seconds:.1f} s)")
    assert row.score == 0
    flags = flag if isinstance(flag, tuple) else (flag,)
    assert any(f in row.status for f in flags), f"{row.status!r} names none of {flags}"


def test_nothing_outside_the_sandbox_changed(graded):
    assert graded["changed"] == [], "the course tree or a submission changed"
    assert graded["received"] == b"", "a submission reached the grader's network"
    with sqlite3.connect(graded["work"] / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_grading_every_attack_takes_bounded_time(graded):
    # Each submission is capped at 40 s of CPU, and at the latest by the
    # wall-clock backstop (5 x 40 s) and the watchdog's 20 s of grace; most
    # attacks end far sooner.
    worst = max(row.seconds for row in graded["rows"].values())
    print(f"whole run {graded['seconds']:.0f} s, slowest submission {worst:.0f} s")
    assert worst < WALL_CLOCK_FACTOR * SUBMISSION_TIMEOUT + 20 + 10
