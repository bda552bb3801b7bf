"""The chapters and the helper package teach the same functions alike.

A chapter writes a function out as it teaches it (chapter 2's ``sigmoid``,
chapter 4's ``softmax``); ``dlcourse`` has the copy that later chapters,
exercises and self-checks import. A reader meets both, so the two must
compute the same thing. This test finds the twins itself and compares them:

* **By name.** Every function defined at the top level of a chapter's code
  cell whose name is a public function of ``dlcourse`` (any module but
  ``live``, the `make live` program) is a twin, unless ``NOT_TWINS`` says
  why the two only share a name.
* **By purpose.** Every other self-contained NumPy function of the chapters
  that returns the helper's values on all of the helper's ordinary inputs
  (chapter 4's ``softmax_first`` is the sigmoid) is a twin too.

Nothing runs a kernel or imports a framework. The chapter sources are read
with jupytext; of each chapter's untagged (NumPy) code cells only the
``def`` statements and the imports of numpy, math and dlcourse are executed,
in order, and each definition keeps the names as they were where it was
written (chapter 2's ``sigmoid_grad`` calls chapter 2's ``sigmoid``, not the
helper that a later cell imports under the same name).

Each twin is then called with the helper's probes (``PROBES``): ordinary
inputs, on which the two must agree (values, shape, integer or float, the
warnings NumPy raises), and edge cases where a chapter may legitimately
show a simpler version (a naive formula before the stable one). An edge
case has a ``tag``; a difference there passes only if it is acknowledged,
in the chapter near the definition (its docstring and comments, or the
prose just before or after its cell) with the tag's word (``overflow``,
``axis``), or in one sentence of the helper's docstring that names the
chapter and uses that word. A difference on an ordinary input always fails.
"""

from __future__ import annotations

import ast
import builtins
import copy
import importlib
import inspect
import io
import math
import pkgutil
import re
import symtable
import tokenize
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import numpy as np
import pytest
from conftest import BOOK

import dlcourse

CHAPTERS = sorted((BOOK / "chapters").glob("*.md"))

# Modules of dlcourse whose functions chapters never meet: `make live`'s program.
NOT_HELPERS = {"live"}

# Chapter functions that share a helper's name but do another job. Keyed by
# (chapter file stem, function name), so a new chapter's function of that
# name is checked again.
NOT_TWINS = {
    ("02_perceptrons_xor", "predict"):
        "predict(points) runs the network the cell just trained; "
        "dlcourse.frameworks.predict(model, X) takes any model as an argument",
}

# The modules a chapter's NumPy definitions may import for this test.
IMPORTABLE = {"numpy", "math", "dlcourse"}

# What an acknowledgement of a difference must say, per tag of an edge case
# (the tag is the word; "overflows" and "axes" count too).
ACK_WORDS = {
    "overflow": re.compile(r"overflow", re.IGNORECASE),
    "axis": re.compile(r"\baxis\b|\baxes\b", re.IGNORECASE),
}


@dataclass
class Case:
    """One probe: a call of a helper and its twin with the same arguments."""

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    tag: str | None = None  # None: an ordinary input, where twins must agree

    def call_text(self, name):
        parts = [_show(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


def _show(value):
    if isinstance(value, np.ndarray):
        text = np.array2string(value, separator=", ", threshold=30, precision=4)
        text = " ".join(text.split())
        if value.dtype not in (np.float64, np.int64):
            return f"np.array({text}, dtype=np.{value.dtype})"
        return f"np.array({text})"
    return repr(value)


_RNG = np.random.default_rng(0)
BATCH = np.round(_RNG.normal(0.0, 3.0, size=(4, 5)), 2)          # 4 rows of 5 scores
SEQUENCES = np.round(_RNG.normal(0.0, 2.0, size=(2, 3, 4)), 2)   # 2 sequences of 3 rows

_SIGMOID_CASES = [
    Case("ordinary numbers", (np.linspace(-8.0, 8.0, 17),)),
    Case("a number", (0.8,)),
    Case("zero", (0.0,)),
    Case("a batch of rows", (BATCH,)),
    Case("integers", (np.array([-3, 0, 3]),)),
    Case("large negative and positive numbers",
         (np.array([-1000.0, -745.0, -709.0, 36.0, 709.0, 1000.0]),), tag="overflow"),
    Case("float32 numbers", (np.linspace(-100.0, 100.0, 9, dtype=np.float32),), tag="overflow"),
]

# The helpers' probes, by helper name. A helper that gains a twin needs an entry.
PROBES = {
    "step": [
        Case("numbers around the threshold", (np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0]),)),
        Case("exactly 0, as a number", (0.0,)),
        Case("minus zero", (-0.0,)),
        Case("a batch of rows", (BATCH,)),
        Case("integers", (np.array([-2, 0, 2]),)),
        Case("huge numbers", (np.array([-1e300, 1e300]),), tag="overflow"),
    ],
    "sigmoid": _SIGMOID_CASES,
    "sigmoid_grad": _SIGMOID_CASES,
    "softmax": [
        Case("a batch of rows", (BATCH,)),
        Case("ties", (np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [3.0, 3.0, -1.0]]),)),
        Case("integer scores", (np.array([[1, 2, 3], [0, 0, 0]]),)),
        Case("masked (-inf) scores", (np.array([[0.0, -np.inf, 1.0], [-np.inf, 2.0, 2.0]]),)),
        Case("a fully masked row", (np.array([[-np.inf, -np.inf]]),)),
        Case("along axis 0", (BATCH,), {"axis": 0}),
        Case("one vector of scores", (np.array([2.0, 1.0, 0.1]),), tag="axis"),
        Case("a batch of sequences (3-D)", (SEQUENCES,), tag="axis"),
        Case("large positive scores", (np.array([[1000.0, 999.0, 998.0]]),), tag="overflow"),
        Case("large negative scores", (np.array([[-1000.0, -1001.0, -1002.0]]),), tag="overflow"),
        Case("a batch mixing large and small scores",
             (np.array([[1000.0, 0.0, -1000.0], [2.0, 1.0, 0.0]]),), tag="overflow"),
    ],
}


# --- reading the chapters ----------------------------------------------------

@dataclass
class Definition:
    """A function defined at the top level of a chapter's code cell."""

    chapter: Path
    name: str
    line: int                 # line of the `def` in the chapter's .md file
    tags: list
    near_text: str            # docstring, comments, and the prose around the cell
    function: object = None   # the function, with the names of its place in the chapter
    problem: str | None = None  # why it could not be run here

    @property
    def where(self):
        root = BOOK.parent
        shown = self.chapter.relative_to(root) if self.chapter.is_relative_to(root) else self.chapter
        return f"{shown}:{self.line}"

    @property
    def number(self):
        return int(self.chapter.stem.split("_")[0])


def _parseable(source):
    """The cell's source with IPython magics and shell lines blanked."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _comments(source):
    try:
        return " ".join(tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                        if tok.type == tokenize.COMMENT)
    except (tokenize.TokenError, IndentationError):
        return ""


def _global_names(source):
    """Names a function's body reads from its module (builtins included)."""
    names = set()

    def walk(table):
        for symbol in table.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                names.add(symbol.get_name())
        for child in table.get_children():
            walk(child)

    for child in symtable.symtable(source, "<chapter>", "exec").get_children():
        walk(child)
    return names


def _frozen(namespace, defined):
    """A copy of the chapter's names as they are now; the chapter's own
    functions in it are rebuilt to look their names up in the copy."""
    snapshot = dict(namespace)
    for name in defined:
        f = namespace.get(name)
        if isinstance(f, types.FunctionType) and f.__globals__ is namespace:
            g = types.FunctionType(f.__code__, snapshot, f.__name__, f.__defaults__, f.__closure__)
            g.__kwdefaults__ = f.__kwdefaults__
            g.__doc__ = f.__doc__
            snapshot[name] = g
    return snapshot


def chapter_definitions(path):
    """Every top-level function definition in the chapter's code cells, in
    order; those in untagged cells are executed (see the module docstring)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    cells = jupytext.reads(text, fmt="md:myst").cells
    namespace = {"__builtins__": builtins, "np": np, "math": math}
    defined = []
    definitions = []
    search_from = 0
    for index, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        offset = text.find(cell.source, search_from)
        if offset >= 0:
            search_from = offset
        first_line = text.count("\n", 0, max(offset, 0)) + 1
        tags = list(cell.metadata.get("tags", []))
        source = _parseable(cell.source)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        prose = [cells[j].source for j in (index - 1, index + 1)
                 if 0 <= j < len(cells) and cells[j].cell_type == "markdown"]
        in_cell = []
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not tags:
                modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                           else [node.module or ""])
                if all(m.split(".")[0] in IMPORTABLE for m in modules):
                    exec(compile(ast.Module([node], []), str(path), "exec"), namespace)
            if not isinstance(node, ast.FunctionDef):
                continue
            segment = ast.get_source_segment(source, node) or ""
            near = " ".join([ast.get_docstring(node) or "", _comments(segment), *prose])
            d = Definition(path, node.name, first_line + node.lineno - 1, tags, near)
            definitions.append(d)
            if tags:
                d.problem = f"it is defined in a cell tagged {', '.join(tags)}, which this test does not run"
                continue
            try:
                exec(compile(ast.Module([node], []), str(path), "exec"), namespace)
            except Exception as error:  # a default value that needs the chapter's data
                d.problem = f"its `def` needs more than NumPy to run ({type(error).__name__}: {error})"
                continue
            defined.append(node.name)
            in_cell.append((d, _global_names(segment)))
        snapshot = _frozen(namespace, defined)
        for d, names in in_cell:
            missing = sorted(n for n in names if n not in snapshot and n not in vars(builtins))
            if missing:
                d.problem = (f"it uses {', '.join(f'`{n}`' for n in missing)}, which no NumPy "
                             "`def` or import of the chapter defines by then")
            else:
                d.function = snapshot[d.name]
    return definitions


def helper_functions():
    """Public functions and classes of dlcourse's modules (but NOT_HELPERS), by name."""
    found = {}
    for info in pkgutil.iter_modules(dlcourse.__path__):
        if info.name in NOT_HELPERS:
            continue
        module = importlib.import_module(f"dlcourse.{info.name}")
        for name, obj in vars(module).items():
            if (not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
                    and obj.__module__ == module.__name__):
                found.setdefault(name, obj)
    return found


# --- calling and comparing -----------------------------------------------------

@dataclass
class Outcome:
    value: object = None
    error: BaseException | None = None
    warned: frozenset = frozenset()


def call(function, case):
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = function(*args, **kwargs)
        except Exception as error:
            return Outcome(error=error, warned=_warned(caught))
    return Outcome(value=value, warned=_warned(caught))


def _warned(caught):
    return frozenset(f"{w.category.__name__}: {w.message}" for w in caught)


def _float32_inputs(case):
    return any(isinstance(a, (np.ndarray, np.generic)) and a.dtype == np.float32
               for a in (*case.args, *case.kwargs.values()))


def differences(mine, helper, case):
    """How the chapter's outcome differs from the helper's, in words."""
    if mine.error is not None:
        return [f"the chapter's version raises {type(mine.error).__name__}: {mine.error}"]
    found = []
    mine_kinds = {w.split(":")[0] for w in mine.warned}
    helper_kinds = {w.split(":")[0] for w in helper.warned}
    for w in sorted(mine.warned):
        if w.split(":")[0] not in helper_kinds:
            found.append(f"only the chapter's version warns ({w})")
    for w in sorted(helper.warned):
        if w.split(":")[0] not in mine_kinds:
            found.append(f"only the helper warns ({w})")
    a, b = np.asarray(mine.value), np.asarray(helper.value)
    if a.shape != b.shape:
        return found + [f"the chapter's version returns shape {a.shape}, the helper {b.shape}"]
    kinds = {"b": "booleans", "i": "integers", "u": "integers", "f": "floats"}
    if kinds.get(a.dtype.kind, a.dtype.kind) != kinds.get(b.dtype.kind, b.dtype.kind):
        found.append(f"the chapter's version returns {kinds.get(a.dtype.kind, a.dtype)}, "
                     f"the helper {kinds.get(b.dtype.kind, b.dtype)}")
    if not isinstance(mine.value, np.ndarray) and isinstance(helper.value, np.ndarray):
        found.append("the chapter's version returns a number, the helper a 0-d array")
    try:
        rtol, atol = (1e-5, 1e-7) if _float32_inputs(case) else (1e-12, 1e-15)
        close = np.allclose(a.astype(float), b.astype(float), rtol=rtol, atol=atol, equal_nan=True)
    except (TypeError, ValueError):
        close = np.array_equal(a, b)
    if not close:
        found.append(f"the values differ: chapter {_show(a)}, helper {_show(b)}")
    return found


def _sentences(text):
    return re.split(r"(?<=[.;])\s+", " ".join(text.split()))


def acknowledgement(definition, helper, tag):
    """Where the difference for ``tag`` is acknowledged, or None."""
    words = ACK_WORDS[tag]
    if words.search(definition.near_text):
        return "near the chapter's definition"
    chapter = re.compile(rf"\bchapters?\b[^.;]*?\b{definition.number}\b", re.IGNORECASE)
    for sentence in _sentences(inspect.getdoc(helper) or ""):
        if chapter.search(sentence) and words.search(sentence):
            return "in the helper's docstring"
    return None


def _accepts(function, kwargs):
    try:
        inspect.signature(function).bind_partial(**kwargs)
    except TypeError:
        return False
    return True


def twin_problems(definition, helper_name, helper):
    """Problems of one twin (an empty list when it agrees or its differences
    are acknowledged), and the acknowledged differences, as two lists."""
    where = (f"{definition.where}: `{definition.name}` "
             f"(twin of dlcourse.{helper.__module__.split('.', 1)[1]}.{helper_name})")
    if definition.problem:
        return [f"{where} cannot be compared: {definition.problem}. Write the twin in an "
                "untagged cell with NumPy, math and the chapter's own functions, or, if it only "
                "shares the helper's name, add it to NOT_TWINS with the reason"], []
    if helper_name not in PROBES:
        return [f"{where}: dlcourse.{helper_name} has no probes; add ordinary inputs and "
                "edge cases for it to PROBES"], []
    problems, acknowledged = [], []
    for case in PROBES[helper_name]:
        if case.kwargs and not _accepts(definition.function, case.kwargs):
            continue  # the chapter's version does not offer this argument
        expected = call(helper, case)
        if expected.error is not None:
            problems.append(f"dlcourse.{helper_name} raises {type(expected.error).__name__} on "
                            f"the probe {case.label}: {case.call_text(helper_name)}; fix the probe")
            continue
        found = differences(call(definition.function, case), expected, case)
        if not found:
            continue
        said = f"{where} differs on {case.label}, {case.call_text(definition.name)}: {'; '.join(found)}"
        if case.tag is None:
            problems.append(said + ". On ordinary inputs the two must agree: fix the one that is wrong")
            continue
        place = acknowledgement(definition, helper, case.tag)
        if place is None:
            problems.append(
                said + f". If the chapter's version differs on purpose, say so, with the word "
                f"'{case.tag}', in its docstring or the prose just before or after its cell, or "
                f"in a sentence of the helper's docstring that names chapter {definition.number}; "
                "otherwise fix the one that is wrong")
        else:
            acknowledged.append(f"{said} (acknowledged {place})")
    return problems, acknowledged


def purpose_twin(definition, helpers):
    """The name of the helper whose ordinary probes ``definition`` answers
    exactly as the helper does, or None."""
    f = definition.function
    if f is None:
        return None
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None
    required = [p for p in parameters if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(required) != 1:
        return None
    for helper_name, cases in PROBES.items():
        ordinary = [c for c in cases if c.tag is None and not c.kwargs]
        if all(not differences(call(f, c), call(helpers[helper_name], c), c) for c in ordinary):
            return helper_name
    return None


def find_twins(chapters):
    """(definition, helper name, how it was found) for every twin in ``chapters``."""
    helpers = helper_functions()
    found = []
    for path in chapters:
        for d in chapter_definitions(path):
            if (Path(path).stem, d.name) in NOT_TWINS:
                continue
            if d.name in helpers:
                found.append((d, d.name, "name"))
            else:
                match = purpose_twin(d, helpers)
                if match:
                    found.append((d, match, "purpose"))
    return found


# --- the checks ------------------------------------------------------------------

TWINS = find_twins(CHAPTERS)


def test_twins_are_found_by_name_and_by_purpose():
    """The discovery finds what a reader of the book meets today; if a twin
    disappears (renamed, moved into a framework cell), say so here."""
    found = {(d.chapter.stem, d.name, helper, how) for d, helper, how in TWINS}
    for expected in [
        ("02_perceptrons_xor", "step", "step", "name"),
        ("02_perceptrons_xor", "sigmoid", "sigmoid", "name"),
        ("02_perceptrons_xor", "sigmoid_grad", "sigmoid_grad", "name"),
        ("04_activations", "softmax", "softmax", "name"),
        ("05_losses_metrics", "softmax", "softmax", "name"),
        ("09_transformers", "softmax", "softmax", "name"),
        ("04_activations", "softmax_naive", "softmax", "purpose"),
        ("04_activations", "softmax_first", "sigmoid", "purpose"),
        ("04_activations", "softmax_first_grad", "sigmoid_grad", "purpose"),
    ]:
        assert expected in found, f"expected the twin {expected}; found {sorted(found)}"


@pytest.mark.parametrize(
    "definition, helper_name", [(d, h) for d, h, _ in TWINS],
    ids=[f"{d.chapter.stem}::{d.name}~{h}" for d, h, _ in TWINS])
def test_chapter_function_agrees_with_its_helper_twin(definition, helper_name):
    problems, acknowledged = twin_problems(definition, helper_name, helper_functions()[helper_name])
    for line in acknowledged:
        print(line)
    assert not problems, "\n".join(problems)


def test_not_twins_still_name_a_chapter_function_and_a_helper():
    helpers = helper_functions()
    for (stem, name), reason in NOT_TWINS.items():
        names = {d.name for d in chapter_definitions(BOOK / "chapters" / f"{stem}.md")}
        assert name in names, f"NOT_TWINS lists {stem}'s `{name}`, which the chapter no longer defines"
        assert name in helpers, f"NOT_TWINS lists `{name}`, which dlcourse no longer has"
        assert reason


# --- the checker itself, on chapters written for the purpose -------------------------

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# 99. A test chapter
"""


def _chapter(tmp_path, body, name="99_test_chapter.md"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _problems(path):
    twins = find_twins([path])
    out = []
    for d, helper_name, _ in twins:
        out += twin_problems(d, helper_name, helper_functions()[helper_name])[0]
    return twins, "\n".join(out)


def test_a_wrong_twin_fails_naming_chapter_function_and_input(tmp_path):
    path = _chapter(tmp_path, """
Our sigmoid.

```{code-cell} ipython3
def sigmoid(z):
    return 1 / (1 + np.exp(z))
```
""")
    twins, problems = _problems(path)
    assert [(d.name, h) for d, h, _ in twins] == [("sigmoid", "sigmoid")]
    assert "99_test_chapter.md:" in problems and "`sigmoid`" in problems
    assert "differs on ordinary numbers, sigmoid(np.array([-8., -7." in problems
    assert "the values differ" in problems


def test_a_naive_twin_passes_only_when_the_chapter_says_it_overflows(tmp_path):
    cell = """
```{code-cell} ipython3
def sigmoid(z):
    return 1 / (1 + np.exp(-z))
```
"""
    _, problems = _problems(_chapter(tmp_path, "The plain formula." + cell))
    assert "differs on large negative and positive numbers" in problems
    assert "only the chapter's version warns (RuntimeWarning: overflow encountered in exp)" in problems
    _, problems = _problems(_chapter(tmp_path, "The plain formula." + cell +
                                     "\nFor large negative z, `np.exp(-z)` overflows.\n"))
    assert problems == ""


def test_a_new_function_named_like_a_helper_is_checked(tmp_path):
    path = _chapter(tmp_path, """
```{code-cell} ipython3
def load_moons(n=10):
    return np.zeros((n, 2))
```

```{code-cell} ipython3
:tags: [keras]
def step(z):
    return tf.cast(z > 0, tf.int32)
```
""")
    twins, problems = _problems(path)
    assert {(d.name, h) for d, h, _ in twins} == {("load_moons", "load_moons"), ("step", "step")}
    assert "dlcourse.load_moons has no probes" in problems
    assert "`step` (twin of dlcourse.scratch.step) cannot be compared" in problems
    assert "tagged keras" in problems


def test_a_twin_by_purpose_is_found_under_another_name(tmp_path):
    path = _chapter(tmp_path, """
```{code-cell} ipython3
def logistic(z):
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    return np.maximum(0.0, z)
```
""")
    twins, problems = _problems(path)
    assert [(d.name, h, how) for d, h, how in twins] == [("logistic", "sigmoid", "purpose")]
    assert problems == ""


def test_a_definition_uses_the_names_of_its_place_in_the_chapter(tmp_path):
    """A later import of the helper under the same name does not replace
    the chapter's function inside the definitions written before it."""
    path = _chapter(tmp_path, """
```{code-cell} ipython3
def sigmoid(z):
    return 1 / (1 + np.exp(-2 * z))  # wrong on purpose


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)
```

```{code-cell} ipython3
from dlcourse import sigmoid
```
""")
    _, problems = _problems(path)
    assert "`sigmoid` (twin of" in problems
    # computed with the chapter's wrong sigmoid, not with the helper imported later
    assert "`sigmoid_grad` (twin of dlcourse.scratch.sigmoid_grad) differs on ordinary" in problems
