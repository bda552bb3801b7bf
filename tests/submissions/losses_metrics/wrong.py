"""Plausible mistakes in the Loss functions and metrics exercise, one per fixture.

Each entry replaces answer cells (by grade_id) of an otherwise correct
submission; tests/submissions/build.py turns them into notebooks.  The
graded inputs always contain the case each mistake gets wrong (see
solutions/losses_metrics/checks.py), so every fixture's score is the same on
every run.
"""

WRONG = {
    # The square root taken before averaging: "RMSE" becomes the MAE.
    "wrong_rmse_is_mae": {
        "regression_losses": '''\
def regression_losses(y_true, y_pred):
    errors = y_true - y_pred
    mae = np.mean(np.abs(errors))
    mse = np.mean(errors ** 2)
    rmse = np.mean(np.sqrt(errors ** 2))
    return mae, mse, rmse
''',
    },
    # No clipping: exact 0s and 1s give NaN or infinity (every drawn case has them).
    "wrong_bce_no_clipping": {
        "binary_cross_entropy": '''\
def binary_cross_entropy(y_true, p):
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
''',
    },
    # Softmax without subtracting the maximum: a logit in the hundreds overflows.
    "wrong_ce_naive_softmax": {
        "cross_entropy_from_logits": '''\
def cross_entropy_from_logits(logits, labels):
    probs = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels.astype(int)]))
''',
    },
    # The batch's largest logit taken out instead of each row's: right on
    # ordinary logits, but beside a row with a logit in the hundreds the
    # other rows' exps are all 0 (the edge cases: half the part).
    "wrong_ce_batch_max": {
        "cross_entropy_from_logits": '''\
def cross_entropy_from_logits(logits, labels):
    exps = np.exp(logits - logits.max())
    probs = exps / exps.sum(axis=1, keepdims=True)
    return -np.mean(np.log(probs[np.arange(len(labels)), labels.astype(int)]))
''',
    },
    # Rows and columns swapped: row = predicted class.
    "wrong_confusion_transposed": {
        "confusion_matrix": '''\
def confusion_matrix(y_true, y_pred, num_classes):
    k = int(num_classes)
    matrix = np.zeros((k, k), dtype=int)
    for t, p in zip(y_true.astype(int), y_pred.astype(int)):
        matrix[p, t] += 1
    return matrix
''',
    },
    # Sized by the largest label instead of num_classes: the wrong shape in
    # the case where the last class is in neither array (1 case of 4).
    "wrong_confusion_sized_by_labels": {
        "confusion_matrix": '''\
def confusion_matrix(y_true, y_pred, num_classes):
    t, p = y_true.astype(int), y_pred.astype(int)
    k = max(t.max(), p.max()) + 1
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (t, p), 1)
    return matrix
''',
    },
    # Plain division: NaN instead of 0 when a denominator is 0.
    "wrong_prf_nan_when_undefined": {
        "precision_recall_f1": '''\
def precision_recall_f1(y_true, y_pred, positive):
    tp = np.sum((y_pred == positive) & (y_true == positive))
    fp = np.sum((y_pred == positive) & (y_true != positive))
    fn = np.sum((y_pred != positive) & (y_true == positive))
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1
''',
    },
    # A softmax before F.cross_entropy, which applies its own log-softmax.
    "wrong_softmax_before_cross_entropy": {
        "framework_cross_entropy": '''\
import torch
import torch.nn.functional as F


def framework_cross_entropy(logits, labels):
    probs = torch.softmax(torch.tensor(logits, dtype=torch.float32), dim=1)
    return F.cross_entropy(probs, torch.tensor(labels).long()).item()
''',
    },
    # Correct work in Keras instead of PyTorch: full marks.
    "full_marks_keras": {
        "framework_cross_entropy": '''\
import keras


def framework_cross_entropy(logits, labels):
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return float(loss_fn(labels, logits))
''',
    },
}
