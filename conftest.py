"""How the test command shares its work between pytest-xdist's two workers (``--dist loadgroup``).

Every test gets an ``xdist_group``: its file, so a module's fixtures (a JupyterLab server, a fitted model)
are built once and every cell of a notebook runs in nbval's one kernel, in order, on one worker. A few long
files are cut into parts that run on both workers at once (:data:`PARTS`). The groups are handed out
longest first (``--no-loadscope-reorder`` keeps this order; xdist's own order is by number of tests): the
worker that finishes a long group picks up the short ones, so no long group starts last. The seconds in
:data:`SECONDS` only order the groups; a wrong figure makes a run slower, never a test fail.
"""
import pytest

#: roughly how long each long group takes on a 2-core machine (s); groups not named here come after these
SECONDS = {
    "browser learners 1": 220, "browser learners 2": 220, "browser unrun": 70,
    "tests/test_distributed.py": 130, "tests/test_distributed.py 2": 130,
    "tests/test_portability.py": 140, "tests/test_headless_execute.py": 120,
    "tests/test_figures_legible.py": 70, "tests/test_persistence.py": 70, "tests/test_plots_live.py": 55,
    "tests/test_nbgrader.py": 40,
    "notebooks/solutions/07_gradient_accumulation.ipynb": 30, "notebooks/07_gradient_accumulation.ipynb": 25,
    "notebooks/08_complete_example.ipynb": 27, "notebooks/solutions/08_complete_example.ipynb": 25,
    "notebooks/10_optimizers_and_initialization.ipynb": 18,
}


def _browser_part(item):
    """test_browser.py in three parts, each with its own server and browser: the learner versions run (in two
    halves) and the tests that open notebooks without running them."""
    name = item.callspec.params.get("name", "") if hasattr(item, "callspec") else ""
    if item.originalname == "test_notebook_runs_and_every_slider_redraws":
        return "browser learners 1" if name < "06" else "browser learners 2"
    return "browser unrun"


#: file -> function(item) giving the part of the file an item belongs to
PARTS = {
    "tests/test_browser.py": _browser_part,
    # the fifty launches in two halves, one per worker (each launch is two processes importing PyTorch)
    "tests/test_distributed.py": lambda item: "tests/test_distributed.py 2" if "second_half" in item.name
    else "tests/test_distributed.py",
}


def _group(item):
    path = item.nodeid.split("::")[0]
    part = PARTS.get(path)
    return part(item) if part else path


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item)))
    # stable: the long groups first, longest first; the rest keep their order; a group's tests stay in order
    items.sort(key=lambda item: -SECONDS.get(_group(item), 0))
