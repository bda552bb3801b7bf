"""A submission that only "passes the shape checks" in the Optimizers
exercise: every answer is zeros (or a constant) of the shape the solution
returns, and no optimizer is ever run.  tests/submissions/build.py turns it
into the ``stub`` fixture, which must score 0.
"""

STUB = {
    "minibatch_epoch": '''\
def minibatch_epoch(x, y, w, b, lr, perm, batch_size):
    return np.zeros(2)
''',
    "num_updates": '''\
def num_updates(n, batch_size, num_epochs):
    return 0
''',
    "momentum_step": '''\
def momentum_step(w, g, velocity, lr, mu):
    return np.zeros(np.shape(w)), np.zeros(np.shape(w))
''',
    "rmsprop_step": '''\
def rmsprop_step(w, g, sq_avg, lr, rho, eps):
    return np.zeros(np.shape(w)), np.zeros(np.shape(w))
''',
    "adam_step": '''\
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    return np.zeros(np.shape(w)), np.zeros(np.shape(w)), np.zeros(np.shape(w))
''',
    "adam_trajectory": '''\
def adam_trajectory(A, c, w0, lr, num_steps):
    return np.zeros((int(num_steps) + 1, len(w0)))
''',
}
