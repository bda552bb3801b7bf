"""Grading checks for the Convolutional networks exercise (instructors only).

One Part per self-check cell of cnn.ipynb.  Inputs are drawn at grading
time; the NumPy functions and the two formulas are compared with what the
solution notebook returns on the same inputs, and the trained model is judged
by its accuracy on the whole held-out digits test split.  Not released
to students (see autograder/config.py).

Every case is built so that each fixture mistake in
tests/submissions/cnn/wrong.py shows in it, whatever the drawn numbers:
kernels are random (never symmetric under a flip), pooling windows hold
random values (their mean is never their maximum), and every output-size
case has a stride of 2 or 3 that does not divide n + 2p - k.
"""

import numpy as np

from autograder.checks import (Answer, Call, Part, Predict, accuracy_check, error_checks, gate,
                               same_as_solution)
from dlcourse import load_digits

#: Accuracy on the held-out test split that earns all the model's points
#: (the goal the notebook states).
ACCURACY_NEEDED = 0.95
#: Accuracy that earns none: an untrained network of the suggested shape
#: scores 5% to 25%; a network that has learned something is far above.
ACCURACY_FLOOR = 0.5


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


def digits_test_split(rng):
    """The whole held-out test split (360 images), flattened (n, 64) in [0, 1].

    The whole split, not a sample: a model that reaches the notebook's goal
    on X_test reaches it here on every grading run.
    """
    _, X_test, _, _ = load_digits()
    return [(X_test.astype(float),)]


def _labels_of(X):
    """The true labels of the test rows (found by matching pixels)."""
    _, X_test, _, y_test = load_digits()
    index = {row.tobytes(): label for row, label in zip(X_test.astype(np.float32), y_test)}
    return np.array([index[row.tobytes()] for row in np.asarray(X, dtype=np.float32)])


def judge_digits_model(args, got: Answer, expected: Answer):
    """Ten finite scores per image are gates; the points scale with the
    accuracy, from nothing at ACCURACY_FLOOR to all at ACCURACY_NEEDED."""
    X = args[0]
    if not got.ok:
        return error_checks(got)
    scores = got.values[0] if len(got.values) == 1 else np.empty(0)
    if scores.shape != (len(X), 10):
        return [gate(False, f"returned shape {scores.shape}, should be ({len(X)}, 10): "
                     "one score per digit class for every image")]
    if not np.all(np.isfinite(scores)):
        return [gate(False, "some scores are NaN or infinite")]
    accuracy = float(np.mean(scores.argmax(axis=1) == _labels_of(X)))
    return [accuracy_check(accuracy, floor=ACCURACY_FLOOR, target=ACCURACY_NEEDED,
                           what=f"the {len(X)} held-out test images")]


# Tolerances accept the same computations in float32 and reject the mistakes
# the cases expose.
PARTS = [
    # float32: sums of at most 9 products of values near 1, about 1e-6.
    # Mistakes: a flipped kernel, a stride ignored or applied twice, change
    # outputs by more than 0.1 on random kernels.
    Part("check_conv2d", "strided 2-D convolution", 3, Call("conv2d"),
         same_as_solution(atol=1e-5, rtol=1e-4), conv_cases),
    # A maximum is one of the inputs: float32 only rounds it (1e-7 relative).
    # Mistake: the mean of the window instead of its maximum.
    Part("check_max_pool2d", "max pooling", 2, Call("max_pool2d"),
         same_as_solution(atol=1e-6, rtol=1e-6), pool_cases),
    # Whole numbers: exact.
    Part("check_conv_output_size", "output size of a convolution", 2, Call("conv_output_size"),
         same_as_solution(atol=0, rtol=0), output_size_cases),
    Part("check_conv_param_count", "parameters of a convolution layer", 2, Call("conv_param_count"),
         same_as_solution(atol=0, rtol=0), param_cases),
    Part("check_digits_model", "a trained CNN for the digits", 5, Predict("digits_model"),
         judge_digits_model, digits_test_split),
]
