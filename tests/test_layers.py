"""The Linear layer and Sequential: weight, bias and input gradients are right in both backends.

The NumPy backward (:math:`G^\\top X`, :math:`\\sum_n G_n`, :math:`G W`) is checked against central
finite differences and against ``torch.nn.functional.linear`` with autograd; nnlib's torch Linear
must give the same numbers from the same seed.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from _numerics import numerical_gradient, rel_error
from nnlib import numpy_nn as nn
from nnlib import torch_nn as tnn

SEEDS = range(5)


def _setup(seed, bias=True):
    rng = np.random.default_rng(seed)
    n, n_in, n_out = (int(v) for v in rng.integers(1, 7, size=3))
    layer = nn.Linear(n_in, n_out, bias=bias, rng=seed)
    # nonzero gradient in every parameter entry: upstream gradient G and input X both random
    return layer, rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("seed", SEEDS)
def test_linear_gradients_match_finite_differences(seed, bias):
    layer, x, g = _setup(seed, bias)
    z = layer.forward(x)
    dx = layer.backward(g)
    assert z.shape == g.shape and dx.shape == x.shape

    def objective():  # L = sum(G * Z): its gradient w.r.t. Z is G
        return np.sum(g * layer.forward(x))

    assert rel_error(layer.weight.grad, numerical_gradient(objective, layer.weight.data)) < 1e-6
    assert rel_error(dx, numerical_gradient(objective, x)) < 1e-6
    if bias:
        assert rel_error(layer.bias.grad, numerical_gradient(objective, layer.bias.data)) < 1e-6
    else:
        assert layer.bias is None and len(layer.parameters()) == 1


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_matches_torch_autograd(seed):
    layer, x, g = _setup(seed)
    z = layer.forward(x)
    dx = layer.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(layer.weight.data, requires_grad=True)
    bt = torch.tensor(layer.bias.data, requires_grad=True)
    zt = F.linear(xt, wt, bt)
    zt.backward(torch.tensor(g))
    assert rel_error(z, zt.detach().numpy()) < 1e-12
    assert rel_error(layer.weight.grad, wt.grad.numpy()) < 1e-10
    assert rel_error(layer.bias.grad, bt.grad.numpy()) < 1e-10
    assert rel_error(dx, xt.grad.numpy()) < 1e-10


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_torch_linear_matches_numpy_linear_from_the_same_seed(seed):
    ours, x, g = _setup(seed)
    theirs = tnn.Linear(ours.in_features, ours.out_features, rng=seed)
    np.testing.assert_array_equal(theirs.weight.detach().numpy(), ours.weight.data)
    np.testing.assert_array_equal(theirs.bias.detach().numpy(), ours.bias.data)
    np.testing.assert_allclose(theirs(torch.tensor(x)).detach().numpy(), ours(x), rtol=1e-12, atol=1e-14)
    dx = theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(dx.numpy(), ours.backward(g), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(theirs.weight.grad.numpy(), ours.weight.grad, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(theirs.bias.grad.numpy(), ours.bias.grad, rtol=1e-12, atol=1e-14)


def test_initial_weights_follow_pytorch_default_and_keep_the_dtype():
    layer = nn.Linear(25, 40, rng=0, dtype="float32")
    bound = 1 / np.sqrt(25)
    assert layer.weight.data.shape == (40, 25) and layer.bias.data.shape == (40,)
    assert layer.weight.data.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound  # uniform over the whole range, not a narrower one
    x = np.ones((3, 25), dtype=np.float32)
    assert layer(x).dtype == np.float32 and layer.backward(np.ones((3, 40), dtype=np.float32)).dtype == np.float32
    assert tnn.Linear(25, 40, rng=0, dtype="float32").weight.dtype == torch.float32


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_sequential_backward_is_the_chain_rule(seed):
    rng = np.random.default_rng(seed)
    net = nn.Sequential(nn.Linear(3, 5, rng=rng), nn.Tanh(), nn.Linear(5, 4, rng=rng), nn.Softmax())
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    net.forward(x)
    dx = net.backward(g)

    def objective():
        return np.sum(g * net.forward(x))

    for p in net.parameters():
        assert rel_error(p.grad, numerical_gradient(objective, p.data)) < 1e-6
    assert rel_error(dx, numerical_gradient(objective, x)) < 1e-6
    # the torch backend's Sequential with the same weights gives the same gradients
    tnet = tnn.Sequential(tnn.Linear(3, 5), tnn.Tanh(), tnn.Linear(5, 4), tnn.Softmax())
    tnet.load_state_dict({k: torch.tensor(v) for k, v in net.state_dict().items()})
    tnet(torch.tensor(x))
    np.testing.assert_allclose(tnet.backward(torch.tensor(g)).numpy(), dx, rtol=1e-10, atol=1e-14)
    for p, tp in zip(net.parameters(), tnet.parameters()):
        np.testing.assert_allclose(tp.grad.numpy(), p.grad, rtol=1e-10, atol=1e-14)


def test_state_dict_uses_pytorch_names_and_round_trips():
    net = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=1))
    state = net.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert set(state) == set(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)).state_dict())
    state["0.weight"][0, 0] = 99.0  # a copy: changing it leaves the network alone
    assert net[0].weight.data[0, 0] != 99.0
    other = nn.Sequential(nn.Linear(2, 3, rng=5), nn.ReLU(), nn.Linear(3, 1, rng=6))
    other.load_state_dict(state)
    np.testing.assert_array_equal(other[0].weight.data, state["0.weight"])
    with pytest.raises(ValueError, match=r"state\['2.bias'\]: expected shape \(1,\), got \(2,\)"):
        other.load_state_dict({**state, "2.bias": np.zeros(2)})
    with pytest.raises(ValueError, match=r"state: expected keys \['0.bias', '0.weight', '2.bias', '2.weight'\]"):
        other.load_state_dict({"0.weight": state["0.weight"]})


def test_training_may_skip_the_input_gradient_of_the_first_layer():
    """``backward(..., input_grad=False)`` (what fit uses) gives the same parameter gradients and no dL/dX."""
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    full = nn.Sequential(nn.Linear(3, 5, rng=1), nn.ReLU(), nn.Linear(5, 2, rng=2))
    lean = nn.Sequential(nn.Linear(3, 5, rng=1), nn.ReLU(), nn.Linear(5, 2, rng=2))
    full(x)
    assert full.backward(g).shape == x.shape
    lean(x)
    assert lean.backward(g, input_grad=False) is None
    for a, b in zip(full.parameters(), lean.parameters()):
        np.testing.assert_array_equal(a.grad, b.grad)
    starts_with_activation = nn.Sequential(nn.Tanh(), nn.Linear(3, 2, rng=1))
    starts_with_activation(x)
    assert starts_with_activation.backward(g, input_grad=False).shape == x.shape  # only a Linear skips it
