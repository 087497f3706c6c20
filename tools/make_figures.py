"""Regenerate every static figure in ``figures/`` from nnlib's plot functions.

Usage::

    .venv/bin/python tools/make_figures.py                 # all figures
    .venv/bin/python tools/make_figures.py activations     # only those whose file name contains a word
    .venv/bin/python tools/make_figures.py --list          # what would be made
    .venv/bin/python tools/make_figures.py --out /tmp/figs # somewhere else

To add a figure, append one line to ``FIGURES``: the file name, the plot function as
``"module:function"`` (it must return a matplotlib Figure) and its keyword arguments. Nothing else
changes; the functions are imported only when their figure is made.
"""
import argparse
import importlib
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window

ROOT = Path(__file__).resolve().parent.parent

#: (file name in figures/, "module:function" returning a Figure, keyword arguments)
FIGURES = [
    ("activations.png", "nnlib.plots.activations:plot_activation_grid", {}),
    ("decision_boundaries.png", "nnlib.plots.boundary:plot_boundaries_grid", {}),
    ("layer_shapes.png", "nnlib.plots.layers:plot_layer_shapes", {"batch_size": 4, "n_inputs": 3, "n_neurons": 2}),
    ("weighted_inputs.png", "nnlib.plots.neuron:plot_weighted_inputs", {"w1": 1.5, "w2": 0.0, "w3": -1.0}),
    ("sigmoid_threshold.png", "nnlib.plots.neuron:plot_sigmoid_threshold", {"w": 1.5, "b": -6.0}),
    ("bias_fit.png", "nnlib.plots.neuron:plot_temperature_fit", {}),
    ("cross_validation.png", "nnlib.plots.classification:plot_penguin_cross_validation", {}),
    ("losses.png", "nnlib.plots.losses:plot_loss_overview", {}),
    ("gradient_descent.png", "nnlib.plots.descent:plot_learning_rate_regimes", {}),
    ("gradient_accumulation_errors.png", "nnlib.plots.accumulation:show_gradient_errors", {"k": 4, "imbalance": 2.0}),
    ("optimizer_race.png", "nnlib.plots.optimizers:plot_race", {"surface": "saddle"}),
    ("initialization_spread.png", "nnlib.plots.initialization:plot_init_spread", {"init": "glorot_normal"}),
]

DPI = 110


def make_figure(filename, target, kwargs, out_dir):
    """Call ``target`` ("module:function") with ``kwargs`` and save its Figure as ``out_dir/filename``."""
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    fig = function(**kwargs)
    path = Path(out_dir) / filename
    # no metadata that changes between runs, so an unchanged figure gives an unchanged file
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="make only figures whose file name contains one of these words")
    parser.add_argument("--out", default=str(ROOT / "figures"), help="output folder (default: figures/)")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    args = parser.parse_args(argv)
    chosen = [f for f in FIGURES if not args.only or any(word in f[0] for word in args.only)]
    if args.list:
        for filename, target, _ in chosen:
            print(f"{filename:<32} {target}")
        return 0
    if not chosen:
        print(f"no figure matches {args.only}; see --list", file=sys.stderr)
        return 1
    Path(args.out).mkdir(parents=True, exist_ok=True)
    for filename, target, kwargs in chosen:
        start = time.perf_counter()
        path = make_figure(filename, target, kwargs, args.out)
        print(f"{path}  ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
