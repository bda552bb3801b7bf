"""Correct work in the Overfitting and regularization exercise, written
other ways.

Each entry replaces answer cells (by grade_id) of the solution, as a student
who solved the exercise differently would; tests/submissions/build.py turns
them into notebooks.  Every variant is right as the notebook states the task
and must earn full marks.
"""

RIGHT = {
    # NumPy in float32 (the notebook never asks for float64).
    "right_float32": {
        "inverted_dropout": '''\
def inverted_dropout(h, mask, keep_prob):
    return h.astype(np.float32) * mask.astype(np.float32) / np.float32(keep_prob)
''',
        "standardize": '''\
def standardize(X_train, X_test):
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mu) / sigma, (X_test - mu) / sigma
''',
        "one_hot": '''\
def one_hot(labels, k):
    return np.eye(int(k), dtype=np.float32)[labels.astype(int)]
''',
        "l2_loss_and_grads": '''\
def l2_loss_and_grads(X, y, w, b, lam):
    X, y, w = X.astype(np.float32), y.astype(np.float32), w.astype(np.float32)
    b, lam = np.float32(b), np.float32(lam)
    p = sigmoid(X @ w + b)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + lam * np.sum(w * w)
    return loss, X.T @ (p - y) / len(y) + 2 * lam * w, np.mean(p - y)
''',
    },
    # PyTorch: the formulas on tensors (tensors as results), F.one_hot's
    # int64 rows, torch.std with correction=0.
    "right_torch_tensors": {
        "inverted_dropout": '''\
import torch


def inverted_dropout(h, mask, keep_prob):
    return torch.as_tensor(h) * torch.as_tensor(mask) / keep_prob
''',
        "standardize": '''\
import torch


def standardize(X_train, X_test):
    X_train, X_test = torch.as_tensor(X_train), torch.as_tensor(X_test)
    mu, sigma = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
    return (X_train - mu) / sigma, (X_test - mu) / sigma
''',
        "one_hot": '''\
import torch
import torch.nn.functional as F


def one_hot(labels, k):
    return F.one_hot(torch.as_tensor(labels).long(), num_classes=int(k))
''',
        "kfold_ids": '''\
import torch


def kfold_ids(n, k):
    chunks = torch.arange(int(n)).tensor_split(int(k))
    return torch.cat([torch.full((len(c),), fold) for fold, c in enumerate(chunks)])
''',
        "l2_loss_and_grads": '''\
import torch


def l2_loss_and_grads(X, y, w, b, lam):
    X, y, w = torch.as_tensor(X), torch.as_tensor(y), torch.as_tensor(w)
    p = torch.sigmoid(X @ w + b)
    loss = torch.nn.functional.binary_cross_entropy(p, y) + lam * (w ** 2).sum()
    return loss, X.T @ (p - y) / len(y) + 2 * lam * w, (p - y).mean()
''',
    },
    # Library functions: scikit-learn's StandardScaler and KFold, Keras's
    # to_categorical, and a Keras model with dropout and early stopping.
    "right_library_keras": {
        "standardize": '''\
from sklearn.preprocessing import StandardScaler


def standardize(X_train, X_test):
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)
''',
        "one_hot": '''\
import keras


def one_hot(labels, k):
    return keras.utils.to_categorical(labels, num_classes=int(k))
''',
        "kfold_ids": '''\
from sklearn.model_selection import KFold


def kfold_ids(n, k):
    ids = np.zeros(int(n), dtype=int)
    for fold, (_, test_index) in enumerate(KFold(n_splits=int(k)).split(np.zeros(int(n)))):
        ids[test_index] = fold
    return ids
''',
        "moons_model": '''\
import keras

set_seed(0)
moons_model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
moons_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                    metrics=["accuracy"])
stop = keras.callbacks.EarlyStopping(patience=20, restore_best_weights=True)
history = moons_model.fit(X_moons, y_moons, validation_split=0.2, epochs=200,
                          batch_size=16, callbacks=[stop], verbose=0)
print("best validation accuracy:", max(history.history["val_accuracy"]))
''',
    },
    # Loops and integer arithmetic: fold sizes by hand, one-hot rows of ints,
    # the loss and gradients one example at a time with a stable log-sigmoid.
    "right_loops_integers": {
        "inverted_dropout": '''\
def inverted_dropout(h, mask, keep_prob):
    out = np.zeros_like(h)
    for i in np.ndindex(h.shape):
        if mask[i] == 1:
            out[i] = h[i] / keep_prob
    return out
''',
        "one_hot": '''\
def one_hot(labels, k):
    rows = []
    for label in labels:
        row = [0] * int(k)
        row[int(label)] = 1
        rows.append(row)
    return np.array(rows)
''',
        "kfold_ids": '''\
def kfold_ids(n, k):
    n, k = int(n), int(k)
    ids = []
    for fold in range(k):
        size = n // k + (1 if fold < n % k else 0)
        ids += [fold] * size
    return np.array(ids)
''',
        "l2_loss_and_grads": '''\
import math


def l2_loss_and_grads(X, y, w, b, lam):
    n, d = X.shape
    loss, grad_w, grad_b = 0.0, np.zeros(d), 0.0
    for x_i, y_i in zip(X, y):
        z = float(x_i @ w + b)
        p = 1 / (1 + math.exp(-z))
        # -log p = log(1 + e^-z) and -log(1 - p) = log(1 + e^z), computed stably
        loss += (y_i * math.log1p(math.exp(-z)) if z > -30 else -y_i * z) / n
        loss += ((1 - y_i) * math.log1p(math.exp(z)) if z < 30 else (1 - y_i) * z) / n
        grad_w += (p - y_i) * x_i / n
        grad_b += (p - y_i) / n
    loss += lam * sum(w_j ** 2 for w_j in w)
    return loss, grad_w + 2 * lam * w, grad_b
''',
    },
}
