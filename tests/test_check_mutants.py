"""The mutation-testing benchmark's own parts (benchmarks/check_mutants.py):
the mutator, and how one mutant is judged.  Fast: no notebook, no framework."""

import ast
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import Answer, Call, Check, Part
from autograder.probe import PROBE_SOURCE, encode_array

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import check_mutants as cm  # noqa: E402

CELL = textwrap.dedent('''\
    import numpy as np


    def helper(a, b):
        return a - b  # outside the solution: never mutated


    def layer(X, W):
        """A made-up layer that uses every operator family."""
        ### BEGIN SOLUTION
        H = np.tanh(X @ W)
        s = H.sum(axis=1, keepdims=True)
        m = np.exp(H - H.max(axis=0))
        total = 0
        for i in range(3):
            total = total + i
        return helper(H, s)[1:] / np.sqrt(s)
        ### END SOLUTION
    ''')


@pytest.fixture(scope="module")
def mutants():
    return cm.mutants_of(CELL, {"helper", "layer"})


def afters(mutants):
    return {m.after for m in mutants}


def test_solution_lines_are_those_between_the_markers():
    first, last = cm.solution_lines(CELL)
    lines = CELL.splitlines()
    assert lines[first - 2].strip() == cm.BEGIN and lines[last].strip() == cm.END
    assert cm.solution_lines("def f():\n    return 1\n") is None


def test_only_the_solution_lines_change(mutants):
    first, last = cm.solution_lines(CELL)
    original_helper = ast.unparse(ast.parse(CELL).body[1])
    assert mutants
    for m in mutants:
        assert first <= m.line <= last, m
        assert ast.unparse(ast.parse(m.code).body[1]) == original_helper, m


def test_every_mutant_compiles_and_differs(mutants):
    original = ast.unparse(ast.parse(CELL))
    codes = [m.code for m in mutants]
    assert len(set(codes)) == len(codes)
    for m in mutants:
        compile(m.code, "<mutant>", "exec")
        assert m.code != original and m.before != m.after


@pytest.mark.parametrize("family, after", [
    ("arithmetic operator", "m = np.exp(H + H.max(axis=0))"),
    ("arithmetic operator", "H = np.tanh(X * W)"),
    ("comparison operator", None),
    ("constant", "s = H.sum(axis=2, keepdims=True)"),
    ("off by one", "for i in range(4):"),
    ("constant", "total = 1"),
    ("off by one", "return helper(H, s)[2:] / np.sqrt(s)"),
    ("off by one", "return helper(H, s)[1:-1] / np.sqrt(s)"),
    ("off by one", "for i in range(2):"),
    ("axis", "s = H.sum(axis=0, keepdims=True)"),
    ("axis", "s = H.sum(axis=-1, keepdims=True)"),
    ("axis", "s = H.sum(keepdims=True)"),
    ("axis", "s = H.sum(axis=1)"),
    ("transpose", "H = np.tanh(X.T @ W)"),
    ("transpose", "H = np.tanh(X @ W.T)"),
    ("sum/mean", "s = H.mean(axis=1, keepdims=True)"),
    ("max/min", "m = np.exp(H - H.min(axis=0))"),
    ("function dropped", "m = H - H.max(axis=0)"),
    ("function dropped", "return helper(H, s)[1:] / s"),
    ("term dropped", "m = np.exp(H)"),
    ("term dropped", "total = total"),
    ("activation", "H = 1 / (1 + np.exp(-(X @ W)))"),
    ("activation", "H = np.maximum(0.0, X @ W)"),
    ("argument order", "return helper(s, H)[1:] / np.sqrt(s)"),
    ("earlier variable returned", "return H"),
    ("earlier variable returned", "return m"),
])
def test_operator_families(mutants, family, after):
    of_family = [m for m in mutants if m.family == family]
    if after is None:  # the cell has no comparison: nothing to swap
        assert not of_family
        return
    assert after in {m.after for m in of_family}, sorted(m.after for m in of_family)


def test_comparisons_constants_and_a_return_transposed():
    source = ("def f(z, k):\n    ### BEGIN SOLUTION\n    y = np.where(z > 0, 1.0, 0.5)\n"
              "    return y[:-1].T * k\n    ### END SOLUTION\n")
    got = afters(cm.mutants_of(source))
    for expected in ["y = np.where(z >= 0, 1.0, 0.5)", "y = np.where(z < 0, 1.0, 0.5)",
                     "y = np.where(z > 1, 1.0, 0.5)", "y = np.where(z > 0, 0.0, 0.5)",
                     "y = np.where(z > 0, 1.0, 1.0)", "return y[:-1] * k",
                     "return y[:-2].T * k", "return y[:0].T * k", "return (y[:-1].T * k).T"]:
        assert expected in got, expected


def test_top_level_cells_and_framework_calls():
    source = ("### BEGIN SOLUTION\nw = np.array([-0.5, -0.5])\nmodel = nn.Sequential(nn.Linear(2, 8), "
              "nn.Tanh())\nv = F.gelu(z).sum()\n### END SOLUTION\n")
    got = afters(cm.mutants_of(source))
    for expected in ["w = np.array([0.5, -0.5])", "w = np.array([-1.5, -0.5])",
                     "model = nn.Sequential(nn.Linear(2, 8), nn.ReLU())",
                     "model = nn.Sequential(nn.Linear(2, 8), nn.Sigmoid())",
                     "v = F.gelu(z, approximate='tanh').sum()", "v = torch.relu(z).sum()",
                     "v = F.gelu(z).mean()"]:
        assert expected in got, expected


# -- judging one mutant with the grader's own code ---------------------------------

SCALE = ("def scale(x, k):\n    ### BEGIN SOLUTION\n    y = np.abs(x)\n    return y * k\n"
         "    ### END SOLUTION\n")


def judge(args, got: Answer, expected: Answer):
    if not got.ok:
        return [Check(False, f"raised {got.error}")]
    ok = len(got.values) == 1 and got.values[0].shape == expected.values[0].shape and bool(
        np.allclose(got.values[0], expected.values[0], atol=1e-9))
    return [Check(ok, "right" if ok else "wrong")]


def scale_cases(rng):
    # x is always positive: np.abs(x) is x on every draw.  k differs from 1
    # and 0, except that case 0 of every draw has k = 1 exactly.
    return [(rng.uniform(0.5, 2.0, size=4), 1.0)] + [
        (rng.uniform(0.5, 2.0, size=n), float(rng.uniform(2, 3))) for n in (3, 5, 6)]


@pytest.fixture(scope="module")
def scale_setup():
    namespace = {"__name__": "__main__", "np": np}
    cm.run_cell(SCALE, namespace)
    cm.run_cell(PROBE_SOURCE, namespace)
    part = Part("check_scale", "scale", 4, Call("scale"), judge, scale_cases)
    seeds, extra = [1, 2, 3], [11, 12, 13, 14, 15]
    drawn = {s: [[encode_array(a) for a in case] for case in scale_cases(np.random.default_rng(s))]
             for s in seeds + extra}
    context, _ = cm.solution_context(namespace, part, drawn, seeds, extra)
    return namespace, part, context


def verdict_of(scale_setup, after: str, timeout: float = 20.0):
    namespace, part, context = scale_setup
    mutant = next(m for m in cm.mutants_of(SCALE) if m.after == after)
    outcome = cm.in_child(cm.judge_mutant, (namespace, mutant.code, [context]), timeout)
    return cm.classify(part, outcome)


def test_a_mutant_the_cases_catch_is_killed(scale_setup):
    verdict, result = verdict_of(scale_setup, "return y / k")
    assert verdict == "killed"
    assert [s["score"] for s in result["seeds"]] == [1.0, 1.0, 1.0]  # 1 of 4 cases right: 25%


def test_a_mutant_that_computes_the_same_is_equivalent(scale_setup):
    verdict, result = verdict_of(scale_setup, "y = x")
    assert verdict == "equivalent" and result["graded_identical"]


def test_a_mutant_that_keeps_more_than_a_quarter_survives(scale_setup):
    namespace, part, context = scale_setup
    # Right on the cases of 4 and 3 values (2 of 4 cases: 50% of the points).
    code = SCALE.replace("return y * k", "return y * k if len(x) < 5 else y")
    outcome = cm.in_child(cm.judge_mutant, (namespace, code, [context]), 20.0)
    verdict, result = cm.classify(part, outcome)
    assert verdict == "survived"
    assert [s["score"] for s in result["seeds"]] == [2.0, 2.0, 2.0]
    reason = cm.survival_reason(part, result)
    assert "2 of 4 cases wholly right" in reason and "passed: right" in reason


def test_a_mutant_that_loops_forever_is_killed_by_the_time_limit(scale_setup):
    namespace, part, context = scale_setup
    code = SCALE.replace("return y * k", "while True:\n        pass")
    verdict, _ = cm.classify(part, cm.in_child(cm.judge_mutant, (namespace, code, [context]), 1.0))
    assert verdict == "killed (timeout)"


def test_a_mutant_that_raises_is_killed_and_counted_apart(scale_setup):
    namespace, part, context = scale_setup
    code = SCALE.replace("return y * k", "return y @ np.ones((2, 2))")
    verdict, result = cm.classify(part, cm.in_child(cm.judge_mutant, (namespace, code, [context]), 20.0))
    assert verdict == "killed (raised)" and result["errors_only"]


def test_the_namespace_is_unchanged_after_a_mutant(scale_setup):
    namespace, part, context = scale_setup
    cm.in_child(cm.judge_mutant, (namespace, SCALE.replace("* k", "/ k"), [context]), 20.0)
    assert namespace["scale"](np.array([-2.0]), 3.0).tolist() == [6.0]


# -- tuple parts: only the values a mutant gets wrong count --------------------------

STATS = ("def stats(x, k):\n    ### BEGIN SOLUTION\n    total = np.abs(x).sum()\n"
         "    return total * k, x.max()\n    ### END SOLUTION\n")


@pytest.fixture(scope="module")
def stats_setup():
    from autograder.checks import same_as_solution

    namespace = {"__name__": "__main__", "np": np}
    cm.run_cell(STATS, namespace)
    cm.run_cell(PROBE_SOURCE, namespace)
    part = Part("check_stats", "stats", 4, Call("stats"),
                same_as_solution(atol=1e-9, rtol=1e-9, names=("total", "max")), scale_cases)
    seeds, extra = [1, 2, 3], [11, 12, 13]
    drawn = {s: [[encode_array(a) for a in case] for case in scale_cases(np.random.default_rng(s))]
             for s in seeds + extra}
    context, _ = cm.solution_context(namespace, part, drawn, seeds, extra)
    return namespace, part, context


def stats_verdict(stats_setup, code):
    namespace, part, context = stats_setup
    return cm.classify(part, cm.in_child(cm.judge_mutant, (namespace, code, [context]), 20.0))


def test_a_tuple_part_is_recognised(stats_setup):
    assert stats_setup[2].tuple_part


def test_a_tuple_mutant_is_killed_when_its_wrong_values_earn_nothing(stats_setup):
    # The max stays right and keeps half the points; the total is wrong in the
    # three cases where k != 1: its checks earn 1 of 4 (the k = 1 case).
    verdict, result = stats_verdict(stats_setup, STATS.replace("total * k", "total / k"))
    assert [s["score"] for s in result["seeds"]] == [2.5, 2.5, 2.5]  # 62.5% of the points
    assert [s["share"] for s in result["seeds"]] == [0.0, 0.0, 0.0]   # k = 1: total unchanged
    assert verdict == "killed"


def test_a_tuple_mutant_wrong_in_every_value_is_killed(stats_setup):
    verdict, result = stats_verdict(stats_setup, STATS.replace("return total * k, x.max()",
                                                               "return total, x.min()"))
    assert verdict == "killed" and all(s["share"] <= cm.KILL_SHARE for s in result["seeds"])


def test_tuple_values_that_differ_within_the_tolerance_are_not_wrong(stats_setup):
    # Off by 1e-10 (more than the equivalence tolerance, less than the judge's):
    # the differing values pass their checks, so the mutant survives.
    verdict, result = stats_verdict(stats_setup, STATS.replace("x.max()", "x.max() + 1e-10"))
    assert verdict == "survived"
    assert [s["share"] for s in result["seeds"]] == [1.0, 1.0, 1.0]


def test_a_tuple_mutant_that_raises_counts_every_value_as_wrong(stats_setup):
    verdict, result = stats_verdict(stats_setup, STATS.replace("return total * k, x.max()",
                                                               "return total * k"))
    assert verdict == "killed" and [s["share"] for s in result["seeds"]] == [0.0, 0.0, 0.0]


def test_wrong_values_share_counts_only_the_differing_values():
    expected = Answer(values=(np.array(1.0), np.array(2.0), np.array(3.0)))
    got = Answer(values=(np.array(1.0), np.array(5.0), np.array(3.5)))
    checks = [Check(True, "a"), Check(False, "b"), Check(True, "c")]  # c: within tolerance
    assert cm.wrong_values_share([(got, expected, checks)]) == 0.5
    same = [(expected, expected, [Check(True, "")] * 3)]
    assert cm.wrong_values_share(same) == 1.0
    failed = [(Answer(error="ValueError: x"), expected, [Check(False, "raised")])]
    assert cm.wrong_values_share(same + failed) == 0.0


# -- correct variants: full marks on every seed, or a FAILURE -----------------------

def test_correct_variants_are_graded_like_mutants(scale_setup):
    namespace, part, context = scale_setup
    cells = [cm.Cell(0, SCALE, True, False, "scale")]
    variants = {
        "right_lists": {"scale": "def scale(x, k):\n    return [abs(v) * k for v in x]\n"},
        "right_wrong": {"scale": "def scale(x, k):\n    return np.abs(x) * k + (k > 1)\n"},
        # A mistake (wrong.py): the same points on every seed, whatever they are.
        "wrong_squared": {"scale": "def scale(x, k):\n    return np.abs(x) * k ** 2\n"},
        "wrong_by_luck": {"scale": "def scale(x, k):\n    return np.abs(x) * (k if x[0] < 1.2 else 2 * k)\n"},
        "wrong_syntax": {"scale": "def scale(x, k):\n    return x *\n"},
        "stub": {"scale": "def scale(x, k):\n    raise NotImplementedError()\n"},
    }
    out = {v["fixture"]: v for v in cm.check_variants("demo", variants, cells, namespace, [context],
                                                     set(), 0.01, lambda message: None)}
    assert out["right_lists"]["failures"] == []
    failures = out["right_wrong"]["failures"]
    assert len(failures) == 3 and all(f.startswith("check_scale seed ") for f in failures)
    assert out["wrong_squared"]["failures"] == []   # 1 of 4 (the k = 1 case) on every seed
    assert out["wrong_syntax"]["failures"] == []    # its function is never defined: 0 everywhere
    assert out["stub"]["failures"] == []
    (luck,) = out["wrong_by_luck"]["failures"]
    assert luck.startswith("check_scale: ") and luck.count("points on") >= 2, luck
    report = cm.variants_report(list(out.values()), 3)
    assert "4 of 6 keep their rule" in report and "FAILURE  demo/right_wrong" in report
    assert "FAILURE  demo/wrong_by_luck" in report
