"""Text a student chose (a file or folder name, an error's message, an
exception's name), made safe to show a person beside the grader's own words:
printable, and where it must be, one short line."""

from __future__ import annotations

import re
import unicodedata

from dlcourse.messages import N_


def printable(text, *, lines: bool = False) -> str:
    """``text`` safe to print on a terminal or write into a CSV or log that a
    person opens: every control character (C0, DEL, C1: ESC and so the
    terminal's escape sequences), bidirectional override, zero-width or other
    format character, line or paragraph separator and unassigned code point
    is replaced by a visible escape (``\\x1b``, ``\\u202e``).  Bytes of a
    file name that were not UTF-8 (kept by Python as lone surrogates) are
    shown as ``\\xNN``.  Anything else, Korean names included, is kept.

    The one helper for this: statuses, collect's events, the printed table,
    the CSV, the progress lines and the grading logs all go through it.  It
    changes nothing in text it already returned.  With ``lines=True`` line
    breaks are kept (for a log), everything else is escaped the same way."""
    text = str(text)
    if lines:
        return "\n".join(printable(line) for line in text.split("\n"))
    if text.isprintable():  # the common case, and fast
        return text
    out = []
    for char in text:
        code = ord(char)
        if char == " " or (char.isprintable()
                           and unicodedata.category(char) not in ("Cf", "Zl", "Zp")):
            out.append(char)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def shortened(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def one_line(text, limit: int) -> str:
    """``text`` as one printable line of at most ``limit`` characters, so
    that no part of it can pass for a line of the grader's verdict (every
    run of whitespace, line breaks included, becomes one space)."""
    return shortened(printable(" ".join(str(text).split())), limit)


#: What may stand inside the printed array that :func:`without_arrays` cuts:
#: numbers (NumPy's and Python's notation), separators and NumPy's "...".
_ARRAY_TEXT = re.compile(r"[\[\]\s\d.,eE+\-naif()…]*")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?")
#: Fewer numbers than this in brackets are kept (a shape, an index, [w, b]).
ARRAY_NUMBERS = 6


def without_arrays(text: str) -> str:
    """``text`` with every printed array of numbers in it (``[[0. 0.026 ...]
    [...]]``) shown as ``[…]``.  A library's error message can print the
    input it was given: the grader's inputs, and the words after them that
    say what was wrong, would not fit on the student's line."""
    closing, open_at = {}, []  # where each "[" closes (one pass: any text, any depth)
    for index, char in enumerate(text):
        if char == "[":
            open_at.append(index)
        elif char == "]" and open_at:
            closing[open_at.pop()] = index
    out, i = [], 0
    while i < len(text):
        end = closing.get(i)
        if end is not None:
            inside = text[i:end + 1]
            if _ARRAY_TEXT.fullmatch(inside) and len(_NUMBER.findall(inside)) >= ARRAY_NUMBERS:
                out.append("[…]")
                i = end + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def display_width(text: str) -> int:
    """The columns ``text`` takes on a terminal: two for a wide character
    (Hangul, CJK), none for a combining mark."""
    return sum(0 if unicodedata.combining(char) else
               2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


#: Python's words for a character it cannot read in code (a SyntaxError),
#: where the character is a full-width one: the ideographic space or a
#: full-width twin of an ASCII character, typed while a Korean, Japanese or
#: Chinese input mode was on.
_FULL_WIDTH = re.compile(
    r"invalid (?:non-printable )?character (?:'.' \()?U\+(?P<code>3000|FF[0-5][0-9A-F])\b")


#: What the grader and validate add to such an error, with the characters
#: :func:`full_width` returns.
FULL_WIDTH_NOTE = N_("{character} is a full-width character, typed while a Korean, Japanese or "
                     "Chinese input mode was on: type it again as {half}")


def full_width(error: str) -> tuple[str, str] | None:
    """The full-width character an error's text names, and its ordinary
    (half-width) twin, if the error is Python's refusal of one."""
    found = _FULL_WIDTH.search(error)
    if not found:
        return None
    code = int(found["code"], 16)
    if code == 0x3000:
        return "U+3000", "' '"
    if not 0xFF01 <= code <= 0xFF5E:
        return None
    return f"'{chr(code)}'", f"'{chr(code - 0xFEE0)}'"
