"""Small data sets that ship with the course or with scikit-learn.

Nothing here downloads: the course is built and graded on machines without
internet access.
"""

import numpy as np

# Truth tables of the two-input logic gates (chapter 2).
_GATES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "nor": [1, 0, 0, 0],
    "xor": [0, 1, 1, 0],
}

# Body weight (kg) and height (cm) of ten people, the worked example of the
# course's source notes (chapter 3).
_WEIGHTS_KG = [87, 81, 82, 92, 90, 61, 86, 66, 69, 69]
_HEIGHTS_CM = [187, 174, 179, 192, 188, 160, 179, 168, 168, 174]


def logic_gate(name):
    """Inputs and targets of a two-input logic gate.

    Returns ``X`` with shape (4, 2) (float, rows 00, 01, 10, 11) and ``y`` with
    shape (4,) (int). ``name`` is one of and, or, nand, nor, xor, in any case.
    Introduced in chapter 2 (Perceptrons and XOR).
    """
    key = str(name).lower()
    if key not in _GATES:
        raise ValueError(f"unknown gate {name!r}; choose one of {', '.join(_GATES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array(_GATES[key], dtype=int)
    return X, y


def weight_height():
    """The ten-person weight (kg) → height (cm) table as two float arrays.

    Introduced in chapter 3 (Training a network), where a single neuron learns
    to predict height from weight.
    """
    return np.array(_WEIGHTS_KG, dtype=float), np.array(_HEIGHTS_CM, dtype=float)


def load_digits(test_size=0.2, seed=0, images=False):
    """scikit-learn's 8×8 handwritten digits, scaled to [0, 1] and split.

    Returns ``X_train, X_test, y_train, y_test``. Pixels are 0..16 in the raw
    data and are divided by 16. With ``images=True`` each sample has shape
    (8, 8); otherwise it is a flat vector of 64 features. The split is
    stratified, so every digit appears in both parts in the same proportion.
    Used from chapter 4 (Activation functions) on.
    """
    from sklearn.datasets import load_digits as _sk_load_digits
    from sklearn.model_selection import train_test_split

    digits = _sk_load_digits()
    X = digits.images if images else digits.data
    X = X.astype(np.float32) / 16.0
    y = digits.target.astype(np.int64)
    return train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)


def load_moons(n_samples=400, noise=0.2, test_size=0.2, seed=0):
    """Two interleaving half-moons: a 2-D binary task no straight line solves.

    Returns ``X_train, X_test, y_train, y_test`` (features float32, labels
    int64). Used from chapter 7 (Overfitting and regularization) on.
    """
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return train_test_split(
        X.astype(np.float32), y.astype(np.int64),
        test_size=test_size, random_state=seed, stratify=y,
    )
