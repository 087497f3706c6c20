"""Every figure the notebooks show is legible: no text leaves the figure, no two texts overlap, no legend covers a text.

Each plot is drawn as its notebook shows it: the widgets of :data:`nnlib.widgets_bench.WIDGETS` (the same plot
classes and start values as the notebooks' cells) at their start values, and, where the plot has a backend
control, with ``backend="both"`` too (the longest captions); then the static figures the notebooks draw. The
check measures every visible text (figure texts, titles, axis labels, tick labels, offset texts, annotations,
captions, legend entries) in pixels with the renderer that drew it. Failing pictures can be saved for a look
with ``NNLIB_LEGIBLE_PNG=/tmp/legible pytest tests/test_figures_legible.py``.
"""
import itertools
import os
from inspect import signature
from pathlib import Path

import matplotlib
import pytest
from matplotlib.legend import Legend
from matplotlib.transforms import Bbox

from nnlib import widgets_bench

matplotlib.use("Agg")

TOLERANCE = 1.0  # pixels: anti-aliasing and rounding of two extents that only touch


def _drawn(text):
    return text.get_visible() and text.get_text().strip() != ""


def _tick_labels(axis):
    # only the ticks inside the view are drawn (the locator may return more)
    ticks = axis._update_ticks()
    return [label for tick in ticks for label in (tick.label1, tick.label2) if label.get_visible()]


def texts_of(fig):
    """``[(owner, text)]`` for every drawn text of ``fig``: owner is the Legend a text belongs to, else None."""
    found = [(None, t) for t in fig.texts]
    for legend in fig.legends:
        found += [(legend, t) for t in [*legend.get_texts(), legend.get_title()]]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        found += [(None, t) for t in (ax.title, ax._left_title, ax._right_title)]
        for axis in (ax.xaxis, ax.yaxis):
            if ax.axison and axis.get_visible():  # ax.axis("off") hides labels and ticks
                found += [(None, axis.label), (None, axis.get_offset_text())]
                found += [(None, t) for t in _tick_labels(axis)]
        found += [(None, t) for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            found += [(legend, t) for t in [*legend.get_texts(), legend.get_title()]]
    return [(owner, t) for owner, t in found if _drawn(t)]


def legends_of(fig):
    return [lg for lg in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]
            if isinstance(lg, Legend) and lg.get_visible()]


def _shrunk(box):
    return Bbox.from_extents(box.x0 + TOLERANCE, box.y0 + TOLERANCE, box.x1 - TOLERANCE, box.y1 - TOLERANCE)


def problems(fig):
    """What makes ``fig`` illegible, as sentences (empty when nothing does). ``fig`` must have been drawn."""
    renderer = fig.canvas.get_renderer()
    page = fig.bbox.padded(TOLERANCE)
    found = []
    boxes = [(owner, t, t.get_window_extent(renderer)) for owner, t in texts_of(fig)]
    for _, t, box in boxes:
        if not (page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1):
            found.append(f"{t.get_text()!r} leaves the figure ({_px(box)} outside {_px(fig.bbox)})")
    for (_, a, box_a), (_, b, box_b) in itertools.combinations(boxes, 2):
        if _shrunk(box_a).overlaps(_shrunk(box_b)):
            found.append(f"{a.get_text()!r} overlaps {b.get_text()!r}")
    # a legend's frame may hold its own texts; any other text under it is hidden
    for legend in legends_of(fig):
        frame = _shrunk(legend.get_window_extent(renderer))
        for owner, t, box in boxes:
            if owner is not legend and frame.overlaps(_shrunk(box)):
                found.append(f"the legend ({', '.join(x.get_text() for x in legend.get_texts())}) covers {t.get_text()!r}")
    return found


def _px(box):
    return "x {:.0f}..{:.0f}, y {:.0f}..{:.0f}".format(box.x0, box.x1, box.y0, box.y1)


def _check(fig, name, png=None):
    found = problems(fig)
    folder = os.environ.get("NNLIB_LEGIBLE_PNG")
    if folder:  # the picture the notebook shows: a widget's frame, else the figure at its own size and dpi
        path = Path(folder) / (name.replace(" ", "_").replace("/", "_") + ".png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png) if png is not None else fig.savefig(path)
    assert not found, f"{name}:\n  " + "\n  ".join(found)


# ------------------------------------------------------------------------------- the widgets
def widget_cases():
    cases = []
    for notebook, name, target, start, _ in widgets_bench.WIDGETS:
        cases.append(pytest.param(target, start, None, id=f"{notebook}-{name}"))
        # a factory (Class.example) is a classmethod: look at the class it builds only when drawn
        cases.append(pytest.param(target, start, "both", id=f"{notebook}-{name}-both"))
    return cases


@pytest.mark.parametrize("target, start, backend", widget_cases())
def test_every_widget_is_legible(target, start, backend, request):
    plot = widgets_bench.factory(target)()
    if backend is not None:
        if "backend" not in signature(plot.update).parameters:
            pytest.skip("no backend control")
        start = {**start, "backend": backend}
    plot.figure(**start)
    png = plot.png()  # drawn as the widget draws it: constrained layout once, then frozen
    _check(plot.fig, request.node.callspec.id, png)


# ------------------------------------------------------------------------------- the static figures
def _static_figures():
    """(id, function returning a Figure) for the plot functions the notebooks call, with the notebooks' arguments
    (data that a notebook trains for is replaced by numbers of the same shape and size: only the texts matter)."""
    import numpy as np

    def network():  # 01
        from nnlib.plots.network import plot_network
        rng = np.random.default_rng(0)
        return plot_network([3, 4, 2], [rng.normal(size=(4, 3)), rng.normal(size=(2, 4))],
                            layer_names=["inputs", "layer 1", "outputs"],
                            node_labels=[["x₁", "x₂", "x₃"], None, ["y₁", "y₂"]],
                            highlight_edges=[(0, i, 0) for i in range(3)], highlight_nodes=[(1, 0)],
                            title="the amber lines are the 3 weights of neuron 0 of layer 1: the row W1[0]")

    def bias_fit():  # 02
        from nnlib.plots.neuron import plot_bias_fit, temperature_data
        return plot_bias_fit(*temperature_data(), xlabel="degrees Celsius", ylabel="degrees Fahrenheit")

    def pair_grid():  # 08
        from nnlib.datasets import NUMERIC_FEATURES, load_penguins
        from nnlib.plots.classification import plot_pair_grid
        return plot_pair_grid(*load_penguins(), NUMERIC_FEATURES)

    def fold_scores():  # 08
        from nnlib.plots.classification import plot_fold_scores
        rng = np.random.default_rng(0)
        return plot_fold_scores({"nnlib numpy": 0.97 + 0.02 * rng.random(5), "nnlib torch": 0.97 + 0.02 * rng.random(5),
                                 "sklearn MLPClassifier": 0.96 + 0.03 * rng.random(5),
                                 "majority baseline": np.full(5, 0.442)})

    def history():  # 08
        from nnlib.plots.classification import plot_history
        epochs = np.arange(1, 61)
        return plot_history({"loss": 1 / epochs, "val_loss": 1.2 / epochs, "accuracy": 1 - 0.5 / epochs,
                             "val_accuracy": 1 - 0.6 / epochs}, title="numpy backend")

    def confusion():  # 08
        from nnlib.plots.classification import plot_confusion_matrix
        return plot_confusion_matrix(np.array([[30, 1, 0], [1, 13, 0], [0, 0, 25]]), ["Adelie", "Chinstrap", "Gentoo"],
                                     title="Test rows, nnlib numpy")

    def playground(**kw):  # 09
        def draw():
            from nnlib.plots.playground import plot_playground
            return plot_playground(steps=300, **kw)
        return draw

    def make_figures(name):  # the README's pictures (tools/make_figures.py)
        def draw():
            import importlib
            import sys
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
            filename, target, kwargs = next(f for f in importlib.import_module("make_figures").FIGURES if f[0] == name)
            return widgets_bench.factory(target)(**kwargs)
        return draw

    figures = [("01-network", network), ("02-bias-fit", bias_fit), ("08-pair-grid", pair_grid),
               ("08-fold-scores", fold_scores), ("08-history", history), ("08-confusion", confusion),
               ("09-playground-after-300-steps", playground(dataset="moons")),
               ("09-playground-numpy", playground(dataset="moons", backend="numpy"))]
    for name in ("activations.png", "decision_boundaries.png", "layer_shapes.png", "weighted_inputs.png",
                 "sigmoid_threshold.png", "bias_fit.png", "cross_validation.png", "losses.png",
                 "gradient_descent.png", "gradient_accumulation_errors.png"):
        figures.append((f"figures-{name[:-4]}", make_figures(name)))
    return figures


@pytest.mark.parametrize("name, draw", _static_figures(), ids=[n for n, _ in _static_figures()])
def test_every_static_figure_is_legible(name, draw):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = draw()
    FigureCanvasAgg(fig)  # a bare Figure has no renderer until it gets a canvas
    fig.canvas.draw()
    _check(fig, name)


# ------------------------------------------------------------------------------- the check itself
def test_the_check_finds_overlapping_and_cut_texts():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.text(0.5, 0.5, "one", transform=ax.transAxes)
    ax.text(0.52, 0.5, "two", transform=ax.transAxes)
    fig.text(0.95, 0.5, "far too long to fit")
    ax.plot([0, 1], label="a line")
    ax.legend(loc="center")
    fig.canvas.draw()
    found = "\n".join(problems(fig))
    assert "'one' overlaps 'two'" in found
    assert "'far too long to fit' leaves the figure" in found
    assert "the legend (a line) covers 'one'" in found


# ------------------------------------------------------------------------------- what is not a text
def test_a_legend_lies_over_the_live_artists():
    # 04: the live "slope < 0.05" band covered the still legend that names it
    import io

    import numpy as np
    from PIL import Image

    from nnlib.plots.activations import ActivationPlot

    plot = ActivationPlot()
    plot.figure(name="tanh", x_range=5.0)
    image = np.asarray(Image.open(io.BytesIO(plot.png())).convert("RGB"))
    legend = plot.ax_slope.get_legend().get_window_extent()
    # the legend's frame is white and its text dark; under the band it was all grey
    inside = image[image.shape[0] - int(legend.y1) + 3:image.shape[0] - int(legend.y0) - 3,
                   int(legend.x0) + 3:int(legend.x1) - 3]
    assert (inside.min(axis=2) > 245).mean() > 0.5


def test_the_penguin_scatters_hug_the_clouds():
    # 08: the star's first position (0, 0) stretched both axes from 0 and squeezed the clouds into a corner
    import numpy as np

    plot = widgets_bench.factory("nnlib.plots.classification:PenguinPredictionPlot.example")()
    plot.figure(bill_length_mm=44.0, bill_depth_mm=18.0, flipper_length_mm=195.0, body_mass_g=3800.0)
    plot.png()
    for ax, (cx, cy) in zip(plot.axes[:2], plot.PAIRS):
        data = np.asarray(plot.X[[cx, cy]], dtype=float)
        low = np.nanmin(data, axis=0)
        assert ax.get_xlim()[0] > 0.8 * low[0] and ax.get_ylim()[0] > 0.8 * low[1], (cx, cy)
