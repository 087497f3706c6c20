"""What the notebooks' code does to a learner who re-runs cells out of order or asks for help.

Static checks of the solution notebooks' code (the learner versions share it outside the exercise blocks).
"""
import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))


def _code_cells(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        # IPython's magics are not Python: leave those lines out
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        yield i, ast.parse(source)


def _imported(tree):
    return {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}


def _bound(target):
    """The names an assignment target binds (``a``, ``a, b``, ``*a``; not ``a[i]`` or ``a.x``)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*map(_bound, target.elts))
    return _bound(target.value) if isinstance(target, ast.Starred) else set()


def _assigned(tree):
    """The global names a cell binds: its top-level assignments, loops and ``with`` (a function's locals
    shadow nothing)."""
    names, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.Assign):
            names |= set().union(*map(_bound, node.targets))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.NamedExpr)):
            names |= _bound(node.target)
        elif isinstance(node, ast.With):
            names |= set().union(set(), *(_bound(item.optional_vars) for item in node.items if item.optional_vars))
        todo += [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)]
    return names


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_no_cell_rebinds_a_name_an_earlier_cell_imported(path):
    """06 once did ``live = display(...)``: re-running an earlier ``live(...)`` cell then raised
    ``TypeError: 'DisplayHandle' object is not callable``."""
    imported, problems = {}, []
    for i, tree in _code_cells(path):
        problems += [f"code cell {i} assigns {name!r}, imported in code cell {imported[name]}"
                     for name in _assigned(tree) if name in imported]
        imported.update({name: i for name in _imported(tree)})
    assert problems == []


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_a_notebook_with_exercises_imports_hint(path):
    """Every notebook's text promises ``hint()``: a notebook with a check cell must have imported it."""
    cells = list(_code_cells(path))
    checks = [i for i, tree in cells if any(isinstance(n, ast.Call) and "check_" in ast.unparse(n.func)
                                            for n in ast.walk(tree))]
    if checks:
        first_import = min((i for i, tree in cells if "hint" in _imported(tree)), default=None)
        assert first_import is not None and first_import <= checks[0], (
            f"{path.name}: check cells {checks}, hint imported in cell {first_import}")
