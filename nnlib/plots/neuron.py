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

from ..numpy_nn import stable_sigmoid
from .network import NEGATIVE, POSITIVE, draw_network

#: the inputs of the three-input neuron in ``01_weights``
THREE_INPUTS = (1.0, 0.5, -1.0)
#: the slider range of a weight: the diagram draws this size at full width in every frame
WEIGHT_LIMIT = 2.0
LABEL_BOX = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}  #: keeps a label readable
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


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


def plot_weight(w=1.0, x_input=1.5):
    r"""The line :math:`y = w x`, with one input ``x_input`` followed to its output.

    The dashed line is :math:`y = x` (w = 1) for comparison. The axes are fixed, so the slope visibly
    changes with ``w``.
    """
    x = np.linspace(-3, 3, 61)
    y_input = w * x_input
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.subplots()
    _axes_through_origin(ax)
    ax.plot(x, x, ls="--", color="#9e9e9e", label="y = x (w = 1)")
    ax.plot(x, w * x, color=POSITIVE if w >= 0 else NEGATIVE, lw=2.5, label=f"y = {w:g} · x")
    ax.plot([x_input, x_input], [0, y_input], ":", color="k")
    ax.plot([0, x_input], [y_input, y_input], ":", color="k")
    ax.plot([x_input], [y_input], "o", color="k", zorder=3)
    right_half = x_input > 0  # write the label on the side with room for it
    ax.annotate(f"input {x_input:g} → output {y_input:.2f}", (x_input, y_input),
                xytext=(-10 if right_half else 10, 10),
                textcoords="offset points", ha="right" if right_half else "left", fontsize=10, bbox=LABEL_BOX)
    ax.set(xlim=(-3, 3), ylim=(-6.5, 6.5), xlabel="input x", ylabel="output y", title=weight_effect(w))
    ax.legend(loc="upper left")
    return fig


def plot_weighted_inputs(w1=1.0, w2=0.5, w3=-1.0):
    """The slider callback of ``01_weights``: :func:`plot_weighted_sum` for the inputs :data:`THREE_INPUTS`."""
    return plot_weighted_sum([w1, w2, w3], THREE_INPUTS)


def plot_weighted_sum(w, x):
    r"""A neuron :math:`y = \sum_i w_i x_i`, drawn twice.

    Left: the diagram, each connection as wide as its weight is large, blue if positive, red if negative
    (widths fixed to :data:`WEIGHT_LIMIT`, so a width means the same weight in every frame). Right: each
    input's contribution :math:`w_i x_i` as a bar, and their sum, the output.

    Parameters
    ----------
    w, x : array_like, shape (n,)
        The weights and the inputs.
    """
    w, x = np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)
    y = weighted_sum(x, w)
    parts, n = w * x, len(w)
    fig = Figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.2, 1])
    subscripts = [str(i).translate(SUBSCRIPTS) for i in range(1, n + 1)]
    draw_network(left, [n, 1], [w[None, :]], node_values=[x, [y]],
                 node_labels=[[f"x{i}" for i in subscripts], ["y"]],
                 edge_labels="weights", weight_limit=WEIGHT_LIMIT, label_position=0.35, layer_gap=2.4)
    left.set_title("y = " + " + ".join(f"w{i}x{i}" for i in subscripts))
    names = [f"w{i}x{i}" for i in subscripts] + ["y = sum"]
    values = np.append(parts, y)
    colors = [POSITIVE if v >= 0 else NEGATIVE for v in values]
    bars = right.bar(names, values, color=colors, edgecolor="k", alpha=0.85)
    bars[-1].set_hatch("//")
    for bar, v in zip(bars, values):
        right.text(bar.get_x() + bar.get_width() / 2, v + (0.15 if v >= 0 else -0.15), f"{v:.2f}",
                   ha="center", va="bottom" if v >= 0 else "top", fontsize=10)
    right.axhline(0, color="k", lw=0.8)
    limit = max(1.15 * WEIGHT_LIMIT * np.abs(x).sum(), 1.0)  # room for the largest sum the sliders can make
    right.set(ylim=(-limit, limit), ylabel="contribution to y",
              title=f"inputs x = ({', '.join(f'{v:g}' for v in x)})")
    right.grid(axis="y", alpha=0.3)
    return fig


def plot_bias_line(b=0.0, w=1.0):
    r"""The line :math:`y = w x + b` next to :math:`y = w x` (dashed): the bias moves it up or down.

    The dot is the output for the input 0, which is exactly ``b``.
    """
    x = np.linspace(-4, 4, 81)
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.subplots()
    _axes_through_origin(ax)
    ax.plot(x, w * x, ls="--", color="#9e9e9e", label=f"y = {w:g} · x  (no bias)")
    ax.plot(x, w * x + b, color=POSITIVE, lw=2.5, label=f"y = {w:g} · x {_plus(b)}")
    ax.plot([0], [b], "o", color="k", zorder=3)
    rising = w >= 0  # the label goes where the line is not: above-left of the dot for a rising line
    ax.annotate(f"x = 0 → y = b = {b:g}", (0, b), xytext=(-10 if rising else 10, 10), textcoords="offset points",
                ha="right" if rising else "left", fontsize=10, bbox=LABEL_BOX)
    ax.set(xlim=(-4, 4), ylim=(-8, 8), xlabel="input x", ylabel="output y",
           title="the bias shifts the line up and down")
    ax.legend(loc="upper left")
    return fig


def plot_sigmoid_threshold(w=1.0, b=0.0):
    r"""A sigmoid neuron :math:`p = \sigma(w x + b)` deciding pass/fail from hours of study.

    The curve is the neuron's probability of passing; it answers "pass" where :math:`p \ge 0.5`, to the
    right of the threshold :math:`x = -b/w` (the vertical line) when :math:`w > 0`. The dots are the
    students of :func:`study_hours_data`; the title counts how many the neuron gets right.
    """
    hours, passed = study_hours_data()
    x = np.linspace(-1, 11, 241)
    threshold = decision_threshold(w, b)
    accuracy = float(np.mean(classify(hours, w, b) == passed))
    fig = Figure(figsize=(7.5, 4), layout="constrained")
    ax = fig.subplots()
    says_pass = classify(x, w, b) == 1
    ax.fill_between(x, -0.1, 1.1, where=says_pass, color=POSITIVE, alpha=0.12, step="mid",
                    label="the neuron says pass")
    ax.plot(x, stable_sigmoid(w * x + b), color="k", lw=2.5, label=f"σ({w:g}·x {_plus(b)})")
    ax.axhline(0.5, color="#777777", ls=":", lw=1)
    if threshold is not None and -1 <= threshold <= 11:
        ax.axvline(threshold, color=NEGATIVE, lw=2, label=f"threshold x = −b/w = {threshold:.2f}")
    colors = np.where(passed == 1, POSITIVE, NEGATIVE)
    ax.scatter(hours, passed, c=colors, edgecolor="k", zorder=3, s=40)
    where = ("no threshold: w = 0, every student gets the same answer" if threshold is None
             else f"threshold at {threshold:.2f} h")
    ax.set(xlim=(-1, 11), ylim=(-0.1, 1.1), xlabel="hours studied", ylabel="σ(w·x + b), chance of passing",
           title=f"{where}; right about {accuracy:.0%} of the students")
    ax.legend(loc="center right", fontsize=9)
    return fig


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
