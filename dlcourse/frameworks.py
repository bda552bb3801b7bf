"""Framework-neutral access to tensors and models.

Exercises let students answer with Keras or PyTorch; the self-checks and the
autograder read the answers through these two functions, so both frameworks
(and plain NumPy) are handled in one place.  Neither imports a framework: a
framework the student never imported cannot be the type of their answer.
Introduced with the first exercise (Perceptrons and XOR).
"""

from __future__ import annotations

import sys

import numpy as np

from .messages import N_

#: What :func:`to_numpy` raises (as TypeError) for an answer that is not
#: numbers; the grader shows these two in its own words, and only these.
RETURNED_NONE = N_("returned None, not numbers (is a `return` missing?)")
RETURNED_STRING = N_("returned a string, not numbers")
#: Any other answer that is not numbers (a dict, a set, a generator), by its type's name.
RETURNED_OTHER = N_("returned {type}, not numbers")


#: Floating dtypes narrower than NumPy's default float64, by their names in
#: NumPy, PyTorch and TensorFlow alike, narrowest first: the binary digits
#: of each number each keeps (its significand), and about as many decimal
#: digits.
NARROW_FLOATS = {"bfloat16": (8, 2), "float16": (11, 3), "float32": (24, 7)}
#: What a wrong answer's values show when :func:`rounded_like` finds the
#: rounding of one of those types (the self-check's words and the grader's).
PRECISION_NOTES = {
    "bfloat16": N_("your values keep about 2 significant digits, as bfloat16 does: compute in "
                   "float32 or float64"),
    "float16": N_("your values keep about 3 significant digits, as float16 does: compute in "
                  "float32 or float64"),
    # Values that use no more digits than bfloat16 keeps, and lie within
    # float16's range, could be the work of either.
    "half": N_("your values keep no more digits than half precision (float16 or bfloat16) "
               "does: compute in float32 or float64"),
    "float32": N_("your values keep about 7 significant digits, as float32 does: if the formula "
                  "is right, compute in float64"),
}


def significant_bits(values: np.ndarray) -> int:
    """The most binary digits any finite, nonzero value in ``values`` needs (0 if none)."""
    v = values[np.isfinite(values) & (values != 0)]
    if not v.size:
        return 0
    digits = (np.frexp(np.abs(v))[0] * 2.0 ** 53).astype(np.int64)  # 53 bits, the first 1
    lowest = digits & -digits
    return 53 - int(np.log2(lowest.astype(float)).min())


def whole_numbers(*arrays) -> bool:
    """Whether every value of every array is a whole number (a count, a
    shape): exact in any floating type, so its digits show no precision."""
    with np.errstate(invalid="ignore"):
        return all(bool(np.all(a == np.round(a))) for a in arrays)


#: The largest finite float16 and its smallest normal number: bfloat16
#: values beyond them cannot be float16's.
FLOAT16_RANGE = (2.0 ** -14, 65504.0)


def rounded_like(got, expected) -> str | None:
    """The narrower floating type ("bfloat16", "float16" or "float32") whose
    rounding explains why ``got`` misses ``expected``, if one does ("half"
    when values with bfloat16's digits lie within float16's range: either
    type's rounding gives them): every
    value of ``got`` within a hundredth of the largest expected value (as
    near as rounding, even magnified by a difference of two close numbers,
    takes an answer: a float32 numerical gradient with h = 1e-5 is off by
    about 1e-3; other formulas rarely come this near), using (nearly) every
    digit that type keeps and none beyond, where ``expected`` needs more.
    The values show it whatever dtype they came in (bfloat16 work arrives
    as float32: NumPy has no bfloat16)."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape or not expected.size:
        return None
    if whole_numbers(got, expected):
        return None  # a count: its digits say nothing of a type
    with np.errstate(invalid="ignore"):
        if not np.all(np.abs(got - expected) <= 0.01 * np.abs(expected).max()):
            return None
    used, needed = significant_bits(got), significant_bits(expected)
    for name, (kept, _digits) in NARROW_FLOATS.items():
        if kept - 2 < used <= kept < needed:
            if name == "bfloat16" and _within_float16(got):
                return "half"
            return name
    return None


def _within_float16(values: np.ndarray) -> bool:
    """Whether every finite, nonzero value lies in float16's normal range."""
    v = np.abs(values[np.isfinite(values) & (values != 0)])
    low, high = FLOAT16_RANGE
    return bool(np.all((v >= low) & (v <= high)))


def narrow_float(x) -> str | None:
    """The name of ``x``'s dtype ("float16", "bfloat16" or "float32") when
    ``x`` is an array, a tensor or a number of a floating dtype narrower
    than float64; otherwise None.  :func:`to_numpy` returns float64 either
    way, so a self-check that must say what precision was lost asks here
    first."""
    dtype = getattr(x, "dtype", None)
    name = getattr(dtype, "name", None) or str(dtype).removeprefix("torch.")
    return name if name in NARROW_FLOATS else None


def to_numpy(x) -> np.ndarray:
    """``x`` (a NumPy array, a number, a list, a TensorFlow or PyTorch
    tensor) as a float64 NumPy array.

    ``None`` and strings are refused with a TypeError rather than turned into
    NaN or parsed: both are usually a bug (a missing ``return``).
    """
    if x is None:
        raise TypeError(RETURNED_NONE)
    if isinstance(x, (str, bytes)):
        raise TypeError(RETURNED_STRING)
    if hasattr(x, "detach"):  # a PyTorch tensor, possibly tracking gradients
        x = x.detach().cpu()
        # NumPy has no bfloat16: widened first (exactly), or .numpy() refuses it.
        x = (x.float() if narrow_float(x) == "bfloat16" else x).numpy()
    elif hasattr(x, "numpy") and not isinstance(x, np.ndarray):  # a TensorFlow tensor
        x = x.numpy()
    try:
        return np.asarray(x, dtype=float)
    except TypeError:  # NumPy's words ("float() argument must be ...") name no answer
        raise TypeError(RETURNED_OTHER.format(type=type(x).__name__)) from None


def predict(model, X) -> np.ndarray:
    """Run ``model`` on the rows of ``X`` in inference mode and return NumPy.

    ``model`` may be a PyTorch ``nn.Module`` (run in ``eval`` mode without
    gradients, then put back in its previous mode), a Keras model (called
    with ``training=False``) or any function of a NumPy array.  ``X`` is
    passed as float32, the dtype both frameworks default to.
    """
    X = np.asarray(X, dtype=np.float32)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(model, torch.nn.Module):
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                return to_numpy(model(torch.from_numpy(X)))
        finally:
            model.train(was_training)
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(model, keras.Model):
        return to_numpy(model(X, training=False))
    if callable(model):
        return to_numpy(model(X))
    raise TypeError(
        f"expected a Keras model, a PyTorch nn.Module or a function, got {type(model).__name__}"
    )
