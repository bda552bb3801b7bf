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


def add_db_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db-url", metavar="URL",
        help="the gradebook's database, e.g. postgresql://USER:PASSWORD@HOST/DATABASE to share "
        "it between graders (default: $DLCOURSE_DB_URL, else gradebook.db in the work folder)")


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
    add_db_url(grd)
    grd.add_argument("--no-sandbox", action="store_true",
                     help="run student code WITHOUT the sandbox (only for code you trust)")
    grd.add_argument("--jobs", "-j", type=int, metavar="N",
                     help="grade N submissions at once (default: CPU cores + 1)")
    grd.add_argument("--restart", action="store_true",
                     help="start over instead of resuming an interrupted run of the same folder")
    grd.add_argument("--cell-timeout", type=int, metavar="SECONDS",
                     help="CPU seconds per cell (default 300; wall-clock backstop 4x)")
    grd.add_argument("--timeout", type=int, metavar="SECONDS",
                     help="CPU seconds per submission, probes included "
                     "(default 900; wall-clock backstop 4x)")
    grd.add_argument("--due", metavar="TIME",
                     help="due date with its time zone, e.g. 2026-12-01T23:59+09:00 "
                     "(kept for later runs; 'none' removes it)")
    grd.add_argument("--late-penalty", metavar="PENALTY",
                     help="none, zero, or N%%/day: N%% of the score per day or part of a day "
                     "late (kept for later runs; default none)")
    grd.add_argument("--late-max", metavar="PERCENT",
                     help="largest per-day penalty, e.g. 50%% (default 100%%)")

    col = commands.add_parser(
        "collect", help="collect submissions from nbgrader's exchange or LMS zip files",
        description="Copy every submission of ASSIGNMENT into DIR/<student_id>/ASSIGNMENT/ "
        "(what `grade --submissions DIR` reads) with the time it was received; a newer "
        "submission replaces an older one there, and every one is kept in DIR/.history/.")
    col.add_argument("assignment", metavar="ASSIGNMENT")
    col.add_argument("--to", required=True, type=Path, metavar="DIR",
                     help="the folder to collect into (created if missing)")
    source = col.add_mutually_exclusive_group(required=True)
    source.add_argument("--exchange", nargs="?", const="", metavar="ROOT",
                        help="nbgrader's exchange folder (default: the course's, "
                        "/usr/local/share/nbgrader/exchange)")
    source.add_argument("--zip", nargs="+", type=Path, metavar="FILE",
                        help="zip files downloaded from an LMS")
    col.add_argument("--pattern", metavar="REGEX",
                     help="file-name pattern of the zip entries, with the named groups "
                     "student_id, file_id and, optionally, timestamp (see the README)")
    col.add_argument("--timezone", metavar="ZONE",
                     help="time zone of LMS times that carry none, e.g. Asia/Seoul (default UTC)")
    col.add_argument("--no-check-owner", action="store_true",
                     help="accept exchange folders owned by another user than the student "
                     "they name (JupyterHubs where every student has the same user id)")

    val = commands.add_parser(
        "validate", help="check a notebook before submitting it (for students)",
        description="Run a notebook and say in plain words whether it is ready to submit: "
        "readable, the right assignment, every part answered, self-checks passing.")
    val.add_argument("file", type=Path, metavar="FILE")
    val.add_argument("--assignment", metavar="NAME",
                     help="the assignment it belongs to (default: found from the notebook)")

    commands.add_parser("sandbox-check", help="can this machine run the grading sandbox?",
                        description="Start a Python in the grading sandbox and report.")

    exp = commands.add_parser("export", help="all grades in the gradebook as CSV",
                              description="Write every assignment's grades (nbgrader's CSV export).")
    exp.add_argument("--to", type=Path, default=Path("grades.csv"), metavar="FILE",
                     help="output file (default grades.csv)")
    exp.add_argument("--work", type=Path, metavar="DIR",
                     help="grading work folder holding the gradebook (default: grading/)")
    add_db_url(exp)

    fbk = commands.add_parser(
        "feedback", help="one HTML feedback page per student",
        description="Write one HTML page per student for ASSIGNMENT's last grading run, into "
        "<work>/feedback/<student>/ASSIGNMENT/: each part's points and the checks in words, "
        "never the hidden inputs, the solution's answers or checks.py.")
    fbk.add_argument("assignment", metavar="ASSIGNMENT")
    fbk.add_argument("--work", type=Path, metavar="DIR",
                     help="grading work folder (default: grading/)")
    add_db_url(fbk)

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
    add_db_url(rep)

    args = parser.parse_args(argv)
    if args.command == "validate":
        from autograder.validate import main as validate

        return validate(args.file, args.assignment)
    from sqlalchemy.exc import SQLAlchemyError

    from autograder import grading  # heavy imports only once the arguments are valid

    try:
        if args.command == "generate":
            stale = grading.generate(args.assignments or None, check=args.check)
            return 1 if stale else 0
        if args.command == "grade":
            course = grading.Course(work=args.work, cell_timeout=args.cell_timeout,
                                    submission_timeout=args.timeout,
                                    sandbox=not args.no_sandbox, db_url=args.db_url)
            if args.due is not None or args.late_penalty is not None or args.late_max is not None:
                from autograder import late

                late.set_policy(course, args.assignment, due=args.due,
                                penalty=args.late_penalty, penalty_max=args.late_max)
            rows = grading.grade(args.assignment, args.submissions, csv_path=args.csv,
                                 seed=args.seed, course=course, restart=args.restart,
                                 jobs=args.jobs)
            assignment = course.assignment(args.assignment)
            print(grading.format_table(rows, assignment))
            if args.csv:
                print(f"\nWrote {args.csv}", file=sys.stderr)
            return 0
        if args.command == "collect":
            from autograder import collect

            course = grading.Course()
            course.assignment(args.assignment)  # a clear error for an unknown name
            if args.zip:
                events = collect.collect_zips(args.assignment, args.zip, args.to, course.config,
                                              pattern=args.pattern, timezone=args.timezone)
            else:
                events = collect.collect_exchange(
                    args.assignment, args.to, course.config, root=args.exchange or None,
                    check_owner=False if args.no_check_owner else None)
            print(collect.report(events, args.to, args.assignment))
            return 0
        if args.command == "sandbox-check":
            from autograder.sandbox import SandboxError, check, cpu_accounting

            try:
                check()
            except SandboxError as error:
                print(f"The sandbox cannot run here: {error}", file=sys.stderr)
                return 1
            print(f"The sandbox works on this machine (CPU time counted by {cpu_accounting()}).")
            return 0
        if args.command == "feedback":
            from autograder.config import FEEDBACK_MATHJAX_DIR
            from autograder.feedback import generate_feedback

            course = grading.Course(work=args.work, db_url=args.db_url)
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

            course = grading.Course(work=args.work, db_url=args.db_url)
            report = write_report(args.assignments or None, course, to=args.to)
            print(f"Wrote {report.path}: {report.summary}")
            return 0
        if args.command == "export":
            path = grading.export(args.to, work=args.work, db_url=args.db_url)
            print(f"Wrote {path}", file=sys.stderr)
            return 0
    except GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:  # the gradebook failed after it was reached
        reason = str(getattr(error, "orig", None) or error).strip().splitlines() or [""]
        print(f"error: the gradebook failed: {type(error).__name__}: {reason[0]}", file=sys.stderr)
        return 2
    return 0  # pragma: no cover - argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
