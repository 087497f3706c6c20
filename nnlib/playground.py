r"""A playground that trains while you watch: the engine behind ``09_playground`` and ``04_activations``' boundaries.

A :class:`TrainingSession` is one small classifier (2 inputs, hidden layers, a sigmoid output) learning one
of the 2-D data sets of :func:`nnlib.datasets.make_dataset`, one mini-batch step at a time:
``step(n)`` trains, ``reset()`` starts over from the same initial weights, ``state()`` gives what a plot
needs (the decision boundary on a grid, the loss and accuracy after every step, the weights).
:func:`paired_sessions` builds a NumPy and a PyTorch session from the same initial weights, so the two
can train side by side and be compared (:func:`compare`). :func:`snapshots` trains a session and keeps its
boundary every few steps, for a slider that moves through training (04).

Drawing: :class:`nnlib.plots.playground.PlaygroundPlot` (live, 09) and
:class:`nnlib.plots.boundary.BoundaryReplayPlot` (snapshots, 04); the widget with play, pause, step and reset:
:func:`nnlib.player.playground`. This module never imports the plots.

The torch backend trains on one CPU thread (:func:`nnlib.speed.cpu_threads`): a batch of ten rows gains
nothing from more, and on a busy machine threads waiting for each other made each step twenty times slower.

Both backends see the same mini-batches: the session shuffles with its own seeded generator and hands
each batch to ``model.fit(..., epochs=1, shuffle=False)``, which takes exactly one optimizer step on it.
"""
import numpy as np

from . import _validation as v
from . import names
from .datasets import DATASETS, grid_points, make_dataset
from .model import BACKENDS, Dense, Sequential
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
        self.dataset = v.check_choice(dataset, DATASETS, "dataset")
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
        self.X, self.y = make_dataset(self.dataset, v.check_positive_int(n_samples, "n_samples"), noise, seed)
        self.xx, self.yy, self._grid = grid_points(self.X, v.check_positive_int(resolution, "resolution"))
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
        with self._threads():
            self._steps(n)
        return self

    def _threads(self):
        # torch on the CPU: one thread (see the module docstring); NumPy as it is
        return cpu_threads(1 if self.backend == "torch" and self.device == "cpu" else None, blas=False)

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
        with self._threads():
            metrics = self.model.evaluate(self.X, self.y)
        return metrics["loss"], metrics["accuracy"]

    def probabilities(self):
        """P(class 1) on the picture's grid, shape (resolution, resolution)."""
        with self._threads():
            return self.model.predict(self._grid).reshape(self.xx.shape)

    def state(self):
        """What a plot of this session needs, as NumPy arrays.

        Returns
        -------
        dict
            ``xx``, ``yy``, ``prob`` (the boundary grid, as :func:`nnlib.datasets.grid_points`);
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

    ``backends`` are names of the backend control: ``"numpy"``, ``"torch"`` (on the CPU) and ``"cuda"``
    (the torch backend on the GPU). ``settings`` go to every session (dataset, hidden, activation,
    learning_rate, ...). Returns a dict ``{name: session}`` in the order given.
    """
    backends = [v.check_choice(b, ("numpy", "torch", "cuda"), "backends") for b in backends]
    if not backends:
        raise ValueError("backends: expected at least one of 'numpy', 'torch', 'cuda', got none")
    sessions, weights = {}, settings.pop("weights", None)
    for name in backends:
        sessions[name] = backend_session(name, weights=weights, **settings)
        weights = sessions[name].initial_weights
    return sessions


def backend_session(name="numpy", **settings):
    """A :class:`TrainingSession` for a backend control's value: "numpy", "torch" (CPU) or "cuda" (torch on the GPU)."""
    name = v.check_choice(name, ("numpy", "torch", "cuda"), "backend")
    backend, device = ("numpy", "cpu") if name == "numpy" else ("torch", "cuda" if name == "cuda" else "cpu")
    return TrainingSession(backend=backend, device=device, **settings)


def snapshots(session, steps, every=10):
    """Train ``session`` from its initial weights for ``steps`` steps, keeping its boundary at step 0 and every ``every``.

    With ``batch_size`` equal to the data's rows, a step is an epoch (as in ``04_activations``).

    Returns
    -------
    dict
        ``steps`` (k,): the steps of the snapshots; ``probs`` (k, resolution, resolution): P(class 1) on
        the grid; ``accuracy`` (k,) at each snapshot; ``loss`` (steps + 1,): the loss on all points before
        training and after every step; ``xx``, ``yy``, ``X``, ``y``.
    """
    steps, every = v.check_positive_int(steps, "steps"), v.check_positive_int(every, "every")
    session.reset()
    taken, probs, accuracies = [], [], []
    for done in range(0, steps + 1, every):
        if done:
            session.step(every)
        taken.append(session.steps)
        probs.append(session.probabilities())
        accuracies.append(session.accuracies[-1])
    if session.steps < steps:  # the last steps, when every does not divide steps
        session.step(steps - session.steps)
        taken.append(session.steps)
        probs.append(session.probabilities())
        accuracies.append(session.accuracies[-1])
    return {"steps": np.array(taken), "probs": np.stack(probs), "accuracy": np.array(accuracies),
            "loss": np.array(session.losses), "xx": session.xx, "yy": session.yy, "X": session.X, "y": session.y}


def compare(session_a, session_b):
    """How far apart two sessions are: the largest differences of weights, boundary grid and loss curve."""
    weights = max(float(np.max(np.abs(a - b))) for a, b in zip(session_a.model.get_weights(),
                                                               session_b.model.get_weights()))
    prob = float(np.max(np.abs(session_a.probabilities() - session_b.probabilities())))
    loss = float(np.max(np.abs(np.array(session_a.losses) - np.array(session_b.losses))))
    return {"weights": weights, "probability": prob, "loss": loss}
