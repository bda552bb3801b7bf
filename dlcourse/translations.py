"""The book's Korean edition: message catalogs, configuration and checks.

English is the source. Sphinx's gettext builder extracts every paragraph,
heading, caption and list item of the book (code cells are not messages);
sphinx-intl merges them into one catalog per page under
`book/locale/ko/LC_MESSAGES/` (`chapters/01_tensors.po`, `intro.po`, ...),
where translators fill in the Korean. The Korean book is the same book built
with `language: ko` and those catalogs, from the normal build's execution
cache, so no chapter runs twice and both editions show the same outputs.

    python -m dlcourse.translations extract   # English changed: update the catalogs
    python -m dlcourse.translations config    # write the Korean build's _config.yml
    python -m dlcourse.translations lint      # translations keep their markup (no build)
    python -m dlcourse.translations check     # catalogs current, complete, none fuzzy

`make book` builds the English book at the site's root and the Korean one
under `ko/`; every page links to its twin in the other language.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

from dlcourse.book_config import derived_config, write_config

BOOK = Path(__file__).resolve().parents[1] / "book"
LANGUAGES = ("ko",)
#: The book's title in each edition (_config.yml's `title` is the English one).
TITLES = {"ko": "두 가지 방법으로 배우는 딥러닝: Keras와 PyTorch"}


def locale_dir(book):
    return Path(book).resolve() / "locale"


def edition_dir(book, language):
    """Where the edition's build goes (its HTML is copied to `_build/html/<language>/`)."""
    return Path(book).resolve() / "_build" / language


def _gettext_settings(settings):
    # One catalog per page, without source line numbers (which would change
    # every catalog whenever a paragraph above moves) or uuids.
    settings["gettext_compact"] = False
    settings["gettext_location"] = False
    settings["gettext_uuid"] = False


def write_edition_config(book, language):
    """The edition's _config.yml: the book's own, in `language`, with the catalogs."""
    config = derived_config(book)
    config["title"] = TITLES[language]
    settings = config["sphinx"]["config"]
    settings["language"] = language
    settings["locale_dirs"] = [str(locale_dir(book))]
    _gettext_settings(settings)
    # Sphinx re-reads a page when its own catalog changes, but the frame's
    # words (sphinx.po) and the chapter list's captions (intro.po) are on
    # every page: a digest of all catalogs, as a setting that needs the
    # pages written again (book/_ext/editions.py), keeps none stale.
    digest = hashlib.sha256()
    for path in sorted(locale_dir(book).glob(f"{language}/LC_MESSAGES/**/*.po")):
        digest.update(path.read_bytes())
    settings["book_catalogs_digest"] = digest.hexdigest()[:16]
    # The edition has no PDF of its own yet: its download menu offers the
    # English one, when the English build made it (book/_ext/book_pdf.py).
    if (Path(book).resolve() / "_build" / "html" / "course.pdf").is_file():
        settings["book_pdf_elsewhere"] = "../course.pdf"
    return write_config(config, edition_dir(book, language) / "_config.yml",
                        f"python -m dlcourse.translations config --language {language}")


def jupyter_book(*args):
    env = dict(os.environ, DLCOURSE_BOOK_PDF="no")
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-4000:])
        raise SystemExit(f"error: {' '.join(command)} failed (exit {result.returncode})")


def extract_templates(book, out):
    """Run the gettext builder; returns the folder of .pot files (one per page)."""
    config = derived_config(book)
    _gettext_settings(config["sphinx"]["config"])
    path = write_config(config, Path(out) / "_config.yml", "python -m dlcourse.translations extract")
    jupyter_book("--builder", "custom", "--custom-builder", "gettext", "--warningiserror",
                 "--config", str(path), "--path-output", str(out), str(Path(book).resolve()))
    return Path(out) / "_build" / "gettext"


def catalogs(book, language):
    folder = locale_dir(book) / language / "LC_MESSAGES"
    return {path.relative_to(folder).with_suffix("").as_posix(): path
            for path in sorted(folder.rglob("*.po"))}


def read(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def extract(book, languages=LANGUAGES):
    """Update the catalogs from the English text (new messages empty, changed ones fuzzy)."""
    with tempfile.TemporaryDirectory(prefix="dlcourse-gettext-") as tmp:
        pot = extract_templates(book, tmp)
        for language in languages:
            subprocess.run([str(Path(sys.executable).with_name("sphinx-intl")), "update",
                            "--pot-dir", str(pot), "--locale-dir", str(locale_dir(book)),
                            "--language", language, "--line-width", "-1"],
                           check=True, stdout=subprocess.DEVNULL)


ROLE = re.compile(r"\{([a-z:]+)\}`([^`]*)`")
CODE = re.compile(r"``.+?``|`[^`]+`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)|\[\^[^\]]+\]")
NUMBERED = re.compile(r"^\d+\.\s")


def markup(text):
    """What a translation must keep: roles' targets, code, math, link targets."""
    kept = Counter()
    for role, content in ROLE.findall(text):
        if role in ("term", "doc", "ref", "numref"):
            # The shown text may be translated; the target may not.
            target = re.search(r"<([^<>]+)>\s*$", content)
            content = target.group(1) if target else content
        kept[f"{{{role}}}`{content}`"] += 1
    rest = ROLE.sub(" ", text)
    kept.update(MATH.findall(rest))
    kept.update(CODE.findall(MATH.sub(" ", rest)))
    kept.update(LINK.findall(rest))
    return kept


def message_problems(message):
    """Why one translated message would break the page or lose something, if it would."""
    if not message.string:
        return []
    found = []
    want, have = markup(message.id), markup(message.string)
    for item in sorted((want - have).keys()):
        found.append(f"lost {item!r}")
    for item in sorted((have - want).keys()):
        found.append(f"added {item!r}")
    if NUMBERED.match(message.id) and NUMBERED.match(message.string):
        found.append("a numbered title needs 'N\\.' in the translation, or it becomes a list")
    return found


def problems(book, language, templates=None):
    """What keeps `language`'s catalogs from being published, as lines of text.

    `templates`, a folder of freshly extracted .pot files, also checks that
    the catalogs hold exactly the English text of today.
    """
    found = []
    have = catalogs(book, language)
    if templates is not None:
        want = {path.relative_to(templates).with_suffix("").as_posix(): path
                for path in sorted(Path(templates).rglob("*.pot"))}
        for page in sorted(want.keys() - have.keys()):
            found.append(f"{page}: no {language} catalog (run python -m dlcourse.translations extract)")
        for page in sorted(have.keys() & want.keys()):
            english = {m.id for m in read(want[page]) if m.id}
            current = {m.id for m in read(have[page]) if m.id}
            if english != current:
                found.append(f"{page}: {len(english - current)} English messages not in the catalog, "
                             f"{len(current - english)} no longer in the book "
                             "(run python -m dlcourse.translations extract)")
    for page, path in have.items():
        found += catalog_problems(path, page)
    return found


def catalog_problems(path, label):
    """One catalog's untranslated, fuzzy and broken messages, as lines starting with `label`."""
    messages = [m for m in read(path) if m.id]
    fuzzy = sum(1 for m in messages if m.fuzzy)
    untranslated = sum(1 for m in messages if not m.string)
    found = []
    if fuzzy or untranslated:
        found.append(f"{label}: {untranslated} untranslated and {fuzzy} fuzzy of {len(messages)} messages")
    for message in messages:
        for problem in message_problems(message):
            found.append(f"{label}: {problem} in {message.id[:60]!r}")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlcourse.translations",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--book", type=Path, default=BOOK)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("extract", help="update the catalogs from the English text")
    config = commands.add_parser("config", help="write the edition's build configuration")
    config.add_argument("--language", default="ko", choices=LANGUAGES)
    commands.add_parser("check", help="fail unless every catalog is current, complete and not fuzzy")
    lint = commands.add_parser("lint", help="check translated messages keep their markup (no build)")
    lint.add_argument("catalogs", nargs="*", type=Path, help="the .po files (default: every catalog)")
    args = parser.parse_args(argv)
    if args.command == "extract":
        extract(args.book)
        print(f"Catalogs updated in {locale_dir(args.book)}")
    elif args.command == "lint":
        args.catalogs = args.catalogs or [path for language in LANGUAGES
                                          for path in catalogs(args.book, language).values()]
        found = [line for path in args.catalogs for line in catalog_problems(path, path)]
        print("\n".join(found) or "No problems.")
        raise SystemExit(1 if found else 0)
    elif args.command == "config":
        print(write_edition_config(args.book, args.language))
    else:
        with tempfile.TemporaryDirectory(prefix="dlcourse-gettext-") as tmp:
            templates = extract_templates(args.book, tmp)
            found = [f"{language}: {line}" for language in LANGUAGES
                     for line in problems(args.book, language, templates)]
        if found:
            print("\n".join(found))
            raise SystemExit(1)
        print("Every catalog is current and completely translated.")


if __name__ == "__main__":
    main()
