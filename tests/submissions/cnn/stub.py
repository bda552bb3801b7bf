"""A submission that only "passes the shape checks" in the Convolutional
networks exercise: zeros of the right shape, constant numbers, and a CNN of
the right architecture that was never trained.  tests/submissions/build.py
turns it into the ``stub`` fixture, which must score 0.
"""

STUB = {
    "conv2d": '''\
def conv2d(image, kernel, stride):
    s = int(stride)
    return np.zeros(((image.shape[0] - kernel.shape[0]) // s + 1,
                     (image.shape[1] - kernel.shape[1]) // s + 1))
''',
    "max_pool2d": '''\
def max_pool2d(x, size, stride):
    size, s = int(size), int(stride)
    return np.zeros(((x.shape[0] - size) // s + 1, (x.shape[1] - size) // s + 1))
''',
    "conv_output_size": '''\
def conv_output_size(n, k, stride, pad):
    return 0
''',
    "conv_param_count": '''\
def conv_param_count(k, in_channels, out_channels):
    return 0
''',
    "digits_model": '''\
import torch
from torch import nn

set_seed(0)
digits_model = nn.Sequential(
    nn.Unflatten(1, (1, 8, 8)),
    nn.Conv2d(1, 16, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(32 * 2 * 2, 10),
)
''',
}
