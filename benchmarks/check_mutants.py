"""Benchmark: how many wrong answers do the grader's checks catch?

Run with `make bench-checks` (all assignments) or
`make bench-checks ASSIGNMENT=activations`; the script itself takes
`--assignment NAME` (repeatable), `--check-kernel` (also run each solution
notebook in a real Jupyter kernel, as `grade` does, and check that it gives
the in-process answers), `--seeds N` (grading draws per mutant,
default 3), `--extra-seeds N` (draws for the equivalence test, default 30),
`--variants-only` (only the fixtures of tests/submissions, below) and `--json PATH`.

Mutation testing of the checks: every graded part's solution code (the lines
between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` of the cell that
defines what the part probes) is changed in one small place at a time, the
way a student gets it slightly wrong, and each such *mutant* is graded by the
real grading code:

* inputs drawn by ``autograder.assignment.draw_cases`` (the part's own
  ``cases`` in ``solutions/<a>/checks.py``) for several seeds;
* the mutant's answers read exactly as the grader reads a kernel's: the
  request built by ``autograder.probe.request_code``, answered by
  ``__dlcourse_probe__`` from ``autograder/kernel_probe.py`` in the
  notebook's namespace, and the reply checked by ``autograder.probe.parse_reply``;
* points given by ``autograder.assignment.score_part`` against the
  unmutated solution's answers on the same inputs.

So the figures always measure the checks as they are when the benchmark runs.

Speed without losing truth: each solution notebook is executed once, in
this process, cell by cell in one namespace as a kernel would (setup and
solution cells; the self-check cells are not needed and are skipped), with
the probe function defined in it.  Each mutant then runs in a forked copy of
that process: only the mutated cell is executed again (redefining its
function or variables), the probe is asked, and the child exits, so no
mutant can change what the next one sees.  The fork is also the time limit:
a child that runs longer than its budget (a mutant may loop forever) is
killed.  A mutant that times out or raises scores 0 in the real grader too,
so it counts as killed, in its own columns.

Verdicts, per part:

* killed: the part keeps at most 25% of its points on *every* seed tried,
  or, in a part with edge cases (``Part.edge_cases``), the mutant is right
  on every ordinary case and wrong on every edge case on every seed: the
  mistake the edge cases are there to catch, which keeps the part's
  ``edge_floor`` on purpose (half, for a formula that is right but not
  numerically stable).
  For a part whose answers are several values (a tuple such as ``(MAE, MSE,
  RMSE)``, judged one value at a time on purpose, so that a wrong RMSE does
  not cost MAE and MSE), the rule applies to the values the mutant gets
  wrong: it is killed on a seed when the checks of the values where its raw
  answer differs from the solution's (``same_as_solution`` gives one check
  per value, in order) earn at most 25% of *their* share.  Values it leaves
  right count neither for nor against it (see :func:`wrong_values_share`);
* killed on some seeds: caught on some draws only (not good enough: a
  student's grade would depend on luck), not counted as killed;
* equivalent: the mutant's answers equal the solution's (same shapes,
  ``np.allclose(atol=rtol=1e-12)``) on the grading draws and on
  ``--extra-seeds`` more draws of the part's own cases: it computes the same
  function, so it is left out of the score;
* survived: everything else;
* mutation score = killed / (mutants - equivalent); the exit status is 1
  when an assignment scores under TARGET (95%).

The surviving mutants are listed in two groups: those that earned full marks
on some seed (no check noticed them: the cases need strengthening), and
those that lost points on every seed but kept more than 25% (the credit
comes from checks that still pass: cases the mistake does not change, or,
for a tuple part, wrong values that are still within the tolerance; the
line then also gives the share the wrong values keep).  The ``loses``
column is the share of non-equivalent mutants that lose points on every
seed.

Correct work must keep full marks: every variant in
``tests/submissions/<assignment>/right.py`` (float32, lists, loops, the
other framework, library functions) is graded with the same machinery (its
cells replace the solution's in a forked copy of the solved namespace, the
same probe, the same ``score_part``) on every grading and extra seed; any
variant short of full marks on any part and seed is printed as a FAILURE and
the exit status is 1.  The mistakes of ``wrong.py`` are graded the same
way and must earn the same points on every seed (whatever a mistake costs,
it costs that on every draw: a student's grade must not depend on which
inputs the run drew), and the stub of ``stub.py`` nothing.  Run
``--variants-only`` after every change to the cases: a case that costs a
correct variant points, or that hides a mistake on some draws, is a wrong
case (the test suite runs it too).  Cells
that train a model are not run here (their parts are not evaluated
in-process either).

Only the mutated cell runs again; the cells after it keep what the solution
computed.  That is what a kernel would hold for every part here, since no
part reads a value that a later cell derives from an earlier solution cell
(functions that call each other look their callee up at call time).

Parts that train a model are skipped and listed as such: parts whose probe
is ``Predict`` (the model is trained when the notebook runs; a mutated
training loop gives another model, and whether that is *wrong* is what the
part's accuracy threshold decides, not an equality with the solution), and
``Call`` parts whose solution builds a framework model and trains it (e.g.
``fit_linear``, judged against least squares, where another learning rate or
epoch count is a correct answer, not a mistake).

Why a small ``ast`` mutator and not mutmut or cosmic-ray (both on PyPI):
both mutate installed modules or source files on disk and decide "killed"
by running a test command per mutant (mutmut 3 through pytest and
trampolines, and only code inside functions; cosmic-ray through a test
command and a session database).  Here the code lives in notebook cells,
only the part between the solution markers may change, the "test" is the
grader's probe and ``score_part`` (not a pass/fail exit status, but a share
of points, per seed), and evaluating a mutant must not re-run the notebook.
Their operators are also generic (swap ``+`` and ``-``, change numbers,
negate conditions); the mistakes students make in numerical code are
families neither offers: the wrong ``axis``, a dropped ``keepdims``, a
missing or extra transpose, ``sum`` for ``mean``, a dropped ``np.exp`` or
``np.sqrt``, a dropped term, the wrong activation, arguments of one's own
function in the wrong order, returning an intermediate variable.  Python's
``ast`` module gives all of that in a few hundred lines with no dependency:
:func:`mutants_of` parses a cell, lists every place an operator applies
inside the solution lines, and builds each mutant with an
``ast.NodeTransformer`` that replaces one node; ``ast.unparse`` gives the
code to run and the line to show.
"""

from __future__ import annotations

import os

# One math-library thread, as in the grading sandbox; set before NumPy or
# PyTorch load, so that forked children never inherit a thread pool.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import ast
import builtins
import contextlib
import copy
import io
import json
import re
import resource
import select
import signal
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: A part is killed on a seed when it keeps at most this share of its points.
KILL_SHARE = 0.25
#: The issue's target: this mutation score per assignment, or exit status 1.
TARGET = 0.95
#: Tolerance of the equivalence test (same function as the solution).
EQUIV_TOL = 1e-12
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
RESULTS = ROOT / "benchmarks" / "results"


# == The mutator ================================================================


@dataclass(frozen=True)
class Mutant:
    """One wrong variant of a cell: its operator family, the changed line
    (1-based, in the cell) before and after, and the whole mutated cell."""

    family: str
    line: int
    before: str
    after: str
    code: str


def solution_lines(source: str) -> tuple[int, int] | None:
    """The 1-based first and last line strictly between the solution markers."""
    lines = source.splitlines()
    begin = [i for i, line in enumerate(lines, 1) if line.strip() == BEGIN]
    end = [i for i, line in enumerate(lines, 1) if line.strip() == END]
    if not begin or not end or end[0] <= begin[0] + 1:
        return None
    return begin[0] + 1, end[0] - 1


def defined_names(source: str) -> set[str]:
    """Names a cell defines at its top level (functions, variables, imports)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def function_names(source: str) -> set[str]:
    return {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}


def _dotted(node) -> str | None:
    """``np.exp`` for the expression ``np.exp``, ``sum`` for ``sum``, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _number(node) -> float | int | None:
    """The value of a numeric literal (``3``, ``-1``, ``0.5``), else None."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float)):
        return -node.operand.value
    return None


def _literal(value) -> ast.expr:
    return ast.UnaryOp(ast.USub(), ast.Constant(-value)) if value < 0 else ast.Constant(value)


def _plus(node: ast.expr, delta: int) -> ast.expr:
    """``node + 1`` or ``node - 1`` (literals folded: ``3`` becomes ``4``)."""
    value = _number(node)
    if value is not None:
        return _literal(value + delta)
    op = ast.Add() if delta > 0 else ast.Sub()
    return ast.BinOp(copy.deepcopy(node), op, ast.Constant(abs(delta)))


def _call_with(node: ast.Call, func: str) -> ast.Call:
    new = copy.deepcopy(node)
    new.func = _expr(func)
    return new


def _method_with(node: ast.Call, attr: str) -> ast.Call:
    new = copy.deepcopy(node)
    new.func.attr = attr
    return new


def _wrap(template: str, arg: ast.expr) -> ast.expr:
    """``template`` with its ``X`` replaced by ``arg``."""
    tree = _expr(template)

    class Fill(ast.NodeTransformer):
        def visit_Name(self, name):
            return copy.deepcopy(arg) if name.id == "X" else name

    return Fill().visit(tree)


SWAP_BINOP = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div], ast.Div: [ast.Mult, ast.FloorDiv],
              ast.FloorDiv: [ast.Div], ast.Pow: [ast.Mult], ast.MatMult: [ast.Mult], ast.Mod: [ast.FloorDiv],
              ast.BitAnd: [ast.BitOr], ast.BitOr: [ast.BitAnd]}
SWAP_CMP = {ast.Gt: [ast.GtE, ast.Lt], ast.GtE: [ast.Gt], ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt],
            ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq]}
SWAP_CALL = {  # sum <-> mean, max <-> min
    "sum": ("sum/mean", ["mean"]), "mean": ("sum/mean", ["sum"]),
    "max": ("max/min", ["min"]), "min": ("max/min", ["max"]),
    "amax": ("max/min", ["amin"]), "amin": ("max/min", ["amax"]),
    "maximum": ("max/min", ["minimum"]), "minimum": ("max/min", ["maximum"]),
    "argmax": ("max/min", ["argmin"]), "argmin": ("max/min", ["argmax"]),
}
LIBRARIES = ("np", "numpy", "torch", "tf", "math", "F", "jnp")
#: Functions whose dropping is a classic slip: f(x) becomes x.
DROPPABLE = {"exp", "log", "sqrt", "abs", "square", "log1p", "expm1", "clip", "swapaxes", "transpose"}
NUMPY_ACTIVATIONS = {"tanh": "np.tanh(X)", "sigmoid": "1 / (1 + np.exp(-X))",
                     "relu": "np.maximum(0.0, X)"}
TORCH_ACTIVATIONS = {"tanh": "torch.tanh(X)", "sigmoid": "torch.sigmoid(X)", "relu": "torch.relu(X)"}
LAYER_ACTIVATIONS = {"Tanh": ["Sigmoid", "ReLU"], "Sigmoid": ["Tanh", "ReLU"], "ReLU": ["Tanh", "Sigmoid"]}


def _activation_of(node: ast.Call) -> tuple[str, str, ast.expr] | None:
    """(kind, library, argument) when ``node`` applies an activation to one value."""
    name = _dotted(node.func) or ""
    args = node.args
    if name in ("np.tanh", "numpy.tanh") and len(args) == 1:
        return "tanh", "numpy", args[0]
    if name == "sigmoid" and len(args) == 1:
        return "sigmoid", "numpy", args[0]
    if name in ("np.maximum", "numpy.maximum") and len(args) == 2:
        for zero, other in ((args[0], args[1]), (args[1], args[0])):
            if _number(zero) == 0:
                return "relu", "numpy", other
    if name in ("torch.tanh", "F.tanh", "torch.nn.functional.tanh") and len(args) == 1:
        return "tanh", "torch", args[0]
    if name in ("torch.sigmoid", "F.sigmoid", "torch.nn.functional.sigmoid") and len(args) == 1:
        return "sigmoid", "torch", args[0]
    if name in ("torch.relu", "F.relu", "torch.nn.functional.relu") and len(args) == 1:
        return "relu", "torch", args[0]
    if name in ("F.gelu", "torch.nn.functional.gelu") and len(args) == 1:
        return "gelu", "torch", args[0]
    return None


class _Candidates(ast.NodeVisitor):
    """Lists every (node id, family, replacement) inside the solution lines."""

    def __init__(self, first: int, last: int, own_functions: set[str]):
        self.first, self.last, self.own = first, last, own_functions
        self.found: list[tuple[int, int, str, ast.AST]] = []  # (node id, statement id, family, new)
        self.statements: list[ast.stmt] = []
        self.functions: list[ast.FunctionDef] = []
        self.negated: set[int] = set()

    def inside(self, node) -> bool:
        line = getattr(node, "lineno", None)
        return line is not None and self.first <= line <= self.last

    def add(self, node, family, new):
        self.found.append((node._mutant_id, self.statements[-1]._mutant_id, family, new))

    def visit(self, node):
        is_stmt = isinstance(node, ast.stmt)
        if is_stmt:
            self.statements.append(node)
        if isinstance(node, ast.FunctionDef):
            self.functions.append(node)
        if self.inside(node):
            for family, new in self.mutations(node):
                self.add(node, family, new)
        self.generic_visit(node)
        if isinstance(node, ast.FunctionDef):
            self.functions.pop()
        if is_stmt:
            self.statements.pop()

    # -- the operator families --------------------------------------------------

    def mutations(self, node):
        if isinstance(node, ast.BinOp):
            yield from self.binop(node)
        elif isinstance(node, ast.AugAssign):
            for op in SWAP_BINOP.get(type(node.op), []):
                new = copy.deepcopy(node)
                new.op = op()
                yield "arithmetic operator", new
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            for op in SWAP_CMP.get(type(node.ops[0]), []):
                new = copy.deepcopy(node)
                new.ops = [op()]
                yield "comparison operator", new
        elif isinstance(node, ast.BoolOp):
            new = copy.deepcopy(node)
            new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            yield "comparison operator", new
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _number(node) is None:
            yield "arithmetic operator", copy.deepcopy(node.operand)   # sign dropped
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield "comparison operator", copy.deepcopy(node.operand)
        if isinstance(node, ast.UnaryOp) and _number(node) is not None:
            self.negated.add(node.operand._mutant_id)   # -1 is mutated as a whole
        if _number(node) is not None and node._mutant_id not in self.negated:
            yield from self.constant(node)
        if isinstance(node, ast.Subscript):
            yield from self.subscript(node)
        if isinstance(node, ast.Call):
            yield from self.call(node)
        if isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
            yield "transpose", copy.deepcopy(node.value)                # .T dropped
        if isinstance(node, ast.Return) and node.value is not None and self.functions:
            yield from self.returns(node)

    def binop(self, node: ast.BinOp):
        for op in SWAP_BINOP.get(type(node.op), []):
            new = copy.deepcopy(node)
            new.op = op()
            yield "arithmetic operator", new
        if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            yield "term dropped", copy.deepcopy(node.left)
            if isinstance(node.op, ast.Sub):
                yield "term dropped", ast.UnaryOp(ast.USub(), copy.deepcopy(node.right))
            elif not isinstance(node.op, (ast.Div, ast.Pow)):
                yield "term dropped", copy.deepcopy(node.right)
        if isinstance(node.op, ast.MatMult):                              # a transpose added
            for side in ("left", "right"):
                operand = getattr(node, side)
                if not (isinstance(operand, ast.Attribute) and operand.attr == "T"):
                    new = copy.deepcopy(node)
                    setattr(new, side, ast.Attribute(copy.deepcopy(operand), "T", ast.Load()))
                    yield "transpose", new

    def constant(self, node):
        value = _number(node)
        options = [value + 1, value - 1]
        if value == 0:
            options.append(1)
        if value == 1:
            options.append(0)
        if value in (2, 0.5):
            options.append(1)
        seen = set()
        for option in options:
            option = type(value)(option)
            if option == value or option in seen:
                continue
            seen.add(option)
            yield "constant", _literal(option)

    def subscript(self, node: ast.Subscript):
        slices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for index, piece in enumerate(slices):
            if not isinstance(piece, ast.Slice):
                continue
            for bound in ("lower", "upper"):
                value = getattr(piece, bound)
                variants = ([_plus(value, +1), _plus(value, -1)] if value is not None
                            else [_literal(1)] if bound == "lower" else [_literal(-1)])
                for variant in variants:
                    new = copy.deepcopy(node)
                    new_slices = new.slice.elts if isinstance(new.slice, ast.Tuple) else [new.slice]
                    setattr(new_slices[index], bound, variant)
                    yield "off by one", new

    def call(self, node: ast.Call):
        name = _dotted(node.func) or ""
        base, _, last = name.rpartition(".")
        if isinstance(node.func, ast.Attribute):  # also f(x).sum(), x[i].max()
            base, last = _dotted(node.func.value) or "", node.func.attr
        # range(...) off by one
        if name == "range" and not node.keywords:
            for index, arg in enumerate(node.args[:2]):
                for delta in (+1, -1):
                    new = copy.deepcopy(node)
                    new.args[index] = _plus(arg, delta)
                    yield "off by one", new
        # axis= / dim= / keepdims=
        for k, keyword in enumerate(node.keywords):
            if keyword.arg in ("axis", "dim"):
                value = _number(keyword.value)
                for option in [0, 1, -1]:
                    if value is not None and option != value:
                        new = copy.deepcopy(node)
                        new.keywords[k].value = _literal(option)
                        yield "axis", new
                new = copy.deepcopy(node)
                del new.keywords[k]
                yield "axis", new
            elif keyword.arg in ("keepdims", "keepdim"):
                new = copy.deepcopy(node)
                del new.keywords[k]
                yield "axis", new
        # sum <-> mean, max <-> min: np.f(...), x.f(...), and built-in max/min
        if last in SWAP_CALL and (isinstance(node.func, ast.Attribute) or name in ("max", "min")):
            family, others = SWAP_CALL[last]
            for other in others:
                if isinstance(node.func, ast.Attribute):
                    yield family, _method_with(node, other)
                elif other in ("max", "min"):
                    yield family, _call_with(node, other)
        # transposes dropped: np.swapaxes(x, a, b), np.transpose(x, axes), x.transpose(...)
        if last in ("swapaxes", "transpose"):
            if base in LIBRARIES and node.args:
                yield "transpose", copy.deepcopy(node.args[0])
                if last == "transpose" and len(node.args) > 1:
                    new = copy.deepcopy(node)
                    new.args = new.args[:1]
                    yield "transpose", new
            elif isinstance(node.func, ast.Attribute) and base not in LIBRARIES:
                yield "transpose", copy.deepcopy(node.func.value)
        # np.exp / np.log / np.sqrt / np.clip ... dropped
        elif base in LIBRARIES and last in DROPPABLE and node.args:
            yield "function dropped", copy.deepcopy(node.args[0])
        # int(...) / float(...) conversions dropped
        if name in ("int", "float") and len(node.args) == 1:
            yield "conversion dropped", copy.deepcopy(node.args[0])
        # the wrong activation
        activation = _activation_of(node)
        if activation:
            kind, library, arg = activation
            table = NUMPY_ACTIVATIONS if library == "numpy" else TORCH_ACTIVATIONS
            for other, template in table.items():
                if other != kind:
                    yield "activation", _wrap(template, arg)
            if kind == "gelu":
                new = copy.deepcopy(node)
                new.keywords.append(ast.keyword("approximate", ast.Constant("tanh")))
                yield "activation", new
        if last in LAYER_ACTIVATIONS and base in ("nn", "torch.nn", "layers", "keras.layers"):
            for other in LAYER_ACTIVATIONS[last]:
                yield "activation", _method_with(node, other)
        # arguments swapped in a call to one of the notebook's own functions
        if isinstance(node.func, ast.Name) and node.func.id in self.own and len(node.args) >= 2:
            for i in range(len(node.args) - 1):
                new = copy.deepcopy(node)
                new.args[i], new.args[i + 1] = new.args[i + 1], new.args[i]
                yield "argument order", new

    def returns(self, node: ast.Return):
        """``return value`` -> ``return <a variable assigned earlier>``."""
        function = self.functions[-1]
        earlier: list[str] = []
        for stmt in ast.walk(function):
            if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and stmt.lineno < node.lineno:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name) and name.id not in earlier:
                            earlier.append(name.id)
        returned = node.value
        for name in earlier:
            if not (isinstance(returned, ast.Name) and returned.id == name):
                yield "earlier variable returned", ast.Return(ast.Name(name, ast.Load()))
        if isinstance(returned, ast.Tuple):
            for index, element in enumerate(returned.elts):
                for name in earlier:
                    if not (isinstance(element, ast.Name) and element.id == name):
                        new = copy.deepcopy(node)
                        new.value.elts[index] = ast.Name(name, ast.Load())
                        yield "earlier variable returned", new
        else:
            yield "transpose", ast.Return(ast.Attribute(copy.deepcopy(returned), "T", ast.Load()))


class _ReplaceNode(ast.NodeTransformer):
    """Replaces the node carrying ``_mutant_id == target`` by ``new``."""

    def __init__(self, target: int, new: ast.AST):
        self.target, self.new = target, new

    def visit(self, node):
        if getattr(node, "_mutant_id", None) == self.target:
            new = copy.deepcopy(self.new)
            new._mutant_id = self.target
            return ast.copy_location(new, node)
        return self.generic_visit(node)


def _first_line(node: ast.AST) -> str:
    return ast.unparse(node).splitlines()[0].strip()


def _find(tree: ast.AST, ident: int) -> ast.AST | None:
    for node in ast.walk(tree):
        if getattr(node, "_mutant_id", None) == ident:
            return node
    return None


def mutants_of(source: str, own_functions: set[str] = frozenset()) -> list[Mutant]:
    """Every distinct mutant of the solution lines of a cell's ``source``.

    Only nodes that start between the solution markers change; mutants that
    unparse to the original code or to an earlier mutant are dropped.
    """
    region = solution_lines(source)
    if region is None:
        return []
    tree = ast.parse(source)
    for ident, node in enumerate(ast.walk(tree)):
        node._mutant_id = ident
    finder = _Candidates(*region, set(own_functions))
    finder.visit(tree)
    original = ast.unparse(tree)
    seen = {original}
    mutants = []
    for ident, stmt_id, family, new in finder.found:
        mutated = _ReplaceNode(ident, new).visit(copy.deepcopy(tree))
        ast.fix_missing_locations(mutated)
        code = ast.unparse(mutated)
        if code in seen:
            continue
        try:
            compile(code, "<mutant>", "exec")
        except SyntaxError:
            continue
        seen.add(code)
        before_stmt = _find(tree, stmt_id)
        after_stmt = _find(mutated, stmt_id)
        mutants.append(Mutant(
            family=family, line=before_stmt.lineno, before=_first_line(before_stmt),
            after=_first_line(after_stmt) if after_stmt is not None else "?", code=code))
    return mutants


# == The notebook and its graded parts =========================================


@dataclass
class Cell:
    index: int
    source: str
    solution: bool
    grade: bool
    grade_id: str | None = None


def code_cells(path: Path) -> list[Cell]:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        cells.append(Cell(index, cell.source, bool(meta.get("solution")),
                          bool(meta.get("grade")) and not meta.get("solution"),
                          meta.get("grade_id")))
    return cells


def probed_names(part) -> list[str]:
    from autograder.checks import Call, Predict, Read

    probe = part.probe
    if isinstance(probe, (Call, Predict)):
        return [probe.name]
    if isinstance(probe, Read):
        return list(probe.names)
    raise TypeError(probe)


MODEL = re.compile(r"\bnn\.(Linear|Sequential|Conv\w*|LSTM|GRU|RNN)\(|keras\.(Sequential|Model)\(|"
                   r"layers\.Dense\(")
TRAINING = re.compile(r"\.backward\(\)|\.fit\(")


def training_reason(part, cell: Cell | None) -> str | None:
    """Why a part's mutants are not evaluated, or None."""
    from autograder.checks import Predict

    if isinstance(part.probe, Predict):
        return "a trained model (Predict): judged by what it predicts, not against the solution's values"
    if cell is not None and MODEL.search(cell.source) and TRAINING.search(cell.source):
        return "trains a model: other learning rates or epoch counts are correct answers, not mistakes"
    return None


# == Evaluating in a namespace, as the kernel would ============================


def run_cell(code, namespace: dict) -> None:
    """Execute a cell's code in the notebook's namespace, its output discarded."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, namespace)


def ask(namespace: dict, part, cases: list) -> list:
    """The grader's request for ``part`` on ``cases``, answered in
    ``namespace`` by the kernel probe, and read back with ``parse_reply``
    (a ValueError when the grader would find no usable answer)."""
    from autograder.probe import ANSWER_VARIABLE, new_secret, parse_reply, request_code

    secret = new_secret()
    code = request_code(part.probe, cases, secret, report_inputs=part.keeps_inputs)
    try:
        run_cell(code, namespace)
        text = repr(namespace[ANSWER_VARIABLE])
        content = {"status": "ok",
                   "user_expressions": {"answer": {"status": "ok", "data": {"text/plain": text}}}}
    except Exception as error:  # the probe itself failed in the kernel
        content = {"status": "error", "ename": type(error).__name__}
    return parse_reply(content, secret, cases, part.keeps_inputs)


def same_answers(got: list, expected: list) -> tuple[bool, float]:
    """Whether two lists of answers are the same function values (shapes and
    ``allclose`` at EQUIV_TOL), and the largest difference seen."""
    same, worst = True, 0.0
    for g, e in zip(got, expected):
        if not g.ok or len(g.values) != len(e.values):
            return False, float("inf")
        for a, b in zip(g.values, e.values):
            if a.shape != b.shape:
                return False, float("inf")
            with np.errstate(invalid="ignore"):
                if not np.allclose(a, b, atol=EQUIV_TOL, rtol=EQUIV_TOL, equal_nan=True):
                    same = False
                diff = np.abs(a - b)
            diff = diff[~(np.isnan(a) & np.isnan(b))]
            if diff.size:
                worst = max(worst, float(diff.max()) if np.all(np.isfinite(diff)) else float("inf"))
    return same, worst


@dataclass
class PartContext:
    part: object
    cases: dict[int, list]            # seed -> encoded cases
    expected: dict[int, list]         # seed -> the solution's answers
    seeds: list[int]                  # grading seeds
    extra: list[int]                  # equivalence seeds
    tuple_part: bool = False          # the solution returns several values


def solution_context(namespace: dict, part, drawn: dict[int, list], seeds: list[int],
                     extra: list[int]) -> tuple[PartContext, float]:
    """The solution's answers for ``part`` on every draw (``drawn``: seed ->
    encoded cases), checked to earn full marks against themselves; and the
    seconds they took."""
    started = time.monotonic()
    expected = {}
    for seed in seeds + extra:
        expected[seed] = ask(namespace, part, drawn[seed])
        bad = [a.error for a in expected[seed] if not a.ok]
        if bad:
            raise RuntimeError(f"{part.grade_id}: the solution raised {bad[0]}")
    from autograder.assignment import score_part

    for seed in seeds:
        score, _ = score_part(part, drawn[seed], expected[seed], expected[seed])
        if score != part.points:
            raise RuntimeError(f"{part.grade_id}: the solution earns {score} of {part.points} "
                               f"against itself on seed {seed}")
    several = all(len(a.values) > 1 for answers in expected.values() for a in answers)
    context = PartContext(part, {s: drawn[s] for s in seeds + extra}, expected, seeds, extra,
                          tuple_part=several)
    return context, time.monotonic() - started


def differing_values(got, expected) -> list[bool]:
    """For one case of a tuple part: which of the solution's values the
    answer gets different (not the same shape and values within EQUIV_TOL).
    An error, or another number of values, differs in every one."""
    if not got.ok or len(got.values) != len(expected.values):
        return [True] * len(expected.values)
    return [not same_answers([type(got)(values=(a,))], [type(expected)(values=(b,))])[0]
            for a, b in zip(got.values, expected.values)]


def wrong_values_share(judged: list) -> float:
    """The kill rule of a tuple part on one seed: the share of their points
    that the values a mutant gets wrong still earn.

    ``judged`` holds, per case, (the mutant's answer, the solution's answer,
    the part's checks).  ``same_as_solution`` gives one check per returned
    value, in order; only the checks of the values where the mutant's raw
    answer differs from the solution's count (values it leaves right count
    neither for nor against it).  A case whose checks do not line up with
    its values (an error, a wrong number of values: one failed check) counts
    with its own share for each of its values.  1.0 when the mutant differs
    nowhere on this seed (it is then judged like an identical answer)."""
    earned = total = 0.0
    for got, expected, checks in judged:
        differs = differing_values(got, expected)
        if len(checks) == len(differs) and got.ok and len(got.values) == len(expected.values):
            for wrong, check in zip(differs, checks):
                if wrong:
                    earned += check.earned
                    total += 1
        elif any(differs):
            weight = sum(c.weight for c in checks)
            share = sum(c.weight * c.earned for c in checks) / weight if weight else 0.0
            earned += share * len(differs)
            total += len(differs)
    return earned / total if total else 1.0


def killed_on(seed_result: dict, part) -> bool:
    """Whether a mutant is killed on one seed: at most KILL_SHARE of the
    part's points (a part of one value), or of the share of the values it
    gets wrong (a tuple part, see :func:`wrong_values_share`); or, in a part
    with edge cases, right on every ordinary case and wrong on every edge
    case (the mistake those cases are there for: it keeps the part's
    ``edge_floor``, on purpose)."""
    return seed_result.get("edge_only", False) or \
        seed_result.get("share", seed_result["score"] / part.points) <= KILL_SHARE + 1e-12


def judge_mutant(namespace: dict, code: str, contexts: list[PartContext]) -> dict:
    """Run in the forked child: redefine the cell, then grade each part."""
    warnings.simplefilter("ignore")  # a warning is not an error in a kernel
    try:
        for one in ([code] if isinstance(code, str) else code):  # a variant: several cells
            run_cell(compile(one, "<mutant>", "exec"), namespace)
    except Exception as error:
        return {"cell_error": f"{type(error).__name__}: {error}"[:200]}
    from autograder.assignment import score_part
    from autograder.probe import decode_array

    out = {}
    for ctx in contexts:
        part = ctx.part
        seeds, errors_only, identical, worst = [], True, True, 0.0
        for seed in ctx.seeds:
            try:
                got = ask(namespace, part, ctx.cases[seed])
            except ValueError as error:  # the grader finds no usable answer: 0 points
                seeds.append({"seed": seed, "score": 0.0, "share": 0.0, "passed": [], "failed": [],
                              "errors": [f"no usable answer: {error}"]})
                identical = False
                continue
            score, checks = score_part(part, ctx.cases[seed], got, ctx.expected[seed])
            errors_only &= all(not a.ok for a in got)
            same, diff = same_answers(got, ctx.expected[seed])
            identical &= same
            worst = max(worst, diff)
            passed = sorted({c.message.split(": ", 1)[-1] for c in checks if c.passed})
            failed = sorted({c.message.split(": ", 1)[-1] for c in checks if not c.passed})
            # Per case, with the part's own judge (what score_part adds up):
            # cases wholly right, and checks that still pass in the others.
            cases_right = kept = in_wrong = 0
            judged, rights = [], []
            for case, answer, reference in zip(ctx.cases[seed], got, ctx.expected[seed]):
                checks_here = part.judge(tuple(decode_array(a) for a in case), answer, reference)
                verdicts = [c.passed for c in checks_here]
                judged.append((answer, reference, checks_here))
                rights.append(all(verdicts))
                if all(verdicts):
                    cases_right += 1
                else:
                    kept += sum(verdicts)
                    in_wrong += len(verdicts)
            share = (wrong_values_share(judged) if ctx.tuple_part
                     else score / part.points if part.points else 0.0)
            edges = part.edge_cases
            edge_only = bool(edges) and all(rights[:-edges]) and not any(rights[-edges:])
            seeds.append({"seed": seed, "score": score, "share": share, "edge_only": edge_only,
                          "passed": passed[:4], "failed": failed[:4],
                          "cases": len(got), "cases_right": cases_right,
                          "checks_kept_in_wrong_cases": [kept, in_wrong],
                          "errors": [a.error for a in got if not a.ok][:1]})
        killed_everywhere = all(killed_on(s, part) for s in seeds)
        result = {"seeds": seeds, "errors_only": errors_only,
                  "graded_identical": identical, "graded_max_diff": worst}
        if not killed_everywhere and identical:
            equivalent = True
            for seed in ctx.extra:
                try:
                    got = ask(namespace, part, ctx.cases[seed])
                except ValueError:
                    equivalent = False
                    break
                if not same_answers(got, ctx.expected[seed])[0]:
                    equivalent = False
                    break
            result["equivalent"] = equivalent
        out[part.grade_id] = result
    return out


def in_child(function, args, timeout: float) -> dict:
    """``function(*args)`` in a forked copy of this process; its JSON-able
    result, or ``{"timeout": True}`` after ``timeout`` seconds, or
    ``{"crash": ...}`` when the child died."""
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(read_end)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            _limit_memory(3 * 2**30)
            data = json.dumps(function(*args), default=float).encode()
        except BaseException as error:  # noqa: BLE001 - report anything to the parent
            data = json.dumps({"crash": f"{type(error).__name__}: {error}"[:200]}).encode()
            status = 1
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
        finally:
            os._exit(status)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                return {"timeout": True}
            ready, _, _ = select.select([read_end], [], [], remaining)
            if ready:
                chunk = os.read(read_end, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return {"crash": "the child died without an answer"}


def _limit_memory(extra: int) -> None:
    """Cap the child's address space at what it has now plus ``extra`` bytes."""
    try:
        with open("/proc/self/status") as status:
            size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, resource.RLIM_INFINITY))
    except (OSError, StopIteration, ValueError):
        pass


# == One assignment =============================================================


@dataclass
class PartResult:
    assignment: str
    grade_id: str
    title: str
    points: float
    skipped: str | None = None
    mutants: int = 0
    equivalent: int = 0
    killed: int = 0          # including the two below
    killed_raised: int = 0
    killed_timeout: int = 0
    killed_some_seeds: int = 0
    survived: int = 0
    unseen: int = 0          # not killed, and full marks on at least one seed
    kernel_max_diff: float | None = None  # --check-kernel: in-process vs a real kernel
    records: list[dict] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        judged = self.mutants - self.equivalent
        return self.killed / judged if judged else None

    @property
    def loses(self) -> float | None:
        """Share of the non-equivalent mutants that lose points on every seed."""
        judged = self.mutants - self.equivalent
        return (judged - self.unseen) / judged if judged else None


def classify(part, outcome: dict) -> tuple[str, dict]:
    """The verdict on one mutant for one part, from what its child returned."""
    from autograder.checks import Read

    if outcome.get("timeout"):
        return "killed (timeout)", {}
    if "cell_error" in outcome:
        return "killed (raised)", {"error": outcome["cell_error"]}
    if "crash" in outcome:
        return "killed (raised)", {"error": outcome["crash"]}
    result = outcome[part.grade_id]
    scores = [s["score"] for s in result["seeds"]]
    killed = [killed_on(s, part) for s in result["seeds"]]
    if all(killed):
        return ("killed (raised)" if result["errors_only"] else "killed"), result
    if result.get("equivalent"):
        result["basis"] = f"identical answers on every draw ({len(scores)} graded + extra seeds)"
        return "equivalent", result
    if isinstance(part.probe, Read) and all(score >= part.points for score in scores):
        # Variables judged by what they do (a truth table), not by equality:
        # other weights that give the same gate are another correct answer.
        result["basis"] = "other values the part's judge accepts on every seed (a Read part)"
        return "equivalent", result
    if any(killed):
        return "killed on some seeds", result
    return "survived", result


def _short(messages: list[str], limit: int = 110) -> str:
    if not messages:
        return "nothing"
    text = messages[0] if len(messages[0]) <= limit else messages[0][:limit - 1] + "…"
    return text + (f" (+{len(messages) - 1} more)" if len(messages) > 1 else "")


def survival_reason(part, result: dict) -> str:
    """Why a mutant kept more than KILL_SHARE of the points, in words."""
    seeds = result["seeds"]
    full = [s["seed"] for s in seeds if s["score"] >= part.points]
    if result.get("graded_identical"):
        return ("same answers as the solution on the graded draws (other draws of the cases "
                "differ): the cases do not always expose it")
    if len(full) == len(seeds):
        return (f"full marks on every seed: it differs from the solution by at most "
                f"{result.get('graded_max_diff', 0.0):.3g}, within the part's tolerance")
    text = (f"full marks on seed {', '.join(map(str, full))} (the cases do not always expose "
            "it); " if full else "")
    # Explain the seed that kept the most points short of full marks.
    worst = max((s for s in seeds if s["score"] < part.points), key=lambda s: s["score"])
    if "cases_right" in worst:
        kept, total = worst["checks_kept_in_wrong_cases"]
        wrong = worst["cases"] - worst["cases_right"]
        pieces = []
        if worst["cases_right"]:
            pieces.append(f"{worst['cases_right']} of {worst['cases']} cases wholly right")
        if kept:
            pieces.append(f"{kept} of {total} checks still pass in the {wrong} wrong case"
                          f"{'s' if wrong > 1 else ''}")
        text += f"on seed {worst['seed']}: " + (", ".join(pieces) or "no check passes") + "; "
    return (text + f"passed: {_short(worst['passed'], 60)}; failed: {_short(worst['failed'], 90)}")


def kernel_agreement(assignment, drawn: dict, contexts: dict[str, PartContext], seed: int,
                     log) -> dict[str, float]:
    """Run the solution notebooks in real Jupyter kernels, as `grade` does
    (``autograder.execute.solution_answers``), and compare their answers on
    ``seed``'s draw with the in-process ones: the largest difference per part
    (0.0 when identical; inf when shapes or errors differ)."""
    import tempfile

    from autograder.config import course_config
    from autograder.execute import solution_answers

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        kernel = solution_answers(assignment, drawn[seed], course_config(ROOT, work=Path(work)))
    agreement = {}
    for gid, context in contexts.items():
        same, worst = same_answers(kernel[gid], context.expected[seed])
        agreement[gid] = 0.0 if same and worst == 0.0 else worst
    differ = {g: d for g, d in agreement.items() if d}
    log(f"{assignment.name}: the solution in a real kernel ({time.monotonic() - started:.0f} s) "
        + ("gives the same answers as in-process on every part" if not differ
           else f"differs from in-process: {differ}"))
    return agreement


def load_variants(name: str) -> dict[str, dict[str, str]]:
    """``tests/submissions/<name>/``'s fixtures as answer cells: fixture name
    -> {answer cell grade_id: the cell's code}.  The correct variants of
    ``right.py`` (right_*), the stub of ``stub.py`` and the mistakes of
    ``wrong.py`` (any file that does not exist gives none)."""
    import importlib.util

    variants = {}
    for file, attribute in (("right.py", "RIGHT"), ("stub.py", "STUB"), ("wrong.py", "WRONG")):
        path = ROOT / "tests" / "submissions" / name / file
        if not path.exists():
            continue
        spec = importlib.util.spec_from_file_location(f"{path.stem}_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found = getattr(module, attribute)
        # stub.py holds one submission (answer cells -> code) that must earn nothing.
        variants.update({"stub": found} if attribute == "STUB" else found)
    return variants


def expected_of(fixture: str) -> str:
    """What a fixture must earn on every seed: ``full`` marks (right_*, and
    wrong.py's full_marks_* fixtures of correct work), ``nothing`` (the
    stub), or the ``same`` points on every seed (a mistake of wrong.py:
    whatever it costs, it costs that on every draw, so that no student's
    grade depends on which inputs the run drew)."""
    if fixture.startswith(("right_", "full_marks")):
        return "full"
    return "nothing" if fixture == "stub" else "same"


#: Code that uses TensorFlow (Keras runs on it here).
TENSORFLOW = re.compile(r"\b(?:keras|tensorflow)\b")


def import_tensorflow_before_forking() -> None:
    """Import TensorFlow and Keras in this process, once, so that each forked
    child that uses them starts with them imported (as a kernel forked from
    the grader's warm process does: autograder/zygote_process.py) instead of
    paying their import, 8 to 10 CPU seconds, again.  Import only: a forked
    copy of a process that has run a TensorFlow op hangs in its first op."""
    if "tensorflow" not in sys.modules:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401


def check_variants(name: str, variants: dict[str, dict[str, str]], cells: list[Cell],
                   namespace: dict, contexts: list[PartContext], skipped_cells: set[int],
                   seconds: float, log) -> list[dict]:
    """Grade every correct variant with the same machinery as a mutant: its
    cells replace the solution's (in notebook order, in a forked copy of the
    solved namespace), the probe is asked and ``score_part`` scores every
    part on every seed of the contexts.  One dict per variant: the parts it
    was graded on, the cells not run here (a cell that trains a model,
    whose part is not evaluated in-process), and every failure of the rule
    of :func:`expected_of`."""
    by_id = {c.grade_id: c for c in cells if c.solution and c.grade_id}
    out = []
    runs = {}
    for fixture, changes in variants.items():
        ordered = sorted((by_id[g] for g in changes if g in by_id), key=lambda c: c.index)
        runs[fixture] = (ordered, [changes[c.grade_id] for c in ordered if c.index not in skipped_cells])
    if any(TENSORFLOW.search(code) for _, codes in runs.values() for code in codes):
        import_tensorflow_before_forking()
    for fixture, changes in variants.items():
        unknown = sorted(set(changes) - set(by_id))
        ordered, codes = runs[fixture]
        not_run = [c.grade_id for c in ordered if c.index in skipped_cells]
        started = time.monotonic()
        outcome = in_child(judge_mutant, (namespace, codes, contexts), 60.0 + 20.0 * seconds)
        failures = []
        if outcome.get("timeout"):
            failures.append("ran out of time")
        elif "cell_error" in outcome and expected_of(fixture) == "same":
            # A mistake that stops its own cell (a syntax error): the grader
            # finds its function undefined and gives nothing, on every seed.
            pass
        elif "cell_error" in outcome or "crash" in outcome:
            failures.append(f"raised {outcome.get('cell_error') or outcome.get('crash')}")
        elif expected_of(fixture) == "same":
            for ctx in contexts:
                by_score: dict[float, list[int]] = {}
                for seed in outcome[ctx.part.grade_id]["seeds"]:
                    by_score.setdefault(round(seed["score"], 9), []).append(seed["seed"])
                if len(by_score) > 1:
                    failures.append(f"{ctx.part.grade_id}: " + ", ".join(
                        f"{score:g} of {ctx.part.points:g} points on {len(seeds)} seed(s) "
                        f"({', '.join(map(str, seeds[:5]))}{', ...' if len(seeds) > 5 else ''})"
                        for score, seeds in sorted(by_score.items())))
        else:
            for ctx in contexts:
                part = ctx.part
                for seed in outcome[part.grade_id]["seeds"]:
                    if expected_of(fixture) == "nothing" and seed["score"] > 0:
                        failures.append(f"{part.grade_id} seed {seed['seed']}: the stub earned "
                                        f"{seed['score']:g} of {part.points:g} points")
                    elif expected_of(fixture) == "full" and seed["score"] < part.points:
                        failures.append(f"{part.grade_id} seed {seed['seed']}: {seed['score']:g} of "
                                        f"{part.points:g} points; failed: {_short(seed['failed'], 150)}"
                                        + (f" ({seed['errors'][0]})" if seed.get("errors") else ""))
        if unknown:
            failures.append(f"changes cells the solution does not have: {unknown}")
        out.append({"assignment": name, "fixture": fixture, "cells": sorted(changes),
                    "not_run": not_run, "parts": [c.part.grade_id for c in contexts],
                    "seeds": len(contexts[0].seeds) if contexts else 0, "failures": failures})
        verdict = {"full": "full marks", "nothing": "earns nothing",
                   "same": "the same points on every seed"}[expected_of(fixture)] \
            if not failures else f"{len(failures)} FAILURE(S)"
        log(f"{name}/{fixture}: {verdict} "
            f"({time.monotonic() - started:.0f} s)")
    return out


def evaluate_assignment(name: str, seeds: list[int], extra: list[int], log,
                        check_kernel: bool = False, mutate: bool = True,
                        variants_out: list | None = None) -> list[PartResult]:
    """Mutation-test one assignment's parts (unless ``mutate`` is False); when
    ``variants_out`` is a list, also grade the correct variants of
    tests/submissions/<name>/right.py on every seed (grading and extra) and
    append their results to it (see :func:`check_variants`)."""
    from autograder.assignment import draw_cases, load_assignment
    from autograder.probe import PROBE_SOURCE

    assignment = load_assignment(ROOT / "solutions", name)
    results = []
    all_seeds = seeds + [s for s in extra if s not in seeds]
    drawn = {seed: draw_cases(assignment, seed) for seed in all_seeds}
    contexts: dict[str, PartContext] = {}
    for path in assignment.notebooks:
        cells = code_cells(path)
        owner: dict[str, Cell] = {}
        for cell in cells:
            if cell.solution:
                for defined in defined_names(cell.source):
                    owner[defined] = cell
        own_functions = set().union(*(function_names(c.source) for c in cells if not c.grade))
        parts_here, part_cell, skipped = [], {}, {}
        for part in assignment.parts:
            names = probed_names(part)
            if not any(n in owner for n in names):
                continue  # another notebook's part (or no solution cell defines it)
            part_cell[part.grade_id] = owner[names[0]]
            parts_here.append(part)
            skipped[part.grade_id] = training_reason(part, part_cell[part.grade_id])
        skipped_cells = {part_cell[g].index for g, why in skipped.items() if why}

        # The notebook, once: setup and solution cells in one namespace, then the probe.
        started = time.monotonic()
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        cwd = os.getcwd()
        os.chdir(path.parent)
        try:
            for cell in cells:
                if cell.grade or cell.index in skipped_cells:
                    continue
                run_cell(compile(cell.source, f"<{path.name} cell {cell.index}>", "exec"), namespace)
            run_cell(PROBE_SOURCE, namespace)
        finally:
            os.chdir(cwd)
        log(f"{name}: ran {path.name} in {time.monotonic() - started:.1f} s")
        variant_contexts: list[PartContext] = []
        variant_seconds = 0.0

        for part in parts_here:
            cell = part_cell[part.grade_id]
            result = PartResult(name, part.grade_id, part.title, float(part.points))
            results.append(result)
            if skipped[part.grade_id]:
                result.skipped = skipped[part.grade_id]
                log(f"{name}/{part.grade_id}: skipped ({result.skipped})")
                continue
            # The solution's own answers on every draw, and its time.
            extra_only = [s for s in extra if s not in seeds]
            context, solution_seconds = solution_context(
                namespace, part, {s: drawn[s][part.grade_id] for s in all_seeds}, seeds, extra_only)
            contexts[part.grade_id] = context
            variant_contexts.append(PartContext(part, context.cases, context.expected,
                                                seeds + extra_only, []))
            variant_seconds += solution_seconds
            if not mutate:
                continue
            timeout = 10.0 + 20.0 * solution_seconds
            mutants = mutants_of(cell.source, own_functions)
            log(f"{name}/{part.grade_id}: {len(mutants)} mutants "
                f"(time limit {timeout:.0f} s each)")
            t0 = time.monotonic()
            for number, mutant in enumerate(mutants, 1):
                outcome = in_child(judge_mutant, (namespace, mutant.code, [context]), timeout)
                verdict, detail = classify(part, outcome)
                record = {"line": mutant.line, "family": mutant.family, "before": mutant.before,
                          "after": mutant.after, "verdict": verdict,
                          "scores": [s["score"] for s in detail.get("seeds", [])]}
                if context.tuple_part:
                    record["wrong_values_share"] = [s.get("share") for s in detail.get("seeds", [])]
                if verdict in ("survived", "killed on some seeds"):
                    record["reason"] = survival_reason(part, detail)
                    record["full_marks_on_a_seed"] = max(record["scores"]) >= part.points
                    result.unseen += record["full_marks_on_a_seed"]
                if verdict == "equivalent":
                    record["basis"] = detail["basis"]
                if "error" in detail:
                    record["error"] = detail["error"]
                result.records.append(record)
                result.mutants += 1
                if verdict == "equivalent":
                    result.equivalent += 1
                elif verdict.startswith("killed ("):
                    result.killed += 1
                    if verdict == "killed (raised)":
                        result.killed_raised += 1
                    else:
                        result.killed_timeout += 1
                elif verdict == "killed":
                    result.killed += 1
                elif verdict == "killed on some seeds":
                    result.killed_some_seeds += 1
                else:
                    result.survived += 1
                if number % 10 == 0 or number == len(mutants):
                    log(f"  {number}/{len(mutants)} ({time.monotonic() - t0:.0f} s)")
        if variants_out is not None:
            variants_out += check_variants(name, load_variants(name), cells, namespace,
                                           variant_contexts, skipped_cells, variant_seconds, log)
    if check_kernel:
        agreement = kernel_agreement(assignment, drawn, contexts, seeds[0], log)
        for r in results:
            if r.grade_id in agreement:
                r.kernel_max_diff = agreement[r.grade_id]
    covered = {r.grade_id for r in results}
    for part in assignment.parts:
        if part.grade_id not in covered:
            results.append(PartResult(name, part.grade_id, part.title, float(part.points),
                                      skipped="no solution cell defines what it probes"))
    return results


# == Report =====================================================================


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


COUNTS = ("mutants", "equivalent", "killed", "killed_raised", "killed_timeout",
          "killed_some_seeds", "survived", "unseen")


def table(results: list[PartResult], seeds: list[int]) -> str:
    head = (f"{'part':<46} {'mutants':>7} {'equiv':>5} {'killed':>6} {'raised':>6} "
            f"{'t/o':>4} {'some':>5} {'surv':>5} {'unseen':>6} {'score':>7} {'loses':>7}")
    lines = [f"Mutation testing of the checks: {len(seeds)} grading seeds "
             f"({', '.join(map(str, seeds))}); killed = at most {KILL_SHARE:.0%} of the part's "
             "points on every seed; score = killed / (mutants - equiv).",
             f"Parts that return several values (tuples, judged per value): killed = the values the "
             f"mutant gets wrong earn at most {KILL_SHARE:.0%} of their share on every seed",
             "(values it leaves right count neither for nor against it).",
             "raised, t/o: kills by an error or the time limit (included in killed); "
             "some: killed on some seeds only;",
             "surv: kept more than 25% on every seed; unseen: of some + surv, those with full "
             "marks on at least one seed (no check noticed);",
             "loses: share of the non-equivalent mutants that lose points on every seed "
             "(killed, or partial credit).", "", head, "-" * len(head)]

    def row(label, rs):
        total = PartResult("", "", "", 0)
        for r in rs:
            for attr in COUNTS:
                setattr(total, attr, getattr(total, attr) + getattr(r, attr))
        return (f"{label:<46} {total.mutants:>7} {total.equivalent:>5} {total.killed:>6} "
                f"{total.killed_raised:>6} {total.killed_timeout:>4} {total.killed_some_seeds:>5} "
                f"{total.survived:>5} {total.unseen:>6} {_pct(total.score):>7} {_pct(total.loses):>7}")

    for r in results:
        label = f"{r.assignment}/{r.grade_id}"
        lines.append(f"{label:<46} skipped: {r.skipped}" if r.skipped else row(label, [r]))
    lines += ["", "Per assignment", head, "-" * len(head)]
    for name in dict.fromkeys(r.assignment for r in results):
        lines.append(row(name, [r for r in results if r.assignment == name and not r.skipped]))
    lines.append("-" * len(head))
    lines.append(row("all", [r for r in results if not r.skipped]))

    checked = [r for r in results if r.kernel_max_diff is not None]
    if checked:
        differ = [f"{r.assignment}/{r.grade_id} (up to {r.kernel_max_diff:.3g})"
                  for r in checked if r.kernel_max_diff]
        lines += ["", f"Solution notebooks in real Jupyter kernels (--check-kernel, seed {seeds[0]}): "
                  + (f"the same answers as in-process on all {len(checked)} parts." if not differ
                     else "answers differ from in-process on " + ", ".join(differ))]
    lines += ["", "Per operator family (all parts)",
              f"{'family':<28} {'mutants':>7} {'equiv':>5} {'killed':>6} {'some':>5} "
              f"{'surv':>5} {'score':>7}"]
    families: dict[str, dict[str, int]] = {}
    for r in results:
        for rec in r.records:
            f = families.setdefault(rec["family"], dict.fromkeys(
                ("mutants", "equivalent", "killed", "some", "survived"), 0))
            f["mutants"] += 1
            verdict = rec["verdict"]
            key = ("equivalent" if verdict == "equivalent" else "killed" if verdict.startswith("killed")
                   and verdict != "killed on some seeds" else "some" if verdict == "killed on some seeds"
                   else "survived")
            f[key] += 1
    for family, f in sorted(families.items()):
        judged = f["mutants"] - f["equivalent"]
        lines.append(f"{family:<28} {f['mutants']:>7} {f['equivalent']:>5} {f['killed']:>6} "
                     f"{f['some']:>5} {f['survived']:>5} {_pct(f['killed'] / judged if judged else None):>7}")
    return "\n".join(lines)


def listing(results: list[PartResult]) -> str:
    """Every surviving mutant, with its points per seed and why it survives;
    then every mutant judged equivalent, so that a person can confirm it."""
    lines = []
    alive = [(r, rec) for r in results for rec in r.records
             if rec["verdict"] in ("survived", "killed on some seeds")]
    unseen = [(r, rec) for r, rec in alive if rec["full_marks_on_a_seed"]]
    partial = [(r, rec) for r, rec in alive if not rec["full_marks_on_a_seed"]]
    lines.append(f"Surviving mutants: {len(alive)} (those killed on some seeds only included)."
                 if alive else "No surviving mutant.")
    for title, group in [
            (f"A. Full marks on at least one seed ({len(unseen)}): no check noticed the mistake "
             "on that draw", unseen),
            (f"B. Points lost on every seed, but more than {KILL_SHARE:.0%} kept on some "
             f"({len(partial)}): credit from the checks that still pass", partial)]:
        if not group:
            continue
        lines += ["", title]
        for r, rec in group:
            scores = ", ".join(f"{s:g}" for s in rec["scores"])
            some = " (killed on some seeds)" if rec["verdict"] != "survived" else ""
            shares = ("; its wrong values keep " + ", ".join(f"{v:.0%}" for v in rec["wrong_values_share"])
                      + " of their share" if rec.get("wrong_values_share") else "")
            lines.append(f"{r.assignment}/{r.grade_id} line {rec['line']} [{rec['family']}]{some}: "
                         f"points per seed {scores} of {r.points:g}{shares}")
            lines.append(f"    {rec['before']}")
            lines.append(f"  → {rec['after']}")
            lines.append(f"    why: {rec['reason']}")
    same = [(r, rec) for r in results for rec in r.records if rec["verdict"] == "equivalent"]
    lines += ["", f"Equivalent mutants, left out of the scores ({len(same)}): identical to the "
              "solution on every draw of the part's own cases, or (Read parts) accepted by its judge "
              "on every seed. A real mistake listed here is one the cases never exercise."]
    for r, rec in same:
        read = " [judged correct]" if rec.get("basis", "").startswith("other values") else ""
        lines.append(f"{r.assignment}/{r.grade_id} line {rec['line']}{read}: "
                     f"{rec['before']}  →  {rec['after']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    from autograder.assignment import list_assignments

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assignment", action="append",
                        help="an assignment to test (repeatable; default: all)")
    parser.add_argument("--seeds", type=int, default=3, help="grading draws per mutant (default 3)")
    parser.add_argument("--extra-seeds", type=int, default=30,
                        help="more draws for the equivalence test (default 30)")
    parser.add_argument("--check-kernel", action="store_true",
                        help="also run each solution notebook in a real Jupyter kernel, as "
                        "`grade` does, and check that it gives the in-process answers")
    parser.add_argument("--variants-only", action="store_true",
                        help="only grade the fixtures of tests/submissions/*/ (right.py, "
                        "stub.py, wrong.py; quick: run it after every change to the cases)")
    parser.add_argument("--json", type=Path, help="where to write the results "
                        "(default benchmarks/results/check_mutants[-NAME...].json)")
    args = parser.parse_args(argv)
    names = args.assignment or list_assignments(ROOT / "solutions")
    seeds = list(range(1, args.seeds + 1))
    extra = list(range(1001, 1001 + args.extra_seeds))
    started = time.monotonic()

    def log(message):
        print(f"[{time.monotonic() - started:6.0f} s] {message}", file=sys.stderr, flush=True)

    results, variants = [], []
    for name in names:
        results += evaluate_assignment(name, seeds, extra, log, args.check_kernel,
                                       mutate=not args.variants_only, variants_out=variants)
    seconds = time.monotonic() - started
    failed_variants = [v for v in variants if v["failures"]]
    if args.variants_only:
        print(variants_report(variants, len(seeds) + len(extra)))
        print(f"\n{len(names)} assignment(s) in {seconds:.0f} s")
        return 1 if failed_variants else 0
    print(table(results, seeds))
    print()
    print(listing(results))
    print()
    print(variants_report(variants, len(seeds) + len(extra)))
    print(f"\n{len(names)} assignment(s) in {seconds:.0f} s")
    path = args.json or RESULTS / (f"check_mutants-{'-'.join(names)}.json" if args.assignment
                                   else "check_mutants.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"seeds": seeds, "extra_seeds": extra, "kill_share": KILL_SHARE,
            "equivalence_tolerance": EQUIV_TOL, "seconds": round(seconds, 1),
            "parts": [dict(asdict(r), score=r.score) for r in results],
            "right_variants": variants}
    path.write_text(json.dumps(data, indent=1, default=float))
    print(f"results written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    missed = assignment_scores(results, below=TARGET)
    print(f"\nTarget: a mutation score of at least {TARGET:.0%} per assignment. "
          + ("Every assignment meets it." if not missed else
             "Missed by " + ", ".join(f"{n} ({_pct(v)})" for n, v in missed.items()) + "."))
    if failed_variants:
        print(f"FAILURE: {len(failed_variants)} fixture(s) graded against their rule (see above).")
    return 1 if missed or failed_variants else 0


def variants_report(variants: list[dict], seeds: int) -> str:
    """The fixtures' verdicts: each keeps its rule on every seed, or each FAILURE."""
    failed = [v for v in variants if v["failures"]]
    lines = [f"Fixtures of tests/submissions/*/ graded like the mutants on {seeds} seeds (grading "
             f"and extra draws): {len(variants) - len(failed)} of {len(variants)} keep their rule on "
             f"every part and every seed (right.py's variants full marks, stub.py's stub nothing, "
             f"wrong.py's mistakes the same points on every seed)."]
    for v in variants:
        not_run = (f"; not run in-process (trains a model): {', '.join(v['not_run'])}"
                   if v["not_run"] else "")
        if not v["failures"]:
            lines.append(f"  ok       {v['assignment']}/{v['fixture']} "
                         f"({', '.join(v['cells'])}){not_run}")
            continue
        lines.append(f"  FAILURE  {v['assignment']}/{v['fixture']} ({', '.join(v['cells'])}){not_run}")
        lines += [f"           {f}" for f in v["failures"][:12]]
        if len(v["failures"]) > 12:
            lines.append(f"           ... and {len(v['failures']) - 12} more")
    return "\n".join(lines)


def assignment_scores(results: list[PartResult], below: float = 2.0) -> dict[str, float]:
    """Each assignment's mutation score, for those under ``below``."""
    scores = {}
    for name in dict.fromkeys(r.assignment for r in results):
        rs = [r for r in results if r.assignment == name and not r.skipped]
        judged = sum(r.mutants - r.equivalent for r in rs)
        if judged and sum(r.killed for r in rs) / judged < below:
            scores[name] = sum(r.killed for r in rs) / judged
    return scores


if __name__ == "__main__":
    sys.exit(main())
