"""nnlib.plots.activations: the curves, the measured properties and the depth/dead-unit data are right."""
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.plots import activations as A

X = np.linspace(-4, 4, 81)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


EXPECTED = {
    "identity": lambda x: x,
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "silu": lambda x: x * sigmoid(x),
    "softmax": sigmoid,  # first of softmax([x, 0]) is e^x / (e^x + 1)
}


def test_all_ten_activations_are_listed():
    assert set(A.ACTIVATIONS) == {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus",
                                  "gelu", "silu", "softmax"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_curve_values_match_the_formulas(name):
    curve = A.activation_curve(name, -4, 4, 81)
    np.testing.assert_allclose(curve["x"], X)
    np.testing.assert_allclose(curve["value"], EXPECTED[name](X), atol=1e-12)


def test_gelu_value_at_known_points():
    value, _ = A.activation_values("gelu", np.array([0.0, 1.0, -1.0]))
    np.testing.assert_allclose(value, [0.0, 0.8413447460685429, -0.15865525393145707])


@pytest.mark.parametrize("name", A.ACTIVATIONS)
def test_derivative_matches_finite_differences_away_from_kinks(name):
    x = X[np.abs(X) > 0.05]
    _, slope = A.activation_values(name, x)
    np.testing.assert_allclose(slope, A.numerical_derivative(name, x), atol=1e-6)


@pytest.mark.parametrize("name", A.ACTIVATIONS)
def test_torch_backend_gives_the_same_curve(name):
    np_value, np_slope = A.activation_values(name, X)
    t_value, t_slope = A.activation_values(name, X, backend="torch")
    np.testing.assert_allclose(t_value, np_value, atol=1e-12)
    np.testing.assert_allclose(t_slope, np_slope, atol=1e-12)


def test_parameters_change_the_curve():
    leaky = A.activation_curve("leaky_relu", -2, 2, 5, negative_slope=0.2)
    np.testing.assert_allclose(leaky["value"], [-0.4, -0.2, 0, 1, 2])
    np.testing.assert_allclose(leaky["derivative"], [0.2, 0.2, 0.2, 1, 1])
    elu = A.activation_values("elu", np.array([-1.0]), alpha=2.0)
    np.testing.assert_allclose(elu[0], 2 * (np.exp(-1) - 1))
    np.testing.assert_allclose(elu[1], 2 * np.exp(-1))
    softplus = A.activation_values("softplus", np.array([1.0]), beta=2.0)[0]
    np.testing.assert_allclose(softplus, np.log1p(np.exp(2.0)) / 2)
    softmax = A.activation_values("softmax", np.array([0.0, 1.0]), n_classes=4)
    np.testing.assert_allclose(softmax[0], [0.25, np.e / (np.e + 3)])
    np.testing.assert_allclose(softmax[1], softmax[0] * (1 - softmax[0]))


def test_params_for_keeps_only_what_the_activation_takes():
    everything = {"negative_slope": 0.1, "alpha": 2.0, "beta": 3.0, "n_classes": 3}
    assert A.params_for("elu", **everything) == {"alpha": 2.0}
    assert A.params_for("leaky_relu", **everything) == {"negative_slope": 0.1}
    assert A.params_for("tanh", **everything) == {}
    assert A.params_for("swish", **everything) == {}


def test_bad_arguments_name_themselves():
    with pytest.raises(TypeError, match="alpha"):
        A.make_activation("relu", alpha=1.0)
    with pytest.raises(ValueError, match="backend"):
        A.make_activation("relu", backend="jax")
    with pytest.raises(ValueError, match="activation"):
        A.make_activation("sigmoidd")
    with pytest.raises(ValueError, match="x_min"):
        A.activation_curve("relu", 1, -1)
    with pytest.raises(ValueError, match="n_classes"):
        A.activation_values("softmax", X, n_classes=1)


@pytest.fixture(scope="module")
def table():
    return {row["name"]: row for row in A.properties_table()}


def test_only_identity_is_linear(table):
    assert [name for name, row in table.items() if not row["non_linear"]] == ["identity"]


def test_kinks_are_not_continuously_differentiable(table):
    assert sorted(name for name, row in table.items() if not row["continuously_differentiable"]) == ["leaky_relu", "relu"]


def test_elu_is_smooth_only_for_alpha_one():
    assert A.activation_properties("elu", alpha=1.0)["continuously_differentiable"]
    assert not A.activation_properties("elu", alpha=2.0)["continuously_differentiable"]


def test_leaky_relu_with_slope_one_is_the_identity():
    props = A.activation_properties("leaky_relu", negative_slope=1.0)
    assert not props["non_linear"] and props["continuously_differentiable"]


def test_fixed_ranges(table):
    assert sorted(name for name, row in table.items() if row["bounded"]) == ["sigmoid", "softmax", "tanh"]
    assert {name: A.format_range(row) for name, row in table.items()} == {
        "identity": "(-∞, ∞)", "sigmoid": "(0, 1)", "tanh": "(-1, 1)", "relu": "[0, ∞)", "leaky_relu": "(-∞, ∞)",
        "elu": "(-1, ∞)", "softplus": "(0, ∞)", "gelu": "[-0.17, ∞)", "silu": "[-0.28, ∞)", "softmax": "(0, 1)",
    }
    assert table["gelu"]["lower"] == pytest.approx(-0.169971, abs=1e-5)


def test_monotonic_slope_and_value_at_zero(table):
    assert sorted(name for name, row in table.items() if not row["monotonic"]) == ["gelu", "silu"]
    assert table["sigmoid"]["max_slope"] == pytest.approx(0.25, abs=1e-6)
    assert table["tanh"]["max_slope"] == pytest.approx(1.0, abs=1e-6)
    assert table["sigmoid"]["f0"] == 0.5 and table["tanh"]["f0"] == 0.0
    assert table["softplus"]["f0"] == pytest.approx(np.log(2))


def test_properties_text_table(table):
    text = A.format_properties_table(list(table.values()))
    lines = text.splitlines()
    assert len(lines) == 11 and lines[0].startswith("activation")
    assert lines[2].split() == ["sigmoid", "yes", "yes", "(0,", "1)", "yes", "yes", "0.50", "0.250"]


def test_gradient_through_depth():
    sigmoid_grads = A.gradient_through_depth("sigmoid", depth=10)
    tanh_grads = A.gradient_through_depth("tanh", depth=10)
    assert sigmoid_grads.shape == (10,) and sigmoid_grads[-1] == 1.0
    # each sigmoid layer multiplies by at most 0.25 (times the weights): the input side gets almost nothing
    assert sigmoid_grads[0] < 1e-4
    assert tanh_grads[0] > 100 * sigmoid_grads[0]
    assert np.all(np.diff(np.log(sigmoid_grads)) > 0)  # shrinks at every layer towards the input
    # with large weights the ReLU gradient explodes instead
    assert A.gradient_through_depth("relu", depth=10, weight_scale=3.0)[0] > 100


def test_gradient_through_depth_matches_the_chain_rule_for_one_layer():
    # one layer: dL/dz = f'(z) / n_samples exactly, and it is the last (only) layer, so the ratio is 1
    assert A.gradient_through_depth("tanh", depth=1).tolist() == [1.0]


def test_dead_units():
    alive = A.dead_units(bias_shift=0.0)
    assert alive["dead_fraction"] < 0.1
    shifted = A.dead_units(bias_shift=-1.5)
    assert 0.1 < shifted["dead_fraction"] < 0.9
    assert A.dead_units(bias_shift=-20.0)["dead_fraction"] == 1.0
    # for ReLU, dead means z <= 0 for every input
    np.testing.assert_array_equal(shifted["dead"], shifted["positive"] == 0)
    leaky = A.dead_units(bias_shift=-20.0, name="leaky_relu")
    assert leaky["dead_fraction"] == 0.0 and np.all(leaky["positive"] == 0)


def _lines(fig):
    return [line for ax in fig.axes for line in ax.get_lines() if len(line.get_xdata()) > 2]


def test_plot_activation_draws_the_curve_and_its_derivative():
    fig = A.plot_activation("sigmoid", x_range=3.0)
    assert isinstance(fig, Figure)
    value_line, slope_line = _lines(fig)
    x = np.asarray(value_line.get_xdata())
    assert x.min() == -3.0 and x.max() == 3.0
    np.testing.assert_allclose(value_line.get_ydata(), sigmoid(x))
    np.testing.assert_allclose(slope_line.get_ydata(), sigmoid(x) * (1 - sigmoid(x)))


def test_plot_parametric_sliders_change_their_panel():
    base, moved = A.plot_parametric(0.1, 1.0, 1.0), A.plot_parametric(0.3, 1.0, 1.0)
    changed = [not np.allclose(a.get_ydata(), b.get_ydata()) for a, b in zip(_lines(base), _lines(moved))]
    # panels: (value, derivative) x (leaky, elu, softplus), each with a default and a chosen line
    assert sum(changed) == 2
    leaky_value = _lines(moved)[1]
    assert leaky_value.get_ydata()[0] == pytest.approx(-0.3 * 4.0)


def test_plot_grid_depth_and_dead_units_return_figures():
    assert len([ax for ax in A.plot_activation_grid().axes if ax.get_visible()]) == 10
    depth = A.plot_gradient_through_depth(depth=6, weight_scale=1.0)
    assert [len(line.get_xdata()) for line in _lines(depth)] == [6, 6, 6, 6]
    dead = A.plot_dead_units(-1.5)
    titles = [ax.get_title() for ax in dead.axes]
    assert all(re.fullmatch(r"\w+: \d+ of 64 units dead", t) for t in titles), titles


@pytest.mark.parametrize("function", [A.gradient_through_depth, A.dead_units])
def test_depth_and_dead_units_agree_in_both_backends(function):
    np_result = function("relu", backend="numpy") if function is A.gradient_through_depth else function(-1.0, "relu")
    t_result = (function("relu", backend="torch") if function is A.gradient_through_depth
                else function(-1.0, "relu", backend="torch"))
    if isinstance(np_result, dict):
        np_result, t_result = np_result["positive"], t_result["positive"]
    np.testing.assert_allclose(t_result, np_result, rtol=1e-10)
