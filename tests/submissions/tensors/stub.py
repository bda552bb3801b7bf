"""A submission that only "passes the shape checks" in the Tensors and
frameworks exercise: every answer is zeros (or a constant) of the shape the
solution returns.  tests/submissions/build.py turns it into the ``stub``
fixture, which must score 0.
"""

STUB = {
    "standardize_columns": '''\
def standardize_columns(X):
    return np.zeros(np.shape(X))
''',
    "pairwise_sq_distances": '''\
def pairwise_sq_distances(A, B):
    return np.zeros((len(A), len(B)))
''',
    "to_channels_first": '''\
def to_channels_first(images):
    n, h, w, c = np.shape(images)
    return np.zeros((n, c, h, w))
''',
    "broadcast_shape": '''\
def broadcast_shape(shape_a, shape_b):
    return np.zeros(max(len(shape_a), len(shape_b)), dtype=int)
''',
    "numerical_gradient": '''\
def numerical_gradient(w, h):
    return np.zeros(3)
''',
    "autodiff_gradient": '''\
def autodiff_gradient(X):
    return np.zeros(np.shape(X))
''',
}
