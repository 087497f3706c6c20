"""nnlib.plots.layers: the shapes and the terms of Z = X Wᵀ + b, and the pictures drawn from them."""
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nnlib.plots import layers as L


def test_layer_shapes():
    shapes = L.layer_shapes(batch_size=32, n_inputs=5, n_neurons=4)
    assert shapes == {"X": (32, 5), "W": (4, 5), "W.T": (5, 4), "b": (4,), "Z": (32, 4), "n_params": 24}


def test_layer_shapes_agree_with_numpy():
    shapes = L.layer_shapes(7, 3, 2)
    X, W, b = np.ones(shapes["X"]), np.ones(shapes["W"]), np.ones(shapes["b"])
    assert (X @ W.T + b).shape == shapes["Z"]
    assert W.T.shape == shapes["W.T"]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_layer_shapes_rejects_non_positive_integers(bad):
    with pytest.raises(ValueError, match="n_neurons"):
        L.layer_shapes(4, 3, bad)


def test_weighted_input_terms_are_one_entry_of_the_product():
    rng = np.random.default_rng(1)
    X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)
    Z = X @ W.T + b
    for i in range(4):
        for j in range(2):
            terms = L.weighted_input_terms(X, W, b, i, j)
            np.testing.assert_allclose(terms["products"], X[i] * W[j])
            assert terms["bias"] == b[j]
            assert terms["z"] == pytest.approx(Z[i, j])


def _squares(fig):
    return [p for ax in fig.axes for p in ax.patches if isinstance(p, Rectangle)]


def test_plot_layer_shapes_draws_one_square_per_number():
    n, k, m = 5, 3, 2
    fig = L.plot_layer_shapes(n, k, m)
    assert isinstance(fig, Figure)
    # X, Wᵀ, the bias row, its faint copies for the other rows, Z, and the outline of z_00
    assert len(_squares(fig)) == n * k + k * m + m + (n - 1) * m + n * m + 1
    title = fig.axes[0].get_title()
    assert "5 samples, 3 inputs, 2 neurons" in title and "parameters" not in title  # the count is an exercise
    assert len(_squares(L.plot_layer_shapes(n + 1, k, m))) > len(_squares(fig))


def test_plot_weighted_input_writes_the_sum_out():
    X = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]])
    W = np.array([[0.5, 0.5, 0.5], [1.0, 0.0, -1.0]])
    b = np.array([0.25, -0.5])
    fig = L.plot_weighted_input(X, W, b, sample=0, neuron=1)
    title = fig._suptitle.get_text()
    assert title.startswith("z[0, 1] = (1.00)(1.00) + (2.00)(0.00) + (3.00)(-1.00) + (-0.50)")
    assert title.endswith("= -2.50")
    # the Z panel shows every entry of X Wᵀ + b
    z_texts = [t.get_text() for t in fig.axes[3].texts]
    assert z_texts == [f"{v:.2f}" for v in (X @ W.T + b).ravel()]
