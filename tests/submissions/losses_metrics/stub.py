"""A submission that only "passes the shape checks" in the Loss functions and
metrics exercise: every answer is a constant or zeros of the shape the
solution returns.  tests/submissions/build.py turns it into the ``stub``
fixture, which must score 0.
"""

STUB = {
    "regression_losses": '''\
def regression_losses(y_true, y_pred):
    return 0.0, 0.0, 0.0
''',
    "binary_cross_entropy": '''\
def binary_cross_entropy(y_true, p):
    return 0.0
''',
    "cross_entropy_from_logits": '''\
def cross_entropy_from_logits(logits, labels):
    return 0.0
''',
    "confusion_matrix": '''\
def confusion_matrix(y_true, y_pred, num_classes):
    return np.zeros((int(num_classes), int(num_classes)))
''',
    "precision_recall_f1": '''\
def precision_recall_f1(y_true, y_pred, positive):
    return 0.0, 0.0, 0.0
''',
    "framework_cross_entropy": '''\
def framework_cross_entropy(logits, labels):
    return 0.0
''',
}
