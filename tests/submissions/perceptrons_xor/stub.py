"""A submission that only "passes the shape checks" in the Perceptrons and
XOR exercise: zeros of the right shapes, weights that are all zero, and a
network of the right shape that was never trained.
tests/submissions/build.py turns it into the ``stub`` fixture, which must
score 0.
"""

STUB = {
    "step": '''\
def step(z):
    return np.zeros(np.shape(z))
''',
    "perceptron_forward": '''\
def perceptron_forward(X, w, b):
    return np.zeros(len(X))
''',
    "perceptron_epoch": '''\
def perceptron_epoch(X, y, w, b, lr):
    return np.zeros(np.shape(w)), 0.0
''',
    "nand": '''\
nand_w = np.zeros(2)
nand_b = 0.0
''',
    "two_layer_forward": '''\
def two_layer_forward(X, W1, b1, W2, b2):
    return np.zeros(len(X))
''',
    "xor_params": '''\
xor_params = (np.zeros((2, 2)), np.zeros(2), np.zeros(2), 0.0)
''',
    "xor_model": '''\
import torch
from torch import nn

set_seed(0)
xor_model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())
''',
}
