"""Plausible mistakes in the Transformers exercise, one per fixture.

Each entry replaces answer cells (by grade_id) of an otherwise correct
submission; tests/submissions/build.py turns them into notebooks.
"""

WRONG = {
    # No max subtraction: every drawn case has a row of huge logits, which
    # overflows np.exp and gives nan in that row.
    "wrong_softmax_unstable": {
        "softmax_with_temperature": '''\
def softmax_with_temperature(logits, temperature):
    e = np.exp(np.asarray(logits, dtype=float) / temperature)
    return e / e.sum(axis=-1, keepdims=True)
''',
    },
    # Ids in a sorted copy of the vocabulary: the drawn vocabularies are never sorted.
    "wrong_char_ids_sorted_vocab": {
        "char_ids": '''\
def char_ids(text_codes, vocab_codes):
    return np.searchsorted(np.sort(vocab_codes), text_codes)
''',
    },
    # The upper triangle: each position sees the future instead of the past.
    "wrong_causal_mask_upper": {
        "causal_mask": '''\
def causal_mask(n):
    n = int(n)
    return np.triu(np.ones((n, n), dtype=bool))
''',
    },
    # Forgets to divide the scores by sqrt(d_k): right shapes, wrong values
    # (every drawn case has d_k > 1).
    "wrong_attention_unscaled": {
        "attention": '''\
def attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2)
    if mask is not None:
        scores = np.where(np.asarray(mask, dtype=bool), scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ V, weights
''',
    },
    # Right values in the wrong order, (weights, output) for (output,
    # weights): each keeps half of its share (ORDER_CREDIT), 1.5 of 3.
    "wrong_attention_swapped_order": {
        "attention": '''\
def attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(np.asarray(mask, dtype=bool), scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights, weights @ V
''',
    },
    # Masks after the softmax and renormalises: the same weights, except in a
    # row whose one allowed key scores far below the masked ones, which
    # becomes 0 / 0 (two of the three edge cases, on every grading run: the
    # part keeps 0.5 + 0.5 / 3 of what the ordinary cases earn, 2 of 3).
    "wrong_attention_mask_after_softmax": {
        "attention": '''\
def attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = weights * mask
        weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ V, weights
''',
    },
    # 10000 ** (i / d_model) with i = 0, 1, 2, ... instead of 2i: the
    # frequencies are wrong from the second column pair on.
    "wrong_positional_i_not_2i": {
        "positional_encoding": '''\
def positional_encoding(length, d_model):
    length, d_model = int(length), int(d_model)
    positions = np.arange(length)[:, None]
    i = np.arange(d_model // 2)[None, :]
    angles = positions / 10000 ** (i / d_model)
    pe = np.zeros((length, d_model))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles)
    return pe
''',
    },
    # PyTorch's layer computes x @ W.T: loading the matrices untransposed
    # gives other projections (the drawn matrices are never symmetric).
    "wrong_mha_not_transposed": {
        "mha_forward": '''\
import torch
from torch import nn


def mha_forward(X, W_q, W_k, W_v, W_o, num_heads):
    T, D = X.shape
    layer = nn.MultiheadAttention(D, int(num_heads), bias=False, batch_first=True)
    with torch.no_grad():
        layer.in_proj_weight.copy_(torch.tensor(np.concatenate([W_q, W_k, W_v]), dtype=torch.float32))
        layer.out_proj.weight.copy_(torch.tensor(W_o, dtype=torch.float32))
        x = torch.tensor(X[None], dtype=torch.float32)
        out, _ = layer(x, x, x, need_weights=False)
    return out[0].numpy()
''',
    },
    # Correct work in Keras instead of PyTorch: full marks.
    "full_marks_keras": {
        "mha_forward": '''\
import keras


def mha_forward(X, W_q, W_k, W_v, W_o, num_heads):
    T, D = X.shape
    h = int(num_heads)
    layer = keras.layers.MultiHeadAttention(num_heads=h, key_dim=D // h, use_bias=False)
    x = X[None].astype("float32")
    layer(x, x)  # creates the weights
    layer.set_weights([W_q.reshape(D, h, -1), W_k.reshape(D, h, -1),
                       W_v.reshape(D, h, -1), W_o.reshape(h, -1, D)])
    return layer(x, x).numpy()[0]
''',
    },
}
