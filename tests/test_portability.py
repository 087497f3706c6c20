"""Portability stage: every solution notebook, run again with other numeric kernels, shows its stored outputs.

nbval (the main stage) runs each notebook with the kernels this machine picks by itself. Another computer
picks others: OpenBLAS chooses its matrix kernels by CPU (Haswell, SkylakeX, ...), PyTorch its vector
code (AVX-512, AVX2, none), MKL its own, and the thread count decides how sums are split. Each changes
the last digits of results, so a notebook that prints rounding noise passes here and fails there. This
stage switches all of them, through the libraries' own environment variables, and requires the same
outputs, compared the way nbval compares them (same sanitizer file, same skipped fields, cells marked
``# NBVAL_IGNORE_OUTPUT`` skipped). Each setting below was checked to change results on this machine:

- ``OPENBLAS_CORETYPE=Prescott``: NumPy's matrix products with OpenBLAS's SSE3 kernels (no FMA);
- ``ATEN_CPU_CAPABILITY=default``: PyTorch's element-wise functions (sigmoid, GELU, softplus...) without
  AVX2/AVX-512;
- ``MKL_CBWR=COMPATIBLE``: PyTorch's matrix products through MKL's compatible (non-FMA) code path;
- ``OMP_NUM_THREADS=1``: one thread, so PyTorch's parallel sums add up in another order.

The notebooks run through papermill's ``execute_notebook`` (its nbclient engine), so this stage also shows
that papermill runs every solution notebook without an error (the learner versions go through papermill in
``test_headless_execute.py``): only the solution versions (the learner versions print the same numbers in
the same cells), once, with all four settings at once: about as long as nbval's run of the solutions.
The same run shows that every exercise check of every solution passes (a verdict line, each one ✅).
"""
import copy
import difflib
import os
import re
from collections import defaultdict
from pathlib import Path

import _forked_kernel
import nbformat
import pytest

papermill = pytest.importorskip("papermill")
nbval_plugin = pytest.importorskip("nbval.plugin")

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"

#: the other numeric kernels (see the module's docstring for what each changes)
ALTERNATE_KERNELS = {"OPENBLAS_CORETYPE": "Prescott", "ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE",
                     "OMP_NUM_THREADS": "1"}
#: seconds one cell may take, as nbval's --nbval-cell-timeout in pyproject.toml
CELL_TIMEOUT = 120
#: what nbval 0.11 leaves out of the comparison (IPyNbFile.skip_compare without --nbdime)
SKIP_COMPARE = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg")


def comparable(outputs, patterns):
    """An output list as nbval compares it: streams joined, skipped fields dropped, text sanitized; by field."""
    def sanitize(value):
        if isinstance(value, str):
            for regex, replace in patterns:
                value = re.sub(regex, replace, value)
        return value

    by_key = defaultdict(list)
    outputs = nbval_plugin.transform_streams_for_comparison(nbval_plugin.coalesce_streams(copy.deepcopy(outputs)))
    for output in outputs:
        for key, value in output.items():
            if key in SKIP_COMPARE:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIP_COMPARE:
                        by_key[mime].append(sanitize(data))
            else:
                by_key[key].append(sanitize(value))
    return dict(by_key)


def compared(cell):
    """Whether nbval compares this cell's outputs (not marked to be ignored or skipped, and run when stored)."""
    options = dict(nbval_plugin.find_metadata_tags(cell.metadata))
    options.update(nbval_plugin.find_comment_markers(cell.source))
    return options.get("check", True) and not options.get("skip") and cell.execution_count is not None


def _text(by_key):
    return "\n".join(f"[{key}]\n" + "\n".join(str(v) for v in values) for key, values in sorted(by_key.items()))


@pytest.fixture(scope="module")
def alternate_kernel_server():
    """Kernels forked from a Python that loaded NumPy, SciPy and PyTorch under :data:`ALTERNATE_KERNELS` (the
    libraries read them when they load: tests/_forked_kernel.py), so each notebook's kernel starts without
    importing them again, with the same kernels a fresh process would pick."""
    with _forked_kernel.KernelServer(ROOT / "test-output" / "kernel-server-portability.log",
                                     env=dict(os.environ, **ALTERNATE_KERNELS)) as server:
        yield server


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_stored_outputs_with_other_numeric_kernels(path, tmp_path, monkeypatch, alternate_kernel_server):
    stored = nbformat.read(path, as_version=4)
    for name, value in {**ALTERNATE_KERNELS, **alternate_kernel_server.environ()}.items():
        monkeypatch.setenv(name, value)  # the kernel papermill starts inherits them
    # raises PapermillExecutionError on any error output, as the papermill command exits 1 on it
    fresh = papermill.execute_notebook(path, tmp_path / path.name, kernel_name="python3", cwd=path.parent,
                                       progress_bar=False, request_save_on_cell_execute=False,
                                       execution_timeout=CELL_TIMEOUT)

    code = [i for i, c in enumerate(stored.cells) if c.cell_type == "code"]
    problems = []
    patterns = nbval_plugin.get_sanitize_patterns(SANITIZE.read_text())
    for n, i in enumerate(code):
        if not compared(stored.cells[i]):
            continue
        want, got = comparable(stored.cells[i].outputs, patterns), comparable(fresh.cells[i].outputs, patterns)
        if want != got:
            diff = "\n".join(difflib.unified_diff(_text(want).splitlines(), _text(got).splitlines(),
                                                  "stored", "with other kernels", lineterm="", n=1))
            problems.append(f"Cell {n} shows other outputs with {ALTERNATE_KERNELS}: print rounding noise against "
                            f"a bound (nnlib.compare.agreement), trained results at a precision no kernel moves\n{diff}")
    assert not problems, f"{path.name}:\n" + "\n\n".join(problems)

    # every exercise check of the solution passes in this fresh run, cells nbval skips included (the browser
    # test ran each solution in JupyterLab for this; the learner versions run there, whose widget code is this)
    verdicts = [line for c in fresh.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "stream"
                for line in o.get("text", "").splitlines() if line.startswith(("✅", "❌"))]
    assert verdicts, f"{path.name}: no exercise check printed a verdict"
    assert all(v.startswith("✅") for v in verdicts), f"{path.name}: checks that did not pass: {verdicts}"
