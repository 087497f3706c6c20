"""How fast every slider widget of the notebooks redraws: ``python -m nnlib.widgets_bench``.

For each widget (the same plot class and slider settings as its notebook cell) the figure is built
once, then every slider is moved step by step from its start value, as a learner's arrow key does,
and each move is timed: ``update`` (nnlib's computation) plus the PNG the browser receives. Printed:
the median and the slowest move per widget, then the median over all widgets against the targets
(at most 50 ms median per move, no widget's median above 100 ms, on a 2-core CPU).

``--drag`` also drags each widget's first slider through a live widget (8 moves 40 ms apart, like a
hand) and prints how many frames were drawn and how long after the last move the last frame was
ready: stale moves are dropped, so a drag settles within about one frame.

Timings depend on the machine and its load: run it on an idle machine, and compare runs made
together. Speed is never asserted in a unit test.
"""
import argparse
import os
import statistics
import sys
import time

#: targets of issue 12, per move (update + PNG), in seconds
TARGET_MEDIAN, TARGET_WORST_WIDGET = 0.050, 0.100


def _steps(start, step, count):
    """The values a slider passes through from ``start``, ``count`` arrow-key steps of ``step``."""
    return [round(start + step * i, 10) for i in range(1, count + 1)]


def _small_layer():
    import numpy as np

    from .plots import layers

    X = np.array([[1.0, 2.0, 0.5], [-1.0, 0.5, 2.0], [0.0, -1.5, 1.0], [2.0, 1.0, -0.5]])
    W = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.5]])
    return layers.WeightedInputPlot(X, W, np.array([0.1, -0.3]))


#: (notebook, widget, "module:factory" making its plot, start values, {slider: values it steps through});
#: the same plots and slider settings as the notebooks' cells
WIDGETS = [
    ("00", "wave", "nnlib.plots.start:WavePlot", {"frequency": 1.0}, {"frequency": _steps(1.0, 0.25, 6)}),
    ("01", "weight", "nnlib.plots.neuron:WeightPlot", {"w": 1.0, "x_input": 1.5},
     {"w": _steps(1.0, 0.25, 6), "x_input": _steps(1.5, 0.25, 4)}),
    ("01", "weighted inputs", "nnlib.plots.neuron:WeightedInputsPlot", {"w1": 1.0, "w2": 0.5, "w3": -1.0},
     {"w1": _steps(1.0, 0.25, 4), "w2": _steps(0.5, 0.25, 4), "w3": _steps(-1.0, 0.25, 4)}),
    ("02", "bias line", "nnlib.plots.neuron:BiasLinePlot", {"b": 0.0, "w": 1.0},
     {"b": _steps(0.0, 0.25, 6), "w": _steps(1.0, 0.25, 4)}),
    ("02", "sigmoid threshold", "nnlib.plots.neuron:SigmoidThresholdPlot", {"w": 1.0, "b": 0.0},
     {"w": _steps(1.0, 0.25, 6), "b": _steps(0.0, 0.5, 6)}),
    ("03", "weighted input", "nnlib.widgets_bench:_small_layer", {"sample": 0, "neuron": 0},
     {"sample": [1, 2, 3], "neuron": [1]}),
    ("03", "layer shapes", "nnlib.plots.layers:LayerShapesPlot", {"batch_size": 4, "n_inputs": 3, "n_neurons": 2},
     {"batch_size": [5, 6, 7], "n_inputs": [4, 5, 6], "n_neurons": [3, 4, 5]}),
    ("04", "activation", "nnlib.plots.activations:ActivationPlot", {"name": "tanh", "x_range": 5.0},
     {"x_range": _steps(5.0, 0.5, 6)}),
    ("04", "parametric", "nnlib.plots.activations:ParametricPlot",
     {"negative_slope": 0.1, "alpha": 1.0, "beta": 1.0, "x_range": 4.0},
     {"negative_slope": _steps(0.1, 0.05, 4), "alpha": _steps(1.0, 0.1, 4), "beta": _steps(1.0, 0.25, 4),
      "x_range": _steps(4.0, 0.5, 4)}),
    ("04", "gradient through depth", "nnlib.plots.activations:DepthPlot", {"depth": 10, "weight_scale": 1.0},
     {"depth": [11, 12, 13, 14], "weight_scale": _steps(1.0, 0.25, 4)}),
    ("04", "dead units", "nnlib.plots.activations:DeadUnitsPlot", {"bias_shift": -1.0},
     {"bias_shift": _steps(-1.0, 0.25, 6)}),
    ("04", "playground", "nnlib.plots.boundary:BoundaryReplayPlot", {"dataset": "spiral", "activation": "relu", "epoch": 100},
     {"epoch": [110, 120, 130, 140, 150, 160]}),
    ("05", "parameter loss", "nnlib.plots.losses:ParameterLossPlot", {"w": 1.0}, {"w": _steps(1.0, 0.25, 6)}),
    ("05", "regression losses", "nnlib.plots.losses:RegressionLossesPlot", {"target": 0.0, "prediction": 1.5, "delta": 1.0},
     {"target": _steps(0.0, 0.25, 4), "prediction": _steps(1.5, 0.25, 4), "delta": _steps(1.0, 0.25, 4)}),
    ("05", "binary losses", "nnlib.plots.losses:BinaryLossesPlot", {"target": 0, "logit": 1.0},
     {"target": [1], "logit": _steps(1.0, 0.5, 6)}),
    ("05", "cross-entropy", "nnlib.plots.losses:CrossEntropyPlot", {"target_class": 0, "logit": 1.0},
     {"target_class": [1, 2], "logit": _steps(1.0, 0.5, 6)}),
    ("05", "outlier fits", "nnlib.plots.losses:OutlierFitsPlot", {"outlier_shift": 0.0, "delta": 1.0},
     {"outlier_shift": _steps(0.0, 0.5, 6), "delta": _steps(1.0, 0.25, 4)}),
    ("06", "descent 1-D", "nnlib.plots.descent:Descent1DPlot", {"learning_rate": 0.02, "steps": 12},
     {"learning_rate": _steps(0.02, 0.01, 6), "steps": [13, 14, 15, 16]}),
    ("06", "descent 2-D", "nnlib.plots.descent:Descent2DPlot", {"learning_rate": 0.02, "steps": 30},
     {"learning_rate": _steps(0.02, 0.01, 6), "steps": [31, 32, 33, 34]}),
    ("06", "backprop step", "nnlib.plots.backprop:BackpropStepPlot", {"step": 0}, {"step": [1, 2, 3, 4, 5, 6]}),
    ("06", "training", "nnlib.plots.backprop:TrainingPlot", {"threshold": 0.01},
     {"threshold": [round(10 ** (-2 + 0.25 * i), 10) for i in range(1, 5)]}),
    ("07", "memory", "nnlib.plots.accumulation:MemoryPlot.example", {"k": 4}, {"k": [5, 6, 7, 8, 9, 10]}),
    ("07", "gradient errors", "nnlib.plots.accumulation:GradientErrorsPlot", {"k": 4, "imbalance": 1.0},
     {"k": [5, 6, 7, 8], "imbalance": _steps(1.0, 0.5, 4)}),
    ("08", "penguin", "nnlib.plots.classification:PenguinPredictionPlot.example",
     {"bill_length_mm": 44.0, "bill_depth_mm": 18.0, "flipper_length_mm": 195.0, "body_mass_g": 3800.0},
     {"bill_length_mm": _steps(44.0, 0.5, 4), "bill_depth_mm": _steps(18.0, 0.1, 4),
      "flipper_length_mm": _steps(195.0, 1.0, 4), "body_mass_g": _steps(3800.0, 50.0, 4)}),
    # a batch-size move only moves the marks; a width or k move measures a new sweep (real timings, about a
    # second, cached per setting), which is a measurement, not a redraw, so it is not timed here
    ("07", "speed (batch size)", "nnlib.plots.speed:SpeedPlot", {"batch_size": 64, "width": 32, "accumulation_steps": 1},
     {"batch_size": [128, 256, 512, 1024]}),
    # every setting starts new sessions from their initial weights (both backends, the defaults of 09)
    ("09", "playground", "nnlib.plots.playground:PlaygroundPlot",
     {"dataset": "circles", "hidden_layers": 2, "width": 4, "activation": "tanh", "learning_rate": 0.3,
      "batch_size": 10, "optimizer": "sgd"},
     {"learning_rate": [1.0, 3.0, 10.0], "batch_size": [20, 50, 100], "width": [5, 6, 7], "hidden_layers": [3, 4]}),
    ("10", "initialization spread", "nnlib.plots.initialization:InitSpreadPlot",
     {"depth": 20, "scale": 1.0, "init": "he_normal", "activation": "relu"},
     {"depth": [21, 22, 23, 24], "scale": _steps(1.0, 0.1, 4), "init": ["glorot_normal", "small"]}),
    ("10", "optimizer race", "nnlib.plots.optimizers:OptimizerRacePlot",
     {"surface": "valley", "lr_sgd": 0.04, "lr_adaptive": 0.1, "beta1": 0.9, "beta2": 0.99, "steps": 100},
     {"lr_sgd": [0.05, 0.063, 0.079], "lr_adaptive": [0.126, 0.158, 0.2], "beta1": _steps(0.9, 0.01, 3),
      "beta2": _steps(0.99, 0.001, 3), "steps": [110, 120, 130]}),
    ("10", "schedules", "nnlib.plots.optimizers:SchedulePlot", {"dataset": "xor", "learning_rate": 0.2, "step_size": 10},
     {"learning_rate": [0.25], "step_size": [11, 12, 13]}),
]


def factory(target):
    """The callable that ``"module:name"`` or ``"module:Class.method"`` names; None while it does not exist."""
    import importlib

    module_name, attribute = target.split(":")
    obj = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _moves(start, sliders):
    """Each slider stepped through its values, the others at their start values."""
    for name, values in sliders.items():
        for value in values:
            yield {**start, name: value}


def time_widget(factory, start, sliders, rounds=1, paired=False):
    """Seconds per move (update + PNG) over every slider's steps, ``rounds`` times.

    With ``paired``, each move is also drawn the way ``interact`` + ``%matplotlib inline`` did it, a
    new Figure per move saved as a PNG with ``bbox_inches="tight"`` (same plotting code), right
    after the live move: returns (live seconds, new-figure seconds).
    """
    plot = factory()
    plot.figure(**start)
    plot.png()
    seconds, fresh = [], []
    for _ in range(rounds):
        plot.redraw(**start)
        for values in _moves(start, sliders):
            t0 = time.perf_counter()
            plot.redraw(**values)
            seconds.append(time.perf_counter() - t0)
            if paired:
                t0 = time.perf_counter()
                _new_figure_png(plot, values)
                fresh.append(time.perf_counter() - t0)
    return (seconds, fresh) if paired else seconds


def _new_figure_png(plot, values):
    """What a move cost before: a new Figure, drawn and saved as the inline backend saves it."""
    import io

    from .plots.live import _one_blas_thread

    live_state = plot.fig, plot._background, plot._animated
    try:
        with _one_blas_thread():  # the same computation as the live move, on the same one BLAS thread
            plot.figure(**values).savefig(io.BytesIO(), format="png", bbox_inches="tight")
    finally:
        plot.fig, plot._background, plot._animated = live_state


def drag(factory, start, sliders, interval=0.04):
    """Drag the first slider through a live widget, one value every ``interval`` s like a hand:
    (moves, frames drawn, seconds from the last move until its frame was ready)."""
    from ipywidgets import Dropdown

    from .widgets import LiveWidget

    name, values = next(iter(sliders.items()))
    control = Dropdown(options=[start[name], *values], value=start[name])  # any control with these values
    widget = LiveWidget(factory(), {**start, name: control})
    for value in values:
        control.value = value
        last = time.perf_counter()
        time.sleep(interval)
    drawn = widget.wait(60)
    return widget.moves, widget.frames, widget.last_frame_at - last if drawn else float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="times each slider is stepped through (default 2)")
    parser.add_argument("--only", default="", help="only widgets whose notebook or name contains this")
    parser.add_argument("--drag", action="store_true", help="also drag each widget's first slider live")
    parser.add_argument("--paired", action="store_true",
                        help="also time a new Figure per move (interact + inline), interleaved, and print the ratio")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    rows, ratios = [], []
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (timings grow with the load)")
    print(f"{'nb':<3} {'widget':<24} {'moves':>5} {'median ms':>10} {'slowest ms':>11}"
          + ("  new-figure ms  ratio" if args.paired else "") + ("   drag: moves frames settle ms" if args.drag else ""))
    for notebook, name, target, start, sliders in WIDGETS:
        if args.only and args.only not in notebook and args.only not in name:
            continue
        make = factory(target)
        if make is None:
            print(f"{notebook:<3} {name:<24} (not a live plot yet: {target})")
            continue
        if args.paired:
            seconds, fresh = time_widget(make, start, sliders, args.rounds, paired=True)
        else:
            seconds = time_widget(make, start, sliders, args.rounds)
        median = statistics.median(seconds)
        rows.append((notebook, name, median))
        line = f"{notebook:<3} {name:<24} {len(seconds):>5} {median * 1e3:>10.1f} {max(seconds) * 1e3:>11.1f}"
        if args.paired:
            ratios.append(statistics.median(fresh) / median)
            line += f"  {statistics.median(fresh) * 1e3:>13.1f}  {ratios[-1]:>5.1f}x"
        if args.drag:
            moves, frames, settled = drag(make, start, sliders)
            line += f"   {moves:>11} {frames:>6} {settled * 1e3:>9.0f}"
        print(line, flush=True)
    if not rows:
        print(f"no widget matches {args.only!r}", file=sys.stderr)
        return 1
    medians = [m for *_, m in rows]
    overall, worst = statistics.median(medians), max(rows, key=lambda r: r[2])
    print(f"\nmedian over {len(rows)} widgets: {overall * 1e3:.1f} ms per move "
          f"(target <= {TARGET_MEDIAN * 1e3:.0f} ms): {'met' if overall <= TARGET_MEDIAN else 'NOT met'}")
    print(f"slowest widget: {worst[0]} {worst[1]}, {worst[2] * 1e3:.1f} ms median "
          f"(target <= {TARGET_WORST_WIDGET * 1e3:.0f} ms): {'met' if worst[2] <= TARGET_WORST_WIDGET else 'NOT met'}")
    if ratios:
        print(f"a new Figure per move (interact + inline) took {statistics.median(ratios):.1f}x as long "
              f"(median of the widgets' paired ratios)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
