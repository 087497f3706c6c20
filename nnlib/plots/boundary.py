r"""Decision boundaries of small classifiers on 2-D data, in the spirit of TensorFlow Playground (``04_activations``).

Data: the toy sets of :func:`nnlib.datasets.make_dataset`; :func:`boundary_grid` (a model's probability on
a grid covering the data); :func:`playground_run` (a :class:`nnlib.playground.TrainingSession`, the one that
``09_playground`` trains live, trained with Adam on full batches and its boundary kept every few epochs, cached,
so a widget can switch between activations instantly). Drawing: :func:`plot_decision_boundary` (any ``predict``
function, reusable in any notebook), :class:`BoundaryReplayPlot` and :func:`plot_boundary_replay` (the widget)
and :func:`plot_boundaries_grid` (a static figure).

Every model here is a binary classifier whose ``predict(X)`` returns :math:`P(y = 1 \mid x)`, shape (n, 1)
or (n,); ``nnlib.Sequential`` with a sigmoid output does exactly that.
"""
from functools import lru_cache

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from .. import names
from .. import playground as pg
from ..datasets import DATASETS, grid_points, make_dataset  # noqa: F401  (their old home: kept importable here)
from .live import BackendLines, LivePlot, backend_caption, caption_text, chosen_backends

#: point colours for class 0 and class 1, and a pale background map between them (through white at 0.5)
POINT_COLORS = ("#1f5fa8", "#d9480f")
BACKGROUND = LinearSegmentedColormap.from_list("boundary", ["#a9c8ec", "#ffffff", "#f6b98f"])

#: hidden activations worth comparing on a boundary (softmax is an output function, not a hidden one)
HIDDEN_ACTIVATIONS = tuple(name for name in names.ACTIVATIONS if name != "softmax")


# ------------------------------------------------------------------------------------------ data
def boundary_grid(predict, X, resolution=80, margin=0.4):
    """A model's probability of class 1 over the grid of :func:`grid_points`.

    Parameters
    ----------
    predict : callable
        ``predict(points)`` -> probabilities of class 1, shape (m,) or (m, 1) (e.g. ``model.predict``).

    Returns
    -------
    dict
        ``xx``, ``yy`` (resolution, resolution) and ``prob`` of the same shape, in [0, 1].
    """
    xx, yy, points = grid_points(X, resolution, margin)
    prob = np.asarray(predict(points), dtype=np.float64).reshape(xx.shape)
    return {"xx": xx, "yy": yy, "prob": prob}


@lru_cache(maxsize=None)
def playground_run(dataset="moons", activation="relu", epochs=300, seed=0, backend="numpy"):
    """A ``2 -> 8 -> 8 -> 1`` :class:`nnlib.playground.TrainingSession` on ``dataset``, trained with Adam
    (learning rate 0.03) on full batches, so a step is an epoch: :func:`nnlib.playground.snapshots` every
    10 epochs, with ``epochs`` (k,) the epochs of the snapshots. Cached per argument tuple: the first call
    trains (about a second), every later one, e.g. from a widget, returns the stored result at once.
    """
    session = pg.backend_session(backend, dataset=dataset, hidden=(8, 8), activation=activation, learning_rate=0.03,
                                 batch_size=200, optimizer="adam", n_samples=200, seed=seed, resolution=60)
    run = pg.snapshots(session, epochs, every=10)
    run["epochs"] = run.pop("steps")
    return run


def snapshot_at(run, epoch):
    """The index of the last snapshot taken at or before ``epoch``."""
    return int(np.searchsorted(run["epochs"], epoch, side="right") - 1)


# ------------------------------------------------------------------------------------- drawing
def plot_decision_boundary(grid, X, y, ax=None, title=None):
    """Shade P(class 1) over ``grid`` (from :func:`boundary_grid`), draw the 0.5 line and the points.

    Blue means class 0, orange class 1 (paler: less sure); the black line is the decision boundary. Returns the Figure
    (a new one when ``ax`` is None, else the one ``ax`` belongs to).
    """
    if ax is None:
        fig = Figure(figsize=(4.2, 4), layout="constrained")
        ax = fig.subplots()
    fig = ax.figure
    ax.contourf(grid["xx"], grid["yy"], grid["prob"], levels=np.linspace(0, 1, 11), cmap=BACKGROUND, vmin=0, vmax=1)
    if grid["prob"].min() < 0.5 < grid["prob"].max():
        ax.contour(grid["xx"], grid["yy"], grid["prob"], levels=[0.5], colors="k", linewidths=1.5)
    y = np.asarray(y).ravel()
    for label, color in enumerate(POINT_COLORS):
        ax.scatter(X[y == label, 0], X[y == label, 1], s=14, c=color, edgecolors="white", linewidths=0.5,
                   label=f"class {label}")
    ax.set_xlim(grid["xx"].min(), grid["xx"].max())
    ax.set_ylim(grid["yy"].min(), grid["yy"].max())
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def boundary_lines(xx, yy, prob, level=0.5):
    """The ``level`` contour of ``prob`` over the grid as a list of (k, 2) point arrays (for a LineCollection)."""
    import contourpy

    return contourpy.contour_generator(xx, yy, prob).lines(level)


class BoundaryReplayPlot(LivePlot):
    """The widget of 04: the boundary after ``epoch`` epochs (left) and the training loss so far (right), replayed
    from :func:`playground_run`'s snapshots.

    With ``backend="both"`` the NumPy network's boundary is shaded and drawn solid, the PyTorch
    network's (same initial weights, same data) drawn dashed, and both loss curves overlaid.
    """

    figsize = (9, 4)

    def setup(self, fig):
        from matplotlib.collections import LineCollection

        self.ax, self.ax_loss = fig.subplots(1, 2, width_ratios=[1, 1.1])
        ax = self.ax
        self.image = self.live(ax.imshow(np.zeros((2, 2)), origin="lower", cmap=BACKGROUND, vmin=0, vmax=1,
                                         aspect="auto", interpolation="bilinear"))
        self.contours = {}
        for name in ("numpy", "torch", "cuda"):
            style = {"colors": "k", "linewidths": 1.5} if name == "numpy" else \
                {"colors": "k", "linewidths": 1.5, "linestyles": (0, (4, 3))}
            self.contours[name] = self.live(ax.add_collection(LineCollection([], zorder=3, **style)))
        # animated too: animated artists are drawn over the still ones, and the points lie on the shading
        self.points = [self.live(ax.scatter(np.zeros(1), np.zeros(1), s=14, c=color, edgecolors="white",
                                            linewidths=0.5, label=f"class {label}", zorder=4))
                       for label, color in enumerate(POINT_COLORS)]
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(" ", fontsize=10)
        self.live(ax.title)  # the title changes with every move
        self.full_loss = self.live(self.ax_loss.plot([], [], color="0.75", lw=1)[0])
        self.loss_lines = BackendLines(self, self.ax_loss, color="k", lw=2)
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlabel("epoch")
        self.ax_loss.set_title("training loss (log scale)", fontsize=10)
        self.ax_loss.grid(alpha=0.3, which="both")
        self.caption = caption_text(self, self.ax_loss, y=0.9)
        self.dataset = None

    def update(self, dataset="moons", activation="relu", epoch=300, backend="numpy"):
        activation = names.activation_name(activation)
        runs = {name: playground_run(dataset, activation, backend=name) for name in chosen_backends(backend)}
        first = next(iter(runs.values()))
        i = snapshot_at(first, epoch)
        shown = int(first["epochs"][i])
        if dataset != self.dataset:  # new points and extent: the one full redraw of a dataset change
            self.dataset = dataset
            for label, points in enumerate(self.points):
                points.set_offsets(first["X"][first["y"] == label])
            extent = (float(first["xx"].min()), float(first["xx"].max()), float(first["yy"].min()),
                      float(first["yy"].max()))
            self.image.set_extent(extent)
            self.set_limits(self.ax, x=extent[:2], y=extent[2:])
            self.set_limits(self.ax_loss, x=(0, first["loss"].size),
                            y=(10 ** np.floor(np.log10(first["loss"].min())), 10 ** np.ceil(np.log10(first["loss"].max()))))
        self.image.set_data(first["probs"][i])
        for name, contour in self.contours.items():
            contour.set_visible(name in runs)
            if name in runs:
                contour.set_segments(boundary_lines(first["xx"], first["yy"], runs[name]["probs"][i]))
        epochs = np.arange(first["loss"].size)  # the loss before training, then after every epoch
        self.full_loss.set_data(epochs, first["loss"])
        self.loss_lines.set(epochs[:shown + 1], {name: run["loss"][:shown + 1] for name, run in runs.items()})
        self.set_title(self.ax, f"{activation} on {dataset}: epoch {shown}, accuracy {first['accuracy'][i]:.0%}")
        self.caption.set_text(backend_caption({name: run["probs"][i] for name, run in runs.items()}))


def plot_boundary_replay(dataset="moons", activation="relu", epoch=300, backend="numpy"):
    """The :class:`BoundaryReplayPlot` as a static figure."""
    return BoundaryReplayPlot().figure(dataset=dataset, activation=activation, epoch=epoch, backend=backend)


def plot_boundaries_grid(datasets=("moons", "circles", "xor", "spiral"),
                         activations=("identity", "sigmoid", "tanh", "relu", "gelu")):
    """One panel per (dataset, activation) after full training: a static overview figure."""
    fig = Figure(figsize=(2.6 * len(activations), 2.6 * len(datasets)), layout="constrained")
    axes = np.asarray(fig.subplots(len(datasets), len(activations))).reshape(len(datasets), len(activations))
    for r, dataset in enumerate(datasets):
        for c, activation in enumerate(activations):
            run = playground_run(dataset, activation)
            grid = {"xx": run["xx"], "yy": run["yy"], "prob": run["probs"][-1]}
            plot_decision_boundary(grid, run["X"], run["y"], ax=axes[r, c],
                                   title=f"{activation}: {run['accuracy'][-1]:.0%}")
        axes[r, 0].set_ylabel(dataset, fontsize=11)
    fig.suptitle("Decision boundaries of a 2-8-8-1 network after 300 epochs (title: training accuracy)")
    return fig
