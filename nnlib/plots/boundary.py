r"""Decision boundaries of small classifiers on 2-D data, in the spirit of TensorFlow Playground.

Data: :func:`make_dataset` (seeded toy sets), :func:`grid_points` and :func:`boundary_grid` (a model's
probability on a grid covering the data), :func:`train_snapshots` (train one nnlib network and keep the
boundary every few epochs) and :func:`playground_run` (the same, cached, so a widget can switch between
activations instantly). Drawing: :func:`plot_decision_boundary` (any ``predict`` function, reusable in
any notebook), :func:`plot_playground` (the widget) and :func:`plot_boundaries_grid` (a static figure).

Every model here is a binary classifier whose ``predict(X)`` returns :math:`P(y = 1 \mid x)`, shape (n, 1)
or (n,); ``nnlib.Sequential`` with a sigmoid output does exactly that.
"""
from functools import lru_cache

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from .. import names
from ..model import Dense, Sequential
from .live import BackendLines, LivePlot, backend_caption, caption_text, chosen_backends

DATASETS = ("moons", "circles", "xor", "spiral")

#: point colours for class 0 and class 1, and a pale background map between them (through white at 0.5)
POINT_COLORS = ("#1f5fa8", "#d9480f")
BACKGROUND = LinearSegmentedColormap.from_list("boundary", ["#a9c8ec", "#ffffff", "#f6b98f"])

#: hidden activations worth comparing on a boundary (softmax is an output function, not a hidden one)
HIDDEN_ACTIVATIONS = tuple(name for name in names.ACTIVATIONS if name != "softmax")


# ------------------------------------------------------------------------------------------ data
def make_dataset(name="moons", n_samples=200, noise=0.15, seed=0):
    """A seeded 2-D binary dataset.

    Parameters
    ----------
    name : {"moons", "circles", "xor", "spiral"}
        Two interleaved half-moons; a ring around a disc; the four quadrants with the sign of
        :math:`x_1 x_2` as the label; two interleaved spiral arms.
    n_samples : int
    noise : float
        Standard deviation of the Gaussian noise added to each point (in the data's units).
    seed : int

    Returns
    -------
    X : ndarray, shape (n_samples, 2)
    y : ndarray of int, shape (n_samples,), values 0 or 1
    """
    rng = np.random.default_rng(seed)
    if name == "moons":
        from sklearn.datasets import make_moons
        X, y = make_moons(n_samples, noise=noise, random_state=seed)
        X = (X - [0.5, 0.25]) * 1.5  # centre it on the origin, like the others
    elif name == "circles":
        from sklearn.datasets import make_circles
        X, y = make_circles(n_samples, noise=noise / 2, factor=0.45, random_state=seed)
        X = X * 1.5
    elif name == "xor":
        X = rng.uniform(-1.5, 1.5, size=(n_samples, 2))
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
        X = X + rng.normal(0, noise / 2, size=X.shape)
    elif name == "spiral":
        half = n_samples // 2
        t = np.sqrt(rng.uniform(0, 1, size=n_samples)) * 3 * np.pi   # more points far out, where arms are long
        y = (np.arange(n_samples) >= half).astype(int)
        angle = t + np.pi * y
        X = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) / (3 * np.pi) * 1.8
        X = X + rng.normal(0, noise / 2, size=X.shape)
    else:
        raise ValueError(f"name: expected one of {list(DATASETS)}, got {name!r}")
    return X.astype(np.float64), np.asarray(y, dtype=np.int64)


def grid_points(X, resolution=80, margin=0.4):
    """A ``resolution`` x ``resolution`` grid covering the points ``X`` plus ``margin`` on every side.

    Returns
    -------
    xx, yy : ndarray, shape (resolution, resolution)
        Coordinates as from ``np.meshgrid``.
    points : ndarray, shape (resolution**2, 2)
        The same grid as rows ``(x1, x2)``, ready for ``model.predict``.
    """
    X = np.asarray(X, dtype=np.float64)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


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


def build_classifier(activation="relu", hidden=(8, 8), seed=0, backend="numpy"):
    """``2 -> hidden... -> 1`` network: ``activation`` in every hidden layer, sigmoid output.

    ``backend``: "numpy", "torch" (on the CPU) or "cuda" (the torch backend on the GPU).
    """
    sizes = (2, *hidden)
    layers = [Dense(n_in, n_out, activation) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    layers.append(Dense(sizes[-1], 1, "sigmoid"))
    if backend == "numpy":
        return Sequential(layers, backend="numpy", seed=seed)
    return Sequential(layers, backend="torch", seed=seed, device="cuda" if backend == "cuda" else "cpu")


def train_snapshots(X, y, activation="relu", hidden=(8, 8), epochs=300, every=10, learning_rate=0.03,
                    seed=0, backend="numpy", resolution=60):
    """Train :func:`build_classifier` with Adam on full batches, keeping the boundary every ``every`` epochs.

    Returns
    -------
    dict
        ``epochs`` (k,): the epochs of the snapshots (0 = before training); ``probs`` (k, resolution,
        resolution): P(class 1) on the grid; ``accuracy`` (k,): training accuracy at each snapshot;
        ``xx``, ``yy``; ``loss`` (epochs,): the mean training loss of each epoch; ``model``.
    """
    model = build_classifier(activation, hidden, seed, backend)
    model.compile(loss="binary_cross_entropy", optimizer="adam", learning_rate=learning_rate)
    xx, yy, points = grid_points(X, resolution)
    snapshots, probs, accuracies = [], [], []

    def snapshot(epoch, logs=None):
        if epoch % every == 0:
            snapshots.append(epoch)
            probs.append(model.predict(points).reshape(xx.shape))
            accuracies.append(float(np.mean((model.predict(X)[:, 0] > 0.5) == np.asarray(y))))

    snapshot(0)
    # fit calls back with a 0-based epoch index after that epoch's step: epoch + 1 epochs are done
    history = model.fit(X, y, epochs=epochs, batch_size=len(X), verbose=0,
                        callbacks=[lambda epoch, logs: snapshot(epoch + 1)])
    return {"epochs": np.array(snapshots), "probs": np.stack(probs), "accuracy": np.array(accuracies),
            "xx": xx, "yy": yy, "loss": np.array(history["loss"]), "model": model}


@lru_cache(maxsize=None)
def playground_run(dataset="moons", activation="relu", epochs=300, seed=0, backend="numpy"):
    """:func:`train_snapshots` on :func:`make_dataset` (``dataset``, seeded), cached per argument tuple.

    The first call for a (dataset, activation, backend) trains (a fraction of a second); every later
    call, e.g. from a widget, returns the stored result at once.
    """
    X, y = make_dataset(dataset, seed=seed)
    run = train_snapshots(X, y, activation, epochs=epochs, seed=seed, backend=backend)
    run.update(X=X, y=y)
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


class PlaygroundPlot(LivePlot):
    """The widget: the boundary after ``epoch`` epochs (left) and the training loss so far (right).

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
            epochs = np.arange(1, first["loss"].size + 1)
            self.set_limits(self.ax_loss, x=(0, epochs[-1] + 1),
                            y=(10 ** np.floor(np.log10(first["loss"].min())), 10 ** np.ceil(np.log10(first["loss"].max()))))
        self.image.set_data(first["probs"][i])
        for name, contour in self.contours.items():
            contour.set_visible(name in runs)
            if name in runs:
                contour.set_segments(boundary_lines(first["xx"], first["yy"], runs[name]["probs"][i]))
        epochs = np.arange(1, first["loss"].size + 1)
        self.full_loss.set_data(epochs, first["loss"])
        self.loss_lines.set(epochs[:shown], {name: run["loss"][:shown] for name, run in runs.items()})
        self.set_title(self.ax, f"{activation} on {dataset}: epoch {shown}, accuracy {first['accuracy'][i]:.0%}")
        self.caption.set_text(backend_caption({name: run["probs"][i] for name, run in runs.items()}))


def plot_playground(dataset="moons", activation="relu", epoch=300, backend="numpy"):
    """The :class:`PlaygroundPlot` as a static figure."""
    return PlaygroundPlot().figure(dataset=dataset, activation=activation, epoch=epoch, backend=backend)


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
