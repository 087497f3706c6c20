r"""A dense layer as one matrix product, :math:`Z = X W^\top + b`, drawn as coloured blocks.

Data: :func:`layer_shapes` (the shape of every matrix for a batch) and :func:`weighted_input_terms`
(the products that make one entry of Z). Drawing: :func:`plot_layer_shapes` (blocks, one square per
number; the batch-size/neurons widget) and :func:`plot_weighted_input` (the numbers, with the row,
column and entry of one :math:`z_{ij}` highlighted). Used by ``03_weighted_input``.
"""
import numpy as np
from matplotlib.patches import Rectangle

from .live import LivePlot, backend_caption, compute

#: one colour per matrix, shared by both pictures
COLORS = {"X": "#4c78a8", "W.T": "#f58518", "b": "#54a24b", "Z": "#b279a2"}


# ------------------------------------------------------------------------------------------ data
def layer_shapes(batch_size, n_inputs, n_neurons):
    r"""The shape of every array in :math:`Z = X W^\top + b` for a batch.

    Parameters
    ----------
    batch_size : int
        N, the number of samples (rows of X).
    n_inputs : int
        Features per sample (columns of X), i.e. weights per neuron.
    n_neurons : int
        Neurons in the layer (columns of Z).

    Returns
    -------
    dict
        ``"X"`` (N, n_inputs), ``"W"`` (n_neurons, n_inputs) as stored by nnlib and PyTorch,
        ``"W.T"`` (n_inputs, n_neurons), ``"b"`` (n_neurons,), ``"Z"`` (N, n_neurons), and
        ``"n_params"``: the layer's number of weights and biases, n_neurons * (n_inputs + 1).
    """
    for value, argument in ((batch_size, "batch_size"), (n_inputs, "n_inputs"), (n_neurons, "n_neurons")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{argument}: expected a positive integer, got {value!r}")
    return {"X": (batch_size, n_inputs), "W": (n_neurons, n_inputs), "W.T": (n_inputs, n_neurons),
            "b": (n_neurons,), "Z": (batch_size, n_neurons), "n_params": n_neurons * (n_inputs + 1)}


def weighted_input_terms(X, W, b, sample, neuron):
    r"""The pieces of one entry :math:`z_{ij} = \sum_k x_{ik} w_{jk} + b_j` (i = ``sample``, j = ``neuron``).

    Returns
    -------
    dict
        ``x`` (n_inputs,) row i of X; ``w`` (n_inputs,) row j of W (neuron j's weights);
        ``products`` (n_inputs,) :math:`x_{ik} w_{jk}`; ``bias`` :math:`b_j`; ``z`` the sum.
    """
    X, W, b = (np.asarray(a, dtype=np.float64) for a in (X, W, b))
    x, w = X[sample], W[neuron]
    products = x * w
    return {"x": x, "w": w, "products": products, "bias": float(b[neuron]), "z": float(products.sum() + b[neuron])}


# ------------------------------------------------------------------------------------- drawing
def _block(ax, left, top, rows, cols, color, label, cell=1.0, highlight_row=None, highlight_col=None):
    """Draw a rows x cols block of squares with its top-left corner at (left, top); return its right edge."""
    for r in range(rows):
        for c in range(cols):
            strong = r == highlight_row or c == highlight_col
            ax.add_patch(Rectangle((left + c * cell, top - (r + 1) * cell), cell, cell, facecolor=color,
                                   alpha=0.9 if strong else 0.45, edgecolor="white", lw=1.5))
    ax.text(left + cols * cell / 2, top - rows * cell - 0.35, label, ha="center", va="top", fontsize=11)
    return left + cols * cell


class LayerShapesPlot(LivePlot):
    r"""The shapes of :math:`Z = X W^\top + b` as blocks, one square per number.

    Row 0 of X and column 0 of :math:`W^\top` are darker, and so is the entry :math:`z_{00}` they make:
    every entry of Z is one row of X times one column of :math:`W^\top`. The bias row is added to
    every row of :math:`X W^\top` (broadcasting), drawn faintly repeated. Every slider changes the
    number of blocks, so each move draws the axes again (in the same figure). No nnlib computation here:
    only shapes.
    """

    figsize = (10, 4.2)

    def setup(self, fig):
        self.ax = fig.subplots()

    def update(self, batch_size=4, n_inputs=3, n_neurons=2):
        shapes = layer_shapes(batch_size, n_inputs, n_neurons)
        ax = self.ax
        self.empty(ax)  # the number of blocks changes: draw them again
        top, gap = 0.0, 1.2
        x = _block(ax, 0, top, batch_size, n_inputs, COLORS["X"], f"X\n{shapes['X']}", highlight_row=0)
        ax.text(x + gap / 2, top - batch_size / 2, "@", ha="center", va="center", fontsize=20)
        x = _block(ax, x + gap, top, n_inputs, n_neurons, COLORS["W.T"], f"Wᵀ\n{shapes['W.T']}", highlight_col=0)
        ax.text(x + gap / 2, top - batch_size / 2, "+", ha="center", va="center", fontsize=20)
        b_left = x + gap
        x = _block(ax, b_left, top, 1, n_neurons, COLORS["b"], "")
        for r in range(1, batch_size):  # broadcasting: the same bias row for every sample
            for c in range(n_neurons):
                ax.add_patch(Rectangle((b_left + c, top - r - 1), 1, 1, facecolor=COLORS["b"], alpha=0.12,
                                       edgecolor="white", lw=1.5))
        ax.text(b_left + n_neurons / 2, top - batch_size - 0.35, f"b\n{shapes['b']}\n(copied to every row)",
                ha="center", va="top", fontsize=11)
        ax.text(x + gap / 2, top - batch_size / 2, "=", ha="center", va="center", fontsize=20)
        z_left = x + gap
        x = _block(ax, z_left, top, batch_size, n_neurons, COLORS["Z"], f"Z\n{shapes['Z']}")
        ax.add_patch(Rectangle((z_left, top - 1), 1, 1, facecolor=COLORS["Z"], edgecolor="k", lw=2))
        height = max(batch_size, n_inputs)
        ax.set_xlim(-0.5, x + 0.5)
        ax.set_ylim(top - height - 2.6, top + 0.5)
        ax.set_aspect("equal")
        ax.axis("off")
        # no parameter count: counting them is 03's exercise 2 (the squares of Wᵀ and b show them)
        ax.set_title(f"batch of {batch_size} samples, {n_inputs} inputs, {n_neurons} neurons", fontsize=12)


def plot_layer_shapes(batch_size=4, n_inputs=3, n_neurons=2):
    """The :class:`LayerShapesPlot` as a static figure."""
    return LayerShapesPlot().figure(batch_size=batch_size, n_inputs=n_inputs, n_neurons=n_neurons)


def layer_output(X, W, b, backend):
    r""":math:`Z = X W^\top + b` computed by nnlib's ``Linear`` layer in ``backend`` (a
    :class:`~nnlib.plots.live.Backend`), with ``W`` and ``b`` as its weights."""
    W = np.asarray(W, dtype=np.float64)
    layer = backend.place(backend.nn.Linear(W.shape[1], W.shape[0]))
    layer.weight.data[...] = backend.tensor(W)
    layer.bias.data[...] = backend.tensor(b)
    return layer.forward(backend.tensor(X))


class WeightedInputPlot(LivePlot):
    r"""The numbers of :math:`X`, :math:`W^\top`, :math:`b` and :math:`Z = XW^\top + b` as heatmaps, with the row
    of X, the column of :math:`W^\top` and the bias that make :math:`z_{\text{sample},\text{neuron}}` outlined,
    and the sum written out underneath. Z is the output of nnlib's ``Linear`` in the chosen backend."""

    figsize = (10, 3.6)

    def __init__(self, X, W, b):
        super().__init__()
        self.X, self.W, self.b = (np.asarray(a, dtype=np.float64) for a in (X, W, b))

    def setup(self, fig):
        X, W, b = self.X, self.W, self.b
        Z = X @ W.T + b
        panels = [("X", X), ("Wᵀ", W.T), ("b", b[None, :]), ("Z = X Wᵀ + b", Z)]
        axes = self.axes = fig.subplots(1, 4, width_ratios=[a.shape[1] + 0.5 for _, a in panels])
        limit = np.abs(np.concatenate([a.ravel() for _, a in panels])).max()
        self.boxes, self.z_texts = [], []
        for ax, (title, a) in zip(axes, panels):
            is_z = ax is axes[3]
            image = ax.imshow(a, cmap="coolwarm", vmin=-limit, vmax=limit)
            texts = [ax.text(c, r, f"{value:.2f}", ha="center", va="center", fontsize=9)
                     for (r, c), value in np.ndenumerate(a)]
            if is_z:  # Z comes from the chosen backend: its picture and numbers are live
                self.z_image = self.live(image)
                self.z_texts = [self.live(t) for t in texts]
            self.boxes.append(self.live(ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor="k", lw=3))))
            ax.set_xticks(range(a.shape[1]))
            ax.set_yticks(range(a.shape[0]))
            ax.set_title(title)
        axes[2].set_yticks([])
        axes[0].set_ylabel("sample")
        axes[1].set_ylabel("input")
        axes[1].set_xlabel("neuron")
        axes[3].set_xlabel("neuron")
        self.suptitle = self.live(fig.suptitle(" ", fontsize=11))
        # a figure label, not a free text: the layout keeps room for it below the axis labels
        self.caption = self.live(fig.supxlabel(" ", x=0.99, ha="right", fontsize=8, color="0.25"))

    def update(self, sample=0, neuron=0, backend="numpy"):
        X, W, b = self.X, self.W, self.b
        results = compute(backend, lambda bk: layer_output(X, W, b, bk))
        Z = next(iter(results.values()))
        terms = weighted_input_terms(X, W, b, sample, neuron)
        self.z_image.set_data(Z)
        for text, value in zip(self.z_texts, Z.ravel()):
            text.set_text(f"{value:.2f}")
        shapes = [(X, (sample, None)), (W.T, (None, neuron)), (b[None, :], (None, neuron)), (Z, (sample, neuron))]
        for box, (a, (row, col)) in zip(self.boxes, shapes):
            rows = range(a.shape[0]) if row is None else [row]
            cols = range(a.shape[1]) if col is None else [col]
            box.set_xy((min(cols) - 0.5, min(rows) - 0.5))
            box.set_width(len(cols))
            box.set_height(len(rows))
        sum_text = " + ".join(f"({x:.2f})({w:.2f})" for x, w in zip(terms["x"], terms["w"]))
        self.suptitle.set_text(f"z[{sample}, {neuron}] = {sum_text} + ({terms['bias']:.2f}) = {terms['z']:.2f}")
        self.caption.set_text("Z " + backend_caption(results))


def plot_weighted_input(X, W, b, sample=0, neuron=0, backend="numpy"):
    """The :class:`WeightedInputPlot` as a static figure."""
    return WeightedInputPlot(X, W, b).figure(sample=sample, neuron=neuron, backend=backend)
