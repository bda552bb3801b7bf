"""Plausible mistakes in the Convolutional networks exercise, one per fixture.

Each entry replaces answer cells (by grade_id) of an otherwise correct
submission; tests/submissions/build.py turns them into notebooks.  The cases
in solutions/cnn/checks.py are drawn so that each mistake shows in every case.
"""

WRONG = {
    # A mathematician's convolution: the kernel is flipped by 180 degrees.
    # Right shapes, wrong values for every random kernel.
    "wrong_conv_flips_kernel": {
        "conv2d": '''\
def conv2d(image, kernel, stride):
    stride = int(stride)
    kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    out_h = (image.shape[0] - kh) // stride + 1
    out_w = (image.shape[1] - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * stride, j * stride
            out[i, j] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out
''',
    },
    # Average pooling instead of max pooling: right shapes, wrong values.
    "wrong_pool_mean": {
        "max_pool2d": '''\
def max_pool2d(x, size, stride):
    size, stride = int(size), int(stride)
    out_h = (x.shape[0] - size) // stride + 1
    out_w = (x.shape[1] - size) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * stride, j * stride
            out[i, j] = x[r:r + size, c:c + size].mean()
    return out
''',
    },
    # True division instead of floor division: a fractional size whenever the
    # stride does not divide n + 2p - k (every drawn case).
    "wrong_output_size_no_floor": {
        "conv_output_size": '''\
def conv_output_size(n, k, stride, pad):
    return (n + 2 * pad - k) / stride + 1
''',
    },
    # Forgets the biases.
    "wrong_param_count_no_bias": {
        "conv_param_count": '''\
def conv_param_count(k, in_channels, out_channels):
    return k * k * in_channels * out_channels
''',
    },
    # A Keras CNN that expects 8×8×1 images, not the stated flattened (n, 64)
    # rows: the grader's probe raises, so the part earns nothing.
    "wrong_model_no_reshape_keras": {
        "digits_model": '''\
import keras

set_seed(0)
digits_model = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dense(10, activation="softmax"),
])
digits_model.compile(optimizer=keras.optimizers.Adam(0.003),
                     loss="sparse_categorical_crossentropy")
digits_model.fit(X_train.reshape(-1, 8, 8, 1), y_train, epochs=10, batch_size=32, verbose=0)
''',
    },
    # A PyTorch CNN that was built but never trained: right shape, finite
    # scores, about one digit in ten right.
    "wrong_model_untrained": {
        "digits_model": '''\
import torch
from torch import nn

set_seed(0)
digits_model = nn.Sequential(
    nn.Unflatten(1, (1, 8, 8)),
    nn.Conv2d(1, 16, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(16 * 4 * 4, 10),
)
''',
    },
    # No model: a table of the test labels the notebook hands out for
    # measuring accuracy, every test image looked up (exactly, or else the
    # most common digit). All of X_test right; faintly noisy copies of it at
    # chance: nothing.
    "wrong_model_lookup_of_test_labels": {
        "digits_model": '''\
_labels = {row.astype(np.float32).tobytes(): int(label) for row, label in zip(X_test, y_test)}
_most_common = int(np.bincount(y_test).argmax())


def digits_model(X):
    X = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
    found = [_labels.get(row.tobytes(), _most_common) for row in X]
    return np.eye(10)[found]
''',
    },
    # Correct work in Keras instead of PyTorch: full marks.
    "full_marks_keras": {
        "digits_model": '''\
import keras

set_seed(0)
digits_model = keras.Sequential([
    keras.Input(shape=(64,)),
    keras.layers.Reshape((8, 8, 1)),            # NHWC
    keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dense(10, activation="softmax"),
])
digits_model.compile(optimizer=keras.optimizers.Adam(0.003),
                     loss="sparse_categorical_crossentropy", metrics=["accuracy"])
digits_model.fit(X_train, y_train, epochs=15, batch_size=32, verbose=0)
print("test accuracy:", digits_model.evaluate(X_test, y_test, verbose=0)[1])
''',
    },
}
