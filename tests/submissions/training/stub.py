"""A submission that only "passes the shape checks" in the Training a
network exercise: constants and zeros of the right shapes, and a framework
model that is built but never trained.  tests/submissions/build.py turns it
into the ``stub`` fixture, which must score 0.
"""

STUB = {
    "mse_loss": '''\
def mse_loss(X, y, w, b):
    return 0.0
''',
    "mse_gradients": '''\
def mse_gradients(X, y, w, b):
    return np.zeros(np.shape(w)), 0.0
''',
    "minibatch_epoch": '''\
def minibatch_epoch(X, y, w, b, lr, batch_size):
    return np.zeros(np.shape(w)), 0.0
''',
    "count_iterations": '''\
def count_iterations(num_samples, batch_size):
    return 0, 0
''',
    "count_parameters": '''\
def count_parameters(layer_sizes):
    return 0
''',
    "fit_linear": '''\
import torch
from torch import nn

set_seed(0)


def fit_linear(X, y):
    model = nn.Linear(X.shape[1], 1)     # never trained
    return model.weight.detach().numpy().reshape(-1), model.bias.item()
''',
}
