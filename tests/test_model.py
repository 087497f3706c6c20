"""The Keras-style model: whole-model gradients, training that learns, predict/evaluate, progress output.

``gradients()`` must agree across backends after ``set_weights`` with the same weights, and with
central finite differences of ``evaluate()["loss"]``, for several architectures and every kind of
loss, including the fused softmax + cross-entropy and sigmoid + binary cross-entropy.
"""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nnlib
from _numerics import numerical_gradient, rel_error

BACKENDS = ["numpy", "torch"]


def _targets(kind, rng, n, n_out):
    if kind == "indices":
        return rng.integers(0, n_out, size=n)
    if kind == "one-hot":
        return np.eye(n_out)[rng.integers(0, n_out, size=n)]
    if kind == "binary":
        return rng.integers(0, 2, size=n).astype(float)
    return rng.normal(size=(n, n_out))


# (id, layers, compile options, kind of targets)
ARCHITECTURES = [
    ("relu-logits-ce", lambda: [nnlib.Dense(4, 6, "relu"), nnlib.Dense(6, 3)], {"loss": "cross_entropy"}, "indices"),
    ("tanh-softmax-ce-onehot", lambda: [nnlib.Dense(3, 5, "tanh"), nnlib.Dense(5, 4, "softmax")],
     {"loss": "cross_entropy"}, "one-hot"),
    ("elu-sigmoid-bce", lambda: [nnlib.Dense(3, 5, "elu", alpha=0.7), nnlib.Dense(5, 1, "sigmoid")],
     {"loss": "binary_cross_entropy"}, "binary"),
    ("gelu-bce-logits", lambda: [nnlib.Dense(2, 4, "gelu"), nnlib.Dense(4, 1)],
     {"loss": "binary_cross_entropy_with_logits"}, "binary"),
    ("softplus-silu-mse", lambda: [nnlib.Dense(4, 5, "softplus"), nnlib.Dense(5, 5, "silu"), nnlib.Dense(5, 2)],
     {"loss": "mse"}, "real"),
    ("leaky-huber", lambda: [nnlib.Dense(3, 6, "leaky_relu", negative_slope=0.1), nnlib.Dense(6, 1)],
     {"loss": "huber", "delta": 0.5}, "real"),
    ("sigmoid-mae", lambda: [nnlib.Dense(3, 4, "sigmoid"), nnlib.Dense(4, 2)], {"loss": "mae"}, "real"),
]
IDS = [a[0] for a in ARCHITECTURES]
PARAMS = [a[1:] for a in ARCHITECTURES]


def _problem(layers, compile_options, kind, seed=0, n=7):
    rng = np.random.default_rng(seed)
    model = nnlib.Sequential(layers(), backend="numpy", seed=seed, dtype="float64")
    model.compile(**compile_options)
    X = rng.normal(size=(n, model.n_features))
    return model, X, _targets(kind, rng, n, model.n_outputs)


@pytest.mark.parametrize("layers, compile_options, kind", PARAMS, ids=IDS)
def test_gradients_match_finite_differences_of_evaluate(layers, compile_options, kind):
    model, X, y = _problem(layers, compile_options, kind)
    grads = model.gradients(X, y)
    weights = model.get_weights()
    assert [g.shape for g in grads] == [w.shape for w in weights]

    def loss():
        model.set_weights(weights)  # numerical_gradient nudges one entry of `weights` in place
        return model.evaluate(X, y)["loss"]

    for w, g in zip(weights, grads):
        assert rel_error(g, numerical_gradient(loss, w)) < 1e-6


@pytest.mark.parametrize("layers, compile_options, kind", PARAMS, ids=IDS)
def test_gradients_equal_across_backends_after_set_weights(layers, compile_options, kind):
    model, X, y = _problem(layers, compile_options, kind)
    other = nnlib.Sequential(layers(), backend="torch", seed=123, dtype="float64", device="cpu")
    other.compile(**compile_options)
    assert not np.allclose(other.get_weights()[0], model.get_weights()[0])  # a different start...
    other.set_weights(model.get_weights())  # ...until the weights are copied over
    for ours, theirs in zip(model.gradients(X, y), other.gradients(X, y)):
        np.testing.assert_allclose(theirs, ours, rtol=1e-10, atol=1e-14)
    assert model.evaluate(X, y)["loss"] == pytest.approx(other.evaluate(X, y)["loss"], rel=1e-12)
    np.testing.assert_allclose(other.predict(X), model.predict(X), rtol=1e-12, atol=1e-15)


def test_evaluate_loss_is_the_declared_loss_of_predict():
    """The fused softmax/sigmoid must not change which loss is measured: recompute it from predict()."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9, 3))
    model = nnlib.Sequential([nnlib.Dense(3, 5, "tanh"), nnlib.Dense(5, 4, "softmax")]).compile("cross_entropy")
    labels = rng.integers(0, 4, size=9)
    probs = model.predict(X)
    expected = -np.mean(np.log(probs[np.arange(9), labels]))
    assert model.evaluate(X, labels)["loss"] == pytest.approx(expected, rel=1e-12)

    model = nnlib.Sequential([nnlib.Dense(3, 5, "relu"), nnlib.Dense(5, 1, "sigmoid")]).compile("binary_cross_entropy")
    t = rng.integers(0, 2, size=9).astype(float)
    expected = F.binary_cross_entropy(torch.tensor(model.predict(X)[:, 0]), torch.tensor(t)).item()
    assert model.evaluate(X, t)["loss"] == pytest.approx(expected, rel=1e-12)


def test_gradients_leave_weights_and_later_training_alone():
    model, X, y = _problem(*PARAMS[0])
    before = model.get_weights()
    model.gradients(X, y)
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    twin, _, _ = _problem(*PARAMS[0])  # never asked for gradients: must train identically
    model.fit(X, y, epochs=2, batch_size=3, shuffle=False, verbose=0)
    twin.fit(X, y, epochs=2, batch_size=3, shuffle=False, verbose=0)
    for w, t in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(w, t)


@pytest.mark.parametrize("backend", BACKENDS)
def test_get_weights_returns_copies(backend):
    model, X, y = _problem(*PARAMS[0])
    model = nnlib.Sequential(PARAMS[0][0](), backend=backend, device="cpu").compile("cross_entropy", learning_rate=0.5)
    held = model.get_weights()
    snapshot = [w.copy() for w in held]
    model.fit(X, y, epochs=1, batch_size=4, verbose=0)
    assert all(np.array_equal(h, s) for h, s in zip(held, snapshot))
    assert not np.array_equal(model.get_weights()[0], snapshot[0])


# ------------------------------------------------------------ stability
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_fused_outputs_stay_exact_for_huge_logits(backend, dtype):
    """Weights that push logits to +-1e4: loss, gradients and probabilities stay finite and exact."""
    X = np.array([[1.0], [-1.0]])
    model = nnlib.Sequential([nnlib.Dense(1, 2, "softmax")], backend=backend, dtype=dtype, device="cpu")
    model.compile("cross_entropy")
    model.set_weights([np.array([[1e4], [-1e4]]), np.zeros(2)])  # logits (1e4, -1e4) and (-1e4, 1e4)
    y = np.array([1, 1])  # row 0 is confidently wrong: loss 2e4; row 1 is right: loss 0
    assert model.evaluate(X, y)["loss"] == pytest.approx(1e4, rel=1e-6)
    np.testing.assert_allclose(model.predict(X), [[1, 0], [0, 1]], atol=0)
    grads = model.gradients(X, y)
    assert all(np.all(np.isfinite(g)) for g in grads)
    np.testing.assert_allclose(grads[1], [0.5, -0.5], rtol=1e-6)  # mean over rows of softmax - one-hot

    model = nnlib.Sequential([nnlib.Dense(1, 1, "sigmoid")], backend=backend, dtype=dtype, device="cpu")
    model.compile("binary_cross_entropy")
    model.set_weights([np.array([[1e4]]), np.zeros(1)])
    # without the fusion, log(sigmoid(-1e4)) = log(0) would be clamped to -100, not give 1e4
    assert model.evaluate(X, np.array([0.0, 0.0]))["loss"] == pytest.approx(5e3, rel=1e-6)
    assert all(np.all(np.isfinite(g)) for g in model.gradients(X, np.array([0.0, 0.0])))


# ------------------------------------------------------------- training
def _blobs(n=150, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[3.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, 3.0, 0]])
    labels = rng.integers(0, 3, size=n)
    return centres[labels] + rng.normal(0, 0.7, size=(n, 4)), labels


@pytest.mark.parametrize("backend", BACKENDS)
def test_classifier_learns_separable_blobs(backend):
    X, y = _blobs()
    model = nnlib.Sequential([nnlib.Dense(4, 16, "relu"), nnlib.Dense(16, 3)], backend=backend, seed=0, device="cpu")
    model.compile(loss="cross_entropy", optimizer="sgd", learning_rate=0.1, momentum=0.5)
    before = model.evaluate(X, y)
    history = model.fit(X, y, epochs=15, batch_size=16, verbose=0, validation_data=(X[:50], y[:50]))
    after = model.evaluate(X, y)
    assert before["accuracy"] < 0.7 and after["accuracy"] >= 0.97
    assert history["loss"][-1] < 0.3 * history["loss"][0]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"} and history.history is history
    assert len(history["loss"]) == 15
    probs = model.predict(X)
    assert probs.shape == (150, 3) and np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    assert np.mean(probs.argmax(axis=1) == y) == pytest.approx(after["accuracy"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_binary_classifier_and_regressor_learn(backend):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(float)
    model = nnlib.Sequential([nnlib.Dense(2, 8, "tanh"), nnlib.Dense(8, 1, "sigmoid")], backend=backend, device="cpu")
    model.compile(loss="binary_cross_entropy", optimizer="adam", learning_rate=0.05)
    model.fit(X, y, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(X, y)["accuracy"] >= 0.95
    p = model.predict(X)
    assert p.shape == (120, 1) and np.all((p > 0) & (p < 1))

    target = np.sin(X[:, :1]) + 0.5 * X[:, 1:]
    reg = nnlib.Sequential([nnlib.Dense(2, 16, "tanh"), nnlib.Dense(16, 1)], backend=backend, device="cpu")
    reg.compile(loss="mse", optimizer="adam", learning_rate=0.02)
    history = reg.fit(X, target, epochs=30, batch_size=16, verbose=0)
    assert set(history) == {"loss"} and history["loss"][-1] < 0.1 * history["loss"][0]
    assert reg.evaluate(X, target) == {"loss": pytest.approx(np.mean((reg.predict(X) - target) ** 2), rel=1e-9)}


def test_callbacks_get_every_epoch_and_its_logs():
    X, y = _blobs(40)
    seen = []
    model = nnlib.Sequential([nnlib.Dense(4, 3)]).compile("cross_entropy")
    history = model.fit(X, y, epochs=3, batch_size=8, verbose=0, callbacks=[lambda epoch, logs: seen.append((epoch, logs))])
    assert [epoch for epoch, _ in seen] == [0, 1, 2]
    assert [logs["loss"] for _, logs in seen] == history["loss"]


def test_predict_before_compile_gives_the_raw_output():
    X = np.ones((2, 4))
    model = nnlib.Sequential([nnlib.Dense(4, 3)])
    W, b = model.get_weights()
    np.testing.assert_allclose(model.predict(X), X @ W.T + b, rtol=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_verbose_1_shows_a_progress_bar_and_verbose_0_is_silent(backend, capsys):
    X, y = _blobs(40)
    model = nnlib.Sequential([nnlib.Dense(4, 3)], backend=backend, device="cpu").compile("cross_entropy")
    model.fit(X, y, epochs=3, batch_size=8, verbose=1)
    captured = capsys.readouterr()
    assert f"fit ({backend})" in captured.err and "3/3" in captured.err and "epoch" in captured.err
    assert "loss=" in captured.err  # the bar shows the latest metrics
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    model.evaluate(X, y)
    model.predict(X)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_summary_and_count_params(capsys):
    model = nnlib.Sequential([nnlib.Dense(4, 16, "relu"), nnlib.Dense(16, 3)])
    model.summary()
    out = capsys.readouterr().out
    assert model.count_params() == 4 * 16 + 16 + 16 * 3 + 3 == 131
    assert "Total params: 131" in out and "dense_0 (relu)" in out and "(None, 3)" in out


def test_same_seed_gives_the_same_network_in_both_backends():
    layers = [nnlib.Dense(4, 8, "relu"), nnlib.Dense(8, 2)]
    a = nnlib.Sequential(layers, backend="numpy", seed=7)
    b = nnlib.Sequential(layers, backend="torch", seed=7, device="cpu")
    c = nnlib.Sequential(layers, backend="numpy", seed=8)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy"])
def test_epoch_metrics_match_evaluate_when_the_weights_barely_move(backend, loss):
    """fit's loss and accuracy are summed over shuffled batches: with a negligible step they equal evaluate()."""
    X, y = _blobs(90)
    if loss == "binary_cross_entropy":
        y = (y == 1).astype(float)
    last = nnlib.Dense(6, 3) if loss == "cross_entropy" else nnlib.Dense(6, 1, "sigmoid")
    model = nnlib.Sequential([nnlib.Dense(4, 6, "tanh"), last], backend=backend, seed=2, device="cpu")
    model.compile(loss=loss, learning_rate=1e-12)
    before = model.evaluate(X, y)
    assert 0.2 < before["accuracy"] < 0.9  # neither all right nor all wrong: a misaligned count would show
    history = model.fit(X, y, epochs=1, batch_size=16, accumulation_steps=3, shuffle=True, verbose=0)
    assert history["loss"][0] == pytest.approx(before["loss"], rel=1e-9)
    assert history["accuracy"][0] == before["accuracy"]


def test_read_only_arrays_train_without_warnings():
    # arrays from np.load(mmap_mode="r") or pandas can be read-only; torch warns when it shares them
    X, y = np.ones((8, 3)), np.array([0, 1] * 4)
    X.setflags(write=False)
    y.setflags(write=False)
    for backend in ("numpy", "torch"):
        model = nnlib.Sequential([nnlib.Dense(3, 2)], backend=backend, device="cpu").compile("cross_entropy")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model.fit(X, y, epochs=1, verbose=0)
            assert model.predict(X).shape == (8, 2)


# ------------------------------------------------------------- divergence (issue 11, case 1)
def _diverging(backend, learning_rate):
    X, y = _blobs(60)
    model = nnlib.Sequential([nnlib.Dense(4, 8, "relu"), nnlib.Dense(8, 3)], backend=backend, seed=0, device="cpu")
    return model.compile("cross_entropy", optimizer="sgd", learning_rate=learning_rate), X * 1e3, y


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("learning_rate", [1e200, 1e6])  # diverges in the first epoch / after 3 finite ones
def test_a_diverging_fit_stops_with_a_named_error_at_the_last_finite_weights(backend, learning_rate):
    model, X, y = _diverging(backend, learning_rate)
    seen = []
    with pytest.raises(nnlib.NonFiniteLossError, match=r"fit: the training loss became (nan|inf) in epoch \d+ .*"
                                                        r"smaller learning_rate \(now .*\).*scale the features") as info:
        model.fit(X, y, epochs=30, batch_size=10, verbose=0, callbacks=[lambda epoch, logs: seen.append(epoch)])
    error = info.value
    losses = error.history.get("loss", [])
    assert not np.isfinite(error.loss) and error.epoch == len(seen) == len(losses)
    assert all(np.isfinite(losses))
    # the model holds the weights from the end of the last finite epoch: an identical run of that many epochs
    again, _, _ = _diverging(backend, learning_rate)
    if error.epoch:
        again.fit(X, y, epochs=error.epoch, batch_size=10, verbose=0)
    for kept, expected in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(kept, expected)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_model_with_non_finite_weights_is_not_saved_over_a_good_file(backend, tmp_path):
    model, X, y = _diverging(backend, 1e-9)
    path = tmp_path / "model.nnlib"
    model.save(path)
    good = path.read_bytes()
    first = next(iter(model.net.parameters()))  # what a diverged optimizer step leaves behind
    first.data[0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"model.nnlib: weights\[0\] contains NaN or inf .*refusing to save"):
        model.save(path)
    assert path.read_bytes() == good and sorted(p.name for p in tmp_path.iterdir()) == ["model.nnlib"]


@pytest.mark.parametrize("gather_bytes", [None, 1])  # None: all 50 rows in one gather; 1: one batch per gather
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("k", [1, 3])
def test_fit_takes_the_steps_of_the_hand_written_loop_bit_for_bit(k, shuffle, gather_bytes, monkeypatch):
    """fit's lean step (targets checked once per call, gradients stored without a zero fill, classes
    taken once per epoch, rows shuffled once per epoch and sliced) gives exactly the numbers of the
    loop written with the public per-step API, which takes each batch's rows from the permutation."""
    import copy

    from nnlib import numpy_nn as nn

    X, y = _blobs(50)
    model = nnlib.Sequential([nnlib.Dense(4, 6, "relu"), nnlib.Dense(6, 3)], seed=3, dtype="float32")
    model.compile("cross_entropy", learning_rate=0.1, momentum=0.5)
    net = nn.Sequential(nn.Linear(4, 6, dtype="float32"), nn.ReLU(), nn.Linear(6, 3, dtype="float32"))
    for p, w in zip(net.parameters(), model.get_weights()):
        p.data[...] = w
    loss_fn, opt = nn.CrossEntropyLoss(), nn.SGD(net.parameters(), lr=0.1, momentum=0.5)
    if gather_bytes is not None:
        monkeypatch.setattr(nnlib.model, "GATHER_BYTES", gather_bytes)
    rng = copy.deepcopy(model._rng)  # the generator fit shuffles with, in the state fit finds it in
    history = model.fit(X, y, epochs=2, batch_size=16, accumulation_steps=k, shuffle=shuffle, verbose=0)
    x, t = X.astype(np.float32), y.astype(np.int64)
    for epoch in range(2):
        total, correct = 0.0, 0
        losses, sizes = [], []
        order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
        for start in range(0, len(x), 16):
            stop = min(start + 16, len(x))
            opt.zero_grad()
            edges = [start + (stop - start) * i // min(k, stop - start) for i in range(min(k, stop - start) + 1)]
            for s, e in zip(edges[:-1], edges[1:]):
                rows = order[s:e]
                out = net(x[rows])
                losses.append(loss_fn(out, t[rows]))
                sizes.append(e - s)
                correct += int((out.argmax(1) == t[rows]).sum())
                net.backward(loss_fn.backward() * np.float32((e - s) / (stop - start)) if k > 1 else loss_fn.backward())
            opt.step()
        assert history["loss"][epoch] == float(np.dot(np.asarray(losses, dtype=np.float64), sizes)) / len(x)
        assert history["accuracy"][epoch] == correct / len(x)
    for ours, theirs in zip(model.get_weights(), net.parameters()):
        np.testing.assert_array_equal(ours, theirs.data)


@pytest.mark.parametrize("backend", BACKENDS)
def test_engine_snapshot_restores_every_weight_and_sees_every_non_finite_value(backend):
    """The copy fit falls back to after a diverged epoch: all weights, in order, and a NaN or inf anywhere in it."""
    model = nnlib.Sequential([nnlib.Dense(3, 4, "relu"), nnlib.Dense(4, 2)], backend=backend, seed=1, device="cpu")
    engine, before = model._engine, model.get_weights()
    flat = engine.snapshot(model.net)
    assert engine.all_finite(flat) and engine.to_numpy(flat).size == model.count_params()
    model.set_weights([w * 0 + i for i, w in enumerate(before)])  # every array changed
    engine.restore(model.net, flat)
    for restored, original in zip(model.get_weights(), before):
        np.testing.assert_array_equal(restored, original)
    for position in (0, model.count_params() - 1):  # the first weight and the last bias
        for bad in (float("nan"), float("inf"), -float("inf")):
            spoiled = engine.snapshot(model.net)
            spoiled[position] = bad
            assert not engine.all_finite(spoiled)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("gather_bytes", [1, 700, 2000, 1 << 20])
@pytest.mark.parametrize("batch_size", [1, 7, 50, 64])
def test_batches_cover_every_row_once_in_the_shuffled_order(backend, gather_bytes, batch_size, monkeypatch):
    """However many rows one gather holds, the batches are the shuffled rows in order, all full but the last."""
    monkeypatch.setattr(nnlib.model, "GATHER_BYTES", gather_bytes)
    model = nnlib.Sequential([nnlib.Dense(5, 2)], backend=backend, device="cpu")
    engine = model._engine
    X = np.arange(53 * 5, dtype=np.float64).reshape(53, 5)  # 40 bytes a row: 700 bytes hold 17 rows
    y = np.arange(53)
    order = np.random.default_rng(0).permutation(53)
    x, t = engine.asarray(X, "float64", "cpu"), engine.asarray(y, None, "cpu")
    batches = list(nnlib.model._batches(engine, x, t, engine.asarray(order, None, "cpu"), batch_size))
    sizes = [b.shape[0] for b, _ in batches]
    assert sizes == [batch_size] * (53 // batch_size) + ([53 % batch_size] if 53 % batch_size else [])
    np.testing.assert_array_equal(np.concatenate([engine.to_numpy(b) for b, _ in batches]), X[order])
    np.testing.assert_array_equal(np.concatenate([engine.to_numpy(b) for _, b in batches]), y[order])
    in_place = [b for b, _ in nnlib.model._batches(engine, x, t, None, batch_size)]
    np.testing.assert_array_equal(np.concatenate([engine.to_numpy(b) for b in in_place]), X)
