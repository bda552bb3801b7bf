"""Does each helper in the dlcourse package do what its docstring says?"""

import os
import random
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.contour import ContourSet

import dlcourse
from dlcourse import (
    load_digits,
    load_moons,
    logic_gate,
    plot_decision_boundary,
    plot_learning_curves,
    set_seed,
    sigmoid,
    sigmoid_grad,
    softmax,
    step,
    weight_height,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- scratch: activations written in NumPy ---------------------------------

def test_step_is_one_only_for_positive_inputs():
    assert step(np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0])).tolist() == [0, 0, 0, 1, 1]
    assert step(np.array([[0.5, -0.5]])).shape == (1, 2)


def test_sigmoid_matches_its_formula_and_survives_extreme_inputs():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would raise here
        extremes = sigmoid(np.array([-1000.0, 1000.0]))
    assert extremes.tolist() == [0.0, 1.0]
    assert sigmoid(0.0) == 0.5


def test_sigmoid_grad_equals_torch_autograd():
    torch = pytest.importorskip("torch")
    z = np.linspace(-8, 8, 41)
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(zt).sum().backward()
    np.testing.assert_allclose(sigmoid_grad(z), zt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_sigmoid_grad_equals_tensorflow_gradient_tape():
    tf = pytest.importorskip("tensorflow")
    z = np.linspace(-8, 8, 41)
    zt = tf.Variable(z, dtype=tf.float64)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.sigmoid(zt))
    np.testing.assert_allclose(sigmoid_grad(z), tape.gradient(total, zt).numpy(), rtol=1e-10, atol=1e-14)


def test_sigmoid_grad_peaks_at_a_quarter():
    assert sigmoid_grad(0.0) == pytest.approx(0.25)
    assert sigmoid_grad(np.array([50.0]))[0] < 1e-20


def test_softmax_rows_are_probabilities_and_survive_large_inputs():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 999.0, 998.0], [-1000.0, -1000.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would raise here
        p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], np.exp(z[0]) / np.exp(z[0]).sum(), rtol=1e-12)
    np.testing.assert_allclose(p[1], p[0][::-1], rtol=1e-12)  # shifting a row changes nothing
    np.testing.assert_allclose(p[2], [1 / 3] * 3)
    np.testing.assert_allclose(softmax(z, axis=0).sum(axis=0), 1.0)


def test_softmax_equals_torch_softmax():
    torch = pytest.importorskip("torch")
    z = np.random.default_rng(0).normal(size=(4, 6)) * 5
    np.testing.assert_allclose(softmax(z), torch.softmax(torch.tensor(z), dim=-1).numpy(), rtol=1e-12)


# --- data ------------------------------------------------------------------

@pytest.mark.parametrize(
    "gate, expected",
    [("and", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]), ("nand", [1, 1, 1, 0]),
     ("nor", [1, 0, 0, 0]), ("xor", [0, 1, 1, 0])],
)
def test_logic_gate_truth_tables(gate, expected):
    X, y = logic_gate(gate)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert X.dtype == float
    assert y.tolist() == expected


def test_logic_gate_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown gate 'xnor'"):
        logic_gate("xnor")


def test_weight_height_is_the_ten_person_table():
    weights, heights = weight_height()
    assert weights.shape == heights.shape == (10,)
    assert (weights[0], heights[0]) == (87.0, 187.0)
    assert weights.mean() == pytest.approx(78.3)
    assert heights.mean() == pytest.approx(176.9)


def test_load_digits_is_scaled_stratified_and_repeatable():
    X_train, X_test, y_train, y_test = load_digits(test_size=0.2, seed=0)
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    # stratified: every digit appears in the test part in about the same share
    counts = np.bincount(y_test, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37
    again = load_digits(test_size=0.2, seed=0)
    np.testing.assert_array_equal(again[0], X_train)


def test_load_digits_images_keep_their_8x8_shape():
    X_train, X_test, _, _ = load_digits(images=True)
    assert X_train.shape[1:] == (8, 8) and X_test.shape[1:] == (8, 8)


def test_load_moons_shapes_and_labels():
    X_train, X_test, y_train, y_test = load_moons(n_samples=200, seed=1)
    assert X_train.shape == (160, 2) and X_test.shape == (40, 2)
    assert set(np.unique(y_train)) == {0, 1}
    assert np.bincount(y_test).tolist() == [20, 20]


# --- setup -----------------------------------------------------------------

def test_quiet_logs_sets_tensorflow_environment(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    import sys

    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    assert dlcourse.quiet_logs() is None  # a cell ending with the call shows nothing
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_quiet_logs_warns_when_called_too_late(monkeypatch):
    import sys

    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setitem(sys.modules, "tensorflow", object())
    with pytest.warns(UserWarning, match="after TensorFlow was imported"):
        dlcourse.quiet_logs()


def test_quiet_logs_is_silent_where_tensorflow_was_imported_quiet(monkeypatch):
    # A kernel forked from the book's warm process: TensorFlow is imported
    # already, with the quiet settings in the environment.
    import sys
    import warnings

    for name, value in dlcourse.notebook_setup.quiet_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(sys.modules, "tensorflow", object())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dlcourse.quiet_logs()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


def test_set_seed_makes_every_library_repeat_itself():
    torch = pytest.importorskip("torch")
    tf = pytest.importorskip("tensorflow")

    def draw():
        return (random.random(), np.random.rand(), float(torch.rand(1)),
                float(tf.random.uniform(())))

    assert set_seed(7) == ["random", "numpy", "tensorflow", "torch"]
    first = draw()
    set_seed(7)
    assert draw() == first
    set_seed(8)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_set_seed_rejects_non_integers(bad):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        set_seed(bad)


# --- plotting --------------------------------------------------------------

def test_plot_decision_boundary_shades_by_the_classifier():
    X, y = logic_gate("and")
    calls = []

    def predict(grid):
        calls.append(grid.shape)
        return (grid[:, 0] + grid[:, 1] > 1.5).astype(float)

    ax = plot_decision_boundary(predict, X, y, title="AND", steps=50)
    assert calls == [(2500, 2)]
    assert ax.get_title() == "AND"
    # the two scatter layers hold exactly the class-0 and class-1 points
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [s.get_offsets().tolist() for s in scatters] == [X[:3].tolist(), X[3:].tolist()]
    # the shading follows predict: one filled region per class
    filled = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    assert len(filled) == 1 and filled[0].levels.tolist() == [-0.5, 0.5, 1.5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_plot_decision_boundary_checks_shapes():
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        plot_decision_boundary(lambda g: g[:, 0], np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="4 rows but y has 3 labels"):
        plot_decision_boundary(lambda g: g[:, 0], np.zeros((4, 2)), np.zeros(3))


def test_plot_learning_curves_draws_training_and_validation():
    history = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.7, 0.6]}
    ax = plot_learning_curves(history)
    lines = ax.get_lines()
    assert [line.get_ydata().tolist() for line in lines] == [history["loss"], history["val_loss"]]
    assert lines[0].get_xdata().tolist() == [1, 2, 3]


def test_plot_learning_curves_names_missing_metric():
    with pytest.raises(KeyError, match="history has no 'accuracy'"):
        plot_learning_curves({"loss": [1.0]}, metric="accuracy")


# -- Self-checks and framework-neutral answers (the exercises) -----------------

from dlcourse.frameworks import predict, to_numpy  # noqa: E402
from dlcourse.selfcheck import SelfCheckFailed, self_check  # noqa: E402


def test_self_check_reports_success_with_the_number_of_checks(capsys):
    with self_check("step") as check:
        check.close(np.array([0, 1]), [0, 1], call="step([-1, 1])")
        check.true(True, message="unused")
    assert "✓ step: 2 public check(s) passed" in capsys.readouterr().out


def test_a_librarys_deprecation_warning_inside_a_self_check_is_not_the_students_failure(capsys):
    # NumPy 2 warns when a torch tensor meets an array (h @ W2 in the
    # self-check's own code); nbgrader counts anything on stderr as a failed
    # check, so a right answer in tensors was "not ready to submit".
    import warnings

    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with self_check("two_layer_forward") as check:
            warnings.warn("__array_wrap__ must accept context", DeprecationWarning, stacklevel=1)
            check.true(True, message="unused")
        warnings.warn("a student's own warning, after the block", UserWarning, stacklevel=1)
    assert [str(w.message) for w in shown] == ["a student's own warning, after the block"]
    assert "✓ two_layer_forward" in capsys.readouterr().out


@pytest.mark.parametrize(
    "got, words",
    [
        (np.array([[0], [1]]), ["shape (2, 1)", "expected shape (2,)", "Hint: look at z"]),
        (np.array([1, 1]), ["wrong values", "Expected: [0. 1.]", "Got:      [1. 1.]"]),
        ("01", ["returned a string, not numbers"]),
        (None, ["returned None", "`return` missing"]),
        ([object()], ["returned list, not numbers"]),
    ],
    ids=["shape", "values", "string", "None", "objects"],
)
def test_self_check_failure_says_what_was_expected_and_what_came_back(got, words):
    with pytest.raises(SelfCheckFailed) as failure:
        with self_check("step") as check:
            check.close(got, [0, 1], call="step([-1, 1])", hint="look at z")
    message = str(failure.value)
    assert message.startswith("✗ step: ")
    for word in words:
        assert word in message
    assert failure.value._render_traceback_() == [message]  # no traceback in Jupyter


def test_self_check_turns_an_unwritten_or_unrun_answer_into_advice():
    with pytest.raises(SelfCheckFailed, match="not written yet"):
        with self_check("step"):
            raise NotImplementedError()
    with pytest.raises(SelfCheckFailed, match="undefined_name is not defined. Run the cell above.*"
                       "must define undefined_name, under exactly this name"):
        with self_check("step"):
            undefined_name  # noqa: B018, F821


def test_a_name_missing_because_its_answer_cell_still_raises_is_not_written_yet(monkeypatch):
    # An answer cell of a model (`xor_model = ...`) that still raises
    # NotImplementedError defines nothing: "xor_model is not defined ...
    # must define xor_model" sent students looking for a typo.
    monkeypatch.setattr(sys, "last_type", NotImplementedError, raising=False)
    with pytest.raises(SelfCheckFailed, match="not written yet"):
        with self_check("xor_model"):
            xor_model  # noqa: B018, F821
    monkeypatch.setattr(sys, "last_type", ZeroDivisionError)  # another cell's error: a name missing
    with pytest.raises(SelfCheckFailed, match="xor_model is not defined"):
        with self_check("xor_model"):
            xor_model  # noqa: B018, F821


def test_a_name_missing_inside_the_students_function_is_their_own_error():
    # "quartic_los is not defined ... the cell above must define quartic_los"
    # told a student to define their own typo.
    def numerical_gradient():
        return quartic_los  # noqa: F821

    with pytest.raises(NameError, match="quartic_los"):
        with self_check("numerical_gradient"):
            numerical_gradient()


def test_self_check_keeps_the_students_own_error_and_its_traceback(capsys):
    with pytest.raises(ZeroDivisionError):
        with self_check("step"):
            1 / 0  # noqa: B018
    assert "your code raised ZeroDivisionError" in capsys.readouterr().out


def test_predict_runs_pytorch_models_in_eval_mode_and_restores_the_mode():
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Dropout(0.9), torch.nn.Sigmoid())
    model.train()
    X = np.ones((50, 2))
    first, second = predict(model, X), predict(model, X)
    np.testing.assert_array_equal(first, second)  # dropout was off
    assert first.shape == (50, 1) and first.dtype == np.float64
    assert model.training


def test_predict_runs_keras_models_without_training_behaviour():
    import keras

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dropout(0.9),
                              keras.layers.Dense(1, activation="sigmoid")])
    X = np.ones((50, 2))
    np.testing.assert_array_equal(predict(model, X), predict(model, X))
    assert predict(model, X).shape == (50, 1)


def test_predict_accepts_a_function_and_rejects_anything_else():
    np.testing.assert_array_equal(predict(lambda X: X.sum(axis=1), np.ones((3, 2))), [2, 2, 2])
    with pytest.raises(TypeError, match="Keras model, a PyTorch nn.Module or a function"):
        predict(42, np.ones((3, 2)))


def test_to_numpy_accepts_tensors_that_track_gradients():
    import tensorflow as tf
    import torch

    np.testing.assert_array_equal(to_numpy(torch.ones(2, requires_grad=True) * 2), [2, 2])
    np.testing.assert_array_equal(to_numpy(tf.constant([1, 2])), [1.0, 2.0])


def test_self_check_accepts_float32_work_and_rejects_a_wrong_value():
    from dlcourse.selfcheck import SelfCheckFailed, self_check

    exact = 500.2998
    with self_check("part") as check:  # float32 rounding of a value near 500
        check.close(np.float32(exact), exact, call="f()")
    with pytest.raises(SelfCheckFailed, match="returned the wrong values"):
        with self_check("part") as check:
            check.close(500.2, exact, call="f()")


def test_self_check_refuses_half_precision_and_says_what_precision_lost():
    torch = pytest.importorskip("torch")
    # Near enough in float16 on the public examples: refused all the same,
    # without the hint (which is about the formula), as the autograder's
    # inputs need more digits than float16 keeps.
    for half in (np.array([0.5, 1.3], dtype=np.float16), torch.tensor([0.5, 1.3], dtype=torch.bfloat16)):
        with pytest.raises(SelfCheckFailed, match=r"returned (float16|bfloat16) values.*about [23] "
                           r"significant digits") as failure:
            with self_check("part") as check:
                check.close(half, [0.5, 1.3], call="f()", hint="look at the sign", rtol=0.01)
        assert "Hint" not in str(failure.value)
    # Whole numbers (a shape, a count) it holds exactly: no refusal.
    with self_check("part") as check:
        check.close(np.array([2.0, 6.0], dtype=np.float16), [2, 6], call="f()")
    # A wrong value in float32, near the right one: the note says what
    # float32 keeps; two values that differ print differently.
    with pytest.raises(SelfCheckFailed) as failure:
        with self_check("part") as check:
            check.close(np.float32(0.37107), 0.3711, call="f()")
    message = str(failure.value)
    assert "Note: your values keep about 7 significant digits, as float32 does" in message
    expected, got = (line.split(":", 1)[1].strip() for line in message.splitlines()[1:3])
    assert expected != got, message
    # bfloat16 work handed back as float32 (NumPy has no bfloat16): its
    # values show what it kept, whatever their dtype says.
    right = np.array([0.3711, -1.2345, 2.7182])
    with pytest.raises(SelfCheckFailed, match=r"keep no more digits than half precision \(float16 "
                                              r"or bfloat16\) does"):
        with self_check("part") as check:
            check.close(torch.tensor(right, dtype=torch.bfloat16).float().numpy(), right, call="f()")
    # A formula far off, in float32: no note about precision.
    with pytest.raises(SelfCheckFailed) as failure:
        with self_check("part") as check:
            check.close(torch.tensor([1.5, 2.0]), [1.0, 2.0], call="f()")
    assert "float32" not in str(failure.value)


def test_self_check_takes_a_number_as_an_array_of_one_as_the_grader_does(capsys):
    # The grader accepts b = np.array([-1.5]) where a number is asked for;
    # the self-check told the student to fix it.
    with self_check("epoch") as check:
        check.close(np.array([-1.5]), -1.5, call="b")
        check.close(np.array([[-1.5]]), -1.5, call="b")
    assert "✓ epoch: 2 public check(s) passed" in capsys.readouterr().out
    with pytest.raises(SelfCheckFailed, match=r"shape \(2,\); expected shape \(\)"):
        with self_check("epoch") as check:
            check.close(np.array([-1.5, -1.5]), -1.5, call="b")
    with pytest.raises(SelfCheckFailed, match="wrong values"):
        with self_check("epoch") as check:
            check.close(np.array([1.5]), -1.5, call="b")


def test_self_check_takes_a_number_where_an_array_of_one_is_expected(capsys):
    # broadcast_shape answering -1 where the chapter's example is np.array([-1]).
    with self_check("broadcast_shape") as check:
        check.close(-1, [-1], call="broadcast_shape([10, 2], [10])")
    assert "✓ broadcast_shape: 1 public check(s) passed" in capsys.readouterr().out
