"""Learner and solution notebooks: generate one from the other, execute both, check they agree.

The solution notebooks in ``notebooks/solutions/`` are the source. A learner's part of an exercise
sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; the learner version keeps the lines in
that block that start with ``# LEARNER: `` (without the prefix) or, if there are none, one line
``...  # YOUR CODE HERE``. Cells tagged ``solution-only`` are dropped.

    python tools/notebooks.py generate          # write notebooks/NN_name.ipynb from the solutions
    python tools/notebooks.py execute [NAME..]  # run both versions in a fresh kernel, save outputs
    python tools/notebooks.py check             # fail if learner versions are stale or unexecuted
    python tools/notebooks.py all               # generate + execute
"""
import argparse
import copy
import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
LEARNER = re.compile(r"^(\s*)# LEARNER: ?(.*)$")
STUB = "...  # YOUR CODE HERE"


def learner_source(source):
    """The learner's version of one cell's source."""
    out, block, indent = [], None, ""
    for line in source.split("\n"):
        if block is None:
            m = BEGIN.match(line)
            if m:
                block, indent = [], m.group(1)
            else:
                out.append(line)
        elif END.match(line):
            stubs = [LEARNER.match(b) for b in block]
            stubs = [m.group(1) + m.group(2) for m in stubs if m]
            out.extend(stubs or [indent + STUB])
            block = None
        else:
            block.append(line)
    if block is not None:
        raise ValueError("### BEGIN SOLUTION without ### END SOLUTION")
    return "\n".join(out)


def learner_notebook(solution):
    """A learner notebook (outputs cleared) from a solution notebook."""
    nb = copy.deepcopy(solution)
    cells = []
    for cell in nb.cells:
        if "solution-only" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.source = learner_source(cell.source)
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    return nb


def solution_paths(names=()):
    paths = sorted(SOLUTIONS.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if p.stem in names or any(p.stem.startswith(n) for n in names)]
    return paths


def generate(names=()):
    for path in solution_paths(names):
        target = NOTEBOOKS / path.name
        new = learner_notebook(nbformat.read(path, as_version=4))
        if target.exists():  # keep stored outputs when the sources did not change
            old = nbformat.read(target, as_version=4)
            if [c.source for c in old.cells] == [c.source for c in new.cells]:
                continue
        nbformat.write(new, target)
        print(f"generated {target.relative_to(ROOT)}")


def _clean(nb):
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)  # widget state differs run to run and is re-created on open


def execute(names=(), timeout=120):
    from nbclient import NotebookClient

    for sol in solution_paths(names):
        for path in (sol, NOTEBOOKS / sol.name):
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            NotebookClient(nb, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            _clean(nb)
            nbformat.write(nb, path)
            print(f"executed {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")


def problems():
    """Every reason the committed notebooks are not what the tools would produce."""
    found = []
    for sol in solution_paths():
        learner = NOTEBOOKS / sol.name
        if not learner.exists():
            found.append(f"{learner.relative_to(ROOT)} is missing: run `python tools/notebooks.py all`")
            continue
        expected = learner_notebook(nbformat.read(sol, as_version=4))
        actual = nbformat.read(learner, as_version=4)
        if [c.source for c in expected.cells] != [c.source for c in actual.cells]:
            found.append(f"{learner.relative_to(ROOT)} is stale: run `python tools/notebooks.py all {sol.stem}`")
        for path, nb in ((sol, nbformat.read(sol, as_version=4)), (learner, actual)):
            counts = [c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip()]
            if counts != list(range(1, len(counts) + 1)):
                found.append(f"{path.relative_to(ROOT)} is not saved from one fresh run (execution counts {counts[:5]}...)")
    for learner in sorted(NOTEBOOKS.glob("*.ipynb")):
        if not (SOLUTIONS / learner.name).exists():
            found.append(f"{learner.relative_to(ROOT)} has no solution version in notebooks/solutions/")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["generate", "execute", "check", "all"])
    parser.add_argument("names", nargs="*", help="notebook names or number prefixes (default: all)")
    args = parser.parse_args(argv)
    if args.command in ("generate", "all"):
        generate(args.names)
    if args.command in ("execute", "all"):
        execute(args.names)
    if args.command == "check":
        found = problems()
        print("\n".join(found) or "notebooks are up to date")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
