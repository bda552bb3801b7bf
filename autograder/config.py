"""How nbgrader is wired to the course: the one place that names the
course's plugins and preprocessors.

:func:`course_config` returns the nbgrader configuration for a course
folder.  It names the course's classes by dotted path (nbconvert and
traitlets import them when they are used), so this module imports only the
settings and the gradebook's URL rule, and it has no side effects: it creates nothing, patches
nothing, connects to nothing.  :class:`autograder.course.Course` calls it
with its traits; ``nbgrader_config.py`` calls it through the same class, so
plain ``nbgrader ...`` commands run from the top of the repository agree with
``python -m autograder``.
"""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

from autograder.gradebook import resolve_url
from autograder.settings import (
    CELL_TIMEOUT,
    CHECKS_FILE,
    COURSE_ID,
    EXCHANGE_ROOT,
    SUBMISSION_TIMEOUT,
    WALL_CLOCK_FACTOR,
    WorkDir,
)

TEMPLATES = Path(__file__).with_name("templates")


def course_config(root: Path, *, work: Path, release: Path | None = None, db_url: str = "",
                  cell_timeout: int = CELL_TIMEOUT, submission_timeout: int = SUBMISSION_TIMEOUT,
                  wall_clock_factor: float = WALL_CLOCK_FACTOR, sandbox: bool = True,
                  zygote: bool = True, cluster: str = "", cluster_certificates: str = "",
                  cluster_trusted_loopback: bool = False) -> Config:
    """The nbgrader configuration of the course in ``root``, grading in
    ``work``.  ``db_url`` is the gradebook's SQLAlchemy URL (empty:
    ``$DLCOURSE_DB_URL``, else ``gradebook.db`` in ``work``)."""
    root, work = Path(root), WorkDir(Path(work))
    c = Config()
    cd = c.CourseDirectory
    cd.root = str(root)
    cd.course_id = COURSE_ID
    cd.source_directory = str(root / "solutions")
    cd.release_directory = str(release or root / "exercises")
    cd.submitted_directory = str(work.submitted)
    cd.autograded_directory = str(work.autograded)
    cd.feedback_directory = str(work.feedback)
    cd.db_url = resolve_url(work.root, db_url)
    cd.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", CHECKS_FILE]

    # Students see a stub that fails loudly until they write their code.
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

    # A deleted self-check cell is put back before grading, so deleting one
    # neither gains nor loses points.
    c.OverwriteCells.add_missing_cells = True
    c.OverwriteCells.missing_cell_notification = (
        "# This cell (id: {cell_id}) was missing from the submission; the grader put it back.\n"
    )

    nbgrader = "nbgrader.preprocessors."
    # nbgrader's sanitizing steps, with cells' roles restored first (see
    # autograder/sanitize.py).
    c.Autograde.sanitize_preprocessors = [
        nbgrader + "ClearOutput",
        nbgrader + "DeduplicateIds",
        nbgrader + "OverwriteKernelspec",
        "autograder.sanitize.RestoreCellRoles",
        nbgrader + "OverwriteCells",
        nbgrader + "CheckCellMetadata",
    ]
    # nbgrader's pipeline, with its Execute step replaced by ours: it runs the
    # notebook, then probes the student's functions and models on inputs drawn
    # at grading time and scores them against the solution notebook.
    c.Autograde.autograde_preprocessors = [
        "autograder.execute.JudgedExecute",
        nbgrader + "IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "autograder.execute.MarkedLimitOutput",  # nbgrader's, marked wherever it cuts
        "autograder.execute.RequireVerdict",  # a self-check cell without the grader's verdict scores 0
        nbgrader + "SaveAutoGrades",
        nbgrader + "AssignLatePenalties",
        nbgrader + "CheckCellMetadata",
    ]
    # Late submissions: nbgrader's AssignLatePenalties (above) asks the
    # course's plugin; `grade --due/--late-penalty` set the date and method.
    c.AssignLatePenalties.plugin_class = "autograder.late.LatePenalty"
    # Collecting: the exchange folder, and the file-name pattern of LMS zips
    # (also used by plain `nbgrader zip_collect`).
    c.Exchange.root = EXCHANGE_ROOT
    c.ZipCollectApp.collector_plugin = "autograder.collect.LmsFileNameCollector"
    # Kernels talk to the grader over local IPC sockets, not TCP ports (the
    # folder is made where kernels start: autograder.execute).
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = str(work.ipc / "kernel")
    c.Execute.timeout = cell_timeout
    c.JudgedExecute.submission_timeout = submission_timeout
    c.JudgedExecute.wall_clock_factor = wall_clock_factor
    c.JudgedExecute.sandbox = sandbox
    c.JudgedExecute.zygote = zygote  # kernels forked from a warm process (autograder/zygote.py)
    # Student code run on a Dask cluster's workers instead (autograder/cluster.py).
    c.JudgedExecute.cluster = cluster
    c.JudgedExecute.cluster_certificates = cluster_certificates
    c.JudgedExecute.cluster_trusted_loopback = cluster_trusted_loopback
    c.JudgedExecute.report_directory = str(work.reports)
    c.JudgedExecute.cases_directory = str(work.cases)
    c.JudgedExecute.checks_directory = cd.source_directory

    # Feedback pages (nbgrader's generate_feedback): hidden-test regions are
    # cut from test cells before rendering (nbgrader's default feedback shows
    # them), and the page is the course's template "feedback"
    # (autograder/templates/feedback/, on nbconvert's classic one): the scores
    # first, each part by its name, MathJax from a copy beside the pages, not
    # a CDN (see autograder/feedback.py).
    #
    # A student's outputs and markdown are theirs: nbconvert drops JavaScript
    # and widget outputs (sanitize_html), and every piece of HTML a student
    # wrote goes through the course's clean_html (nh3, an allowlist) instead
    # of nbconvert's; math is kept as text for MathJax.  The page's
    # Content-Security-Policy runs nothing but the MathJax loader.
    c.GenerateFeedback.preprocessors = [
        nbgrader + "GetGrades",
        nbgrader + "ClearHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
        "autograder.feedback.FeedbackPage",
    ]
    c.HTMLExporter.sanitize_html = True
    c.HTMLExporter.filters = {
        "clean_html": "autograder.feedback.clean_html",
        "ansi2html": "autograder.feedback.ansi_to_html",
        "score_text": "autograder.feedback.score_text",
        "say": "autograder.feedback.say_filter",
        "format_points": "autograder.feedback.format_points",
    }
    # nbgrader always renders its template "feedback"; the course's folder of
    # that name comes first and holds the whole page (index.html.j2,
    # feedback.css); nbgrader's folder is still searched for its conf.json.
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), _formgrader_templates()]
    return c


def _formgrader_templates() -> str:
    """nbgrader's own template folder, found without importing nbgrader."""
    from importlib.util import find_spec

    spec = find_spec("nbgrader")
    return str(Path(spec.origin).parent / "server_extensions" / "formgrader" / "templates")
