"""Benchmark: what the grading sandbox costs per submission.

Run with `.venv/bin/python benchmarks/sandbox_cost.py` (as root, after
`make sandbox`). Grades the same perceptrons_xor fixture submissions twice,
with and without the sandbox, each time in a throw-away work folder, and
prints each submission's grading time both ways, the totals and their ratio.
The scores must agree; the script stops if they do not.
"""

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.course import Course  # noqa: E402
from autograder.grade import grade  # noqa: E402

NAME = "perceptrons_xor"
FIXTURES = ["blank", "solution", "wrong_step_at_zero", "full_marks_keras"]


def run(submissions: Path, sandbox: bool):
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as work:
        course = Course(ROOT, work=Path(work), sandbox=sandbox)
        rows = grade(NAME, submissions, course=course, seed=1)
    return {row.student_id: row for row in rows}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-subs-") as tmp:
        submissions = Path(tmp)
        for fixture in FIXTURES:
            shutil.copytree(ROOT / "tests" / "submissions" / NAME / fixture, submissions / fixture)
        plain = run(submissions, sandbox=False)
        boxed = run(submissions, sandbox=True)
    print(f"{'submission':<22}{'no sandbox':>12}{'sandbox':>10}{'score':>8}")
    for sid in FIXTURES:
        if plain[sid].score != boxed[sid].score:
            print(f"scores differ for {sid}: {plain[sid].score} vs {boxed[sid].score}")
            return 1
        print(f"{sid:<22}{plain[sid].seconds:>11.1f}s{boxed[sid].seconds:>9.1f}s"
              f"{boxed[sid].score:>8g}")
    total_plain = sum(r.seconds for r in plain.values())
    total_boxed = sum(r.seconds for r in boxed.values())
    print(f"{'total':<22}{total_plain:>11.1f}s{total_boxed:>9.1f}s")
    print(f"sandbox / no sandbox: {total_boxed / total_plain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
