"""An assignment as the grader sees it: its notebooks, its parts, and the
cases drawn for one grading run."""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from autograder.checks import (
    CHANGED_INPUTS_CREDIT,
    Answer,
    Call,
    Check,
    GradingError,
    Part,
    carried_forward_check,
    case_is_right,
    changed_inputs_check,
    edge_cases_check,
    part_share,
    restored_check,
)
from autograder.probe import decode_answer, encode_answer, encode_array
from autograder.settings import CHECKS_FILE


@dataclass
class Assignment:
    name: str
    source_dir: Path
    parts: list[Part]

    @property
    def notebooks(self) -> list[Path]:
        return sorted(self.source_dir.glob("*.ipynb"))

    @property
    def max_score(self) -> float:
        return float(sum(p.points for p in self.parts))

    @property
    def called(self) -> frozenset[str]:
        """The functions the parts call (their probes' names)."""
        return frozenset(p.probe.name for p in self.parts if isinstance(p.probe, Call))


def list_assignments(source_root: Path) -> list[str]:
    return sorted(p.parent.name for p in Path(source_root).glob(f"*/{CHECKS_FILE}"))


def load_assignment(source_root: Path, name: str) -> Assignment:
    source_dir = Path(source_root) / name
    checks = source_dir / CHECKS_FILE
    if not checks.is_file():
        known = ", ".join(list_assignments(source_root)) or "none"
        raise GradingError(f"no assignment '{name}' (no {checks}); assignments: {known}")
    spec = importlib.util.spec_from_file_location(f"dlcourse_checks_{name}", checks)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parts = list(getattr(module, "PARTS", []))
    if not parts or not all(isinstance(p, Part) for p in parts):
        raise GradingError(f"{checks} must define PARTS, a list of autograder.checks.Part")
    ids = [p.grade_id for p in parts]
    if len(set(ids)) != len(ids):
        raise GradingError(f"{checks}: two parts share a grade_id")
    assignment = Assignment(name, source_dir, parts)
    if any(p.stand_ins or p.keeps_inputs for p in parts):
        defined = solution_functions(assignment)
        assignment.parts = [dataclasses.replace(
            p, stand_in_sources=tuple((n, defined[n]) for n in p.stand_ins if n in defined),
            argument_names=argument_names(defined.get(p.probe.name, "")
                                          if p.keeps_inputs and isinstance(p.probe, Call) else ""))
            for p in parts]
    return assignment


def argument_names(source: str) -> tuple[str, ...]:
    """The positional argument names of the function ``source`` defines."""
    if not source:
        return ()
    function = ast.parse(source).body[0]
    return tuple(arg.arg for arg in function.args.posonlyargs + function.args.args)


def solution_functions(assignment: Assignment) -> dict[str, str]:
    """The source of every function the solution notebooks define at the
    top level of a code cell, by name (the stand-ins of :attr:`Part.stand_ins`)."""
    functions = {}
    for path in assignment.notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:  # a cell with IPython syntax defines nothing we need
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    source = ast.get_source_segment(cell.source, node)
                    functions[node.name] = "\n".join(  # without nbgrader's markers
                        line for line in source.splitlines()
                        if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return functions


def grade_cells(nb) -> dict[str, dict]:
    """The code grade cells (not solution cells) of a notebook, by grade_id."""
    cells = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            cells[meta["grade_id"]] = cell
    return cells


def consistency_problems(assignment: Assignment) -> list[str]:
    """Where checks.py and the solution notebooks disagree."""
    problems = []
    seen: dict[str, float] = {}
    for path in assignment.notebooks:
        for grade_id, cell in grade_cells(nbformat.read(path, as_version=4)).items():
            seen[grade_id] = float(cell.metadata["nbgrader"]["points"])
    parts = {p.grade_id: p for p in assignment.parts}
    for grade_id, points in seen.items():
        if grade_id not in parts:
            problems.append(f"self-check cell '{grade_id}' has no part in {CHECKS_FILE}")
        elif float(parts[grade_id].points) != points:
            problems.append(
                f"'{grade_id}': {parts[grade_id].points} points in {CHECKS_FILE}, "
                f"{points:g} in the notebook"
            )
    for grade_id in parts:
        if grade_id not in seen:
            problems.append(f"part '{grade_id}' in {CHECKS_FILE} has no self-check cell")
    for part in assignment.parts:
        found = {name for name, _ in part.stand_in_sources}
        problems += [f"'{part.grade_id}': the solution notebook defines no function '{name}' "
                     "(stand_ins)" for name in part.stand_ins if name not in found]
    return problems


# -- One grading run: drawn cases and the solution's answers ----------------


def draw_cases(assignment: Assignment, seed: int) -> dict[str, list[list[dict]]]:
    """Fresh inputs for every part, encoded for the wire.  Each part gets its
    own generator, so adding a part does not change the others' inputs."""
    drawn = {}
    for index, part in enumerate(assignment.parts):
        rng = np.random.default_rng([seed, index])
        drawn[part.grade_id] = [[encode_array(a) for a in case] for case in part.cases(rng)]
    return drawn


def write_run(path: Path, assignment: Assignment, seed: int, cases: dict,
              expected: dict[str, list[Answer]]) -> None:
    # The solution's answers: for the grader's user only, wherever --work is
    # (a student logged in to the grading machine could otherwise read them
    # and hand in a notebook that looks the answers up for a regrade).
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    data = {
        "assignment": assignment.name,
        "seed": seed,
        "parts": {
            gid: {"cases": cases[gid], "expected": [encode_answer(a) for a in expected[gid]]}
            for gid in cases
        },
    }
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(json.dumps(data))
    path.chmod(0o600)  # a file written before this rule


def read_run(path: Path) -> dict:
    data = json.loads(Path(path).read_text())
    for part in data["parts"].values():
        part["expected"] = [decode_answer(a) for a in part["expected"]]
    return data


def score_part(part: Part, cases: list[list[dict]], got: list[Answer],
               expected: list[Answer], again: list[Answer] | None = None
               ) -> tuple[float, list[Check]]:
    """The part's points and every check behind them; ``again``: the
    answers with the solution's stand-ins in place (see :attr:`Part.stand_ins`)."""
    from autograder.probe import decode_array

    checks: list[Check] = []
    shares: list[float] = []
    rights: list[bool] = []
    carried = 0
    all_args = [tuple(decode_array(a) for a in case) for case in cases]
    retried = again if again is not None and len(again) == len(got) else [None] * len(got)
    counted: list[Answer] = []  # the answer each case was judged on
    for args, answer, reference, second in zip(all_args, got, expected, retried):
        if not reference.ok:
            raise GradingError(
                f"the solution notebook fails its own part '{part.grade_id}': {reference.error}"
            )
        if reference.changed and part.keeps_inputs:
            raise GradingError(f"the solution notebook's '{part.grade_id}' changes the arrays it "
                               "is given, which the part forbids (keeps_inputs)")
        what = part.probe.describe(args)
        verdicts = part.judge(args, answer, reference)
        used = answer
        if second is not None and second.ok and not all(c.passed for c in verdicts):
            again_verdicts = part.judge(args, second, reference)
            if all(c.passed for c in again_verdicts):  # right only with the stand-ins
                verdicts, carried, used = again_verdicts, carried + 1, second
        counted.append(used)
        weight = sum(c.weight for c in verdicts)
        # A case with only gates (a wrong shape, say) earns nothing.
        shares.append(sum(c.weight * c.earned for c in verdicts) / weight if weight else 0.0)
        rights.append(bool(weight) and case_is_right(verdicts))
        checks += [Check(c.passed, f"{what}: {c.message}", c.weight, c.credit, c.form_only)
                   for c in verdicts]
    if not shares:
        return 0.0, [Check(False, "no checks ran")]
    share = part_share(shares, part.edge_cases, part.edge_floor, rights)
    if carried:
        checks.append(carried_forward_check(part, carried, len(shares)))
    if edges := edge_cases_check(part, shares, rights):
        checks.append(edges)
    if restored := restored_check(got):
        checks.append(restored)
    # The answers that counted: a case right only with the stand-ins counts
    # that call's changes too (the same code, asked again); a second answer
    # that did not count says nothing (it could carry what it was sent).
    if changed := changed_inputs_check(part, [*got, *counted], [*all_args, *all_args]):
        checks.append(changed)
        share *= CHANGED_INPUTS_CREDIT
    return round(part.points * share, 3), checks
