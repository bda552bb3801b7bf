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

import itertools
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from autograder.language import _
from dlcourse.frameworks import (
    NARROW_FLOATS,
    PRECISION_NOTES,
    RETURNED_NONE,
    RETURNED_OTHER,
    RETURNED_STRING,
    rounded_like,
    significant_bits,
    whole_numbers,
)


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
        return _("{name} on {value}").format(name=self.name, value=describe_value(args[0]))


Probe = Call | Read | Predict


# -- What came back ---------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a kernel returned for one case: float arrays, or an error;
    ``changed`` holds the positions of the array arguments the call changed
    in place; ``restored``, the names that no longer held a function after
    the notebook ran and were called as their last function (see
    :func:`autograder.probe.keeper_arguments`)."""

    values: tuple[np.ndarray, ...] = ()
    error: str | None = None
    changed: tuple[int, ...] = ()
    restored: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Check:
    """One verdict, with a message a beginner can act on.

    Points come only from checks of correct values.  A check with
    ``weight=0`` is a *gate* (right shape, one probability per row, finite
    numbers): it explains why the values could not be judged and earns
    nothing.  ``credit`` is the share of the check's weight it earns, for
    checks that score on a scale (a model's accuracy); by default 1 when
    passed and 0 when not.  ``form_only``: the values are right, only their
    form is not (a column for a vector, another order), which ``credit``
    already costs.

    Messages about hidden checks never contain the expected values.
    """

    passed: bool
    message: str
    weight: float = 1.0
    credit: float | None = None
    form_only: bool = False

    def __post_init__(self):
        # Plain Python types, whatever a judge computed them with (a NumPy
        # bool is not JSON, and the report is written as JSON).
        object.__setattr__(self, "passed", bool(self.passed))
        object.__setattr__(self, "message", str(self.message))
        object.__setattr__(self, "weight", float(self.weight))
        if self.credit is not None:
            object.__setattr__(self, "credit", float(self.credit))

    @property
    def earned(self) -> float:
        """The share of its weight this check earns, between 0 and 1."""
        share = float(self.passed) if self.credit is None else float(self.credit)
        return min(1.0, max(0.0, share))


def gate(passed: bool, message: str) -> Check:
    """A check that explains a failure (shape, range, finiteness) and earns nothing."""
    return Check(passed, message, weight=0.0)


Judge = Callable[[tuple, Answer, Answer], list[Check]]


#: The share of a part's points kept when every edge case is wrong (a
#: part may set its own, ``Part.edge_floor``).
EDGE_FLOOR = 0.25


@dataclass(frozen=True)
class Part:
    """One graded part of an assignment.

    ``grade_id`` names the locked self-check cell that carries the points;
    ``points`` must equal that cell's points in the solution notebook.
    ``cases(rng)`` returns a list of argument tuples drawn with ``rng``.
    ``judge(args, got, expected)`` returns the checks for one case; the
    part earns ``points * passed / total`` over all cases.
    The last ``edge_cases`` cases are edge cases (a 0 / 0, inputs that
    overflow a naive formula): each is right or wrong as a whole, and with
    all of them wrong the part keeps ``edge_floor`` of what the other cases
    earn (:func:`part_share`).
    ``keeps_inputs`` says the notebook tells students that the function must
    not change the arrays it is given: a function that changes one, in any
    case, keeps :data:`CHANGED_INPUTS_CREDIT` of what its answers earn.
    ``stand_ins`` names functions of other parts that the notebook tells
    students to call from this one (training's ``minibatch_epoch`` calls
    ``mse_gradients``): the function is called a second time with the
    solution notebook's own definitions of those in place of the student's
    (``stand_in_sources``, filled in by :func:`autograder.assignment.load_assignment`),
    and a case it then gets right earns its points, since what was wrong
    came from the other part, which loses its own points (a teacher's "error
    carried forward").
    """

    grade_id: str
    title: str
    points: float
    probe: Probe
    judge: Judge
    cases: Callable[[np.random.Generator], list[tuple]] = field(default=lambda rng: [()])
    edge_cases: int = 0
    edge_floor: float = EDGE_FLOOR
    keeps_inputs: bool = False
    stand_ins: tuple[str, ...] = ()
    stand_in_sources: tuple[tuple[str, str], ...] = ()
    #: The names of the function's arguments in the solution notebook (the
    #: exercise shows the same), for a part with ``keeps_inputs``; filled in
    #: by :func:`autograder.assignment.load_assignment`.
    argument_names: tuple[str, ...] = ()


def carried_forward_check(part: Part, carried: int, cases: int) -> Check:
    """The line that says how many cases were judged on the answers given
    with the solution's :attr:`Part.stand_ins` in place, and why: each of
    those cases keeps the checks of that second answer, so that every case
    has the same checks as everyone else's (the class report compares them
    by position)."""
    names = ", ".join(part.stand_ins)
    return Check(True, _("{count} of {total} cases above: right when it calls a correct {names}; "
                         "the difference comes from your {names}, which loses points in its own "
                         "part").format(count=carried, total=cases, names=names), weight=0.0)


def restored_check(answers: Sequence[Answer]) -> Check | None:
    """The line that says which names a later cell gave another value than
    the function the notebook defined, so that the cases above were asked
    of that function (None when none)."""
    names = sorted({name for answer in answers for name in answer.restored})
    if not names:
        return None
    return Check(True, _("after all its cells ran, the notebook's {names} no longer held the function "
                         "it defined (a later cell gave the name another value, such as a loop "
                         "variable or an imported function): the grader called the function the "
                         "notebook defined; rename the variable in that cell").format(
                             names=", ".join(names)), weight=0.0)


def redefined_check(name: str) -> Check:
    """The line that says a cell after the part's answer cell defined its
    function ``name`` again, so that the cases above were asked of that
    last definition (:mod:`autograder.rebinding`), not of the answer cell's."""
    return Check(True, _("{name} is defined again in a cell after its answer cell: the grader asked "
                         "that last definition, which the self-check here did not test; keep one "
                         "definition, in the answer cell").format(name=name), weight=0.0)


#: The share of a part's points kept when its function changes an array it
#: is given, against the notebook's instructions (see :class:`Part`).
CHANGED_INPUTS_CREDIT = 0.5


def changed_inputs_check(part: Part, got: Sequence[Answer], cases_args: Sequence[tuple]) -> Check | None:
    """The verdict on a function that changed arrays it was given, for a part
    that forbids it (``None`` when it did not, or the part allows it)."""
    if not part.keeps_inputs:
        return None
    # Only positions of arguments the call was given: the reply comes from
    # the student's kernel, which could name others to carry bits of its own.
    moved = [sorted(i for i in answer.changed if i < len(args)) if answer.ok else []
             for answer, args in zip(got, cases_args)]
    changed = sorted({i for positions in moved for i in positions})
    if not changed:
        return None
    shown = next(args for positions, args in zip(moved, cases_args) if positions)
    names = part.argument_names
    if names and all(i < len(names) for i in changed):
        named = [f"`{names[i]}`" for i in changed]
        text = (_("{call}: changed its argument {names} in place (the exercise says not to: work "
                  "on a copy); the part keeps {share} of its points") if len(changed) == 1 else
                _("{call}: changed its arguments {names} in place (the exercise says not to: work "
                  "on copies); the part keeps {share} of its points"))
        return Check(False, text.format(call=part.probe.describe(shown), names=", ".join(named),
                                        share=_percent(CHANGED_INPUTS_CREDIT)), weight=0.0)
    if len(changed) == 1:
        text = _("{call}: changed the array passed as argument {positions} (the exercise says "
                 "not to: work on a copy); the part keeps {share} of its points")
    else:
        text = _("{call}: changed the arrays passed as arguments {positions} (the exercise says "
                 "not to: work on copies); the part keeps {share} of its points")
    return Check(False, text.format(
        call=part.probe.describe(shown), positions=", ".join(str(i + 1) for i in changed),
        share=_percent(CHANGED_INPUTS_CREDIT)), weight=0.0)


def _edge_factor(rights: Sequence[bool], edge_cases: int, floor: float) -> tuple[float, int]:
    """What the edge cases (the last ``edge_cases`` of ``rights``, whether
    each case is right) leave of what the other cases earn, and how many of
    them are wrong.  An edge case is right or wrong as a whole: a 0 / 0
    answered with one NaN among right zeros is the mistake the case is
    there to catch."""
    if not edge_cases:
        return 1.0, 0
    wrong = sum(1 for right in rights[len(rights) - edge_cases:] if not right)
    return floor + (1 - floor) * (edge_cases - wrong) / edge_cases, wrong


def _rights(shares: Sequence[float], rights: Sequence[bool] | None) -> Sequence[bool]:
    return [s == 1.0 for s in shares] if rights is None else rights


def part_share(shares: Sequence[float], edge_cases: int = 0, floor: float = EDGE_FLOOR,
               rights: Sequence[bool] | None = None) -> float:
    """A part's share of its points from its cases' shares (see :class:`Part`);
    ``rights``: whether each case counts as right for the edge cases (by
    default, a share of 1; see :func:`case_is_right`)."""
    ordinary = list(shares[:len(shares) - edge_cases]) if edge_cases else list(shares)
    share = sum(ordinary) / len(ordinary) if ordinary else 0.0
    return share * _edge_factor(_rights(shares, rights), edge_cases, floor)[0]


def case_is_right(checks: Sequence[Check]) -> bool:
    """Whether a case counts as right where right and wrong is all that
    counts (an edge case): every check passed, or failed only for the form
    of right values (their shape, their order), which those checks already
    cost once."""
    return all(c.passed or c.form_only for c in checks)


def edge_cases_check(part: Part, shares: Sequence[float],
                     rights: Sequence[bool] | None = None) -> Check | None:
    """What the edge cases did to the part, in words, as :func:`part_share`
    counts it (``None`` when the part has none, or they changed nothing)."""
    if not part.edge_cases:
        return None
    rights = _rights(shares, rights)
    kept, wrong = _edge_factor(rights, part.edge_cases, part.edge_floor)
    earned = any(shares[:len(shares) - part.edge_cases])
    # A line whenever one is wrong, also where nothing was earned (a part not
    # written yet): the class report compares the checks by position.
    one = part.edge_cases == 1
    if wrong and not earned:  # a share of nothing: no penalty to state
        return Check(False, (_("edge case (the last case above): wrong, as were the cases "
                               "before it") if one else
                             _("edge cases (the last {count} cases above): {wrong} of {count} "
                               "wrong, as were the cases before them")).format(
            wrong=wrong, count=part.edge_cases), weight=0.0)
    if wrong:
        return Check(False, (_("edge case (the last case above): wrong; an edge case counts only "
                               "when all of it is right, and the part keeps {share} of what the "
                               "other cases earn") if one else
                             _("edge cases (the last {count} cases above): {wrong} of {count} "
                               "wrong; an edge case counts only when all of it is right, and the "
                               "part keeps {share} of what the other cases earn")).format(
            wrong=wrong, count=part.edge_cases, share=_percent(kept)), weight=0.0)
    if not earned:
        return Check(False, (_("edge case (the last case above): right, but it earns nothing on "
                               "its own; it only scales what the other cases earn") if one else
                             _("edge cases (the last {count} cases above): right, but they earn "
                               "nothing on their own; they only scale what the other cases "
                               "earn")).format(count=part.edge_cases), weight=0.0)
    return None


# -- Cases several assignments draw alike --------------------------------------


#: The shapes of :func:`around_zero`'s cases: three ordinary, two edge cases.
AROUND_ZERO_SHAPES = [((4, 3), False), ((2, 5), False), ((2, 3, 4), False),
                      ((3, 5), True), ((3, 2, 4), True)]


def drawn_until(draw, shows, tries: int = 10_000):
    """``draw()`` again until ``shows(case)``: cases on which each listed
    mistake changes the answer, so that it costs the same on every draw."""
    for _attempt in range(tries):
        case = draw()
        if shows(case):
            return case
    raise ValueError("no case drawn shows every listed mistake")


def around_zero(rng: np.random.Generator, shape: tuple, edge: bool) -> np.ndarray:
    """An input for a function with a kink at 0 (step, leaky ReLU's slope):
    values in (0, 0.5), above 1, in (-0.5, 0) and below -1 (a threshold moved
    to 0.5, 1, -0.5 or -1 always shows), and exact zeros only in an ``edge`` case
    (">= 0" for "> 0" shows there only).  Redrawn in the rare draw where
    the answer read in transposed order (``.T.ravel()``) would hold the
    same values as the right one."""
    special = [rng.uniform(0.05, 0.45), rng.uniform(1.2, 3.0),
               -rng.uniform(0.05, 0.45), -rng.uniform(1.2, 3.0)] + [0.0, 0.0] * edge
    while True:
        z = rng.normal(size=shape)
        z.flat[rng.choice(z.size, size=len(special), replace=False)] = special
        if np.any((z > 0).T.ravel() != (z > 0).ravel()):
            return z


# -- Judges -------------------------------------------------------------------


def describe_value(a) -> str:
    """An argument as the feedback names it: a whole number in full, as an
    int or a float as it was passed (a student can call the function with it
    again: ``range(0, n, 2.0)`` fails where ``range(0, n, 2)`` works),
    another number to four significant digits, an array by its shape."""
    a = np.asarray(a)
    if a.ndim == 0:
        x = float(a)
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x)) if a.dtype.kind in "biu" else f"{x:.1f}"
        return f"{x:.4g}"
    return _("<array of shape {shape}>").format(shape=a.shape)


def _number(x: float) -> str:
    return f"{x:.6g}"


#: Kept for reports written before every failed answer became one check.
SKIPPED = "(skipped: see the error above)"


def error_checks(got: Answer) -> list[Check]:
    """The verdict on an answer that raised instead of returning: one failed
    check saying why.  The error's text is the student's: it is put on one
    line, so that no line of it can pass for a line of the verdict."""
    error = " ".join((got.error or "").split())
    if "NotImplementedError" in error:
        text = _("not written yet (it still raises NotImplementedError)")
    elif error in _NOT_NUMBERS:  # dlcourse.frameworks.to_numpy's, exactly: any other is the student's
        text = _(error.removeprefix("TypeError: "))
    elif other := _OTHER_TYPE.fullmatch(error):  # to_numpy's too: a type's name, nothing more
        text = _(RETURNED_OTHER).format(type=other["type"])
    elif unrun := _UNDEFINED.fullmatch(error):  # kernel_probe's words, in the student's language
        # Every cell ran before the grader asked (an answer cell that stopped
        # is said on its own): the name is missing, or spelt otherwise.
        text = _("the notebook defines no {name}, after all its cells ran: the part's answer cell "
                 "must define it, under exactly this name").format(name=unrun["name"])
    elif too_many := _TOO_MANY.fullmatch(error):
        text = _("raised ValueError: the answer has more than {count} numbers").format(
            count=too_many["count"])
    else:
        text = _("raised {error}").format(error=error)
    return [Check(False, text)]


#: What autograder/kernel_probe.py says (in English, inside the student's
#: kernel) when a name is missing or an answer is too large.
_UNDEFINED = re.compile(r"NameError: name '(?P<name>[A-Za-z_]\w*)' is not defined \(did its cell run\?\)")
_TOO_MANY = re.compile(r"ValueError: the answer has more than (?P<count>\d+) numbers")
_NOT_NUMBERS = {f"TypeError: {message}" for message in (RETURNED_NONE, RETURNED_STRING)}
_OTHER_TYPE = re.compile("TypeError: " + re.escape(RETURNED_OTHER).replace(
    re.escape("{type}"), r"(?P<type>[A-Za-z_]\w{0,40})"))


def _largest_input(args) -> float:
    """The largest finite magnitude among a case's inputs (0 if none)."""
    largest = 0.0
    for a in args:
        a = np.asarray(a, dtype=float)
        finite = a[np.isfinite(a)]
        if finite.size:
            largest = max(largest, float(np.abs(finite).max()))
    return largest


def _one_input_where(args, size: int, wrong: np.ndarray) -> float | None:
    """For an elementwise function (its first input as large as its answer):
    the one input value at every wrong place, if they share one and other
    places hold other inputs (leaky ReLU's slope at exactly 0)."""
    if not args:
        return None
    first = np.asarray(args[0], dtype=float)
    if first.size != size or size < 2:
        return None
    at = first.ravel()[wrong]
    if at.size and np.all(at == at[0]) and not np.all(first == at[0]):
        return float(at[0])
    return None


def decade(x: float, unit: str = "") -> str:
    """The power-of-ten range ``x`` (> 0) lies in, such as "0.01 to 0.1": how
    far off an answer is, in a form that never gives the solution's value
    back (a student who knows what they returned and by exactly how much it
    is off knows the answer)."""
    k = int(np.floor(np.log10(x)))
    return _("{low} to {high}").format(low=_power(k) + unit, high=_power(k + 1) + unit)


def _power(k: int) -> str:
    """10 to the ``k``, as people write it: 0.001, 1000, 1e-05, 1e+06."""
    return f"{10.0 ** k:g}" if -4 <= k <= 4 else f"1e{k:+03d}"


def _relative(error: float) -> str:
    """How far off a single number is, relative to the solution's: a range
    (:func:`decade`) below 100%, "more than 100%" above."""
    return decade(100 * error, "%") if error < 1 else _("more than 100%")


def _direction(diff: np.ndarray) -> str:
    if np.all(diff > 0):
        return _("yours are too large")
    if np.all(diff < 0):
        return _("yours are too small")
    return _("some of yours are too large, some too small")


def _one_factor(got: np.ndarray, expected: np.ndarray, wrong: np.ndarray) -> str:
    """A note when at least two wrong values are the solution's times one
    same number (a constant factor missing or extra, or the sign flipped),
    without naming the number: with it, a student would know the answer."""
    e, g = expected[wrong], got[wrong]
    if e.size < 2 or np.any(e == 0) or np.all(e == e[0]):
        return ""  # one value wrong several times is no factor
    ratio = g / e
    factor = float(np.median(ratio))
    if factor == 0 or abs(factor - 1) < 0.05 or not np.allclose(ratio, factor, rtol=1e-3, atol=0):
        return ""  # near 1 (rounding, a small offset), zeros, or no one factor
    if np.isclose(factor, -1, rtol=1e-3):
        return _("; the wrong ones are the solution's with the sign flipped")
    return _("; the wrong ones are the solution's, each times the same number: a constant "
             "factor missing or extra?")


def _narrower_than_float32(got: np.ndarray, expected: np.ndarray,
                            largest_input: float = 0.0) -> bool:
    """Whether ``got`` carries float16's (or bfloat16's) rounding: its values
    use no more binary digits than float16 keeps where ``expected`` needs
    more, and are off by more than float32 or float64 would be (a
    millionth of the largest value or input: float32 work on inputs in the
    tens of thousands is off by about that much, and a float32 value uses
    few digits about once in 8,000).  The same answer then fails on every
    draw, not only where its rounding misses the tolerance."""
    kept = NARROW_FLOATS["float16"][0]
    if whole_numbers(got, expected):
        return False
    with np.errstate(invalid="ignore"):
        if not significant_bits(got) <= kept < significant_bits(expected):
            return False
        scale = max(float(np.nanmax(np.abs(expected))), largest_input)
        return bool(np.nanmax(np.abs(got - expected)) > 1e-6 * scale)


def _precision_note(got: np.ndarray, expected: np.ndarray) -> str:
    """What a wrong answer's precision explains, if anything
    (:func:`dlcourse.frameworks.rounded_like`).  The answer's
    dtype does not reach the grader; its values show it, and this only adds
    a note to a check that failed anyway."""
    kind = rounded_like(got, expected)
    return "; " + _(PRECISION_NOTES[kind]) if kind else ""


#: The share of a value's credit kept when it is right but in another shape
#: of the same size (an ``(n, 1)`` column for an ``(n,)`` vector).
SHAPE_CREDIT = 0.25


def compare_values(got: np.ndarray, expected: np.ndarray, *, atol: float, rtol: float,
                   label: str = "", args: tuple = (), shape_credit: float = SHAPE_CREDIT) -> Check:
    """One check: ``got`` holds the same values as ``expected``, within
    ``atol + rtol * |expected|`` at every position.

    A wrong shape is a gate, not points: values of the wrong size fail;
    right values in a shape of the same size (an ``(n, 1)`` column for an
    ``(n,)`` vector) earn ``shape_credit`` of the check.  A single number
    may come back as an array of one element, and an array of one element
    as a number.  The message says what a
    student can act on (NaN or infinity and whether the inputs were large,
    how many values are off, in which direction and by which power of ten,
    the value returned for a single number) and never the expected values.
    """
    prefix = f"{label}: " if label else ""
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    scalar = expected.ndim == 0
    if got.size == 1 and expected.size == 1:  # a number and an array of one: the same answer
        got = got.reshape(expected.shape)
    if got.size != expected.size:
        if scalar:
            return Check(False, prefix + _("returned {count} numbers (shape {shape}), should return "
                                           "one number").format(count=got.size, shape=got.shape))
        return Check(False, prefix + _("returned shape {shape}, should return shape {expected}: "
                                       "the values cannot be compared")
                     .format(shape=got.shape, expected=expected.shape))
    g, e = got.ravel(), expected.ravel()
    broken = ~np.isfinite(g) & np.isfinite(e)
    if broken.any():
        nan, infinite = (np.isnan(g) & broken).any(), (np.isinf(g) & broken).any()
        kind = _("NaN or infinity") if nan and infinite else _("NaN") if nan else _("infinity")
        message = prefix + (_("returned {kind}") if scalar else
                            _("returned {kind} in {count} of {size} places")).format(
            kind=kind, count=int(broken.sum()), size=e.size)
        largest = _largest_input(args)
        if largest >= 100:
            message += _("; the inputs held values as large as {largest:.3g}: does an exp, "
                         "a log or a division overflow or divide by zero there?").format(largest=largest)
        return Check(False, message)
    close = np.isclose(g, e, atol=atol, rtol=rtol, equal_nan=True)
    if close.all() and _narrower_than_float32(g, e, _largest_input(args)):
        # Within the tolerance by the luck of the draw: float16's rounding
        # (about 5e-4 of each value) sometimes falls inside it, sometimes not.
        return Check(False, prefix + _("the values match the solution's only as closely as half "
                                       "precision (float16 or bfloat16) keeps them: compute in "
                                       "float32 or float64"))
    if not close.all():
        with np.errstate(invalid="ignore"):
            diff = g[~close] - e[~close]
        if scalar:
            size = _relative(abs(diff[0]) / abs(e[0])) if e[0] != 0 else decade(abs(diff[0]))
            which = (_("returned {value}, which is too large (off by {size})") if diff[0] > 0 else
                     _("returned {value}, which is too small (off by {size})"))
            return Check(False, prefix + which.format(value=_number(float(g[0])), size=size)
                         + _precision_note(g, e))
        message = prefix + _("{count} of {size} values differ from the solution's (largest "
                             "difference {largest}; {direction})").format(
            count=int((~close).sum()), size=e.size, largest=decade(float(np.abs(diff).max())),
            direction=_direction(diff)) + _precision_note(g, e)
        where = _one_input_where(args, e.size, ~close)
        if where is not None:
            message += _("; every one where the input is {value}").format(value=describe_value(where))
        message += _one_factor(g, e, ~close)
        if expected.ndim == 2 and expected.shape[0] == expected.shape[1] and np.allclose(
                got.reshape(expected.shape).T, expected, atol=atol, rtol=rtol):
            message += _("; they match the solution's transposed: rows and columns swapped?")
        elif not scalar and got.shape != expected.shape:
            # The same number of values in another shape (a transposed
            # matrix, axes in another order): say so, or a student looks for
            # a wrong formula in values that may only be in the wrong places.
            message += _("; the shape is {shape}, it should be {expected}: are the axes in "
                         "the right order?").format(shape=got.shape, expected=expected.shape)
        return Check(False, message)
    if not scalar and got.shape != expected.shape:
        return Check(False, prefix + _("the values are right, but the shape is {shape}; it should "
                                       "be {expected}").format(shape=got.shape, expected=expected.shape),
                     credit=shape_credit, form_only=True)
    return Check(True, prefix + _("right") if label else _("values match the solution"))


def same_as_solution(*, atol: float, rtol: float, names: Sequence[str] = (),
                     shape_credit: float = SHAPE_CREDIT, reordered_credit: float = 0.0,
                     together: bool = False) -> Judge:
    """The values the solution returns, judged one returned value at a time.

    A function that returns several values (a tuple such as ``(MAE, MSE,
    RMSE)``) gets one check per value, named by ``names``, so that a wrong
    RMSE costs only its share and the message says which one is wrong.  A
    list or an array holding the same numbers as the tuple is judged alike.
    Every check compares values (see :func:`compare_values`); there is no
    check that earns points for the shape alone.  ``reordered_credit``: what
    each value keeps when the values are right but returned in another
    order (see :func:`_in_another_order`); 0 where a formula mistake could
    exchange them (precision and recall, MAE and MSE: F1 is the same).
    Where the solution returns one vector of as many numbers as ``names``
    (``np.array([w, b])``), it is judged as one value, and its items in
    another order earn ``reordered_credit`` as a tuple's would.
    ``together``: the values come out of the same updates (a perceptron's w
    and b after an epoch of steps that are 0 or 1), so one can be right
    beside a wrong one only by the luck of the draw: when any value is
    wrong, none earns (see :func:`_only_together`).

    ``atol`` and ``rtol`` must accept correct work in float32 and reject the
    mistakes the cases are built to expose: each part in ``checks.py`` says
    why its tolerance is what it is.
    """

    def judge(args: tuple, got: Answer, expected: Answer) -> list[Check]:
        checks = each_value(args, got, expected)
        if together and len(checks) > 1:
            return _only_together(checks, list(names) if len(names) == len(checks) else [])
        return checks

    def each_value(args: tuple, got: Answer, expected: Answer) -> list[Check]:
        if not got.ok:
            return error_checks(got)
        values, wanted = list(got.values), list(expected.values)
        if len(values) != len(wanted):
            sizes = [v.size for v in values]
            if sum(sizes) != sum(w.size for w in wanted):
                text = _("returned {count} value(s), should return {wanted} ({names})") if names \
                    else _("returned {count} value(s), should return {wanted}")
                return [Check(False, text.format(count=len(values), wanted=len(wanted),
                                                 names=", ".join(names)))]
            # A list or an array where a tuple is expected: split it up.
            same_form, shapes = _holds_the_tuple(values, wanted), [v.shape for v in values]
            flat = np.concatenate([v.ravel() for v in values]) if values else np.empty(0)
            bounds = np.cumsum([w.size for w in wanted])[:-1]
            values = [piece.reshape(w.shape) for piece, w in zip(np.split(flat, bounds), wanted)]
        labels = list(names) if len(names) == len(wanted) else (
            [_("value {number}").format(number=i + 1) for i in range(len(wanted))]
            if len(wanted) > 1 else [""])
        checks = [compare_values(v, w, atol=atol, rtol=rtol, label=label, args=args,
                                 shape_credit=shape_credit)
                  for v, w, label in zip(values, wanted, labels)]
        if len(got.values) != len(wanted) and not same_form:
            # Right numbers in another form: what a wrong shape earns.
            return [_in_another_form(check, label, shapes, wanted, shape_credit)
                    for check, label in zip(checks, labels)]
        if reordered_credit and len(wanted) > 1 and not all(c.passed for c in checks):
            return _in_another_order(values, wanted, labels, checks, atol=atol, rtol=rtol,
                                     credit=reordered_credit) or checks
        if (reordered_credit and len(names) > 1 and len(wanted) == 1
                and wanted[0].shape == (len(names),) and values[0].shape == wanted[0].shape
                and not checks[0].passed):  # [b, w] for [w, b] (in another shape: shape's credit)
            items = [np.asarray(item) for item in values[0].ravel()]
            reference = [np.asarray(item) for item in wanted[0]]
            item_checks = [compare_values(item, ref, atol=atol, rtol=rtol, label=name, args=args)
                           for item, ref, name in zip(items, reference, names)]
            return _in_another_order(items, reference, list(names), item_checks, atol=atol,
                                     rtol=rtol, credit=reordered_credit) or checks
        return checks

    return judge


def _only_together(checks: list[Check], names: list[str]) -> list[Check]:
    """The checks of values that count only together: when one is wrong
    (not merely in another form or order), the others earn nothing either
    and say why."""
    wrong = [i for i, c in enumerate(checks) if not c.passed and not c.form_only]
    if not wrong:
        return checks
    others = ", ".join(names[i] for i in wrong) if names else ""

    def alone(i: int, check: Check) -> Check:
        if not (check.passed or check.form_only):
            return check
        if names:
            text = _("{name} is right here, but {others} is not; they come out of the same "
                     "updates, so they count only together").format(name=names[i], others=others)
        else:
            text = _("right here, but another value is not; they come out of the same updates, "
                     "so they count only together")
        return Check(False, text)

    return [alone(i, check) for i, check in enumerate(checks)]


def _holds_the_tuple(values: list, wanted: list) -> bool:
    """Whether ``values`` is the same answer as the tuple ``wanted`` in
    another container: one array whose rows are the tuple's values (an
    array of the three numbers for ``(MAE, MSE, RMSE)``), or single numbers
    for the items of a vector (a tuple for an array of shape ``(n,)``).
    Anything else with the same number of values, such as one flat array
    for a matrix and a number, or a matrix flattened beside an empty array,
    only holds the right numbers in another shape."""
    if len(values) == 1 and values[0].ndim >= 1 and len(values[0]) == len(wanted):
        return all(np.shape(row) == w.shape or (row.size == 1 and w.size == 1)
                   for row, w in zip(values[0], wanted))
    return len(wanted) == 1 and wanted[0].ndim == 1 and all(v.size == 1 for v in values)


def _in_another_form(check: Check, label: str, shapes: list, wanted: list, shape_credit: float) -> Check:
    """``check`` of a value split from an answer in another form (see
    :func:`_holds_the_tuple`): right numbers earn what a wrong shape earns."""
    if not check.passed:
        return check
    prefix = f"{label}: " if label else ""
    return Check(False, prefix + _("the values are right, but they came as {count} value(s) of shapes "
                                   "{shapes}; it should be {wanted} of shapes {expected}").format(
        count=len(shapes), wanted=len(wanted), shapes=", ".join(str(shape) for shape in shapes),
        expected=", ".join(str(w.shape) for w in wanted)), credit=shape_credit, form_only=True)


#: The share of a value's credit kept when it is right but returned in the
#: place of another value (``(weights, output)`` for ``(output, weights)``),
#: where a part allows it (``same_as_solution(reordered_credit=...)``).
ORDER_CREDIT = 0.5


def _in_another_order(values: list, wanted: list, labels: list[str], checks: list[Check], *,
                      atol: float, rtol: float, credit: float) -> list[Check] | None:
    """The checks of right values returned in another order than asked:
    those in their place stay right, each of the others earns ``credit``
    and says whose place it holds; None if no order of ``values`` makes
    every one right."""
    if len(values) > 5:
        return None
    for order in itertools.permutations(range(len(values))):
        if all(compare_values(values[given], reference, atol=atol, rtol=rtol).passed
               for given, reference in zip(order, wanted)):
            break
    else:
        return None
    placed = {given: place for place, given in enumerate(order)}

    def swapped(i: int) -> str:
        if labels[i] and labels[placed[i]]:
            return _("{other} was returned where {name} goes: right values, in another order than "
                     "the exercise asks for").format(other=labels[placed[i]], name=labels[i])
        return _("right values, returned in another order than the exercise asks for")

    return [check if placed[i] == i else Check(False, swapped(i), credit=credit, form_only=True)
            for i, check in enumerate(checks)]


def shapes_are(got: Answer, shapes: Sequence[tuple | None], names: Sequence[str]) -> Check:
    """A gate: ``got`` holds one array per name with the given shapes
    (``None`` accepts any shape).  A single number may be an array of one
    element, as in :func:`compare_values` (see :func:`as_shapes`)."""
    if len(got.values) != len(shapes):
        return gate(False, _("expected {count} values ({names}), got {got}").format(
            count=len(shapes), names=", ".join(names), got=len(got.values)))
    for value, shape, name in zip(got.values, shapes, names):
        if shape == () and value.size == 1:
            continue
        if shape is not None and value.shape != tuple(shape):
            return gate(False, _("{name} has shape {shape}, but should have shape {expected}").format(
                name=name, shape=value.shape, expected=tuple(shape)))
    return gate(True, _("shapes are right"))


def as_shapes(values: Sequence[np.ndarray], shapes: Sequence[tuple | None]) -> list[np.ndarray]:
    """``values`` that passed :func:`shapes_are`, each single number as one
    (``np.array([-1.5])`` where a number is asked for computes like -1.5)."""
    return [v.reshape(()) if shape == () else v for v, shape in zip(values, shapes)]


def probability_checks(got: Answer, n: int) -> tuple[list[Check], np.ndarray | None]:
    """The gates of a binary classifier's answer for ``n`` rows: one
    probability per row, every one a number between 0 and 1.

    Returns the gates and the probabilities as a flat array, or ``None``
    when they fail (the case then earns nothing).  Outputs outside 0 to 1
    are a model without its final sigmoid (logits, as trained with
    BCEWithLogitsLoss): they are judged as the probabilities the sigmoid
    would give, beside a failed check of the same weight as the caller's
    accuracy check, so that such a model keeps half of what its accuracy
    earns.
    """
    if not got.ok:
        return error_checks(got), None
    p = got.values[0] if len(got.values) == 1 else np.empty(0)
    one_per_row = p.size == n and p.ndim in (1, 2)
    if not one_per_row:
        return [gate(False, _("returned shape {shape}, should be ({n}, 1) or ({n},): one probability "
                              "per row").format(shape=p.shape, n=n))], None
    p = p.ravel()
    if not np.all(np.isfinite(p)):
        return [gate(False, _("some outputs are NaN or infinite"))], None
    if not np.all((p >= 0) & (p <= 1)):
        return [Check(False, _("outputs are not all between 0 and 1: they are judged below as "
                               "logits, through a sigmoid; end the model with a sigmoid, so that "
                               "it returns probabilities"))], 0.5 * (1 + np.tanh(p / 2))
    return [gate(True, _("one probability per row, all between 0 and 1"))], p


def _percent(share: float) -> str:
    """0.95 -> "95%", 0.865 -> "86.5%": a threshold as it is, not rounded past it."""
    return f"{share:.1%}".replace(".0%", "%")


def accuracy_check(accuracy: float, *, floor: float, target: float, what: str) -> Check:
    """A model's accuracy, scored on a scale: nothing at or below ``floor``
    (what a model that has not learned the task reaches), full points from
    ``target`` (the goal the notebook states), linear in between."""
    credit = (accuracy - floor) / (target - floor)
    return Check(accuracy >= target,
                 _("{accuracy:.1%} of {what} right (full points from {target}; none at "
                   "{floor} or below)").format(accuracy=accuracy, what=what, target=_percent(target),
                                               floor=_percent(floor)),
                 credit=min(1.0, max(0.0, credit)))
