"""Python's start-up in the grading sandbox (copied to the first folder of
its PYTHONPATH, beside the helper package, by autograder/sandbox.py).

What the grader's machine lacks is not the student's doing.  A font a
notebook asks Matplotlib for, such as Malgun Gothic (usual on Korean
Windows), is seldom installed on a grader: Matplotlib then says so for every
text it draws (70 lines for one small figure), and draws with DejaVu Sans,
which has no Hangul: every Korean letter of the student's figure was an
empty box on the feedback page, under a warning per glyph.

So the Korean fonts of Windows, macOS and the Korean tutorials are, on a
grader, names for NanumGothic (`make sandbox` installs Debian's
fonts-nanum), given to Matplotlib's font list when Matplotlib loads it;
and the two warnings, for any other font the grader lacks, are left out.
"""

import importlib.abc
import importlib.machinery
import logging
import sys
import warnings

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)

#: The grader's Korean font, and the names notebooks ask for it by.
KOREAN_FONT = "NanumGothic"
KOREAN_FAMILIES = ("Malgun Gothic", "맑은 고딕", "AppleGothic", "Apple SD Gothic Neo",
                   "Gulim", "굴림", "Dotum", "돋움", "Batang", "바탕", "Noto Sans KR",
                   "Noto Sans CJK KR", "NanumBarunGothic", "나눔고딕")


def korean_names(font_manager) -> None:
    """Add each of KOREAN_FAMILIES that the machine lacks to Matplotlib's
    font list, as another name of KOREAN_FONT's files."""
    import dataclasses

    manager = font_manager.fontManager
    have = {entry.name for entry in manager.ttflist}
    korean = [entry for entry in manager.ttflist if entry.name == KOREAN_FONT]
    for name in KOREAN_FAMILIES if korean else ():
        if name not in have:
            manager.ttflist.extend(dataclasses.replace(entry, name=name) for entry in korean)


class _AfterFontManager(importlib.abc.MetaPathFinder):
    """Runs :func:`korean_names` once Matplotlib's font manager has loaded
    (not before: importing Matplotlib at start-up would slow every Python)."""

    def find_spec(self, name, path, target=None):
        if name != "matplotlib.font_manager":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                try:
                    korean_names(module)
                except Exception:  # noqa: BLE001  (a later Matplotlib: its own fonts only)
                    pass

            spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _AfterFontManager())
