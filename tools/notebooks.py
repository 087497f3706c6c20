"""Learner and solution notebooks: generate one from the other, execute both, check they agree.

The solution notebooks in ``notebooks/solutions/`` are the source. A learner's part of an exercise
sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; the learner version keeps the lines in
that block that start with ``# LEARNER: `` (without the prefix) or, if there are none, one line
``...  # YOUR CODE HERE``. Cells tagged ``solution-only`` are dropped.

Every exercise is graded by nbgrader as it stands: ``generate`` writes the nbgrader cell metadata into
both versions (a solution cell is an nbgrader "autograded answer", the check cell after it an
"autograder test" worth one point; see :func:`grading_metadata`), and ``check`` fails when it drifts.

    python tools/notebooks.py generate          # write the nbgrader metadata into the solutions, then
                                                # notebooks/NN_name.ipynb from them
    python tools/notebooks.py execute [NAME..]  # run both versions in a fresh kernel, save outputs
    python tools/notebooks.py check             # fail if learner versions are stale or unexecuted, the
                                                # nbgrader metadata is missing or wrong, or the
                                                # stored checks do not all pass (solution) / all say a
                                                # neutral "no answer yet" (learner), or a learner's
                                                # stored output shows solution code or a recipe
    python tools/notebooks.py all               # generate + execute
"""
import argparse
import copy
import re
import sys
import time
from pathlib import Path
from queue import Empty

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
LEARNER = re.compile(r"^(\s*)# LEARNER: ?(.*)$")
STUB = "...  # YOUR CODE HERE"
RAISES = "NBVAL_RAISES_EXCEPTION"
# the lines nnlib.exercises prints (see nnlib/exercises/_core.py)
PASSED = re.compile(r"^✅ .*?: correct", re.M)
NOT_YET = re.compile(r"^❌ Not yet — ", re.M)
# what a stub's check prints: nothing about the answer, no hint, no recipe
NEUTRAL = re.compile(r"^❌ Not yet — [^\n]*?: no answer yet[^.\n]*\.$")
# a solution line this short ("w = 2") could appear in any output by chance
MIN_SOLUTION_LINE = 8
# a check cell: a statement (at the start of a line, not assigned) calling an nnlib.exercises checker,
# by name or through a module (`check_double(double)`, `check.check_shapes(...)`, `ex.check_leak(answer)`)
CHECK_CALL = re.compile(r"^(?:[A-Za-z_]\w*\.)?(check_\w+)\(", re.M)
# what nbgrader's ClearSolutions looks for anywhere in a line (it finds "BEGIN SOLUTION" by substring)
NBGRADER_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "BEGIN MARK SCHEME", "AUTOTEST")
NBGRADER_SCHEMA = 3
POINTS = 1  # per check cell: one exercise


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


def _exercise_modules():
    """Every module of nnlib.exercises, imported (from this repository, whatever is installed)."""
    import importlib
    import pkgutil

    sys.path.insert(0, str(ROOT))
    import nnlib.exercises as exercises
    return [importlib.import_module(f"nnlib.exercises.{m.name}") for m in pkgutil.iter_modules(exercises.__path__)]


def checker_names():
    """The names of every checker nnlib.exercises defines (``check_double``, ...)."""
    return {name for module in _exercise_modules() for name, value in vars(module).items()
            if name.startswith("check_") and callable(value)}


def _is_solution_cell(cell):
    return cell.cell_type == "code" and any(BEGIN.match(line) for line in cell.source.split("\n"))


def _checks_called(cell, checkers):
    return [name for name in CHECK_CALL.findall(cell.source) if name in checkers] if cell.cell_type == "code" else []


def grading_metadata(nb, checkers=None):
    """The nbgrader metadata each cell of a solution notebook must carry, and what stops it.

    A *solution cell* is a code cell with a ``### BEGIN SOLUTION`` block; a *check cell* a code cell that
    calls one checker of nnlib.exercises as a statement (see ``CHECK_CALL``). The check cells after a
    solution cell, up to the next one, check it. A solution cell becomes an nbgrader "autograded answer"
    (``solution``, not graded: nbgrader grades the checks), each check cell an "autograder test": graded,
    locked (nbgrader puts the released source back before it grades), ``POINTS`` points. Their grade ids come
    from the checker: ``check_double`` for the cell calling ``check_double``, ``answer_double`` for the
    solution cell it checks (``answer_mse_and_mse_gradient`` for one checked by two check cells); nbgrader
    keeps grades per notebook, so the ids need to be unique in their notebook only.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A solution notebook.
    checkers : set of str, optional
        The checker names (default: :func:`checker_names`).

    Returns
    -------
    metadata : list of (dict or None)
        Per cell, the ``metadata["nbgrader"]`` it must have, or None for a cell nbgrader leaves alone.
    problems : list of str
        Why the notebook cannot be graded as it stands (then ``metadata`` is not to be written).
    """
    checkers = checker_names() if checkers is None else checkers
    metadata, problems = [None] * len(nb.cells), []
    exercises = {}  # solution cell index -> the exercises of its check cells
    current = None
    for i, cell in enumerate(nb.cells):
        called = _checks_called(cell, checkers)
        for line in cell.source.split("\n"):
            if any(m in line for m in NBGRADER_MARKERS) and not (
                    cell.cell_type == "code" and (BEGIN.match(line) or END.match(line))):
                problems.append(f"cell {i}: {line.strip()[:60]!r} is read by nbgrader as one of its markers; "
                                f"only `### BEGIN SOLUTION` / `### END SOLUTION` lines in code cells are used")
        solution_only = "solution-only" in cell.get("metadata", {}).get("tags", [])
        if _is_solution_cell(cell):
            if called:
                problems.append(f"cell {i} holds a solution block and calls {', '.join(called)}: "
                                f"put the check in the next cell")
                continue
            current, exercises[i] = i, []
        elif called:
            if len(called) > 1:
                problems.append(f"cell {i} calls {len(called)} checks ({', '.join(called)}): one check per "
                                f"cell, so that each exercise scores on its own")
            elif current is None:
                problems.append(f"cell {i} calls {called[0]} but no solution cell comes before it")
            else:
                exercises[current].append(called[0].removeprefix("check_"))
                metadata[i] = {"grade": True, "grade_id": called[0], "locked": True, "points": POINTS,
                               "schema_version": NBGRADER_SCHEMA, "solution": False, "task": False}
        else:
            continue
        if solution_only:
            problems.append(f"cell {i} is tagged solution-only but is an exercise's solution or check cell")
    for i, names in exercises.items():
        if not names:
            problems.append(f"cell {i} holds a solution block but no check cell follows it "
                            f"before the next solution cell")
        metadata[i] = {"grade": False, "grade_id": "answer_" + "_and_".join(names), "locked": False,
                       "schema_version": NBGRADER_SCHEMA, "solution": True, "task": False}
    ids = [m["grade_id"] for m in metadata if m]
    problems += [f"grade id {d!r} is given to {ids.count(d)} cells: call each checker once per notebook"
                 for d in sorted(set(ids)) if ids.count(d) > 1]
    return metadata, problems


def metadata_drift(nb, metadata):
    """The cells whose nbgrader metadata is not ``metadata`` (one entry per cell): [(index, what)]."""
    if len(nb.cells) != len(metadata):
        return [(None, f"{len(nb.cells)} cells where {len(metadata)} were expected")]
    return [(i, "missing" if m and "nbgrader" not in c.metadata else
             "not an exercise cell" if not m else f"{c.metadata['nbgrader']} instead of {m}")
            for i, (c, m) in enumerate(zip(nb.cells, metadata)) if c.metadata.get("nbgrader") != m]


def set_grading_metadata(nb, metadata):
    """Write ``metadata`` (one entry per cell, see :func:`grading_metadata`) into ``nb``; return whether it changed."""
    changed = False
    for cell, meta in zip(nb.cells, metadata):
        if cell.metadata.get("nbgrader") == meta:
            continue
        changed = True
        if meta is None:
            del cell.metadata["nbgrader"]
        else:
            cell.metadata["nbgrader"] = copy.deepcopy(meta)
    return changed


def solution_paths(names=()):
    paths = sorted(SOLUTIONS.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if p.stem in names or any(p.stem.startswith(n) for n in names)]
    return paths


def generate(names=()):
    """Write the nbgrader metadata into each solution, then its learner version; return the paths that failed."""
    failed, checkers = [], checker_names()
    for path in solution_paths(names):
        solution = nbformat.read(path, as_version=4)
        metadata, found = grading_metadata(solution, checkers)
        if found:
            failed.append(path)
            print(f"FAILED {path.relative_to(ROOT)}: nbgrader could not grade it:\n  " + "\n  ".join(found),
                  file=sys.stderr)
            continue
        if set_grading_metadata(solution, metadata):  # metadata only: the stored outputs stay valid
            nbformat.write(solution, path)
            print(f"wrote the nbgrader metadata of {path.relative_to(ROOT)}")
        target = NOTEBOOKS / path.name
        new = learner_notebook(solution)
        if target.exists():  # keep stored outputs when the sources did not change
            old = nbformat.read(target, as_version=4)
            if [c.source for c in old.cells] == [c.source for c in new.cells]:
                if set_grading_metadata(old, [c.metadata.get("nbgrader") for c in new.cells]):
                    nbformat.write(old, target)
                    print(f"wrote the nbgrader metadata of {target.relative_to(ROOT)}")
                continue
        nbformat.write(new, target)
        print(f"generated {target.relative_to(ROOT)}")
    return failed


def _clean(nb):
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps: every run would differ
    nb.metadata.pop("widgets", None)  # widget state differs run to run and is re-created on open


def _sliced(get_msg, slice_s=1.0):
    """``get_msg(timeout)`` that waits in slices of ``slice_s`` seconds.

    Measured with nbclient 0.11 / jupyter_client's asyncio channels: after a cell that opens widgets
    (``interact``), the shell channel's wait sometimes does not wake up when the execute reply arrives,
    and returns it only when the whole cell timeout has run out (a notebook of 7 s took 200 s). Each
    slice's end looks at the socket again, so the reply is picked up within a second.
    """
    async def get(timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = slice_s if deadline is None else min(slice_s, max(0.0, deadline - time.monotonic()))
            try:
                return await get_msg(timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise
    return get


def _raising_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and RAISES in c.source]


def _run(path, timeout):
    """Execute one notebook in a fresh kernel, in its own folder; save it with its outputs."""
    from nbclient import NotebookClient

    class Client(NotebookClient):
        async def async_start_new_kernel_client(self):
            kc = await super().async_start_new_kernel_client()
            kc.shell_channel.get_msg = _sliced(kc.shell_channel.get_msg)
            return kc

    nb = nbformat.read(path, as_version=4)
    # Authors write nbval's comment; the tag goes with it and is saved, because nbclient and JupyterLab's
    # "Run All" know only the tag: without it a learner's Run All would stop at the intended error.
    for cell in _raising_cells(nb):
        if "raises-exception" not in cell.metadata.get("tags", []):
            cell.metadata.setdefault("tags", []).append("raises-exception")
    Client(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    _clean(nb)
    nbformat.write(nb, path)


def execute(names=(), timeout=120):
    """Run the solution and learner version of each notebook; return the paths that failed."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    failed = []
    for sol in solution_paths(names):
        for path in (sol, NOTEBOOKS / sol.name):
            start = time.perf_counter()
            try:
                _run(path, timeout)
            except (CellExecutionError, CellTimeoutError) as exc:
                failed.append(path)
                print(f"FAILED {path.relative_to(ROOT)} (not saved):\n{exc}", file=sys.stderr)
                continue
            print(f"executed {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s", flush=True)
    return failed


def _verdicts(nb):
    """The check lines a notebook's stored outputs show: (passed, not yet)."""
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")
    return len(PASSED.findall(text)), len(NOT_YET.findall(text))


def _output_texts(cell):
    """Every text a code cell's stored outputs show: streams, results, displays, errors."""
    for out in cell.get("outputs", []):
        if "text" in out:
            yield out["text"]
        for mime, value in out.get("data", {}).items():
            if mime.startswith("text/"):
                yield value if isinstance(value, str) else "".join(value)
        if out.get("output_type") == "error":
            yield f"{out.get('ename', '')}: {out.get('evalue', '')}"


def solution_lines(solution):
    """The code lines inside the solution blocks of a notebook: what a learner must find."""
    lines = []
    for cell in solution.cells:
        if cell.cell_type != "code":
            continue
        block = False
        for line in cell.source.split("\n"):
            if BEGIN.match(line):
                block = True
            elif END.match(line):
                block = False
            elif block and not line.strip().startswith("#"):
                line = line.strip()
                # "return X @ W.T + b" is given away by "X @ W.T + b" too
                lines += [c for c in {line, line.removeprefix("return ")} if len(c) >= MIN_SOLUTION_LINE]
    return lines


def _recipes():
    """Every exercise recipe nnlib.exercises registers (importing each topic's checkers registers them)."""
    _exercise_modules()
    from nnlib.exercises._core import RECIPES
    return list(RECIPES.values())


def giveaways(solution, learner):
    """Where a learner notebook's stored outputs show how to solve an exercise: (cell index, what)."""
    found = []
    code = solution_lines(solution)
    recipes = _recipes()
    for i, cell in enumerate(learner.cells):
        if cell.cell_type != "code":
            continue
        for text in _output_texts(cell):
            for line in text.splitlines():
                if NOT_YET.match(line) and not NEUTRAL.match(line):
                    found.append((i, f"a check says more than 'no answer yet': {line[:90]!r}"))
            found += [(i, f"solution code {c!r}") for c in code if c in text]
            found += [(i, f"a recipe {r[:60]!r}") for r in recipes if r in text]
    return found


def pair_problems(solution, learner, sol_name="solution", learner_name="learner"):
    """What is wrong with one solution notebook and its learner version, both as read from disk."""
    found = []
    metadata, grading = grading_metadata(solution)
    found += [f"{sol_name}: {problem}" for problem in grading]
    graded = copy.deepcopy(solution)
    set_grading_metadata(graded, metadata)
    expected = learner_notebook(graded)
    if [c.source for c in expected.cells] != [c.source for c in learner.cells]:
        found.append(f"{learner_name} is stale: run `python tools/notebooks.py all {Path(sol_name).stem}`")
    elif not grading:
        for name, nb, meta in ((sol_name, solution, metadata),
                               (learner_name, learner, [c.metadata.get("nbgrader") for c in expected.cells])):
            drift = metadata_drift(nb, meta)
            if drift:
                found.append(f"{name}: the nbgrader metadata of cells {[i for i, _ in drift]} is not what the "
                             f"exercises call for (cell {drift[0][0]}: {drift[0][1]}): "
                             f"run `python tools/notebooks.py generate {Path(sol_name).stem}`")
    for name, nb in ((sol_name, solution), (learner_name, learner)):
        untagged = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and RAISES in c.source
                    and "raises-exception" not in c.metadata.get("tags", [])]
        if untagged:
            found.append(f"{name}: cells {untagged} are marked # {RAISES} but lack the 'raises-exception' tag, so "
                         f"JupyterLab's Run All stops there: run `python tools/notebooks.py execute {Path(sol_name).stem}`")
        errors = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                  and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
        if errors:
            found.append(f"{name}: cells {errors} store an error output: papermill exits 1 on any stored error, "
                         f"even in a raises-exception cell; catch the error and print it")
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        if counts != list(range(1, len(counts) + 1)):
            found.append(f"{name} is not saved from one fresh run (execution counts {counts[:8]}...): "
                         f"run `python tools/notebooks.py execute {Path(sol_name).stem}`")
    if not found:  # outputs are comparable only when both are fresh runs of matching sources
        (sol_pass, sol_fail), (learn_pass, learn_fail) = _verdicts(solution), _verdicts(learner)
        if sol_fail:
            found.append(f"{sol_name}: {sol_fail} check(s) say 'Not yet' in the solution version")
        if learn_pass:
            found.append(f"{learner_name}: {learn_pass} check(s) pass on the learner's stubs")
        if sol_pass + sol_fail != learn_pass + learn_fail:
            found.append(f"{learner_name} shows {learn_pass + learn_fail} check verdicts, "
                         f"the solution {sol_pass + sol_fail}: a check did not run in one of them")
        found += [f"{learner_name}: cell {i} shows {what} before the learner tried"
                  for i, what in giveaways(solution, learner)]
    return found


def problems():
    """Every reason the committed notebooks are not what the tools would produce."""
    found = []
    for sol in solution_paths():
        learner = NOTEBOOKS / sol.name
        if not learner.exists():
            found.append(f"{learner.relative_to(ROOT)} is missing: run `python tools/notebooks.py all {sol.stem}`")
            continue
        found += pair_problems(nbformat.read(sol, as_version=4), nbformat.read(learner, as_version=4),
                               str(sol.relative_to(ROOT)), str(learner.relative_to(ROOT)))
    for learner in sorted(NOTEBOOKS.glob("*.ipynb")):
        if not (SOLUTIONS / learner.name).exists():
            found.append(f"{learner.relative_to(ROOT)} has no solution version in notebooks/solutions/")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["generate", "execute", "check", "all"])
    parser.add_argument("names", nargs="*", help="notebook names or number prefixes (default: all)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds one cell may run (default: 120)")
    args = parser.parse_args(argv)
    if args.command in ("generate", "all"):
        if generate(args.names):
            return 1
    if args.command in ("execute", "all"):
        failed = execute(args.names, args.timeout)
        if failed:
            print(f"{len(failed)} notebook(s) failed: " + ", ".join(str(p.relative_to(ROOT)) for p in failed),
                  file=sys.stderr)
            return 1
    if args.command == "check":
        found = problems()
        print("\n".join(found) or "notebooks are up to date")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
