"""The language of what students read: the exercises' self-checks, and
(through the same catalogs' reader) the grader's feedback.

English is the source and needs no catalog. A translation is a gettext
catalog, ``<package>/locale/<language>/LC_MESSAGES/<domain>.po``, read with
Babel when a message in that language is first needed: no compiled ``.mo``
files to keep in step with the ``.po`` ones. A fuzzy or missing translation
shows the English text.

A notebook chooses its language by running ``dlcourse.use_language("ko")``;
the Korean exercise notebooks do so in their first code cell. A course can
give every kernel a default with the environment variable
``DLCOURSE_LANGUAGE`` (for example in its JupyterHub's spawner).
"""

from __future__ import annotations

import functools
import gettext
import io
import os
import warnings
from pathlib import Path

#: The languages students can choose; English is the source.
LANGUAGES = ("en", "ko")
LOCALE = Path(__file__).resolve().parent / "locale"


def checked_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"no messages in {language!r}: choose one of {', '.join(LANGUAGES)}")
    return language


def catalog_path(locale: Path | str, language: str, domain: str) -> Path:
    """Where gettext keeps ``domain``'s catalog in ``language`` under the folder ``locale``."""
    return Path(locale) / language / "LC_MESSAGES" / f"{domain}.po"


def load_catalog(path: Path) -> gettext.GNUTranslations:
    """The translations of the ``.po`` file at ``path`` (fuzzy ones left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        catalog = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@functools.cache
def translations(language: str, domain: str = "dlcourse",
                 locale: Path = LOCALE) -> gettext.NullTranslations:
    """The catalog of ``domain`` in ``language`` (English: the messages as written)."""
    if checked_language(language) == "en":
        return gettext.NullTranslations()
    return load_catalog(catalog_path(locale, language, domain))


_language = os.environ.get("DLCOURSE_LANGUAGE", "en")
if _language not in LANGUAGES:
    warnings.warn(f"DLCOURSE_LANGUAGE={_language!r} is not one of {', '.join(LANGUAGES)}: "
                  "messages are in English", stacklevel=1)
    _language = "en"


def use_language(language: str) -> None:
    """Show the self-checks' messages in ``language`` ("en" or "ko") from now on."""
    global _language
    _language = checked_language(language)


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """``message`` in the language in use (its English text where none is written)."""
    return translations(_language).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for it
    """Mark ``message`` for the catalogs without translating it here: it is
    translated where it is shown (a TypeError's text, read by the self-check)."""
    return message
