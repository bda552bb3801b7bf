"""Plausible mistakes in the Training a network exercise, one per fixture.

Each entry replaces answer cells (by grade_id) of an otherwise correct
submission; tests/submissions/build.py turns them into notebooks.  Every
mistake shows on every draw of the grader's inputs, so each fixture's score
is the same on every run.
"""

WRONG = {
    # The sum of the squared errors instead of their mean: wrong for every n > 1.
    "wrong_loss_sum_not_mean": {
        "mse_loss": '''\
def mse_loss(X, y, w, b):
    return np.sum((X @ w + b - y) ** 2)
''',
    },
    # grad_w divided by the number of features, not of rows (grad_b right):
    # Part 2 keeps grad_b's half. minibatch_epoch, right, calls it as the
    # notebook says, and is right again with the solution's mse_gradients:
    # it keeps its 3 points (Part.stand_ins).
    "wrong_gradients_by_features": {
        "mse_gradients": '''\
def mse_gradients(X, y, w, b):
    error = X @ w + b - y
    grad_w = 2 / X.shape[1] * (X.T @ error)
    grad_b = 2 / len(y) * np.sum(error)
    return grad_w, grad_b
''',
    },
    # An attack on the carried-forward rule (a reviewer's): answer only when
    # the solution's mse_gradients is in place, to hide an in-place update.
    # Part 2 is right, so asking again counts for nothing: Part 3 scores 0.
    "wrong_epoch_only_with_other_gradients": {
        "minibatch_epoch": '''\
def minibatch_epoch(X, y, w, b, lr, batch_size):
    if mse_gradients.__code__.co_filename != "<string>":
        raise RuntimeError("not now")
    batch_size = int(batch_size)
    for start in range(0, len(X), batch_size):
        grad_w, grad_b = mse_gradients(X[start:start + batch_size], y[start:start + batch_size], w, b)
        w -= lr * grad_w
        b = b - lr * grad_b
    return w, b
''',
    },
    # Loops over the full batches only (n // batch_size), so the smaller last
    # batch is skipped: wrong in the three drawn cases with a remainder, right
    # in the one without.
    "wrong_epoch_skips_last_batch": {
        "minibatch_epoch": '''\
def minibatch_epoch(X, y, w, b, lr, batch_size):
    w = np.array(w, dtype=float)
    b = float(b)
    batch_size = int(batch_size)
    for i in range(len(X) // batch_size):
        X_batch = X[i * batch_size:(i + 1) * batch_size]
        y_batch = y[i * batch_size:(i + 1) * batch_size]
        grad_w, grad_b = mse_gradients(X_batch, y_batch, w, b)
        w = w - lr * grad_w
        b = b - lr * grad_b
    return w, b
''',
    },
    # Rounds the division down: right when the batch size divides the number
    # of samples (two drawn cases), wrong otherwise (three drawn cases).
    "wrong_iterations_round_down": {
        "count_iterations": '''\
def count_iterations(num_samples, batch_size):
    return num_samples // batch_size, batch_size
''',
    },
    # Counts the weights but forgets the biases.
    "wrong_parameters_without_biases": {
        "count_parameters": '''\
def count_parameters(layer_sizes):
    sizes = [int(s) for s in layer_sizes]
    return sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
''',
    },
    # Returns the Keras kernel as it is stored, shape (d, 1), and the bias as
    # shape (1,): right values, wrong shape for w (a quarter of w's credit),
    # except with one input, where (1, 1) holds one number: 2.25 of 3.
    "wrong_fit_linear_kernel_shape_keras": {
        "fit_linear": '''\
import keras

set_seed(0)


def fit_linear(X, y):
    model = keras.Sequential([keras.Input(shape=(X.shape[1],)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(X.astype("float32"), y.astype("float32"), epochs=50, batch_size=len(X), verbose=0)
    kernel, bias = model.layers[0].get_weights()
    return kernel, bias
''',
    },
    # Far too little training (5 small steps): the drawn weights and bias are
    # all at least 1.5 from zero, so the model is still far from them.
    "wrong_fit_linear_too_short": {
        "fit_linear": '''\
import torch
from torch import nn

set_seed(0)


def fit_linear(X, y):
    X_t = torch.tensor(X, dtype=torch.float32)
    y_t = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    model = nn.Linear(X_t.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(5):
        loss = nn.functional.mse_loss(model(X_t), y_t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.weight.detach().numpy().reshape(-1), model.bias.item()
''',
    },
    # Correct work in Keras instead of PyTorch: full marks.
    "full_marks_keras": {
        "fit_linear": '''\
import keras

set_seed(0)


def fit_linear(X, y):
    model = keras.Sequential([keras.Input(shape=(X.shape[1],)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(X.astype("float32"), y.astype("float32"), epochs=50, batch_size=len(X), verbose=0)
    kernel, bias = model.layers[0].get_weights()  # kernel (d, 1), bias (1,)
    return kernel.reshape(-1), float(bias[0])
''',
    },
}
