"""Grading checks for the Activation functions exercise (instructors only).

One Part per self-check cell of activations.ipynb.  Inputs are drawn at
grading time and every answer is compared with what the solution notebook
returns on the same inputs.  The cases are built so that each classic
mistake shows in *every* case (a mistake caught in two cases of three would
keep a third of the points): softmax inputs always hold a row near +1000
and one near -1000 (a direct formula gives nan) and a row with a gap of
about 1000 (a shift by the row's minimum instead of its maximum overflows),
log-softmax inputs always hold a row with a gap of about 1000 (the log of an
underflowed probability is -inf), leaky-ReLU inputs always hold exact zeros
and values on both sides of +-1, and every dead-unit layer has a unit that is
alive on some rows and not on others.  Every array is 2-D or more with all
its dimensions different, so a transpose or a reduction over the wrong axis
always changes the answer.  Not released to students (see
autograder/config.py).
"""

import numpy as np

from autograder.checks import Call, Part, same_as_solution


def softmax_cases(rng):
    cases = []
    for n, k in [(4, 5), (6, 3), (3, 8)]:
        Z = rng.normal(scale=3.0, size=(n, k))
        Z[0] += rng.uniform(800, 1200)    # np.exp overflows: inf / inf = nan
        Z[1] -= rng.uniform(800, 1200)    # every np.exp underflows: 0 / 0 = nan
        Z[2, rng.integers(k)] += rng.uniform(800, 1200)  # a gap of ~1000: a min shift overflows
        cases.append((Z[rng.permutation(n)],))
    return cases


def log_softmax_cases(rng):
    cases = []
    for n, k in [(4, 5), (5, 3), (3, 6)]:
        Z = rng.normal(scale=3.0, size=(n, k))
        Z[0] += rng.uniform(800, 1200)                        # overflow for exp(z)
        Z[1, rng.integers(k)] += rng.uniform(800, 1200)       # a gap of ~1000: log(0)
        cases.append((Z[rng.permutation(n)],))
    return cases


def tanh_grad_cases(rng):
    """Elementwise: 2-D and 3-D arrays whose dimensions all differ (a
    transposed answer has another shape)."""
    return [(rng.normal(scale=2.0, size=shape),) for shape in [(4, 3), (3, 5), (2, 3, 4)]]


def leaky_relu_grad_cases(rng):
    """Exact zeros (the kink), values in (0, 1) and above 1, in (-1, 0) and
    below -1 in every case (a threshold moved to 1 or -1 always shows), alpha
    never 0 or 1, and 2-D or 3-D arrays whose dimensions all differ."""
    cases = []
    for shape in [(4, 3), (2, 5), (2, 3, 4)]:
        z = rng.normal(size=shape)
        where = rng.choice(z.size, size=6, replace=False)
        z.flat[where] = [0.0, 0.0, rng.uniform(0.05, 0.95), rng.uniform(1.2, 3.0),
                         -rng.uniform(0.05, 0.95), -rng.uniform(1.2, 3.0)]
        cases.append((z, float(rng.uniform(0.01, 0.3))))
    return cases


def dead_units_cases(rng):
    """Layers with two dead units and one unit that is alive on some rows only
    (so "any row is 0" and "all rows are 0" always disagree); n != k so that a
    reduction over the wrong axis has the wrong shape."""
    cases = []
    for n, d, k in [(10, 3, 5), (12, 4, 6), (9, 2, 7)]:
        X = rng.normal(size=(n, d))
        X[1] = -X[0]                                   # opposite inputs
        W = rng.normal(size=(d, k))
        b = rng.normal(scale=0.5, size=k)
        W[:, 0] = X[0] / np.linalg.norm(X[0])          # positive on row 0, negative on row 1
        b[0] = 0.0
        for j in (1, 2):                                # dead: below 0 on every row
            b[j] = -(X @ W[:, j]).max() - rng.uniform(0.5, 2.0)
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
    # float32: 1.9e-5 absolute, 9.1e-5 relative (a logit near 1000 keeps only
    # about 6e-5 of absolute precision in float32).  Mistakes: a naive exp
    # gives NaN, a shift by the row's minimum overflows on the row with a gap
    # of ~1000; a sum over the wrong axis or a missing exp is off by > 0.01.
    Part("check_softmax", "stable softmax", 2, Call("softmax"),
         same_as_solution(atol=1e-4, rtol=1e-3), softmax_cases),
    # float32: 1.0e-4 absolute on values near -1000 (4.7e-5 relative).
    # Mistakes: log(softmax(z)) gives -inf on the row with a gap of ~1000, a
    # missing max shift gives inf or NaN, a wrong axis is off by > 0.1.
    Part("check_log_softmax", "stable log-softmax", 2, Call("log_softmax"),
         same_as_solution(atol=1e-3, rtol=1e-4), log_softmax_cases),
    # float32: 2.6e-8 absolute, 2.6e-7 relative.  Mistakes: 1 - tanh(z)
    # without the square, or tanh(z) squared alone, are off by > 0.01
    # wherever |z| > 0.1, which every case holds.
    Part("check_tanh_grad", "derivative of tanh", 1, Call("tanh_grad"),
         same_as_solution(atol=1e-6, rtol=1e-5), tanh_grad_cases),
    # Values are exactly 1 or alpha (float32: 1.4e-8 from rounding alpha).
    # Mistake: 1 instead of alpha at z == 0, off by at least 0.7.
    Part("check_leaky_relu_grad", "derivative of leaky ReLU", 2, Call("leaky_relu_grad"),
         same_as_solution(atol=1e-6, rtol=1e-6), leaky_relu_grad_cases),
    # True/False per unit: exact in any dtype.
    Part("check_dead_units", "dead ReLU units", 2, Call("dead_units"),
         same_as_solution(atol=0, rtol=0), dead_units_cases),
    # float32: 1.5e-8 absolute, 1.6e-6 relative.  Mistake: the tanh
    # approximation of GELU, whose derivative differs by 2.4e-4 to 3.6e-4 at
    # the fixed points +-0.7, +-1.5, +-3 that every case holds.
    Part("check_gelu_grad", "derivative of GELU by autograd", 2, Call("gelu_grad"),
         same_as_solution(atol=1e-5, rtol=1e-5), gelu_grad_cases),
]
