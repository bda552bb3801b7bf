"""Grading checks for the Perceptrons and XOR exercise (instructors only).

One Part per self-check cell of perceptrons_xor.ipynb.  Inputs are drawn at
grading time; functions are compared with what the solution notebook returns
on the same inputs, and hand-picked weights and the trained model are judged
on the truth tables.  Not released to students (see autograder/config.py).
"""

import numpy as np

from autograder.checks import (Answer, Call, Check, Part, Predict, Read, error_checks,
                               probability_checks, same_as_solution, shapes_are)
from dlcourse import logic_gate, step

GATE_X, XOR_Y = logic_gate("xor")
_, NAND_Y = logic_gate("nand")


def step_cases(rng):
    cases = []
    for shape in [(7,), (3, 4), (2, 3, 2)]:
        z = rng.normal(size=shape)
        z.flat[rng.choice(z.size, size=2, replace=False)] = 0.0  # the edge case
        cases.append((z,))
    return cases


def forward_cases(rng):
    return [(rng.normal(size=(n, d)), rng.normal(size=d), rng.normal())
            for n, d in [(5, 2), (8, 3), (12, 4)]]


def epoch_cases(rng):
    """Random data where the first row is always misclassified, so every case
    makes at least one update."""
    cases = []
    for n, d in [(4, 2), (6, 3), (8, 2), (10, 3)]:
        X = rng.normal(size=(n, d))
        y = rng.integers(0, 2, size=n).astype(float)
        w = rng.normal(size=d)
        margin = rng.uniform(0.5, 1.5)
        b = -X[0] @ w + (-margin if y[0] == 1 else margin)
        cases.append((X, y, w, b, rng.uniform(0.05, 0.5)))
    return cases


def two_layer_cases(rng):
    return [(rng.normal(size=(n, d)), rng.normal(size=(d, k)), rng.normal(size=k),
             rng.normal(size=k), rng.normal())
            for n, d, k in [(6, 2, 2), (9, 3, 4), (12, 2, 5)]]


def near_corners(rng):
    """The four corners, then 60 points within 0.2 of a corner."""
    corners = GATE_X[rng.integers(0, 4, size=60)]
    return [(np.vstack([GATE_X, corners + rng.uniform(-0.2, 0.2, size=corners.shape)]),)]


def truth_table(target, forward, shapes, names):
    """A judge for hand-picked weights: right shapes, then each row of the
    gate's truth table computed in the grader with the course's step."""

    def judge(args, got: Answer, expected: Answer):
        if not got.ok:
            return error_checks(got, 1 + len(target))
        shape_check = shapes_are(got, shapes(got), names)
        if not shape_check.passed:
            return [shape_check] + [Check(False, "(not evaluated: shapes are wrong)")] * len(target)
        out = forward(*got.values)
        rows = [Check(bool(out[i] == target[i]),
                      f"input {GATE_X[i].astype(int).tolist()} gives {int(out[i])}"
                      + ("" if out[i] == target[i] else f", should give {int(target[i])}"))
                for i in range(len(target))]
        return [shape_check] + rows

    return judge


def xor_params_shapes(got):
    k = got.values[0].shape[-1] if got.values and got.values[0].ndim == 2 else 2
    return [(2, k), (k,), (k,), ()]


def judge_xor_model(args, got: Answer, expected: Answer):
    X = args[0]
    checks, p = probability_checks(got, len(X), later=2)
    if p is None:
        return checks
    labels = np.logical_xor(X[:, 0].round(), X[:, 1].round()).astype(int)
    predicted = (p > 0.5).astype(int)
    corners_right = int((predicted[:4] == labels[:4]).sum())
    checks.append(Check(corners_right == 4, f"{corners_right} of the 4 corners right"))
    near = float((predicted[4:] == labels[4:]).mean())
    checks.append(Check(near >= 0.95, f"{near:.0%} of the points near the corners right "
                        "(95% needed)"))
    return checks


PARTS = [
    Part("check_step", "step activation", 1, Call("step"),
         same_as_solution(atol=0), step_cases),
    Part("check_perceptron_forward", "perceptron on a batch", 2, Call("perceptron_forward"),
         same_as_solution(atol=0), forward_cases),
    Part("check_perceptron_epoch", "one epoch of the learning rule", 3, Call("perceptron_epoch"),
         same_as_solution(atol=1e-9, rtol=1e-9), epoch_cases),
    Part("check_nand", "NAND weights", 2, Read("nand_w", "nand_b"),
         truth_table(NAND_Y, lambda w, b: step(GATE_X @ w + b),
                     lambda got: [(2,), ()], ["nand_w", "nand_b"])),
    Part("check_two_layer_forward", "two-layer forward pass", 2, Call("two_layer_forward"),
         same_as_solution(atol=0), two_layer_cases),
    Part("check_xor_params", "XOR weights", 2, Read("xor_params"),
         truth_table(XOR_Y, lambda W1, b1, W2, b2: step(step(GATE_X @ W1 + b1) @ W2 + b2),
                     xor_params_shapes, ["W1", "b1", "W2", "b2"])),
    Part("check_xor_model", "a trained XOR model", 3, Predict("xor_model"),
         judge_xor_model, near_corners),
]
