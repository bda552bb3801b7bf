"""Mark the book's Korean words as Korean: ``<span lang="ko">``.

The pages are English (``<html lang="en">``) with the Korean term beside
each English one ("overfitting (과대적합)"). Without a language on the
Korean text, screen readers read it with English rules and browsers may pick
a font without Korean letters. After the build, every run of Hangul in the
text of every page (prose, tables, the index, code comments; never inside a
tag, a script, a style or the title) is wrapped in a span that says so. Running it
again on a page leaves it as it is. The Korean edition's pages are Korean
(``<html lang="ko">``), and nothing is marked there.
"""

from __future__ import annotations

import re
from pathlib import Path

HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
#: Korean words, with the spaces and middle dots between them.
KOREAN = re.compile(f"[{HANGUL}]+(?:[ \u00b7]+[{HANGUL}]+)*")
TAG = re.compile(r"(<[^>]*>)")
OPEN = '<span lang="ko">'
RAW = ("script", "style", "title", "textarea")  # text that cannot hold a span


def mark_korean(html: str) -> str:
    """``html`` with every run of Hangul in its text inside ``<span lang="ko">``."""
    out, raw, previous = [], None, ""
    for part in TAG.split(html):
        if part.startswith("<"):
            name = re.match(r"</?\s*([A-Za-z0-9]+)", part)
            name = name.group(1).lower() if name else ""
            if raw is None and name in RAW and not part.startswith("</"):
                raw = name
            elif raw == name and part.startswith("</"):
                raw = None
            out.append(part)
        elif raw is None and previous != OPEN:
            out.append(KOREAN.sub(lambda m: f"{OPEN}{m.group(0)}</span>", part))
        else:
            out.append(part)
        if part:
            previous = part
    return "".join(out)


def mark_pages(app, exception) -> None:
    if exception is not None or app.builder.format != "html" or app.config.language == "ko":
        return
    # Not the other editions' folders (ko/), which hold their own pages.
    editions = {folder for folder, _ in getattr(app.config, "book_editions", {}).values() if folder}
    for path in Path(app.outdir).rglob("*.html"):
        if path.relative_to(app.outdir).parts[0] in editions:
            continue
        text = path.read_text(encoding="utf-8")
        marked = mark_korean(text)
        if marked != text:
            path.write_text(marked, encoding="utf-8")


def setup(app):
    app.connect("build-finished", mark_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
