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
