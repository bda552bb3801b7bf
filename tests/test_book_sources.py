"""Static checks on the book's sources: format, skeleton, framework pairs.

These run in seconds, without executing anything, so a broken chapter is
reported before the slow HTML build starts.
"""

import re

import jupytext
import nbformat
import pytest
import yaml
from conftest import BOOK, ROOT

CHAPTERS = sorted((BOOK / "chapters").glob("*.md"))
FRAMEWORK_TAGS = ("keras", "pytorch")
# What an untagged (framework-neutral) cell may not mention.
FRAMEWORK_CODE = re.compile(r"\b(tf|keras|torch|nn)\.|\bimport (tensorflow|keras|torch)\b"
                            r"|\bfrom (tensorflow|keras|torch)\b")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def toc_files():
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part["chapters"]]
    return files


def framework_pair_problems(cells):
    """List what is wrong with the framework pairs of a chapter's code cells.

    ``cells`` are (tags, source) pairs in page order. Every ``keras`` cell must
    be followed at once by a ``pytorch`` cell and every ``pytorch`` cell must
    follow a ``keras`` cell; untagged cells must not use either framework.
    """
    problems = []
    for i, (tags, source) in enumerate(cells):
        frameworks = [t for t in tags if t in FRAMEWORK_TAGS]
        first_line = source.strip().splitlines()[0] if source.strip() else ""
        where = f"code cell {i + 1} ({first_line!r})"
        if len(frameworks) > 1:
            problems.append(f"{where} is tagged both keras and pytorch")
        elif frameworks == ["keras"]:
            if i + 1 >= len(cells) or "pytorch" not in cells[i + 1][0]:
                problems.append(f"{where} is a Keras cell without its PyTorch twin right after it")
        elif frameworks == ["pytorch"]:
            if i == 0 or "keras" not in cells[i - 1][0]:
                problems.append(f"{where} is a PyTorch cell without its Keras twin right before it")
        elif FRAMEWORK_CODE.search(source):
            problems.append(f"{where} uses a framework but is not tagged keras or pytorch")
    return problems


#: Calls that draw an array as an image: its pixels are the data.
IMAGE_CALL = re.compile(r"\.(imshow|matshow|pcolormesh|pcolor)\(")
FUNCTION_DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)


def image_figure_cells(sources):
    """Indexes of the code cells that show a figure drawn with an image call.

    ``sources`` are a chapter's code cells in page order. A cell counts when
    it draws an image (directly, or by calling a function an earlier cell
    defined that does) and shows it (``plt.show()``, directly or through such
    a function), and does more than define functions.
    """
    drawers, showers, found = set(), set(), []
    for index, source in enumerate(sources):
        def calls(names, source=source):
            return any(re.search(rf"(?<![\w.]){name}\(", source) for name in names)

        draws = bool(IMAGE_CALL.search(source)) or calls(drawers)
        shows = "plt.show()" in source or calls(showers)
        for match in FUNCTION_DEF.finditer(source):
            if draws:
                drawers.add(match.group(1))
            if shows:
                showers.add(match.group(1))
        runs_something = any(line and not line.startswith((" ", "def ", "#", ")", "@"))
                             for line in source.splitlines())
        if draws and shows and runs_something:
            found.append(index)
    return found


def code_cells(path):
    notebook = jupytext.read(path)
    return [(cell.metadata.get("tags", []), cell.source)
            for cell in notebook.cells if cell.cell_type == "code"]


# --- the checker itself must catch what it is meant to catch -------------------

def test_pair_checker_accepts_a_proper_pair():
    cells = [([], "import numpy as np"), (["keras"], "import keras"), (["pytorch"], "import torch")]
    assert framework_pair_problems(cells) == []


@pytest.mark.parametrize(
    "cells, message",
    [
        ([(["keras"], "keras.Input((2,))")], "without its PyTorch twin"),
        ([(["pytorch"], "torch.ones(2)")], "without its Keras twin"),
        ([(["pytorch"], "torch.ones(2)"), (["keras"], "tf.ones(2)")], "without its"),
        ([(["keras"], "tf.ones(2)"), ([], "x = 1"), (["pytorch"], "torch.ones(2)")],
         "without its PyTorch twin"),
        ([([], "model = torch.nn.Linear(2, 1)")], "not tagged keras or pytorch"),
        ([(["keras", "pytorch"], "x = 1")], "tagged both"),
    ],
)
def test_pair_checker_rejects_broken_pairs(cells, message):
    assert any(message in problem for problem in framework_pair_problems(cells))


def test_image_figure_finder_follows_functions_across_cells():
    sources = [
        "def show_map(m):\n    plt.imshow(m)\n    plt.show()",   # defines only
        "show_map(np.eye(3))",                                   # shows an image
        "plt.plot([1, 2])\nplt.show()",                          # a line plot
        "def draw(ax, m):\n    ax.imshow(m)",                     # draws, shows nothing
        "fig, ax = plt.subplots()\ndraw(ax, m)\nplt.show()",     # shows an image
        "draw(ax, m)",                                           # not shown here
        "ax.matshow(m)\nplt.show()",
    ]
    assert image_figure_cells(sources) == [1, 4, 6]


# --- the chapters ----------------------------------------------------------------

def test_there_are_chapters():
    assert CHAPTERS, "book/chapters/ holds no chapter"


def test_every_chapter_is_in_the_table_of_contents_and_back():
    listed = toc_files()
    for entry in listed:
        assert (BOOK / f"{entry}.md").is_file(), f"_toc.yml lists {entry}, which does not exist"
    for chapter in CHAPTERS:
        entry = chapter.relative_to(BOOK).with_suffix("").as_posix()
        assert entry in listed, f"{entry} is missing from book/_toc.yml"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_a_myst_notebook_with_the_python_kernel(chapter):
    notebook = jupytext.read(chapter)
    meta = notebook.metadata
    assert meta["jupytext"]["text_representation"]["format_name"] == "myst"
    assert meta["kernelspec"]["name"] == "python3"
    assert any(cell.cell_type == "code" for cell in notebook.cells)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_framework_cells_come_in_pairs(chapter):
    cells = code_cells(chapter)
    assert framework_pair_problems(cells) == []
    tags = {t for tags, _ in cells for t in tags}
    assert {"keras", "pytorch"} <= tags, "a chapter shows both frameworks"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_figures_whose_pixels_are_data_keep_their_colours_in_dark_mode(chapter):
    # Dark mode inverts the chapters' figures (book/_static/page-layout.css)
    # except those in cells tagged keep-colours: an image of a digit, a
    # feature map or attention weights, where "bright" means a large value.
    cells = code_cells(chapter)
    images = set(image_figure_cells([source for _, source in cells]))
    tagged = {i for i, (tags, _) in enumerate(cells) if "keep-colours" in tags}

    def first_lines(indexes):
        return [cells[i][1].splitlines()[0] for i in sorted(indexes)]

    assert not images - tagged, f"image figures without keep-colours: {first_lines(images - tagged)}"
    assert not tagged - images, f"keep-colours on cells with no image: {first_lines(tagged - images)}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_skeleton(chapter):
    text = chapter.read_text(encoding="utf-8")
    markers = [
        ("learning objectives", r"^:::\{admonition\} Learning objectives"),
        ("common misconception box", r"^:::\{admonition\} Common misconception"),
        ("summary", r"^## Summary\s*$"),
        ("exercises", r"^## Exercises\s*$"),
    ]
    positions = []
    for name, pattern in markers:
        found = re.search(pattern, text, flags=re.MULTILINE)
        assert found, f"{chapter.name} has no {name}"
        positions.append(found.start())
    assert positions[0] == min(positions), "learning objectives come first"
    assert positions[2] < positions[3], "the summary comes before the exercises"
    assert re.search(r"\{doc\}`[^`]*exercises`", text[positions[3]:]), \
        "the exercises section links to the exercises page"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_starts_quiet_and_seeded(chapter):
    sources = [source for _, source in code_cells(chapter)]
    first = sources[0]
    assert "quiet_logs()" in first, "the first cell calls quiet_logs() before any framework import"
    assert any("set_seed(" in s for s in sources), "the chapter fixes its seeds with set_seed"


# --- glossary --------------------------------------------------------------------

def glossary_entries():
    """The glossary's entries, each as the list of its names."""
    text = (BOOK / "glossary.md").read_text(encoding="utf-8")
    body = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    entries, current = [], []
    for line in body.splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if line.startswith(" "):
            if current:
                entries.append(current)
                current = []
        else:
            current.append(line.strip())
    return entries


# Entries whose Korean name is written in Latin letters, because Korean
# textbooks keep these acronyms and names untransliterated (ReLU, not 렐루).
# Their one name serves as both the English and the Korean name. Every other
# entry must have a name in Hangul.
LATIN_KOREAN_NAMES = {"Adam", "GELU", "Leaky ReLU", "ReLU", "RMSProp", "Swish"}


def test_every_glossary_entry_has_an_english_and_a_korean_name():
    entries = glossary_entries()
    assert len(entries) >= 10
    for names in entries:
        assert any(not HANGUL.search(n) for n in names), f"{names[0]} has no English name"
        if names[0] in LATIN_KOREAN_NAMES:
            assert not any(HANGUL.search(n) for n in names), (
                f"{names[0]} has a Hangul name: take it off LATIN_KOREAN_NAMES")
        else:
            assert any(HANGUL.search(n) for n in names), f"{names[0]} has no Korean name"


def test_latin_letter_korean_names_are_glossary_entries():
    first_names = {names[0] for names in glossary_entries()}
    assert LATIN_KOREAN_NAMES <= first_names, sorted(LATIN_KOREAN_NAMES - first_names)


# A {term} role followed by a parenthesis, across a line break if need be.
TERM_WITH_PARENTHESIS = re.compile(r"\{term\}`(?:[^`<]*<)?([^`>]+)>?`\s*\(([^()]*)\)")


def korean_name_problems(text, entries):
    """Korean names in parentheses after {term} roles that the glossary does not give.

    ``(기울기, gradient)`` or ``(규제 / 정규화)`` list several names: each part
    written in Hangul must be one of the names of the linked entry.
    """
    by_name = {name.lower(): names for names in entries for name in names}
    problems = []
    for match in TERM_WITH_PARENTHESIS.finditer(text):
        target, inside = match.groups()
        names = by_name.get(target.strip().lower(), [])
        for part in re.split(r"[,;/]", inside):
            part = " ".join(part.split())
            if HANGUL.search(part) and part not in names:
                problems.append(f"{target} ({part}): the glossary gives {names}")
    return problems


def test_korean_name_checker_catches_a_transliteration():
    entries = [["ReLU"], ["gradient", "기울기"]]
    assert korean_name_problems("the {term}`gradient` (기울기, gradient) and", entries) == []
    assert korean_name_problems("{term}`ReLU` (렐루)", entries)
    assert korean_name_problems("{term}`gradients <gradient>`\n(경사)", entries)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_korean_names_match_the_glossary(chapter):
    problems = korean_name_problems(chapter.read_text(encoding="utf-8"), glossary_entries())
    assert problems == [], problems


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_terms_are_in_the_glossary(chapter):
    known = {name.lower() for names in glossary_entries() for name in names}
    used = re.findall(r"\{term\}`(?:[^`<]*<)?([^`>]+)>?`", chapter.read_text(encoding="utf-8"))
    assert used, f"{chapter.name} links no glossary term"
    missing = sorted({term for term in used if term.lower() not in known})
    assert missing == [], f"terms not in book/glossary.md: {missing}"


# --- no outputs committed ----------------------------------------------------------

NOTEBOOK_DIRS = [ROOT / "book", ROOT / "solutions", ROOT / "exercises", ROOT / "tests" / "submissions"]


def committed_notebooks():
    for folder in NOTEBOOK_DIRS:
        for path in sorted(folder.rglob("*.ipynb")):
            skip = {"_build", ".ipynb_checkpoints", "invalid_notebook"}  # the last one on purpose
            if not skip & set(path.parts):
                yield path


def test_no_notebook_carries_outputs_or_execution_counts():
    dirty = []
    for path in committed_notebooks():
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
                dirty.append(path.relative_to(ROOT).as_posix())
                break
    assert dirty == [], f"clear the outputs of: {dirty}"


def test_exercises_page_offers_every_released_notebook_for_download():
    page = (BOOK / "exercises.md").read_text()
    released = sorted((ROOT / "exercises").glob("*/*.ipynb"))
    assert released, "no assignment has been generated into exercises/"
    for notebook in released:
        target = f"<../exercises/{notebook.parent.name}/{notebook.name}>"
        assert f"{{download}}`{notebook.name} {target}`" in page, notebook


def test_a_changed_static_file_marks_the_book_out_of_date(tmp_path):
    """Sphinx copies _static only while it writes pages; book/_ext/
    static_changes.py finds a stylesheet that changed (or is new) since the
    last build, so that `make book` brings it to the site."""
    import sys

    sys.path.insert(0, str(BOOK / "_ext"))
    from static_changes import changed_static_files

    source, built = tmp_path / "book", tmp_path / "html"
    for folder in (source / "_static" / "fonts", built / "_static" / "fonts"):
        folder.mkdir(parents=True)
        (folder.parent / "page.css").write_text("a { color: red; }")
        (folder / "face.woff2").write_bytes(b"\0\1")
    (built / "_static" / "theme.css").write_text("the theme's own")
    assert changed_static_files(source, built) == []
    (source / "_static" / "page.css").write_text("a { color: blue; }")  # the same size
    (source / "_static" / "new.js").write_text("")
    assert changed_static_files(source, built) == [source / "_static" / "new.js",
                                                   source / "_static" / "page.css"]
