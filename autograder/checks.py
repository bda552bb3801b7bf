"""How an instructor describes the graded parts of an assignment.

Each assignment keeps a ``checks.py`` beside its solution notebook
(``solutions/<assignment>/checks.py``), which defines ``PARTS``: one
:class:`Part` per locked self-check cell that carries points.  A part says

* what to ask the kernel for (:class:`Call` a function, :class:`Read`
  variables, :class:`Predict` with a Keras or PyTorch model),
* how to draw fresh inputs at grading time (``cases``),
* how to judge the plain numbers that come back (``judge``), usually
  against what the solution notebook returns for the same inputs.

Everything here runs in the grader's own process.  The student's kernel only
ever sends back arrays of floats; it never sees the checks, the inputs in
advance, or the expected values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np


class GradingError(RuntimeError):
    """The assignment itself is broken (not the submission): stop grading."""


# -- What to ask the kernel -------------------------------------------------


@dataclass(frozen=True)
class Call:
    """Call the function ``name`` with each case's arguments."""

    name: str

    def describe(self, args: Sequence[np.ndarray]) -> str:
        return f"{self.name}({', '.join(describe_value(a) for a in args)})"


@dataclass(frozen=True)
class Read:
    """Read the variables ``names`` (each case's arguments are ignored)."""

    names: tuple[str, ...]

    def __init__(self, *names: str):
        object.__setattr__(self, "names", tuple(names))

    def describe(self, args: Sequence[np.ndarray]) -> str:
        return ", ".join(self.names)


@dataclass(frozen=True)
class Predict:
    """Run the model ``name`` (Keras, PyTorch or a plain function) on each
    case's single input array, in inference mode."""

    name: str

    def describe(self, args: Sequence[np.ndarray]) -> str:
        return f"{self.name} on {describe_value(args[0])}"


Probe = Call | Read | Predict


# -- What came back ---------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a kernel returned for one case: float arrays, or an error."""

    values: tuple[np.ndarray, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Check:
    """One pass/fail verdict, with a message a beginner can act on.

    Messages about hidden checks never contain the expected values.
    """

    passed: bool
    message: str


Judge = Callable[[tuple, Answer, Answer], list[Check]]


@dataclass(frozen=True)
class Part:
    """One graded part of an assignment.

    ``grade_id`` names the locked self-check cell that carries the points;
    ``points`` must equal that cell's points in the solution notebook.
    ``cases(rng)`` returns a list of argument tuples drawn with ``rng``.
    ``judge(args, got, expected)`` returns the checks for one case; the
    part earns ``points * passed / total`` over all cases.
    """

    grade_id: str
    title: str
    points: float
    probe: Probe
    judge: Judge
    cases: Callable[[np.random.Generator], list[tuple]] = field(default=lambda rng: [()])


# -- Judges -------------------------------------------------------------------


def describe_value(a) -> str:
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{float(a):.3g}"
    return f"<array of shape {a.shape}>"


def _shape_text(values: Sequence[np.ndarray]) -> str:
    shapes = [tuple(v.shape) for v in values]
    return str(shapes[0]) if len(shapes) == 1 else ", ".join(map(str, shapes))


#: The message of a check not run because the answer raised.
SKIPPED = "(skipped: see the error above)"


def error_checks(got: Answer, n: int) -> list[Check]:
    """``n`` failed checks for an answer that raised instead of returning."""
    if "NotImplementedError" in (got.error or ""):
        text = "not written yet (it still raises NotImplementedError)"
    elif (got.error or "").startswith("TypeError: returned "):  # from dlcourse.frameworks.to_numpy
        text = got.error.removeprefix("TypeError: ")
    else:
        text = f"raised {got.error}"
    return [Check(False, text)] + [Check(False, SKIPPED)] * (n - 1)


def same_as_solution(*, atol: float = 1e-6, rtol: float = 1e-6) -> Judge:
    """Two checks per case: same number of outputs with the same shapes, and
    the same values as the solution (within ``atol + rtol * |expected|``).

    Values are compared even when only the shapes differ (an ``(n, 1)``
    column instead of ``(n,)``), so such an answer keeps the values' credit.
    When the solution returns only plain numbers, any number has the right
    shape, so there is just the values check: no credit for shape alone.
    """

    def values_check(got: Answer, expected: Answer) -> Check:
        sizes_ok = len(got.values) == len(expected.values) and all(
            g.size == e.size for g, e in zip(got.values, expected.values)
        )
        if not sizes_ok:
            return Check(False, f"returned shape {_shape_text(got.values)}: the values cannot "
                         f"be compared with the solution's {_shape_text(expected.values)}")
        wrong = total = 0
        worst = 0.0
        for g, e in zip(got.values, expected.values):
            g, e = g.ravel(), e.ravel()
            wrong += int((~np.isclose(g, e, atol=atol, rtol=rtol)).sum())
            total += e.size
            with np.errstate(invalid="ignore"):
                diff = np.abs(g - e)
            if diff.size and not np.all(np.isfinite(diff)):
                worst = float("inf")
            elif diff.size:
                worst = max(worst, float(diff.max()))
        if wrong == 0:
            return Check(True, "values match the solution")
        return Check(False, f"{wrong} of {total} values differ from the solution "
                     f"(largest difference {worst:.3g})")

    def judge(args: tuple, got: Answer, expected: Answer) -> list[Check]:
        numbers_only = all(e.ndim == 0 for e in expected.values)
        if not got.ok:
            return error_checks(got, 1 if numbers_only else 2)
        if numbers_only:
            return [values_check(got, expected)]
        shapes_ok = len(got.values) == len(expected.values) and all(
            g.shape == e.shape for g, e in zip(got.values, expected.values)
        )
        shape_check = Check(
            shapes_ok,
            "shape is right" if shapes_ok
            else f"returned shape {_shape_text(got.values)}, "
            f"but should return shape {_shape_text(expected.values)}",
        )
        return [shape_check, values_check(got, expected)]

    return judge


def shapes_are(got: Answer, shapes: Sequence[tuple | None], names: Sequence[str]) -> Check:
    """One check that ``got`` holds one array per name with the given shapes
    (``None`` accepts any shape)."""
    if len(got.values) != len(shapes):
        return Check(False, f"expected {len(shapes)} values ({', '.join(names)}), "
                     f"got {len(got.values)}")
    for value, shape, name in zip(got.values, shapes, names):
        if shape is not None and value.shape != tuple(shape):
            return Check(False, f"{name} has shape {value.shape}, but should have shape {tuple(shape)}")
    return Check(True, "shapes are right")


def probability_checks(got: Answer, n: int, later: int) -> tuple[list[Check], np.ndarray | None]:
    """The first checks of a binary classifier's answer for ``n`` rows: one
    probability per row, and every one between 0 and 1.

    Returns the checks and the probabilities as a flat array, or ``None``
    when the shape is wrong; then the ``later`` checks the judge would add
    are already there, failed.
    """
    if not got.ok:
        return error_checks(got, 2 + later), None
    p = got.values[0] if len(got.values) == 1 else np.empty(0)
    one_per_row = p.size == n and p.ndim in (1, 2)
    shape = Check(one_per_row, "one probability per input row" if one_per_row
                  else f"returned shape {p.shape}, should be ({n}, 1) or ({n},)")
    if not one_per_row:
        return [shape] + [Check(False, "(not evaluated: wrong shape)")] * (1 + later), None
    p = p.ravel()
    in_range = bool(np.all((p >= 0) & (p <= 1)))
    return [shape, Check(in_range, "outputs are probabilities" if in_range
                         else "outputs are not all between 0 and 1 (end with a sigmoid)")], p
