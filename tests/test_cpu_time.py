"""A student's grade does not depend on how busy the grading machine is.

Time limits count the CPU time of the submission's own kernel (its cgroup's
count), not the wall clock: the same submissions are graded on a quiet
machine and again with two processes burning CPU beside the grader the whole
time, and every score and status must be the same.  Among them: a Keras and
a PyTorch submission that finish well within their limits, one that runs a
busy loop (stopped at the per-cell CPU limit) and one that sleeps in a loop
(stopped at the wall-clock backstop), each followed by the solution, so that
each scores full marks once its loop is stopped.
"""

import json
import subprocess
import sys
import time

import nbformat
import psutil
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "submissions"))
import build as fixtures  # noqa: E402

pytestmark = pytest.mark.grading

NAME = "perceptrons_xor"
FIXTURES = ROOT / "tests" / "submissions" / NAME
#: Limits per group of submissions (CPU seconds per cell, per submission,
#: and the wall-clock backstop's factor). The framework submissions get
#: room to spare: the Keras submission's kernel uses about 2.5 s of CPU on a
#: quiet machine of this kind (30 epochs of 40 examples; with 300 epochs of
#: 400 it used 8-9 s here and 56 s on a slower machine: Keras pays a fixed
#: cost per epoch), and a limit near that would test the speed of the
#: machine and the run-to-run noise of CPU time, not its load; so
#: every framework submission must use under half its per-cell limit in all
#: (test_the_framework_submissions_stay_far_from_their_limit). The loops get
#: short limits, so that they stop soon: every cell of the PyTorch solution
#: after them uses well under 6 s of CPU, however busy the machine.
LIMITS = {
    "frameworks": (150, 400, 5),
    "loops": (6, 60, 4),
}
GROUP = {"keras": "frameworks", "pytorch": "frameworks",
         "busy_loop": "loops", "sleeping_loop": "loops"}
CELL_CPU, _, WALL_CLOCK_FACTOR = LIMITS["loops"]
#: What each submission must get, quiet or loaded.
EXPECTED = {
    "keras": (15, "ok"),
    "pytorch": (15, "ok"),
    "busy_loop": (15, f"timeout: a cell used its {CELL_CPU} s of CPU (the limit per cell)"),
    "sleeping_loop": (15, f"timeout (wall clock): a cell ran {CELL_CPU * WALL_CLOCK_FACTOR} s "
                          f"(limit {CELL_CPU * WALL_CLOCK_FACTOR} s per cell)"),
}


def submissions(folder):
    solved = nbformat.read(FIXTURES / "solution" / NAME / f"{NAME}.ipynb", as_version=4)
    notebooks = {
        "keras": nbformat.read(FIXTURES / "full_marks_keras" / NAME / f"{NAME}.ipynb",
                               as_version=4),
        "pytorch": solved,
        "busy_loop": fixtures.insert_after_setup(solved, "while True:\n    pass\n"),
        "sleeping_loop": fixtures.insert_after_setup(
            solved, "import time\nwhile True:\n    time.sleep(1)\n"),
    }
    for student, nb in notebooks.items():
        (folder / GROUP[student] / student / NAME).mkdir(parents=True)
        nbformat.write(nb, folder / GROUP[student] / student / NAME / f"{NAME}.ipynb")
    return folder


def grade_once(work, folder):
    """Grade each group with its limits; the rows and reports of all four."""
    from autograder.course import Course
    from autograder.grade import grade

    started = time.monotonic()
    rows, reports = {}, {}
    for group, (cell, submission, factor) in LIMITS.items():
        course = Course(ROOT, work=work / group, cell_timeout=cell,
                        submission_timeout=submission, wall_clock_factor=factor)
        for row in grade(NAME, folder / group, course=course, seed=11, jobs=4):
            rows[row.student_id] = row
            reports[row.student_id] = json.loads(
                (work / group / "reports" / NAME / row.student_id / f"{NAME}.json").read_text())
    return rows, reports, time.monotonic() - started


def cpu_busy_total() -> tuple[float, float]:
    """The whole machine's (busy, total) CPU seconds so far."""
    times = psutil.cpu_times()
    total = sum(times)
    return total - times.idle - times.iowait, total


class Burners:
    """Processes that burn CPU beside the grader until closed."""

    def __init__(self, count=2):
        self.start = cpu_busy_total()
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                          for _ in range(count)]

    def busy_share(self) -> float:
        """How busy the whole machine has been since the burners started (0 to 1)."""
        busy, total = cpu_busy_total()
        return (busy - self.start[0]) / (total - self.start[1])

    def cpu_seconds(self) -> list[float]:
        """The CPU time each burner has used so far."""
        return [sum(psutil.Process(p.pid).cpu_times()[:2]) for p in self.processes]

    def close(self):
        for process in self.processes:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    folder = submissions(tmp_path_factory.mktemp("cpu-submissions"))
    quiet = grade_once(tmp_path_factory.mktemp("quiet"), folder)
    burners = Burners()
    try:
        loaded = grade_once(tmp_path_factory.mktemp("loaded"), folder)
        alive = all(p.poll() is None for p in burners.processes)
        burned = burners.cpu_seconds()
        busy = burners.busy_share()
    finally:
        burners.close()
    assert alive, "a CPU burner stopped before the loaded run ended"
    return quiet, loaded + (burned, busy)


def show(label, run):
    rows, reports, seconds = run
    print(f"\n{label}: {seconds:.0f} s")
    for sid, row in sorted(rows.items()):
        print(f"  {sid}: {row.score:g}/{row.max_score:g} {row.status!r} "
              f"({row.seconds:.1f} s, {reports[sid]['cpu_seconds']:.1f} s of CPU)")


def test_each_submission_gets_its_score_and_status(both):
    quiet, loaded = both
    show("quiet", quiet)
    show("loaded", loaded[:3])
    for label, (rows, *_) in (("quiet", quiet), ("loaded", loaded)):
        got = {sid: (row.score, row.status) for sid, row in rows.items()}
        assert got == EXPECTED, label


def test_a_busy_machine_changes_no_score_or_status(both):
    (quiet, *_), (loaded, *_) = both
    assert {sid: (r.score, r.status, r.parts) for sid, r in quiet.items()} == \
        {sid: (r.score, r.status, r.parts) for sid, r in loaded.items()}


def test_the_burners_kept_the_machine_busy(both):
    # Two busy processes the whole time: every core of the machine was busy
    # while the kernels ran (with the burners' share, or with more work
    # than theirs if something else ran too), and the burners got CPU.
    _, (_, _, seconds, burned, busy) = both
    print(f"burners: {', '.join(f'{b:.0f}' for b in burned)} s of CPU in {seconds:.0f} s; "
          f"the machine was {busy:.0%} busy")
    assert busy > 0.9
    assert all(b > 0.05 * seconds for b in burned), burned


def test_the_framework_submissions_stay_far_from_their_limit(both):
    cell_limit = LIMITS["frameworks"][0]
    for rows, reports, *_ in both:
        used = {sid: reports[sid]["cpu_seconds"] for sid in rows if GROUP[sid] == "frameworks"}
        # The whole submission's CPU time bounds each of its cells'.
        assert all(seconds < cell_limit / 2 for seconds in used.values()), used


def test_the_report_records_the_cpu_time_used(both):
    for rows, reports, *_ in both:
        busy = reports["busy_loop"]["cpu_seconds"]
        sleeping = reports["sleeping_loop"]["cpu_seconds"]
        assert CELL_CPU <= busy < CELL_CPU + 60
        # Sleeping for its whole backstop used little CPU.
        assert sleeping < busy
        assert rows["sleeping_loop"].seconds >= CELL_CPU * WALL_CLOCK_FACTOR
