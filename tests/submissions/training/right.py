"""Correct work in the Training a network exercise, written other ways.

Each entry replaces answer cells (by grade_id) of the solution, as a student
who solved the exercise differently would; tests/submissions/build.py turns
them into notebooks.  Every variant is right as the notebook states the task
and must earn full marks.
"""

RIGHT = {
    # NumPy in float32 (the notebook never asks for float64).
    "right_float32": {
        "mse_loss": '''\
def mse_loss(X, y, w, b):
    X, y, w = X.astype(np.float32), y.astype(np.float32), w.astype(np.float32)
    return np.mean((X @ w + np.float32(b) - y) ** 2)
''',
        "mse_gradients": '''\
def mse_gradients(X, y, w, b):
    X, y, w = X.astype(np.float32), y.astype(np.float32), w.astype(np.float32)
    error = X @ w + np.float32(b) - y
    return np.float32(2 / len(y)) * (X.T @ error), np.float32(2 / len(y)) * error.sum()
''',
        "minibatch_epoch": '''\
def minibatch_epoch(X, y, w, b, lr, batch_size):
    w, b = w.astype(np.float32), np.float32(b)
    for start in range(0, len(X), int(batch_size)):
        grad_w, grad_b = mse_gradients(X[start:start + int(batch_size)],
                                       y[start:start + int(batch_size)], w, b)
        w = w - np.float32(lr) * grad_w
        b = b - np.float32(lr) * grad_b
    return w, b
''',
    },
    # PyTorch: the same formulas on tensors, tensors as results, and the
    # framework's own MSE; fit_linear returns its parameters as tensors.
    "right_torch_tensors": {
        "mse_loss": '''\
import torch
import torch.nn.functional as F


def mse_loss(X, y, w, b):
    X, y, w = torch.as_tensor(X), torch.as_tensor(y), torch.as_tensor(w)
    return F.mse_loss(X @ w + b, y)
''',
        "mse_gradients": '''\
import torch


def mse_gradients(X, y, w, b):
    X, y, w = torch.as_tensor(X), torch.as_tensor(y), torch.as_tensor(w)
    error = X @ w + b - y
    return 2 * X.T @ error / len(y), 2 * error.mean()
''',
        "minibatch_epoch": '''\
import torch


def minibatch_epoch(X, y, w, b, lr, batch_size):
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w, b = torch.tensor(w), torch.tensor(b, dtype=torch.float64)   # copies
    for X_batch, y_batch in zip(X.split(int(batch_size)), y.split(int(batch_size))):
        grad_w, grad_b = mse_gradients(X_batch, y_batch, w, b)
        w, b = w - lr * grad_w, b - lr * grad_b
    return w, b
''',
        "fit_linear": '''\
import torch
from torch import nn

set_seed(0)


def fit_linear(X, y):
    X_t = torch.tensor(X, dtype=torch.float32)
    y_t = torch.tensor(y, dtype=torch.float32)[:, None]
    model = nn.Linear(X.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(150):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(X_t), y_t).backward()
        optimizer.step()
    return model.weight.detach()[0], model.bias.detach()[0]
''',
    },
    # Keras instead of PyTorch, computing in float64, the layer's weights
    # read from its variables.
    "right_keras_float64": {
        "fit_linear": '''\
import keras

set_seed(0)


def fit_linear(X, y):
    layer = keras.layers.Dense(1, dtype="float64")
    model = keras.Sequential([keras.Input(shape=(X.shape[1],)), layer])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mean_squared_error")
    model.fit(X, y, epochs=100, batch_size=len(X), verbose=0)
    return np.asarray(layer.kernel)[:, 0], float(np.asarray(layer.bias)[0])
''',
    },
    # Lists where the notebook asks for tuples: [grad_w, grad_b] holds
    # arrays of different shapes, judged value by value like a tuple.
    "right_lists_for_tuples": {
        "mse_gradients": '''\
def mse_gradients(X, y, w, b):
    error = X @ w + b - y
    return [2 / len(y) * (X.T @ error), 2 / len(y) * np.sum(error)]
''',
        "minibatch_epoch": '''\
def minibatch_epoch(X, y, w, b, lr, batch_size):
    w, b, batch_size = np.array(w, dtype=float), float(b), int(batch_size)
    for start in range(0, len(X), batch_size):
        grad_w, grad_b = mse_gradients(X[start:start + batch_size], y[start:start + batch_size], w, b)
        w, b = w - lr * grad_w, b - lr * grad_b
    return [w, b]
''',
    },
    # Python loops over rows and layers, and integer arithmetic for counting.
    "right_loops_integers": {
        "mse_loss": '''\
def mse_loss(X, y, w, b):
    total = 0.0
    for x_i, y_i in zip(X, y):
        total += (x_i @ w + b - y_i) ** 2
    return total / len(y)
''',
        "mse_gradients": '''\
def mse_gradients(X, y, w, b):
    grad_w, grad_b = np.zeros(len(w)), 0.0
    for x_i, y_i in zip(X, y):
        e = x_i @ w + b - y_i
        grad_w += 2 * e * x_i / len(y)
        grad_b += 2 * e / len(y)
    return grad_w, grad_b
''',
        "minibatch_epoch": '''\
def minibatch_epoch(X, y, w, b, lr, batch_size):
    n, size = len(X), int(batch_size)
    start = 0
    while start < n:
        stop = min(start + size, n)
        grad_w, grad_b = mse_gradients(X[start:stop], y[start:stop], w, b)
        w = w - lr * grad_w          # a new array: the caller's w is untouched
        b = b - lr * grad_b
        start = stop
    return w, b
''',
        "count_iterations": '''\
def count_iterations(num_samples, batch_size):
    full, rest = divmod(int(num_samples), int(batch_size))
    if rest == 0:
        return full, int(batch_size)
    return full + 1, rest
''',
        "count_parameters": '''\
def count_parameters(layer_sizes):
    total = 0
    for i in range(len(layer_sizes) - 1):
        n_in, n_out = int(layer_sizes[i]), int(layer_sizes[i + 1])
        total += n_in * n_out + n_out
    return total
''',
    },
    # Library and array formulas: math.ceil, np.int64 arrays, np.mean of the
    # errors for the bias gradient.
    "right_library": {
        "mse_gradients": '''\
def mse_gradients(X, y, w, b):
    error = X @ w + b - y
    return 2 * np.mean(error[:, None] * X, axis=0), 2 * np.mean(error)
''',
        "count_iterations": '''\
import math


def count_iterations(num_samples, batch_size):
    iterations = math.ceil(num_samples / batch_size)
    return iterations, num_samples - (iterations - 1) * batch_size
''',
        "count_parameters": '''\
def count_parameters(layer_sizes):
    sizes = np.asarray(layer_sizes, dtype=np.int64)
    return int(np.sum(sizes[:-1] * sizes[1:] + sizes[1:]))
''',
    },
}
