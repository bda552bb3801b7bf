"""The notes a student gets instead of a feedback page: why a submission
was not graded, or its score when nbgrader could not draw the page.  What
comes from the submission is escaped; the page runs nothing."""

from __future__ import annotations

from bs4 import BeautifulSoup

from autograder.feedback import note_page, score_text
from autograder.language import say


def render(**values) -> BeautifulSoup:
    values = {"assignment": "perceptrons_xor", "student": "minji", "status": "ok",
              "score": 0.0, "max_score": 15.0, "graded": False, "languages": ["en"]} | values
    return BeautifulSoup(note_page(**values), "html.parser")


def words(soup) -> str:
    return " ".join(soup.get_text().split())


def test_a_submission_never_graded_is_told_why_and_scores_zero():
    soup = render(status="wrong file name: graded <img src=x onerror=alert(1)>")
    assert "could not be graded: wrong file name: graded <img src=x onerror=alert(1)>" in words(soup)
    assert not soup.find("img") and not soup.find("script")
    assert "Score: 0 of 15 points" in words(soup)


def test_a_graded_submission_without_a_page_gets_its_score():
    text = words(render(graded=True, score=12.5))
    assert "graded: 12.5 of 15 points" in text and "could not be graded" not in text


def test_the_note_speaks_the_students_language_or_every_language_of_the_course():
    korean = render(graded=True, score=12.5, languages=["ko"])
    assert korean.html["lang"] == "ko" and [s["lang"] for s in korean.find_all("section")] == ["ko"]
    text = words(korean)
    assert say("Your submission was graded: {score}.", "ko").format(
        score=score_text(12.5, 15, "ko")) in text
    assert "graded" not in text and say("Student:", "ko") in text
    both = render(status="missing notebook", languages=["en", "ko"])
    assert [s["lang"] for s in both.find_all("section")] == ["en", "ko"]
    english, korean = both.find_all("section")
    assert "Score: 0 of 15 points" in words(english)
    assert say("Score: {score}.", "ko").format(score=score_text(0, 15, "ko")) in words(korean)
    # The status in each language (the instructor's table keeps the English).
    assert "missing notebook" in words(english) and "missing notebook" not in words(korean)
    translated = say("missing notebook", "ko")
    assert translated != "missing notebook" and translated in words(korean)
    found = 'missing notebook: found "숙제 <b>1</b>.ipynb", none named perceptrons_xor.ipynb'
    korean = render(status=found, languages=["ko"])
    assert say("missing notebook: found {found}, none named {name}", "ko").format(
        found='"숙제 <b>1</b>.ipynb"', name="perceptrons_xor.ipynb") in words(korean)
    assert not korean.find("b")  # a file name stays text


def test_the_note_runs_nothing_and_fits_a_phone():
    soup = render()
    policy = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert policy.startswith("default-src 'none'")
    assert soup.find("meta", attrs={"name": "viewport"})
