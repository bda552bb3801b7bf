"""The course kit: one download with everything a student needs to run the
book's code and do the exercises on their own machine.

After a successful HTML build, ``course-kit.zip`` is written at the site's
root (``_build/html/course-kit.zip``; the intro and the exercises page link
to it). It holds, in a folder ``dl-course-kit/``:

- ``chapters/``: every chapter as an executed notebook, the same files the
  download menu offers (``_ext/notebook_download.py`` puts them in
  ``_sources/``);
- ``exercises/``: the released exercise notebooks, as in the repository
  (their Korean twins in ``exercises/ko/``);
- the course's package as a wheel (``dlcourse``, the chapters' helpers, with
  ``autograder``, whose ``validate`` command students run before they submit);
- ``requirements.txt``: the course's own, with its exact pins;
- ``README.txt``: how to install it and open JupyterLab.

The repository is found through the installed ``dlcourse`` package (the
course's environment installs it in editable mode), so a copy of the book
built elsewhere (the tests build some) packs the same course.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

KIT_NAME = "course-kit.zip"
FOLDER = "dl-course-kit"
#: What the wheel is built from (pyproject.toml names the packages).
PACKAGE_SOURCES = ("pyproject.toml", "dlcourse", "autograder")

README = """\
{title}: the course kit

Everything here runs on your own computer with Python 3.11 (no GPU needed).
In a terminal, in this folder:

    python3.11 -m venv .venv && source .venv/bin/activate
    pip install -r requirements.txt {wheel}
    jupyter lab

(On Windows, activate with .venv\\Scripts\\activate instead of the source command.)

chapters/   every chapter of the book as a notebook, outputs included
exercises/  the graded exercises: open one, answer, run its self-checks
            (exercises/ko/: the same exercises in Korean; 한국어 연습 문제)

Before you submit an exercise, check it in the same terminal:

    python -m autograder validate exercises/tensors/tensors.ipynb
"""


def course_root() -> Path:
    """The repository the course's environment installed ``dlcourse`` from."""
    import dlcourse

    root = Path(dlcourse.__file__).resolve().parent.parent
    if not (root / "exercises").is_dir() or not (root / "requirements.txt").is_file():
        raise FileNotFoundError(f"{root} has no exercises/ and requirements.txt: dlcourse is not "
                                "installed from the course's repository (make install does that)")
    return root


def build_wheel(root: Path, out: Path) -> Path:
    """Build the course's wheel from a clean copy of its sources (so that no
    build folder or egg-info is left in the repository)."""
    with tempfile.TemporaryDirectory(prefix="dlcourse-wheel-") as tmp:
        for name in PACKAGE_SOURCES:
            source, target = root / name, Path(tmp, name)
            if source.is_dir():
                shutil.copytree(source, target,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copyfile(source, target)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "--no-build-isolation", "--wheel-dir", str(out), tmp],
                       check=True, capture_output=True, text=True)
    wheels = sorted(out.glob("dlcourse-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one dlcourse wheel in {out}, found {wheels}")
    return wheels[0]


def chapter_notebooks(outdir: Path) -> list[Path]:
    return sorted(Path(outdir, "_sources", "chapters").glob("*.ipynb"))


def write_kit(app, exception) -> None:
    if exception is not None or app.builder.name != "html":
        return
    chapters = chapter_notebooks(app.outdir)
    if not chapters:
        logger.warning("no executed chapter notebooks in _sources/chapters: "
                       f"{KIT_NAME} not written")
        return
    try:
        root = course_root()
        with tempfile.TemporaryDirectory(prefix="dlcourse-kit-") as tmp:
            wheel = build_wheel(root, Path(tmp))
            target = Path(app.outdir, KIT_NAME)
            partial = target.with_suffix(".zip.part")
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as kit:
                kit.writestr(f"{FOLDER}/README.txt",
                             README.format(title=app.config.project, wheel=wheel.name))
                kit.write(root / "requirements.txt", f"{FOLDER}/requirements.txt")
                kit.write(wheel, f"{FOLDER}/{wheel.name}")
                for notebook in chapters:
                    kit.write(notebook, f"{FOLDER}/chapters/{notebook.name}")
                for path in sorted((root / "exercises").rglob("*.ipynb")):  # ko/ too
                    kit.write(path, f"{FOLDER}/{path.relative_to(root).as_posix()}")
            partial.replace(target)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or ""
        logger.warning(f"{KIT_NAME} could not be written: {error} {detail}".strip())
        return
    logger.info(f"course kit: {target} ({target.stat().st_size // 2**20} MB, "
                f"{len(chapters)} chapters)")


def setup(app):
    # After notebook_download has put the executed chapters in _sources/.
    app.connect("build-finished", write_kit)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
