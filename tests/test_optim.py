"""Optimizers: the NumPy SGD and Adam take exactly the steps of ``torch.optim.SGD`` / ``torch.optim.Adam``.

Both are fed the same (random) gradient at every step, so any difference comes from the update rule.
"""
import numpy as np
import pytest
import torch

from nnlib import numpy_nn as nn
from nnlib import torch_nn as tnn

SHAPES = [(3, 4), (4,), (1, 1)]
STEPS = 6


def _run(make_ours, make_theirs, seed):
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=s) for s in SHAPES]
    ours = [nn.Parameter(w.copy()) for w in start]
    theirs = [torch.nn.Parameter(torch.tensor(w)) for w in start]
    opt, ref = make_ours(ours), make_theirs(theirs)
    for _ in range(STEPS):
        for p, tp in zip(ours, theirs):
            g = rng.normal(size=p.shape)
            p.grad[...] = g
            tp.grad = torch.tensor(g)
        opt.step()
        ref.step()
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-13, atol=1e-14)
    # the parameters really moved: the test is not comparing two untouched copies
    assert all(np.abs(p.data - w).max() > 1e-5 for p, w in zip(ours, start))
    opt.zero_grad()
    assert all(np.all(p.grad == 0) for p in ours)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_sgd_matches_torch(momentum, seed):
    _run(lambda ps: nn.SGD(ps, lr=0.05, momentum=momentum),
         lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=momentum), seed)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("options", [{}, {"betas": (0.8, 0.99), "eps": 1e-6}, {"betas": (0.0, 0.5), "eps": 1e-3}])
@pytest.mark.parametrize("lr", [1e-3, 0.1])
def test_adam_matches_torch(lr, options, seed):
    _run(lambda ps: nn.Adam(ps, lr=lr, **options), lambda ps: torch.optim.Adam(ps, lr=lr, **options), seed)


def test_sgd_without_momentum_is_theta_minus_lr_times_grad():
    p = nn.Parameter(np.array([1.0, -2.0]))
    p.grad[...] = [0.5, 4.0]
    nn.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -2.4], rtol=1e-15)


def test_torch_backend_optimizers_are_torch_optim_with_the_same_defaults():
    params = [torch.nn.Parameter(torch.zeros(2))]
    assert isinstance(tnn.SGD(params, lr=0.1), torch.optim.SGD)
    adam = tnn.Adam(params)
    assert isinstance(adam, torch.optim.Adam)
    ours = nn.Adam([nn.Parameter(np.zeros(2))])
    group = adam.param_groups[0]
    assert (group["lr"], tuple(group["betas"]), group["eps"]) == (ours.lr, (ours.beta1, ours.beta2), ours.eps)
