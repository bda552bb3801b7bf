"""Plausible mistakes in the Overfitting and regularization exercise, one per fixture.

Each entry replaces answer cells (by grade_id) of an otherwise correct
submission; tests/submissions/build.py turns them into notebooks.
"""

WRONG = {
    # Forgets to divide by keep_prob: every kept unit is too small (every
    # drawn mask keeps at least one unit of a non-zero h).
    "wrong_dropout_no_rescale": {
        "inverted_dropout": '''\
def inverted_dropout(h, mask, keep_prob):
    return np.asarray(h) * np.asarray(mask)
''',
    },
    # Fits the scaler again on the test set: the training half is right, the
    # test half is wrong (drawn test rows always come from a shifted spread).
    "wrong_standardize_refits_test": {
        "standardize": '''\
def standardize(X_train, X_test):
    def scale(X):
        return (X - X.mean(axis=0)) / X.std(axis=0)
    return scale(X_train), scale(X_test)
''',
    },
    # Takes the number of classes from the labels: too few columns whenever
    # the top class does not occur (two of the three drawn cases).
    "wrong_one_hot_k_from_labels": {
        "one_hot": '''\
def one_hot(labels, k):
    labels = np.asarray(labels).astype(int)
    return np.eye(labels.max() + 1)[labels]
''',
    },
    # Deals samples out round-robin (0, 1, 2, 0, 1, 2, ...) instead of in
    # consecutive runs.
    "wrong_kfold_round_robin": {
        "kfold_ids": '''\
def kfold_ids(n, k):
    return np.arange(int(n)) % int(k)
''',
    },
    # Spreads the longer folds out instead of putting them first: right for
    # k of 2 or 3, wrong whenever k of 4 or 5 leaves several longer folds
    # (one case in three, on every grading run).
    "wrong_kfold_spread_out": {
        "kfold_ids": '''\
def kfold_ids(n, k):
    return np.arange(int(n)) * int(k) // int(n)
''',
    },
    # The penalty's gradient without the factor 2: loss and grad_b are right,
    # grad_w is wrong.
    "wrong_l2_grad_missing_factor_2": {
        "l2_loss_and_grads": '''\
def l2_loss_and_grads(X, y, w, b, lam):
    n = len(y)
    p = sigmoid(X @ w + b)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + lam * np.sum(w ** 2)
    grad_w = X.T @ (p - y) / n + lam * w
    grad_b = np.mean(p - y)
    return loss, grad_w, grad_b
''',
    },
    # A Keras model that was never trained (its output layer starts at zero,
    # so it answers 0.5 everywhere): right shape and range, wrong predictions.
    "wrong_moons_model_untrained_keras": {
        "moons_model": '''\
import keras

set_seed(0)
moons_model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid", kernel_initializer="zeros"),
])
''',
    },
    # Correct work in Keras instead of PyTorch, with L2 penalties: full marks.
    "full_marks_keras": {
        "moons_model": '''\
import keras

set_seed(0)
moons_model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(32, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-3)),
    keras.layers.Dense(32, activation="relu", kernel_regularizer=keras.regularizers.l2(1e-3)),
    keras.layers.Dense(1, activation="sigmoid"),
])
moons_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
moons_model.fit(X_moons, y_moons, epochs=30, batch_size=16, verbose=0)
''',
    },
}
