"""Plausible mistakes in the Activation functions exercise, one per fixture.

Each entry replaces answer cells (by grade_id) of an otherwise correct
submission; tests/submissions/build.py turns them into notebooks.  The
grading cases (solutions/activations/checks.py) are built so that each
mistake shows in every case it is meant to catch, whatever the seed: a
formula right on ordinary inputs but not numerically stable (softmax,
log-softmax), or wrong only at the kink z == 0 (leaky ReLU's derivative),
fails the two edge cases only and keeps half of its part.
"""

WRONG = {
    # The formula as written, without the max shift: right on the ordinary
    # cases, nan on the edge cases' rows near +1000 and -1000 (half the part).
    "wrong_softmax_naive": {
        "softmax": '''\
def softmax(Z):
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)
''',
    },
    # A shift by the row's minimum instead of its maximum: exact on the
    # ordinary cases, overflows on the edge cases' row with a gap of ~1000
    # (half the part).
    "wrong_softmax_min_shift": {
        "softmax": '''\
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.min(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''',
    },
    # log of a stable softmax: right on the ordinary cases, -inf where a
    # probability of an edge case underflows to 0 (half the part).
    "wrong_log_softmax_of_softmax": {
        "log_softmax": '''\
def log_softmax(Z):
    return np.log(softmax(Z))
''',
    },
    # Stable, but the sum over the wrong axis: wrong on the ordinary cases
    # too, so the edge cases leave nothing to keep (no points).
    "wrong_log_softmax_wrong_axis": {
        "log_softmax": '''\
def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    shifted = Z - Z.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
''',
    },
    # The square is missing: 1 - tanh(z) instead of 1 - tanh(z)**2.
    "wrong_tanh_grad_no_square": {
        "tanh_grad": '''\
def tanh_grad(z):
    return 1.0 - np.tanh(z)
''',
    },
    # Slope 1 at z = 0 instead of alpha: right on the ordinary cases, wrong
    # on the edge cases, the only ones with exact zeros (half the part).
    "wrong_leaky_relu_grad_at_zero": {
        "leaky_relu_grad": '''\
def leaky_relu_grad(z, alpha):
    return np.where(np.asarray(z) >= 0, 1.0, float(alpha))
''',
    },
    # "Dead" when the unit is 0 on ANY row, instead of on every row.
    "wrong_dead_units_any_row": {
        "dead_units": '''\
def dead_units(X, W, b):
    H = np.maximum(0.0, X @ W + b)
    return (H == 0).any(axis=0).astype(float)
''',
    },
    # "Dead" when the input to ReLU is below 0 on every row: a unit whose
    # output is exactly 0 everywhere (the notebook: it counts as 0) is called
    # alive. Right on the ordinary cases, wrong on the edge case: half.
    "wrong_dead_units_below_zero": {
        "dead_units": '''\
def dead_units(X, W, b):
    return (X @ W + b < 0).all(axis=0).astype(float)
''',
    },
    # The tanh approximation of GELU: close, but off by about 1e-4.
    "wrong_gelu_grad_tanh_approximation": {
        "gelu_grad": '''\
import torch
import torch.nn.functional as F


def gelu_grad(z):
    z = torch.tensor(np.asarray(z, dtype=float), dtype=torch.float64, requires_grad=True)
    F.gelu(z, approximate="tanh").sum().backward()
    return z.grad.numpy()
''',
    },
    # Correct work in TensorFlow instead of PyTorch: full marks.
    "full_marks_keras": {
        "gelu_grad": '''\
import tensorflow as tf


def gelu_grad(z):
    z = tf.Variable(np.asarray(z, dtype=float), dtype=tf.float64)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.nn.gelu(z))
    return tape.gradient(total, z).numpy()
''',
    },
}
