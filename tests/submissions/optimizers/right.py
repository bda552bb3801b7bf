"""Correct work in the Optimizers exercise, written other ways.

Each entry replaces answer cells (by grade_id) of the solution, as a student
who solved the exercise differently would; tests/submissions/build.py turns
them into notebooks.  Every variant is right as the notebook states the task
and must earn full marks.
"""

RIGHT = {
    # NumPy in float32 (the notebook never asks for float64).
    "right_float32": {
        "minibatch_epoch": '''\
def minibatch_epoch(x, y, w, b, lr, perm, batch_size):
    x, y = x.astype(np.float32), y.astype(np.float32)
    w, b, lr = np.float32(w), np.float32(b), np.float32(lr)
    perm = perm.astype(int)
    for start in range(0, len(perm), int(batch_size)):
        batch = perm[start:start + int(batch_size)]
        err = w * x[batch] + b - y[batch]
        w, b = w - lr * 2 * np.mean(err * x[batch]), b - lr * 2 * np.mean(err)
    return np.array([w, b], dtype=np.float32)
''',
        "momentum_step": '''\
def momentum_step(w, g, velocity, lr, mu):
    velocity = np.float32(mu) * velocity.astype(np.float32) + g.astype(np.float32)
    return w.astype(np.float32) - np.float32(lr) * velocity, velocity
''',
        "rmsprop_step": '''\
def rmsprop_step(w, g, sq_avg, lr, rho, eps):
    w, g, s = w.astype(np.float32), g.astype(np.float32), sq_avg.astype(np.float32)
    rho = np.float32(rho)
    s = rho * s + (1 - rho) * g * g
    return w - np.float32(lr) * g / (np.sqrt(s) + np.float32(eps)), s
''',
        "adam_step": '''\
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    w, g, m, v = (a.astype(np.float32) for a in (w, g, m, v))
    beta1, beta2 = np.float32(beta1), np.float32(beta2)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m_hat = m / (1 - beta1 ** np.float32(t))
    v_hat = v / (1 - beta2 ** np.float32(t))
    return w - np.float32(lr) * m_hat / (np.sqrt(v_hat) + np.float32(eps)), m, v
''',
    },
    # PyTorch: the update rules on tensors (tensors as results), and Adam in
    # float64 with a closure, the path stacked as a tensor.
    "right_torch_tensors": {
        "momentum_step": '''\
import torch


def momentum_step(w, g, velocity, lr, mu):
    velocity = mu * torch.as_tensor(velocity) + torch.as_tensor(g)
    return torch.as_tensor(w) - lr * velocity, velocity
''',
        "rmsprop_step": '''\
import torch


def rmsprop_step(w, g, sq_avg, lr, rho, eps):
    g = torch.as_tensor(g)
    sq_avg = rho * torch.as_tensor(sq_avg) + (1 - rho) * g ** 2
    return torch.as_tensor(w) - lr * g / (sq_avg.sqrt() + eps), sq_avg
''',
        "adam_trajectory": '''\
import torch

set_seed(0)


def adam_trajectory(A, c, w0, lr, num_steps):
    A, c = torch.as_tensor(A), torch.as_tensor(c)
    w = torch.tensor(w0, requires_grad=True)          # float64, as w0 comes
    optimizer = torch.optim.Adam([w], lr=lr, betas=(0.9, 0.999), eps=1e-8)

    def closure():
        optimizer.zero_grad()
        loss = 0.5 * w @ A @ w - c @ w
        loss.backward()
        return loss

    path = [w.detach().clone()]
    for _ in range(int(num_steps)):
        optimizer.step(closure)
        path.append(w.detach().clone())
    return torch.stack(path)
''',
    },
    # Python loops: per example, per element; math.ceil for the count.
    "right_loops": {
        "minibatch_epoch": '''\
def minibatch_epoch(x, y, w, b, lr, perm, batch_size):
    order = [int(i) for i in perm]
    size = int(batch_size)
    for start in range(0, len(order), size):
        batch = order[start:start + size]
        dw = db = 0.0
        for i in batch:
            err = w * x[i] + b - y[i]
            dw += 2 * err * x[i] / len(batch)
            db += 2 * err / len(batch)
        w, b = w - lr * dw, b - lr * db
    return np.array([w, b])
''',
        "num_updates": '''\
import math


def num_updates(n, batch_size, num_epochs):
    return math.ceil(n / batch_size) * num_epochs
''',
        "rmsprop_step": '''\
import math


def rmsprop_step(w, g, sq_avg, lr, rho, eps):
    w_new, s_new = np.empty_like(w), np.empty_like(sq_avg)
    for i in np.ndindex(w.shape):
        s_new[i] = rho * sq_avg[i] + (1 - rho) * g[i] ** 2
        w_new[i] = w[i] - lr * g[i] / (math.sqrt(s_new[i]) + eps)
    return w_new, s_new
''',
        "adam_step": '''\
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    w_new, m_new, v_new = np.empty_like(w), np.empty_like(m), np.empty_like(v)
    for i in np.ndindex(w.shape):
        m_new[i] = beta1 * m[i] + (1 - beta1) * g[i]
        v_new[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
        m_hat = m_new[i] / (1 - beta1 ** t)
        v_hat = v_new[i] / (1 - beta2 ** t)
        w_new[i] = w[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
    return w_new, m_new, v_new
''',
    },
    # Other correct forms: in-place updates on copies, integer counting, and
    # Adam with the step size corrected instead of m and v (the same numbers).
    "right_other_formulas": {
        "num_updates": '''\
def num_updates(n, batch_size, num_epochs):
    full, rest = divmod(int(n), int(batch_size))
    return (full + (rest > 0)) * int(num_epochs)
''',
        "momentum_step": '''\
def momentum_step(w, g, velocity, lr, mu):
    v = velocity.copy()
    v *= mu
    v += g
    w_new = w.copy()
    w_new -= lr * v
    return w_new, v
''',
        "adam_step": '''\
def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * np.square(g)
    correction = np.sqrt(1 - beta2 ** t)
    step = lr * correction / (1 - beta1 ** t)
    # m_hat / (sqrt(v_hat) + eps) rewritten over sqrt(v) and eps * correction
    return w - step * m / (np.sqrt(v) + eps * correction), m, v
''',
    },
}
