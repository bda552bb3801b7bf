"""Start-of-notebook helpers: quiet framework logs, reproducible randomness."""

import os
import random
import sys
import warnings

import numpy as np

# Environment variables TensorFlow reads once, when it is first imported.
_TF_QUIET_ENV = {
    # C++ start-up lines ("oneDNN custom operations are on", CPU feature notes)
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
}


def quiet_logs():
    """Keep TensorFlow's start-up log lines out of notebook outputs.

    Call it before ``import tensorflow``: TensorFlow reads these settings only
    once. Introduced in chapter 1 (Tensors and frameworks), used by every chapter.
    Returns nothing, so that a cell ending with it shows no output (the
    settings are :func:`quiet_environment`'s). It warns if TensorFlow was
    imported already without them (a kernel forked from a warm process that
    imported TensorFlow with them in effect, as the book's are, is quiet).
    """
    if "tensorflow" in sys.modules and any(
            os.environ.get(name) != value for name, value in _TF_QUIET_ENV.items()):
        warnings.warn(
            "quiet_logs() was called after TensorFlow was imported; "
            "call it first so it can take effect",
            stacklevel=2,
        )
    for name, value in _TF_QUIET_ENV.items():
        os.environ.setdefault(name, value)


def quiet_environment():
    """The environment settings :func:`quiet_logs` applies, as a dict."""
    return dict(_TF_QUIET_ENV)


def set_seed(seed=0):
    """Seed Python's ``random``, NumPy, and whichever of TensorFlow and PyTorch
    are already imported, with one number.

    Call it after the framework imports. It never imports a framework itself,
    so a PyTorch-only notebook does not pay for loading TensorFlow. Returns the
    names of the libraries it seeded. Introduced in chapter 1 (Tensors and
    frameworks); every chapter calls it once near the top so that the numbers quoted
    in the text are the numbers the code prints.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    seeded = ["random", "numpy"]
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].random.set_seed(seed)
        seeded.append("tensorflow")
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
        seeded.append("torch")
    return seeded
