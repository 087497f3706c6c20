r"""How the initial weights' spread decides whether a deep network's signal survives. Used by ``10_optimizers_and_initialization``.

A stack of ``depth`` dense layers of ``WIDTH`` neurons, weights drawn by :mod:`nnlib.initializers`, is run on
``N_ROWS`` random inputs :math:`x \sim N(0, 1)`. After each layer we measure the spread (standard
deviation) of its outputs :math:`h_l` (forward) and of the gradients :math:`\partial L/\partial h_l` flowing back
from a random :math:`\partial L/\partial h_{depth} \sim N(0, 1)` (backward).

One layer multiplies the variance of its signal by about :math:`n_{in}\,\sigma_w^2\,c`, with :math:`c = 1` for
tanh near 0 and :math:`c = 1/2` for ReLU (it zeroes half of its inputs). Glorot's :math:`\sigma_w^2 = 2/(n_{in} +
n_{out})` makes that 1 for tanh, He's :math:`\sigma_w^2 = 2/n_{in}` for ReLU; anything else shrinks or grows the
signal geometrically, layer after layer: vanishing or exploding activations and gradients.

Data (unit-tested): :func:`init_weights_std`, :func:`activation_spread`. Drawing: :class:`InitSpreadPlot`
(the widget) and :func:`plot_init_spread`.
"""
import functools

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..initializers import weight_std
from .live import Backend, BackendLines, LivePlot, backend_caption, caption_text, chosen_backends

WIDTH = 64       #: neurons per layer
N_ROWS = 256     #: random inputs pushed through
#: the initializations the widget offers: "small" is :math:`N(0, 0.01^2)`, the others nnlib's names
INITS = ("small", "glorot_normal", "he_normal")
SMALL_STD = 0.01
#: the plot's y-range; a spread outside it is drawn at its edge
FLOOR, CEILING = 1e-10, 1e10
INIT_COLORS = {"small": "#7f7f7f", "glorot_normal": "#1f77b4", "he_normal": "#d62728"}


def init_weights_std(init, width=WIDTH, scale=1.0):
    """The standard deviation of one weight for ``init`` (see :data:`INITS`), times ``scale``."""
    if init == "small":
        return SMALL_STD * scale
    return weight_std(init, width, width) * scale


@functools.lru_cache(maxsize=256)
def activation_spread(depth=20, scale=1.0, init="he_normal", activation="relu", backend="numpy", seed=0):
    """The spread of activations and gradients through ``depth`` layers, computed by nnlib's ``backend``.

    Parameters
    ----------
    depth : int
    scale : float
        Multiplies every weight (1: the initializer's own spread).
    init : {"small", "glorot_normal", "he_normal"}
    activation : {"tanh", "relu"}
    backend : {"numpy", "torch", "cuda"}
    seed : int
        Seeds the weights (drawn by nnlib in NumPy, the same in every backend) and the inputs.

    Returns
    -------
    dict
        ``"forward"``: ndarray (depth + 1,), the std of the input, then of each layer's output;
        ``"backward"``: ndarray (depth + 1,), the std of :math:`\\partial L/\\partial h_l` for the same
        positions (the last is the random starting gradient).
    """
    if init not in INITS:
        raise ValueError(f"init: expected one of {list(INITS)}, got {init!r}")
    b = Backend(backend)
    rng = np.random.default_rng(seed)
    x = b.tensor(rng.normal(size=(N_ROWS, WIDTH)))
    top_gradient = b.tensor(rng.normal(size=(N_ROWS, WIDTH)))
    named = "he_normal" if init == "small" else init
    factor = init_weights_std(init, WIDTH, scale) / weight_std(named, WIDTH, WIDTH)
    act_cls = {"tanh": b.nn.Tanh, "relu": b.nn.ReLU}[activation]
    modules = []
    for _ in range(int(depth)):
        linear = b.place(b.nn.Linear(WIDTH, WIDTH, rng=rng, kernel_initializer=named))
        linear.weight.data *= factor  # a NumPy array or a tensor: both scale in place
        modules += [linear, b.place(act_cls())]
    forward, h = [x], x
    for module in modules:
        h = module(h)
        if not hasattr(module, "weight"):  # after each activation: a layer's output
            forward.append(h)
    backward, g = [top_gradient], top_gradient
    for module in reversed(modules):
        g = module.backward(g)
        if hasattr(module, "weight"):  # after each Linear: the gradient at that layer's input
            backward.append(g)
    # the spreads of what the backend computed, measured the same way for both (np.std divides by n)
    return {"forward": np.array([np.std(b.numpy(a)) for a in forward]),
            "backward": np.array([np.std(b.numpy(a)) for a in backward[::-1]])}


class InitSpreadPlot(LivePlot):
    """Left: the spread of each layer's output, log scale. Right: the spread of the gradient at each layer."""

    figsize = (10.5, 4.0)

    def setup(self, fig):
        self.axes = fig.subplots(1, 2, sharey=True)
        titles = ("forward: std of each layer's output $h_l$", "backward: std of $\\partial L/\\partial h_l$")
        self.lines = []
        for ax, title in zip(self.axes, titles):
            ax.set_yscale("log")
            ax.set_ylim(FLOOR / 3, CEILING * 3)
            ax.axhline(1.0, color="0.6", lw=1, ls=":")
            ax.set_xlabel("layer l")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(title, fontsize=11)
            ax.grid(alpha=0.3, which="major")
            self.lines.append(BackendLines(self, ax, marker="o", ms=3.5, lw=1.8))
        self.axes[0].set_ylabel("standard deviation (log scale)")
        self.note = self.live(self.axes[0].text(0.02, 0.97, "", transform=self.axes[0].transAxes, va="top",
                                                fontsize=9, bbox={"fc": "white", "ec": "0.8", "alpha": 0.9}))
        self.caption = caption_text(self, self.axes[1])

    def update(self, depth=20, scale=1.0, init="he_normal", activation="relu", backend="numpy"):
        results = {b: activation_spread(int(depth), float(scale), init, activation, b) for b in chosen_backends(backend)}
        layers = np.arange(int(depth) + 1)
        color = INIT_COLORS[init]
        for key, lines in zip(("forward", "backward"), self.lines):
            lines.set(layers, {b: np.clip(r[key], FLOOR, CEILING) for b, r in results.items()}, color=color)
        for ax in self.axes:
            self.set_limits(ax, x=(-0.5, max(10, int(depth)) + 0.5))
        first = next(iter(results.values()))
        sigma = init_weights_std(init, WIDTH, float(scale))
        self.note.set_text(f"{activation}, {init} × {float(scale):g}: σ_w = {sigma:.3g}\n"
                           f"layer {int(depth)}: std of h = {first['forward'][-1]:.2g}, "
                           f"of ∂L/∂h_0 = {first['backward'][0]:.2g}")
        self.caption.set_text(backend_caption({b: [r["forward"], r["backward"]] for b, r in results.items()}))


def plot_init_spread(depth=20, scale=1.0, init="he_normal", activation="relu", backend="numpy"):
    """The :class:`InitSpreadPlot` as a static figure."""
    return InitSpreadPlot().figure(depth=depth, scale=scale, init=init, activation=activation, backend=backend)
