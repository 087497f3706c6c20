r"""A playground that trains while you watch: the engine behind ``09_playground``.

A :class:`TrainingSession` is one small classifier (2 inputs, hidden layers, a sigmoid output) learning one
of the 2-D data sets of :func:`nnlib.plots.boundary.make_dataset`, one mini-batch step at a time:
``step(n)`` trains, ``reset()`` starts over from the same initial weights, ``state()`` gives what a plot
needs (the decision boundary on a grid, the loss and accuracy after every step, the weights).
:func:`paired_sessions` builds a NumPy and a PyTorch session from the same initial weights, so the two
can train side by side and be compared (:func:`compare`).

Drawing: :class:`PlaygroundView` draws one or more sessions into one Figure and updates its artists in
place, frame after frame (no new Figure per frame).

The torch backend trains on one CPU thread (:func:`nnlib.speed.cpu_threads`): a batch of ten rows gains
nothing from more, and on a busy machine threads waiting for each other made each step twenty times slower.

Both backends see the same mini-batches: the session shuffles with its own seeded generator and hands
each batch to ``model.fit(..., epochs=1, shuffle=False)``, which takes exactly one optimizer step on it.
"""
import numpy as np
from matplotlib.figure import Figure

from . import _validation as v
from . import names
from .model import BACKENDS, Dense, Sequential
from .plots import boundary
from .plots import network
from .speed import cpu_threads

OPTIMIZERS = ("sgd", "adam")


def network_layers(hidden=(4, 4), activation="tanh"):
    """``Dense`` layers of a ``2 -> hidden... -> 1`` classifier: ``activation`` in every hidden layer, sigmoid output."""
    sizes = (2, *hidden, 1)
    return [Dense(a, b, activation if i < len(hidden) else "sigmoid")
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]


class TrainingSession:
    """One network learning one 2-D data set, a mini-batch step at a time.

    Parameters
    ----------
    dataset : {"moons", "circles", "xor", "spiral"}
    hidden : tuple of int
        Width of each hidden layer; ``()`` is logistic regression.
    activation : str
        Of every hidden layer (any of ``nnlib.names.ACTIVATIONS`` except softmax).
    learning_rate : float
    batch_size : int
        Rows per optimizer step (the last batch of an epoch may be smaller, as in ``fit``).
    backend : {"numpy", "torch"}
    optimizer : {"sgd", "adam"}
    n_samples, noise : int, float
        Of the data set.
    seed : int
        Seeds the data, the initial weights and the order of the mini-batches.
    weights : list of arrays, optional
        Initial weights ``[W1, b1, ...]`` (e.g. another session's), instead of the seeded ones.
    device : str
        For the torch backend ("cpu", "cuda"; "auto" picks CUDA when present).
    resolution : int
        Grid points per side of the decision-boundary picture.
    """

    def __init__(self, dataset="circles", hidden=(4, 4), activation="tanh", learning_rate=0.3, batch_size=10,
                 backend="numpy", optimizer="sgd", n_samples=200, noise=0.15, seed=0, weights=None, device="cpu",
                 resolution=40):
        self.dataset = v.check_choice(dataset, boundary.DATASETS, "dataset")
        if not isinstance(hidden, (tuple, list)):
            raise TypeError(f"hidden: expected a tuple of layer widths such as (4, 4), got {type(hidden).__name__}")
        self.hidden = tuple(v.check_positive_int(h, "hidden") for h in hidden)
        self.activation = names.activation_name(activation)
        if self.activation == "softmax":
            raise ValueError("activation: expected a hidden-layer activation, got 'softmax' (an output function)")
        self.learning_rate = v.check_positive_float(learning_rate, "learning_rate")
        self.batch_size = v.check_positive_int(batch_size, "batch_size")
        self.backend = v.check_choice(backend, BACKENDS, "backend")
        self.optimizer = v.check_choice(optimizer, OPTIMIZERS, "optimizer")
        self.seed = seed
        self.X, self.y = boundary.make_dataset(self.dataset, v.check_positive_int(n_samples, "n_samples"), noise, seed)
        self.xx, self.yy, self._grid = boundary.grid_points(self.X, v.check_positive_int(resolution, "resolution"))
        self.model = Sequential(network_layers(self.hidden, self.activation), backend=self.backend, seed=seed,
                                device=device if self.backend == "torch" else "cpu")
        if weights is not None:
            self.model.set_weights(weights)
        self.initial_weights = self.model.get_weights()
        self.reset()

    @property
    def layer_sizes(self):
        return [2, *self.hidden, 1]

    @property
    def device(self):
        return self.model.device

    @property
    def steps(self):
        """Optimizer steps taken since the last reset."""
        return len(self.losses) - 1

    @property
    def epoch(self):
        """Passes over the data so far (fractional: steps times rows per step over the data's rows)."""
        return self.rows_seen / len(self.X)

    def reset(self):
        """Back to the initial weights, a fresh optimizer (momentum/Adam state cleared) and the first batch order."""
        self.model.set_weights(self.initial_weights)
        self.model.compile(loss="binary_cross_entropy", optimizer=self.optimizer, learning_rate=self.learning_rate)
        self._rng = np.random.default_rng(self.seed)
        self._order, self._position = self._rng.permutation(len(self.X)), 0
        self.rows_seen = 0
        loss, accuracy = self._evaluate()
        self.losses, self.accuracies = [loss], [accuracy]
        return self

    def step(self, n=1):
        """Take ``n`` optimizer steps, each on the next mini-batch; returns self."""
        n = v.check_positive_int(n, "n")
        with cpu_threads(1 if self.backend == "torch" else None, blas=False):
            self._steps(n)
        return self

    def _steps(self, n):
        for _ in range(n):
            if self._position >= len(self.X):
                self._order, self._position = self._rng.permutation(len(self.X)), 0
            rows = self._order[self._position:self._position + self.batch_size]
            self._position += len(rows)
            self.model.fit(self.X[rows], self.y[rows], epochs=1, batch_size=len(rows), shuffle=False, verbose=0)
            self.rows_seen += len(rows)
            loss, accuracy = self._evaluate()
            self.losses.append(loss)
            self.accuracies.append(accuracy)

    def _evaluate(self):
        metrics = self.model.evaluate(self.X, self.y)
        return metrics["loss"], metrics["accuracy"]

    def probabilities(self):
        """P(class 1) on the picture's grid, shape (resolution, resolution)."""
        return self.model.predict(self._grid).reshape(self.xx.shape)

    def state(self):
        """What a plot of this session needs, as NumPy arrays.

        Returns
        -------
        dict
            ``xx``, ``yy``, ``prob`` (the boundary grid, as :func:`nnlib.plots.boundary.boundary_grid`);
            ``X``, ``y``; ``loss`` and ``accuracy`` (steps + 1,) on all the data, before training and
            after every step; ``steps``, ``epoch``; ``weights`` ``[W1, b1, ...]``; ``layer_sizes``,
            ``backend``, ``device``.
        """
        return {"xx": self.xx, "yy": self.yy, "prob": self.probabilities(), "X": self.X, "y": self.y,
                "loss": np.array(self.losses), "accuracy": np.array(self.accuracies), "steps": self.steps,
                "epoch": self.epoch, "weights": self.model.get_weights(), "layer_sizes": self.layer_sizes,
                "backend": self.backend, "device": self.device}

    def __repr__(self):
        return (f"TrainingSession({self.dataset!r}, hidden={self.hidden}, activation={self.activation!r}, "
                f"learning_rate={self.learning_rate}, batch_size={self.batch_size}, backend={self.backend!r}, "
                f"steps={self.steps})")


def paired_sessions(backends=("numpy", "torch"), **settings):
    """One :class:`TrainingSession` per backend, all from the first one's initial weights.

    ``settings`` go to every session (dataset, hidden, activation, learning_rate, ...). Returns a dict
    ``{backend: session}``.
    """
    backends = [v.check_choice(b, BACKENDS, "backends") for b in backends]
    if not backends:
        raise ValueError("backends: expected at least one of 'numpy', 'torch', got none")
    first = TrainingSession(backend=backends[0], **settings)
    sessions = {backends[0]: first}
    for backend in backends[1:]:
        sessions[backend] = TrainingSession(backend=backend, weights=first.initial_weights, **settings)
    return sessions


def compare(session_a, session_b):
    """How far apart two sessions are: the largest differences of weights, boundary grid and loss curve."""
    weights = max(float(np.max(np.abs(a - b))) for a, b in zip(session_a.model.get_weights(),
                                                               session_b.model.get_weights()))
    prob = float(np.max(np.abs(session_a.probabilities() - session_b.probabilities())))
    loss = float(np.max(np.abs(np.array(session_a.losses) - np.array(session_b.losses))))
    return {"weights": weights, "probability": prob, "loss": loss}


# ------------------------------------------------------------------------------------------- drawing
class PlaygroundView:
    """The playground's figure: per session its boundary and network; one loss plot for all, updated in place.

    ``update()`` reads each session's :meth:`TrainingSession.state` and changes the existing artists
    (image data, line data, edge widths and colours); only the 0.5 contour is drawn anew.
    """

    COLORS = {"numpy": "#1f77b4", "torch": "#ff7f0e"}
    WEIGHT_LIMIT = 3.0  # a fixed scale, so a line's width means the same weight in every frame

    def __init__(self, sessions, figsize=None):
        self.sessions = dict(sessions)
        if not self.sessions:
            raise ValueError("sessions: expected at least one TrainingSession, got none")
        n = len(self.sessions)
        self.fig = Figure(figsize=figsize or (3.3 * n + 4.2, 6.2), layout="constrained")
        grid = self.fig.add_gridspec(2, n + 1, height_ratios=[1.25, 1], width_ratios=[1] * n + [1.25])
        self.ax_loss = self.fig.add_subplot(grid[:, n])
        self._panels = {}
        for i, (key, session) in enumerate(self.sessions.items()):
            ax_b, ax_n = self.fig.add_subplot(grid[0, i]), self.fig.add_subplot(grid[1, i])
            s = session.state()
            extent = (s["xx"].min(), s["xx"].max(), s["yy"].min(), s["yy"].max())
            image = ax_b.imshow(s["prob"], origin="lower", extent=extent, cmap=boundary.BACKGROUND, vmin=0, vmax=1,
                                interpolation="bilinear", aspect="equal")
            for label, color in enumerate(boundary.POINT_COLORS):
                pts = s["X"][s["y"] == label]
                ax_b.scatter(pts[:, 0], pts[:, 1], s=10, c=color, edgecolors="white", linewidths=0.4)
            ax_b.set_xticks([])
            ax_b.set_yticks([])
            drawn = network.draw_network(ax_n, s["layer_sizes"], s["weights"][0::2], weight_limit=self.WEIGHT_LIMIT,
                                         max_width=5.0)
            (line,) = self.ax_loss.plot([], [], color=self.COLORS.get(session.backend, "k"), lw=2 if i == 0 else 1.2,
                                        ls="-" if i == 0 else "--", label=f"{key} ({session.device})")
            self._panels[key] = {"boundary": ax_b, "image": image, "contour": None, "edges": drawn["edge_lines"],
                                 "loss": line}
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlabel("optimizer steps")
        self.ax_loss.set_ylabel("loss on all points (binary cross-entropy)")
        self.ax_loss.grid(alpha=0.3, which="both")
        self.ax_loss.legend(loc="upper right", fontsize=9)
        self.update()

    def update(self):
        """Redraw every session's current state into the existing artists; returns the Figure."""
        longest, low, high = 1, np.inf, 0.0
        for key, session in self.sessions.items():
            panel, s = self._panels[key], session.state()
            panel["image"].set_data(s["prob"])
            if panel["contour"] is not None:
                panel["contour"].remove()
                panel["contour"] = None
            if s["prob"].min() < 0.5 < s["prob"].max():
                panel["contour"] = panel["boundary"].contour(s["xx"], s["yy"], s["prob"], levels=[0.5], colors="k",
                                                             linewidths=1.3)
            edges = network.network_edges(s["layer_sizes"], s["weights"][0::2], weight_limit=self.WEIGHT_LIMIT,
                                          max_width=5.0)
            for line, edge in zip(panel["edges"], edges):
                line.set_color(edge["color"])
                line.set_linewidth(edge["width"])
                line.set_linestyle(edge["linestyle"])
            panel["loss"].set_data(np.arange(len(s["loss"])), s["loss"])
            panel["boundary"].set_title(f"{key}: step {s['steps']}, epoch {s['epoch']:.1f}\n"
                                        f"loss {s['loss'][-1]:.3f}, accuracy {s['accuracy'][-1]:.0%}", fontsize=9)
            longest = max(longest, len(s["loss"]))
            low, high = min(low, s["loss"].min()), max(high, s["loss"].max())
        self.ax_loss.set_xlim(0, max(10, longest - 1))
        self.ax_loss.set_ylim(max(low, 1e-4) / 1.5, high * 1.5)
        return self.fig
