r"""Activation functions: their curves, their properties, and what they do inside a network.

Data functions (arrays and dicts, unit-tested) come first, then the drawing functions the notebook
``04_activations`` wires to sliders. Every curve is computed by nnlib's own activation classes, in the
NumPy backend by default or in PyTorch with ``backend="torch"``.

Softmax maps a *vector* to a vector, so it has no curve of its own. We plot its first output for the
input vector :math:`(x, 0, \dots, 0)` with ``n_classes`` entries:
:math:`s_1(x) = e^x / (e^x + n_{classes} - 1)`, and its derivative :math:`\partial s_1/\partial x = s_1(1 - s_1)`.
"""
import importlib

import numpy as np
from matplotlib.figure import Figure

from .. import names
from .live import Backend, BackendLines, LivePlot, caption_text, backend_caption, compute, nice_limits

#: every activation nnlib knows, in the order the notebook shows them
ACTIVATIONS = tuple(names.ACTIVATIONS)

#: the parameters each activation takes, with their defaults (PyTorch's defaults)
PARAMETERS = {
    "leaky_relu": {"negative_slope": 0.01},
    "elu": {"alpha": 1.0},
    "softplus": {"beta": 1.0},
    "softmax": {"n_classes": 2},
}

#: one colour per activation, shared by every plot so a function keeps its colour across the notebook
COLORS = dict(zip(ACTIVATIONS, ["#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#17becf",
                                "#9467bd", "#8c564b", "#d62728", "#e377c2", "#bcbd22"]))


# ------------------------------------------------------------------------------------------ data
def params_for(name, **params):
    """The subset of ``params`` that activation ``name`` takes, e.g. ``params_for("elu", alpha=2, beta=3)``
    is ``{"alpha": 2}``. Lets one slider callback pass every slider value to whichever function is chosen."""
    name = names.activation_name(name)
    return {key: value for key, value in params.items() if key in PARAMETERS.get(name, {})}


def make_activation(name, backend="numpy", **params):
    """An nnlib activation object, e.g. ``make_activation("leaky_relu", negative_slope=0.1)``.

    Parameters
    ----------
    name : str
        Any name or alias in :mod:`nnlib.names` (``"swish"`` is ``"silu"``).
    backend : {"numpy", "torch"}
    **params
        Parameters of that activation (see :data:`PARAMETERS`); ``n_classes`` is for the softmax
        curve only and is not passed on.
    """
    name = names.activation_name(name)
    allowed = PARAMETERS.get(name, {})
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise TypeError(f"params: activation {name!r} takes {sorted(allowed) or 'no parameters'}, got {unknown}")
    if backend not in ("numpy", "torch"):
        raise ValueError(f"backend: expected 'numpy' or 'torch', got {backend!r}")
    module = importlib.import_module(f"nnlib.{backend}_nn")  # torch is imported only when asked for
    options = {key: value for key, value in params.items() if key != "n_classes"}
    return getattr(module, names.ACTIVATIONS[name])(**options)


def activation_values(name, x, backend="numpy", **params):
    r"""``(f(x), f'(x))`` for a 1-D array ``x``, as NumPy arrays of the shape of ``x``.

    For softmax: the first output and its derivative for the input :math:`(x, 0, \dots, 0)`.
    """
    name = names.activation_name(name)
    x = np.asarray(x, dtype=np.float64)
    b = backend if isinstance(backend, Backend) else Backend(backend)
    f = make_activation(name, "numpy" if b.name == "numpy" else "torch", **params)
    if name == "softmax":
        n_classes = int(params.get("n_classes", PARAMETERS["softmax"]["n_classes"]))
        if n_classes < 2:
            raise ValueError(f"n_classes: expected at least 2 classes for softmax, got {n_classes}")
        inputs = np.zeros((x.size, n_classes))
        inputs[:, 0] = x
        inputs = b.tensor(inputs)
        value, slope = f.value(inputs)[:, 0], f.derivative(inputs)[:, 0]
    else:
        value, slope = f.value(b.tensor(x)), f.derivative(b.tensor(x))
    return _to_numpy(value), _to_numpy(slope)


def activation_curve(name, x_min=-5.0, x_max=5.0, n_points=401, backend="numpy", **params):
    """Points to draw ``f`` and ``f'`` on ``[x_min, x_max]``: a dict with arrays ``x``, ``value``, ``derivative``."""
    if not x_min < x_max:
        raise ValueError(f"x_min, x_max: expected x_min < x_max, got {x_min} and {x_max}")
    x = np.linspace(x_min, x_max, n_points)
    value, slope = activation_values(name, x, backend, **params)
    return {"x": x, "value": value, "derivative": slope}


def numerical_derivative(name, x, h=1e-5, **params):
    r"""Central difference :math:`(f(x+h) - f(x-h)) / 2h`, computed from the values alone.

    Used to judge the properties independently of nnlib's hand-written derivatives.
    """
    x = np.asarray(x, dtype=np.float64)
    return (activation_values(name, x + h, **params)[0] - activation_values(name, x - h, **params)[0]) / (2 * h)


def activation_properties(name, **params):
    r"""Properties of one activation, measured numerically from its values.

    - ``non_linear``: the best straight line through :math:`f` on [-5, 5] misses it somewhere
      (a linear or affine function is fitted exactly).
    - ``continuously_differentiable``: the finite-difference slope on a grid of step 0.001 never jumps
      by more than 0.05 between neighbours (a kink such as ReLU's at 0 jumps by about 0.5).
    - ``lower``, ``upper``: the range's bounds; a side is bounded when :math:`f(\mp 50)` and
      :math:`f(\mp 100)` agree, and the bound is then the smaller (larger) of that limit and the
      smallest (largest) value seen on [-10, 10]. ``lower_attained``/``upper_attained``: some input
      really reaches it (ReLU's 0 does, sigmoid's 0 does not).
    - ``bounded``: both bounds finite, i.e. a fixed output range.
    - ``monotonic``: never decreases on [-10, 10].
    - ``max_slope``: the largest :math:`f'(x)` on [-10, 10]; ``f0``: :math:`f(0)`.

    Returns
    -------
    dict
    """
    name = names.activation_name(name)
    grid = np.linspace(-10, 10, 20001)
    values = activation_values(name, grid, **params)[0]
    fine = np.linspace(-5, 5, 10001)
    fine_values = activation_values(name, fine, **params)[0]
    design = np.stack([fine, np.ones_like(fine)], axis=1)
    line = design @ np.linalg.lstsq(design, fine_values, rcond=None)[0]
    slope = numerical_derivative(name, fine, **params)
    lower, lower_attained = _bound(name, values, -1.0, params)
    upper, upper_attained = _bound(name, values, +1.0, params)
    return {
        "name": name,
        "non_linear": bool(np.max(np.abs(fine_values - line)) > 1e-6),
        "continuously_differentiable": bool(np.max(np.abs(np.diff(slope))) < 0.05),
        "lower": lower, "lower_attained": lower_attained,
        "upper": upper, "upper_attained": upper_attained,
        "bounded": bool(np.isfinite(lower) and np.isfinite(upper)),
        "monotonic": bool(np.all(np.diff(values) >= -1e-12)),
        "max_slope": float(np.max(numerical_derivative(name, grid, **params))),
        "f0": float(activation_values(name, np.zeros(1), **params)[0][0]),
    }


def _bound(name, values, side, params):
    """(bound, attained) on one side: side=-1 for the lower bound (x -> -inf), +1 for the upper."""
    far, farther = activation_values(name, np.array([50.0, 100.0]) * side, **params)[0] * side
    # Compare in the "upper" orientation: multiplying by side turns a lower bound into an upper one.
    if abs(farther - far) > 1e-6 * (1 + abs(far)):
        return side * np.inf, False
    limit = round(float(farther), 9)
    seen = float(np.max(values * side))
    if seen >= limit - 1e-12:
        return side * max(seen, limit), True
    return side * limit, False


def format_range(props, digits=2):
    """The range as text: ``"(0, 1)"`` open, ``"[0, ∞)"`` closed where the bound is reached."""
    def show(v):
        if np.isinf(v):
            return "∞" if v > 0 else "-∞"
        text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    left = "[" if props["lower_attained"] else "("
    right = "]" if props["upper_attained"] else ")"
    return f"{left}{show(props['lower'])}, {show(props['upper'])}{right}"


def properties_table(activations=ACTIVATIONS, **params):
    """One row of :func:`activation_properties` per activation (``params`` go to the ones that take them)."""
    return [activation_properties(name, **params_for(name, **params)) for name in activations]


def format_properties_table(rows):
    """The table as aligned text (yes/no, the range, f(0), the largest slope), for printing."""
    header = ("activation", "non-linear", "C¹ (smooth slope)", "range", "fixed range", "monotonic", "f(0)", "max slope")
    lines = [header]
    for r in rows:
        lines.append((r["name"], _yes(r["non_linear"]), _yes(r["continuously_differentiable"]), format_range(r),
                      _yes(r["bounded"]), _yes(r["monotonic"]), f"{r['f0']:.2f}", f"{r['max_slope']:.3f}"))
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in lines)


def _yes(flag):
    return "yes" if flag else "no"


def gradient_through_depth(name, depth=10, width=64, weight_scale=1.0, n_samples=256, seed=0, backend="numpy"):
    r"""How big the gradient is at each layer of a deep, untrained network.

    ``depth`` blocks of ``Linear(width, width)`` then ``name``, weights :math:`\sim N(0, s^2/width)`
    with :math:`s` = ``weight_scale``, biases 0, inputs :math:`\sim N(0, 1)`. Backpropagating the
    gradient of :math:`L = \text{mean}(\text{sum of outputs})`, the chain rule multiplies by
    :math:`W_l^\top` and by :math:`f'(z_l)` at every layer, so
    :math:`\partial L/\partial z_1 = f'(z_1) \odot W_2^\top (f'(z_2) \odot \dots)`.

    Returns
    -------
    ndarray, shape (depth,)
        Root-mean-square of :math:`\partial L/\partial z_l` for layers l = 1 (input side) .. depth,
        divided by the value at the last layer (so the last entry is 1).
    """
    b = backend if isinstance(backend, Backend) else Backend(backend)
    rng = np.random.default_rng(seed)
    linears, activations = [], []
    for _ in range(depth):
        layer = b.place(b.nn.Linear(width, width, rng=rng))
        layer.weight.data[...] = b.tensor(rng.normal(0.0, weight_scale / np.sqrt(width), size=(width, width)))
        layer.bias.data[...] = 0.0
        linears.append(layer)
        activations.append(make_activation(name, "numpy" if b.name == "numpy" else "torch"))
    h = b.tensor(rng.normal(size=(n_samples, width)))
    for layer, f in zip(linears, activations):
        h = f.forward(layer.forward(h))
    grad = b.tensor(np.full(tuple(h.shape), 1.0 / n_samples))
    sizes = []
    for layer, f in zip(reversed(linears), reversed(activations)):
        grad = f.backward(grad)          # now dL/dz for this layer
        sizes.append(float((grad ** 2).mean() ** 0.5))
        grad = layer.backward(grad)      # dL/d(input of this layer)
    sizes = np.array(sizes[::-1])
    return sizes / sizes[-1]


def dead_units(bias_shift=-1.0, name="relu", n_inputs=2, n_units=64, n_samples=500, seed=0, backend="numpy"):
    r"""Which units of one layer pass no gradient at all, for inputs :math:`\sim N(0, 1)`.

    A layer ``Linear(n_inputs, n_units)`` (PyTorch's initial weights) gets ``bias_shift`` added to every
    bias. A unit is *dead* when :math:`f'(z) = 0` for every sample: its weights then never change
    again, whatever the data. A large negative bias pushes :math:`z` below 0 for all inputs; ReLU's
    slope there is 0, leaky ReLU's is still ``negative_slope``.

    Returns
    -------
    dict
        ``positive`` (n_units,): share of samples with :math:`z > 0` per unit; ``dead`` (n_units,) bool:
        :math:`f'(z) = 0` for every sample; ``dead_fraction``: the share of dead units.
    """
    b = backend if isinstance(backend, Backend) else Backend(backend)
    rng = np.random.default_rng(seed)
    layer = b.place(b.nn.Linear(n_inputs, n_units, rng=rng))
    X = b.tensor(rng.normal(size=(n_samples, n_inputs)))
    z = b.numpy(layer.forward(X)) + bias_shift
    slope = b.numpy(make_activation(name, "numpy" if b.name == "numpy" else "torch").derivative(b.tensor(z)))
    dead = np.all(slope == 0, axis=0)
    return {"positive": np.mean(z > 0, axis=0), "dead": dead, "dead_fraction": float(np.mean(dead))}


def _to_numpy(a):
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


# ------------------------------------------------------------------------------------- drawing
def _draw_curve(ax_value, ax_slope, name, curve, label=None, **style):
    color = style.pop("color", COLORS[name])
    ax_value.plot(curve["x"], curve["value"], color=color, label=label, **style)
    ax_slope.plot(curve["x"], curve["derivative"], color=color, label=label, **style)


def _axes_style(ax, title):
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    ax.set_xlabel("x")


class ActivationPlot(LivePlot):
    """Value and derivative of one activation on ``[-x_range, x_range]``, computed by the chosen backend.

    The shaded band marks where the slope is below 0.05: there the neuron hardly learns (saturation).
    """

    figsize = (9, 3.4)

    def setup(self, fig):
        self.ax_value, self.ax_slope = fig.subplots(1, 2)
        self.value_lines = BackendLines(self, self.ax_value, lw=2.5)
        self.slope_lines = BackendLines(self, self.ax_slope, lw=2.5)
        # live bands are drawn over every still artist: translucent, so grid, zero lines and frame show through
        self.bands = [self.live(ax.fill_between([0.0, 1.0], 0, 1, transform=ax.get_xaxis_transform(),
                                                color="0.55", alpha=0.3, lw=0, label="slope < 0.05", zorder=0.5))
                      for ax in (self.ax_value, self.ax_slope)]
        for ax in (self.ax_value, self.ax_slope):
            _axes_style(ax, "")
        self.ax_slope.legend(loc="upper left", fontsize=8)
        self.caption = caption_text(self, self.ax_slope)

    def update(self, name="tanh", x_range=5.0, backend="numpy"):
        name = names.activation_name(name)
        x = np.linspace(-x_range, x_range, 401)
        results = compute(backend, lambda b: activation_values(name, x, b))
        for lines, part in ((self.value_lines, 0), (self.slope_lines, 1)):
            lines.set(x, {k: r[part] for k, r in results.items()}, color=COLORS[name])
        flat = np.abs(next(iter(results.values()))[1]) < 0.05
        for band in self.bands:
            band.set_data(x, 0, 1, where=flat)
        self.set_title(self.ax_value, f"{name}(x)")
        self.set_title(self.ax_slope, f"derivative {name}'(x)")
        self.set_limits(self.ax_value, x=(-x_range, x_range), y=nice_limits(*(r[0] for r in results.values())))
        self.set_limits(self.ax_slope, x=(-x_range, x_range), y=nice_limits(0.0, *(r[1] for r in results.values())))
        self.caption.set_text(backend_caption(results))


def plot_activation(name="tanh", x_range=5.0, backend="numpy"):
    """The :class:`ActivationPlot` of one activation as a static figure."""
    return ActivationPlot().figure(name=name, x_range=x_range, backend=backend)


class ParametricPlot(LivePlot):
    """Leaky ReLU, ELU and softplus with their parameters (solid) against the defaults (dashed grey)."""

    figsize = (10, 5)
    NAMES = ("leaky_relu", "elu", "softplus")

    def setup(self, fig):
        self.axes = fig.subplots(2, 3, sharex=True)
        self.default_lines, self.chosen_lines, self.labels = {}, {}, {}
        for col, name in enumerate(self.NAMES):
            for row in range(2):
                ax = self.axes[row, col]
                _axes_style(ax, "" if row == 0 else f"{name}'(x)")
                self.default_lines[name, row] = self.live(ax.plot([], [], lw=1.2, ls="--", color="0.5",
                                                                  label="default")[0])
                self.chosen_lines[name, row] = BackendLines(self, ax, color=COLORS[name], lw=2.5, label="chosen")
            self.axes[0, col].legend(loc="upper left", fontsize=8)
            # the parameters in the title, live: a free text in the axes lay under the legend
            self.labels[name] = self.live(self.axes[0, col].title)
        self.caption = caption_text(self, self.axes[1, 2])

    @staticmethod
    def envelope(name, row, x_range):
        """y limits holding the curve for every parameter the notebook's sliders allow (slope <= 1,
        alpha <= 3, beta >= 0.25)."""
        if row == 1:
            return nice_limits([0.0, 3.0 if name == "elu" else 1.0])
        low = {"leaky_relu": -x_range, "elu": -3.0, "softplus": 0.0}[name]
        return nice_limits([low, x_range + (np.log(2) / 0.25 if name == "softplus" else 0.0)])

    def update(self, negative_slope=0.1, alpha=1.0, beta=1.0, x_range=4.0, backend="numpy"):
        chosen = {"leaky_relu": {"negative_slope": negative_slope}, "elu": {"alpha": alpha},
                  "softplus": {"beta": beta}}
        x = np.linspace(-x_range, x_range, 401)
        everything = {}
        for col, (name, params) in enumerate(chosen.items()):
            default = activation_values(name, x)
            results = compute(backend, lambda b: activation_values(name, x, b, **params))
            everything[name] = results
            for row in range(2):
                self.default_lines[name, row].set_data(x, default[row])
                self.chosen_lines[name, row].set(x, {k: r[row] for k, r in results.items()})
                # limits from x_range and the sliders' ranges only, so moving a parameter redraws only lines
                self.set_limits(self.axes[row, col], x=(-x_range, x_range), y=self.envelope(name, row, x_range))
            self.labels[name].set_text(f"{name}(x), " + ", ".join(f"{k}={v:g}" for k, v in params.items()))
        self.caption.set_text(backend_caption({k: [everything[n][k] for n in everything]
                                               for k in next(iter(everything.values()))}))


def plot_parametric(negative_slope=0.1, alpha=1.0, beta=1.0, x_range=4.0, backend="numpy"):
    """The :class:`ParametricPlot` as a static figure."""
    return ParametricPlot().figure(negative_slope=negative_slope, alpha=alpha, beta=beta, x_range=x_range,
                                   backend=backend)


def plot_activation_grid(activations=ACTIVATIONS, x_range=5.0, ncols=5):
    """Every activation in one figure: value (solid) and derivative (dashed), one panel each."""
    nrows = -(-len(activations) // ncols)
    fig = Figure(figsize=(3.1 * ncols, 2.7 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True)).ravel()
    for ax, name in zip(axes, activations):
        curve = activation_curve(name, -x_range, x_range)
        ax.plot(curve["x"], curve["value"], color=COLORS[name], lw=2.2, label="f(x)")
        ax.plot(curve["x"], curve["derivative"], color="k", lw=1.2, ls="--", label="f'(x)")
        _axes_style(ax, name + (" (first of 2 outputs)" if name == "softmax" else ""))
        ax.set_ylim(-1.6, 3.1)
    for ax in axes[len(activations):]:
        ax.set_visible(False)
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle("Activation functions (solid) and their derivatives (dashed)")
    return fig


class DepthPlot(LivePlot):
    """Gradient size per layer (log scale) of a deep untrained network, one line per activation."""

    figsize = (7.5, 4)

    def __init__(self, activations=("sigmoid", "tanh", "relu", "gelu")):
        super().__init__()
        self.activations = tuple(activations)

    def setup(self, fig):
        ax = self.ax = fig.subplots()
        self.lines = {name: BackendLines(self, ax, color=COLORS[name], label=name, marker="o")
                      for name in self.activations}
        ax.set_yscale("log")
        ax.axhline(1, color="0.6", lw=0.8)
        ax.set_xlabel("layer (1 = nearest the input)")
        ax.set_ylabel("gradient size / size at the last layer")
        ax.set_ylim(1e-12, 1e6)
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="lower right")
        self.live(ax.title)  # the title changes with every move
        self.caption = caption_text(self, ax, x=0.02, ha="left")

    def update(self, depth=10, weight_scale=1.0, backend="numpy"):
        layers = np.arange(1, depth + 1)
        results = {name: compute(backend, lambda b: gradient_through_depth(name, depth, weight_scale=weight_scale,
                                                                            backend=b))
                   for name in self.activations}
        for name, by_backend in results.items():
            self.lines[name].set(layers, by_backend)
        # the x axis grows in steps of 5 layers, so most moves only redraw the lines
        self.set_limits(self.ax, x=(0.5, 5 * np.ceil(depth / 5) + 0.5))
        self.set_title(self.ax, f"{depth} layers, weight scale {weight_scale:g}")
        self.caption.set_text(backend_caption({k: [results[n][k] for n in results]
                                               for k in next(iter(results.values()))}))


def plot_gradient_through_depth(depth=10, weight_scale=1.0, activations=("sigmoid", "tanh", "relu", "gelu"),
                                backend="numpy"):
    """The :class:`DepthPlot` as a static figure."""
    return DepthPlot(activations).figure(depth=depth, weight_scale=weight_scale, backend=backend)


class DeadUnitsPlot(LivePlot):
    """Per unit, the share of inputs with z > 0, sorted; dead units (no gradient for any input) marked red."""

    figsize = (10, 3.4)

    def __init__(self, activations=("relu", "leaky_relu"), n_units=64):
        super().__init__()
        self.activations, self.n_units = tuple(activations), n_units

    def setup(self, fig):
        axes = np.atleast_1d(fig.subplots(1, len(self.activations), sharey=True))
        self.panels = {}
        units = np.arange(self.n_units)
        for ax, name in zip(axes, self.activations):
            bars = [self.live(bar) for bar in ax.bar(units, np.zeros(self.n_units), color=COLORS[name], width=0.9)]
            dead = self.live(ax.plot([], [], "x", color="#d62728", label="dead: f'(z) = 0 always")[0])
            silent = self.live(ax.plot([], [], "o", mfc="none", color=COLORS[name],
                                       label="z < 0 always, yet f'(z) > 0")[0])
            title = self.live(ax.title)  # the count of dead units changes with every move
            ax.set_ylim(-0.05, 1.05)
            ax.set_xlim(-1, self.n_units)
            ax.set_xlabel("unit (sorted)")
            ax.grid(alpha=0.3, axis="y")
            ax.legend(loc="upper left", fontsize=8)
            self.panels[name] = (bars, dead, silent, title)
        axes[0].set_ylabel("share of inputs with z > 0")
        self.suptitle = self.live(fig.suptitle(" "))
        self.caption = caption_text(self, axes[-1], y=0.85)

    def update(self, bias_shift=-1.0, backend="numpy"):
        results = {name: compute(backend, lambda b: dead_units(bias_shift, name, n_units=self.n_units, backend=b))
                   for name in self.activations}
        for name, (bars, dead_line, silent_line, title) in self.panels.items():
            data = next(iter(results[name].values()))
            order = np.argsort(data["positive"], kind="stable")
            positive, dead = data["positive"][order], data["dead"][order].astype(bool)
            for bar, height in zip(bars, positive):
                bar.set_height(height)
            units = np.arange(order.size)
            dead_line.set_data(units[dead], np.zeros(dead.sum()))
            silent = (positive == 0) & ~dead
            silent_line.set_data(units[silent], np.zeros(silent.sum()))
            self.set_title(title.axes, f"{name}: {int(dead.sum())} of {order.size} units dead")
        self.suptitle.set_text(f"every bias shifted by {bias_shift:+g}")
        self.caption.set_text(backend_caption({k: [results[n][k]["positive"] for n in results]
                                               for k in next(iter(results.values()))}))


def plot_dead_units(bias_shift=-1.0, activations=("relu", "leaky_relu"), backend="numpy"):
    """The :class:`DeadUnitsPlot` as a static figure."""
    return DeadUnitsPlot(activations).figure(bias_shift=bias_shift, backend=backend)
