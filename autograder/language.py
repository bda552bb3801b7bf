"""The language a student's feedback speaks: the notebook's own.

A Korean exercise notebook says so in its metadata (``dlcourse.language``,
written by ``generate``), and in its first code cell, which sets the
self-checks' language (read where an editor dropped the metadata); a
notebook that lost both still reads in Korean (its instructions are mostly
Hangul). Any other notebook, or a value that is not one of the course's
languages, gets English. The student's kernel, when grading and in
``validate``, starts in the notebook's language (:func:`kernel_arguments`),
so that its self-checks speak it even without that first cell. Grading is
the same in every language: only the words change.

The grader's own words are in ``autograder/locale/<language>/LC_MESSAGES/
autograder.po``; an assignment's (its parts' titles, the messages its
``checks.py`` writes) are in its catalog under ``solutions/locale/``, which
students never get. ``speaking(language, catalog)`` makes ``_`` translate
into that language while one notebook is judged; the feedback page's
template translates with ``say``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import re
from pathlib import Path

from dlcourse.messages import LANGUAGES, catalog_path, checked_language, load_catalog, translations

LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "autograder"

#: The catalog of the notebook being judged; None: English, as written.
_catalog: contextvars.ContextVar[gettext.NullTranslations | None] = contextvars.ContextVar(
    "feedback_catalog", default=None)


#: The translated exercises' first code cell sets the self-checks' language
#: (``dlcourse.use_language("ko")``): read where a notebook lost its metadata.
_USES_LANGUAGE = re.compile(
    r"""^[ \t]*(?:dlcourse\.)?use_language\([ \t]*["'](?P<language>[\w-]+)["'][ \t]*\)""", re.M)


#: Hangul syllables, and the letters of the Latin alphabet.
_HANGUL = re.compile("[\uac00-\ud7a3]")
_LATIN = re.compile("[A-Za-z]")
#: The share of Hangul among the letters of a notebook's text cells above
#: which it reads in Korean: the Korean exercises have 0.5 to 0.7 (their
#: text names code in Latin letters), the English ones 0.01 or less.
KOREAN_TEXT_SHARE = 0.3


def notebook_language(notebook, default: str = "en") -> str:
    """The language a (student's) notebook asks for, if it is one of the
    course's: its metadata's, else the one its own code cells set for the
    self-checks (an editor that drops unknown metadata keeps those), else
    Korean if its text cells are (a notebook that lost both)."""
    metadata = notebook.get("metadata") if isinstance(notebook, dict) else None
    settings = metadata.get("dlcourse") if isinstance(metadata, dict) else None
    language = settings.get("language") if isinstance(settings, dict) else None
    if isinstance(language, str) and language in LANGUAGES:
        return language
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        found = _USES_LANGUAGE.search(_cell_text(cell))
        if found and found["language"] in LANGUAGES:
            return found["language"]
    text = "".join(_cell_text(cell) for cell in cells if isinstance(cell, dict)
                   and cell.get("cell_type") == "markdown") if isinstance(cells, list) else ""
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    if hangul and hangul >= KOREAN_TEXT_SHARE * (hangul + latin):
        return "ko"
    return default


def _cell_text(cell: dict) -> str:
    source = cell.get("source")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def kernel_arguments(language: str) -> list[str]:
    """What a student's kernel is started with so that the self-checks speak
    ``language`` from its first cell on, and ``exit()`` and ``%reset`` leave
    the kernel and its names (``dlcourse.selfcheck.prepare_checked_kernel``):
    IPython runs the line when the kernel starts, before any of the
    notebook's cells."""
    start = "import dlcourse.selfcheck; dlcourse.selfcheck.prepare_checked_kernel()"
    if checked_language(language) != "en":
        start += f"; dlcourse.use_language({language!r})"
    return [f"--IPKernelApp.exec_lines={start}"]


def assignment_catalog(source: Path | str, assignment: str, language: str) -> Path:
    return catalog_path(Path(source) / "locale", language, assignment)


@functools.cache
def _grader_words(language: str) -> gettext.NullTranslations:
    """The grader's words, then the self-checks' (a returned value's
    description, "returned None, not numbers", comes from dlcourse)."""
    if language == "en":
        return gettext.NullTranslations()
    # A catalog of its own, not translations()'s shared one: add_fallback changes it.
    words = load_catalog(catalog_path(LOCALE, language, DOMAIN))
    words.add_fallback(translations(language))
    return words


@functools.cache
def _feedback_catalog(language: str, catalog: str, _modified: int) -> gettext.NullTranslations:
    words = _grader_words(language)
    if language == "en" or not catalog:
        return words
    own = load_catalog(Path(catalog))
    own.add_fallback(words)
    return own


def feedback_catalog(language: str, catalog: Path | None = None) -> gettext.NullTranslations:
    """The grader's words in ``language``, an assignment's own catalog first."""
    checked_language(language)
    if catalog is None or not Path(catalog).is_file():
        return _feedback_catalog(language, "", 0)
    return _feedback_catalog(language, str(catalog), Path(catalog).stat().st_mtime_ns)


@contextlib.contextmanager
def speaking(language: str, catalog: Path | None = None):
    """Within the block, ``_`` translates into ``language``."""
    token = _catalog.set(feedback_catalog(language, catalog))
    try:
        yield
    finally:
        _catalog.reset(token)


def _(message: str) -> str:
    """``message`` in the language of the notebook being judged."""
    catalog = _catalog.get()
    return message if catalog is None else catalog.gettext(message)


class Said(str):
    """A message decided now and shown later: the string is its English
    text (what the instructor's reports keep), and :meth:`shown` says it in
    the language being spoken then (what the student reads).  Made by
    :func:`said`; survives pickling (a cluster's worker returns them)."""

    template: str
    fields: dict

    def __new__(cls, template: str, fields: dict):
        self = super().__new__(cls, template.format(**fields))
        self.template, self.fields = template, dict(fields)
        return self

    def __reduce__(self):
        return (Said, (self.template, self.fields))

    def shown(self) -> str:
        """In the language being spoken; a field that is a Said itself too."""
        return _(self.template).format(**{name: value.shown() if isinstance(value, Said) else value
                                          for name, value in self.fields.items()})


def said(template: str, **fields) -> Said:
    """``template`` with ``fields``, in English now and translatable later."""
    return Said(template, fields)


def shown(message: str) -> str:
    """``message`` as the student reads it: a :class:`Said` in the language
    being spoken, any other string as it is."""
    return message.shown() if isinstance(message, Said) else message


def say(message: str, language: str = "en") -> str:
    """``message`` in ``language``: the grader's words, for a page's template."""
    return feedback_catalog(language).gettext(message)
