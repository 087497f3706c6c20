r"""Backpropagation by hand for a small network, one node at a time. Used by ``06_backprop``.

The network has 2 inputs, 2 hidden sigmoid neurons and 1 linear output, and its loss is the squared error:

.. math::

    z_j = \sum_i w_{ji} x_i + b_j, \qquad h_j = \sigma(z_j), \qquad
    \hat y = \sum_j v_j h_j + c, \qquad L = \operatorname{mean}\,(\hat y - t)^2

In code the parameters are a dict in nnlib's layout: ``W1`` (2, 2) holds :math:`w_{ji}` (row = neuron),
``b1`` (2,), ``W2`` (1, 2) holds :math:`v_j`, ``b2`` (1,) holds :math:`c`. The backward pass is the chain rule,
from the loss back to the inputs (:func:`backward`):

.. math::

    \frac{\partial L}{\partial \hat y} = \frac{2}{N}(\hat y - t), \quad
    \frac{\partial L}{\partial v_j} = \frac{\partial L}{\partial \hat y} h_j, \quad
    \frac{\partial L}{\partial h_j} = \frac{\partial L}{\partial \hat y} v_j, \quad
    \frac{\partial L}{\partial z_j} = \frac{\partial L}{\partial h_j} h_j (1 - h_j), \quad
    \frac{\partial L}{\partial w_{ji}} = \frac{\partial L}{\partial z_j} x_i

Data (unit-tested against PyTorch autograd): :func:`example_network`, :func:`forward`, :func:`backward`,
:func:`loss_and_gradients`, :func:`backprop_steps` (what the diagram shows at each step of the walk),
:func:`numerical_gradient`, :func:`relative_error`, :func:`gradient_check_rows`, :func:`xor_data`,
:func:`train_until`. Drawing: :func:`plot_backprop_step` (the step slider's callback, on
:func:`nnlib.plots.network.draw_network`), :func:`plot_training` (the threshold slider's callback) and
:func:`plot_loss_curve`.
"""
import functools

import numpy as np
from matplotlib.figure import Figure

from ..backprop_by_hand import PARAMETERS, _as_batch, backward, example_network, forward, loss_and_gradients  # noqa: F401
from .live import Backend, BackendLines, LivePlot, backend_caption, caption_text, chosen_backends
from .network import NEGATIVE, POSITIVE, draw_network

#: the diagram's columns: inputs, hidden neurons, output, loss
DIAGRAM_SIZES = (2, 2, 1, 1)
NODE_NAMES = [["x₁", "x₂"], ["h₁", "h₂"], ["ŷ"], ["L"]]
GRADIENT_COLOR = "#b2182b"  #: gradients written on the diagram
LEARNING_RATE = 0.5         #: the step of the walk's update and of the training


# ------------------------------------------------------------------------------------------ data
def _fmt(v, digits=3):
    return f"{v:.{digits}f}".replace("-", "−") if v < 0 else f"{v:.{digits}f}"


def _p(v):
    """A number inside a product: negative numbers in brackets."""
    return f"({_fmt(v)})" if v < 0 else _fmt(v)


def _nan_like(params):
    """Arrays shaped like ``params``, all NaN: nothing known yet."""
    return {k: np.full(np.shape(v), np.nan) for k, v in params.items()}


def backprop_steps(params=None, x=None, t=None, learning_rate=LEARNING_RATE):
    r"""Everything the diagram shows at each step of the walk: the forward pass one node at a time, the
    backward pass one node at a time, then the update.

    Steps: 0 inputs, 1-2 hidden neurons, 3 output, 4 loss (forward); 5 output, 6-7 hidden neurons
    (backward: each node's :math:`\partial L/\partial` and the gradients of the weights entering it);
    8 the update :math:`w \leftarrow w - \eta\, \partial L/\partial w`.

    Parameters
    ----------
    params, x, t
        The network, one example (2,) and its target; default :func:`example_network`.
    learning_rate : float
        :math:`\eta` of the update step.

    Returns
    -------
    list of dict
        One per step, with keys ``phase`` ("forward", "backward", "update"), ``title``, ``nodes`` (the
        active ``(layer, index)`` nodes of the diagram), ``edges`` (active ``(layer, source, target)``),
        ``values`` (per diagram layer: the node's output known so far, NaN where not computed yet),
        ``node_grads`` (per layer: :math:`\partial L/\partial` the node's output, NaN where unknown),
        ``grads`` (``W1, b1, W2, b2`` gradients known so far, NaN elsewhere), ``equations`` (the chain rule
        of this step, matplotlib mathtext with the numbers). The update step adds ``updates``
        (:math:`-\eta\,\partial L/\partial w` per parameter), ``new_params`` and ``new_loss``.
    """
    if params is None:
        params, x, t = example_network()
    x = np.asarray(x, dtype=np.float64).reshape(2)
    cache = forward(params, x[None, :])
    full = backward(params, cache, np.array([[t]]))
    z, h, y = cache["Z1"][0], cache["H"][0], float(cache["Y"][0, 0])
    loss = full["loss"]
    dy, dh, dz = float(full["dY"][0, 0]), full["dH"][0], full["dZ1"][0]
    W1, b1, W2, b2 = (params[k] for k in PARAMETERS)

    values = [np.full(n, np.nan) for n in DIAGRAM_SIZES]
    node_grads = [np.full(n, np.nan) for n in DIAGRAM_SIZES]
    grads = _nan_like(params)
    steps = []

    def add(phase, title, nodes, edges, equations, **extra):
        steps.append({"phase": phase, "title": title, "nodes": nodes, "edges": edges,
                      "values": [v.copy() for v in values], "node_grads": [g.copy() for g in node_grads],
                      "grads": {k: g.copy() for k, g in grads.items()}, "equations": equations, **extra})

    # forward, one node at a time
    values[0][:] = x
    add("forward", "forward 0: the inputs", [(0, 0), (0, 1)], [],
        [rf"the example: $x_1 = {_fmt(x[0])}$, $x_2 = {_fmt(x[1])}$, target $t = {_fmt(t)}$",
         "the forward pass computes every node from left to right"])
    for j in range(2):
        values[1][j] = h[j]
        k = j + 1
        add("forward", f"forward {k}: hidden neuron h{'₁₂'[j]}", [(1, j)], [(0, 0, j), (0, 1, j)],
            [rf"$z_{k} = w_{{{k}1}} x_1 + w_{{{k}2}} x_2 + b_{k} = {_p(W1[j, 0])} \cdot {_p(x[0])} + "
             rf"{_p(W1[j, 1])} \cdot {_p(x[1])} + {_p(b1[j])} = {_fmt(z[j])}$",
             rf"$h_{k} = \sigma(z_{k}) = 1 / (1 + e^{{-z_{k}}}) = {_fmt(h[j])}$"])
    values[2][0] = y
    add("forward", "forward 3: the output ŷ", [(2, 0)], [(1, 0, 0), (1, 1, 0)],
        [rf"$\hat y = v_1 h_1 + v_2 h_2 + c = {_p(W2[0, 0])} \cdot {_p(h[0])} + {_p(W2[0, 1])} \cdot {_p(h[1])} + "
         rf"{_p(b2[0])} = {_fmt(y)}$"])
    values[3][0] = loss
    add("forward", "forward 4: the loss L", [(3, 0)], [(2, 0, 0)],
        [rf"$L = (\hat y - t)^2 = ({_fmt(y)} - {_fmt(t)})^2 = {_fmt(loss)}$",
         "the forward pass is done; now every node asks: how much does L change if I change?"])

    # backward, one node at a time, from the loss to the inputs
    node_grads[3][0] = 1.0
    node_grads[2][0] = dy
    grads["W2"][:] = full["W2"]
    grads["b2"][:] = full["b2"]
    add("backward", "backward 5: the output ŷ and the weights entering it", [(2, 0)], [(1, 0, 0), (1, 1, 0)],
        [rf"$\dfrac{{\partial L}}{{\partial \hat y}} = 2(\hat y - t) = 2 \cdot ({_fmt(y)} - {_fmt(t)}) = {_fmt(dy)}$",
         rf"$\dfrac{{\partial L}}{{\partial v_1}} = \dfrac{{\partial L}}{{\partial \hat y}} \dfrac{{\partial \hat y}}{{\partial v_1}}"
         rf" = \dfrac{{\partial L}}{{\partial \hat y}}\, h_1 = {_p(dy)} \cdot {_p(h[0])} = {_fmt(full['W2'][0, 0])}$, "
         rf"$\dfrac{{\partial L}}{{\partial v_2}} = {_p(dy)} \cdot {_p(h[1])} = {_fmt(full['W2'][0, 1])}$",
         rf"$\dfrac{{\partial L}}{{\partial c}} = \dfrac{{\partial L}}{{\partial \hat y}} \cdot 1 = {_fmt(full['b2'][0])}$"])
    for j in range(2):
        k = j + 1
        node_grads[1][j] = dh[j]
        grads["W1"][j] = full["W1"][j]
        grads["b1"][j] = full["b1"][j]
        add("backward", f"backward {6 + j}: hidden neuron h{'₁₂'[j]} and the weights entering it", [(1, j)],
            [(0, 0, j), (0, 1, j), (1, j, 0)],
            [rf"$\dfrac{{\partial L}}{{\partial h_{k}}} = \dfrac{{\partial L}}{{\partial \hat y}} \dfrac{{\partial \hat y}}{{\partial h_{k}}}"
             rf" = \dfrac{{\partial L}}{{\partial \hat y}}\, v_{k} = {_p(dy)} \cdot {_p(W2[0, j])} = {_fmt(dh[j])}$",
             rf"$\dfrac{{\partial L}}{{\partial z_{k}}} = \dfrac{{\partial L}}{{\partial h_{k}}}\, \sigma'(z_{k})"
             rf" = \dfrac{{\partial L}}{{\partial h_{k}}}\, h_{k}(1 - h_{k}) = {_p(dh[j])} \cdot {_p(h[j])} \cdot {_p(1 - h[j])}"
             rf" = {_fmt(dz[j])}$",
             rf"$\dfrac{{\partial L}}{{\partial w_{{{k}1}}}} = \dfrac{{\partial L}}{{\partial z_{k}}}\, x_1 = "
             rf"{_p(dz[j])} \cdot {_p(x[0])} = {_fmt(full['W1'][j, 0])}$, "
             rf"$\dfrac{{\partial L}}{{\partial w_{{{k}2}}}} = {_p(dz[j])} \cdot {_p(x[1])} = {_fmt(full['W1'][j, 1])}$, "
             rf"$\dfrac{{\partial L}}{{\partial b_{k}}} = {_fmt(full['b1'][j])}$"])

    # the update: every weight moves against its own gradient
    updates = {k: -learning_rate * full[k] for k in PARAMETERS}
    new_params = {k: params[k] + updates[k] for k in PARAMETERS}
    new_loss, _ = loss_and_gradients(new_params, x[None, :], [t])
    biggest = max(((k, idx) for k in ("W1", "W2") for idx in np.ndindex(updates[k].shape)),
                  key=lambda ki: abs(updates[ki[0]][ki[1]]))
    label = {"W1": lambda j, i: f"w_{{{j + 1}{i + 1}}}", "W2": lambda j, i: f"v_{{{i + 1}}}"}[biggest[0]](*biggest[1])
    add("update", f"update 8: every weight takes a step against its gradient (η = {learning_rate:g})", [], [],
        [rf"$w \leftarrow w - \eta\, \dfrac{{\partial L}}{{\partial w}}$: each line now shows its weight's change "
         rf"$-\eta\, \partial L / \partial w$ (the largest: ${label}$, {_fmt(updates[biggest[0]][biggest[1]])})",
         rf"$\partial L/\partial w_{{ji}} = x_i \cdot \partial L/\partial z_j$: (its input) $\times$ (its neuron's error signal)",
         rf"$x_2 = {x[1] / x[0]:.2g} \times x_1$, so each weight from $x_2$ moves ${x[1] / x[0]:.2g} \times$ as far as its partner from $x_1$",
         rf"loss before the update $L = {_fmt(loss, 4)}$, after it $L = {_fmt(new_loss, 4)}$"],
        updates=updates, new_params=new_params, new_loss=new_loss)
    return steps


def numerical_gradient(f, params, eps=1e-6):
    r"""Central finite differences of ``f(params)`` (a float) for every entry of every array in ``params``:

    .. math:: \frac{\partial f}{\partial \theta} \approx \frac{f(\theta + \varepsilon) - f(\theta - \varepsilon)}{2\varepsilon}

    The entries are changed in place one at a time and put back. Returns a dict of arrays shaped like ``params``.
    """
    result = {}
    for name, value in params.items():
        grad = np.zeros_like(value, dtype=np.float64)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + eps
            up = f(params)
            value[idx] = old - eps
            down = f(params)
            value[idx] = old
            grad[idx] = (up - down) / (2 * eps)
        result[name] = grad
    return result


def relative_error(a, b):
    r""":math:`|a - b| / \max(|a|, |b|)`, element by element (0 where both are 0): CS231n's gradient check measure."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(b))
    return np.divide(np.abs(a - b), scale, out=np.zeros_like(scale), where=scale > 0)


def gradient_check_rows(columns):
    """One row per parameter entry from gradients computed in several ways.

    Parameters
    ----------
    columns : dict of str to dict
        ``{"by hand": grads, "autograd": grads, ...}``, each ``grads`` a dict ``W1, b1, W2, b2`` of arrays.
        The first column is the reference of the relative errors.

    Returns
    -------
    list of dict
        ``parameter`` (e.g. ``"W1[0, 1]"``), one value per column, and ``rel. error vs <column>`` for every
        column after the first.
    """
    names_ = list(columns)
    reference = columns[names_[0]]
    rows = []
    for param in reference:
        for idx in np.ndindex(np.shape(reference[param])):
            row = {"parameter": f"{param}[{', '.join(map(str, idx))}]"}
            for column in names_:
                row[column] = float(np.asarray(columns[column][param])[idx])
            for column in names_[1:]:
                row[f"rel. error vs {column}"] = float(relative_error(row[names_[0]], row[column]))
            rows.append(row)
    return rows


def format_relative_error(error, floor):
    """``"< 1e-12"`` below ``floor`` (the last digits there differ between machines), else the number."""
    return f"< {floor:.0e}" if error < floor else f"{error:.1e}"


def format_gradient_check(rows, floors):
    """:func:`gradient_check_rows` as aligned text; ``floors`` maps each error column to its display floor."""
    columns = list(rows[0])
    cells = [columns] + [[row["parameter"]] + [
        format_relative_error(row[c], floors[c]) if c in floors else f"{row[c]: .6f}" for c in columns[1:]]
        for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(r, widths)) for r in cells)


def xor_data():
    """The four XOR examples: ``X`` (4, 2) and targets ``T`` (4, 1), 1 where exactly one input is 1."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([[0.0], [1.0], [1.0], [0.0]])


def train_until(threshold, params=None, X=None, T=None, learning_rate=LEARNING_RATE, max_epochs=3000):
    r"""Full-batch gradient descent with :func:`loss_and_gradients` until the loss drops below ``threshold``.

    Defaults: the walk's network (:func:`example_network`) on the XOR data (:func:`xor_data`).

    Returns
    -------
    dict
        ``losses`` (the loss before each epoch's update, and after the last), ``epochs`` (updates made),
        ``reached`` (whether the loss went below ``threshold`` within ``max_epochs``), ``params`` (at the end)
        and ``predictions`` (the outputs for ``X`` at the end, (N, 1)).
    """
    if params is None:
        params = example_network()[0]
    if X is None:
        X, T = xor_data()
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    losses = []
    for epoch in range(max_epochs + 1):
        loss, grads = loss_and_gradients(params, X, T)
        losses.append(loss)
        if loss < threshold or epoch == max_epochs:
            break
        for k in PARAMETERS:
            params[k] -= learning_rate * grads[k]
    return {"losses": np.array(losses), "epochs": len(losses) - 1, "reached": bool(losses[-1] < threshold),
            "params": params, "predictions": forward(params, X)["Y"]}


class NnlibNetwork:
    """The walk's network built from nnlib's layers in one backend: ``Linear(2, 2)``, ``Sigmoid``,
    ``Linear(2, 1)`` and ``MSELoss``, starting from :func:`example_network`'s weights.

    The hand-written chain rule above is checked against it, and the widgets train it in NumPy
    (``nnlib.numpy_nn``) or PyTorch (``nnlib.torch_nn``) to show both give the same numbers.
    """

    def __init__(self, backend="numpy", params=None):
        b = self.b = backend if isinstance(backend, Backend) else Backend(backend)
        params = example_network()[0] if params is None else params
        self.hidden, self.output = b.place(b.nn.Linear(2, 2)), b.place(b.nn.Linear(2, 1))
        self.sigmoid, self.loss_fn = b.nn.Sigmoid(), b.nn.MSELoss()
        for layer, (w, c) in ((self.hidden, ("W1", "b1")), (self.output, ("W2", "b2"))):
            layer.weight.data[...] = b.tensor(params[w])
            layer.bias.data[...] = b.tensor(params[c])

    def loss_and_gradients(self, X, T):
        """Forward, loss, backward through nnlib's layers: ``(loss, {"W1", "b1", "W2", "b2"}, outputs)``."""
        X, T = _as_batch(X, T)
        Y = self.output.forward(self.sigmoid.forward(self.hidden.forward(self.b.tensor(X))))
        loss = float(self.b.numpy(self.loss_fn(Y, self.b.tensor(T))))
        layers = (self.hidden, self.output)
        for layer in layers:
            for p in (layer.weight, layer.bias):
                if p.grad is not None:
                    p.grad[...] = 0  # gradients add up across backward calls
        self.hidden.backward(self.sigmoid.backward(self.output.backward(self.loss_fn.backward())))
        grads = {name: self.b.numpy(p.grad).copy() for name, p in zip(
            PARAMETERS, (self.hidden.weight, self.hidden.bias, self.output.weight, self.output.bias))}
        return loss, grads, self.b.numpy(Y)

    def step(self, grads, learning_rate):
        for name, p in zip(PARAMETERS, (self.hidden.weight, self.hidden.bias, self.output.weight, self.output.bias)):
            p.data[...] -= self.b.tensor(learning_rate * grads[name])


@functools.lru_cache(maxsize=8)
def nnlib_training(backend="numpy", learning_rate=LEARNING_RATE, max_epochs=3000, lowest=1e-4):
    """:func:`train_until` with nnlib's layers in ``backend``, run once down to the ``lowest`` threshold a
    slider offers: ``{"losses", "predictions"}`` per epoch. Training stops at the first loss below a
    threshold, so a higher threshold's run is the start of this one (:func:`cut_training`)."""
    net = NnlibNetwork(backend)
    X, T = xor_data()
    losses, predictions = [], []
    for epoch in range(max_epochs + 1):
        loss, grads, outputs = net.loss_and_gradients(X, T)
        losses.append(loss)
        predictions.append(outputs[:, 0])
        if loss < lowest or epoch == max_epochs:
            break
        net.step(grads, learning_rate)
    return {"losses": np.array(losses), "predictions": np.array(predictions), "max_epochs": max_epochs}


def cut_training(run, threshold):
    """The part of :func:`nnlib_training`'s ``run`` that training until ``threshold`` makes: the dict
    :func:`train_until` returns (``losses``, ``epochs``, ``reached``, ``predictions``)."""
    below = np.flatnonzero(run["losses"] < threshold)
    epochs = int(below[0]) if below.size else min(run["max_epochs"], run["losses"].size - 1)
    return {"losses": run["losses"][:epochs + 1], "epochs": epochs, "reached": bool(below.size),
            "predictions": run["predictions"][epochs][:, None]}


# ------------------------------------------------------------------------------------- drawing
def _node_labels(values, layer):
    return [name if np.isnan(v) else f"{name}\n{_fmt(v, 2)}" for name, v in zip(NODE_NAMES[layer], values[layer])]


def _edge_text(array, prefix=""):
    """Text labels for one block of edges, ``""`` where the number is not known yet."""
    return np.array([["" if np.isnan(v) else f"{prefix}{_fmt(v, 2)}" for v in row] for row in array], dtype=object)


class BackpropStepPlot(LivePlot):
    """The walk's diagram at ``step`` (see :func:`backprop_steps`), the chain rule of that step underneath.

    Forward steps write each node's value in it and the weights on the lines; backward steps write
    :math:`\\partial L/\\partial` each node next to it (red) and the weights' gradients on the lines; the update
    step (learning rate :data:`LEARNING_RATE`) draws each line by the size and sign of its weight's change.
    Every step changes most of the picture, so each move redraws the two axes (in the same figure).
    The backend's note compares the walk's gradients with nnlib's layers computing the same network.
    """

    figsize = (10, 6.6)

    def setup(self, fig):
        self.ax, self.ax_text = fig.subplots(2, 1, height_ratios=[2.0, 1.25])
        # on the figure, not in an axes: the axes are cleared on every move
        self.caption = self.live(fig.text(0.99, 0.01, "", ha="right", va="bottom", fontsize=8, color="0.25"))

    def update(self, step=0, backend="numpy"):
        ax, ax_text = self.ax, self.ax_text
        self.empty(ax)
        self.empty(ax_text)
        steps = _steps(LEARNING_RATE)
        if not 0 <= int(step) < len(steps):
            raise ValueError(f"step: expected 0..{len(steps) - 1}, got {step}")
        s = steps[int(step)]
        params = example_network()[0]
        labels = [_node_labels(s["values"], layer) for layer in range(4)]
        if s["phase"] == "update":
            weights = [s["updates"]["W1"], s["updates"]["W2"], None]
            edge_labels = [_edge_text(weights[0], "Δ "), _edge_text(weights[1], "Δ "), None]
            limit = max(float(np.abs(weights[0]).max()), float(np.abs(weights[1]).max()))
        else:
            weights = [params["W1"], params["W2"], None]
            limit = 1.0
            if s["phase"] == "forward":
                edge_labels = [_edge_text(params["W1"]), _edge_text(params["W2"]), None]
            else:  # the gradients found so far
                edge_labels = [_edge_text(s["grads"]["W1"], "∂ "), _edge_text(s["grads"]["W2"], "∂ "), None]
        drawn = draw_network(ax, DIAGRAM_SIZES, weights, node_labels=labels, edge_labels=edge_labels,
                             highlight_nodes=s["nodes"], highlight_edges=s["edges"], weight_limit=limit,
                             layer_names=["inputs", "hidden (sigmoid)", "output", "loss"], label_position=0.35,
                             legend=False)
        for layer, column in enumerate(drawn["positions"]):
            for i, (x, y) in enumerate(column):
                g = s["node_grads"][layer][i]
                if not np.isnan(g):
                    name = NODE_NAMES[layer][i]
                    ax.text(x, y + 0.3, f"∂L/∂{name} = {_fmt(g, 2)}", ha="center", va="bottom", fontsize=9,
                            color=GRADIENT_COLOR, zorder=6)
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, top + 0.35)
        what = {"forward": "lines: weights (blue +, red −, width = size)",
                "backward": "∂ on a line: ∂L/∂(that weight); in red: ∂L/∂(that node)",
                "update": "lines: the change −η·∂L/∂w of each weight (blue up, red down, width = size)"}[s["phase"]]
        ax.set_title(f"{s['title']}\n{what}", fontsize=11)
        ax_text.axis("off")
        for row, line in enumerate(s["equations"]):
            ax_text.text(0.0, 1.0 - row * 0.25, line, transform=ax_text.transAxes, ha="left", va="top", fontsize=13,
                         in_layout=False)  # the text must not shrink the diagram
        walk = loss_and_gradients(params, *example_network()[1:])[1]
        nnlib_grads = {name: NnlibNetwork(name).loss_and_gradients(*example_network()[1:])[1]
                       for name in chosen_backends(backend)}
        caption = backend_caption(nnlib_grads)
        difference = max(float(np.max(np.abs(g[k] - walk[k]))) for g in nnlib_grads.values() for k in PARAMETERS)
        self.caption.set_text(f"nnlib's layers, {caption.replace('computed by ', '')}; "
                              f"max |difference| to the hand-written gradients = {difference:.2g}")


def plot_backprop_step(step=0, backend="numpy"):
    """The :class:`BackpropStepPlot` as a static figure."""
    return BackpropStepPlot().figure(step=step, backend=backend)


@functools.lru_cache(maxsize=8)
def _steps(learning_rate):
    """The walk for the example network, computed once per learning rate (each slider move reuses it)."""
    return backprop_steps(learning_rate=learning_rate)


def plot_loss_curve(losses, threshold=None, ax=None):
    """The loss per epoch on a log scale, with the threshold as a dashed line. A Figure unless ``ax`` is given."""
    fig = None
    if ax is None:
        fig = Figure(figsize=(6.5, 3.6), layout="constrained")
        ax = fig.subplots()
    losses = np.asarray(losses, dtype=np.float64)
    ax.semilogy(np.arange(len(losses)), np.maximum(losses, 1e-12), color=POSITIVE, lw=2, label="training loss")
    if threshold is not None:
        ax.axhline(threshold, color=NEGATIVE, ls="--", lw=1.5, label=f"threshold {threshold:.2g}")
    ax.set_xlabel("epoch (one update on all four examples)")
    ax.set_ylabel("loss (log scale)")
    ax.set_ylim(1e-5, 10.0)  # room for the spike after the plateau (6.2 near epoch 1090: a step overshoots)
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=9, loc="lower left")
    return fig


def training_caption(runs):
    """Who trained, and for two backends how far apart their runs are. The loss curves are compared
    over the epochs both made: rounding differences of 1e-16 grow along a run, and near the plateau of
    XOR they can move the epoch a threshold is crossed."""
    if len(runs) == 1:
        return backend_caption(runs)
    (a, ra), (b, rb) = runs.items()
    n = min(ra["losses"].size, rb["losses"].size)
    caption = backend_caption({a: ra["losses"][:n], b: rb["losses"][:n]})
    return f"{caption} (loss), epochs {ra['epochs']} vs {rb['epochs']}"


class TrainingPlot(LivePlot):
    """Train the walk's network on XOR until the loss is below ``threshold``: the loss curve (left), and
    the network's four outputs next to their targets (right). nnlib's layers train it in the chosen
    backend (:func:`nnlib_training`, once per backend; a threshold only cuts that run)."""

    figsize = (10, 3.8)

    def setup(self, fig):
        self.ax_loss, self.ax_out = fig.subplots(1, 2, width_ratios=[1.6, 1])
        ax = self.ax_loss
        self.curve = BackendLines(self, ax, color=POSITIVE, lw=2, label="training loss")
        self.threshold_line = self.live(ax.axhline(1.0, color=NEGATIVE, ls="--", lw=1.5, label="threshold"))
        self.stop = self.live(ax.plot([], [], "o", color=NEGATIVE, ms=8)[0])
        ax.set_yscale("log")
        ax.set_xlabel("epoch (one update on all four examples)")
        ax.set_ylabel("loss (log scale)")
        ax.set_ylim(1e-5, 10.0)  # the spike after the plateau reaches 6.2
        ax.set_xlim(0, 3000)
        ax.grid(alpha=0.3, which="major")
        ax.legend(fontsize=9, loc="lower left")
        self.live(ax.title)
        X, T = xor_data()
        positions = np.arange(len(X))
        self.ax_out.bar(positions - 0.2, T[:, 0], width=0.4, color="#bbbbbb", label="target")
        self.bars = [self.live(bar) for bar in self.ax_out.bar(positions + 0.2, np.zeros(len(X)), width=0.4,
                                                                color=POSITIVE, label="network")]
        self.ax_out.set_xticks(positions, [f"({int(a)}, {int(b)})" for a, b in X])
        self.ax_out.set_ylim(-0.4, 1.3)
        self.ax_out.axhline(0, color="#333333", lw=0.8)
        self.ax_out.set_title("outputs for the four XOR inputs")
        self.ax_out.legend(fontsize=9, loc="upper right")
        self.caption = caption_text(self, ax, y=0.2)

    def update(self, threshold=0.01, backend="numpy"):
        runs = {b: cut_training(nnlib_training(b), float(threshold)) for b in chosen_backends(backend)}
        run = next(iter(runs.values()))
        self.curve.set({b: np.arange(r["losses"].size) for b, r in runs.items()},
                       {b: np.maximum(r["losses"], 1e-12) for b, r in runs.items()})
        self.threshold_line.set_ydata([threshold, threshold])
        self.stop.set_data([run["epochs"]], [max(run["losses"][-1], 1e-12)])
        verdict = f"below it after {run['epochs']} epochs" if run["reached"] else f"not reached in {run['epochs']} epochs"
        self.set_title(self.ax_loss, f"threshold {threshold:.2g}: {verdict}")
        for bar, height in zip(self.bars, run["predictions"][:, 0]):
            bar.set_height(height)
        self.caption.set_text(training_caption(runs))


def plot_training(threshold=0.01, backend="numpy"):
    """The :class:`TrainingPlot` as a static figure."""
    return TrainingPlot().figure(threshold=threshold, backend=backend)
