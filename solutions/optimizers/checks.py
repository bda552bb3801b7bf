"""Grading checks for the Optimizers exercise (instructors only).

One Part per self-check cell of optimizers.ipynb.  Inputs are drawn at
grading time and every answer is compared with what the solution notebook
returns on the same inputs.  The draws make each of the usual mistakes show
in every case: mini-batch data sizes are never a multiple of the batch size
(a dropped or rounded-down last batch always changes the answer), RMSProp's
eps is large enough that its place matters, and Adam's step numbers are
small, so its bias correction is never close to 1.  Not released to students
(see autograder/config.py).
"""

import numpy as np

from autograder.checks import Call, Part, same_as_solution


def minibatch_cases(rng):
    cases = []
    for n, batch_size in [(7, 3), (10, 4), (13, 5), (11, 2)]:
        x = rng.uniform(-2, 2, size=n)
        y = rng.normal(2, 1) * x + rng.normal(1, 1) + rng.normal(0, 0.3, size=n)
        cases.append((x, y, rng.normal(), rng.normal(), rng.uniform(0.01, 0.2),
                      rng.permutation(n).astype(float), float(batch_size)))
    return cases


def num_updates_cases(rng):
    cases = []
    for _ in range(5):
        batch_size = int(rng.integers(2, 65))
        n = batch_size * int(rng.integers(1, 40)) + int(rng.integers(1, batch_size))
        cases.append((float(n), float(batch_size), float(rng.integers(1, 11))))
    return cases


def momentum_cases(rng):
    return [(rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape),
             rng.uniform(0.01, 0.5), rng.uniform(0.5, 0.99))
            for shape in [(3,), (2, 3), (5,)]]


def rmsprop_cases(rng):
    return [(rng.normal(size=shape), rng.normal(size=shape), rng.uniform(0, 2, size=shape),
             rng.uniform(0.01, 0.5), rng.uniform(0.8, 0.99), rng.uniform(0.01, 0.1))
            for shape in [(3,), (2, 3), (5,)]]


def adam_cases(rng):
    return [(rng.normal(size=shape), rng.normal(size=shape), rng.normal(0, 0.3, size=shape),
             rng.uniform(0, 0.5, size=shape), float(rng.integers(1, 11)),
             rng.uniform(0.001, 0.2), rng.uniform(0.8, 0.95), rng.uniform(0.99, 0.999),
             10.0 ** rng.integers(-8, -5))
            for shape in [(3,), (2, 3), (5,)]]


def trajectory_cases(rng):
    cases = []
    for d, num_steps in [(2, 8), (3, 12), (4, 6)]:
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        A = q @ np.diag(rng.uniform(0.5, 5, size=d)) @ q.T
        A = (A + A.T) / 2
        cases.append((A, rng.normal(size=d), rng.normal(0, 2, size=d),
                      rng.uniform(0.02, 0.2), float(num_steps)))
    return cases


# Tolerances accept the same computations in float32 (measured on these cases,
# float32 against float64: at most 2e-7 absolute) and reject the mistakes the
# cases expose, each of which moves a result by more than 1e-3.
PARTS = [
    # Mistakes: the last batch dropped or rounded down.
    Part("check_minibatch_epoch", "one epoch of mini-batch gradient descent", 3,
         Call("minibatch_epoch"), same_as_solution(atol=1e-5, rtol=1e-4), minibatch_cases),
    # A whole number: exact.
    Part("check_num_updates", "number of updates", 1, Call("num_updates"),
         same_as_solution(atol=0, rtol=0), num_updates_cases),
    # Mistake: the step taken with the old velocity.
    Part("check_momentum_step", "one momentum step", 2, Call("momentum_step"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("w", "velocity")), momentum_cases),
    # Mistake: eps inside the square root (eps is 0.01 to 0.1 here).
    Part("check_rmsprop_step", "one RMSProp step", 2, Call("rmsprop_step"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("w", "sq_avg")), rmsprop_cases),
    # Mistake: no bias correction (steps 1 to 10, so 1 - beta**t is far from 1).
    Part("check_adam_step", "one Adam step with bias correction", 3, Call("adam_step"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("w", "m", "v")), adam_cases),
    # Keras or PyTorch, in float32: Keras' Adam also places eps slightly
    # differently (not bias-corrected), which moves nothing by 1e-5 here.
    # Mistake: gradients not zeroed between steps, off by more than 0.01.
    Part("check_adam_trajectory", "Adam in a framework", 3, Call("adam_trajectory"),
         same_as_solution(atol=1e-4, rtol=1e-4), trajectory_cases),
]
