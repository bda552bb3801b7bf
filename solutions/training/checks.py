"""Grading checks for the Training a network exercise (instructors only).

One Part per self-check cell of training.ipynb.  Inputs are drawn at grading
time; the NumPy functions are compared with what the solution notebook
returns on the same inputs, and the framework-trained model is judged
against the exact least-squares answer, computed here.  Not released to
students (see autograder/config.py).
"""

import numpy as np

from autograder.checks import (
    ORDER_CREDIT,
    SHAPE_CREDIT,
    Answer,
    Call,
    Check,
    Part,
    _,
    decade,
    error_checks,
    gate,
    same_as_solution,
)

#: How far a trained parameter may be from the least-squares answer.
FIT_TOLERANCE = 0.05


def linear_cases(rng):
    """Data, weights and a bias for a linear model, with 2 to 4 inputs: with
    one input, w packed with b into one array, or w as a column, would hold
    one number where w is asked, which the grader must take as the same
    answer there and as another form elsewhere (one mistake, two prices)."""
    return [(rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), rng.normal())
            for n, d in [(5, 2), (8, 3), (12, 4)]]


def epoch_cases(rng):
    """Four cases whose batch size does not divide the number of rows (a
    smaller last batch: of one row once, so a loop that stops one row early
    shows) and one where it does (a loop that runs one batch too far meets
    an empty batch).  At least two inputs, as in :func:`linear_cases`."""
    cases = []
    for n, d, batch_size in [(10, 2, 4), (13, 4, 5), (17, 3, 6), (12, 2, 4), (13, 3, 4)]:
        X = rng.normal(size=(n, d))
        y = X @ rng.normal(size=d) + rng.normal() + 0.3 * rng.normal(size=n)
        cases.append((X, y, rng.normal(size=d), rng.normal(),
                      rng.uniform(0.05, 0.2), float(batch_size)))
    return cases


def iteration_cases(rng):
    """Two cases where the batch size divides the samples, an odd and an
    even number of times (round(n / b + 0.5), which rounds halves to even,
    is one too many on the odd one, on every draw), two where it leaves a
    remainder (of exactly 1 in the second), and one where it is larger than
    the data.  Every remainder, and the data smaller than a batch, is under
    half a batch: rounding to the nearest (round(n / b)) is wrong in those
    three cases on every draw, not only where the draw left more."""
    cases = []
    for parity in (1, 0):
        batch_size = int(rng.integers(8, 257))
        cases.append((float(batch_size * (2 * rng.integers(1, 30) + parity)), float(batch_size)))
    for one in (False, True):
        batch_size = int(rng.integers(8, 257))
        remainder = 1 if one else int(rng.integers(2, batch_size // 2))
        cases.append((float(batch_size * rng.integers(2, 60) + remainder), float(batch_size)))
    batch_size = int(rng.integers(64, 513))
    cases.append((float(rng.integers(1, batch_size // 2)), float(batch_size)))
    return cases


def parameter_cases(rng):
    """Layer sizes of networks with one to four layers.  The first and the
    last size always differ: a bias counted per input instead of per unit
    changes the count by their difference, and so shows in every case.  No
    two neighbouring sizes are both 2, where n_in * n_out = n_in + n_out
    and weights counted as a sum of sizes would be right."""
    cases = []
    for length in [2, 3, 4, 5]:
        sizes = rng.integers(1, 129, size=length)
        while sizes[0] == sizes[-1] or any(a == b == 2 for a, b in zip(sizes, sizes[1:])):
            sizes = rng.integers(1, 129, size=length)
        cases.append((sizes.astype(float),))
    return cases


def fit_cases(rng):
    """Scaled inputs (mean 0, standard deviation 1: well-conditioned), and
    targets near a line whose weights and bias are all at least 1.5 away from
    zero, so an untrained or barely trained model can never pass by chance."""
    cases = []
    for d in [1, 2, 3]:
        n = int(rng.integers(50, 101))
        X = rng.normal(size=(n, d))
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        w = rng.uniform(1.5, 3.0, size=d) * rng.choice([-1.0, 1.0], size=d)
        b = rng.uniform(1.5, 3.0) * rng.choice([-1.0, 1.0])
        cases.append((X, X @ w + b + 0.1 * rng.normal(size=n)))
    return cases


def judge_fit_linear(args, got: Answer, expected: Answer):
    """(w, b) against the least-squares answer on the drawn data, each within
    FIT_TOLERANCE; their shapes are a gate.  b counts only with w right: the
    inputs are centred, so the right b is the mean of y, which returning
    ``zeros, y.mean()`` or a model that learned only its bias gives too.
    (b, w) is judged in its own order, each right value earning
    ORDER_CREDIT, and w and b packed into one array of d + 1 numbers each
    right value earning SHAPE_CREDIT, as in the other parts that return
    two values."""
    X, y = args
    d = X.shape[1]
    if not got.ok:
        return error_checks(got)
    values = list(got.values)
    if d == 1 and len(values) == 1 and values[0].shape == (2, 1):
        values = [values[0][0], values[0][1]]  # [w, b] of one element each: read as one array
    packed = len(values) == 1 and values[0].shape == (d + 1,)
    if len(values) != 2 and not packed:
        return [gate(False, _("returned {count} values; should return a tuple (w, b)").format(
            count=len(values)))]
    if packed:
        shape = values[0].shape
        w, b = values[0][:d], values[0][d:]
    else:
        w, b = values
    best = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)[0]

    def off(value, target) -> float:
        return float(np.max(np.abs(value.ravel() - target))) if np.all(np.isfinite(value)) \
            else float("inf")

    # (b, w) for (w, b): told by the sizes, or with one input by the values.
    swapped = not packed and (w.size == 1 and b.size == d) and (d != 1 or (
        max(off(b, best[:d]), off(w, best[d:])) <= FIT_TOLERANCE
        < max(off(w, best[:d]), off(b, best[d:]))))
    if swapped:
        w, b = b, w
    if w.size != d or b.size != 1:
        return [gate(False, _("w has shape {w_shape} and b has shape {b_shape}; for {d} inputs w should "
                              "have shape ({d},) and b should be one number").format(
            w_shape=w.shape, b_shape=b.shape, d=d))]
    checks = []
    w_learned = off(w, best[:d]) <= FIT_TOLERANCE
    for name, value, target in [("w", w, best[:d]), ("b", b, best[d:])]:
        worst = off(value, target)
        passed = worst <= FIT_TOLERANCE
        if passed and name == "b" and not w_learned:
            # The inputs are centred: the least-squares b is the mean of y,
            # which a model that learned nothing of the line (or no model at
            # all) gives as well.
            checks.append(Check(False, _(
                "b is within {tolerance} of the least-squares answer, but on these centred inputs "
                "that is the mean of y, which needs no training: b counts once w is right "
                "too").format(tolerance=FIT_TOLERANCE)))
            continue
        if passed and packed:
            checks.append(Check(False, _(
                "{name} is within {tolerance} of the least-squares answer, but w and b came "
                "packed in one array of shape {shape}; fit_linear should return a tuple "
                "(w, b)").format(name=name, tolerance=FIT_TOLERANCE, shape=shape),
                credit=SHAPE_CREDIT, form_only=True))
            continue
        if passed and swapped:  # right values in each other's place
            other = "b" if name == "w" else "w"
            checks.append(Check(False, f"{other}: " + _(
                "the values of {other}: the right values, returned in another order than the "
                "exercise asks for").format(other=name), credit=ORDER_CREDIT, form_only=True))
            continue
        # Right values in another shape (a Keras kernel of shape (d, 1)); an
        # array of one element is the same answer as a number (the guide's rule).
        if passed and name == "w" and w.shape != (d,) and w.size != 1:
            checks.append(Check(False, _("w is within {tolerance} of the least-squares answer, but has "
                                         "shape {shape}; it should have shape ({d},)").format(
                                tolerance=FIT_TOLERANCE, shape=w.shape, d=d), credit=SHAPE_CREDIT))
            continue
        if passed:
            checks.append(Check(True, _("{name} is within {tolerance} of the least-squares answer")
                                .format(name=name, tolerance=FIT_TOLERANCE)))
            continue
        checks.append(Check(False, _(
            "{name} is off by {worst} from the least-squares answer ({tolerance} allowed): train "
            "longer or check the learning rate").format(
                name=name, tolerance=FIT_TOLERANCE,
                worst=decade(worst) if np.isfinite(worst) else _("an infinite amount"))))
    return checks


# Tolerances accept the same computations in float32 (measured on these cases,
# float32 against float64: at most 7e-7 absolute) and reject the mistakes the
# cases expose, each of which moves a result by more than 1e-2.
PARTS = [
    # Mistake: a sum instead of a mean.
    Part("check_mse_loss", "MSE loss", 2, Call("mse_loss"),
         same_as_solution(atol=1e-5, rtol=1e-4), linear_cases),
    # Mistakes: a missing factor 2, or no mean.
    Part("check_mse_gradients", "gradients of the MSE", 3, Call("mse_gradients"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("grad_w", "grad_b"),
                          reordered_credit=ORDER_CREDIT), linear_cases),
    # Mistake: the smaller last batch skipped.  The notebook tells students
    # to call their mse_gradients here: a case wrong only because of it is
    # right when called with the solution's (stand_ins), and earns its points.
    # w and b count only together: every update of one depends on the
    # other, so one is right beside a wrong one only when the mistake moved
    # it by less than the tolerance, on some draws.
    Part("check_minibatch_epoch", "one epoch of mini-batch gradient descent", 3,
         Call("minibatch_epoch"), same_as_solution(atol=1e-5, rtol=1e-4, names=("w", "b"),
                                                   reordered_credit=ORDER_CREDIT, together=True),
         epoch_cases, keeps_inputs=True, stand_ins=("mse_gradients",)),
    # Whole numbers: exact.  Mistake: rounding down.
    Part("check_count_iterations", "iterations per epoch", 2, Call("count_iterations"),
         same_as_solution(atol=0, rtol=0, names=("iterations", "last_batch_size"),
                          reordered_credit=ORDER_CREDIT),
         iteration_cases),
    Part("check_count_parameters", "parameter count", 2, Call("count_parameters"),
         same_as_solution(atol=0, rtol=0), parameter_cases),
    Part("check_fit_linear", "a linear model trained with a framework", 3, Call("fit_linear"),
         judge_fit_linear, fit_cases),
]
