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

Messages are shown in the notebook's language (``dlcourse.use_language``):
this module's own words, and the hints and messages the check cells pass,
are looked up in ``dlcourse/locale/<language>/LC_MESSAGES/dlcourse.po``. A
message that shows a value is a template with named fields filled in after
translation, so that it can be found there::

    check.true(w.shape == (2,), message="w has shape {shape}.", shape=w.shape)
"""

from __future__ import annotations

import unicodedata
import warnings

import numpy as np

from .frameworks import (
    NARROW_FLOATS,
    PRECISION_NOTES,
    RETURNED_NONE,
    RETURNED_OTHER,
    RETURNED_STRING,
    narrow_float,
    rounded_like,
    to_numpy,
    whole_numbers,
)
from .messages import _


def _last_cell_not_written(name: str | None) -> bool:
    """Whether the last cell that failed in this kernel (an answer cell run
    just before its self-check) still raised NotImplementedError, so that
    ``name``, which it would have defined, is missing because the part is
    not written yet rather than misspelt."""
    import sys

    return bool(name) and getattr(sys, "last_type", None) is NotImplementedError


class ExitCalled(Exception):
    """``exit()`` or ``quit()`` in a notebook being checked or graded."""

    def _render_traceback_(self):
        """What IPython shows of it: the message alone (the course's own
        lines that raised it would say nothing to the student)."""
        return [f"{type(self).__name__}: {self}"]


def prepare_checked_kernel() -> None:
    """How a kernel runs a notebook that is being checked (``validate``) or
    graded; the kernel runs this when it starts (``kernel_arguments`` in
    autograder/language.py).

    ``exit()`` and ``quit()`` end only their own cell, with a message, as an
    error would: in Jupyter they end the kernel a moment after their cell,
    so whichever cell was running then stopped too, and the grade depended
    on that moment.  ``%reset`` (but for its histories: ``in``, ``out``,
    ``dhist``) and ``%reset_selective`` leave the notebook's names, and say
    so: the functions it removed still answered, but without the
    names they use (``np``), and a notebook that ended with ``%reset -f``
    scored 4 of 14 where its self-checks had all passed."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return

    def ask_exit():
        raise ExitCalled(_("exit() and quit() end the kernel in Jupyter. While the notebook is "
                           "checked or graded they end only their own cell, and the cells after "
                           "it still run: remove them from the notebook."))

    def refuse(line=""):
        print(_("%reset and %reset_selective remove the notebook's names in Jupyter. While the "
                "notebook is checked or graded they leave them, so that each part can be "
                "graded: remove them from the notebook."))

    histories = shell.find_line_magic("reset")

    def reset(line=""):
        if {"in", "out", "dhist"} & set(line.split()):  # histories only, as in Jupyter
            return histories(line)
        return refuse(line)

    shell.ask_exit = ask_exit
    shell.register_magic_function(reset, magic_kind="line", magic_name="reset")
    shell.register_magic_function(refuse, magic_kind="line", magic_name="reset_selective")


class SelfCheckFailed(Exception):
    """A public check failed; the message says what and why."""

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback: the student's
        # code is not at fault in a way a traceback into this module explains.
        return [str(self)]


def _values(expected: np.ndarray | None, got: np.ndarray) -> str:
    """The "Expected:" and "Got:" lines; a value's later rows line up under its first.
    Four decimals, or as many more as it takes for two values that differ
    (beyond the check's tolerance) not to print alike."""
    lines = [] if expected is None else [(_("Expected:"), expected)]
    lines.append((_("Got:"), got))
    width = max(_columns(label) for label, _value in lines)
    for precision in range(4, 18):
        shown = [np.array2string(value, precision=precision, suppress_small=True, threshold=20)
                 for _label, value in lines]
        if len(set(shown)) == len(shown):
            break
    text = ""
    for (label, _value), value_text in zip(lines, shown):
        text += f"\n  {label}{' ' * (width - _columns(label))} " + \
            value_text.replace("\n", "\n" + " " * (width + 3))
    return text


def _columns(text: str) -> int:
    """The columns ``text`` takes in a monospaced font: Hangul and other wide
    characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class self_check:  # noqa: N801 - used like a statement: `with self_check(...)`
    """Collect the public checks of one part; report on leaving the block."""

    def __init__(self, part: str):
        self.part = part
        self.passed = 0
        self._warnings = None

    def __enter__(self) -> "self_check":
        # The block is the course's code: a library's DeprecationWarning in it
        # (NumPy 2 on a torch tensor in `h @ W2`) is not the student's doing,
        # and nbgrader would count its stderr as a failed check.
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore", DeprecationWarning)
        return self

    def _fail(self, text: str, hint: str | None):
        message = f"✗ {self.part}: {text}"
        if hint:
            message += "\n  " + _("Hint: {hint}").format(hint=_(hint))
        raise SelfCheckFailed(message)

    def close(self, got, expected, *, call: str, hint: str | None = None,
              atol: float = 1e-6, rtol: float = 1e-5) -> None:
        """``got`` must have ``expected``'s shape and values, within
        ``atol + rtol * |expected|``: the same formula computed in float32
        passes, as it does with the autograder.  Half precision (float16,
        bfloat16) does not pass where an expected value is not a whole
        number, even when the answer's values come out near enough: the
        autograder's inputs need more digits than it keeps.  (Whole numbers,
        such as shapes and counts, it holds exactly.)"""
        expected = np.asarray(expected, dtype=float)
        narrow = narrow_float(got)
        try:
            got_array = to_numpy(got)
        except (TypeError, ValueError) as error:
            reason = _(str(error)) if str(error) in (RETURNED_NONE, RETURNED_STRING) else \
                _(RETURNED_OTHER).format(type=type(got).__name__)
            self._fail(_("{call} {reason}.").format(call=_(call), reason=reason), hint)
        if expected.size == 1 and got_array.size == 1:
            # A number or an array of one element: the same answer, as in the grader.
            got_array = got_array.reshape(expected.shape)
        if got_array.shape != expected.shape:
            self._fail(_("{call} returned an array of shape {shape}; expected shape {expected}.")
                       .format(call=_(call), shape=got_array.shape, expected=expected.shape)
                       + _values(None, got_array), hint)
        if narrow in ("float16", "bfloat16") and not whole_numbers(expected):
            # Its own message, without the hint: the hint is about a mistake in the formula.
            self._fail(_("{call} returned {dtype} values, which keep only about {digits} significant "
                         "digits: too few for the autograder's checks. Compute in float32 or float64.")
                       .format(call=_(call), dtype=narrow, digits=NARROW_FLOATS[narrow][1]), None)
        if not np.allclose(got_array, expected, atol=atol, rtol=rtol):
            text = _("{call} returned the wrong values.").format(call=_(call)) + _values(expected, got_array)
            if rounded := rounded_like(got_array, expected):
                text += "\n  " + _("Note: {note}.").format(note=_(PRECISION_NOTES[rounded]))
            self._fail(text, hint)
        self.passed += 1

    def true(self, condition: bool, *, message: str, hint: str | None = None, **values) -> None:
        """A condition that must hold; ``message`` says what went wrong if not,
        its ``{fields}`` filled from ``values`` once translated."""
        if not condition:
            self._fail(_(message).format(**values) if values else _(message), hint)
        self.passed += 1

    def __exit__(self, exc_type, exc, tb):
        self._warnings.__exit__(exc_type, exc, tb)
        if exc_type is None:
            print(f"✓ {self.part}: " + _("{count} public check(s) passed. "
                                          "The autograder checks again on other inputs.")
                  .format(count=self.passed))
            return False
        if issubclass(exc_type, SelfCheckFailed):
            return False
        if issubclass(exc_type, NotImplementedError) or issubclass(exc_type, NameError) and \
                tb is not None and tb.tb_next is None and \
                _last_cell_not_written(getattr(exc, "name", None)):
            raise SelfCheckFailed(
                f"✗ {self.part}: " + _("not written yet. Replace `raise NotImplementedError()` "
                                       "in the cell above with your code, run that cell, "
                                       "then run this one.")) from None
        if issubclass(exc_type, NameError) and getattr(exc, "name", None) and tb is not None \
                and tb.tb_next is None:  # a name this cell uses, not one inside the student's function
            raise SelfCheckFailed(
                f"✗ {self.part}: " + _("{name} is not defined. Run the cell above (and the cells "
                                       "before it) first; if they ran, the cell above must define "
                                       "{name}, under exactly this name.").format(name=exc.name)) from None
        # An error inside the student's own code: keep its traceback, which
        # points at their line, and say where it came from.
        print(f"✗ {self.part}: " + _("your code raised {error} (details below).")
              .format(error=exc_type.__name__))
        return False
