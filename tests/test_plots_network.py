"""nnlib.plots.network: node positions, edge widths/colours from the weights, and what draw_network draws."""
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from nnlib.plots import network as N


def test_node_positions_columns_and_centring():
    pos = N.node_positions([3, 1, 2], layer_gap=2.0)
    assert [p.shape for p in pos] == [(3, 2), (1, 2), (2, 2)]
    np.testing.assert_array_equal(pos[0], [[0, 1], [0, 0], [0, -1]])  # node 0 at the top
    np.testing.assert_array_equal(pos[1], [[2, 0]])
    np.testing.assert_array_equal(pos[2], [[4, 0.5], [4, -0.5]])


@pytest.mark.parametrize("sizes", [[3], [], [3, 0], [2, 1.5], "32", None, [True, 2]])
def test_bad_layer_sizes(sizes):
    with pytest.raises(ValueError, match="layer_sizes: expected a list of at least 2 positive integers"):
        N.node_positions(sizes)


def test_edge_style_width_grows_with_size_and_stops_at_the_limit():
    widths = [N.edge_style(w, weight_limit=2.0, min_width=1.0, max_width=5.0)["width"]
              for w in (0.5, 1.0, 2.0, 4.0, -1.0)]
    assert widths == [2.0, 3.0, 5.0, 5.0, 3.0]


def test_edge_style_colour_is_the_sign():
    assert N.edge_style(0.3)["color"] == N.POSITIVE
    assert N.edge_style(-0.3)["color"] == N.NEGATIVE
    zero = N.edge_style(0.0)
    assert zero["color"] == N.NEUTRAL and zero["linestyle"] == "--"
    assert N.edge_style(None) == {"width": 1.2, "color": N.NEUTRAL, "linestyle": "-"}


def test_edge_style_rejects_a_bad_limit():
    with pytest.raises(ValueError, match="weight_limit: expected a positive number, got 0"):
        N.edge_style(1.0, weight_limit=0)


def test_network_edges_read_weights_as_out_by_in():
    W1 = np.array([[1.0, -2.0],     # to node 0 of layer 1, from inputs 0 and 1
                   [0.0, 4.0],
                   [0.5, -0.5]])
    W2 = np.array([[3.0, 0.0, -1.0]])
    edges = N.network_edges([2, 3, 1], [W1, W2], max_width=8.0, min_width=0.0)
    assert len(edges) == 2 * 3 + 3 * 1
    by_key = {(e["layer"], e["source"], e["target"]): e for e in edges}
    assert by_key[(0, 1, 0)]["weight"] == -2.0 and by_key[(0, 1, 0)]["color"] == N.NEGATIVE
    assert by_key[(0, 0, 2)]["weight"] == 0.5
    assert by_key[(1, 2, 0)]["weight"] == -1.0
    # default limit: the largest |w| overall (4) is drawn at max_width
    assert by_key[(0, 1, 1)]["width"] == 8.0 and by_key[(0, 0, 0)]["width"] == 2.0
    assert by_key[(0, 0, 1)]["linestyle"] == "--"
    assert by_key[(0, 1, 2)]["start"] == (0.0, -0.5) and by_key[(0, 1, 2)]["end"] == (N.LAYER_GAP, -1.0)


def test_fixed_weight_limit_keeps_widths_comparable_between_frames():
    one = N.network_edges([1, 1], [np.array([[1.0]])], weight_limit=2.0, min_width=0.0, max_width=4.0)
    two = N.network_edges([1, 1], [np.array([[0.5]])], weight_limit=2.0, min_width=0.0, max_width=4.0)
    assert (one[0]["width"], two[0]["width"]) == (2.0, 1.0)


def test_network_edges_without_weights_and_with_a_missing_block():
    edges = N.network_edges([2, 2, 1], [None, np.array([[1.0, -1.0]])])
    assert [e["weight"] for e in edges] == [None] * 4 + [1.0, -1.0]
    assert all(e["color"] == N.NEUTRAL for e in edges[:4])


@pytest.mark.parametrize("weights, message", [
    ([np.ones((2, 3))], r"weights\[0\]: expected shape \(3, 2\), got \(2, 3\)"),
    ([np.ones((3, 2)), np.ones((1, 3))], "weights: expected a list of 1 entries"),
])
def test_network_edges_bad_weights(weights, message):
    with pytest.raises(ValueError, match=message):
        N.network_edges([2, 3], weights)


def _draw(**options):
    fig = Figure()
    ax = fig.subplots()
    return ax, N.draw_network(ax, [2, 3, 1], [np.array([[1.0, -2.0], [0.0, 4.0], [0.5, -0.5]]),
                                              np.array([[3.0, 0.0, -1.0]])], **options)


def test_draw_network_draws_one_line_per_edge_with_its_style():
    ax, drawn = _draw(weight_limit=4.0, min_width=0.0, max_width=8.0)
    assert len(drawn["edge_lines"]) == len(drawn["edges"]) == 9
    for line, edge in zip(drawn["edge_lines"], drawn["edges"]):
        assert line.get_linewidth() == pytest.approx(edge["width"])
        assert line.get_color() == edge["color"]
        np.testing.assert_allclose(line.get_xydata(), [edge["start"], edge["end"]])
    assert [len(col) for col in drawn["node_patches"]] == [2, 3, 1]
    assert sum(isinstance(p, Circle) for p in ax.patches) == 6


def test_draw_network_writes_values_labels_and_edge_labels():
    ax, _ = _draw(node_values=[[1.0, -0.5], None, [2.25]], node_labels=[["x₁", "x₂"], None, ["y"]],
                  edge_labels="weights", layer_names=["in", "hidden", "out"])
    texts = {t.get_text() for t in ax.texts}
    assert {"x₁\n1.00", "x₂\n-0.50", "y\n2.25"} <= texts
    assert {"1.00", "-2.00", "4.00", "-0.50", "3.00"} <= texts  # the weights on the edges
    assert {"in", "hidden", "out"} <= texts


def test_draw_network_custom_edge_labels_such_as_gradients():
    fig = Figure()
    ax = fig.subplots()
    N.draw_network(ax, [2, 1], [np.array([[1.0, 2.0]])], edge_labels=[np.array([["∂L/∂w₁", "∂L/∂w₂"]])],
                   legend=False)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["∂L/∂w₁", "∂L/∂w₂"]


def test_highlights_add_a_halo_per_edge_and_a_ring_per_node():
    ax, drawn = _draw(highlight_edges=[(0, 1, 0), (1, 2, 0)], highlight_nodes=[(2, 0)])
    halos = [line for line in ax.lines if line.get_color() == N.HIGHLIGHT]
    assert len(halos) == 2
    assert len(ax.lines) == 9 + 2
    ring = drawn["node_patches"][2][0]
    assert ring.get_linewidth() == 4
    assert drawn["node_patches"][0][0].get_linewidth() == 1.5


@pytest.mark.parametrize("options, message", [
    ({"node_values": [[1.0], None, [0.0]]}, r"node_values\[0\]: expected shape \(2,\), got \(1,\)"),
    ({"edge_labels": "grads"}, "edge_labels: expected 'weights'"),
    ({"layer_names": ["a", "b"]}, "layer_names: expected 3 names"),
])
def test_draw_network_bad_options(options, message):
    with pytest.raises(ValueError, match=message):
        _draw(**options)


def test_plot_network_returns_a_titled_figure():
    fig = N.plot_network([3, 4, 2], title="a net")
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "a net"
