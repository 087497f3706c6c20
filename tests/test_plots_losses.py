"""nnlib.plots.losses: given slider values, the plotted losses, slopes, fits and the stability table are right."""
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.optimize import minimize

from nnlib import numpy_nn, torch_nn
from nnlib.plots import losses as P


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---------------------------------------------------------------------------------- one example
@pytest.mark.parametrize("p, t", [(1.5, 0.0), (-2.0, 0.5), (0.25, 0.25)])
def test_regression_losses_of_one_example(p, t):
    d = p - t
    assert P.loss_point("mse", p, t) == pytest.approx((d * d, 2 * d))
    assert P.loss_point("mae", p, t) == pytest.approx((abs(d), np.sign(d)))
    huber = (0.5 * d * d, d) if abs(d) < 1 else (abs(d) - 0.5, np.sign(d))
    assert P.loss_point("huber", p, t) == pytest.approx(huber)
    delta = 3.0  # a larger delta keeps |d| <= 2.5 in the quadratic part
    assert P.loss_point("huber", p, t, delta=delta) == pytest.approx((0.5 * d * d, d))


@pytest.mark.parametrize("p, t", [(0.8, 1.0), (0.3, 0.0), (0.6, 0.25)])
def test_binary_cross_entropy_from_a_probability(p, t):
    value = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert P.loss_point("bce", p, t) == pytest.approx((value, (p - t) / (p * (1 - p))))


@pytest.mark.parametrize("z, t", [(2.0, 1.0), (-1.0, 0.0), (0.5, 0.3)])
def test_binary_cross_entropy_from_a_logit_equals_the_one_from_its_probability(z, t):
    value, slope = P.loss_point("bce_with_logits", z, t)
    assert value == pytest.approx(P.loss_point("bce", sigmoid(z), t)[0])
    assert slope == pytest.approx(sigmoid(z) - t)


@pytest.mark.parametrize("z0, target", [(1.0, 0), (1.0, 2), (-3.0, 1)])
def test_cross_entropy_of_one_example(z0, target):
    z = np.array([z0, 0.0, 0.0])
    p = np.exp(z) / np.exp(z).sum()
    value, slope = P.loss_point("cross_entropy", z0, target)
    assert value == pytest.approx(-np.log(p[target]))
    assert slope == pytest.approx(p[0] - (target == 0))


def test_cross_entropy_target_must_be_a_class():
    with pytest.raises(ValueError, match=r"target: expected a class index in 0..2, got 3"):
        P.loss_point("cross_entropy", 1.0, 3)


def test_unknown_loss_and_backend_are_named():
    with pytest.raises(ValueError, match="loss"):
        P.make_loss("hinge")
    with pytest.raises(ValueError, match="backend: expected 'numpy', 'torch' or 'cuda', got 'jax'"):
        P.make_loss("mse", backend="jax")


def test_make_loss_gives_nnlib_objects():
    assert isinstance(P.make_loss("l2"), numpy_nn.MSELoss)
    assert isinstance(P.make_loss("mae", backend="torch"), torch_nn.L1Loss)
    assert P.make_loss("huber", delta=2.5).delta == 2.5


# ---------------------------------------------------------------------------------------- curves
@pytest.mark.parametrize("name, target", [("mse", 0.5), ("mae", -1.0), ("huber", 2.0), ("bce", 1.0),
                                          ("bce_with_logits", 0.0), ("cross_entropy", 1)])
def test_curve_is_the_loss_at_every_point_in_both_backends(name, target):
    curve = P.loss_curve(name, target, n_points=9)
    low, high = P.DEFAULT_RANGES[P.names.loss_name(name)]
    np.testing.assert_allclose(curve["prediction"], np.linspace(low, high, 9))
    for p, v, g in zip(curve["prediction"], curve["value"], curve["gradient"]):
        assert (v, g) == pytest.approx(P.loss_point(name, p, target))
    torch_curve = P.loss_curve(name, target, n_points=9, backend="torch")
    np.testing.assert_allclose(torch_curve["value"], curve["value"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(torch_curve["gradient"], curve["gradient"], rtol=1e-12, atol=1e-12)


def test_slope_is_the_derivative_of_the_value():
    grid = np.linspace(-3, 3, 13) + 0.05  # off the kinks of MAE and Huber
    h = 1e-6
    for name in P.REGRESSION_LOSSES:
        curve = P.loss_curve(name, 0.3, grid)
        numeric = (P.loss_curve(name, 0.3, grid + h)["value"] - P.loss_curve(name, 0.3, grid - h)["value"]) / (2 * h)
        np.testing.assert_allclose(curve["gradient"], numeric, atol=1e-6)


def test_the_target_slider_moves_the_minimum():
    for target in (-1.5, 0.0, 2.0):
        curve = P.loss_curve("mse", target, np.linspace(-4, 4, 81))
        assert curve["prediction"][np.argmin(curve["value"])] == pytest.approx(target)
        assert curve["value"].min() == pytest.approx(0.0)


# --------------------------------------------------------------------------- a loss of a weight
def test_parameter_loss_and_slope():
    x, y = P.toy_data()
    ws = np.array([0.0, 1.0, 2.5])
    np.testing.assert_allclose(P.parameter_loss(ws, x, y), [np.mean((w * x - y) ** 2) for w in ws])
    for w in ws:
        h = 1e-6
        numeric = (P.parameter_loss([w + h], x, y)[0] - P.parameter_loss([w - h], x, y)[0]) / (2 * h)
        assert P.parameter_slope(w, x, y) == pytest.approx(numeric, rel=1e-6)
    best = np.sum(x * y) / np.sum(x * x)
    assert P.parameter_slope(best, x, y) == pytest.approx(0.0, abs=1e-12)


def test_line_gradient_matches_finite_differences():
    x, y = P.outlier_data(3.0)
    h = 1e-6
    for loss in ("mse", "huber"):
        dw, db = P.line_gradient(0.4, -0.3, x, y, loss)
        assert dw == pytest.approx((P.line_loss(0.4 + h, -0.3, x, y, loss) - P.line_loss(0.4 - h, -0.3, x, y, loss)) / (2 * h))
        assert db == pytest.approx((P.line_loss(0.4, -0.3 + h, x, y, loss) - P.line_loss(0.4, -0.3 - h, x, y, loss)) / (2 * h))


# -------------------------------------------------------------------------------------- outliers
def test_outlier_slider_moves_only_the_last_point():
    x0, y0 = P.outlier_data(0.0)
    x1, y1 = P.outlier_data(5.0)
    np.testing.assert_array_equal(x0, x1)
    np.testing.assert_array_equal(y0[:-1], y1[:-1])
    assert y1[-1] - y0[-1] == pytest.approx(5.0)


@pytest.mark.parametrize("shift", [0.0, 8.0])
def test_fits_reach_the_smallest_loss(shift):
    x, y = P.outlier_data(shift)
    w, b = P.fit_line_with_loss(x, y, "mse")
    np.testing.assert_allclose([w, b], np.polyfit(x, y, 1), atol=1e-6)
    for loss in ("mae", "huber"):
        fitted = P.line_loss(*P.fit_line_with_loss(x, y, loss), x, y, loss)
        best = minimize(lambda p: P.line_loss(p[0], p[1], x, y, loss), [0.8, 1.0], method="Nelder-Mead",
                        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000}).fun
        assert best - 1e-9 <= fitted <= best + 1e-3


def test_the_outlier_pulls_mse_much_more_than_mae_and_huber():
    x, y = P.outlier_data(0.0)
    clean = {loss: P.fit_line_with_loss(x, y, loss)[0] for loss in P.REGRESSION_LOSSES}
    x, y = P.outlier_data(10.0)
    dragged = {loss: P.fit_line_with_loss(x, y, loss)[0] for loss in P.REGRESSION_LOSSES}
    moved = {loss: abs(dragged[loss] - clean[loss]) for loss in P.REGRESSION_LOSSES}
    assert moved["mse"] > 0.9           # the slope moves by about 1.2
    assert moved["mae"] < 0.1 * moved["mse"]
    assert moved["huber"] < 0.2 * moved["mse"]


# ------------------------------------------------------------------------------------- stability
def test_naive_cross_entropy_overflows_where_nnlib_does_not():
    rows = P.stability_table()
    assert [r["scale"] for r in rows] == [1, 10, 100, 1000]
    for r in rows[:3]:
        assert r["naive"] == pytest.approx(r["nnlib_numpy"], rel=1e-9)
    big = rows[-1]
    assert not np.isfinite(big["naive"]) and np.isnan(big["naive_softmax"][0])
    # logits 1000, 500, -1000 and target 1: L = -500 + log(e^1000 + e^500 + e^-1000) = 500
    assert big["nnlib_numpy"] == pytest.approx(500.0)
    assert big["nnlib_torch"] == pytest.approx(500.0)
    np.testing.assert_allclose(big["softmax"], [1.0, np.exp(-500.0), 0.0])


def test_stability_table_prints_nan_and_inf_without_warnings(recwarn):
    text = P.format_stability_table(P.stability_table())
    assert "nan" in text and "inf" in text and "500.0000" in text
    assert len(text.splitlines()) == 5
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# --------------------------------------------------------------------------------------- drawing
@pytest.mark.parametrize("plot, kwargs", [
    (P.plot_parameter_loss, {"w": 2.5}), (P.plot_regression_losses, {"target": 1.0, "prediction": -2.0, "delta": 0.5}),
    (P.plot_binary_losses, {"target": 0.0, "logit": -3.0}), (P.plot_cross_entropy, {"target_class": 2, "logit": 4.0}),
    (P.plot_outlier_fits, {"outlier_shift": 6.0}), (P.plot_loss_overview, {}),
])
def test_plots_return_figures(plot, kwargs):
    assert isinstance(plot(**kwargs), Figure)


def test_live_plots_take_their_sliders_and_a_backend():
    # the notebook's live(...) passes each control by name to update
    from inspect import signature

    assert list(signature(P.ParameterLossPlot.update).parameters) == ["self", "w", "backend"]
    assert list(signature(P.RegressionLossesPlot.update).parameters) == ["self", "target", "prediction", "delta",
                                                                         "backend"]
    assert list(signature(P.BinaryLossesPlot.update).parameters) == ["self", "target", "logit", "backend"]
    assert list(signature(P.CrossEntropyPlot.update).parameters) == ["self", "target_class", "logit", "backend"]
    assert list(signature(P.OutlierFitsPlot.update).parameters) == ["self", "outlier_shift", "delta", "backend"]


def test_outlier_fit_is_the_same_in_both_backends():
    x, y = P.outlier_data(4.0)
    np.testing.assert_allclose(P.fit_line_with_loss(x, y, "huber", steps=200, backend="torch"),
                               P.fit_line_with_loss(x, y, "huber", steps=200), rtol=1e-10)
