"""Self-check cells for the exercises: public checks explained in plain words.

Every graded part of an exercise ends with a locked cell like::

    with self_check("step") as check:
        check.close(step(np.array([-2.0, 0.0, 3.0])), [0, 0, 1],
                    call="step([-2, 0, 3])", hint="z = 0 is not above 0.")

Run it any time.  It either prints that the public checks pass, or stops at
the first failure with what was expected, what came back, and a hint, instead
of a bare ``AssertionError``.  Passing it does not guarantee full marks: the
autograder checks each part again on inputs drawn at grading time.
Introduced with the first exercise (Perceptrons and XOR).
"""

from __future__ import annotations

import numpy as np

from .frameworks import to_numpy


class SelfCheckFailed(Exception):
    """A public check failed; the message says what and why."""

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback: the student's
        # code is not at fault in a way a traceback into this module explains.
        return [str(self)]


def _show(a: np.ndarray) -> str:
    """A short printout of ``a``; rows after the first line up under it."""
    text = np.array2string(a, precision=4, suppress_small=True, threshold=20)
    return text.replace("\n", "\n" + " " * len("  Expected: "))


class self_check:  # noqa: N801 - used like a statement: `with self_check(...)`
    """Collect the public checks of one part; report on leaving the block."""

    def __init__(self, part: str):
        self.part = part
        self.passed = 0

    def __enter__(self) -> "self_check":
        return self

    def _fail(self, text: str, hint: str | None):
        message = f"✗ {self.part}: {text}"
        if hint:
            message += f"\n  Hint: {hint}"
        raise SelfCheckFailed(message)

    def close(self, got, expected, *, call: str, hint: str | None = None,
              atol: float = 1e-6, rtol: float = 1e-5) -> None:
        """``got`` must have ``expected``'s shape and values, within
        ``atol + rtol * |expected|``: the same formula computed in float32
        passes, as it does with the autograder."""
        expected = np.asarray(expected, dtype=float)
        try:
            got_array = to_numpy(got)
        except (TypeError, ValueError) as error:
            reason = str(error) if str(error).startswith("returned") else \
                f"returned {type(got).__name__}, not numbers"
            self._fail(f"{call} {reason}.", hint)
        if got_array.shape != expected.shape:
            self._fail(
                f"{call} returned an array of shape {got_array.shape}; "
                f"expected shape {expected.shape}.\n  Got:      {_show(got_array)}", hint)
        if not np.allclose(got_array, expected, atol=atol, rtol=rtol):
            self._fail(
                f"{call} returned the wrong values.\n"
                f"  Expected: {_show(expected)}\n  Got:      {_show(got_array)}", hint)
        self.passed += 1

    def true(self, condition: bool, *, message: str, hint: str | None = None) -> None:
        """A condition that must hold; ``message`` says what went wrong if not."""
        if not condition:
            self._fail(message, hint)
        self.passed += 1

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            print(f"✓ {self.part}: {self.passed} public check(s) passed. "
                  "The autograder checks again on other inputs.")
            return False
        if issubclass(exc_type, SelfCheckFailed):
            return False
        if issubclass(exc_type, NotImplementedError):
            raise SelfCheckFailed(
                f"✗ {self.part}: not written yet. Replace `raise NotImplementedError()` "
                "in the cell above with your code, run that cell, then run this one.") from None
        if issubclass(exc_type, NameError):
            raise SelfCheckFailed(
                f"✗ {self.part}: {exc}. Run the cell above (and the cells before it) "
                "first.") from None
        # An error inside the student's own code: keep its traceback, which
        # points at their line, and say where it came from.
        print(f"✗ {self.part}: your code raised {exc_type.__name__} (details below).")
        return False
