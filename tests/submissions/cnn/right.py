"""Correct work in the Convolutional networks exercise, written other ways.

Each entry replaces answer cells (by grade_id) of the solution, as a student
who solved the exercise differently would; tests/submissions/build.py turns
them into notebooks.  Every variant is right as the notebook states the task
and must earn full marks.
"""

RIGHT = {
    # NumPy in float32 (the notebook never asks for float64).
    "right_float32": {
        "conv2d": '''\
def conv2d(image, kernel, stride):
    image, kernel, s = image.astype(np.float32), kernel.astype(np.float32), int(stride)
    kh, kw = kernel.shape
    out = np.zeros(((image.shape[0] - kh) // s + 1, (image.shape[1] - kw) // s + 1),
                   dtype=np.float32)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i * s:i * s + kh, j * s:j * s + kw] * kernel).sum()
    return out
''',
        "max_pool2d": '''\
def max_pool2d(x, size, stride):
    x, size, s = x.astype(np.float32), int(size), int(stride)
    out = np.zeros(((x.shape[0] - size) // s + 1, (x.shape[1] - size) // s + 1),
                   dtype=np.float32)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[i * s:i * s + size, j * s:j * s + size].max()
    return out
''',
    },
    # Library functions: scipy.signal.correlate2d, sliding windows, math.floor,
    # Keras's own count_params().
    "right_library": {
        "conv2d": '''\
from scipy.signal import correlate2d


def conv2d(image, kernel, stride):
    s = int(stride)
    return correlate2d(image, kernel, mode="valid")[::s, ::s]
''',
        "max_pool2d": '''\
from numpy.lib.stride_tricks import sliding_window_view


def max_pool2d(x, size, stride):
    size, s = int(size), int(stride)
    windows = sliding_window_view(x, (size, size))[::s, ::s]
    return windows.max(axis=(2, 3))
''',
        "conv_output_size": '''\
import math


def conv_output_size(n, k, stride, pad):
    return math.floor((n + 2 * pad - k) / stride) + 1
''',
        "conv_param_count": '''\
import keras


def conv_param_count(k, in_channels, out_channels):
    layer = keras.layers.Conv2D(int(out_channels), int(k))
    layer.build((None, 8, 8, int(in_channels)))
    return layer.count_params()
''',
    },
    # PyTorch: F.conv2d and F.max_pool2d with tensors as results, the layer's
    # own parameter count, and a model that outputs probabilities (softmax).
    "right_torch_tensors": {
        "conv2d": '''\
import torch
import torch.nn.functional as F


def conv2d(image, kernel, stride):
    x = torch.as_tensor(image)[None, None]           # (1, 1, H, W)
    w = torch.as_tensor(kernel)[None, None]          # (1, 1, kh, kw)
    return F.conv2d(x, w, stride=int(stride))[0, 0]
''',
        "max_pool2d": '''\
import torch
import torch.nn.functional as F


def max_pool2d(x, size, stride):
    x = torch.as_tensor(x)[None, None]
    return F.max_pool2d(x, int(size), int(stride))[0, 0]
''',
        "conv_output_size": '''\
def conv_output_size(n, k, stride, pad):
    return int((n + 2 * pad - k) // stride) + 1
''',
        "conv_param_count": '''\
from torch import nn


def conv_param_count(k, in_channels, out_channels):
    layer = nn.Conv2d(int(in_channels), int(out_channels), int(k))
    return sum(p.numel() for p in layer.parameters())
''',
        "digits_model": '''\
import torch
from torch import nn

set_seed(0)
digits_model = nn.Sequential(
    nn.Unflatten(1, (1, 8, 8)),
    nn.Conv2d(1, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
    nn.Linear(64, 10),
    nn.Softmax(dim=1),                        # probabilities out
)
optimizer = torch.optim.Adam(digits_model.parameters(), lr=0.003)
inputs, targets = torch.tensor(X_train), torch.tensor(y_train)
for epoch in range(12):
    for batch in torch.randperm(len(inputs)).split(32):
        probs = digits_model(inputs[batch])
        loss = nn.functional.nll_loss(torch.log(probs + 1e-9), targets[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
print("test accuracy:", np.mean(predict(digits_model, X_test).argmax(axis=1) == y_test))
''',
    },
    # Keras and TensorFlow: tf.nn.conv2d and tf.nn.max_pool2d (tensors out),
    # a Keras CNN that outputs raw scores (logits).
    "right_keras_logits": {
        "conv2d": '''\
import tensorflow as tf


def conv2d(image, kernel, stride):
    x = tf.constant(image[None, :, :, None])                # NHWC
    w = tf.constant(kernel[:, :, None, None])               # (kh, kw, in, out)
    return tf.nn.conv2d(x, w, strides=int(stride), padding="VALID")[0, :, :, 0]
''',
        "max_pool2d": '''\
import tensorflow as tf


def max_pool2d(x, size, stride):
    y = tf.nn.max_pool2d(tf.constant(x[None, :, :, None]), int(size), int(stride), "VALID")
    return y[0, :, :, 0]
''',
        "digits_model": '''\
import keras

set_seed(0)
digits_model = keras.Sequential([
    keras.Input(shape=(64,)),
    keras.layers.Reshape((8, 8, 1)),
    keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dense(10),                                  # logits
])
digits_model.compile(optimizer=keras.optimizers.Adam(0.003),
                     loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                     metrics=["accuracy"])
digits_model.fit(X_train, y_train, epochs=15, batch_size=32, verbose=0)
print("test accuracy:", digits_model.evaluate(X_test, y_test, verbose=0)[1])
''',
    },
    # Pure Python loops and nested lists; the output size by counting the
    # positions where the kernel fits, as the notebook defines it.
    "right_loops_lists": {
        "conv2d": '''\
def conv2d(image, kernel, stride):
    s = int(stride)
    H, W = len(image), len(image[0])
    kh, kw = len(kernel), len(kernel[0])
    out = []
    for r in range(0, H - kh + 1, s):
        row = []
        for c in range(0, W - kw + 1, s):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += image[r + a][c + b] * kernel[a][b]
            row.append(total)
        out.append(row)
    return out
''',
        "max_pool2d": '''\
def max_pool2d(x, size, stride):
    size, s = int(size), int(stride)
    return [[max(x[r + a][c + b] for a in range(size) for b in range(size))
             for c in range(0, len(x[0]) - size + 1, s)]
            for r in range(0, len(x) - size + 1, s)]
''',
        "conv_output_size": '''\
def conv_output_size(n, k, stride, pad):
    count, start = 0, 0
    while start + k <= n + 2 * pad:     # the kernel fits entirely
        count += 1
        start += stride
    return count
''',
        "conv_param_count": '''\
def conv_param_count(k, in_channels, out_channels):
    weights = int(k) * int(k) * int(in_channels) * int(out_channels)
    biases = int(out_channels)
    return weights + biases
''',
    },
    # PyTorch in its default float32, tensors as results.
    "right_torch_float32": {
        "conv2d": '''\
import torch
import torch.nn.functional as F


def conv2d(image, kernel, stride):
    x = torch.tensor(image, dtype=torch.float32).reshape(1, 1, *image.shape)
    w = torch.tensor(kernel, dtype=torch.float32).reshape(1, 1, *kernel.shape)
    return F.conv2d(x, w, stride=int(stride)).squeeze()
''',
        "max_pool2d": '''\
import torch
from torch import nn


def max_pool2d(x, size, stride):
    pool = nn.MaxPool2d(int(size), int(stride))
    return pool(torch.tensor(x, dtype=torch.float32)[None, None])[0, 0]
''',
        "conv_output_size": '''\
import torch


def conv_output_size(n, k, stride, pad):
    return torch.div(torch.tensor(n + 2 * pad - k), stride, rounding_mode="floor") + 1
''',
    },
}
