"""Text a student chose (a file or folder name, an error's message, an
exception's name), made safe to show a person beside the grader's own words:
printable, and where it must be, one short line."""

from __future__ import annotations

import unicodedata


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
