"""nnlib's layers: the library never imports its plots, and no two classes share a name.

Read from the source with ``ast`` (nothing is imported), so a violation is found even in a module no other
test imports. The layers, from the bottom: the library (backends, model, data sets, training sessions,
exercises), then ``nnlib.plots`` (drawing), then the widgets that put plots on a page.
"""
import ast
from collections import defaultdict
from pathlib import Path

import nnlib

PACKAGE = Path(nnlib.__file__).parent
#: the modules above the plots: they may import them
ABOVE_PLOTS = ("plots/", "widgets.py", "widgets_bench.py", "player.py")


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def imported_modules(relative, tree):
    """The absolute names of every module ``tree`` imports (relative imports resolved against its package)."""
    package = ["nnlib", *relative.split("/")[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)  # `from . import plots`


def test_the_library_never_imports_the_plots():
    offenders = sorted(f"{relative} imports {name}" for relative, tree in modules()
                       if not relative.startswith(ABOVE_PLOTS)
                       for name in set(imported_modules(relative, tree))
                       if name == "nnlib.plots" or name.startswith("nnlib.plots."))
    assert not offenders, "a module below the plots imports them:\n  " + "\n  ".join(offenders)


#: names shared on purpose, and why
SHARED_ON_PURPOSE = {
    # the model a learner builds (nnlib.Sequential, Keras-like: compile, fit) holds a backend's container of
    # layers, which carries torch.nn's name so that the two backends read like PyTorch
    "Sequential": {"model.py", "nn/layers.py"},
}


def test_no_two_classes_share_a_name():
    where = defaultdict(set)
    for relative, tree in modules():
        # numpy_nn and torch_nn are one API in two implementations: the same names are their point
        place = relative.replace("numpy_nn/", "nn/").replace("torch_nn/", "nn/")
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                where[node.name].add(place)
    shared = {name: sorted(places) for name, places in where.items()
              if len(places) > 1 and places != SHARED_ON_PURPOSE.get(name)}
    assert not shared, f"classes defined more than once: {shared}"


def test_the_check_resolves_relative_imports():
    tree = ast.parse("from ..plots import boundary\nfrom . import plots\nimport nnlib.plots.live\n")
    found = set(imported_modules("exercises/backprop.py", tree))
    assert {"nnlib.plots", "nnlib.plots.boundary", "nnlib.plots.live"} <= found
    assert "nnlib.plots" in set(imported_modules("playground.py", ast.parse("from . import plots")))
