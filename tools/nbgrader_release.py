"""What `nbgrader generate_assignment` releases: our learner version of each notebook, not nbgrader's stubs.

nbgrader's ``ClearSolutions`` replaces a ``### BEGIN SOLUTION`` block with ``raise NotImplementedError()``,
which stops a learner's Run All at the first exercise. :class:`LearnerVersion` writes the learner's stub
that ``tools/notebooks.py`` writes (the block's ``# LEARNER:`` lines, or ``...  # YOUR CODE HERE``), with
the same function, and drops the cells tagged ``solution-only``, so the release has the sources of
``notebooks/NN_name.ipynb``. ``nbgrader_config.py`` (repository root) puts it in ``ClearSolutions``' place.
"""
import importlib.util
from pathlib import Path

from nbgrader.preprocessors import ClearSolutions

_spec = importlib.util.spec_from_file_location("nnlib_notebook_tools", Path(__file__).with_name("notebooks.py"))
tools = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tools)


class LearnerVersion(ClearSolutions):
    """``ClearSolutions`` with the course's stubs (:func:`tools.notebooks.learner_source`) and no
    ``solution-only`` cells."""

    def preprocess(self, nb, resources):
        nb.cells = [c for c in nb.cells if "solution-only" not in c.get("metadata", {}).get("tags", [])]
        return super().preprocess(nb, resources)

    def _replace_solution_region(self, cell, language):
        if cell.cell_type != "code":
            return super()._replace_solution_region(cell, language)
        source = cell.source
        cell.source = tools.learner_source(source)
        return cell.source != source


def generate_preprocessors(default):
    """nbgrader's list of ``GenerateAssignment`` preprocessors, with :class:`LearnerVersion` for ``ClearSolutions``."""
    if ClearSolutions not in default:
        raise ValueError(f"nbgrader's GenerateAssignment.preprocessors has no ClearSolutions: {default}")
    return [LearnerVersion if p is ClearSolutions else p for p in default]
