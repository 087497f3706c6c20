r"""Gradient descent: walking downhill on a loss, in 1-D and on a 2-D loss surface. Used by ``06_backprop``.

Both losses are the MSE of ``05_losses``' five points (:func:`nnlib.plots.losses.toy_data`), computed by
nnlib:

- 1-D: the model :math:`\hat y = w x` and its loss :math:`L(w)`, a parabola;
- 2-D: the line :math:`\hat y = w x + b` and its loss :math:`L(w, b)`, a bowl with elliptic contours.

A step of gradient descent is :math:`\theta \leftarrow \theta - \eta \nabla L(\theta)`. On a quadratic loss
with curvature :math:`\lambda` (the second derivative; in 2-D the largest eigenvalue of the Hessian) the
distance to the minimum is multiplied by :math:`1 - \eta\lambda` at each step, which sorts every learning
rate :math:`\eta` into one of four regimes (:func:`learning_rate_regime`):

=================  =========================  ==============================================
regime             :math:`\eta\lambda`         what happens
=================  =========================  ==============================================
too small          below 0.2                  tiny steps, each removes less than 20 % of the way
good               0.2 to 1                   straight down, 1 lands on the minimum in one step
oscillating        1 to 2                     overshoots, jumps from side to side, still settles
diverging          above 2                    each jump lands farther away: the loss explodes
=================  =========================  ==============================================

Data (unit-tested): :func:`gradient_descent`, :func:`loss_1d`, :func:`gradient_1d`, :func:`curvature_1d`,
:func:`loss_2d`, :func:`gradient_2d`, :func:`hessian_2d`, :func:`minimum_2d`, :func:`learning_rate_regime`,
:func:`descent_path_1d`, :func:`descent_path_2d`. Drawing: :func:`plot_descent_1d`, :func:`plot_descent_2d`
(slider callbacks) and :func:`plot_learning_rate_regimes` (``figures/gradient_descent.png``).
"""
import functools

import numpy as np
from matplotlib.figure import Figure

from .live import Backend, BackendLines, LivePlot, backend_caption, caption_text, chosen_backends
from .losses import line_gradient, line_loss, make_loss, parameter_loss, parameter_slope, toy_data

#: colours of the four regimes, used in titles and the overview figure
REGIME_COLORS = {"too small": "#ff7f0e", "good": "#2ca02c", "oscillating": "#9467bd", "diverging": "#d62728"}
START_1D = -0.5          #: where the 1-D walk starts
START_2D = (-1.0, 4.0)   #: where the 2-D walk starts: (w, b)
W_RANGE = (-1.5, 5.5)    #: the 1-D plot's x-range, also the 2-D plot's w-range
B_RANGE = (-3.0, 6.0)    #: the 2-D plot's b-range
DIVERGED = 1e6           #: a walk stops once a parameter is this far from 0


# ------------------------------------------------------------------------------------------ data
def gradient_descent(gradient, start, learning_rate, steps, limit=DIVERGED):
    r"""Take ``steps`` steps :math:`\theta_{k+1} = \theta_k - \eta\, \nabla L(\theta_k)` from ``start``.

    Parameters
    ----------
    gradient : callable
        ``gradient(theta)`` returns :math:`\nabla L(\theta)`, shaped like ``theta``.
    start : float or array_like, shape (d,)
    learning_rate : float
        The step size :math:`\eta`.
    steps : int
    limit : float
        Stop early once some :math:`|\theta_i|` exceeds it (the walk has diverged).

    Returns
    -------
    ndarray, shape (k + 1,) for a number ``start`` or (k + 1, d)
        Every position, ``start`` first; ``k = steps`` unless the walk diverged.
    """
    theta = np.array(start, dtype=np.float64)
    path = [theta.copy()]
    for _ in range(int(steps)):
        theta = theta - learning_rate * np.asarray(gradient(theta), dtype=np.float64)
        path.append(theta.copy())
        if not np.all(np.abs(theta) < limit):
            break
    return np.array(path)


def loss_1d(w, backend="numpy"):
    r""":math:`L(w)`, the MSE of :math:`\hat y = w x` on the five points: one float or an array like ``w``."""
    x, y = toy_data()
    values = parameter_loss(np.atleast_1d(w), x, y, backend=backend)
    return float(values[0]) if np.ndim(w) == 0 else values


def gradient_1d(w, backend="numpy"):
    r""":math:`dL/dw` of :func:`loss_1d` (:func:`nnlib.plots.losses.parameter_slope`)."""
    x, y = toy_data()
    return parameter_slope(float(np.asarray(w).ravel()[0]), x, y, backend=backend)


def curvature_1d():
    r""":math:`L''(w) = \frac{2}{N}\sum_i x_i^2`, the same everywhere: :math:`L` is a parabola."""
    x, _ = toy_data()
    return float(2.0 * np.mean(x * x))


def loss_2d(w, b, backend="numpy"):
    r""":math:`L(w, b)`, the MSE of the line :math:`\hat y = w x + b`; arrays of the same shape give a grid."""
    x, y = toy_data()
    fn = make_loss("mse", backend)
    if backend != "numpy":
        x, y = Backend(backend).tensor(x), Backend(backend).tensor(y)
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    values = np.array([line_loss(wi, bi, x, y, fn) for wi, bi in zip(w.ravel(), b.ravel())]).reshape(w.shape)
    return float(values) if values.ndim == 0 else values


def gradient_2d(theta, backend="numpy"):
    r""":math:`\nabla L = (\partial L/\partial w, \partial L/\partial b)` at ``theta = (w, b)``, as an array."""
    x, y = toy_data()
    if backend == "numpy":
        return np.array(line_gradient(theta[0], theta[1], x, y))
    b = Backend(backend)
    return np.array(line_gradient(theta[0], theta[1], b.tensor(x), b.tensor(y), make_loss("mse", backend)))


def hessian_2d():
    r"""The curvature of :math:`L(w, b)`: :math:`H = \frac{2}{N}\begin{pmatrix}\sum x^2 & \sum x\\ \sum x & N\end{pmatrix}`."""
    x, _ = toy_data()
    return 2.0 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])


def minimum_2d():
    r"""The bottom of the bowl, where :math:`\nabla L = 0`: the least-squares line ``(w, b)``.

    :math:`L` is quadratic, so :math:`\nabla L(\theta) = \nabla L(0) + H\theta`, which is 0 at
    :math:`\theta = -H^{-1}\nabla L(0)`.
    """
    return np.linalg.solve(hessian_2d(), -gradient_2d(np.zeros(2)))


def learning_rate_regime(learning_rate, curvature):
    r"""``"too small"``, ``"good"``, ``"oscillating"`` or ``"diverging"`` for the step :math:`\eta` on a
    quadratic loss whose largest curvature is :math:`\lambda` (see the table in the module docstring).

    Each step multiplies the distance to the minimum by :math:`1 - \eta\lambda` along the steepest
    direction; :math:`\eta\lambda > 2` makes that factor larger than 1 in size.
    """
    r = float(learning_rate) * float(curvature)
    if r <= 0:
        raise ValueError(f"learning_rate, curvature: expected positive numbers, got {learning_rate} and {curvature}")
    if r < 0.2:
        return "too small"
    if r <= 1.0:
        return "good"
    if r <= 2.0:
        return "oscillating"
    return "diverging"


def descent_path_1d(learning_rate, steps=12, start=START_1D, backend="numpy"):
    """The 1-D walk: ``{"w", "loss", "regime"}``, positions and their losses (one more than ``steps``),
    every slope and loss computed by nnlib's ``backend`` ("numpy", "torch" or "cuda")."""
    path = gradient_descent(lambda w: gradient_1d(w, backend), start, learning_rate, steps)
    return {"w": path, "loss": loss_1d(path, backend), "regime": learning_rate_regime(learning_rate, curvature_1d())}


def descent_path_2d(learning_rate, steps=30, start=START_2D, backend="numpy"):
    """The 2-D walk: ``{"path"}`` of shape (k+1, 2) with columns (w, b), ``loss`` per position, ``regime``,
    computed by nnlib's ``backend``."""
    path = gradient_descent(lambda theta: gradient_2d(theta, backend), start, learning_rate, steps)
    largest = float(np.linalg.eigvalsh(hessian_2d()).max())
    return {"path": path, "loss": loss_2d(path[:, 0], path[:, 1], backend),
            "regime": learning_rate_regime(learning_rate, largest)}


# ------------------------------------------------------------------------------------- drawing
def _regime_title(regime, learning_rate):
    return f"learning rate η = {learning_rate:g}: {regime}"


def _visible(path, low, high):
    """The walk up to and including its first point outside the box ``[low, high]`` (the plot's view):
    enough to see a diverging walk fly off, without the zigzag it draws far outside."""
    path = np.asarray(path)
    points = path.reshape(len(path), -1)
    inside = np.all((points >= np.asarray(low)) & (points <= np.asarray(high)), axis=1)
    stop = len(path) if inside.all() else int(np.argmin(inside)) + 1
    return path[:stop]


def _loss_per_step(ax, losses, best, color):
    """The distance to the best possible loss, :math:`L - L_{min}`, on a log scale: a straight line down
    means the same fraction of the way is removed at every step."""
    gap = np.maximum(np.asarray(losses) - best, 1e-9)
    ax.semilogy(np.arange(len(gap)), gap, "o-", color=color, ms=3)
    ax.set_ylim(1e-6, 1e5)
    ax.set_xlabel("step")
    ax.set_ylabel("L − L_min")
    ax.set_title("how far above the minimum (log scale)")
    ax.grid(alpha=0.3, which="major")


class _StepsPanel:
    """The right-hand panel: :math:`L - L_{min}` at every step on a log scale, one live line per backend."""

    def __init__(self, plot, ax):
        self.lines = BackendLines(plot, ax, marker="o", ms=3)
        ax.set_yscale("log")
        ax.set_ylim(1e-6, 1e5)
        ax.set_xlabel("step")
        ax.set_ylabel("L − L_min")
        ax.set_title("how far above the minimum (log scale)")
        ax.grid(alpha=0.3, which="major")
        self.ax = ax

    def set(self, losses_by_backend, best, color, steps):
        first = next(iter(losses_by_backend.values()))
        self.lines.set(np.arange(len(first)), {b: np.maximum(np.asarray(v) - best, 1e-9)
                                               for b, v in losses_by_backend.items()}, color=color)
        # the step axis grows in tens, so most moves only redraw the lines
        LivePlot.set_limits(self.ax, x=(-0.5, 10 * np.ceil((steps + 1) / 10) + 0.5))


def _best_1d():
    x, y = toy_data()
    return loss_1d(float(np.sum(x * y) / np.sum(x * x)))


class Descent1DPlot(LivePlot):
    """Left: the walk on :math:`L(w)` from :data:`START_1D`, one dot per step. Right: the loss at every step."""

    figsize = (10, 3.8)

    def setup(self, fig):
        ax, ax_steps = self.ax, _ = fig.subplots(1, 2)
        ws = np.linspace(*W_RANGE, 201)
        ax.plot(ws, loss_1d(ws), color="#333333", lw=2, label="L(w)")
        self.walk = BackendLines(self, ax, marker="o", ms=5, lw=1.2, label="the walk, one dot per step")
        start = START_1D
        ax.plot([start], [loss_1d(start)], "s", color="#333333", ms=7, label=f"start w = {start:g}")
        ax.set_xlim(*W_RANGE)
        ax.set_ylim(-2, 40)
        ax.set_xlabel("weight w")
        ax.set_ylabel("loss L(w)")
        ax.legend(fontsize=9, loc="upper right")
        ax.grid(alpha=0.3)
        self.live(ax.title)
        self.steps_panel = _StepsPanel(self, ax_steps)
        self.caption = caption_text(self, ax_steps)

    def update(self, learning_rate=0.02, steps=12, backend="numpy"):
        walks = {b: descent_path_1d(learning_rate, steps, backend=b) for b in chosen_backends(backend)}
        first = next(iter(walks.values()))
        color = REGIME_COLORS[first["regime"]]
        shown = {b: _visible(walk["w"], W_RANGE[0], W_RANGE[1]) for b, walk in walks.items()}
        self.walk.set(shown, {b: walk["loss"][:len(shown[b])] for b, walk in walks.items()}, color=color)
        self.set_title(self.ax, _regime_title(first["regime"], learning_rate))
        self.ax.title.set_color(color)
        self.steps_panel.set({b: walk["loss"] for b, walk in walks.items()}, _best_1d(), color, steps)
        self.caption.set_text(backend_caption({b: [walk["w"], walk["loss"]] for b, walk in walks.items()}))


def plot_descent_1d(learning_rate=0.02, steps=12, backend="numpy"):
    """The :class:`Descent1DPlot` as a static figure."""
    return Descent1DPlot().figure(learning_rate=learning_rate, steps=steps, backend=backend)


@functools.lru_cache(maxsize=1)
def _surface():
    """:math:`L(w, b)` on the plotted grid, computed once: every redraw of a slider reuses it."""
    ws, bs = np.meshgrid(np.linspace(*W_RANGE, 90), np.linspace(*B_RANGE, 90))
    return ws, bs, loss_2d(ws, bs)


def _contours(ax):
    levels = np.array([0.5, 1, 2, 4, 8, 16, 32, 64, 128])
    ax.contour(*_surface(), levels=levels, colors="#999999", linewidths=1)
    ax.plot(*minimum_2d(), "*", color="#333333", ms=14, label="minimum")
    ax.set_xlim(*W_RANGE)
    ax.set_ylim(*B_RANGE)
    ax.set_xlabel("weight w")
    ax.set_ylabel("bias b")


def _draw_path(ax, path, color):
    shown = _visible(path, (W_RANGE[0], B_RANGE[0]), (W_RANGE[1], B_RANGE[1]))
    ax.plot(shown[:, 0], shown[:, 1], "o-", color=color, ms=3.5, lw=1.5)
    ax.plot(*path[0], "s", color="#333333", ms=7, label="start")


class Descent2DPlot(LivePlot):
    r"""Left: the contours of :math:`L(w, b)` with the walk from :data:`START_2D`. Right: the loss at every step."""

    figsize = (10, 4.2)

    def setup(self, fig):
        ax, ax_steps = self.ax, _ = fig.subplots(1, 2)
        _contours(ax)
        self.walk = BackendLines(self, ax, marker="o", ms=3.5, lw=1.5)
        ax.plot(*START_2D, "s", color="#333333", ms=7, label="start")
        ax.legend(fontsize=9, loc="upper right")
        self.live(ax.title)
        self.steps_panel = _StepsPanel(self, ax_steps)
        self.caption = caption_text(self, ax_steps)

    def update(self, learning_rate=0.02, steps=30, backend="numpy"):
        walks = {b: descent_path_2d(learning_rate, steps, backend=b) for b in chosen_backends(backend)}
        first = next(iter(walks.values()))
        color = REGIME_COLORS[first["regime"]]
        low, high = (W_RANGE[0], B_RANGE[0]), (W_RANGE[1], B_RANGE[1])
        shown = {b: _visible(walk["path"], low, high) for b, walk in walks.items()}
        self.walk.set({b: path[:, 0] for b, path in shown.items()}, {b: path[:, 1] for b, path in shown.items()},
                      color=color)
        self.set_title(self.ax, _regime_title(first["regime"], learning_rate))
        self.ax.title.set_color(color)
        self.steps_panel.set({b: walk["loss"] for b, walk in walks.items()}, loss_2d(*minimum_2d()), color, steps)
        self.caption.set_text(backend_caption({b: [walk["path"], walk["loss"]] for b, walk in walks.items()}))


def plot_descent_2d(learning_rate=0.02, steps=30, backend="numpy"):
    """The :class:`Descent2DPlot` as a static figure."""
    return Descent2DPlot().figure(learning_rate=learning_rate, steps=steps, backend=backend)


def plot_learning_rate_regimes(learning_rates=(0.02, 0.12, 0.25, 0.32), steps=30):
    """The 2-D walk for four learning rates side by side: too small, good, oscillating, diverging."""
    fig = Figure(figsize=(13, 3.8), layout="constrained")
    for ax, rate in zip(fig.subplots(1, len(learning_rates)), learning_rates):
        walk = descent_path_2d(rate, steps)
        color = REGIME_COLORS[walk["regime"]]
        _contours(ax)
        _draw_path(ax, walk["path"], color)
        ax.set_title(_regime_title(walk["regime"], rate), color=color, fontsize=11)
    fig.suptitle(f"gradient descent on the loss surface L(w, b) of a line fit, {steps} steps from the square")
    return fig
