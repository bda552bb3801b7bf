"""The Korean edition of the book and the exercises: message catalogs, configuration and checks.

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

The exercises are translated the same way, without Sphinx. `extract` also
collects each solution notebook's Markdown, a paragraph per message, into
`solutions/locale/ko/LC_MESSAGES/<assignment>.po`, and what students' kernels
print (the self-check's own words, `dlcourse/selfcheck.py`, and every hint
and message the check cells pass it) into
`dlcourse/locale/ko/LC_MESSAGES/dlcourse.po`, which ships with `dlcourse`.
`python -m autograder generate` writes the Korean exercise notebooks from
the English ones and the first catalog (`translate_notebook`); their code
cells are the English ones, so grading is the same, and a first cell of
their own, `dlcourse.use_language("ko")`, makes the self-checks speak Korean.
"""

import argparse
import ast
import copy
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from dlcourse.book_config import derived_config, write_config
from dlcourse.messages import LANGUAGES as CHOICES
from dlcourse.messages import LOCALE as KERNEL_LOCALE
from dlcourse.messages import catalog_path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SOLUTIONS = ROOT / "solutions"
#: The languages a translation exists for (English is the source).
LANGUAGES = tuple(language for language in CHOICES if language != "en")
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
    # The edition lives in its folder of the site: its pages' canonical
    # addresses (html_baseurl) are there too, not the English pages'.
    folder = settings.get("book_editions", {}).get(language, [""])[0]
    baseurl = (config.get("html") or {}).get("baseurl")
    if baseurl and folder:
        config["html"]["baseurl"] = baseurl.rstrip("/") + "/" + folder.strip("/") + "/"
    _gettext_settings(settings)
    # Sphinx re-reads a page when its own catalog changes, but the frame's
    # words (sphinx.po) and the chapter list's captions (intro.po) are on
    # every page: a digest of all catalogs, as a setting that needs the
    # pages written again (book/_ext/editions.py), keeps none stale.
    digest = hashlib.sha256()
    for path in sorted(locale_dir(book).glob(f"{language}/LC_MESSAGES/**/*.po")):
        digest.update(path.read_bytes())
    settings["book_catalogs_digest"] = digest.hexdigest()[:16]
    # Its whole-book PDF is printed from a single page built with this file too.
    path = edition_dir(book, language) / "_config.yml"
    settings["book_edition_config"] = str(path)
    return write_config(config, path, f"python -m dlcourse.translations config --language {language}")


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
            for path in catalogs(book, language).values():
                drop_format_guesses(path)


#: A flag line naming python-format or no-python-format (not python-brace-format).
PYTHON_FORMAT_FLAG = re.compile(r"^#,.*(?<![\w-])(?:no-)?python-format\b", re.M)
#: A real %-format placeholder, as Sphinx's own template strings have ("%(copyright)s").
NAMED_PLACEHOLDER = re.compile(r"%\(\w+\)")


def format_guesses(path) -> list[str]:
    """The English of the messages flagged (no-)python-format in the catalog
    file although they hold no %-placeholder: babel's guess from a ``%`` in
    prose ("30% of the data")."""
    guesses = []
    for entry in Path(path).read_text(encoding="utf-8").split("\n\n"):
        english = entry.partition("msgid ")[2].partition("\nmsgstr")[0]
        if PYTHON_FORMAT_FLAG.search(entry) and not NAMED_PLACEHOLDER.search(english):
            guesses.append(english)
    return guesses


def drop_format_guesses(path) -> bool:
    """Remove the python-format flags babel guesses from a ``%`` in the
    English: the course's own messages are formatted with ``str.format`` or
    not at all, and the flag makes ``msgfmt -c`` reject a correct translation
    ("30%를").  Messages with ``%(name)s`` (Sphinx's templates) keep it.
    Rewrites the file only when it had such a guess."""
    if not format_guesses(path):
        return False
    catalog = read(path)  # (babel guesses the flag again as it reads)
    for message in catalog:
        if message.id and not NAMED_PLACEHOLDER.search(str(message.id)):
            message.flags -= {"python-format", "no-python-format"}
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False)
    return True


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


def message_problems(message, book=True):
    """Why one translated message would break the page or lose something, if it would.

    In the book, a message that starts "1. " is a numbered title (Sphinx
    translates headings on their own); in a notebook's Markdown it is a list."""
    if not message.string:
        return []
    found = []
    want, have = markup(message.id), markup(message.string)
    for item in sorted((want - have).keys()):
        found.append(f"lost {item!r}")
    for item in sorted((have - want).keys()):
        found.append(f"added {item!r}")
    if book and NUMBERED.match(message.id) and NUMBERED.match(message.string):
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
            found += stale(page, read(want[page]), read(have[page]), "the book")
    for page, path in have.items():
        found += catalog_problems(path, page)
    return found


def stale(label, template, catalog, where):
    """A line saying `catalog` no longer holds `template`'s English, if it does not."""
    english, current = {m.id for m in template if m.id}, {m.id for m in catalog if m.id}
    if english == current:
        return []
    return [f"{label}: {len(english - current)} English messages not in the catalog, "
            f"{len(current - english)} no longer in {where} (run python -m dlcourse.translations extract)"]


def catalog_problems(path, label):
    """One catalog's untranslated, fuzzy and broken messages, as lines starting with
    `label`; outside the book, also fields (`{shape}`) lost or added."""
    book = BOOK in Path(path).resolve().parents
    messages = [m for m in read(path) if m.id]
    fuzzy = sum(1 for m in messages if m.fuzzy)
    untranslated = sum(1 for m in messages if not m.string)
    found = []
    if fuzzy or untranslated:
        found.append(f"{label}: {untranslated} untranslated and {fuzzy} fuzzy of {len(messages)} messages")
    for message in messages:
        for problem in message_problems(message, book) + ([] if book else _field_problems(message)):
            found.append(f"{label}: {problem} in {message.id[:60]!r}")
    for english in format_guesses(path):  # msgfmt -c would check these as %-format
        found.append(f"{label}: flagged python-format, with no %-placeholder (run "
                     f"python -m dlcourse.translations extract) in {english[:60]}")
    return found

# -- The exercises ---------------------------------------------------------------

#: The modules whose `_(...)` and `N_(...)` messages students' kernels print.
KERNEL_MODULES = ("selfcheck.py", "frameworks.py")
#: The keyword arguments of a self-check whose text students read (a `call=`
#: may be code, copied as it is, or words such as "w after step 1").
CHECK_TEXTS = ("hint", "message", "call")
LANGUAGE_CELL = {
    "ko": ("import dlcourse\n\n"
           "dlcourse.use_language(\"ko\")  # 자가 점검(self-check) 메시지를 한국어로 보여 준다"),
}


def exercise_catalog_dir(solutions=SOLUTIONS):
    return Path(solutions) / "locale"


def paragraphs(markdown):
    """A Markdown cell's paragraphs (split at blank lines, never inside `$$` math),
    without those that are only display math: those are copied, not translated."""
    blocks, lines, in_math = [], [], False
    for line in markdown.split("\n"):
        if not line.strip() and not in_math:
            if lines:
                blocks.append("\n".join(lines))
            lines = []
            continue
        lines.append(line)
        in_math ^= line.count("$$") % 2 == 1
    if lines:
        blocks.append("\n".join(lines))
    return blocks


def _is_message(paragraph):
    text = paragraph.strip()
    return not (text.startswith("$$") and text.endswith("$$") and text.count("$$") == 2)


def notebook_messages(notebook):
    """The messages of a notebook's Markdown cells, in order."""
    return [block for cell in notebook.cells if cell.cell_type == "markdown"
            for block in paragraphs(cell.source) if _is_message(block)]


def check_texts(source):
    """The hints and messages a cell's self-checks show, as written (English).

    A text given by a variable is followed to the variable's string. A text
    built with an f-string cannot be looked up in a catalog: it is refused
    with what to write instead."""
    tree = ast.parse(source)
    # A variable's string is the one assigned last before the line that uses it.
    assigned = sorted((node.lineno, target.id, node.value.value) for node in ast.walk(tree)
                      if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                      and isinstance(node.value.value, str)
                      for target in node.targets if isinstance(target, ast.Name))

    def string_of(name: ast.Name):
        values = [value for line, target, value in assigned if target == name.id and line < name.lineno]
        return values[-1] if values else None

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "true":
            message = next((k.value for k in node.keywords if k.arg == "message"), None)
            values = {k.arg for k in node.keywords} - {"message", "hint"}
            if isinstance(message, ast.Constant) and values and \
                    set(FIELD.findall(message.value)) != values:
                raise ValueError(f"the message {message.value[:60]!r} has the fields "
                                 f"{sorted(set(FIELD.findall(message.value)))}, "
                                 f"but the check passes {sorted(values)}")
        if not isinstance(node, ast.keyword) or node.arg not in CHECK_TEXTS:
            continue
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.append(value.value)
        elif isinstance(value, ast.Name) and string_of(value) is not None:
            found.append(string_of(value))
        else:
            raise ValueError(f"a self-check's {node.arg}= must be a string, or a variable holding "
                             f"one, to be translated: {ast.unparse(value)[:80]!r}; for values, "
                             "write a template with named fields: "
                             "message=\"got {shape}\", shape=np.shape(x)")
    return found


def _template(messages):
    """A template of (text, where it is shown) pairs; a text shown in several places is one message."""
    template = Catalog(fuzzy=False)
    for message, where in messages:
        if message in template:
            template[message].locations.append((where, None))
        else:
            template.add(message, locations=[(where, None)])
    return template


def kernel_template(solutions=SOLUTIONS):
    """Everything students' kernels print: the self-check's words and every check cell's texts."""
    messages = []
    package = Path(__file__).resolve().parent
    for module in KERNEL_MODULES:
        messages += [(text, f"dlcourse/{module}") for _line, text, _comments, _context in
                     extract_from_file("python", package / module, keywords={"_": None, "N_": None})]
    for notebook in sorted(Path(solutions).glob("*/*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "code" and "self_check" in cell.source:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", cell.get("id"))
                messages += [(text, f"{notebook.name}#{grade_id}") for text in check_texts(cell.source)]
    return _template(messages)


#: The grader's words: `_(...)`, `N_(...)`, `said(...)` and `say(...)` in its modules, and
#: `"..." | say` in the feedback page's template.
GRADER = ROOT / "autograder"
SAID = re.compile(r'"((?:[^"\\]|\\.)*)"\s*\|\s*say\b')


def grader_template():
    messages = []
    keywords = {"_": None, "N_": None, "say": (1,), "said": (1,)}
    for module in sorted(GRADER.glob("*.py")):
        messages += [(text, f"autograder/{module.name}") for _line, text, _comments, _context in
                     extract_from_file("python", module, keywords=keywords)]
    for page in sorted((GRADER / "templates").rglob("*.j2")):
        messages += [(text, page.relative_to(ROOT).as_posix()) for text in SAID.findall(page.read_text())]
    return _template(messages)


def exercise_templates(solutions=SOLUTIONS):
    """{assignment: template of its catalog}: each
    notebook's Markdown, then what its checks.py writes in the feedback (the
    parts' titles and its `_(...)` messages)."""
    templates = {}
    for notebook in sorted(Path(solutions).glob("*/*.ipynb")):
        assignment = notebook.parent.name
        messages = [(text, notebook.name)
                    for text in notebook_messages(nbformat.read(notebook, as_version=4))]
        checks = notebook.parent / "checks.py"
        if checks.is_file():
            messages += [(text, "checks.py") for _line, text, _comments, _context in
                         extract_from_file("python", checks, keywords={"_": None, "Part": (2,)})]
        templates[assignment] = _template(messages)
    return templates


def _content(catalog):
    return [(m.id, m.string, m.fuzzy) for m in catalog if m.id]


def merge(template, path, language):
    """Bring the catalog at `path` up to `template`: new messages empty, changed
    ones fuzzy (their old translation kept as a start), gone ones dropped.
    The file is written only when its messages change."""
    path = Path(path)
    if path.is_file():
        catalog = read(path)
        before = _content(catalog)
        catalog.update(template)
        catalog.obsolete.clear()
        if _content(catalog) == before:
            return False
    else:
        catalog = Catalog(locale=language, fuzzy=False, project="dlcourse",
                          header_comment=f"# {language} translations of the course's exercises "
                          "(English is the source).")
        for message in template:
            if message.id:
                catalog.add(message.id, locations=message.locations)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False)
    return True


def exercise_catalogs(language, solutions=SOLUTIONS):
    """{label: (template, catalog path)} of the exercises' and the kernels' catalogs."""
    pairs = {f"solutions/locale/{language}/{name}.po":
             (template, catalog_path(exercise_catalog_dir(solutions), language, name))
             for name, template in exercise_templates(solutions).items()}
    pairs[f"dlcourse/locale/{language}/dlcourse.po"] = (
        kernel_template(solutions), catalog_path(KERNEL_LOCALE, language, "dlcourse"))
    pairs[f"autograder/locale/{language}/autograder.po"] = (
        grader_template(), catalog_path(GRADER / "locale", language, "autograder"))
    return pairs


def extract_exercises(languages=LANGUAGES, solutions=SOLUTIONS):
    for language in languages:
        for template, path in exercise_catalogs(language, solutions).values():
            merge(template, path, language)
            drop_format_guesses(path)


def exercise_problems(language, solutions=SOLUTIONS):
    """The exercises' catalogs: current with the English, complete, markup kept."""
    found = []
    for label, (template, path) in exercise_catalogs(language, solutions).items():
        if not path.is_file():
            found.append(f"{label}: missing (run python -m dlcourse.translations extract)")
            continue
        found += stale(label, template, read(path), "the exercises")
        found += catalog_problems(path, label)
    return found


FIELD = re.compile(r"\{(\w*)[^{}]*\}")


def _field_problems(message):
    """A message with named fields is filled in after translation: the fields must match."""
    if not message.string:
        return []
    want, have = sorted(FIELD.findall(message.id)), sorted(FIELD.findall(message.string))
    if want != have:
        return [f"fields {want} became {have}"]
    return []


def translate_notebook(notebook, assignment, language, solutions=SOLUTIONS):
    """The `language` twin of a released exercise notebook, and how many of its
    paragraphs are still English (untranslated or fuzzy in the catalog).

    Markdown is translated paragraph by paragraph; code cells stay exactly as
    they are (nbgrader's checksums and grading are the English ones); a first
    code cell of its own chooses the self-checks' language, and the
    notebook's metadata names it (for the grader's feedback)."""
    path = catalog_path(exercise_catalog_dir(solutions), language, assignment)
    catalog = {m.id: m.string for m in read(path) if m.id and m.string and not m.fuzzy} \
        if path.is_file() else {}
    twin = copy.deepcopy(notebook)
    english = 0
    for cell in twin.cells:
        if cell.cell_type != "markdown":
            continue
        blocks = []
        for block in paragraphs(cell.source):
            if _is_message(block) and block not in catalog:
                english += 1
            blocks.append(catalog.get(block, block) if _is_message(block) else block)
        cell.source = "\n\n".join(blocks)
    first_code = next(i for i, cell in enumerate(twin.cells) if cell.cell_type == "code")
    language_cell = nbformat.v4.new_code_cell(LANGUAGE_CELL[language])
    language_cell.id = f"language-{language}"
    twin.cells.insert(first_code, language_cell)
    twin.metadata.setdefault("dlcourse", {})["language"] = language
    return twin, english



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
        extract_exercises()
        print(f"Catalogs updated in {locale_dir(args.book)}, {exercise_catalog_dir()} "
              f"and {KERNEL_LOCALE}")
    elif args.command == "lint":
        args.catalogs = args.catalogs or [
            path for language in LANGUAGES
            for path in [*catalogs(args.book, language).values(),
                         *(path for _template, path in exercise_catalogs(language).values())]]
        found = [line for path in args.catalogs for line in catalog_problems(path, path)]
        print("\n".join(found) or "No problems.")
        raise SystemExit(1 if found else 0)
    elif args.command == "config":
        print(write_edition_config(args.book, args.language))
    else:
        with tempfile.TemporaryDirectory(prefix="dlcourse-gettext-") as tmp:
            templates = extract_templates(args.book, tmp)
            found = [f"{language}: {line}" for language in LANGUAGES
                     for line in problems(args.book, language, templates)
                     + exercise_problems(language)]
        if found:
            print("\n".join(found))
            raise SystemExit(1)
        print("Every catalog is current and completely translated.")


if __name__ == "__main__":
    main()
