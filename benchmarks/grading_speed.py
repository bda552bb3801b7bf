"""Benchmark: a class of submissions graded by plain nbgrader and by `grade`.

Run with `.venv/bin/python benchmarks/grading_speed.py [--students 40]
[--jobs N] [--assignment NAME]` (as root, after `make sandbox`), on a quiet
machine.

It makes a class of generated submissions from the course's fixture
notebooks (solutions, plausible mistakes, blank notebooks, some in Keras and
some in PyTorch), then grades the same class three times, with the sandbox
on and the same drawn inputs each time:

1. plain nbgrader: `nbgrader autograde ASSIGNMENT` in one process, one
   submission after another, with the course's configuration (the same
   judging step) and cold kernels, after the assignment was registered and
   the solution's answers computed, which that command cannot do itself and
   which are therefore not timed;
2. `python -m autograder grade --cold-kernels`: the whole command,
   registration and the solution's answers included, each kernel started
   cold;
3. `python -m autograder grade`: the same, each kernel forked from the warm
   zygote (autograder/zygote.py).

It checks that every student gets the same score all three ways, and prints
the wall-clock times and their ratios, the CPU time each way used (the
whole machine, which should be otherwise idle: CPU time / wall time is how
many cores a way kept busy on average), the CPU seconds one submission's
kernel used (its sandbox's count, from the JSON reports), cold and warm, and
the CPU per submission each way against the student's own code and the probe
(what a warm kernel used after it had started).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from time import monotonic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.assignment import draw_cases, write_run  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.execute import solution_answers  # noqa: E402
from autograder.settings import COURSE_ID  # noqa: E402
from autograder.utils import quiet_nbgrader  # noqa: E402

#: Fixtures a class is made of, in proportions a class might show: most
#: notebooks work, some have one mistake, a few are blank.
SKIP = {"invalid_notebook", "missing_notebook"}
SEED = 2026
CELL_TIMEOUT = 60


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since it started (all
    cores; /proc/stat).  Kernels run in the sandbox's own namespaces, where
    the usual per-process accounting does not reach them; on an otherwise
    quiet machine the machine's own count is the run's."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def timed(command, **kwargs) -> tuple[float, float]:
    """Run ``command``; return (wall seconds, CPU seconds the machine was busy)."""
    busy_before, started = busy_seconds(), monotonic()
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    return monotonic() - started, busy_seconds() - busy_before


def make_class(name: str, students: int, into: Path) -> list[str]:
    fixtures = sorted(p.name for p in (ROOT / "tests" / "submissions" / name).iterdir()
                      if p.is_dir() and p.name not in SKIP and not p.name.startswith("tamper"))
    ids = []
    for number, fixture in zip(range(1, students + 1), itertools.cycle(fixtures)):
        student = f"student{number:02d}"
        shutil.copytree(ROOT / "tests" / "submissions" / name / fixture / name,
                        into / student / name)
        ids.append(student)
    return ids


def gradebook_scores(work: Path, name: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with quiet_nbgrader(), Gradebook(f"sqlite:///{work / 'gradebook.db'}", COURSE_ID) as gb:
        return {s.student_id: float(s.score) for s in gb.assignment_submissions(name)}


def plain_nbgrader(name: str, submissions: Path, work: Path) -> tuple[float, float]:
    """Time `nbgrader autograde` over the class, after its prerequisites."""
    work.mkdir(parents=True)
    course = Course(ROOT, work=work, cell_timeout=CELL_TIMEOUT)
    assignment = course.assignment(name)
    api = course.api()
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-release-") as release:
        api.coursedir.release_directory = release
        with quiet_nbgrader():
            result = api.generate_assignment(name, force=True)
        if not result["success"]:
            raise SystemExit(f"registering {name} failed: {result.get('error')}\n{result.get('log')}")
    cases = draw_cases(assignment, SEED)
    expected = solution_answers(assignment, cases, course.config)
    write_run(work / "cases" / f"{name}.json", assignment, SEED, cases, expected)
    shutil.copytree(submissions, work / "submitted")
    # nbgrader reads nbgrader_config.py from its working folder and from the
    # course root: one that points the course's configuration at this work
    # folder, with every path absolute and this folder as the root.
    config_dir = work / "config"
    config_dir.mkdir()
    (config_dir / "nbgrader_config.py").write_text(
        "from pathlib import Path\n"
        "from autograder.config import course_config\n"
        "c = get_config()\n"
        f"c.merge(course_config(Path({str(ROOT)!r}), work=Path({str(work)!r})))\n"
        f"c.CourseDirectory.root = {str(config_dir)!r}\n"
        f"c.Execute.timeout = {CELL_TIMEOUT}\n"
        "c.JudgedExecute.zygote = False\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return timed([str(Path(sys.executable).parent / "nbgrader"), "autograde", name],
                 cwd=config_dir, env=env)


def ours(name: str, submissions: Path, work: Path, jobs: int | None,
         cold: bool = False) -> tuple[float, float]:
    command = [sys.executable, "-m", "autograder", "grade", name, "--submissions",
               str(submissions), "--work", str(work), "--seed", str(SEED),
               "--cell-timeout", str(CELL_TIMEOUT)]
    if jobs:
        command += ["--jobs", str(jobs)]
    if cold:
        command.append("--cold-kernels")
    return timed(command, cwd=ROOT)


def kernel_cpu(work: Path, field: str = "cpu_seconds") -> list[float]:
    """CPU seconds each submission's kernel used (``field``: of which, to
    start), from the JSON reports."""
    return [json.loads(p.read_text())[field]
            for p in sorted((work / "reports").glob("*/*/*.json"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="perceptrons_xor")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, help="workers for `grade` (default: its own)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as tmp:
        tmp = Path(tmp)
        submissions = tmp / "class"
        ids = make_class(args.assignment, args.students, submissions)
        print(f"{len(ids)} submissions of {args.assignment}, on {os.cpu_count()} cores, "
              "sandbox on", flush=True)
        baseline, baseline_cpu = plain_nbgrader(args.assignment, submissions, tmp / "nbgrader")
        baseline_busy = baseline_cpu / baseline  # cores nbgrader kept busy on average
        print(f"plain nbgrader autograde (sequential): {baseline:7.1f} s wall, "
              f"{baseline_cpu:7.1f} s CPU ({baseline_busy:.2f} cores busy)", flush=True)
        runs = {"cold": tmp / "cold", "warm": tmp / "warm"}
        took = {}
        for way, work in runs.items():
            took[way] = ours(args.assignment, submissions, work, args.jobs, cold=way == "cold")
            wall, cpu = took[way]
            label = "python -m autograder grade" + (" --cold-kernels:" if way == "cold" else ":")
            print(f"{label:39s}{wall:7.1f} s wall, {cpu:7.1f} s CPU "
                  f"({cpu / wall:.2f} cores busy)", flush=True)
        theirs = gradebook_scores(tmp / "nbgrader", args.assignment)
        for way, work in runs.items():
            mine = gradebook_scores(work, args.assignment)
            differ = sorted(s for s in ids if theirs.get(s) != mine.get(s))
            if differ or len(mine) != len(ids):
                print(f"scores differ ({way} kernels) for {differ or 'missing students'}")
                return 1
        print(f"scores agree for all {len(ids)} students, all three ways")
        for way, work in runs.items():
            used = kernel_cpu(work)
            print(f"CPU per submission's kernel, {way}: median {statistics.median(used):.2f} s, "
                  f"min {min(used):.2f} s, max {max(used):.2f} s")
        # What a submission costs beyond its own work: the run's CPU (the
        # whole machine's, the run's fixed costs included) per submission,
        # against what its kernel used after it had started (the student's
        # cells, then the probe).
        own = statistics.mean(c - s for c, s in zip(kernel_cpu(runs["warm"]),
                                                     kernel_cpu(runs["warm"], "start_cpu_seconds")))
        print(f"CPU per submission: plain nbgrader {baseline_cpu / len(ids):.2f} s, "
              f"cold {took['cold'][1] / len(ids):.2f} s, warm {took['warm'][1] / len(ids):.2f} s; "
              f"the student's own code and the probe {own:.2f} s (mean, warm kernels), so "
              f"{took['warm'][1] / len(ids) - own:.2f} s more per warm submission")
        for way in runs:
            print(f"speed-up over plain nbgrader, {way} kernels: {baseline / took[way][0]:.2f}x")
        print(f"(at most {os.cpu_count() / baseline_busy:.2f}x from parallelism alone: nbgrader's "
              f"own run already kept {baseline_busy:.2f} of {os.cpu_count()} cores busy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
