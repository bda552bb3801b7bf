"""Plausible mistakes in the Tensors and frameworks exercise, one per fixture.

Each entry replaces answer cells (by grade_id) of an otherwise correct
submission; tests/submissions/build.py turns them into notebooks.  Every
mistake shows on every drawn case (or, for the broadcasting rule, on the two
cases that are always incompatible), so the scores do not depend on the seed.
"""

WRONG = {
    # The sample standard deviation (divides by n - 1, as pandas does): every
    # value is off by the factor sqrt((n - 1) / n).
    "wrong_std_sample": {
        "standardize_columns": '''\
def standardize_columns(X):
    return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
''',
    },
    # Euclidean distances instead of squared ones: right shape, wrong values.
    "wrong_distances_not_squared": {
        "pairwise_sq_distances": '''\
def pairwise_sq_distances(A, B):
    diff = A[:, None, :] - B[None, :, :]
    return np.sqrt((diff ** 2).sum(axis=-1))
''',
    },
    # reshape instead of transpose: the right shape, the pixels in the wrong places.
    "wrong_channels_reshape": {
        "to_channels_first": '''\
def to_channels_first(images):
    n, h, w, c = images.shape
    return images.reshape(n, c, h, w)
''',
    },
    # Never reports incompatible shapes: takes the larger length instead.
    # Wrong exactly on the two incompatible cases of every draw.
    "wrong_broadcast_no_check": {
        "broadcast_shape": '''\
def broadcast_shape(shape_a, shape_b):
    a = [int(n) for n in shape_a]
    b = [int(n) for n in shape_b]
    rank = max(len(a), len(b))
    a = [1] * (rank - len(a)) + a
    b = [1] * (rank - len(b)) + b
    return np.array([max(m, n) for m, n in zip(a, b)])
''',
    },
    # A forward difference: off by about h/2 times the curvature, which this
    # loss keeps above 2 in every coordinate.
    "wrong_forward_difference": {
        "numerical_gradient": '''\
def numerical_gradient(w, h):
    w = np.asarray(w, dtype=float)
    grad = np.zeros_like(w)
    for i in range(w.size):
        step = np.zeros_like(w)
        step[i] = h
        grad[i] = (quartic_loss(w + step) - quartic_loss(w)) / h
    return grad
''',
    },
    # Right central differences, computed in float32 (which the part says not
    # to use): right with the large steps, lost with the tiny ones of the
    # edge cases, which test precision: half the part.
    "wrong_gradient_float32": {
        "numerical_gradient": '''\
def numerical_gradient(w, h):
    w = np.asarray(w, dtype=np.float32)
    h = np.float32(h)
    grad = np.zeros_like(w)
    for i in range(w.size):
        step = np.zeros_like(w)
        step[i] = h
        grad[i] = (quartic_loss(w + step) - quartic_loss(w - step)) / (2 * h)
    return grad
''',
    },
    # Right values as a (3, 1) column: a quarter of the part, once (not again
    # for the edge cases).
    "wrong_gradient_column": {
        "numerical_gradient": '''\
def numerical_gradient(w, h):
    w = np.asarray(w, dtype=float)
    grad = np.zeros((w.size, 1))
    for i in range(w.size):
        step = np.zeros_like(w)
        step[i] = h
        grad[i, 0] = (quartic_loss(w + step) - quartic_loss(w - step)) / (2 * h)
    return grad
''',
    },
    # Differentiates the mean over the points: every gradient divided by n.
    "wrong_grad_of_mean": {
        "autodiff_gradient": '''\
import torch

set_seed(0)


def autodiff_gradient(X):
    points = torch.tensor(X, dtype=torch.float32, requires_grad=True)
    x1, x2 = points[:, 0], points[:, 1]
    values = x1**2 * x2 + torch.sin(x1) * torch.exp(-x2 / 2)
    values.mean().backward()
    return points.grad.numpy()
''',
    },
    # A full-width space (U+3000, a slip of a Korean keyboard's input method)
    # in the indentation: the answer cell stops with a SyntaxError before it
    # defines anything, and the part says so instead of "not defined".
    "wrong_fullwidth_space": {
        "standardize_columns": '''\
def standardize_columns(X):
\u3000   return (X - X.mean(axis=0)) / X.std(axis=0)
''',
    },
    # Correct work with TensorFlow's GradientTape instead of PyTorch: full marks.
    "full_marks_keras": {
        "autodiff_gradient": '''\
import tensorflow as tf

set_seed(0)


def autodiff_gradient(X):
    points = tf.Variable(X, dtype=tf.float32)
    with tf.GradientTape() as tape:
        x1, x2 = points[:, 0], points[:, 1]
        values = x1**2 * x2 + tf.sin(x1) * tf.exp(-x2 / 2)
        total = tf.reduce_sum(values)
    return tape.gradient(total, points).numpy()
''',
    },
}
