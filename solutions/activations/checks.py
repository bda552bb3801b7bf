"""Grading checks for the Activation functions exercise (instructors only).

One Part per self-check cell of activations.ipynb.  Inputs are drawn at
grading time and every answer is compared with what the solution notebook
returns on the same inputs.  The cases are built so that each classic
mistake shows in *every* case it is meant to catch (a mistake caught in two
cases of three would keep a third of the points).

Softmax, log-softmax and the leaky-ReLU derivative end with two edge cases
(see Part): a formula right on the ordinary cases but wrong on both edge
cases keeps half of the part.  For softmax and log-softmax the edge cases test numerical
stability: softmax edge cases hold a row near +12000 and one near -12000 (a
formula without the max shift, or with the whole array's maximum, gives
nan) and a row with a gap of 24000 or more (a shift by the row's minimum,
mean or midrange overflows); log-softmax edge cases hold a row near +12000
(exp(z) overflows without the shift) and a row with such a gap (the log of
an underflowed probability is -inf).  Those sizes are beyond np.longdouble
too (exp overflows above about 11356): a formula without the shift computed
in long double was exact on logits near 1000.  The edge cases' logits are
multiples of 1/64, which float32 holds exactly at these sizes, so that a
right formula computed in float32 loses nothing on them.  Their ordinary cases hold moderate
logits, on which a shift by the row's minimum is exact: that mistake is
caught by the edge cases only.  For the leaky-ReLU derivative the edge
cases hold exact zeros (the kink, where the slope is alpha): the ordinary
cases have values in (0, 1), above 1, in (-1, 0) and below -1 but never 0,
so a threshold moved to 1 or -1 fails every ordinary case and ">= 0"
instead of "> 0" fails the edge cases only.

Every dead-unit layer has a unit that is alive on some rows and not on
others.  Every array is 2-D or more with all its dimensions different, so
a transpose or a reduction over the wrong axis always changes the answer.
Not released to students (see autograder/config.py).
"""

import numpy as np

from autograder.checks import AROUND_ZERO_SHAPES, Call, Part, around_zero, same_as_solution

#: How far the edge cases' rows are shifted (beyond exp's reach in long
#: double, about 11356), and how far one logit stands above the rest of its
#: row (so far that half of it is beyond that reach too).
EDGE_SHIFT = (12000, 16000)
EDGE_GAP = (24000, 30000)


def on_float32_grid(Z):
    """``Z`` rounded to multiples of 1/64: float32 holds every such number
    below 2**17 exactly, and the difference of two of them."""
    return np.round(Z * 64) / 64


def softmax_cases(rng):
    """Three cases of moderate logits, then two edge cases in which one row
    is shifted by about +12000 (np.exp overflows: inf / inf = nan), one by
    about -12000 (every np.exp underflows: 0 / 0 = nan; the whole array's
    maximum leaves the same 0 / 0 there) and one holds a logit 24000 or
    more above the rest of its row (a shift by the row's minimum, mean or
    midrange overflows).  Arrays are 2-D with n != k (a sum over the wrong
    axis, or a transposed answer, always shows)."""
    cases = []
    for n, k, edge in [(4, 5, False), (6, 3, False), (3, 8, False), (5, 4, True), (3, 7, True)]:
        Z = rng.normal(scale=3.0, size=(n, k))
        if edge:
            Z[0] += rng.uniform(*EDGE_SHIFT)
            Z[1] -= rng.uniform(*EDGE_SHIFT)
            Z[2, rng.integers(k)] += rng.uniform(*EDGE_GAP)
            Z = on_float32_grid(Z[rng.permutation(n)])
        cases.append((Z,))
    return cases


def log_softmax_cases(rng):
    """Three cases of moderate logits, then two edge cases in which one row
    is shifted by about +12000 (np.exp(z) overflows without the max shift)
    and one holds a logit 24000 or more above the rest of its row (its
    other probabilities underflow to 0, so log(softmax(z)) gives -inf, and
    a shift by the row's minimum, mean or midrange overflows).  Arrays are
    2-D with n != k."""
    cases = []
    for n, k, edge in [(4, 5, False), (5, 3, False), (3, 6, False), (4, 6, True), (6, 4, True)]:
        Z = rng.normal(scale=3.0, size=(n, k))
        if edge:
            Z[0] += rng.uniform(*EDGE_SHIFT)
            Z[1, rng.integers(k)] += rng.uniform(*EDGE_GAP)
            Z = on_float32_grid(Z[rng.permutation(n)])
        cases.append((Z,))
    return cases


def tanh_grad_cases(rng):
    """Elementwise: 2-D and 3-D arrays whose dimensions all differ (a
    transposed answer has another shape)."""
    return [(rng.normal(scale=2.0, size=shape),) for shape in [(4, 3), (3, 5), (2, 3, 4)]]


def leaky_relu_grad_cases(rng):
    """Three ordinary cases with values in (0, 1), above 1, in (-1, 0) and
    below -1 but no exact zero (a threshold moved to 1 or -1 shows in every
    one), then two edge cases that also hold exact zeros (the kink, where the
    slope is alpha: ">= 0" instead of "> 0" shows there only).  Alpha is
    never 0 or 1; arrays are 2-D or 3-D with dimensions that all differ,
    redrawn in the rare draw where the answer read in transposed order
    (``.T.ravel()``) would hold the same 1s and alphas as the right one."""
    return [(around_zero(rng, shape, edge), float(rng.uniform(0.01, 0.3)))
            for shape, edge in AROUND_ZERO_SHAPES]


def dead_units_cases(rng):
    """Layers with two dead units and one unit that is alive on some rows only
    (so "any row is 0" and "all rows are 0" always disagree); n != k so that a
    reduction over the wrong axis has the wrong shape.  The last case (an
    edge case) also has a unit whose output is exactly 0 on every row, which
    the notebook counts as dead: "below 0" instead of "0 after ReLU" calls it
    alive."""
    cases = []
    for n, d, k in [(10, 3, 5), (12, 4, 6), (9, 2, 7), (11, 3, 6)]:
        X = rng.normal(size=(n, d))
        X[1] = -X[0]                                   # opposite inputs
        W = rng.normal(size=(d, k))
        b = rng.normal(scale=0.5, size=k)
        W[:, 0] = X[0] / np.linalg.norm(X[0])          # positive on row 0, negative on row 1
        b[0] = 0.0
        for j in (1, 2):                                # dead: below 0 on every row
            b[j] = -(X @ W[:, j]).max() - rng.uniform(0.5, 2.0)
        if len(cases) == 3:                             # exactly 0 on every row
            W[:, 3], b[3] = 0.0, 0.0
        order = rng.permutation(k)
        cases.append((X, W[:, order], b[order]))
    return cases


def gelu_grad_cases(rng):
    """The fixed points where the tanh form differs in every case, in 2-D
    arrays whose dimensions differ (a transposed answer has another shape)."""
    fixed = np.array([-3.0, -1.5, -0.7, 0.0, 0.7, 1.5, 3.0])  # where the tanh form differs
    return [(rng.permutation(np.concatenate([fixed, rng.normal(scale=2.0, size=5)])).reshape(shape),)
            for shape in [(4, 3), (3, 4), (2, 6)]]


# Tolerances accept the same formulas computed in float32 (measured on these
# cases, float32 against float64) and reject the mistakes the cases expose.
PARTS = [
    # float32: 1.7e-7 absolute on the ordinary cases, 2.0e-7 on the edge
    # cases (their logits are on float32's grid; 300 draws).  Mistakes: a
    # naive exp, or a shift by the whole array's maximum, gives NaN in the
    # edge cases, also in long double, and a shift by the row's minimum,
    # mean or midrange overflows on their row with a gap of 24000 or more
    # (each exact on the ordinary cases: half the part, on every draw); a
    # sum or a max over the wrong axis, a missing exp or a transposed answer
    # is off by > 0.02 in every case.
    Part("check_softmax", "stable softmax", 2, Call("softmax"),
         same_as_solution(atol=1e-4, rtol=1e-3), softmax_cases, edge_cases=2, edge_floor=0.5),
    # float32: 1.3e-6 absolute on the ordinary cases, 6.4e-7 on the edge
    # cases (300 draws).  Mistakes: log(softmax(z)) gives -inf on the edge
    # cases' row with a gap of 24000 or more, a missing max shift (or one by
    # the row's minimum, mean or midrange, also in long double) gives inf or
    # NaN there (each exact on the ordinary cases: half the part); a wrong axis,
    # a max taken out but not added back, or a transposed answer is off by
    # > 0.1 in every case.
    Part("check_log_softmax", "stable log-softmax", 2, Call("log_softmax"),
         same_as_solution(atol=1e-3, rtol=1e-4), log_softmax_cases, edge_cases=2,
         edge_floor=0.5),
    # float32: 2.6e-8 absolute, 2.6e-7 relative.  Mistakes: 1 - tanh(z)
    # without the square, or tanh(z) squared alone, are off by > 0.01
    # wherever |z| > 0.1, which every case holds.
    Part("check_tanh_grad", "derivative of tanh", 1, Call("tanh_grad"),
         same_as_solution(atol=1e-6, rtol=1e-5), tanh_grad_cases),
    # Values are exactly 1 or alpha (float32: 1.5e-8 from rounding alpha).
    # Mistakes: 1 instead of alpha at z == 0 is off by at least 0.7 in the
    # edge cases only (half the part); a threshold at 1 or -1, the slopes
    # swapped or a transposed answer is off by at least 0.7, alpha ignored
    # by at least 0.01, in every case.
    Part("check_leaky_relu_grad", "derivative of leaky ReLU", 2, Call("leaky_relu_grad"),
         same_as_solution(atol=1e-6, rtol=1e-6), leaky_relu_grad_cases, edge_cases=2,
         edge_floor=0.5),
    # True/False per unit: exact in any dtype.
    Part("check_dead_units", "dead ReLU units", 2, Call("dead_units"),
         same_as_solution(atol=0, rtol=0), dead_units_cases, edge_cases=1, edge_floor=0.5),
    # float32: 1.5e-8 absolute, 1.6e-6 relative.  Mistake: the tanh
    # approximation of GELU, whose derivative differs by 2.4e-4 to 3.6e-4 at
    # the fixed points +-0.7, +-1.5, +-3 that every case holds.
    Part("check_gelu_grad", "derivative of GELU by autograd", 2, Call("gelu_grad"),
         same_as_solution(atol=1e-5, rtol=1e-5), gelu_grad_cases),
]
