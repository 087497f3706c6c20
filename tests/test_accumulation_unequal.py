"""nnlib.accumulation: micro-batches of any sizes, scaled by their share of rows, give the full-batch gradient.

The naive alternatives (mean of the micro-batch means, or no division at all) must differ, and the
memory helpers must count what the backends really keep.
"""
import numpy as np
import pytest
import torch

import nnlib
from nnlib import accumulation as acc
from nnlib import numpy_nn as nn
from nnlib import torch_nn as tnn

N = 50


@pytest.fixture(scope="module")
def batch():
    return acc.make_batch(N, 4, 3, seed=1)


def _net(backend):
    layers = [nnlib.Dense(4, 8, activation="tanh"), nnlib.Dense(8, 3)]
    return nnlib.Sequential(layers, backend=backend, seed=0, dtype="float64", device="cpu").net


def test_split_sizes_are_the_split_fit_makes():
    assert acc.split_sizes(10, 4) == [2, 3, 2, 3]
    assert acc.split_sizes(12, 3) == [4, 4, 4]
    assert acc.split_sizes(5, 5) == [1] * 5


@pytest.mark.parametrize("n, k", [(0, 1), (3, 4), (5, 0)])
def test_split_sizes_rejects_impossible_splits(n, k):
    with pytest.raises(ValueError, match="n|k"):
        acc.split_sizes(n, k)


@pytest.mark.parametrize("k, imbalance", [(1, 3.0), (4, 0.0), (4, 3.0), (7, 1.5), (50, 10.0)])
def test_unequal_sizes_sum_to_n_and_grow(k, imbalance):
    sizes = acc.unequal_sizes(N, k, imbalance)
    assert len(sizes) == k and sum(sizes) == N and min(sizes) >= 1
    if imbalance == 0:
        assert sizes == acc.split_sizes(N, k)
    elif k > 1 and k < N:
        assert sizes[-1] > sizes[0]


def test_scales_per_rule():
    assert acc.scales([1, 3], "rows") == [0.25, 0.75]
    assert acc.scales([1, 3], "mean_of_means") == [0.5, 0.5]
    assert acc.scales([1, 3], "sum") == [1.0, 1.0]
    with pytest.raises(ValueError, match="rule"):
        acc.scales([1, 3], "average")


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("sizes", [[50], [10, 40], [1, 2, 3, 44], [7, 13, 30]])
def test_rows_scaled_accumulation_equals_the_full_batch(batch, backend, sizes):
    X, y = batch
    net, loss = _net(backend), (nn.CrossEntropyLoss() if backend == "numpy" else tnn.CrossEntropyLoss())
    if backend == "torch":
        X, y = torch.as_tensor(X), torch.as_tensor(y)
    full = acc.full_batch_gradients(net, loss, X, y)
    assert acc.max_difference(acc.accumulate_gradients(net, loss, X, y, sizes, "rows"), full) < 1e-15


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_mean_of_means_differs_when_sizes_differ(batch, backend):
    X, y = batch
    net, loss = _net(backend), (nn.CrossEntropyLoss() if backend == "numpy" else tnn.CrossEntropyLoss())
    if backend == "torch":
        X, y = torch.as_tensor(X), torch.as_tensor(y)
    full = acc.full_batch_gradients(net, loss, X, y)
    naive = acc.accumulate_gradients(net, loss, X, y, [5, 45], "mean_of_means")
    assert acc.relative_error(naive, full) > 1e-2
    # with equal sizes the two rules agree
    equal = acc.accumulate_gradients(net, loss, X, y, [25, 25], "mean_of_means")
    assert acc.max_difference(equal, full) < 1e-15


def test_forgetting_to_divide_gives_k_times_the_gradient(batch):
    X, y = batch
    net, loss = _net("numpy"), nn.CrossEntropyLoss()
    full = acc.full_batch_gradients(net, loss, X, y)
    summed = acc.accumulate_gradients(net, loss, X, y, [10] * 5, "sum")
    for g, f in zip(summed, full):
        np.testing.assert_allclose(g, 5 * f, atol=1e-14)


def test_numpy_and_torch_accumulate_the_same_gradient(batch):
    X, y = batch
    sizes = [3, 17, 30]
    g_np = acc.accumulate_gradients(_net("numpy"), nn.CrossEntropyLoss(), X, y, sizes)
    g_t = acc.accumulate_gradients(_net("torch"), tnn.CrossEntropyLoss(), torch.as_tensor(X), torch.as_tensor(y), sizes)
    assert acc.max_difference(g_np, g_t) < 1e-14
    # torch.nn's own loss module works too (07 uses it with BatchNorm and LayerNorm nets)
    g_plain = acc.accumulate_gradients(_net("torch"), torch.nn.CrossEntropyLoss(), torch.as_tensor(X), torch.as_tensor(y), sizes)
    assert acc.max_difference(g_plain, g_t) < 1e-14


def test_accumulation_leaves_no_gradient_behind(batch):
    X, y = batch
    net = _net("numpy")
    acc.accumulate_gradients(net, nn.CrossEntropyLoss(), X, y, [20, 30])
    assert all(not p.grad.any() for p in net.parameters())


def test_fit_with_unequal_micro_batches_matches_one_step():
    # 50 rows in 4 micro-batches: sizes 12, 13, 12, 13; one SGD step each way
    X, y = acc.make_batch(N, 4, 3, seed=2)
    weights = []
    for k in (1, 4):
        model = nnlib.Sequential([nnlib.Dense(4, 8, activation="tanh"), nnlib.Dense(8, 3)], seed=0)
        model.compile(loss="cross_entropy", optimizer="sgd", learning_rate=0.5)
        model.fit(X, y, epochs=1, batch_size=N, accumulation_steps=k, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    assert acc.max_difference(*weights) < 1e-14


def test_weighted_mean_vs_mean_of_means():
    means, counts = [1.0, 3.0], [3, 1]
    assert acc.weighted_mean(means, counts) == pytest.approx(1.5)
    assert np.mean(means) == 2.0  # the naive answer differs
    assert acc.weighted_mean([1.0, 3.0], [2, 2]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="counts"):
        acc.weighted_mean([1.0, 3.0], [1])


def test_step_groups_with_an_incomplete_last_group():
    assert acc.step_groups(10, 4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert acc.step_groups(10, 4, keep_last=False) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert acc.step_groups(8, 4, keep_last=False) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_split_rejects_sizes_that_do_not_cover_the_batch(batch):
    X, y = batch
    with pytest.raises(ValueError, match="sizes"):
        acc.split(X, y, [10, 10])
    with pytest.raises(ValueError, match="sizes"):
        acc.split(X, y, [0, 50])


# ---------------------------------------------------------------------------------- memory
WIDTHS = (6, 20, 12, 3)


def _mlp(backend):
    layers = [nnlib.Dense(6, 20, activation="relu"), nnlib.Dense(20, 12, activation="relu"), nnlib.Dense(12, 3)]
    return nnlib.Sequential(layers, backend=backend, seed=0, device="cpu").net


def test_activation_bytes_formula():
    # 5 rows * 8 bytes * (6 + 2 * (20 + 12) + 3)
    assert acc.activation_bytes(WIDTHS, 5) == 5 * 8 * 73
    assert acc.activation_bytes(WIDTHS, 5, kept_per_hidden=1) == 5 * 8 * 41
    assert acc.activation_bytes(WIDTHS, 5, itemsize=4) == 5 * 4 * 73


@pytest.mark.parametrize("rows", [1, 7, 40])
def test_numpy_backend_caches_exactly_the_formula(rows):
    X, y = acc.make_batch(rows, 6, 3)
    net, loss = _mlp("numpy"), nn.CrossEntropyLoss()
    loss(net.forward(X), y)
    # the layers keep everything but the output, which the loss keeps with the labels (int64)
    output = rows * 8 * WIDTHS[-1]
    assert acc.cached_bytes(net) == acc.activation_bytes(WIDTHS, rows) - output
    assert acc.cached_bytes(net, loss) >= acc.activation_bytes(WIDTHS, rows) + 8 * rows


@pytest.mark.parametrize("rows", [1, 7, 40])
def test_autograd_saves_the_formula_plus_the_labels(rows):
    X, y = acc.make_batch(64, 6, 3)
    Xt, yt = torch.as_tensor(X)[:rows], torch.as_tensor(y)[:rows]  # views of a larger batch: count only the rows
    saved = acc.torch_saved_bytes(_mlp("torch"), torch.nn.CrossEntropyLoss(), Xt, yt)
    # labels (int64) and the loss's 0-d scalar are saved too
    assert saved == acc.activation_bytes(WIDTHS, rows, kept_per_hidden=1) + 8 * rows + 8


def test_numpy_peak_grows_with_the_micro_batch_and_covers_the_activations():
    X, y = acc.make_batch(400, 6, 3)
    net = _mlp("numpy")
    small = acc.numpy_peak_bytes(net, nn.CrossEntropyLoss(), X[:40], y[:40])
    large = acc.numpy_peak_bytes(net, nn.CrossEntropyLoss(), X, y)
    assert large >= acc.activation_bytes(WIDTHS, 400)
    assert large - small >= acc.activation_bytes(WIDTHS, 360)
    assert all(not p.grad.any() for p in net.parameters())  # it ran on a copy


def test_cuda_peak_is_none_without_a_gpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; see tests marked cuda")
    assert acc.cuda_peak_bytes(_mlp("torch"), torch.nn.CrossEntropyLoss(), None, None) is None


@pytest.mark.cuda
def test_cuda_peak_grows_with_the_micro_batch():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    layers = [nnlib.Dense(6, 20, activation="relu"), nnlib.Dense(20, 12, activation="relu"), nnlib.Dense(12, 3)]
    net = nnlib.Sequential(layers, backend="torch", seed=0, device="cuda").net
    X, y = acc.make_batch(4096, 6, 3)
    Xc, yc = torch.as_tensor(X).cuda(), torch.as_tensor(y).cuda()
    acc.cuda_peak_bytes(net, torch.nn.CrossEntropyLoss(), Xc[:1], yc[:1])  # warm-up: cuBLAS workspace
    small = acc.cuda_peak_bytes(net, torch.nn.CrossEntropyLoss(), Xc[:256], yc[:256])
    large = acc.cuda_peak_bytes(net, torch.nn.CrossEntropyLoss(), Xc, yc)
    assert large > small >= acc.activation_bytes(WIDTHS, 256, kept_per_hidden=1)
