"""``python -m autograder``: generate exercises, grade submissions, write feedback and
the class report, export grades.

Run ``python -m autograder --help`` (or ``COMMAND --help``) for the options;
the README has a worked example.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.checks import GradingError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Generate the student exercises from the solution notebooks, "
        "grade submissions against the solutions, and export grades.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = commands.add_parser(
        "generate", help="solutions/ -> exercises/ (refused if a solution misses marks)",
        description="Write the student version of each assignment into exercises/, "
        "after checking that its solution notebook earns full marks on its own checks.")
    gen.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                     help="assignments to generate (default: all)")
    gen.add_argument("--check", action="store_true",
                     help="write nothing; fail if exercises/ differs from what would be generated")

    grd = commands.add_parser(
        "grade", help="grade a folder of submissions",
        description="Grade every DIR/<student_id>/ASSIGNMENT/<notebook>.ipynb against the "
        "solution notebook, on inputs drawn for this run.")
    grd.add_argument("assignment", metavar="ASSIGNMENT")
    grd.add_argument("--submissions", required=True, type=Path, metavar="DIR",
                     help="folder laid out like nbgrader's submitted/: DIR/<student_id>/ASSIGNMENT/")
    grd.add_argument("--csv", type=Path, metavar="FILE",
                     help="also write one row per student: student_id,score,max_score,status,<parts>")
    grd.add_argument("--seed", type=int,
                     help="seed for the drawn inputs (default: a fresh random seed, printed)")
    grd.add_argument("--work", type=Path, metavar="DIR",
                     help="grading work folder: gradebook, autograded copies, reports "
                     "(default: grading/ in the course folder)")
    grd.add_argument("--no-sandbox", action="store_true",
                     help="run student code WITHOUT the sandbox (only for code you trust)")
    grd.add_argument("--restart", action="store_true",
                     help="start over instead of resuming an interrupted run of the same folder")
    grd.add_argument("--cell-timeout", type=int, metavar="SECONDS",
                     help="time limit per cell (default 300)")
    grd.add_argument("--timeout", type=int, metavar="SECONDS",
                     help="time limit per submission, probes included (default 900)")

    commands.add_parser("sandbox-check", help="can this machine run the grading sandbox?",
                        description="Start a Python in the grading sandbox and report.")

    exp = commands.add_parser("export", help="all grades in the gradebook as CSV",
                              description="Write every assignment's grades (nbgrader's CSV export).")
    exp.add_argument("--to", type=Path, default=Path("grades.csv"), metavar="FILE",
                     help="output file (default grades.csv)")
    exp.add_argument("--work", type=Path, metavar="DIR",
                     help="grading work folder holding the gradebook (default: grading/)")

    fbk = commands.add_parser(
        "feedback", help="one HTML feedback page per student",
        description="Write one HTML page per student for ASSIGNMENT's last grading run, into "
        "<work>/feedback/<student>/ASSIGNMENT/: each part's points and the checks in words, "
        "never the hidden inputs, the solution's answers or checks.py.")
    fbk.add_argument("assignment", metavar="ASSIGNMENT")
    fbk.add_argument("--work", type=Path, metavar="DIR",
                     help="grading work folder (default: grading/)")

    rep = commands.add_parser(
        "report", help="the class report: one HTML file with figures and tables",
        description="Write one self-contained HTML file: per assignment the score distribution, "
        "each part's mean score, the checks most often failed, late and flagged submissions; "
        "the grades CSV is written beside it.")
    rep.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                     help="assignments to report on (default: every graded one)")
    rep.add_argument("--to", type=Path, metavar="FILE",
                     help="output file (default: <work>/report/index.html)")
    rep.add_argument("--work", type=Path, metavar="DIR",
                     help="grading work folder (default: grading/)")

    args = parser.parse_args(argv)
    from autograder import grading  # heavy imports only once the arguments are valid

    try:
        if args.command == "generate":
            stale = grading.generate(args.assignments or None, check=args.check)
            return 1 if stale else 0
        if args.command == "grade":
            course = grading.Course(work=args.work, cell_timeout=args.cell_timeout,
                                    submission_timeout=args.timeout,
                                    sandbox=not args.no_sandbox)
            rows = grading.grade(args.assignment, args.submissions, csv_path=args.csv,
                                 seed=args.seed, course=course, restart=args.restart)
            assignment = course.assignment(args.assignment)
            print(grading.format_table(rows, assignment))
            if args.csv:
                print(f"\nWrote {args.csv}", file=sys.stderr)
            return 0
        if args.command == "sandbox-check":
            from autograder.sandbox import SandboxError, check

            try:
                check()
            except SandboxError as error:
                print(f"The sandbox cannot run here: {error}", file=sys.stderr)
                return 1
            print("The sandbox works on this machine.")
            return 0
        if args.command == "feedback":
            from autograder.config import FEEDBACK_MATHJAX_DIR
            from autograder.feedback import generate_feedback

            course = grading.Course(work=args.work)
            pages = generate_feedback(args.assignment, course,
                                      log=lambda *a: print(*a, file=sys.stderr))
            graded = sum(p.graded for p in pages)
            folder = Path(course.config.CourseDirectory.feedback_directory)
            print(f"Wrote {len(pages)} feedback page(s) under {folder} ({graded} graded, "
                  f"{len(pages) - graded} not graded, with a note why); they load MathJax "
                  f"from {folder / FEEDBACK_MATHJAX_DIR}: hand it out beside them")
            return 0
        if args.command == "report":
            from autograder.report import write_report

            course = grading.Course(work=args.work)
            report = write_report(args.assignments or None, course, to=args.to)
            print(f"Wrote {report.path}: {report.summary}")
            return 0
        if args.command == "export":
            path = grading.export(args.to, work=args.work)
            print(f"Wrote {path}", file=sys.stderr)
            return 0
    except GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0  # pragma: no cover - argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
