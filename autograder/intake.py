"""Reading a folder of submissions: what each student handed in, and whether
it can be graded.

Every submission gets a clear answer and none stops the run.  A submission
that cannot be graded at all (no notebook, not a notebook, another
assignment's notebook, a file too large to open) gets a status saying why and
scores 0.  One that can be graded despite a slip (a renamed file, an extra
notebook, duplicated or retyped cells) is graded, and its status names the
slip.  The chosen files are copied into the grading work folder
(``grading/submitted/``, nbgrader's input), so grading never modifies or
deletes what students handed in.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.assignment import Assignment

#: Student ids become folder names and gradebook keys: letters, digits and a
#: few separators, starting with a letter or digit.
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")

#: Largest notebook the grader opens.  Exercise notebooks are tens of kB; a
#: notebook with a few figures a few MB.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


@dataclass
class Submission:
    """One student's folder, as the grader found it."""

    student: str
    folder: Path
    problem: str | None = None  # why it cannot be graded; None if it can
    notes: list[str] = field(default_factory=list)  # slips that were worked around
    files: dict[str, Path] = field(default_factory=dict)  # expected name -> file handed in

    @property
    def status(self) -> str:
        if self.problem:
            return self.problem
        return "; ".join(self.notes) if self.notes else "ok"


def _nbgrader_ids(nb) -> dict[str, str]:
    """grade_id -> cell type, for every nbgrader cell of a notebook."""
    ids = {}
    for cell in nb.get("cells", []):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
            ids.setdefault(meta["grade_id"], cell.get("cell_type"))
    return ids


def part_ids(nb) -> set[str]:
    """grade_ids of a notebook's answer and graded cells: the ones that tell
    one assignment from another (every assignment has a ``setup`` cell)."""
    ids = set()
    for cell in nb.get("cells", []):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if isinstance(meta, dict) and (meta.get("grade") or meta.get("solution")) \
                and isinstance(meta.get("grade_id"), str):
            ids.add(meta["grade_id"])
    return ids


def read_problem(path: Path, source_ids: dict[str, str], max_bytes: int,
                 source_parts: set[str] | None = None) -> str | None:
    """Why the file at ``path`` cannot be graded as this notebook, or None.
    The notebook must share a cell with the source: one of ``source_parts``
    (answer and graded cells) when given, else any of ``source_ids``."""
    size = path.stat().st_size
    if size > max_bytes:
        return f"notebook too large ({size / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB)"
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid notebook: not UTF-8 text"
    try:
        data = json.loads(text)
    except ValueError:
        return "invalid notebook: not JSON (damaged or cut short)"
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return "invalid notebook: JSON, but not a Jupyter notebook"
    if not isinstance(data.get("nbformat"), int) or data["nbformat"] < 4:
        return f"invalid notebook: old format (nbformat {data.get('nbformat')}); save it again in Jupyter"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # nbformat raises many kinds; all mean the same here
        first = str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__
        return f"invalid notebook: {first}"
    if not set(_nbgrader_ids(nb)) & set(source_parts or source_ids):
        return "wrong assignment: no cell of this assignment's notebook"
    return None


def slips(path: Path, source_ids: dict[str, str]) -> list[str]:
    """What nbgrader will put right when it grades the notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    found: dict[str, int] = {}
    retyped = False
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if grade_id:
            found[grade_id] = found.get(grade_id, 0) + 1
            if grade_id in source_ids and cell.cell_type != source_ids[grade_id]:
                retyped = True
    notes = []
    if any(count > 1 for count in found.values()):
        notes.append("duplicated cells (the first of each was graded)")
    if retyped:
        notes.append("changed cell types (restored)")
    if set(found) - set(source_ids):
        notes.append("changed cell ids (the original cells were graded)")
    return notes


def inspect(folder: Path, assignment: Assignment, max_bytes: int = MAX_NOTEBOOK_BYTES) -> Submission:
    """Decide what to grade in one student's folder ``folder``."""
    submission = Submission(folder.name, folder)
    if folder.is_symlink() or not folder.is_dir():
        submission.problem = "not a folder (links are never followed)"
        return submission
    if not STUDENT_ID.match(folder.name):
        submission.problem = ("invalid student id (use letters, digits and . _ @ + -; "
                              "rename the folder)")
        return submission
    handed_in = folder / assignment.name
    present = sorted(p for p in handed_in.glob("*.ipynb") if p.is_file() and not p.is_symlink()) \
        if handed_in.is_dir() else []
    for source in assignment.notebooks:
        source_nb = nbformat.read(source, as_version=4)
        source_ids = _nbgrader_ids(source_nb)
        expected = handed_in / source.name
        if expected in present:
            chosen = expected
            others = [p.name for p in present if p != expected and p.name not in
                      {s.name for s in assignment.notebooks}]
            if others and len(assignment.notebooks) == 1:
                submission.notes.append(f"extra notebook ignored: {', '.join(others)}")
        elif len(present) == 1 and len(assignment.notebooks) == 1:
            chosen = present[0]
            submission.notes.append(f"wrong file name: graded {chosen.name}")
        elif present:
            names = ", ".join(p.name for p in present)
            submission.problem = f"missing notebook: found {names}, none named {source.name}"
            return submission
        else:
            submission.problem = "missing notebook"
            return submission
        problem = read_problem(chosen, source_ids, max_bytes, part_ids(source_nb))
        if problem:
            submission.problem = problem
            return submission
        submission.notes += slips(chosen, source_ids)
        submission.files[source.name] = chosen
    return submission


def stage(submission: Submission, staging: Path, assignment: Assignment) -> str | None:
    """Copy what will be graded into ``staging/<student>/<assignment>/`` under
    the expected names, with nbgrader's ``timestamp.txt`` when ``collect``
    wrote the submission's receipt time (a ``timestamp.txt`` written by
    anyone else is not copied: see :func:`autograder.collect.trusted_receipt`).
    Returns that time, or None."""
    from autograder.collect import trusted_receipt

    dest = staging / submission.student / assignment.name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, path in submission.files.items():
        shutil.copyfile(path, dest / name)
    received = trusted_receipt(submission.folder / assignment.name, submission.files)
    if received:
        (dest / "timestamp.txt").write_text(received)
    return received
