"""Building blocks written from scratch in NumPy.

The chapters derive each function; these are the reference copies that later
chapters, exercises and tests reuse.
"""

import numpy as np


def step(z):
    """Heaviside step: 1 where ``z > 0``, else 0 (as integers).

    The perceptron's original activation. Introduced in chapter 2
    (Perceptrons and XOR).
    """
    return (np.asarray(z) > 0).astype(int)


def sigmoid(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, computed without overflow.

    Introduced in chapter 2 (Perceptrons and XOR) as the smooth stand-in for
    the step function; studied in chapter 4 (Activation functions). Chapter 2
    writes the formula as it stands, whose ``np.exp(-z)`` overflows (with a
    warning) for z below about -709; this version gives the same values
    without it. A number gives a number, an array an array of the same shape,
    in float64.
    """
    z = np.asarray(z, dtype=float)
    # exp of a large positive number overflows; split by sign so we only ever
    # exponentiate non-positive values.
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out if out.ndim else out[()]  # a number for a number, as np.exp does


def sigmoid_grad(z):
    """Derivative of the sigmoid at ``z``: ``s * (1 - s)`` with ``s = sigmoid(z)``.

    Introduced in chapter 2 (Perceptrons and XOR), to show why a smooth
    activation lets gradient descent train a network where the step cannot.
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def softmax(z, axis=-1):
    """Softmax along ``axis``: ``exp(z) / sum(exp(z))``, computed stably.

    Subtracting each row's maximum first leaves the result unchanged and keeps
    ``np.exp`` from overflowing, so inputs such as ``[1000, 999]`` work.
    Introduced in chapter 4 (Activation functions); the output layer of every
    multi-class classifier (chapter 5) and the attention weights of chapter 9
    use it. Chapters 4 and 9 write the same function for the last axis;
    chapter 5's two-line version takes a 2-D batch and works along axis 1, so
    it refuses a single vector and would normalize the wrong axis of a 3-D
    array, where this one takes any ``axis``.
    """
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
