"""nnlib.datasets' 2-D toy sets, nnlib.playground's snapshots and nnlib.plots.boundary: the grid, the cache, the drawings."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib import datasets as D
from nnlib import playground as pg
from nnlib.plots import boundary as B


@pytest.mark.parametrize("name", D.DATASETS)
def test_datasets_are_seeded_balanced_and_2d(name):
    X, y = D.make_dataset(name, n_samples=200, seed=3)
    assert X.shape == (200, 2) and y.shape == (200,)
    assert set(np.unique(y)) == {0, 1}
    assert 0.35 < y.mean() < 0.65
    X2, y2 = D.make_dataset(name, n_samples=200, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, D.make_dataset(name, n_samples=200, seed=4)[0])


def test_xor_labels_follow_the_quadrants_without_noise():
    X, y = D.make_dataset("xor", noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))


def test_circles_put_class_one_inside():
    X, y = D.make_dataset("circles", noise=0.0)
    radius = np.linalg.norm(X, axis=1)
    assert radius[y == 1].max() < radius[y == 0].min()


def test_unknown_dataset_is_named():
    with pytest.raises(ValueError, match="'blobs'"):
        D.make_dataset("blobs")


def test_grid_points_cover_the_data_with_a_margin():
    X = np.array([[0.0, 1.0], [2.0, -1.0]])
    xx, yy, points = D.grid_points(X, resolution=5, margin=0.5)
    assert xx.shape == yy.shape == (5, 5) and points.shape == (25, 2)
    assert (xx.min(), xx.max(), yy.min(), yy.max()) == (-0.5, 2.5, -1.5, 1.5)
    np.testing.assert_array_equal(points[:, 0], xx.ravel())


def test_boundary_grid_evaluates_predict_on_the_grid():
    X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    grid = B.boundary_grid(lambda p: (p[:, :1] > 0).astype(float), X, resolution=4, margin=0.0)
    np.testing.assert_array_equal(grid["prob"], (grid["xx"] > 0).astype(float))


@pytest.fixture(scope="module")
def session():
    return pg.TrainingSession("moons", hidden=(8, 8), activation="tanh", learning_rate=0.03, batch_size=200,
                              optimizer="adam", resolution=10)


@pytest.fixture(scope="module")
def run(session):
    return pg.snapshots(session, 60, every=20)


def test_snapshots_record_every_few_steps(run):
    assert run["steps"].tolist() == [0, 20, 40, 60]
    assert run["probs"].shape == (4, 10, 10) and run["loss"].shape == (61,)
    assert np.all((run["probs"] >= 0) & (run["probs"] <= 1))
    assert run["loss"][-1] < run["loss"][0]
    assert run["accuracy"][-1] > 0.8


def test_snapshots_take_the_last_steps_when_every_does_not_divide_them():
    session = pg.TrainingSession("xor", batch_size=200, resolution=4)
    assert pg.snapshots(session, 25, every=10)["steps"].tolist() == [0, 10, 20, 25]


def test_last_snapshot_is_the_trained_model(run, session):
    model = session.model
    np.testing.assert_allclose(run["probs"][-1].ravel(),
                               model.predict(np.column_stack([run["xx"].ravel(), run["yy"].ravel()]))[:, 0])
    assert run["accuracy"][-1] == np.mean((model.predict(run["X"])[:, 0] > 0.5) == run["y"])


def test_04s_runs_are_09s_training_session_with_a_full_batch():
    # one training engine for both notebooks: the replayed run equals a session trained step by step
    run = B.playground_run("circles", "tanh")
    session = pg.backend_session("numpy", dataset="circles", hidden=(8, 8), activation="tanh", learning_rate=0.03,
                                 batch_size=200, optimizer="adam", resolution=60).step(300)
    np.testing.assert_array_equal(run["loss"], session.losses)
    np.testing.assert_array_equal(run["probs"][-1], session.probabilities())


def test_non_linearity_is_needed_for_circles():
    assert B.playground_run("circles", "identity")["accuracy"][-1] < 0.7
    assert B.playground_run("circles", "relu")["accuracy"][-1] > 0.95


def test_playground_run_is_cached():
    assert B.playground_run("xor", "tanh") is B.playground_run("xor", "tanh")


def test_snapshot_at_picks_the_last_snapshot_not_after_the_epoch():
    run = {"epochs": np.array([0, 10, 20, 30])}
    assert [B.snapshot_at(run, e) for e in (0, 9, 10, 25, 30, 99)] == [0, 0, 1, 2, 3, 3]


def test_plot_boundary_replay_changes_with_the_epoch_slider():
    early, late = B.plot_boundary_replay("moons", "relu", 20), B.plot_boundary_replay("moons", "relu", 60)
    assert isinstance(early, Figure)
    assert "epoch 20" in early.axes[0].get_title() and "epoch 60" in late.axes[0].get_title()
    # the loss curve drawn in black covers exactly the epochs trained so far, from the loss before training
    assert len(early.axes[1].get_lines()[1].get_xdata()) == 21
    assert len(late.axes[1].get_lines()[1].get_xdata()) == 61


def test_plot_decision_boundary_on_a_given_axis(run):
    grid = {"xx": run["xx"], "yy": run["yy"], "prob": run["probs"][-1]}
    fig = B.plot_decision_boundary(grid, run["X"], run["y"], title="tanh")
    ax = fig.axes[0]
    assert ax.get_title() == "tanh"
    counts = sorted(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets") and len(c.get_offsets()))
    assert counts[-2:] == sorted([int((run["y"] == 0).sum()), int((run["y"] == 1).sum())])
