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

from autograder.checks import Call, Part, same_as_solution


def softmax_cases(rng):
    """Logits of a few shapes at temperatures away from 1; one row of every
    case is shifted by thousands, which overflows np.exp without the max trick."""
    cases = []
    for shape, temperature in [((6,), rng.uniform(0.3, 0.8)), ((4, 5), rng.uniform(1.5, 3.0)),
                               ((2, 3, 4), rng.uniform(0.3, 0.8))]:
        logits = rng.normal(scale=2.0, size=shape)
        logits.reshape(-1, shape[-1])[0] += rng.uniform(3000, 5000)
        cases.append((logits, temperature))
    return cases


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
    """A random boolean (T, S) mask with at least one allowed key per row."""
    mask = rng.random((T, S)) < 0.6
    mask[np.arange(T), rng.integers(0, S, size=T)] = True
    return mask.astype(float)


def attention_cases(rng):
    """2-D and head-batched inputs, with and without masks.  In every case
    the number of heads, T, S, d_k and d_v are all different, so taking d_k
    from the wrong axis or the wrong array (Q.shape[0], len(Q), V's width)
    always gives another scale; d_k is never 1."""
    n = lambda *shape: rng.normal(size=shape)
    T, S = rng.choice([2, 5, 6, 7], size=2, replace=False)      # never 4 or 3
    T3, S3 = rng.choice([3, 4, 7], size=2, replace=False)       # never 2, 5 or 6
    return [
        (n(T, 4), n(S, 4), n(S, 3)),                                       # no mask, T != S
        (n(5, 8), n(5, 8), n(5, 2), np.tril(np.ones((5, 5)))),             # causal
        (n(2, T3, 6), n(2, S3, 6), n(2, S3, 5), random_mask(rng, T3, S3)),  # heads + mask
        (n(2, 4, 3), n(2, 4, 3), n(2, 4, 5)),                              # heads, no mask
    ]


def positional_cases(rng):
    lengths = rng.integers(3, 30, size=3)
    widths = 2 * rng.integers(2, 17, size=3)
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
    # float32: logits shifted by thousands keep only about 5e-4 of absolute
    # precision, so probabilities carry up to ~1e-3 relative error.
    # Mistakes: a naive exp gives NaN; multiplying by the temperature instead
    # of dividing, or ignoring it, moves probabilities by more than 0.01.
    Part("check_softmax_with_temperature", "softmax with a temperature", 2,
         Call("softmax_with_temperature"), same_as_solution(atol=1e-4, rtol=5e-3),
         softmax_cases),
    # Whole numbers: exact in any dtype.
    Part("check_char_ids", "character ids", 1, Call("char_ids"),
         same_as_solution(atol=0, rtol=0), char_ids_cases),
    Part("check_causal_mask", "causal mask", 1, Call("causal_mask"),
         same_as_solution(atol=0, rtol=0), causal_mask_cases),
    # float32: about 1e-6 relative.  Mistakes: no 1/sqrt(d_k), sqrt of the
    # wrong width, the mask the wrong way round or a softmax over the wrong
    # axis change outputs by more than 0.01.
    Part("check_attention", "scaled dot-product attention", 3, Call("attention"),
         same_as_solution(atol=1e-5, rtol=1e-4), attention_cases),
    # float32: sin and cos of angles up to 30 radians, about 2e-6 absolute.
    # Mistake: i instead of 2i in the exponent moves most columns by > 0.01.
    Part("check_positional_encoding", "sinusoidal positional encoding", 2,
         Call("positional_encoding"), same_as_solution(atol=1e-5, rtol=1e-4), positional_cases),
    # Float32 frameworks: compare to within float32 rounding of a few matrix
    # products.  Mistake: heads not transposed back, or no output projection,
    # changes outputs by more than 0.1.
    Part("check_mha_forward", "multi-head attention in a framework", 3, Call("mha_forward"),
         same_as_solution(atol=1e-4, rtol=1e-4), mha_cases),
]
