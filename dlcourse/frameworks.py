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
#: NumPy, PyTorch and TensorFlow alike, with the significant decimal digits
#: each keeps.
NARROW_FLOATS = {"float16": 3, "bfloat16": 2, "float32": 7}


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
