"""Grading checks for the Loss functions and metrics exercise (instructors only).

One Part per self-check cell of losses_metrics.ipynb.  Inputs are drawn at
grading time and every answer is compared with what the solution notebook
returns on the same inputs.  The draws always contain the edge cases the
exercise names, so a mistake on them loses points on every run (the
stability cases are edge cases: a formula right on ordinary inputs keeps
half of the part):
probabilities of exactly 0 and 1 (binary cross-entropy), a logit of 24000
or more (cross-entropy from logits), a confusion matrix that is not
symmetric, a class that is never predicted or never present (precision and
recall of 0 / 0), and precision or recall of exactly 1 and more errors than
true positives (a 0 / 0 guard on the wrong count).  Not released to students (see autograder/config.py).
"""

import numpy as np

from autograder.checks import Call, Part, drawn_until, same_as_solution


def regression_cases(rng):
    """Targets and predictions with ordinary errors plus one outlier, and
    errors of both signs in every case: where all had one sign, an MAE
    without its abs was right there, on some draws."""
    def draw(n):
        y_true = rng.normal(50.0, 10.0, size=n)
        y_pred = y_true + rng.normal(0.0, 3.0, size=n)
        y_pred[rng.integers(n)] += rng.choice([-1, 1]) * rng.uniform(20, 40)  # the outlier
        return y_true, y_pred

    return [drawn_until(lambda: draw(n), lambda case: np.ptp(np.sign(case[1] - case[0])) == 2)
            for n in (6, 10, 15)]


def _bce(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_cases(rng):
    """Three cases of ordinary probabilities, mostly right, about half right
    and mostly wrong, then two edge cases that each hold all four exact
    values: p = 1 and p = 0, each once with the matching and once with the
    other label (without clipping, each of them gives NaN or infinity).

    The ordinary cases are redrawn until their losses lie at least 5% apart
    and 5% from 1 (the mean of -log p for p drawn uniformly, and what a
    constant answer such as 1.0 would guess): one number answered for every
    case matches at most one of them."""
    def draw(n, right):
        y = rng.integers(0, 2, size=n).astype(float)
        sure = rng.uniform(0.55, 0.98, size=n)  # the probability given to the answer it leans to
        leans_right = rng.uniform(size=n) < right
        return y, np.where(leans_right == (y == 1), sure, 1 - sure)

    while True:
        ordinary = [draw(n, right) for n, right in ((8, 0.9), (12, 0.5), (20, 0.1))]
        losses = sorted(_bce(y, p) for y, p in ordinary)
        if all(abs(loss - 1) > 0.05 for loss in losses) and all(
                b > 1.05 * a for a, b in zip(losses, losses[1:])):
            break
    cases = list(ordinary)
    for n in (10, 16):
        y = rng.integers(0, 2, size=n).astype(float)
        p = rng.uniform(0.02, 0.98, size=n)
        where = rng.choice(n, size=4, replace=False)
        y[where] = [1.0, 0.0, 1.0, 0.0]
        p[where] = [1.0, 0.0, 0.0, 1.0]  # right and sure, right and sure, wrong, wrong
        cases.append((y, p))
    return cases


def logits_cases(rng):
    """Three cases of logits of moderate size, then two edge cases where one
    row holds a logit of 24000 or more (np.exp overflows without the row's
    maximum taken out, also in np.longdouble, whose exp reaches about 11356,
    and also after a shift by the row's midrange; taking out the batch's
    maximum instead leaves the other rows' exps at 0).  The large logit's
    row is labelled with another class: its loss is then about the large
    logit itself, which the log of a softmax (0 there) cannot give; labelled
    with the large logit's class, that row's loss is 0 either way and the
    mistake would show on some draws only.  The edge cases' logits are
    multiples of 1/64, which float32 holds exactly."""
    cases = []
    for n, k, edge in ((5, 3, False), (8, 4, False), (12, 10, False), (6, 4, True), (10, 5, True)):
        logits = rng.normal(0.0, 3.0, size=(n, k))
        labels = rng.integers(0, k, size=n)
        if edge:
            row, column = rng.integers(n), rng.integers(k)
            logits[row, column] = rng.uniform(24000, 30000)
            logits = np.round(logits * 64) / 64
            labels[row] = (column + rng.integers(1, k)) % k
        cases.append((logits, labels.astype(float)))
    return cases


def confusion_cases(rng):
    """Random labels where the last class is never predicted, with an extra
    example added when needed so that the matrix is never symmetric; in the
    last case the last class is in neither array, so that a matrix sized by
    the largest label instead of by num_classes has the wrong shape."""
    cases = []
    for n, k, absent in ((12, 3, False), (20, 4, False), (30, 6, False), (15, 4, True)):
        y_true = rng.integers(0, k - 1 if absent else k, size=n)
        y_pred = np.where(rng.uniform(size=n) < 0.6, y_true, rng.integers(0, k - 1, size=n))
        y_pred[y_pred == k - 1] = rng.integers(0, k - 1)  # class k-1 is never predicted
        counts = np.zeros((k, k), dtype=int)
        np.add.at(counts, (y_true, y_pred), 1)
        if np.array_equal(counts, counts.T):  # true 0 predicted as 1 breaks the symmetry
            y_true, y_pred = np.append(y_true, 0), np.append(y_pred, 1)
        cases.append((y_true.astype(float), y_pred.astype(float), float(k)))
    return cases


def _prf_case(rng, k, n, positive, tp, fn, fp):
    """Labels of k classes for n examples with exactly tp true positives, fn
    false negatives and fp false positives of the class ``positive``; the
    other examples are of other classes, right or wrong at random."""
    others = [c for c in range(k) if c != positive]
    y_true = rng.choice(others, size=n)
    y_pred = np.where(rng.uniform(size=n) < 0.6, y_true, rng.choice(others, size=n))
    y_true[:tp], y_pred[:tp] = positive, positive                      # true positives
    y_true[tp:tp + fn], y_pred[tp:tp + fn] = positive, others[0]       # false negatives
    y_true[tp + fn:tp + fn + fp] = others[1]                           # false positives
    y_pred[tp + fn:tp + fn + fp] = positive
    order = rng.permutation(n)
    return y_true[order], y_pred[order], positive


def prf_cases(rng):
    """Four ordinary cases, then the two edge cases.

    * Two cases where the counts differ from draw to draw and never as many
      false negatives as false positives, so precision, recall and F1 all
      differ and none is 0 or 1: one with more true positives than either
      kind of error, one with fewer (fp > tp and fn > tp, so precision +
      recall < 1: a guard written ``tp - fp > 0`` or ``precision + recall >
      1`` gives 0 there).  Precision is above recall in the first (more
      false negatives) and below it in the second, on every draw: a formula
      that tests which is larger is wrong in the same cases every time.
    * Precision exactly 1 (one true positive, no false positive) and recall
      exactly 1 (one true positive, no false negative): a guard such as
      ``fp > 0`` or ``tp + fp > 1`` gives 0 there instead of 1.  The other
      count is 2 to 5, never the one true positive, so a count mixed up
      with another (fn for tp, tp for fp) or returned for a ratio is never
      right by chance, nor is a precision of exactly 0.5.
    * The edge cases, where every ratio is 0 / 0 or 0: the positive class
      present but never predicted, and never present nor predicted (the
      largest class, so that sizing a matrix from the labels shows).  A
      constant (0, 0, 0) is right on the edge cases only, which is why they
      count as edge cases (see Part).
    """
    k, n = 4, 20
    positives = rng.choice(k, size=4, replace=False)
    tp = int(rng.integers(1, 3))
    low = rng.choice(np.arange(tp + 1, tp + 5), size=2, replace=False)    # fn, fp > tp
    high_tp = int(rng.integers(5, 8))
    high = rng.choice(np.arange(1, 5), size=2, replace=False)            # fn, fp < tp
    cases = [
        _prf_case(rng, k, n, positives[0], high_tp, *sorted(high, reverse=True)),  # fn > fp
        _prf_case(rng, k, n, positives[1], tp, *sorted(low)),                      # fn < fp
        _prf_case(rng, k, n, positives[2], 1, int(rng.integers(2, 6)), 0),   # precision 1
        _prf_case(rng, k, n, positives[3], 1, 0, int(rng.integers(2, 6))),   # recall 1
    ]
    positive = int(rng.integers(k))
    others = [c for c in range(k) if c != positive]
    y_true = rng.integers(0, k, size=n)                      # present, never predicted
    y_true[0] = positive
    cases.append((y_true, rng.choice(others, size=n), positive))
    # Never present nor predicted, and the largest class: a matrix sized by
    # the largest label instead of by the number of classes has no row for it.
    below = np.arange(k - 1)
    cases.append((rng.choice(below, size=n), rng.choice(below, size=n), k - 1))
    return [(t.astype(float), p.astype(float), float(c)) for t, p, c in cases]


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


# Tolerances accept the same formulas computed in float32 (measured on these
# cases, float32 against float64) and reject the mistakes the cases expose.
PARTS = [
    # float32: about 1e-6 relative.  Mistakes: RMSE as MAE, MSE without the
    # square or the mean are off by far more than 1e-4 with an outlier of 20+.
    Part("check_regression_losses", "MAE, MSE and RMSE", 2, Call("regression_losses"),
         same_as_solution(atol=1e-5, rtol=1e-5, names=("MAE", "MSE", "RMSE")),
         regression_cases),
    # float32: the clip at 1e-7 is itself rounded (1 - 1e-7 is 0.99999988 in
    # float32), which moves the mean loss by up to about 2e-3 relative.
    # Mistake: no clipping gives inf or NaN on the four exact rows of the edge
    # cases; the formula without them still earns half the part.
    Part("check_binary_cross_entropy", "binary cross-entropy with clipping", 2,
         Call("binary_cross_entropy"), same_as_solution(atol=1e-4, rtol=1e-2), bce_cases,
         edge_cases=2, edge_floor=0.5),
    # float32: 1e-7 relative (the edge cases' logits are on its grid).
    # Mistakes: a naive softmax (also in long double), one shifted by the
    # row's mean or midrange, or one that takes out the batch's maximum,
    # gives inf or NaN in the edge cases (half the part); a missing mean or
    # a wrong label column is off by far more than 1e-3.
    Part("check_cross_entropy_from_logits", "cross-entropy from logits", 3,
         Call("cross_entropy_from_logits"), same_as_solution(atol=1e-3, rtol=1e-4),
         logits_cases, edge_cases=2, edge_floor=0.5),
    # Counts: exact in any dtype.
    Part("check_confusion_matrix", "confusion matrix", 2, Call("confusion_matrix"),
         same_as_solution(atol=0, rtol=0), confusion_cases),
    # Ratios of small counts: float32 rounds them to 1e-7 relative.  Mistakes:
    # NaN for 0 / 0, precision and recall swapped, a mean instead of F1, or a
    # 0 / 0 guard that tests the wrong count (0 where precision or recall is
    # exactly 1, or where there are more errors than true positives).
    Part("check_precision_recall_f1", "precision, recall and F1", 3, Call("precision_recall_f1"),
         same_as_solution(atol=1e-6, rtol=1e-6, names=("precision", "recall", "F1")),
         prf_cases, edge_cases=2),
    # The frameworks compute in float32: about 1e-6 relative here.  Mistake:
    # a softmax before a from-logits loss moves it by at least 0.3.
    Part("check_framework_cross_entropy", "the framework's cross-entropy", 2,
         Call("framework_cross_entropy"), same_as_solution(atol=1e-4, rtol=1e-4),
         framework_cases),
]
