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

import numpy as np
from matplotlib.figure import Figure

from .. import names
from ..numpy_nn import log_softmax, softmax, stable_sigmoid

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
    """An nnlib loss object by name or alias (``"l2"`` is ``"mse"``); ``delta`` is for Huber only."""
    name = names.loss_name(name)
    if backend not in ("numpy", "torch"):
        raise ValueError(f"backend: expected 'numpy' or 'torch', got {backend!r}")
    module = importlib.import_module(f"nnlib.{backend}_nn")  # torch is imported only when asked for
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
    if backend == "torch":
        import torch

        p, t = torch.as_tensor(p), torch.as_tensor(t)
    return float(loss.value(p, t)), float(np.asarray(loss.gradient(p, t)).ravel()[0])


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


def parameter_loss(ws, x, y, loss="mse"):
    r"""The loss of the model :math:`\hat y = w x` for every weight in ``ws``: :math:`L(w) = \text{loss}(w x, y)`.

    The loss wraps the model: give it parameters, it predicts and says in one number how far the
    predictions are from the targets. Returns an array shaped like ``ws``.
    """
    fn = make_loss(loss)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ws = np.asarray(ws, dtype=np.float64)
    return np.array([fn.value(w * x, y) for w in ws.ravel()]).reshape(ws.shape)


def parameter_slope(w, x, y, loss="mse"):
    r"""The slope :math:`dL/dw` of :func:`parameter_loss` at ``w``, by the chain rule:

    .. math:: \frac{dL}{dw} = \sum_i \frac{\partial L}{\partial \hat y_i} \frac{\partial \hat y_i}{\partial w}
              = \sum_i \frac{\partial L}{\partial \hat y_i}\, x_i

    with :math:`\partial L/\partial \hat y` from the loss's ``gradient``.
    """
    fn = make_loss(loss)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.sum(fn.gradient(float(w) * x, y) * x))


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


def _loss_object(loss, delta=1.0):
    return loss if hasattr(loss, "gradient") else make_loss(loss, delta=delta)


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
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    g = _loss_object(loss, delta).gradient(float(w) * x + float(b), y)
    return float(g @ x), float(g.sum())


def fit_line_with_loss(x, y, loss="mse", delta=1.0, steps=1500, learning_rate=0.3):
    r"""The line :math:`\hat y = w x + b` with the smallest loss, found by gradient descent.

    Each step moves :math:`(w, b)` against the slope of the loss (:func:`line_gradient`). The step size
    shrinks as :math:`\eta_t = \eta / (1 + t/20)`: MAE's slope does not get smaller near the minimum
    (each point pushes with :math:`\pm 1/N`), so a fixed step would hop around it forever.

    Returns
    -------
    (w, b) : tuple of float
    """
    fn = _loss_object(loss, delta)
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


def plot_parameter_loss(w=1.0):
    r"""Left: the data and the line :math:`\hat y = w x`. Right: the MSE :math:`L(w)` with the tangent at ``w``.

    The tangent's slope is :math:`dL/dw` (:func:`parameter_slope`): it says which way is downhill.
    (Every argument of a slider callback becomes a slider in ``interact``, so there is no ``loss`` argument.)
    """
    loss = "mse"
    x, y = toy_data()
    ws = np.linspace(-0.5, 4.5, 201)
    curve = parameter_loss(ws, x, y, loss)
    value, slope = float(parameter_loss([w], x, y, loss)[0]), parameter_slope(w, x, y, loss)

    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax_data, ax_loss = fig.subplots(1, 2)
    xs = np.linspace(-1.5, 3.5, 2)
    ax_data.plot(x, y, "o", color="#333333", label="data")
    ax_data.plot(xs, w * xs, color=COLORS["mse"], lw=2, label=f"prediction ŷ = {w:.2f}·x")
    ax_data.vlines(x, y, w * x, color="#d62728", lw=1.5, label="errors ŷ − y")
    ax_data.set_ylim(-6, 10)
    ax_data.set_xlabel("x")
    ax_data.set_ylabel("y")
    ax_data.set_title("the model with weight w")
    ax_data.legend(fontsize=9, loc="upper left")

    ax_loss.plot(ws, curve, color="#333333", lw=2, label=f"L(w), {LABELS[names.loss_name(loss)]}")
    span = np.array([w - 0.8, w + 0.8])
    ax_loss.plot(span, value + slope * (span - w), color="#d62728", lw=2, label=f"tangent, slope dL/dw = {slope:.2f}")
    _mark(ax_loss, w, value, "#d62728")
    ax_loss.set_ylim(-2, max(25.0, float(curve.max()) * 0.6))
    ax_loss.set_xlim(ws[0], ws[-1])
    ax_loss.set_xlabel("weight w")
    ax_loss.set_title(f"the loss of every weight: L({w:.2f}) = {value:.2f}")
    ax_loss.legend(fontsize=9, loc="upper center")
    ax_loss.grid(alpha=0.3)
    ax_data.grid(alpha=0.3)
    return fig


def plot_regression_losses(target=0.0, prediction=1.5, delta=1.0):
    r"""MSE, MAE and Huber for one example: value (left) and slope :math:`\partial L/\partial p` (right)
    against the prediction :math:`p`, the target as a dashed line and the current prediction as dots."""
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax_value, ax_slope = fig.subplots(1, 2)
    for name in REGRESSION_LOSSES:
        curve = loss_curve(name, target, delta=delta)
        value, slope = loss_point(name, prediction, target, delta=delta)
        color = COLORS[name]
        ax_value.plot(curve["prediction"], curve["value"], color=color, lw=2, label=f"{LABELS[name]}: L = {value:.2f}")
        ax_slope.plot(curve["prediction"], curve["gradient"], color=color, lw=2,
                      label=f"{LABELS[name]}: dL/dp = {slope:.2f}")
        _mark(ax_value, prediction, value, color)
        _mark(ax_slope, prediction, slope, color)
    for ax in (ax_value, ax_slope):
        ax.axvline(target, color="#555555", ls="--", lw=1)
        ax.set_xlabel("prediction p")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="upper center")
    ax_value.set_ylim(-0.3, 9)
    ax_slope.set_ylim(-9, 9)
    ax_value.set_title(f"loss of one example, target t = {target:g} (dashed)")
    ax_slope.set_title(f"slope: which way and how hard to push p (Huber δ = {delta:g})")
    return fig


def plot_binary_losses(target=1.0, logit=1.0):
    r"""Binary cross-entropy from a probability (left column) and from a logit (right column).

    One example with the given ``target``; the network's output is the logit ``logit``, so the probability
    is :math:`p = \sigma(z)`. The two loss values are the same number; the slopes are not: against
    :math:`p` the slope :math:`(p - t)/(p(1-p))` explodes near 0 and 1, against :math:`z` it is
    :math:`\sigma(z) - t`, never larger than 1.
    """
    p = float(stable_sigmoid(np.float64(logit)))
    p_shown = float(np.clip(p, *DEFAULT_RANGES["binary_cross_entropy"]))
    fig = Figure(figsize=(10, 6), layout="constrained")
    axes = fig.subplots(2, 2)
    for col, (name, at, xlabel) in enumerate([("binary_cross_entropy", p_shown, "probability p = σ(z)"),
                                              ("binary_cross_entropy_with_logits", float(logit), "logit z")]):
        curve = loss_curve(name, target)
        value, slope = loss_point(name, at, target)
        color = COLORS[name]
        axes[0, col].plot(curve["prediction"], curve["value"], color=color, lw=2)
        axes[1, col].plot(curve["prediction"], curve["gradient"], color=color, lw=2)
        _mark(axes[0, col], at, value, color)
        _mark(axes[1, col], at, slope, color)
        axes[0, col].set_title(f"{LABELS[name]}: L = {value:.3f}")
        axes[1, col].set_title(f"slope dL/d{'p' if col == 0 else 'z'} = {slope:.3f}")
        axes[1, col].set_xlabel(xlabel)
        axes[0, col].set_ylim(-0.2, 5.5)
        for ax in axes[:, col]:
            ax.grid(alpha=0.3)
    axes[1, 0].set_ylim(-25, 25)
    axes[1, 1].set_ylim(-1.2, 1.2)
    fig.suptitle(f"binary cross-entropy, target t = {target:g}, logit z = {logit:g} → p = {p:.3f}")
    return fig


def plot_cross_entropy(target_class=0, logit=1.0):
    r"""Cross-entropy for the logits :math:`(z_0, 0, \dots, 0)`: softmax probabilities (left), the loss
    (middle) and its slope :math:`\partial L/\partial z_0` (right) against :math:`z_0`, for :data:`N_CLASSES`
    classes. (Every argument of a slider callback becomes a slider in ``interact``.)"""
    n_classes = N_CLASSES
    z = np.zeros(n_classes)
    z[0] = logit
    probs = softmax(z)
    curve = loss_curve("cross_entropy", target_class, n_classes=n_classes)
    value, slope = loss_point("cross_entropy", logit, target_class, n_classes=n_classes)
    color = COLORS["cross_entropy"]

    fig = Figure(figsize=(11, 3.6), layout="constrained")
    ax_p, ax_value, ax_slope = fig.subplots(1, 3)
    bar_colors = ["#2ca02c" if c == target_class else "#bbbbbb" for c in range(n_classes)]
    ax_p.bar(range(n_classes), probs, color=bar_colors)
    for c, q in enumerate(probs):
        ax_p.text(c, q + 0.02, f"{q:.2f}", ha="center", fontsize=9)
    ax_p.set_xticks(range(n_classes), [f"class {c}\nz = {z[c]:g}" for c in range(n_classes)])
    ax_p.set_ylim(0, 1.12)
    ax_p.set_title("softmax probabilities (green: the target)")
    ax_value.plot(curve["prediction"], curve["value"], color=color, lw=2)
    ax_slope.plot(curve["prediction"], curve["gradient"], color=color, lw=2)
    _mark(ax_value, logit, value, color)
    _mark(ax_slope, logit, slope, color)
    ax_value.set_title(f"L = −log p_target = {value:.3f}")
    ax_slope.set_title(f"slope dL/dz₀ = {slope:.3f}")
    ax_value.set_ylim(-0.2, 7)
    ax_slope.set_ylim(-1.1, 1.1)
    for ax in (ax_value, ax_slope):
        ax.set_xlabel("logit z₀ of class 0")
        ax.grid(alpha=0.3)
    return fig


def plot_outlier_fits(outlier_shift=0.0, delta=1.0):
    """The line fitted with MSE, MAE and Huber (:func:`fit_line_with_loss`) while one point is dragged up."""
    x, y = outlier_data(outlier_shift)
    clean_x, clean_y = outlier_data(0.0)
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.subplots()
    ax.plot(x[:-1], y[:-1], "o", color="#333333", label="data")
    ax.plot([x[-1]], [y[-1]], "o", color="#d62728", ms=10, label="the dragged point")
    if outlier_shift:
        ax.plot([clean_x[-1]], [clean_y[-1]], "o", mfc="none", mec="#d62728", ms=10)
        ax.annotate("", (x[-1], y[-1]), (clean_x[-1], clean_y[-1]), arrowprops={"arrowstyle": "->", "color": "#d62728"})
    xs = np.array([-2.3, 2.3])
    for name in REGRESSION_LOSSES:
        w, b = fit_line_with_loss(x, y, name, delta=delta)
        ax.plot(xs, w * xs + b, color=COLORS[name], lw=2.5 if name == "huber" else 2,
                ls="--" if name == "huber" else "-", label=f"{LABELS[name]} fit: slope {w:.2f}, intercept {b:.2f}")
    ax.set_ylim(-2.5, 16)
    ax.set_xlim(-2.5, 2.5)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"one point moved up by {outlier_shift:g}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
    return fig


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
