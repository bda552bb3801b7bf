"""``python -m autograder``: generate exercises, grade submissions, write feedback and
the class report, export grades.

Run ``python -m autograder --help`` (or ``COMMAND --help``) for the options;
docs/instructor-guide.md has a worked example.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

# Start-up time: jsonschema, which nbformat imports, compiles a grammar for
# the optional "iri" string format when the rfc3987_syntax package is
# installed (about 0.7 s).  Notebook schemas never use that format, so the
# command line does without it.  (Set here, where the program starts, not on
# any import of the package; grading workers, which multiprocessing starts
# without this module, pay it once each.)
sys.modules.setdefault("rfc3987_syntax", None)

from autograder.checks import GradingError  # noqa: E402
from autograder.settings import FEEDBACK_MATHJAX_DIR, ROOT  # noqa: E402

# Each command's module (and nbgrader, nbconvert, SQLAlchemy with it: about
# a second) is imported once the arguments are parsed, by the function that
# runs that command, so that --help, a mistyped option and `validate` do not
# wait for the others.


def add_db_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db-url", metavar="URL",
        help="the gradebook's database, e.g. postgresql://USER:PASSWORD@HOST/DATABASE to share "
        "it between graders (default: $DLCOURSE_DB_URL, else gradebook.db in the work folder)")


def add_cluster(parser: argparse.ArgumentParser, help_text: str | None) -> None:
    """The options that reach a grading cluster (``help_text`` for --cluster,
    None where the address is the command's argument)."""
    if help_text:
        parser.add_argument("--cluster", metavar="ADDRESS|FILE", help=help_text)
    parser.add_argument("--certificates", type=Path, metavar="DIR",
                        help="the course's cluster certificates "
                        "(made by `python -m autograder certificates DIR`)")
    parser.add_argument("--trusted-loopback", action="store_true",
                        help="accept a plain-TCP scheduler on this machine's loopback "
                        "(tests only: anyone who reaches a plain-TCP scheduler can run code "
                        "as root on the workers)")


def build_parser() -> argparse.ArgumentParser:
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
    grd.add_argument("--cold-kernels", action="store_true",
                     help="start each student's kernel cold (import the frameworks again) instead "
                     "of forking it from a warm process; slower, the same grades")
    grd.add_argument("--jobs", "-j", type=int, metavar="N",
                     help="grade N submissions at once (default: one more than the CPU "
                     "cores)")
    add_cluster(grd, "run every notebook on the workers of the Dask cluster whose scheduler is "
                "at ADDRESS (tls://HOST:PORT) or named in a scheduler FILE; the gradebook, the "
                "solutions and the judging stay here (default: grade on this machine)")
    grd.add_argument("--restart", action="store_true",
                     help="start over instead of resuming an interrupted run of the same folder")
    grd.add_argument("--student", action="append", metavar="ID", dest="students",
                     help="grade only this student's folder again (repeat for more), in the last "
                     "run, on new inputs, in place of its grade there; the others' grades stay")
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
                     "student_id, file_id and, optionally, timestamp (see docs/instructor-guide.md)")
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
    val.add_argument("--exercises", type=Path, metavar="DIR",
                     help="the folder of the released exercise notebooks (default: the course's, "
                     "or the exercises/ folder the notebook is in)")

    wrk = commands.add_parser(
        "worker", help="lend this machine's sandbox to a grading cluster",
        description="Join the Dask cluster whose scheduler is at ADDRESS with N grading slots "
        "(one sandboxed kernel each) and run the notebooks `grade --cluster` sends, until "
        "Ctrl-C. Needs root and the sandbox (make sandbox), not the solutions or the gradebook.")
    wrk.add_argument("address", metavar="ADDRESS",
                     help="the scheduler: tls://HOST:PORT, or a scheduler file")
    wrk.add_argument("--slots", type=int, default=None, metavar="N",
                     help="notebooks run at once (default: the CPU cores)")
    wrk.add_argument("--work", type=Path, default=Path("/var/tmp/dlcourse-worker"), metavar="DIR",
                     help="the worker's own folder (default /var/tmp/dlcourse-worker)")
    wrk.add_argument("--cold-kernels", action="store_true",
                     help="start each kernel cold instead of forking it from a warm process")
    add_cluster(wrk, None)

    crt = commands.add_parser(
        "certificates", help="make the course's certificates for a grading cluster",
        description="Write a private certificate authority and the one certificate it signs "
        "into DIR: the scheduler, every worker and the grader present it, and accept only "
        "it. Copy DIR to each machine of the cluster (it holds a private key: keep it like a "
        "password).")
    crt.add_argument("folder", type=Path, metavar="DIR")
    crt.add_argument("--host", action="append", default=[], metavar="NAME",
                     help="a host name or address of the cluster's machines to name in the "
                     "certificate (repeatable; localhost is always named)")

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
    for command in commands.choices.values():
        amount = command.add_mutually_exclusive_group()
        amount.add_argument("-v", "--verbose", action="store_true",
                            help="also say each step's details")
        amount.add_argument("-q", "--quiet", action="store_true",
                            help="say only warnings and errors")
    return parser


def show_logs(args) -> None:
    """What the grader says goes to stderr as plain lines: every step at the
    default level, details with --verbose, warnings only with --quiet."""
    logger = logging.getLogger("autograder")
    for handler in [h for h in logger.handlers if getattr(h, "course_cli", False)]:
        logger.removeHandler(handler)  # main() run again in one process
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.course_cli = True
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG if getattr(args, "verbose", False)
                    else logging.WARNING if getattr(args, "quiet", False) else logging.INFO)


def course_from(args, settings: Path = ROOT / "nbgrader_config.py"):
    """The course the command works on.  Its traits come from the ``Course``
    section of ``nbgrader_config.py`` (the settings plain ``nbgrader``
    commands read too), then from the command-line options, which win."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.course import Course

    config = Config()
    if settings.is_file():
        loaded = PyFileConfigLoader(settings.name, path=str(settings.parent)).load_config()
        config.Course.merge(loaded.Course)
    options = {"work": "work_directory", "db_url": "database_url", "cell_timeout": "cell_timeout",
               "timeout": "submission_timeout"}
    for option, trait in options.items():
        if getattr(args, option, None) is not None:
            config.Course[trait] = str(getattr(args, option)) if option == "work" \
                else getattr(args, option)
    if getattr(args, "no_sandbox", False):
        config.Course.sandbox = False
    if getattr(args, "cold_kernels", False):
        config.Course.zygote = False
    if getattr(args, "cluster", None):
        config.Course.cluster = args.cluster
        if getattr(args, "certificates", None):
            config.Course.cluster_certificates = str(args.certificates.resolve())
        config.Course.cluster_trusted_loopback = bool(args.trusted_loopback)
    return Course(config=config)


def run_generate(args, course) -> int:
    from autograder.generate import generate

    return 1 if generate(course, args.assignments or None, check=args.check) else 0


def run_grade(args, course) -> int:
    from autograder.grade import grade
    from autograder.late import set_policy
    from autograder.results import format_table

    if args.due is not None or args.late_penalty is not None or args.late_max is not None:
        set_policy(course, args.assignment, due=args.due, penalty=args.late_penalty,
                   penalty_max=args.late_max)
    results = grade(args.assignment, args.submissions, course, csv_path=args.csv,
                    seed=args.seed, restart=args.restart, jobs=args.jobs,
                    students=args.students)
    print(format_table(results, course.assignment(args.assignment)))
    if args.csv:
        print(f"\nWrote {args.csv}", file=sys.stderr)
    return 0


def run_collect(args, course) -> int:
    from autograder import collect

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


def run_sandbox_check(args, course) -> int:
    from autograder import sandbox

    try:
        sandbox.check()
    except sandbox.SandboxError as error:
        print(f"The sandbox cannot run here: {error}", file=sys.stderr)
        return 1
    print(f"The sandbox works on this machine (CPU time counted by {sandbox.cpu_accounting()}).")
    return 0


def run_worker(args, course) -> int:
    import os

    from autograder.cluster import serve

    serve(args.address, args.slots or os.cpu_count() or 1,
          str(args.certificates.resolve()) if args.certificates else "", work=args.work,
          trusted_loopback=args.trusted_loopback, cold=args.cold_kernels)
    return 0


def run_certificates(args, course) -> int:
    from autograder.cluster import make_certificates

    paths = make_certificates(args.folder, args.host)
    print(f"Wrote {', '.join(str(p) for p in paths)}; copy {args.folder} to every machine of "
          "the cluster and pass it as --certificates (and to `dask scheduler` as --tls-ca-file, "
          "--tls-cert and --tls-key: see docs/deployment.md)")
    return 0


def run_feedback(args, course) -> int:
    from autograder.feedback import generate_feedback

    course.open_gradebook()
    pages = generate_feedback(args.assignment, course)
    graded = sum(p.graded for p in pages)
    folder = Path(course.config.CourseDirectory.feedback_directory)
    print(f"Wrote {len(pages)} feedback page(s) under {folder} ({graded} graded, "
          f"{len(pages) - graded} not graded, with a note why); they load MathJax "
          f"from {folder / FEEDBACK_MATHJAX_DIR}: hand it out beside them")
    return 0


def run_report(args, course) -> int:
    from autograder.report import write_report

    course.open_gradebook()
    report = write_report(args.assignments or None, course, to=args.to)
    print(f"Wrote {report.path}: {report.summary}")
    return 0


def run_export(args, course) -> int:
    from autograder.export import export

    path = export(course, args.to)
    print(f"Wrote {path}", file=sys.stderr)
    return 0


COMMANDS = {"generate": run_generate, "grade": run_grade, "collect": run_collect,
            "sandbox-check": run_sandbox_check, "worker": run_worker,
            "certificates": run_certificates, "feedback": run_feedback,
            "report": run_report, "export": run_export}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    show_logs(args)
    if args.command == "validate":
        from autograder.validate import main as validate

        return validate(args.file, args.assignment, args.exercises)
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return COMMANDS[args.command](args, course_from(args))
    except GradingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:  # the gradebook failed after it was reached
        reason = str(getattr(error, "orig", None) or error).strip().splitlines() or [""]
        print(f"error: the gradebook failed: {type(error).__name__}: {reason[0]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
