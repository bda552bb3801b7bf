"""Where the course keeps its assignments, and how nbgrader is configured.

Everything nbgrader needs to know about the course is set here, once.  The
command line (``python -m autograder``) builds its configuration with
:func:`course_config`, and ``nbgrader_config.py`` at the top of the repository
loads the same settings, so plain ``nbgrader ...`` commands run from there
agree with ours.
"""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

#: The repository: solutions/, exercises/ and the grading work folder live here.
ROOT = Path(__file__).resolve().parent.parent

COURSE_ID = "dlcourse"

#: Checks that decide each part's points; they sit beside the solution
#: notebook and are never released to students or copied next to a submission.
CHECKS_FILE = "checks.py"

#: Git-ignored working folder: submissions, autograded copies, feedback,
#: grading reports and the gradebook.
WORK_DIR = "grading"

#: CPU seconds one cell may use (nbgrader's default of 30 s is too short for a
#: training cell).  Time limits count the CPU time of the submission's own
#: kernel (its cgroup's, child processes and threads included), not the wall
#: clock, so that a busy grading machine changes no grade
#: (autograder.execute.TimeLimits).
CELL_TIMEOUT = 300

#: CPU seconds a whole submission may use, probes included.
SUBMISSION_TIMEOUT = 900

#: Each CPU-time limit has a wall-clock backstop this many times as long: it
#: stops a kernel that waits instead of working (a sleeping loop uses no CPU).
WALL_CLOCK_FACTOR = 4

#: nbgrader's exchange folder, shared by instructors and students on one
#: machine or JupyterHub (``collect --exchange ROOT`` uses another).  This is
#: nbgrader's own default, so the JupyterLab Assignments panel finds it with
#: no setting on the students' side.
EXCHANGE_ROOT = "/usr/local/share/nbgrader/exchange"

#: Folder, inside the feedback folder, that holds the pages' MathJax copy;
#: pages sit two folders below (feedback/<student>/<assignment>/<nb>.html)
#: and load it as ../../_mathjax/tex-mml-chtml.js (autograder/feedback.py).
FEEDBACK_MATHJAX_DIR = "_mathjax"


def course_config(
    root: Path = ROOT,
    *,
    source: Path | None = None,
    release: Path | None = None,
    submitted: Path | None = None,
    work: Path | None = None,
    db_url: str | None = None,
) -> Config:
    """The nbgrader configuration of the course.

    ``root`` is the course folder.  The other arguments move one folder
    elsewhere (absolute paths), which the command line uses to grade a
    folder of submissions where it lies, or to check a solution in a
    throw-away gradebook.  ``db_url`` is the gradebook's SQLAlchemy URL
    (default: ``$DLCOURSE_DB_URL``, else ``gradebook.db`` in the work
    folder; see :mod:`autograder.gradebook`).
    """
    # Imported here so that reading this module stays cheap.
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )
    from nbconvert.preprocessors import ClearMetadataPreprocessor

    from autograder.collect import LmsFileNameCollector
    from autograder.execute import JudgedExecute, RequireVerdict
    from autograder.late import LatePenalty
    from autograder.gradebook import resolve_url, stamp_in_process
    from autograder.sanitize import RestoreCellRoles

    root = Path(root).resolve()
    work = Path(work).resolve() if work else root / WORK_DIR

    c = Config()
    cd = c.CourseDirectory
    cd.root = str(root)
    cd.course_id = COURSE_ID
    cd.source_directory = str(source or root / "solutions")
    cd.release_directory = str(release or root / "exercises")
    cd.submitted_directory = str(submitted or work / "submitted")
    cd.autograded_directory = str(work / "autograded")
    cd.feedback_directory = str(work / "feedback")
    cd.db_url = resolve_url(work, db_url)
    stamp_in_process()  # new gradebooks without an `alembic` process
    cd.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", CHECKS_FILE]

    # Students see a stub that fails loudly until they write their code.
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

    # A deleted self-check cell is put back before grading, so deleting one
    # neither gains nor loses points.
    c.OverwriteCells.add_missing_cells = True
    c.OverwriteCells.missing_cell_notification = (
        "# This cell (id: {cell_id}) was missing from the submission; the grader put it back.\n"
    )

    # nbgrader's sanitizing steps, with cells' roles restored first (see
    # autograder/sanitize.py).
    c.Autograde.sanitize_preprocessors = [
        ClearOutput,
        DeduplicateIds,
        OverwriteKernelspec,
        RestoreCellRoles,
        OverwriteCells,
        CheckCellMetadata,
    ]
    # nbgrader's pipeline, with its Execute step replaced by ours: it runs the
    # notebook, then probes the student's functions and models on inputs drawn
    # at grading time and scores them against the solution notebook.
    c.Autograde.autograde_preprocessors = [
        JudgedExecute,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        RequireVerdict,  # a self-check cell without the grader's verdict scores 0
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    # Late submissions: nbgrader's AssignLatePenalties (above) asks the
    # course's plugin; `grade --due/--late-penalty` set the date and method.
    c.AssignLatePenalties.plugin_class = LatePenalty
    # Collecting: the exchange folder, and the file-name pattern of LMS zips
    # (also used by plain `nbgrader zip_collect`).
    c.Exchange.root = EXCHANGE_ROOT
    c.ZipCollectApp.collector_plugin = LmsFileNameCollector
    # Kernels talk to the grader over local IPC sockets, not TCP ports.
    (work / "ipc").mkdir(parents=True, exist_ok=True)
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = str(work / "ipc" / "kernel")
    c.Execute.timeout = CELL_TIMEOUT
    c.JudgedExecute.submission_timeout = SUBMISSION_TIMEOUT
    c.JudgedExecute.wall_clock_factor = WALL_CLOCK_FACTOR
    c.JudgedExecute.report_directory = str(work / "reports")
    c.JudgedExecute.cases_directory = str(work / "cases")
    c.JudgedExecute.checks_directory = cd.source_directory

    # Feedback pages (nbgrader's generate_feedback): hidden-test regions are
    # cut from test cells before rendering (nbgrader's default feedback shows
    # them), and the page is the course's template "feedback"
    # (autograder/templates/feedback/, on nbconvert's classic one): the scores
    # first, each part by its name, MathJax from a copy beside the pages, not
    # a CDN (see autograder/feedback.py).
    import nbgrader
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    from autograder.feedback import FeedbackPage

    # A student's outputs and markdown are theirs: nbconvert drops JavaScript
    # and widget outputs (sanitize_html), and every piece of HTML a student
    # wrote goes through the course's clean_html (nh3, an allowlist) instead
    # of nbconvert's; math is kept as text for MathJax.  The page's
    # Content-Security-Policy runs nothing but the MathJax loader.
    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor,
                                        FeedbackPage]
    c.HTMLExporter.sanitize_html = True
    c.HTMLExporter.filters = {
        "clean_html": "autograder.feedback.clean_html",
        "ansi2html": "autograder.feedback.ansi_to_html",
        "score_text": "autograder.feedback.score_text",
        "format_points": "autograder.feedback.format_points",
    }
    # nbgrader always renders its template "feedback"; the course's folder of
    # that name comes first and holds the whole page (index.html.j2,
    # feedback.css); nbgrader's folder is still searched for its conf.json.
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [
        str(Path(__file__).with_name("templates")),
        str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"),
    ]
    return c


def work_dir(root: Path = ROOT) -> Path:
    return Path(root).resolve() / WORK_DIR
