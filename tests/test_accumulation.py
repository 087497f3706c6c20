"""Gradient accumulation: gradients add up until cleared, and k micro-batches make the full-batch step.

With shuffle off, ``fit(batch_size=32, accumulation_steps=k)`` must leave the same weights as
``accumulation_steps=1`` (float64, 1e-12), for SGD with and without momentum and for Adam, with a
number of rows that is not a multiple of the batch and with micro-batches of unequal size; and both
backends must agree with each other.
"""
import numpy as np
import pytest
import torch

import nnlib
from nnlib import numpy_nn as nn
from nnlib import torch_nn as tnn

N = 100  # 3 full batches of 32 and one of 4
OPTIMIZERS = {
    "sgd": {"optimizer": "sgd", "learning_rate": 0.1},
    "sgd-momentum": {"optimizer": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    "adam": {"optimizer": "adam", "learning_rate": 0.01},
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 5))
    return X, (X[:, 0] > X[:, 1]).astype(int) + (X[:, 2] > 1)  # 3 classes


def _train(data, backend, k, optimizer="sgd", shuffle=False, loss="cross_entropy", batch_size=32, epochs=3):
    X, y = data
    n_out = 3 if loss == "cross_entropy" else 1
    target = y if loss == "cross_entropy" else y[:, None].astype(float)
    model = nnlib.Sequential([nnlib.Dense(5, 16, "tanh"), nnlib.Dense(16, n_out)], backend=backend, seed=0,
                             dtype="float64", device="cpu")
    model.compile(loss=loss, **OPTIMIZERS[optimizer])
    history = model.fit(X, target, epochs=epochs, batch_size=batch_size, accumulation_steps=k, shuffle=shuffle, verbose=0)
    return model.get_weights(), history


def _assert_same(a, b, atol):
    for wa, wb in zip(a, b):
        np.testing.assert_allclose(wa, wb, rtol=0, atol=atol)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("k", [3, 4, 5])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_accumulation_leaves_the_same_weights_as_full_batches(data, backend, k, optimizer):
    full, full_history = _train(data, backend, 1, optimizer)
    accumulated, history = _train(data, backend, k, optimizer)
    _assert_same(accumulated, full, atol=1e-12)
    np.testing.assert_allclose(history["loss"], full_history["loss"], rtol=1e-12)
    assert history["accuracy"] == full_history["accuracy"]
    start, _ = _train(data, backend, 1, optimizer, epochs=1)
    assert not np.allclose(start[0], full[0])  # training moved the weights: the comparison means something


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_batch_of_one_row_per_micro_batch(data, loss):
    full, _ = _train(data, "numpy", 1, loss=loss, batch_size=8)
    accumulated, _ = _train(data, "numpy", 8, loss=loss, batch_size=8)  # k = batch size: one row each
    _assert_same(accumulated, full, atol=1e-12)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("k", [1, 3])
def test_numpy_and_torch_backends_agree(data, k, optimizer):
    ours, ours_history = _train(data, "numpy", k, optimizer)
    theirs, theirs_history = _train(data, "torch", k, optimizer)
    _assert_same(ours, theirs, atol=1e-10)
    np.testing.assert_allclose(ours_history["loss"], theirs_history["loss"], rtol=1e-10)


@pytest.mark.parametrize("k", [1, 4])
def test_backends_agree_with_shuffling_from_the_same_seed(data, k):
    ours, _ = _train(data, "numpy", k, "sgd-momentum", shuffle=True)
    theirs, _ = _train(data, "torch", k, "sgd-momentum", shuffle=True)
    unshuffled, _ = _train(data, "numpy", k, "sgd-momentum", shuffle=False)
    _assert_same(ours, theirs, atol=1e-10)
    assert not np.allclose(ours[0], unshuffled[0], atol=1e-6)  # the shuffle really changed the batches


def test_scaled_micro_batch_gradients_sum_to_the_full_batch_gradient(data):
    """The rule fit uses: micro-batch i's mean gradient weighted by n_i / n. A plain mean of the means is wrong."""
    X, y = data[0][:32], data[1][:32]
    model = nnlib.Sequential([nnlib.Dense(5, 16, "tanh"), nnlib.Dense(16, 3)]).compile("cross_entropy")
    full = model.gradients(X, y)
    edges = [0, 10, 21, 32]  # 10, 11 and 11 rows, as fit splits 32 rows into 3
    parts = [model.gradients(X[a:b], y[a:b]) for a, b in zip(edges[:-1], edges[1:])]
    sizes = np.diff(edges)
    weighted = [sum(s / 32 * g[i] for s, g in zip(sizes, parts)) for i in range(len(full))]
    _assert_same(weighted, full, atol=1e-15)
    naive = [sum(g[i] for g in parts) / 3 for i in range(len(full))]
    assert max(np.abs(a - b).max() for a, b in zip(naive, full)) > 1e-6


# ------------------------------------------------------------- low level
@pytest.mark.parametrize("module", [nn, tnn], ids=["numpy", "torch"])
def test_two_backward_calls_without_zero_grad_add_up(module):
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    g1, g2 = rng.normal(size=(4, 2)), rng.normal(size=(5, 2))
    to = (lambda a: a) if module is nn else torch.tensor
    back = (lambda a: a) if module is nn else (lambda t: t.detach().numpy())
    net = module.Sequential(module.Linear(3, 2, rng=1), module.Tanh())

    def grads_after(*pairs):
        for p in net.parameters():  # clear, as zero_grad does
            p.grad = None if module is tnn else np.zeros_like(p.data)
        for x, g in pairs:
            net(to(x))
            net.backward(to(g))
        return [back(p.grad).copy() for p in net.parameters()]

    first, second = grads_after((x1, g1)), grads_after((x2, g2))
    both = grads_after((x1, g1), (x2, g2))
    for a, b, s in zip(first, second, both):
        np.testing.assert_allclose(s, a + b, rtol=1e-14, atol=1e-15)


def test_numpy_zero_grad_clears_accumulated_gradients():
    layer = nn.Linear(3, 2, rng=0)
    opt = nn.SGD(layer.parameters(), lr=0.1)
    layer(np.ones((2, 3)))
    layer.backward(np.ones((2, 2)))
    assert np.abs(layer.weight.grad).sum() > 0
    opt.zero_grad()
    assert np.all(layer.weight.grad == 0) and np.all(layer.bias.grad == 0)


def test_numpy_zero_grad_set_to_none_changes_no_number():
    """``zero_grad(set_to_none=True)`` (fit's): the first backward stores its gradient, later ones add to it,
    bit for bit what adding both to zeros gives; a step skips a parameter without a gradient, as in PyTorch."""
    rng = np.random.default_rng(0)
    x1, x2, g1, g2 = rng.normal(size=(4, 3)), rng.normal(size=(5, 3)), rng.normal(size=(4, 2)), rng.normal(size=(5, 2))

    def grads(set_to_none):
        net = nn.Sequential(nn.Linear(3, 4, rng=1), nn.Tanh(), nn.Linear(4, 2, rng=2))
        net.zero_grad(set_to_none=set_to_none)
        assert all((p.grad is None) == set_to_none for p in net.parameters())
        for x, g in ((x1, g1), (x2, g2)):
            net(x)
            net.backward(g, input_grad=False)
        return [p.grad for p in net.parameters()]

    for filled, stored in zip(grads(False), grads(True)):
        np.testing.assert_array_equal(filled, stored)
    layer = nn.Linear(3, 2, rng=0)
    opt = nn.SGD(layer.parameters(), lr=0.1, momentum=0.5)
    before = [p.data.copy() for p in layer.parameters()]
    opt.zero_grad(set_to_none=True)
    opt.step()  # nothing to step with
    for p, b in zip(layer.parameters(), before):
        np.testing.assert_array_equal(p.data, b)
    layer.bias.zero_grad()  # the plain zero_grad gives zeros again after set_to_none
    assert layer.bias.grad.shape == (2,) and not layer.bias.grad.any()
