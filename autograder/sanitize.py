"""A sanitizing step nbgrader lacks: give every cell back its real role.

nbgrader's ``OverwriteCells`` restores a test cell's source and points, but it
trusts a cell's claim to *be* a graded cell: a submission that marks an answer
cell as graded with made-up points makes nbgrader stop with an error, and the
student gets no grade at all.  :class:`RestoreCellRoles` runs just before it
and resets each cell's ``grade`` and ``solution`` flags (and points) to what
the gradebook recorded when the assignment was generated.  Cells the gradebook
does not know become ordinary cells.
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
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            return cell, resources
        grade_id = meta.get("grade_id")
        graded = bool(grade_id) and self._known(self.gradebook.find_graded_cell, grade_id)
        solution = bool(grade_id) and self._known(self.gradebook.find_solution_cell, grade_id)
        if bool(meta.get("grade")) != graded or bool(meta.get("solution")) != solution:
            self.log.warning("Cell %r claimed grade=%s solution=%s; restored to %s/%s",
                             grade_id, meta.get("grade"), meta.get("solution"), graded, solution)
        meta["grade"], meta["solution"] = graded, solution
        if not graded:
            meta.pop("points", None)
        return cell, resources
