"""The course kit (book/_ext/course_kit.py): what the built site offers a
student to run the book's code and do the exercises, checked as a student
would use it: a fresh virtual environment, installed with the kit's own
README commands, a chapter run, an exercise validated."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import nbformat
import pytest
from conftest import HTML, ROOT

from autograder.language import say
from dlcourse.messages import translations

pytestmark = pytest.mark.book

KIT = HTML / "course-kit.zip"
FOLDER = "dl-course-kit"
RUN_ABOVE = ("{name} is not defined. Run the cell above (and the cells before it) first; if they ran, "
             "the cell above must define {name}, under exactly this name.")
NOT_WRITTEN = ("not written yet. Replace `raise NotImplementedError()` in the cell above with your "
               "code, run that cell, then run this one.")


@pytest.fixture(scope="module")
def kit(built_book):
    assert KIT.is_file(), "the book build wrote no course-kit.zip"
    with zipfile.ZipFile(KIT) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def readme_commands(readme: str) -> list[str]:
    """The shell commands the kit's README gives (its indented lines)."""
    return [line.strip() for line in readme.splitlines() if line.startswith("    ")]


def test_the_kit_holds_every_chapter_executed_every_exercise_and_the_exact_pins(kit):
    chapters = sorted(n for n in kit if n.startswith(f"{FOLDER}/chapters/"))
    assert [n.rsplit("/", 1)[1] for n in chapters] == \
        sorted(p.stem + ".ipynb" for p in (ROOT / "book" / "chapters").glob("*.md"))
    for name in chapters:
        notebook = nbformat.reads(kit[name].decode(), as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert sum(bool(c.outputs) for c in code) > len(code) // 3, f"{name} has no outputs"
        assert "source_map" not in notebook.metadata
    exercises = sorted(n[len(FOLDER) + 1:] for n in kit if n.startswith(f"{FOLDER}/exercises/"))
    assert exercises == sorted(p.relative_to(ROOT).as_posix()
                               for p in (ROOT / "exercises").rglob("*.ipynb"))
    for name in exercises:
        assert kit[f"{FOLDER}/{name}"] == (ROOT / name).read_bytes()
    assert kit[f"{FOLDER}/requirements.txt"] == (ROOT / "requirements.txt").read_bytes()
    wheels = [n for n in kit if re.fullmatch(rf"{FOLDER}/dlcourse-[^/]+\.whl", n)]
    assert len(wheels) == 1
    readme = kit[f"{FOLDER}/README.txt"].decode()
    commands = readme_commands(readme)
    assert commands[1] == f"pip install -r requirements.txt {wheels[0].rsplit('/', 1)[1]}"
    assert commands[2] == "jupyter lab"


def test_the_pages_link_to_the_kit(built_book):
    for page in ("intro.html", "exercises.html"):
        assert 'href="course-kit.zip"' in (HTML / page).read_text(), page


def test_a_student_installs_the_kit_runs_a_chapter_and_validates_an_exercise(kit, tmp_path):
    """From the kit alone (pip may use its cache): the README's commands, then
    chapter 1 executed, the released tensors notebook (not answered) and a
    finished one validated."""
    with zipfile.ZipFile(KIT) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / FOLDER
    venv, install, lab = readme_commands((folder / "README.txt").read_text())[:3]
    assert lab == "jupyter lab"

    def shell(command: str, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", f"set -e; source .venv/bin/activate; {command}"],
                              cwd=folder, capture_output=True, text=True, timeout=timeout)

    created = subprocess.run(["bash", "-c", f"set -e; {venv}"], cwd=folder,
                             capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    # --no-compile: pip writes no bytecode for every module of TensorFlow,
    # PyTorch and JupyterLab (the first import compiles what it uses); this
    # test took 185 s instead of 212 s.
    installed = shell(f"{install} --disable-pip-version-check --quiet --no-compile", 500)
    assert installed.returncode == 0, installed.stderr[-3000:]
    versions = shell("jupyter lab --version && python -c 'import dlcourse, autograder; "
                     "print(dlcourse.__file__)'", 120)
    assert versions.returncode == 0, versions.stderr[-2000:]
    assert str(folder / ".venv") in versions.stdout  # the kit's package, not the repository's

    ran = shell("jupyter nbconvert --to notebook --execute --output-dir run "
                "chapters/01_tensors.ipynb", 300)
    assert ran.returncode == 0, ran.stderr[-3000:]
    executed = nbformat.read(folder / "run" / "01_tensors.ipynb", as_version=4)
    assert not [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]

    unanswered = shell("python -m autograder validate exercises/tensors/tensors.ipynb", 300)
    assert unanswered.returncode == 1, unanswered.stdout + unanswered.stderr
    assert "a notebook of the assignment tensors" in unanswered.stdout
    assert "not answered yet" in unanswered.stdout
    assert "could not be run" not in unanswered.stdout

    # The Korean twin, not answered: its self-checks speak Korean (the wheel
    # carries the catalogs), and validate knows it as the same assignment.
    korean = shell("jupyter nbconvert --to notebook --execute --allow-errors --output-dir run-ko "
                   "exercises/ko/tensors/tensors.ipynb", 300)
    assert korean.returncode == 0, korean.stderr[-3000:]
    checks = [o for c in nbformat.read(folder / "run-ko" / "tensors.ipynb", as_version=4).cells
              if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error" and o.ename == "SelfCheckFailed"]
    # Each part: not written yet, or (an answer cell that defines nothing
    # before its raise) its name not defined: both in Korean.
    said = [translations("ko").gettext(text) for text in (NOT_WRITTEN, RUN_ABOVE)]
    assert said[0] != NOT_WRITTEN and said[1] != RUN_ABOVE
    # (the words around the missing name's, for the second)
    said = [[piece for piece in text.split("{name}") if piece.strip()] for text in said]
    assert len(checks) == 6 and all(any(all(piece in e.evalue for piece in pieces) for pieces in said)
                                    for e in checks), [e.evalue for e in checks]
    validated = shell("python -m autograder validate exercises/ko/tensors/tensors.ipynb", 300)
    checking = say("Checking {file}: a notebook of the assignment {assignment}.", "ko")
    assert checking.format(file="tensors.ipynb", assignment="tensors") in validated.stdout, \
        validated.stdout

    # A finished notebook (the solution's), kept in a folder of the student's own.
    (folder / "mine").mkdir()
    shutil.copyfile(ROOT / "solutions" / "tensors" / "tensors.ipynb", folder / "mine" / "tensors.ipynb")
    finished = shell("python -m autograder validate mine/tensors.ipynb", 300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Ready to submit" in finished.stdout
