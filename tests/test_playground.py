"""nnlib.playground, its plot and its player: a session trains the way fit does, both backends draw the same
picture, the plot updates in place, play trains until pause."""
import time

import numpy as np
import pytest

import nnlib
from nnlib import accumulation as acc
from nnlib import playground as pg
from nnlib import datasets


@pytest.mark.parametrize("settings", [
    {"dataset": "moons", "activation": "tanh", "optimizer": "sgd"},
    {"dataset": "xor", "activation": "relu", "optimizer": "adam", "learning_rate": 0.03, "batch_size": 7},
])
def test_numpy_and_torch_from_the_same_weights_draw_the_same_boundary(settings):
    sessions = pg.paired_sessions(**settings)
    assert acc.max_difference(sessions["numpy"].initial_weights, sessions["torch"].initial_weights) == 0
    for session in sessions.values():
        session.step(60)
    differences = pg.compare(sessions["numpy"], sessions["torch"])
    assert differences["weights"] < 1e-10 and differences["probability"] < 1e-10 and differences["loss"] < 1e-10
    assert acc.max_difference(sessions["numpy"].initial_weights, sessions["numpy"].model.get_weights()) > 1e-2


def test_given_weights_are_the_start_and_reset_returns_to_them():
    weights = [w + 0.5 for w in pg.TrainingSession(seed=3).initial_weights]
    session = pg.TrainingSession(weights=weights)
    assert acc.max_difference(session.model.get_weights(), weights) == 0
    session.step(25)
    losses = list(session.losses)
    session.reset()
    assert session.steps == 0 and session.epoch == 0
    assert acc.max_difference(session.model.get_weights(), weights) == 0
    assert session.step(25).losses == losses  # the same batches in the same order again


def test_one_full_batch_step_is_one_fit_step():
    session = pg.TrainingSession(dataset="circles", n_samples=40, batch_size=40, learning_rate=0.5).step(1)
    model = nnlib.Sequential(pg.network_layers((4, 4), "tanh"), seed=0)
    model.compile(loss="binary_cross_entropy", optimizer="sgd", learning_rate=0.5)
    X, y = datasets.make_dataset("circles", n_samples=40, seed=0)
    model.fit(X, y, epochs=1, batch_size=40, shuffle=False, verbose=0)
    assert acc.max_difference(session.model.get_weights(), model.get_weights()) < 1e-15
    assert session.losses[-1] == pytest.approx(model.evaluate(X, y)["loss"], abs=1e-15)


def test_an_epoch_uses_every_row_once_in_batches():
    session = pg.TrainingSession(n_samples=50, batch_size=20)
    seen = []
    real_fit = session.model.fit
    session.model.fit = lambda X, y, **kw: (seen.append(X.copy()), real_fit(X, y, **kw))[1]
    session.step(3)  # 20 + 20 + 10 rows: one epoch
    assert [len(x) for x in seen] == [20, 20, 10] and session.epoch == 1.0
    rows = np.concatenate(seen)
    assert np.array_equal(np.sort(rows, axis=0), np.sort(session.X, axis=0))


def test_training_learns_the_data():
    session = pg.TrainingSession(dataset="moons")
    session.step(300)
    assert session.losses[-1] < 0.5 * session.losses[0] and session.accuracies[-1] > 0.85


def test_state_holds_what_the_plot_needs():
    session = pg.TrainingSession(hidden=(3,), resolution=12, n_samples=30).step(4)
    s = session.state()
    assert s["prob"].shape == s["xx"].shape == (12, 12) and np.all((0 <= s["prob"]) & (s["prob"] <= 1))
    assert s["loss"].shape == s["accuracy"].shape == (5,) and s["steps"] == 4
    assert [w.shape for w in s["weights"]] == [(3, 2), (3,), (1, 3), (1,)] and s["layer_sizes"] == [2, 3, 1]
    assert s["X"].shape == (30, 2) and s["backend"] == "numpy" and s["device"] == "cpu"


def test_paired_sessions_start_every_backend_from_the_first_ones_weights():
    weights = [w * 2 for w in pg.TrainingSession().initial_weights]
    sessions = pg.paired_sessions(backends=("torch", "numpy"), weights=weights, n_samples=20)
    assert list(sessions) == ["torch", "numpy"] and sessions["torch"].model.device == "cpu"
    for session in sessions.values():
        assert acc.max_difference(session.initial_weights, weights) == 0


def test_the_playground_plot_updates_its_artists_in_place():
    from nnlib.plots.playground import PlaygroundPlot

    plot = PlaygroundPlot(n_samples=40, resolution=10)
    fig = plot.figure()
    axes, image = list(fig.axes), plot.panels["numpy"]["image"]
    before = image.get_array().copy()
    plot.png()
    plot.advance(20)
    plot.update()
    assert plot.fig is fig and fig.axes == axes  # no new Figure, no new axes
    assert not np.allclose(image.get_array(), before)
    assert len(plot.panels["torch"]["loss"].get_xdata()) == 21
    assert len(plot.panels["numpy"]["edges"]) == 2 * 4 + 4 * 4 + 4 * 1
    assert "step 20" in plot.panels["torch"]["readout"].get_text()
    # two lines, so the caption fits its panel
    assert "NumPy vs PyTorch (cpu):\nboundaries' max |difference| = " in plot.caption.get_text()
    plot.update(learning_rate=0.1)  # a new setting: the sessions start over, in the same figure
    assert plot.fig is fig and plot.sessions["numpy"].steps == 0
    plot.update(learning_rate=0.1, width=3)  # another network: its diagram is drawn anew, in the same figure
    assert plot.fig is fig and len(plot.panels["torch"]["edges"]) == 2 * 3 + 3 * 3 + 3 * 1
    assert all(edge.axes is plot.panels["torch"]["network"] for edge in plot.panels["torch"]["edges"])
    plot.png()
    plot.update(learning_rate=0.1, width=3, backend="numpy")  # another number of backends: a new figure
    assert plot.fig is not fig and list(plot.panels) == ["numpy"]
    assert plot.caption.get_text().endswith("computed by NumPy")
    assert len(plot.panels["numpy"]["edges"]) == 2 * 3 + 3 * 3 + 3 * 1


def test_the_player_trains_on_play_and_stops_on_pause():
    from nnlib.player import playground
    from nnlib.plots.playground import PlaygroundPlot
    from ipywidgets import IntSlider

    widget = playground(PlaygroundPlot(n_samples=40, resolution=8), steps_per_frame=3,
                        width=IntSlider(value=4, min=1, max=8), backend="numpy")
    session = widget.plot.sessions["numpy"]
    first = widget.live.image.value
    widget.step_button.click()
    widget.wait()
    assert session.steps == 1 and widget.live.image.value != first
    widget.play.value = True
    for _ in range(200):
        if session.steps >= 12:
            break
        time.sleep(0.02)
    assert widget.play.description == "pause"
    assert widget.pause() and widget.play.description == "play"
    stopped = session.steps
    assert stopped >= 12 and (stopped - 1) % 3 == 0  # one step, then whole frames of 3
    time.sleep(0.3)
    assert session.steps == stopped  # paused means paused
    widget.reset_button.click()
    widget.wait()
    assert widget.plot.sessions["numpy"].steps == 0
    widget.live.controls["width"].value = 5  # a setting starts over with the new network
    widget.wait()
    assert widget.plot.sessions["numpy"].hidden == (5, 5)


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="dataset: expected one of"):
        pg.TrainingSession(dataset="iris")
    with pytest.raises(TypeError, match="hidden: expected a tuple of layer widths"):
        pg.TrainingSession(hidden=4)
    with pytest.raises(ValueError, match="activation: expected a hidden-layer activation, got 'softmax'"):
        pg.TrainingSession(activation="softmax")
    with pytest.raises(ValueError, match="backend: expected one of"):
        pg.TrainingSession(backend="jax")
    with pytest.raises(ValueError, match="optimizer: expected one of"):
        pg.TrainingSession(optimizer="rmsprop")
    with pytest.raises(TypeError, match="n: expected a positive integer"):
        pg.TrainingSession().step(1.5)
    with pytest.raises(ValueError, match="backends: expected at least one"):
        pg.paired_sessions(backends=())


@pytest.mark.cuda
@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_a_cuda_session_draws_the_same_boundary_as_numpy():
    sessions = pg.paired_sessions(backends=("numpy", "cuda"), dataset="moons")
    assert sessions["cuda"].device.startswith("cuda")
    for session in sessions.values():
        session.step(50)
    assert pg.compare(sessions["numpy"], sessions["cuda"])["probability"] < 1e-9
