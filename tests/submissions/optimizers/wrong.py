"""Plausible mistakes in the Optimizers exercise, one per fixture.

Each entry replaces answer cells (by grade_id) of an otherwise correct
submission; tests/submissions/build.py turns them into notebooks.
"""

WRONG = {
    # Stops before the short last batch: one update too few in every drawn
    # case (no drawn n is a multiple of the batch size).
    "wrong_epoch_drops_last_batch": {
        "minibatch_epoch": '''\
def minibatch_epoch(x, y, w, b, lr, perm, batch_size):
    perm = np.asarray(perm).astype(int)
    batch_size = int(batch_size)
    w, b = float(w), float(b)
    for start in range(0, len(perm) - batch_size + 1, batch_size):
        batch = perm[start:start + batch_size]
        err = w * x[batch] + b - y[batch]
        w, b = w - lr * 2 * np.mean(err * x[batch]), b - lr * 2 * np.mean(err)
    return np.array([w, b])
''',
    },
    # Rounds n / batch_size down: forgets the short last batch of each epoch.
    "wrong_updates_round_down": {
        "num_updates": '''\
def num_updates(n, batch_size, num_epochs):
    return (int(n) // int(batch_size)) * int(num_epochs)
''',
    },
    # Both values right, returned as (velocity, w) where (w, velocity) is
    # asked: half of each value's share (no formula mistake exchanges them).
    "wrong_momentum_swapped_order": {
        "momentum_step": '''\
def momentum_step(w, g, velocity, lr, mu):
    velocity = mu * velocity + g
    return velocity, w - lr * velocity
''',
    },
    # Steps with the old velocity, then updates it.
    "wrong_momentum_old_velocity": {
        "momentum_step": '''\
def momentum_step(w, g, velocity, lr, mu):
    w_new = w - lr * velocity
    return w_new, mu * velocity + g
''',
    },
    # Right values, but updates the arrays it is given in place (the notebook
    # says not to): the part keeps half its points.
    "wrong_momentum_in_place": {
        "momentum_step": '''\
def momentum_step(w, g, velocity, lr, mu):
    velocity *= mu
    velocity += g
    w -= lr * velocity
    return w, velocity
''',
    },
    # Puts eps inside the square root (Keras' form, not the one asked for).
    "wrong_rmsprop_eps_inside": {
        "rmsprop_step": '''\
def rmsprop_step(w, g, sq_avg, lr, rho, eps):
    sq_avg = rho * sq_avg + (1 - rho) * g ** 2
    return w - lr * g / np.sqrt(sq_avg + eps), sq_avg
''',
    },
    # Forgets the bias correction.
    "wrong_adam_no_bias_correction": {
        "adam_step": '''\
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    return w - lr * m / (np.sqrt(v) + eps), m, v
''',
    },
    # Never clears the gradients: PyTorch adds each new gradient to the old.
    "wrong_trajectory_no_zero_grad": {
        "adam_trajectory": '''\
import torch

set_seed(0)


def adam_trajectory(A, c, w0, lr, num_steps):
    A_t = torch.tensor(A, dtype=torch.float32)
    c_t = torch.tensor(c, dtype=torch.float32)
    w = torch.tensor(w0, dtype=torch.float32, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=float(lr), betas=(0.9, 0.999), eps=1e-8)
    path = [w.detach().numpy().copy()]
    for _ in range(int(num_steps)):
        loss = 0.5 * w @ A_t @ w - c_t @ w
        loss.backward()
        optimizer.step()
        path.append(w.detach().numpy().copy())
    return np.array(path)
''',
    },
    # Correct work in Keras instead of PyTorch: full marks.
    "full_marks_keras": {
        "adam_trajectory": '''\
import tensorflow as tf
import keras

set_seed(0)


def adam_trajectory(A, c, w0, lr, num_steps):
    A_t = tf.constant(A, dtype=tf.float32)
    c_t = tf.constant(c, dtype=tf.float32)
    w = keras.Variable(np.asarray(w0, dtype=np.float32))
    optimizer = keras.optimizers.Adam(learning_rate=float(lr), beta_1=0.9, beta_2=0.999,
                                      epsilon=1e-8)
    path = [w.numpy().copy()]
    for _ in range(int(num_steps)):
        with tf.GradientTape() as tape:
            loss = 0.5 * tf.tensordot(w, tf.linalg.matvec(A_t, w), 1) - tf.tensordot(c_t, w, 1)
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        path.append(w.numpy().copy())
    return np.array(path)
''',
    },
}
