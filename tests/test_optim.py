"""Optimizers and schedules: the NumPy ones take exactly the steps of ``torch.optim`` and ``torch.optim.lr_scheduler``.

Both are fed the same (random, every step different) gradient, so any difference comes from the update rule.
"""
import numpy as np
import pytest
import torch

from nnlib import numpy_nn as nn
from nnlib import torch_nn as tnn

SHAPES = [(3, 4), (4,), (1, 1)]
STEPS = 50


def _run(make_ours, make_theirs, seed, schedules=None):
    """``STEPS`` steps of both optimizers from the same start with the same gradients; ``schedules(ours, theirs)``
    optionally builds a schedule for each, stepped after every optimizer step."""
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=s) for s in SHAPES]
    ours = [nn.Parameter(w.copy()) for w in start]
    theirs = [torch.nn.Parameter(torch.tensor(w)) for w in start]
    opt, ref = make_ours(ours), make_theirs(theirs)
    if schedules is not None:
        schedules = schedules(opt, ref)
    for _ in range(STEPS):
        for p, tp in zip(ours, theirs):
            g = rng.normal(size=p.shape)
            p.grad[...] = g
            tp.grad = torch.tensor(g)
        opt.step()
        ref.step()
        if schedules is not None:
            for sched in schedules:
                sched.step()
            assert opt.lr == pytest.approx(ref.param_groups[0]["lr"], rel=1e-15, abs=0)
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-13)
    # the parameters really moved: the test is not comparing two untouched copies
    assert all(np.abs(p.data - w).max() > 1e-5 for p, w in zip(ours, start))
    opt.zero_grad()
    assert all(np.all(p.grad == 0) for p in ours)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("options", [{"momentum": 0.0}, {"momentum": 0.5}, {"momentum": 0.9},
                                     {"momentum": 0.9, "nesterov": True}, {"weight_decay": 0.1},
                                     {"momentum": 0.8, "nesterov": True, "weight_decay": 0.01}])
def test_sgd_matches_torch(options, seed):
    _run(lambda ps: nn.SGD(ps, lr=0.05, **options), lambda ps: torch.optim.SGD(ps, lr=0.05, **options), seed)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("options", [{}, {"alpha": 0.9, "eps": 1e-3}, {"momentum": 0.9}, {"weight_decay": 0.1},
                                     {"alpha": 0.0, "momentum": 0.5, "weight_decay": 0.01}])
@pytest.mark.parametrize("lr", [1e-3, 0.05])
def test_rmsprop_matches_torch(lr, options, seed):
    _run(lambda ps: nn.RMSprop(ps, lr=lr, **options), lambda ps: torch.optim.RMSprop(ps, lr=lr, **options), seed)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("options", [{}, {"betas": (0.8, 0.99), "eps": 1e-6}, {"betas": (0.0, 0.5), "eps": 1e-3},
                                     {"weight_decay": 0.1}])
@pytest.mark.parametrize("lr", [1e-3, 0.1])
def test_adam_matches_torch(lr, options, seed):
    _run(lambda ps: nn.Adam(ps, lr=lr, **options), lambda ps: torch.optim.Adam(ps, lr=lr, **options), seed)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.3}, {"betas": (0.5, 0.9), "weight_decay": 0.0}])
@pytest.mark.parametrize("lr", [1e-3, 0.1])
def test_adamw_matches_torch(lr, options, seed):
    _run(lambda ps: nn.AdamW(ps, lr=lr, **options), lambda ps: torch.optim.AdamW(ps, lr=lr, **options), seed)


def test_adamw_decay_is_decoupled_from_the_gradient_scale():
    """With a zero gradient Adam's step is 0: AdamW still shrinks every weight by the factor 1 - lr·wd;
    Adam's L2 (through the division by sqrt(v)) moves it by about lr instead."""
    start = np.array([2.0, -0.5])
    p, q = nn.Parameter(start.copy()), nn.Parameter(start.copy())
    p.grad[...] = q.grad[...] = 0.0
    nn.AdamW([p], lr=0.1, weight_decay=0.5).step()
    nn.Adam([q], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(p.data, start * (1 - 0.1 * 0.5), rtol=1e-15)
    np.testing.assert_allclose(q.data, start - 0.1 * np.sign(start), rtol=1e-6)


def test_nesterov_differs_from_plain_momentum():
    paths = []
    for nesterov in (False, True):
        p = nn.Parameter(np.array([1.0]))
        opt = nn.SGD([p], lr=0.1, momentum=0.9, nesterov=nesterov)
        for g in (1.0, 1.0):
            p.grad[...] = g
            opt.step()
        paths.append(p.data[0])
    # plain: v = 1, then 1.9; Nesterov steps with g + 0.9 v: 1.9, then 1 + 0.9 * 1.9 = 2.71
    np.testing.assert_allclose(paths, [1 - 0.1 * (1 + 1.9), 1 - 0.1 * (1.9 + 2.71)], rtol=1e-15)


# ------------------------------------------------------------------------------------------ schedules
SCHEDULES = {
    "step": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=12, eta_min=1e-3),   # 50 steps: down, up, down...
    "cosine to 0": lambda m, o: m.CosineAnnealingLR(o, T_max=20),
    "warm-up": lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=10),
    "warm-down": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=30),
}


@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_schedules_match_torch(name, optimizer):
    make = SCHEDULES[name]
    options = {"momentum": 0.9} if optimizer == "SGD" else {}
    _run(lambda ps: getattr(nn, optimizer)(ps, lr=0.05, **options),
         lambda ps: getattr(torch.optim, optimizer)(ps, lr=0.05, **options), seed=0,
         schedules=lambda ours, theirs: [make(nn, ours), make(torch.optim.lr_scheduler, theirs)])


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_rates_equal_torch_and_the_closed_form(name):
    make = SCHEDULES[name]
    ours = make(nn, nn.SGD([nn.Parameter(np.zeros(1))], lr=0.1))
    theirs = make(tnn, tnn.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1))
    assert isinstance(theirs, torch.optim.lr_scheduler.LRScheduler)
    rates = []
    for _ in range(60):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-15, abs=0)
        rates.append(ours.get_last_lr()[0])
        ours.step()
        theirs.optimizer.step()  # no gradients: nothing moves, but PyTorch expects it before the schedule's step
        theirs.step()
    e = np.arange(60)
    closed = {"step": 0.1 * 0.5 ** (e // 7),
              "cosine": 1e-3 + 0.5 * (0.1 - 1e-3) * (1 + np.cos(np.pi * e / 12)),
              "cosine to 0": 0.05 * (1 + np.cos(np.pi * e / 20)),
              "warm-up": 0.1 * (0.1 + 0.9 * np.minimum(e, 10) / 10),
              "warm-down": 0.1 * (1.0 - 0.8 * np.minimum(e, 30) / 30)}[name]
    np.testing.assert_allclose(rates, closed, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------------------------------ bad arguments
BAD = [
    ("SGD", {"lr": -0.1}, "lr: expected a finite number >= 0, got -0.1"),
    ("SGD", {"lr": 0.1, "momentum": -0.5}, "momentum: expected a finite number >= 0, got -0.5"),
    ("SGD", {"lr": 0.1, "nesterov": True}, "nesterov: Nesterov momentum needs a momentum > 0"),
    ("SGD", {"lr": 0.1, "weight_decay": -1}, "weight_decay: expected a finite number >= 0, got -1"),
    ("RMSprop", {"lr": 0.1, "alpha": 1.0}, r"alpha: expected a number in \[0, 1\), got 1.0"),
    ("RMSprop", {"lr": 0.1, "eps": -1e-8}, "eps: expected a finite number >= 0"),
    ("Adam", {"lr": -1.0}, "lr: expected a finite number >= 0, got -1.0"),
    ("Adam", {"betas": (0.9, 1.0)}, r"betas: expected two numbers in \[0, 1\) such as \(0.9, 0.999\), got \(0.9, 1.0\)"),
    ("AdamW", {"betas": (-0.1, 0.9)}, r"betas: expected two numbers in \[0, 1\)"),
    ("AdamW", {"weight_decay": -0.01}, "weight_decay: expected a finite number >= 0, got -0.01"),
]


@pytest.mark.parametrize("backend", [nn, tnn], ids=["numpy", "torch"])
@pytest.mark.parametrize("cls, kwargs, message", BAD)
def test_bad_optimizer_arguments_are_refused_naming_them(backend, cls, kwargs, message):
    params = [nn.Parameter(np.zeros(2))] if backend is nn else [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match=message):
        getattr(backend, cls)(params, **kwargs)


@pytest.mark.parametrize("backend", [nn, tnn], ids=["numpy", "torch"])
@pytest.mark.parametrize("make, message", [
    (lambda m, o: m.StepLR(o, step_size=0), "step_size: expected a whole number >= 1, got 0"),
    (lambda m, o: m.StepLR(o, step_size=2, gamma=-0.5), "gamma: expected a finite number >= 0, got -0.5"),
    (lambda m, o: m.CosineAnnealingLR(o, T_max=2.5), "T_max: expected a whole number >= 1, got 2.5"),
    (lambda m, o: m.LinearLR(o, start_factor=0), r"start_factor: expected a number in \(0, 1\], got 0"),
    (lambda m, o: m.LinearLR(o, end_factor=1.5), r"end_factor: expected a number in \[0, 1\], got 1.5"),
])
def test_bad_schedule_arguments_are_refused_naming_them(backend, make, message):
    params = [nn.Parameter(np.zeros(2))] if backend is nn else [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match=message):
        make(backend, backend.SGD(params, lr=0.1))


def test_sgd_without_momentum_is_theta_minus_lr_times_grad():
    p = nn.Parameter(np.array([1.0, -2.0]))
    p.grad[...] = [0.5, 4.0]
    nn.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -2.4], rtol=1e-15)


@pytest.mark.parametrize("cls, keys", [("SGD", ("lr", "momentum", "nesterov", "weight_decay")),
                                       ("RMSprop", ("lr", "alpha", "eps", "momentum", "weight_decay")),
                                       ("Adam", ("lr", "eps", "weight_decay")), ("AdamW", ("lr", "eps", "weight_decay"))])
def test_torch_backend_optimizers_are_torch_optim_with_the_same_defaults(cls, keys):
    theirs = getattr(tnn, cls)([torch.nn.Parameter(torch.zeros(2))], lr=0.1) if cls == "SGD" else \
        getattr(tnn, cls)([torch.nn.Parameter(torch.zeros(2))])
    assert isinstance(theirs, getattr(torch.optim, cls))
    ours = getattr(nn, cls)([nn.Parameter(np.zeros(2))], **({"lr": 0.1} if cls == "SGD" else {}))
    group = theirs.param_groups[0]
    assert {k: group[k] for k in keys} == {k: getattr(ours, k) for k in keys}
    if cls.startswith("Adam"):
        assert tuple(group["betas"]) == (ours.beta1, ours.beta2)


def test_both_backends_have_the_same_optimizer_and_schedule_names():
    wanted = {"SGD", "RMSprop", "Adam", "AdamW", "StepLR", "CosineAnnealingLR", "LinearLR"}
    assert wanted <= set(nn.__all__) and set(nn.__all__) == set(tnn.__all__)


# ------------------------------------------------------------------------------------------ compile
@pytest.mark.parametrize("optimizer, options", [
    ("rmsprop", {"learning_rate": 0.01, "alpha": 0.9, "momentum": 0.5}),
    ("adamw", {"learning_rate": 0.02, "weight_decay": 0.1, "betas": (0.8, 0.99)}),
    ("adam", {"learning_rate": 0.02, "weight_decay": 0.05}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
])
def test_compile_new_optimizers_train_the_same_history_in_both_backends(optimizer, options):
    import nnlib

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] - X[:, 1] * X[:, 2] > 0).astype(int)
    histories, models = [], []
    for backend in ("numpy", "torch"):
        model = nnlib.Sequential([nnlib.Dense(3, 8, "tanh", kernel_initializer="glorot_uniform"), nnlib.Dense(8, 2)],
                                 backend=backend, seed=3, device="cpu")
        model.compile("cross_entropy", optimizer=optimizer, **options)
        histories.append(model.fit(X, y, epochs=8, batch_size=16, verbose=0))
        models.append(model)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-12)
    assert histories[0]["loss"][-1] < histories[0]["loss"][0]  # it trained
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    config = models[0].get_config()["compile"]
    assert config["optimizer"] == optimizer and all(
        config[k] == pytest.approx(v) for k, v in options.items() if k != "learning_rate")
