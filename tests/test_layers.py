"""The grader's and the helper package's modules import only downward.

Every import counts, also one inside a function: an import moved into a
function to dodge a cycle is still a cycle a maintainer has to understand.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograder", "dlcourse")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The package modules ``path`` imports, anywhere in the file.
    ``from pkg import name`` counts as importing ``pkg.name`` when that is a
    module, else ``pkg``."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                     for alias in node.names]
        else:
            continue
        for name in names:
            # `import a.b.c` also imports a and a.b; the deepest known one is the edge.
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != here:
                found.add(name)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = [p for package in PACKAGES for p in (root / package).rglob("*.py")]
    known = {module_name(p, root) for p in files}
    # A package's __init__ runs before any of its modules: an edge from a
    # module up to its own package is not a cycle of the code's design.
    graph = {}
    for path in files:
        name = module_name(path, root)
        graph[name] = {m for m in imported_modules(path, known, root)
                       if not name.startswith(m + ".")}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        return error.args[1]
    return None


def test_no_import_cycles():
    found = cycle(import_graph())
    assert found is None, "import cycle: " + " -> ".join(found)


def test_the_checker_sees_imports_inside_functions(tmp_path):
    package = tmp_path / "autograder"
    package.mkdir()
    (tmp_path / "dlcourse").mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def f():\n    from autograder.high import g\n")
    (package / "high.py").write_text("from autograder import low\n")
    found = cycle(import_graph(tmp_path))
    assert found and set(found) == {"autograder.low", "autograder.high"}


@pytest.mark.parametrize("source", [
    "from . import high\n",
    "from .high import g\n",
    "import autograder.high\n",
    "def f():\n    import autograder.high as h\n",
])
def test_the_checker_reads_every_form_of_import(tmp_path, source):
    package = tmp_path / "autograder"
    package.mkdir()
    (tmp_path / "dlcourse").mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text(source)
    (package / "high.py").write_text("from autograder.low import x\n")
    assert cycle(import_graph(tmp_path))
