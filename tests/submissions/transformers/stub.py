"""A submission that only "passes the shape checks" in the Transformers
exercise: every answer is zeros (or a constant) of the shape the solution
returns, and the layer of Part 6 is never used.  tests/submissions/build.py
turns it into the ``stub`` fixture, which must score 0.
"""

STUB = {
    "softmax_with_temperature": '''\
def softmax_with_temperature(logits, temperature):
    return np.zeros(np.shape(logits))
''',
    "char_ids": '''\
def char_ids(text_codes, vocab_codes):
    return np.zeros(np.shape(text_codes))
''',
    "causal_mask": '''\
def causal_mask(n):
    return np.zeros((int(n), int(n)), dtype=bool)
''',
    "attention": '''\
def attention(Q, K, V, mask=None):
    output_shape = Q.shape[:-1] + V.shape[-1:]
    weights_shape = Q.shape[:-1] + K.shape[-2:-1]
    return np.zeros(output_shape), np.zeros(weights_shape)
''',
    "positional_encoding": '''\
def positional_encoding(length, d_model):
    return np.zeros((int(length), int(d_model)))
''',
    "mha_forward": '''\
def mha_forward(X, W_q, W_k, W_v, W_o, num_heads):
    return np.zeros(np.shape(X))
''',
}
