"""Grading checks for the Perceptrons and XOR exercise (instructors only).

One Part per self-check cell of perceptrons_xor.ipynb.  Inputs are drawn at
grading time; functions are compared with what the solution notebook returns
on the same inputs, and hand-picked weights and the trained model are judged
on the truth tables.  Not released to students (see autograder/config.py).
"""

import numpy as np

from autograder.checks import (
    AROUND_ZERO_SHAPES,
    ORDER_CREDIT,
    Answer,
    Call,
    Check,
    Part,
    Predict,
    Read,
    _,
    accuracy_check,
    around_zero,
    as_shapes,
    drawn_until,
    error_checks,
    gate,
    probability_checks,
    same_as_solution,
    shapes_are,
)
from dlcourse import logic_gate, step

GATE_X, XOR_Y = logic_gate("xor")
NAND_Y = logic_gate("nand")[1]


def step_cases(rng):
    """Three ordinary cases with values in (0, 1), above 1, in (-1, 0) and
    below -1 but no exact zero (a threshold at 1 or -1 shows in every one),
    then two edge cases that also hold exact zeros (where step is 0:
    ">= 0" instead of "> 0" shows there only, and keeps half the part).
    2-D and 3-D arrays whose dimensions all differ, redrawn in the rare draw
    where the answer read in transposed order would hold the same 0s and 1s."""
    return [(around_zero(rng, shape, edge),) for shape, edge in AROUND_ZERO_SHAPES]


def _differs(a, b) -> bool:
    return not np.array_equal(a, b)


def _both_outputs(out) -> bool:
    """Some rows give 0 and some 1, so a constant answer is never right."""
    return 0 < np.sum(out) < np.size(out)


def forward_cases(rng):
    """Rows of X (n != d), and a bias of 0.3 to 1.5 in size, redrawn until
    some row's output changes when the bias is dropped or subtracted, and
    the outputs hold both 0 and 1."""
    def draw(n, d):
        b = float(rng.choice([-1, 1]) * rng.uniform(0.3, 1.5))
        return rng.normal(size=(n, d)), rng.normal(size=d), b

    def shows(case):
        X, w, b = case
        right = step(X @ w + b)
        return (_both_outputs(right) and _differs(step(X @ w), right)
                and _differs(step(X @ w - b), right))

    return [drawn_until(lambda: draw(n, d), shows) for n, d in [(8, 2), (10, 3), (12, 4)]]


def _epoch(X, y, w, b, lr, mistake=None):
    """One epoch of the learning rule, as the exercise states it, or with
    one of EPOCH_MISTAKES: only to choose cases on which those show.  The
    new w and b, and how many rows were updated."""
    w, b = np.array(w, dtype=float), float(b)
    w_0, b_0 = w, b
    updates = 0
    rows = {"last row skipped": slice(0, -1),
            "rows reversed": slice(None, None, -1)}.get(mistake, slice(None))
    for x_i, y_i in zip(X[rows], y[rows]):
        z = {"stale": x_i @ w_0 + b_0, "no bias in the prediction": x_i @ w}.get(mistake, x_i @ w + b)
        error = y_i - step(z)
        if mistake == "flipped":
            error = -error
        elif mistake == "no target":
            error = -step(z)
        rate = 1.0 if mistake == "no learning rate" else lr
        dw = {"no input": rate * error, "no error in w": rate * x_i,
              "weights kept": 0.0 * x_i}.get(mistake, rate * error * x_i)
        db = {"bias kept": 0.0, "no error in b": rate,
              "no learning rate in b": error}.get(mistake, rate * error)
        w = dw if mistake == "weights replaced" else w + dw
        if mistake == "bias with the new w":  # b's error predicted again, with the new w
            db = rate * (y_i - step(x_i @ w + b))
        b = b + db
        updates += bool(error)
    return w, b, updates


#: Mistakes in an epoch that every case shows in w or b (which count only
#: together, so that is the whole case): the learning rate ignored, or left
#: out of b's update, every row predicted with the epoch's starting weights
#: (the rule uses the current ones), the error's sign flipped, the target
#: left out of the error, the bias left out of the prediction, the input
#: left out of w's update, the error left out of w's or b's update, w or b
#: never updated, w replaced by its update, b's error predicted again with
#: the new w, the last row skipped, the rows taken in reverse order.
EPOCH_MISTAKES = ("no learning rate", "no learning rate in b", "stale", "flipped", "no target",
                  "no bias in the prediction", "no input", "no error in w", "no error in b",
                  "weights kept", "bias kept",
                  "weights replaced", "bias with the new w", "last row skipped", "rows reversed")


def epoch_cases(rng):
    """Random data where the first row is always misclassified, and by less
    than its own update moves it (a rule that predicts the bias's error
    again with the new w shows there), redrawn until some row needs no
    update (an error of 0: a rule that divides by it, or updates every row,
    shows) and each of EPOCH_MISTAKES ends with another w or another b.  w
    and b count only together (see the part): updates of +1 and -1 can
    cancel in b, and a mistake in one of them changes the other only where
    it changes a later prediction, so judged apart, either would hand a
    mistake half a case on some draws only."""
    def draw(n, d):
        X = rng.normal(size=(n, d))
        y = rng.integers(0, 2, size=n).astype(float)
        w = rng.normal(size=d)
        lr = rng.uniform(0.05, 0.5)
        margin = rng.uniform(0.2, 0.8) * lr * (X[0] @ X[0] + 1)  # the first update flips it
        b = -X[0] @ w + (-margin if y[0] == 1 else margin)
        return X, y, w, b, lr

    def shows(case):
        w, b, updates = _epoch(*case)
        return updates < len(case[1]) and all(
            not (np.allclose(w, w_wrong) and np.isclose(b, b_wrong))
            for w_wrong, b_wrong, _updates in (_epoch(*case, mistake=m) for m in EPOCH_MISTAKES))

    return [drawn_until(lambda: draw(n, d), shows) for n, d in [(4, 2), (6, 3), (8, 2), (10, 3)]]


def two_layer_cases(rng):
    """n, d and k all different (a transposed W1 does not fit), biases of
    0.3 to 1.5 in size, redrawn until some row's output changes when either
    layer's bias is dropped, subtracted or added on the wrong side of its
    step or weights, or the hidden layer's step is left out or replaced by
    a sigmoid, a ReLU, a sign or a tanh, and the outputs hold both 0 and
    1."""
    def draw(n, d, k):
        sign = lambda *size: rng.choice([-1, 1], size=size)
        return (rng.normal(size=(n, d)), rng.normal(size=(d, k)),
                sign(k) * rng.uniform(0.3, 1.5, size=k), rng.normal(size=k),
                float(sign() * rng.uniform(0.3, 1.5)))

    def shows(case):
        X, W1, b1, W2, b2 = case
        hidden = step(X @ W1 + b1)
        right = step(hidden @ W2 + b2)
        z = X @ W1 + b1
        wrong = [step(step(X @ W1) @ W2 + b2), step(step(X @ W1 - b1) @ W2 + b2),
                 step(hidden @ W2), step(hidden @ W2 - b2), step(z @ W2 + b2),
                 step(1 / (1 + np.exp(-z)) @ W2 + b2), step(np.maximum(z, 0) @ W2 + b2),
                 step(np.sign(z) @ W2 + b2), step(np.tanh(z) @ W2 + b2),
                 step((hidden + b2) @ W2), step((step(X @ W1) + b1) @ W2 + b2)]
        return _both_outputs(right) and all(_differs(out, right) for out in wrong)

    return [drawn_until(lambda: draw(n, d, k), shows) for n, d, k in [(12, 2, 3), (15, 3, 4), (20, 2, 5)]]


def near_corners(rng):
    """The four corners, then 400 points within 0.2 of a corner."""
    corners = GATE_X[rng.integers(0, 4, size=400)]
    return [(np.vstack([GATE_X, corners + rng.uniform(-0.2, 0.2, size=corners.shape)]),)]


def truth_table(target, forward, shapes, names):
    """A judge for hand-picked weights: the shapes are a gate, and the points
    need every row of the gate's truth table right (computed in the grader
    with the course's step).  Weights that get three rows of four right are
    wrong weights: a constant output already does that for NAND."""

    def judge(args, got: Answer, expected: Answer):
        if not got.ok:
            return error_checks(got)
        wanted = shapes(got)
        shape_check = shapes_are(got, wanted, names)
        if not shape_check.passed:
            return [shape_check]
        out = forward(*as_shapes(got.values, wanted))
        wrong = [i for i in range(len(target)) if out[i] != target[i]]
        rows = [gate(out[i] == target[i],
                     (_("input {row} gives {out}") if out[i] == target[i] else
                      _("input {row} gives {out}, should give {target}")).format(
                         row=GATE_X[i].astype(int).tolist(), out=int(out[i]), target=int(target[i])))
                for i in range(len(target))]
        verdict = Check(not wrong, _("every row of the truth table is right") if not wrong
                        else _("{wrong} of {rows} rows of the truth table are wrong").format(
                            wrong=len(wrong), rows=len(target)))
        return [verdict] + rows

    return judge


def xor_params_shapes(got):
    k = got.values[0].shape[-1] if got.values and got.values[0].ndim == 2 else 2
    return [(2, k), (k,), (k,), ()]


#: Accuracy on the corners and the points near them that earns all the
#: model's points; a straight line can reach at most 75% on XOR, so 75% or
#: less earns nothing.
XOR_ACCURACY_NEEDED = 0.95
XOR_ACCURACY_FLOOR = 0.75


def judge_xor_model(args, got: Answer, expected: Answer):
    X = args[0]
    checks, p = probability_checks(got, len(X))
    if p is None:
        return checks
    labels = np.logical_xor(X[:, 0].round(), X[:, 1].round()).astype(int)
    predicted = (p > 0.5).astype(int)
    corners_right = int((predicted[:4] == labels[:4]).sum())
    checks.append(gate(corners_right == 4, _("{right} of the 4 corners right").format(right=corners_right)))
    accuracy = float((predicted == labels).mean())
    checks.append(accuracy_check(accuracy, floor=XOR_ACCURACY_FLOOR, target=XOR_ACCURACY_NEEDED,
                                 what=_("the {n} corners and points near them").format(n=len(X))))
    return checks


# Tolerances accept the same computations in float32 and reject the mistakes
# the cases expose.
PARTS = [
    # 0 or 1: exact.  Mistakes: z >= 0 at the exact zeros of the edge cases (half
    # the part); a threshold at 1 or -1 fails every case.  Next part: a
    # bias dropped or subtracted (every case has a row where that shows).
    # The notebook tells students to use their step in the parts after it:
    # a wrong step costs its own part only (stand_ins).
    Part("check_step", "step activation", 1, Call("step"),
         same_as_solution(atol=0, rtol=0), step_cases, edge_cases=2, edge_floor=0.5),
    Part("check_perceptron_forward", "perceptron on a batch", 2, Call("perceptron_forward"),
         same_as_solution(atol=0, rtol=0), forward_cases, stand_ins=("step",)),
    # float32: a few updates of size lr * x, about 1e-6.  Mistakes: the
    # learning rate ignored or the wrong sign move weights by more than 0.05.
    # w and b count only together: each update adds lr * (0 or +-1), so a
    # wrong rule often ends with the right b (or w) by chance, on some draws.
    Part("check_perceptron_epoch", "one epoch of the learning rule", 3, Call("perceptron_epoch"),
         same_as_solution(atol=1e-5, rtol=1e-5, names=("w", "b"), reordered_credit=ORDER_CREDIT,
                          together=True), epoch_cases,
         keeps_inputs=True, stand_ins=("step",)),
    Part("check_nand", "NAND weights", 2, Read("nand_w", "nand_b"),
         truth_table(NAND_Y, lambda w, b: step(GATE_X @ w + b),
                     lambda got: [(2,), ()], ["nand_w", "nand_b"])),
    Part("check_two_layer_forward", "two-layer forward pass", 2, Call("two_layer_forward"),
         same_as_solution(atol=0, rtol=0), two_layer_cases, stand_ins=("step",)),
    Part("check_xor_params", "XOR weights", 2, Read("xor_params"),
         truth_table(XOR_Y, lambda W1, b1, W2, b2: step(step(GATE_X @ W1 + b1) @ W2 + b2),
                     xor_params_shapes, ["W1", "b1", "W2", "b2"])),
    Part("check_xor_model", "a trained XOR model", 3, Predict("xor_model"),
         judge_xor_model, near_corners),
]
