"""Feedback for students: one HTML page per student and assignment.

The pages are nbgrader's own (``generate_feedback``, its ``feedback``
template) rendered from the autograded notebooks, with the course's settings
from :mod:`autograder.config`: hidden-test regions are cut from test cells,
and MathJax comes from a copy in ``feedback/_mathjax/`` instead of a CDN.

What a page shows: the student's own cells, the public self-check cells, and
under each self-check the grader's verdict (each check in words and the
points).  What it cannot show, because it is not in the autograded notebook:
``checks.py``, the solution notebook, the inputs drawn for the run and the
solution's answers on them (``cases/<assignment>.json``), the probe.

A submission that was never graded (no notebook, not a notebook, ...) gets a
short page saying why, with its score of 0.

What a student wrote cannot script or restyle the page (see
``autograder/templates/feedback/index.html.j2``): their markdown, HTML,
Markdown and raw outputs go through :func:`clean_html` (nh3, an allowlist:
no script, style, form, frame, event handler or ``javascript:`` link, no
class but the few markdown and code highlighting use, ids prefixed), the
page's Content-Security-Policy (:data:`CONTENT_SECURITY_POLICY`) runs only
the MathJax loader written into the page, whose hash it names, and what that
loader adds ('strict-dynamic'); MathJax gets no ``\\href``, ``\\style``,
``\\class`` or ``\\cssId``; and each cell of the notebook paints only inside
its own box (CSS containment), so nothing drawn by a student can cover the
scores.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2
import nbformat
import nh3
from nbconvert.preprocessors import Preprocessor
from pygments.token import STANDARD_TYPES
from traitlets import Bool, Float, Unicode

from autograder.checks import GradingError
from autograder.intake import (
    DUPLICATED_CELLS,
    EDITED_CHECKS,
    EXTRA_NOTEBOOKS,
    MISSING_NOTEBOOK,
    MISSING_NOTEBOOK_NAMED,
    NO_METADATA,
    NOT_IN_ITS_FOLDER,
    QUOTED_NAMES,
    RENAMED_CELLS,
    RETYPED_CELLS,
    WRONG_ASSIGNMENT,
    WRONG_FILE_NAME,
    is_student_id,
)
from autograder.language import notebook_language, say
from autograder.late import late_duration
from autograder.results import read_run
from autograder.settings import FEEDBACK_MATHJAX_DIR, ROOT
from autograder.utils import quiet_nbgrader, require_success, templates
from dlcourse.messages import LANGUAGES, N_

log = logging.getLogger(__name__)

#: Where a page finds MathJax: pages sit in feedback/<student>/<assignment>/,
#: MathJax in feedback/_mathjax/ (see autograder/config.py).
MATHJAX_URL = f"../../{FEEDBACK_MATHJAX_DIR}/tex-mml-chtml.js"

#: The one script a feedback page runs, written into the page (its hash is in
#: the page's policy): MathJax's settings for notebook math ($...$, $$...$$),
#: then MathJax itself from the copy beside the pages.  TeX may not make links,
#: classes, ids or styles (no \href, \class, \cssId, \style; not through
#: \require{html} either), and the safe extension drops any that get through.
MATHJAX_LOADER = r"""
window.MathJax = {
  tex: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
    autoload: {html: []},
    require: {allow: {html: false}}
  },
  loader: {load: ["ui/safe"]},
  options: {safeOptions: {allow: {URLs: "none", classes: "none", cssIDs: "none", styles: "none"}}}
};
(function () {
  var script = document.createElement("script");
  script.src = "%s";
  script.async = true;
  document.head.appendChild(script);
})();
""" % MATHJAX_URL


def csp_hash(text: str) -> str:
    """A CSP hash source for an inline script or style with content ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


#: The feedback pages' Content-Security-Policy, as a <meta> element before
#: anything a student wrote.  Scripts: only the loader above (its hash), and
#: what it loads ('strict-dynamic': MathJax and its components); no 'self', no
#: file:, so no script file on the disk or a server runs, whether the page is
#: opened from a folder or served.  Styles: MathJax writes its CSS into <style>
#: elements at run time, so <style> elements may be inline (students' ones are
#: removed by clean_html), but no style="..." attribute applies.  Fonts: only
#: from the page's own origin (MathJax's, beside the page).  Images: only data:
#: (outputs), so nothing is fetched from the network.  Nothing else.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    f"script-src {csp_hash(MATHJAX_LOADER)} 'strict-dynamic'",
    "style-src 'unsafe-inline'",
    "style-src-elem 'unsafe-inline'",
    "style-src-attr 'none'",
    "font-src 'self'",
    "img-src data:",
    "connect-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
])

#: The markup a student's markdown and outputs may keep: text structure,
#: tables, code, images, links.  Everything else is dropped (the tags below
#: with their content).
ALLOWED_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strike", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u",
    "ul", "var", "wbr",
}
DROPPED_WITH_CONTENT = {
    "script", "style", "template", "iframe", "frame", "frameset", "object", "embed", "applet",
    "noscript", "noembed", "noframes", "svg", "math", "title", "textarea", "select", "xmp",
    "plaintext", "head",
}
#: Classes that markdown (headings' links, highlighted code) and pandas tables
#: use; any other class a student writes is dropped, so no page style applies.
ALLOWED_CLASSES = {
    "a": {"anchor-link"},
    "div": {"highlight"},
    "span": {name for name in STANDARD_TYPES.values() if name},
    "table": {"dataframe"},
}
#: Prefix of every id a student's markup keeps (headings' anchors), so that
#: none is the page's own (#top, #part-...).
ID_PREFIX = "user-content-"


def _keep_attribute(tag: str, attribute: str, value: str):
    if attribute == "href":
        if value.startswith("#"):
            return "#" + ID_PREFIX + value[1:]
        return value if re.match(r"(?i)(https?|mailto):", value) else None
    if attribute == "src":  # images from outputs and attachments only, no tracking pixels
        return value if re.match(r"(?i)data:image/", value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes={
        "*": {"title"},
        "a": {"href"},
        "img": {"src", "alt", "width", "height"},
        "ol": {"start"},
        "td": {"colspan", "rowspan", "align"},
        "th": {"colspan", "rowspan", "align", "scope"},
        **{f"h{level}": {"id"} for level in range(1, 7)},
    },
    attribute_filter=_keep_attribute,
    allowed_classes=ALLOWED_CLASSES,
    id_prefix=ID_PREFIX,
    url_schemes={"http", "https", "mailto", "data"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def clean_html(markup) -> str:
    """A student's HTML (rendered markdown, an HTML output), with only what
    :data:`ALLOWED_TAGS` and the attributes above allow.  Text, and so math
    ($...$, $$...$$) for MathJax, is kept as it is."""
    markup = markup.decode() if isinstance(markup, bytes) else str(markup)
    return _CLEANER.clean(markup)


def ansi_to_html(text) -> str:
    """Coloured output (tracebacks, progress bars) as HTML: nbconvert's
    ansi2html, with its 16 colours as classes (feedback.css) and without the
    style="..." it writes for 256 and 24-bit colours, which the page's policy
    would refuse anyway.  The text itself is escaped by ansi2html."""
    from nbconvert.filters import ansi2html

    return re.sub(r' style="[^"<>]*"', "", ansi2html(text))


def format_points(value) -> str:
    """3 -> "3", 0.5 -> "0.5", 3.3333 -> "3.33"."""
    return f"{round(float(value or 0), 2):g}"


def score_text(score, points, language: str = "en") -> str:
    """ "0.5 of 1 point", "2 of 3 points" (in ``language``)."""
    total = format_points(points)
    text = N_("{score} of {total} point") if total == "1" else N_("{score} of {total} points")
    return say(text, language).format(score=format_points(score), total=total)


@jinja2.pass_context
def say_filter(context, message: str) -> str:
    """The template's words in the page's language (``resources.feedback.language``)."""
    feedback = context.get("resources", {}).get("feedback", {})
    return say(message, feedback.get("language", "en"))


#: A heading's "(2 points)", or "(2점)" in Korean.
_POINTS_SUFFIX = re.compile(r"\s*\(\s*\d+(?:\.\d+)?\s*(?:points?|점)\s*\)\s*$")


def readable_id(grade_id: str) -> str:
    """ "check_stable_softmax" -> "stable softmax"."""
    name = re.sub(r"^(check|test|grade)_", "", grade_id)
    return name.replace("_", " ").strip() or grade_id


def part_titles(notebook) -> dict:
    """Each grade cell's part title in ``notebook``: the last markdown heading
    above it, without its "(2 points)", e.g. "Part 1: the step activation"."""
    titles, heading = {}, None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", cell.source, re.M)
            if found:
                heading = _POINTS_SUFFIX.sub("", found[-1]).strip() or heading
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and isinstance(meta.get("grade_id"), str) and heading:
            titles[meta["grade_id"]] = heading
    return titles


#: The notes of a run's status that a student should read on their page
#: (what intake did with their file), as templates.
FILE_NOTES = (WRONG_FILE_NAME, EXTRA_NOTEBOOKS, DUPLICATED_CELLS, RETYPED_CELLS, RENAMED_CELLS,
              EDITED_CHECKS, NOT_IN_ITS_FOLDER)
#: Statuses of a submission that was not graded, as templates.
REFUSALS = (MISSING_NOTEBOOK, MISSING_NOTEBOOK_NAMED, WRONG_ASSIGNMENT, NO_METADATA)
_FIELD = re.compile(r"\\\{(\w+)\\\}")
#: The fields of those templates that hold file names a student chose.
QUOTED_FIELDS = frozenset({"file", "files", "found"})


def _notes(status: str, templates_: tuple[str, ...]) -> list[tuple[str, str | None, dict]]:
    """The notes of ``status`` (joined by "; ", which a note may hold too):
    each as (its text, the template it follows or None, the template's fields)."""
    def field(found):  # a student's file names are quoted (intake.file_name): read them whole
        name = found.group(1)
        return f"(?P<{name}>{QUOTED_NAMES if name in QUOTED_FIELDS else '.+?'})"

    patterns = [(t, re.compile(_FIELD.sub(field, re.escape(t)) + "(?=; |$)", re.S))
                for t in templates_]
    notes, at = [], 0
    while at < len(status):
        for template, pattern in patterns:
            if found := pattern.match(status, at):
                notes.append((found.group(0), template, found.groupdict()))
                at = found.end()
                break
        else:
            end = status.find("; ", at)
            end = len(status) if end < 0 else end
            notes.append((status[at:end], None, {}))
            at = end
        at += 2 if status.startswith("; ", at) else 0
    return notes


def say_status(status: str, language: str, templates_: tuple[str, ...] = FILE_NOTES + REFUSALS
               ) -> str:
    """A run's status (notes joined by "; ") in ``language``: each note the
    course words as a template is translated, with its file names as they
    were; any other note as :func:`say` has it (English if no catalog does)."""
    return "; ".join(say(template, language).format(**fields) if template else say(text, language)
                     for text, template, fields in _notes(status, templates_))


def file_notes(status: str, language: str) -> list[str]:
    """The notes of ``status`` about what was done with the student's file
    (FILE_NOTES), in ``language``: shown at the top of their page."""
    return [say(template, language).format(**fields)
            for _, template, fields in _notes(status, FILE_NOTES) if template]


#: How much of a student's markdown (cells and Markdown outputs) a page
#: renders: nbconvert's Markdown renderer takes time that grows with the
#: square of a text's length on some input (unclosed ``\\[`` math, 43 s for
#: 100,000 characters), so that one student's notebook could stall the
#: pages of everyone after it.  An exercise's longest text cell has about
#: 1,500 characters; 10,000 render in under half a second at worst.
MARKDOWN_CHARS_PER_TEXT = 10_000
MARKDOWN_CHARS_PER_PAGE = 100_000


#: What a page says where it cut a student's text.
NOT_SHOWN = N_("({count} more characters not shown)")

#: How much of each HTML output (a table, a widget's markup) a page keeps,
#: and how deeply its tags may nest: the HTML cleaner takes time that grows
#: with the square of the nesting (20,000 nested divs: 2 s; 200,000: over 4
#: minutes), where a table or a plot's markup nests under 20 deep.
HTML_CHARS_PER_OUTPUT = 100_000
HTML_MAX_DEPTH = 200
TOO_DEEP = N_("(an HTML output nested more than {depth} levels deep: not shown)")
#: Elements that never hold others (no closing tag).
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                       "source", "track", "wbr"})
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*>")


def html_depth(markup: str) -> int:
    """How deeply the tags of ``markup`` nest, counted in one pass as an HTML
    parser would, erring on the deep side: a tag opens an element unless it
    is void (``<br>``; ``<div/>`` opens one, as parsers take it), and a
    closing tag closes only an element of its name that is open (with the
    ones opened inside it), never a stray one."""
    stack: list[str] = []
    open_by_name: dict[str, int] = {}
    deepest = 0
    for closing, name in _TAG.findall(markup):
        name = name.lower()
        if closing:
            if open_by_name.get(name):  # each element is closed once: linear in all
                while True:
                    inner = stack.pop()
                    open_by_name[inner] -= 1
                    if inner == name:
                        break
        elif name not in VOID_TAGS:
            stack.append(name)
            open_by_name[name] = open_by_name.get(name, 0) + 1
            deepest = max(deepest, len(stack))
    return deepest


def _bounded_student_text(nb, language: str) -> None:
    """Cut each markdown text of ``nb`` to :data:`MARKDOWN_CHARS_PER_TEXT`
    and the page's to :data:`MARKDOWN_CHARS_PER_PAGE` in all, and each HTML
    output to :data:`HTML_CHARS_PER_OUTPUT`, saying so; an HTML output
    nested deeper than :data:`HTML_MAX_DEPTH` is not shown."""
    left = MARKDOWN_CHARS_PER_PAGE

    def bounded(text: str) -> str:
        nonlocal left
        keep = max(0, min(len(text), MARKDOWN_CHARS_PER_TEXT, left))
        left -= keep
        if keep == len(text):
            return text
        return text[:keep] + "\n\n" + say(NOT_SHOWN, language).format(count=len(text) - keep)

    def bounded_html(markup: str) -> str:
        if len(markup) > HTML_CHARS_PER_OUTPUT:
            markup = markup[:HTML_CHARS_PER_OUTPUT] + "<p>" + say(NOT_SHOWN, language).format(
                count=len(markup) - HTML_CHARS_PER_OUTPUT) + "</p>"
        if html_depth(markup) > HTML_MAX_DEPTH:
            return "<p>" + say(TOO_DEEP, language).format(depth=HTML_MAX_DEPTH) + "</p>"
        return markup

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = bounded(cell.source)
        elif cell.cell_type == "raw":  # drawn as HTML where its format says so
            cell.source = bounded_html(cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if isinstance(data.get("text/markdown"), str):
                data["text/markdown"] = bounded(data["text/markdown"])
            html = data.get("text/html")
            if isinstance(html, list):
                html = "".join(str(line) for line in html)
            if isinstance(html, str):
                data["text/html"] = bounded_html(html)


class FeedbackPage(Preprocessor):
    """What the course's feedback template needs beyond nbgrader's grades:
    the page's language (the notebook's: autograder/language.py); each
    part's name, taken from the course's own notebook in that language (the
    released exercise, else the solution), never from the student's copy,
    whose markdown the student may have edited; and the page's policy and
    loader."""

    enabled = Bool(True).tag(config=True)
    #: The student's run status (set per page by :func:`generate_feedback`).
    status = Unicode("ok").tag(config=True)
    #: How late the submission was (set per page by :func:`generate_feedback`).
    seconds_late = Float(0.0).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        language = notebook_language(nb)
        course = {}
        folders = self.config.CourseDirectory
        for key in ("release_directory", "source_directory"):
            folder = folders.get(key)
            if course or not isinstance(folder, str):
                continue
            # The titles as the student's notebook has them: its language's release.
            where = Path(folder)
            if key == "release_directory" and language != "en":
                where = where / language
            path = where / str(info.get("assignment", "")) / f"{info.get('notebook', '')}.ipynb"
            try:
                course = part_titles(nbformat.read(path, as_version=4))
            except (OSError, ValueError):
                course = {}
        titles = {}
        _bounded_student_text(nb, language)
        for cell in nb.cells:
            if cell.cell_type == "markdown" and "attachment:" in cell.source:
                # nbconvert refuses a whole notebook whose markdown names an
                # attachment it does not hold; such an image shows its alt text
                held = cell.get("attachments") or {}
                cell.source = re.sub(
                    r"attachment:([^\s)\"'>]*)",
                    lambda m: m.group(0) if m.group(1) in held else f"missing-attachment:{m.group(1)}",
                    cell.source)
            meta = cell.metadata.get("nbgrader", {})
            grade_id = meta.get("grade_id")
            if meta.get("grade") and isinstance(grade_id, str):
                titles[grade_id] = course.get(grade_id) or readable_id(grade_id)
        resources["feedback"] = {
            "language": language,
            "titles": titles,
            "notes": file_notes(self.status, language),
            "late": late_duration(self.seconds_late, language) if self.seconds_late > 0 else "",
            "policy": CONTENT_SECURITY_POLICY,
            "loader": MATHJAX_LOADER,
        }
        return nb, resources


@dataclass
class Page:
    student: str
    path: Path
    graded: bool
    status: str


def _book_mathjax():
    """The MathJax helper (``book/_ext/offline_mathjax.py``): one home for
    where the MathJax files come from and which of them a page needs."""
    path = ROOT / "book" / "_ext" / "offline_mathjax.py"
    spec = importlib.util.spec_from_file_location("offline_mathjax", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def install_mathjax(feedback_dir: Path) -> Path:
    """Copy MathJax into ``feedback_dir/_mathjax/`` (the pages carry their
    own loader)."""
    return _book_mathjax().copy_mathjax(Path(feedback_dir) / FEEDBACK_MATHJAX_DIR)


def note_page(*, assignment: str, student: str, status: str, score: float, max_score: float,
              graded: bool, languages: list[str]) -> str:
    """The page of a student whose notebook nbgrader could not draw: their
    score, or why they were not graded, in each of ``languages``."""
    return templates(say=say, say_status=say_status).get_template("feedback_note.html.j2").render(
        assignment=assignment, student=student, status=status, score=score,
        max_score=max_score, graded=graded, languages=languages, score_text=score_text)


def _languages(course, name: str, student: str, assignment) -> list[str]:
    """The languages of a student's note: their notebook's, as its report
    recorded it, or every language of the course when no notebook of theirs
    was read (a submission refused at intake is not opened again)."""
    for notebook in assignment.notebooks:
        path = course.paths.check_report(name, student, notebook.stem)
        try:
            language = json.loads(path.read_text()).get("language")
        except (OSError, ValueError, AttributeError):
            continue
        if language in LANGUAGES:
            return [language]
    return list(LANGUAGES)


def generate_feedback(name: str, course) -> list[Page]:
    """Write the feedback pages of every student in the last grading run of
    assignment ``name`` into ``<work>/feedback/<student>/<name>/``."""

    assignment = course.assignment(name)
    _, results = read_run(course.work, name)
    feedback_dir = Path(course.config.CourseDirectory.feedback_directory)
    autograded = Path(course.config.CourseDirectory.autograded_directory)
    install_mathjax(feedback_dir)
    api = course.api()
    # A graded submission whose page nbgrader could not draw: the score, and
    # that the instructor has the details; one never graded: why (note_page).
    pages = []
    students = sorted(results.items())
    for index, (student, result) in enumerate(students, 1):
        if not is_student_id(student):
            log.warning(f"  [{index}/{len(students)}] {student!r}: no page (not a valid student id)")
            continue
        status = result.status
        folder = feedback_dir / student / name
        # Graded in this run: nbgrader's page.  Otherwise a note, even if an
        # earlier run left an autograded copy behind.
        drawn = False
        if result.graded and (autograded / student / name).is_dir():
            api.config.FeedbackPage.status = status  # its notes about the file, on the page
            api.config.FeedbackPage.seconds_late = result.seconds_late
            try:
                with quiet_nbgrader():
                    require_success(api.generate_feedback(name, student, force=True),
                                    f"write the feedback of {student}")
                drawn = True
            except GradingError as error:  # this student's page only; the others go on
                log.warning(f"  [{index}/{len(students)}] {student}: {error}")
            for notebook in assignment.notebooks if drawn else []:
                pages.append(Page(student, folder / f"{notebook.stem}.html", True, status))
        if not drawn:
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            graded = result.graded
            for notebook in assignment.notebooks:
                path = folder / f"{notebook.stem}.html"
                page = note_page(assignment=name, student=student, status=status,
                                 score=result.score, max_score=assignment.max_score,
                                 graded=graded,
                                 languages=_languages(course, name, student, assignment))
                path.write_text(page)
                pages.append(Page(student, path, graded, status))
        log.info(f"  [{index}/{len(students)}] {student}: {result.score:g}/{result.max_score:g} "
            f"{'' if status == 'ok' else status + ' '}-> {folder}")
    return pages
