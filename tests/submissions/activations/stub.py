"""A submission that only "passes the shape checks" in the Activation
functions exercise: every answer is zeros (or a constant) of the shape the
solution returns, computed from nothing.  tests/submissions/build.py turns
it into the ``stub`` fixture, which must score 0.
"""

STUB = {
    "softmax": '''\
def softmax(Z):
    return np.zeros(np.shape(Z))
''',
    "log_softmax": '''\
def log_softmax(Z):
    return np.zeros(np.shape(Z))
''',
    "tanh_grad": '''\
def tanh_grad(z):
    return np.zeros(np.shape(z))
''',
    "leaky_relu_grad": '''\
def leaky_relu_grad(z, alpha):
    return np.zeros(np.shape(z))
''',
    "dead_units": '''\
def dead_units(X, W, b):
    return np.zeros(np.shape(W)[1])
''',
    "gelu_grad": '''\
def gelu_grad(z):
    return np.zeros(np.shape(z))
''',
}
