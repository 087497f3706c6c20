r"""Optimizers racing on 2-D loss surfaces, and learning-rate schedules on the playground's data. Used by ``10_optimizers_and_initialization``.

The race: from one start, SGD, SGD with momentum, Nesterov, RMSprop and Adam each take ``steps`` steps on a
surface :math:`f(x, y)` (:data:`SURFACES`): a long narrow **valley** (curvatures 1 and 20: one learning rate
cannot suit both directions), a **saddle** (the walk starts almost on the ridge, where the gradient that leads
off it is tiny) and a **Rosenbrock**-like banana (a curved valley floor). Every step is taken by nnlib's own
optimizer of the chosen backend (``numpy_nn.SGD``... or ``torch_nn.SGD``..., i.e. ``torch.optim``), on the
gradient computed in that backend. A walk that flies off is clipped as in 06 (:mod:`nnlib.plots.descent`).

Schedules: the same small network (:func:`nnlib.playground.network_layers`) trained on one of the playground's
data sets with SGD + momentum under a constant rate, :class:`StepLR`, :class:`CosineAnnealingLR` and a linear
warm-up (:class:`LinearLR`), one ``scheduler.step()`` per epoch, in either backend.

Data (unit-tested): :data:`SURFACES`, :func:`race`, :func:`schedule_runs`. Drawing: :class:`OptimizerRacePlot`,
:class:`SchedulePlot` and their ``plot_...`` functions.
"""
import functools
import math
from dataclasses import dataclass

import numpy as np

from ..speed import cpu_threads
from .descent import _visible
from .live import Backend, BackendLines, LivePlot, backend_caption, caption_text, chosen_backends


@dataclass(frozen=True)
class Surface:
    r"""A 2-D loss surface: ``f(x, y)`` and its gradient, written with ``+ - * **`` only, so the same code runs
    on NumPy numbers and on PyTorch tensors."""

    f: callable
    gradient: callable
    start: tuple
    minimum: tuple
    xlim: tuple
    ylim: tuple
    formula: str

    @property
    def best(self):
        return float(self.f(*self.minimum))


SURFACES = {
    "valley": Surface(lambda x, y: 0.5 * (x**2 + 20 * y**2), lambda x, y: (x, 20 * y),
                      (-4.0, 0.8), (0.0, 0.0), (-4.5, 1.5), (-1.2, 1.2), r"$f = \frac{1}{2}(x^2 + 20y^2)$"),
    "saddle": Surface(lambda x, y: 0.5 * x**2 - 0.5 * y**2 + 0.25 * y**4, lambda x, y: (x, y**3 - y),
                      (-2.5, 0.01), (0.0, 1.0), (-3.0, 1.5), (-1.6, 1.6),
                      r"$f = \frac{1}{2}x^2 - \frac{1}{2}y^2 + \frac{1}{4}y^4$"),
    "rosenbrock": Surface(lambda x, y: 0.5 * (1 - x)**2 + 2 * (y - x**2)**2,
                          lambda x, y: (-(1 - x) - 8 * x * (y - x**2), 4 * (y - x**2)),
                          (-1.5, 2.5), (1.0, 1.0), (-2.0, 2.0), (-1.0, 3.5),
                          r"$f = \frac{1}{2}(1-x)^2 + 2(y - x^2)^2$"),
}

#: the racers: name -> (nnlib optimizer class, its options from (beta1, beta2)), and whether it is adaptive
RACERS = {
    "SGD": ("SGD", lambda b1, b2: {}, False),
    "momentum": ("SGD", lambda b1, b2: {"momentum": b1}, False),
    "Nesterov": ("SGD", lambda b1, b2: {"momentum": b1, "nesterov": True}, False),
    "RMSprop": ("RMSprop", lambda b1, b2: {"alpha": b2}, True),
    "Adam": ("Adam", lambda b1, b2: {"betas": (b1, b2)}, True),
}
#: a walk stops once it is this far out (the plots show |x|, |y| < 5): beyond, rounding grows with the numbers
LIMIT = 1e3
RACER_COLORS = {"SGD": "#7f7f7f", "momentum": "#1f77b4", "Nesterov": "#17becf", "RMSprop": "#ff7f0e",
                "Adam": "#d62728"}


def _stack(b, parts):
    if b.name == "numpy":
        return np.array(parts)
    import torch

    return torch.stack(parts)


def walk(surface, optimizer, options, lr, steps, backend="numpy"):
    """``steps`` steps of one nnlib optimizer on ``surface`` (a :data:`SURFACES` name), from its start.

    Returns
    -------
    ndarray, shape (k + 1, 2)
        Every position, the start first; ``k = steps`` unless the walk left ``|x|, |y| < LIMIT`` (diverged).
    """
    s, b = SURFACES[surface], Backend(backend)
    p = b.nn.Parameter(b.tensor(s.start))
    opt = getattr(b.nn, optimizer)([p], lr=lr, **options)
    path = [np.array(s.start)]
    for _ in range(int(steps)):
        x, y = p.data[0], p.data[1]
        p.grad = _stack(b, s.gradient(x, y))
        opt.step()
        path.append(b.numpy(p.data).copy())
        if not np.all(np.abs(path[-1]) < LIMIT):
            break
    return np.array(path)


@functools.lru_cache(maxsize=256)
def race(surface="valley", lr_sgd=0.04, lr_adaptive=0.1, beta1=0.9, beta2=0.99, steps=100, backend="numpy"):
    """Every racer's walk on ``surface``: ``{name: {"path": (k+1, 2), "gap": f - f_min per position}}``.

    SGD, momentum and Nesterov take ``lr_sgd``; RMSprop and Adam, whose steps are about the learning rate
    itself whatever the gradient's size, take ``lr_adaptive``. ``beta1`` is the momentum :math:`\\mu` and
    Adam's :math:`\\beta_1`; ``beta2`` is RMSprop's :math:`\\alpha` and Adam's :math:`\\beta_2`.
    """
    s = SURFACES[surface]
    result = {}
    for name, (cls, options, adaptive) in RACERS.items():
        path = walk(surface, cls, options(beta1, beta2), lr_adaptive if adaptive else lr_sgd, steps, backend)
        with np.errstate(over="ignore", invalid="ignore"):
            gap = s.f(path[:, 0], path[:, 1]) - s.best
        result[name] = {"path": path, "gap": gap}
    return result


def _grid(surface, n=120):
    s = SURFACES[surface]
    xs, ys = np.meshgrid(np.linspace(*s.xlim, n), np.linspace(*s.ylim, n))
    return xs, ys, s.f(xs, ys) - s.best


class OptimizerRacePlot(LivePlot):
    """Left: the surface's contours and every racer's walk. Right: :math:`f - f_{min}` at every step, log scale."""

    figsize = (11.0, 4.4)

    def setup(self, fig):
        self.ax, self.ax_gap = fig.subplots(1, 2, width_ratios=(1.15, 1))
        self.contours, self.surface = [], None
        self.walks = {name: BackendLines(self, self.ax, color=c, marker="o", ms=2.2, lw=1.3)
                      for name, c in RACER_COLORS.items()}
        (self.start,) = self.ax.plot([], [], "s", color="#333333", ms=7, zorder=5)
        (self.goal,) = self.ax.plot([], [], "*", color="#333333", ms=13, zorder=5)
        self.ax.set_xlabel("x")
        self.ax.set_ylabel("y")
        self.gaps = {name: BackendLines(self, self.ax_gap, color=c, lw=1.8, label=name) for name, c in RACER_COLORS.items()}
        self.ax_gap.set_yscale("log")
        self.ax_gap.set_ylim(1e-8, 1e3)
        self.ax_gap.set_xlabel("step")
        self.ax_gap.set_ylabel("f − f_min (log scale)")
        self.ax_gap.grid(alpha=0.3, which="major")
        # above the panel: inside, it would hide the ends of the curves
        self.ax_gap.legend(fontsize=8.5, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=5, handlelength=1.5,
                           frameon=False)
        self.caption = caption_text(self, self.ax_gap, y=0.92)

    def _draw_surface(self, surface):
        """New contours when the surface changes (a full redraw; every other move only moves the walks)."""
        if surface == self.surface:
            return
        for artist in self.contours:
            artist.remove()
        s = SURFACES[surface]
        levels = np.geomspace(1e-3, 1e3, 13) if surface != "saddle" else np.linspace(-0.2, 4.5, 16)
        self.contours = [self.ax.contour(*_grid(surface), levels=levels, colors="#aaaaaa", linewidths=0.8)]
        self.start.set_data([s.start[0]], [s.start[1]])
        self.goal.set_data([s.minimum[0]], [s.minimum[1]])
        self.set_limits(self.ax, x=s.xlim, y=s.ylim)
        self.ax.set_title(f"{surface}: {s.formula}", fontsize=11)
        self.surface = surface

    def update(self, surface="valley", lr_sgd=0.04, lr_adaptive=0.1, beta1=0.9, beta2=0.99, steps=100,
               backend="numpy"):
        self._draw_surface(surface)
        s = SURFACES[surface]
        results = {b: race(surface, float(lr_sgd), float(lr_adaptive), float(beta1), float(beta2), int(steps), b)
                   for b in chosen_backends(backend)}
        low, high = (s.xlim[0], s.ylim[0]), (s.xlim[1], s.ylim[1])
        for name in RACERS:
            shown = {b: _visible(r[name]["path"], low, high) for b, r in results.items()}
            self.walks[name].set({b: p[:, 0] for b, p in shown.items()}, {b: p[:, 1] for b, p in shown.items()})
            gaps = {b: np.clip(r[name]["gap"], 1e-9, 1e4) for b, r in results.items()}
            self.gaps[name].set({b: np.arange(len(g)) for b, g in gaps.items()}, gaps)
        self.set_limits(self.ax_gap, x=(0, 10 * math.ceil(int(steps) / 10)))
        self.caption.set_text(backend_caption({b: [r[n]["path"] for n in RACERS] for b, r in results.items()}))


def plot_race(surface="valley", lr_sgd=0.04, lr_adaptive=0.1, beta1=0.9, beta2=0.99, steps=100, backend="numpy"):
    """The :class:`OptimizerRacePlot` as a static figure."""
    return OptimizerRacePlot().figure(surface=surface, lr_sgd=lr_sgd, lr_adaptive=lr_adaptive, beta1=beta1,
                                      beta2=beta2, steps=steps, backend=backend)


# ------------------------------------------------------------------------------------------ schedules
SCHEDULES = ("constant", "step", "cosine", "warm-up")
SCHEDULE_COLORS = {"constant": "#7f7f7f", "step": "#1f77b4", "cosine": "#2ca02c", "warm-up": "#d62728"}
EPOCHS = 40
WARMUP = 8  #: epochs of the linear warm-up (from a tenth of the rate)
MOMENTUM, BATCH = 0.9, 20


def make_schedule(nn, name, optimizer, step_size=10, epochs=EPOCHS):
    """The schedule ``name`` of :data:`SCHEDULES` on ``optimizer``, from nnlib's backend module ``nn`` (None: constant)."""
    if name == "constant":
        return None
    if name == "step":
        return nn.StepLR(optimizer, step_size=step_size, gamma=0.5)
    if name == "cosine":
        return nn.CosineAnnealingLR(optimizer, T_max=epochs)
    return nn.LinearLR(optimizer, start_factor=0.1, total_iters=WARMUP)


@functools.lru_cache(maxsize=64)
def schedule_runs(dataset="xor", learning_rate=0.2, step_size=10, backend="numpy", epochs=EPOCHS, seed=0):
    """Train the playground's ``2 -> 16 -> 16 -> 1`` tanh network once per schedule, the same start each time.

    SGD with momentum 0.9, mini-batches of 20, ``scheduler.step()`` after every epoch. The two backends'
    losses agree to round-off up to a rate of about 0.25 (``10_...``'s slider ends there); above it, on the
    harder data sets, training turns chaotic and amplifies their last-bit differences until the curves part.

    Returns
    -------
    dict
        ``{schedule: {"lr": (epochs,) the rate each epoch trained with, "loss": (epochs,) training loss}}``.
    """
    from .boundary import make_dataset

    X, y = make_dataset(dataset, n_samples=200, seed=seed)
    b = Backend(backend)
    runs = {}
    # PyTorch on one thread: batches of 20 rows gain nothing from more, and on a busy machine lose a lot
    with cpu_threads(1 if backend == "torch" else None, blas=False):
        for name in SCHEDULES:
            runs[name] = _train(b, name, X, y, learning_rate, step_size, epochs, seed)
    return runs


def _train(b, name, X, y, learning_rate, step_size, epochs, seed):
    """One run of :func:`schedule_runs`: the rate and the training loss of every epoch under schedule ``name``."""
    from ..model import Sequential
    from ..playground import network_layers

    model = Sequential(network_layers((16, 16), "tanh"), backend="numpy" if b.name == "numpy" else "torch",
                       seed=seed, device=b.device)
    model.compile("binary_cross_entropy", optimizer="sgd", learning_rate=learning_rate, momentum=MOMENTUM)
    scheduler = make_schedule(b.nn, name, model.optimizer, step_size, epochs)
    rates = []

    def next_rate(epoch, logs):  # fit's callback after every epoch: the rate it trained with, then the next one
        rates.append(scheduler.get_last_lr()[0] if scheduler else learning_rate)
        if scheduler:
            scheduler.step()

    history = model.fit(X, y, epochs=epochs, batch_size=BATCH, verbose=0, callbacks=[next_rate])
    return {"lr": np.array(rates), "loss": np.array(history["loss"])}


class SchedulePlot(LivePlot):
    """Left: the learning rate of every epoch under each schedule. Right: the training loss, log scale."""

    figsize = (11.0, 4.0)

    def setup(self, fig):
        self.ax_lr, self.ax_loss = fig.subplots(1, 2)
        self.rates = {n: BackendLines(self, self.ax_lr, color=c, lw=2, label=n) for n, c in SCHEDULE_COLORS.items()}
        self.losses = {n: BackendLines(self, self.ax_loss, color=c, lw=1.8) for n, c in SCHEDULE_COLORS.items()}
        self.ax_lr.set_xlabel("epoch")
        self.ax_lr.set_ylabel("learning rate η")
        self.ax_lr.set_title("the schedules")
        self.ax_lr.legend(fontsize=8.5, loc="upper center", ncols=4, handlelength=1.5)
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlabel("epoch")
        self.ax_loss.set_ylabel("training loss (log scale)")
        self.ax_loss.set_ylim(0.01, 1.0)
        self.live(self.ax_loss.title)
        for ax in (self.ax_lr, self.ax_loss):
            ax.set_xlim(-1, EPOCHS)
            ax.grid(alpha=0.3, which="major")
        self.caption = caption_text(self, self.ax_loss)

    def update(self, dataset="xor", learning_rate=0.2, step_size=10, backend="numpy"):
        results = {b: schedule_runs(dataset, float(learning_rate), int(step_size), b) for b in chosen_backends(backend)}
        epochs = np.arange(EPOCHS)
        for name in SCHEDULES:
            self.rates[name].set(epochs, {b: r[name]["lr"] for b, r in results.items()})
            self.losses[name].set(epochs, {b: r[name]["loss"] for b, r in results.items()})
        self.set_limits(self.ax_lr, y=(0, 1.3 * float(learning_rate)))  # room for the legend above the lines
        first = next(iter(results.values()))
        best = min(SCHEDULES, key=lambda n: first[n]["loss"][-1])
        self.set_title(self.ax_loss, f"{dataset}: lowest final loss with '{best}'")
        self.caption.set_text(backend_caption({b: [r[n]["loss"] for n in SCHEDULES] for b, r in results.items()}))


def plot_schedules(dataset="xor", learning_rate=0.2, step_size=10, backend="numpy"):
    """The :class:`SchedulePlot` as a static figure."""
    return SchedulePlot().figure(dataset=dataset, learning_rate=learning_rate, step_size=step_size, backend=backend)
