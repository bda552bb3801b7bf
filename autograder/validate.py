"""``python -m autograder validate FILE``: is this notebook ready to submit?

For students, in their own Python environment (their code, their machine:
no sandbox).  It needs only the released notebooks in an ``exercises/``
folder (the course's, or the course kit's one the notebook sits in) and the
``dlcourse`` package, never ``solutions/``.  It says, in plain words:

- whether the file can be read as a notebook of one of the assignments (the
  grader's own messages, :func:`autograder.intake.read_problem` and
  :func:`autograder.intake.slips`), and which assignment it is;
- locked cells changed or deleted (the grader puts the originals back);
- then it runs the notebook top to bottom with nbgrader's ``Validator`` and
  reports each part: passed, not answered yet (its answer still raises
  ``NotImplementedError``), or the self-check's own message.

The exit status is 0 when the notebook is ready to submit, 1 when not.
Passing the self-checks does not guarantee full marks: the grader checks
each part again on other inputs.
"""

from __future__ import annotations

import codecs
import copy
import json
import sys
import tempfile
import warnings
from pathlib import Path
from unittest import mock

import nbformat
import nbgrader.validator
from nbclient.exceptions import CellTimeoutError
from nbconvert.filters import strip_ansi
from nbgrader.utils import determine_grade, is_grade, is_locked, is_solution
from nbgrader.validator import Validator
from traitlets.config import Config

from autograder.intake import (
    MAX_NOTEBOOK_BYTES,
    NO_METADATA,
    _is_stub,
    _nbgrader_ids,
    changed_since_released,
    read_notebook,
    read_problem,
    slips,
)
from autograder.language import _, kernel_arguments, notebook_language, speaking
from autograder.rebinding import answer_functions, bound_names, later_bindings, python_of
from autograder.sanitize import grade_id_of, kept_copies
from autograder.settings import CELL_TIMEOUT, ROOT
from autograder.text import FULL_WIDTH_NOTE, full_width


class _KeepingValidator(Validator):
    """nbgrader's Validator, keeping the executed notebook for a per-part report."""

    executed = running = None

    def validate(self, filename):
        # nbgrader reads the file with nbformat, which refuses a byte-order
        # mark; the grader reads the notebook after it (read_notebook).
        with mock.patch.object(nbgrader.validator, "read_nb", read_notebook):
            return super().validate(filename)

    def _preprocess(self, nb):
        # A copied cell runs as an ordinary cell, the last copy is the part's,
        # as when grading (nbgrader's own check would refuse the notebook).
        keeps = kept_copies(nb.cells)
        for index, cell in enumerate(nb.cells):
            if "nbgrader" in cell.metadata and keeps.get(grade_id_of(cell), index) != index:
                del cell.metadata["nbgrader"]
        self.running = nb  # run in place: what ran is there if the kernel dies
        self.executed = super()._preprocess(nb)
        return self.executed


def _heading(cell) -> str | None:
    """The title of a part, if ``cell`` is its heading (a "## " line)."""
    if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## "):
        return cell.source.lstrip()[3:].splitlines()[0].strip()
    return None


def _later_rebindings(nb, reference) -> list[str]:
    """Warnings for the functions the exercise's answer cells define that a
    cell after the student's answer cell binds again
    (:func:`autograder.rebinding.later_bindings`)."""
    warnings = []
    for name, kind, index in later_bindings(nb, answer_functions(reference)):
        title = _part_above(nb, index)
        place = (_("in a cell under \"{part}\"").format(part=title) if title
                 else _("in a cell before the first part"))
        warnings.append((_("`{name}` is defined again {place}, after its answer cell: the "
                           "grader uses the last definition, which your self-check did not "
                           "test. Keep one definition, in the answer cell.")
                         if kind == "function" else
                         _("`{name}` is given another value {place}, after its answer cell: "
                           "the grader still calls your function, but the self-checks after "
                           "that cell cannot. Use another name there.")).format(
            name=name, place=place))
    return warnings


def _locked_cells_put_back(nb, reference):
    """``nb`` as the grader runs it: each locked cell of the exercise that
    the student changed is put back as released, and each deleted self-check
    after the cell of the exercise before it, so that validate says what
    the original self-check says, as the grader will."""
    nb = copy.deepcopy(nb)
    keeps = kept_copies(nb.cells)
    previous = None

    def released(cell):
        cell = copy.deepcopy(cell)
        if nb.get("nbformat_minor", 0) < 5:  # cell ids came with nbformat 4.5 (Colab saves 4.4)
            cell.pop("id", None)
        return cell

    for cell in reference.cells:
        grade_id = grade_id_of(cell)
        if not grade_id:
            continue
        if is_locked(cell) and not is_solution(cell):
            if grade_id in keeps:  # its code, and its type if that changed too
                nb.cells[keeps[grade_id]] = released(cell)
            elif is_grade(cell):  # as nbgrader's OverwriteCells(add_missing_cells=True)
                at = keeps[previous] + 1 if previous in keeps else len(nb.cells)
                nb.cells.insert(at, released(cell))
                keeps = kept_copies(nb.cells)
        previous = grade_id
    return nb


def _written_above(nb, answers: list[int]) -> list[str]:
    """The functions that the answer cells at ``answers`` that are still the
    exercise's stubs define and a cell of the student's above them defined
    first: the grader asks the notebook's own function, not the stub
    (autograder.probe.keeper_arguments), but the self-check calls the stub."""
    found = []
    for at in answers:
        if not _is_stub(nb.cells[at].source):
            continue
        tree = python_of(nb.cells[at].source)
        asked = {n for n, kind in bound_names(tree).items() if kind == "function"} if tree else set()
        for cell in nb.cells[:at]:
            # Any code cell above but the exercise's self-checks and stubs
            # (another part's answer cell counts; a pasted copy of the stub
            # is not the student's function, and the grader does not ask it).
            if cell.cell_type == "code" and not (is_grade(cell) and not is_solution(cell)) \
                    and not _is_stub(cell.source) and (tree := python_of(cell.source)):
                found += [n for n, kind in bound_names(tree).items()
                          if kind == "function" and n in asked and n not in found]
    return found


def _part_above(nb, index: int) -> str | None:
    """The title of the part above cell ``index``."""
    titles = [title for cell in nb.cells[:index + 1] if (title := _heading(cell))]
    return titles[-1] if titles else None


def _stopped_in(nb) -> int | None:
    """The index of the first code cell that never finished (nbclient
    records when each reply came and when the kernel went idle after it; a
    kernel that dies at once may not even have said that the cell started,
    and a cell past its time that does not stop sends no idle), if any."""
    return next((i for i, cell in enumerate(nb.cells)
                 if cell.cell_type == "code" and cell.source.strip()
                 and not {"shell.execute_reply", "iopub.status.idle"}
                 <= set(cell.metadata.get("execution", {}))), None)


def released(exercises: Path = ROOT / "exercises") -> dict[str, Path]:
    """Assignment name -> its released notebook."""
    return {p.parent.name: p for p in sorted(exercises.glob("*/*.ipynb"))
            if p.stem == p.parent.name}


def released_folder(path: Path) -> Path | None:
    """The ``exercises/`` folder holding the released notebooks: the
    course's own, else the nearest one above ``path`` (the course kit's), else
    one in the current folder."""
    path = Path(path).resolve()
    candidates = [ROOT / "exercises", *(parent / "exercises" for parent in path.parents),
                  Path.cwd() / "exercises"]
    return next((folder for folder in candidates if released(folder)), None)


def _guess(path: Path, notebooks: dict[str, Path]) -> str | None:
    """The assignment whose cells the notebook shares most, if any."""
    try:
        ids = set(_nbgrader_ids(read_notebook(path)))
    except Exception:  # unreadable: read_problem says why
        return None
    overlap = {name: len(ids & set(_nbgrader_ids(nbformat.read(nb, as_version=4))))
               for name, nb in notebooks.items()}
    best = max(overlap, key=overlap.get, default=None)
    return best if best and overlap[best] else None


#: Of an error, at most this many lines of the traceback above its message
#: (where in the student's code it happened), and of its message.
CONTEXT_LINES, MESSAGE_LINES = 6, 40


def _stderr_text(cell, lines: int = 4) -> str:
    """The first ``lines`` lines a cell wrote to stderr (a warning)."""
    text = strip_ansi("".join(o.get("text", "") for o in cell.get("outputs", [])
                              if o.get("output_type") == "stream" and o.get("name") == "stderr"))
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[:lines] + (["[...]"] if len(kept) > lines else []))


def _student_frame(traceback: list[str], ename: str) -> list[str]:
    """The innermost frame of the student's own code in an IPython
    traceback (one entry per frame, "Cell In[3], line 5, in f()" for a
    cell's), cut to the lines up to its arrow; [] if none.  An error raised
    inside a library (``input()`` in ipykernel, a Keras layer) then shows
    the student's line that called it, not the library's."""
    frames = [strip_ansi(entry).strip() for entry in traceback]
    frames = [frame.splitlines() for frame in frames if frame.startswith("Cell In[")]
    if not frames:
        return []
    # A SyntaxError's frame ends with its message, which follows anyway.
    frame = [line for line in frames[-1] if not line.startswith(f"{ename}:")]
    arrow = next((i for i, line in enumerate(frame) if line.lstrip().startswith("-")), len(frame) - 1)
    return [frame[0]] + [line for line in frame[max(1, arrow - CONTEXT_LINES + 2):arrow + 1]
                         if line.strip()]


def _error_text(cell) -> str | None:
    """A cell's error as the student needs it: the whole message (a failed
    self-check's names the call, what was wrong and what was expected, over
    several lines), after the last lines of the traceback above it (none for
    a self-check, whose traceback is the course's code, not the student's)."""
    for output in cell.get("outputs", []):
        if output.output_type == "error" and output.ename == "SelfCheckFailed":
            return strip_ansi(output.evalue).strip()  # the course's own message, whole
        if output.output_type == "error":
            lines = strip_ansi("\n".join(output.traceback)).strip().splitlines()
            starts = [i for i, line in enumerate(lines) if line.startswith(f"{output.ename}:")]
            if not starts:
                return "\n".join(lines[-8:]) or f"{output.ename}: {output.evalue}"
            start = starts[-1]
            context = _student_frame(output.traceback, output.ename) or \
                [line for line in lines[max(0, start - CONTEXT_LINES):start] if line.strip()]
            message = lines[start:]
            if len(message) > MESSAGE_LINES:
                message = message[:MESSAGE_LINES] + ["[...]"]
            if output.ename == "StdinNotImplementedError":  # input()
                message.append(_("input() waits for someone to type, and nobody can while the "
                                 "notebook is checked or graded: write the value in the code "
                                 "instead."))
            if wide := full_width(f"{output.ename}: {output.evalue}"):
                message.append(_(FULL_WIDTH_NOTE).format(character=wide[0], half=wide[1]) + ".")
            return "\n".join(context + message)
    return None


def _raised(cell, name: str) -> bool:
    return any(o.output_type == "error" and o.ename == name for o in cell.get("outputs", []))


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _language_of(path: Path) -> str:
    """The language the notebook asks for (the Korean exercises: "ko"), else English."""
    try:
        if path.stat().st_size <= MAX_NOTEBOOK_BYTES:
            return notebook_language(json.loads(path.read_bytes()))
    except (OSError, ValueError):
        pass
    return "en"


def check(path: Path, assignment: str | None = None, *, exercises: Path | None = None,
          timeout: int = CELL_TIMEOUT) -> tuple[bool, list[str]]:
    """(ready to submit?, messages) for the notebook at ``path``; the
    released notebooks are in ``exercises`` (default: :func:`released_folder`).
    The messages are in the notebook's language."""
    path = Path(path)
    language = _language_of(path)
    with speaking(language):
        return _check(path, assignment, exercises, timeout, language)


def _part_titles(reference, released_notebook: Path, language: str) -> dict[str, str]:
    """The grade id of each self-check cell -> the title of the part it
    checks, from the released notebook in ``language``, else ``reference``
    (the English one, read from ``released_notebook``): a heading the student
    deleted or changed does not rename a part."""
    translated = released_notebook.parents[1] / language / released_notebook.parent.name / \
        released_notebook.name
    nb = nbformat.read(translated, as_version=4) if translated.is_file() else reference
    titles, title = {}, None
    for cell in nb.cells:
        title = _heading(cell) or title
        if title and cell.cell_type == "code" and is_grade(cell):
            titles[cell.metadata.nbgrader["grade_id"]] = title
    return titles


def _check(path, assignment, exercises, timeout, language):
    if not path.is_file():
        return False, ["✗ " + _("There is no file {path}.").format(path=path)]
    exercises = exercises or released_folder(path)
    notebooks = released(exercises) if exercises else {}
    if not notebooks:
        return False, ["✗ " + _("The assignments' notebooks were not found: keep your notebook in "
                                "the course kit's exercises/ folder (or the course's), or name "
                                "that folder with --exercises.")]
    if assignment and assignment not in notebooks:
        return False, ["✗ " + _("There is no assignment {assignment!r}; the assignments are: "
                                "{assignments}.").format(assignment=assignment,
                                                          assignments=", ".join(notebooks))]
    guess = _guess(path, notebooks)
    if assignment and guess and guess != assignment:
        return False, ["✗ " + _("{file} cannot be graded: this is not a notebook of {assignment} but "
                                "of {guess}: submit the notebook of {assignment}.").format(
                                    file=path.name, assignment=assignment, guess=guess)]
    assignment = assignment or guess
    reference = nbformat.read(notebooks[assignment], as_version=4) if assignment else None
    source_ids = _nbgrader_ids(reference) if reference else {"(none)": "code"}
    problem = read_problem(path, source_ids, MAX_NOTEBOOK_BYTES)
    if problem and problem.startswith("wrong assignment"):
        problem = (_("this is not a notebook of {assignment}") if assignment else
                   _("this notebook has none of the cells of any assignment")).format(
                       assignment=assignment) + \
            _(": submit the notebook you downloaded and worked in, not a new one")
    elif problem and problem.startswith("no grading metadata"):
        problem = _(NO_METADATA)
    if problem:
        return False, ["✗ " + _("{file} cannot be graded: {problem}.").format(file=path.name,
                                                                               problem=problem)]

    messages = [_("Checking {file}: a notebook of the assignment {assignment}.").format(
        file=path.name, assignment=assignment)]
    warnings, errors = [], []
    expected = notebooks[assignment].name
    if path.read_bytes().startswith(codecs.BOM_UTF8):
        warnings.append(_("The file starts with a byte-order mark (BOM), which Jupyter cannot open; "
                          "the grader reads the notebook without it. Save it again as UTF-8 "
                          "without BOM."))
    if path.name != expected:
        warnings.append(_("The grader expects the file name {expected}; rename the file before you "
                          "submit it.").format(expected=expected))
    for slip in map(_, slips(path, source_ids)):
        warnings.append(_("{slip}: do not copy, delete or change the type of the exercise's "
                          "cells.").format(slip=f"{slip[0].upper()}{slip[1:]}"))
    nb = read_notebook(path)
    mine = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        mine.setdefault(meta.get("grade_id"), cell)
    bound_anywhere = {name for cell in nb.cells if cell.cell_type == "code"
                      and (tree := python_of(cell.source)) for name in bound_names(tree)}
    titles = _part_titles(reference, notebooks[assignment], language)
    for cell in reference.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if not grade_id:
            continue
        if grade_id not in mine:
            asked = set(bound_names(tree)) if is_solution(cell) and (
                tree := python_of(cell.source)) else set()
            if asked and asked <= bound_anywhere:
                # Retyped into a cell of the student's own: the grader asks
                # the names wherever they were defined.
                warnings.append(_("The answer cell {cell!r} is missing, but another cell defines "
                                  "{names}, which the grader uses. Keep your answers in the "
                                  "exercise's answer cells.").format(
                    cell=grade_id, names=", ".join(sorted(asked))))
            elif is_solution(cell):
                errors.append(_("The answer cell {cell!r} is missing: copy it back from the "
                                "exercise notebook and write your answer in it.").format(cell=grade_id))
            elif is_grade(cell) and grade_id in titles:
                warnings.append(_("The self-check of \"{part}\" was deleted; the grader puts it "
                                  "back, and so did this check: its verdict above is the "
                                  "original's.").format(part=titles[grade_id]))
            else:
                warnings.append(_("The locked cell {cell!r} was deleted; the grader puts it back "
                                  "when it grades.").format(cell=grade_id))
        elif is_locked(cell) and not is_solution(cell) and \
                changed_since_released(mine[grade_id], meta.get("checksum")):
            warnings.append((_("You changed the self-check of \"{part}\"; the grader uses the "
                               "original, and so did this check: its verdict above is the "
                               "original's.").format(part=titles[grade_id])
                             if is_grade(cell) and grade_id in titles else
                             _("You changed the locked cell {cell!r}; the grader uses the original, "
                               "so your change does not count.").format(cell=grade_id)))

    warnings += _later_rebindings(nb, reference)

    config = Config()
    config.Execute.timeout = timeout
    config.Validator.ignore_checksums = True
    config.Execute.extra_arguments = kernel_arguments(language)
    validator = _KeepingValidator(config=config)
    with tempfile.TemporaryDirectory(prefix="dlcourse-validate-") as sockets:
        # The kernel talks over local sockets, as when grading, not TCP ports.
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(sockets) / "kernel")
        # The notebook runs alone, as when grading: in a folder of its own,
        # not beside the student's other files (a module imported from one
        # passed here, and failed when graded).  The assignments release
        # notebooks only, so nothing else is copied in.
        alone = Path(sockets) / "notebook" / path.name
        try:
            alone.parent.mkdir()
            nbformat.write(_locked_cells_put_back(nb, reference), alone)
            validator.validate(str(alone))
        except Exception as error:  # the kernel died, could not start, ...
            said = _("The notebook could not be run to the end: {error}").format(
                error=f"{type(error).__name__}: {str(error).strip()[:300]}")
            if isinstance(error, CellTimeoutError):  # nbclient's words name its own waits
                said = _("The notebook could not be run to the end: a cell ran for more than "
                         "{seconds} s and did not stop when interrupted.").format(seconds=timeout)
            where = _stopped_in(validator.running) if validator.running is not None else None
            if where is not None:
                part = _part_above(validator.running, where)
                where_said = (_("It stopped in a cell under \"{part}\"; the cells after it did "
                                "not run.").format(part=part) if part else
                              _("It stopped in a cell before the first part; the cells after "
                                "it did not run."))
                said += ("" if said.endswith(".") else ".") + " " + where_said
            errors.append(said)
            if where is not None:  # what ran before it is checked as usual
                validator.executed = nbformat.from_dict(dict(
                    validator.running, cells=validator.running.cells[:where]))
    ran = validator.executed
    if ran is None and not errors:
        errors.append(_("The notebook was not run: cells changed type (code or markdown); change "
                        "them back, then validate again."))
    parts, failed = [], 0
    if ran is not None:
        title, answered_at = None, []  # the answer cells since the last self-check
        for index, cell in enumerate(ran.cells):
            title = _heading(cell) or title
            if is_solution(cell):
                answered_at.append(index)
            elif is_grade(cell) and cell.cell_type == "code":
                answers = [ran.cells[i] for i in answered_at]
                grade_id = cell.metadata.nbgrader.get("grade_id")
                name = titles.get(grade_id) or title or grade_id
                score, points = determine_grade(cell)
                answer_error = next((_error_text(a) for a in answers if _error_text(a)), None)
                failing = score is not None and score < points
                earlier = _written_above(ran, answered_at) if failing else []
                if earlier:
                    parts.append(f"✗ {name}: " + _(
                        "the answer cell still holds the exercise's stub, which replaces your "
                        "{names} from a cell above it, so the self-check could not test yours. "
                        "The grader grades yours, but move it into the answer cell.").format(
                            names=", ".join(f"`{n}`" for n in earlier)))
                elif any(_raised(a, "NotImplementedError") for a in answers):
                    parts.append(f"✗ {name}: " + _("not answered yet. Replace "
                                                   "`raise NotImplementedError()` with your code."))
                elif answer_error:
                    parts.append(f"✗ {name}: " + _("your code raised an error:")
                                 + f"\n{_indent(answer_error)}")
                elif failing and _error_text(cell):
                    parts.append(f"✗ {name}: " + _("the self-check failed:") + "\n"
                                 + _indent(_error_text(cell)))
                elif failing:
                    # No error, only text on stderr (nbgrader counts it as a
                    # failure): a warning, which the grader ignores.
                    said = _stderr_text(cell)
                    parts.append(f"✓ {name}: " + _("self-check passed. It also printed a "
                                                   "warning, which costs no points by itself:")
                                 + ("\n" + _indent(said) if said else ""))
                else:
                    parts.append(f"✓ {name}: " + _("self-check passed."))
                failed += parts[-1].startswith("✗")
                answered_at = []
            elif cell.cell_type == "code" and not is_grade(cell) and _error_text(cell):
                where = cell.metadata.get("nbgrader", {}).get("grade_id")
                if where:
                    said = _("The cell {cell!r} raised an error:").format(cell=where)
                elif title:
                    said = _("A cell you added under \"{part}\" raised an error:").format(part=title)
                else:
                    said = _("A cell you added before the first part raised an error:")
                if where:
                    errors.append(said + f"\n{_indent(_error_text(cell))}")
                else:  # as when grading: the cells after it run, and its error costs nothing
                    warnings.append(said + f"\n{_indent(_error_text(cell))}\n" + _(
                        "This costs no points by itself: the cells after it still run. If it "
                        "was to define something a part needs, that part's self-check fails."))
    messages += [f"✗ {e}" for e in errors]
    messages += parts
    messages += [f"! {w}" for w in warnings]
    problems = len(errors) + failed
    if problems:
        messages.append(_("Not ready to submit: {count} problem(s) above.").format(count=problems))
    else:
        messages.append(_("Ready to submit. (The grader checks every part again on other inputs, "
                          "so passing the self-checks does not guarantee full marks.)"))
    return not problems, messages


def main(path: Path, assignment: str | None = None, exercises: Path | None = None) -> int:
    from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning

    with warnings.catch_warnings():
        # nbformat's own words for what the slips above say (duplicated cell
        # ids), printed each time the notebook is read, with its file paths.
        warnings.simplefilter("ignore", DuplicateCellId)
        warnings.simplefilter("ignore", MissingIDFieldWarning)
        ready, messages = check(path, assignment, exercises=exercises)
    print("\n".join(messages))
    sys.stdout.flush()
    return 0 if ready else 1
