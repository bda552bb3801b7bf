"""Numbers in the book's prose are the numbers its code prints.

The intro promises that every number the text quotes is the one printed on
the page. A measured number in prose comes either through myst-nb's glue
(``{glue:text}`key:format```, filled in from the executed cell at build time,
so it cannot drift), or it must be printed by one of the chapter's cells, or
be a setting written in the chapter's code (a learning rate, a split), or be
listed in ``NOT_PRINTED`` below with the reason it is not a measurement.

A decimal or a percentage that is none of these fails the test: it is a
number the text made up, or one that a change to the code left behind.
"""

import re

import nbformat
import pytest
from conftest import BOOK
from test_book_sources import CHAPTERS

pytestmark = pytest.mark.book

EXECUTED = BOOK / "_build" / "jupyter_execute" / "chapters"

#: Numbers the prose may quote although no cell prints them, per chapter,
#: each with why: hypotheticals, library defaults, values in exercises the
#: reader is asked to try. The one place for such exceptions.
NOT_PRINTED = {
    "03_training": {
        "0.9": "exercise: a learning rate for the reader to try",
        "1.1": "exercise: a learning rate for the reader to try",
    },
    "04_activations": {
        "0.01": "library default: PyTorch's LeakyReLU negative_slope",
        "0.7": "an illustrative product of sigmoid outputs, not a measurement",
        "0.3": "library default: Keras's LeakyReLU negative_slope; and a quiz's made-up output",
        "0.26": "a quiz's made-up softmax output",
    },
    "05_losses_metrics": {
        "0.30": "a made-up batch used to explain the notation",
        "0.12": "exercise: the probability of a logit of -2, for the reader to compute",
        "99%": "a hypothetical: the accuracy of always answering benign at 1 case in 100",
    },
    "06_optimizers": {
        "0.003": "the usual grid of learning rates to search (0.001, 0.003, 0.01)",
        "0.99900001": "how float32 stores 0.999 (the text explains the rounding)",
        "0.6": "exercise: a learning rate for the reader to try",
        "0.65": "exercise: a learning rate for the reader to try",
    },
    "07_regularization": {
        "0.001": "library default: Keras BatchNormalization's epsilon; also an exercise value",
        "0.00001": "library default: PyTorch BatchNorm's eps",
        "0.0001": "exercise: a penalty strength for the reader to try",
    },
    "08_cnn": {
        "97%": "a learning objective: the accuracy to aim for",
    },
}

# A decimal (0.25, 1,234.5) or a percentage (97%, 98.9 %) standing alone.
QUOTED = re.compile(r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?\s?%|\d[\d,]*\.\d+)(?![\w])")
NUMBER = re.compile(r"(?<![\w.])[-−]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")
# What is not prose: code blocks (fences without a directive: a hint's
# ```python example), display and inline math, inline code (glue roles
# included), directive options and the fence lines of directives.
NOT_PROSE = [
    re.compile(r"^(\s*)(`{3,}|~{3,})(?!\{)[^\n]*\n.*?^\1\2\s*$", re.S | re.M),
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S),
    re.compile(r"\$[^$\n]+\$"),
    re.compile(r"`[^`\n]+`"),
    re.compile(r"^\s*:\w[\w-]*:.*$", re.M),
    re.compile(r"^```.*$", re.M),
]


def values(text):
    """Every number in ``text`` as a float (thousands commas removed)."""
    found = set()
    for token in NUMBER.findall(text):
        try:
            found.add(float(token.replace(",", "").replace("−", "-")))
        except ValueError:
            pass
    return found


def quoted_numbers(markdown):
    """The decimals and percentages a stretch of prose quotes, as written."""
    for pattern in NOT_PROSE:
        markdown = pattern.sub(" ", markdown)
    return [m.group(1).replace(" ", "") for m in QUOTED.finditer(markdown)]


def printed(notebook):
    """The text every code cell of an executed notebook showed."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def is_shown(number, shown):
    """Whether ``number`` (as written in prose) is among the values ``shown``;
    a percentage may also be shown as a fraction (97% as 0.97)."""
    value = float(number.rstrip("%").replace(",", ""))
    candidates = {value, round(value / 100, 12)} if number.endswith("%") else {value}
    return any(round(v, 12) in shown for v in candidates)


def unsupported(notebook, allowed):
    """The prose numbers of ``notebook`` that no output shows, no code sets
    and ``allowed`` does not excuse, with a little context each."""
    shown = {round(v, 12) for v in values(printed(notebook))}
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    shown |= {round(v, 12) for v in values(code)}
    problems = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for number in quoted_numbers(cell.source):
            if number not in allowed and not is_shown(number, shown):
                at = cell.source.find(number.rstrip("%"))
                context = " ".join(cell.source[max(0, at - 60):at + 30].split())
                problems.append(f"{number}: …{context}…")
    return problems


def test_the_checker_finds_a_number_no_cell_prints():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("lr = 0.05\nprint(f'{acc:.1%}')", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="accuracy 98.9%\nloss 0.203\n")]),
        nbformat.v4.new_markdown_cell(
            "With a rate of 0.05 the accuracy is 98.9% and the loss 0.203; "
            "$0.5$ and `0.7` are math and code. It reached 99.2%, then 0.192, "
            "and {glue:text}`acc:.1%` is glued.\n\n"
            "```python\nprint(0.375)\n```\n\n"
            "```{container} tag_keras\nKeras reached 0.771.\n```\n"),
    ])
    assert [p.split(":")[0] for p in unsupported(notebook, {})] == ["99.2%", "0.192", "0.771"]
    assert unsupported(notebook, {"99.2%": "why", "0.192": "why", "0.771": "why"}) == []


def test_a_percentage_may_be_printed_as_a_fraction():
    assert is_shown("97%", {0.97})
    assert is_shown("1,234.5", {1234.5})
    assert not is_shown("97.5%", {0.97})


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_prose_quotes_only_printed_numbers(built_book, chapter):
    notebook = nbformat.read(EXECUTED / f"{chapter.stem}.ipynb", as_version=4)
    allowed = NOT_PRINTED.get(chapter.stem, {})
    problems = unsupported(notebook, allowed)
    assert problems == [], (
        f"{chapter.name} quotes numbers that no cell prints (glue them, print them, "
        "or list them in NOT_PRINTED with a reason):\n" + "\n".join(problems))
    stale = [n for n in allowed if all(n not in quoted_numbers(c.source)
                                       for c in notebook.cells if c.cell_type == "markdown")]
    assert stale == [], f"NOT_PRINTED lists numbers {chapter.name} no longer quotes: {stale}"
