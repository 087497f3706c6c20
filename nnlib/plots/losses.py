r"""Loss functions: their curves and slopes, which one for which task, outliers, and numerical stability.

Used by ``05_losses``; :func:`parameter_loss` and :func:`parameter_slope` (the loss as a function of one
weight) are reused by :mod:`nnlib.plots.descent` in ``06_backprop``.

Every value and slope drawn here comes from nnlib's own loss classes, ``.value(prediction, target)`` and
``.gradient(prediction, target)``, in the NumPy backend (or PyTorch with ``backend="torch"``).

What "the prediction" is on the x-axis depends on the loss:

- regression losses (MSE, MAE, Huber): the predicted number :math:`p`;
- binary cross-entropy from probabilities: the predicted probability :math:`p \in (0, 1)`;
- binary cross-entropy from logits: the logit :math:`z`, with :math:`p = \sigma(z)`;
- cross-entropy: the logit :math:`z_0` of class 0 in the logit vector :math:`(z_0, 0, \dots, 0)`, the
  target being a class index (as in :mod:`nnlib.plots.activations`' softmax curve).

Data (unit-tested): :func:`make_loss`, :func:`loss_point`, :func:`loss_curve`, :func:`toy_data`,
:func:`parameter_loss`, :func:`parameter_slope`, :func:`line_loss`, :func:`line_gradient`, :func:`outlier_data`,
:func:`fit_line_with_loss`,
:func:`naive_softmax`, :func:`naive_cross_entropy`, :func:`stability_table`.
Drawing (slider callbacks, each returning a Figure): :func:`plot_parameter_loss`,
:func:`plot_regression_losses`, :func:`plot_binary_losses`, :func:`plot_cross_entropy`,
:func:`plot_outlier_fits`, and the static overview :func:`plot_loss_overview` (``figures/losses.png``).
"""
import importlib
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from .. import names
from ..numpy_nn import log_softmax, softmax, stable_sigmoid
from .live import Backend, BackendLines, LivePlot, backend_caption, caption_text, chosen_backends, compute

#: the three regression losses, drawn together
REGRESSION_LOSSES = ("mse", "mae", "huber")
#: short names for legends
LABELS = {"mse": "MSE", "mae": "MAE", "huber": "Huber", "binary_cross_entropy": "BCE (from p)",
          "binary_cross_entropy_with_logits": "BCE (from logit z)", "cross_entropy": "cross-entropy"}
#: one colour per loss, the same in every plot of the notebook
COLORS = {"mse": "#1f77b4", "mae": "#ff7f0e", "huber": "#2ca02c", "binary_cross_entropy": "#9467bd",
          "binary_cross_entropy_with_logits": "#d62728", "cross_entropy": "#8c564b"}
#: the prediction axis of each loss when no grid is given (see the module docstring)
DEFAULT_RANGES = {"mse": (-4.0, 4.0), "mae": (-4.0, 4.0), "huber": (-4.0, 4.0),
                  "binary_cross_entropy": (0.005, 0.995), "binary_cross_entropy_with_logits": (-6.0, 6.0),
                  "cross_entropy": (-6.0, 6.0)}
N_CLASSES = 3  #: classes of the cross-entropy examples


# ------------------------------------------------------------------------------------------ data
def make_loss(name, backend="numpy", delta=1.0):
    """An nnlib loss object by name or alias (``"l2"`` is ``"mse"``); ``delta`` is for Huber only.

    ``backend``: "numpy", "torch", or "cuda" (the torch loss; the inputs decide the device).
    """
    name = names.loss_name(name)
    if backend not in ("numpy", "torch", "cuda"):
        raise ValueError(f"backend: expected 'numpy', 'torch' or 'cuda', got {backend!r}")
    module = importlib.import_module("nnlib.numpy_nn" if backend == "numpy" else "nnlib.torch_nn")
    cls = getattr(module, names.LOSSES[name])
    return cls(delta=delta) if name == "huber" else cls()


def _one_example(name, prediction, target, n_classes):
    """The arrays nnlib's loss takes for ONE example: shape (1, 1), or (1, n_classes) logits + (1,) index."""
    if name == "cross_entropy":
        target = int(target)
        if not 0 <= target < n_classes:
            raise ValueError(f"target: expected a class index in 0..{n_classes - 1}, got {target}")
        logits = np.zeros((1, n_classes))
        logits[0, 0] = prediction
        return logits, np.array([target])
    return np.array([[float(prediction)]]), np.array([[float(target)]])


def _point(loss, name, prediction, target, n_classes, backend):
    """``(value, slope)`` of the nnlib loss object ``loss`` for one example."""
    p, t = _one_example(name, prediction, target, n_classes)
    if backend != "numpy":
        import torch

        device = Backend(backend).device
        p, t = torch.as_tensor(p, device=device), torch.as_tensor(t, device=device)
    return float(loss.value(p, t)), float(Backend.numpy(loss.gradient(p, t)).ravel()[0])


def loss_point(name, prediction, target, *, delta=1.0, n_classes=N_CLASSES, backend="numpy"):
    r"""The loss of one example and its slope :math:`\partial L/\partial p`, as two floats.

    For cross-entropy, ``prediction`` is the logit :math:`z_0` of the vector :math:`(z_0, 0, \dots, 0)`,
    ``target`` a class index, and the slope is :math:`\partial L/\partial z_0 = \text{softmax}(z)_0 - [t = 0]`.
    """
    name = names.loss_name(name)
    return _point(make_loss(name, backend, delta), name, prediction, target, n_classes, backend)


def loss_curve(name, target, predictions=None, *, delta=1.0, n_classes=N_CLASSES, n_points=241, backend="numpy"):
    r"""Loss and slope at every prediction of a grid: what the curve of a loss looks like.

    Parameters
    ----------
    name : str
        A loss name or alias from :mod:`nnlib.names`.
    target : float or int
        The true value (a class index for cross-entropy).
    predictions : array_like, optional
        The x-axis; by default ``n_points`` points across :data:`DEFAULT_RANGES`.
    delta : float
        Huber's :math:`\delta`.

    Returns
    -------
    dict
        ``prediction``, ``value``, ``gradient``: 1-D arrays of the same length, one nnlib call per point
        (:func:`loss_point`).
    """
    name = names.loss_name(name)
    loss = make_loss(name, backend, delta)
    if predictions is None:
        predictions = np.linspace(*DEFAULT_RANGES[name], n_points)
    predictions = np.asarray(predictions, dtype=np.float64).ravel()
    points = np.array([_point(loss, name, p, target, n_classes, backend) for p in predictions]).reshape(-1, 2)
    return {"prediction": predictions, "value": points[:, 0], "gradient": points[:, 1]}


def toy_data():
    r"""Five points that roughly follow :math:`y = 2x`: the data behind "a loss as a function of a weight".

    Returns
    -------
    x, y : ndarray, shape (5,)
    """
    x = np.array([-1.0, 0.0, 1.0, 2.0, 3.0])
    y = np.array([-2.5, 0.5, 1.5, 4.5, 5.5])
    return x, y


def parameter_loss(ws, x, y, loss="mse", backend="numpy"):
    r"""The loss of the model :math:`\hat y = w x` for every weight in ``ws``: :math:`L(w) = \text{loss}(w x, y)`.

    The loss wraps the model: give it parameters, it predicts and says in one number how far the
    predictions are from the targets. Returns an array shaped like ``ws``.
    """
    b = Backend(backend)
    fn = make_loss(loss, backend)
    x, y = b.tensor(x), b.tensor(y)
    ws = np.asarray(ws, dtype=np.float64)
    return np.array([float(fn.value(w * x, y)) for w in ws.ravel()]).reshape(ws.shape)


def parameter_slope(w, x, y, loss="mse", backend="numpy"):
    r"""The slope :math:`dL/dw` of :func:`parameter_loss` at ``w``, by the chain rule:

    .. math:: \frac{dL}{dw} = \sum_i \frac{\partial L}{\partial \hat y_i} \frac{\partial \hat y_i}{\partial w}
              = \sum_i \frac{\partial L}{\partial \hat y_i}\, x_i

    with :math:`\partial L/\partial \hat y` from the loss's ``gradient``.
    """
    b = Backend(backend)
    fn = make_loss(loss, backend)
    x, y = b.tensor(x), b.tensor(y)
    return float((fn.gradient(float(w) * x, y) * x).sum())


def outlier_data(outlier_shift=0.0, n=12, seed=0):
    r"""``n`` points near the line :math:`y = 0.8x + 1` (a little noise); the last one is moved up by ``outlier_shift``.

    Returns
    -------
    x, y : ndarray, shape (n,)
        ``x`` evenly spaced on [-2, 2]; the dragged point is ``(x[-1], y[-1])``.
    """
    rng = np.random.default_rng(seed)
    x = np.linspace(-2.0, 2.0, n)
    y = 0.8 * x + 1.0 + rng.normal(0.0, 0.25, n)
    y[-1] += outlier_shift
    return x, y


def _loss_object(loss, delta=1.0, backend="numpy"):
    return loss if hasattr(loss, "gradient") else make_loss(loss, backend, delta=delta)


def line_loss(w, b, x, y, loss="mse", delta=1.0):
    r"""The loss of the line :math:`\hat y = w x + b` on the points ``(x, y)``: one float."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(_loss_object(loss, delta).value(float(w) * x + float(b), y))


def line_gradient(w, b, x, y, loss="mse", delta=1.0):
    r"""The slope of :func:`line_loss` in both parameters, :math:`(\partial L/\partial w, \partial L/\partial b)`.

    By the chain rule, with :math:`g_i = \partial L/\partial \hat y_i` from the loss's ``gradient``:
    :math:`\partial L/\partial w = \sum_i g_i x_i` and :math:`\partial L/\partial b = \sum_i g_i`.
    ``loss`` is a name or an nnlib loss object.
    """
    if not hasattr(x, "detach"):  # tensors (from fit_line_with_loss on the torch backend) stay tensors
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    g = _loss_object(loss, delta).gradient(float(w) * x + float(b), y)
    return float(g @ x), float(g.sum())


def fit_line_with_loss(x, y, loss="mse", delta=1.0, steps=1500, learning_rate=0.3, backend="numpy"):
    r"""The line :math:`\hat y = w x + b` with the smallest loss, found by gradient descent.

    Each step moves :math:`(w, b)` against the slope of the loss (:func:`line_gradient`). The step size
    shrinks as :math:`\eta_t = \eta / (1 + t/20)`: MAE's slope does not get smaller near the minimum
    (each point pushes with :math:`\pm 1/N`), so a fixed step would hop around it forever.

    Returns
    -------
    (w, b) : tuple of float
    """
    fn = _loss_object(loss, delta, backend)
    if backend != "numpy":
        x, y = Backend(backend).tensor(x), Backend(backend).tensor(y)
    w = b = 0.0
    for t in range(steps):
        dw, db = line_gradient(w, b, x, y, fn)
        rate = learning_rate / (1.0 + t / 20.0)
        w, b = w - rate * dw, b - rate * db
    return w, b


def naive_softmax(z):
    r""":math:`e^{z_i} / \sum_j e^{z_j}` exactly as written: :math:`e^{z}` overflows to ``inf`` once :math:`z > 709`."""
    e = np.exp(z)
    return e / e.sum()


def naive_cross_entropy(z, target):
    r""":math:`-\log \text{softmax}(z)_t` from :func:`naive_softmax`: ``nan`` or ``inf`` for large logits."""
    return float(-np.log(naive_softmax(z)[target]))


def stability_table(scales=(1, 10, 100, 1000), direction=(1.0, 0.5, -1.0), target=1):
    r"""Cross-entropy of the logits ``scale * direction`` computed three ways, one row per scale.

    The naive formula runs with NumPy's overflow warnings silenced, so its ``nan``/``inf`` show up in the
    table instead of as warnings. The log-sum-exp form subtracts the largest logit :math:`m` first,
    :math:`\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}`, so no exponent is ever positive.

    Returns
    -------
    list of dict
        ``scale``, ``logits``, ``naive`` (float, may be nan/inf), ``nnlib_numpy``, ``nnlib_torch``
        (``CrossEntropyLoss().value``), ``naive_softmax`` and ``softmax`` (nnlib's) as arrays.
    """
    import torch

    from .. import numpy_nn, torch_nn

    rows = []
    for scale in scales:
        z = float(scale) * np.asarray(direction, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            naive_p = naive_softmax(z)
            naive = naive_cross_entropy(z, target)
        rows.append({
            "scale": scale, "logits": z, "naive": naive, "naive_softmax": naive_p,
            "nnlib_numpy": numpy_nn.CrossEntropyLoss().value(z[None, :], np.array([target])),
            "nnlib_torch": float(torch_nn.CrossEntropyLoss().value(torch.tensor(z[None, :]), torch.tensor([target]))),
            "softmax": softmax(z), "log_softmax": log_softmax(z),
        })
    return rows


def format_stability_table(rows):
    """:func:`stability_table` as aligned text for printing."""
    lines = [f"{'logits z':>26} | {'naive softmax(z)':>28} | {'naive loss':>10} | {'nnlib numpy':>11} | {'nnlib torch':>11}"]
    for r in rows:
        logits = "[" + ", ".join(f"{v:g}" for v in r["logits"]) + "]"
        probs = "[" + ", ".join(f"{v:.3g}" for v in r["naive_softmax"]) + "]"
        lines.append(f"{logits:>26} | {probs:>28} | {r['naive']:>10.4g} | {r['nnlib_numpy']:>11.4f} | "
                     f"{r['nnlib_torch']:>11.4f}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------- drawing
def _mark(ax, x, y, color):
    ax.plot([x], [y], "o", color=color, ms=8, mec="white", mew=1.5, zorder=5)


def _marker(plot, ax, color):
    """A live dot for the current point of a curve."""
    return plot.live(ax.plot([], [], "o", color=color, ms=8, mec="white", mew=1.5, zorder=5)[0])


@lru_cache(maxsize=256)
def _cached_curve(name, target, delta, n_classes, backend):
    """:func:`loss_curve` per setting: a slider that moves only the prediction reuses the curves."""
    return loss_curve(name, target, delta=delta, n_classes=n_classes, backend=backend)


def _curves(backend, name, target, delta=1.0, n_classes=N_CLASSES):
    """The loss curve computed by each chosen backend: {backend: curve dict}."""
    return {b: _cached_curve(names.loss_name(name), float(target), float(delta), n_classes, b)
            for b in chosen_backends(backend)}


def _caption(curves_by_loss):
    """backend_caption over every curve of every loss in ``{loss: {backend: curve}}``."""
    backends = next(iter(curves_by_loss.values()))
    return backend_caption({b: [c[b]["value"] for c in curves_by_loss.values()] +
                               [c[b]["gradient"] for c in curves_by_loss.values()] for b in backends})


class ParameterLossPlot(LivePlot):
    r"""Left: the data and the line :math:`\hat y = w x`. Right: the MSE :math:`L(w)` with the tangent at ``w``.

    The tangent's slope is :math:`dL/dw` (:func:`parameter_slope`): it says which way is downhill.
    """

    figsize = (10, 3.8)
    WS = np.linspace(-0.5, 4.5, 201)

    def setup(self, fig):
        from matplotlib.collections import LineCollection

        self.ax_data, self.ax_loss = fig.subplots(1, 2)
        x, y = toy_data()
        ax = self.ax_data
        ax.plot(x, y, "o", color="#333333", label="data", zorder=4)
        self.line = self.live(ax.plot([], [], color=COLORS["mse"], lw=2, label="prediction ŷ = w·x")[0])
        self.errors = self.live(ax.add_collection(LineCollection([], colors="#d62728", linewidths=1.5,
                                                                 label="errors ŷ − y")))
        ax.set_xlim(-1.5, 3.5)
        ax.set_ylim(-6, 10)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title("the model with weight w")
        ax.legend(fontsize=9, loc="upper left")
        ax.grid(alpha=0.3)
        ax = self.ax_loss
        self.curve = BackendLines(self, ax, color="#333333", lw=2, label="L(w), MSE")
        self.tangent = self.live(ax.plot([], [], color="#d62728", lw=2, label="tangent, slope dL/dw")[0])
        self.dot = _marker(self, ax, "#d62728")
        self.live(ax.title)
        ax.set_xlim(self.WS[0], self.WS[-1])
        ax.set_xlabel("weight w")
        ax.legend(fontsize=9, loc="upper center")
        ax.grid(alpha=0.3)
        self.caption = caption_text(self, ax)

    def update(self, w=1.0, backend="numpy"):
        x, y = toy_data()
        curves = {b: _cached_parameter_loss(b) for b in chosen_backends(backend)}
        first = next(iter(chosen_backends(backend)))
        value = float(parameter_loss([w], x, y, backend=first)[0])
        slope = parameter_slope(w, x, y, backend=first)
        xs = np.array([-1.5, 3.5])
        self.line.set_data(xs, w * xs)
        self.errors.set_segments([[(xi, yi), (xi, w * xi)] for xi, yi in zip(x, y)])
        self.curve.set(self.WS, curves)
        span = np.array([w - 0.8, w + 0.8])
        self.tangent.set_data(span, value + slope * (span - w))
        self.dot.set_data([w], [value])
        self.set_limits(self.ax_loss, y=(-2, max(25.0, float(curves[first].max()) * 0.6)))
        self.set_title(self.ax_loss, f"L({w:.2f}) = {value:.2f}, slope dL/dw = {slope:.2f}")
        self.caption.set_text(backend_caption(curves))


@lru_cache(maxsize=8)
def _cached_parameter_loss(backend):
    x, y = toy_data()
    return parameter_loss(ParameterLossPlot.WS, x, y, backend=backend)


def plot_parameter_loss(w=1.0, backend="numpy"):
    """The :class:`ParameterLossPlot` as a static figure."""
    return ParameterLossPlot().figure(w=w, backend=backend)


class RegressionLossesPlot(LivePlot):
    r"""MSE, MAE and Huber for one example: value (left) and slope :math:`\partial L/\partial p` (right)
    against the prediction :math:`p`, the target as a dashed line and the current prediction as dots."""

    figsize = (10, 3.8)

    def setup(self, fig):
        self.ax_value, self.ax_slope = fig.subplots(1, 2)
        self.lines, self.dots = {}, {}
        for name in REGRESSION_LOSSES:
            color = COLORS[name]
            self.lines[name] = (BackendLines(self, self.ax_value, color=color, lw=2, label=LABELS[name]),
                                BackendLines(self, self.ax_slope, color=color, lw=2, label=LABELS[name]))
            self.dots[name] = (_marker(self, self.ax_value, color), _marker(self, self.ax_slope, color))
        self.targets = [self.live(ax.axvline(0, color="#555555", ls="--", lw=1))
                        for ax in (self.ax_value, self.ax_slope)]
        for ax in (self.ax_value, self.ax_slope):
            ax.set_xlabel("prediction p")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=9, loc="upper center")
            self.live(ax.title)
        self.ax_value.set_ylim(-0.3, 9)
        self.ax_slope.set_ylim(-9, 9)
        self.set_limits(self.ax_value, x=DEFAULT_RANGES["mse"])
        self.set_limits(self.ax_slope, x=DEFAULT_RANGES["mse"])
        self.readout = caption_text(self, self.ax_value, x=0.02, y=0.55, ha="left", fontsize=9)
        self.caption = caption_text(self, self.ax_slope)

    def update(self, target=0.0, prediction=1.5, delta=1.0, backend="numpy"):
        curves, shown = {}, []
        first = chosen_backends(backend)[0]
        for name in REGRESSION_LOSSES:
            curves[name] = _curves(backend, name, target, delta)
            value, slope = loss_point(name, prediction, target, delta=delta, backend=first)
            for lines, part in zip(self.lines[name], ("value", "gradient")):
                lines.set(curves[name][first]["prediction"], {b: c[part] for b, c in curves[name].items()})
            self.dots[name][0].set_data([prediction], [value])
            self.dots[name][1].set_data([prediction], [slope])
            shown.append(f"{LABELS[name]}: L = {value:.2f}, dL/dp = {slope:.2f}")
        for line in self.targets:
            line.set_xdata([target, target])
        self.readout.set_text("\n".join(shown))
        self.set_title(self.ax_value, f"loss of one example, target t = {target:g} (dashed)")
        self.set_title(self.ax_slope, f"slope: which way and how hard to push p (Huber δ = {delta:g})")
        self.caption.set_text(_caption(curves))


def plot_regression_losses(target=0.0, prediction=1.5, delta=1.0, backend="numpy"):
    """The :class:`RegressionLossesPlot` as a static figure."""
    return RegressionLossesPlot().figure(target=target, prediction=prediction, delta=delta, backend=backend)


class BinaryLossesPlot(LivePlot):
    r"""Binary cross-entropy from a probability (left column) and from a logit (right column).

    One example with the given ``target``; the network's output is the logit ``logit``, so the probability
    is :math:`p = \sigma(z)`. The two loss values are the same number; the slopes are not: against
    :math:`p` the slope :math:`(p - t)/(p(1-p))` explodes near 0 and 1, against :math:`z` it is
    :math:`\sigma(z) - t`, never larger than 1.
    """

    figsize = (10, 6)
    COLUMNS = (("binary_cross_entropy", "probability p = σ(z)"), ("binary_cross_entropy_with_logits", "logit z"))

    def setup(self, fig):
        self.axes = fig.subplots(2, 2)
        self.lines, self.dots = {}, {}
        for col, (name, xlabel) in enumerate(self.COLUMNS):
            color = COLORS[name]
            self.lines[name] = [BackendLines(self, self.axes[row, col], color=color, lw=2) for row in range(2)]
            self.dots[name] = [_marker(self, self.axes[row, col], color) for row in range(2)]
            self.axes[1, col].set_xlabel(xlabel)
            self.axes[0, col].set_ylim(-0.2, 5.5)
            for ax in self.axes[:, col]:
                ax.grid(alpha=0.3)
                self.live(ax.title)
                self.set_limits(ax, x=DEFAULT_RANGES[name])
        self.axes[1, 0].set_ylim(-25, 25)
        self.axes[1, 1].set_ylim(-1.2, 1.2)
        self.suptitle = self.live(fig.suptitle(" "))
        self.caption = caption_text(self, self.axes[0, 1], y=0.85)

    def update(self, target=1.0, logit=1.0, backend="numpy"):
        p = float(stable_sigmoid(np.float64(logit)))
        p_shown = float(np.clip(p, *DEFAULT_RANGES["binary_cross_entropy"]))
        first = chosen_backends(backend)[0]
        curves = {}
        for col, ((name, _), at) in enumerate(zip(self.COLUMNS, (p_shown, float(logit)))):
            curves[name] = _curves(backend, name, target)
            value, slope = loss_point(name, at, target, backend=first)
            for row, part in enumerate(("value", "gradient")):
                self.lines[name][row].set(curves[name][first]["prediction"], {b: c[part] for b, c in curves[name].items()})
            self.dots[name][0].set_data([at], [value])
            self.dots[name][1].set_data([at], [slope])
            self.set_title(self.axes[0, col], f"{LABELS[name]}: L = {value:.3f}")
            self.set_title(self.axes[1, col], f"slope dL/d{'p' if col == 0 else 'z'} = {slope:.3f}")
        self.suptitle.set_text(f"binary cross-entropy, target t = {target:g}, logit z = {logit:g} → p = {p:.3f}")
        self.caption.set_text(_caption(curves))


def plot_binary_losses(target=1.0, logit=1.0, backend="numpy"):
    """The :class:`BinaryLossesPlot` as a static figure."""
    return BinaryLossesPlot().figure(target=target, logit=logit, backend=backend)


class CrossEntropyPlot(LivePlot):
    r"""Cross-entropy for the logits :math:`(z_0, 0, \dots, 0)`: softmax probabilities (left), the loss
    (middle) and its slope :math:`\partial L/\partial z_0` (right) against :math:`z_0`, for :data:`N_CLASSES`
    classes."""

    figsize = (11, 3.6)

    def setup(self, fig):
        n_classes = N_CLASSES
        self.ax_p, self.ax_value, self.ax_slope = fig.subplots(1, 3)
        self.bars = [self.live(bar) for bar in self.ax_p.bar(range(n_classes), np.zeros(n_classes), color="#bbbbbb")]
        self.bar_texts = [self.live(self.ax_p.text(c, 0.02, "", ha="center", fontsize=9)) for c in range(n_classes)]
        self.ax_p.set_xticks(range(n_classes), ["class 0\nz = z₀"] + [f"class {c}\nz = 0" for c in range(1, n_classes)])
        self.ax_p.set_ylim(0, 1.12)
        self.ax_p.set_title("softmax probabilities (green: the target)")
        color = COLORS["cross_entropy"]
        self.lines = [BackendLines(self, ax, color=color, lw=2) for ax in (self.ax_value, self.ax_slope)]
        self.dots = [_marker(self, ax, color) for ax in (self.ax_value, self.ax_slope)]
        self.ax_value.set_ylim(-0.2, 7)
        self.ax_slope.set_ylim(-1.1, 1.1)
        for ax in (self.ax_value, self.ax_slope):
            ax.set_xlabel("logit z₀ of class 0")
            ax.grid(alpha=0.3)
            self.live(ax.title)
            self.set_limits(ax, x=DEFAULT_RANGES["cross_entropy"])
        self.caption = caption_text(self, self.ax_p, y=0.85)

    def update(self, target_class=0, logit=1.0, backend="numpy"):
        n_classes = N_CLASSES
        z = np.zeros((1, n_classes))
        z[0, 0] = logit
        probs = compute(backend, lambda b: b.nn.softmax(b.tensor(z))[0])
        first = chosen_backends(backend)[0]
        curves = _curves(backend, "cross_entropy", target_class, n_classes=n_classes)
        value, slope = loss_point("cross_entropy", logit, target_class, n_classes=n_classes, backend=first)
        for c, (bar, text, q) in enumerate(zip(self.bars, self.bar_texts, probs[first])):
            bar.set_height(q)
            bar.set_color("#2ca02c" if c == target_class else "#bbbbbb")
            text.set_position((c, q + 0.02))
            text.set_text(f"{q:.2f}")
        for lines, part in zip(self.lines, ("value", "gradient")):
            lines.set(curves[first]["prediction"], {b: c[part] for b, c in curves.items()})
        self.dots[0].set_data([logit], [value])
        self.dots[1].set_data([logit], [slope])
        self.set_title(self.ax_value, f"L = −log p_target = {value:.3f}")
        self.set_title(self.ax_slope, f"slope dL/dz₀ = {slope:.3f}")
        self.caption.set_text(backend_caption({b: [probs[b], curves[b]["value"], curves[b]["gradient"]]
                                               for b in curves}))


def plot_cross_entropy(target_class=0, logit=1.0, backend="numpy"):
    """The :class:`CrossEntropyPlot` as a static figure."""
    return CrossEntropyPlot().figure(target_class=target_class, logit=logit, backend=backend)


@lru_cache(maxsize=512)
def _cached_fit(outlier_shift, delta, name, backend):
    x, y = outlier_data(outlier_shift)
    return fit_line_with_loss(x, y, name, delta=delta, backend=backend)


class OutlierFitsPlot(LivePlot):
    """The line fitted with MSE, MAE and Huber (:func:`fit_line_with_loss`) while one point is dragged up."""

    figsize = (7.5, 4.6)

    def setup(self, fig):
        ax = self.ax = fig.subplots()
        x, y = outlier_data(0.0)
        ax.plot(x[:-1], y[:-1], "o", color="#333333", label="data")
        self.point = self.live(ax.plot([], [], "o", color="#d62728", ms=10, label="the dragged point")[0])
        self.ghost = self.live(ax.plot([x[-1]], [y[-1]], "o", mfc="none", mec="#d62728", ms=10)[0])
        self.arrow = self.live(ax.annotate("", (x[-1], y[-1]), (x[-1], y[-1]),
                                           arrowprops={"arrowstyle": "->", "color": "#d62728"}))
        self.fits = {name: BackendLines(self, ax, color=COLORS[name], lw=2.5 if name == "huber" else 2,
                                        label=f"{LABELS[name]} fit")
                     for name in REGRESSION_LOSSES}
        for line in self.fits["huber"].lines.values():
            line.set_linestyle("--")
        ax.set_ylim(-2.5, 16)
        ax.set_xlim(-2.5, 2.5)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="upper left")
        self.live(ax.title)
        # hangs below the legend (five entries reach down to about 0.72 of the height)
        self.readout = caption_text(self, ax, x=0.02, y=0.68, ha="left", va="top", fontsize=9)
        self.caption = caption_text(self, ax)

    def update(self, outlier_shift=0.0, delta=1.0, backend="numpy"):
        x, y = outlier_data(outlier_shift)
        self.point.set_data([x[-1]], [y[-1]])
        self.ghost.set_visible(bool(outlier_shift))
        self.arrow.set_visible(bool(outlier_shift))
        self.arrow.xy = (x[-1], y[-1])
        xs = np.array([-2.3, 2.3])
        fits, shown = {}, []
        for name in REGRESSION_LOSSES:
            fits[name] = {b: _cached_fit(float(outlier_shift), float(delta), name, b) for b in chosen_backends(backend)}
            self.fits[name].set(xs, {b: w * xs + b0 for b, (w, b0) in fits[name].items()})
            w, b0 = next(iter(fits[name].values()))
            shown.append(f"{LABELS[name]} fit: slope {w:.2f}, intercept {b0:.2f}")
        self.readout.set_text("\n".join(shown))
        self.set_title(self.ax, f"one point moved up by {outlier_shift:g}, Huber δ = {delta:g}")
        self.caption.set_text(backend_caption({b: [np.array(fits[n][b]) for n in fits] for b in fits["mse"]}))


def plot_outlier_fits(outlier_shift=0.0, delta=1.0, backend="numpy"):
    """The :class:`OutlierFitsPlot` as a static figure."""
    return OutlierFitsPlot().figure(outlier_shift=outlier_shift, delta=delta, backend=backend)


def plot_loss_overview(target=1.0):
    """Every loss in nnlib: value (top) and slope (bottom). Regression losses for the target ``target``;
    the classification ones for target 1 (class 0 for cross-entropy). The figure ``figures/losses.png``."""
    fig = Figure(figsize=(12, 6.4), layout="constrained")
    axes = fig.subplots(2, 3)
    panels = [(REGRESSION_LOSSES, target, "prediction p", "regression: MSE, MAE, Huber (δ = 1)", (-0.3, 9), (-9, 9)),
              (("binary_cross_entropy",), 1.0, "probability p", "binary, from a probability (t = 1)", (-0.2, 5.5),
               (-25, 2)),
              (("binary_cross_entropy_with_logits", "cross_entropy"), 1.0, "logit z (z₀ for cross-entropy)",
               "from logits: BCE (t = 1),\ncross-entropy (target: class 0 of 3)", (-0.2, 7), (-1.1, 1.1))]
    for col, (losses, t, xlabel, title, value_limits, slope_limits) in enumerate(panels):
        for name in losses:
            curve = loss_curve(name, 0 if name == "cross_entropy" else t)
            axes[0, col].plot(curve["prediction"], curve["value"], color=COLORS[name], lw=2, label=LABELS[name])
            axes[1, col].plot(curve["prediction"], curve["gradient"], color=COLORS[name], lw=2, label=LABELS[name])
        axes[0, col].set_title(title, fontsize=10)
        axes[0, col].set_ylim(*value_limits)
        axes[1, col].set_ylim(*slope_limits)
        axes[1, col].set_xlabel(xlabel)
        for ax in axes[:, col]:
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
    axes[0, 0].axvline(target, color="#555555", ls="--", lw=1)
    axes[1, 0].axvline(target, color="#555555", ls="--", lw=1)
    axes[0, 0].set_ylabel("loss L")
    axes[1, 0].set_ylabel("slope dL/dprediction")
    return fig
