"""Grading checks for the Overfitting and regularization exercise (instructors only).

One Part per self-check cell of regularization.ipynb.  Inputs are drawn at
grading time; functions are compared with what the solution notebook returns
on the same inputs, and the trained model is judged by its accuracy on new
moons points.  Not released to students (see autograder/config.py).
"""

import numpy as np
from sklearn.datasets import make_moons

from autograder.checks import (Answer, Call, Check, Part, Predict,
                               probability_checks, same_as_solution)

MOONS_NOISE = 0.25  # the setup cell's noise level
MOONS_ACCURACY = 0.88


def dropout_cases(rng):
    """Masks always keep some units and drop others, and h has no zeros, so
    a missing 1 / keep_prob always shows."""
    cases = []
    for shape in [(6,), (3, 4), (2, 3, 2)]:
        keep_prob = rng.uniform(0.5, 0.9)
        mask = (rng.random(shape) < keep_prob).astype(float)
        mask.flat[0], mask.flat[1] = 1.0, 0.0
        h = rng.normal(size=shape)
        h[np.abs(h) < 0.1] = 0.5
        cases.append((h, mask, keep_prob))
    return cases


def standardize_cases(rng):
    """Test rows come from a shifted distribution, so their own statistics
    always differ from the training set's."""
    cases = []
    for n, m, d in [(8, 3, 2), (12, 5, 3), (20, 4, 4)]:
        centre = rng.normal(scale=10, size=d)
        scale = rng.uniform(0.5, 5, size=d)
        X_train = centre + scale * rng.normal(size=(n, d))
        X_test = centre + 1.0 + scale * rng.normal(size=(m, d))
        cases.append((X_train, X_test))
    return cases


def one_hot_cases(rng):
    """The first case uses every class; the others never use the top class,
    so the number of columns must come from k."""
    cases = []
    for n, k, missing_top in [(8, 4, False), (6, 5, True), (10, 3, True)]:
        top = k - 1 if missing_top else k
        labels = rng.integers(0, top, size=n)
        if not missing_top:
            labels[:k] = rng.permutation(k)
        cases.append((labels.astype(float), k))
    return cases


def kfold_cases(rng):
    """n is always at least 2k, so folds hold two or more samples."""
    cases = []
    for _ in range(3):
        k = int(rng.integers(2, 6))
        n = int(rng.integers(2 * k, 30))
        cases.append((n, k))
    return cases


def l2_cases(rng):
    cases = []
    for n, d in [(6, 2), (10, 3), (15, 4)]:
        X = rng.normal(size=(n, d))
        y = rng.integers(0, 2, size=n).astype(float)
        w = rng.normal(size=d)
        w[np.abs(w) < 0.1] = 0.5
        cases.append((X, y, w, rng.normal(scale=0.5), rng.uniform(0.05, 0.5)))
    return cases


_T = np.linspace(0, np.pi, 2001)
_OUTER = np.column_stack([np.cos(_T), np.sin(_T)])              # class 0's centre line
_INNER = np.column_stack([1 - np.cos(_T), 0.5 - np.sin(_T)])    # class 1's centre line


def moon_labels(X):
    """The class of the moon whose noise-free centre line is nearer to each
    point (the best possible guess for a noisy point).  Computed here from
    the points alone, so no labels are ever sent to the student's kernel."""
    def distance(curve):
        return np.min(np.linalg.norm(X[:, None, :] - curve[None, :, :], axis=2), axis=1)
    return (distance(_INNER) < distance(_OUTER)).astype(int)


def fresh_moons(rng):
    X, _ = make_moons(n_samples=500, noise=MOONS_NOISE,
                      random_state=int(rng.integers(0, 2**31 - 1)))
    return [(X.astype(np.float32),)]


def judge_moons_model(args, got: Answer, expected: Answer):
    X = np.asarray(args[0], dtype=float)
    checks, p = probability_checks(got, len(X), later=1)
    if p is None:
        return checks
    accuracy = float(np.mean((p > 0.5) == (moon_labels(X) > 0.5)))
    checks.append(Check(accuracy >= MOONS_ACCURACY,
                        f"{accuracy:.0%} of {len(X)} new moons points right "
                        f"({MOONS_ACCURACY:.0%} needed)"))
    return checks


PARTS = [
    Part("check_inverted_dropout", "inverted dropout", 2, Call("inverted_dropout"),
         same_as_solution(), dropout_cases),
    Part("check_standardize", "standardization fitted on the training set", 2,
         Call("standardize"), same_as_solution(), standardize_cases),
    Part("check_one_hot", "one-hot encoding", 2, Call("one_hot"),
         same_as_solution(atol=0), one_hot_cases),
    Part("check_kfold_ids", "k-fold fold numbers", 2, Call("kfold_ids"),
         same_as_solution(atol=0), kfold_cases),
    Part("check_l2_loss_and_grads", "loss and gradients with an L2 penalty", 3,
         Call("l2_loss_and_grads"), same_as_solution(atol=1e-8, rtol=1e-6), l2_cases),
    Part("check_moons_model", "a regularized moons classifier", 3, Predict("moons_model"),
         judge_moons_model, fresh_moons),
]
