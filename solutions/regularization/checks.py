"""Grading checks for the Overfitting and regularization exercise (instructors only).

One Part per self-check cell of regularization.ipynb.  Inputs are drawn at
grading time; functions are compared with what the solution notebook returns
on the same inputs, and the trained model is judged by its accuracy on new
moons points.  Not released to students (see autograder/config.py).
"""

import numpy as np
from scipy.spatial import cKDTree
from sklearn.datasets import make_moons

from autograder.checks import (
    ORDER_CREDIT,
    Answer,
    Call,
    Part,
    Predict,
    _,
    accuracy_check,
    drawn_until,
    probability_checks,
    same_as_solution,
)

MOONS_NOISE = 0.25  # the setup cell's noise level
#: Agreement with the best possible classifier (see moon_labels) on fresh
#: points that earns all the model's points: the notebook's 88%, less three
#: standard deviations of a 4000-point draw (0.5 points each), so a model
#: that truly reaches 88% earns them on every draw.  (The notebook's
#: self-check counts against noisy labels, harder: only the best classifier
#: agrees with them 93% of the time, so 88% there is about 94% here.)
MOONS_ACCURACY_NEEDED = 0.865
#: Agreement that earns nothing: a straight line reaches 83.5%, and the best
#: of 400 untrained networks of the suggested shape 83%.
MOONS_ACCURACY_FLOOR = 0.84
#: Points drawn: a model between the floor and the goal earns points in
#: step with its accuracy, and on 4000 points the draw alone (0.5 points of
#: accuracy) moved a reviewer's model from 2.3 to 0.2 of 3 between two runs.
#: On 40,000 the draw moves its accuracy by about 0.17 points (0.2 of 3).
MOONS_POINTS = 40_000


def dropout_cases(rng):
    """Masks always keep some units and drop others, and h has no zeros, so
    a missing 1 / keep_prob always shows; 2-D and 3-D arrays whose
    dimensions all differ (a transposed answer has another shape), of 20
    to 60 units (a mask the function draws itself matched the given one on
    about 1 draw in 100 with 10)."""
    def mask_of(shape):
        keep_prob = rng.uniform(0.5, 0.9)
        mask = (rng.random(shape) < keep_prob).astype(float)
        mask.flat[0], mask.flat[1] = 1.0, 0.0
        return mask, keep_prob

    cases = []
    for shape in [(5, 4), (4, 7), (3, 4, 5)]:
        # The share the mask keeps is never keep_prob: scaling by it is wrong.
        mask, keep_prob = drawn_until(lambda: mask_of(shape), lambda m: abs(m[0].mean() - m[1]) > 0.02)
        h = rng.normal(size=shape)
        h[np.abs(h) < 0.1] = 0.5
        cases.append((h, mask, keep_prob))
    return cases


def standardize_cases(rng):
    """Test rows come from a shifted distribution, so their own statistics
    always differ from the training set's; n, m and d all different."""
    cases = []
    for n, m, d in [(8, 3, 2), (12, 5, 3), (20, 6, 4)]:
        centre = rng.normal(scale=10, size=d)
        scale = rng.uniform(0.5, 5, size=d)
        X_train = centre + scale * rng.normal(size=(n, d))
        X_test = centre + 1.0 + scale * rng.normal(size=(m, d))
        cases.append((X_train, X_test))
    return cases


def one_hot_cases(rng):
    """The first case uses every class; the three others never use the top
    class, so the number of columns must come from k (taking it from the
    labels is right in one case of four: a quarter of the part).  The second
    and the fourth also leave out a class below one they use, and every
    class a case does not leave out is there: numbering the classes by rank
    (np.unique's inverse, a label encoder) is right in the first and third
    cases only, on every draw, not where the draw happened to miss one."""
    cases = []
    for n, k, missing_top, missing_below in [(8, 4, False, False), (6, 5, True, True),
                                             (10, 3, True, False), (9, 7, True, True)]:
        top = k - 1 if missing_top else k
        used = np.arange(top)
        if missing_below:
            used = np.delete(used, rng.integers(0, top - 1))  # a class below the largest used
        labels = rng.choice(used, size=n)
        labels[:len(used)] = rng.permutation(used)
        cases.append((rng.permutation(labels).astype(float), k))
    return cases


def kfold_cases(rng):
    """n is always at least 5k, so folds hold five or more samples (a
    shuffled split was right on about 3 draws in 100 with two).  Every
    draw has the same three kinds of split: k of 2 or 3 dividing n, and k of
    4 or 5 with one longer fold and with several.  A rule that places the
    longer folds anywhere but first (``i * k // n`` spreads them out, or the
    last fold takes the whole remainder) then fails the same cases on every
    run, not on some runs only."""
    cases = []
    for k_choices, remainders in [((2, 3), (0,)), ((4, 5), (1,)), ((4, 5), "several")]:
        k = int(rng.choice(k_choices))
        if remainders == "several":
            remainder = int(rng.integers(2, k - 1))
        else:
            remainder = remainders[0]
        n = k * int(rng.integers(5, 9)) + remainder  # 5 to 8 per fold: a shuffle is never right by luck
        cases.append((n, k))
    return cases


def l2_cases(rng):
    """Weights and a bias of at least 0.1 in size: a penalty on the bias too
    adds at least 5e-4 to the loss and 0.01 to its gradient in every case,
    far beyond the tolerance (a bias near 0 would hide it in some draws).
    No weight is near 0.5 or 1 in size, where the L1 penalty's gradient
    (lam * sign(w)) or the penalty itself equals the L2 one's: the L1
    formula for the L2 one fails every case on every draw.  A case is drawn
    again until leaving the bias out of the prediction moves the loss and
    both gradients by ten times the tolerance (the loss as a function of b
    can be as high at 0 as at the given b, and was right by chance there),
    and until both classes are there (with one, a cross-entropy missing the
    other class's term is right)."""
    def draw(n, d):
        X = rng.normal(size=(n, d))
        y = rng.integers(0, 2, size=n).astype(float)
        w = rng.normal(size=d)
        size = np.abs(w)
        w[(size < 0.1) | (np.abs(size - 0.5) < 0.05) | (np.abs(size - 1) < 0.05)] = 0.3
        b = rng.choice([-1.0, 1.0]) * rng.uniform(0.1, 1.0)
        return X, y, w, b, rng.uniform(0.05, 0.5)

    def shows(case):
        X, y, w, b, lam = case
        return 0 < y.sum() < len(y) and all(
            np.any(np.abs(np.asarray(wrong) - right) > 10 * (1e-5 + 1e-4 * np.abs(right)))
            for right, wrong in zip(_l2(X, y, w, b, lam), _l2(X, y, w, 0.0, lam)))

    return [drawn_until(lambda: draw(n, d), shows) for n, d in [(6, 2), (10, 3), (15, 4)]]


def _l2(X, y, w, b, lam):
    """The loss and gradients the part asks for, with the bias given: only to
    choose cases on which leaving it out shows."""
    p = 1 / (1 + np.exp(-(X @ w + b)))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + lam * np.sum(w**2)
    return loss, X.T @ (p - y) / len(y) + 2 * lam * w, np.mean(p - y)


_T = np.linspace(0, np.pi, 2001)
_OUTER = np.column_stack([np.cos(_T), np.sin(_T)])              # class 0's centre line
_INNER = np.column_stack([1 - np.cos(_T), 0.5 - np.sin(_T)])    # class 1's centre line
_OUTER_TREE, _INNER_TREE = cKDTree(_OUTER), cKDTree(_INNER)


def moon_labels(X):
    """The class of the moon whose noise-free centre line is nearer to each
    point (the best possible guess for a noisy point).  Computed here from
    the points alone, so no labels are ever sent to the student's kernel."""
    # A k-d tree finds each point's nearest point of a centre line exactly,
    # without the (points x 2001) distance matrix (1.3 GB for 40,000 points).
    distance = lambda tree: tree.query(np.asarray(X, dtype=float))[0]
    return (distance(_INNER_TREE) < distance(_OUTER_TREE)).astype(int)


def fresh_moons(rng):
    X, _ = make_moons(n_samples=MOONS_POINTS, noise=MOONS_NOISE,
                      random_state=int(rng.integers(0, 2**31 - 1)))
    return [(X.astype(np.float32),)]


def judge_moons_model(args, got: Answer, expected: Answer):
    X = np.asarray(args[0], dtype=float)
    checks, p = probability_checks(got, len(X))
    if p is None:
        return checks
    accuracy = float(np.mean((p > 0.5) == (moon_labels(X) > 0.5)))
    return checks + [accuracy_check(
        accuracy, floor=MOONS_ACCURACY_FLOOR, target=MOONS_ACCURACY_NEEDED,
        what=_("{n} new moons points (each labelled by the moon whose noise-free centre line "
               "is nearer)").format(n=len(X)))]


# Tolerances accept the same computations in float32 (measured on these cases,
# float32 against float64) and reject the mistakes the cases expose.
PARTS = [
    # float32: 1.7e-7 absolute.  Mistake: no 1 / keep_prob, off by 10% or more.
    Part("check_inverted_dropout", "inverted dropout", 2, Call("inverted_dropout"),
         same_as_solution(atol=1e-5, rtol=1e-4), dropout_cases),
    # float32: 1.9e-6 absolute.  Mistake: the test rows' own mean and
    # deviation, off by about 1 (the test rows are shifted by 1).
    Part("check_standardize", "standardization fitted on the training set", 2,
         Call("standardize"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("X_train_scaled", "X_test_scaled"),
                          reordered_credit=ORDER_CREDIT),
         standardize_cases),
    # 0 or 1, and fold numbers: exact.
    Part("check_one_hot", "one-hot encoding", 2, Call("one_hot"),
         same_as_solution(atol=0, rtol=0), one_hot_cases),
    Part("check_kfold_ids", "k-fold fold numbers", 2, Call("kfold_ids"),
         same_as_solution(atol=0, rtol=0), kfold_cases),
    # float32: 2.4e-7 absolute.  Mistakes: lambda * w instead of 2 * lambda * w,
    # or the penalty on the bias, change the gradient by lambda * |w| > 5e-3.
    Part("check_l2_loss_and_grads", "loss and gradients with an L2 penalty", 3,
         Call("l2_loss_and_grads"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("loss", "grad_w", "grad_b"),
                          reordered_credit=ORDER_CREDIT), l2_cases),
    Part("check_moons_model", "a regularized moons classifier", 3, Predict("moons_model"),
         judge_moons_model, fresh_moons),
]
