"""The notes a student gets instead of a feedback page: why a submission
was not graded, or its score when nbgrader could not draw the page.  What
comes from the submission is escaped; the page runs nothing."""

from __future__ import annotations

from bs4 import BeautifulSoup

from autograder.utils import templates

NOTE = "feedback_note.html.j2"


def render(**values) -> BeautifulSoup:
    values = {"assignment": "perceptrons_xor", "student": "minji", "status": "ok",
              "score": 0.0, "max_score": 15.0, "graded": False} | values
    return BeautifulSoup(templates().get_template(NOTE).render(**values), "html.parser")


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


def test_the_note_runs_nothing_and_fits_a_phone():
    soup = render()
    policy = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert policy.startswith("default-src 'none'")
    assert soup.find("meta", attrs={"name": "viewport"})
