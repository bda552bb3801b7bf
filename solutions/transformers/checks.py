"""Grading checks for the Transformers exercise (instructors only).

One Part per self-check cell of transformers.ipynb.  Inputs are drawn at
grading time and every answer is compared with what the solution notebook
returns on the same inputs.  Every case is built so that the usual mistake
of its part shows in it (logits large enough to overflow a naive softmax, a
temperature that is never 1, a vocabulary that is never sorted, d_k > 1 and
different from every other size), so a wrong answer loses the same points
whatever the draw.  Not released to students (see autograder/config.py).
"""

import numpy as np

from autograder.checks import ORDER_CREDIT, Call, Part, same_as_solution


def softmax_cases(rng):
    """Logits of one 2-D and three 3-D shapes whose dimensions all differ (a
    softmax over another axis, axis=1 included, or a transposed answer,
    always shows but for axis=1 in the 2-D case) at temperatures away from 1;
    then two edge cases, where one row is shifted by thousands (np.exp
    overflows without the max trick) and another holds one logit thousands
    above the rest (a shift by the row's minimum overflows)."""
    cases = []
    for shape, temperature, edge in [
            ((5, 7), rng.uniform(0.3, 0.8), False), ((2, 3, 5), rng.uniform(1.5, 3.0), False),
            ((3, 5, 4), rng.uniform(0.3, 0.8), False), ((4, 2, 3), rng.uniform(1.5, 3.0), False),
            ((4, 6), rng.uniform(0.3, 0.8), True), ((2, 4, 5), rng.uniform(1.5, 3.0), True)]:
        logits = rng.normal(scale=2.0, size=shape)
        if edge:
            rows = logits.reshape(-1, shape[-1])
            rows[0] += rng.uniform(3000, 5000)
            rows[1, rng.integers(shape[-1])] += rng.uniform(3000, 5000)
        cases.append((logits, temperature))
    return cases


#: float32 keeps each logit to about 6e-8 of its size, so a softmax of
#: logits / temperature computed in float32 is off by about that times the
#: largest |logit| / temperature.  The tolerance is 5e-7 times it (at least
#: 20): measured on 300 draws, float32 with NumPy or PyTorch (dividing before
#: or after the shift) used at most 5% of it, and float16, which the notebook's
#: self-check also refuses, passed none of 1,200 ordinary cases.
SOFTMAX_TOLERANCE = 5e-7


def judge_softmax(args, got, expected):
    """The solution's probabilities, to within float32's rounding of these
    logits: about 1e-5 for ordinary ones, 1e-2 for logits in the thousands."""
    logits, temperature = np.asarray(args[0], dtype=float), float(args[1])
    tolerance = SOFTMAX_TOLERANCE * max(20.0, float(np.abs(logits).max()) / abs(temperature))
    return same_as_solution(atol=tolerance, rtol=tolerance)(args, got, expected)


def char_ids_cases(rng):
    """A shuffled (never sorted) vocabulary of printable codes; the text uses
    every character of it at least once, in a random order."""
    cases = []
    for vocab_size, extra in [(8, 5), (12, 10), (20, 0)]:
        vocab = rng.choice(np.arange(32, 127), size=vocab_size, replace=False)
        if np.all(np.diff(vocab) > 0):
            vocab[[0, 1]] = vocab[[1, 0]]
        text = np.concatenate([vocab, rng.choice(vocab, size=extra)])
        cases.append((rng.permutation(text), vocab))
    return cases


def causal_mask_cases(rng):
    return [(float(n),) for n in rng.choice(np.arange(2, 10), size=3, replace=False)]


def random_mask(rng, T, S):
    """A random boolean (T, S) mask that masks at least one key and allows
    at least two in every row (S >= 3): a mask that masks nothing would let
    every masking mistake pass its case on some draws, and a row with one
    allowed key has the weights (1, 0, ...) whatever the scores, which
    hides a wrong scale (no 1/sqrt(d_k)) when every row is like that."""
    mask = rng.random((T, S)) < 0.6
    keys = np.argsort(rng.random((T, S)), axis=1)  # three different keys per row
    mask[np.arange(T), keys[:, 0]] = True
    mask[np.arange(T), keys[:, 1]] = True
    mask[np.arange(T), keys[:, 2]] = False
    return mask.astype(float)


def with_large_row(rng, Q, K, mask, sign):
    """Q and the mask changed so that one query row (in every head) has a
    single allowed key whose score is about ``sign`` * 1000: its weights are
    exactly one-hot in any precision, but np.exp overflows (+1000) or
    underflows (-1000) there without the max shift (inf / inf or 0 / 0), and
    a max taken over the whole array instead of each row underflows every
    other row (+1000) or that row (-1000).  With -1000 a masked-out key
    scores exactly 0, far above the allowed key, so a mask applied after the
    softmax (or by multiplying the scores) leaves that row all zeros: 0 / 0
    when renormalised.  The sign is fixed per case, not drawn, and nothing
    else is left to the draw: a mistake that shows with one sign costs the
    same on every grading run."""
    Q, mask = Q.copy(), mask.copy()
    i = rng.integers(Q.shape[-2])
    j = rng.choice(np.flatnonzero(mask[i]))       # a key the mask allowed (causal stays causal)
    mask[i] = 0.0
    mask[i, j] = 1.0
    key = K[..., j, :]
    scale = sign * rng.uniform(1000, 1200) * np.sqrt(Q.shape[-1])
    query = scale * key / np.sum(key**2, axis=-1, keepdims=True)
    if sign < 0:
        # Add the part of another key m that is orthogonal to key j, so that
        # q . m = 0 while q . key_j stays `scale`; m is the key least
        # parallel to key j (in every head).
        def across(m):
            return m - np.sum(m * key, axis=-1, keepdims=True) / np.sum(key**2, axis=-1, keepdims=True) * key
        others = [m for m in range(K.shape[-2]) if m != j]
        m = max(others, key=lambda m: np.min(np.sum(across(K[..., m, :])**2, axis=-1)
                                             / np.sum(K[..., m, :]**2, axis=-1)))
        other, part = K[..., m, :], across(K[..., m, :])
        query -= (np.sum(query * other, axis=-1, keepdims=True)
                  / np.sum(part * other, axis=-1, keepdims=True)) * part
    Q[..., i, :] = query
    return Q, mask


def with_leading_key(rng, Q, K):
    """Q changed so that one query row (in every head) scores its
    largest-norm key at 1000 or more after scaling and every other key at
    least 40 lower: its weights are one-hot to within exp(-40) in any
    precision, and np.exp overflows there without the max shift.  For the
    unmasked case, which keeps the mask=None path graded."""
    Q = Q.copy()
    i = rng.integers(Q.shape[-2])
    for head in np.ndindex(Q.shape[:-2]):
        keys = K[head]
        j = int(np.argmax(np.sum(keys**2, axis=-1)))
        ratio = keys @ keys[j] / np.sum(keys[j] ** 2)        # 1 at j, below 1 elsewhere
        others = np.delete(ratio, j)
        scale = max(rng.uniform(1000, 1200), 40 / (1 - others.max()))
        Q[head][i] = scale * np.sqrt(Q.shape[-1]) * keys[j] / np.sum(keys[j] ** 2)
    return Q


def attention_cases(rng):
    """Four ordinary cases, 2-D and head-batched, three with masks and one
    without (the mask=None path), then three edge cases (the last three).
    In every case the number of heads, T, S, d_k and d_v are all different,
    so taking d_k from the wrong axis or the wrong array (Q.shape[0],
    len(Q), V's width) always gives another scale; d_k is never 1.  Each
    edge case has a query row with scores of 1000 or more (with_large_row,
    in a masked 2-D case and a masked head-batched one, and
    with_leading_key, unmasked), so a softmax without its max shift, or with
    the max of the whole array, gives NaN there, and a mask applied after
    the softmax leaves a row of zeros in the two masked ones: as in the
    softmax part, such a formula keeps part of what the ordinary cases
    earn (half with all three wrong)."""
    n = lambda *shape: rng.normal(size=shape)
    S = rng.choice([5, 6, 7])                                    # never 4 or 3, and a
    T = rng.choice([t for t in (2, 5, 6, 7) if t != S])          # mask needs S >= 3
    T3, S3 = rng.choice([3, 4, 7], size=2, replace=False)       # never 2, 5 or 6
    Q5, K5 = n(T, 4), n(S, 4)
    Q5, mask5 = with_large_row(rng, Q5, K5, random_mask(rng, T, S), sign=-1.0)
    Q6, K6 = n(2, T3, 6), n(2, S3, 6)
    Q6, mask6 = with_large_row(rng, Q6, K6, random_mask(rng, T3, S3), sign=-1.0)
    Q7, K7 = n(2, 4, 3), n(2, 4, 3)
    return [
        (n(T, 4), n(S, 4), n(S, 3), random_mask(rng, T, S)),               # T != S
        (n(5, 8), n(5, 8), n(5, 2), np.tril(np.ones((5, 5)))),             # causal
        (n(2, T3, 6), n(2, S3, 6), n(2, S3, 5), random_mask(rng, T3, S3)),  # heads + mask
        (n(2, 4, 3), n(2, 4, 3), n(2, 4, 5)),                              # heads, no mask
        (Q5, K5, n(S, 3), mask5),                                          # edge: -1000, masked
        (Q6, K6, n(2, S3, 5), mask6),                                      # edge: -1000, heads
        (with_leading_key(rng, Q7, K7), K7, n(2, 4, 5)),                   # edge: +1000, heads
    ]


def positional_cases(rng):
    """Lengths of 40 to 64 positions and widths of 6 to 32 (never equal, so
    a transposed answer has another shape): a base of 10001 or 9999 instead
    of 10000 moves the late positions' angles by more than the tolerance
    (not with a width of 4, never drawn)."""
    lengths = rng.integers(40, 65, size=3)
    widths = 2 * rng.integers(3, 17, size=3)
    return [(float(L), float(D)) for L, D in zip(lengths, widths)]


def mha_cases(rng):
    cases = []
    for T, D, heads in [(5, 8, 2), (4, 12, 3), (6, 8, 4)]:
        X = rng.normal(size=(T, D))
        W_q, W_k, W_v, W_o = rng.normal(size=(4, D, D)) / np.sqrt(D)
        cases.append((X, W_q, W_k, W_v, W_o, float(heads)))
    return cases


# Tolerances accept the same formulas computed in float32 (measured on these
# cases, float32 against float64) and reject the mistakes the cases expose.
PARTS = [
    # float32, to within its rounding of the case's logits (judge_softmax).
    # Mistakes: a naive exp gives NaN in the edge cases (half the part);
    # multiplying by the temperature instead of dividing, or ignoring it,
    # moves probabilities by more than 0.01.
    Part("check_softmax_with_temperature", "softmax with a temperature", 2,
         Call("softmax_with_temperature"), judge_softmax,
         softmax_cases, edge_cases=2, edge_floor=0.5),
    # Whole numbers: exact in any dtype.
    Part("check_char_ids", "character ids", 1, Call("char_ids"),
         same_as_solution(atol=0, rtol=0), char_ids_cases),
    Part("check_causal_mask", "causal mask", 1, Call("causal_mask"),
         same_as_solution(atol=0, rtol=0), causal_mask_cases),
    # float32: about 1e-6 relative.  Mistakes: no 1/sqrt(d_k), sqrt of the
    # wrong width, the mask the wrong way round or a softmax over the wrong
    # axis change outputs by more than 0.01.
    # Right values in the other order, (weights, output), keep half: no
    # formula mistake turns one into the other.
    Part("check_attention", "scaled dot-product attention", 3, Call("attention"),
         same_as_solution(atol=1e-5, rtol=1e-4, names=("output", "weights"),
                          reordered_credit=ORDER_CREDIT),
         attention_cases, edge_cases=3, edge_floor=0.5),
    # float32: sin and cos of angles up to 64 radians, at most 2.6e-6
    # absolute (a sixth of the tolerance, on every length and width drawn).
    # Mistake: i instead of 2i in the exponent moves most columns by > 0.01.
    Part("check_positional_encoding", "sinusoidal positional encoding", 2,
         Call("positional_encoding"), same_as_solution(atol=1e-5, rtol=1e-4), positional_cases),
    # Float32 frameworks: compare to within float32 rounding of a few matrix
    # products.  Mistake: heads not transposed back, or no output projection,
    # changes outputs by more than 0.1.
    Part("check_mha_forward", "multi-head attention in a framework", 3, Call("mha_forward"),
         same_as_solution(atol=1e-4, rtol=1e-4), mha_cases),
]
