"""nnlib.plots.classification: the data behind each plot is right, and the drawings show that data."""
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.pipeline import make_pipeline

from nnlib.datasets import NUMERIC_FEATURES, load_penguins, majority_accuracy, one_penguin, penguin_preprocessor
from nnlib.plots import classification as C
from nnlib.sklearn import NNClassifier


@pytest.fixture(scope="module")
def penguins():
    return load_penguins()


@pytest.fixture(scope="module")
def model(penguins):
    X, y = penguins
    return make_pipeline(penguin_preprocessor(), NNClassifier(epochs=10)).fit(X, y)


# ------------------------------------------------------------------------------------------ data
def test_penguins_table(penguins):
    X, y = penguins
    assert X.shape == (344, 6) and list(X.columns) == NUMERIC_FEATURES + ["island", "sex"]
    assert y.value_counts().to_dict() == {"Adelie": 152, "Gentoo": 124, "Chinstrap": 68}
    assert X.isna().sum().to_dict()["sex"] == 11
    assert majority_accuracy(y) == pytest.approx(152 / 344)


def test_preprocessor_outputs_nine_finite_columns(penguins):
    X, _ = penguins
    Z = penguin_preprocessor().fit_transform(X)
    assert Z.shape == (344, 9) and np.isfinite(Z).all()
    np.testing.assert_allclose(Z[:, :4].mean(axis=0), 0, atol=1e-12)  # standardised numbers
    np.testing.assert_array_equal(Z[:, 4:7].sum(axis=1), 1)  # one island per penguin
    np.testing.assert_array_equal(Z[:, 7:].sum(axis=1), 1)  # one sex, missing ones imputed


def test_class_groups_drop_incomplete_rows_and_split_by_class():
    X = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0, 5.0], "b": [10.0, 20.0, 30.0, 40.0, np.nan]})
    groups = C.class_groups(X, ["x", "y", "x", "y", "x"], ["a", "b"])
    assert list(groups) == ["x", "y"]
    np.testing.assert_array_equal(groups["x"], [[1.0, 10.0]])
    np.testing.assert_array_equal(groups["y"], [[2.0, 20.0], [4.0, 40.0]])


def test_class_groups_on_penguins(penguins):
    X, y = penguins
    groups = C.class_groups(X, y, NUMERIC_FEATURES)
    assert {label: len(rows) for label, rows in groups.items()} == {"Adelie": 151, "Chinstrap": 68, "Gentoo": 123}


def test_score_summary_and_format():
    scores = {"net": [1.0, 0.9, 0.8], "baseline": np.array([0.5, 0.4, 0.45])}
    summary = C.score_summary(scores)
    assert summary["net"]["mean"] == pytest.approx(0.9)
    assert summary["net"]["std"] == pytest.approx(np.sqrt(0.02 / 3))  # population std, as np.std
    assert summary["baseline"]["min"] == 0.4 and summary["baseline"]["max"] == 0.5
    assert C.format_scores(scores).splitlines() == [
        "net       0.900 ± 0.082   folds: 1.000 0.900 0.800",
        "baseline  0.450 ± 0.041   folds: 0.500 0.400 0.450",
    ]


def test_history_curves():
    curves = C.history_curves({"loss": [3, 2, 1], "val_loss": [4, 3, 2]})
    np.testing.assert_array_equal(curves["epoch"], [1, 2, 3])
    np.testing.assert_array_equal(curves["val_loss"], [4.0, 3.0, 2.0])
    with pytest.raises(ValueError, match="one value per epoch"):
        C.history_curves({"loss": [1, 2], "accuracy": [0.5]})


def test_class_probabilities_are_the_models(model):
    row = one_penguin("Dream", "male", 50.0, 19.0, 196.0, 3900.0)
    probabilities = C.class_probabilities(model, row)
    assert list(probabilities) == ["Adelie", "Chinstrap", "Gentoo"]
    np.testing.assert_allclose(list(probabilities.values()), model.predict_proba(row)[0])
    assert sum(probabilities.values()) == pytest.approx(1.0)


def test_one_penguin_has_the_training_columns(penguins):
    row = one_penguin("Biscoe", "female", 45.0, 16.0, 205.0, 4500.0)
    assert list(row.columns) == list(penguins[0].columns) and row.shape == (1, 6)
    assert row.loc[0, "island"] == "Biscoe" and row.loc[0, "body_mass_g"] == 4500.0


# ------------------------------------------------------------------------------------- drawing
def test_fold_scores_plot_shows_each_model_and_the_dashed_baseline():
    scores = {"net": [1.0, 0.9, 0.8], "majority baseline": [0.5, 0.4, 0.45]}
    fig = C.plot_fold_scores(scores)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    net, base = ax.get_lines()
    np.testing.assert_array_equal(net.get_ydata(), [1.0, 0.9, 0.8])
    np.testing.assert_array_equal(base.get_ydata(), [0.5, 0.4, 0.45])
    assert base.get_linestyle() == "--" and net.get_linestyle() == "-"
    assert np.round(net.get_xdata()).tolist() == [1, 2, 3]  # shifted slightly, still at the fold numbers
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["net: 0.900 ± 0.082", "majority baseline: 0.450 ± 0.041"]


def test_pair_grid_draws_every_pair(penguins):
    X, y = penguins
    columns = NUMERIC_FEATURES[:3]
    fig = C.plot_pair_grid(X, y, columns)
    assert len(fig.axes) == 9
    groups = C.class_groups(X, y, columns)
    ax = fig.axes[1]  # row 0 (bill_length_mm) against column 1 (bill_depth_mm)
    first = ax.collections[0].get_offsets()
    np.testing.assert_array_equal(first, groups["Adelie"][:, [1, 0]])
    assert fig.axes[0].patches  # a histogram on the diagonal


def test_history_plot_shows_training_and_validation():
    history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.9], "val_loss": [1.1, 0.7], "val_accuracy": [0.4, 0.8]}
    fig = C.plot_history(history)
    ax_loss, ax_acc = fig.axes
    assert [line.get_label() for line in ax_loss.get_lines()] == ["training", "validation"]
    np.testing.assert_array_equal(ax_acc.get_lines()[1].get_ydata(), [0.4, 0.8])
    np.testing.assert_array_equal(ax_acc.get_lines()[1].get_xdata(), [1, 2])


def test_live_plot_collects_logs_and_redraws_every_n_epochs_and_at_the_end(monkeypatch):
    import IPython.display

    shown, updated = [], []

    class Handle:
        def update(self, fig):
            updated.append(fig)

    monkeypatch.setattr(IPython.display, "display", lambda fig, display_id: shown.append(fig) or Handle())
    live = C.LiveHistoryPlot(every=3, epochs=7)
    for epoch in range(7):
        live(epoch, {"loss": 1.0 / (epoch + 1), "accuracy": epoch / 7})
    assert live.history["loss"] == [1.0 / (e + 1) for e in range(7)]
    assert live.draws == 3 and len(shown) == 1 and len(updated) == 2  # after epochs 3, 6 and 7, one output
    np.testing.assert_allclose(updated[-1].axes[0].get_lines()[0].get_ydata(), live.history["loss"])


def test_live_plot_as_a_fit_callback(monkeypatch):
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda fig, display_id: type("H", (), {"update": lambda s, f: None})())
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    live = C.LiveHistoryPlot(every=2, epochs=4)
    clf = NNClassifier(epochs=4).fit(X, y, callbacks=[live])
    assert live.history == {key: list(values) for key, values in clf.history_.items()}


def test_confusion_matrix_plot_writes_every_count():
    matrix = np.array([[5, 1, 0], [0, 3, 2], [0, 0, 7]])
    fig = C.plot_confusion_matrix(matrix, ["a", "b", "c"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["5", "1", "0", "0", "3", "2", "0", "0", "7"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "c"]


def test_penguin_widget_marks_the_penguin_and_shows_the_models_probabilities(model, penguins):
    X, y = penguins
    values = dict(island="Dream", sex="male", bill_length_mm=50.0, bill_depth_mm=19.0, flipper_length_mm=196.0,
                  body_mass_g=3900.0)
    fig = C.plot_penguin_prediction(model, X, y, **values)
    bills, body, bars = fig.axes
    np.testing.assert_array_equal(bills.collections[-1].get_offsets(), [[50.0, 19.0]])
    np.testing.assert_array_equal(body.collections[-1].get_offsets(), [[196.0, 3900.0]])
    expected = C.class_probabilities(model, one_penguin(**values))
    shown = [patch.get_height() for patch in bars.patches if patch.get_visible()]
    np.testing.assert_allclose(shown, list(expected.values()))
    assert bars.get_title() == f"predicted: {max(expected, key=expected.get)}"


def test_penguin_widget_with_both_backends_shows_both_and_their_difference(penguins):
    plot = C.PenguinPredictionPlot.example()
    plot.figure(backend="both")
    bars = plot.fig.axes[2]
    assert len([p for p in bars.patches if p.get_visible()]) == 6
    assert re.search(r"NumPy vs PyTorch \(cpu\): max \|difference\| = ", plot.caption.get_text())


@pytest.mark.parametrize("slider, step", [("bill_length_mm", 0.5), ("bill_depth_mm", 0.1),
                                          ("flipper_length_mm", 1.0), ("body_mass_g", 50.0)])
def test_each_slider_moves_the_marked_penguin(model, penguins, slider, step):
    """What the browser test relies on: three steps of any slider change the drawing."""
    X, y = penguins
    values = dict(bill_length_mm=45.0, bill_depth_mm=16.0, flipper_length_mm=205.0, body_mass_g=4500.0)
    before = C.plot_penguin_prediction(model, X, y, **values)
    after = C.plot_penguin_prediction(model, X, y, **{**values, slider: values[slider] + 3 * step})
    star = lambda fig: np.vstack([ax.collections[-1].get_offsets() for ax in fig.axes[:2]])  # noqa: E731
    assert not np.array_equal(star(before), star(after))


def test_penguin_cv_scores_has_every_model_on_the_same_folds():
    scores = C.penguin_cv_scores(epochs=5, n_splits=3)
    assert list(scores) == ["nnlib numpy", "nnlib torch", "sklearn MLPClassifier", "majority baseline"]
    assert all(values.shape == (3,) for values in scores.values())
    np.testing.assert_array_equal(scores["nnlib numpy"], scores["nnlib torch"])
    assert scores["majority baseline"].mean() < 0.46 < 0.9 < scores["nnlib numpy"].mean()
