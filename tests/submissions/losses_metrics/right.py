"""Correct work in the Loss functions and metrics exercise, written other ways.

Each entry replaces answer cells (by grade_id) of the solution, as a student
who solved the exercise differently would; tests/submissions/build.py turns
them into notebooks.  Every variant is right as the notebook states the task
and must earn full marks.
"""

RIGHT = {
    # NumPy in float32 (the notebook never asks for float64); Keras's own
    # float32 cross-entropy for the framework part.  In float32 the clip's
    # upper end 1 - EPS rounds to 1 - 1.19e-7, as in Keras itself.
    "right_float32": {
        "binary_cross_entropy": '''\
def binary_cross_entropy(y_true, p):
    y_true = np.asarray(y_true, dtype=np.float32)
    p = np.clip(np.asarray(p, dtype=np.float32), EPS, 1 - EPS)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
''',
        "regression_losses": '''\
def regression_losses(y_true, y_pred):
    errors = np.asarray(y_true, dtype=np.float32) - np.asarray(y_pred, dtype=np.float32)
    mse = np.mean(errors ** 2)
    return np.mean(np.abs(errors)), mse, np.sqrt(mse)
''',
        "cross_entropy_from_logits": '''\
def cross_entropy_from_logits(logits, labels):
    logits = np.asarray(logits, dtype=np.float32)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels.astype(int)].mean()
''',
        "framework_cross_entropy": '''\
import keras


def framework_cross_entropy(logits, labels):
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return float(loss(labels, logits))
''',
    },
    # Library functions: sklearn.metrics and scipy.special.
    "right_library": {
        "regression_losses": '''\
from sklearn.metrics import mean_absolute_error, mean_squared_error


def regression_losses(y_true, y_pred):
    mse = mean_squared_error(y_true, y_pred)
    return mean_absolute_error(y_true, y_pred), mse, np.sqrt(mse)
''',
        "cross_entropy_from_logits": '''\
from scipy.special import log_softmax as scipy_log_softmax


def cross_entropy_from_logits(logits, labels):
    log_probs = scipy_log_softmax(logits, axis=1)
    return -np.mean(log_probs[np.arange(len(labels)), labels.astype(int)])
''',
        "confusion_matrix": '''\
import sklearn.metrics


def confusion_matrix(y_true, y_pred, num_classes):
    return sklearn.metrics.confusion_matrix(y_true.astype(int), y_pred.astype(int),
                                            labels=list(range(int(num_classes))))
''',
        "precision_recall_f1": '''\
from sklearn.metrics import precision_recall_fscore_support


def precision_recall_f1(y_true, y_pred, positive):
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=[positive],
                                                 average=None, zero_division=0)
    return float(p[0]), float(r[0]), float(f[0])
''',
    },
    # Python loops and integer counts; a nested list for the confusion matrix.
    "right_loops_lists": {
        "regression_losses": '''\
import math


def regression_losses(y_true, y_pred):
    n = len(y_true)
    abs_sum = sq_sum = 0.0
    for t, p in zip(y_true, y_pred):
        abs_sum += abs(t - p)
        sq_sum += (t - p) ** 2
    return abs_sum / n, sq_sum / n, math.sqrt(sq_sum / n)
''',
        "binary_cross_entropy": '''\
import math


def binary_cross_entropy(y_true, p):
    total = 0.0
    for y, q in zip(y_true, p):
        q = min(max(q, EPS), 1 - EPS)
        total += y * math.log(q) + (1 - y) * math.log(1 - q)
    return -total / len(y_true)
''',
        "cross_entropy_from_logits": '''\
import math


def cross_entropy_from_logits(logits, labels):
    total = 0.0
    for row, label in zip(logits, labels):
        m = max(row)
        log_sum = math.log(sum(math.exp(z - m) for z in row))
        total += -((row[int(label)] - m) - log_sum)
    return total / len(labels)
''',
        "confusion_matrix": '''\
def confusion_matrix(y_true, y_pred, num_classes):
    k = int(num_classes)
    matrix = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred):
        matrix[int(t)][int(p)] += 1
    return matrix
''',
        "precision_recall_f1": '''\
def precision_recall_f1(y_true, y_pred, positive):
    tp = fp = fn = 0
    for t, p in zip(y_true, y_pred):
        if p == positive and t == positive:
            tp += 1
        elif p == positive:
            fp += 1
        elif t == positive:
            fn += 1
    precision = tp / (tp + fp) if tp + fp else 0
    recall = tp / (tp + fn) if tp + fn else 0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0
    return precision, recall, f1
''',
    },
    # Integer arithmetic where it is natural: np.bincount, F1 from the counts.
    "right_integer_counts": {
        "confusion_matrix": '''\
def confusion_matrix(y_true, y_pred, num_classes):
    k = int(num_classes)
    codes = y_true.astype(np.int64) * k + y_pred.astype(np.int64)
    return np.bincount(codes, minlength=k * k).reshape(k, k)
''',
        "precision_recall_f1": '''\
def precision_recall_f1(y_true, y_pred, positive):
    t = (y_true == positive).astype(np.int64)
    p = (y_pred == positive).astype(np.int64)
    tp, fp, fn = int(t @ p), int(((1 - t) * p).sum()), int((t * (1 - p)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0   # the same as 2PR / (P + R)
    return precision, recall, f1
''',
    },
    # PyTorch throughout, results left as tensors (float64 where the inputs
    # are float64; F.cross_entropy in float32 as the notebook shows).
    "right_torch_tensors": {
        "regression_losses": '''\
import torch


def regression_losses(y_true, y_pred):
    errors = torch.as_tensor(y_true) - torch.as_tensor(y_pred)
    mse = (errors ** 2).mean()
    return errors.abs().mean(), mse, mse.sqrt()
''',
        "cross_entropy_from_logits": '''\
import torch


def cross_entropy_from_logits(logits, labels):
    logits = torch.as_tensor(logits)
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -log_probs[torch.arange(len(labels)), torch.as_tensor(labels).long()].mean()
''',
        "confusion_matrix": '''\
import torch


def confusion_matrix(y_true, y_pred, num_classes):
    k = int(num_classes)
    codes = torch.as_tensor(y_true).long() * k + torch.as_tensor(y_pred).long()
    return torch.bincount(codes, minlength=k * k).reshape(k, k)
''',
        "framework_cross_entropy": '''\
import torch
import torch.nn.functional as F


def framework_cross_entropy(logits, labels):
    return F.cross_entropy(torch.tensor(logits, dtype=torch.float32),
                           torch.tensor(labels).long())
''',
    },
    # Keras 3's backend-independent ops, result as a TensorFlow tensor.
    "right_keras_ops": {
        "framework_cross_entropy": '''\
import keras


def framework_cross_entropy(logits, labels):
    losses = keras.ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    return keras.ops.mean(losses)
''',
    },
}
