"""Correct work in the Transformers exercise, written other ways.

Each entry replaces answer cells (by grade_id) of the solution, as a student
who solved the exercise differently would; tests/submissions/build.py turns
them into notebooks.  Every variant is right as the notebook states the task
and must earn full marks.
"""

RIGHT = {
    # NumPy in float32 (the notebook never asks for float64).
    "right_float32": {
        "softmax_with_temperature": '''\
def softmax_with_temperature(logits, temperature):
    z = np.asarray(logits, dtype=np.float32) / np.float32(temperature)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
''',
        "attention": '''\
def attention(Q, K, V, mask=None):
    Q, K, V = (np.asarray(a, dtype=np.float32) for a in (Q, K, V))
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(np.float32(Q.shape[-1]))
    if mask is not None:
        scores = np.where(np.asarray(mask) != 0, scores, np.float32(-np.inf))
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ V, weights
''',
        "positional_encoding": '''\
def positional_encoding(length, d_model):
    length, d_model = int(length), int(d_model)
    pos = np.arange(length, dtype=np.float32)[:, None]
    rates = 1 / np.power(np.float32(10000), np.arange(0, d_model, 2, dtype=np.float32) / d_model)
    pe = np.zeros((length, d_model), dtype=np.float32)
    pe[:, 0::2] = np.sin(pos * rates)
    pe[:, 1::2] = np.cos(pos * rates)
    return pe
''',
    },
    # PyTorch throughout, results left as tensors (float64 where the inputs are).
    "right_torch_tensors": {
        "softmax_with_temperature": '''\
import torch


def softmax_with_temperature(logits, temperature):
    return torch.softmax(torch.as_tensor(logits) / temperature, dim=-1)
''',
        "causal_mask": '''\
import torch


def causal_mask(n):
    n = int(n)
    return torch.tril(torch.ones(n, n, dtype=torch.bool))
''',
        "attention": '''\
import math
import torch


def attention(Q, K, V, mask=None):
    Q, K, V = torch.as_tensor(Q), torch.as_tensor(K), torch.as_tensor(V)
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(torch.as_tensor(mask) == 0, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ V, weights
''',
        "positional_encoding": '''\
import torch


def positional_encoding(length, d_model):
    length, d_model = int(length), int(d_model)
    pos = torch.arange(length, dtype=torch.float64)[:, None]
    angles = pos / 10000 ** (torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    pe = torch.zeros(length, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)
    return pe
''',
        "mha_forward": '''\
def mha_forward(X, W_q, W_k, W_v, W_o, num_heads):
    import torch
    from torch import nn
    D = X.shape[1]
    layer = nn.MultiheadAttention(D, int(num_heads), bias=False)   # (T, batch, D) layout
    with torch.no_grad():
        layer.in_proj_weight.copy_(torch.from_numpy(np.vstack([W_q.T, W_k.T, W_v.T])))
        layer.out_proj.weight.copy_(torch.from_numpy(W_o.T.copy()))
        x = torch.from_numpy(X).float().unsqueeze(1)
        out, _ = layer(x, x, x)
    return out[:, 0]
''',
    },
    # Keras 3: keras.ops for the NumPy parts, the Keras layer with its kernels
    # assigned one by one; results left as TensorFlow tensors.
    "right_keras_tensors": {
        "softmax_with_temperature": '''\
import keras


def softmax_with_temperature(logits, temperature):
    return keras.ops.softmax(keras.ops.convert_to_tensor(logits) / temperature, axis=-1)
''',
        "attention": '''\
import keras
from keras import ops


def attention(Q, K, V, mask=None):
    Q, K, V = (ops.convert_to_tensor(a) for a in (Q, K, V))
    scores = ops.matmul(Q, ops.swapaxes(K, -1, -2)) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = ops.where(ops.cast(mask, "bool"), scores, -np.inf)
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, V), weights
''',
        "mha_forward": '''\
def mha_forward(X, W_q, W_k, W_v, W_o, num_heads):
    import keras
    T, D = X.shape
    h = int(num_heads)
    layer = keras.layers.MultiHeadAttention(num_heads=h, key_dim=D // h, use_bias=False)
    x = keras.ops.convert_to_tensor(X[None], dtype="float32")
    layer(query=x, value=x, key=x)   # builds the kernels
    layer.query_dense.kernel.assign(W_q.reshape(D, h, D // h))
    layer.key_dense.kernel.assign(W_k.reshape(D, h, D // h))
    layer.value_dense.kernel.assign(W_v.reshape(D, h, D // h))
    layer.output_dense.kernel.assign(W_o.reshape(h, D // h, D))
    return layer(query=x, value=x, key=x)[0]
''',
    },
    # Python loops: list lookups, nested lists, one head and one row at a time.
    "right_loops_lists": {
        "char_ids": '''\
def char_ids(text_codes, vocab_codes):
    vocab = list(vocab_codes)
    return [vocab.index(code) for code in text_codes]
''',
        "causal_mask": '''\
def causal_mask(n):
    n = int(n)
    return [[j <= i for j in range(n)] for i in range(n)]
''',
        "attention": '''\
def attention(Q, K, V, mask=None):
    if Q.ndim == 3:   # one head at a time
        results = [attention(Q[h], K[h], V[h], mask) for h in range(Q.shape[0])]
        return np.stack([r[0] for r in results]), np.stack([r[1] for r in results])
    T, S = Q.shape[0], K.shape[0]
    weights = np.zeros((T, S))
    for i in range(T):
        scores = K @ Q[i] / np.sqrt(Q.shape[1])
        if mask is not None:
            scores = np.where(mask[i] != 0, scores, -np.inf)
        e = np.exp(scores - scores.max())
        weights[i] = e / e.sum()
    return weights @ V, weights
''',
        "positional_encoding": '''\
import math


def positional_encoding(length, d_model):
    length, d_model = int(length), int(d_model)
    pe = [[0.0] * d_model for _ in range(length)]
    for p in range(length):
        for i in range(d_model // 2):
            angle = p / 10000 ** (2 * i / d_model)
            pe[p][2 * i] = math.sin(angle)
            pe[p][2 * i + 1] = math.cos(angle)
    return np.array(pe)   # the self-check asks for .shape
''',
    },
    # Library functions and other vectorised formulas: scipy.special.softmax,
    # an equality table for the ids, the exp-log form of the frequencies.
    "right_library": {
        "softmax_with_temperature": '''\
from scipy.special import softmax


def softmax_with_temperature(logits, temperature):
    return softmax(np.asarray(logits) / temperature, axis=-1)
''',
        "char_ids": '''\
def char_ids(text_codes, vocab_codes):
    return np.argmax(text_codes[..., None] == vocab_codes, axis=-1)
''',
        "causal_mask": '''\
def causal_mask(n):
    positions = np.arange(int(n))
    return positions[None, :] <= positions[:, None]
''',
        "attention": '''\
from scipy.special import softmax


def attention(Q, K, V, mask=None):
    scores = np.matmul(Q, np.swapaxes(K, -1, -2)) / np.sqrt(K.shape[-1])
    if mask is not None:
        scores = np.where(mask.astype(bool), scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return np.matmul(weights, V), weights
''',
        "positional_encoding": '''\
def positional_encoding(length, d_model):
    position = np.arange(int(length))[:, None]
    div_term = np.exp(np.arange(0, int(d_model), 2) * (-np.log(10000.0) / d_model))
    pe = np.empty((int(length), int(d_model)))
    pe[:, 0::2] = np.sin(position * div_term)
    pe[:, 1::2] = np.cos(position * div_term)
    return pe
''',
    },
    # PyTorch in its default float32 (torch.tensor(..., dtype=torch.float32)),
    # tensors as results.
    "right_torch_float32": {
        "softmax_with_temperature": '''\
import torch


def softmax_with_temperature(logits, temperature):
    z = torch.tensor(logits, dtype=torch.float32) / temperature
    return torch.softmax(z, dim=-1)
''',
        "attention": '''\
import torch


def attention(Q, K, V, mask=None):
    Q, K, V = (torch.tensor(a, dtype=torch.float32) for a in (Q, K, V))
    scores = Q @ K.transpose(-2, -1) / Q.shape[-1] ** 0.5
    if mask is not None:
        scores = scores.masked_fill(~torch.tensor(mask).bool(), float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ V, weights
''',
        "positional_encoding": '''\
import torch


def positional_encoding(length, d_model):
    length, d_model = int(length), int(d_model)
    pos = torch.arange(length).float()[:, None]
    freq = torch.exp(-torch.arange(0, d_model, 2).float() / d_model * torch.log(torch.tensor(10000.0)))
    pe = torch.zeros(length, d_model)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)
    return pe
''',
    },
}
