"""Grading checks for the Convolutional networks exercise (instructors only).

One Part per self-check cell of cnn.ipynb.  Inputs are drawn at grading
time; the NumPy functions and the two formulas are compared with what the
solution notebook returns on the same inputs, and the trained model is judged
by its accuracy on a sample of the held-out digits test split.  Not released
to students (see autograder/config.py).

Every case is built so that each fixture mistake in
tests/submissions/cnn/wrong.py shows in it, whatever the drawn numbers:
kernels are random (never symmetric under a flip), pooling windows hold
random values (their mean is never their maximum), and every output-size
case has a stride of 2 or 3 that does not divide n + 2p - k.
"""

import numpy as np

from autograder.checks import Answer, Call, Check, Part, Predict, error_checks, same_as_solution
from dlcourse import load_digits

#: Accuracy the trained model must reach on the grader's sample (stated in the notebook).
ACCURACY_NEEDED = 0.95
#: How many of the 360 held-out test images the grader draws.
SAMPLE_SIZE = 300


def conv_cases(rng):
    """Image and kernel sizes with stride 1, 2 and 3, non-square on purpose."""
    return [(rng.normal(size=image), rng.normal(size=kernel), float(stride))
            for image, kernel, stride in [((7, 7), (3, 3), 1), ((9, 8), (2, 3), 2),
                                          ((10, 11), (3, 2), 3)]]


def pool_cases(rng):
    """Non-overlapping, overlapping and stride-1 windows on uneven maps."""
    return [(rng.normal(size=shape), float(size), float(stride))
            for shape, size, stride in [((6, 6), 2, 2), ((7, 5), 3, 2), ((5, 6), 2, 1)]]


def output_size_cases(rng):
    """Five (n, k, stride, pad) with stride 2 or 3 not dividing n + 2*pad - k,
    so the floor always matters."""
    cases = []
    while len(cases) < 5:
        n, k = int(rng.integers(5, 65)), int(rng.choice([1, 2, 3, 5, 7]))
        stride, pad = int(rng.choice([2, 3])), int(rng.integers(0, 4))
        if n + 2 * pad >= k and (n + 2 * pad - k) % stride != 0:
            cases.append((float(n), float(k), float(stride), float(pad)))
    return cases


def param_cases(rng):
    return [(float(rng.choice([1, 3, 5, 7])), float(rng.integers(1, 65)), float(rng.integers(1, 129)))
            for _ in range(4)]


def digits_sample(rng):
    """A random sample of the held-out test split, flattened (n, 64) in [0, 1]."""
    _, X_test, _, y_test = load_digits()
    rows = rng.choice(len(X_test), size=SAMPLE_SIZE, replace=False)
    return [(X_test[rows].astype(float),)]


def _labels_of(X):
    """The true labels of the sampled test rows (found by matching pixels)."""
    _, X_test, _, y_test = load_digits()
    index = {row.tobytes(): label for row, label in zip(X_test.astype(np.float32), y_test)}
    return np.array([index[row.tobytes()] for row in np.asarray(X, dtype=np.float32)])


def same_number(args, got: Answer, expected: Answer):
    """One check per case for a function that returns one number: its value.

    No separate shape check: any single number has the right shape, so a
    shape check would give points for answers that are numbers by accident.
    """
    if not got.ok:
        return error_checks(got, 1)
    value = got.values[0] if len(got.values) == 1 else np.empty(0)
    if value.size != 1:
        return [Check(False, f"returned {value.size} numbers (shape {value.shape}), "
                      "should return one number")]
    right = bool(value.ravel()[0] == expected.values[0].ravel()[0])
    return [Check(right, "the number matches the solution" if right
                  else "the number differs from the solution")]


def judge_digits_model(args, got: Answer, expected: Answer):
    X = args[0]
    if not got.ok:
        return error_checks(got, 3)
    scores = got.values[0] if len(got.values) == 1 else np.empty(0)
    shape_ok = scores.shape == (len(X), 10)
    checks = [Check(shape_ok, "ten scores per image" if shape_ok
                    else f"returned shape {scores.shape}, should be ({len(X)}, 10): "
                    "one score per digit class for every image")]
    if not shape_ok:
        return checks + [Check(False, "(not evaluated: wrong shape)")] * 2
    finite = bool(np.all(np.isfinite(scores)))
    checks.append(Check(finite, "scores are finite numbers" if finite
                        else "some scores are NaN or infinite"))
    accuracy = float(np.mean(scores.argmax(axis=1) == _labels_of(X)))
    checks.append(Check(accuracy >= ACCURACY_NEEDED,
                        f"{accuracy:.1%} of {len(X)} held-out test images right "
                        f"({ACCURACY_NEEDED:.0%} needed)"))
    return checks


PARTS = [
    Part("check_conv2d", "strided 2-D convolution", 3, Call("conv2d"),
         same_as_solution(atol=1e-9, rtol=1e-9), conv_cases),
    Part("check_max_pool2d", "max pooling", 2, Call("max_pool2d"),
         same_as_solution(atol=0), pool_cases),
    Part("check_conv_output_size", "output size of a convolution", 2, Call("conv_output_size"),
         same_number, output_size_cases),
    Part("check_conv_param_count", "parameters of a convolution layer", 2, Call("conv_param_count"),
         same_number, param_cases),
    Part("check_digits_model", "a trained CNN for the digits", 5, Predict("digits_model"),
         judge_digits_model, digits_sample),
]
