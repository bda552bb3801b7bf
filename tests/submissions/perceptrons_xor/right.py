"""Correct work in the Perceptrons and XOR exercise, written other ways.

Each entry replaces answer cells (by grade_id) of the solution, as a student
who solved the exercise differently would; tests/submissions/build.py turns
them into notebooks.  Every variant is right as the notebook states the task
and must earn full marks.
"""

RIGHT = {
    # NumPy in float32 (the notebook never asks for float64).
    "right_float32": {
        "step": '''\
def step(z):
    return (np.asarray(z, dtype=np.float32) > 0).astype(np.float32)
''',
        "perceptron_epoch": '''\
def perceptron_epoch(X, y, w, b, lr):
    X, y = X.astype(np.float32), y.astype(np.float32)
    w, b, lr = w.astype(np.float32), np.float32(b), np.float32(lr)
    for i in range(len(X)):
        error = y[i] - step(X[i] @ w + b)
        w = w + lr * error * X[i]
        b = b + lr * error
    return w, b
''',
        "nand": '''\
nand_w = np.array([-0.5, -0.5], dtype=np.float32)
nand_b = np.float32(0.7)
''',
    },
    # Python lists and plain numbers: boolean steps turned into lists, the
    # hand-chosen weights written as lists.
    "right_lists": {
        "step": '''\
def step(z):
    return np.where(np.asarray(z) > 0, 1, 0).tolist()
''',
        "perceptron_forward": '''\
def perceptron_forward(X, w, b):
    return step(X @ w + b)
''',
        "two_layer_forward": '''\
def two_layer_forward(X, W1, b1, W2, b2):
    hidden = np.array(step(X @ W1 + b1))
    return step(hidden @ W2 + b2)
''',
        "nand": '''\
nand_w = [-1, -1]
nand_b = 1.5
''',
        "xor_params": '''\
W1 = [[1, -1],
      [1, -1]]
b1 = [-0.5, 1.5]
W2 = [1, 1]
b2 = [-1.5]  # a number as a list of one: it computes like -1.5
xor_params = (W1, b1, W2, b2)
''',
    },
    # PyTorch tensors as results, and a Keras model with ReLU units.
    "right_torch_tensors_keras": {
        "step": '''\
import torch


def step(z):
    return (torch.as_tensor(z) > 0).int()
''',
        "perceptron_forward": '''\
import torch


def perceptron_forward(X, w, b):
    return step(torch.as_tensor(X) @ torch.as_tensor(w) + b)
''',
        "perceptron_epoch": '''\
import torch


def perceptron_epoch(X, y, w, b, lr):
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    w, b = torch.tensor(w), torch.tensor(b, dtype=torch.float64)
    for x_i, y_i in zip(X, y):
        error = y_i - step(x_i @ w + b)
        w, b = w + lr * error * x_i, b + lr * error
    return w, b
''',
        "xor_model": '''\
import keras

set_seed(0)
rng = np.random.default_rng(1)
corners = rng.integers(0, 4, size=800)
X_noisy = (GATE_X[corners] + rng.uniform(-0.25, 0.25, size=(800, 2))).astype("float32")
y_noisy = XOR_Y[corners].astype("float32")
xor_model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
xor_model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
xor_model.fit(X_noisy, y_noisy, epochs=100, batch_size=64, verbose=0)
''',
    },
    # Other correct forms: np.heaviside, integer weights, np.where, three
    # hidden units, and a PyTorch model with a logits layer and the sigmoid
    # applied last.
    "right_other_forms": {
        "step": '''\
def step(z):
    return np.heaviside(z, 0.0)      # the value at z = 0 is the second argument
''',
        "perceptron_epoch": '''\
def perceptron_epoch(X, y, w, b, lr):
    w = w.copy()
    for i in range(X.shape[0]):
        prediction = 1 if X[i] @ w + b > 0 else 0
        if prediction != y[i]:
            w += lr * (y[i] - prediction) * X[i]
            b += lr * (y[i] - prediction)
    return w, b
''',
        "nand": '''\
nand_w = np.array([-2, -2])
nand_b = 3
''',
        "two_layer_forward": '''\
def two_layer_forward(X, W1, b1, W2, b2):
    hidden = np.where(X @ W1 + b1 > 0, 1.0, 0.0)
    return np.where(hidden @ W2 + b2 > 0, 1.0, 0.0)
''',
        "xor_params": '''\
# three hidden units: x1 and not x2, x2 and not x1, and one that is never on
W1 = np.array([[1.0, -1.0, 0.0],
               [-1.0, 1.0, 0.0]])
b1 = np.array([-0.5, -0.5, -1.0])
W2 = np.array([1.0, 1.0, 5.0])
b2 = -0.5
xor_params = (W1, b1, W2, b2)
''',
        "xor_model": '''\
import torch
from torch import nn

set_seed(0)
rng = np.random.default_rng(0)
corners = rng.integers(0, 4, size=400)
inputs = torch.tensor(GATE_X[corners] + rng.uniform(-0.2, 0.2, size=(400, 2)),
                      dtype=torch.float32)
targets = torch.tensor(XOR_Y[corners], dtype=torch.float32)[:, None]
logits_model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
optimizer = torch.optim.Adam(logits_model.parameters(), lr=0.05)
for epoch in range(300):
    optimizer.zero_grad()
    nn.functional.binary_cross_entropy_with_logits(logits_model(inputs), targets).backward()
    optimizer.step()
xor_model = nn.Sequential(logits_model, nn.Sigmoid())   # probabilities out
''',
    },
}
