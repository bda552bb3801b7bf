"""Correct work in the Activation functions exercise, written other ways.

Each entry replaces answer cells (by grade_id) of the solution, as a student
who solved the exercise differently would; tests/submissions/build.py turns
them into notebooks.  Every variant is right as the notebook states the task
and must earn full marks.
"""

RIGHT = {
    # NumPy in float32 (the notebook never asks for float64).
    "right_float32": {
        "softmax": '''\
def softmax(Z):
    Z = np.asarray(Z, dtype=np.float32)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''',
        "log_softmax": '''\
def log_softmax(Z):
    Z = np.asarray(Z, dtype=np.float32)
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
''',
        "tanh_grad": '''\
def tanh_grad(z):
    t = np.tanh(np.asarray(z, dtype=np.float32))
    return 1 - t * t
''',
        "leaky_relu_grad": '''\
def leaky_relu_grad(z, alpha):
    return np.where(np.asarray(z) > 0, np.float32(1), np.float32(alpha))
''',
    },
    # Plain Python lists instead of arrays (.tolist() on every result).
    "right_lists": {
        "softmax": '''\
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).tolist()
''',
        "log_softmax": '''\
def log_softmax(Z):
    Z = np.asarray(Z, dtype=float)
    shifted = Z - Z.max(axis=1, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))).tolist()
''',
        "tanh_grad": '''\
def tanh_grad(z):
    return (1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2).tolist()
''',
        "leaky_relu_grad": '''\
def leaky_relu_grad(z, alpha):
    return np.where(np.asarray(z) > 0, 1.0, alpha).tolist()
''',
        "dead_units": '''\
def dead_units(X, W, b):
    H = np.maximum(0.0, X @ W + b)
    return [bool(np.all(H[:, j] == 0)) for j in range(H.shape[1])]
''',
        "gelu_grad": '''\
import torch
import torch.nn.functional as F


def gelu_grad(z):
    z = torch.tensor(np.asarray(z, dtype=float), dtype=torch.float64, requires_grad=True)
    F.gelu(z).sum().backward()
    return z.grad.tolist()
''',
    },
    # Python loops over rows and elements instead of vectorised NumPy.
    "right_loops": {
        "softmax": '''\
import math


def softmax(Z):
    out = np.zeros(np.shape(Z))
    for i, row in enumerate(Z):
        m = max(row)
        exps = [math.exp(z - m) for z in row]
        total = sum(exps)
        for j, e in enumerate(exps):
            out[i, j] = e / total
    return out
''',
        "log_softmax": '''\
import math


def log_softmax(Z):
    out = np.zeros(np.shape(Z))
    for i, row in enumerate(Z):
        m = max(row)
        log_total = math.log(sum(math.exp(z - m) for z in row))
        for j, z in enumerate(row):
            out[i, j] = (z - m) - log_total
    return out
''',
        "tanh_grad": '''\
import math


def tanh_grad(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index in np.ndindex(z.shape):
        out[index] = 1 - math.tanh(z[index]) ** 2
    return out
''',
        "leaky_relu_grad": '''\
def leaky_relu_grad(z, alpha):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index in np.ndindex(z.shape):
        out[index] = 1.0 if z[index] > 0 else alpha
    return out
''',
        "dead_units": '''\
def dead_units(X, W, b):
    n, k = X.shape[0], W.shape[1]
    dead = np.zeros(k)
    for j in range(k):
        alive = False
        for i in range(n):
            if max(0.0, X[i] @ W[:, j] + b[j]) > 0:
                alive = True
        dead[j] = 0.0 if alive else 1.0
    return dead
''',
    },
    # Other correct formulas: 1/cosh^2, boolean arithmetic, a boolean result,
    # log-sum-exp written with the maximum added back.
    "right_other_formulas": {
        "softmax": '''\
def softmax(Z):
    shifted = Z - np.max(Z, axis=1)[:, np.newaxis]
    return np.exp(shifted - np.log(np.sum(np.exp(shifted), axis=1))[:, np.newaxis])
''',
        "log_softmax": '''\
def log_softmax(Z):
    m = Z.max(axis=1, keepdims=True)
    logsumexp = m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
    return Z - logsumexp
''',
        "tanh_grad": '''\
def tanh_grad(z):
    return 1.0 / np.cosh(z) ** 2
''',
        "leaky_relu_grad": '''\
def leaky_relu_grad(z, alpha):
    return (z > 0) * 1.0 + (z <= 0) * alpha
''',
        "dead_units": '''\
def dead_units(X, W, b):
    return ~np.any(X @ W + b > 0, axis=0)   # a boolean array is fine too
''',
    },
    # Results as PyTorch tensors: the NumPy parts computed with torch ops
    # (float64, as the inputs come), GELU's gradient returned without .numpy().
    "right_torch_tensors": {
        "softmax": '''\
import torch


def softmax(Z):
    Z = torch.as_tensor(Z)
    e = torch.exp(Z - Z.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)
''',
        "log_softmax": '''\
import torch


def log_softmax(Z):
    Z = torch.as_tensor(Z)
    shifted = Z - Z.max(dim=1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
''',
        "tanh_grad": '''\
import torch


def tanh_grad(z):
    return 1 - torch.tanh(torch.as_tensor(z)) ** 2
''',
        "gelu_grad": '''\
import torch
import torch.nn.functional as F


def gelu_grad(z):
    z = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(F.gelu(z).sum(), z)
    return grad
''',
    },
    # TensorFlow tensors: GELU's gradient in Keras 3's ops, returned as a tensor.
    "right_tf_tensors": {
        "gelu_grad": '''\
import tensorflow as tf


def gelu_grad(z):
    z = tf.Variable(z, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.gelu(z, approximate=False))
    return tape.gradient(y, z)
''',
        "dead_units": '''\
import tensorflow as tf


def dead_units(X, W, b):
    H = tf.nn.relu(tf.matmul(X, W) + b)
    return tf.cast(tf.reduce_all(H == 0, axis=0), tf.float64)
''',
    },
}
