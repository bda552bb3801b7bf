"""Correct work in the Tensors and frameworks exercise, written other ways.

Each entry replaces answer cells (by grade_id) of the solution, as a student
who solved the exercise differently would; tests/submissions/build.py turns
them into notebooks.  Every variant is right as the notebook states the task
and must earn full marks.
"""

RIGHT = {
    # NumPy in float32 (the notebook never asks for float64).  Not the central
    # differences: in float32 they are off by about 1e-3, and the public
    # self-check rejects that.
    "right_float32": {
        "standardize_columns": '''\
def standardize_columns(X):
    X = X.astype(np.float32)
    return (X - X.mean(axis=0)) / X.std(axis=0)
''',
        "pairwise_sq_distances": '''\
def pairwise_sq_distances(A, B):
    diff = A.astype(np.float32)[:, None, :] - B.astype(np.float32)[None, :, :]
    return np.sum(diff * diff, axis=2)
''',
        "to_channels_first": '''\
def to_channels_first(images):
    return np.transpose(images.astype(np.float32), (0, 3, 1, 2))
''',
    },
    # PyTorch: tensors as results wherever the notebook allows (torch.std with
    # correction=0, permute, autograd's gradient without .numpy()).
    "right_torch_tensors": {
        "standardize_columns": '''\
import torch


def standardize_columns(X):
    X = torch.as_tensor(X)
    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)
''',
        "pairwise_sq_distances": '''\
import torch


def pairwise_sq_distances(A, B):
    A, B = torch.as_tensor(A), torch.as_tensor(B)
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(dim=-1)
''',
        "to_channels_first": '''\
import torch


def to_channels_first(images):
    return torch.as_tensor(images).permute(0, 3, 1, 2)
''',
        "autodiff_gradient": '''\
import torch

set_seed(0)


def f(x1, x2):
    return x1 ** 2 * x2 + torch.sin(x1) * torch.exp(-x2 / 2)


def autodiff_gradient(X):
    points = torch.tensor(X, requires_grad=True)     # float64, as X comes
    f(points[:, 0], points[:, 1]).sum().backward()
    return points.grad
''',
    },
    # TensorFlow instead of PyTorch: tf.GradientTape in float32, tf ops for
    # the array parts (tensors as results).
    "right_tensorflow": {
        "standardize_columns": '''\
import tensorflow as tf


def standardize_columns(X):
    X = tf.constant(X)
    return (X - tf.reduce_mean(X, axis=0)) / tf.math.reduce_std(X, axis=0)
''',
        "to_channels_first": '''\
import tensorflow as tf


def to_channels_first(images):
    return tf.transpose(images, perm=[0, 3, 1, 2])
''',
        "autodiff_gradient": '''\
import tensorflow as tf

set_seed(0)


def autodiff_gradient(X):
    points = tf.Variable(X, dtype=tf.float32)
    with tf.GradientTape() as tape:
        x1, x2 = points[:, 0], points[:, 1]
        total = tf.reduce_sum(x1 ** 2 * x2 + tf.sin(x1) * tf.exp(-x2 / 2))
    return tape.gradient(total, points).numpy()
''',
    },
    # Other correct formulas: the variance by hand, |a|^2 + |b|^2 - 2 a.b,
    # np.moveaxis, zip_longest over reversed shapes, steps from np.eye.
    "right_other_formulas": {
        "standardize_columns": '''\
def standardize_columns(X):
    centred = X - np.mean(X, axis=0, keepdims=True)
    return centred / np.sqrt(np.mean(centred ** 2, axis=0, keepdims=True))
''',
        "pairwise_sq_distances": '''\
def pairwise_sq_distances(A, B):
    return (A ** 2).sum(axis=1)[:, None] + (B ** 2).sum(axis=1)[None, :] - 2 * A @ B.T
''',
        "to_channels_first": '''\
def to_channels_first(images):
    return np.moveaxis(images, -1, 1)
''',
        "broadcast_shape": '''\
from itertools import zip_longest


def broadcast_shape(shape_a, shape_b):
    result = []
    for m, n in zip_longest(reversed(shape_a.astype(int).tolist()),
                            reversed(shape_b.astype(int).tolist()), fillvalue=1):
        if m != n and 1 not in (m, n):
            return np.array([-1])
        result.append(max(m, n))
    return np.array(result[::-1], dtype=int)
''',
        "numerical_gradient": '''\
def numerical_gradient(w, h):
    steps = h * np.eye(len(w))
    return np.array([(quartic_loss(w + e) - quartic_loss(w - e)) / (2 * h) for e in steps])
''',
    },
    # Library functions: scipy's distances and z-scores, einsum.
    "right_library": {
        "standardize_columns": '''\
from scipy.stats import zscore


def standardize_columns(X):
    return zscore(X, axis=0)          # ddof=0 by default
''',
        "pairwise_sq_distances": '''\
from scipy.spatial.distance import cdist


def pairwise_sq_distances(A, B):
    return cdist(A, B, metric="sqeuclidean")
''',
        "to_channels_first": '''\
def to_channels_first(images):
    return np.einsum("nhwc->nchw", images)
''',
    },
}
