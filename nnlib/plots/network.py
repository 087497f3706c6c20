r"""A network diagram: nodes in columns, one line per connection, the weight drawn as its width and colour.

Used by ``01_weights`` (a neuron's weights as connection strengths, redrawn by sliders) and meant to be
reused wherever a notebook draws a small network, e.g. backpropagation (values written in the nodes,
gradients written on the edges, the path being explained highlighted).

Conventions, the same as nnlib's and PyTorch's ``Linear``:

- ``layer_sizes = [3, 4, 2]`` is 3 inputs, a hidden layer of 4 neurons and 2 outputs;
- ``weights[l]`` connects layer ``l`` to layer ``l + 1`` and has shape
  ``(layer_sizes[l + 1], layer_sizes[l])``: ``weights[l][j, i]`` is the weight on the edge from node ``i``
  of layer ``l`` to node ``j`` of layer ``l + 1``. ``model.get_weights()[0::2]`` is such a list;
- an edge is named ``(l, i, j)`` (layer, source node, target node), a node ``(l, i)``; nodes are numbered
  from the top of their column.

How a weight is drawn (:func:`edge_style`): the line's colour is its sign (blue positive, red negative,
grey dashed for exactly zero: a connection that passes nothing on) and its width grows with :math:`|w|`
up to ``weight_limit``. Give a fixed ``weight_limit`` (e.g. the slider's range) when the diagram is
redrawn by a slider, so that a width means the same weight in every frame.

Data: :func:`node_positions`, :func:`edge_style`, :func:`network_edges` (unit-tested). Drawing:
:func:`draw_network` (onto an existing Axes, so it can share a figure with other panels) and
:func:`plot_network` (a Figure of its own).

Example
-------
>>> fig = plot_network([2, 3, 1], weights=[W1, W2], node_values=[x, h, y],
...                    edge_labels="weights", highlight_edges=[(1, 0, 0)], highlight_nodes=[(2, 0)])
"""
import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

POSITIVE = "#2166ac"   #: colour of a positive weight (blue)
NEGATIVE = "#d6604d"   #: colour of a negative weight (red)
NEUTRAL = "#9e9e9e"    #: an edge without a weight, or a zero weight (dashed)
HIGHLIGHT = "#ffb000"  #: halo behind highlighted edges and ring around highlighted nodes (amber)
NODE_RADIUS = 0.24     #: in data units: nodes in a column are 1 apart
LAYER_GAP = 1.6        #: default distance between two columns, in the same units


# ------------------------------------------------------------------------------------------ data
def _check_layer_sizes(layer_sizes):
    sizes = list(layer_sizes) if isinstance(layer_sizes, (list, tuple, np.ndarray)) else None
    if not sizes or len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1
                                          for n in sizes):
        raise ValueError(f"layer_sizes: expected a list of at least 2 positive integers, got {layer_sizes!r}")
    return [int(n) for n in sizes]


def _per_layer(values, sizes, argument, shape_of):
    """Check a list with one entry per layer or connection (``None`` allowed); entry k has shape ``shape_of(k)``."""
    if values is None:
        return [None] * len(sizes)
    values = list(values)
    if len(values) != len(sizes):
        raise ValueError(f"{argument}: expected a list of {len(sizes)} entries (one per "
                         f"{'connection between layers' if argument in ('weights', 'edge_labels') else 'layer'}),"
                         f" got {len(values)}")
    checked = []
    for k, value in enumerate(values):
        if value is None:
            checked.append(None)
            continue
        array = np.asarray(value)
        if array.shape != shape_of(k):
            raise ValueError(f"{argument}[{k}]: expected shape {shape_of(k)}, got {array.shape}")
        checked.append(array)
    return checked


def node_positions(layer_sizes, layer_gap=LAYER_GAP):
    """The centre of every node: layer ``l`` is the column ``x = l * layer_gap``, its nodes 1 apart, centred
    on ``y = 0``.

    Returns
    -------
    list of ndarray
        One array of shape ``(layer_sizes[l], 2)`` per layer, rows ``(x, y)``, node 0 at the top.
    """
    sizes = _check_layer_sizes(layer_sizes)
    if not layer_gap > 0:
        raise ValueError(f"layer_gap: expected a positive number, got {layer_gap!r}")
    return [np.column_stack([np.full(n, l * float(layer_gap)), (n - 1) / 2 - np.arange(n, dtype=float)])
            for l, n in enumerate(sizes)]


def edge_style(weight, weight_limit=1.0, min_width=0.6, max_width=7.0):
    r"""How one weight is drawn: ``{"width", "color", "linestyle"}``.

    The width grows linearly with the size of the weight and stops growing at ``weight_limit``:

    .. math:: \text{width} = \text{min\_width} + (\text{max\_width} - \text{min\_width})
              \cdot \min\left(\frac{|w|}{\text{weight\_limit}}, 1\right)

    The colour is the sign: :data:`POSITIVE` (blue), :data:`NEGATIVE` (red), or :data:`NEUTRAL` and dashed
    for a zero weight. ``weight=None`` (a diagram without weights) is a plain grey line.
    """
    if weight is None:
        return {"width": 1.2, "color": NEUTRAL, "linestyle": "-"}
    if not weight_limit > 0:
        raise ValueError(f"weight_limit: expected a positive number, got {weight_limit!r}")
    w = float(weight)
    if w == 0.0:
        return {"width": min_width, "color": NEUTRAL, "linestyle": "--"}
    width = min_width + (max_width - min_width) * min(abs(w) / weight_limit, 1.0)
    return {"width": width, "color": POSITIVE if w > 0 else NEGATIVE, "linestyle": "-"}


def network_edges(layer_sizes, weights=None, *, weight_limit=None, min_width=0.6, max_width=7.0,
                  layer_gap=LAYER_GAP):
    """Every connection of the diagram with where and how it is drawn.

    Parameters
    ----------
    layer_sizes : list of int
        Nodes per layer, inputs first.
    weights : list of array_like, optional
        ``weights[l]`` of shape ``(layer_sizes[l+1], layer_sizes[l])`` (nnlib's and PyTorch's layout);
        an entry may be ``None`` to draw that block of edges without weights.
    weight_limit : float, optional
        The weight size drawn at ``max_width``; default: the largest :math:`|w|` in ``weights``.
    min_width, max_width : float
        Line widths (points) of a tiny and of a full-size weight.
    layer_gap : float
        Distance between columns (see :func:`node_positions`).

    Returns
    -------
    list of dict
        One per edge, layer by layer, then by source node, then by target node, with keys ``layer``,
        ``source``, ``target``, ``weight`` (float or None), ``start`` and ``end`` (node centres, ``(x, y)``)
        and the :func:`edge_style` keys ``width``, ``color``, ``linestyle``.
    """
    sizes = _check_layer_sizes(layer_sizes)
    weights = _per_layer(weights, sizes[:-1], "weights", lambda l: (sizes[l + 1], sizes[l]))
    if weight_limit is None:
        largest = max((float(np.abs(w).max()) for w in weights if w is not None), default=0.0)
        weight_limit = largest if largest > 0 else 1.0
    positions = node_positions(sizes, layer_gap)
    edges = []
    for l, w in enumerate(weights):
        for i in range(sizes[l]):
            for j in range(sizes[l + 1]):
                weight = None if w is None else float(w[j, i])
                edges.append({"layer": l, "source": i, "target": j, "weight": weight,
                              "start": tuple(positions[l][i]), "end": tuple(positions[l + 1][j]),
                              **edge_style(weight, weight_limit, min_width, max_width)})
    return edges


# ------------------------------------------------------------------------------------- drawing
def _node_text(label, value, value_format):
    parts = ([] if label is None else [str(label)]) + ([] if value is None else [value_format.format(value)])
    return "\n".join(parts)


def draw_network(ax, layer_sizes, weights=None, *, node_values=None, node_labels=None, edge_labels=None,
                 highlight_edges=(), highlight_nodes=(), layer_names=None, weight_limit=None,
                 min_width=0.6, max_width=7.0, layer_gap=LAYER_GAP, value_format="{:.2f}", label_position=0.3,
                 legend=True):
    r"""Draw a fully connected network onto ``ax``: nodes in columns, one line per weight.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    layer_sizes : list of int
        Nodes per layer, inputs first, e.g. ``[3, 1]`` for a neuron with 3 inputs.
    weights : list of array_like, optional
        ``weights[l]``, shape ``(layer_sizes[l+1], layer_sizes[l])``, sets the width (size) and the colour
        (sign) of the edges from layer ``l`` to ``l+1`` (see the module docstring). ``None``: grey edges.
    node_values : list of (array_like or None), optional
        One entry per layer: numbers written in the nodes (e.g. the inputs and activations), formatted
        with ``value_format``.
    node_labels : list of (list of str or None), optional
        One entry per layer: names written in the nodes, above the value if there is one (``"x₁"``).
    edge_labels : "weights" or list of (array_like or None), optional
        Numbers written on the edges: ``"weights"`` writes each weight, or give one array per connection,
        shaped like ``weights[l]`` (e.g. the gradients :math:`\partial L/\partial W`), of numbers or strings.
    highlight_edges : iterable of (layer, source, target)
        Edges drawn with an amber halo, e.g. the path a gradient takes.
    highlight_nodes : iterable of (layer, index)
        Nodes drawn with an amber ring.
    layer_names : list of str, optional
        Written under each column ("inputs", "hidden", "output").
    weight_limit : float, optional
        The weight drawn at full width. Fix it when a slider redraws the diagram.
    min_width, max_width : float
        Line widths in points of a tiny and of a full-size weight.
    layer_gap : float
        Distance between columns, in units of the distance between two nodes of a column.
    value_format : str
        Format of node values and numeric edge labels.
    label_position : float
        Where along each edge its label sits, 0 = at the source node, 1 = at the target node.
    legend : bool
        Write what colour and width mean under the diagram (only when ``weights`` are given).

    Returns
    -------
    dict
        ``positions`` (as :func:`node_positions`), ``edges`` (as :func:`network_edges`), and the artists:
        ``edge_lines`` (one Line2D per edge, in the order of ``edges``) and ``node_patches`` (one list of
        Circles per layer), so a caller can add arrows or annotations at the node centres.
    """
    sizes = _check_layer_sizes(layer_sizes)
    edges = network_edges(sizes, weights, weight_limit=weight_limit, min_width=min_width, max_width=max_width,
                          layer_gap=layer_gap)
    positions = node_positions(sizes, layer_gap)
    node_values = _per_layer(node_values, sizes, "node_values", lambda l: (sizes[l],))
    node_labels = _per_layer(node_labels, sizes, "node_labels", lambda l: (sizes[l],))
    if isinstance(edge_labels, str):
        if edge_labels != "weights" or weights is None:
            raise ValueError(f"edge_labels: expected 'weights' (with weights given) or a list of arrays, "
                             f"got {edge_labels!r}")
        edge_labels = weights
    edge_labels = _per_layer(edge_labels, sizes[:-1], "edge_labels", lambda l: (sizes[l + 1], sizes[l]))
    wanted_edges = {tuple(int(k) for k in e) for e in highlight_edges}
    wanted_nodes = {tuple(int(k) for k in n) for n in highlight_nodes}

    lines = []
    for edge in edges:
        (x0, y0), (x1, y1) = edge["start"], edge["end"]
        key = (edge["layer"], edge["source"], edge["target"])
        if key in wanted_edges:
            ax.plot([x0, x1], [y0, y1], color=HIGHLIGHT, lw=edge["width"] + 7, alpha=0.7,
                    solid_capstyle="round", zorder=1)
        (line,) = ax.plot([x0, x1], [y0, y1], color=edge["color"], lw=edge["width"], ls=edge["linestyle"],
                          solid_capstyle="round", zorder=2)
        lines.append(line)
        labels = edge_labels[edge["layer"]]
        if labels is not None:
            text = labels[edge["target"], edge["source"]]
            text = text if isinstance(text, str) else value_format.format(float(text))
            t = label_position
            ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), text, ha="center", va="center", fontsize=9,
                    zorder=5, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})

    patches = []
    for l, layer in enumerate(positions):
        column = []
        for i, (x, y) in enumerate(layer):
            ring = (l, i) in wanted_nodes
            circle = Circle((x, y), NODE_RADIUS, facecolor="white", edgecolor=HIGHLIGHT if ring else "#333333",
                            lw=4 if ring else 1.5, zorder=3)
            ax.add_patch(circle)
            column.append(circle)
            label = None if node_labels[l] is None else node_labels[l][i]
            value = None if node_values[l] is None else float(node_values[l][i])
            text = _node_text(label, value, value_format)
            if text:
                ax.text(x, y, text, ha="center", va="center", fontsize=9 if "\n" in text else 10, zorder=4)
        patches.append(column)

    top = max(float(layer[:, 1].max()) for layer in positions) + NODE_RADIUS + 0.2
    bottom = min(float(layer[:, 1].min()) for layer in positions) - NODE_RADIUS - 0.2
    if layer_names is not None:
        if len(layer_names) != len(sizes):
            raise ValueError(f"layer_names: expected {len(sizes)} names (one per layer), got {len(layer_names)}")
        for l, name in enumerate(layer_names):
            ax.text(l * layer_gap, bottom - 0.05, name, ha="center", va="top", fontsize=10, color="#333333")
        bottom -= 0.35
    if legend and weights is not None:
        ax.text((len(sizes) - 1) * layer_gap / 2, bottom - 0.05,
                "blue = positive, red = negative, thicker = larger |weight|",
                ha="center", va="top", fontsize=8, color="#555555")
        bottom -= 0.3
    ax.set_xlim(-0.6, (len(sizes) - 1) * layer_gap + 0.6)
    ax.set_ylim(bottom - 0.1, top)
    ax.set_aspect("equal")
    ax.axis("off")
    return {"positions": positions, "edges": edges, "edge_lines": lines, "node_patches": patches}


def plot_network(layer_sizes, weights=None, *, title=None, figsize=None, **options):
    """:func:`draw_network` in a Figure of its own; ``options`` go to :func:`draw_network`.

    The default size fits the diagram: about an inch per unit (one node spacing), wide enough for the legend.
    """
    sizes = _check_layer_sizes(layer_sizes)
    if figsize is None:
        gap = options.get("layer_gap", LAYER_GAP)
        figsize = (max(1.2 + 1.1 * (len(sizes) - 1) * gap, 4.0), 1.6 + 0.9 * max(sizes))
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    draw_network(ax, sizes, weights, **options)
    if title:
        # wrapped to the figure's width (about 0.1 inch per character at the title's size): never cut off
        ax.set_title(textwrap.fill(title, width=max(20, int(figsize[0] / 0.1))))
    return fig
