"""Feedback pages for students and the class report for the instructor.

One real grading run of four perceptrons_xor fixtures (solution, blank,
wrong_step_at_zero, invalid_notebook) feeds every test: the feedback pages
must show each part's points and the checks in words, and nothing of the
solution, checks.py, the drawn inputs' expected answers or the probe; the
report's numbers must be the gradebook's.
"""

import base64
import csv
import hashlib
import io
import json
import re
import shutil
from datetime import datetime, timedelta

import matplotlib.image
import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT

from autograder.__main__ import main
from autograder.assignment import read_run
from autograder.feedback import part_titles, score_text
from autograder.language import say
from autograder.probe import ANSWER_VARIABLE, PROBE_FUNCTION, PROBE_SOURCE
from autograder.settings import COURSE_ID
from dlcourse.messages import translations

NAME = "perceptrons_xor"
FIXTURES = ROOT / "tests" / "submissions" / NAME
STUDENTS = ["blank", "invalid_notebook", "solution", "wrong_step_at_zero", "wrong_step_at_zero_ko"]
#: The English pages (wrong_step_at_zero_ko, the Korean notebook, has its own test).
GRADED = ["blank", "solution", "wrong_step_at_zero"]
#: The file name wrong_step_at_zero_ko is handed in under.
RENAMED = "퍼셉트론 과제.ipynb"
#: Put into blank's autograded self-check cell, as nbgrader's hidden tests.
HIDDEN_LINE = "assert hidden_reference_value == 12345.678"
#: An instructor's comment on wrong_step_at_zero's answer to part 1.
ANSWER_ID = "step"
COMMENT = "Look again at **z = 0**.<script>document.title = 'comment script'</script>"
#: A last cell of the solution's student's notebook.
REDEFINED = "def perceptron_forward(X, w, b):\n    return step(X @ w + b)\n"
#: wrong_step_at_zero is made late by this much in the gradebook.
LATE_BY = timedelta(days=1, hours=2, minutes=5)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Grade the four fixtures, make one of them late, hide a test in one
    autograded notebook, then write the feedback pages and the report."""
    from nbgrader.api import Gradebook

    from autograder.course import Course
    from autograder.grade import grade

    tmp = tmp_path_factory.mktemp("feedback-report")
    submissions, work = tmp / "submissions", tmp / "work"
    for student in STUDENTS:
        shutil.copytree(FIXTURES / student, submissions / student)
    # The solution's student defined a function again at the end (the same
    # code): the grader asks that definition, and says so under its part.
    path = submissions / "solution" / NAME / f"{NAME}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(REDEFINED))
    nbformat.write(nb, path)
    # The Korean student saved the notebook under a name of their own.
    korean = submissions / "wrong_step_at_zero_ko" / NAME
    (korean / f"{NAME}.ipynb").rename(korean / RENAMED)
    course = Course(ROOT, work=work, cell_timeout=30)
    rows = {r.student_id: r for r in grade(NAME, submissions, course=course)}

    due = datetime(2026, 3, 2, 23, 59)
    with Gradebook(course.db_url, COURSE_ID) as gb:
        gb.update_or_create_assignment(NAME, duedate=due)
        gb.find_submission(NAME, "wrong_step_at_zero").timestamp = due + LATE_BY
        # an instructor's comment on an answer, written in the formgrader
        gb.find_comment(ANSWER_ID, NAME, NAME, "wrong_step_at_zero").manual_comment = COMMENT
        gb.db.commit()

    path = work / "autograded" / "blank" / NAME / f"{NAME}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_step")
    cell.source += f"\n### BEGIN HIDDEN TESTS\n{HIDDEN_LINE}\n### END HIDDEN TESTS\n"
    nbformat.write(nb, path)

    # What a student's markdown and outputs could hold: scripts.
    path = work / "autograded" / "solution" / NAME / f"{NAME}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(
        '<script>document.title = "markdown script"</script><img alt="picture" onerror="alert(1)">'))
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs.append(nbformat.v4.new_output("display_data", data={
        "text/html": '<script>document.title = "output script"</script><b>bold output</b>'}))
    code.outputs.append(nbformat.v4.new_output("display_data", data={
        "application/javascript": 'document.title = "javascript output"'}))
    nbformat.write(nb, path)

    assert main(["feedback", NAME, "--work", str(work)]) == 0
    report = tmp / "class" / "report.html"
    assert main(["report", NAME, "--work", str(work), "--to", str(report)]) == 0
    return course, work, rows, report


def page(work, student):
    path = work / "feedback" / student / NAME / f"{NAME}.html"
    return BeautifulSoup(path.read_text(), "html.parser")


def json_report(work, student):
    return json.loads((work / "reports" / NAME / student / f"{NAME}.json").read_text())


# -- Feedback -----------------------------------------------------------------------


#: The parts as the exercise names them (its headings, without the points).
TITLES = {
    "check_step": "Part 1: the step activation",
    "check_perceptron_forward": "Part 2: a perceptron on a batch of inputs",
    "check_perceptron_epoch": "Part 3: one epoch of the perceptron learning rule",
    "check_nand": "Part 4: a NAND perceptron by hand",
    "check_two_layer_forward": "Part 5: a two-layer network",
    "check_xor_params": "Part 6: weights that compute XOR",
    "check_xor_model": "Part 7: train a network that solves XOR",
}


def significant_digits(number: str) -> int:
    """How many significant digits a formatted number shows ("-0.1397": 4)."""
    mantissa = number.lstrip("+-").lower().split("e")[0]
    return len(mantissa.replace(".", "").lstrip("0"))


def test_significant_digits_leave_out_sign_point_and_leading_zeros():
    assert [significant_digits(s) for s in ("-0.1397", "0.13970", "12.5", "1.2346e-05", "0.0001")] \
        == [4, 5, 3, 5, 1]


def words(tag):
    return " ".join(tag.get_text().split())


def points(score, total):
    return f"{score:g} of {total:g} point{'' if total == 1 else 's'}"


@pytest.mark.grading
def test_feedback_shows_each_parts_points_and_every_check_in_words(run):
    _, work, rows, _ = run
    for student in GRADED:
        soup = page(work, student)
        text = soup.get_text()
        row = rows[student]
        header = soup.find("header")
        assert f"Your score: {points(row.score, row.max_score)}" in words(header), student
        # the header names each part and links to its self-check, which
        # carries the same points
        lines = [words(li) for li in header.find_all("li")]
        parts = json_report(work, student)["parts"]
        assert lines == [f"{TITLES[gid]}: {points(p['score'], p['points'])}"
                         for gid, p in parts.items()], student
        for gid, part in parts.items():
            link = header.find("a", href=f"#part-{gid}")
            assert link and words(link) == TITLES[gid]
            target = words(soup.find(id=f"part-{gid}"))
            assert f"Self-check for {TITLES[gid]}" in target
            assert points(part["score"], part["points"]) in target
            for check in part["checks"]:
                assert check["message"] in text, (student, check["message"])
        # nbgrader's own labels, and the bare number nbgrader reads the
        # points from, are not what a student reads
        assert "Test cell" not in text and "Grade cell" not in text and "Out[" not in text
        self_checks = soup.find_all("div", class_="self-check")
        assert len(self_checks) == 7
        for cell in self_checks:
            outputs = [words(pre) for pre in cell.find_all("pre")][1:]  # after the code
            assert not any(re.fullmatch(r"-?\d+(\.\d+)?", out) for out in outputs), outputs
    text = page(work, "wrong_step_at_zero").get_text()
    # step(0) gives 1: right on the ordinary cases, wrong at the exact zeros
    # of both edge cases, which leaves half the part
    assert "Autograder (step activation): 0.5 of 1 point, on inputs drawn at grading time." in text
    assert "values differ from the solution" in text and "where the input is 0.0" in text
    header = words(page(work, "wrong_step_at_zero").find("header"))
    assert "Part 1: the step activation: 0.5 of 1 point" in header


def hangul(text: str) -> bool:
    return any("가" <= ch <= "힣" for ch in text)


@pytest.mark.grading
def test_a_korean_notebooks_feedback_speaks_korean_and_scores_the_same(run):
    _, work, rows, _ = run
    english, korean = "wrong_step_at_zero", "wrong_step_at_zero_ko"
    assert rows[korean].score == rows[english].score
    assert rows[korean].status == f'wrong file name: graded "{RENAMED}"'

    assert json_report(work, korean)["parts"].keys() == json_report(work, english)["parts"].keys()
    soup = page(work, korean)
    assert soup.html["lang"] == "ko"
    header = soup.find("header")
    total = score_text(rows[korean].score, rows[korean].max_score, "ko")
    assert say("Your score: {score}", "ko").format(score=total) in words(header)
    assert total != score_text(rows[korean].score, rows[korean].max_score)
    # What was done with the file, which only the instructor's table said before.
    note = say("wrong file name: graded {file}", "ko").format(file=f'"{RENAMED}"')
    assert hangul(note) and f'{say("About your file:", "ko")} {note}.' in words(header)
    assert not page(work, english).find(class_="file-notes")
    # The parts by their Korean titles (the course's Korean notebook's headings).
    titles = part_titles(nbformat.read(ROOT / "exercises" / "ko" / NAME / f"{NAME}.ipynb", as_version=4))
    assert titles.keys() == TITLES.keys()
    for gid, part in json_report(work, korean)["parts"].items():
        assert hangul(titles[gid]) and words(header.find("a", href=f"#part-{gid}")) == titles[gid]
        heading = words(soup.find(id=f"part-{gid}"))
        assert say("Self-check for {part}", "ko").format(part=titles[gid]) in heading
        for check in part["checks"]:  # the grader's lines, in Korean on the page
            assert hangul(check["shown"]) and check["shown"] in soup.get_text(), check
            # and in English in the report the instructor's class report reads
            assert not hangul(check["message"]) and check["message"] not in soup.get_text(), check
    # The grader's words under each self-check, and the self-check's own (run in the kernel).
    text = soup.get_text()
    assert say("Your self-check said (public examples, not the grade):", "ko") in text
    assert "Your self-check said" not in text and "on inputs drawn at grading time" not in text
    step_failed = translations("ko").gettext("{call} returned the wrong values.").format(
        call="step([-2, 0, 3])")
    assert step_failed in text
    assert not hangul(words(page(work, english).find("header")))


@pytest.mark.grading
def test_feedback_shows_the_instructors_comment_under_the_answer(run):
    _, work, _, _ = run
    soup = page(work, "wrong_step_at_zero")
    (comment,) = soup.find_all("div", class_="comment")
    assert words(comment) == "Your instructor's comment: Look again at z = 0."
    assert comment.find("strong", string="z = 0") and not comment.find("script")
    answer = comment.find_parent("div", class_="answer")
    assert answer and "def step(z)" in words(answer)
    # nbgrader's automatic "No response." on an answer left as released
    left = [words(c) for c in page(work, "blank").find_all("div", class_="comment")]
    assert left and set(left) == {"You left this cell as you received it."}


@pytest.mark.grading
def test_feedback_never_shows_checks_solutions_expected_values_or_the_probe(run):
    course, work, _, _ = run
    public = "\n".join(cell.source for cell in nbformat.read(
        ROOT / "exercises" / NAME / f"{NAME}.ipynb", as_version=4).cells)  # given to everyone
    checks_lines = {line.strip() for line in (course.source / NAME / "checks.py").read_text().splitlines()
                    if len(line.strip()) >= 20 and line.strip() not in public}
    solution_lines = set()
    for cell in nbformat.read(course.source / NAME / f"{NAME}.ipynb", as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) >= 10 and line.strip() not in public:
                solution_lines.add(line.strip())
    expected = read_run(work / "cases" / f"{NAME}.json")
    hidden_numbers = {x for part in expected["parts"].values() for answer in part["expected"]
                      for array in answer.values for x in array.ravel().tolist()
                      if abs(x - round(x, 2)) > 1e-6}
    probe_lines = {line.strip() for line in PROBE_SOURCE.splitlines() if len(line.strip()) >= 20}
    assert len(checks_lines) > 20 and len(solution_lines) > 10 and len(hidden_numbers) > 20
    for student in GRADED:
        text = page(work, student).get_text()
        submitted = (work / "submitted" / student / NAME / f"{NAME}.ipynb").read_text()
        own = {line.strip() for cell in nbformat.reads(submitted, as_version=4).cells
               for line in cell.source.splitlines()}
        # a line of checks.py the student also wrote (the forward pass itself) is theirs
        assert [line for line in checks_lines - own if line in text] == [], student
        assert [line for line in solution_lines - own if line in text] == [], student
        # at 5 or more significant digits: the checks name scalar inputs at
        # 4 (autograder/checks.py), and an answer may equal an input (a bias
        # that one epoch left unchanged: -0.1397 in, -0.1397 out)
        shown = [x for x in hidden_numbers
                 if any(s in text for s in (repr(x), f"{x:.5g}", f"{x:.6g}")
                        if significant_digits(s) >= 5)]
        assert shown == [], student
        assert PROBE_FUNCTION not in text and ANSWER_VARIABLE not in text
        assert [line for line in probe_lines if line in text] == [], student
    # nbgrader's hidden tests are cut from the page, the rest of the cell stays
    autograded = (work / "autograded" / "blank" / NAME / f"{NAME}.ipynb").read_text()
    assert "hidden_reference_value" in autograded
    blank = page(work, "blank").get_text()
    assert "hidden_reference_value" not in blank and "HIDDEN TESTS" not in blank
    assert 'self_check("step")' in blank


@pytest.mark.grading
def test_feedback_loads_only_files_beside_it_and_math_from_the_local_copy(run):
    _, work, _, _ = run
    for student in STUDENTS:
        path = work / "feedback" / student / NAME / f"{NAME}.html"
        soup = BeautifulSoup(path.read_text(), "html.parser")
        urls = [t.get("src") for t in soup.find_all(src=True)]
        urls += [t.get("href") for t in soup.find_all("link", href=True)]
        for url in urls:
            assert "//" not in url, (student, url)
            assert (path.parent / url).resolve().is_file(), (student, url)
    # one script, written into the page, loads MathJax from beside the pages
    (script,) = page(work, "blank").find_all("script")
    assert not script.get("src")
    (url,) = re.findall(r'script\.src = "([^"]+)"', script.string)
    assert url == "../../_mathjax/tex-mml-chtml.js"
    mathjax = work / "feedback" / "_mathjax"
    assert (mathjax / "tex-mml-chtml.js").stat().st_size > 100_000
    assert any((mathjax / "output" / "chtml" / "fonts").rglob("*.woff"))
    assert "$\\hat y = \\mathrm{step}(Xw + b)$" in page(work, "blank").get_text()


@pytest.mark.grading
def test_feedback_runs_no_script_a_student_wrote(run):
    """Outputs and markdown are cleaned (tests/test_feedback_safety.py runs
    the attacks in Chromium); the page's policy runs only the loader written
    into the page, by its hash, and what it loads."""
    _, work, _, _ = run
    html = (work / "feedback" / "solution" / NAME / f"{NAME}.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    (script,) = soup.find_all("script")
    assert "MathJax" in script.string and not script.get("src")
    assert "markdown script" not in html and "output script" not in html
    assert "javascript output" not in html and "onerror" not in html
    assert soup.find("b", string="bold output")  # harmless HTML stays
    assert soup.find("img", alt="picture")
    (policy,) = soup.find_all("meta", attrs={"http-equiv": "Content-Security-Policy"})
    rules = dict(rule.strip().split(" ", 1) for rule in policy["content"].split(";"))
    digest = base64.b64encode(hashlib.sha256(script.string.encode()).digest()).decode()
    assert rules["script-src"] == f"'sha256-{digest}' 'strict-dynamic'"
    assert rules["default-src"] == "'none'" and rules["style-src-attr"] == "'none'"
    for rule in ("frame-src", "object-src", "base-uri", "form-action"):
        assert rules[rule] == "'none'", rule
    assert "file:" not in policy["content"] and "http" not in policy["content"]
    assert html.index("Content-Security-Policy") < html.index("<body")


@pytest.mark.grading
def test_a_submission_never_graded_gets_a_page_saying_why(run):
    _, work, rows, _ = run
    text = " ".join(page(work, "invalid_notebook").get_text().split())
    assert rows["invalid_notebook"].status in text
    assert "could not be graded" in text and "0 of 15 points" in text
    soup = page(work, "invalid_notebook")  # readable on a phone, and runs nothing
    assert soup.find("meta", attrs={"name": "viewport"}) and not soup.find("script")
    (policy,) = soup.find_all("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert policy["content"].startswith("default-src 'none'")
    # Its notebook was never read, so its language is unknown: every language of the course.
    english, korean = soup.find_all("section")
    assert (english["lang"], korean["lang"]) == ("en", "ko") and soup.html["lang"] == "en"
    korean_text = " ".join(korean.get_text().split())
    assert say("Your submission could not be graded:", "ko") in korean_text
    assert score_text(0, 15, "ko") in korean_text and hangul(korean_text)
    assert not hangul(english.get_text())


# -- The class report -------------------------------------------------------------------


def table(soup, cls):
    rows = soup.find("table", class_=cls).find_all("tr")
    return [[" ".join(td.get_text().split()) for td in tr.find_all(["td", "th"])] for tr in rows]


@pytest.mark.grading
def test_report_grades_are_the_gradebooks(run):
    from nbgrader.api import Gradebook

    course, _, rows, report = run
    soup = BeautifulSoup(report.read_text(), "html.parser")
    grades = soup.find("table", class_="grades")
    header = [th["data-key"] for th in grades.find("tr").find_all("th")]
    _, *body = table(soup, "grades")
    by_student = {line[0]: dict(zip(header, line)) for line in body}
    assert sorted(by_student) == STUDENTS
    with Gradebook(course.db_url, COURSE_ID) as gb:
        for student in GRADED:
            submission = gb.find_submission(NAME, student)
            line = by_student[student]
            assert float(line["total"]) == pytest.approx(submission.score), student
            grades = [g for notebook in submission.notebooks for g in notebook.grades]
            assert len(grades) == 7
            for grade in grades:
                assert float(line[grade.name]) == pytest.approx(grade.score), (student, grade.name)
    assert float(by_student["solution"]["total"]) == 15
    assert float(by_student["wrong_step_at_zero"]["total"]) == 14.5
    assert by_student["invalid_notebook"]["status"] == rows["invalid_notebook"].status
    assert float(by_student["invalid_notebook"]["total"]) == 0


@pytest.mark.grading
def test_report_figures_are_pngs_with_alt_text(run):
    _, _, _, report = run
    images = BeautifulSoup(report.read_text(), "html.parser").find_all("img")
    assert len(images) == 2
    for img in images:
        head, data = img["src"].split(",", 1)
        assert head == "data:image/png;base64"
        raw = base64.b64decode(data)
        assert raw.startswith(b"\x89PNG\r\n\x1a\n")
        pixels = matplotlib.image.imread(io.BytesIO(raw), format="png")
        assert pixels.shape[0] > 150 and pixels.shape[1] > 300
        assert NAME in img["alt"] and len(img["alt"]) > 60
    # 0, 0, 15, 14.5 and 14.5 (the Korean twin scores as its English one)
    assert "mean 8.8, median 14.5" in images[0]["alt"]
    # check_step: 0, 0, 1, 0.5 and 0.5 of 1 point
    assert "check_step 40%" in images[1]["alt"] and "check_nand 60%" in images[1]["alt"]


@pytest.mark.grading
def test_report_lists_failed_checks_flagged_and_late_submissions(run):
    _, work, rows, report = run
    soup = BeautifulSoup(report.read_text(), "html.parser")
    failed = table(soup, "failed")[1:]
    step_values = [line for line in failed if line[0] == "check_step"]
    # blank, wrong_step_at_zero and its Korean twin get step wrong on the two
    # edge cases (the exact zeros), and the edge cases' line says so (what
    # that cost, except to blank, whose other cases earned nothing either)
    assert [line[1] for line in step_values] == [
        "step(<array of shape (3, 5)>)", "step(<array of shape (3, 2, 4)>)",
        "edge cases (the last 2 cases above)"]
    assert {line[2] for line in step_values} == {"3 of 4"}
    # A Korean notebook's failures are quoted in the instructor's English.
    assert not any(hangul(cell) for line in failed for cell in line), failed
    assert any(line[0] == "check_nand" and line[2] == "1 of 4" and "not written yet" in line[3]
               for line in failed)
    assert table(soup, "flagged")[1:] == [
        ["invalid_notebook", rows["invalid_notebook"].status, "0/15"],
        ["wrong_step_at_zero_ko", rows["wrong_step_at_zero_ko"].status,
         f'{rows["wrong_step_at_zero_ko"].score:g}/15']]
    (late,) = table(soup, "late")[1:]
    assert late[0] == "wrong_step_at_zero"
    assert late[1].startswith("2026-03-04 02:04:00") and late[2] == "1 d 2 h"
    text = soup.get_text()
    assert "2 flagged" in " ".join(text.split()) and "1 late" in " ".join(text.split())


@pytest.mark.grading
def test_report_loads_nothing_and_links_the_grades_csv(run):
    _, _, rows, report = run
    soup = BeautifulSoup(report.read_text(), "html.parser")
    assert soup.find_all("script") == [] and soup.find_all("link") == []
    links = [a["href"] for a in soup.find_all("a", href=True)]
    assert "grades.csv" in links and all("//" not in h for h in links)
    with open(report.with_name("grades.csv"), newline="") as fh:
        exported = {r["student_id"]: r for r in csv.DictReader(fh) if r["assignment"] == NAME}
    assert exported.keys() == rows.keys()
    assert float(exported["wrong_step_at_zero"]["raw_score"]) == 14.5


def test_feedback_and_report_say_to_grade_first(tmp_path, capsys):
    assert main(["feedback", NAME, "--work", str(tmp_path)]) == 2
    assert "has not been graded" in capsys.readouterr().err
    assert main(["report", "--work", str(tmp_path)]) == 2
    assert "nothing graded" in capsys.readouterr().err


def test_a_check_no_one_passed_is_labelled_by_the_grader_not_by_a_student(tmp_path):
    # A student's exception message once became the label of a check in the
    # class report ("GRADER NOTICE: give every student full marks here").
    from types import SimpleNamespace

    from autograder.report import _failed_checks

    call = "broadcast_shape(<array of shape (3,)>, <array of shape (2, 1)>)"
    said = {"mallory": f"{call}: raised RuntimeError: GRADER NOTICE: give every student full marks",
            "minji": f"{call}: returned shape (3,), should return shape (2, 3)"}
    for student, message in said.items():
        folder = tmp_path / NAME / student
        folder.mkdir(parents=True)
        (folder / f"{NAME}.json").write_text(json.dumps(
            {"parts": {"check_broadcast_shape": {"checks": [{"passed": False, "message": message}]}}}))
    course = SimpleNamespace(paths=SimpleNamespace(reports=tmp_path))
    (failed,) = _failed_checks(course, NAME, sorted(said))
    assert failed.check == call and failed.failed == 2
    # Another student's answer, in the grader's words, is the example: an
    # exception's message once told the instructor to "regrade kim by hand"
    # in a row kim failed too.
    assert (failed.example_from, failed.example) == ("minji", said["minji"])
    # Where only exceptions are there to quote, the example says whose it is.
    (only,) = _failed_checks(course, NAME, ["mallory"])
    assert "GRADER NOTICE" in only.example and only.example_from == "mallory"
    # "Not written yet" says nothing about the check: any other answer is
    # the better example (the blank notebook's was, first in the alphabet).
    folder = tmp_path / NAME / "aaron"
    folder.mkdir(parents=True)
    (folder / f"{NAME}.json").write_text(json.dumps({"parts": {"check_broadcast_shape": {
        "checks": [{"passed": False, "message": f"{call}: not written yet (it still raises "
                                                 "NotImplementedError)"}]}}}))
    (unwritten,) = _failed_checks(course, NAME, ["aaron", "mallory"])
    assert unwritten.example_from == "mallory" and unwritten.failed == 2
    # A check some passed is labelled by its call too, not by its passing
    # verdict ("values match the solution" in a table of failures).
    folder = tmp_path / NAME / "yuna"
    folder.mkdir(parents=True)
    (folder / f"{NAME}.json").write_text(json.dumps({"parts": {"check_broadcast_shape": {
        "checks": [{"passed": True, "message": f"{call}: values match the solution"}]}}}))
    (passed_by_one,) = _failed_checks(course, NAME, ["minji", "yuna"])
    assert passed_by_one.check == call and passed_by_one.failed == 1
    # A call whose arguments hold ": " is kept whole.
    keyed = "char_ids('ab: c', {'a': 0, ': ': 1})"
    for student, passed in (("yuna", True), ("minji", False)):
        (tmp_path / NAME / student / f"{NAME}.json").write_text(json.dumps({"parts": {
            "check_broadcast_shape": {"checks": [{"passed": passed, "message": f"{keyed}: right"
                                                  if passed else f"{keyed}: returned 3"}]}}}))
    (keyed_check,) = _failed_checks(course, NAME, ["minji", "yuna"])
    assert keyed_check.check == keyed


def test_a_function_defined_again_after_its_answer_cell_is_named_under_its_part(run):
    """A student whose page showed a right answer cell and a passing
    self-check beside the grader's cross could not tell that a later cell
    had defined the function again: the part now says which definition
    the grader asked."""
    course, work, rows, report = run
    assert rows["solution"].score == 15
    note = ("perceptron_forward is defined again in a cell after its answer cell: the grader asked "
            "that last definition")
    parts = json_report(work, "solution")["parts"]
    assert parts["check_perceptron_forward"]["checks"][-1]["message"].startswith(note)
    assert not any(c["message"].startswith(note) for gid, part in parts.items()
                   if gid != "check_perceptron_forward" for c in part["checks"])
    assert note in page(work, "solution").get_text(" ")
    assert not any(note in page(work, s).get_text(" ") for s in GRADED if s != "solution")


def test_a_late_students_page_says_how_late_in_their_language():
    """The grade table said "late 1 min: -10%", the page only "Late
    submission: minus 1.4 points": a student could not see why.  The page
    says how late (the run's seconds late), in the words of the table, in
    the student's language."""
    from autograder.late import late_duration, late_status

    assert late_status(40, 14, 1.4) == "late 1 min: -10% (-1.4 points)"
    assert late_duration(40) == "1 min" and late_duration(3 * 3600) == "3 h"
    assert late_duration(26 * 3600 + 300, "ko") == "1일 2시간"
    assert late_duration(40, "ko") == "1분" and late_duration(40, "xx") == "1 min"


def test_printed_output_cut_at_the_line_limit_always_says_so():
    """nbgrader keeps 1,000 lines of printed output a cell and marks where
    it cuts an output, but dropped the outputs after one that ended exactly
    at the limit without a mark: a training log seemed to stop at epoch 999
    on the student's page."""
    import nbformat

    from autograder.execute import MarkedLimitOutput

    def cell(*texts):
        code = nbformat.v4.new_code_cell("train()")
        code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)
                        for text in texts]
        return MarkedLimitOutput()._limit_stream_output(code)

    for texts in (["epoch\n" * 999, "epoch 1000\n", "epoch 1001\n"], ["epoch\n" * 1500]):
        outputs = cell(*texts).outputs
        assert outputs[-1].text.endswith("\n... Output truncated ..."), texts[-1]
        assert sum(out.text.count("epoch") for out in outputs) < 1000
    short = cell("loss 0.5\n", "loss 0.4\n").outputs
    assert [out.text for out in short] == ["loss 0.5\n", "loss 0.4\n"]
