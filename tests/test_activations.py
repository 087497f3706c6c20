"""Activations: the NumPy backend's hand-written derivatives and backward passes are right.

Each is checked three independent ways: against central finite differences of the NumPy forward,
against PyTorch autograd on plain ``torch``/``torch.nn.functional`` (never nnlib's torch backend
checked against itself), and nnlib's torch backend against the NumPy one. Softmax's backward is a
Jacobian-vector product, so it is also compared with the explicit Jacobian. Last, every activation
stays finite and exact at logits of +-1e4 in both backends and both dtypes.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from _numerics import away_from, numerical_gradient, random_shape, rel_error
from nnlib import numpy_nn as nn
from nnlib import torch_nn as tnn

SEEDS = range(4)

# (class name, constructor options, reference in plain torch, kinks as a function of the options)
ELEMENTWISE = [
    ("Identity", {}, lambda x: x * 1.0, lambda o: []),
    ("Sigmoid", {}, torch.sigmoid, lambda o: []),
    ("Tanh", {}, torch.tanh, lambda o: []),
    ("ReLU", {}, torch.relu, lambda o: [0.0]),
    ("LeakyReLU", {}, lambda x: F.leaky_relu(x, 0.01), lambda o: [0.0]),
    ("LeakyReLU", {"negative_slope": 0.2}, lambda x: F.leaky_relu(x, 0.2), lambda o: [0.0]),
    ("ELU", {}, lambda x: F.elu(x, 1.0), lambda o: [0.0]),
    ("ELU", {"alpha": 0.5}, lambda x: F.elu(x, 0.5), lambda o: [0.0]),
    ("Softplus", {}, lambda x: F.softplus(x), lambda o: [20.0]),
    # beta * x crosses the threshold inside the sampled range: both branches are exercised
    ("Softplus", {"beta": 2.5, "threshold": 10.0}, lambda x: F.softplus(x, 2.5, 10.0), lambda o: [4.0]),
    ("GELU", {}, F.gelu, lambda o: []),
    ("SiLU", {}, F.silu, lambda o: []),
]
IDS = [f"{name}{options or ''}" for name, options, _, _ in ELEMENTWISE]


def _sample(seed, kinks):
    rng = np.random.default_rng(seed)
    shape = random_shape(rng)
    x = away_from(rng.normal(0.0, 3.0, size=shape), kinks)
    return x, rng.normal(size=shape)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name, options, reference, kinks", ELEMENTWISE, ids=IDS)
def test_backward_matches_finite_differences(name, options, reference, kinks, seed):
    x, g = _sample(seed, kinks(options))
    act = getattr(nn, name)(**options)
    act.forward(x)
    grad = act.backward(g)
    expected = numerical_gradient(lambda: np.sum(g * act.value(x)), x)
    assert grad.shape == x.shape
    assert rel_error(grad, expected) < 1e-6


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name, options, reference, kinks", ELEMENTWISE, ids=IDS)
def test_derivative_matches_finite_differences(name, options, reference, kinks, seed):
    x, _ = _sample(seed, kinks(options))
    act = getattr(nn, name)(**options)
    h = 1e-6  # element-wise functions: one vectorised central difference gives every f'(x_i)
    expected = (act.value(x + h) - act.value(x - h)) / (2 * h)
    assert rel_error(act.derivative(x), expected) < 1e-6


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name, options, reference, kinks", ELEMENTWISE, ids=IDS)
def test_forward_and_backward_match_torch_autograd(name, options, reference, kinks, seed):
    x, g = _sample(seed, kinks(options))
    act = getattr(nn, name)(**options)
    y = act.forward(x)
    grad = act.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    yt = reference(xt)
    yt.backward(torch.tensor(g))
    assert rel_error(y, yt.detach().numpy()) < 1e-12
    assert rel_error(grad, xt.grad.numpy()) < 1e-10


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("name, options, reference, kinks", ELEMENTWISE, ids=IDS)
def test_torch_backend_matches_numpy_backend(name, options, reference, kinks, seed):
    x, g = _sample(seed, kinks(options))
    ours, theirs = getattr(nn, name)(**options), getattr(tnn, name)(**options)
    xt, gt = torch.tensor(x), torch.tensor(g)
    np.testing.assert_allclose(theirs.value(xt).numpy(), ours.value(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(theirs.derivative(xt).numpy(), ours.derivative(x), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(theirs.forward(xt).numpy(), ours.forward(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(theirs.backward(gt).numpy(), ours.backward(g), rtol=1e-10, atol=1e-14)


def test_derivative_accepts_lists_and_scalars():
    np.testing.assert_allclose(nn.Tanh().derivative([0.0, 1.0]), [1.0, 1 - np.tanh(1.0) ** 2])
    assert nn.ReLU().derivative(np.array(2.0)) == 1.0


# ------------------------------------------------------------------ softmax
def _softmax_sample(seed):
    rng = np.random.default_rng(seed)
    n, c = int(rng.integers(1, 5)), int(rng.integers(2, 7))
    return rng.normal(0.0, 2.0, size=(n, c)), rng.normal(size=(n, c))


def _jacobian(s):
    """Softmax Jacobian of one row: :math:`J_{ij} = s_i(\\delta_{ij} - s_j)`."""
    return np.diag(s) - np.outer(s, s)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_backward_is_the_jacobian_vector_product(seed):
    x, g = _softmax_sample(seed)
    act = nn.Softmax()
    s = act.forward(x)
    grad = act.backward(g)
    explicit = np.stack([_jacobian(s_row).T @ g_row for s_row, g_row in zip(s, g)])
    assert rel_error(grad, explicit) < 1e-12
    assert rel_error(grad, numerical_gradient(lambda: np.sum(g * act.value(x)), x)) < 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_matches_torch_autograd_and_torch_backend(seed):
    x, g = _softmax_sample(seed)
    act = nn.Softmax()
    s = act.forward(x)
    grad = act.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    st = torch.softmax(xt, dim=-1)
    st.backward(torch.tensor(g))
    assert rel_error(s, st.detach().numpy()) < 1e-12
    assert rel_error(grad, xt.grad.numpy()) < 1e-10
    theirs = tnn.Softmax()
    theirs.forward(torch.tensor(x))
    np.testing.assert_allclose(theirs.backward(torch.tensor(g)).numpy(), grad, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(theirs.derivative(torch.tensor(x)).numpy(), act.derivative(x), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_softmax_rows_sum_to_one_and_derivative_is_the_jacobian_diagonal(seed):
    x, _ = _softmax_sample(seed)
    s = nn.Softmax().value(x)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-14)
    diagonals = np.stack([np.diag(_jacobian(row)) for row in s])
    np.testing.assert_allclose(nn.Softmax().derivative(x), diagonals, rtol=1e-14)


# ------------------------------------------------------- numerical stability
BACKENDS = {"numpy": (nn, lambda a: a, np.asarray), "torch": (tnn, torch.tensor, lambda t: t.numpy())}
HUGE = [-1e4, 1e4]
# f(+-1e4) and f'(+-1e4), exact in floating point (e^-1e4 underflows to 0)
EXACT_AT_HUGE = {
    "Identity": ([-1e4, 1e4], [1, 1]),
    "Sigmoid": ([0, 1], [0, 0]),
    "Tanh": ([-1, 1], [0, 0]),
    "ReLU": ([0, 1e4], [0, 1]),
    "LeakyReLU": ([-1e2, 1e4], [0.01, 1]),
    "ELU": ([-1, 1e4], [0, 1]),
    "Softplus": ([0, 1e4], [0, 1]),
    "GELU": ([0, 1e4], [0, 1]),
    "SiLU": ([0, 1e4], [0, 1]),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", EXACT_AT_HUGE)
def test_activations_are_finite_and_exact_at_huge_inputs(name, backend, dtype):
    module, to_backend, to_numpy = BACKENDS[backend]
    act = getattr(module, name)()
    x = to_backend(np.array(HUGE, dtype=dtype))
    value, derivative = EXACT_AT_HUGE[name]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = to_numpy(act.value(x))
        d = to_numpy(act.derivative(x))
        act.forward(x)
        back = to_numpy(act.backward(to_backend(np.ones(2, dtype=dtype))))
    assert y.dtype == dtype and d.dtype == dtype and back.dtype == dtype  # no silent promotion
    np.testing.assert_allclose(y, value, rtol=1e-6, atol=0)
    np.testing.assert_allclose(d, derivative, rtol=1e-6, atol=0)
    np.testing.assert_allclose(back, derivative, rtol=1e-6, atol=0)


def _expected_softmax_rows():
    """Rows of logits of size 1e4 and their softmax / log-softmax, worked out by hand."""
    e = np.exp(-1.0)
    x = [[1e4, -1e4, 0.0], [1e4, 1e4 - 1, -1e4], [-1e4, -1e4, -1e4], [-1e4, -1e4 + 1, 5.0]]
    softmax = [[1, 0, 0], [1 / (1 + e), e / (1 + e), 0], [1 / 3, 1 / 3, 1 / 3], [0, 0, 1]]
    log_softmax = [[0, -2e4, -1e4], [-np.log1p(e), -1 - np.log1p(e), -2e4 - np.log1p(e)],
                   [-np.log(3)] * 3, [-1e4 - 5, -1e4 + 1 - 5, 0]]
    return np.array(x), np.array(softmax), np.array(log_softmax)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_softmax_and_log_softmax_are_exact_for_huge_logits(backend, dtype):
    module, to_backend, to_numpy = BACKENDS[backend]
    x, softmax, log_softmax = _expected_softmax_rows()
    xb = to_backend(x.astype(dtype))
    tol = 1e-6 if dtype == "float32" else 1e-14
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = to_numpy(module.softmax(xb))
        log_s = to_numpy(module.log_softmax(xb))
        act = module.Softmax()
        act.forward(xb)
        back = to_numpy(act.backward(to_backend(np.ones_like(x, dtype=dtype))))
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(log_s)) and np.all(np.isfinite(back))
    np.testing.assert_allclose(s, softmax, rtol=tol, atol=tol)
    np.testing.assert_allclose(log_s, log_softmax, rtol=tol, atol=tol)
    # softmax rows sum to 1, so a gradient of all ones gives no change at all
    np.testing.assert_allclose(back, 0.0, atol=tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_stable_sigmoid_is_exact_for_mixed_huge_inputs(backend, dtype):
    module, to_backend, to_numpy = BACKENDS[backend]
    x = np.array([-1e4, -30.0, -1.0, 0.0, 1.0, 30.0, 1e4])
    expected = np.array([0.0] + [1 / (1 + np.exp(-v)) for v in x[1:-1]] + [1.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = to_numpy(module.stable_sigmoid(to_backend(x.astype(dtype))))
    tol = 1e-6 if dtype == "float32" else 1e-15
    np.testing.assert_allclose(got, expected, rtol=tol, atol=0)
