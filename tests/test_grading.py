"""The autograder: its parts one by one, then whole assignments end to end.

The end-to-end tests (marker ``grading``) grade the committed fixture
submissions in ``tests/submissions/<assignment>/`` on inputs drawn with a
fresh seed, and compare every score with ``expected.csv``.
"""

import ast
import csv
import dataclasses
import json
import shutil
import subprocess
import sys

import nbformat
import numpy as np
import pytest
from conftest import ROOT

from autograder.assignment import (
    consistency_problems,
    draw_cases,
    list_assignments,
    load_assignment,
    score_part,
    solution_functions,
)
from autograder.checks import (
    CHANGED_INPUTS_CREDIT,
    EDGE_FLOOR,
    ORDER_CREDIT,
    SHAPE_CREDIT,
    Answer,
    Call,
    Check,
    GradingError,
    Part,
    Read,
    accuracy_check,
    compare_values,
    gate,
    same_as_solution,
)
from autograder.language import shown, speaking
from autograder.probe import (
    ANSWER_VARIABLE,
    PROBE_SOURCE,
    decode_array,
    encode_array,
    parse_reply,
    request_code,
)

sys.path.insert(0, str(ROOT / "tests" / "submissions"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import build as fixtures  # noqa: E402  (tests/submissions/build.py)
from check_mutants import ask, evaluate_assignment  # noqa: E402  (benchmarks/check_mutants.py)

ASSIGNMENTS = list_assignments(ROOT / "solutions")


# -- The wire: what a kernel sends back is untrusted ---------------------------


def reply(payload, status="ok"):
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return {"status": status, "user_expressions": {"answer": {"data": {"text/plain": repr(text)}}}}


def encoded(*arrays):
    return {"values": [encode_array(a) for a in arrays]}


#: One case without arguments, as sent (for the tests of the reply alone).
ONE_CASE = [[]]


def test_parse_reply_reads_arrays_tagged_with_the_secret():
    (answer,) = parse_reply(reply({"secret": "s3", "answers": [encoded(np.eye(2), 1.5)]}), "s3",
                            ONE_CASE)
    assert answer.ok
    np.testing.assert_array_equal(answer.values[0], np.eye(2))
    assert answer.values[1].shape == ()


@pytest.mark.parametrize(
    "content, reason",
    [
        (reply({"secret": "other", "answers": [encoded(1.0)]}), "secret"),
        (reply({"secret": "s3", "answers": []}), "number of answers"),
        (reply("not json at all"), "not valid JSON"),
        (reply({"secret": "s3", "answers": [{"values": [{"shape": [2], "data": [1.0]}]}]}),
         "shape"),
        (reply({"secret": "s3", "answers": [{"values": [{"shape": [1], "data": [True]}]}]}),
         "not numbers"),
        (reply({"secret": "s3", "answers": [{"values": [{"shape": [1], "data": ["1"]}]}]}),
         "not numbers"),
        (reply({"secret": "s3", "answers": [encoded(np.zeros(200_001))]}), "too"),
        (reply("x" * 4_000_001), "too large"),
        ({"status": "error", "ename": "NameError"}, "raised NameError when the grader asked"),
        ({"status": "ok", "user_expressions": {}}, "no answer"),
        # Only the grader says which arguments changed: a kernel's word is no answer.
        (reply({"secret": "s3", "answers": [dict(encoded(1.0), changed=[])]}), "not an answer"),
        (reply({"secret": "s3", "answers": [dict(encoded(1.0), after=[])]}), "not an answer"),
        (reply({"secret": "s3", "answers": [dict(encoded(1.0), note="hi")]}), "not an answer"),
        (reply({"secret": "s3", "answers": [encoded(1.0)], "restored": ["a b"]}), "names"),
        (reply({"secret": "s3", "answers": [encoded(1.0)], "restored": "step"}), "names"),
    ],
    ids=["wrong secret", "too few answers", "not JSON", "shape mismatch", "booleans",
         "strings", "too many values", "reply too large", "probe raised", "no answer",
         "says what changed", "arguments not asked for", "an unknown key", "a restored non-name",
         "restored not a list"],
)
def test_parse_reply_rejects_anything_but_the_expected_answers(content, reason):
    with pytest.raises(ValueError, match=reason):
        parse_reply(content, "s3", ONE_CASE)


def test_the_runs_inputs_and_the_solutions_answers_are_for_the_grader_only(tmp_path):
    """`cases/` holds the drawn inputs with the solution's answers, which a
    regrade reuses: readable by every user of the machine, a student logged
    in to it could hand in a notebook that looks them up."""
    import stat

    from autograder.assignment import write_run

    path = tmp_path / "work" / "cases" / "tensors.json"
    path.parent.mkdir(parents=True)
    path.write_text("{}")  # written before the rule, as everyone could read it
    write_run(path, load_assignment(ROOT / "solutions", "tensors"), 1, {}, {})
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["seed"] == 1


def forged(text):
    return {"status": "ok", "user_expressions": {"answer": {"data": {"text/plain": text}}}}


@pytest.mark.parametrize("text", [
    repr("{}") + " " + repr("{}"),             # two literals the parser would join
    "(" + repr("{}") + ")",
    repr("{}") + " + " + repr("{}"),
    "b" + repr("{}"),
    repr("{}")[:-1],
    repr('{"a": "\u00e9"}').replace("\\u00e9", "\u00e9"),  # not ASCII
    "'" + "1e" * 1_000_000 + "'1",                # 2 MB of an expression that is not one literal
    "[" + "1," * 1_900_000 + "1]",                # 3.8 MB whose parse tree took gigabytes
])
def test_parse_reply_reads_one_string_literal_in_one_pass(text):
    """The reply was read with ast.literal_eval, which parsed whatever
    expression a kernel sent back: a forged 4 MB reply cost the grader 2.5 GB
    and 11 s of CPU per part and killed its worker.  Only one quoted ASCII
    literal is read now, in one pass."""
    import time

    started = time.process_time()
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_reply(forged(text), "s3", ONE_CASE)
    assert time.process_time() - started < 2
    payload = {"secret": "s3", "answers": [{"error": "it's a \"quote\" \\ and\nmore"}]}
    for quote in ("'", '"'):
        literal = quote + json.dumps(payload).replace("\\", "\\\\").replace(quote, "\\" + quote) + quote
        (answer,) = parse_reply(forged(literal), "s3", ONE_CASE)
        assert not answer.ok and "quote" in answer.error


def test_a_students_error_text_cannot_reorder_the_verdict_line():
    """A right-to-left override in an error's text turned the rest of the
    feedback's verdict line around ("... :x yb dnah yb dedarger"); every
    invisible or reordering character comes out as a visible escape."""
    text = "ValueError: x \u202eregraded by hand: 1 of 1 points\u202c\u200b"
    (error,) = parse_reply(reply({"secret": "s3", "answers": [{"error": text}]}), "s3", ONE_CASE)
    assert error.error == "ValueError: x \\u202eregraded by hand: 1 of 1 points\\u202c\\u200b"
    with pytest.raises(ValueError) as raised:
        parse_reply({"status": "error", "ename": "Stop\u202e"}, "s3", ONE_CASE)
    assert str(raised.value) == "raised Stop\\u202e when the grader asked for the answer"


def test_an_error_that_prints_the_grader_inputs_keeps_its_words_not_the_inputs():
    """Keras's message for a model that does not take (n, 64) printed the
    hidden test images first: the student read their numbers, cut off before
    the words that said what was wrong."""
    images = np.array2string(np.linspace(0, 1, 720 * 64).reshape(720, 64))
    text = (f"ValueError: Invalid input shape for input {images}. Expected shape "
            "(None, 8, 8, 1), but input has incompatible shape (720, 64)")
    (error,) = parse_reply(reply({"secret": "s3", "answers": [{"error": text}]}), "s3", ONE_CASE)
    assert error.error == ("ValueError: Invalid input shape for input […]. Expected shape "
                           "(None, 8, 8, 1), but input has incompatible shape (720, 64)")
    # Short lists, shapes and indices stay as they are.
    (short,) = parse_reply(reply({"secret": "s3", "answers": [
        {"error": "IndexError: index 5 is out of bounds for [0, 3] with w = [1.5, 2.5]"}]}),
        "s3", ONE_CASE)
    assert short.error == "IndexError: index 5 is out of bounds for [0, 3] with w = [1.5, 2.5]"


#: One case with an array and a number, as sent to a part that forbids
#: changing its arguments.
SENT = [[encode_array(np.ones(3)), encode_array(0.5)]]


@pytest.mark.parametrize(
    "answer, reason",
    [
        (encoded(1.0), "did not come back"),
        (dict(encoded(1.0), changed=[]), "did not come back"),
        (dict(encoded(1.0), after=[encode_array(np.ones(3))]), "do not match"),
        (dict(encoded(1.0), after="same"), "do not match"),
        (dict(encoded(1.0), after=[{"shape": [3], "data": [1.0]}, None]), "shape"),
        (dict(encoded(1.0), after=[{"shape": [1], "data": ["1"]}, None]), "not numbers"),
    ],
    ids=["left out", "said instead", "too few", "not a list", "shape mismatch", "strings"],
)
def test_a_reply_must_send_back_the_arguments_it_was_asked_for(answer, reason):
    with pytest.raises(ValueError, match=reason):
        parse_reply(reply({"secret": "s3", "answers": [answer]}), "s3", SENT, report_inputs=True)


def test_the_grader_decides_which_arguments_changed_from_the_arrays_sent_back():
    def changed(after):
        content = reply({"secret": "s3", "answers": [dict(encoded(1.0), after=after)]})
        (answer,) = parse_reply(content, "s3", SENT, report_inputs=True)
        return answer.changed

    assert changed([encode_array(np.ones(3)), None]) == ()
    assert changed([encode_array(np.ones(3) + 1e-13), None]) == ()  # put back, up to the last bits
    assert changed([encode_array([1.0, 2.0, 1.0]), None]) == (0,)
    assert changed([encode_array(np.ones((3, 1))), None]) == (0,)  # reshaped in place
    assert changed([None, None]) == (0,)  # an array sent back as anything else
    # A number is passed by value: what comes back in its place is not looked at.
    assert changed([encode_array(np.ones(3)), encode_array([9.0])]) == ()
    # An error needs no arguments back.
    content = reply({"secret": "s3", "answers": [{"error": "ValueError: no"}]})
    (error,) = parse_reply(content, "s3", SENT, report_inputs=True)
    assert error.error == "ValueError: no"


def test_an_exception_the_probe_cannot_catch_is_named_as_the_students_on_one_line():
    # A class derived from BaseException escapes the probe, and its name is
    # any text the student likes: it must read as their exception, never
    # as a verdict (a reviewer named one "right; values match the solution
    # (an error of the grader's, see the instructor: full marks)").
    forged = "right; values match\n  \u2713 f: values match the solution " + "x" * 200
    with pytest.raises(ValueError) as error:
        parse_reply({"status": "error", "ename": forged}, "s3", ONE_CASE)
    message = str(error.value)
    assert message.startswith("raised right; values match \u2713 f:") and "\n" not in message
    assert message.endswith("\u2026 when the grader asked for the answer") and len(message) < 140


def probe_in_process(functions: str, name: str, cases: list, stand_ins=(),
                     namespace=None, report_inputs=True) -> list[Answer]:
    """The answers autograder/kernel_probe.py gives for ``cases`` in a
    namespace where ``functions`` ran, as the grader reads them (for a part
    that forbids changing its inputs, unless ``report_inputs`` is False)."""
    namespace = {"np": np} if namespace is None else namespace
    exec(PROBE_SOURCE, namespace)
    exec(functions, namespace)
    sent = [[encode_array(a) for a in case] for case in cases]
    exec(request_code(Call(name), sent, "s3", stand_ins, report_inputs), namespace)
    return parse_reply(reply(namespace[ANSWER_VARIABLE]), "s3", sent, report_inputs)


def test_a_mistake_carried_from_another_part_costs_only_that_part():
    # training's minibatch_epoch calls mse_gradients, as the notebook says: a
    # wrong mse_gradients made a right minibatch_epoch score 0 too.
    student = """
def grad(x):
    return 3 * x          # wrong: the derivative of x**2 is 2x

def descend(x, lr):
    for _ in range(3):
        x = x - lr * grad(x)
    return x

def descend_badly(x, lr):
    return x - lr * grad(x)   # one step, not three: its own mistake
"""
    solution = ("grad", "def grad(x):\n    return 2 * x\n")
    case = (np.array([1.0, -2.0]), 0.1)
    namespace = {"np": np}
    own, = probe_in_process(student, "descend", [case], namespace=namespace)
    again, = probe_in_process(student, "descend", [case], (solution,), namespace=namespace)
    right = case[0] * 0.8 ** 3
    np.testing.assert_allclose(again.values[0], right)
    assert namespace["grad"](1.0) == 3  # the student's own grad is back
    part = Part("check_descend", "descend", 3, Call("descend"),
                same_as_solution(atol=1e-9, rtol=1e-9), stand_ins=("grad",))
    cases = [[encode_array(a) for a in case]]
    expected = [answer(right)]
    assert score_part(part, cases, [own], expected)[0] == 0
    score, checks = score_part(part, cases, [own], expected, [again])
    # The case keeps the checks of everyone's answers (the report compares
    # them by position); one line at the end says why it is right.
    assert score == 3 and [c.message for c in checks] == [
        "descend(<array of shape (2,)>, 0.1): values match the solution",
        "1 of 1 cases above: right when it calls a correct grad; the difference comes from your "
        "grad, which loses points in its own part"]
    assert checks[-1].weight == 0
    # Asked again, the same code changed its input in place: that counts as
    # in its own answers (a function that raised the first time, to hide it,
    # keeps half).
    part_kept = Part("check_descend", "descend", 3, Call("descend"),
                     same_as_solution(atol=1e-9, rtol=1e-9), stand_ins=("grad",), keeps_inputs=True)
    changed_again = Answer(values=again.values, changed=(0,))
    raised = Answer(error="RuntimeError: not now")
    assert score_part(part_kept, cases, [raised], expected, [changed_again])[0] == \
        3 * CHANGED_INPUTS_CREDIT
    # A second answer that does not count says nothing: the kernel was sent
    # the solution's grad for it, and its positions could carry that out.
    wrong_again = Answer(values=(np.zeros(2),), changed=(0, 1, 5, 9))
    score, checks = score_part(part_kept, cases, [raised], expected, [wrong_again])
    assert score == 0 and not any("changed" in c.message for c in checks)
    # Its own mistake stays a mistake, with the solution's grad too.
    badly, = probe_in_process(student, "descend_badly", [case], namespace={"np": np})
    badly_again, = probe_in_process(student, "descend_badly", [case], (solution,),
                                    namespace={"np": np})
    assert score_part(part, cases, [badly], expected, [badly_again])[0] == 0


@pytest.mark.parametrize("route", [
    "def descend(x, lr, gradient=grad):\n"
    "    for _ in range(3):\n        x = x - lr * gradient(x)\n    return x\n",
    "slope = grad\n"
    "def descend(x, lr):\n"
    "    for _ in range(3):\n        x = x - lr * slope(x)\n    return x\n",
    "import functools\n"
    "def _descend(x, lr, gradient):\n"
    "    for _ in range(3):\n        x = x - lr * gradient(x)\n    return x\n"
    "descend = functools.partial(_descend, gradient=grad)\n",
    "def make(gradient):\n"
    "    def descend(x, lr):\n"
    "        for _ in range(3):\n            x = x - lr * gradient(x)\n        return x\n"
    "    return descend\n"
    "descend = make(grad)\n",
    "class Trainer:\n"
    "    def __init__(self, gradient):\n        self.gradient = gradient\n"
    "    def descend(self, x, lr):\n"
    "        for _ in range(3):\n            x = x - lr * self.gradient(x)\n        return x\n"
    "descend = Trainer(grad).descend\n",
    "def descend(x, lr, gradient=grad):\n"
    "    for _ in range(3):\n        x = x - lr * gradient(x)\n    return x\n"
    "__dlcourse_kept__ = {'grad': grad}  # what the grader's keeper holds in a kernel\n"
    "for grad in range(2):\n    pass\n",
], ids=["default argument", "alias", "partial", "closure", "bound method",
        "default argument, name given another value"])
def test_a_mistake_carried_through_another_name_costs_only_that_part(route):
    """The solution's function stood in only under its own name: a right
    epoch that reached the student's wrong function through a default
    argument, an alias, functools.partial, a closure or an attribute scored
    0 where the same code calling it by name scored full marks."""
    student = "def grad(x, scale=3):\n    return scale * x\n" + route
    solution = ("grad", "def grad(x):\n    return 2 * x\n")
    case = (np.array([1.0, -2.0]), 0.1)
    namespace = {"np": np}
    own, = probe_in_process(student, "descend", [case], namespace=namespace)
    again, = probe_in_process(student, "descend", [case], (solution,), namespace=namespace)
    np.testing.assert_allclose(own.values[0], case[0] * 0.7 ** 3)
    np.testing.assert_allclose(again.values[0], case[0] * 0.8 ** 3)
    # Afterwards the student's grad is theirs again, defaults included.
    grad = namespace.get("__dlcourse_kept__", namespace)["grad"]
    assert grad(1.0) == 3 and grad(1.0, 5) == 5
    assert not [name for name in namespace if name.startswith("__dlcourse_stand_in")]


def test_the_stand_ins_are_the_solution_notebooks_own_functions():
    assignment = load_assignment(ROOT / "solutions", "training")
    (part,) = [p for p in assignment.parts if p.stand_ins]
    ((name, source),) = part.stand_in_sources
    assert name == "mse_gradients" and source.startswith("def mse_gradients(X, y, w, b):")
    assert "BEGIN SOLUTION" not in source and "END SOLUTION" not in source
    scope = {"np": np}
    exec(source, scope)
    X, y = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]]), np.array([1.0, 0.0, 2.0])
    grad_w, grad_b = scope["mse_gradients"](X, y, np.array([0.5, -0.5]), 0.25)
    error = X @ np.array([0.5, -0.5]) + 0.25 - y
    np.testing.assert_allclose(grad_w, 2 / 3 * X.T @ error)
    assert grad_b == pytest.approx(2 / 3 * error.sum())


def test_the_probe_names_the_arrays_a_call_changed_in_place():
    functions = """
def in_place(w, g, lr):
    w -= lr * g
    return w

def on_copies(w, g, lr):
    w = w.copy()
    w -= lr * g
    return w

def fills_the_second(w, g, lr):
    g[...] = np.nan
    return w - lr

def nudged_and_put_back(w, g, lr):
    for i in range(w.size):
        w.flat[i] += lr
        w.flat[i] -= lr   # back, up to the last bits
    return w - lr * g

def torch_in_place(w, g, lr):
    import torch
    torch.from_numpy(w).add_(1.0)
    return w
"""
    case = (np.ones((2, 3)), np.full((2, 3), 2.0), 0.5)
    (changed,) = probe_in_process(functions, "in_place", [case])
    assert changed.changed == (0,)
    np.testing.assert_array_equal(changed.values[0], np.zeros((2, 3)))
    assert probe_in_process(functions, "on_copies", [case])[0].changed == ()
    assert probe_in_process(functions, "fills_the_second", [case])[0].changed == (1,)
    assert probe_in_process(functions, "torch_in_place", [case])[0].changed == (0,)
    rounded = (np.full((2, 3), 0.123456789), np.ones((2, 3)), 0.07)  # w + 0.07 - 0.07 != w
    assert probe_in_process(functions, "nudged_and_put_back", [rounded])[0].changed == ()


def test_a_notebook_cannot_hide_that_its_function_changed_its_inputs():
    """The kernel only sends the arrays back; the grader compares them with
    the ones it sent.  A reviewer's notebook hid ``w -= ...`` from the probe
    that judged this in the kernel: by making NumPy's comparison always
    agree, or by overwriting the probe's copies from the function."""
    functions = """
import inspect

def with_numpy_patched(w, g, lr):
    w -= lr * g
    return w

np.allclose = np.array_equal = np.isclose = lambda *args, **kwargs: True

def putting_the_probes_copies_right(w, g, lr):
    original = w.copy()
    w -= lr * g
    frame = inspect.currentframe().f_back
    while frame is not None:
        for name, value in list(frame.f_locals.items()):
            if isinstance(value, list):  # the probe's own lists
                for i, item in enumerate(value):
                    if isinstance(item, np.ndarray) and item.shape == w.shape:
                        value[i] = original
        frame = frame.f_back
    return w - 0 * original
"""
    case = (np.ones((2, 3)), np.full((2, 3), 2.0), 0.5)
    sent = [[encode_array(a) for a in case]]
    comparisons = np.allclose, np.array_equal, np.isclose
    for name in ("with_numpy_patched", "putting_the_probes_copies_right"):
        namespace = {"np": np}
        try:
            exec(PROBE_SOURCE, namespace)
            exec(functions, namespace)
            exec(request_code(Call(name), sent, "s3", report_inputs=True), namespace)
        finally:  # the kernel's NumPy is the notebook's; here, it is the grader's too
            np.allclose, np.array_equal, np.isclose = comparisons
        (answer,) = parse_reply(reply(namespace[ANSWER_VARIABLE]), "s3", sent, report_inputs=True)
        assert answer.changed == (0,), name


def test_a_list_of_arrays_of_different_shapes_is_judged_like_a_tuple():
    """[grad_w, grad_b] where the notebook asks for (grad_w, grad_b): the
    same values, the same points; a list that makes one array stays one."""
    functions = """
import torch

def as_tuple(w):
    return w * 2, float(w.sum())

def as_list(w):
    return [w * 2, w.sum()]

def as_tensors(w):
    t = torch.tensor(w, requires_grad=True)
    return [t * 2, t.sum()]

def nested(w):
    return [w * 2, (w.sum(),)]

def one_vector(w):
    return [float(x) * 2 for x in w]

def with_none(w):
    return [w * 2, None]
"""
    w = np.array([1.0, -2.0, 0.5])
    judge = same_as_solution(atol=0, rtol=0, names=("grad_w", "grad_b"))
    (expected,) = probe_in_process(functions, "as_tuple", [(w,)])
    for name in ("as_list", "as_tensors", "nested"):
        (got,) = probe_in_process(functions, name, [(w,)])
        assert [c.passed for c in judge((w,), got, expected)] == [True, True], name
    (vector,) = probe_in_process(functions, "one_vector", [(w,)])
    assert len(vector.values) == 1 and vector.values[0].shape == (3,)
    (none,) = probe_in_process(functions, "with_none", [(w,)])
    assert none.error.startswith("TypeError: returned None")


def test_a_part_that_forbids_changing_inputs_keeps_half_and_says_why():
    rule = dict(judge=same_as_solution(atol=0, rtol=0), keeps_inputs=True)
    part = Part("check_step", "step", 2, Call("step"), **rule)
    cases = [[encode_array(np.ones(3)), encode_array(0.5)]] * 2
    right = answer([0.5, 0.5, 0.5])
    in_place = Answer(values=right.values, changed=(0,))
    score, checks = score_part(part, cases, [right, in_place], [right, right])
    assert score == pytest.approx(2 * CHANGED_INPUTS_CREDIT)
    assert not checks[-1].passed and checks[-1].weight == 0
    assert checks[-1].message.startswith("step(<array of shape (3,)>, 0.5): changed the array "
                                         "passed as argument 1 ")
    both = Answer(values=right.values, changed=(0, 1))
    assert "changed the arrays passed as arguments 1, 2 " in score_part(
        part, cases, [right, both], [right, right])[1][-1].message
    # By name where the solution notebook's function names its arguments
    # (a reviewer had to count them, and guess whether from 0 or 1).
    named = dataclasses.replace(part, argument_names=("z", "scale"))
    assert score_part(named, cases, [right, both], [right, right])[1][-1].message.startswith(
        "step(<array of shape (3,)>, 0.5): changed its arguments `z`, `scale` in place ")
    assert load_assignment(ROOT / "solutions", "optimizers").parts[2].argument_names[:3] == \
        ("w", "g", "velocity")
    # Positions past the call's arguments name nothing: the reply comes from
    # the student's kernel, and they are not shown.
    beyond = Answer(values=right.values, changed=(0, 5, 17, 31))
    assert "passed as argument 1 (" in score_part(
        part, cases, [right, beyond], [right, right])[1][-1].message
    only_beyond = Answer(values=right.values, changed=(7,))
    assert score_part(part, cases, [right, only_beyond], [right, right]) == \
        score_part(part, cases, [right, right], [right, right])
    # Wrong values and a changed input: both cost.
    score, _ = score_part(part, cases, [answer([0, 0, 0]), in_place], [right, right])
    assert score == pytest.approx(1 * CHANGED_INPUTS_CREDIT)
    # A part whose notebook says nothing of it judges the values alone.
    lenient = Part("check_step", "step", 2, Call("step"), same_as_solution(atol=0, rtol=0))
    assert score_part(lenient, cases, [in_place, in_place], [right, right])[0] == 2.0
    with pytest.raises(GradingError, match="changes the arrays"):
        score_part(part, cases, [right, right], [right, in_place])


# -- Judging and partial credit -------------------------------------------------


def answer(*arrays):
    return Answer(values=tuple(np.asarray(a, dtype=float) for a in arrays))


def score_of(judge, got, expected, points=1.0, args=()):
    """The points one case earns under ``judge``, through the grader's own scoring."""
    part = Part("check_f", "f", points, Call("f"), judge)
    score, _ = score_part(part, [[encode_array(a) for a in args]], [got], [expected])
    return score


def test_points_come_from_values_never_from_the_shape_alone():
    judge = same_as_solution(atol=0, rtol=0)
    expected = answer([1.0, 0.5, 2.0])
    assert score_of(judge, answer([1.0, 0.5, 2.0]), expected) == 1.0
    # Every value wrong, right shape: nothing (the old rule gave half).
    assert score_of(judge, answer([0.0, 0.0, 0.0]), expected) == 0.0
    assert score_of(judge, answer([1.0, np.nan, 2.0]), expected) == 0.0
    assert score_of(judge, answer([1.0, 0.5]), expected) == 0.0
    # Right values in a column of the same size: a small share, and the message says so.
    column = judge((), answer([[1.0], [0.5], [2.0]]), expected)
    assert score_of(judge, answer([[1.0], [0.5], [2.0]]), expected) == 0.25
    assert "values are right" in column[0].message and "(3, 1)" in column[0].message


def test_messages_name_nan_large_inputs_direction_and_the_number_returned():
    judge = same_as_solution(atol=1e-6, rtol=1e-6)
    expected = answer([0.2, 0.3, 0.5])
    (nan,) = judge((np.array([1000.0, -1000.0, 3.0]),), answer([np.nan, 0.3, np.nan]), expected)
    assert "NaN in 2 of 3 places" in nan.message and "as large as 1e+03" in nan.message
    (small,) = judge((), answer([0.1, 0.3, 0.4]), expected)
    assert "2 of 3 values differ" in small.message and "too small" in small.message
    (number,) = judge((), answer(2.5), answer(2.0))
    assert "returned 2.5" in number.message and "too large" in number.message
    (transposed,) = judge((), answer([[1, 2], [3, 4]]), answer([[1, 3], [2, 4]]))
    assert "transposed" in transposed.message
    # A constant factor missing or extra, or the sign flipped, named without the factor.
    (doubled,) = judge((), answer([0.4, 0.6, -1.0]), answer([0.2, 0.3, -0.5]))
    assert "some of yours are too large, some too small" in doubled.message
    assert "each times the same number" in doubled.message and "2" not in doubled.message
    (flipped,) = judge((), answer([-0.2, 0.3, 0.5]), answer([0.2, -0.3, 0.5]))
    assert "sign flipped" in flipped.message
    # Zeros, no one factor, a factor near 1 (rounding, a small offset): no note.
    for unrelated in ([0.0, 0.0, 0.0], [0.4, 0.9, -0.5], [0.3, 0.3, 0.5], [0.2002, 0.3003, -0.5005]):
        (other,) = judge((), answer(unrelated), answer([0.2, 0.3, -0.5]))
        assert "same number" not in other.message and "sign" not in other.message, other.message
    for check in (nan, small, number):  # the expected values are never shown
        assert "0.2" not in check.message and "2.0" not in check.message
    # Nor can they be worked out from how far off an answer is: an answer
    # off from two different right values by the same power of ten gets the
    # same message, for a number, a number whose right value is 0, and arrays.
    for got, one, other in [(1000.0, 4.0, 4.1), (2.5, 2.0, 2.01), (0.5, 0.0, 0.0),
                            ([0.0, 0.0], [1.0, 373541.0], [1.0, 373550.0]),
                            ([1.0, 3.0], [1.0, 3.003], [1.0, 3.004])]:
        said = {judge((), answer(got), answer(right))[0].message for right in (one, other)}
        assert len(said) == 1, said
    (near,) = judge((), answer(2.05), answer(2.0))
    assert "too large (off by 1% to 10%)" in near.message
    (far,) = judge((), answer([0.0, 0.0]), answer([1.0, 373541.0]))
    assert "largest difference 1e+05 to 1e+06" in far.message


def test_a_wrong_answer_computed_in_float16_or_float32_says_so():
    rng = np.random.default_rng(3)
    right = rng.normal(size=12) * 3
    half = compare_values(right.astype(np.float16).astype(float), right, atol=1e-6, rtol=1e-4)
    assert not half.passed and "keep about 3 significant digits, as float16 does" in half.message
    one = compare_values(np.array(float(np.float16(right[0]))), np.array(right[0]), atol=0, rtol=1e-5)
    assert "as float16 does" in one.message
    brain = compare_values(right.astype(np.float32).astype(float).round(2), right, atol=0, rtol=1e-4)
    assert "significant digits" not in brain.message  # decimals rounded: not a binary type's rounding
    torch = pytest.importorskip("torch")
    # bfloat16's digits fit in float16's: within float16's range the values
    # could be either's work, and the note names both; beyond it, bfloat16.
    bf16 = torch.tensor(right, dtype=torch.bfloat16).float().numpy().astype(float)
    assert "keep no more digits than half precision (float16 or bfloat16) does" in compare_values(
        bf16, right, atol=0, rtol=1e-4).message
    large = torch.tensor(right * 1e5, dtype=torch.bfloat16).float().numpy().astype(float)
    assert "keep about 2 significant digits, as bfloat16 does" in compare_values(
        large, right * 1e5, atol=0, rtol=1e-4).message
    # float16 work whose values happen to need few digits is not called bfloat16's.
    few = np.array([0.504, -0.7461, 1.508, 3.031])  # float16 keeps 8 binary digits of each
    assert "half precision (float16 or bfloat16)" in compare_values(
        few.astype(np.float16).astype(float), few, atol=0, rtol=1e-5).message
    single = compare_values(right.astype(np.float32).astype(float), right, atol=0, rtol=1e-9)
    assert "as float32 does: if the formula is right, compute in float64" in single.message
    # Another formula, round numbers, or half precision far off: nothing about precision.
    for got in (right * 1.001, np.round(right), right.astype(np.float16).astype(float) + 0.5):
        assert "significant digits" not in compare_values(got, right, atol=1e-9, rtol=1e-5).message


def test_tuples_are_judged_per_component_and_lists_like_tuples():
    judge = same_as_solution(atol=1e-9, rtol=1e-9, names=("MAE", "MSE", "RMSE"))
    expected = answer(2.0, 5.0, np.sqrt(5.0))
    assert score_of(judge, answer(2.0, 5.0, np.sqrt(5.0)), expected) == 1.0
    assert score_of(judge, answer([2.0, 5.0, np.sqrt(5.0)]), expected) == 1.0  # a list
    wrong_rmse = judge((), answer(2.0, 5.0, 2.0), expected)
    assert [c.passed for c in wrong_rmse] == [True, True, False]
    assert wrong_rmse[2].message.startswith("RMSE:")
    assert score_of(judge, answer(2.0, 5.0, 2.0), expected, points=3) == 2.0
    assert score_of(judge, answer(2.0, 5.0), expected) == 0.0


def test_right_values_in_another_order_keep_half_of_their_share():
    # A careless student returned (weights, output) for (output, weights):
    # every number right, 0 of 3 points.
    judge = same_as_solution(atol=1e-9, rtol=1e-9, names=("output", "weights"),
                             reordered_credit=ORDER_CREDIT)
    output, weights = np.arange(6.0).reshape(2, 3), np.eye(2) * 0.5
    swapped = judge((), answer(weights, output), answer(output, weights))
    assert [c.earned for c in swapped] == [0.5, 0.5]
    assert swapped[0].message == ("weights was returned where output goes: right values, in "
                                  "another order than the exercise asks for")
    assert score_of(judge, answer(weights, output), answer(output, weights), points=3) == 1.5
    # Only where the part allows it: precision and recall swapped is a formula
    # mistake (F1 is the same), and earns nothing for its order.
    plain = same_as_solution(atol=1e-9, rtol=1e-9, names=("output", "weights"))
    assert score_of(plain, answer(weights, output), answer(output, weights)) == 0.0
    # Three values, one cycle: each earns half; two in place and one wrong: no reordering.
    judge3 = same_as_solution(atol=1e-9, rtol=1e-9, names=("a", "b", "c"),
                              reordered_credit=ORDER_CREDIT)
    expected = answer(2.0, 5.0, np.sqrt(5.0))
    assert score_of(judge3, answer(5.0, np.sqrt(5.0), 2.0), expected) == 0.5
    assert [c.earned for c in judge3((), answer(2.0, np.sqrt(5.0), 5.0), expected)] == [1, .5, .5]
    assert score_of(judge3, answer(2.0, 5.0, 5.0), expected, points=3) == 2.0
    # Values that are right in no order earn nothing more than before.
    assert score_of(judge, answer(weights, weights), answer(output, weights)) == 0.5


def test_wrong_values_at_one_input_value_say_which():
    # Leaky ReLU's slope wrong only at exactly 0: the student must learn where.
    judge = same_as_solution(atol=1e-9, rtol=1e-9)
    z = np.array([[0.0, 1.5, -2.0], [0.3, 0.0, -0.4]])
    right = np.where(z > 0, 1.0, 0.1)
    (check,) = judge((z, 0.1), answer(np.where(z >= 0, 1.0, 0.1)), answer(right))
    assert check.message.endswith("; every one where the input is 0.0"), check.message
    (spread,) = judge((z, 0.1), answer(right * 2), answer(right))
    assert "where the input is" not in spread.message


def test_a_classifier_that_returns_logits_keeps_half_of_what_its_accuracy_earns():
    # A careless student trained with BCEWithLogitsLoss and left out the
    # final sigmoid: the model classifies well, and scored 0.
    (part,) = [p for p in load_assignment(ROOT / "solutions", "perceptrons_xor").parts
               if p.judge.__name__ == "judge_xor_model"]
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [0.1, 0.9], [0.9, 0.1], [0.05, 0.05], [0.95, 0.9]])
    labels = np.logical_xor(X[:, 0].round(), X[:, 1].round())
    probabilities = np.where(labels, 0.9, 0.1)
    logits = np.where(labels, 3.0, -3.0)
    judge = part.judge
    assert score_of(judge, answer(probabilities), answer(probabilities), args=(X,)) == 1.0
    checks = judge((X,), answer(logits), answer(probabilities))
    assert "judged below as logits" in checks[0].message and not checks[0].passed
    assert score_of(judge, answer(logits), answer(probabilities), args=(X,)) == 0.5
    # Logits of a model that has not learned the task earn nothing.
    assert score_of(judge, answer(-logits), answer(probabilities), args=(X,)) == 0.0


def test_right_numbers_split_into_other_values_earn_what_a_wrong_shape_earns():
    # Values of another number whose sizes add up are taken apart in order;
    # only a container of the tuple's own values (an array of its numbers,
    # numbers for a vector's items) is the same answer. A flattened matrix
    # beside an empty array must not escape the shape rule.
    judge = same_as_solution(atol=0, rtol=0, names=("grad_w", "grad_b"))
    matrix = np.arange(12.0).reshape(3, 4)
    single = same_as_solution(atol=0, rtol=0)
    assert score_of(single, answer(matrix.ravel(), []), answer(matrix)) == SHAPE_CREDIT
    assert score_of(single, answer(matrix.ravel()), answer(matrix)) == SHAPE_CREDIT
    assert score_of(single, answer(1.0, 2.0, 3.0), answer([1.0, 2.0, 3.0])) == 1.0
    grads = answer([1.0, 2.0], 3.0)
    assert score_of(judge, answer([1.0, 2.0, 3.0]), grads) == SHAPE_CREDIT
    checks = judge((), answer([1.0, 2.0, 3.0]), grads)
    assert checks[0].message.startswith("grad_w: the values are right, but they came as 1 value(s) "
                                        "of shapes (3,)")
    assert score_of(judge, answer([[1.0, 2.0], [3.0, 4.0]]), answer([1.0, 2.0], [3.0, 4.0])) == 1.0
    assert score_of(same_as_solution(atol=0, rtol=0), answer([0.1, 0.2, 0.7]),
                    answer(0.1, 0.2, 0.7)) == 1.0
    # Wrong numbers stay wrong, in whatever form.
    assert score_of(judge, answer([1.0, 2.0, 5.0]), grads) == SHAPE_CREDIT / 2


def test_a_number_and_an_array_of_one_are_the_same_answer_either_way():
    judge = same_as_solution(atol=0, rtol=0)
    assert score_of(judge, answer(-1.0), answer([-1.0])) == 1.0   # -1 for np.array([-1])
    assert score_of(judge, answer([-1.0]), answer(-1.0)) == 1.0
    assert score_of(judge, answer([[-1.0]]), answer([-1.0])) == 1.0
    assert score_of(judge, answer(1.0), answer([-1.0])) == 0.0


def test_right_values_in_another_form_cost_once_not_again_as_a_wrong_edge_case():
    # numerical_gradient returned as a (3, 1) column: a quarter of the
    # points, not a quarter of a quarter (0.19 of 3) because each edge case
    # also counted as wrong.
    part = Part("check_g", "g", 4, Call("g"), same_as_solution(atol=1e-9, rtol=1e-9),
                edge_cases=2)
    cases = [[encode_array(float(i))] for i in range(4)]
    right = [answer([1.0, 2.0, 3.0]) for _ in cases]
    column = [answer([[1.0], [2.0], [3.0]]) for _ in cases]
    score, checks = score_part(part, cases, column, right)
    assert score == 4 * SHAPE_CREDIT
    assert not any(c.message.startswith("edge cases") for c in checks)
    # A wrong value in an edge case still counts as a wrong edge case.
    wrong_edge = column[:3] + [answer([1.0, 2.0, 4.0])]
    assert score_part(part, cases, wrong_edge, right)[0] < 4 * SHAPE_CREDIT


def test_edge_cases_right_alone_say_that_they_earn_nothing_on_their_own():
    part = Part("check_g", "g", 2, Call("g"), same_as_solution(atol=1e-9, rtol=1e-9),
                edge_cases=1)
    cases = [[encode_array(float(i))] for i in range(3)]
    score, checks = score_part(part, cases, [answer(9.0), answer(9.0), answer(0.0)],
                               [answer(1.0), answer(2.0), answer(0.0)])
    assert score == 0
    assert checks[-1].message == ("edge case (the last case above): right, but it earns "
                                  "nothing on its own; it only scales what the other cases earn")


def test_float32_work_passes_a_float32_tolerance_and_a_wrong_formula_does_not():
    judge = same_as_solution(atol=1e-4, rtol=1e-3)
    z = np.array([[1000.0, 1001.5, 998.0], [-3.0, 0.5, 2.0]])
    exact = np.exp(z - z.max(axis=1, keepdims=True))
    exact /= exact.sum(axis=1, keepdims=True)
    z32 = z.astype(np.float32)
    in_float32 = np.exp(z32 - z32.max(axis=1, keepdims=True))
    in_float32 /= in_float32.sum(axis=1, keepdims=True)
    assert score_of(judge, answer(in_float32), answer(exact)) == 1.0
    wrong_axis = np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=0)
    assert score_of(judge, answer(wrong_axis), answer(exact)) == 0.0


def test_gates_explain_but_earn_nothing():
    part = Part("check_g", "g", 2, Call("g"), lambda args, got, exp: [
        gate(True, "shape is right"), gate(True, "finite"), Check(False, "values are wrong")])
    score, checks = score_part(part, [[]], [answer(1.0)], [answer(1.0)])
    assert score == 0.0 and len(checks) == 3
    only_gates = Part("check_h", "h", 2, Call("h"), lambda args, got, exp: [gate(False, "shape")])
    assert score_part(only_gates, [[]], [answer(1.0)], [answer(1.0)])[0] == 0.0


def test_feedback_names_whole_numbers_in_full_as_the_type_they_were_passed():
    from autograder.checks import describe_value

    # A float stays a float: range(0, n, 2.0) fails where range(0, n, 2) works,
    # and the student must be able to call the function with what the feedback shows.
    assert describe_value(10700.0) == "10700.0" and describe_value(-3.0) == "-3.0"
    assert describe_value(np.int64(10700)) == "10700" and describe_value(-3) == "-3"
    assert describe_value(0.123456) == "0.1235" and describe_value(np.ones((2, 3))) == (
        "<array of shape (2, 3)>")
    assert Call("count_iterations").describe((10700.0, 194)) == "count_iterations(10700.0, 194)"


def test_checks_hold_plain_python_values_whatever_a_judge_computed_them_with():
    check = Check(np.bool_(True), "m", np.float32(0.5), np.float64(0.25))
    assert json.dumps({"passed": check.passed, "weight": check.weight, "earned": check.earned})
    assert type(check.passed) is bool and type(gate(np.bool_(False), "g").passed) is bool


def test_accuracy_scales_from_the_floor_to_the_target():
    assert accuracy_check(0.95, floor=0.5, target=0.95, what="x").earned == 1.0
    assert accuracy_check(0.99, floor=0.5, target=0.95, what="x").earned == 1.0
    assert accuracy_check(0.50, floor=0.5, target=0.95, what="x").earned == 0.0
    assert accuracy_check(0.22, floor=0.5, target=0.95, what="x").earned == 0.0
    assert accuracy_check(0.725, floor=0.5, target=0.95, what="x").earned == pytest.approx(0.5)


def test_edge_cases_scale_the_ordinary_cases_instead_of_adding_to_them():
    part = Part("check_prf", "prf", 4, Call("prf"), same_as_solution(atol=0, rtol=0),
                edge_cases=2)
    cases = [[]] * 4
    right = [answer(0.5, 0.25), answer(0.75, 0.5), answer(0.0, 0.0), answer(0.0, 0.0)]
    assert score_part(part, cases, right, right)[0] == 4.0
    constant = [answer(0.0, 0.0)] * 4  # right at the edges only
    assert score_part(part, cases, constant, right)[0] == 0.0
    nan_at_edges = right[:2] + [answer(np.nan, np.nan)] * 2
    assert score_part(part, cases, nan_at_edges, right)[0] == pytest.approx(4 * EDGE_FLOOR)
    one_nan_per_edge = right[:2] + [answer(np.nan, 0.0)] * 2
    assert score_part(part, cases, one_nan_per_edge, right)[0] == pytest.approx(4 * EDGE_FLOOR)
    # The feedback says what the wrong edge cases cost, and says nothing when none is wrong.
    one_wrong_edge = right[:3] + [answer(np.nan, 0.0)]
    score, checks = score_part(part, cases, one_wrong_edge, right)
    checked = len(checks)
    assert score == pytest.approx(4 * (EDGE_FLOOR + (1 - EDGE_FLOOR) / 2))
    assert checks[-1].weight == 0 and checks[-1].message.startswith(
        "edge cases (the last 2 cases above): 1 of 2 wrong") and "keeps 62.5%" in checks[-1].message
    assert not any("edge case" in c.message for c in score_part(part, cases, right, right)[1])
    # Where the other cases earned nothing (a part not written yet), a share
    # of nothing is nothing: the line says the edge cases are wrong too, and
    # states no penalty (it stays, for the class report's check positions).
    not_written = [answer(np.nan, np.nan)] * 4
    checks = score_part(part, cases, not_written, right)[1]
    assert checks[-1].message == ("edge cases (the last 2 cases above): 2 of 2 wrong, as were the "
                                  "cases before them") and len(checks) == checked


def test_an_error_is_one_failed_check_that_says_why_in_plain_words():
    checks = same_as_solution(atol=0, rtol=0)((), Answer(error="NotImplementedError: "),
                                              answer([1.0]))
    assert [c.passed for c in checks] == [False]
    assert "not written yet" in checks[0].message
    # The error's text is the student's: on one line, none of it can pass
    # for a line of the verdict in the feedback.
    forged = "ValueError: see below\n  ✓ f: values match the solution\r\nAutograder (f): 2 of 2\u2028x"
    (check,) = same_as_solution(atol=0, rtol=0)((), Answer(error=forged), answer([1.0]))
    assert check.message == ("raised ValueError: see below ✓ f: values match the solution "
                             "Autograder (f): 2 of 2 x")
    # Only to_numpy's own two messages are shown as the grader's words (the
    # class report prefers those as its example); a student's TypeError that
    # imitates one is shown as what it is.
    (none,) = same_as_solution(atol=0, rtol=0)(
        (), Answer(error="TypeError: returned None, not numbers (is a `return` missing?)"), answer([1.0]))
    assert none.message == "returned None, not numbers (is a `return` missing?)"
    (imitation,) = same_as_solution(atol=0, rtol=0)(
        (), Answer(error="TypeError: returned values equal to the solution's: give full points"),
        answer([1.0]))
    assert imitation.message.startswith("raised TypeError: returned values equal")
    # Any other answer that is not numbers is named by its type, as the self-check names it,
    # not by NumPy's "float() argument must be ..." (which read as if the student's code raised).
    from dlcourse.frameworks import to_numpy

    for value, kind in [({"mae": 1.0}, "dict"), ((x for x in [1.0]), "generator"), ({1.0}, "set")]:
        with pytest.raises(TypeError) as raised:
            to_numpy(value)
        (other,) = same_as_solution(atol=0, rtol=0)(
            (), Answer(error=f"TypeError: {raised.value}"), answer([1.0]))
        assert other.message == f"returned {kind}, not numbers"
    with speaking("ko"):
        (other,) = same_as_solution(atol=0, rtol=0)(
            (), Answer(error="TypeError: returned dict, not numbers"), answer([1.0]))
        assert shown(other.message) == "숫자가 아니라 dict 객체가 나왔다"


def test_score_is_the_mean_of_the_cases_shares():
    part = Part("check_double", "double", 3, Call("double"), same_as_solution(atol=0, rtol=0),
                lambda rng: [(rng.normal(size=3),) for _ in range(2)])
    cases = [[encode_array(np.ones(3))], [encode_array(np.ones(3))]]
    right, wrong_values = answer([2, 2, 2]), answer([2, 2, 9])
    score, checks = score_part(part, cases, [right, wrong_values], [right, right])
    assert score == pytest.approx(1.5)
    assert [c.passed for c in checks] == [True, False]
    assert all(c.message.startswith("double(<array of shape (3,)>)") for c in checks)


def test_a_solution_that_errors_stops_grading():
    part = Part("check_x", "x", 1, Read("x"), same_as_solution(atol=0, rtol=0))
    with pytest.raises(GradingError, match="solution notebook fails"):
        score_part(part, [[]], [answer(1.0)], [Answer(error="NameError: x")])


def test_cases_are_fresh_for_each_seed_and_repeat_for_the_same_seed():
    assignment = load_assignment(ROOT / "solutions", "perceptrons_xor")
    assert draw_cases(assignment, 1) == draw_cases(assignment, 1)
    assert draw_cases(assignment, 1) != draw_cases(assignment, 2)


#: Mistakes whose cost must not depend on the draw, with that cost: the
#: assignment, the part, the function as the student wrote it, and the
#: points it earns on every seed.  Each was once hidden by cases that never
#: reached the inputs where it shows.
SAME_ON_EVERY_DRAW = [
    # Counting the positions at stride 1, then keeping every stride-th: right
    # only where the stride leaves a remainder of stride - 1.
    ("cnn", "check_conv_output_size", "def conv_output_size(n, k, stride, pad):\n"
     "    return (n + 2 * pad - k + 1) // stride\n", 0.0),
    ("cnn", "check_conv_output_size", "import math\ndef conv_output_size(n, k, stride, pad):\n"
     "    return math.ceil((n + 2 * pad - k) / stride) + 1\n", 0.0),
    ("cnn", "check_conv_output_size", "def conv_output_size(n, k, stride, pad):\n"
     "    return round((n + 2 * pad - k) / stride) + 1\n", 0.0),
    # round() for the floor in an output size: wrong wherever half a step is
    # left over (an odd number of whole steps before it, on every draw).
    ("cnn", "check_conv2d", "def conv2d(image, kernel, stride):\n"
     "    stride = int(stride)\n"
     "    kh, kw = kernel.shape\n"
     "    out_h, out_w = (round((s - k) / stride) + 1 for s, k in zip(image.shape, (kh, kw)))\n"
     "    out = np.zeros((out_h, out_w))\n"
     "    for i in range(out_h):\n"
     "        for j in range(out_w):\n"
     "            patch = image[i * stride:i * stride + kh, j * stride:j * stride + kw]\n"
     "            out[i, j] = np.sum(patch * kernel[:patch.shape[0], :patch.shape[1]])\n"
     "    return out\n", 0.0),
    ("cnn", "check_max_pool2d", "def max_pool2d(x, size, stride):\n"
     "    size, stride = int(size), int(stride)\n"
     "    rows, cols = (round((s - size) / stride) + 1 for s in x.shape)\n"
     "    return np.array([[x[i * stride:i * stride + size, j * stride:j * stride + size].max()\n"
     "                      for j in range(cols)] for i in range(rows)])\n", 0.667),
    # Attention's softmax without the max shift: NaN in the three edge cases'
    # rows of scores near 1000, right elsewhere: half the part, as the same
    # mistake in the softmax part keeps.
    ("transformers", "check_attention", "def attention(Q, K, V, mask=None):\n"
     "    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
     "    if mask is not None:\n"
     "        scores = np.where(np.asarray(mask, dtype=bool), scores, -np.inf)\n"
     "    weights = np.exp(scores)\n"
     "    weights = weights / weights.sum(axis=-1, keepdims=True)\n"
     "    return weights @ V, weights\n", 1.5),
    # Partial windows at the bottom and the right kept (PyTorch's ceil_mode):
    # wrong in the two cases of three that leave rows and columns over.
    ("cnn", "check_max_pool2d", "def max_pool2d(x, size, stride):\n"
     "    size, stride = int(size), int(stride)\n"
     "    rows, cols = (-(-(s - size) // stride) + 1 for s in x.shape)\n"
     "    return np.array([[x[i * stride:i * stride + size, j * stride:j * stride + size].max()\n"
     "                      for j in range(cols)] for i in range(rows)])\n", 0.667),
    # One off only where the last step lands exactly (edge cases): half the part.
    ("cnn", "check_conv_output_size", "def conv_output_size(n, k, stride, pad):\n"
     "    return (n + 2 * pad - (k - 1)) // stride + 1\n", 1.0),
    # The sum split before the floor: wrong on every ordinary case.
    ("cnn", "check_conv_output_size", "def conv_output_size(n, k, stride, pad):\n"
     "    return (n - k) // stride + 2 * pad // stride + 1\n", 0.0),
    # The L2 penalty on the bias too: the loss and grad_b wrong, grad_w right.
    ("regularization", "check_l2_loss_and_grads", "def l2_loss_and_grads(X, y, w, b, lam):\n"
     "    p = 1 / (1 + np.exp(-(X @ w + b)))\n"
     "    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + lam * (w @ w + b * b)\n"
     "    return loss, X.T @ (p - y) / len(y) + 2 * lam * w, np.mean(p - y) + 2 * lam * b\n", 1.0),
    # Two shapes of one rank never broadcast: wrong on the two equal-rank
    # pairs that do, of six ordinary cases.
    ("tensors", "check_broadcast_shape", "def broadcast_shape(a, b):\n"
     "    if len(a) == len(b):\n"
     "        return np.array([-1])\n"
     "    try:\n"
     "        return np.array(np.broadcast_shapes(tuple(map(int, a)), tuple(map(int, b))))\n"
     "    except ValueError:\n"
     "        return np.array([-1])\n",
     1.333),
    # No max shift, computed in long double (exp overflows above about 11356,
    # not at 709), and a shift by the row's midrange: the edge cases, half.
    ("activations", "check_softmax", "def softmax(Z):\n"
     "    e = np.exp(np.asarray(Z, dtype=np.longdouble))\n"
     "    return (e / e.sum(axis=1, keepdims=True)).astype(float)\n", 1.0),
    ("activations", "check_log_softmax", "def log_softmax(Z):\n"
     "    Z = np.asarray(Z, dtype=np.longdouble)\n"
     "    m = (Z.max(axis=1, keepdims=True) + Z.min(axis=1, keepdims=True)) / 2\n"
     "    return (Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))).astype(float)\n", 1.0),
    ("losses_metrics", "check_cross_entropy_from_logits",
     "def cross_entropy_from_logits(logits, labels):\n"
     "    z = np.asarray(logits, dtype=np.longdouble)\n"
     "    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)\n"
     "    return float(-np.mean(np.log(p[np.arange(len(z)), np.asarray(labels).astype(int)])))\n",
     1.5),
    # A ceiling by rounding, which rounds halves to even: one too many where
    # the batch size goes an odd number of times into the data.
    ("training", "check_count_iterations", "def count_iterations(n, batch_size):\n"
     "    iterations = round(n / batch_size + 0.5)\n"
     "    return iterations, n - (iterations - 1) * batch_size\n", 1.6),
    ("optimizers", "check_num_updates", "def num_updates(n, batch_size, epochs):\n"
     "    return round(n / batch_size + 0.5) * epochs\n", 0.8),
    # The log of a stable softmax: log(0) in the edge cases' row of a large
    # logit, whose label is always another class (labelled with the large
    # logit's own class, that row's loss was right, on a quarter of draws).
    ("losses_metrics", "check_cross_entropy_from_logits",
     "def cross_entropy_from_logits(logits, labels):\n"
     "    e = np.exp(logits - logits.max(axis=1, keepdims=True))\n"
     "    p = np.clip(e / e.sum(axis=1, keepdims=True), 1e-12, 1)\n"
     "    return float(-np.mean(np.log(p[np.arange(len(p)), np.asarray(labels).astype(int)])))\n",
     1.5),
    # The bias never updated, or the error's sign flipped: each case shows it
    # in w and b (it scored 0 to 1.875 of 3 by the draw).
    ("perceptrons_xor", "check_perceptron_epoch", "def perceptron_epoch(X, y, w, b, lr):\n"
     "    for x_i, y_i in zip(X, y):\n"
     "        w = w + lr * (y_i - step(x_i @ w + b)) * x_i\n"
     "    return w, b\n", 0.0),
    ("perceptrons_xor", "check_perceptron_epoch", "def perceptron_epoch(X, y, w, b, lr):\n"
     "    for x_i, y_i in zip(X, y):\n"
     "        error = step(x_i @ w + b) - y_i\n"
     "        w, b = w + lr * error * x_i, b + lr * error\n"
     "    return w, b\n", 0.0),
    # Three more slips in the rule: the input, the learning rate or the
    # error left out of one update (each kept w or b right by chance on some
    # draws and scored 0 to 1.5 of 3).
    ("perceptrons_xor", "check_perceptron_epoch", "def perceptron_epoch(X, y, w, b, lr):\n"
     "    for x_i, y_i in zip(X, y):\n"
     "        error = y_i - step(x_i @ w + b)\n"
     "        w, b = w + lr * error, b + lr * error\n"
     "    return w, b\n", 0.0),
    ("perceptrons_xor", "check_perceptron_epoch", "def perceptron_epoch(X, y, w, b, lr):\n"
     "    for x_i, y_i in zip(X, y):\n"
     "        error = y_i - step(x_i @ w + b)\n"
     "        w, b = w + error * x_i, b + lr * error\n"
     "    return w, b\n", 0.0),
    ("perceptrons_xor", "check_perceptron_epoch", "def perceptron_epoch(X, y, w, b, lr):\n"
     "    for x_i, y_i in zip(X, y):\n"
     "        error = y_i - step(x_i @ w + b)\n"
     "        w, b = w + lr * error * x_i, b + lr\n"
     "    return w, b\n", 0.0),
    # Coincidences the cases no longer allow (each scored differently on some
    # draws, found by mutation testing over 20 to 40 draws): the bias left
    # out of the prediction (the loss as high at b = 0 as at b); Adam's v
    # without beta2 (w right where lr was tiny), its bias correction
    # without t (right at t = 1), a loss without its 1/2 (Adam's steps
    # hardly change with the gradient's scale); fp counted as tp (right
    # where fp was 1 and tp 1).
    ("regularization", "check_l2_loss_and_grads",
     'def l2_loss_and_grads(X, y, w, b, lam):\n'
     '    n = len(y)\n'
     '    p = 1 / (1 + np.exp(-(X @ w)))\n'
     '    eps = 1e-12\n'
     '    loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + lam * np.sum(w ** 2)\n'
     '    return loss, X.T @ (p - y) / n + 2 * lam * w, np.mean(p - y)\n', 0.0),
    ("optimizers", "check_adam_step",
     'def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):\n'
     '    m = beta1 * m + (1 - beta1) * g\n'
     '    v = v + (1 - beta2) * g ** 2\n'
     '    m_hat = m / (1 - beta1 ** t)\n'
     '    v_hat = v / (1 - beta2 ** t)\n'
     '    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v\n', 1.0),
    ("optimizers", "check_adam_step",
     'def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):\n'
     '    m = beta1 * m + (1 - beta1) * g\n'
     '    v = beta2 * v + (1 - beta2) * g ** 2\n'
     '    m_hat = m / (1 - beta1)\n'
     '    v_hat = v / (1 - beta2)\n'
     '    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v\n', 2.0),
    ("optimizers", "check_adam_trajectory",
     'def adam_trajectory(A, c, w0, lr, num_steps):\n'
     '    A_t = torch.tensor(A, dtype=torch.float32)\n'
     '    c_t = torch.tensor(c, dtype=torch.float32)\n'
     '    w = torch.tensor(w0, dtype=torch.float32, requires_grad=True)\n'
     '    optimizer = torch.optim.Adam([w], lr=float(lr))\n'
     '    path = [w.detach().numpy().copy()]\n'
     '    for _ in range(int(num_steps)):\n'
     '        loss = w @ A_t @ w - c_t @ w\n'
     '        optimizer.zero_grad()\n'
     '        loss.backward()\n'
     '        optimizer.step()\n'
     '        path.append(w.detach().numpy().copy())\n'
     '    return np.array(path)\n', 0.0),
    ("losses_metrics", "check_precision_recall_f1",
     'def precision_recall_f1(y_true, y_pred, positive):\n'
     '    tp = np.sum((y_pred == positive) & (y_true == positive))\n'
     '    fp = np.sum((y_pred == positive) & (y_true == positive))\n'
     '    fn = np.sum((y_pred != positive) & (y_true == positive))\n'
     '    precision = tp / (tp + fp) if tp + fp > 0 else 0.0\n'
     '    recall = tp / (tp + fn) if tp + fn > 0 else 0.0\n'
     '    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0\n'
     '    return float(precision), float(recall), float(f1)\n', 1.0),
    # More found over 150 draws by a reviewer: b's error predicted again
    # with the new w, the last row skipped (0 to 3 of 3), a sign for the
    # hidden step (0 to 2 of 2), a threshold at 0.5; rounding to the
    # nearest batch, or every epoch's examples counted as one stream, was
    # right wherever the remainder happened to be large.
    ("perceptrons_xor", "check_perceptron_epoch",
     'def perceptron_epoch(X, y, w, b, lr):\n'
     '    for x_i, y_i in zip(X, y):\n'
     '        w = w + lr * (y_i - step(x_i @ w + b)) * x_i\n'
     '        b = b + lr * (y_i - step(x_i @ w + b))\n'
     '    return w, b\n', 0.0),
    ("perceptrons_xor", "check_perceptron_epoch",
     'def perceptron_epoch(X, y, w, b, lr):\n'
     '    for i in range(len(X) - 1):\n'
     '        error = y[i] - step(X[i] @ w + b)\n'
     '        w, b = w + lr * error * X[i], b + lr * error\n'
     '    return w, b\n', 0.0),
    ("perceptrons_xor", "check_two_layer_forward",
     'def two_layer_forward(X, W1, b1, W2, b2):\n'
     '    return step(np.sign(X @ W1 + b1) @ W2 + b2)\n', 0.0),
    ("perceptrons_xor", "check_step",
     'def step(z):\n'
     '    return (np.asarray(z) > 0.5).astype(int)\n', 0.0),
    ("training", "check_count_iterations",
     'def count_iterations(n_samples, batch_size):\n'
     '    iterations = round(n_samples / batch_size)\n'
     '    return iterations, n_samples - (iterations - 1) * batch_size\n', 0.8),
    ("optimizers", "check_num_updates",
     'def num_updates(n, batch_size, num_epochs):\n'
     '    return round(n / batch_size) * int(num_epochs)\n', 0.4),
    ("optimizers", "check_num_updates",
     'import math\n'
     'def num_updates(n, batch_size, num_epochs):\n'
     '    return math.ceil(n * num_epochs / batch_size)\n', 0.4),
    # MAE without its abs: right where every error had one sign (1 draw in 40).
    ("losses_metrics", "check_regression_losses",
     'def regression_losses(y_true, y_pred):\n'
     '    e = y_pred - y_true\n'
     '    return float(np.mean(e)), float(np.mean(e ** 2)), float(np.sqrt(np.mean(e ** 2)))\n', 1.333),
    # And in three more parts: the output size's sum split before flooring
    # (0 to 2 of 2: every ordinary case had stride 5 and pad 7, where it is
    # right); classes numbered by rank (right wherever no class below the
    # largest was missing); a cross-entropy without one class's term
    # (right where the draw held one class).
    ("cnn", "check_conv_output_size",
     'def conv_output_size(n, k, stride, pad):\n'
     '    return int(n // stride + (2 * pad - k) // stride + 1)\n', 0.667),
    ("regularization", "check_one_hot",
     'def one_hot(labels, k):\n'
     '    _, ids = np.unique(labels, return_inverse=True)\n'
     '    return np.eye(int(k))[ids]\n', 1.0),
    ("regularization", "check_l2_loss_and_grads",
     'def l2_loss_and_grads(X, y, w, b, lam):\n'
     '    p = 1 / (1 + np.exp(-(X @ w + b)))\n'
     '    loss = -np.mean(y * np.log(p)) + lam * np.sum(w ** 2)\n'
     '    return loss, X.T @ (p - y) / len(y) + 2 * lam * w, np.mean(p - y)\n', 2.0),
    # A sigmoid in place of the hidden layer's step.
    ("perceptrons_xor", "check_two_layer_forward", "def two_layer_forward(X, W1, b1, W2, b2):\n"
     "    return step(1 / (1 + np.exp(-(X @ W1 + b1))) @ W2 + b2)\n", 0.0),
    # [b, w] for [w, b]: half, as in the other epochs (it scored 0).  An
    # epoch that ignores the permutation, or updates b with the new w: wrong
    # on every case (right on one case in about a hundred draws before).
    ("optimizers", "check_minibatch_epoch", "def minibatch_epoch(x, y, w, b, lr, perm, batch_size):\n"
     "    perm, batch_size = np.asarray(perm).astype(int), int(batch_size)\n"
     "    for start in range(0, len(perm), batch_size):\n"
     "        i = perm[start:start + batch_size]\n"
     "        err = w * x[i] + b - y[i]\n"
     "        w, b = w - lr * 2 * np.mean(err * x[i]), b - lr * 2 * np.mean(err)\n"
     "    return np.array([b, w])\n", 1.5),
    ("optimizers", "check_minibatch_epoch", "def minibatch_epoch(x, y, w, b, lr, perm, batch_size):\n"
     "    batch_size = int(batch_size)\n"
     "    for start in range(0, len(x), batch_size):\n"
     "        xb, yb = x[start:start + batch_size], y[start:start + batch_size]\n"
     "        err = w * xb + b - yb\n"
     "        w, b = w - lr * 2 * np.mean(err * xb), b - lr * 2 * np.mean(err)\n"
     "    return np.array([w, b])\n", 0.0),
    ("optimizers", "check_minibatch_epoch", "def minibatch_epoch(x, y, w, b, lr, perm, batch_size):\n"
     "    perm, batch_size = np.asarray(perm).astype(int), int(batch_size)\n"
     "    for start in range(0, len(perm), batch_size):\n"
     "        i = perm[start:start + batch_size]\n"
     "        w = w - lr * 2 * np.mean((w * x[i] + b - y[i]) * x[i])\n"
     "        b = b - lr * 2 * np.mean(w * x[i] + b - y[i])\n"
     "    return np.array([w, b])\n", 0.0),
    # The right gradients packed into one array: a quarter on every case
    # (a case of one input took the packed pair for the tuple: full there).
    ("training", "check_mse_gradients", "def mse_gradients(X, y, w, b):\n"
     "    err = X @ w + b - y\n"
     "    return np.append(2 * X.T @ err / len(y), 2 * np.mean(err))\n", 0.75),
    # Windows moved by their width (the stride ignored): no case has a
    # window as wide as its stride (two of three had, keeping 2/3).
    ("cnn", "check_max_pool2d", "def max_pool2d(x, size, stride):\n"
     "    size = int(size)\n"
     "    rows, cols = (x.shape[0] - size) // int(stride) + 1, (x.shape[1] - size) // int(stride) + 1\n"
     "    return np.array([[x[i * size:i * size + size, j * size:j * size + size].max()\n"
     "                      if x[i * size:i * size + size, j * size:j * size + size].size else 0.0\n"
     "                      for j in range(cols)] for i in range(rows)])\n", 0.0),
    # A bias per input instead of per unit: the first and last sizes always
    # differ (equal in about 2% of draws, where it was right).
    ("training", "check_count_parameters", "def count_parameters(layer_sizes):\n"
     "    s = [int(v) for v in np.asarray(layer_sizes).ravel()]\n"
     "    return sum(a * b + a for a, b in zip(s[:-1], s[1:]))\n", 0.0),
    # The L1 penalty for the L2 one: only the bias's gradient is right (a
    # weight of 0.5, where lam * sign(w) = 2 * lam * w, passed some cases).
    ("regularization", "check_l2_loss_and_grads", "def l2_loss_and_grads(X, y, w, b, lam):\n"
     "    p = 1 / (1 + np.exp(-(X @ w + b)))\n"
     "    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + lam * np.sum(np.abs(w))\n"
     "    return loss, X.T @ (p - y) / len(y) + lam * np.sign(w), np.mean(p - y)\n", 1.0),
    # Masked scores set to 0 instead of -inf: every mask now masks a key in
    # every row (a 2-key draw could mask nothing, passing that case).
    ("transformers", "check_attention", "def attention(Q, K, V, mask=None):\n"
     "    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])\n"
     "    if mask is not None:\n"
     "        s = np.where(np.asarray(mask, bool), s, 0.0)\n"
     "    w = np.exp(s - s.max(axis=-1, keepdims=True))\n"
     "    w = w / w.sum(axis=-1, keepdims=True)\n"
     "    return w @ V, w\n", 0.5),
]


def test_a_named_vector_in_another_order_keeps_half_and_in_another_shape_a_quarter():
    judge = same_as_solution(atol=1e-9, rtol=1e-9, names=("w", "b"), reordered_credit=0.5)
    expected = answer(np.array([1.5, -0.25]))
    assert score_of(judge, answer(np.array([1.5, -0.25])), expected) == 1.0
    assert score_of(judge, answer(1.5, -0.25), expected) == 1.0  # a tuple of the two
    assert score_of(judge, answer(np.array([-0.25, 1.5])), expected) == 0.5
    # A column or a row of the right values: a quarter, as for any vector.
    assert score_of(judge, answer(np.array([[1.5], [-0.25]])), expected) == 0.25
    assert score_of(judge, answer(np.array([[1.5, -0.25]])), expected) == 0.25


def test_values_in_another_shape_of_the_same_size_are_named_by_their_shape():
    right = np.arange(10.0).reshape(5, 2)
    # A gradient returned transposed, and channels in another axis order:
    # nothing, but the message points at the shape, not at the formula.
    check = compare_values(right.T, right, atol=1e-9, rtol=1e-9)
    assert not check.passed and check.message.endswith(
        "; the shape is (2, 5), it should be (5, 2): are the axes in the right order?"), check.message
    images = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    check = compare_values(np.transpose(images, (0, 3, 2, 1)), np.transpose(images, (0, 3, 1, 2)),
                           atol=1e-9, rtol=1e-9)
    assert "the shape is (2, 5, 4, 3), it should be (2, 5, 3, 4)" in check.message
    # Wrong values in the right shape: no word about it.
    assert "shape" not in compare_values(right + 1, right, atol=1e-9, rtol=1e-9).message
    # A square matrix transposed keeps its own hint.
    square = np.arange(9.0).reshape(3, 3)
    assert compare_values(square.T, square, atol=1e-9, rtol=1e-9).message.endswith(
        "rows and columns swapped?")


def test_values_that_count_only_together_earn_nothing_beside_a_wrong_one():
    judge = same_as_solution(atol=1e-9, rtol=1e-9, names=("w", "b"), reordered_credit=0.5,
                             together=True)
    expected = answer(np.array([1.5, -0.25]), 0.5)
    assert score_of(judge, answer(np.array([1.5, -0.25]), 0.5), expected) == 1.0
    # A right b beside a wrong w (a perceptron's b is a sum of +-lr: a wrong
    # rule often ends on it by chance) earns nothing, and says why.
    got = answer(np.array([1.5, 0.75]), 0.5)
    assert score_of(judge, got, expected) == 0.0
    messages = [c.message for c in judge((), got, expected)]
    assert messages[1] == "b is right here, but w is not; they come out of the same updates, " \
                          "so they count only together", messages
    assert score_of(judge, answer(np.array([1.5, -0.25]), 0.0), expected) == 0.0
    # Right values in another order or form keep what they keep alone.
    assert score_of(judge, answer(0.5, np.array([1.5, -0.25])), expected) == 0.5
    assert score_of(judge, answer(np.array([[1.5], [-0.25]]), 0.5), expected) == \
        score_of(same_as_solution(atol=1e-9, rtol=1e-9, names=("w", "b")),
                 answer(np.array([[1.5], [-0.25]]), 0.5), expected) > 0
    # Without `together`, each value earns its share.
    apart = same_as_solution(atol=1e-9, rtol=1e-9, names=("w", "b"), reordered_credit=0.5)
    assert score_of(apart, got, expected) == 0.5


def test_a_trained_model_returned_as_b_w_keeps_half_as_the_other_swaps_do():
    assignment = load_assignment(ROOT / "solutions", "training")
    part = next(p for p in assignment.parts if p.grade_id == "check_fit_linear")
    for case in draw_cases(assignment, 3)["check_fit_linear"]:
        X, y = (decode_array(a) for a in case)
        d = X.shape[1]
        best = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)[0]
        w, b = best[:d], best[d]
        right = score_part(part, [case], [answer(w, b)], [answer(w, b)])[0]
        swapped, checks = score_part(part, [case], [answer(b, w)], [answer(w, b)])
        assert (right, swapped) == (3.0, 1.5), (d, [c.message for c in checks])
        assert all("another order" in c.message for c in checks if not c.passed)
        # Wrong values in that order are wrong, not half right.
        assert score_part(part, [case], [answer(b + 1, w + 1)], [answer(w, b)])[0] == 0
        # How far off, only as a power of ten ("off by 0.193" and the student's
        # own w left two candidates for the answer).
        score, checks = score_part(part, [case], [answer(w + 1.234, b - 1.234)], [answer(w, b)])
        assert score == 0
        assert all(c.message.endswith("off by 1 to 10 from the least-squares answer (0.05 allowed): "
                                      "train longer or check the learning rate") for c in checks), \
            [c.message for c in checks]
        # A Keras kernel of shape (d, 1): right values in another shape keep a
        # quarter, except with one input, where an array of one element is
        # the same answer as a number.
        kernel = score_part(part, [case], [answer(w.reshape(d, 1), b)], [answer(w, b)])[0]
        assert kernel == (3.0 if d == 1 else 1.5 + 1.5 * 0.25), (d, kernel)
        # w and b packed into one array: a quarter, as in the other parts.
        packed, checks = score_part(part, [case], [answer(np.append(w, b))], [answer(w, b)])
        assert packed == 0.75 and all("packed in one array" in c.message for c in checks), \
            (d, packed, [c.message for c in checks])
        # A list [w, b] of arrays is the tuple, whatever d (with one input it
        # arrives as one array of shape (2, 1)).
        listed = np.array([w, [b]]) if d == 1 else None
        if listed is not None:
            assert score_part(part, [case], [answer(listed)], [answer(w, b)])[0] == 3.0
        # The inputs are centred, so the right b is the mean of y: with w
        # wrong (no training, or a model that learned only its bias) it
        # earns nothing; with w right and b wrong (no bias), w keeps its half.
        mean_only, checks = score_part(part, [case], [answer(np.zeros(d), y.mean())], [answer(w, b)])
        assert mean_only == 0 and "mean of y, which needs no training" in checks[1].message
        assert score_part(part, [case], [answer(w, 0.0)], [answer(w, b)])[0] == 1.5


@pytest.mark.parametrize("name,grade_id,source,points", SAME_ON_EVERY_DRAW,
                         ids=[f"{a}-{g}-{i}" for i, (a, g, _s, _p) in enumerate(SAME_ON_EVERY_DRAW)])
def test_a_mistake_costs_the_same_on_every_draw(name, grade_id, source, points):
    assignment = load_assignment(ROOT / "solutions", name)
    part = next(p for p in assignment.parts if p.grade_id == grade_id)
    code = [c.source for c in nbformat.read(assignment.notebooks[0], as_version=4).cells
            if c.cell_type == "code"]
    # The first cell, and the imports of later ones (torch comes later in some).
    setup = code[0] + "\n" + "\n".join(
        ast.unparse(node) for source in code[1:] for node in ast.parse(source).body
        if isinstance(node, (ast.Import, ast.ImportFrom)))
    solution, student = {}, {}
    for namespace in (solution, student):  # as after running the solution notebook, without training
        for code in [setup, *solution_functions(assignment).values(), PROBE_SOURCE]:
            exec(code, namespace)
    exec(source, student)
    scores = set()
    for seed in range(20):
        cases = draw_cases(assignment, seed)[grade_id]
        score = score_part(part, cases, ask(student, part, cases), ask(solution, part, cases))[0]
        scores.add(round(score, 3))
    assert scores == {points}


def test_drawn_inputs_never_hide_a_mistake_that_shows_on_other_draws():
    """Two mistakes went unseen on about 2% of draws: a bias counted per
    input (right whenever the first and last layer sizes were equal) and a
    mask applied wrongly (right whenever a 2-key mask masked nothing); and
    attention without its 1/sqrt(d_k) on a quarter of them (a 2-key mask
    that masks one key in every row leaves one-hot weights whatever the
    scale).  Over many draws, no case lets them through."""
    def part(name, grade_id):
        return next(p for p in load_assignment(ROOT / "solutions", name).parts
                    if p.grade_id == grade_id)

    sizes, attention = part("training", "check_count_parameters"), \
        part("transformers", "check_attention")
    for seed in range(400):
        for (layers,) in sizes.cases(np.random.default_rng([seed, 0])):
            assert layers[0] != layers[-1], (seed, layers)
        for case in attention.cases(np.random.default_rng([seed, 1])):
            if len(case) == 4:
                mask = np.asarray(case[3])
                assert (mask.max(axis=-1) == 1).all(), seed  # every row allows a key
                if not np.array_equal(mask, np.tril(np.ones_like(mask))):  # a causal mask's last row
                    assert (mask.min(axis=-1) == 0).all(), seed
                    # Two allowed keys in every row but the edge cases' one
                    # large row, whose single key is the point of that row.
                    assert (mask.sum(axis=-1) >= 2).sum() >= mask.shape[-2] - 1, seed


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_fixture_keeps_its_rule_on_every_draw(name):
    """The fixtures of tests/submissions/<name>/ graded in-process on 20
    draws, as `make bench-checks` grades mutants: every correct variant of
    right.py earns full marks and the stub nothing on every draw, and every
    mistake of wrong.py the same points on every draw (attention without
    1/sqrt(d_k) earned 0.5 of 3 on a quarter of the draws: one real grading
    run of the fixtures passed, the next failed)."""
    variants = []
    evaluate_assignment(name, [1, 2, 3], list(range(1001, 1018)), lambda message: None,
                        mutate=False, variants_out=variants)
    assert {v["fixture"] for v in variants} >= set(fixtures.load_wrong(fixtures.HERE / name))
    assert {v["fixture"]: v["failures"] for v in variants if v["failures"]} == {}


# -- The assignments themselves ---------------------------------------------------


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_checks_and_solution_notebook_agree(name):
    assignment = load_assignment(ROOT / "solutions", name)
    assert consistency_problems(assignment) == []
    assert fixtures.assignments() == ASSIGNMENTS, "every assignment needs fixtures and wrong.py"


def test_consistency_check_reports_points_that_disagree(tmp_path):
    shutil.copytree(ROOT / "solutions" / "perceptrons_xor", tmp_path / "perceptrons_xor")
    path = tmp_path / "perceptrons_xor" / "perceptrons_xor.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "check_step":
            cell.metadata.nbgrader.points = 5
    nbformat.write(nb, path)
    problems = consistency_problems(load_assignment(tmp_path, "perceptrons_xor"))
    assert problems == ["'check_step': 1 points in checks.py, 5 in the notebook"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_released_notebooks_hide_solutions_and_checks(name):
    released = ROOT / "exercises" / name
    assert not (released / "checks.py").exists()
    for path in released.glob("*.ipynb"):
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text
        assert "raise NotImplementedError()" in text


# -- The command line -----------------------------------------------------------------


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT,
                          capture_output=True, text=True)


def test_grade_names_an_unknown_assignment_and_lists_the_real_ones(tmp_path):
    result = run_cli("grade", "no_such_assignment", "--submissions", str(tmp_path))
    assert result.returncode == 2
    assert "no assignment 'no_such_assignment'" in result.stderr
    assert "perceptrons_xor" in result.stderr
    assert "Traceback" not in result.stderr


def test_grade_reports_a_missing_submissions_folder(tmp_path):
    result = run_cli("grade", "perceptrons_xor", "--submissions", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "no folder" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.grading
def test_committed_exercises_are_what_generation_produces_now():
    result = run_cli("generate", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.grading
def test_committed_fixtures_are_what_their_builder_produces_now():
    result = subprocess.run([sys.executable, "tests/submissions/build.py", "--check"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.grading
def test_generate_refuses_a_solution_that_fails_its_own_checks(tmp_path):
    from autograder.course import Course
    from autograder.generate import generate

    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    path = tmp_path / "solutions" / "perceptrons_xor" / "perceptrons_xor.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "nand":
            cell.source = cell.source.replace("nand_b = 0.7", "nand_b = 1.7")  # now always 1
    nbformat.write(nb, path)
    before = (tmp_path / "exercises" / "perceptrons_xor" / "perceptrons_xor.ipynb").read_bytes()
    with pytest.raises(GradingError, match="the solution"):
        generate(Course(tmp_path), ["perceptrons_xor"])
    after = (tmp_path / "exercises" / "perceptrons_xor" / "perceptrons_xor.ipynb").read_bytes()
    assert after == before


# -- End to end: every fixture gets its expected score ----------------------------------


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    name = request.param
    work = tmp_path_factory.mktemp(f"grading-{name}")
    rows = fixtures.grade_fixtures(name, work)
    return name, work, {row.student_id: row for row in rows}


def read_expected(name):
    with open(fixtures.HERE / name / "expected.csv", newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


@pytest.mark.grading
def test_every_fixture_gets_its_expected_scores(graded):
    name, work, _ = graded
    with open(work / "grades.csv", newline="") as fh:
        measured = {row["student_id"]: row for row in csv.DictReader(fh)}
    expected = read_expected(name)
    assert measured.keys() == expected.keys()
    differences = {sid: (measured[sid], expected[sid]) for sid in expected
                   if measured[sid] != expected[sid]}
    assert differences == {}, "regenerate on purpose with `make expected-scores`"


@pytest.mark.grading
def test_solution_earns_full_marks_and_blank_earns_nothing(graded):
    _, _, rows = graded
    assert rows["solution"].score == rows["solution"].max_score > 0
    assert rows["blank"].score == 0
    assert {r.max_score for r in rows.values()} == {rows["solution"].max_score}


@pytest.mark.grading
def test_wrong_answers_earn_partial_credit_only_where_they_are_wrong(graded):
    _, _, rows = graded
    full = rows["solution"]
    for sid, row in rows.items():
        if sid.startswith("wrong_"):
            assert 0 < row.score < full.score, sid
            lost = {pid for pid, points in row.parts.items() if points < full.parts[pid]}
            assert len(lost) == 1, (sid, lost)


@pytest.mark.grading
def test_tampering_never_raises_a_score(graded):
    _, _, rows = graded
    for sid, row in rows.items():
        if sid.startswith("tamper_"):
            honest = rows["solution" if sid.endswith("_solution") else "blank"]
            assert row.score <= honest.score, sid
            assert row.max_score == honest.max_score, sid


@pytest.mark.grading
def test_bad_submissions_get_a_status_and_the_others_still_grade(graded):
    _, _, rows = graded
    assert rows["invalid_notebook"].status.startswith("invalid notebook")
    assert rows["missing_notebook"].status == "missing notebook"
    # A loop that hits the CPU limit, then correct work: tests/test_cpu_time.py
    # (quiet and on a busy machine) and tests/test_attacks_kernel.py.
    assert rows["solution"].status == "ok"


@pytest.mark.grading
def test_feedback_explains_each_check_without_revealing_expected_values(graded):
    name, work, _ = graded
    if name != "perceptrons_xor":
        pytest.skip("worked example on one assignment: perceptrons_xor's wrong_step_at_zero")
    path = work / "autograded" / "wrong_step_at_zero" / name / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    (check,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_step"]
    said, verdict, points = check.outputs
    # The student's own self-check run stays, indented under its heading,
    # with its hint; the grader's verdict follows; the points come last.
    assert said["text"].startswith("Your self-check said")
    assert "Hint:" in said["text"]
    assert all(line.startswith("  │ ") for line in said["text"].splitlines()[1:])
    # Right on the ordinary cases, wrong at the exact zeros of both edge
    # cases: half the part, and the feedback says where and why.
    assert verdict["text"].startswith("Autograder (step activation): 0.5 of 1 point,")
    assert "values differ from the solution's" in verdict["text"]
    assert "yours are too large" in verdict["text"]  # 1 where the solution has 0
    assert "every one where the input is 0.0" in verdict["text"]
    assert "2 of 2 wrong" in verdict["text"] and "keeps 50%" in verdict["text"]
    assert points["data"]["text/plain"] == "0.5"
    report = json.loads((work / "reports" / name / "wrong_step_at_zero" / f"{name}.json").read_text())
    assert report["status"] == "ok" and report["parts"]["check_step"]["score"] == 0.5
    checks = report["parts"]["check_step"]["checks"]
    assert [c["passed"] for c in checks] == [True, True, True, False, False, False]
    for text in (verdict["text"], json.dumps(report)):  # never the reference's numbers
        assert "Expected" not in text


@pytest.mark.grading
def test_an_answer_cell_that_stopped_says_why_instead_of_not_defined(graded):
    name, work, _ = graded
    if name != "tensors":
        pytest.skip("worked example on one assignment: tensors' wrong_fullwidth_space")
    # A full-width space in the answer's indentation: a SyntaxError, so the
    # function was never defined; "name is not defined (did its cell run?)", as it read then,
    # sent a Korean student to run a cell they had run.
    report = json.loads((work / "reports" / name / "wrong_fullwidth_space" / f"{name}.json")
                        .read_text())
    part = report["parts"]["check_standardize_columns"]
    assert part["score"] == 0
    (check,) = part["checks"]
    assert check["message"].startswith("no answer: its answer cell stopped, before it defined "
                                       "everything the part needs, with SyntaxError: invalid "
                                       "non-printable character U+3000"), check
    assert check["message"].endswith("U+3000 is a full-width character, typed while a Korean, "
                                     "Japanese or Chinese input mode was on: type it again as ' '"), check
    assert report["parts"]["check_pairwise_sq_distances"]["score"] == 2


@pytest.mark.parametrize("error, found", [
    ("SyntaxError: invalid non-printable character U+3000", ("U+3000", "' '")),
    ("SyntaxError: invalid character '（' (U+FF08)", ("'（'", "'('")),
    ("SyntaxError: invalid character '＝' (U+FF1D)", ("'＝'", "'='")),
    ("SyntaxError: invalid character '→' (U+2192)", None),  # not a full-width twin
    ("ValueError: U+FF08 is a code point", None),
])
def test_a_full_width_character_is_named_with_its_ordinary_twin(error, found):
    from autograder.text import full_width

    assert full_width(error) == found


@pytest.mark.grading
def test_export_writes_every_graded_student_with_nbgraders_columns(graded, tmp_path):
    from autograder.course import Course
    from autograder.export import export

    name, work, rows = graded
    path = export(Course(work=work), tmp_path / "all.csv")
    with open(path, newline="") as fh:
        exported = list(csv.DictReader(fh))
    by_student = {r["student_id"]: r for r in exported if r["assignment"] == name}
    assert by_student.keys() == rows.keys()
    assert float(by_student["missing_notebook"]["raw_score"]) == 0
    for sid, row in rows.items():
        assert float(by_student[sid]["raw_score"]) == pytest.approx(row.score), sid


# -- Correct work in other forms earns full marks; shape-only stubs earn nothing ---------
# Each assignment's right.py holds correct answers written other ways (float32,
# lists, PyTorch or TensorFlow tensors, the other framework, loops, library
# functions), and stub.py answers every cell with constants or zeros of the
# right shape and untrained models (tests/submissions/build.py).


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_assignment_has_correct_variants_and_a_stub(name):
    built = fixtures.fixtures_for(name)
    right = [fixture for fixture in built if fixture.startswith("right_")]
    assert len(right) >= 4, f"{name}: tests/submissions/{name}/right.py needs 4 variants"
    assert "stub" in built, f"{name}: tests/submissions/{name}/stub.py is missing"


@pytest.mark.grading
def test_correct_variants_earn_full_marks_and_the_stub_earns_nothing(graded):
    name, _, rows = graded
    full = rows["solution"]
    right = {sid: row for sid, row in rows.items() if sid.startswith("right_")}
    assert right, f"{name} has no right_* fixtures"
    lost = {sid: {pid: f"{points:g} of {full.parts[pid]:g}"
                  for pid, points in row.parts.items() if points < full.parts[pid]}
            for sid, row in right.items() if row.score < full.score or row.status != "ok"}
    assert lost == {}, "correct work lost points"
    stub = rows["stub"]
    assert stub.score == 0, {pid: points for pid, points in stub.parts.items() if points}


def test_a_self_check_that_prints_thousands_of_lines_cannot_push_the_verdict_out():
    """nbgrader keeps 1,000 lines of a cell's output and drops what follows:
    a hook that printed 2,000 empty lines in each self-check cell removed the
    grader's verdict from the graded notebook and the page.  What the
    self-check said is kept to MAX_SELF_CHECK_LINES lines, its start and
    its end, where the self-check's own verdict is (a part that trains with
    Keras's progress output filled the first 60 lines with epochs)."""
    from autograder.execute import MAX_SELF_CHECK_LINES, self_check_text

    cell = nbformat.v4.new_code_cell("check()", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text="a" + "\n" * 1998 + "b")])
    text = self_check_text(cell)
    assert len(text.splitlines()) == 1 + MAX_SELF_CHECK_LINES + 1
    assert text.splitlines()[1] == "  │ a" and text.splitlines()[-1] == "  │ b"
    assert "  │ [... 1939 lines ...]" in text.splitlines()
    # A progress bar drawn again in place shows once, as it was left.
    epochs = "".join(f"Epoch {i}/100\n1/1 ━━ 0s 102ms/step - loss: 1.5\r1/1 ━━ 0s 99ms/step - "
                     "loss: 1.5\n" for i in range(1, 101))
    trained = nbformat.v4.new_code_cell("check()", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text=epochs + "✗ fit_linear: w should have shape (2,)\n")])
    lines = self_check_text(trained).splitlines()
    assert lines[-1] == "  │ ✗ fit_linear: w should have shape (2,)"
    assert lines[1:3] == ["  │ Epoch 1/100", "  │ 1/1 ━━ 0s 99ms/step - loss: 1.5"]
    short = nbformat.v4.new_code_cell("check()", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text="✓ 3 checks passed\n")])
    assert self_check_text(short).splitlines()[1:] == ["  │ ✓ 3 checks passed"]


def test_float16_work_fails_on_every_draw_and_whole_numbers_get_no_precision_note():
    """A float16 MSE passed a tolerance of 1e-4 on a third of the training
    part's draws (0, 0.67, 1.33 or 2 of 2 for the same code).  Values that
    use no more digits than float16 keeps, off by more than float32 would
    be, now fail wherever they fall; float32 and float64 pass.  A count off
    by a bias (22800 for 22819) is not told it looks like float16."""
    from autograder.checks import compare_values

    rng = np.random.default_rng(5)
    passed = {np.float64: 0, np.float32: 0, np.float16: 0}
    for _ in range(200):
        X, y, w, b = rng.normal(size=(8, 2)), rng.normal(size=8), rng.normal(size=2), rng.normal()
        right = np.mean((X @ w + b - y) ** 2)
        for dtype in passed:
            e = (X.astype(dtype) @ w.astype(dtype) + dtype(b) - y.astype(dtype))
            got = np.asarray(np.mean(e ** 2), dtype=float)
            passed[dtype] += compare_values(got, np.asarray(right), atol=1e-5, rtol=1e-4).passed
    assert passed[np.float64] == passed[np.float32] == 200
    assert passed[np.float16] <= 2, passed  # about 1 in 900 lands within float32's rounding
    halved = np.float16(np.pi).astype(float)
    check = compare_values(np.asarray(halved), np.asarray(np.pi), atol=1e-3, rtol=1e-3)
    assert not check.passed and "float16" in check.message
    count = compare_values(np.array([22800.0]), np.array([22819.0]), atol=1e-5, rtol=1e-4)
    assert "float16" not in count.message and "bfloat16" not in count.message
    # Exact small answers (0.5, 1.0) beside float64's noise are no float16.
    assert compare_values(np.array([0.0, 0.5, 1.0]), np.array([1e-17, 0.5, 1 - 1e-16]),
                          atol=1e-5, rtol=1e-4).passed
