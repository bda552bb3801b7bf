"""nbgrader's Execute step, extended to judge submissions from outside.

:class:`JudgedExecute` replaces ``Execute`` in nbgrader's autograde pipeline
(see :mod:`autograder.config`).  It runs the notebook as nbgrader would, with a
per-cell and a per-submission time limit, both counted in CPU seconds of the
submission's own kernel (see :class:`TimeLimits`), so that a busy grading
machine changes no grade.  Then, while the kernel is still
alive, it asks the kernel to evaluate each part's function, variables or
model on the inputs drawn for this grading run, reads back plain numbers, and
scores them in this process against the solution notebook's answers.  The
score goes into the part's self-check cell as its only output (an
``execute_result`` holding the points, which nbgrader's ``SaveAutoGrades``
records as partial credit), preceded by the checks in words for the feedback.

Whatever the student's code did to its own test cells, to ``numpy.testing``
or to its own kernel therefore cannot raise its score: nothing it prints or
asserts is read, only numbers that must match the solution on inputs it has
never seen.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import threading
from pathlib import Path
from queue import Empty
from time import monotonic

import nbformat
from nbclient import NotebookClient
from nbclient.client import timestamp
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbgrader.preprocessors import Execute, LimitOutput, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Bool, Float, Integer, Unicode

from autograder.assignment import grade_cells, load_assignment, read_run, score_part
from autograder.checks import Answer, Call, Check, GradingError, Part, Read, redefined_check
from autograder.language import (
    _,
    assignment_catalog,
    kernel_arguments,
    notebook_language,
    said,
    shown,
    speaking,
)
from autograder.probe import (
    ANSWER_VARIABLE,
    MAX_ERROR_CHARS,
    PROBE_SOURCE,
    again_key,
    keeper_arguments,
    new_secret,
    parse_reply,
    request_code,
)
from autograder.rebinding import answer_functions, later_bindings
from autograder.settings import CELL_TIMEOUT, SUBMISSION_TIMEOUT, WALL_CLOCK_FACTOR
from autograder.text import FULL_WIDTH_NOTE, full_width, one_line
from dlcourse.messages import N_

TIMEOUT_ENAME = "CellTimeoutError"
#: The error shown in the cell during which a run ended early (see
#: :meth:`JudgedExecute.run_and_probe`).
STOPPED_ENAME = "GradingStopped"
#: How a status says that the submission's own limits ended its run.
SUBMISSION_LIMITS = (N_("timeout: used its {seconds:g} s of CPU (the limit per submission)"),
                     N_("timeout (wall clock): {seconds:g} s"))
#: Most fresh kernels :meth:`JudgedExecute.run_and_probe` starts after the
#: first for what finished before a run ended early.
REPLAYS = 2
#: Begin and end of nbgrader's hidden-test regions.
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
#: Most kernel messages read in one go while waiting for a probe's reply.
DRAIN_BATCH = 256
#: What one more output costs the grader beyond its text (bytes, roughly).
OUTPUT_OVERHEAD = 1000
#: What each value inside an output costs the grader once parsed and kept
#: (bytes, roughly: a Python dict or list, a number, a string's own object),
#: beyond a string's characters.  8 MB of "{}," is 2.7 million dicts, which
#: nbformat turned into 1.3 GB; counted this way it is 170 MB of output.
CONTAINER_COST, VALUE_COST = 64, 16
#: How often (seconds) the grader reads the kernel's CPU time while it waits.
CPU_POLL = 0.2
#: Seconds a kernel has to answer once interrupted for a time limit.
INTERRUPT_GRACE = 10


def _highest(read, before: float) -> float:
    """A count that only grows: ``read()``, or ``before`` where that is
    lower or cannot be read (a kernel half-started or gone, a thread ended)."""
    try:
        now = read()
    except Exception:  # noqa: BLE001 - the kernel may be half-started or gone
        now = None
    return now if now is not None and now > before else before


class TimeLimits:
    """A submission's time limits, counted in CPU seconds of its own kernel.

    ``meter()`` says how many CPU seconds the kernel has used so far: its
    cgroup's count in the sandbox (every process and thread in it, those
    that exited included), the process tree's without the sandbox (see
    ``autograder.sandbox``).  Other work on the grading machine slows the
    kernel down but adds nothing to that count, so a submission stops at the
    same point of its work however busy the machine is.

    Each limit has a wall-clock backstop, ``factor`` times as long, for a
    kernel that waits instead of working (a ``time.sleep`` loop): it uses
    no CPU and would otherwise never stop.  The backstops run on the
    kernel's own clock (:meth:`clock`): the wall clock less the time the
    kernel was ready to run but waited for a CPU that other work held
    (``waited()``, see ``autograder.sandbox.CpuWaitMeter``); a kernel that
    works on a machine too busy to give it a quarter of a core still stops
    at its CPU limit, not at a backstop.  Waiting counts again where it
    would take the submission past ``HARD_FACTOR`` times its backstop of
    real time, its replays included (``hard_end``).  The statuses say which limit was
    hit and so how much CPU the submission had used (the same words on every
    run, so a class's statuses can be compared; the report of each notebook
    records the exact CPU seconds)::

        timeout: used its 900 s of CPU (the limit per submission)
        timeout: a cell used its 300 s of CPU (the limit per cell)
        timeout (wall clock): 3600 s
        timeout (wall clock): a cell ran 1200 s (limit 1200 s per cell)
    """

    #: How many times the submission's backstop it may run in real time,
    #: waiting for a CPU included.
    HARD_FACTOR = 3

    def __init__(self, meter, *, cell: float | None, submission: float, probe: float,
                 factor: float, waited=None, hard_end: float = math.inf):
        self.meter, self.waited = meter, waited or (lambda: 0.0)
        self.cell = cell or math.inf  # nbclient's "no limit": 0 or None
        self.submission, self.probe, self.factor = submission, probe, factor
        self.started = monotonic()
        self.wall_limit = factor * submission
        self.wall_deadline = self.started + self.wall_limit
        # The real time by which the kernel's clock reaches the backstop
        # whatever it waited: a replay's is the first run's.
        self.hard_end = min(hard_end, self.started + self.HARD_FACTOR * self.wall_limit)
        self.used = self.waiting = 0.0
        self.reason = ""  # the first limit the submission hit, in words

    def clock(self) -> float:
        """The kernel's clock: ``monotonic()`` less the seconds the kernel
        has waited for a CPU since it started, never so many that the
        backstop is reached after ``hard_end``."""
        waiting = self.waiting = _highest(self.waited, self.waiting)
        now = monotonic()
        return max(now - waiting, now - max(0.0, self.hard_end - self.wall_deadline))

    def cpu(self) -> float:
        """CPU seconds the kernel has used so far."""
        used = self.used = _highest(self.meter, self.used)
        return used

    def note(self, reason: str) -> str:
        """Keep ``reason`` as the status unless one was kept before; the
        submission's own limit, which ends the run, replaces a cell's (a
        cell over its limit is interrupted and the run goes on)."""
        if reason and (not self.reason or (self.ends_run(reason) and not self.ends_run(self.reason))):
            self.reason = reason
        return reason

    @staticmethod
    def ends_run(reason: str) -> bool:
        return getattr(reason, "template", None) in SUBMISSION_LIMITS

    def cell_wall_limit(self) -> float:
        """nbclient's own per-cell timeout: the cell's backstop, never past the submission's."""
        return max(1.0, min(self.factor * self.cell, self.wall_deadline - self.clock()))

    def submission_over(self, grace: float = 0.0) -> str:
        """Why the submission must stop (``grace`` seconds past its limits), or ""."""
        return self._submission_over(self.cpu(), self.clock(), grace)

    def _submission_over(self, used: float, now: float, grace: float = 0.0) -> str:
        """:meth:`submission_over` at CPU count ``used`` and kernel clock ``now``
        (each read once per check: the clock reads every thread of the kernel)."""
        if used >= self.submission + grace:
            return said(SUBMISSION_LIMITS[0], seconds=self.submission)
        if now >= self.wall_deadline + grace:
            return said(SUBMISSION_LIMITS[1], seconds=self.wall_limit)
        return ""

    def cell_over(self, cpu_start: float, wall_deadline: float) -> str:
        """Why the running cell must be interrupted, or ""."""
        used, now = self.cpu(), self.clock()
        reason = self._submission_over(used, now)
        if reason:
            return reason
        if used - cpu_start >= self.cell:
            return said("timeout: a cell used its {seconds:g} s of CPU (the limit per cell)",
                        seconds=self.cell)
        if now >= wall_deadline:
            limit = self.factor * self.cell
            return said("timeout (wall clock): a cell ran {seconds:g} s (limit {seconds:g} s per cell)",
                        seconds=limit)
        return ""

    def probe_over(self, cpu_start: float, wall_deadline: float) -> str:
        """Why a running probe must be interrupted, or ""."""
        used, now = self.cpu(), self.clock()
        reason = self._submission_over(used, now)
        if reason:
            return self.note(reason)
        if used - cpu_start >= self.probe:
            return said("took more than {seconds:g} s of CPU on the grader's inputs",
                        seconds=self.probe)
        if now >= wall_deadline:
            return said("took more than {seconds:g} s (wall clock) on the grader's inputs",
                        seconds=self.factor * self.probe)
        return ""

    def used_up(self) -> str:
        """Why a part was not checked once the submission is over its limit."""
        if self.reason.startswith("timeout (wall clock)"):
            return said("not checked: the submission ran for its {seconds:g} s (wall clock)",
                        seconds=self.wall_limit)
        return said("not checked: the submission used up its {seconds:g} s of CPU",
                    seconds=self.submission)


def output_size(content: dict) -> int:
    """The bytes an output message counts against the submission's output
    cap: what keeping it costs the grader, its characters and every value
    in it (an empty dict is no free output)."""
    total, stack = OUTPUT_OVERHEAD, [content[key] for key in
                                     ("text", "data", "metadata", "traceback", "evalue")
                                     if key in content]
    while stack:  # a loop, not recursion: the kernel chooses how deep it nests
        value = stack.pop()
        if isinstance(value, str):
            total += VALUE_COST + len(value)
        elif isinstance(value, dict):
            total += CONTAINER_COST + sum(VALUE_COST + len(str(k)) for k in value)
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            total += CONTAINER_COST
            stack.extend(value)
        else:
            total += VALUE_COST
    return total


class KernelWatchdog(threading.Thread):
    """Ends a kernel from outside the code that reads its messages.

    The grader's loops read what the kernel sends; a kernel that never stops
    sending can keep a loop busy past any limit it checks only between
    messages.  This thread reads the kernel's CPU time every ``CPU_POLL``
    seconds: ``grace`` CPU seconds past the submission's CPU limit, or
    ``grace`` seconds past its wall-clock backstop, it kills the kernel
    (``reason`` then says which, as :class:`TimeLimits` words it; the
    grader's loops stop the submission at the limits themselves, and this is
    for a kernel or a flood they cannot stop).  It also watches the grader's
    sockets to the kernel: ZMQ drops the connection when the kernel sends a
    message over the size limit (see ``autograder.sandbox.CHANNEL_LIMITS``);
    that is noted as ``output limit``, and when it is the shell channel (no
    reply can arrive any more) the kernel is killed too.
    """

    def __init__(self, km, kc, limits: TimeLimits, grace: float):
        super().__init__(name="kernel-watchdog", daemon=True)
        self.km, self.limits, self.grace, self.reason, self.oversized = km, limits, grace, "", []
        self._stop_event = threading.Event()
        self._monitors = {}
        import zmq

        self._context = zmq.Context.shadow(kc.context.underlying)
        for name in ("shell", "iopub"):
            channel = getattr(kc, f"{name}_channel", None)
            socket = getattr(channel, "socket", None)
            if socket is None:
                continue
            address = f"inproc://dlcourse-monitor-{id(self)}-{name}"
            socket.monitor(address, zmq.EVENT_DISCONNECTED)
            self._monitors[name] = (socket, address)

    def _kernel_running(self) -> bool:
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is None:
            return False
        try:
            with open(f"/proc/{process.pid}/stat") as fh:
                return fh.read().rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
        except OSError:
            return False

    def _kill(self, reason: str) -> None:
        if not self.reason:
            self.reason = reason
        self.km.kill_now()

    def run(self):
        import zmq

        pairs = {}
        try:
            self._watch(pairs)
        except zmq.ZMQError:  # the sockets closed under us: the kernel is gone
            pass
        finally:
            for pair in pairs.values():
                pair.close(linger=0)

    def _watch(self, pairs):
        import zmq

        for name, (_socket, address) in self._monitors.items():
            pair = self._context.socket(zmq.PAIR)
            pair.linger = 0
            pair.connect(address)
            pairs[name] = pair
        poller = zmq.Poller()
        for pair in pairs.values():
            poller.register(pair, zmq.POLLIN)
        while not self._stop_event.is_set():
            reason = self.limits.submission_over(self.grace)
            if reason:
                self._kill(reason)
                return
            events = (dict(poller.poll(int(CPU_POLL * 1000))) if pairs
                      else self._stop_event.wait(CPU_POLL) or {})
            for name, pair in pairs.items():
                if pair in events:
                    pair.recv_multipart()
                    # A kernel that exits closes its sockets too: only a
                    # kernel still running had a message refused.
                    if self._stop_event.wait(1.0) or not self._kernel_running():
                        continue
                    if name not in self.oversized:
                        self.oversized.append(name)
                    if name == "shell":
                        self._kill("output limit")

    def stop(self) -> None:
        """Stop watching (call from the thread that owns the kernel's sockets)."""
        self._stop_event.set()
        if self.is_alive():
            self.join()
        for socket, _address in self._monitors.values():
            try:
                socket.disable_monitor()
            except Exception:  # the socket may be closed already
                pass


def strip_hidden_tests(nb) -> int:
    """Remove nbgrader's hidden-test regions from every cell; returns how
    many cells had one.  Grading never runs tests in the student's kernel,
    and code sent there can be read by the student's code (a ``pre_run_cell``
    hook prints it into the student's own output).  A region with no end
    runs to the end of its cell."""
    changed = 0
    for cell in nb.cells:
        source = cell.get("source", "")
        if HIDDEN_BEGIN not in source:
            continue
        kept, hidden = [], False
        for line in source.split("\n"):
            if HIDDEN_BEGIN in line:
                hidden = True
            elif HIDDEN_END in line:
                hidden = False
            elif not hidden:
                kept.append(line)
        cell.source = "\n".join(kept)
        changed += 1
    return changed


def _is_graded_code(cell) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def zero_verdict(cell, reason: str) -> None:
    """Outputs that give a self-check cell 0 points, saying why."""
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout",
                               text=_("Autograder: 0 points: {reason}.").format(reason=reason) + "\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "0.0"},
                               execution_count=cell.get("execution_count")),
    ]


class RequireVerdict(NbGraderPreprocessor):
    """The last step before nbgrader's ``SaveAutoGrades``: a self-check cell
    with no ``execute_result`` gets 0 points.

    nbgrader gives full marks to a grade cell without an ``execute_result``
    or an error.  ``JudgedExecute`` removes the kernel's own
    ``execute_result`` outputs from these cells, so the only one left is the
    grader's verdict; a cell that has none, whatever the path that led there,
    scores 0 instead of full marks.
    """

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if _is_graded_code(cell) and not any(
                    out.get("output_type") == "execute_result" for out in cell.get("outputs", [])):
                with speaking(notebook_language(nb)):
                    zero_verdict(cell, _("the grader recorded no verdict for this cell"))
        return nb, resources


class MarkedLimitOutput(LimitOutput):
    """nbgrader's ``LimitOutput`` (1,000 lines of printed output a cell),
    which marks where it cuts an output, but drops the outputs after one
    that ends exactly at the limit without a mark: a training loop's log
    then seemed to stop at an epoch the student never stopped at.  The last
    output kept is marked too."""

    MARK = "... Output truncated ..."

    def _limit_stream_output(self, cell):
        before = sum(1 for out in cell.get("outputs", []) if out.get("output_type") == "stream")
        cell = super()._limit_stream_output(cell)
        kept = [out for out in cell.get("outputs", []) if out.get("output_type") == "stream"]
        if kept and len(kept) < before and not kept[-1].text.rstrip("\n").endswith(self.MARK):
            kept[-1].text = kept[-1].text.rstrip("\n") + "\n" + self.MARK
        return cell


class ProbeTimeout(Exception):
    pass


class JudgedExecute(Execute):
    """Execute the notebook, then probe and score its graded parts."""

    submission_timeout = Integer(
        900, help="CPU seconds the whole submission's kernel may use: cells and probes "
        "(the per-cell limit, nbgrader's Execute.timeout, counts CPU seconds too)."
    ).tag(config=True)
    probe_timeout = Integer(
        120, help="CPU seconds one part's probe may use in the kernel."
    ).tag(config=True)
    wall_clock_factor = Float(
        WALL_CLOCK_FACTOR, help="Each CPU-time limit has a wall-clock backstop this many "
        "times as long, for a kernel that waits instead of working."
    ).tag(config=True)
    cases_directory = Unicode(
        help="Folder of <assignment>.json files: the inputs drawn for this run "
        "and the solution's answers (written by `python -m autograder grade`)."
    ).tag(config=True)
    checks_directory = Unicode(help="Folder holding <assignment>/checks.py.").tag(config=True)
    report_directory = Unicode(
        help="Where to write <assignment>/<student>/<notebook>.json reports."
    ).tag(config=True)
    sandbox = Bool(
        True, help="Run the kernel in the sandbox (autograder/sandbox.py)."
    ).tag(config=True)
    zygote = Bool(
        True, help="Fork each kernel from a warm process that has imported the frameworks "
        "once (autograder/zygote.py: in the sandbox, or outside it for the solutions) "
        "instead of starting it cold."
    ).tag(config=True)
    max_output_bytes = Integer(
        10_000_000, help="Output a submission may produce; the rest is dropped."
    ).tag(config=True)
    kill_grace = Integer(
        20, help="CPU seconds past the submission's CPU limit, and seconds past its "
        "wall-clock backstop, at which the watchdog kills a kernel that is still running."
    ).tag(config=True)
    cluster = Unicode(
        help="A Dask scheduler's address or scheduler file: run each notebook on the "
        "cluster's workers instead of here (autograder/cluster.py); empty: here."
    ).tag(config=True)
    cluster_certificates = Unicode(
        help="Folder of the course's cluster certificates (python -m autograder certificates)."
    ).tag(config=True)
    cluster_trusted_loopback = Bool(
        False, help="Accept a plain-TCP scheduler on this machine's loopback (tests only)."
    ).tag(config=True)
    # No cell waits forever for its last output message: the grade never
    # depends on it, and a message a full queue dropped must not end the run.
    raise_on_iopub_timeout = Bool(False).tag(config=True)

    def output(self, outs, msg, display_id, cell_index):
        """Keep outputs until the submission has produced ``max_output_bytes``.

        Each output counts its text, data, metadata and traceback, plus
        ``OUTPUT_OVERHEAD`` (what keeping one more output costs the grader),
        so that a flood of tiny messages is capped as soon as a big one."""
        self._output_bytes += output_size(msg.get("content") or {})
        if self._output_bytes > self.max_output_bytes:
            if not self._output_capped:
                self._output_capped = True
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout",
                    text=f"[the autograder dropped the rest: more than "
                         f"{self.max_output_bytes // 10**6} MB of output]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _update_display_id(self, display_id, msg):
        """nbclient gives every output shown with ``display_id`` the data of a
        later display or update of it: each such output then holds (and
        saves) one more copy.  Those copies count against the cap too; past
        it the update is dropped.  (A notebook showed one character 3,000
        times under one id, then updated it with 6 MB: 18 GB once saved.)"""
        shown = sum(len(indices) for indices in self._display_id_map.get(display_id, {}).values())
        if not shown:
            return None
        if not self._output_capped:
            self._output_bytes += shown * output_size(msg.get("content") or {})
        if self._output_bytes > self.max_output_bytes:
            self._output_capped = True
            return None
        return super()._update_display_id(display_id, msg)

    def on_cell_executed(self, **kwargs):
        """nbgrader's hook, which adds the grader's timeout to the cell's
        outputs; the ``KeyboardInterrupt`` traceback that the grader's own
        interrupt caused (through the insides of whatever library was
        running) goes: the student reads one line saying which limit."""
        reply = kwargs["execute_reply"]
        if reply["content"].get("ename") == TIMEOUT_ENAME:
            cell = kwargs["cell"]
            cell.outputs = [out for out in cell.outputs if not (
                out.get("output_type") == "error" and out.get("ename") == "KeyboardInterrupt")]
        return super().on_cell_executed(**kwargs)

    def handle_comm_msg(self, outs, msg, cell_index):
        """Widget messages count against the output cap too (nbclient keeps
        each widget's state); past the cap they are dropped."""
        self._output_bytes += output_size(msg.get("content") or {}) + sum(
            len(b) for b in msg.get("buffers") or [])
        if self._output_bytes > self.max_output_bytes:
            self._output_capped = True
            return None
        try:
            return super().handle_comm_msg(outs, msg, cell_index)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # A widget message the kernel made up: nbclient's handler trips on
            # it, and grading goes on without it.
            self.log.warning("ignored a malformed widget message: %r", error)
            return None

    #: When all of :meth:`run_and_probe`'s runs must have ended (monotonic).
    _wall_end = _hard_end = math.inf
    #: The traits a runner's limits are made of (kept through run_and_probe).
    LIMITS = ("timeout", "submission_timeout", "probe_timeout", "wall_clock_factor", "kill_grace",
              "max_output_bytes")

    # -- nbgrader's entry point ------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        info = (resources or {}).get("nbgrader", {})
        assignment_name, student, notebook = (
            info.get("assignment"), info.get("student"), info.get("notebook"))
        assignment = load_assignment(Path(self.checks_directory), assignment_name)
        language = notebook_language(nb)
        # The notebook's language: every word the student reads from here on.
        with speaking(language, assignment_catalog(self.checks_directory, assignment_name, language)):
            return self._judged(nb, resources, assignment, student, notebook, language)

    def _judged(self, nb, resources, assignment, student, notebook, language):
        assignment_name = assignment.name
        run = read_run(Path(self.cases_directory) / f"{assignment_name}.json")
        cells = grade_cells(nb)
        parts = [p for p in assignment.parts if p.grade_id in cells]
        cases = {gid: entry["cases"] for gid, entry in run["parts"].items()}

        started = monotonic()
        if self.cluster:  # only this step runs elsewhere; the judging below stays here
            from autograder.cluster import judge_on_cluster

            strip_hidden_tests(nb)  # never sent, as never run
            status, answers = judge_on_cluster(
                self, judge_task, nb, parts, cases, language=language,
                key=(assignment_name, run["seed"], student, notebook))
        else:
            status, answers = self.run_and_probe(nb, resources, parts, cases)

        # The report is the instructor's: its messages are in English, and
        # what the student read beside them ("shown") when that was not English.
        report = {
            "assignment": assignment_name,
            "language": language,
            "student": student,
            "notebook": notebook,
            "seed": run["seed"],
            "status": status,
            "parts": {},
        }
        stopped = answer_cell_errors(nb)
        try:  # a note only: whatever a cell holds, it never stops the grading
            redefined = {name for name, kind, _cell in later_bindings(nb, answer_functions(nb))
                         if kind == "function"}
        except Exception:  # noqa: BLE001
            redefined = set()
        lost = set()  # the functions whose parts lost points (see Part.stand_ins)
        for part in parts:
            got = answers.get(part.grade_id, said("the notebook stopped before this part was checked"))
            error = stopped.get(part.grade_id)
            if error and error.startswith("NotImplementedError:") and (
                    isinstance(got, str) or all(not a.ok for a in got)):
                got = said("not written yet: its answer cell still raises NotImplementedError")
            elif error and not isinstance(got, str) and all(not a.ok for a in got):
                # (A NameError for what the cell never defined would send
                # the student to run a cell that did run.)
                got = said("no answer: its answer cell stopped, before it defined everything "
                           "the part needs, with {error}", error=one_line(error, MAX_ERROR_CHARS))
                if wide := full_width(error):
                    got = said("{verdict}. {note}", verdict=got,
                               note=said(FULL_WIDTH_NOTE, character=wide[0], half=wide[1]))
            if isinstance(got, str):
                score, checks, english = 0.0, [Check(False, shown(got))], [Check(False, str(got))]
            else:
                # Asked again with the solution's stand-ins: it counts only
                # where the parts of those functions lost points themselves.
                again = answers.get(again_key(part.grade_id))
                if not isinstance(again, list) or not set(part.stand_ins) <= lost:
                    again = None
                judged = (part, cases[part.grade_id], got, run["parts"][part.grade_id]["expected"],
                          again)
                score, checks = score_part(*judged)
                english = checks
                if language != "en":
                    with speaking("en"):  # the instructor's words, for the class report
                        english = score_part(*judged)[1]
                if isinstance(part.probe, Call) and part.probe.name in redefined:
                    checks = [*checks, redefined_check(part.probe.name)]
                    with speaking("en"):
                        english = [*english, redefined_check(part.probe.name)]
            if score < part.points and isinstance(part.probe, Call):
                lost.add(part.probe.name)
            write_verdict(cells[part.grade_id], part, score, checks)
            report["parts"][part.grade_id] = {
                "score": score,
                "points": part.points,
                "checks": [{"passed": c.passed, "message": e.message, "weight": c.weight,
                            "earned": c.earned, **({"shown": c.message} if language != "en" else {})}
                           for c, e in zip(checks, english)],
            }
        for grade_id, cell in cells.items():
            if grade_id not in report["parts"]:  # no part in checks.py: never free points
                write_verdict(cell, None, 0.0, [Check(False, _("no check is defined for this cell"))])
        report["seconds"] = round(monotonic() - started, 2)
        report["cpu_seconds"] = round(self.cpu_seconds, 2)
        report["start_cpu_seconds"] = round(self.start_cpu_seconds, 2)
        if self.report_directory and student:
            path = Path(self.report_directory) / assignment_name / student / f"{notebook}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report, indent=1))
        return nb, resources

    # -- Running and probing -------------------------------------------------------

    def run_and_probe(self, nb, resources, parts: list[Part], cases: dict):
        """Run every cell, then probe ``parts``.  Returns the status (``ok``,
        a ``timeout`` as :class:`TimeLimits` words it, ``kernel died``) and,
        per part, the answers or the reason there are none.  ``cpu_seconds``
        then holds the CPU time the kernel used.

        What finished still counts.  A run that ends before the notebook's
        last cell (its kernel died, or the submission used up its time) has
        nothing to probe: a fresh kernel runs the cells before the one that
        stopped it (that cell and those after it stay empty) and is probed;
        the parts whose answer cells are not among them are not checked.  A
        kernel that dies while one part's function runs on the grader's
        inputs keeps the answers given before; that part has none, and a
        fresh kernel runs the notebook again for the parts not yet probed.
        At most :data:`REPLAYS` fresh kernels, each with twice the
        submission's time (the cells it runs again fitted in it once, and
        the probes come after them), and all the runs together within
        twice the submission's wall-clock backstop: a notebook that sleeps
        through its backstop gains no more waiting from its replays.
        ``nb`` keeps the first run's outputs, with a line in the stopping
        cell saying what happened; the status is the first run's."""
        self._wall_end = monotonic() + 2 * self.wall_clock_factor * self.submission_timeout
        self._hard_end = monotonic() + TimeLimits.HARD_FACTOR * self.wall_clock_factor \
            * self.submission_timeout
        status, answers = self._run_once(nb, resources, parts, cases)
        first = self.cpu_seconds, self.start_cpu_seconds
        source, run_status, limit = nb, status, self.submission_timeout
        answer_cells = answer_cell_indices(nb)
        try:
            for replay in range(REPLAYS + 1):
                stopped, probing = self._stopped_at, self._probing
                if stopped is None and probing is None:
                    break
                if stopped is not None:
                    if replay == 0:  # the student's notebook: the line says where and why
                        notice = said("the grader stopped here ({status}); the cells above this "
                                      "one were graded again in a fresh kernel, without this "
                                      "cell and the ones below it", status=status)
                        if self._unstoppable:
                            notice = said("the grader stopped here ({status}): this cell did "
                                          "not stop when interrupted, so nothing more could "
                                          "run in its kernel; the cells above this one were "
                                          "graded again in a fresh kernel, without this cell "
                                          "and the ones below it", status=status)
                        nb.cells[stopped].setdefault("outputs", []).append(nbformat.v4.new_output(
                            "error", ename=STOPPED_ENAME, evalue=shown(notice),
                            traceback=[f"\x1b[0;31m{STOPPED_ENAME}\x1b[0m: {shown(notice)}"]))
                    for part in parts:
                        cell = answer_cells.get(part.grade_id, len(nb.cells))
                        if cell < stopped and isinstance(answers.get(part.grade_id), str):
                            del answers[part.grade_id]  # "not checked: used up": asked again
                        if cell == stopped:
                            answers[part.grade_id] = said(
                                "not checked: the notebook stopped ({status}) while this "
                                "part's answer cell ran", status=run_status)
                        elif cell > stopped:
                            answers[part.grade_id] = said(
                                "not checked: the notebook stopped ({status}) in a cell above "
                                "this part's answer, before the answer ran", status=run_status)
                    source = nbformat.from_dict(json.loads(json.dumps(source)))
                    for cell in source.cells[stopped:]:
                        if cell.cell_type == "code":
                            cell.source, cell.outputs = "", []
                if probing is not None:
                    probe = next(p.probe for p in parts if p.grade_id == probing)
                    name = ", ".join(probe.names) if isinstance(probe, Read) else probe.name
                    answers[probing] = said("no answer: the kernel stopped ({status}) while {name} "
                                            "ran on the grader's inputs", status=run_status,
                                            name=name)
                todo = [p for p in parts if p.grade_id not in answers]
                if not todo or replay == REPLAYS:
                    break
                if self._wall_end - monotonic() < 1:  # no time left for another run
                    for part in todo:
                        answers[part.grade_id] = said(
                            "not checked: the notebook stopped ({status}) before this part "
                            "could be asked", status=run_status)
                    break
                self.submission_timeout = 2 * limit
                run_status, more = self._run_once(
                    nbformat.from_dict(json.loads(json.dumps(source))), resources, todo, cases)
                answers.update(more)
        finally:
            self.nb, self.submission_timeout, self._wall_end = nb, limit, math.inf
            self._hard_end = math.inf
            self.cpu_seconds, self.start_cpu_seconds = first
        return status, answers

    def _run_once(self, nb, resources, parts: list[Part], cases: dict):
        """:meth:`run_and_probe`'s one run; ``_stopped_at`` is then the index
        of the cell during which the run ended, if it ended before the
        notebook's last cell (None otherwise, or if no cell started)."""
        from autograder.sandbox import LimitedKernelManager, SandboxedKernelManager
        from autograder.zygote import UnsandboxedKernelManager, ZygoteKernelManager

        if self.sandbox:
            self.kernel_manager_class = (ZygoteKernelManager if self.zygote
                                         else SandboxedKernelManager)
        else:  # the solutions (and every notebook under grade --no-sandbox)
            self.kernel_manager_class = (UnsandboxedKernelManager if self.zygote
                                         else LimitedKernelManager)
        sockets = self.config.KernelManager
        if sockets.get("transport") == "ipc" and sockets.get("ip"):  # the kernel's socket folder
            Path(sockets.ip).parent.mkdir(parents=True, exist_ok=True)
        # Re-initialising reloads every configured value: keep the limits this
        # runner was made with (the solution's own, a cluster task's).
        limits = {name: getattr(self, name) for name in self.LIMITS}
        NotebookClient.__init__(self, nb, None)
        for name, value in limits.items():
            setattr(self, name, value)
        # The self-checks speak the notebook's language, whatever its first
        # cell says; the functions the parts call are kept after each cell
        # (those a part calls of other parts, Part.stand_ins, are those
        # parts' own: ``parts`` are Asked on a cluster's worker).
        self.extra_arguments = kernel_arguments(notebook_language(nb)) + keeper_arguments(
            [part.probe.name for part in parts if isinstance(part.probe, Call)])
        self.reset_execution_trackers()
        self._output_bytes, self._output_capped = 0, False
        self._check_assign_resources(resources)
        strip_hidden_tests(self.nb)
        limits = self._limits = TimeLimits(
            lambda: self.km.cpu_seconds() if hasattr(self.km, "cpu_seconds") else None,
            cell=self.timeout, submission=self.submission_timeout, probe=self.probe_timeout,
            factor=self.wall_clock_factor,
            waited=lambda: self.km.cpu_wait_seconds() if hasattr(self.km, "cpu_wait_seconds")
            else None, hard_end=self._hard_end)
        if limits.wall_deadline > self._wall_end:  # a replay: what is left of all runs' time
            limits.wall_deadline = self._wall_end
            limits.wall_limit = max(1.0, round(self._wall_end - limits.started))
        # nbclient's own (wall-clock) cell timeout is the backstop; the CPU
        # limits are checked while waiting (_async_poll_for_reply).
        self.timeout_func = lambda cell: math.ceil(limits.cell_wall_limit())
        status, answers, km, watchdog = "ok", {}, None, None
        self.start_cpu_seconds = 0.0
        running = self._probing = None
        self._unstoppable = False  # a cell past its limit that did not answer the interrupt
        try:
            with self.setup_kernel():
                km = self.km
                watchdog = KernelWatchdog(km, self.kc, limits, self.kill_grace)
                watchdog.start()
                try:
                    reply = self.wait_for_reply(self.kc.kernel_info())
                    self.nb.metadata["language_info"] = reply["content"]["language_info"]
                    if hasattr(km, "seal_socket_folder"):  # sandboxed: see there
                        km.seal_socket_folder()
                    self.start_cpu_seconds = limits.cpu()  # before any of the notebook's code
                    for index, cell in enumerate(self.nb.cells):
                        if limits.note(limits.submission_over()):
                            break
                        running = index
                        if "iopub" in watchdog.oversized:
                            # Its output channel is closed: no cell waits for
                            # output that cannot come.
                            self.iopub_timeout = 0
                        self.preprocess_cell(cell, resources, index)
                    else:
                        running = None  # every cell ran
                    run_sync(self._async_probe_parts)(parts, cases, answers)
                    limits.note(limits.submission_over())  # the probes ran into the limit
                    status = limits.reason or "ok"
                    run_sync(self._async_ask_again)(parts, cases, answers)
                finally:  # before the kernel's sockets close
                    limits.cpu()
                    watchdog.stop()
        except DeadKernelError:
            status = "kernel died"
        except CellTimeoutError:  # the kernel ignored the interrupt: nothing more to ask it
            status = limits.reason or "timeout"
        except RuntimeError as error:  # jupyter_client: the kernel died as it started
            if "Kernel died" not in str(error):
                self._finish_after_error()
                raise
            status = "kernel died"
        except BaseException:
            self._finish_after_error()
            raise
        km = km or getattr(self, "km", None)
        if watchdog is not None and watchdog.reason:
            # Killed from outside: nothing it answered counts.
            status, answers = watchdog.reason, {}
        for cell in self.nb.cells:  # only the grader's verdict may score these cells
            if _is_graded_code(cell):
                cell.outputs = [o for o in cell.get("outputs", [])
                                if o.get("output_type") != "execute_result"]
        flags = list(km.finish_sandbox()) if hasattr(km, "finish_sandbox") else []
        # The last count, read as the sandbox ended.
        self.cpu_seconds = max(limits.cpu(), km.cpu_seconds() if hasattr(km, "cpu_seconds") else 0)
        if self._output_capped or (watchdog is not None and watchdog.oversized):
            flags.append("output limit")
        flags = [f for f in dict.fromkeys(flags) if f not in status]
        if flags:
            status = ", ".join(flags) if status == "ok" else f"{status} ({', '.join(flags)})"
        self.set_widgets_metadata()
        self._stopped_at = running if status != "ok" else None
        return status, answers

    def _finish_after_error(self) -> None:
        """End the sandbox of a kernel whose run raised (its cgroups and
        folders must not outlive it)."""
        km = getattr(self, "km", None)
        if hasattr(km, "finish_sandbox"):
            km.finish_sandbox()

    async def _async_probe_parts(self, parts, cases, answers: dict) -> None:
        """Each part's answers (or why there are none) into ``answers`` as
        they come, so that a kernel that dies keeps those given before;
        ``_probing`` names the part whose function is running."""
        limits = self._limits
        if limits.note(limits.submission_over()):
            answers.update({p.grade_id: limits.used_up() for p in parts})
            return
        try:
            content = await self._async_ask(PROBE_SOURCE, {})
        except ProbeTimeout:
            content = {"status": "timeout"}
        if content.get("status") != "ok":
            # (A cell's own limit, which only interrupted that cell, is not why.)
            answers.update({p.grade_id: (
                limits.used_up() if limits.ends_run(limits.reason) else
                said("the grader could not run its probe in this notebook's kernel"))
                for p in parts})
            return
        for part in parts:
            gid = self._probing = part.grade_id
            if limits.note(limits.submission_over()):
                answers[gid] = limits.used_up()
                continue
            secret = new_secret()
            code = request_code(part.probe, cases[gid], secret, report_inputs=part.keeps_inputs)
            try:
                content = await self._async_ask(code, {"answer": ANSWER_VARIABLE})
                if limits.note(limits.submission_over()):  # answered past the limit
                    raise ProbeTimeout(limits.reason)
                answers[gid] = parse_reply(content, secret, cases[gid], part.keeps_inputs)
            except ProbeTimeout as reason:
                if not limits.ends_run(limits.reason):  # the probe's own limit
                    answers[gid] = reason.args[0]
                elif isinstance(part.probe, Call):  # its function was running: say so
                    answers[gid] = said("not checked: {name} had not returned when the submission "
                                        "used up its time ({reason})", name=part.probe.name,
                                        reason=limits.reason)
                else:
                    answers[gid] = limits.used_up()
            except ValueError as error:
                answers[gid] = said("no usable answer: {error}", error=str(error))
        self._probing = None

    async def _async_ask_again(self, parts, cases, answers) -> None:
        """Once every part has answered and the status is settled: a part's
        function again, with the solution's own definitions of the functions
        of other parts it calls (Part.stand_ins), so that a mistake there
        does not cost this part too; kept in ``answers`` under
        :func:`again_key`.  A kernel that kept those definitions can no
        longer use them for an answer.  This is the grader's own extra
        question: past a limit the kernel is stopped as usual, and the part
        is judged on its own answers alone."""
        limits = self._limits
        for part in parts:
            gid = part.grade_id
            if not part.stand_in_sources or not isinstance(answers.get(gid), list):
                continue
            if limits.submission_over():
                break
            secret = new_secret()
            code = request_code(part.probe, cases[gid], secret, part.stand_in_sources,
                                report_inputs=part.keeps_inputs)
            try:
                content = await self._async_ask(code, {"answer": ANSWER_VARIABLE})
                if not limits.submission_over():
                    answers[again_key(gid)] = parse_reply(content, secret, cases[gid],
                                                          part.keeps_inputs)
            except (ProbeTimeout, ValueError):
                pass
            except DeadKernelError:
                # Every part had answered: a kernel that ends now (os._exit
                # in the function asked again) leaves the status as it was,
                # and each part is judged on its own answers alone.
                return

    async def _async_ask(self, code: str, expressions: dict) -> dict:
        """Execute ``code`` silently; return the execute reply's content.

        Raises :class:`ProbeTimeout` (saying why) when the kernel goes past
        the probe's CPU limit or its wall-clock backstop, or the submission's
        (it is interrupted then, and what it answers after does not count)."""
        limits = self._limits
        msg_id = self.kc.execute(code, silent=True, store_history=False,
                                 user_expressions=expressions, allow_stdin=False)
        cpu_start = limits.cpu()
        wall_deadline = min(limits.clock() + limits.factor * limits.probe,
                            limits.wall_deadline)
        reason, answer_by = "", math.inf
        while True:
            await self._async_drain_iopub(monotonic() + 1.0)
            if not reason:
                reason = limits.probe_over(cpu_start, wall_deadline)
                if reason:
                    await ensure_async(self.km.interrupt_kernel())
                    answer_by = monotonic() + INTERRUPT_GRACE
            elif monotonic() >= answer_by:
                raise ProbeTimeout(reason)
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=CPU_POLL))
            except (Empty, asyncio.TimeoutError):
                await self._async_check_alive()
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                if reason:
                    raise ProbeTimeout(reason)
                return msg["content"]

    async def _async_poll_for_reply(self, msg_id, cell, timeout, task_poll_output_msg,
                                    task_poll_kernel_alive):
        """nbclient's wait for a cell's reply, with the CPU-time limits.

        ``timeout`` is nbclient's wall-clock one, here the backstop.  Every
        ``CPU_POLL`` seconds the kernel's CPU time is read: past the cell's
        CPU limit, the submission's, or the backstop, the kernel is
        interrupted and the cell ends with a ``CellTimeoutError`` saying which
        limit (as nbclient does on its own timeout)."""
        limits = self._limits
        cpu_start = limits.cpu()
        wall_deadline = limits.clock() + timeout if timeout else math.inf
        timed_out, answer_by = None, math.inf
        while True:
            if timed_out is None:
                reason = limits.note(limits.cell_over(cpu_start, wall_deadline))
                if reason:
                    task_poll_kernel_alive.cancel()
                    await self._async_check_alive()
                    self.log.error("Interrupting the kernel: %s", reason)
                    await ensure_async(self.km.interrupt_kernel())
                    answer_by = monotonic() + INTERRUPT_GRACE
                    # In the student's language: the cell's output is on their feedback page.
                    timed_out = {"parent_header": {"msg_id": msg_id}, "content": {
                        "status": "error", "ename": TIMEOUT_ENAME, "evalue": shown(reason),
                        "traceback": [f"\x1b[0;31m{TIMEOUT_ENAME}\x1b[0m: {shown(reason)}"]}}
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=CPU_POLL))
            except (Empty, asyncio.TimeoutError):
                if timed_out is not None:
                    if monotonic() >= answer_by:
                        # Still busy: a long call into compiled code that
                        # never looks for an interrupt (np.einsum on large
                        # matrices).  Nothing more can run in this kernel:
                        # the run stops at this cell, and what came before
                        # it is graded again in a fresh one (run_and_probe).
                        self._unstoppable = True
                        raise CellTimeoutError.error_from_timeout_and_cell(
                            str(timed_out["content"]["evalue"]), timeout or 0, cell) from None
                    await self._async_check_alive()
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if timed_out is not None:  # the interrupted cell's reply: the limit's words instead
                msg = timed_out
            if self.record_timing:
                cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(msg)
            try:
                await asyncio.wait_for(task_poll_output_msg, self.iopub_timeout)
            except (asyncio.TimeoutError, Empty):
                if self.raise_on_iopub_timeout:
                    task_poll_kernel_alive.cancel()
                    raise CellTimeoutError.error_from_timeout_and_cell(
                        "Timeout waiting for IOPub output", self.iopub_timeout, cell
                    ) from None
                self.log.warning("Timeout waiting for IOPub output")
            task_poll_kernel_alive.cancel()
            return msg

    async def _async_drain_iopub(self, deadline: float):
        """Discard what the kernel prints while probed (it is never read):
        at most ``DRAIN_BATCH`` messages, and nothing past ``deadline``, so
        a kernel that never stops printing cannot keep the grader here."""
        for _message in range(DRAIN_BATCH):
            if monotonic() >= deadline:
                return
            try:
                await ensure_async(self.kc.iopub_channel.get_msg(timeout=0))
            except (Empty, asyncio.TimeoutError):
                return


def answer_cell_indices(nb) -> dict[str, int]:
    """Each self-check cell's grade_id, and the index of its answer cell (the
    nearest answer cell above it)."""
    found, answer = {}, None
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            answer = index
        elif meta.get("grade") and cell.cell_type == "code" and answer is not None:
            found[meta.get("grade_id")] = answer
    return found


def answer_cell_errors(nb) -> dict[str, str]:
    """The grade_ids of self-check cells whose answer cell (the nearest
    answer cell above) stopped with an error when it ran, and that error's
    name (``NotImplementedError``: not written yet) and message."""
    errors, raised = {}, None
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            raised = next((f"{out.get('ename')}: {out.get('evalue')}"
                           for out in cell.get("outputs", [])
                           if out.get("output_type") == "error"), None)
        elif meta.get("grade") and cell.cell_type == "code" and raised:
            errors[meta.get("grade_id")] = raised
    return errors


#: How much of what the self-check printed is kept above the verdict: at
#: most so many characters and lines (a self-check says a few lines; 2,000
#: empty lines pushed nbgrader's limit of 1,000 lines a cell past the
#: verdict, which was then dropped from the page).
MAX_SELF_CHECK_CHARS = 2000
MAX_SELF_CHECK_LINES = 60
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def _as_shown(line: str) -> str:
    """A line of printed text as a terminal leaves it: what follows its last
    carriage return (a progress bar drawn again), backspaces applied."""
    shown = []
    for char in line.rstrip("\r").rsplit("\r", 1)[-1]:
        if char != "\b":
            shown.append(char)
        elif shown:
            shown.pop()
    return "".join(shown)


def self_check_text(cell) -> str:
    """What the student's own run of the self-check said (the public checks
    and their hints), as plain text.

    Errors and stderr become text too: nbgrader would read them as a failed
    cell, and the points must come from the verdict alone.  Every line is
    indented under a heading, so nothing the student's code printed can pose
    as the grader's verdict below it.
    """
    pieces = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            pieces.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            pieces.append("\n".join(out.get("traceback") or [f"{out.get('ename')}: {out.get('evalue')}"]))
    text = _ANSI.sub("", "\n".join(pieces))
    # What a terminal shows of a progress bar redrawn in place (Keras,
    # tqdm): the last drawing of each line, not every one.
    text = "\n".join(map(_as_shown, text.split("\n"))).strip()
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    if not text:
        return ""
    # The verdict comes last: a long output keeps its start and its end.
    lines = text.split("\n")
    if len(lines) > MAX_SELF_CHECK_LINES:  # nbgrader keeps 1,000 lines a cell: the verdict must fit
        head = MAX_SELF_CHECK_LINES // 3
        cut = len(lines) - MAX_SELF_CHECK_LINES
        lines = lines[:head] + [_("[... {count} lines ...]").format(count=cut)] + lines[head + cut:]
    text = "\n".join(lines)
    if len(text) > MAX_SELF_CHECK_CHARS:
        head = MAX_SELF_CHECK_CHARS // 3
        cut = len(text) - MAX_SELF_CHECK_CHARS
        text = (text[:head] + " " + _("[... {count} characters ...]").format(count=cut) + " "
                + text[head + cut:])
    return _("Your self-check said (public examples, not the grade):") + "\n" + "".join(
        f"  │ {line}\n" for line in text.split("\n"))


def write_verdict(cell, part: Part | None, score: float, checks: list[Check]) -> None:
    """Make the self-check's own words, then the grader's verdict, the
    cell's outputs; the points are the last output, an ``execute_result``
    (which nbgrader's ``SaveAutoGrades`` records as partial credit)."""
    points = part.points if part else float(cell.metadata["nbgrader"]["points"])
    if part and points == 1:  # "1 of 1 point"
        heading = _("Autograder ({title}): {score:g} of {points:g} point, on inputs drawn at grading time.")
    elif part:
        heading = _("Autograder ({title}): {score:g} of {points:g} points, on inputs drawn at grading time.")
    elif points == 1:
        heading = _("Autograder: {score:g} of {points:g} point, on inputs drawn at grading time.")
    else:
        heading = _("Autograder: {score:g} of {points:g} points, on inputs drawn at grading time.")
    lines = [heading.format(title=_(part.title) if part else "", score=score, points=points)]
    for c in checks:
        mark = "✓" if c.passed else ("◐" if c.weight and c.earned > 0 else "✗")
        lines.append(f"  {mark} {c.message}")
    before = self_check_text(cell)
    cell.outputs = ([nbformat.v4.new_output("stream", name="stdout", text=before)] if before else []) + [
        nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(score))},
                               execution_count=cell.get("execution_count")),
    ]


def judge_task(task: dict) -> dict:
    """Run one notebook of a cluster's task on this worker, in the sandbox,
    and return what the coordinator needs (see :mod:`autograder.cluster`).
    Touches nothing but the worker's own folders."""
    import copy

    from autograder.cluster import worker_config

    config, work = worker_config()
    nb = nbformat.reads(task["notebook"], as_version=4)
    runner = JudgedExecute(config=copy.deepcopy(config), **task["limits"])
    with speaking(task["language"]):
        status, answers = runner.run_and_probe(
            nb, {"metadata": {"path": str(work)}}, task["parts"], task["cases"])
    return {"notebook": nbformat.writes(nb), "status": status, "answers": answers,
            "cpu_seconds": runner.cpu_seconds, "start_cpu_seconds": runner.start_cpu_seconds}


def solution_answers(assignment, cases: dict, config, *,
                     sandbox: bool = False) -> dict[str, list[Answer]]:
    """Run each solution notebook in its own kernel and probe it on ``cases``;
    in the sandbox if ``sandbox`` (where the students' kernels run).

    Raises :class:`GradingError` when the solution cannot answer: grading a
    class against a broken solution would be worse than not grading.
    """
    answers: dict[str, list[Answer]] = {}
    for path in assignment.notebooks:
        nb = nbformat.read(path, as_version=4)
        in_notebook = grade_cells(nb)
        parts = [p for p in assignment.parts if p.grade_id in in_notebook]
        # The course's own code: the default time limits even when the
        # students' are set shorter, each with the wall-clock backstop.
        runner = JudgedExecute(config=config, sandbox=sandbox, timeout=CELL_TIMEOUT,
                               submission_timeout=SUBMISSION_TIMEOUT,
                               wall_clock_factor=max(WALL_CLOCK_FACTOR,
                                                     config.JudgedExecute.get("wall_clock_factor", 0)))
        status, got = runner.run_and_probe(
            nb, {"metadata": {"path": str(path.parent)}}, parts, cases)
        if status != "ok":
            raise GradingError(f"the solution notebook {path.name} did not run: {status}")
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    raise GradingError(
                        f"the solution notebook {path.name} raised {out['ename']}: {out['evalue']}")
        for part in parts:
            result = got[part.grade_id]
            if isinstance(result, str):
                raise GradingError(f"the solution's part '{part.grade_id}': {result}")
            for answer in result:
                if not answer.ok:
                    raise GradingError(
                        f"the solution's part '{part.grade_id}' raised {answer.error}")
            answers[part.grade_id] = result
    return answers
