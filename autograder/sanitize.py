"""A sanitizing step nbgrader lacks: give every cell back its real role.

nbgrader's ``OverwriteCells`` restores a test cell's source and points, but it
trusts a cell's claim to *be* a graded cell: a submission that marks an answer
cell as graded with made-up points makes nbgrader stop with an error, and the
student gets no grade at all.  :class:`RestoreCellRoles` runs just before it
and writes each cell's nbgrader metadata anew from what the gradebook recorded
when the assignment was generated: its ``grade``, ``solution`` and ``locked``
flags, its points, nbgrader's own schema version (a submission claiming a
newer one, or a graded cell without points, made nbgrader stop with an
error too).  Cells the gradebook does not know, the emptied duplicates
nbgrader's ``DeduplicateIds`` leaves behind, and copies of a cell without
its flags (which ``DeduplicateIds`` does not see) become ordinary cells
(``OverwriteCells`` would otherwise stop on a cell with nbgrader metadata but
no grade id, or on a second cell with the same id).
"""

from __future__ import annotations

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import SCHEMA_VERSION
from nbgrader.preprocessors import NbGraderPreprocessor


def grade_id_of(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _flagged(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader")
    return isinstance(meta, dict) and any(meta.get(flag) is True for flag in ("grade", "solution", "locked"))


def kept_copies(cells) -> dict[str, int]:
    """The index of the one cell that keeps each grade id: the flagged copy
    nbgrader's DeduplicateIds keeps (the last), else the last copy.  The
    other copies run as ordinary cells (here, and in ``validate``)."""
    flagged = {grade_id_of(cell) for cell in cells if _flagged(cell)}
    keeps = {}
    for index, cell in enumerate(cells):
        grade_id = grade_id_of(cell)
        if grade_id and (grade_id not in flagged or _flagged(cell)):
            keeps[grade_id] = index
    return keeps


class RestoreCellRoles(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        self.keeps = kept_copies(nb.cells)
        with Gradebook(info["db_url"]) as self.gradebook:
            return super().preprocess(nb, resources)

    def _find(self, finder, grade_id):
        """The gradebook's record of ``grade_id`` (None if it has none)."""
        try:
            return finder(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return None

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" not in cell.get("metadata", {}):
            return cell, resources
        meta = cell.metadata.nbgrader
        grade_id = grade_id_of(cell)
        source = self._find(self.gradebook.find_source_cell, grade_id) if grade_id else None
        if source is None:
            if meta:
                self.log.warning("Cell %r is not in the gradebook; graded as an ordinary cell",
                                 grade_id)
            del cell.metadata["nbgrader"]
            return cell, resources
        if self.keeps.get(grade_id) != index:
            self.log.warning("Cell %r appears more than once; this copy is graded as an "
                             "ordinary cell", grade_id)
            del cell.metadata["nbgrader"]
            return cell, resources
        graded_cell = self._find(self.gradebook.find_graded_cell, grade_id)
        graded = graded_cell is not None
        solution = self._find(self.gradebook.find_solution_cell, grade_id) is not None
        if meta.get("grade") is not graded or meta.get("solution") is not solution:
            self.log.warning("Cell %r claimed grade=%s solution=%s; restored to %s/%s",
                             grade_id, meta.get("grade"), meta.get("solution"), graded, solution)
        restored = {"schema_version": SCHEMA_VERSION, "grade_id": grade_id, "grade": graded,
                    "solution": solution, "locked": bool(source.locked)}
        if graded:
            restored["points"] = float(graded_cell.max_score)
        cell.metadata["nbgrader"] = restored
        return cell, resources
