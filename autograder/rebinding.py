"""Which cells bind a part's function again after its answer cell, read as
Python without running them: ``validate`` warns the student of it, and the
grader says it under the part whose answer it changed (the grader asks
the last definition, which the self-check above it did not test)."""

from __future__ import annotations

import ast
import re
import textwrap

from nbgrader.utils import is_grade, is_solution

from autograder.sanitize import grade_id_of

#: Cell magics that run their cell's body as Python in the notebook's own
#: namespace: what the body binds, the cell binds (``%%timeit`` runs it in a
#: namespace of its own).
PYTHON_CELL_MAGICS = frozenset({"capture", "prun", "time"})

#: IPython makes one line of its own syntax (``!ls``, ``%time x``,
#: ``files = !ls``, ``f?``) Python per pass over the whole cell: a cell of
#: 500 ``!`` lines in 100 kB kept the grader (outside the sandbox and its
#: limits) busy for minutes.  Only a cell of at most this many such lines
#: and characters is handed to IPython (a few hundredths of a second); in
#: a longer one each such line is read as a statement that binds nothing
#: (or None to the name it assigns), in one pass (:func:`_without_ipython`).
MAX_IPYTHON_LINES, MAX_IPYTHON_CHARS = 10, 10_000
_IPYTHON_LINE = re.compile(r"^[ \t]*[!%]|^[^#\n]*=[ \t]*[!%]|^[^#\n]*\?[ \t]*$", re.M)
#: The lines :func:`_without_ipython` rewrites: a magic or shell command
#: (``%time f(x)``, ``!ls``), one assigned (``files = !ls``), help (``f?``).
_COMMAND = re.compile(r"[!%]")
_ASSIGNED_COMMAND = re.compile(r"(?P<target>[^#\n=]*[^#\n=!<>])=[ \t]*[!%]")
_HELP = re.compile(r"(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})[ \t]*$")


def _without_ipython(source: str) -> str:
    """``source`` with each line of IPython's own syntax replaced by plain
    Python that binds what it binds: ``pass``, or ``target = None`` for an
    assigned command.  Linear in the cell's size, unlike IPython's own
    transforms; for cells too long for those."""
    lines = []
    for line in source.split("\n"):
        code = line.lstrip(" \t")
        indent = line[:len(line) - len(code)]
        if found := _ASSIGNED_COMMAND.match(code):
            line = f"{indent}{found['target'].strip()} = None"
        elif _COMMAND.match(code) or _HELP.match(code):
            line = f"{indent}pass"
        lines.append(line)
    return "\n".join(lines)


def python_of(source: str):
    """A code cell's syntax tree (IPython's magics and ``!commands`` made
    Python first), or None if it is not valid Python.  A cell with more of
    IPython's own lines or characters than MAX_IPYTHON_LINES and
    MAX_IPYTHON_CHARS allow is read without IPython (:func:`_without_ipython`).
    The body of a cell that starts with one of PYTHON_CELL_MAGICS is read as
    the cell."""
    from IPython.core.inputtransformer2 import TransformerManager

    first, _, body = source.lstrip().partition("\n")
    while first.startswith("%%") and first[2:].split(" ", 1)[0] in PYTHON_CELL_MAGICS:
        first, _, body = body.lstrip().partition("\n")  # %%time on %%capture on ...: the body
        source = f"{first}\n{body}"
    if first.startswith("%%"):  # a cell magic that does not run its body as the notebook's
        return ast.Module(body=[], type_ignores=[])  # Python (%%writefile, %%bash, %%timeit)
    for text in dict.fromkeys((source, textwrap.dedent(source))):  # most cells: plain Python
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    if len(_IPYTHON_LINE.findall(source)) > MAX_IPYTHON_LINES or len(source) > MAX_IPYTHON_CHARS:
        for text in dict.fromkeys((source, textwrap.dedent(source))):
            try:
                return ast.parse(_without_ipython(text))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pass
        return None
    try:  # magics, shell lines, ``>>>`` prompts
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError, RuntimeError):
        return None  # RuntimeError: IPython's transforms did not settle


def bound_names(tree, functions=frozenset()) -> dict[str, str]:
    """The names a cell binds in the notebook's namespace (its top level,
    its loops and branches, ``:=`` in its expressions; not inside a
    function, a lambda or a class): name -> "function" (a def, a lambda
    assigned, or a name in ``functions``, the notebook's functions so far,
    assigned) or "value" (anything else, an import included)."""
    bound = {}

    def bind(target, kind):
        for name in ast.walk(target):
            if isinstance(name, ast.Name):
                bound.setdefault(name.id, kind)

    def kind_of(value):
        is_function = isinstance(value, ast.Lambda) or (
            isinstance(value, ast.Name) and value.id in functions)
        return "function" if is_function else "value"

    def walrus(statement):
        """The ``name := value`` in ``statement``'s expressions, outside
        nested scopes (walked with a list, not recursion: a cell may hold
        a sum of a thousand terms)."""
        waiting = list(ast.iter_child_nodes(statement))
        while waiting:
            node = waiting.pop()
            if isinstance(node, (ast.Lambda, ast.stmt)):
                continue  # another scope, or a statement visit() reads itself
            if isinstance(node, ast.NamedExpr):
                bind(node.target, kind_of(node.value))
            waiting.extend(ast.iter_child_nodes(node))

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                bound.setdefault(node.name, "function")
                continue
            if isinstance(node, ast.ClassDef):
                bound.setdefault(node.name, "value")
                continue
            walrus(node)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    bound.setdefault((alias.asname or alias.name).split(".")[0], "value")
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, kind_of(node.value))
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                bind(node.target, kind_of(node.value))
            elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor)):
                bind(node.target, "value")
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        bind(item.optional_vars, "value")
            for field in ("body", "orelse", "finalbody"):
                visit(getattr(node, field, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                visit(handler.body)

    visit(tree.body)
    return bound


def answer_functions(nb) -> dict[str, str]:
    """The functions ``nb``'s answer cells define: name -> the answer cell's grade id."""
    asked = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and is_solution(cell) and (tree := python_of(cell.source)):
            for name, kind in bound_names(tree).items():
                if kind == "function":
                    asked.setdefault(name, grade_id_of(cell))
    return asked


def later_bindings(nb, asked: dict[str, str]) -> list[tuple[str, str, int]]:
    """(name, kind, cell index) for each function of ``asked`` (name -> the
    grade id of the answer cell that defines it) that a code cell of ``nb``
    after that answer cell binds again, the first such cell for each name;
    kind is "function" (defined again: the grader uses the last definition)
    or "value" (another value: the grader calls the function the notebook
    defined, but the cells after that one cannot).  A function defined
    again before the part's self-check (the answer typed into a new cell
    below the answer cell) is not one: the self-check tests that definition,
    and the grader asks the same."""
    answer_at = {grade_id_of(cell): index for index, cell in enumerate(nb.cells)
                 if is_solution(cell)}
    # Where the part's self-check is, or would be: the next graded or answer
    # cell (a deleted self-check is put back before the next part's answer).
    checked_at = {grade_id: next((i for i in range(where + 1, len(nb.cells))
                                  if is_grade(nb.cells[i]) or is_solution(nb.cells[i])),
                                 len(nb.cells))
                  for grade_id, where in answer_at.items()}
    found, functions = [], set()
    said = set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not (tree := python_of(cell.source)):
            continue
        bound = bound_names(tree, frozenset(functions))
        functions |= {name for name, kind in bound.items() if kind == "function"}
        for name, kind in bound.items():
            where = answer_at.get(asked.get(name))
            if where is None or index <= where or name in said:
                continue
            if kind == "function" and index < checked_at[asked[name]]:
                continue
            said.add(name)
            found.append((name, kind, index))
    return found
