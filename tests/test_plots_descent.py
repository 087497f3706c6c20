"""nnlib.plots.descent: the walks, the curvatures and the learning-rate regimes the sliders show are right."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.plots import descent as D
from nnlib.plots.losses import toy_data


def test_gradient_descent_on_a_parabola_follows_the_closed_form():
    # L(w) = (w - 3)^2: each step multiplies the distance to 3 by (1 - 2 * lr)
    path = D.gradient_descent(lambda w: 2 * (w - 3), 0.0, 0.1, 6)
    np.testing.assert_allclose(path, 3 - 3 * 0.8 ** np.arange(7))


def test_gradient_descent_in_2d_keeps_every_position():
    H = np.array([[2.0, 0.5], [0.5, 1.0]])
    path = D.gradient_descent(lambda th: H @ th, [1.0, -1.0], 0.2, 4)
    expected = [np.linalg.matrix_power(np.eye(2) - 0.2 * H, k) @ [1.0, -1.0] for k in range(5)]
    np.testing.assert_allclose(path, expected)


def test_a_diverging_walk_stops_at_the_limit():
    path = D.gradient_descent(lambda w: 2 * w, 1.0, 2.0, 100, limit=1e3)   # factor -3 per step
    assert len(path) == 8 and abs(path[-1]) > 1e3 and abs(path[-2]) < 1e3


def test_1d_loss_slope_and_curvature_are_nnlibs_mse():
    x, y = toy_data()
    assert D.loss_1d(1.5) == pytest.approx(np.mean((1.5 * x - y) ** 2))
    h = 1e-5
    assert D.gradient_1d(1.5) == pytest.approx((D.loss_1d(1.5 + h) - D.loss_1d(1.5 - h)) / (2 * h), rel=1e-7)
    second = (D.loss_1d(1.5 + h) - 2 * D.loss_1d(1.5) + D.loss_1d(1.5 - h)) / h ** 2
    assert D.curvature_1d() == pytest.approx(second, rel=1e-4)


def test_2d_loss_surface_hessian_and_minimum():
    x, y = toy_data()
    assert D.loss_2d(1.0, 0.5) == pytest.approx(np.mean((x + 0.5 - y) ** 2))
    np.testing.assert_allclose(D.loss_2d(np.array([[1.0, 2.0]]), np.array([[0.5, 0.0]])),
                               [[np.mean((x + 0.5 - y) ** 2), np.mean((2 * x - y) ** 2)]])
    np.testing.assert_allclose(D.minimum_2d(), np.polyfit(x, y, 1), atol=1e-12)
    np.testing.assert_allclose(D.gradient_2d(D.minimum_2d()), [0.0, 0.0], atol=1e-12)
    h = 1e-4
    theta = np.array([0.3, 1.2])
    numeric = np.column_stack([(D.gradient_2d(theta + h * e) - D.gradient_2d(theta - h * e)) / (2 * h)
                               for e in np.eye(2)])
    np.testing.assert_allclose(D.hessian_2d(), numeric, rtol=1e-6)


@pytest.mark.parametrize("rate_times_curvature, regime", [
    (0.05, "too small"), (0.19, "too small"), (0.2, "good"), (1.0, "good"), (1.01, "oscillating"),
    (2.0, "oscillating"), (2.01, "diverging"),
])
def test_learning_rate_regimes(rate_times_curvature, regime):
    assert D.learning_rate_regime(rate_times_curvature / 4.0, 4.0) == regime


def test_regime_needs_positive_numbers():
    with pytest.raises(ValueError, match="learning_rate, curvature"):
        D.learning_rate_regime(-0.1, 2.0)


def _distance(walk):
    best = np.sum(toy_data()[0] * toy_data()[1]) / np.sum(toy_data()[0] ** 2)
    return walk["w"] - best


def test_the_1d_regimes_behave_as_named():
    # curvature 6: the slider's 0.02 / 0.1 / 0.25 / 0.36 are too small / good / oscillating / diverging
    slow, good, bouncy, wild = (D.descent_path_1d(rate) for rate in (0.02, 0.1, 0.25, 0.36))
    assert [w["regime"] for w in (slow, good, bouncy, wild)] == ["too small", "good", "oscillating", "diverging"]
    assert abs(_distance(slow)[-1]) > 0.2 * abs(_distance(slow)[0])       # still far after 12 steps
    assert abs(_distance(good)[-1]) < 1e-3 and np.all(np.diff(np.sign(_distance(good))) == 0)  # one side only
    d = _distance(bouncy)
    assert np.all(np.sign(d[1:]) == -np.sign(d[:-1])) and abs(d[-1]) < 0.01 * abs(d[0])      # flips, settles
    assert abs(_distance(wild)[-1]) > 5 * abs(_distance(wild)[0])


def test_the_2d_regimes_on_the_slider_range():
    losses = {}
    for rate, regime in [(0.02, "too small"), (0.12, "good"), (0.25, "oscillating"), (0.32, "diverging")]:
        walk = D.descent_path_2d(rate)
        assert walk["regime"] == regime
        assert walk["path"].shape == (31, 2)
        np.testing.assert_allclose(walk["path"][0], D.START_2D)
        losses[regime] = walk["loss"]
    best = D.loss_2d(*D.minimum_2d())
    assert losses["good"][-1] - best < 1e-2
    assert losses["too small"][-1] - best > 1.0
    assert losses["diverging"][-1] > losses["diverging"][0]


@pytest.mark.parametrize("plot, kwargs", [(D.plot_descent_1d, {"learning_rate": 0.36}),
                                          (D.plot_descent_2d, {"learning_rate": 0.25}),
                                          (D.plot_learning_rate_regimes, {})])
def test_plots_return_figures(plot, kwargs):
    assert isinstance(plot(**kwargs), Figure)


def test_live_plots_take_their_sliders_and_a_backend():
    from inspect import signature

    assert list(signature(D.Descent1DPlot.update).parameters) == ["self", "learning_rate", "steps", "backend"]
    assert list(signature(D.Descent2DPlot.update).parameters) == ["self", "learning_rate", "steps", "backend"]


@pytest.mark.parametrize("walk, key", [(D.descent_path_1d, "w"), (D.descent_path_2d, "path")])
def test_walks_are_the_same_in_both_backends(walk, key):
    numpy_walk, torch_walk = walk(0.25, 8), walk(0.25, 8, backend="torch")
    np.testing.assert_allclose(torch_walk[key], numpy_walk[key], rtol=1e-12)
    np.testing.assert_allclose(torch_walk["loss"], numpy_walk["loss"], rtol=1e-12)
