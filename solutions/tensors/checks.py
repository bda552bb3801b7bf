"""Grading checks for the Tensors and frameworks exercise (instructors only).

One Part per self-check cell of tensors.ipynb.  Inputs are drawn at grading
time; answers are compared with what the solution notebook returns on the
same inputs, except the autodiff part, which is judged against the gradient
worked out by hand (computed here, in float64).  Not released to students
(see autograder/config.py).
"""

import numpy as np

from autograder.checks import Answer, Call, Part, same_as_solution


def standardize_cases(rng):
    """Columns on very different scales and offsets, so that one mean or one
    standard deviation for the whole matrix is always wrong."""
    cases = []
    for n, d in [(6, 3), (10, 2), (8, 4)]:
        loc = rng.uniform(-50, 50, size=d)
        scale = rng.uniform(0.5, 20, size=d)
        cases.append((loc + scale * rng.normal(size=(n, d)),))
    return cases


def distance_cases(rng):
    """n, m and d all different: a transposed answer has another shape."""
    return [(rng.normal(size=(n, d)), rng.normal(size=(m, d)))
            for n, m, d in [(4, 5, 3), (6, 4, 2), (3, 7, 5)]]


def channels_cases(rng):
    """At least 2 channels and 2 x 2 pixels (with one channel, reshape and
    transpose would agree), and n, h, w and c all different (any other order
    of the axes gives another shape)."""
    return [(rng.normal(size=shape),) for shape in [(2, 4, 5, 3), (3, 2, 6, 4), (5, 3, 2, 4)]]


def broadcast_cases(rng):
    """Six shape pairs that broadcast, then three that do not (the part's
    edge cases, see Part: a rule that never answers -1 keeps a quarter).

    The ranks differ in the first four and in the edge cases but the last
    (a rule written only for shapes of different ranks, such as an
    element-wise maximum when the ranks are equal, answers a shape there).
    The fifth and sixth pairs have equal ranks and broadcast, a 1 against
    another length on both sides in the fifth: a rule that holds two shapes
    of one rank never broadcast (the misconception the part is there for)
    loses a third of the points on every draw, and a rule that pads the
    shorter shape wrongly earns those two pairs only. In the first three
    pairs the first shape is the shorter one, by 2 (so padding it with one
    1, or not at all, or with 2s or 0s, or padding the wrong shape, gives
    another answer); the fourth is the other way round. Every pair holds an
    equal length, a 1 in the second shape against another length in the
    first, and a 1 (or padding) in the first against another length in the
    second (so "m == n and n == 1", or a test for 2 or 0 instead of 1,
    always shows), but the third, a scalar against a 2-D shape. Lengths are
    3 to 9 and all different within a pair, except where equal on purpose.

    The two others that do not broadcast have the second shape shorter and
    agree when aligned on the left (wrongly), not on the right: a rule that
    skips padding the shorter shape, or takes the smaller rank, answers a
    shape there instead of -1."""

    def lengths(k):
        return [int(v) for v in rng.choice(np.arange(3, 10), size=k, replace=False)]

    p, q, x, y = lengths(4)
    p2, q2, x2, y2, z2 = lengths(5)
    h1, h2 = lengths(2)
    p4, x4, y4, z4 = lengths(4)
    a1, b1, c1 = lengths(3)
    a2, b2 = lengths(2)
    f1, f2, f3 = lengths(3)
    e1, e2, e3 = lengths(3)
    d1, d2 = lengths(2)
    pairs = [
        ([x, y], [p, q, x, 1]),
        ([x2, y2, 1], [p2, q2, x2, 1, z2]),
        ([], [h1, h2]),
        ([p4, x4, 1, y4], [x4, z4, 1]),
        ([e1, 1, e3], [1, e2, e3]),                  # equal ranks, 1s on both sides
        ([d1, d2], [d1, 1]),                         # equal ranks
        ([a1, b1, c1], [a1, b1]),                    # cannot broadcast (b1 against c1)
        ([a2, b2], [a2]),                            # cannot broadcast (a2 against b2)
        ([f1, f2, 1], [f3, f2, 1]),                  # equal ranks, cannot (f1 against f3)
    ]
    return [(np.array(a, dtype=float), np.array(b, dtype=float)) for a, b in pairs]


def gradient_cases(rng):
    """Weights around the scale of the self-check; two steps h large enough
    that a forward difference or an ignored h shows, then two smaller than
    the h = 1e-5 the part warns of, where float32 (which it says not to use)
    loses the estimate: the part's edge cases.  With h from 1e-6 to 1e-5
    float32's rounding errors cancelled in 13 of 3000 draws (an edge case
    passed, 2.25 points instead of 1.5); from 1e-7 to 1e-6 it failed every
    small case of 3000 draws and none of the large ones, so it keeps half of
    the points every time (edge_floor, as for the other parts whose edge
    cases test numerical precision), not a share that depends on the draw.
    float64 stays about 1e-8 from the exact central difference there.  A
    forward difference fails every large case (0 points) and passes the
    small ones, hence edge cases rather than ordinary ones."""
    steps = [rng.uniform(5e-2, 1e-1) for _ in range(2)] + [rng.uniform(1e-7, 1e-6) for _ in range(2)]
    return [(rng.normal(scale=1.5, size=3), float(h)) for h in steps]


def autodiff_cases(rng):
    return [(rng.uniform(-2, 2, size=(n, 2)),) for n in (5, 8, 12)]


def f_gradient(X):
    """The gradient of f(x1, x2) = x1^2 x2 + sin(x1) exp(-x2/2), by hand."""
    x1, x2 = X[:, 0], X[:, 1]
    decay = np.exp(-x2 / 2)
    return np.column_stack([2 * x1 * x2 + np.cos(x1) * decay,
                            x1**2 - 0.5 * np.sin(x1) * decay])


def judge_autodiff(args, got: Answer, expected: Answer):
    """Compared with the hand-derived gradient, not the solution's answer:
    the frameworks compute in float32, about 1e-6 relative here.  Mistakes:
    a gradient of the sum's mean, or a missing term of f, are off by > 0.01."""
    return same_as_solution(atol=1e-4, rtol=1e-4)(args, got, Answer(values=(f_gradient(args[0]),)))


# Tolerances accept the same computations in float32 (measured on these cases,
# float32 against float64) and reject the mistakes the cases expose.
PARTS = [
    # float32: 4e-6 absolute.  Mistake: the sample deviation (ddof=1), off by
    # at least 2.6% with at most 20 rows.
    Part("check_standardize_columns", "standardized columns", 2, Call("standardize_columns"),
         same_as_solution(atol=1e-5, rtol=1e-4), standardize_cases),
    # float32: 2.6e-6 absolute, 5e-7 relative.  Mistake: distances not
    # squared, off by far more than 1e-4.
    Part("check_pairwise_sq_distances", "pairwise squared distances", 2,
         Call("pairwise_sq_distances"), same_as_solution(atol=1e-5, rtol=1e-4), distance_cases),
    # A transpose moves values without changing them: float32 only rounds them.
    Part("check_to_channels_first", "channels last to channels first", 2,
         Call("to_channels_first"), same_as_solution(atol=1e-6, rtol=1e-6), channels_cases),
    # Whole numbers: exact.
    Part("check_broadcast_shape", "the broadcasting rule", 2, Call("broadcast_shape"),
         same_as_solution(atol=0, rtol=0), broadcast_cases, edge_cases=3),
    # float64 only, as the part says (see gradient_cases).  Mistakes: a
    # forward difference is off by about h * f'' > 1e-3 with the large h;
    # an ignored h by about h^2 * w > 1e-3.
    Part("check_numerical_gradient", "central-difference gradient", 3,
         Call("numerical_gradient"), same_as_solution(atol=1e-4, rtol=1e-4), gradient_cases,
         edge_cases=2, edge_floor=0.5, keeps_inputs=True),
    Part("check_autodiff_gradient", "gradient by automatic differentiation", 3,
         Call("autodiff_gradient"), judge_autodiff, autodiff_cases),
]
