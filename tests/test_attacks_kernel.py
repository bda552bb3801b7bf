"""Attacks on how the grader runs, bounds and reads a student's kernel.

Each test runs a small notebook through ``JudgedExecute.run_and_probe`` in
the sandbox (as a student's submission is run) with one graded part, a
function ``f`` probed on the grader's inputs, and checks a property of the
run from outside: how long it took, the status, whether any answer was
accepted, the grader's memory, what the kernel could see (a few check from
inside the kernel what it was given, such as its socket folder).
"""

import ast
import asyncio
import errno
import os
import shutil
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import ROOT

from autograder.execute import TimeLimits

pytestmark = pytest.mark.grading

GRACE = 5


def notebook(*sources, grade_source="f(1.0)"):
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    grade = nbformat.v4.new_code_cell(grade_source)
    grade.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                  "grade_id": "part", "points": 2, "schema_version": 3}
    nb = nbformat.v4.new_notebook(cells=cells + [grade])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def part():
    from autograder.checks import Call, Check, Part

    return Part(grade_id="part", title="f", points=2, probe=Call("f"),
                judge=lambda args, got, expected: [Check(got.ok, "ran")])


def run(nb, *, cell_timeout=10, submission_timeout=20, sandbox=True, factor=2,
        probe_timeout=120, cpu=None, zygote=True, parts=None):
    """Run ``nb`` as a submission: (status, answers, seconds).  Limits are
    CPU seconds, each with a wall-clock backstop ``factor`` times as long;
    ``cpu``, a list, receives the CPU seconds the kernel used; ``parts``
    (by default :func:`part`) are each asked for one case, 2.0."""
    from autograder.execute import JudgedExecute
    from autograder.probe import encode_array

    runner = JudgedExecute(timeout=cell_timeout, submission_timeout=submission_timeout,
                           probe_timeout=probe_timeout, kill_grace=GRACE, sandbox=sandbox,
                           wall_clock_factor=factor, zygote=zygote)
    started = time.monotonic()
    parts = parts or [part()]
    status, answers = runner.run_and_probe(nb, {"metadata": {"path": "/tmp"}}, parts,
                                           {p.grade_id: [[encode_array(2.0)]] for p in parts})
    if cpu is not None:
        cpu.append(runner.cpu_seconds)
    return status, answers, time.monotonic() - started


def run_in_thread(nb, **limits):
    """:func:`run` in a thread of its own (two kernels graded at once)."""
    try:
        return run(nb, **limits)
    finally:  # the event loop nbclient made for this thread, and its sockets
        try:
            asyncio.get_event_loop_policy().get_event_loop().close()
        except RuntimeError:  # none was made
            pass
        asyncio.set_event_loop(None)


#: Kernel code: the errno an action fails with (0 if it succeeds).
ERRNO_OF = '''
def errno_of(action):
    try:
        action()
        return 0
    except OSError as e:
        return e.errno
'''


def outputs(nb) -> str:
    return "".join(o.get("text", "") + str(o.get("data", "")) + str(o.get("evalue", ""))
                   for cell in nb.cells for o in cell.get("outputs", []))


@pytest.fixture(scope="module", autouse=True)
def sandbox_ready():
    from autograder.sandbox import SandboxError, check

    try:
        check()
    except SandboxError as error:
        pytest.fail(f"the sandbox cannot run here ({error}); run `make sandbox`")


def test_an_honest_function_is_answered():
    status, answers, _ = run(notebook("def f(x):\n    return 2 * x\n"))
    assert status == "ok"
    assert answers["part"][0].ok and float(answers["part"][0].values[0]) == 4.0


def test_a_function_whose_name_a_later_cell_reused_is_still_answered():
    """`for step in range(5)` after `def step(z)` left the name holding 4:
    the parts that call step scored 0, with every self-check passed.  The
    kernel keeps the last function each probed name held, and the probe
    calls it where the name holds something else, and says so."""
    status, answers, _ = run(notebook("def f(x):\n    return 2 * x\n", "for f in range(3):\n    pass\n"))
    assert status == "ok"
    (answer,) = answers["part"]
    assert answer.ok and float(answer.values[0]) == 4.0 and answer.restored == ("f",)
    # A name given another function is that function's (a later, fixed version).
    status, answers, _ = run(notebook("def f(x):\n    return 2 * x\n", "def f(x):\n    return 3 * x\n"))
    assert float(answers["part"][0].values[0]) == 6.0 and answers["part"][0].restored == ()
    # An import (or a library's object) under the name does not replace the
    # notebook's own function; an imported answer with no def stays as it is.
    status, answers, _ = run(notebook("def f(x):\n    return 2 * x\n", "from math import sqrt as f\n"))
    assert float(answers["part"][0].values[0]) == 4.0 and answers["part"][0].restored == ("f",)
    status, answers, _ = run(notebook("from math import sqrt as f\n"))
    assert float(answers["part"][0].values[0]) == 2 ** 0.5 and answers["part"][0].restored == ()
    # A wrapper of the notebook's function in a later cell is the notebook's
    # (np.vectorize); so is an import after the exercise's stub, still unwritten.
    status, answers, _ = run(notebook("import math, numpy as np\ndef f(x):\n    return 2 * math.floor(x)\n",
                                      "f = np.vectorize(f, otypes=[float])\n",
                                      grade_source="f(1.0)"))
    assert float(answers["part"][0].values[0]) == 4.0 and answers["part"][0].restored == ()
    status, answers, _ = run(notebook("def f(x):\n    raise NotImplementedError()\n",
                                      "from math import sqrt as f\n"))
    assert float(answers["part"][0].values[0]) == 2 ** 0.5 and answers["part"][0].restored == ()
    # An answer that left the stub's raise after its return is the
    # notebook's own: it is asked, not an earlier draft of the same name.
    status, answers, _ = run(notebook("def f(x):\n    return 5 * x\n",
                                      "def f(x):\n    return 2 * x\n    raise NotImplementedError()\n",
                                      "from math import sqrt as f\n"))
    assert float(answers["part"][0].values[0]) == 4.0 and answers["part"][0].restored == ("f",)
    status, answers, _ = run(notebook("def f(x):\n    return 5 * x\n",
                                      "def f(x):\n    return 2 * x\n    raise NotImplementedError()\n"))
    assert float(answers["part"][0].values[0]) == 4.0 and answers["part"][0].restored == ()


# -- time: CPU seconds of the kernel, and a wall-clock backstop ----------------------

#: Burns ``seconds`` of the kernel's CPU time, however busy the machine.
BURN = """
import time
def burn(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
"""


def test_a_busy_loop_stops_at_the_cell_cpu_limit():
    cpu = []
    nb = notebook("while True:\n    pass\n", "def f(x):\n    return 2 * x\n")
    status, answers, seconds = run(nb, cell_timeout=5, submission_timeout=30, factor=10, cpu=cpu)
    print(f"busy loop: {status!r} after {seconds:.1f} s, {cpu[0]:.1f} s of CPU")
    assert status == "timeout: a cell used its 5 s of CPU (the limit per cell)"
    assert 5 <= cpu[0] < 5 + 8  # the loop, plus the kernel's start and the probe
    # Interrupted, not killed: the cells after it ran, and f is answered.
    assert answers["part"][0].ok
    cell = nb.cells[0]
    # One line saying which limit; not the traceback of the grader's own interrupt.
    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
    assert [(o.ename, o.evalue) for o in errors] == [
        ("CellTimeoutError", "timeout: a cell used its 5 s of CPU (the limit per cell)")], cell.outputs


def test_a_timed_out_cell_says_so_in_the_students_language_and_the_status_in_english():
    from autograder.language import speaking

    nb = notebook("import numpy as np\nwhile True:\n    np.linalg.svd(np.ones((50, 50)))\n",
                  "def f(x):\n    return 2 * x\n")
    with speaking("ko"):
        status, answers, _ = run(nb, cell_timeout=3, submission_timeout=30, factor=10)
    assert status == "timeout: a cell used its 3 s of CPU (the limit per cell)"  # the instructor's CSV
    errors = [o for o in nb.cells[0].outputs if o.get("output_type") == "error"]
    assert [(o.ename, o.evalue) for o in errors] == [
        ("CellTimeoutError", "시간 초과: 한 셀이 셀마다 허용된 CPU 시간 3초를 다 썼다")], errors
    assert answers["part"][0].ok


def test_a_sleeping_loop_stops_at_the_wall_clock_backstop():
    cpu = []
    nb = notebook("import time\nwhile True:\n    time.sleep(1)\n", "def f(x):\n    return 2 * x\n")
    status, answers, seconds = run(nb, cell_timeout=4, submission_timeout=30, factor=2, cpu=cpu)
    print(f"sleeping loop: {status!r} after {seconds:.1f} s, {cpu[0]:.1f} s of CPU")
    assert status == "timeout (wall clock): a cell ran 8 s (limit 8 s per cell)"
    assert 8 <= seconds < 8 + 30
    assert cpu[0] < 4
    assert answers["part"][0].ok


def test_the_submission_cpu_limit_counts_every_cell():
    # Three cells of 3 CPU seconds each, each within the per-cell limit; the
    # submission's 7 s run out in the third, and no cell runs after it.
    nb = notebook(BURN, "burn(3)", "burn(3)", "burn(3)", "def f(x):\n    return 2 * x\n")
    status, answers, _ = run(nb, cell_timeout=5, submission_timeout=7, factor=10)
    assert status == "timeout: used its 7 s of CPU (the limit per submission)"
    assert not nb.cells[4].get("outputs") and nb.cells[4].get("execution_count") is None
    assert answers["part"] == ("not checked: the notebook stopped (timeout: used its 7 s of CPU "
                               "(the limit per submission)) in a cell above this part's answer, "
                               "before the answer ran")


def answered(answer_source: str, grade_id: str) -> list:
    """An answer cell and its self-check cell, as nbgrader marks them."""
    answer = nbformat.v4.new_code_cell(answer_source)
    answer.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False,
                                   "grade_id": f"{grade_id}_answer", "schema_version": 3}
    check = nbformat.v4.new_code_cell("print('self-check')")
    check.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                  "grade_id": grade_id, "points": 2, "schema_version": 3}
    return [answer, check]


@pytest.mark.parametrize("stop, status", [
    ("burn(3)", "timeout: used its 8 s of CPU (the limit per submission)"),
    ("import os\nos._exit(1)", "kernel died"),
])
def test_what_finished_before_the_kernel_stopped_still_counts(stop, status):
    # A reviewer's notebook had every part right, then ran out of memory (or
    # time) in a cell after them: it scored 0, every part "stopped before it
    # was checked". The cells before the one that stopped it run again in a
    # fresh kernel and are probed; the parts after it are not checked, and
    # the student reads in that cell what happened.
    from autograder.checks import Call, Check, Part

    nb = notebook(BURN)
    nb.cells = (nb.cells[:1] + answered("def f(x):\n    return 2 * x\n", "part")
                + [nbformat.v4.new_code_cell("burn(3)"), nbformat.v4.new_code_cell("burn(3)")]
                + answered(f"def h(x):\n    return x\n{stop}", "during")
                + answered("def g(x):\n    return 3 * x\n", "later"))
    during, later = (Part(grade_id=gid, title=name, points=2, probe=Call(name),
                          judge=lambda args, got, expected: [Check(got.ok, "ran")])
                     for gid, name in (("during", "h"), ("later", "g")))
    status_seen, answers, _ = run(nb, cell_timeout=5, submission_timeout=8, factor=10,
                                  parts=[part(), during, later])
    assert status_seen == status
    assert answers["part"][0].ok and float(answers["part"][0].values[0]) == 4.0
    assert answers["during"] == (f"not checked: the notebook stopped ({status}) while this "
                                 "part's answer cell ran")
    assert answers["later"] == (f"not checked: the notebook stopped ({status}) in a cell above "
                                "this part's answer, before the answer ran")
    stopped = [o for o in nb.cells[5].outputs if o.get("ename") == "GradingStopped"]
    assert all(o.get("ename") != "GradingStopped" for c in nb.cells[:5] + nb.cells[6:]
               for o in c.get("outputs", []))
    assert len(stopped) == 1 and status in stopped[0].evalue, nb.cells[5].outputs
    assert not nb.cells[6].get("outputs")  # the first run's notebook, as the student ran it


def test_a_cell_that_does_not_stop_when_interrupted_costs_only_what_came_after():
    # A reviewer's notebook had every part right, then np.einsum on large
    # matrices in a last cell: one C call, over the cell's limit, that the
    # interrupt could not stop. The probes waited behind it and every part
    # read "not checked: the submission used up its 240 s of CPU" (it had
    # used 197). The run now stops at that cell and what came before counts.
    # (A notebook that ignores SIGINT, then loops, is the same to the grader.)
    nb = notebook(BURN)
    nb.cells = nb.cells[:1] + answered("def f(x):\n    return 2 * x\n", "part") + \
        [nbformat.v4.new_code_cell("sum(range(10**12))")]  # one call into C, never interrupted
    status, answers, seconds = run(nb, cell_timeout=3, submission_timeout=60, factor=10)
    assert status == "timeout: a cell used its 3 s of CPU (the limit per cell)"
    assert answers["part"][0].ok and float(answers["part"][0].values[0]) == 4.0
    stopped = [o for o in nb.cells[3].outputs if o.get("ename") == "GradingStopped"]
    assert len(stopped) == 1 and status in stopped[0].evalue, nb.cells[3].outputs
    assert "this cell did not stop when interrupted" in stopped[0].evalue
    assert seconds < 60  # the interrupt's grace, not the submission's whole time


def test_a_cells_own_limit_is_not_given_as_why_a_later_probe_stopped():
    # A cell over its limit was interrupted and the run went on; the probe of
    # a function that then ran too long read "had not returned when the
    # submission used up its time", with 60 s of the 240 left.
    nb = notebook(BURN, "burn(4)", "def f(x):\n    burn(100)\n    return x\n",
                  grade_source="print('the self-check does not call f')")
    status, answers, _ = run(nb, cell_timeout=2, submission_timeout=60, probe_timeout=3, factor=10)
    assert status == "timeout: a cell used its 2 s of CPU (the limit per cell)"
    assert answers["part"] == "took more than 3 s of CPU on the grader's inputs"


def test_a_function_that_kills_the_kernel_costs_only_its_own_part():
    # A reviewer's notebook ran to its end, every self-check passing; one
    # function ran out of memory on the grader's larger inputs only, and
    # every part scored 0 ("the notebook stopped before this part was
    # checked"). The parts asked before it keep their answers, the ones
    # after it are asked in a fresh kernel, and it alone has none.
    from autograder.checks import Call, Check, Part, Read

    nb = notebook()
    nb.cells = (answered("def f(x):\n    return 2 * x\n", "part")
                + answered("import os\ndef g(x):\n    os._exit(3)\n", "dies")
                + answered("def h(x):\n    return 3 * x\n", "later")
                + answered("class Weights:\n    def __array__(self, dtype=None):\n"
                           "        os._exit(4)\nweights = Weights()\n", "reading"))
    dies, later = (Part(grade_id=gid, title=name, points=2, probe=Call(name),
                        judge=lambda args, got, expected: [Check(got.ok, "ran")])
                   for gid, name in (("dies", "g"), ("later", "h")))
    reading = Part(grade_id="reading", title="weights", points=2, probe=Read("weights"),
                   judge=lambda args, got, expected: [Check(got.ok, "ran")])
    status, answers, _ = run(nb, parts=[part(), dies, later, reading])
    assert status == "kernel died"
    assert float(answers["part"][0].values[0]) == 4.0
    assert answers["dies"] == "no answer: the kernel stopped (kernel died) while g ran on the " \
                              "grader's inputs"
    assert float(answers["later"][0].values[0]) == 6.0
    assert answers["reading"] == "no answer: the kernel stopped (kernel died) while weights " \
                                 "ran on the grader's inputs"


def test_a_kernel_that_dies_when_asked_again_keeps_its_status_and_answers():
    # Once every part has answered, a part whose function calls another
    # part's is asked again with the solution's version of that one; a
    # kernel that ended itself then (os._exit in the function it was given)
    # turned a settled "ok" into "kernel died" in the table and the report.
    import dataclasses

    nb = notebook("import os\ndef helper(x):\n    return x\n"
                  "def f(x):\n    if helper is not _mine:\n        os._exit(3)\n"
                  "    return 2 * helper(x)\n_mine = helper\n")
    asked = dataclasses.replace(part(), stand_ins=("helper",),
                                stand_in_sources=(("helper", "def helper(x):\n    return x\n"),))
    status, answers, _ = run(nb, parts=[asked])
    assert status == "ok", status
    assert float(answers["part"][0].values[0]) == 4.0


def test_the_status_names_the_submissions_limit_when_it_ends_the_run():
    # A cell over its own limit is interrupted and the run goes on; the
    # submission's limit, reached later, ended it: the status said the cell's.
    nb = notebook(BURN, "burn(6)", "burn(3)", "burn(3)", "def f(x):\n    return 2 * x\n")
    status, answers, _ = run(nb, cell_timeout=4, submission_timeout=8, factor=10)
    assert status == "timeout: used its 8 s of CPU (the limit per submission)"
    assert nb.cells[1].outputs[-1]["evalue"].startswith("timeout: a cell used its 4 s of CPU")


def test_the_submission_wall_clock_backstop():
    # Sleeping cells, each within its own backstop (2 x 4 s), together
    # past the submission's (2 x 6 s).
    nb = notebook(*["import time\ntime.sleep(5)"] * 3, "def f(x):\n    return 2 * x\n")
    status, answers, seconds = run(nb, cell_timeout=4, submission_timeout=6, factor=2)
    assert status == "timeout (wall clock): 12 s"
    assert seconds < 12 + 30
    assert isinstance(answers["part"], str)


def test_replays_share_one_wall_clock_budget():
    """A reviewer's notebook slept through its wall-clock backstop, then its
    replay (twice the time) slept again and answered: a grading worker held
    for three times the backstop (five with a kernel killed mid-probe), with
    full marks.  All runs together now stop at twice the backstop (here 20
    s): after the first run's 10 s, the replay's 5 s of sleeping cells and 6
    s of sleeping answer do not fit.  (Cold kernels: the warm process's own
    start would count against the first run.)"""
    nb = nbformat.v4.new_notebook(cells=answered(
        "import time\ndef f(x):\n    time.sleep(6)\n    return 2 * x\n", "part")
        + [nbformat.v4.new_code_cell("time.sleep(5)") for _ in range(3)]
        + [nbformat.v4.new_code_cell("print('end')")])
    status, answers, seconds = run(nb, cell_timeout=3, submission_timeout=5, factor=2,
                                   zygote=False)
    assert status == "timeout (wall clock): 10 s"
    assert isinstance(answers["part"], str), answers["part"]
    assert seconds < 20 + 8


@pytest.mark.parametrize("how", ["threads", "child process"])
def test_cpu_time_counts_threads_and_child_processes(how):
    # The kernel's own thread only waits; the work is elsewhere in its sandbox.
    work = {
        "threads": "import threading, time\n"
                   "def spin():\n    while True:\n        pass\n"
                   "for _ in range(2):\n    threading.Thread(target=spin, daemon=True).start()\n"
                   "while True:\n    time.sleep(0.1)\n",
        "child process": "import subprocess, sys\n"
                         "subprocess.run([sys.executable, '-c', 'while True: pass'])\n",
    }[how]
    cpu = []
    status, _, seconds = run(notebook(work), cell_timeout=4, submission_timeout=30, factor=10,
                             cpu=cpu)
    print(f"{how}: {status!r} after {seconds:.1f} s, {cpu[0]:.1f} s of CPU")
    # Stopped by the CPU count, although the kernel's own thread only
    # waited: the wall clock's stop (after 40 s) would say "wall clock".
    # How long that took is not asserted: on a busy machine the same CPU
    # seconds take longer, and that is the point of counting them.
    assert status.startswith("timeout: ") and "of CPU" in status, status
    assert cpu[0] >= 4, cpu


def test_an_unsandboxed_kernel_is_limited_by_its_process_tree_cpu_time():
    cpu = []
    nb = notebook("import subprocess, sys\n"
                  "subprocess.run([sys.executable, '-c', 'while True: pass'])\n")
    status, _, seconds = run(nb, cell_timeout=4, submission_timeout=30, factor=10,
                             sandbox=False, cpu=cpu)
    assert status == "timeout: a cell used its 4 s of CPU (the limit per cell)"
    assert 4 <= cpu[0] < 15 and seconds < 40


# -- time: floods cannot outrun the limit -------------------------------------------

# Many small messages, sent straight to the kernel's IOPub socket (no
# buffering in between), from several threads, under the current request.
FLOOD = '''
import threading
_kernel = get_ipython().kernel
def _flood():
    parent = _kernel.get_parent()
    while True:
        _kernel.session.send(_kernel.iopub_socket, "stream",
                             {"name": "stdout", "text": "x"}, parent=parent)
def _start_flood():
    for _ in range(4):
        threading.Thread(target=_flood, daemon=True).start()
'''


def test_a_flood_started_by_the_probe_is_stopped_at_the_deadline():
    nb = notebook(FLOOD + '''
import time
def f(x):
    _start_flood()
    time.sleep(3600)
    return x
''', grade_source="print('the self-check does not call f')")
    status, answers, seconds = run(nb, submission_timeout=20)
    print(f"flood at the probe: {status!r} after {seconds:.1f} s")
    # Stopped at its CPU limit, or at the latest at the wall-clock backstop
    # (2 x 20 s of the kernel's own clock, which leaves out the time it
    # waited for a CPU: on a busy machine up to HARD_FACTOR times as long).
    assert seconds < TimeLimits.HARD_FACTOR * 2 * 20 + GRACE + 10
    assert "timeout" in status
    assert isinstance(answers.get("part", ""), str), "an answer from after the deadline counted"


def test_a_flood_during_a_cell_is_stopped_at_the_deadline():
    nb = notebook(FLOOD + '''
import time
_start_flood()
while True:
    time.sleep(1)
''', "def f(x):\n    return x\n")
    with PeakRss() as rss:
        status, answers, seconds = run(nb, cell_timeout=15, submission_timeout=15)
    print(f"flood in a cell: {status!r} after {seconds:.1f} s, grader RSS +{rss.growth_mb:.0f} MB")
    assert seconds < TimeLimits.HARD_FACTOR * 2 * 15 + GRACE + 10  # as above
    assert "timeout" in status
    # Each tiny message is an output the grader keeps, until the output cap;
    # on a busy machine the flood may send too few to reach it before the
    # wall-clock backstop stops the cell. Either way it stops, and the
    # grader's memory stays bounded.
    assert "output limit" in status or status.startswith("timeout (wall clock)"), status
    assert rss.growth_mb < RSS_BOUND_MB
    assert isinstance(answers.get("part", ""), str)


def test_a_probe_reply_after_the_deadline_does_not_count():
    # The answer itself is right; it only comes too late: f ignores the
    # interrupt at the submission's CPU limit and answers anyway.
    nb = notebook(BURN + "def f(x):\n    try:\n        burn(12)\n    except KeyboardInterrupt:\n"
                  "        pass\n    return 2 * x\n", grade_source="print('no call')")
    status, answers, seconds = run(nb, submission_timeout=8, factor=10)
    assert status == "timeout: used its 8 s of CPU (the limit per submission)"
    # The function was running when the time ran out: the part says so (it
    # read as if the notebook's own cells had used the time).
    assert answers["part"] == ("not checked: f had not returned when the submission used up its "
                               "time (timeout: used its 8 s of CPU (the limit per submission))")


def test_a_probe_stops_at_its_cpu_limit():
    nb = notebook(BURN + "def f(x):\n    burn(60)\n    return 2 * x\n",
                  grade_source="print('no call')")
    status, answers, _ = run(nb, submission_timeout=60, probe_timeout=4, factor=10)
    assert status == "ok"
    assert answers["part"] == "took more than 4 s of CPU on the grader's inputs"


# -- memory: one huge message --------------------------------------------------------


class PeakRss:
    """The largest resident memory of this process while in the block, over its size before."""

    def __init__(self):
        self.process = psutil.Process()

    def __enter__(self):
        self.before = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()

    @property
    def growth_mb(self):
        return (self.peak - self.before) / 2**20


#: What one huge message may cost the grader at most (docs/instructor-guide.md,
#: "The sandbox": the grader's side of a kernel's sockets holds at most
#: 8 MB x 32 messages on IOPub).
RSS_BOUND_MB = 150


@pytest.mark.parametrize("how", ["display", "error"])
def test_one_huge_message_is_refused_unparsed(how):
    send = {
        # one IOPub message of 80 MB
        "display": "from IPython.display import display\n"
                   "display({'text/plain': 'x' * 80_000_000}, raw=True)\n",
        # an 80 MB error: on IOPub and in the execute reply on the shell channel
        "error": "raise ValueError('x' * 80_000_000)\n",
    }[how]
    nb = notebook("def f(x):\n    return 2 * x\n", send)
    with PeakRss() as rss:
        status, answers, seconds = run(nb, submission_timeout=60)
    print(f"{how}: grader RSS +{rss.growth_mb:.0f} MB, {status!r}, {seconds:.1f} s")
    assert rss.growth_mb < RSS_BOUND_MB
    assert "output limit" in status
    assert "x" * 1000 not in outputs(nb)


# -- the host's disk: the socket folder ----------------------------------------------

SOCKET_FOLDER = '''
import os, sys
folder = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
'''


def test_the_socket_folder_is_a_small_tmpfs_the_notebook_cannot_change():
    """The one folder a kernel shares with the grader is a small tmpfs (in
    memory, counted in the kernel's memory cgroup, never the host's disk;
    filling it stops at its size: tests/test_zygote.py), and read-only once
    the grader is connected: the notebook can neither fill it nor put a link
    in place of a socket, which the grader, as root, would follow when it
    reconnects (found by a reviewer playing an attacker: it closed its stdin
    socket and linked the path to a listener of its own on the host).
    Checked from inside the kernel."""
    nb = notebook(SOCKET_FOLDER + '''
device = os.stat(folder).st_dev  # the mount the folder is on, by its device number
mounts = [line.split() for line in open("/proc/self/mountinfo")]
kind = [m[m.index("-") + 1] for m in mounts
        if m[2] == f"{os.major(device)}:{os.minor(device)}"][-1]
stats = os.statvfs(folder)
print("FOLDER", kind, stats.f_blocks * stats.f_frsize)
''' + ERRNO_OF + '''sockets = sorted(name for name in os.listdir(folder) if name.startswith("socket"))
socket = os.path.join(folder, sockets[-1])
get_ipython().kernel.stdin_socket.close(linger=0)
print("WRITE", errno_of(lambda: open(os.path.join(folder, "fill"), "wb").write(bytes(2**20))),
      "UNLINK", errno_of(lambda: os.unlink(socket)),
      "LINK", errno_of(lambda: os.symlink("/run/elsewhere.sock", socket + "-new")),
      "SOCKETS", len(sockets))
''', "def f(x):\n    return x\n")
    status, answers, _ = run(nb)
    text = outputs(nb)
    kind, size = text.split("FOLDER ")[1].split()[:2]
    assert kind == "tmpfs"
    assert int(size) <= 8 * 2**20
    assert f"WRITE {errno.EROFS} UNLINK {errno.EROFS} LINK {errno.EROFS} SOCKETS 5" in text, text[-600:]
    assert answers["part"][0].ok, "the kernel still works, its folder read-only"


@pytest.mark.parametrize("zygote", [True, False], ids=["forked kernel", "cold kernel"])
def test_a_kernel_cannot_make_user_namespaces(zygote):
    # Each one it held would count against the sandbox user's allowance,
    # which the kernels running beside it share: with thousands held, theirs
    # could not isolate themselves and their students would score 0.
    nb = notebook('''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
child = os.fork()
if child == 0:
    os._exit(0 if libc.unshare(0x10000000) == 0 else ctypes.get_errno())  # CLONE_NEWUSER
print("USERNS", os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
''', "def f(x):\n    return x\n")
    status, answers, _ = run(nb, zygote=zygote)
    assert status == "ok" and answers["part"][0].ok, status
    text = outputs(nb)
    assert f"USERNS {errno.ENOSPC}\n" in text, text[-500:]


@pytest.mark.parametrize("zygote", [True, False], ids=["forked kernel", "cold kernel"])
def test_a_kernel_cannot_use_the_kernel_keyring(zygote):
    # Every kernel runs as the same user: a key one kernel adds can be found
    # in another's /proc/keys and read there, a channel between two students
    # graded at once. A child process is refused too.
    nb = notebook('''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
KEYRING = ctypes.c_int(-3)   # KEY_SPEC_SESSION_KEYRING
def add_key():
    key = libc.syscall(248 if os.uname().machine == "x86_64" else 217, b"user", b"note",
                       b"answers", 7, KEYRING)
    return 0 if key >= 0 else ctypes.get_errno()
def keyctl():
    return 0 if libc.syscall(250 if os.uname().machine == "x86_64" else 219, 0, KEYRING, 0) >= 0 \\
        else ctypes.get_errno()
child = os.fork()
if child == 0:
    os._exit(add_key())
print("ADD_KEY", add_key(), "KEYCTL", keyctl(), "CHILD", os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
print("KEYS", len(open("/proc/keys").read().splitlines()))
''', "def f(x):\n    return x\n")
    status, answers, _ = run(nb, zygote=zygote)
    assert status == "ok" and answers["part"][0].ok, status
    text = outputs(nb)
    assert f"ADD_KEY {errno.EPERM} KEYCTL {errno.EPERM} CHILD {errno.EPERM}\n" in text, text[-500:]


@pytest.mark.parametrize("zygote", [True, False], ids=["forked kernel", "cold kernel"])
def test_a_kernel_cannot_read_the_machines_counters(zygote):
    # /proc/sys/fs/file-nr counts the open files of the whole machine: a
    # kernel holding N files open moved it by exactly N, and another kernel
    # graded at once read it (a reviewer playing an attacker sent a
    # classmate's answers that way). Another did the same with the thread
    # count in /proc/loadavg, starting threads in time slots. Every such
    # counter reads fixed text now, whatever the kernel (or the machine)
    # does, and the files programs parse keep their form.
    from autograder.zygote_process import KERNEL_TERMINALS, MASKED_PROC_FILES, masked_proc_text

    nb = notebook('''
import os, threading, time
import psutil
names = %r
def read_all():
    found = {}
    for name in names:
        try:
            found[name] = open(name).read()
        except OSError as error:
            found[name] = "unreadable: %%s" %% error
    return found
before = read_all()
held = [open("/dev/null") for _ in range(300)]
stop = threading.Event()
threads = [threading.Thread(target=stop.wait) for _ in range(100)]
for t in threads:
    t.start()
memory = bytearray(300 * 2**20)
x = 0
for i in range(3 * 10**6):
    x += i
after = read_all()
stop.set()
print("SAME", before == after)
print("READ", repr(after))
try:
    load = os.getloadavg()  # glibc asks sysinfo, which is refused
except OSError as error:
    load = type(error).__name__
print("LOAD", load, "CPUS", os.cpu_count(), "MEMORY", psutil.virtual_memory().total > 0)
from numpy._core.multiarray import _get_madvise_hugepage
print("HUGEPAGES", _get_madvise_hugepage())  # NumPy asks for no huge pages (the sandbox's env)
# A perf counter of the kernel's own user-space time: its ring buffers are
# charged to one allowance for the whole user, which one kernel filled and
# emptied and another tried to take from.
import ctypes, struct
libc = ctypes.CDLL(None, use_errno=True)
attr = ctypes.create_string_buffer(128)
struct.pack_into("IIQ", attr, 0, 1, 128, 0)  # PERF_TYPE_SOFTWARE, its size, PERF_COUNT_SW_CPU_CLOCK
struct.pack_into("Q", attr, 40, (1 << 5) | (1 << 6))  # exclude_kernel, exclude_hv
opened = libc.syscall({"x86_64": 298, "aarch64": 241}[os.uname().machine], attr, 0, -1, -1, 0)
print("PERF", 0 if opened >= 0 else ctypes.get_errno())
# The machine's one allowance of AIO events, and its one pool of terminals:
# a kernel that used them up denied them to the machine, and a kernel graded
# beside it read their state as data.
context = ctypes.c_ulong(0)
aio = libc.syscall({"x86_64": 206, "aarch64": 0}[os.uname().machine], 1, ctypes.byref(context))
print("AIO", 0 if aio == 0 else ctypes.get_errno())
terminals = []
try:
    while len(terminals) < 200:
        terminals.append(os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY))
except OSError:
    pass
print("TERMINALS", len(terminals))
''' % (list(MASKED_PROC_FILES),), "def f(x):\n    return x\n")
    status, answers, _ = run(nb, zygote=zygote)
    assert status == "ok" and answers["part"][0].ok, status
    text = outputs(nb)
    assert "SAME True" in text, text[-800:]
    shown = {name: masked_proc_text(name) for name in MASKED_PROC_FILES if Path(name).exists()}
    read = ast.literal_eval(text.split("READ ", 1)[1].splitlines()[0])
    assert {name: read[name] for name in shown} == shown
    assert f"LOAD OSError CPUS {os.cpu_count()} MEMORY True" in text, text[-800:]
    assert f"PERF {errno.ENOSYS}\n" in text, text[-800:]
    assert "HUGEPAGES False\n" in text, text[-800:]
    assert f"AIO {errno.ENOSYS}\n" in text, text[-800:]
    if zygote:  # a cold kernel (the fallback) has bubblewrap's terminals: ARCHITECTURE.md
        assert f"TERMINALS {KERNEL_TERMINALS}\n" in text, text[-800:]


#: Code a kernel runs in a process of its own (one thread: a signal sent to
#: the process stays queued only where every thread blocks it): hold the
#: machine's per-user counts as high as the kernel can (queued signals,
#: pipe buffers) for ``HOLD`` seconds.
HOLDER = """
import ctypes, os, signal, time
libc = ctypes.CDLL(None, use_errno=True)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
queued = 0
while queued < 100_000 and libc.sigqueue(os.getpid(), int(signal.SIGRTMIN), None) == 0:
    queued += 1
pipes = []
try:
    while len(pipes) < 1200:
        pipes.append(os.pipe())
except OSError:
    pass
print("HELD", queued, "signals and", len(pipes), "pipes", flush=True)
time.sleep(HOLD)
"""
#: What another kernel's holding would change, measured while it holds
#: (after ``WAIT`` seconds), in a process of its own too.
MEASURER = """
import ctypes, fcntl, os, signal, time
libc = ctypes.CDLL(None, use_errno=True)
time.sleep(WAIT)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
queued = libc.sigqueue(os.getpid(), int(signal.SIGRTMIN), None) == 0
read, write = os.pipe()
print("MEASURED queued", queued, "pipe", fcntl.fcntl(read, 1032), flush=True)  # F_GETPIPE_SZ
rt = ctypes.CDLL("librt.so.1", use_errno=True)
opened = rt.mq_open(b"/q", os.O_CREAT | os.O_RDWR, 0o600, None)
print("MQ_OPEN", 0 if opened >= 0 else ctypes.get_errno())
"""


def in_own_process(code: str) -> str:
    """Kernel code that runs ``code`` in a new Python process and prints its output."""
    return ("import subprocess, sys\n"
            f"print(subprocess.run([sys.executable, '-c', {code!r}], capture_output=True, "
            "text=True).stdout)\n")


@pytest.mark.parametrize("zygote", [True, False], ids=["forked kernels", "cold kernels"])
def test_a_kernel_cannot_move_what_the_sandbox_user_may_use_in_another(zygote):
    # The machine counts some things per user across every namespace, and
    # every kernel runs as the one sandbox user. Tried on this machine: one
    # kernel queueing about 96,000 signals made every signal another kernel
    # queued fail; a reviewer playing an attacker passed a classmate's
    # answers between two kernels graded at once through the size of new
    # pipes (past 16384 pages of the user's pipe buffers, each new pipe gets
    # 8 KB instead of 64 KB). Each kernel now queues at most a few hundred
    # signals, pipes are limited by each kernel's memory alone (`make
    # sandbox`), and no kernel may make POSIX message queues.
    from autograder.zygote_process import KERNEL_PENDING_SIGNALS

    hold, wait = 14, 6
    holder = notebook(in_own_process(f"HOLD = {hold}\n" + HOLDER), "def f(x):\n    return x\n")
    measurer = notebook(in_own_process(f"WAIT = {wait}\n" + MEASURER), "def f(x):\n    return x\n")
    results = {}
    if zygote:
        # Started here: a sandbox ends with the thread that started it
        # (bubblewrap's --die-with-parent), and the two threads below end
        # one after the other.
        from autograder.sandbox import SandboxLimits
        from autograder.zygote import zygote_for

        assert zygote_for(SandboxLimits()) is not None

    def grade(name, nb):
        try:
            results[name] = run(nb, zygote=zygote, cell_timeout=60, submission_timeout=90,
                                factor=3)
        finally:  # the event loop the kernel's client made in this thread
            asyncio.get_event_loop().close()

    threads = [threading.Thread(target=grade, args=item)
               for item in (("holder", holder), ("measurer", measurer))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["holder"][0] == results["measurer"][0] == "ok", results
    held = outputs(holder)
    assert f"HELD {KERNEL_PENDING_SIGNALS} signals and 1200 pipes" in held, held[-500:]
    measured = outputs(measurer)
    assert "MEASURED queued True pipe 65536" in measured, measured[-500:]
    assert f"MQ_OPEN {errno.EMFILE}" in measured, measured[-500:]


#: Calls every kernel makes, by each machine's numbers: read, write, clone,
#: execve, uname, exit_group, waitid, clone3 (and fork, on x86_64).
ALLOWED_CALLS = {"x86_64": (0, 1, 56, 57, 59, 63, 231, 247, 435),
                 "aarch64": (63, 64, 220, 221, 160, 94, 95, 435)}


def test_the_seccomp_filter_refuses_only_the_calls_that_reach_other_kernels():
    """The seccomp program, run by hand: (architecture, call, fcntl command) -> verdict."""
    import struct

    from autograder.sandbox import FCNTL_SHARED, MADVISE_EVICT, SECCOMP_CALLS, shared_state_filter

    def verdict(program, arch, call, command=0, advice=0, flags=0):
        instructions = [struct.unpack("=HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]
        pc, accumulator = 0, 0
        while True:
            code, jt, jf, k = instructions[pc]
            if code == 0x20:
                accumulator = {0: call, 4: arch, 24: command, 32: advice, 56: flags}[k]
            elif code == 0x06:
                return "allow" if k == 0x7FFF0000 else f"errno {k & 0xFFFF}"
            elif code in (0x15, 0x35):
                taken = accumulator == k if code == 0x15 else accumulator >= k
                pc += jt if taken else jf
            else:
                raise AssertionError(f"unknown instruction {code:#x}")
            pc += 1

    for machine, calls in SECCOMP_CALLS.items():
        program, arch = shared_state_filter(machine), calls["arch"]
        for call in calls["key"]:
            assert verdict(program, arch, call) == f"errno {errno.EPERM}"
        for call in calls["ended"]:
            assert verdict(program, arch, call) == f"errno {errno.ENOSYS}", (machine, call)
        for command in FCNTL_SHARED:
            assert verdict(program, arch, calls["fcntl"], command) == f"errno {errno.ENOSYS}"
        # fcntl's other commands: F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC.
        for command in (0, 1, 2, 3, 4, 1030):
            assert verdict(program, arch, calls["fcntl"], command) == "allow", (machine, command)
        for call in ALLOWED_CALLS[machine]:
            assert verdict(program, arch, call) == "allow", (machine, call)
        # Pages of a shared file: no dropping them, no asking whether they are in memory.
        for advice in MADVISE_EVICT:
            assert verdict(program, arch, calls["madvise"], advice=advice) == f"errno {errno.ENOSYS}"
        for advice in (0, 4, 8, 14):  # MADV_NORMAL, _DONTNEED, _FREE, _HUGEPAGE: the allocators'
            assert verdict(program, arch, calls["madvise"], advice=advice) == "allow", advice
        for call in calls["rwf"]:
            assert verdict(program, arch, call, flags=8) == f"errno {errno.ENOSYS}"  # RWF_NOWAIT
            assert verdict(program, arch, call) == "allow", (machine, call)
        assert verdict(program, arch, 0x40000000 | 1) == f"errno {errno.EPERM}"  # x32
        assert verdict(program, 0x40000003, 1) == f"errno {errno.EPERM}"  # i386's numbering


@pytest.mark.parametrize("zygote", [True, False], ids=["forked kernel", "cold kernel"])
def test_a_kernel_cannot_drop_shared_pages_or_ask_whether_they_are_in_memory(zygote):
    # Two kernels graded at once passed a classmate's answer code through
    # the page cache of a large shared file: one dropped or read each page
    # (fadvise), the other asked without waiting whether it was in memory
    # (preadv2 with RWF_NOWAIT). Reading, and the allocators' own advice, work.
    nb = notebook('''
import errno, mmap, os
''' + ERRNO_OF + '''shared = os.open("/usr/bin/env", os.O_RDONLY)
buffer = bytearray(4096)
region = mmap.mmap(shared, 0, prot=mmap.PROT_READ)
print("FADVISE", errno_of(lambda: os.posix_fadvise(shared, 0, 0, os.POSIX_FADV_DONTNEED)),
      "NOWAIT", errno_of(lambda: os.preadv(shared, [buffer], 0, os.RWF_NOWAIT)),
      "PAGEOUT", errno_of(lambda: region.madvise(21)),  # MADV_PAGEOUT (not in Python 3.11)
      "COLD", errno_of(lambda: region.madvise(20)))  # MADV_COLD
print("READ", len(os.pread(shared, 16, 0)), errno_of(lambda: os.preadv(shared, [buffer], 0)),
      errno_of(lambda: region.madvise(mmap.MADV_DONTNEED)))
''', "def f(x):\n    return x\n")
    status, answers, _ = run(nb, zygote=zygote)
    assert status == "ok" and answers["part"][0].ok, status
    text = outputs(nb)
    refused = errno.ENOSYS
    assert f"FADVISE {refused} NOWAIT " in text, text[-800:]
    nowait = int(text.split("NOWAIT ")[1].split()[0])
    assert nowait in (errno.ENOSYS, errno.EOPNOTSUPP), text[-800:]  # glibc says ENOTSUP for a refused flag
    assert f"PAGEOUT {refused} COLD {refused}\n" in text, text[-800:]
    assert "READ 16 0 0\n" in text, text[-800:]


@pytest.mark.parametrize("zygote", [True, False], ids=["forked kernel", "cold kernel"])
def test_a_kernel_cannot_lock_or_watch_the_files_every_kernel_shares(zygote):
    # Two kernels graded at once passed a classmate's answers as read locks
    # on /usr/bin/env (a lock's position and length carry data; the other
    # kernel reads them with F_GETLK), and saw each other open files with
    # inotify. Files in the kernel's own folders still save and load,
    # through libraries that lock them (h5py).
    nb = notebook('''
import ctypes, fcntl, os, struct
libc = ctypes.CDLL(None, use_errno=True)
''' + ERRNO_OF + '''shared = open("/usr/bin/env", "rb")
lock = struct.pack("hhqqi", fcntl.F_RDLCK, 0, 4242, 17, 0)
print("SETLK", errno_of(lambda: fcntl.fcntl(shared, fcntl.F_SETLK, lock)),
      "GETLK", errno_of(lambda: fcntl.fcntl(shared, fcntl.F_GETLK, lock)),
      "OFD", errno_of(lambda: fcntl.fcntl(shared, 37, lock)),
      "FLOCK", errno_of(lambda: fcntl.flock(shared, fcntl.LOCK_SH | fcntl.LOCK_NB)),
      "NOTIFY", errno_of(lambda: fcntl.fcntl(os.open("/usr/bin", os.O_RDONLY), 1026, 1)),
      "INOTIFY", 0 if libc.inotify_init1(0) >= 0 else ctypes.get_errno())
child = os.fork()
if child == 0:
    os._exit(errno_of(lambda: fcntl.flock(shared, fcntl.LOCK_EX | fcntl.LOCK_NB)))
print("CHILD", os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
import h5py, numpy as np
with h5py.File("/tmp/weights.h5", "w") as f:
    f["w"] = np.arange(3.0)
with h5py.File("/tmp/weights.h5", "r") as f:
    print("H5", f["w"][:].tolist())
''', "def f(x):\n    return x\n")
    status, answers, _ = run(nb, zygote=zygote)
    assert status == "ok" and answers["part"][0].ok, status
    text = outputs(nb)
    refused = errno.ENOSYS
    assert (f"SETLK {refused} GETLK {refused} OFD {refused} FLOCK {refused} NOTIFY {refused} "
            f"INOTIFY {refused}\nCHILD {refused}\n") in text, text[-800:]
    assert "H5 [0.0, 1.0, 2.0]" in text, text[-800:]


@pytest.mark.parametrize("zygote", [True, False], ids=["forked kernel", "cold kernel"])
def test_the_socket_folder_takes_nothing_and_goes_with_the_kernel(zygote):
    # A chain of 3000 folders there once outlasted the kernel (rmtree gave
    # up on it; remove_tree, tested below, does not). Now the folder is
    # read-only before the notebook runs: the chain cannot even start.
    nb = notebook(SOCKET_FOLDER + '''
try:
    os.mkdir(os.path.join(folder, "d"))
    made = 0
except OSError as e:
    made = e.errno
print("MKDIR", made, "FOLDER", folder)
''', "def f(x):\n    return x\n")
    status, _, _ = run(nb, zygote=zygote)
    text = outputs(nb)
    assert f"MKDIR {errno.EROFS} " in text, text[-500:]
    folder = Path(text.split("FOLDER ")[1].split()[0])
    if zygote:  # the kernel's own folder in the zygote's, unmounted and removed
        assert not folder.exists(), f"{folder} was left behind"
        assert f" {folder} " not in Path("/proc/self/mountinfo").read_text()
    else:
        assert not folder.parent.exists(), f"{folder.parent} was left behind"
        assert str(folder.parent) not in Path("/proc/self/mountinfo").read_text()


def test_remove_tree_removes_a_chain_rmtree_cannot(tmp_path):
    from autograder.sandbox import remove_tree

    def chain(top):
        top.mkdir()
        fd = os.open(top, os.O_RDONLY)
        for _ in range(3000):
            os.mkdir("d", dir_fd=fd)
            new = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        with open(os.open("data", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "wb") as fh:
            fh.write(bytes(10_000))
        os.close(fd)

    chain(tmp_path / "a")
    try:
        shutil.rmtree(tmp_path / "a", ignore_errors=True)
    except RecursionError:
        pass
    assert (tmp_path / "a").exists(), "rmtree managed: the test shows nothing"
    chain(tmp_path / "b")
    files, folders, size = remove_tree(tmp_path / "b")
    assert not (tmp_path / "b").exists()
    assert (files, folders, size) == (1, 3001, 10_000)
    remove_tree(tmp_path / "a")
    assert not (tmp_path / "a").exists()


def test_stale_sandbox_folders_and_cgroups_are_swept():
    from autograder import sandbox

    limits = sandbox.SandboxLimits()
    base = Path(tempfile_dir()) / "dlsb-zz-stale"
    (base / "kernel").mkdir(parents=True)
    (base / "owner").write_text("999999999 0\n")  # a process that does not exist
    sandbox.mount_tmpfs(base / "kernel", 64, 0, 0)
    (base / "kernel" / "left").write_bytes(b"x" * 1000)
    groups = sandbox.make_cgroups("dlsb-zz-stale", limits)
    live = Path(tempfile_dir()) / "dlsb-zz-live"
    live.mkdir()
    (live / "owner").write_text(f"{os.getpid()} {sandbox._start_time(os.getpid())}\n")
    try:
        done = sandbox.sweep_stale(min_age=0, prefix="dlsb-zz")
        assert not base.exists()
        assert str(base / "kernel") not in Path("/proc/self/mountinfo").read_text()
        assert not any(g.exists() for g in groups)
        assert live.exists(), "a live grader's folder was swept"
        assert any("dlsb-zz-stale" in line for line in done)
    finally:
        sandbox.unmount(base / "kernel")
        sandbox.remove_tree(base)
        sandbox.remove_tree(live)
        sandbox.remove_cgroups(groups)


def test_a_grading_worker_leaves_no_cgroup_behind():
    # A worker (or a grader grading in its own process) is confined to a
    # memory cgroup of its own; once it exits normally, that cgroup is gone,
    # so the next run has nothing to sweep and warn about.
    import subprocess
    import sys

    from autograder import sandbox

    if not sandbox._cgroup_version():
        pytest.skip("no cgroups here")
    child = subprocess.run(
        [sys.executable, "-c", "import os\n"
         "from autograder.sandbox import SandboxLimits, confine_worker\n"
         "group = confine_worker(SandboxLimits())\n"
         "members = (group / 'cgroup.procs').read_text().split()\n"
         "print(group, group.is_dir(), str(os.getpid()) in members)"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    group, existed, member = child.stdout.split()
    assert (existed, member) == ("True", "True"), child.stdout
    assert not Path(group).exists(), f"{group} left behind"


def tempfile_dir():
    import tempfile

    return tempfile.gettempdir()


# -- what the kernel can see ---------------------------------------------------------


def test_the_sandbox_does_not_name_the_course_folder():
    import dlcourse

    # The course folder: the tests' and the helper package's (the same in a
    # normal checkout).
    roots = sorted({str(ROOT), str(Path(dlcourse.__file__).resolve().parents[1])})
    nb = notebook(f'''
import glob, os, sys
found = []
for root in {roots!r}:
    found += [f"env {{k}}" for k, v in os.environ.items() if root in v]
    found += [f"sys.path {{p}}" for p in sys.path if root in p]
    for name in glob.glob("/proc/[0-9]*/cmdline") + glob.glob("/proc/[0-9]*/environ"):
        try:
            if root.encode() in open(name, "rb").read():
                found.append(name)
        except OSError:
            pass
    venv = "/opt/dlcourse/venv"
    for line in open("/proc/self/mountinfo"):
        fields = line.split()
        if root in fields[4] or (root in fields[3] and fields[4] != venv):
            found.append("mount " + line)
    for name in [venv + "/pyvenv.cfg"] + glob.glob(venv + "/lib/python*/site-packages/*.pth"):
        if os.path.exists(name) and root in open(name).read():
            found.append(name)
    import dlcourse
    if root in dlcourse.__file__:
        found.append(dlcourse.__file__)
    print("FOUND", found)
''', "def f(x):\n    return x\n")
    status, answers, _ = run(nb)
    assert "FOUND []" in outputs(nb), outputs(nb)
    assert answers["part"][0].ok


def test_plotting_writes_nothing_to_stderr():
    nb = notebook('''
import matplotlib
matplotlib.use("Agg")
import matplotlib.font_manager
import matplotlib.pyplot as plt
plt.plot([0, 1], [1, 0])
plt.title("loss")
plt.savefig("plot.png")
print("plotted")
''', "def f(x):\n    return x\n")
    status, _, _ = run(nb, cell_timeout=60, submission_timeout=90)
    streams = [o for cell in nb.cells for o in cell.get("outputs", [])
               if o.get("output_type") == "stream"]
    assert any("plotted" in o["text"] for o in streams)
    stderr = "".join(o["text"] for o in streams if o["name"] == "stderr")
    assert stderr == "", stderr


# -- what the grader reads back ---------------------------------------------------------

FORGE = '''
import json
def _forge(lines):
    text = "".join(lines)
    if "__dlcourse_answer__ = __dlcourse_probe__(" in text:
        request = json.loads(eval(text.split("__dlcourse_probe__(", 1)[1].rsplit(")", 1)[0]))
        answer = {"secret": request["secret"], "answers": [
            {"values": [{"shape": [], "data": [VALUE]}]} for _ in request["cases"]]}
        return [f"__dlcourse_answer__ = {json.dumps(answer)!r}\\n"]
    return lines
get_ipython().input_transformers_post.append(_forge)
def f(x):
    return x
'''


def test_a_forged_huge_integer_scores_zero_cleanly():
    nb = notebook(FORGE.replace("VALUE", "10**400"))
    status, answers, _ = run(nb)
    assert status == "ok"
    assert isinstance(answers["part"], str) and "too large" in answers["part"]


def test_parse_reply_refuses_huge_integers():
    from autograder.probe import parse_reply

    payload = '{"secret": "s", "answers": [{"values": [{"shape": [], "data": [%d]}]}]}' % 10**400
    content = {"status": "ok", "user_expressions": {"answer": {"data": {"text/plain": repr(payload)}}}}
    with pytest.raises(ValueError, match="too large"):
        parse_reply(content, "s", [[]])


def test_hidden_tests_never_reach_the_kernel():
    hook = '''
def _show(info):
    print("SAW:", info.raw_cell)
get_ipython().events.register("pre_run_cell", _show)
def f(x):
    return x
'''
    nb = notebook(hook, grade_source="assert f(1.0) == 1.0\n### BEGIN HIDDEN TESTS\n"
                  "assert f(123456789.0) == 123456789.0  # secret-case\n### END HIDDEN TESTS\n")
    run(nb)
    text = outputs(nb)
    assert "SAW:" in text, "the hook did not run: the test shows nothing"
    assert "secret-case" not in text and "123456789" not in text


def test_a_self_check_cell_without_a_verdict_scores_zero():
    from nbgrader.utils import determine_grade

    from autograder.execute import RequireVerdict

    # The kernel's own execute_result in a self-check cell (here 2.0, full
    # marks to nbgrader) is removed; with no verdict written, the cell scores 0.
    nb = notebook("def f(x):\n    return x\n", grade_source="2.0")
    run(nb)
    cell = nb.cells[-1]
    assert not any(o["output_type"] == "execute_result" for o in cell.outputs)
    assert determine_grade(cell)[0] == 2.0  # what nbgrader alone would record
    RequireVerdict().preprocess(nb, {})
    assert determine_grade(cell)[0] == 0
    assert "no verdict" in outputs(nb)


# -- the grader's own memory -----------------------------------------------------------


def _grade_in_worker():
    """Run one submission as a grading worker does; return the worker's
    memory cgroup and its limit afterwards."""
    from autograder.sandbox import CGROUP_ROOT

    run(notebook("def f(x):\n    return x\n"))
    line = next(line for line in Path("/proc/self/cgroup").read_text().splitlines()
                if line.split(":")[1] in ("memory", ""))
    _, controller, path = line.split(":", 2)
    group = CGROUP_ROOT / ("memory" if controller == "memory" else "") / path.lstrip("/")
    limit = next((group / name).read_text().strip() for name in ("memory.max", "memory.limit_in_bytes")
                 if (group / name).exists())
    return str(group), int(limit)


def test_a_grading_worker_has_a_memory_limit_of_its_own():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from autograder.sandbox import SandboxLimits

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        group, limit = pool.submit(_grade_in_worker).result(timeout=300)
    assert "dlsb-worker-" in group
    assert limit == SandboxLimits().worker_memory_mb * 2**20


def test_a_widget_state_flood_is_capped():
    # Widget messages, each a new widget with 1 MB of state, under the cell's request.
    nb = notebook('''
import uuid
_kernel = get_ipython().kernel
for i in range(400):
    _kernel.session.send(_kernel.iopub_socket, "comm_open", {
        "comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget",
        "data": {"state": {"value": "x" * 2**20}, "buffer_paths": []}},
        parent=_kernel.get_parent())
''', "def f(x):\n    return x\n")
    with PeakRss() as rss:
        status, answers, _ = run(nb, submission_timeout=60)
    print(f"widget flood: grader RSS +{rss.growth_mb:.0f} MB, {status!r}")
    assert "output limit" in status
    assert rss.growth_mb < RSS_BOUND_MB
    assert answers["part"][0].ok


def test_a_display_of_millions_of_empty_values_is_capped():
    """8 MB of "{}," is one message under the socket's limit but 2.7 million
    dicts once parsed, which nbformat made into 1.3 GB, past a worker's
    memory limit (found by a reviewer playing an attacker: every grading run
    with this notebook died).  Each value counts against the output cap."""
    nb = notebook('''
from IPython.display import display
for _ in range(10):
    display({"application/json": [{}] * 2_000_000}, raw=True)
''', "def f(x):\n    return x\n")
    with PeakRss() as rss:
        status, answers, _ = run(nb, submission_timeout=60)
    print(f"empty-value display: grader RSS +{rss.growth_mb:.0f} MB, {status!r}")
    assert "output limit" in status
    # Reading one such message (under the socket's 8 MB) takes about 170 MB
    # while it is read, and none is kept, however many come: a worker's
    # limit is 3 GB. Before, three of them took 2.7 GB, and were kept.
    assert rss.growth_mb < 4 * RSS_BOUND_MB
    assert answers["part"][0].ok


def test_an_update_shown_in_many_outputs_counts_once_per_output():
    """nbclient gives each output shown with a display id the data of every
    later update of it: one update of 6 MB to 3,000 one-character displays
    became 18 GB once the notebook was saved (found by a reviewer playing an
    attacker: the worker died, and graded in the grader's own process, the
    machine ran out of memory).  Each copy counts against the output cap;
    past it the update is dropped.  A progress display updated in place
    keeps working."""
    nb = notebook('''
from IPython.display import display, update_display
handle = display({"text/plain": "epoch 0"}, raw=True, display_id="progress")
for epoch in range(1, 4):
    update_display({"text/plain": f"epoch {epoch}"}, raw=True, display_id="progress")
for _ in range(2000):
    display({"text/plain": "x"}, raw=True, display_id="same")
update_display({"text/plain": "y" * 1_000_000}, raw=True, display_id="same")
''', "def f(x):\n    return x\n")
    status, answers, _ = run(nb, submission_timeout=60)
    assert "output limit" in status and answers["part"][0].ok, status
    saved = len(nbformat.writes(nb))
    print(f"display-id bomb: {saved / 1e6:.1f} MB saved, {status!r}")
    assert saved < 12 * 10**6, f"{saved / 1e6:.0f} MB saved"  # the cap is 10 MB
    progress = [o for o in nb.cells[0].outputs if o.get("data", {}).get("text/plain", "").startswith("epoch")]
    assert [o["data"]["text/plain"] for o in progress] == ["epoch 3"]


def test_signals_to_the_sandbox_init_do_not_end_the_kernel():
    nb = notebook('''
import os, signal, time
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL):
    os.kill(1, sig)
time.sleep(1)
def f(x):
    return 2 * x
''')
    status, answers, _ = run(nb)
    assert status == "ok"
    assert answers["part"][0].ok


#: A classmate's kernel that keeps many processes busy for ``HOG_SECONDS``.
HOG_SECONDS = 12
HOG = f'''
import os, time
start = time.time()
end = start + {HOG_SECONDS}
children = []
for _ in range(min(20 * os.cpu_count(), 200)):  # under the 256 tasks a kernel may have
    pid = os.fork()
    if pid == 0:
        while time.time() < end:
            pass
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
times = os.times()
share = (times.children_user + times.children_system) / len(children) / (time.time() - start)
def f(x):
    return share  # of a core, per process
'''
#: An honest kernel that measures the share of a core it got while busy.
MEASURE = '''
import time
time.sleep(2)  # the classmate's processes are all running by now
wall, cpu = time.monotonic(), time.process_time()
while time.monotonic() - wall < 4:
    pass
share = (time.process_time() - cpu) / (time.monotonic() - wall)
def f(x):
    return share
'''


def test_a_classmates_many_processes_do_not_take_an_honest_kernels_cpu():
    """Kernels graded at once shared the machine by thread, not by kernel:
    a classmate running 180 threads pushed an honest cell past its
    wall-clock backstop (9 of 11 instead of 11).  Each kernel has a CPU
    share of its own: beside 20 busy processes per core of another kernel,
    one kernel's single busy thread gets many times the share of one of
    those processes (shared by thread, it would get about the same).
    Compared with each other, not with a whole core: other work on the
    machine takes from both (a CI run beside other grading measured 0.23
    of a core, where a quiet machine gives 0.9)."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        hog = pool.submit(run_in_thread, notebook(HOG), cell_timeout=200, submission_timeout=400,
                          factor=2)
        time.sleep(1)
        honest = pool.submit(run_in_thread, notebook(MEASURE), cell_timeout=60, submission_timeout=120)
        status, answers, _ = honest.result()
        hog_status, hog_answers, _ = hog.result()
    share = float(answers["part"][0].values[0])
    each = float(hog_answers["part"][0].values[0])
    print(f"the honest kernel's share of a core beside {min(20 * os.cpu_count(), 200)} busy "
          f"processes: {share:.2f}; each of those processes': {each:.3f}")
    assert status == "ok" and hog_status == "ok", (status, hog_status)
    assert share > 5 * each, (share, each)


#: A kernel whose thread lowered its own priority (SCHED_IDLE) and wakes
#: every half millisecond: it waits for a CPU most of the time on a busy
#: machine, using almost none.
IDLE_WAITER = """
import os, threading, time
def wait_at_the_lowest_priority():
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    while True:
        time.sleep(0.0005)
threading.Thread(target=wait_at_the_lowest_priority, daemon=True).start()
while True:
    time.sleep(0.5)
"""


class HeldCpu:
    """Processes burning CPU beside the kernels, in a cgroup of 8 times a
    kernel's CPU weight: work given priority over them, which leaves a busy
    kernel about a fifth of a core (its thread mostly waits to run).  The
    group is among the kernels' own (the grader's cgroup), so that the rest
    of the machine, and the tests running beside this one, are not held."""

    NAME = "test-priority-load"

    def __init__(self):
        import subprocess
        import sys

        from autograder.sandbox import CGROUP_NAME, CGROUP_ROOT, _cgroup_version, _cpu_shares_v1

        if _cgroup_version() == 2:
            parent, weight = CGROUP_ROOT / CGROUP_NAME, ("cpu.weight", str(8 * 100))
            if "cpu" not in (parent / "cgroup.subtree_control").read_text().split():
                pytest.skip("the cgroup v2 cpu controller is not enabled for the kernels")
        elif _cpu_shares_v1():
            parent, weight = _cpu_shares_v1() / CGROUP_NAME, ("cpu.shares", str(8 * 1024))
        else:
            pytest.skip("no cgroup cpu controller to give other work priority")
        self.group = parent / self.NAME
        self.group.mkdir(exist_ok=True)
        (self.group / weight[0]).write_text(weight[1])
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                          for _ in range(os.cpu_count())]
        for process in self.processes:
            (self.group / "cgroup.procs").write_text(str(process.pid))

    def close(self):
        for process in self.processes:
            process.kill()
            process.wait()
        for _ in range(50):
            try:
                self.group.rmdir()
                return
            except OSError:  # its processes are still leaving
                time.sleep(0.1)


def test_a_kernel_kept_waiting_by_other_work_stops_at_its_cpu_limit_not_its_backstop():
    """A CI machine busier than this one stopped a busy cell at its
    wall-clock backstop (4 times its CPU limit) before it had used its CPU
    limit: the kernel got less than a quarter of a core.  Time a kernel
    spends waiting for a CPU no longer counts towards a backstop: kept to
    about a fifth of a core, a busy loop still stops at its CPU limit (its
    cell ran longer than the backstop the sleeping loop stopped at), and a
    sleeping one, which waits for no CPU, at its backstop as before."""
    import concurrent.futures

    busy = notebook("while True:\n    pass\n", "def f(x):\n    return x\n")
    sleeping = notebook("import time\nwhile True:\n    time.sleep(0.5)\n",
                        "def f(x):\n    return x\n")
    # An attacker's: a thread that lowered its own priority waits for a
    # CPU most of the time while using almost none (it held a cell twice
    # its backstop when those waits counted).
    idle = notebook(IDLE_WAITER, "def f(x):\n    return x\n")
    assert run(notebook("def f(x):\n    return x\n"))[0] == "ok"  # the warm process is ready
    held = HeldCpu()
    try:
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            runs = [pool.submit(run_in_thread, nb, cell_timeout=3, submission_timeout=30)
                    for nb in (busy, sleeping, idle)]
            (busy_status, _, busy_seconds), (sleep_status, _, sleep_seconds), \
                (idle_status, _, idle_seconds) = [run.result() for run in runs]
    finally:
        held.close()
    print(f"busy loop: {busy_status!r} after {busy_seconds:.0f} s; "
          f"sleeping loop: {sleep_status!r} after {sleep_seconds:.0f} s; "
          f"waiting at the lowest priority: {idle_status!r} after {idle_seconds:.0f} s")
    assert idle_status == "timeout (wall clock): a cell ran 6 s (limit 6 s per cell)", idle_status
    assert busy_status == "timeout: a cell used its 3 s of CPU (the limit per cell)", busy_status
    assert sleep_status == "timeout (wall clock): a cell ran 6 s (limit 6 s per cell)", sleep_status
    # Both runs did the same besides their loop, under the same load.
    assert busy_seconds > sleep_seconds, "the kernel was not kept waiting: this measured nothing"
