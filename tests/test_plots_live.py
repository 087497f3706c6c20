"""nnlib.plots.live and nnlib.widgets: figures updated in place, stale moves dropped, backends compared."""
import io
import re
import threading
import time

import numpy as np
import pytest
from ipywidgets import FloatSlider, ToggleButtons
from PIL import Image

import nnlib
from nnlib import widgets
from nnlib.plots import live
from nnlib.plots.activations import ActivationPlot


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


class Dot(live.LivePlot):
    """A dot at (x, x²) and a title that changes only with ``title``: the smallest live plot."""

    figsize = (3, 2)

    def __init__(self, delay=0.0):
        super().__init__()
        self.delay, self.updates = delay, []

    def setup(self, fig):
        self.ax = fig.subplots()
        (self.dot,) = self.ax.plot([], [], "o", ms=12)
        self.live(self.dot)
        self.set_limits(self.ax, x=(-3, 3), y=(-1, 10))

    def update(self, x=0.0, title="dot"):
        self.updates.append(x)
        time.sleep(self.delay)
        self.dot.set_data([x], [x * x])
        self.set_title(self.ax, title)


def test_encode_png_round_trips_exactly():
    rgba = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    np.testing.assert_array_equal(pixels(live.encode_png(rgba)), rgba[:, :, :3])


@pytest.mark.parametrize("title", ["dot", "a new title"])
def test_an_updated_figure_shows_what_a_fresh_one_shows(title):
    # blitted (title unchanged) or fully redrawn (title changed): the frame equals a fresh figure's
    plot = Dot()
    plot.figure(x=-2.0)
    first = plot.png()
    plot.update(x=1.5, title=title)
    moved = plot.png()
    fresh = Dot()
    fresh.figure(x=1.5, title=title)
    np.testing.assert_array_equal(pixels(moved), pixels(fresh.png()))
    assert not np.array_equal(pixels(moved), pixels(first))


def test_only_a_changed_title_or_limit_makes_a_full_redraw():
    plot = Dot()
    fig = plot.figure(x=0.0)
    plot.png()
    plot.update(x=1.0)
    assert not fig.stale  # the dot is animated: blitting is enough
    plot.update(x=1.0, title="other")
    assert fig.stale


def test_static_figure_draws_the_animated_artists():
    fig = Dot().figure(x=1.0)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    empty = io.BytesIO()
    Dot().figure(x=100.0).savefig(empty, format="png")  # the dot off the axes
    assert not np.array_equal(pixels(buffer.getvalue()), pixels(empty.getvalue()))


def test_stale_moves_are_dropped_and_the_last_one_is_drawn():
    plot = Dot(delay=0.05)
    slider = FloatSlider(value=0.0, min=-3, max=3, step=0.1)
    w = widgets.live(plot, x=slider)
    for i in range(1, 21):
        slider.value = round(-2 + 0.2 * i, 1)  # 20 moves while each frame takes 50 ms
    assert w.wait(10)
    assert w.moves == 20
    assert 1 <= w.frames <= 4, f"{w.frames} frames for 20 quick moves: stale moves were drawn"
    assert plot.updates[-1] == slider.value == 2.0
    fresh = Dot()
    fresh.figure(x=2.0)
    np.testing.assert_array_equal(pixels(w.image.value), pixels(fresh.png()))


def test_moves_apart_are_each_drawn():
    plot = Dot()
    slider = FloatSlider(value=0.0, min=-3, max=3, step=0.5)
    w = widgets.live(plot, x=slider)
    for value in (0.5, 1.0, 1.5):
        slider.value = value
        assert w.wait(10)
    assert w.frames == 3 and plot.updates[1:] == [0.5, 1.0, 1.5]


def test_fixed_values_are_passed_and_repr_is_short():
    w = widgets.live(Dot(), x=FloatSlider(value=1.0), title="fixed title")
    assert w.plot.ax.get_title() == "fixed title"
    assert repr(w) == "Dot(title='fixed title', x=1.0)"


class Picky(Dot):
    def update(self, x=0.0, title="dot"):
        if x == 0.5:
            raise ValueError("x: no dot at 0.5")
        super().update(x, title)


def test_a_failing_update_shows_the_error_and_the_widget_keeps_working():
    slider = FloatSlider(value=0.0)
    w = widgets.live(Picky(), x=slider)
    slider.value = 0.5
    assert w.wait(10)
    assert "no dot at 0.5" in w.error.value and w.error.layout.display is None
    slider.value = 1.0
    assert w.wait(10)
    assert w.error.layout.display == "none" and w.plot.updates[-1] == 1.0


def test_backend_control_offers_cuda_only_when_available(monkeypatch):
    monkeypatch.setattr(live, "cuda_available", lambda: False)
    assert [v for _, v in widgets.backend_control().options] == ["numpy", "torch", "both"]
    monkeypatch.setattr(live, "cuda_available", lambda: True)
    assert [v for _, v in widgets.backend_control().options] == ["numpy", "torch", "both", "cuda"]


def test_compute_calls_nnlibs_two_modules():
    seen = []

    def square(b):
        seen.append(b.nn)
        return b.nn.ReLU().value(b.tensor([-1.0, 2.0]))

    results = live.compute("both", square)
    assert seen == [nnlib.numpy_nn, nnlib.torch_nn]
    assert set(results) == {"numpy", "torch"}
    assert all(isinstance(r, np.ndarray) for r in results.values())
    np.testing.assert_array_equal(results["torch"], [0.0, 2.0])
    assert live.max_difference(results) == 0.0
    assert live.max_difference({"numpy": results["numpy"]}) is None
    assert live.max_difference({"numpy": np.array([1.0, 2.0]), "torch": np.array([1.0, 2.5])}) == 0.5


def test_captions_name_the_backend_and_the_difference():
    assert live.backend_caption({"numpy": np.zeros(2)}) == "computed by NumPy"
    assert live.backend_caption({"torch": np.zeros(2)}) == "computed by PyTorch (cpu)"
    text = live.backend_caption({"numpy": np.zeros(2), "torch": np.array([0.0, 3e-16])})
    assert text == "NumPy vs PyTorch (cpu): max |difference| = 3e-16"


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="backend: expected one of"):
        live.chosen_backends("jax")
    with pytest.raises(ValueError, match="backend: expected 'numpy', 'torch' or 'cuda', got 'tpu'"):
        live.Backend("tpu")


def test_nice_limits_hold_the_data_and_do_not_move_for_small_changes():
    lo, hi = live.nice_limits(np.array([-0.93, 0.97]))
    assert lo <= -0.93 and hi >= 0.97
    assert live.nice_limits(np.array([-0.94, 0.98])) == (lo, hi)
    assert live.nice_limits(np.array([np.nan, np.inf])) == (-1.0, 1.0)


def test_backend_toggle_switches_what_the_activation_plot_draws():
    toggle = ToggleButtons(options=live.backend_options(), value="numpy")
    w = widgets.LiveWidget(ActivationPlot(), {"name": "tanh", "backend": toggle}, threaded=False)
    plot = w.plot
    visible = lambda: {k for k, line in plot.value_lines.lines.items() if line.get_visible()}  # noqa: E731
    frames = {"numpy": w.image.value}
    assert visible() == {"numpy"} and plot.caption.get_text() == "computed by NumPy"
    for value in ("torch", "both"):
        toggle.value = value
        frames[value] = w.image.value
    assert visible() == {"numpy", "torch"}
    difference = float(re.search(r"max \|difference\| = (\S+)", plot.caption.get_text()).group(1))
    assert difference < 1e-12
    assert len({bytes(f) for f in frames.values()}) == 3  # each choice draws a different picture
    assert "max |difference|" in w.status.value  # the caption, as text beside the image too


# ------------------------------------------------------------------------ every widget of the course
from inspect import signature  # noqa: E402

from nnlib import widgets_bench  # noqa: E402


@pytest.mark.parametrize("notebook, name, target, start, sliders", widgets_bench.WIDGETS,
                         ids=[f"{nb}-{name}" for nb, name, *_ in widgets_bench.WIDGETS])
def test_every_widget_redraws_in_place_and_compares_backends(notebook, name, target, start, sliders):
    plot = widgets_bench.factory(target)()
    fig = plot.figure(**start)
    before = plot.png()
    for slider, values in sliders.items():  # every slider's first step changes the picture
        after = plot.redraw(**{**start, slider: values[0]})
        assert plot.fig is fig, "a move must not build a new Figure"
        assert after != before, f"{slider} = {values[0]} drew the same picture"
        before = plot.redraw(**start)
    if "backend" not in signature(plot.update).parameters:
        # the speed plot times every implementation at once: it is the comparison, not one backend's picture
        assert notebook in ("00", "03") or name.startswith("speed"), \
            f"{name} plots an nnlib computation but has no backend control"
        return
    frames = {backend: plot.redraw(**start, backend=backend) for backend in ("numpy", "torch", "both")}
    assert len(set(frames.values())) == 3, "NumPy, PyTorch and both must draw different pictures"
    caption = plot.caption.get_text()
    if name == "memory":  # each backend measures its own quantity: their gap is megabytes, not round-off
        assert re.search(r"NumPy's peak is [\d.]+ MB (more|less) than", caption) and "not round-off" in caption, caption
        return
    difference = float(re.search(r"max \|difference\| = (\d[-+.e\d]*)", caption).group(1))
    # training: rounding differences grow over 1000 epochs on the XOR plateau (see training_caption)
    assert difference < (1e-3 if name == "training" else 1e-6), caption


def test_widgets_bench_runs_and_reports_the_targets(capsys):
    # a smoke run: what it prints, never how fast (speed is not asserted in unit tests)
    assert widgets_bench.main(["--only", "wave", "--rounds", "1", "--paired", "--drag"]) == 0
    out = capsys.readouterr().out
    assert "00  wave" in out and "(target <= 50 ms)" in out and "(target <= 100 ms)" in out
    assert "paired ratios" in out
    assert widgets_bench.main(["--only", "no such widget"]) == 1


@pytest.mark.cuda
@pytest.mark.skipif(not live.cuda_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("notebook, name, target, start, sliders",
                         [w for w in widgets_bench.WIDGETS if w[0] not in ("00", "03") or w[1] == "weighted input"],
                         ids=lambda v: v if isinstance(v, str) and not v.startswith("nnlib") else None)
def test_every_widget_draws_on_cuda_and_says_so(notebook, name, target, start, sliders):
    plot = widgets_bench.factory(target)()
    if "backend" not in signature(plot.update).parameters:
        pytest.skip(f"{name} has no backend control")
    plot.figure(**start, backend="cuda")
    assert plot.png()
    if name != "penguin":  # 08 gets a CUDA pipeline only where the notebook loads one
        assert "PyTorch (cuda)" in plot.caption.get_text() or name == "memory"


# ------------------------------------------------------------------- a legend shows the lines as drawn
def _legend_entries(legend):
    """Per legend entry, the (colour, line style) of each line its handle draws."""
    from matplotlib.lines import Line2D

    return [[(line.get_color(), line.get_linestyle()) for line in row.get_children()[0].get_children()
             if isinstance(line, Line2D)]
            for column in legend._legend_handle_box.get_children() for row in column.get_children()]


def test_legend_entries_look_like_the_lines_for_each_backend():
    from nnlib.plots.activations import DepthPlot
    from nnlib.plots.neuron import WeightPlot

    plot = DepthPlot()
    plot.figure(backend="both")
    both = _legend_entries(plot.fig.axes[0].get_legend())
    # every activation's entry: its colour solid (NumPy) under black dashes (PyTorch), as on the axes
    assert len(both) == 4 and all(len(e) == 2 and e[1] == ("k", "--") for e in both)
    plot.update(backend="numpy")
    assert [len(e) for e in _legend_entries(plot.fig.axes[0].get_legend())] == [1, 1, 1, 1]
    weight = WeightPlot()
    weight.figure(w=-2.0)  # a negative weight draws the line in the negative colour: so does its entry
    entry = _legend_entries(weight.fig.axes[0].get_legend())[1]
    assert entry == [(weight.line.lines["numpy"].get_color(), "-")]
