r"""One neuron, :math:`y = w \cdot x + b`: what its weights and its bias do. Used by ``01_weights`` and ``02_bias``.

Data (unit-tested, no drawing): :func:`weighted_sum`, :func:`weight_effect`, :func:`decision_threshold`,
:func:`classify`, :func:`fit_line`, :func:`mse` and two small data sets, :func:`study_hours_data` (pass or
fail an exam after some hours of study: a threshold that is not at 0) and :func:`temperature_data`
(Celsius to Fahrenheit: a line that does not pass through the origin).

Drawing (slider callbacks, each returning a Figure): :func:`plot_weight` (one input, one weight),
:func:`plot_weighted_sum` (n inputs, n weights, as a diagram and as a sum; :func:`plot_weighted_inputs` is
its three-slider version), :func:`plot_bias_line`, :func:`plot_sigmoid_threshold` and :func:`plot_bias_fit`
(:func:`plot_temperature_fit` draws it for the temperatures).
"""
import numpy as np
from matplotlib.figure import Figure

from .live import Backend, BackendLines, LivePlot, backend_caption, caption_text, compute
from .network import NEGATIVE, POSITIVE, draw_network

#: the inputs of the three-input neuron in ``01_weights``
THREE_INPUTS = (1.0, 0.5, -1.0)
#: the slider range of a weight: the diagram draws this size at full width in every frame
WEIGHT_LIMIT = 2.0
LABEL_BOX = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}  #: keeps a label readable
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def neuron_output(x, w, b=0.0, backend="numpy", sigmoid=False):
    r""":math:`y = w \cdot x + b` (then :math:`\sigma` if ``sigmoid``) computed by nnlib's ``Linear`` layer.

    ``x`` holds one input per row (shape (n,) for one weight, (n, k) for k weights); ``backend`` is
    "numpy", "torch", "cuda" or a :class:`~nnlib.plots.live.Backend`. Returns a NumPy array (n,).
    """
    bk = backend if isinstance(backend, Backend) else Backend(backend)
    w = np.atleast_1d(np.asarray(w, dtype=np.float64))
    layer = bk.place(bk.nn.Linear(w.size, 1))
    layer.weight.data[...] = bk.tensor(w[None, :])
    layer.bias.data[...] = bk.tensor([float(b)])
    out = layer.forward(bk.tensor(np.asarray(x, dtype=np.float64).reshape(-1, w.size)))
    if sigmoid:
        out = bk.nn.Sigmoid().forward(out)
    return bk.numpy(out)[:, 0]


# ------------------------------------------------------------------------------------------ data
def weighted_sum(x, w, b=0.0):
    r""":math:`y = \sum_i w_i x_i + b`, for one sample or a batch.

    Parameters
    ----------
    x : array_like, shape (n,) or (N, n)
        One sample with n inputs, or N samples.
    w : array_like, shape (n,)
        One weight per input.
    b : float

    Returns
    -------
    float for one sample, ndarray of shape (N,) for a batch.
    """
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if w.ndim != 1 or x.shape[-1:] != w.shape:
        raise ValueError(f"x, w: expected x of shape (n,) or (N, n) and w of shape (n,), "
                         f"got x {x.shape} and w {w.shape}")
    y = x @ w + b
    return float(y) if y.ndim == 0 else y


def weight_effect(w):
    """One sentence on what the weight ``w`` of :math:`y = w x` does to its input: size and sign."""
    w = float(w)
    if w == 0:
        return "w = 0: the output is always 0, the input is ignored"
    size = abs(w)
    if np.isclose(size, 1.0):
        what = "keeps the input's size"
    elif size > 1:
        what = "stretches the input"
    else:
        what = "shrinks the input"
    return f"w = {w:g}: {what}" + (" and flips its sign" if w < 0 else "")


def decision_threshold(w, b):
    r"""The input where a sigmoid neuron changes its mind: :math:`\sigma(wx + b) = 0.5 \iff wx + b = 0
    \iff x = -b/w`.

    Returns ``None`` when ``w == 0``: then :math:`\sigma(b)` is the same for every input, there is no threshold.
    """
    w, b = float(w), float(b)
    return None if w == 0 else -b / w + 0.0  # + 0.0 turns -0.0 (b = 0) into 0.0


def classify(x, w, b):
    r"""A sigmoid neuron's yes/no answer: 1 where :math:`\sigma(wx + b) \ge 0.5`, i.e. where :math:`wx + b \ge 0`."""
    return (w * np.asarray(x, dtype=np.float64) + b >= 0).astype(int)


def study_hours_data(n=24, seed=0):
    """Hours studied by ``n`` students and whether they passed (1) or failed (0).

    Everyone below 4 hours failed and everyone above passed, so a neuron needs its threshold at about
    4, not at 0: that takes a bias.

    Returns
    -------
    hours : ndarray, shape (n,), sorted
    passed : ndarray of int, shape (n,)
    """
    rng = np.random.default_rng(seed)
    failed = rng.uniform(0.5, 3.6, n // 2)
    passed = rng.uniform(4.4, 9.5, n - n // 2)
    hours = np.concatenate([failed, passed])
    labels = np.concatenate([np.zeros(n // 2, int), np.ones(n - n // 2, int)])
    order = np.argsort(hours)
    return hours[order].round(1), labels[order]


def temperature_data(n=12, noise=1.5, seed=0):
    r"""``n`` thermometer readings: degrees Celsius and the same temperature in Fahrenheit, read with noise.

    The true rule is :math:`F = 1.8\,C + 32`: at 0 °C it is 32 °F, not 0, so no line through the origin fits.

    Returns
    -------
    celsius, fahrenheit : ndarray, shape (n,)
    """
    rng = np.random.default_rng(seed)
    celsius = np.linspace(-10.0, 35.0, n)
    return celsius, 1.8 * celsius + 32.0 + rng.normal(0.0, noise, n)


def fit_line(x, y, bias=True):
    r"""Least-squares line through the points: ``(w, b)`` minimising :math:`\frac1n\sum (w x_i + b - y_i)^2`.

    With ``bias=False`` the line must pass through the origin (``b = 0``), and the best slope is
    :math:`w = \sum x_i y_i / \sum x_i^2`. With a bias: :math:`w = \mathrm{cov}(x, y)/\mathrm{var}(x)`,
    :math:`b = \bar y - w \bar x`.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if not bias:
        return float(x @ y / (x @ x)), 0.0
    xc = x - x.mean()
    w = float(xc @ (y - y.mean()) / (xc @ xc))
    return w, float(y.mean() - w * x.mean())


def mse(prediction, target):
    r"""Mean squared error :math:`\frac1n\sum (\hat y_i - y_i)^2`."""
    return float(np.mean((np.asarray(prediction, dtype=np.float64) - np.asarray(target, dtype=np.float64)) ** 2))


# ------------------------------------------------------------------------------------- drawing
def _plus(b):
    """``"+ 2"`` or ``"− 6"``: a bias written after ``w·x`` without a double sign."""
    return f"+ {b:g}" if b >= 0 else f"− {-b:g}"


def _axes_through_origin(ax):
    ax.axhline(0, color="k", lw=0.8)
    ax.axvline(0, color="k", lw=0.8)
    ax.grid(alpha=0.3)


class WeightPlot(LivePlot):
    r"""The line :math:`y = w x`, with one input ``x_input`` followed to its output.

    The dashed line is :math:`y = x` (w = 1) for comparison. The axes are fixed, so the slope visibly
    changes with ``w``. The line is the output of nnlib's ``Linear(1, 1)`` in the chosen backend.
    """

    figsize = (6.5, 4)
    X = np.linspace(-3, 3, 61)

    def setup(self, fig):
        ax = self.ax = fig.subplots()
        _axes_through_origin(ax)
        ax.plot(self.X, self.X, ls="--", color="#9e9e9e", label="y = x (w = 1)")
        self.line = BackendLines(self, ax, color=POSITIVE, lw=2.5, label="y = w · x")
        self.guide = self.live(ax.plot([], [], ":", color="k")[0])
        self.dot = self.live(ax.plot([], [], "o", color="k", zorder=3)[0])
        self.label = self.live(ax.annotate("", (0, 0), xytext=(-10, 10), textcoords="offset points", fontsize=10,
                                           bbox=LABEL_BOX))
        ax.set(xlim=(-3, 3), ylim=(-6.5, 6.5), xlabel="input x", ylabel="output y")
        ax.legend(loc="upper left")
        self.live(ax.title)
        self.caption = caption_text(self, ax)

    def update(self, w=1.0, x_input=1.5, backend="numpy"):
        results = compute(backend, lambda b: neuron_output(np.append(self.X, x_input), w, backend=b))
        first = next(iter(results.values()))
        y_input = float(first[-1])
        self.line.set(self.X, {b: y[:-1] for b, y in results.items()}, color=POSITIVE if w >= 0 else NEGATIVE)
        self.guide.set_data([x_input, x_input, 0], [0, y_input, y_input])
        self.dot.set_data([x_input], [y_input])
        right_half = x_input > 0  # write the label on the side with room for it
        self.label.xy = (x_input, y_input)
        self.label.set_text(f"input {x_input:g} → output {y_input:.2f}")
        self.label.set_position((-10 if right_half else 10, 10))
        self.label.set_horizontalalignment("right" if right_half else "left")
        self.set_title(self.ax, weight_effect(w))
        self.caption.set_text(backend_caption(results))


def plot_weight(w=1.0, x_input=1.5, backend="numpy"):
    """The :class:`WeightPlot` as a static figure."""
    return WeightPlot().figure(w=w, x_input=x_input, backend=backend)


class WeightedSumPlot(LivePlot):
    r"""A neuron :math:`y = \sum_i w_i x_i`, drawn twice.

    Left: the diagram, each connection as wide as its weight is large, blue if positive, red if negative
    (widths fixed to :data:`WEIGHT_LIMIT`, so a width means the same weight in every frame; redrawn on
    every move). Right: each input's contribution :math:`w_i x_i` as a bar, and their sum, the output,
    computed by nnlib's ``Linear`` in the chosen backend.
    """

    figsize = (10, 4)

    def __init__(self, x=THREE_INPUTS):
        super().__init__()
        self.x = np.asarray(x, dtype=np.float64)

    def setup(self, fig):
        self.left, right = self.left, self.right = fig.subplots(1, 2, width_ratios=[1.2, 1])
        n = self.x.size
        subscripts = [str(i).translate(SUBSCRIPTS) for i in range(1, n + 1)]
        self.subscripts = subscripts
        names = [f"w{i}x{i}" for i in subscripts] + ["y = sum"]
        self.bars = [self.live(bar) for bar in right.bar(names, np.zeros(n + 1), edgecolor="k", alpha=0.85)]
        self.bars[-1].set_hatch("//")
        self.texts = [self.live(right.text(i, 0, "", ha="center", fontsize=10)) for i in range(n + 1)]
        right.axhline(0, color="k", lw=0.8)
        limit = max(1.15 * WEIGHT_LIMIT * np.abs(self.x).sum(), 1.0)  # room for the largest sum the sliders make
        right.set(ylim=(-limit, limit), ylabel="contribution to y",
                  title=f"inputs x = ({', '.join(f'{v:g}' for v in self.x)})")
        right.grid(axis="y", alpha=0.3)
        self.caption = caption_text(self, right)

    def update(self, w=(1.0, 0.5, -1.0), backend="numpy"):
        w = np.asarray(w, dtype=np.float64)
        results = compute(backend, lambda b: neuron_output(self.x[None, :], w, backend=b))
        y = float(next(iter(results.values()))[0])
        left = self.left
        self.empty(left)  # the diagram's widths, colours and labels all change: draw it again
        draw_network(left, [self.x.size, 1], [w[None, :]], node_values=[self.x, [y]],
                     node_labels=[[f"x{i}" for i in self.subscripts], ["y"]],
                     edge_labels="weights", weight_limit=WEIGHT_LIMIT, label_position=0.35, layer_gap=2.4)
        left.set_title("y = " + " + ".join(f"w{i}x{i}" for i in self.subscripts))
        values = np.append(w * self.x, y)
        for i, (bar, text, v) in enumerate(zip(self.bars, self.texts, values)):
            bar.set_height(v)
            bar.set_color(POSITIVE if v >= 0 else NEGATIVE)
            bar.set_edgecolor("k")
            text.set_position((i, v + (0.15 if v >= 0 else -0.15)))
            text.set_verticalalignment("bottom" if v >= 0 else "top")
            text.set_text(f"{v:.2f}")
        self.caption.set_text(backend_caption(results))


class WeightedInputsPlot(WeightedSumPlot):
    """The widget of ``01_weights``: :class:`WeightedSumPlot` for the inputs :data:`THREE_INPUTS`, one
    slider per weight."""

    def update(self, w1=1.0, w2=0.5, w3=-1.0, backend="numpy"):
        super().update((w1, w2, w3), backend)


def plot_weighted_inputs(w1=1.0, w2=0.5, w3=-1.0, backend="numpy"):
    """The :class:`WeightedInputsPlot` as a static figure."""
    return WeightedInputsPlot().figure(w1=w1, w2=w2, w3=w3, backend=backend)


def plot_weighted_sum(w, x, backend="numpy"):
    """The :class:`WeightedSumPlot` of weights ``w`` and inputs ``x`` as a static figure."""
    return WeightedSumPlot(x).figure(w=w, backend=backend)


class BiasLinePlot(LivePlot):
    r"""The line :math:`y = w x + b` next to :math:`y = w x` (dashed): the bias moves it up or down.

    The dot is the output for the input 0, which is exactly ``b``; the lines come from nnlib's ``Linear(1, 1)``.
    """

    figsize = (6.5, 4)
    X = np.linspace(-4, 4, 81)

    def setup(self, fig):
        ax = self.ax = fig.subplots()
        _axes_through_origin(ax)
        self.no_bias = self.live(ax.plot([], [], ls="--", color="#9e9e9e", label="y = w · x  (no bias)")[0])
        self.line = BackendLines(self, ax, color=POSITIVE, lw=2.5, label="y = w · x + b")
        self.dot = self.live(ax.plot([], [], "o", color="k", zorder=3)[0])
        self.label = self.live(ax.annotate("", (0, 0), xytext=(-10, 10), textcoords="offset points", fontsize=10,
                                           bbox=LABEL_BOX))
        ax.set(xlim=(-4, 4), ylim=(-8, 8), xlabel="input x", ylabel="output y",
               title="the bias shifts the line up and down")
        ax.legend(loc="upper left")
        self.readout = caption_text(self, ax, x=0.02, y=0.75, ha="left", fontsize=10)
        self.caption = caption_text(self, ax)

    def update(self, b=0.0, w=1.0, backend="numpy"):
        results = compute(backend, lambda bk: neuron_output(self.X, w, b, backend=bk))
        self.no_bias.set_data(self.X, w * self.X)
        self.line.set(self.X, results)
        self.dot.set_data([0], [b])
        rising = w >= 0  # the label goes where the line is not: above-left of the dot for a rising line
        self.label.xy = (0, b)
        self.label.set_text(f"x = 0 → y = b = {b:g}")
        self.label.set_position((-10 if rising else 10, 10))
        self.label.set_horizontalalignment("right" if rising else "left")
        self.readout.set_text(f"y = {w:g} · x {_plus(b)}")
        self.caption.set_text(backend_caption(results))


def plot_bias_line(b=0.0, w=1.0, backend="numpy"):
    """The :class:`BiasLinePlot` as a static figure."""
    return BiasLinePlot().figure(b=b, w=w, backend=backend)


class SigmoidThresholdPlot(LivePlot):
    r"""A sigmoid neuron :math:`p = \sigma(w x + b)` deciding pass/fail from hours of study.

    The curve is the neuron's probability of passing (nnlib's ``Linear`` then ``Sigmoid``); it answers
    "pass" where :math:`p \ge 0.5`, to the right of the threshold :math:`x = -b/w` (the vertical line)
    when :math:`w > 0`. The dots are the students of :func:`study_hours_data`; the title counts how
    many the neuron gets right.
    """

    figsize = (7.5, 4)
    X = np.linspace(-1, 11, 241)

    def setup(self, fig):
        ax = self.ax = fig.subplots()
        self.band = self.live(ax.fill_between(self.X, -0.1, 1.1, where=np.zeros(self.X.size, bool), color=POSITIVE,
                                              alpha=0.12, step="mid", label="the neuron says pass", zorder=0.5))
        self.curve = BackendLines(self, ax, color="k", lw=2.5, label="σ(w·x + b)")
        ax.axhline(0.5, color="#777777", ls=":", lw=1)
        self.threshold = self.live(ax.axvline(0, color=NEGATIVE, lw=2, label="threshold x = −b/w"))
        hours, passed = study_hours_data()
        self.live(ax.scatter(hours, passed, c=np.where(passed == 1, POSITIVE, NEGATIVE), edgecolor="k", zorder=3,
                             s=40))
        ax.set(xlim=(-1, 11), ylim=(-0.1, 1.1), xlabel="hours studied", ylabel="σ(w·x + b), chance of passing")
        ax.legend(loc="center right", fontsize=9)
        self.live(ax.title)
        self.caption = caption_text(self, ax, y=0.12)

    def update(self, w=1.0, b=0.0, backend="numpy"):
        hours, passed = study_hours_data()
        threshold = decision_threshold(w, b)
        accuracy = float(np.mean(classify(hours, w, b) == passed))
        results = compute(backend, lambda bk: neuron_output(self.X, w, b, backend=bk, sigmoid=True))
        self.band.set_data(self.X, -0.1, 1.1, where=classify(self.X, w, b) == 1)
        self.curve.set(self.X, results)
        shown = threshold is not None and -1 <= threshold <= 11
        self.threshold.set_visible(shown)
        if shown:
            self.threshold.set_xdata([threshold, threshold])
        where = ("no threshold: w = 0, every student gets the same answer" if threshold is None
                 else f"threshold at {threshold:.2f} h")
        self.set_title(self.ax, f"{where}; right about {accuracy:.0%} of the students")
        self.caption.set_text(f"σ({w:g}·x {_plus(b)}), " + backend_caption(results))


def plot_sigmoid_threshold(w=1.0, b=0.0, backend="numpy"):
    """The :class:`SigmoidThresholdPlot` as a static figure."""
    return SigmoidThresholdPlot().figure(w=w, b=b, backend=backend)


def plot_bias_fit(x, y, xlabel="x", ylabel="y"):
    """The points and the best line without bias (through the origin) and with a bias, errors in the legend."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    span = np.linspace(min(x.min(), 0.0) - 1, x.max() + 1, 100)
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    _axes_through_origin(ax)
    ax.scatter(x, y, color="k", zorder=3, label="data")
    for bias, color, ls in ((False, NEGATIVE, "--"), (True, POSITIVE, "-")):
        w, b = fit_line(x, y, bias=bias)
        name = f"y = {w:.2f}x {_plus(round(b, 2))}" if bias else f"y = {w:.2f}x  (no bias)"
        ax.plot(span, w * span + b, color=color, ls=ls, lw=2,
                label=f"{name}: mean squared error {mse(w * x + b, y):.1f}")
    ax.plot([0], [0], "s", color="k", ms=6)
    ax.annotate("origin: every line without a bias passes here", (0, 0), xytext=(10, -16),
                textcoords="offset points", fontsize=9)
    ax.set(xlabel=xlabel, ylabel=ylabel, title="best line without and with a bias")
    ax.legend(loc="upper left", fontsize=9)
    return fig


def plot_temperature_fit():
    """:func:`plot_bias_fit` on :func:`temperature_data`: Celsius to Fahrenheit, without and with a bias."""
    celsius, fahrenheit = temperature_data()
    return plot_bias_fit(celsius, fahrenheit, xlabel="degrees Celsius", ylabel="degrees Fahrenheit")
