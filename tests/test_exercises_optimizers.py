"""Checkers of 10_optimizers_and_initialization: the right answer passes, the usual wrong answers get their own hint."""
import numpy as np
import pytest

from nnlib.exercises import optimizers as O

from _checks import later_verdict, verdict


# ------------------------------------------------------------------------------- 1: momentum_step
def momentum_step(theta, velocity, grad, lr, momentum):
    velocity = momentum * velocity + grad
    return theta - lr * velocity, velocity


def test_momentum_step_correct(capsys):
    ok, out = verdict(capsys, O.check_momentum_step, momentum_step)
    assert ok and out == "✅ momentum_step: correct — all 4 test inputs match\n"


def test_momentum_step_matches_nnlib_and_torch():
    """The reference is the rule the course's optimizers use: one step of nnlib's SGD and of torch.optim.SGD."""
    import torch

    from nnlib import numpy_nn as nn

    theta, v, g, lr, mu = O.MOMENTUM_INPUTS[0]
    p = nn.Parameter(theta.copy())
    opt = nn.SGD([p], lr=lr, momentum=mu)
    opt._velocity[0] = v.copy()
    p.grad[...] = g
    opt.step()
    tp = torch.nn.Parameter(torch.tensor(theta))
    topt = torch.optim.SGD([tp], lr=lr, momentum=mu)
    topt.state[tp]["momentum_buffer"] = torch.tensor(v)
    tp.grad = torch.tensor(g)
    topt.step()
    expected, _ = O.momentum_step_reference(theta, v, g, lr, mu)
    np.testing.assert_allclose(p.data, expected, rtol=1e-15)
    np.testing.assert_allclose(tp.detach().numpy(), expected, rtol=1e-15)


@pytest.mark.parametrize("wrong, hint", [
    (lambda t, v, g, lr, mu: (t - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g), "weighted average"),
    (lambda t, v, g, lr, mu: (t - lr * v, mu * v + g), "used the old velocity"),
    (lambda t, v, g, lr, mu: (t + lr * (mu * v + g), mu * v + g), "goes uphill"),
    (lambda t, v, g, lr, mu: (t - lr * (v + g), v + g), "never fades"),
    (lambda t, v, g, lr, mu: (t - lr * g, mu * v + g), "gradient alone"),
    (lambda t, v, g, lr, mu: (t - 2 * lr * (mu * v + g), mu * v + g), "hint() shows a recipe"),  # no usual mistake
])
def test_momentum_step_mistakes(capsys, wrong, hint):
    ok, out = verdict(capsys, O.check_momentum_step, wrong)
    # the first try names the mistake, never the expected numbers or the recipe
    assert not ok and hint in out and "expected" not in out


def test_momentum_step_only_theta_is_a_shape_problem(capsys):
    ok, out = verdict(capsys, O.check_momentum_step, lambda t, v, g, lr, mu: t - lr * (mu * v + g))
    assert not ok and "wrong shape" in out


def test_momentum_step_later_try_shows_values_and_recipe(capsys):
    ok, out = later_verdict(capsys, O.check_momentum_step, lambda t, v, g, lr, mu: (t - lr * v, mu * v + g))
    assert not ok and "expected" in out and "Recipe: first the new velocity" in out


def test_momentum_step_stub_and_crash(capsys):
    ok, out = verdict(capsys, O.check_momentum_step, lambda *args: None)
    assert not ok and "no answer yet" in out
    ok, out = verdict(capsys, O.check_momentum_step, lambda t, v, g, lr, mu: t @ np.ones(7))
    assert not ok and "raised ValueError" in out


# ------------------------------------------------------------------------------- 2: bias_correction
def test_bias_correction_correct(capsys):
    ok, out = verdict(capsys, O.check_bias_correction, lambda m, beta, t: m / (1 - beta**t))
    assert ok and out.startswith("✅ bias_correction: correct")


def test_bias_correction_at_the_first_step_gives_the_gradient_back():
    """What the exercise teaches: after one step from 0, m = (1 - beta) g, and the corrected m is g itself."""
    g, beta = 0.37, 0.9
    assert O.bias_correction_reference((1 - beta) * g, beta, 1) == pytest.approx(g, rel=1e-15)


@pytest.mark.parametrize("wrong, hint", [
    (lambda m, b, t: m / (1 - b), "must fade as t grows"),
    (lambda m, b, t: m * (1 - b**t), "must enlarge it"),
    (lambda m, b, t: m / b**t, "1 − β^t"),
    (lambda m, b, t: m / (1 - b**(t + 1)), "off by one step"),
    (lambda m, b, t: m, "not corrected"),
    (lambda m, b, t: m / (1 - b * t), "β·t is not β to the power t"),
])
def test_bias_correction_mistakes(capsys, wrong, hint):
    ok, out = verdict(capsys, O.check_bias_correction, wrong)
    assert not ok and hint in out and "Recipe" not in out


def test_bias_correction_recipe_on_a_later_try(capsys):
    ok, out = later_verdict(capsys, O.check_bias_correction, lambda m, b, t: m / (1 - b))
    assert not ok and "Recipe: after t steps from 0" in out


# ------------------------------------------------------------------------------- 3: He std
def test_he_std_correct(capsys):
    ok, out = verdict(capsys, O.check_he_std, np.sqrt(2 / 512))
    assert ok and out == "✅ He standard deviation: correct\n"


@pytest.mark.parametrize("answer, hint", [
    (np.sqrt(2 / 128), "counts the layer's outputs"),
    (np.sqrt(1 / 512), "ReLU zeroes half"),
    (2 / 512, "that is the variance"),
    (np.sqrt(2 / 640), "Glorot"),
    (np.sqrt(6 / 512), "bound a of He's uniform"),
    (0.5, "hint() shows a recipe"),
])
def test_he_std_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, O.check_he_std, answer)
    # a one-number exercise never hears its answer, not even on a later try
    assert not ok and hint in out and "0.0625" not in out
    ok, out = later_verdict(capsys, O.check_he_std, answer)
    assert not ok and "0.0625" not in out and "Recipe: He: the variance" in out


def test_he_std_stub_and_text(capsys):
    ok, out = verdict(capsys, O.check_he_std, None)
    assert not ok and "no answer yet" in out
    ok, out = verdict(capsys, O.check_he_std, "sqrt(2/512)")
    assert not ok and "expected numbers, got str" in out


def test_he_std_agrees_with_nnlib():
    from nnlib.initializers import weight_std

    assert weight_std("he_normal", O.HE_IN, O.HE_OUT) == pytest.approx(np.sqrt(2 / 512), rel=1e-15)
