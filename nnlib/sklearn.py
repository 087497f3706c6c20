"""nnlib as a scikit-learn classifier: ``NNClassifier`` works in ``Pipeline``, ``cross_val_score``, ``clone``.

scikit-learn's tools (pipelines, cross-validation, grid search) only need an object that follows a few
conventions:

* every hyperparameter is an ``__init__`` argument, stored unchanged under the same name, so
  ``get_params``/``set_params``/``clone`` (from ``BaseEstimator``) can copy an unfitted model;
* ``fit(X, y)`` checks its input, learns, sets attributes that end in ``_`` and returns ``self``;
* ``predict``, ``predict_proba`` and ``score`` use only what ``fit`` learned.

``NNClassifier`` is a thin layer over :class:`nnlib.Sequential`: ``fit`` encodes the labels (any
labels, strings too) as integers ``0..K-1``, builds ``Dense`` layers with a softmax output and trains
with cross-entropy; ``predict`` maps the most probable index back to the original label.
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from tqdm.auto import tqdm

from .model import Dense, Sequential

_FLOATS = [np.float64, np.float32]
#: What ``fit`` sets: all of them describe one fitted network, so they change together or not at all.
_FITTED = ("n_features_in_", "feature_names_in_", "classes_", "model_", "history_")


class NNClassifier(ClassifierMixin, BaseEstimator):
    """A multi-class neural network classifier with scikit-learn's interface, on either nnlib backend.

    The network is ``Dense(n_features, h1, activation) -> ... -> Dense(h_last, n_classes, "softmax")``,
    trained on the cross-entropy :math:`-\\frac{1}{n}\\sum_i \\log p_{i, y_i}` with mini-batches.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(16,)
        Units of each hidden layer; ``()`` gives softmax regression (no hidden layer).
    activation : str, default="relu"
        Activation of the hidden layers (any name :class:`nnlib.Dense` accepts).
    backend : {"numpy", "torch"}, default="numpy"
    optimizer : {"adam", "adamw", "rmsprop", "sgd"}, default="adam"
    learning_rate : float, default=0.01
    epochs : int, default=100
        Passes over the training rows.
    batch_size : int, default=32
        Rows per optimizer step.
    accumulation_steps : int, default=1
        Micro-batches per step (the gradient is the same, memory use smaller).
    dtype : {"float64", "float32"}, default="float64"
    device : str, default="auto"
        Torch backend only: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``.
    random_state : int, numpy.random.RandomState or None, default=0
        Seeds the initial weights and the shuffling. An int gives the same numbers in both backends;
        the default 0 makes every run reproducible (``None`` draws a new seed at each ``fit``).
    verbose : int, default=0
        ``1`` shows a progress bar over epochs.

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
        The labels seen in ``fit``, sorted; output ``k`` of the network is the probability of ``classes_[k]``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names.
    model_ : nnlib.Sequential
        The trained network (its ``summary()`` prints the layers).
    history_ : nnlib.History
        Per-epoch ``loss`` and ``accuracy`` on the training rows.
    """

    def __init__(self, hidden_layer_sizes=(16,), activation="relu", backend="numpy", optimizer="adam",
                 learning_rate=0.01, epochs=100, batch_size=32, accumulation_steps=1, dtype="float64",
                 device="auto", random_state=0, verbose=0):
        # scikit-learn convention: store every argument unchanged; check them in fit.
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.backend = backend
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.accumulation_steps = accumulation_steps
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, callbacks=()):
        """Learn from ``X`` (n_samples, n_features) and labels ``y`` (n_samples,); returns ``self``.

        ``callbacks`` go to :meth:`nnlib.Sequential.fit`: each is called as ``callback(epoch, logs)``
        after every epoch (a live plot, a progress bar). In a ``Pipeline`` pass them as
        ``pipeline.fit(X, y, <step name>__callbacks=[...])``.
        """
        # validate_data records n_features_in_ and feature_names_in_ on self at once: a fit that fails
        # later puts the previous ones back, so a refit either replaces everything or changes nothing
        previous = {name: vars(self)[name] for name in _FITTED if name in vars(self)}
        try:
            X, y = validate_data(self, X, y, dtype=_FLOATS)
            check_classification_targets(y)
            encoder = LabelEncoder().fit(y)
            if len(encoder.classes_) < 2:
                raise ValueError(
                    f"y: expected labels of at least 2 classes, got only 1 class ({encoder.classes_[0]!r}); "
                    "a classifier has nothing to learn from one class"
                )
            model = self._build_network(X.shape[1], len(encoder.classes_))
            history = model.fit(
                X, encoder.transform(y), epochs=self.epochs, batch_size=self.batch_size,
                accumulation_steps=self.accumulation_steps, shuffle=True, verbose=self.verbose, callbacks=callbacks,
            )
        except BaseException:
            for name in _FITTED:
                vars(self).pop(name, None)
            vars(self).update(previous)
            raise
        # set only once training succeeded: a failed fit leaves no half-fitted model behind
        self.classes_, self.model_, self.history_ = encoder.classes_, model, history
        return self

    def _build_network(self, n_features, n_classes):
        sizes = [n_features, *_check_hidden_sizes(self.hidden_layer_sizes), n_classes]
        layers = [Dense(a, b, self.activation) for a, b in zip(sizes[:-2], sizes[1:-1])]
        layers.append(Dense(sizes[-2], n_classes, "softmax"))
        model = Sequential(layers, backend=self.backend, seed=_seed(self.random_state), dtype=self.dtype,
                           device=self.device)
        return model.compile(loss="cross_entropy", optimizer=self.optimizer, learning_rate=self.learning_rate)

    # ------------------------------------------------------------ predict
    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes); column ``k`` is ``classes_[k]``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOATS)
        return np.asarray(self.model_.predict(X), dtype=np.float64)

    def predict(self, X):
        """The most probable label for each row, shape (n_samples,), from ``classes_``."""
        proba = self.predict_proba(X)  # first: it raises NotFittedError before classes_ exists
        return self.classes_[np.argmax(proba, axis=1)]

    # ``score`` (mean accuracy) comes from ClassifierMixin.

    # ------------------------------------------------------------- pickle
    # A fitted nnlib network holds references to its backend's modules, which pickle cannot store.
    # scikit-learn copies estimators with pickle (joblib's n_jobs, deepcopy), so the state carries
    # the network's config and weights instead and rebuilds it. Files for later use are written by
    # nnlib.persistence instead: no pickle there.
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: never change the live object
        if "model_" in state:
            state["model_"] = {"config": self.model_.get_config(), "weights": self.model_.get_weights(),
                               "backend": self.model_.backend, "device": self.model_.device}
        return state

    def __setstate__(self, state):
        network = state.get("model_")
        if isinstance(network, dict):
            state["model_"] = Sequential.from_config(network["config"], network["weights"],
                                                     backend=network["backend"], device=network["device"])
        super().__setstate__(state)


def _check_hidden_sizes(sizes):
    """``hidden_layer_sizes`` as a tuple of positive ints (an int means one hidden layer)."""
    if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    if not isinstance(sizes, (tuple, list)) or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
    ):
        raise ValueError(f"hidden_layer_sizes: expected a positive int or a tuple of positive ints, got {sizes!r}")
    return tuple(int(s) for s in sizes)


def _seed(random_state):
    """An int seed for nnlib from scikit-learn's ``random_state`` (an int is used as it is)."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


# ---------------------------------------------------------------- cross-validation
def cross_validate_accuracy(models, X, y, cv, progress=True):
    """Accuracy of each model on every fold of ``cv``, all models on the same folds.

    The same as calling ``cross_val_score(model, X, y, cv=cv)`` for each model, in one loop so the
    folds are split once and a progress bar can follow the folds (and, for nnlib models, the epochs).
    Each model is cloned and fitted on the training rows of the fold only, so a ``Pipeline``'s
    preprocessing never sees the fold's test rows.

    Parameters
    ----------
    models : dict of str -> estimator
        Unfitted estimators or pipelines (e.g. an nnlib pipeline, ``MLPClassifier``, ``DummyClassifier``).
    X : array-like or DataFrame, shape (n_samples, n_features)
    y : array-like, shape (n_samples,)
    cv : splitter such as ``StratifiedKFold(5, shuffle=True, random_state=0)``
    progress : bool
        Show tqdm bars over folds and over each nnlib fit's epochs.

    Returns
    -------
    dict of str -> ndarray, shape (n_folds,)
        Test accuracy of each model on each fold.
    """
    if not isinstance(models, dict) or not models:
        raise TypeError(f"models: expected a non-empty dict of name -> estimator, got {type(models).__name__}")
    splits = list(cv.split(X, y))
    scores = {name: [] for name in models}
    fold_bar = tqdm(splits, desc="folds", unit="fold", disable=not progress)
    # One bar over every nnlib epoch of every fold: its total is known before the first fit, so even the
    # bar a notebook stores (as it was when shown) reads "0/N", not an open-ended count.
    n_epochs = len(splits) * sum(final.epochs for final in map(_final_step, models.values())
                                 if isinstance(final, NNClassifier))
    epoch_bar = tqdm(total=n_epochs, desc="epochs", unit="epoch", disable=not progress or not n_epochs)
    try:
        for train, test in fold_bar:
            for name, model in models.items():
                fold_bar.set_postfix(model=name)
                fitted = clone(model)
                fitted.fit(_rows(X, train), _rows(y, train), **_epoch_progress(fitted, epoch_bar, name))
                scores[name].append(fitted.score(_rows(X, test), _rows(y, test)))
    finally:
        epoch_bar.close()
        fold_bar.close()
    return {name: np.asarray(values) for name, values in scores.items()}


def _rows(data, index):
    return data.iloc[index] if hasattr(data, "iloc") else np.asarray(data)[index]


def _final_step(model):
    """The estimator that ``model`` ends with (``model`` itself unless it is a Pipeline)."""
    return model.steps[-1][1] if hasattr(model, "steps") else model


def _epoch_progress(model, bar, name):
    """Fit arguments that advance ``bar`` once per epoch when ``model`` is (or ends with) an NNClassifier."""
    final = _final_step(model)
    if not isinstance(final, NNClassifier):
        return {}
    prefix = model.steps[-1][0] + "__" if final is not model else ""
    bar.set_description(f"epochs ({name})")
    return {prefix + "callbacks": [lambda epoch, logs: bar.update(1)]}
