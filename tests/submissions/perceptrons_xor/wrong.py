"""Plausible mistakes in the Perceptrons and XOR exercise, one per fixture.

Each entry replaces answer cells (by grade_id) of an otherwise correct
submission; tests/submissions/build.py turns them into notebooks.
"""

WRONG = {
    # z = 0 gives 1: wrong values wherever z is exactly 0 (every drawn case has some).
    "wrong_step_at_zero": {
        "step": '''\
def step(z):
    return (np.asarray(z) >= 0).astype(int)
''',
    },
    # A column (n, 1) instead of (n,): right values, wrong shape.
    "wrong_forward_column": {
        "perceptron_forward": '''\
def perceptron_forward(X, w, b):
    return step(X @ w + b).reshape(-1, 1)
''',
    },
    # Ignores the learning rate: every update is too large.
    "wrong_epoch_ignores_lr": {
        "perceptron_epoch": '''\
def perceptron_epoch(X, y, w, b, lr):
    w = np.array(w, dtype=float)
    b = float(b)
    for x_i, y_i in zip(X, y):
        error = y_i - step(x_i @ w + b)
        w = w + error * x_i
        b = b + error
    return w, b
''',
    },
    # Right weights, but the caller's w is updated in place (the part says
    # not to): the part keeps half its points.
    "wrong_epoch_in_place": {
        "perceptron_epoch": '''\
def perceptron_epoch(X, y, w, b, lr):
    for x_i, y_i in zip(X, y):
        error = y_i - step(x_i @ w + b)
        w += lr * error * x_i
        b = b + lr * error
    return w, float(b)
''',
    },
    # Every row predicted with the weights the epoch started from, not the
    # current ones: each update should change the next prediction.
    "wrong_epoch_stale_predictions": {
        "perceptron_epoch": '''\
def perceptron_epoch(X, y, w, b, lr):
    predictions = step(X @ w + b)
    w = np.array(w, dtype=float)
    for x_i, y_i, p_i in zip(X, y, predictions):
        w = w + lr * (y_i - p_i) * x_i
        b = b + lr * (y_i - p_i)
    return w, float(b)
''',
    },
    # AND's weights where NAND's were asked for: every row of the table is wrong.
    "wrong_nand_is_and": {
        "nand": '''\
nand_w = np.array([0.5, 0.5])
nand_b = -0.7
''',
    },
    # A Keras model that was never trained (its output layer starts at zero,
    # so it answers 0.5 everywhere): right shape and range, wrong predictions.
    "wrong_xor_model_untrained_keras": {
        "xor_model": '''\
import keras

set_seed(0)
xor_model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(8, activation="tanh"),
    keras.layers.Dense(1, activation="sigmoid", kernel_initializer="zeros"),
])
''',
    },
    # Correct work in Keras instead of PyTorch: full marks.
    "full_marks_keras": {
        "xor_model": '''\
import keras

set_seed(0)
rng = np.random.default_rng(0)
corners = rng.integers(0, 4, size=400)
X_train = GATE_X[corners] + rng.uniform(-0.2, 0.2, size=(400, 2))
y_train = XOR_Y[corners]

xor_model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(8, activation="tanh"),
    keras.layers.Dense(1, activation="sigmoid"),
])
xor_model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
xor_model.fit(X_train, y_train, epochs=30, batch_size=40, verbose=0)
''',
    },
}
