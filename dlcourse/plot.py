"""Plotting helpers: the figures that several chapters draw."""

import numpy as np


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(4.5, 4))
    return ax


def plot_decision_boundary(predict, X, y, ax=None, title=None, steps=200, margin=0.5):
    """Shade the plane by a classifier's decision and draw the labelled points.

    ``predict`` maps an (n, 2) float array to n scores; a score above 0.5 means
    class 1 (so it works for probabilities and for 0/1 labels alike). The
    region is the bounding box of ``X`` plus ``margin``. Returns the axes.
    Introduced in chapter 2 (Perceptrons and XOR).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    ax = _axes(ax)
    (x0_min, x1_min), (x0_max, x1_max) = X.min(0) - margin, X.max(0) + margin
    g0, g1 = np.meshgrid(np.linspace(x0_min, x0_max, steps), np.linspace(x1_min, x1_max, steps))
    grid = np.column_stack([g0.ravel(), g1.ravel()]).astype(np.float32)
    scores = np.asarray(predict(grid), dtype=float).reshape(g0.shape)
    ax.contourf(g0, g1, scores > 0.5, levels=[-0.5, 0.5, 1.5], colors=["#cfe2f3", "#f9d5c7"])
    ax.contour(g0, g1, scores, levels=[0.5], colors="0.3", linewidths=1)
    for label, marker, color in [(0, "o", "#1f5fa8"), (1, "s", "#c0392b")]:
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], marker=marker, s=70, c=color,
                   edgecolors="k", label=f"class {label}", zorder=3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.9)
    if title:
        ax.set_title(title)
    return ax


def plot_learning_curves(history, ax=None, metric="loss", title=None):
    """Plot a metric per epoch for training and, if present, validation.

    ``history`` is a dict of per-epoch lists, as in Keras' ``History.history``
    (``{"loss": [...], "val_loss": [...]}``); the PyTorch loops in the course
    record the same keys. Returns the axes. Introduced in chapter 2
    (Perceptrons and XOR) for the XOR training runs.
    """
    if metric not in history:
        raise KeyError(f"history has no {metric!r}; it has {sorted(history)}")
    ax = _axes(ax)
    epochs = np.arange(1, len(history[metric]) + 1)
    ax.plot(epochs, history[metric], label=f"training {metric}")
    if f"val_{metric}" in history:
        ax.plot(epochs, history[f"val_{metric}"], label=f"validation {metric}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax
