"""Grading checks for the Loss functions and metrics exercise (instructors only).

One Part per self-check cell of losses_metrics.ipynb.  Inputs are drawn at
grading time and every answer is compared with what the solution notebook
returns on the same inputs.  The draws always contain the edge cases the
exercise names, so a mistake on them loses points on every run:
probabilities of exactly 0 and 1 (binary cross-entropy), a logit in the
hundreds (cross-entropy from logits), a confusion matrix that is not
symmetric, and a class that is never predicted or never present (precision
and recall of 0 / 0).  Not released to students (see autograder/config.py).
"""

import numpy as np

from autograder.checks import Answer, Call, Check, Part, error_checks, same_as_solution


def same_numbers(*, atol: float, rtol: float):
    """One check per case: the same numbers as the solution, in order.

    For answers that are one number or a few numbers, a separate shape check
    would give credit to any number at all (every number has the shape of a
    number), so the values are the only check.  A tuple of three numbers and
    an array of three numbers are judged alike.
    """

    def flat(values):
        return np.concatenate([v.ravel() for v in values]) if values else np.empty(0)

    def judge(args, got: Answer, expected: Answer):
        if not got.ok:
            return error_checks(got, 1)
        g, e = flat(got.values), flat(expected.values)
        if g.size != e.size:
            return [Check(False, f"returned {g.size} number(s), but should return {e.size}")]
        with np.errstate(invalid="ignore"):
            wrong = int((~np.isclose(g, e, atol=atol, rtol=rtol)).sum())
        if wrong == 0:
            return [Check(True, "values match the solution")]
        bad = "" if np.all(np.isfinite(g)) else " (some are NaN or infinite)"
        return [Check(False, f"{wrong} of {e.size} values differ from the solution{bad}")]

    return judge


def regression_cases(rng):
    """Targets and predictions with ordinary errors plus one outlier."""
    cases = []
    for n in (6, 10, 15):
        y_true = rng.normal(50.0, 10.0, size=n)
        y_pred = y_true + rng.normal(0.0, 3.0, size=n)
        y_pred[rng.integers(n)] += rng.choice([-1, 1]) * rng.uniform(20, 40)  # the outlier
        cases.append((y_true, y_pred))
    return cases


def bce_cases(rng):
    """Ordinary probabilities, and in every case all four exact edge cases:
    p = 1 and p = 0, each once with the matching and once with the other
    label.  Without clipping, each of them gives NaN or infinity."""
    cases = []
    for n in (8, 12, 20):
        y = rng.integers(0, 2, size=n).astype(float)
        p = rng.uniform(0.02, 0.98, size=n)
        edge = rng.choice(n, size=4, replace=False)
        y[edge] = [1.0, 0.0, 1.0, 0.0]
        p[edge] = [1.0, 0.0, 0.0, 1.0]  # right and sure, right and sure, wrong, wrong
        cases.append((y, p))
    return cases


def logits_cases(rng):
    """Logits of moderate size, with one row holding a logit in the hundreds
    (np.exp overflows) in every case."""
    cases = []
    for n, k in ((5, 3), (8, 4), (12, 10)):
        logits = rng.normal(0.0, 3.0, size=(n, k))
        row = rng.integers(n)
        logits[row, rng.integers(k)] = rng.uniform(750, 1000)
        labels = rng.integers(0, k, size=n).astype(float)
        cases.append((logits, labels))
    return cases


def confusion_cases(rng):
    """Random labels where the last class is never predicted, with an extra
    example added when needed so that the matrix is never symmetric."""
    cases = []
    for n, k in ((12, 3), (20, 4), (30, 6)):
        y_true = rng.integers(0, k, size=n)
        y_pred = np.where(rng.uniform(size=n) < 0.6, y_true, rng.integers(0, k - 1, size=n))
        y_pred[y_pred == k - 1] = rng.integers(0, k - 1)  # class k-1 is never predicted
        counts = np.zeros((k, k), dtype=int)
        np.add.at(counts, (y_true, y_pred), 1)
        if np.array_equal(counts, counts.T):  # true 0 predicted as 1 breaks the symmetry
            y_true, y_pred = np.append(y_true, 0), np.append(y_pred, 1)
        cases.append((y_true.astype(float), y_pred.astype(float), float(k)))
    return cases


def prf_cases(rng):
    """Three cases per grading: an ordinary one, one where the positive class
    is present but never predicted, one where it is never present nor
    predicted (every ratio is 0 / 0 or 0)."""
    k = 4
    n = 20
    positive = int(rng.integers(k))
    others = [c for c in range(k) if c != positive]
    # Ordinary: the positive class occurs and is predicted, with some mistakes.
    y_true = rng.integers(0, k, size=n)
    y_pred = np.where(rng.uniform(size=n) < 0.6, y_true, rng.integers(0, k, size=n))
    y_true[:2], y_pred[:2] = positive, positive              # at least one TP
    y_true[2], y_pred[2] = positive, others[0]               # at least one FN
    ordinary = (y_true, y_pred)
    # Present but never predicted.
    y_true = rng.integers(0, k, size=n)
    y_true[0] = positive
    y_pred = rng.choice(others, size=n)
    never_predicted = (y_true, y_pred)
    # Never present, never predicted.
    absent = (rng.choice(others, size=n), rng.choice(others, size=n))
    return [(t.astype(float), p.astype(float), float(positive))
            for t, p in (ordinary, never_predicted, absent)]


def framework_cases(rng):
    """Logits in which the true class always leads its row by 2 to 6, so the
    loss of a model that applied a softmax first differs by at least 0.3."""
    cases = []
    for n, k in ((6, 3), (10, 5), (16, 10)):
        logits = rng.normal(0.0, 2.0, size=(n, k))
        labels = rng.integers(0, k, size=n)
        rows = np.arange(n)
        logits[rows, labels] = logits.max(axis=1) + rng.uniform(2, 6, size=n)
        cases.append((logits, labels.astype(float)))
    return cases


PARTS = [
    Part("check_regression_losses", "MAE, MSE and RMSE", 2, Call("regression_losses"),
         same_numbers(atol=1e-6, rtol=1e-6), regression_cases),
    Part("check_binary_cross_entropy", "binary cross-entropy with clipping", 2,
         Call("binary_cross_entropy"), same_numbers(atol=1e-6, rtol=1e-6), bce_cases),
    Part("check_cross_entropy_from_logits", "cross-entropy from logits", 3,
         Call("cross_entropy_from_logits"), same_numbers(atol=1e-6, rtol=1e-6), logits_cases),
    Part("check_confusion_matrix", "confusion matrix", 2, Call("confusion_matrix"),
         same_as_solution(atol=0), confusion_cases),
    Part("check_precision_recall_f1", "precision, recall and F1", 3, Call("precision_recall_f1"),
         same_numbers(atol=1e-9, rtol=1e-9), prf_cases),
    Part("check_framework_cross_entropy", "the framework's cross-entropy", 2,
         Call("framework_cross_entropy"), same_numbers(atol=1e-4, rtol=1e-4), framework_cases),
]
