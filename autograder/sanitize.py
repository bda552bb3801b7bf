"""A sanitizing step nbgrader lacks: give every cell back its real role.

nbgrader's ``OverwriteCells`` restores a test cell's source and points, but it
trusts a cell's claim to *be* a graded cell: a submission that marks an answer
cell as graded with made-up points makes nbgrader stop with an error, and the
student gets no grade at all.  :class:`RestoreCellRoles` runs just before it
and resets each cell's ``grade`` and ``solution`` flags (and points) to what
the gradebook recorded when the assignment was generated.  Cells the gradebook
does not know, and the emptied duplicates nbgrader's ``DeduplicateIds``
leaves behind, become ordinary cells (``OverwriteCells`` would otherwise
stop on a cell with nbgrader metadata but no grade id).
"""

from __future__ import annotations

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor


class RestoreCellRoles(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        with Gradebook(info["db_url"]) as self.gradebook:
            return super().preprocess(nb, resources)

    def _known(self, finder, grade_id) -> bool:
        try:
            finder(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return False
        return True

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" not in cell.get("metadata", {}):
            return cell, resources
        meta = cell.metadata.nbgrader
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if not grade_id or not self._known(self.gradebook.find_source_cell, grade_id):
            if meta:
                self.log.warning("Cell %r is not in the gradebook; graded as an ordinary cell",
                                 grade_id)
            del cell.metadata["nbgrader"]
            return cell, resources
        graded = bool(grade_id) and self._known(self.gradebook.find_graded_cell, grade_id)
        solution = bool(grade_id) and self._known(self.gradebook.find_solution_cell, grade_id)
        if bool(meta.get("grade")) != graded or bool(meta.get("solution")) != solution:
            self.log.warning("Cell %r claimed grade=%s solution=%s; restored to %s/%s",
                             grade_id, meta.get("grade"), meta.get("solution"), graded, solution)
        meta["grade"], meta["solution"] = graded, solution
        if not graded:
            meta.pop("points", None)
        return cell, resources
