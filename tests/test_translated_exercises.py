"""The exercises in Korean: translated notebooks that grade like the English
ones, and self-checks that speak the notebook's language.

(Generation keeps exercises/ko/ current: test_grading's `generate --check`;
the kit's Korean notebook run end to end: test_course_kit; the same points
for a Korean submission: the solution_ko and *_ko fixtures.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata

import nbformat
import numpy as np
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from conftest import ROOT

import dlcourse
from autograder.language import notebook_language, say, speaking
from dlcourse import translations
from dlcourse.messages import current_language, use_language
from dlcourse.messages import translations as catalogs
from dlcourse.selfcheck import SelfCheckFailed, self_check

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "exercises").glob("*/*.ipynb"))


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def korean(message: str) -> str:
    translated = catalogs("ko").gettext(message)
    assert translated != message, f"no Korean for {message!r}"
    return translated


@pytest.fixture
def in_korean():
    use_language("ko")
    yield
    use_language("en")


def test_paragraphs_split_at_blank_lines_but_not_inside_display_math():
    markdown = "First *one*.\n\nA formula\n$$\na = b\n\nc = d\n$$\nends here.\n\n$$x = 1$$\n\n- a\n- b"
    blocks = translations.paragraphs(markdown)
    assert blocks == ["First *one*.", "A formula\n$$\na = b\n\nc = d\n$$\nends here.", "$$x = 1$$",
                      "- a\n- b"]
    assert [b for b in blocks if translations._is_message(b)] == [blocks[0], blocks[1], blocks[3]]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_korean_twin_has_the_english_code_and_korean_text(name):
    english = nbformat.read(ROOT / "exercises" / name / f"{name}.ipynb", as_version=4)
    twin = nbformat.read(ROOT / "exercises" / "ko" / name / f"{name}.ipynb", as_version=4)
    assert twin.metadata.dlcourse.language == "ko"
    code = [(c.source, c.metadata) for c in english.cells if c.cell_type == "code"]
    twin_code = [c for c in twin.cells if c.cell_type == "code"]
    assert twin_code[0].source == translations.LANGUAGE_CELL["ko"]
    assert "nbgrader" not in twin_code[0].metadata  # a plain cell: no checksum, not graded
    assert [(c.source, c.metadata) for c in twin_code[1:]] == code
    english_text = [c.source for c in english.cells if c.cell_type == "markdown"]
    korean_text = [c.source for c in twin.cells if c.cell_type == "markdown"]
    assert len(korean_text) == len(english_text)
    for before, after in zip(english_text, korean_text):
        english_paragraphs = [b for b in translations.paragraphs(before) if translations._is_message(b)]
        korean_paragraphs = [b for b in translations.paragraphs(after) if translations._is_message(b)]
        assert len(korean_paragraphs) == len(english_paragraphs)
        for paragraph in korean_paragraphs:
            assert any("가" <= ch <= "힣" for ch in paragraph), paragraph  # Hangul in each


def test_every_exercise_catalog_is_current_complete_and_keeps_markup_and_fields():
    assert translations.exercise_problems("ko") == []


def test_a_korean_self_check_fails_in_korean_with_the_values_lined_up(in_korean):
    hint = "only values strictly above 0 give 1; z = 0 gives 0."
    with pytest.raises(SelfCheckFailed) as failure:
        with self_check("step") as check:
            check.close(np.array([[1, 1], [0, 0]]), [[0, 1], [0, 0]], call="step(z)", hint=hint)
    lines = str(failure.value).splitlines()
    assert lines[0] == "✗ step: " + korean("{call} returned the wrong values.").format(call="step(z)")
    expected, got = korean("Expected:"), korean("Got:")
    assert lines[1].startswith(f"  {expected}") and lines[1].endswith("[[0. 1.]")
    assert lines[3].startswith(f"  {got}") and lines[3].endswith("[[1. 1.]")
    # Hangul takes two columns: the values and their second rows line up on screen.
    assert columns(lines[1].split("[[")[0]) == columns(lines[3].split("[[")[0])
    assert columns(lines[2].split("[")[0]) == columns(lines[1].split("[[")[0]) + 1
    assert lines[-1] == "  " + korean("Hint: {hint}").format(hint=korean(hint))


def test_a_message_with_values_is_translated_before_they_are_filled_in(in_korean):
    message = "b should be one number; it has shape {shape}."
    with pytest.raises(SelfCheckFailed) as failure:
        with self_check("fit_linear") as check:
            check.true(False, message=message, shape=(3,))
    assert str(failure.value) == "✗ fit_linear: " + korean(message).format(shape=(3,))
    assert "(3,)" in str(failure.value)


def test_success_and_advice_speak_korean_and_english_comes_back(in_korean, capsys):
    with self_check("step") as check:
        check.true(True, message="unused")
    assert capsys.readouterr().out.strip() == "✓ step: " + korean(
        "{count} public check(s) passed. The autograder checks again on other inputs.").format(count=1)
    with pytest.raises(SelfCheckFailed, match="NotImplementedError") as failure:
        with self_check("step"):
            raise NotImplementedError()
    assert "not written yet" not in str(failure.value)
    use_language("en")
    with pytest.raises(SelfCheckFailed, match="not written yet"):
        with self_check("step"):
            raise NotImplementedError()


def test_a_language_without_messages_is_refused_by_name():
    with pytest.raises(ValueError, match="choose one of en, ko"):
        use_language("fr")
    assert current_language() == "en"


def test_a_kernel_can_be_given_its_language_by_the_course():
    script = "import dlcourse.messages as m; print(m.current_language())"
    for value, expected in (("ko", "ko"), ("klingon", "en")):
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                env=dict(os.environ, DLCOURSE_LANGUAGE=value), cwd=ROOT)
        assert result.stdout.strip() == expected
    assert "DLCOURSE_LANGUAGE='klingon' is not one of en, ko" in result.stderr


def test_dlcourse_offers_use_language():
    assert dlcourse.use_language is use_language


@pytest.mark.parametrize("source, refused", [
    ('check.true(ok, message=f"got {x}")', "to be translated"),
    ('check.true(ok, message="got {shape}", size=3)', "has the fields"),
    ('check.close(a, b, call="f()", hint=make_hint())', "to be translated"),
])
def test_a_check_text_the_catalog_cannot_find_is_refused(source, refused):
    with pytest.raises(ValueError, match=refused):
        translations.check_texts(source)


def test_check_texts_follow_a_variable_to_the_string_it_holds_there():
    source = ('tip = "look at z"\ncheck.close(a, b, call="f()", hint=tip)\n'
              'tip = "look at b"\ncheck.true(ok, message="m", hint=tip)')
    assert translations.check_texts(source) == ["f()", "look at z", "m", "look at b"]


def test_merging_keeps_translations_marks_changes_fuzzy_and_drops_what_is_gone(tmp_path):
    path = tmp_path / "ko.po"
    old = Catalog(locale="ko")
    old.add("Part 1: the step activation (1 point)", "1부: 계단 활성화 함수 (1점)")
    old.add("Write `step(z)`.", "`step(z)`를 작성하라.")
    old.add("A paragraph that is gone.", "사라진 문단.")
    with open(path, "wb") as handle:
        write_po(handle, old, width=0)
    template = Catalog()
    for text in ("Part 1: the step activation (1 point)", "Write `step(z)` in NumPy.", "Something new."):
        template.add(text)
    assert translations.merge(template, path, "ko")
    merged = {m.id: m for m in translations.read(path) if m.id}
    assert merged["Part 1: the step activation (1 point)"].string == "1부: 계단 활성화 함수 (1점)"
    assert not merged["Part 1: the step activation (1 point)"].fuzzy
    assert merged["Write `step(z)` in NumPy."].fuzzy  # the old translation kept as a start
    assert merged["Something new."].string == ""
    assert "A paragraph that is gone." not in merged
    assert not translations.merge(template, path, "ko")  # nothing changed: not rewritten


# -- The grader's side -----------------------------------------------------------------

@pytest.mark.parametrize("notebook, language", [
    ({"metadata": {"dlcourse": {"language": "ko"}}}, "ko"),
    ({"metadata": {"dlcourse": {"language": "fr"}}}, "en"),
    ({"metadata": {"dlcourse": {"language": ["ko"]}}}, "en"),
    ({"metadata": {"dlcourse": "ko"}}, "en"),
    ({"metadata": ["ko"]}, "en"),
    ({}, "en"),
    ("not a notebook", "en"),
    # An editor that drops the metadata keeps the first cell's call.
    ({"cells": [{"cell_type": "code", "source": ["import dlcourse\n", "\n",
                                                 'dlcourse.use_language("ko")  # 한국어\n']}]}, "ko"),
    ({"cells": [{"cell_type": "code", "source": "use_language('fr')"}]}, "en"),
    ({"cells": [{"cell_type": "markdown", "source": 'dlcourse.use_language("ko")'}]}, "en"),
    ({"cells": [{"cell_type": "code", "source": 'print(\'use_language("ko")\')'}]}, "en"),
    ({"metadata": {"dlcourse": {"language": "en"}},
      "cells": [{"cell_type": "code", "source": 'dlcourse.use_language("ko")'}]}, "en"),
    ({"cells": [{"cell_type": "code", "source": 7}, "cell"]}, "en"),
    # Neither: the text cells' script decides (a student's own Korean note
    # in an English notebook does not).
    ({"cells": [{"cell_type": "markdown", "source": ["## 문항 1: 계단 함수 `step(z)`를 작성하라"]}]}, "ko"),
    ({"cells": [{"cell_type": "markdown", "source": "## Part 1: write `step(z)` for arrays"},
                {"cell_type": "markdown", "source": "내 메모"}]}, "en"),
    ({"cells": [{"cell_type": "code", "source": "# 한국어 주석만 있는 코드"}]}, "en"),
])
def test_a_notebook_chooses_its_feedback_language_only_among_the_courses(notebook, language):
    assert notebook_language(notebook) == language


def test_a_korean_notebook_that_lost_its_metadata_is_still_korean():
    nb = json.loads((ROOT / "exercises" / "ko" / "tensors" / "tensors.ipynb").read_text())
    del nb["metadata"]["dlcourse"]
    assert notebook_language(nb) == "ko"
    english = json.loads((ROOT / "exercises" / "tensors" / "tensors.ipynb").read_text())
    assert notebook_language(english) == "en"


def test_the_grader_speaks_korean_only_inside_speaking():
    from autograder.checks import Answer, error_checks

    missing = Answer(error="TypeError: returned None, not numbers (is a `return` missing?)")
    english = error_checks(missing)[0].message
    with speaking("ko"):
        translated = error_checks(missing)[0].message
        unwritten = error_checks(Answer(error="NotImplementedError: "))[0].message
    assert english == "returned None, not numbers (is a `return` missing?)"
    assert translated == korean(english)  # the self-checks' words, through the grader's catalog
    assert unwritten == say("not written yet (it still raises NotImplementedError)", "ko")
    assert "not written yet" not in unwritten
    assert error_checks(missing)[0].message == english  # English again after the block


def test_a_message_inside_a_message_is_translated_too():
    from autograder.language import said, shown

    reason = said("timeout: used its {seconds:g} s of CPU (the limit per submission)", seconds=8)
    message = said("not checked: {name} had not returned when the submission used up its time "
                   "({reason})", name="f", reason=reason)
    assert message == ("not checked: f had not returned when the submission used up its time "
                       "(timeout: used its 8 s of CPU (the limit per submission))")
    with speaking("ko"):
        korean = shown(message)
        inner = shown(reason)
    assert inner != str(reason) and inner in korean and "not checked" not in korean


def test_an_assignments_own_catalog_comes_first(tmp_path):
    catalog = tmp_path / "ko.po"
    own = Catalog(locale="ko")
    own.add("right", "정답과 같다 (이 과제의 말)")
    with open(catalog, "wb") as handle:
        write_po(handle, own, width=0)
    with speaking("ko", catalog):
        from autograder.language import _

        assert _("right") == "정답과 같다 (이 과제의 말)"
        assert _("shapes are right") == say("shapes are right", "ko") != "shapes are right"


def test_the_notes_on_changed_cells_stay_english_for_the_run_and_read_korean_in_validate():
    from autograder.intake import notebook_slips

    checks = {"metadata": {"nbgrader": {"grade_id": "check_step", "grade": True}}, "cell_type": "code"}
    retyped = {"metadata": {"nbgrader": {"grade_id": "step"}}, "cell_type": "markdown"}
    foreign = {"metadata": {"nbgrader": {"grade_id": "not_in_the_exercise"}}, "cell_type": "code"}
    notes = notebook_slips({"cells": [checks, checks, retyped, foreign]},
                           {"check_step": "code", "step": "code"})
    assert notes == ["duplicated cells (each copy ran; the last one counts)", "changed cell types (restored)",
                     "changed cell ids (the original cells were graded)"]
    for note in notes:
        assert hangul(say(note, "ko")), note


def hangul(text: str) -> bool:
    return any("가" <= ch <= "힣" for ch in text)


def test_the_probes_words_from_the_students_kernel_are_translated_by_the_grader():
    from autograder.checks import Answer, error_checks

    unrun = Answer(error="NameError: name 'step' is not defined (did its cell run?)")
    own = Answer(error="NameError: name 'stpe' is not defined")  # the student's own slip: as it is
    # Every cell ran before the grader asked: the name is missing or spelt otherwise.
    assert error_checks(unrun)[0].message == ("the notebook defines no step, after all its cells ran: the "
                                              "part's answer cell must define it, under exactly this name")
    with speaking("ko"):
        translated, untouched = error_checks(unrun)[0].message, error_checks(own)[0].message
    assert hangul(translated) and "step" in translated and "did its cell run" not in translated
    assert "NameError: name 'stpe' is not defined" in untouched
