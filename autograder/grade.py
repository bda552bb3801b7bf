"""``grade``: grade a folder of submissions of one assignment.

Intake (:mod:`autograder.intake`) reads each student's folder without
trusting it, nbgrader's ``autograde`` runs each accepted submission (the
course's preprocessors execute and judge it in the sandbox), and the results
are read back from the gradebook.  Several submissions are graded at once in
worker processes; the run is saved after every submission, so an
interrupted run resumes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from time import monotonic

from autograder.assignment import Assignment, draw_cases, write_run
from autograder.checks import GradingError
from autograder.cluster import ClusterLost
from autograder.cluster import lost as lost_cluster
from autograder.course import Course
from autograder.execute import solution_answers
from autograder.gradebook import describe as describe_registration
from autograder.gradebook import exclusive
from autograder.intake import describe, inspect, is_student_id, stage
from autograder.late import configure as configure_late
from autograder.late import late_duration
from autograder.results import Result, from_gradebook, write_csv
from autograder.sandbox import SandboxError, check
from autograder.settings import COURSE_ID
from autograder.text import printable
from autograder.utils import (
    ctrl_c_after,
    quiet_logs,
    quiet_nbgrader,
    require_success,
    save_json,
    trees_differ,
)

log = logging.getLogger(__name__)


def register_assignment(course, name: str) -> None:
    """Record assignment ``name`` (cells, points, checksums) in the course's
    gradebook, unless it is already recorded exactly so.

    The assignment is first generated into a throw-away folder and a
    throw-away gradebook; the shared gradebook is only written when it
    differs, under :func:`exclusive`.  Warns when the committed
    ``exercises/`` has drifted from the solution notebook.
    """
    with tempfile.TemporaryDirectory(prefix="dlcourse-release-") as tmp:
        tmp = Path(tmp)
        scratch = course.scratch(tmp)
        with quiet_nbgrader():
            require_success(scratch.api().generate_assignment(name, force=True), f"generate {name}")
        committed = course.root / "exercises" / name
        stale = trees_differ(tmp / "release" / name, committed)
        if stale and course.release / name == committed:
            log.warning(f"warning: exercises/{name} differs from its solution notebook "
                        f"({', '.join(stale)}); run `python -m autograder generate {name}`")
        wanted = describe_registration(scratch.db_url, name)
        if describe_registration(course.db_url, name) == wanted:
            return
        with exclusive(course.db_url):
            if describe_registration(course.db_url, name) == wanted:
                return  # another grader registered it meanwhile
            api = course.api()
            api.coursedir.release_directory = str(tmp / "registered")
            with quiet_nbgrader():
                require_success(api.generate_assignment(name, force=True),
                                f"register {name} in the gradebook")


def _gradebook_result(course: Course, assignment: Assignment, student: str) -> Result:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, COURSE_ID) as gb:
        return from_gradebook(gb.find_submission(assignment.name, student))


def _stage(course: Course, submission, assignment: Assignment, again: bool = False) -> None:
    """Stage a submission for nbgrader; without a receipt time, forget any
    time an earlier run recorded, so lateness is never judged on stale data,
    except when the student is graded again (``again``, `grade --student`):
    then the time the run recorded is kept, and the log says so."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.utils import parse_utc

    received = stage(submission, course.submitted, assignment)
    with quiet_nbgrader(), Gradebook(course.db_url, COURSE_ID) as gb:
        if received is not None:
            # Recorded now, as nbgrader would when it starts: a grading that
            # fails before that keeps it too (_record_not_graded).
            gb.update_or_create_student(submission.student)
            gb.update_or_create_submission(assignment.name, submission.student,
                                           timestamp=parse_utc(received))
            return
        try:
            recorded = gb.find_submission(assignment.name, submission.student)
        except MissingEntry:
            return
        if recorded.timestamp and again:
            late = recorded.total_seconds_late
            log.warning(f"{submission.student}: this notebook has no receipt (it was not "
                        f"collected), so the time of handing in the last grading recorded is "
                        f"kept: {recorded.timestamp:%Y-%m-%d %H:%M} UTC"
                        + (f", {late_duration(late)} late" if late > 0 else ", on time")
                        + "; to judge a new hand-in's time, collect it first")
        elif recorded.timestamp:
            gb.update_or_create_submission(assignment.name, submission.student, timestamp=None)


def _record_not_graded(course: Course, assignment: Assignment, student: str,
                       keep_time: bool = False) -> None:
    """Make the gradebook hold this run's verdict for a submission that
    could not be graded: a submission scoring 0 (every grade 0, no late
    penalty), in place of whatever an earlier run recorded, so that
    ``export``, ``report`` and nbgrader's own tools show 0, never a stale
    score.  (The status itself is in the run file and the CSV.)  With
    ``keep_time`` it keeps the time of handing in the gradebook holds (one
    staging recorded, :func:`_stage`, or a returning student's in a
    regrade), so that grading it again later judges its lateness; else, as
    for a submission refused before staging, it has none."""
    from nbgrader.api import Gradebook, MissingEntry

    if not is_student_id(student):  # never a gradebook key
        return
    with quiet_nbgrader(), Gradebook(course.db_url, COURSE_ID) as gb:
        gb.update_or_create_student(student)
        received = None
        try:
            received = gb.find_submission(assignment.name, student).timestamp if keep_time else None
            gb.remove_submission(assignment.name, student)
        except MissingEntry:
            pass
        submission = gb.add_submission(assignment.name, student, timestamp=received)
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = 0.0
            for grade in notebook.grades:
                grade.auto_score, grade.manual_score, grade.extra_credit = 0.0, None, None
        gb.db.commit()


def _read_status(course: Course, assignment: Assignment, student: str) -> str:
    statuses = []
    for notebook in assignment.notebooks:
        path = course.paths.check_report(assignment.name, student, notebook.stem)
        if path.is_file():
            statuses.append(json.loads(path.read_text())["status"])
    bad = [s for s in statuses if s != "ok"]
    return bad[0] if bad else "ok"


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


def _again(course: Course, name: str, run_file: Path, folders: list[Path],
           students: list[str], restart: bool) -> tuple[dict, list[Path], frozenset]:
    """The last run of ``name``, with ``students`` taken out of what it has
    done, their folders, for :func:`grade` to grade them again, and the keys
    of those of them the run had graded."""
    if restart:
        raise GradingError("--student grades students again within the last run; "
                           "--restart starts a new run for everyone: use one or the other")
    try:
        run = json.loads(run_file.read_text())
    except (OSError, ValueError):
        run = None
    if not run or not course.paths.cases_file(name).is_file():
        raise GradingError(f"{name} has no earlier run in {course.work} to grade students again "
                           "in: grade the whole class first")
    by_name = {folder.name: folder for folder in folders}
    missing = [student for student in students if student not in by_name]
    if missing:
        raise GradingError(f"no folder {', '.join(map(repr, missing))} in the submissions folder")
    chosen = [by_name[student] for student in dict.fromkeys(students)]
    returning = frozenset(_key(folder) for folder in chosen if _key(folder) in run["done"])
    for folder in chosen:
        run["done"].pop(_key(folder), None)
    return run, chosen, returning


def _record(run: dict, run_file: Path, row: Result) -> Result:
    """Save one finished submission in the run's progress file at once, so
    that an interrupted run resumes after it."""
    run["done"][row.student_id] = asdict(row)
    save_json(run_file, run)
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

    def __init__(self, total: int, *, done: int = 0, bar: bool | None = None):
        self.total, self.done = total, done
        self.graded = 0
        self.first: float | None = None  # when the first graded submission finished
        if bar is None:  # a bar only on a terminal, and only when progress is shown at all
            bar = sys.stderr.isatty() and log.isEnabledFor(logging.INFO)
        self.bar = None
        if bar:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit="submission", file=sys.stderr,
                            dynamic_ncols=True, smoothing=0.1)

    def eta(self) -> str:
        # From the first graded submission on: the time before it (the
        # solution's run, the warm process) is paid once, not per submission.
        if self.graded < 2 or self.first is None:
            return ""
        left = (monotonic() - self.first) / (self.graded - 1) * (self.total - self.done)
        return f", about {_duration(left)} left" if self.done < self.total else ""

    def step(self, row: Result, *, graded: bool = True) -> None:
        """Count a finished submission; ``graded=False`` for one turned away
        at intake, which took no time and says nothing about the time left."""
        self.done += 1
        self.graded += graded
        if graded and self.first is None:
            self.first = monotonic()
        line = printable(f"  [{self.done}/{self.total}] {row.student_id}: "
                         f"{row.score:g}/{row.max_score:g} {row.status} "
                         f"({row.seconds:.1f} s{self.eta()})")
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
            self.bar.update(1)
        else:
            log.info(line)

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


def _start_worker(config, parent: int, name: str, shared_zygote=None) -> None:
    """Set up one worker process (runs once, when it starts).
    ``shared_zygote``: the run's :class:`autograder.zygote.ZygoteService`'s
    handle, to fork kernels from."""
    import ctypes
    import signal

    # Die with the grader: a worker whose parent was killed must not go on
    # writing grades that a resumed run writes again.
    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)
    # Ctrl-C reaches the whole process group: the grader stops the workers
    # itself, once it has saved what finished.  (A handler, not SIG_IGN, so
    # that the kernels a worker starts still get the default.)
    signal.signal(signal.SIGINT, lambda *_: None)
    course = Course(config=config)
    # Kernels of different workers pick their IPC socket names independently:
    # give each worker its own folder so that they never pick the same one.
    sockets = course.paths.ipc / f"worker-{os.getpid()}"
    sockets.mkdir(parents=True, exist_ok=True)
    course.config.KernelManager.ip = str(sockets / "kernel")
    with quiet_logs("autograder.late"):
        configure_late(course, name)  # the run's late policy
    _WORKER["api"] = course.api()
    if course.sandbox and course.zygote and not course.cluster:
        from autograder.sandbox import SandboxLimits
        from autograder.zygote import use_shared, zygote_for

        limits = SandboxLimits(config=course.config)
        if shared_zygote is not None:
            use_shared(*shared_zygote, limits)
        else:
            # The worker's warm process imports the frameworks now, while
            # the grader registers the assignment and runs the solution.
            zygote_for(limits)


def _autograde(api, name: str, student: str) -> tuple[dict, float]:
    started = monotonic()
    lost_cluster()  # forget a loss noted before this submission
    with quiet_nbgrader():
        result = api.autograde(name, student, force=True, create=True)
    if (result.get("error") or "").rstrip().endswith("KeyboardInterrupt"):
        # nbgrader reports every exception as a failed result, Ctrl-C too:
        # stop, rather than record the submission as a grading error.
        raise KeyboardInterrupt
    why = lost_cluster()
    if why:  # the cluster's scheduler is gone: stop, rather than fail every submission
        raise ClusterLost(why)
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
    CPU cores, with warm kernels or cold.  A worker leaves its core idle
    while it waits for its kernel and while its kernel waits on it (and
    Keras's training loop hands each step between threads), so with one
    worker per core the cores are not kept busy; an extra worker fills the
    gaps.  40 submissions of perceptrons_xor on 2 cores, warm kernels, three
    runs each: 50.5, 53.6 and 49.0 s with 2 workers (1.47-1.55 cores busy),
    44.6, 42.7 and 47.1 s with 3 (1.72-1.73), for about the same CPU time;
    cold, 20 submissions took 107 s with 2 and 88 s with 3
    (docs/instructor-guide.md, `benchmarks/grading_speed.py`)."""
    return (os.cpu_count() or 1) + 1


def _end_pool(pool) -> None:
    """Stop a worker pool now, its running submissions with it."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


class Workers:
    """Where nbgrader's autograde runs: in ``jobs`` worker processes started
    at once, so that their start-up overlaps the grader's own (registering
    the assignment, running the solution).  A sandboxed run always uses
    worker processes, even one: each has a memory limit of its own
    (``autograder.sandbox.confine_worker``), so what a kernel sends can stop
    a worker, never the grader or the machine.  With one job and no sandbox
    here (``--no-sandbox``, or a cluster's workers run the notebooks), this
    process grades."""

    def __init__(self, course: Course, name: str, jobs: int):
        self.course, self.name, self.jobs, self.pool, self.zygote = course, name, jobs, None, None
        for old in course.paths.ipc.glob("worker-*"):  # left by earlier runs
            if not Path(f"/proc/{old.name.removeprefix('worker-')}").exists():
                shutil.rmtree(old, ignore_errors=True)
        if jobs > 1 or (course.sandbox and not course.cluster):
            if course.sandbox and course.zygote and not course.cluster:
                # One warm process for every worker (and for the solution's
                # kernel): it imports the frameworks now, while the grader
                # registers the assignment (or was kept from an earlier run).
                from autograder.sandbox import SandboxLimits
                from autograder.zygote import service_for

                self.zygote = service_for(SandboxLimits(config=course.config))
            self.pool = self._new_pool(jobs)

    def _new_pool(self, jobs: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # "spawn": a fresh interpreter per worker; forking a process that
        # runs kernels (threads, ZMQ sockets) is unsafe.
        pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.course.config, os.getpid(), self.name, self.zygote and self.zygote.handle))
        for _ in range(jobs):
            pool.submit(_warm_up)
        return pool

    def __enter__(self):
        return self

    def sharing(self):
        """A context in which this process's own sandboxed kernels (the
        solution's) are forked from the workers' shared warm process."""
        if self.zygote is None:
            return contextlib.nullcontext()
        from autograder.sandbox import SandboxLimits
        from autograder.zygote import shared_here

        return shared_here(self.zygote.handle, SandboxLimits(config=self.course.config))

    def __exit__(self, kind, error, trace):
        if self.pool is None:
            return
        if kind is not None:  # stopped or failed: do not wait for running submissions
            _end_pool(self.pool)
        self.pool.shutdown(wait=True, cancel_futures=True)

    def autograde(self, pending: list):
        """nbgrader's autograde for every staged submission in ``pending``;
        yields (submission, result, seconds) as each finishes."""
        pending = sorted(pending, key=_slow_first)
        if self.pool is None:
            api = self.course.api()
            for submission in pending:
                try:
                    outcome = _autograde(api, self.name, submission.student)
                except ClusterLost:
                    raise
                except Exception as error:  # noqa: BLE001 - one submission never stops a class
                    outcome = _failed(error)
                yield (submission, *outcome)
            return
        unfinished = yield from self._in_pool(pending)
        if unfinished:
            # A worker died (its memory limit, most likely), and with it every
            # submission the pool had not finished. Grade those again, each in
            # a worker of its own, as many at a time as before: one that
            # kills its worker alone is not graded, and says why; the others
            # are, and the class goes on at the same pace.
            log.warning(f"a grading worker process died; grading the {len(unfinished)} "
                        "unfinished submission(s) again, each in a new worker process")
            _end_pool(self.pool)
            yield from self._each_alone(unfinished, self.jobs)

    def _each_alone(self, submissions: list, jobs: int):
        """Grade each of ``submissions`` in a new worker process of its own,
        ``jobs`` at a time; yields as each finishes."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        waiting, running = list(submissions), {}
        try:
            while waiting or running:
                while waiting and len(running) < jobs:
                    submission, pool = waiting.pop(0), self._new_pool(1)
                    future = pool.submit(_autograde_in_worker, self.name, submission.student)
                    running[future] = (submission, pool)
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    submission, pool = running.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        outcome = ({"success": False, "log": "", "error": "",
                                    "reason": "its grading worker process died, most likely at "
                                              "its memory limit (what the kernel sent took more "
                                              "memory than a worker may use)"}, 0.0)
                    except ClusterLost:
                        raise
                    except Exception as error:  # noqa: BLE001 - one submission never stops a class
                        outcome = _failed(error)
                    _end_pool(pool)
                    yield (submission, *outcome)
        finally:
            for _, pool in running.values():
                _end_pool(pool)

    def _in_pool(self, submissions: list):
        """Grade ``submissions`` in the pool, yielding as each finishes;
        returns those left unfinished when a worker died (empty if none)."""
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        futures = {self.pool.submit(_autograde_in_worker, self.name, s.student): s
                   for s in submissions}
        unfinished = []
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool:
                unfinished.append(futures[future])
                continue
            except ClusterLost:
                raise
            except Exception as error:  # noqa: BLE001 - one submission never stops a class
                outcome = _failed(error)
            yield (futures[future], *outcome)
        return unfinished


def grade(name: str, submissions: Path, course: Course, *, csv_path: Path | None = None,
          seed: int | None = None, restart: bool = False,
          jobs: int | None = None, students: list[str] | None = None) -> list[Result]:
    """Grade every submission of assignment ``name`` in ``submissions``
    (laid out ``<student_id>/<name>/<notebook>.ipynb``).  The files are read,
    never changed: what is graded is a copy in the work folder.

    ``jobs`` submissions are graded at once, each in a worker process of its
    own (default: :func:`default_jobs`).  Progress is saved after every
    submission.  If a run is interrupted, the same command resumes it (same
    inputs, finished submissions not graded again); ``restart=True`` starts
    over.

    ``students``: grade again only these students' folders of
    ``submissions``, within the assignment's last run (on new inputs), in
    place of what that run recorded for them; everyone else's grades stay
    as they are.  Returns their results.
    """
    submissions = Path(submissions).resolve()
    if not submissions.is_dir():
        raise GradingError(f"no folder {submissions}")
    if course.submitted == submissions or submissions in course.submitted.parents:
        raise GradingError(f"{submissions} is the grader's own working folder; "
                           "grade the folder the submissions were collected in")
    assignment = course.assignment(name)
    if course.cluster:  # student code runs on the cluster's workers, which check their sandbox
        from autograder.cluster import slots

        available = slots(course.cluster, course.cluster_certificates,
                          trusted_loopback=course.cluster_trusted_loopback)
        if not available:
            raise GradingError(f"the cluster at {course.cluster} has no workers yet: start "
                               "`python -m autograder worker` on its machines")
        log.info(f"Grading on the cluster at {course.cluster}: {available} slot(s)")
        jobs = jobs or available
    elif course.sandbox:
        try:
            check()
        except SandboxError as error:
            raise GradingError(f"the sandbox cannot run here: {error}") from None
    else:
        log.warning("WARNING: grading WITHOUT the sandbox: student code runs with your rights "
                    "and can read the solutions, change the gradebook and reach the network.")
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise GradingError("--jobs must be at least 1")
    folders = sorted(p for p in submissions.iterdir()
                     if (p.is_dir() or p.is_symlink()) and not p.name.startswith("."))
    if not folders:
        raise GradingError(f"no student folders in {submissions}")

    course.open_gradebook()
    run_file = course.paths.run_file(name)
    returning = frozenset()
    if students:
        run, folders, returning = _again(course, name, run_file, folders, students, restart)
    else:
        run = _unfinished_run(run_file, submissions, seed) if not restart else None
    remaining = [f for f in folders if not (run and _key(f) in run["done"])]
    # A regrade draws inputs of its own, then puts the run's back, so that
    # the run's other students, or a resumed run, are graded on the run's.
    cases_file = course.paths.cases_file(name)
    runs_cases = cases_file.read_bytes() if students else None
    try:
        with Workers(course, name, min(jobs, len(remaining))) as workers:
            return _grade_run(course, assignment, submissions, folders, run, run_file, seed,
                              workers, csv_path, again=bool(students), returning=returning)
    finally:
        if runs_cases is not None:  # whole or not at all, as save_json writes
            staged = cases_file.with_suffix(".restore")
            staged.write_bytes(runs_cases)
            os.replace(staged, cases_file)


def _grade_run(course: Course, assignment: Assignment, submissions: Path,
               folders: list[Path], run: dict | None, run_file: Path, seed: int | None,
               workers: Workers, csv_path: Path | None, again: bool = False,
               returning: frozenset = frozenset()) -> list[Result]:
    """Grade ``folders`` in ``run`` (a new one if None); ``again``: they are
    some students of the last run graded again (see :func:`grade`; those it
    had graded are ``returning``, whose time of handing in is kept), and the
    run stays as it was, finished or not."""
    name = assignment.name
    configure_late(course, name)
    # nbgrader's gradebook must know the assignment's cells.
    register_assignment(course, name)

    cases_file = course.paths.cases_file(name)
    if run and cases_file.is_file() and not again:
        seed = run["seed"]
        log.info(f"Resuming the unfinished run of {name} (seed {seed}): "
                 f"{len(run['done'])} of {len(folders)} submission(s) already graded")
    else:
        seed = secrets.randbelow(2**32) if seed is None else seed
        if again:
            # Not the run's inputs: its feedback pages showed them (each
            # number a case passed), and a table of answers worked out from
            # those would score as right as the code.
            newcomers = len(folders) - len(returning)
            who = (f"{len(folders)} student(s) again" if not newcomers else
                   f"{len(folders)} student(s) ({len(returning)} again, {newcomers} "
                   "not in it before)")
            log.info(f"Grading {who} in the last run of {name}, on new "
                     f"inputs (seed {seed}); the run's other {len(run['done'])} keep their grades")
        else:
            run = {"submissions": str(submissions), "seed": seed, "finished": False, "done": {}}
            log.info(f"Grading {name}: {len(folders)} submission(s), inputs drawn with seed {seed}")
        cases = draw_cases(assignment, seed)
        started = monotonic()
        # The solution runs where the students' notebooks run: in the sandbox,
        # forked from the same warm process, unless the cluster grades them.
        with workers.sharing():
            expected = solution_answers(assignment, cases, course.config,
                                        sandbox=course.sandbox and not course.cluster)
        log.info(f"  solution notebook answered every part ({monotonic() - started:.1f} s)")
        write_run(cases_file, assignment, seed, cases, expected)
        if not again:  # a regrade's students stay in the run until their new rows are saved
            save_json(run_file, run)

    rows: dict[str, Result] = {_key(folder): Result.from_record(run["done"][_key(folder)])
                            for folder in folders if _key(folder) in run["done"]}
    progress = Progress(len(folders), done=len(rows))
    pending = []  # submissions that pass intake, staged for nbgrader
    for folder in folders:
        key = _key(folder)
        if key in rows:
            continue
        with ctrl_c_after():  # a submission is recorded whole or not at all
            submission = inspect(folder, assignment)  # never raises: problems become the status
            if not submission.problem:
                try:
                    _stage(course, submission, assignment, key in returning)
                except Exception as error:  # noqa: BLE001 - one submission never stops a class
                    submission.problem = f"could not be graded: {describe(error)}"
            if submission.problem:
                row = Result.not_graded(key, assignment.max_score, submission.status)
                _record_not_graded(course, assignment, submission.student,
                                   keep_time=key in returning)
                rows[key] = _record(run, run_file, row)
                progress.step(row, graded=False)
            else:
                pending.append(submission)

    try:
        for submission, result, seconds in workers.autograde(pending):
            with ctrl_c_after():  # a grade is saved whole or not at all
                student = submission.student
                row = None
                try:
                    log_file = course.paths.log(name, student)
                    log_file.parent.mkdir(parents=True, exist_ok=True)
                    log_file.write_text(
                        printable(result["log"] + result["error"], lines=True), encoding="utf-8")
                    if result.get("reason"):
                        row = Result.not_graded(student, assignment.max_score,
                                                f"could not be graded: {result['reason']}")
                    elif result["success"]:
                        row = _gradebook_result(course, assignment, student)
                        statuses = [_read_status(course, assignment, student)] + submission.notes \
                            + [row.status]
                        row.status = printable("; ".join(s for s in statuses if s != "ok") or "ok")
                    else:
                        row = Result.not_graded(student, assignment.max_score, "grading error")
                except Exception as error:  # noqa: BLE001 - one submission never stops a class
                    row = Result.not_graded(student, assignment.max_score,
                                            f"could not be graded: {describe(error)}")
                if not row.graded:  # not graded: the gradebook says 0 too, never an older score
                    _record_not_graded(course, assignment, student, keep_time=True)
                row.seconds = seconds
                rows[student] = _record(run, run_file, row)
                progress.step(row)
    except (KeyboardInterrupt, ClusterLost) as error:
        progress.close()
        why = f"{error}; " if isinstance(error, ClusterLost) else ""
        raise GradingError(
            f"stopped: {why}{len(run['done'])} of {len(folders)} submission(s) graded and saved; "
            "run the same command again to grade the rest") from None
    progress.close()

    rows = [rows[_key(folder)] for folder in folders]
    if not again:  # some students graded again: the run is as it was
        run["finished"] = True
    save_json(run_file, run)
    if csv_path:  # every student of the run, as after a run of the whole folder
        write_csv(Path(csv_path), [Result.from_record(record) for _, record in
                                   sorted(run["done"].items())] if again else rows, assignment)
    return rows


