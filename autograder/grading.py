"""The instructor's commands: generate exercises, grade submissions, export.

Each command drives nbgrader through its Python API with the course's
configuration (:mod:`autograder.config`); the command line in
:mod:`autograder.__main__` only parses arguments and prints.
"""

from __future__ import annotations

import contextlib
import csv
import filecmp
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from time import monotonic

import nbformat

from autograder.assignment import (
    Assignment,
    consistency_problems,
    draw_cases,
    list_assignments,
    load_assignment,
    write_run,
)
from autograder.checks import GradingError
from autograder.intake import STUDENT_ID, describe, inspect, printable, stage
from autograder.late import configure as configure_late, late_status
from autograder.config import COURSE_ID, ROOT, course_config
from autograder.gradebook import exclusive, open_gradebook, register_assignment

#: Columns every grades CSV starts with; one column per part follows.
CSV_COLUMNS = ["student_id", "score", "max_score", "status"]


@dataclass
class Row:
    """One student's result for one assignment."""

    student_id: str
    score: float
    max_score: float
    status: str
    parts: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


class Course:
    """The course folder and the nbgrader settings for one command."""

    def __init__(self, root: Path = ROOT, *, work: Path | None = None, release: Path | None = None,
                 cell_timeout: int | None = None, submission_timeout: int | None = None,
                 sandbox: bool = True, db_url: str | None = None,
                 wall_clock_factor: float | None = None):
        self.root = Path(root).resolve()
        # What a grading worker process needs to set up the same course.
        self.settings = dict(root=str(self.root), work=work and str(work),
                             release=release and str(release), cell_timeout=cell_timeout,
                             submission_timeout=submission_timeout, sandbox=sandbox,
                             db_url=db_url, wall_clock_factor=wall_clock_factor)
        self.config = course_config(self.root, work=work, release=release, db_url=db_url)
        if cell_timeout:
            self.config.Execute.timeout = cell_timeout
        if submission_timeout:
            self.config.JudgedExecute.submission_timeout = submission_timeout
        if wall_clock_factor:
            self.config.JudgedExecute.wall_clock_factor = wall_clock_factor
        self.sandbox = sandbox
        self.config.JudgedExecute.sandbox = sandbox
        cd = self.config.CourseDirectory
        self.source = Path(cd.source_directory)
        self.release = Path(cd.release_directory)
        self.submitted = Path(cd.submitted_directory)
        self.db_url = cd.db_url
        self.work = Path(self.config.JudgedExecute.report_directory).parent
        self.work.mkdir(parents=True, exist_ok=True)
        open_gradebook(self.db_url)  # a clear error now if it cannot be reached

    def api(self):
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        # The API looks for a shared exchange folder at start-up; grading
        # does not use one, so its complaint is noise here.
        logging.getLogger("NbGraderAPI").setLevel(logging.CRITICAL)
        coursedir = CourseDirectory(config=self.config)
        return NbGraderAPI(coursedir=coursedir, config=self.config)

    def assignment(self, name: str) -> Assignment:
        assignment = load_assignment(self.source, name)
        problems = consistency_problems(assignment)
        if problems:
            raise GradingError(f"{name}: checks.py and the solution notebook disagree:\n  "
                               + "\n  ".join(problems))
        return assignment


@contextlib.contextmanager
def quiet_nbgrader():
    """Silence warnings nbgrader causes and a course cannot fix: SQLAlchemy's
    about nbgrader's session handling, and nbformat's about the cells nbgrader
    puts back without an id."""
    from nbformat.warnings import MissingIDFieldWarning
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=SAWarning)
        warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
        yield


def _run(result: dict, what: str) -> None:
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "").strip().splitlines()
        raise GradingError(f"nbgrader could not {what}: " + (detail[-1] if detail else "unknown error"))


def trees_differ(a: Path, b: Path, keep=lambda relative: True) -> list[str]:
    """Paths (relative) of the files that differ between two folders, by
    content; ``keep(relative_path)`` chooses which files to compare."""
    def files(root: Path) -> set[Path]:
        if not root.exists():
            return set()
        return {p.relative_to(root) for p in root.rglob("*")
                if p.is_file() and keep(p.relative_to(root))}

    names_a, names_b = files(a), files(b)
    differ = sorted(str(n) for n in names_a ^ names_b)
    differ += sorted(str(n) for n in names_a & names_b
                     if not filecmp.cmp(a / n, b / n, shallow=False))
    return differ


# -- generate ---------------------------------------------------------------


def generate(names: list[str] | None = None, *, check: bool = False, root: Path = ROOT,
             log=print) -> list[str]:
    """Generate the student notebooks of ``names`` (default: every
    assignment) into ``exercises/``.

    Each solution notebook is first graded as a submission, against itself,
    on freshly drawn inputs; an assignment whose solution does not earn full
    marks is refused and ``exercises/`` is left as it was.  With
    ``check=True`` nothing is written: the return value lists the
    assignments whose committed ``exercises/`` differ from what generation
    produces now.
    """
    course = Course(root)
    names = names or list_assignments(course.source)
    stale = []
    for name in names:
        assignment = course.assignment(name)  # refuses when checks.py and the notebook disagree
        with tempfile.TemporaryDirectory(prefix="dlcourse-generate-") as tmp:
            tmp = Path(tmp)
            scratch = Course(root, release=tmp / "release", work=tmp / "work",
                             db_url=f"sqlite:///{tmp / 'gradebook.db'}")
            with quiet_nbgrader():
                _run(scratch.api().generate_assignment(name, force=True), f"generate {name}")
            differ = trees_differ(tmp / "release" / name, course.release / name)
            if check:
                if differ:
                    stale.append(name)
                    log(f"{name}: exercises/{name} differs from its solution: {', '.join(differ)}")
                else:
                    log(f"{name}: exercises/{name} is up to date")
                continue
            log(f"{name}: grading the solution notebook against itself ...")
            own = tmp / "incoming" / "solution" / name
            own.mkdir(parents=True)
            for notebook in assignment.notebooks:
                shutil.copy(notebook, own / notebook.name)
            rows = grade(name, tmp / "incoming", course=scratch, log=lambda *a, **k: None)
            row = rows[0]
            if row.status != "ok" or row.score < row.max_score:
                raise GradingError(
                    f"{name}: the solution scores {row.score:g} of {row.max_score:g} "
                    f"({row.status}) on its own checks; exercises/{name} left unchanged")
        with exclusive(course.db_url), quiet_nbgrader():
            _run(course.api().generate_assignment(name, force=True), f"generate {name}")
        log(f"{name}: solution scores full marks; wrote exercises/{name}")
    return stale


# -- grade --------------------------------------------------------------------


def _gradebook_row(course: Course, assignment: Assignment, student: str) -> Row:
    """The student's grade: the parts' points, less any late penalty (the
    status then says how late, e.g. ``late 2 h: -10% (-1.5 points)``)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, COURSE_ID) as gb:
        submission = gb.find_submission(assignment.name, student)
        parts = {grade.name: float(grade.score)
                 for notebook in submission.notebooks for grade in notebook.grades}
        raw = float(submission.score)
        penalty = float(submission.late_submission_penalty or 0.0)
        late = late_status(submission.total_seconds_late, raw, penalty)
        return Row(student, max(0.0, raw - penalty), float(submission.max_score),
                   late or "ok", parts)


def _stage(course: Course, submission, assignment: Assignment) -> None:
    """Stage a submission for nbgrader; without a receipt time, forget any
    time an earlier run recorded, so lateness is never judged on stale data."""
    from nbgrader.api import Gradebook, MissingEntry

    if stage(submission, course.submitted, assignment) is None:
        with quiet_nbgrader(), Gradebook(course.db_url, COURSE_ID) as gb:
            try:
                if gb.find_submission(assignment.name, submission.student).timestamp:
                    gb.update_or_create_submission(assignment.name, submission.student,
                                                   timestamp=None)
            except MissingEntry:
                pass


def _record_not_graded(course: Course, assignment: Assignment, student: str) -> None:
    """Make the gradebook hold this run's verdict for a submission that
    could not be graded: a submission scoring 0 (every grade 0, no time, no
    late penalty), in place of whatever an earlier run recorded, so that
    ``export``, ``report`` and nbgrader's own tools show 0, never a stale
    score.  (The status itself is in the run file and the CSV.)"""
    from nbgrader.api import Gradebook, MissingEntry

    if not STUDENT_ID.match(student):  # never a gradebook key
        return
    with quiet_nbgrader(), Gradebook(course.db_url, COURSE_ID) as gb:
        gb.update_or_create_student(student)
        try:
            gb.remove_submission(assignment.name, student)
        except MissingEntry:
            pass
        submission = gb.add_submission(assignment.name, student)
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = 0.0
            for grade in notebook.grades:
                grade.auto_score, grade.manual_score, grade.extra_credit = 0.0, None, None
        gb.db.commit()


def _read_status(course: Course, assignment: Assignment, student: str) -> str:
    statuses = []
    for notebook in assignment.notebooks:
        path = course.work / "reports" / assignment.name / student / f"{notebook.stem}.json"
        if path.is_file():
            statuses.append(json.loads(path.read_text())["status"])
    bad = [s for s in statuses if s != "ok"]
    return bad[0] if bad else "ok"


def _save_json(path: Path, data: dict) -> None:
    """Write ``data`` so that a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def _unfinished_run(path: Path, submissions: Path, seed: int | None) -> dict | None:
    """The interrupted run of the same folder, if the last run did not finish."""
    try:
        run = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if run.get("finished") or run.get("submissions") != str(submissions):
        return None
    if seed is not None and seed != run.get("seed"):
        return None
    return run


def _record(run: dict, run_file: Path, row: Row) -> Row:
    """Save one finished submission in the run's progress file at once, so
    that an interrupted run resumes after it."""
    run["done"][row.student_id] = asdict(row)
    _save_json(run_file, run)
    return row


def _key(folder: Path) -> str:
    """A student folder's name as the run file, the CSV and the screen show
    it (a valid student id is unchanged)."""
    return printable(folder.name)


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


class Progress:
    """Counts, a line per finished submission, and the time left.

    On a terminal a progress bar (tqdm) stays at the bottom; elsewhere (a log
    file, CI) each line carries the count and the estimate instead.
    """

    def __init__(self, total: int, *, done: int = 0, log=print, bar: bool | None = None):
        self.total, self.done, self.log = total, done, log
        self.started, self.graded = monotonic(), 0
        if bar is None:
            bar = log is print and sys.stderr.isatty()
        self.bar = None
        if bar:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit="submission", file=sys.stderr,
                            dynamic_ncols=True, smoothing=0.1)

    def eta(self) -> str:
        if not self.graded:
            return ""
        left = (monotonic() - self.started) / self.graded * (self.total - self.done)
        return f", about {_duration(left)} left" if self.done < self.total else ""

    def step(self, row: Row, *, graded: bool = True) -> None:
        """Count a finished submission; ``graded=False`` for one turned away
        at intake, which took no time and says nothing about the time left."""
        self.done += 1
        self.graded += graded
        line = printable(f"  [{self.done}/{self.total}] {row.student_id}: "
                         f"{row.score:g}/{row.max_score:g} {row.status} "
                         f"({row.seconds:.1f} s{self.eta()})")
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
            self.bar.update(1)
        else:
            self.log(line, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# -- parallel autograding ------------------------------------------------------------
#
# Each worker is a separate process with its own nbgrader API (nbgrader keeps
# state in its application objects, and kernels are driven by asyncio), so
# several submissions run at once.  They share the gradebook, the staged
# copies and the reports folder; every path they write is the student's own.

_WORKER: dict = {}


def _start_worker(settings: dict, name: str) -> None:
    """Set up one worker process (runs once, when it starts)."""
    import ctypes
    import signal

    # Die with the grader: a worker whose parent was killed must not go on
    # writing grades that a resumed run writes again.
    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != settings.pop("parent"):
        os._exit(1)
    # Ctrl-C reaches the whole process group: the grader stops the workers
    # itself, once it has saved what finished.  (A handler, not SIG_IGN, so
    # that the kernels a worker starts still get the default.)
    signal.signal(signal.SIGINT, lambda *_: None)
    course = Course(**settings)
    # Kernels of different workers pick their IPC socket names independently:
    # give each worker its own folder so that they never pick the same one.
    sockets = course.work / "ipc" / f"worker-{os.getpid()}"
    sockets.mkdir(parents=True, exist_ok=True)
    course.config.KernelManager.ip = str(sockets / "kernel")
    configure_late(course, name, log=lambda *a, **k: None)  # the run's late policy
    _WORKER["api"] = course.api()


def _autograde(api, name: str, student: str) -> tuple[dict, float]:
    started = monotonic()
    with quiet_nbgrader():
        result = api.autograde(name, student, force=True, create=True)
    if (result.get("error") or "").rstrip().endswith("KeyboardInterrupt"):
        # nbgrader reports every exception as a failed result, Ctrl-C too:
        # stop, rather than record the submission as a grading error.
        raise KeyboardInterrupt
    return ({"success": bool(result.get("success")), "log": result.get("log") or "",
             "error": result.get("error") or ""}, monotonic() - started)


def _autograde_in_worker(name: str, student: str) -> tuple[dict, float]:
    return _autograde(_WORKER["api"], name, student)


def _failed(error: BaseException) -> tuple[dict, float]:
    """autograde's result for a submission whose grading raised ``error``."""
    import traceback

    return ({"success": False, "log": "", "error": "".join(traceback.format_exception(error)),
             "reason": describe(error)}, 0.0)


def _warm_up() -> None:
    """A no-op task: submitting one per worker starts every worker at once."""


def _slow_first(submission) -> int:
    """Sort key: notebooks that use TensorFlow first, since their kernels pay
    its long import; a run then ends with short submissions, not a long one."""
    text = b" ".join(submission.data.values())
    return 0 if (b"tensorflow" in text or b"keras" in text) else 1


def default_jobs() -> int:
    """Submissions graded at once unless told otherwise: one more than the
    CPU cores.  A kernel is not always busy (Keras's training loop hands each
    step between threads and waits; kernels start and stop), so with one
    worker per core a core stands idle about a third of the time while
    TensorFlow notebooks run; the extra worker fills those gaps (README,
    `benchmarks/grading_speed.py`)."""
    return (os.cpu_count() or 1) + 1


class Workers:
    """Where nbgrader's autograde runs: in this process, or in ``jobs``
    worker processes started at once, so that their start-up overlaps the
    grader's own (registering the assignment, running the solution)."""

    def __init__(self, course: Course, name: str, jobs: int):
        self.course, self.name, self.pool = course, name, None
        for old in (course.work / "ipc").glob("worker-*"):  # left by earlier runs
            if not Path(f"/proc/{old.name.removeprefix('worker-')}").exists():
                shutil.rmtree(old, ignore_errors=True)
        if jobs > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            settings = dict(course.settings, parent=os.getpid())
            # "spawn": a fresh interpreter per worker; forking a process that
            # runs kernels (threads, ZMQ sockets) is unsafe.
            self.pool = ProcessPoolExecutor(
                max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(settings, name))
            for _ in range(jobs):
                self.pool.submit(_warm_up)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if self.pool is None:
            return
        if kind is not None:  # stopped or failed: do not wait for running submissions
            for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def autograde(self, pending: list):
        """nbgrader's autograde for every staged submission in ``pending``;
        yields (submission, result, seconds) as each finishes."""
        pending = sorted(pending, key=_slow_first)
        if self.pool is None or len(pending) < 2:
            api = self.course.api()
            for submission in pending:
                try:
                    outcome = _autograde(api, self.name, submission.student)
                except Exception as error:  # noqa: BLE001 - one submission never stops a class
                    outcome = _failed(error)
                yield (submission, *outcome)
            return
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        futures = {self.pool.submit(_autograde_in_worker, self.name, s.student): s
                   for s in pending}
        try:
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    raise
                except Exception as error:  # noqa: BLE001 - one submission never stops a class
                    outcome = _failed(error)
                yield (futures[future], *outcome)
        except BrokenProcessPool:
            raise GradingError("a grading worker process died; what finished is saved, "
                               "run the same command again to grade the rest") from None


def grade(name: str, submissions: Path, *, csv_path: Path | None = None, seed: int | None = None,
          course: Course | None = None, root: Path = ROOT, cell_timeout: int | None = None,
          submission_timeout: int | None = None, restart: bool = False,
          jobs: int | None = None, log=print) -> list[Row]:
    """Grade every submission of assignment ``name`` in ``submissions``
    (laid out ``<student_id>/<name>/<notebook>.ipynb``).  The files are read,
    never changed: what is graded is a copy in the work folder.

    ``jobs`` submissions are graded at once, each in a worker process of its
    own (default: :func:`default_jobs`).  Progress is saved after every
    submission.  If a run is interrupted, the same command resumes it (same
    inputs, finished submissions not graded again); ``restart=True`` starts
    over.
    """
    submissions = Path(submissions).resolve()
    if not submissions.is_dir():
        raise GradingError(f"no folder {submissions}")
    course = course or Course(root, cell_timeout=cell_timeout,
                              submission_timeout=submission_timeout)
    if course.submitted == submissions or submissions in course.submitted.parents:
        raise GradingError(f"{submissions} is the grader's own working folder; "
                           "grade the folder the submissions were collected in")
    assignment = course.assignment(name)
    if course.sandbox:
        from autograder.sandbox import SandboxError, check

        try:
            check()
        except SandboxError as error:
            raise GradingError(f"the sandbox cannot run here: {error}") from None
    else:
        log("WARNING: grading WITHOUT the sandbox: student code runs with your rights and "
            "can read the solutions, change the gradebook and reach the network.",
            file=sys.stderr)
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise GradingError("--jobs must be at least 1")
    folders = sorted(p for p in submissions.iterdir()
                     if (p.is_dir() or p.is_symlink()) and not p.name.startswith("."))
    if not folders:
        raise GradingError(f"no student folders in {submissions}")

    run_file = course.work / "runs" / f"{name}.json"
    run = _unfinished_run(run_file, submissions, seed) if not restart else None
    remaining = [f for f in folders if not (run and _key(f) in run["done"])]
    with Workers(course, name, min(jobs, len(remaining))) as workers:
        return _grade_run(course, assignment, submissions, folders, run, run_file, seed,
                          workers, csv_path, log)


def _grade_run(course: Course, assignment: Assignment, submissions: Path, folders: list[Path],
               run: dict | None, run_file: Path, seed: int | None, workers: Workers,
               csv_path: Path | None, log) -> list[Row]:
    name = assignment.name
    configure_late(course, name, log=lambda *a, **k: log(*a, **k, file=sys.stderr))
    # nbgrader's gradebook must know the assignment's cells.
    register_assignment(course, name, log)

    cases_file = course.work / "cases" / f"{name}.json"
    if run and cases_file.is_file():
        seed = run["seed"]
        log(f"Resuming the unfinished run of {name} (seed {seed}): "
            f"{len(run['done'])} of {len(folders)} submission(s) already graded", file=sys.stderr)
    else:
        seed = secrets.randbelow(2**32) if seed is None else seed
        run = {"submissions": str(submissions), "seed": seed, "finished": False, "done": {}}
        log(f"Grading {name}: {len(folders)} submission(s), inputs drawn with seed {seed}",
            file=sys.stderr)
        cases = draw_cases(assignment, seed)
        from autograder.execute import solution_answers

        started = monotonic()
        expected = solution_answers(assignment, cases, course.config)
        log(f"  solution notebook answered every part ({monotonic() - started:.1f} s)",
            file=sys.stderr)
        write_run(cases_file, assignment, seed, cases, expected)
        _save_json(run_file, run)

    rows: dict[str, Row] = {_key(folder): Row(**run["done"][_key(folder)])
                            for folder in folders if _key(folder) in run["done"]}
    progress = Progress(len(folders), done=len(rows), log=log)
    pending = []  # submissions that pass intake, staged for nbgrader
    for folder in folders:
        key = _key(folder)
        if key in rows:
            continue
        submission = inspect(folder, assignment)  # never raises: problems become the status
        if not submission.problem:
            try:
                _stage(course, submission, assignment)
            except Exception as error:  # noqa: BLE001 - one submission never stops a class
                submission.problem = f"could not be graded: {describe(error)}"
        if submission.problem:
            row = Row(key, 0.0, assignment.max_score, submission.status)
            _record_not_graded(course, assignment, submission.student)
            rows[key] = _record(run, run_file, row)
            progress.step(row, graded=False)
        else:
            pending.append(submission)

    try:
        for submission, result, seconds in workers.autograde(pending):
            student = submission.student
            row = None
            try:
                logs = course.work / "logs" / name
                logs.mkdir(parents=True, exist_ok=True)
                (logs / f"{student}.log").write_text(
                    printable(result["log"] + result["error"], lines=True), encoding="utf-8")
                if result.get("reason"):
                    row = Row(student, 0.0, assignment.max_score,
                              f"could not be graded: {result['reason']}")
                elif result["success"]:
                    row = _gradebook_row(course, assignment, student)
                    statuses = [_read_status(course, assignment, student)] + submission.notes \
                        + [row.status]
                    row.status = printable("; ".join(s for s in statuses if s != "ok") or "ok")
                else:
                    row = Row(student, 0.0, assignment.max_score, "grading error")
            except Exception as error:  # noqa: BLE001 - one submission never stops a class
                row = Row(student, 0.0, assignment.max_score,
                          f"could not be graded: {describe(error)}")
            if not row.parts:  # not graded: the gradebook says 0 too, never an older score
                _record_not_graded(course, assignment, student)
            row.seconds = seconds
            rows[student] = _record(run, run_file, row)
            progress.step(row)
    except KeyboardInterrupt:
        progress.close()
        raise GradingError(
            f"stopped: {len(run['done'])} of {len(folders)} submission(s) graded and saved; "
            "run the same command again to grade the rest") from None
    progress.close()

    rows = [rows[_key(folder)] for folder in folders]
    run["finished"] = True
    _save_json(run_file, run)
    if csv_path:
        write_csv(Path(csv_path), rows, assignment)
    return rows


def _csv_text(text: str) -> str:
    """A text cell of the grades CSV: printable, and never read as a formula
    by a spreadsheet (a leading ``= + - @`` gets a ``'``)."""
    text = printable(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_csv(path: Path, rows: list[Row], assignment: Assignment) -> None:
    part_ids = [p.grade_id for p in assignment.parts]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS + part_ids)
        for row in rows:
            writer.writerow([_csv_text(row.student_id), f"{row.score:g}", f"{row.max_score:g}",
                             _csv_text(row.status)]
                            + [f"{row.parts.get(pid, 0.0):g}" for pid in part_ids])


def format_table(rows: list[Row], assignment: Assignment) -> str:
    part_ids = [p.grade_id for p in assignment.parts]
    header = ["student"] + part_ids + ["total", "status"]
    body = [[printable(r.student_id)] + [f"{r.parts.get(pid, 0.0):g}" for pid in part_ids]
            + [f"{r.score:g}/{r.max_score:g}", printable(r.status)] for r in rows]
    points = ["(points)"] + [f"{p.points:g}" for p in assignment.parts] + [f"{assignment.max_score:g}", ""]
    table = [header, points] + body
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
                     for line in table)


# -- export -----------------------------------------------------------------------


def export(to: Path, root: Path = ROOT, work: Path | None = None,
           db_url: str | None = None) -> Path:
    """Every assignment's grades, one row per student and assignment, as
    CSV (nbgrader's own exporter)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    course = Course(root, work=work, db_url=db_url)
    plugin = CsvExportPlugin(config=course.config)
    plugin.to = str(to)
    with Gradebook(course.db_url, COURSE_ID) as gb:
        plugin.export(gb)
    return Path(to)
