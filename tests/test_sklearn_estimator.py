"""nnlib.sklearn.NNClassifier follows scikit-learn's estimator conventions, on both backends."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from nnlib.datasets import load_penguins, majority_accuracy, penguin_preprocessor
from nnlib.sklearn import NNClassifier, cross_validate_accuracy

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # Tiny matrices: on a shared 2-core machine two torch threads mostly wait for each other.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# --------------------------------------------------------------------- scikit-learn's own checks
# Every check applies and passes on both backends, so no check is listed as an expected failure.
@parametrize_with_checks([NNClassifier(backend="numpy"), NNClassifier(backend="torch")],
                         expected_failed_checks=lambda estimator: {})
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ------------------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def penguins():
    return load_penguins()


def blobs(n=120, seed=0, labels=("a", "b", "c")):
    """Three well separated clusters in 2-D with the given labels."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    index = np.arange(n) % 3
    X = centers[index] + rng.normal(scale=0.5, size=(n, 2))
    return X, np.asarray(labels, dtype=object if isinstance(labels[0], str) else None)[index]


# --------------------------------------------------------------------------------- conventions
def test_init_stores_parameters_unchanged_and_get_set_params_round_trip():
    sizes = [8, 4]  # a list stays the very same list: __init__ must not convert it
    clf = NNClassifier(hidden_layer_sizes=sizes, epochs=7, backend="torch", random_state=3)
    params = clf.get_params()
    assert params["hidden_layer_sizes"] is sizes
    assert params["epochs"] == 7 and params["backend"] == "torch" and params["random_state"] == 3
    assert set(params) == {"hidden_layer_sizes", "activation", "backend", "optimizer", "learning_rate", "epochs",
                           "batch_size", "accumulation_steps", "dtype", "device", "random_state", "verbose"}
    clf.set_params(epochs=3, learning_rate=0.1)
    assert clf.epochs == 3 and clf.learning_rate == 0.1


def test_clone_gives_an_unfitted_copy_with_equal_parameters():
    X, y = blobs()
    fitted = NNClassifier(epochs=5, hidden_layer_sizes=(4,)).fit(X, y)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "model_") and not hasattr(copy, "classes_")
    np.testing.assert_array_equal(copy.fit(X, y).predict_proba(X), fitted.predict_proba(X))


def test_string_labels_round_trip_and_classes_are_sorted():
    X, y = blobs(labels=("Gentoo", "Adelie", "Chinstrap"))
    clf = NNClassifier(epochs=30).fit(X, y)
    assert clf.classes_.tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    pred = clf.predict(X)
    assert set(pred) <= set(y) and pred.dtype == clf.classes_.dtype
    assert clf.score(X, y) > 0.95
    # column k of predict_proba is classes_[k]
    np.testing.assert_array_equal(clf.classes_[clf.predict_proba(X).argmax(1)], pred)


def test_integer_labels_that_are_not_0_to_k_round_trip():
    X, y = blobs(labels=(10, -3, 7))
    clf = NNClassifier(epochs=30).fit(X, y)
    assert clf.classes_.tolist() == [-3, 7, 10]
    assert clf.score(X, y) > 0.95


def test_fitted_attributes(penguins):
    X, y = penguins
    pipe = make_pipeline(penguin_preprocessor(), NNClassifier(epochs=2)).fit(X, y)
    clf = pipe[-1]
    assert clf.n_features_in_ == 9 and len(clf.history_["loss"]) == 2
    assert clf.model_.n_features == 9 and clf.model_.n_outputs == 3
    frame_clf = NNClassifier(epochs=2).fit(X[["bill_length_mm", "bill_depth_mm"]].dropna(), y[X.bill_length_mm.notna()])
    assert frame_clf.feature_names_in_.tolist() == ["bill_length_mm", "bill_depth_mm"]


def test_hidden_layer_sizes_build_the_network():
    X, y = blobs()
    clf = NNClassifier(hidden_layer_sizes=(5, 4), activation="tanh", epochs=1).fit(X, y)
    assert [(layer.in_features, layer.out_features, layer.activation) for layer in clf.model_.layers] == [
        (2, 5, "tanh"), (5, 4, "tanh"), (4, 3, "softmax")]
    assert [layer.out_features for layer in NNClassifier(hidden_layer_sizes=7, epochs=1).fit(X, y).model_.layers] == [7, 3]
    assert len(NNClassifier(hidden_layer_sizes=(), epochs=1).fit(X, y).model_.layers) == 1


@pytest.mark.parametrize("params, argument", [
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": "16"}, "hidden_layer_sizes"),
    ({"backend": "jax"}, "backend"),
    ({"optimizer": "adagrad"}, "optimizer"),
    ({"epochs": 0}, "epochs"),
    ({"learning_rate": -1.0}, "learning_rate"),
    ({"dtype": "int8"}, "dtype"),
    ({"accumulation_steps": 64, "batch_size": 32}, "accumulation_steps"),
])
def test_bad_hyperparameters_raise_in_fit_naming_the_argument(params, argument):
    X, y = blobs()
    clf = NNClassifier(**params)  # scikit-learn convention: __init__ accepts anything, fit checks
    with pytest.raises(ValueError, match=argument):
        clf.fit(X, y)
    assert not hasattr(clf, "model_") and not hasattr(clf, "classes_")  # no half-fitted model left behind


def test_one_class_is_refused_with_a_clear_message():
    X, _ = blobs()
    with pytest.raises(ValueError, match="at least 2 classes"):
        NNClassifier().fit(X, np.zeros(len(X)))


def test_callbacks_are_called_once_per_epoch_also_inside_a_pipeline():
    X, y = blobs()
    seen = []
    pipe = make_pipeline(StandardScaler(), NNClassifier(epochs=4))
    pipe.fit(X, y, nnclassifier__callbacks=[lambda epoch, logs: seen.append((epoch, sorted(logs)))])
    assert seen == [(e, ["accuracy", "loss"]) for e in range(4)]


def test_accumulation_steps_give_the_same_model():
    X, y = blobs()
    one = NNClassifier(epochs=5, batch_size=16).fit(X, y)
    four = NNClassifier(epochs=5, batch_size=16, accumulation_steps=4).fit(X, y)
    np.testing.assert_allclose(four.predict_proba(X), one.predict_proba(X), atol=1e-10)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_pickle_round_trip_keeps_predictions(backend):
    X, y = blobs()
    clf = NNClassifier(epochs=5, backend=backend).fit(X, y)
    copy = pickle.loads(pickle.dumps(clf))
    assert copy.model_.backend == backend
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    assert hasattr(clf.model_, "predict")  # pickling did not replace the live network


# ------------------------------------------------------------------- pipelines and cross-validation
def test_pipeline_cross_val_score_beats_the_majority_baseline(penguins):
    X, y = penguins
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    pipe = make_pipeline(penguin_preprocessor(), NNClassifier(epochs=20))
    scores = cross_val_score(pipe, X, y, cv=cv)
    baseline = cross_val_score(make_pipeline(penguin_preprocessor(), DummyClassifier()), X, y, cv=cv)
    assert scores.shape == (5,)
    assert abs(baseline.mean() - majority_accuracy(y)) < 0.01
    assert scores.mean() > 0.95 > baseline.mean() + 0.4


def test_backends_agree(penguins):
    X, y = penguins
    probas = {}
    for backend in ("numpy", "torch"):
        pipe = make_pipeline(penguin_preprocessor(), NNClassifier(epochs=10, backend=backend)).fit(X, y)
        probas[backend] = pipe.predict_proba(X)
    # float64, same seed, same shuffling: the two backends compute the same numbers up to rounding
    np.testing.assert_allclose(probas["torch"], probas["numpy"], atol=1e-9)


def test_cross_validate_accuracy_equals_cross_val_score_on_the_same_folds(penguins):
    X, y = penguins
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    models = {"nn": make_pipeline(penguin_preprocessor(), NNClassifier(epochs=5)),
              "dummy": make_pipeline(penguin_preprocessor(), DummyClassifier())}
    ours = cross_validate_accuracy(models, X, y, cv, progress=False)
    for name, model in models.items():
        np.testing.assert_array_equal(ours[name], cross_val_score(model, X, y, cv=cv))
    assert not hasattr(models["nn"][-1], "model_")  # the models given are left unfitted


def test_cross_validate_accuracy_reports_epochs_to_the_progress_bar(penguins, monkeypatch):
    import nnlib.sklearn as nnsk

    X, y = penguins
    bars, updates = [], []

    class Bar:
        def __init__(self, iterable=None, total=None, desc="", **kwargs):
            self.iterable, self.total, self.desc = iterable, total, desc
            bars.append(self)

        def __iter__(self):
            return iter(self.iterable)

        def update(self, n):
            updates.append(n)

        def set_description(self, text):
            pass

        def set_postfix(self, **kwargs):
            pass

        def close(self):
            pass

    monkeypatch.setattr(nnsk, "tqdm", Bar)
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    models = {"nn": make_pipeline(penguin_preprocessor(), NNClassifier(epochs=3)), "short": make_pipeline(penguin_preprocessor(), NNClassifier(epochs=2)),
              "baseline": DummyClassifier()}
    nnsk.cross_validate_accuracy(models, X, y, cv)
    # the epoch bar's total is every nnlib epoch of every fold, known before the first fit (so a stored bar
    # reads 0/10, not an open-ended count), and each epoch advances it once
    epochs = next(b for b in bars if b.desc == "epochs")
    assert epochs.total == 2 * (3 + 2)
    assert updates == [1] * 10


def test_cross_validate_accuracy_rejects_a_non_dict():
    with pytest.raises(TypeError, match="models"):
        cross_validate_accuracy([NNClassifier()], np.zeros((4, 2)), np.arange(4) % 2, StratifiedKFold(2))


# ------------------------------------------------------------------ divergence (issue 11, case 1)
@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_diverging_fit_raises_and_leaves_no_fitted_model(backend):
    from nnlib import NonFiniteLossError

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) * 1e3
    y = np.where(X[:, 0] > 0, "a", "b")
    clf = NNClassifier(learning_rate=1e8, optimizer="sgd", epochs=20, backend=backend, device="cpu")
    with pytest.raises(NonFiniteLossError, match=r"training loss became .* smaller learning_rate \(now 1e\+08\)"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_") and not hasattr(clf, "classes_")  # predict/score cannot answer nonsense
