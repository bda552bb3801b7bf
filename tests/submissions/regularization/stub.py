"""A submission that only "passes the shape checks" in the Overfitting and
regularization exercise: zeros of the right shapes, constant numbers, and a
network of the right shape that was never trained.
tests/submissions/build.py turns it into the ``stub`` fixture, which must
score 0.
"""

STUB = {
    "inverted_dropout": '''\
def inverted_dropout(h, mask, keep_prob):
    return np.zeros(np.shape(h))
''',
    "standardize": '''\
def standardize(X_train, X_test):
    return np.zeros(np.shape(X_train)), np.zeros(np.shape(X_test))
''',
    "one_hot": '''\
def one_hot(labels, k):
    return np.zeros((len(labels), int(k)))
''',
    "kfold_ids": '''\
def kfold_ids(n, k):
    return np.zeros(int(n))
''',
    "l2_loss_and_grads": '''\
def l2_loss_and_grads(X, y, w, b, lam):
    return 0.0, np.zeros(np.shape(w)), 0.0
''',
    "moons_model": '''\
import torch
from torch import nn

set_seed(0)
moons_model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                            nn.Linear(32, 1), nn.Sigmoid())
''',
}
