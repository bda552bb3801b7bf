"""Grading checks for the Optimizers exercise (instructors only).

One Part per self-check cell of optimizers.ipynb.  Inputs are drawn at
grading time and every answer is compared with what the solution notebook
returns on the same inputs.  The draws make each of the usual mistakes show
in every case: mini-batch data sizes leave a last batch of 1 and of more
than 1 example, and once none (n a multiple of the batch size: a loop that
runs one batch too far meets an empty batch), RMSProp's eps is large enough
that its place matters, and Adam's step numbers are small, so its bias
correction is never close to 1.  Every update state is a 2-D array whose
dimensions differ, and every RMSProp and Adam case holds an entry whose
gradient and squared average are exactly 0 (a missing eps divides by zero
there; for Adam, with a momentum that is not 0, an eps of the wrong sign
flips the step) and, for Adam, an entry whose corrected v is below 1 (a
floor division gives 0 there).  Not released to students (see
autograder/config.py).
"""

import numpy as np

from autograder.checks import ORDER_CREDIT, Call, Part, drawn_until, same_as_solution


def minibatch_cases(rng):
    """n % batch_size is 1 three times, 0 once and 3 once: a dropped last
    batch shows in four cases of five.  The permutation never puts the
    examples in the same batches as their own order does (an epoch that
    ignores it would be right there), and the learning rate is at least
    0.05: the order of the updates changes the result by about lr squared,
    which below that can fall within the tolerance."""
    def shuffled(n, batch_size):
        while True:
            perm = rng.permutation(n)
            if any(set(perm[i:i + batch_size]) != set(range(i, min(i + batch_size, n)))
                   for i in range(0, n, batch_size)):
                return perm

    cases = []
    for n, batch_size in [(7, 3), (12, 4), (13, 4), (11, 2), (13, 5)]:
        x = rng.uniform(-2, 2, size=n)
        y = rng.normal(2, 1) * x + rng.normal(1, 1) + rng.normal(0, 0.3, size=n)
        cases.append((x, y, rng.normal(), rng.normal(), rng.uniform(0.05, 0.2),
                      shuffled(n, batch_size).astype(float), float(batch_size)))
    return cases


def num_updates_cases(rng):
    """Four data sizes that leave a smaller last batch (of 1 example twice,
    of more than 1 twice: rounding down always shows) and one that is an
    odd multiple of the batch size, 3 to 39 batches (round(n / b + 0.5),
    which rounds halves to even, is one batch too many there on every draw;
    one batch would make the number of epochs alone right); 2 to 10 epochs
    (never 1).  Of the two larger remainders, one is under half a batch and
    the other above (epochs - 1) / epochs of one, so that rounding to the
    nearest, or counting every epoch's examples as one stream
    (ceil(n * epochs / b)), is right in the same cases on every draw."""
    cases = []
    for remainder in ["one", "one", "low", "high", "none"]:
        epochs = int(rng.integers(2, 11))
        batch_size = int(rng.integers(max(5, epochs + 1), 65))
        times = int(rng.integers(1, 40)) if remainder != "none" else 2 * int(rng.integers(1, 20)) + 1
        n = batch_size * times + {
            "one": 1, "none": 0,
            "low": int(rng.integers(2, (batch_size + 1) // 2)),
            "high": int(rng.integers(batch_size * (epochs - 1) // epochs + 1, batch_size)),
        }[remainder]
        cases.append((float(n), float(batch_size), float(epochs)))
    return cases


SHAPES = [(3, 4), (2, 5), (4, 3)]   # 2-D, unequal dimensions


def momentum_cases(rng):
    return [(rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape),
             rng.uniform(0.01, 0.5), rng.uniform(0.5, 0.99))
            for shape in SHAPES]


def rmsprop_cases(rng):
    """One entry with a gradient and a squared average of exactly 0."""
    cases = []
    for shape in SHAPES:
        g, sq_avg = rng.normal(size=shape), rng.uniform(0, 2, size=shape)
        zero = np.unravel_index(rng.integers(g.size), shape)
        g[zero] = sq_avg[zero] = 0.0
        cases.append((rng.normal(size=shape), g, sq_avg, rng.uniform(0.01, 0.5),
                      rng.uniform(0.8, 0.99), rng.uniform(0.01, 0.1)))
    return cases


def _adam_w(w, g, m, v, t, lr, beta1, beta2, eps, decay=(True, True)):
    """The w of one Adam step; ``decay=(False, True)`` forgets beta1 on m,
    ``(True, False)`` beta2 on v (only to choose cases on which that shows)."""
    m = (beta1 if decay[0] else 1.0) * m + (1 - beta1) * g
    v = (beta2 if decay[1] else 1.0) * v + (1 - beta2) * g**2
    return w - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)


def adam_cases(rng):
    """One entry with a gradient and v of exactly 0 but a momentum m that is
    not 0, and one with a small gradient and v (its corrected v below 1).
    The step t is 2 to 10, never 1, where beta ** t is beta * t and beta:
    bias correction without the power, or without t, would be right there
    and so in some draws' cases only.  The learning rate is 0.05 to 0.2,
    and a case is drawn again until forgetting beta1 on m, or beta2 on v,
    moves w by ten times the tolerance somewhere: a slightly wrong v moves w
    only a little, and w would be right by chance on some draws."""
    def draw(shape):
        g, m = rng.normal(size=shape), rng.normal(0, 0.3, size=shape)
        v = rng.uniform(0, 0.5, size=shape)
        zero, small = (np.unravel_index(i, shape) for i in rng.choice(g.size, 2, replace=False))
        g[zero], v[zero] = 0.0, 0.0
        m[zero] = rng.choice([-1, 1]) * rng.uniform(0.1, 0.5)
        g[small], v[small] = rng.choice([-1, 1]) * rng.uniform(0.01, 0.05), rng.uniform(1e-4, 1e-3)
        return (rng.normal(size=shape), g, m, v, float(rng.integers(2, 11)),
                rng.uniform(0.05, 0.2), rng.uniform(0.8, 0.95), rng.uniform(0.99, 0.999),
                10.0 ** rng.integers(-8, -5))

    def shows(case):
        w = _adam_w(*case)
        return all(np.any(np.abs(_adam_w(*case, decay=decay) - w) > 10 * (1e-5 + 1e-4 * np.abs(w)))
                   for decay in [(False, True), (True, False)])

    return [drawn_until(lambda: draw(shape), shows) for shape in SHAPES]


def _adam_path(A, c, w0, lr, num_steps, quadratic=0.5, linear=1.0):
    """Adam's path (betas 0.9 and 0.999, eps 1e-8) on quadratic * w'Aw -
    linear * c'w: only to choose cases on which a wrong loss shows."""
    w, m, v, path = np.array(w0, dtype=float), 0.0, 0.0, [np.array(w0, dtype=float)]
    for t in range(1, int(num_steps) + 1):
        g = 2 * quadratic * A @ w - linear * c
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
        w = w - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        path.append(w)
    return np.array(path)


def trajectory_cases(rng):
    """A positive definite A, and a case drawn again until a loss without
    its 1/2, with 3/2, or without its linear term moves the path by ten
    times the tolerance: Adam divides each step by the gradient's size, so
    while every gradient keeps its sign, a loss with the wrong scale takes
    nearly the same steps, and such a loss was right on some draws."""
    def draw(d, num_steps):
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        A = q @ np.diag(rng.uniform(0.5, 5, size=d)) @ q.T
        A = (A + A.T) / 2
        return (A, rng.normal(size=d), rng.normal(0, 2, size=d), rng.uniform(0.02, 0.2),
                float(num_steps))

    def shows(case):
        path = _adam_path(*case)
        return all(np.any(np.abs(_adam_path(*case, **wrong) - path) > 10 * (1e-4 + 1e-4 * np.abs(path)))
                   for wrong in [{"quadratic": 1.0}, {"quadratic": 1.5}, {"linear": 0.0}])

    return [drawn_until(lambda: draw(d, num_steps), shows) for d, num_steps in [(2, 8), (3, 12), (4, 6)]]


# Tolerances accept the same computations in float32 (measured on these cases,
# float32 against float64: at most 2e-7 absolute) and reject the mistakes the
# cases expose, each of which moves a result by more than 1e-3.
PARTS = [
    # Mistakes: the last batch dropped or rounded down.  [b, w] for [w, b]
    # keeps half, as in the other assignments' epochs.
    Part("check_minibatch_epoch", "one epoch of mini-batch gradient descent", 3,
         Call("minibatch_epoch"), same_as_solution(atol=1e-5, rtol=1e-4, names=("w", "b"),
                                                   reordered_credit=ORDER_CREDIT),
         minibatch_cases, keeps_inputs=True),
    # A whole number: exact.
    Part("check_num_updates", "number of updates", 1, Call("num_updates"),
         same_as_solution(atol=0, rtol=0), num_updates_cases, keeps_inputs=True),
    # Mistake: the step taken with the old velocity.
    Part("check_momentum_step", "one momentum step", 2, Call("momentum_step"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("w", "velocity"),
                          reordered_credit=ORDER_CREDIT), momentum_cases,
         keeps_inputs=True),
    # Mistake: eps inside the square root (eps is 0.01 to 0.1 here).
    Part("check_rmsprop_step", "one RMSProp step", 2, Call("rmsprop_step"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("w", "sq_avg"),
                          reordered_credit=ORDER_CREDIT), rmsprop_cases,
         keeps_inputs=True),
    # Mistake: no bias correction (steps 1 to 10, so 1 - beta**t is far from 1);
    # eps missing or of the wrong sign (NaN, inf or a flipped step at the
    # zero entry).  float32 computes 1 - beta2**t with up to 6e-5 relative
    # error (beta2 near 1), and the zero entry's step lr * m_hat / eps is
    # about 1e5 to 1e7: at most an eighth of atol + rtol * |w| (measured).
    Part("check_adam_step", "one Adam step with bias correction", 3, Call("adam_step"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("w", "m", "v"),
                          reordered_credit=ORDER_CREDIT), adam_cases,
         keeps_inputs=True),
    # Keras or PyTorch, in float32: Keras' Adam also places eps slightly
    # differently (not bias-corrected), which moves nothing by 1e-5 here.
    # Mistake: gradients not zeroed between steps, off by more than 0.01.
    Part("check_adam_trajectory", "Adam in a framework", 3, Call("adam_trajectory"),
         same_as_solution(atol=1e-4, rtol=1e-4), trajectory_cases,
         keeps_inputs=True),
]
