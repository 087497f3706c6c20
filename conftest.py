"""How the test command shares its work between pytest-xdist's workers (three: see pyproject.toml).

The work goes out in groups (:func:`group`): a test file is one group, so a module's fixtures (a JupyterLab
server, a fitted model) are built once and every cell of a notebook runs in nbval's one kernel, in order, on
one worker, as ``--dist loadfile`` does. The browser test is cut into parts that run on two workers at
once (:data:`PARTS`). The groups are handed out longest first (:data:`SECONDS`; ``--no-loadscope-reorder``
keeps that order, xdist's own order is by number of tests): the worker that finishes a long group picks up the
short ones, so no long group starts last. The seconds only order the groups: a wrong figure makes a run
slower, never a test fail.

(xdist's ``--dist loadgroup`` with ``xdist_group`` marks would do this, but under pytest 9 it renames no
test and so groups nothing: it sent a notebook's cells to both workers. Hence :class:`GroupScheduling`.)
"""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "tests"))  # as pytest does for the test modules
import _forked_kernel  # noqa: E402

#: roughly how long each long group takes on the 2-core machine with three or four workers (s); groups not
#: named here come after these
SECONDS = {
    "tests/test_headless_execute.py": 280,
    "tests/test_browser.py learners 1": 270, "tests/test_browser.py learners 2": 250,
    "tests/test_distributed.py": 90,  # its launches: two processes each, CPU-bound
    "tests/test_figures_legible.py": 210, "tests/test_portability.py": 135,
    "tests/test_persistence.py": 115,
    "tests/test_nbgrader.py": 100,
    "notebooks/solutions/07_gradient_accumulation.ipynb": 30, "notebooks/07_gradient_accumulation.ipynb": 25,
    "notebooks/08_complete_example.ipynb": 27, "notebooks/solutions/08_complete_example.ipynb": 25,
    "notebooks/10_optimizers_and_initialization.ipynb": 18,
}


def _browser_part(test):
    """The learner versions' runs in two halves, each with its own JupyterLab and browser (the module's
    fixtures); the tests that open notebooks without running them (Notebook 7 too) with the first half,
    which runs the shorter notebooks, in its JupyterLab and browser (a third pair cost 10 s to start)."""
    if test.startswith("test_notebook_runs_and_every_slider_redraws["):
        return " learners 1" if test.split("[")[1] < "07" else " learners 2"
    return " learners 1"


#: file -> function(test name with its parameters) giving the suffix of the part of the file it belongs to
PARTS = {
    "tests/test_browser.py": _browser_part,
}


#: files that run in another file's group: the widgets' plots cache what they compute (the torch backend's
#: gradient-error curves of 07 take seconds), so the files that draw every widget draw them in one process
SAME_GROUP = {"tests/test_plots_live.py": "tests/test_figures_legible.py"}


def group(nodeid):
    """The group of a test: its file, or a part of its file (:data:`PARTS`), or another file's (:data:`SAME_GROUP`)."""
    path, _, test = nodeid.partition("::")
    path = SAME_GROUP.get(path, path)
    part = PARTS.get(path)
    return path + (part(test) if part else "")


def pytest_configure(config):
    """Each process that runs tests starts its kernels from a :class:`_forked_kernel.KernelServer` (about 3 s
    of imports less per kernel: tests/_forked_kernel.py); ``NNLIB_FRESH_KERNELS=1`` starts every kernel the
    ordinary way. xdist's controller runs no test and starts none."""
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    log = Path(__file__).parent / "test-output" / f"kernel-server-{worker}.log"
    log.parent.mkdir(exist_ok=True)
    log.unlink(missing_ok=True)
    config._kernel_server = server = _forked_kernel.KernelServer(log)
    os.environ.update(server.environ())


def pytest_unconfigure(config):
    server = getattr(config, "_kernel_server", None)
    if server is not None:
        server.stop()


def pytest_collection_modifyitems(config, items):
    # stable: the long groups first, longest first; the rest keep their order; a group's tests stay in order
    items.sort(key=lambda item: -SECONDS.get(group(item.nodeid), 0))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` by :func:`group` instead of by file."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return group(nodeid)

    return GroupScheduling(config, log)
