"""nnlib.plots.optimizers and nnlib.plots.initialization: what the race, schedule and spread widgets show is right."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.plots import initialization as I
from nnlib.plots import optimizers as O


# ------------------------------------------------------------------------------------------ surfaces
@pytest.mark.parametrize("name", O.SURFACES)
def test_surface_gradients_are_the_slopes_and_vanish_at_the_minimum(name):
    s = O.SURFACES[name]
    h = 1e-6
    for x, y in [(0.3, -0.7), (-1.2, 1.1), s.start]:
        gx, gy = s.gradient(x, y)
        assert gx == pytest.approx((s.f(x + h, y) - s.f(x - h, y)) / (2 * h), rel=1e-6, abs=1e-8)
        assert gy == pytest.approx((s.f(x, y + h) - s.f(x, y - h)) / (2 * h), rel=1e-6, abs=1e-8)
    assert np.allclose(s.gradient(*s.minimum), 0)
    xs, ys, gap = O._grid(name, 60)
    assert gap.min() >= -1e-12  # nothing on the plotted grid lies below the minimum


def test_a_walk_takes_nnlibs_steps():
    # plain SGD on the valley: x shrinks by (1 - lr), y by (1 - 20 lr) each step
    path = O.walk("valley", "SGD", {}, 0.04, 5)
    k = np.arange(6)
    np.testing.assert_allclose(path, np.c_[-4.0 * 0.96**k, 0.8 * 0.2**k], rtol=1e-14)


def test_adams_first_step_is_the_learning_rate_in_every_direction():
    """Bias correction: after one step m̂ = g and v̂ = g², so each coordinate moves by lr (times sign g)."""
    path = O.walk("valley", "Adam", {"betas": (0.9, 0.999)}, 0.1, 1)
    np.testing.assert_allclose(path[1] - path[0], [0.1, -0.1], rtol=1e-6)


def test_the_race_on_the_saddle_rewards_momentum_and_adaptive_steps():
    """Starting almost on the ridge, plain SGD is still near the saddle after 100 steps, the others are not."""
    result = O.race("saddle")
    assert result["SGD"]["gap"][-1] > 0.1
    assert all(result[n]["gap"][-1] < 1e-3 for n in ("momentum", "Nesterov", "RMSprop", "Adam"))


def test_a_diverging_walk_stops_at_the_limit():
    path = O.walk("valley", "SGD", {}, 0.2, 100)  # 1 - 20 * 0.2 = -3: the y-coordinate triples every step
    assert len(path) < 101 and np.abs(path[-1]).max() >= O.LIMIT and np.abs(path[-2]).max() < O.LIMIT


@pytest.mark.parametrize("surface", O.SURFACES)
def test_the_race_is_the_same_in_both_backends(surface):
    ours, theirs = O.race(surface, steps=60), O.race(surface, steps=60, backend="torch")
    for name in O.RACERS:
        np.testing.assert_allclose(theirs[name]["path"], ours[name]["path"], rtol=1e-12, atol=1e-13)


# ------------------------------------------------------------------------------------------ schedules
def test_schedule_runs_follow_their_schedules_and_agree_across_backends():
    ours, theirs = O.schedule_runs("xor", 0.2), O.schedule_runs("xor", 0.2, backend="torch")
    e = np.arange(O.EPOCHS)
    np.testing.assert_allclose(ours["constant"]["lr"], 0.2)
    np.testing.assert_allclose(ours["step"]["lr"], 0.2 * 0.5 ** (e // 10), rtol=1e-12)
    np.testing.assert_allclose(ours["cosine"]["lr"], 0.1 * (1 + np.cos(np.pi * e / O.EPOCHS)), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours["warm-up"]["lr"], 0.2 * (0.1 + 0.9 * np.minimum(e, O.WARMUP) / O.WARMUP), rtol=1e-12)
    for name in O.SCHEDULES:
        np.testing.assert_allclose(theirs[name]["lr"], ours[name]["lr"], rtol=1e-15)
        np.testing.assert_allclose(theirs[name]["loss"], ours[name]["loss"], rtol=1e-9)
    # the point of decaying: at this rate the constant schedule ends noisier and higher than step and cosine
    assert ours["constant"]["loss"][-5:].std() > 5 * ours["cosine"]["loss"][-5:].std()
    assert ours["cosine"]["loss"][-1] < ours["constant"]["loss"][-1]


# ------------------------------------------------------------------------------------------ initialization
def test_he_keeps_relu_signals_glorot_halves_their_variance_small_kills_them():
    he = I.activation_spread(20, 1.0, "he_normal", "relu")
    glorot = I.activation_spread(20, 1.0, "glorot_normal", "relu")
    small = I.activation_spread(20, 1.0, "small", "relu")
    assert 0.2 < he["forward"][-1] < 5 and 0.2 < he["backward"][0] < 5
    # Glorot's weights are He's (the same draw) times 1/sqrt(2) for a square layer, and ReLU(a z) = a ReLU(z)
    # for a > 0 with zero biases: every layer multiplies the signal by 1/sqrt(2), exactly
    assert glorot["forward"][-1] / he["forward"][-1] == pytest.approx(2 ** -10, rel=1e-9)
    assert glorot["backward"][0] / he["backward"][0] == pytest.approx(2 ** -10, rel=1e-9)
    assert small["forward"][-1] < 1e-20 and small["backward"][0] < 1e-20


def test_scale_grows_the_signal_geometrically():
    big = I.activation_spread(20, 2.0, "he_normal", "relu")
    # twice the weights: every layer doubles the std, 20 layers about 2^20
    assert big["forward"][-1] / big["forward"][0] == pytest.approx(2.0 ** 20, rel=0.7)


def test_spread_is_the_same_in_both_backends():
    for init in I.INITS:
        ours, theirs = I.activation_spread(12, 1.0, init, "tanh"), I.activation_spread(12, 1.0, init, "tanh", "torch")
        np.testing.assert_allclose(theirs["forward"], ours["forward"], rtol=1e-10)
        np.testing.assert_allclose(theirs["backward"], ours["backward"], rtol=1e-10)


def test_unknown_init_is_refused():
    with pytest.raises(ValueError, match="init: expected one of"):
        I.activation_spread(3, 1.0, "ones", "relu")


# ------------------------------------------------------------------------------------------ plots
@pytest.mark.parametrize("plot, kwargs", [
    (O.plot_race, {"surface": "rosenbrock", "backend": "both"}), (O.plot_race, {"surface": "saddle"}),
    (O.plot_schedules, {"dataset": "xor"}), (I.plot_init_spread, {"init": "small", "activation": "tanh"}),
])
def test_plots_return_figures(plot, kwargs):
    assert isinstance(plot(**kwargs), Figure)


@pytest.mark.parametrize("plot, moves", [
    (O.OptimizerRacePlot(), [{"lr_sgd": 0.05}, {"beta1": 0.5}, {"surface": "saddle"}, {"backend": "torch"}]),
    (O.SchedulePlot(), [{"learning_rate": 0.25}, {"step_size": 5}, {"dataset": "moons"}]),
    (I.InitSpreadPlot(), [{"depth": 10}, {"scale": 1.5}, {"init": "small"}, {"activation": "tanh"}]),
])
def test_every_control_changes_the_picture(plot, moves):
    plot.figure()
    before, values = plot.png(), {}
    for move in moves:
        values.update(move)
        after = plot.redraw(**values)
        assert after != before, move
        before = after
    if isinstance(plot, O.OptimizerRacePlot):
        assert "PyTorch" in plot.caption.get_text()
