"""Every error at the API boundary names the argument, what was expected and what was given.

A learner who passes the wrong thing gets one ValueError/TypeError that explains it, raised before
any computation, never a broadcasting error from deep inside NumPy or PyTorch. Each check runs in
both backends.
"""
import re
import warnings

import numpy as np
import pytest
import torch

import nnlib

BACKENDS = ["numpy", "torch"]
N = 10


def _classifier(backend):
    model = nnlib.Sequential([nnlib.Dense(4, 8, "relu"), nnlib.Dense(8, 3)], backend=backend, device="cpu")
    return model.compile(loss="cross_entropy")


def _data(n=N):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)), rng.integers(0, 3, size=n)


def _with_nan(a, index, value=np.nan):
    a = np.array(a, dtype=float)
    a[index] = value
    return a


X, Y = _data()

# (id, X, y, exception, message): what the model is given and what it must say
BAD_INPUTS = [
    ("wrong-feature-count", X[:, :3], Y, ValueError, r"X: expected 4 features \(columns\), got 3 \(shape \(10, 3\)\)"),
    ("1-d-X", X[:, 0], Y, ValueError, r"X: expected a 2-D array of shape \(n_samples, 4\), got shape \(10,\)"),
    ("3-d-X", X[None], Y, ValueError, r"X: expected a 2-D array of shape \(n_samples, 4\), got shape \(1, 10, 4\)"),
    ("no-rows", X[:0], Y[:0], ValueError, r"X: expected at least one sample \(row\), got shape \(0, 4\)"),
    ("nan-in-X", _with_nan(X, (2, 1)), Y, ValueError, r"X: expected finite numbers, got nan at index \(2, 1\)"),
    ("inf-in-X", _with_nan(X, (0, 3), np.inf), Y, ValueError, r"X: expected finite numbers, got inf at index \(0, 3\)"),
    ("strings-in-X", np.full((N, 4), "a"), Y, TypeError, r"X: expected an array of numbers, got an array of dtype <U1"),
    ("nan-in-y", X, _with_nan(Y, 4), ValueError, r"y: expected finite numbers, got nan at index \(4,\)"),
    ("label-too-large", X, np.r_[Y[:-1], 3], ValueError,
     r"y: expected class indices in 0..2 \(the model has 3 outputs\), got values from 0 to 3"),
    ("negative-label", X, np.r_[Y[:-1], -1], ValueError, r"y: expected class indices in 0..2 .*got values from -1 to"),
    ("non-integer-labels", X, np.r_[Y[:-1], 0.5], ValueError,
     r"y: expected integer class indices, got non-integer values such as 0.5"),
    ("label-column", X, Y[:, None], ValueError,
     r"y: expected class indices of shape \(10,\) or one-hot rows of shape \(10, 3\), got shape \(10, 1\)"),
    ("too-few-labels", X, Y[:-1], ValueError, r"y: expected 10 labels to match X, got 9"),
    ("one-hot-bad-rows", X, np.eye(3)[Y] * 2, ValueError,
     r"y: one-hot targets must be non-negative rows summing to 1, got row sums \[2.0, 2.0"),
    ("one-hot-negative", X, np.eye(3)[Y] * 2 - np.eye(3)[(Y + 1) % 3], ValueError,
     r"y: one-hot targets must be non-negative rows summing to 1"),
    ("one-hot-too-few-rows", X, np.eye(3)[Y][:-2], ValueError, r"y: expected 10 rows to match X, got 8"),
    ("labels-as-strings", X, np.array(["a"] * N), TypeError, r"y: expected an array of numbers, got an array of dtype <U1"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("X_bad, y_bad, error, message", [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_data_is_refused_by_fit_evaluate_and_gradients(backend, X_bad, y_bad, error, message):
    model = _classifier(backend)
    before = model.get_weights()
    for call in (lambda: model.fit(X_bad, y_bad, verbose=0), lambda: model.evaluate(X_bad, y_bad),
                 lambda: model.gradients(X_bad, y_bad)):
        with pytest.raises(error, match=message):
            call()
    for w, b in zip(model.get_weights(), before):  # refused before any step
        np.testing.assert_array_equal(w, b)


@pytest.mark.parametrize("backend", BACKENDS)
def test_predict_checks_its_input(backend):
    model = _classifier(backend)
    with pytest.raises(ValueError, match=r"X: expected 4 features \(columns\), got 5"):
        model.predict(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"X: expected finite numbers, got inf at index \(1, 0\)"):
        model.predict(_with_nan(np.zeros((2, 4)), (1, 0), np.inf))
    with pytest.raises(TypeError, match=r"X: expected an array of numbers, got list"):
        model.predict([[1, 2, 3, 4], [1, 2]])  # ragged
    assert model.predict(torch.zeros(2, 4)).shape == (2, 3)  # a tensor is fine


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_targets_for_binary_and_regression_losses(backend):
    binary = nnlib.Sequential([nnlib.Dense(4, 1)], backend=backend, device="cpu").compile("binary_cross_entropy_with_logits")
    with pytest.raises(ValueError, match=r"y: expected values in \[0, 1\], got values from 0.0 to 2.0"):
        binary.fit(X, Y.astype(float), verbose=0)
    with pytest.raises(ValueError, match=r"y: expected binary targets of shape \(10,\) or \(10, 1\), got shape \(10, 2\)"):
        binary.fit(X, np.zeros((N, 2)), verbose=0)
    regression = nnlib.Sequential([nnlib.Dense(4, 2)], backend=backend, device="cpu").compile("mse")
    with pytest.raises(ValueError, match=r"y: expected targets of shape \(10, 2\), got shape \(10,\)"):
        regression.fit(X, np.zeros(N), verbose=0)
    with pytest.raises(ValueError, match=r"y: expected finite numbers, got inf at index \(3, 1\)"):
        regression.fit(X, _with_nan(np.zeros((N, 2)), (3, 1), np.inf), verbose=0)


# --------------------------------------------------------------- names
def test_unknown_names():
    with pytest.raises(ValueError, match=r"activation: expected one of \['elu', 'gelu', .*\], got 'relux'"):
        nnlib.Dense(4, 3, activation="relux")
    model = nnlib.Sequential([nnlib.Dense(4, 3)])
    with pytest.raises(ValueError, match=r"loss: expected one of \['binary_cross_entropy', .*'mse'\], got 'hinge'"):
        model.compile(loss="hinge")
    with pytest.raises(ValueError, match=r"optimizer: expected one of \['adam', 'adamw', 'rmsprop', 'sgd'\], got 'adagrad'"):
        model.compile(loss="mse", optimizer="adagrad")
    with pytest.raises(TypeError, match=r"activation: expected a name \(str\), got int 3"):
        nnlib.Dense(4, 3, activation=3)
    with pytest.raises(TypeError, match=r"loss: expected a name \(str\), got NoneType None"):
        model.compile(loss=None)


def test_aliases_are_accepted():
    assert nnlib.Dense(2, 2, "Swish").activation == "silu"
    assert nnlib.Dense(2, 2, "linear").activation == "identity"
    model = nnlib.Sequential([nnlib.Dense(4, 3)])
    assert model.compile(loss="Sparse-Categorical-Crossentropy", optimizer="ADAM").loss == "cross_entropy"
    assert model.compile(loss="mean_squared_error").loss == "mse"


def test_activation_options():
    with pytest.raises(TypeError, match=r"activation 'relu': expected options among \[\], got \['negative_slope'\]"):
        nnlib.Dense(4, 3, "relu", negative_slope=0.1)
    with pytest.raises(TypeError, match=r"activation 'elu': expected options among \['alpha'\], got \['beta'\]"):
        nnlib.Dense(4, 3, "elu", beta=2.0)
    with pytest.raises(TypeError, match=r"alpha: expected a finite number, got str 'big'"):
        nnlib.Dense(4, 3, "elu", alpha="big")
    assert nnlib.Dense(4, 3, "softplus", beta=2, threshold=10).get_config()["beta"] == 2.0


# ------------------------------------------------------- fit arguments
@pytest.mark.parametrize("argument", ["epochs", "batch_size", "accumulation_steps"])
@pytest.mark.parametrize("value, error, message", [
    (0, ValueError, r"expected a positive integer \(>= 1\), got 0"),
    (-3, ValueError, r"expected a positive integer \(>= 1\), got -3"),
    (2.5, TypeError, r"expected a positive integer, got float 2.5"),
    (True, TypeError, r"expected a positive integer, got bool True"),
    ("4", TypeError, r"expected a positive integer, got str '4'"),
])
def test_non_positive_or_non_integer_counts(argument, value, error, message):
    model = _classifier("numpy")
    with pytest.raises(error, match=rf"{argument}: {message}"):
        model.fit(X, Y, verbose=0, **{argument: value})


def test_more_micro_batches_than_rows_in_a_batch():
    with pytest.raises(ValueError, match=r"accumulation_steps: expected at most batch_size=8 micro-batches, got 9"):
        _classifier("numpy").fit(X, Y, batch_size=8, accumulation_steps=9, verbose=0)
    _classifier("numpy").fit(X, Y, batch_size=8, accumulation_steps=8, verbose=0)  # the limit itself is fine


def test_numpy_integers_are_counts_too():
    _classifier("numpy").fit(X, Y, epochs=np.int64(1), batch_size=np.int32(4), verbose=0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_before_compile(backend):
    model = nnlib.Sequential([nnlib.Dense(4, 3)], backend=backend, device="cpu")
    for method in ("fit", "evaluate", "gradients"):
        with pytest.raises(RuntimeError, match=rf"{method}\(\): call compile\(loss=\.\.\., optimizer=\.\.\.\) first"):
            getattr(model, method)(X, Y)


# ------------------------------------------------------ compile arguments
def test_compile_arguments():
    model = nnlib.Sequential([nnlib.Dense(4, 3)])
    with pytest.raises(ValueError, match=r"learning_rate: expected a positive finite number, got -0.1"):
        model.compile("mse", learning_rate=-0.1)
    with pytest.raises(ValueError, match=r"learning_rate: expected a positive finite number, got nan"):
        model.compile("mse", learning_rate=float("nan"))
    with pytest.raises(TypeError, match=r"learning_rate: expected a positive number, got str '0.1'"):
        model.compile("mse", learning_rate="0.1")
    with pytest.raises(ValueError, match=r"momentum: expected a number in \[0, 1\), got 1.0"):
        model.compile("mse", momentum=1.0)
    with pytest.raises(TypeError, match=r"optimizer 'sgd': expected options among \['learning_rate', 'momentum', 'nesterov', 'weight_decay'\], got \['betas'\]"):
        model.compile("mse", optimizer="sgd", betas=(0.9, 0.99))
    with pytest.raises(ValueError, match=r"momentum: optimizer 'adam' takes no momentum \(set its betas instead\), got 0.9"):
        model.compile("mse", optimizer="adam", momentum=0.9)
    with pytest.raises(TypeError, match=r"optimizer 'adam': expected options among \['learning_rate', 'betas', 'eps', 'weight_decay'\], got \['beta1'\]"):
        model.compile("mse", optimizer="adam", beta1=0.9)
    with pytest.raises(ValueError, match=r"betas: expected two numbers in \[0, 1\) such as \(0.9, 0.999\), got \(0.9, 1.5\)"):
        model.compile("mse", optimizer="adam", betas=(0.9, 1.5))
    with pytest.raises(ValueError, match=r"eps: expected a positive finite number, got 0"):
        model.compile("mse", optimizer="adam", eps=0)
    with pytest.raises(TypeError, match=r"loss 'mse': unexpected option 'delta' \(only loss 'huber' takes it\)"):
        model.compile("mse", delta=1.0)
    with pytest.raises(ValueError, match=r"delta: expected a positive finite number, got -1"):
        model.compile("huber", delta=-1)


def test_losses_that_do_not_fit_the_last_layer():
    with pytest.raises(ValueError, match=r"loss 'binary_cross_entropy': expected probabilities, i.e. a last layer with "
                                         r"activation 'sigmoid', got activation 'identity'"):
        nnlib.Sequential([nnlib.Dense(4, 1)]).compile("binary_cross_entropy")
    with pytest.raises(ValueError, match=r"got activation 'relu' \(for raw scores use 'binary_cross_entropy_with_logits'\)"):
        nnlib.Sequential([nnlib.Dense(4, 1, "relu")]).compile("binary_cross_entropy")
    with pytest.raises(ValueError, match=r"loss 'binary_cross_entropy_with_logits': expected a last layer with 1 output, got 3"):
        nnlib.Sequential([nnlib.Dense(4, 3)]).compile("binary_cross_entropy_with_logits")
    with pytest.raises(ValueError, match=r"loss 'cross_entropy': expected a last layer with >= 2 outputs \(one per class\), got 1"):
        nnlib.Sequential([nnlib.Dense(4, 1)]).compile("cross_entropy")


# ------------------------------------------------------ model arguments
def test_model_arguments():
    with pytest.raises(ValueError, match=r"layers\[1\]: expected in_features=16 to match the previous layer's out_features, got 8"):
        nnlib.Sequential([nnlib.Dense(4, 16), nnlib.Dense(8, 3)])
    with pytest.raises(TypeError, match=r"layers: expected a non-empty list of Dense layers, got \[\]"):
        nnlib.Sequential([])
    with pytest.raises(TypeError, match=r"layers\[0\]: expected a Dense layer, got Linear"):
        nnlib.Sequential([torch.nn.Linear(4, 3)])
    with pytest.raises(ValueError, match=r"out_features: expected a positive integer \(>= 1\), got 0"):
        nnlib.Dense(4, 0)
    with pytest.raises(TypeError, match=r"in_features: expected a positive integer, got float 4.0"):
        nnlib.Dense(4.0, 3)
    with pytest.raises(ValueError, match=r"dtype: expected one of \['float32', 'float64'\], got 'float16'"):
        nnlib.Sequential([nnlib.Dense(4, 3)], dtype="float16")
    with pytest.raises(ValueError, match=r"dtype: expected one of \['float32', 'float64'\], got torch.int64"):
        nnlib.Sequential([nnlib.Dense(4, 3)], dtype=torch.int64)
    assert nnlib.Sequential([nnlib.Dense(4, 3)], dtype=np.float32).dtype == "float32"
    with pytest.raises(ValueError, match=r"backend: expected one of \['numpy', 'torch'\], got 'jax'"):
        nnlib.Sequential([nnlib.Dense(4, 3)], backend="jax")
    with pytest.raises(ValueError, match=r"device: the numpy backend runs on the CPU only, expected 'auto' or 'cpu', got 'cuda'"):
        nnlib.Sequential([nnlib.Dense(4, 3)], backend="numpy", device="cuda")
    with pytest.raises(ValueError, match=r"device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got 'gpu0'"):
        nnlib.Sequential([nnlib.Dense(4, 3)], backend="torch", device="gpu0")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_asking_for_cuda_without_a_gpu():
    with pytest.raises(ValueError, match=r"device: 'cuda' asked for, but this machine has no CUDA GPU \(use 'auto' or 'cpu'\)"):
        nnlib.Sequential([nnlib.Dense(4, 3)], backend="torch", device="cuda")


@pytest.mark.parametrize("backend", BACKENDS)
def test_set_weights(backend):
    model = _classifier(backend)
    weights = model.get_weights()
    with pytest.raises(ValueError, match=r"weights: expected 4 arrays \[W1, b1, \.\.\.\], got 3"):
        model.set_weights(weights[:3])
    with pytest.raises(ValueError, match=r"weights\[2\]: expected shape \(3, 8\), got \(8, 3\)"):
        model.set_weights(weights[:2] + [weights[2].T, weights[3]])
    with pytest.raises(TypeError, match=r"weights: expected a list of 4 arrays, got ndarray"):
        model.set_weights(weights[0])
    with pytest.raises(ValueError, match=r"weights\[1\]: expected finite numbers, got nan at index \(0,\)"):
        model.set_weights([weights[0], _with_nan(weights[1], 0)] + weights[2:])
    for w, b in zip(model.get_weights(), weights):  # nothing was half-set
        np.testing.assert_array_equal(w, b)
    model.set_weights([torch.tensor(w) for w in weights])  # tensors from either backend are fine


# ------------------------------------------- options that would make every output NaN (issue 11)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("activation, option, value", [
    ("softplus", "beta", 0.0), ("softplus", "beta", -1.0), ("softplus", "beta", 1e-300),
    ("leaky_relu", "negative_slope", 1e308), ("elu", "alpha", -1e300), ("softplus", "threshold", 1e308),
])
def test_activation_options_out_of_range(backend, activation, option, value):
    message = rf"{option}: expected a number in \[.*\] \(outside it the activation's outputs overflow or become NaN\), got {re.escape(repr(value))}"
    with pytest.raises(ValueError, match=message):
        nnlib.Dense(4, 3, activation, **{option: value})
    low_level = __import__(f"nnlib.{backend}_nn", fromlist=["x"])
    cls = {"softplus": "Softplus", "leaky_relu": "LeakyReLU", "elu": "ELU"}[activation]
    with pytest.raises(ValueError, match=message):
        getattr(low_level, cls)(**{option: value})


def test_activation_options_in_range_are_kept():
    assert nnlib.Dense(4, 3, "leaky_relu", negative_slope=-0.5).activation_options == {"negative_slope": -0.5}
    assert nnlib.Dense(4, 3, "softplus", beta=np.float32(0.5)).activation_options == {"beta": 0.5}


@pytest.mark.parametrize("backend", BACKENDS)
def test_seed_callbacks_and_validation_data_are_checked_before_training(backend):
    with pytest.raises(TypeError, match=r"seed: expected a non-negative integer or None, got str 'abc'"):
        nnlib.Sequential([nnlib.Dense(4, 3)], backend=backend, seed="abc", device="cpu")
    with pytest.raises(ValueError, match=r"seed: expected a non-negative integer or None, got -1"):
        nnlib.Sequential([nnlib.Dense(4, 3)], backend=backend, seed=-1, device="cpu")
    model = _classifier(backend)
    seen = []
    spy = lambda epoch, logs: seen.append(epoch)  # noqa: E731
    with pytest.raises(TypeError, match=r"callbacks: expected a list of functions called as callback\(epoch, logs\), got int 5"):
        model.fit(X, Y, epochs=2, verbose=0, callbacks=5)
    with pytest.raises(TypeError, match=r"callbacks\[1\]: expected a function callback\(epoch, logs\), got str 'x'"):
        model.fit(X, Y, epochs=2, verbose=0, callbacks=[spy, "x"])
    with pytest.raises(ValueError, match=r"validation_data: expected a pair \(X_val, y_val\), got 1 items"):
        model.fit(X, Y, epochs=2, verbose=0, validation_data=(X,), callbacks=[spy])
    with pytest.raises(ValueError, match=r"X: expected 4 features"):
        model.fit(X, Y, epochs=2, verbose=0, validation_data=(X[:, :3], Y), callbacks=[spy])
    assert seen == []  # refused before the first epoch, not after it
    before = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, _classifier(backend).get_weights()))


def test_numpy_scalars_are_accepted_as_momentum():
    model = nnlib.Sequential([nnlib.Dense(4, 3)]).compile("mse", momentum=np.float32(0.5))
    assert model.get_config()["compile"]["momentum"] == 0.5
    with pytest.raises(ValueError, match=r"momentum: expected a number in \[0, 1\), got nan"):
        model.compile("mse", momentum=float("nan"))


def test_the_finiteness_check_finds_every_non_finite_entry_and_only_those():
    """The check runs one dot product x·x when X is contiguous; an overflow there must not reject finite X."""
    from nnlib import _validation as v

    huge = np.full((3, 2), 3e38, dtype=np.float32)  # finite, but x·x overflows float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert v.check_features(huge, 2, "float32") is not None
    both = np.ones((4, 3))
    both[1, 1], both[2, 2] = np.inf, -np.inf  # inf + (-inf) is NaN in the dot product: still caught
    with pytest.raises(ValueError, match=r"X: expected finite numbers, got inf at index \(1, 1\)"):
        v.check_features(both, 3, "float64")
    strided = _with_nan(np.zeros((6, 4)), (4, 2))[::2]  # not contiguous: looked at entry by entry
    with pytest.raises(ValueError, match=r"X: expected finite numbers, got nan at index \(2, 2\)"):
        v.check_features(strided, 4, "float64")


def test_integer_labels_are_range_checked_and_copied():
    """Integer labels skip the float copy and the search for fractions, not the range check."""
    from nnlib import _validation as v

    y = np.array([0, 2, 1], dtype=np.int32)
    target, labels = v.check_class_labels(y, 3, 3)
    assert target.dtype == np.int64 and target.tolist() == [0, 2, 1] and not np.shares_memory(target, y)
    for bad, shown in ((np.array([0, 3, 1]), "from 0 to 3"), (np.array([-1, 0, 1]), "from -1 to 1"),
                       (np.array([0, 5, 1], dtype=np.uint8), "from 0 to 5")):
        with pytest.raises(ValueError, match=rf"y: expected class indices in 0..2 \(the model has 3 outputs\), got values {shown}"):
            v.check_class_labels(bad, 3, 3)
