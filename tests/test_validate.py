"""`python -m autograder validate`: a student's check before submitting,
in plain words, with only exercises/ and dlcourse (no solutions/)."""

import codecs
import copy
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT

from autograder.language import say
from autograder.validate import check
from dlcourse.messages import translations

NAME = "perceptrons_xor"
NOTEBOOK = f"{NAME}.ipynb"
FIXTURES = ROOT / "tests" / "submissions" / NAME


def fixture(name):
    return FIXTURES / name / NAME / NOTEBOOK


@pytest.mark.grading  # runs the whole solution, Keras and PyTorch parts included, in a kernel
def test_a_solution_is_ready_and_validate_needs_no_solutions(tmp_path):
    """Run the command as a student would, from a course folder that has
    the exercises and the grader but no solutions/."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "autograder", course / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "exercises", course / "exercises")
    mine = tmp_path / "work" / NOTEBOOK
    mine.parent.mkdir()
    shutil.copy(fixture("solution"), mine)
    result = subprocess.run([sys.executable, "-m", "autograder", "validate", str(mine)],
                            cwd=course, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Checking {NOTEBOOK}: a notebook of the assignment {NAME}."
    assert sum(line.startswith("✓ Part ") for line in lines) == 7
    assert lines[-1].startswith("Ready to submit.")
    assert not (course / "solutions").exists() and not (course / "grading").exists()


def test_a_blank_notebook_lists_every_part_not_answered(tmp_path):
    ready, messages = check(fixture("blank"))
    assert not ready
    text = "\n".join(messages)
    assert "✗ Part 1: the step activation (1 point): the self-check failed:" in text
    assert "step: not written yet. Replace `raise NotImplementedError()`" in text
    # A part whose answer is a variable: the answer cell itself raised.
    assert "✗ Part 4: a NAND perceptron by hand (2 points): not answered yet." in text
    assert sum(m.startswith("✗ Part ") for m in messages) == 7
    assert messages[-1] == "Not ready to submit: 7 problem(s) above."


def test_a_cell_the_student_added_is_named_by_the_part_it_is_under(tmp_path):
    # Both read "The cell 'a cell' raised an error" and "DeadKernelError:
    # Kernel died", naming nothing a student could find.
    nb = nbformat.read(fixture("blank"), as_version=4)
    heads = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "markdown" and c.source.lstrip().startswith("## ")]
    title = nb.cells[heads[0]].source.lstrip()[3:].splitlines()[0].strip()
    third = nb.cells[heads[2]].source.lstrip()[3:].splitlines()[0].strip()
    nb.cells.insert(heads[2] + 1, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    nb.cells.insert(heads[0] + 1, nbformat.v4.new_code_cell("raise ValueError('my own test')"))
    # Raised inside a library: the student's line that called it is shown,
    # not the library's (ipykernel's own lines, for input()).
    nb.cells.insert(heads[1] + 2, nbformat.v4.new_code_cell(
        "import numpy as np\nsingular = np.zeros((2, 2))\ninverse = np.linalg.inv(singular)"))
    nb.cells.insert(heads[1] + 2, nbformat.v4.new_code_cell("name = input('your name: ')"))
    mine = tmp_path / NOTEBOOK
    nbformat.write(nb, mine)
    ready, messages = check(mine)
    text = "\n".join(messages)
    assert not ready
    # As when grading, an added cell's error costs nothing by itself (a
    # Colab notebook's `from google.colab import drive` read "Not ready").
    assert f'! A cell you added under "{title}" raised an error:' in text, text
    assert "ValueError: my own test" in text and "This costs no points by itself" in text
    assert "----> 1 name = input('your name: ')" in text, text
    assert "nobody can while the notebook is checked or graded" in text
    assert "----> 3 inverse = np.linalg.inv(singular)" in text and "LinAlgError" in text, text
    assert "site-packages" not in text and "kernelbase.py" not in text, text
    assert (f'It stopped in a cell under "{third}"; the cells after it did not run.') in text, text


@pytest.mark.grading  # runs a whole notebook, Keras and PyTorch parts included, in a kernel
def test_wrong_answers_show_the_self_checks_message_and_slips_are_named(tmp_path):
    nb = nbformat.read(fixture("wrong_step_at_zero"), as_version=4)
    locked = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                  == "check_perceptron_forward")
    locked.source += "\n# my note"
    # A self-check "fixed" to pass the wrong step, and one deleted: validate
    # said "✓" for the first and nothing of the second, and "Ready to
    # submit" where grading gave less.  It now runs the originals, as the
    # grader does.
    step_check = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                      == "check_step")
    step_check.source = "print('all good')\n"
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") != "check_xor_params"]
    mine = tmp_path / "Untitled.ipynb"
    nbformat.write(nb, mine)
    ready, messages = check(mine)
    assert not ready
    text = "\n".join(messages)
    assert "✗ Part 1: the step activation (1 point): the self-check failed:" in text
    assert "step([-2, 0, 3]) returned the wrong values." in text
    assert "Hint: only values strictly above 0 give 1" in text
    assert "all good" not in text
    assert "✓ Part 2: a perceptron on a batch of inputs (2 points): self-check passed." in text
    assert "! The grader expects the file name perceptrons_xor.ipynb" in text
    assert ('! You changed the self-check of "Part 1: the step activation (1 point)"; the grader '
            "uses the original, and so did this check") in text
    assert '! You changed the self-check of "Part 2: a perceptron on a batch of inputs' in text
    deleted = re.search(r'! The self-check of "(Part \d[^"]*)" was deleted; the grader puts it back', text)
    assert deleted, text
    assert f"✓ {deleted.group(1)}: self-check passed." in text  # the restored check ran


def test_a_warning_in_a_passing_self_check_is_shown_and_costs_nothing(tmp_path):
    """A library's warning (PyTorch's on torch.tensor of a tensor) went to
    stderr in a passing self-check: nbgrader counts that as a failure, and
    validate said "Not ready: it wrote to stderr" where the grader gives
    full marks.  It says the check passed and shows the warning."""
    nb = nbformat.read(fixture("wrong_step_at_zero"), as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                  == "perceptron_forward")
    answer.source += ("\nimport warnings\n_forward = perceptron_forward\n"
                      "def perceptron_forward(*args):\n"
                      "    warnings.warn('a library warning', UserWarning)\n"
                      "    return _forward(*args)\n")
    mine = tmp_path / NOTEBOOK
    nbformat.write(nb, mine)
    ready, messages = check(mine)
    text = "\n".join(messages)
    assert ("self-check passed. It also printed a warning, which costs no points by itself:" in text
            and "UserWarning: a library warning" in text), text
    assert "it wrote to stderr" not in text


def test_a_function_name_bound_again_after_its_answer_is_named():
    """validate said "ready" for a notebook that defined a part's function
    again after its self-check passed (the grader uses the last definition),
    and "'int' object is not callable" in every self-check after a loop
    `for step in range(3)`, naming no cell.  It now names the function and
    the part under which it is bound again; the solution gets no warning."""
    from autograder.validate import _later_rebindings

    reference = nbformat.read(ROOT / "exercises" / NAME / NOTEBOOK, as_version=4)
    nb = nbformat.read(fixture("solution"), as_version=4)
    assert _later_rebindings(nb, reference) == []
    nb.cells += [nbformat.v4.new_code_cell("%matplotlib inline\nfor step in range(3):\n    pass\n"),
                 nbformat.v4.new_code_cell("def perceptron_forward(X, w, b):\n    return 0\n"),
                 nbformat.v4.new_code_cell("def mine():\n    step = 3\n    return step\n"),
                 nbformat.v4.new_code_cell("this is not python")]
    said = _later_rebindings(nb, reference)
    assert len(said) == 2, said
    assert said[0].startswith("`step` is given another value in a cell under") and \
        "the grader still calls your function" in said[0]
    assert said[1].startswith("`perceptron_forward` is defined again in a cell under") and \
        "the grader uses the last definition" in said[1]

    # The answer typed into a new cell between the answer cell (left as the
    # stub) and its self-check, as the guide allows: the self-check tests
    # that definition, and nothing is said (it said the self-check did not).
    nb = nbformat.read(fixture("blank"), as_version=4)
    answer = next(i for i, c in enumerate(nb.cells)
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "perceptron_forward")
    nb.cells.insert(answer + 1, nbformat.v4.new_code_cell(forward := (
        "def perceptron_forward(X, w, b):\n    return step(X @ w + b)\n")))
    assert _later_rebindings(nb, reference) == []
    # After the self-check, it is one.
    check_at = next(i for i, c in enumerate(nb.cells) if i > answer
                    and c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")
    nb.cells.insert(check_at + 1, nbformat.v4.new_code_cell(forward))
    assert [s.split(" in a cell")[0] for s in _later_rebindings(nb, reference)] == \
        ["`perceptron_forward` is defined again"]

    # A sum of a thousand terms is read without recursion.
    nb = nbformat.read(fixture("solution"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("x = " + " + ".join(["1"] * 1500) + "\n"))
    assert _later_rebindings(nb, reference) == []
    # A definition inside a cell run through %%capture, %%time or %%prun is
    # one too, and so it is below more magics than IPython is given to read;
    # so is a function of the notebook's assigned to the name; a walrus
    # binds; a bare annotation, a %%writefile and a %%timeit cell bind nothing.
    forward = "def perceptron_forward(X, w, b):\n    return 0\n"
    for cells, kind in (
            ([f"%%capture out\n{forward}"], "is defined again"),
            ([f"%%time\n{forward}"], "is defined again"),
            ([f"%%prun -q\n{forward}"], "is defined again"),
            (["%load_ext autoreload\n" * 11 + forward], "is defined again"),  # too many for IPython
            ([f"%%timeit -n1 -r1\n{forward}"], None),  # runs in a namespace of its own
            (["def mine(X, w, b):\n    return 0\n", "perceptron_forward = mine\n"],
             "is defined again"),
            (["print(perceptron_forward := 3)\n"], "is given another value"),
            (["perceptron_forward: int\n", f"%%writefile other.py\n{forward}"], None)):
        nb = nbformat.read(fixture("solution"), as_version=4)
        nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
        said = _later_rebindings(nb, reference)
        assert ([s.split(" in a cell")[0] for s in said] ==
                ([f"`perceptron_forward` {kind}"] if kind else [])), (cells, said)


def test_self_checks_are_put_back_as_released_in_the_notebooks_own_format():
    """validate runs the released self-checks, as the grader does: one
    changed back, one deleted put back after the cell before it, one turned
    into markdown put back as code; in a notebook saved as nbformat 4.4
    (Colab), without the cell ids 4.5 brought, so that it stays valid."""
    from autograder.validate import _locked_cells_put_back

    reference = nbformat.read(ROOT / "exercises" / NAME / NOTEBOOK, as_version=4)
    ids = lambda nb: [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    for minor in (4, 5):
        nb = copy.deepcopy(reference)
        nb.nbformat_minor = minor
        if minor == 4:
            for cell in nb.cells:
                cell.pop("id", None)
        checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
                  and not c.metadata.nbgrader.get("solution")]
        checks[0].source = "print('all good')\n"
        checks[1].cell_type = "markdown"
        del checks[1]["outputs"], checks[1]["execution_count"]
        nb.cells.remove(checks[2])
        put_back = _locked_cells_put_back(nb, reference)
        assert ids(put_back) == ids(reference)
        for got, released in zip(put_back.cells, reference.cells):
            if released.metadata.get("nbgrader", {}).get("locked") and \
                    not released.metadata.nbgrader.get("solution"):
                assert (got.cell_type, got.source) == (released.cell_type, released.source)
        assert all(("id" in c) == (minor == 5) for c in put_back.cells)
        nbformat.validate(put_back)


def test_an_answer_above_its_stub_is_named_where_the_self_check_cannot_test_it():
    """A softmax written in a new cell above the untouched answer cell: the
    stub replaces it in the kernel, so the self-check said "not written
    yet" while the grader (which asks the notebook's own function, not the
    stub) gave full points.  validate now says which function the stub
    hides, and that the grader grades it."""
    from autograder.validate import _written_above

    nb = nbformat.read(fixture("blank"), as_version=4)
    at = next(i for i, c in enumerate(nb.cells)
              if c.metadata.get("nbgrader", {}).get("grade_id") == "perceptron_forward")
    assert _written_above(nb, [at]) == []
    nb.cells.insert(at, nbformat.v4.new_code_cell(
        "def perceptron_forward(X, w, b):\n    return step(X @ w + b)\n"))
    assert _written_above(nb, [at + 1]) == ["perceptron_forward"]
    # Below the stub it is the answer, and the self-check tests it.
    nb.cells.insert(at + 2, nb.cells.pop(at))
    assert _written_above(nb, [at]) == []


@pytest.mark.grading  # runs a whole notebook in a kernel
def test_a_copied_answer_cell_and_a_deleted_heading_are_checked_as_when_grading(tmp_path):
    # A pasted copy of an answer cell (its nbgrader metadata with it, as
    # Jupyter copies it) made nbgrader's Validator refuse the whole notebook
    # ("the nbgrader metadata may be corrupted"), where the grader grades it;
    # and a deleted heading named the next part by the one above.
    nb = nbformat.read(fixture("blank"), as_version=4)
    heads = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "markdown" and c.source.lstrip().startswith("## ")]
    second = nb.cells[heads[1]].source.lstrip()[3:].splitlines()[0].strip()
    answer = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[answer])))
    copy.id = "pasted-copy"
    copy.source = "# trying another way\n" + copy.source
    del nb.cells[heads[1]]
    nb.cells.insert(answer + 1, copy)
    mine = tmp_path / NOTEBOOK
    nbformat.write(nb, mine)
    ready, messages = check(mine)
    text = "\n".join(messages)
    assert not ready
    assert "could not be run" not in text and "ValidationError" not in text, text
    assert f"✗ {second}: " in text, text
    assert sum(m.startswith("✗ Part ") for m in messages) == 7, text
    assert any(m.startswith("! ") and "copy" in m for m in messages), text


def test_a_last_cell_that_cannot_be_stopped_still_lets_every_part_be_checked(tmp_path):
    # An uninterruptible last cell (one long call into C) gave only nbclient's
    # "Timeout waiting for IOPub output, after 4 seconds", in English, and
    # no part's verdict.
    nb = nbformat.read(fixture("blank"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("sum(range(10**12))"))
    mine = tmp_path / NOTEBOOK
    nbformat.write(nb, mine)
    ready, messages = check(mine, timeout=3)
    text = "\n".join(messages)
    assert not ready
    assert ("✗ The notebook could not be run to the end: a cell ran for more than 3 s and did not "
            "stop when interrupted.") in text, text
    assert "IOPub" not in text
    assert sum(m.startswith("✗ Part ") for m in messages) == 7, text


def test_a_long_self_check_message_is_shown_whole(tmp_path):
    from autograder.validate import _error_text

    message = "✗ step: step([-2, 0, 3]) returned the wrong values.\n" + "\n".join(
        f"  row {i}" for i in range(12)) + "\n  Hint: z = 0 is not above 0."
    cell = nbformat.v4.new_code_cell("check")
    cell.outputs = [nbformat.v4.new_output("error", ename="SelfCheckFailed", evalue=message,
                                           traceback=message.splitlines())]
    assert _error_text(cell) == message


def test_a_korean_notebook_is_checked_in_korean(tmp_path):
    """Also as Windows' Notepad saves it (a byte-order mark, CRLF line ends)
    after its first cell, which sets the self-checks' language, was deleted
    and an editor dropped the notebook's metadata: the text is Korean."""
    nb = json.loads(fixture("wrong_step_at_zero_ko").read_text())
    assert "use_language" in "".join(nb["cells"][1]["source"])
    del nb["cells"][1], nb["metadata"]["dlcourse"]
    saved = tmp_path / NOTEBOOK
    saved.write_bytes(codecs.BOM_UTF8 + json.dumps(nb, ensure_ascii=False, indent=1)
                      .replace("\n", "\r\n").encode())
    ready, messages = check(saved)
    assert not ready
    text = "\n".join(messages)
    assert "! " + say("The file starts with a byte-order mark (BOM), which Jupyter cannot open; "
                      "the grader reads the notebook without it. Save it again as UTF-8 "
                      "without BOM.", "ko") in messages
    assert messages[0] == say("Checking {file}: a notebook of the assignment {assignment}.", "ko").format(
        file="perceptrons_xor.ipynb", assignment="perceptrons_xor")
    assert say("the self-check failed:", "ko") in text
    # the self-check's own words, from the notebook's kernel
    assert translations("ko").gettext("{call} returned the wrong values.").format(
        call="step([-2, 0, 3])") in text
    failed = sum(m.startswith("✗") for m in messages)  # step, and the two parts that call it
    assert failed == 3
    assert messages[-1] == say("Not ready to submit: {count} problem(s) above.", "ko").format(count=failed)
    assert "problem(s) above" not in text


def test_unreadable_or_foreign_notebooks_are_explained(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text(fixture("solution").read_text()[:300])
    assert check(broken) == (False, ["✗ broken.ipynb cannot be graded: invalid notebook: "
                                     "not JSON (damaged or cut short)."])
    new = tmp_path / "new.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), new)
    ready, (message,) = check(new)
    assert not ready and message == (
        "✗ new.ipynb cannot be graded: no grading metadata: no cell of the notebook is marked as "
        "an answer or a check (an editor or a tool removes those marks, and a new notebook has "
        "none); copy your answers into the notebook you downloaded.")
    # A notebook of no assignment that kept some nbgrader metadata.
    foreign = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    foreign.cells[0].metadata["nbgrader"] = {"grade_id": "mine", "solution": True, "grade": False,
                                             "locked": False, "schema_version": 3}
    nbformat.write(foreign, new)
    ready, (message,) = check(new)
    assert not ready and message.endswith("none of the cells of any assignment: submit the "
                                          "notebook you downloaded and worked in, not a new one.")
    other = ROOT / "exercises" / "tensors" / "tensors.ipynb"
    ready, (message,) = check(other, NAME)
    assert not ready and message == ("✗ tensors.ipynb cannot be graded: this is not a notebook "
                                     f"of {NAME} but of tensors: submit the notebook of {NAME}.")
    ready, (message,) = check(fixture("solution"), "no_such_assignment")
    assert not ready and "There is no assignment 'no_such_assignment'" in message
    assert json.loads(fixture("solution").read_text())  # the fixtures were not changed


def test_the_released_notebooks_are_found_beside_a_notebook_outside_the_course(tmp_path,
                                                                                monkeypatch):
    """Installed from the course kit, the grader is not in the course's
    folder: validate looks in the exercises/ folder above the notebook, or in
    the current folder, and says so when there is none."""
    from autograder import validate

    monkeypatch.setattr(validate, "ROOT", tmp_path / "site-packages")
    kit = tmp_path / "kit"
    shutil.copytree(ROOT / "exercises" / NAME, kit / "exercises" / NAME)
    mine = kit / "work" / NOTEBOOK
    mine.parent.mkdir()
    shutil.copy(fixture("blank"), mine)
    monkeypatch.chdir(tmp_path)
    assert validate.released_folder(mine) == kit / "exercises"
    elsewhere = tmp_path / "downloads" / NOTEBOOK
    elsewhere.parent.mkdir()
    shutil.copy(fixture("blank"), elsewhere)
    assert validate.released_folder(elsewhere) is None
    ready, messages = validate.check(elsewhere)
    assert not ready and messages == [
        "✗ The assignments' notebooks were not found: keep your notebook in the course kit's "
        "exercises/ folder (or the course's), or name that folder with --exercises."]
    monkeypatch.chdir(kit)
    assert validate.released_folder(elsewhere) == kit / "exercises"


@pytest.mark.grading  # runs a whole notebook in a kernel
def test_answers_retyped_into_new_cells_are_a_warning_as_the_grader_finds_them(tmp_path):
    """A student who deleted the answer cells and typed the same code into
    new cells read six errors and "Not ready to submit", where the grader
    gave full marks (it asks the functions wherever they were defined).
    Now each missing answer cell whose names another cell defines is a
    warning; one whose names no cell defines stays an error."""
    nb = nbformat.read(fixture("solution"), as_version=4)
    retyped = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in ("step", "perceptron_forward"):
            retyped.append(meta["grade_id"])
            del cell.metadata["nbgrader"]
    assert retyped == ["step", "perceptron_forward"]
    mine = tmp_path / NOTEBOOK
    nbformat.write(nb, mine)
    ready, messages = check(mine)
    text = "\n".join(messages)
    assert ready, text
    assert "The answer cell 'step' is missing, but another cell defines step, which the grader uses" \
        in text and "'perceptron_forward' is missing, but another cell defines perceptron_forward" in text
    # The function defined nowhere: still an error.
    nb.cells = [c for c in nb.cells if "def perceptron_forward" not in c.source]
    nbformat.write(nb, mine)
    ready, messages = check(mine)
    assert not ready and any(m.startswith("✗") and "The answer cell 'perceptron_forward' is missing: "
                             "copy it back" in m for m in messages), messages


@pytest.mark.grading  # runs a whole notebook in a kernel
def test_duplicated_cell_ids_print_no_library_warnings(tmp_path, capfd):
    """A JupyterLite notebook whose copied cells share ids printed nbformat's
    warning, with its file path, six times over before the result."""
    from autograder.validate import main

    nb = json.loads(fixture("solution").read_text())
    nb["cells"].insert(1, json.loads(json.dumps(nb["cells"][0])))  # a copy, with the same id
    mine = tmp_path / NOTEBOOK
    mine.write_text(json.dumps(nb))
    assert main(mine) == 0
    out, err = capfd.readouterr()
    assert "DuplicateCellId" not in out + err and "site-packages" not in out + err
    assert out.rstrip().endswith("does not guarantee full marks.)"), out


def test_a_notebook_is_checked_alone_as_when_graded(tmp_path):
    """validate ran the notebook in its own folder, so a module beside it
    (not handed in) answered a part that grading then failed with
    ModuleNotFoundError; it runs in a folder of its own now. A module the
    notebook writes itself still works, as when graded."""
    nb = nbformat.read(fixture("blank"), as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    assert "def step(" in answer.source
    answer.source = "from myhelpers import step\n"
    mine = tmp_path / NOTEBOOK
    nbformat.write(nb, mine)
    (tmp_path / "myhelpers.py").write_text(
        "import numpy as np\n\ndef step(z):\n    return (np.asarray(z) > 0).astype(float)\n")
    ready, messages = check(mine)
    text = "\n".join(messages)
    assert not ready and "✗ Part 1: the step activation (1 point)" in text
    assert "ModuleNotFoundError" in text and "myhelpers" in text, text
    answer.source = ("%%writefile myhelpers.py\nimport numpy as np\n\ndef step(z):\n"
                     "    return (np.asarray(z) > 0).astype(float)\n")
    nb.cells.insert(nb.cells.index(answer) + 1, nbformat.v4.new_code_cell("from myhelpers import step"))
    nbformat.write(nb, mine)
    (tmp_path / "myhelpers.py").unlink()
    ready, messages = check(mine)
    assert "✓ Part 1: the step activation (1 point)" in "\n".join(messages)
