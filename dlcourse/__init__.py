"""Helpers shared by the chapters and exercises of the deep-learning course.

Each helper is written out in full in the chapter that introduces it (its
docstring names that chapter); later chapters import it from here instead of
repeating the code. Nothing here imports TensorFlow or PyTorch at import time.
"""

from .data import load_digits, load_moons, logic_gate, weight_height
from .messages import use_language
from .notebook_setup import quiet_logs, set_seed
from .plot import plot_decision_boundary, plot_learning_curves
from .scratch import sigmoid, sigmoid_grad, softmax, step

__all__ = [
    "load_digits",
    "load_moons",
    "logic_gate",
    "plot_decision_boundary",
    "plot_learning_curves",
    "quiet_logs",
    "set_seed",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "step",
    "use_language",
    "weight_height",
]
