"""Grading checks for the Convolutional networks exercise (instructors only).

One Part per self-check cell of cnn.ipynb.  Inputs are drawn at grading
time; the NumPy functions and the two formulas are compared with what the
solution notebook returns on the same inputs, and the trained model is judged
by its accuracy on the whole held-out digits test split.  Not released
to students (see autograder/config.py).

Every case is built so that each fixture mistake in
tests/submissions/cnn/wrong.py, and each slip of the same kind, shows in it
whatever the drawn numbers (a mistake caught in only some cases would keep
their share of the points): kernels are random and never square (never
symmetric under a flip; their height and width cannot be swapped), images and
maps are never square and every size along one axis differs from the other
axis's (image.shape[0] for image.shape[1] always gives another output
shape), every stride is 2 or 3 (a stride ignored, or applied to one axis
only, always shows), pooling maps hold dozens of windows of random values
(their mean is never their maximum, and a window one row or column too wide
or too narrow changes some maximum; the rows and columns left over follow a
fixed pattern, POOL_CASES; where a stride leaves half a step over, the
whole steps before it are odd, so that round() for the floor is wrong on
every draw), and every output-size case has a padding at
least as large as the stride and a kernel at least as wide (so dropping or
halving the padding, or dropping k, changes the answer), drawn so that each
of the usual wrong formulas (SIZE_MISTAKES) is wrong in the same cases on
every draw; the floor is tested by the ordinary cases, and the two exact
boundaries by two edge cases (output_size_cases).
"""

import math

import numpy as np

from autograder.checks import (
    Answer,
    Call,
    Check,
    Part,
    Predict,
    _,
    accuracy_check,
    drawn_until,
    error_checks,
    gate,
    same_as_solution,
)
from dlcourse import load_digits

#: Accuracy on the held-out test split that earns all the model's points
#: (the goal the notebook states).
ACCURACY_NEEDED = 0.95
#: Accuracy that earns none: an untrained network of the suggested shape
#: scores 5% to 25%; a network that has learned something is far above.
ACCURACY_FLOOR = 0.5


def _unequal_sizes(rng, low, high, kh, kw, stride, *, leftover=None):
    """An image height and width in [low, high) such that every output size
    taken from the wrong axis, with the wrong kernel side or without the
    kernel differs from the right one, and the output is not square; with
    ``leftover`` (a square window), the windows leave that many rows and
    columns uncovered at the bottom and the right."""
    sides = {(a, b) for a in (0, 1) for b in (0, 1)} if leftover is None else {(0, 0), (1, 1)}
    for _attempt in range(10_000):
        h, w = (int(v) for v in rng.integers(low, high, size=2))
        size, kernel = (h, w), (kh, kw)
        out = {(a, b): (size[a] - kernel[b]) // stride + 1 for a, b in sides}
        no_kernel = all(size[a] // stride + 1 != out[a, b] for a, b in sides)
        left = leftover is None or all((size[a] - kernel[a]) % stride == leftover for a in (0, 1))
        # Where a stride leaves exactly half a step over, round() (which
        # rounds halves to even) would be right or wrong by the parity of
        # the whole steps: an odd count makes it wrong on every draw.
        halves_odd = all((size[a] - kernel[a]) // stride % 2 == 1 for a in (0, 1)
                         if 2 * ((size[a] - kernel[a]) % stride) == stride)
        if h != w and len(set(out.values())) == len(out) and min(out.values()) >= 2 and no_kernel \
                and left and halves_odd:
            return h, w
    raise ValueError(f"no image size in [{low}, {high}) for a {kh}x{kw} kernel, stride {stride}")


def conv_cases(rng):
    """Non-square kernels (kh != kw, both at least the stride) on non-square
    images, with strides 2, 3 and 2; every output has at least two rows and
    columns."""
    cases = []
    for (kh, kw), stride in [((2, 3), 2), ((4, 3), 3), ((3, 4), 2)]:
        h, w = _unequal_sizes(rng, 8, 20, kh, kw, stride)
        cases.append((rng.normal(size=(h, w)), rng.normal(size=(kh, kw)), float(stride)))
    return cases


#: max_pool2d's cases: (window, stride, rows and columns left over at the
#: bottom and the right, where no window fits).  A fixed pattern, so that a
#: mistake costs the same on every draw: nothing left over catches a window
#: count one short ((H - size - 1) // stride + 1); stride - 1 left over
#: catches one too many ((H - size + 1) // stride + 1) and partial windows
#: kept (PyTorch's ceil_mode), each of these in two of the three cases.  No
#: window is as wide as its stride: windows moved by their width (the
#: stride ignored, or a reshape into blocks) fail every case, as a stride
#: ignored does in conv2d.
POOL_CASES = [(3, 2, 1), (4, 3, 0), (4, 2, 1)]


def pool_cases(rng):
    """Overlapping (3, 2), (4, 3) and (4, 2) windows on non-square maps of
    about 25 to 80 windows each, with the rows and columns
    :data:`POOL_CASES` leaves over."""
    cases = []
    for size, stride, leftover in POOL_CASES:
        h, w = _unequal_sizes(rng, 5 * stride + size, 10 * stride + size, size, size, stride,
                              leftover=leftover)
        cases.append((rng.normal(size=(h, w)), float(size), float(stride)))
    return cases


def _output_size_case(rng, like, drawn=()):
    """One (n, k, stride, pad) with stride 5, 6 or 7, pad >= stride (pad
    once or not at all gives another size) and k at least the stride
    (dropping k does), for which ``like(n, k, stride, pad)``, and not one of
    ``drawn``."""
    def draw():
        stride = int(rng.choice([5, 6, 7]))
        return (int(rng.integers(5, 65)), int(rng.choice([5, 7, 9])), stride,
                int(rng.integers(stride, stride + 3)))

    n, k, stride, pad = drawn_until(draw, lambda c: c[1] >= c[2] and c[0] + 2 * c[3] >= c[1]
                                    and like(*c) and tuple(map(float, c)) not in drawn)
    return (float(n), float(k), float(stride), float(pad))


#: Ways to get a convolution's output size wrong, m = n + 2 * pad - k (the
#: right size is m // stride + 1): rounding, the ceiling, no floor; counting
#: positions at stride 1 then keeping every stride-th; k - 1 or k + 1 in
#: place of k; the sum split before flooring in six ways, or truncated by
#: int() on each part; TensorFlow's "same" size ceil(n / stride); the
#: padding counted once, or not at all; the + 1 left out.
SIZE_MISTAKES = (
    lambda n, k, s, p: round((n + 2 * p - k) / s) + 1,
    lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1,
    lambda n, k, s, p: (n + 2 * p - k) / s + 1,
    lambda n, k, s, p: (n + 2 * p - k + 1) // s,
    lambda n, k, s, p: (n + 2 * p - k - 1) // s + 1,
    lambda n, k, s, p: (n + 2 * p - k + 1) // s + 1,
    lambda n, k, s, p: math.ceil((n + 2 * p - k) / s),
    lambda n, k, s, p: (n + 2 * p) // s - k // s + 1,
    lambda n, k, s, p: (n - k) // s + (2 * p) // s + 1,
    lambda n, k, s, p: n // s - k // s + (2 * p) // s + 1,
    lambda n, k, s, p: n // s + (2 * p - k) // s + 1,
    lambda n, k, s, p: (n + p - k) // s + p // s + 1,
    lambda n, k, s, p: (n + p) // s - (k - p) // s + 1,
    lambda n, k, s, p: int((n - k) / s) + int(2 * p / s) + 1,
    lambda n, k, s, p: math.ceil(n / s),
    lambda n, k, s, p: (n + p - k) // s + 1,
    lambda n, k, s, p: (n - k) // s + 1,
    lambda n, k, s, p: (n + 2 * p - k) // s,
)

#: One (n, k, stride, pad) for each case: the three ordinary ones, where
#: only the floor is right (a remainder of more than half a stride and at
#: most stride - 2), then the two edge cases, where the last step lands
#: exactly on the last pixel and one pixel short of another.  Each drawn
#: case has the same size mistakes wrong and right as its reference (no
#: input gets them all wrong: a floor of a sum is at most one more than the
#: sum of the floors), so each costs the same on every draw.  The ordinary
#: references were chosen among all inputs so that each split is right in
#: as few of the three as can be (one or two at most; none for (n - k) // s
#: + 2p // s), the edge ones so that they get the most splits wrong; the
#: third ordinary case is drawn like the first (another input).
SIZE_REFERENCES = ((13, 9, 5, 7), (9, 5, 5, 7), (13, 9, 5, 7), (6, 5, 5, 7), (12, 7, 6, 6))


def _size_mistakes(n, k, stride, pad) -> tuple[bool, ...]:
    """Which of SIZE_MISTAKES give another size than the right one."""
    right = (n + 2 * pad - k) // stride + 1
    return tuple(mistake(n, k, stride, pad) != right for mistake in SIZE_MISTAKES)


def output_size_cases(rng):
    """Three ordinary cases and two edge cases (``edge_cases=2``), each drawn
    like its reference in :data:`SIZE_REFERENCES`.  A formula right on the
    ordinary cases can be one off only on the edge cases: (m - 1) // s + 1
    and ceil(m / s) at r = 0, (m + 1) // s + 1 (k - 1 in place of k) at
    r = stride - 1; it keeps nothing of their share (``edge_floor=0``)."""
    def like(reference):
        wanted = _size_mistakes(*reference)
        return lambda n, k, stride, pad: _size_mistakes(n, k, stride, pad) == wanted

    cases = []
    for reference in SIZE_REFERENCES:
        cases.append(_output_size_case(rng, like(reference), cases))
    return cases


def param_cases(rng):
    """k of 3 or more (k * k, k and 1 all differ), and input and output
    channels of at least 2 that differ (so they cannot be swapped)."""
    cases = []
    for _case in range(4):
        k = float(rng.choice([3, 5, 7]))
        c_in, c_out = rng.choice(np.arange(2, 129), size=2, replace=False)
        cases.append((k, float(c_in), float(c_out)))
    return cases


#: The noise added to the copies of the test images (pixels are in [0, 1],
#: a grey level is 1/16): half a level, which a network that recognises
#: digits does not notice, and enough that rounding a copy to the grey
#: levels does not give back its image (measured: no copy of the 360 did).
COPY_NOISE = 0.03
#: How far a model's accuracy on those copies may fall below its accuracy on
#: the images themselves (a trained network, even with dropout left on,
#: stays within a point or two; a table of the test images' labels falls to
#: chance).
COPY_DROP = 0.10


def digits_test_split(rng):
    """The whole held-out test split (360 images), flattened (n, 64) in [0, 1],
    with a copy of each image under faint noise, in a shuffled order.

    The whole split, not a sample: a model that reaches the notebook's goal
    on X_test reaches it here on every grading run.  The copies tell a
    model from a table of the test labels (which the notebook hands out for
    measuring accuracy): the points come from the images themselves, as
    the notebook measures them, but only when the copies fare about as well.
    """
    _, X_test, _, _ = load_digits()
    X = X_test.astype(float)
    copies = np.clip(X + rng.normal(0.0, COPY_NOISE, size=X.shape), 0.0, 1.0)
    return [(np.concatenate([X, copies])[rng.permutation(2 * len(X))],)]


def _originals_of(rows):
    """For each row, the label of the test image it is or is a noisy copy
    of, and whether it is that image itself."""
    _, X_test, _, y_test = load_digits()
    rows, X_test = np.asarray(rows, dtype=float), X_test.astype(float)
    distances = ((rows ** 2).sum(axis=1)[:, None] - 2 * rows @ X_test.T
                 + (X_test ** 2).sum(axis=1)[None, :])
    nearest = distances.argmin(axis=1)
    return y_test[nearest], np.all(rows == X_test[nearest], axis=1)


def judge_digits_model(args, got: Answer, expected: Answer):
    """Ten finite scores per image are gates; the points scale with the
    accuracy on the test images, from nothing at ACCURACY_FLOOR to all at
    ACCURACY_NEEDED, when the noisy copies fare about as well (COPY_DROP)."""
    X = args[0]
    if not got.ok:
        return error_checks(got)
    scores = got.values[0] if len(got.values) == 1 else np.empty(0)
    if scores.shape != (len(X), 10):
        return [gate(False, _("returned shape {shape}, should be ({n}, 10): one score per digit class "
                              "for every image").format(shape=scores.shape, n=len(X)))]
    if not np.all(np.isfinite(scores)):
        return [gate(False, _("some scores are NaN or infinite"))]
    labels, itself = _originals_of(X)
    right = scores.argmax(axis=1) == labels
    accuracy, on_copies = float(np.mean(right[itself])), float(np.mean(right[~itself]))
    what = _("the {n} held-out test images").format(n=int(itself.sum()))
    if on_copies < accuracy - COPY_DROP:
        return [Check(False, _("{accuracy:.1%} of {what} right, but only {copies:.1%} of copies of "
                               "them with faint noise (less than a grey level): a model that "
                               "recognises digits does not notice it; this one looks images up")
                      .format(accuracy=accuracy, what=what, copies=on_copies), credit=0.0)]
    # The input has twice as many rows as there are test images: say why.
    what = _("the {n} held-out test images (the other {copies} images it was shown are copies "
             "of them with faint noise, on which it did about as well)").format(
        n=int(itself.sum()), copies=int((~itself).sum()))
    return [accuracy_check(accuracy, floor=ACCURACY_FLOOR, target=ACCURACY_NEEDED, what=what)]


# Tolerances accept the same computations in float32 and reject the mistakes
# the cases expose.
PARTS = [
    # float32: sums of at most 12 products of values near 1, about 1e-6.
    # Mistakes: a flipped kernel, a stride ignored or applied twice, change
    # outputs by more than 0.1 on random kernels; an output size from the
    # wrong axis gives another shape.
    Part("check_conv2d", "strided 2-D convolution", 3, Call("conv2d"),
         same_as_solution(atol=1e-5, rtol=1e-4), conv_cases),
    # A maximum is one of the inputs: float32 only rounds it (1e-7 relative).
    # Mistake: the mean of the window instead of its maximum.
    Part("check_max_pool2d", "max pooling", 2, Call("max_pool2d"),
         same_as_solution(atol=1e-6, rtol=1e-6), pool_cases),
    # Whole numbers: exact.  Edge cases: where the last step lands exactly,
    # or one pixel short (output_size_cases).
    Part("check_conv_output_size", "output size of a convolution", 2, Call("conv_output_size"),
         same_as_solution(atol=0, rtol=0), output_size_cases, edge_cases=2, edge_floor=0.0),
    Part("check_conv_param_count", "parameters of a convolution layer", 2, Call("conv_param_count"),
         same_as_solution(atol=0, rtol=0), param_cases),
    Part("check_digits_model", "a trained CNN for the digits", 5, Predict("digits_model"),
         judge_digits_model, digits_test_split),
]
