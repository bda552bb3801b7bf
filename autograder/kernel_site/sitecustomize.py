"""Python's start-up in the grading sandbox (copied to the first folder of
its PYTHONPATH, beside the helper package, by autograder/sandbox.py).

What the grader's machine lacks is not the student's doing.  A font a
notebook asks Matplotlib for, such as Malgun Gothic (usual on Korean
Windows), is seldom installed on a grader: Matplotlib then says so for every
text it draws (70 lines for one small figure) and warns of each Hangul glyph
its fallback font lacks, which filled a student's feedback page with
English warnings about the grader's fonts.  Those two messages are left
out; the figure is drawn with the fonts the machine has, as before.
"""

import logging
import warnings

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
