"""The learner notebooks are generated from the solutions, and stay so."""
import importlib.util
from pathlib import Path

import nbformat
import pytest

spec = importlib.util.spec_from_file_location("notebook_tools", Path(__file__).parent.parent / "tools" / "notebooks.py")
tools = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tools)


def test_block_becomes_stub_at_its_indentation():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\nprint(f)"
    assert tools.learner_source(src) == "def f(x):\n    ...  # YOUR CODE HERE\nprint(f)"


def test_learner_lines_replace_the_block():
    src = "### BEGIN SOLUTION\n# LEARNER: w = None\n# LEARNER: b = None\nw = 2.0\nb = 1.0\n### END SOLUTION\ncheck(w)"
    assert tools.learner_source(src) == "w = None\nb = None\ncheck(w)"


def test_learner_lines_keep_their_indentation_and_several_blocks_work():
    src = ("def f(x):\n"
           "    ### BEGIN SOLUTION\n"
           "    # LEARNER: y = ...  # multiply x by 2\n"
           "    y = 2 * x\n"
           "    ### END SOLUTION\n"
           "    for i in range(2):\n"
           "        ### BEGIN SOLUTION\n"
           "        y += i\n"
           "        ### END SOLUTION\n"
           "    return y")
    assert tools.learner_source(src) == ("def f(x):\n"
                                         "    y = ...  # multiply x by 2\n"
                                         "    for i in range(2):\n"
                                         "        ...  # YOUR CODE HERE\n"
                                         "    return y")


def test_source_without_blocks_is_unchanged():
    src = "x = 1\n# a comment\nprint(x)"
    assert tools.learner_source(src) == src


def test_unclosed_block_is_an_error():
    with pytest.raises(ValueError, match="without ### END SOLUTION"):
        tools.learner_source("### BEGIN SOLUTION\nx = 1")


def test_solution_only_cells_are_dropped_and_outputs_cleared():
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_markdown_cell("The answer is 42.")
    answer.metadata["tags"] = ["solution-only"]
    code = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 42\n### END SOLUTION", execution_count=1,
                                     outputs=[nbformat.v4.new_output("stream", text="hi")])
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), answer, code]
    learner = tools.learner_notebook(nb)
    assert [c.source for c in learner.cells] == ["# Title", "...  # YOUR CODE HERE"]
    assert learner.cells[1].outputs == [] and learner.cells[1].execution_count is None
    assert len(nb.cells) == 3  # the solution itself is untouched


def test_committed_notebooks_are_generated_and_executed():
    assert tools.problems() == []


# ------------------------------------------------------------------ check: a pair of stored notebooks
def _pair(answer="x = 42", solution_says="✅ x: correct", learner_says="❌ Not yet — x: no answer yet."):
    def stdout(text):
        return [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]

    sol = nbformat.v4.new_notebook()
    sol.cells = [nbformat.v4.new_code_cell(f"### BEGIN SOLUTION\n# LEARNER: x = None\n{answer}\n### END SOLUTION",
                                           execution_count=1),
                 nbformat.v4.new_code_cell("check_double(x)", execution_count=2, outputs=stdout(solution_says))]
    tools.set_grading_metadata(sol, tools.grading_metadata(sol)[0])  # what `generate` writes
    learner = tools.learner_notebook(sol)
    learner.cells[0].execution_count = 1
    learner.cells[1].execution_count, learner.cells[1].outputs = 2, stdout(learner_says)
    return sol, learner


def test_fresh_pair_has_no_problems():
    assert tools.pair_problems(*_pair()) == []


def test_editing_a_solution_without_regenerating_is_caught():
    sol, learner = _pair()
    sol.cells[0].source = sol.cells[0].source.replace("# LEARNER: x = None", "# LEARNER: x = 0")
    assert any("stale" in p for p in tools.pair_problems(sol, learner))


def test_unexecuted_or_out_of_order_cells_are_caught():
    sol, learner = _pair()
    learner.cells[1].execution_count = None
    assert any("learner is not saved from one fresh run" in p for p in tools.pair_problems(sol, learner))
    sol, learner = _pair()
    sol.cells[0].execution_count = 3
    assert any("solution is not saved from one fresh run" in p for p in tools.pair_problems(sol, learner))


def test_a_failing_check_in_the_solution_is_caught():
    problems = tools.pair_problems(*_pair(solution_says="❌ Not yet — x: expected 42, got 41."))
    assert any("say 'Not yet' in the solution version" in p for p in problems)


def test_a_check_passing_on_the_learner_stub_is_caught():
    problems = tools.pair_problems(*_pair(learner_says="✅ x: correct"))
    assert any("pass on the learner's stubs" in p for p in problems)


def test_a_raising_cell_without_the_tag_is_caught():
    sol, learner = _pair()
    for nb in (sol, learner):
        nb.cells[1].source = "# NBVAL_RAISES_EXCEPTION\n" + nb.cells[1].source
    sol.cells[1].metadata["tags"] = ["raises-exception"]
    problems = tools.pair_problems(sol, learner)
    assert len(problems) == 1 and "learner: cells [1] are marked # NBVAL_RAISES_EXCEPTION but lack" in problems[0]


def test_a_stored_error_output_is_caught_even_in_a_tagged_cell():
    """papermill exits 1 on any stored error output, whatever the cell's tags say."""
    sol, learner = _pair()
    for nb in (sol, learner):
        nb.cells[1].source = "# NBVAL_RAISES_EXCEPTION\n" + nb.cells[1].source
        nb.cells[1].metadata["tags"] = ["raises-exception"]
    learner.cells[1].outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="shown", traceback=[])]
    problems = tools.pair_problems(sol, learner)
    assert len(problems) == 1 and "learner: cells [1] store an error output: papermill" in problems[0]


@pytest.mark.parametrize("learner_says, what", [
    ("❌ Not yet — x: no answer yet. Hint: x = 42 would do", "says more than 'no answer yet'"),
    ("❌ Not yet — x: no answer yet (replace `...` with your code). Hint: assign 42", "says more than 'no answer yet'"),
    ("❌ Not yet — x: no answer yet.\nthe answer is x = 42 * 1", "solution code 'x = 42 * 1'"),
])
def test_a_learner_output_that_shows_the_solution_is_caught(learner_says, what):
    # a fresh learner notebook shows what to do, not how: a stub's check is one neutral line
    problems = tools.pair_problems(*_pair(answer="x = 42 * 1", learner_says=learner_says))
    assert any(what in p and "before the learner tried" in p for p in problems), problems


def test_a_recipe_in_a_learner_output_is_caught():
    from nnlib.exercises import _core

    _core.recipe("x", "multiply six by seven")
    problems = tools.pair_problems(*_pair(learner_says="❌ Not yet — x: no answer yet.\nmultiply six by seven"))
    assert any("a recipe 'multiply six by seven'" in p for p in problems), problems


def test_solution_lines_are_the_code_inside_the_blocks():
    sol, _ = _pair(answer="x = 42 * 1\n# a comment\nreturn x * 1000\nx = 1")
    assert sorted(tools.solution_lines(sol)) == ["return x * 1000", "x * 1000", "x = 42 * 1"]


def test_a_check_missing_from_one_version_is_caught():
    problems = tools.pair_problems(*_pair(learner_says="something else"))
    assert any("a check did not run" in p for p in problems)


# ------------------------------------------------------------------ nbgrader metadata: written, checked
def _exercises(*sources, markdown=()):
    """A solution notebook of code cells (and markdown cells at the given positions)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(src) if i in markdown else nbformat.v4.new_code_cell(src)
                for i, src in enumerate(sources)]
    return nb


SOLVE = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
SOLVE_MEAN = "### BEGIN SOLUTION\n# LEARNER: answer = None\nanswer = 3.0\n### END SOLUTION"


def test_solution_and_check_cells_get_nbgraders_metadata():
    nb = _exercises("import numpy as np", SOLVE, "from nnlib.exercises.start_here import check_double\ncheck_double(double)",
                    "text", SOLVE_MEAN, "ex.check_mean(answer, [1.0, 5.0])", markdown=(3,))
    metadata, problems = tools.grading_metadata(nb)
    assert problems == []
    answer = {"grade": False, "locked": False, "schema_version": 3, "solution": True, "task": False}
    check = {"grade": True, "locked": True, "points": 1, "schema_version": 3, "solution": False, "task": False}
    assert metadata == [None, {**answer, "grade_id": "answer_double"}, {**check, "grade_id": "check_double"},
                        None, {**answer, "grade_id": "answer_mean"}, {**check, "grade_id": "check_mean"}]
    assert tools.set_grading_metadata(nb, metadata) and not tools.set_grading_metadata(nb, metadata)
    assert tools.metadata_drift(nb, metadata) == []
    # the learner version carries the same metadata, cell for cell
    learner = tools.learner_notebook(nb)
    assert [c.metadata.get("nbgrader") for c in learner.cells] == metadata


def test_a_solution_cell_checked_by_two_check_cells_is_named_after_both():
    nb = _exercises(SOLVE + "\n\n\n" + SOLVE_MEAN, "check_double(double)", "check_mean(answer, [1.0])")
    metadata, problems = tools.grading_metadata(nb)
    assert problems == [] and metadata[0]["grade_id"] == "answer_double_and_mean"


def test_a_call_that_is_not_an_nnlib_check_makes_no_check_cell():
    nb = _exercises(SOLVE, "check_double(double)", "rows = bp.gradient_check_rows(x)\nv.check_positive_int(3)")
    assert [m and m["grade_id"] for m in tools.grading_metadata(nb)[0]] == ["answer_double", "check_double", None]


@pytest.mark.parametrize("sources, problem", [
    ((SOLVE, "check_double(double)\ncheck_mean(answer, [1.0])"), "calls 2 checks"),
    (("check_double(double)", SOLVE, "check_double(double)"), "no solution cell comes before it"),
    ((SOLVE, SOLVE_MEAN, "check_mean(answer, [1.0])"), "cell 0 holds a solution block but no check cell"),
    ((SOLVE + "\ncheck_double(double)",), "put the check in the next cell"),
    ((SOLVE, "check_double(double)", SOLVE, "check_double(double)"), "grade id 'check_double' is given to 2"),
    ((SOLVE, "check_double(double)  # BEGIN SOLUTION of the next one"), "read by nbgrader as one of its markers"),
])
def test_a_notebook_nbgrader_could_not_grade_is_refused(sources, problem):
    metadata, problems = tools.grading_metadata(_exercises(*sources))
    assert any(problem in p for p in problems), problems


def test_a_marker_in_markdown_or_an_exercise_cell_dropped_from_the_learner_version_is_refused():
    nb = _exercises("### BEGIN SOLUTION\nThe answer.\n### END SOLUTION", markdown=(0,))
    assert any("read by nbgrader" in p for p in tools.grading_metadata(nb)[1])
    nb = _exercises(SOLVE, "check_double(double)")
    nb.cells[0].metadata["tags"] = ["solution-only"]
    assert any("tagged solution-only" in p for p in tools.grading_metadata(nb)[1])


@pytest.mark.parametrize("edit, version", [
    (lambda nb: nb.cells[1].metadata.pop("nbgrader"), "solution"),                       # missing
    (lambda nb: nb.cells[1].metadata.nbgrader.update(grade_id="check_it"), "learner"),   # renamed
    (lambda nb: nb.cells[1].metadata.nbgrader.update(grade=False), "solution"),          # a check not graded
    (lambda nb: nb.cells[1].metadata.nbgrader.update(locked=False), "learner"),          # a check learners may edit
    (lambda nb: nb.cells[0].metadata.nbgrader.update(points=1, grade=True), "solution"), # the answer graded
    (lambda nb: nb.cells[0].metadata.update(nbgrader={**nb.cells[1].metadata.nbgrader}), "learner"),  # duplicate
])
def test_drifting_nbgrader_metadata_is_caught(edit, version):
    sol, learner = _pair()
    edit(sol if version == "solution" else learner)
    problems = tools.pair_problems(sol, learner)
    assert len(problems) == 1 and problems[0].startswith(f"{version}: the nbgrader metadata of cells"), problems
    assert "tools/notebooks.py generate" in problems[0]


def test_nbgrader_metadata_on_a_cell_that_is_no_exercise_is_caught():
    sol, learner = _pair()
    for nb in (sol, learner):
        nb.cells.append(nbformat.v4.new_markdown_cell("Notes"))
    sol.cells[2].metadata["nbgrader"] = {"grade": False, "grade_id": "notes", "locked": True, "schema_version": 3,
                                        "solution": False, "task": False}
    problems = tools.pair_problems(sol, learner)
    assert any("cells [2]" in p and "not an exercise cell" in p for p in problems), problems


def test_generate_writes_the_metadata_into_both_versions_and_keeps_outputs(tmp_path, monkeypatch):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    sol, learner = _pair()
    for nb in (sol, learner):
        for cell in nb.cells:
            cell.metadata.pop("nbgrader")
    nbformat.write(sol, solutions / "00_x.ipynb")
    nbformat.write(learner, tmp_path / "00_x.ipynb")
    monkeypatch.setattr(tools, "NOTEBOOKS", tmp_path)
    monkeypatch.setattr(tools, "SOLUTIONS", solutions)
    monkeypatch.setattr(tools, "ROOT", tmp_path)
    assert tools.generate() == []
    sol, learner = (nbformat.read(p, as_version=4) for p in (solutions / "00_x.ipynb", tmp_path / "00_x.ipynb"))
    assert tools.pair_problems(sol, learner) == []
    assert learner.cells[1].outputs  # metadata only: the stored run stays


# ---------------------------------------------------------------------------- execute: one notebook
def test_execute_runs_in_the_notebooks_folder_and_allows_marked_errors(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.path.basename(os.getcwd()))"),
                nbformat.v4.new_markdown_cell("text"),
                nbformat.v4.new_code_cell("# NBVAL_RAISES_EXCEPTION\nraise ValueError('shown on purpose')"),
                nbformat.v4.new_code_cell("print('after')")]
    folder = tmp_path / "chapter"
    folder.mkdir()
    path = folder / "nb.ipynb"
    nbformat.write(nb, path)
    tools._run(path, timeout=60)
    ran = nbformat.read(path, as_version=4)
    code = [c for c in ran.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert code[0].outputs[0].text == "chapter\n"
    assert code[1].outputs[0].ename == "ValueError" and code[2].outputs[0].text == "after\n"
    # nothing volatile is saved (no timestamps, no widget state); the raising cell gets the tag JupyterLab needs
    assert all("execution" not in c.metadata for c in ran.cells)
    assert [c.metadata.get("tags") for c in code] == [None, ["raises-exception"], None]
    assert "widgets" not in ran.metadata


def test_execute_stops_at_an_unmarked_error_and_saves_nothing(tmp_path):
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    before = path.read_text()
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        tools._run(path, timeout=60)
    assert path.read_text() == before


# ------------------------------------------------------------------ execute: waiting for the reply
def test_sliced_wait_returns_a_reply_that_an_earlier_slice_missed():
    import asyncio
    from queue import Empty

    waits = []

    async def get_msg(timeout=None):  # the socket shows its message only at the third look
        waits.append(timeout)
        if len(waits) < 3:
            raise Empty
        return {"msg_type": "execute_reply"}

    get = tools._sliced(get_msg, slice_s=0.01)
    assert asyncio.run(get(timeout=30))["msg_type"] == "execute_reply"
    assert len(waits) == 3 and all(w <= 0.01 for w in waits)


def test_sliced_wait_still_times_out():
    import asyncio
    import time
    from queue import Empty

    async def get_msg(timeout=None):
        await asyncio.sleep(timeout)
        raise Empty

    started = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(tools._sliced(get_msg, slice_s=0.02)(timeout=0.1))
    assert 0.09 <= time.monotonic() - started < 1
