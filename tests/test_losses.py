"""Losses: value and gradient of the NumPy backend are right, and stay finite for huge logits.

Same three independent checks as the activations: central finite differences of the NumPy value,
PyTorch autograd on ``torch.nn.functional`` (in float64), and nnlib's torch backend against the
NumPy one. Kinks are kept clear of (MAE at ties, Huber at ``|p - t| = delta``).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from _numerics import away_from, numerical_gradient, random_shape, rel_error
from nnlib import numpy_nn as nn
from nnlib import torch_nn as tnn

SEEDS = range(4)


def _regression(rng, kinks=()):
    shape = random_shape(rng)
    target = rng.normal(size=shape)
    diff = away_from(rng.normal(0.0, 1.5, size=shape), kinks)
    return target + diff, target


def _probabilities(rng):
    shape = (random_shape(rng)[0], 1)
    return rng.uniform(0.05, 0.95, size=shape), rng.uniform(0.0, 1.0, size=shape)  # soft targets too


def _logits_binary(rng):
    shape = (random_shape(rng)[0], 1)
    return rng.normal(0.0, 3.0, size=shape), rng.integers(0, 2, size=shape).astype(np.float64)


def _logits_indices(rng):
    n, c = random_shape(rng)[0], int(rng.integers(2, 6))
    return rng.normal(0.0, 2.0, size=(n, c)), rng.integers(0, c, size=n)


def _logits_probabilities(rng):
    n, c = random_shape(rng)[0], int(rng.integers(2, 6))
    return rng.normal(0.0, 2.0, size=(n, c)), rng.dirichlet(np.ones(c), size=n)


def _logits_one_hot(rng):
    logits, labels = _logits_indices(rng)
    return logits, np.eye(logits.shape[1])[labels]


# (id, class name, options, sample(rng) -> (prediction, target), reference loss in plain torch)
CASES = [
    ("mse", "MSELoss", {}, _regression, F.mse_loss),
    ("mae", "L1Loss", {}, lambda rng: _regression(rng, kinks=[0.0]), F.l1_loss),
    ("huber", "HuberLoss", {}, lambda rng: _regression(rng, kinks=[-1.0, 1.0]), F.huber_loss),
    ("huber-delta0.5", "HuberLoss", {"delta": 0.5}, lambda rng: _regression(rng, kinks=[-0.5, 0.5]),
     lambda p, t: F.huber_loss(p, t, delta=0.5)),
    ("bce", "BCELoss", {}, _probabilities, F.binary_cross_entropy),
    ("bce-logits", "BCEWithLogitsLoss", {}, _logits_binary, F.binary_cross_entropy_with_logits),
    ("ce-indices", "CrossEntropyLoss", {}, _logits_indices, F.cross_entropy),
    ("ce-probabilities", "CrossEntropyLoss", {}, _logits_probabilities, F.cross_entropy),
    ("ce-one-hot", "CrossEntropyLoss", {}, _logits_one_hot, F.cross_entropy),
]
IDS = [case[0] for case in CASES]
PARAMS = [case[1:] for case in CASES]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name, options, sample, reference", PARAMS, ids=IDS)
def test_gradient_matches_finite_differences(name, options, sample, reference, seed):
    p, t = sample(np.random.default_rng(seed))
    loss = getattr(nn, name)(**options)
    value = loss(p, t)
    grad = loss.backward()
    assert isinstance(value, float) and grad.shape == p.shape
    assert rel_error(grad, numerical_gradient(lambda: loss.value(p, t), p)) < 1e-6


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name, options, sample, reference", PARAMS, ids=IDS)
def test_value_and_gradient_match_torch_autograd(name, options, sample, reference, seed):
    p, t = sample(np.random.default_rng(seed))
    loss = getattr(nn, name)(**options)
    value = loss(p, t)
    grad = loss.backward()
    pt = torch.tensor(p, requires_grad=True)
    expected = reference(pt, torch.tensor(t))
    expected.backward()
    assert rel_error(value, expected.item()) < 1e-12
    assert rel_error(grad, pt.grad.numpy()) < 1e-10


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("name, options, sample, reference", PARAMS, ids=IDS)
def test_torch_backend_matches_numpy_backend(name, options, sample, reference, seed):
    p, t = sample(np.random.default_rng(seed))
    ours, theirs = getattr(nn, name)(**options), getattr(tnn, name)(**options)
    pt, tt = torch.tensor(p), torch.tensor(t)
    assert float(theirs(pt, tt)) == pytest.approx(ours(p, t), rel=1e-12)
    np.testing.assert_allclose(theirs.backward().numpy(), ours.backward(), rtol=1e-10, atol=1e-15)
    # the plot-facing methods give the same numbers and cache nothing
    assert float(theirs.value(p, t)) == pytest.approx(ours.value(p, t), rel=1e-12)
    np.testing.assert_allclose(theirs.gradient(p, t).numpy(), ours.gradient(p, t), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name, options, sample, reference", PARAMS, ids=IDS)
def test_value_and_gradient_equal_forward_and_backward(name, options, sample, reference):
    p, t = sample(np.random.default_rng(7))
    loss = getattr(nn, name)(**options)
    assert loss(p, t) == pytest.approx(loss.value(p, t), rel=1e-15)
    first = loss.backward()
    np.testing.assert_allclose(first, loss.gradient(p, t), rtol=1e-15, atol=1e-17)
    np.testing.assert_array_equal(loss.backward(), first)  # backward can be asked twice: nothing is used up


def test_bce_from_probabilities_clamps_like_torch_at_zero_and_one():
    p = np.array([[0.0], [1.0], [0.5]])
    t = np.array([[1.0], [0.0], [1.0]])
    loss = nn.BCELoss()
    value = loss(p, t)
    grad = loss.backward()
    pt = torch.tensor(p, requires_grad=True)
    expected = F.binary_cross_entropy(pt, torch.tensor(t))
    expected.backward()
    assert np.isfinite(value) and value == pytest.approx(expected.item(), rel=1e-12)  # log clamped at -100
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, pt.grad.numpy(), rtol=1e-8)  # torch stores its 1e-12 as a float32


def test_losses_reject_mismatched_shapes():
    with pytest.raises(ValueError, match=r"target: expected the same shape as the prediction \(4, 1\), got \(4,\)"):
        nn.MSELoss()(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"target: expected 3 class indices for logits of shape \(3, 2\), got shape \(2,\)"):
        nn.CrossEntropyLoss()(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(TypeError, match="target: expected integer class indices, got dtype float64"):
        nn.CrossEntropyLoss()(np.zeros((2, 2)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"target: expected the same shape as the prediction \(4, 1\), got \(4,\)"):
        tnn.MSELoss()(torch.zeros(4, 1), torch.zeros(4))
    with pytest.raises(ValueError, match=r"target: expected 3 class indices for logits of shape \(3, 2\), got shape \(2,\)"):
        tnn.CrossEntropyLoss()(torch.zeros(3, 2), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="target: expected integer class indices, got dtype float64"):
        tnn.CrossEntropyLoss()(torch.zeros(2, 2, dtype=torch.float64), torch.tensor([0.0, 1.0], dtype=torch.float64))


# ------------------------------------------------------- numerical stability
BACKENDS = {"numpy": (nn, lambda a: a, np.asarray), "torch": (tnn, torch.tensor, lambda t: t.numpy())}


def _cross_entropy_case():
    """Logits of size 1e4 (mixed signs), integer labels, and the loss and gradient worked out by hand."""
    e = np.exp(-1.0)
    logits = np.array([[1e4, -1e4, 0.0], [1e4, 1e4 - 1, -1e4], [-1e4, -1e4, -1e4], [1e4, -1e4, 0.0]])
    labels = np.array([0, 1, 2, 1])
    # -log softmax(z)_label for each row
    per_row = np.array([0.0, 1 + np.log1p(e), np.log(3), 2e4])
    softmax = np.array([[1, 0, 0], [1 / (1 + e), e / (1 + e), 0], [1 / 3] * 3, [1, 0, 0]])
    grad = (softmax - np.eye(3)[labels]) / len(labels)
    return logits, labels, per_row.mean(), grad


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("targets", ["indices", "one-hot"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_cross_entropy_is_exact_for_huge_logits(backend, targets, dtype):
    module, to_backend, to_numpy = BACKENDS[backend]
    logits, labels, expected_loss, expected_grad = _cross_entropy_case()
    target = labels if targets == "indices" else np.eye(3, dtype=dtype)[labels]
    loss = module.CrossEntropyLoss()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = float(loss(to_backend(logits.astype(dtype)), to_backend(target)))
        grad = to_numpy(loss.backward())
    tol = 1e-6 if dtype == "float32" else 1e-14
    assert value == pytest.approx(expected_loss, rel=tol)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, expected_grad, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_bce_with_logits_is_exact_for_huge_logits(backend, dtype):
    module, to_backend, to_numpy = BACKENDS[backend]
    z = np.array([[1e4], [1e4], [-1e4], [-1e4], [0.0], [3.0]])
    t = np.array([[1.0], [0.0], [1.0], [0.0], [1.0], [0.0]])
    # per row: -t log sigma(z) - (1 - t) log(1 - sigma(z)), by hand
    per_row = np.array([0.0, 1e4, 1e4, 0.0, np.log(2.0), 3.0 + np.log1p(np.exp(-3.0))])
    sigma = np.array([[1.0], [1.0], [0.0], [0.0], [0.5], [1 / (1 + np.exp(-3.0))]])
    loss = module.BCEWithLogitsLoss()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = float(loss(to_backend(z.astype(dtype)), to_backend(t.astype(dtype))))
        grad = to_numpy(loss.backward())
    tol = 1e-6 if dtype == "float32" else 1e-14
    assert value == pytest.approx(per_row.mean(), rel=tol)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, (sigma - t) / len(t), rtol=tol, atol=tol)


@pytest.mark.parametrize("name, options, sample, reference", PARAMS, ids=IDS)
def test_forward_without_the_check_gives_the_same_numbers(name, options, sample, reference):
    """``forward(..., check=False)`` (fit's step: the targets were checked once per call) only skips the check."""
    p, t = sample(np.random.default_rng(3))
    for module, to in ((nn, np.asarray), (tnn, torch.as_tensor)):
        checked, trusted = getattr(module, name)(**options), getattr(module, name)(**options)
        assert float(trusted.forward(to(p), to(t), check=False)) == float(checked.forward(to(p), to(t)))
        np.testing.assert_array_equal(np.asarray(trusted.backward()), np.asarray(checked.backward()))


def test_every_public_entry_point_checks_the_target():
    for module, to in ((nn, np.asarray), (tnn, torch.as_tensor)):
        for call in ("forward", "value", "gradient"):
            with pytest.raises(ValueError, match=r"target: expected the same shape as the prediction \(4, 1\), got \(4,\)"):
                getattr(module.MSELoss(), call)(to(np.zeros((4, 1))), to(np.zeros(4)))
            with pytest.raises(TypeError, match="target: expected integer class indices, got dtype float64"):
                getattr(module.CrossEntropyLoss(), call)(to(np.zeros((2, 2))), to(np.array([0.0, 1.0])))
