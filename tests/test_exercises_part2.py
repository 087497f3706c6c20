"""Checkers of 05_losses and 06_backprop: the right answer passes, typical wrong answers get the right message."""
import numpy as np
import pytest

from nnlib.exercises import backprop as EB
from nnlib.exercises import losses as EL

from _checks import later_verdict, verdict
from _numerics import numerical_gradient


# ------------------------------------------------------------------------------------ 05: mse
def mse(p, t):
    return np.mean((p - t) ** 2)


def mse_gradient(p, t):
    return 2 * (p - t) / p.size


def test_mse_correct(capsys):
    ok, out = verdict(capsys, EL.check_mse, mse)
    assert ok and out == "✅ mse: correct — all 4 test inputs match\n"
    ok, out = verdict(capsys, EL.check_mse_gradient, mse_gradient)
    assert ok and out.startswith("✅ mse_gradient: correct")


@pytest.mark.parametrize("answer, hint", [
    (lambda p, t: np.sum((p - t) ** 2), "SUM of the squared errors"),
    (lambda p, t: np.mean(np.abs(p - t)), "mean ABSOLUTE error"),
    (lambda p, t: np.mean(p - t), "without squaring"),
    (lambda p, t: np.sqrt(np.mean((p - t) ** 2)), "RMSE"),
    (lambda p, t: (p - t) ** 2, "their mean, one number"),
    (lambda p, t: np.sum((p - t) ** 2) / len(p), "number of ROWS"),   # right for 1-D, wrong for the 2-D input
    (lambda p, t: None, "no answer yet"),
    (lambda p, t: 1 / 0, "raised ZeroDivisionError"),
])
def test_mse_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, EL.check_mse, answer)
    assert not ok and out.startswith("❌ Not yet — mse:") and hint in out


@pytest.mark.parametrize("answer, hint", [
    (lambda p, t: (p - t) / p.size, "the 2 from the square is missing"),
    (lambda p, t: 2 * (p - t), "has a 1/N too"),
    (lambda p, t: p - t, "two factors are missing"),
    (lambda p, t: 2 * (t - p) / p.size, "the sign is flipped"),
    (lambda p, t: 2 * (p - t) / len(p), "number of ROWS"),
    (lambda p, t: np.sum(2 * (p - t) / p.size), "the same shape as prediction"),
])
def test_mse_gradient_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, EL.check_mse_gradient, answer)
    assert not ok and hint in out and "2(p − t)" not in out


def test_mse_gradient_must_be_an_array(capsys):
    # "an array shaped like prediction": a list of the right numbers is not that
    ok, out = verdict(capsys, EL.check_mse_gradient, lambda p, t: list(mse_gradient(p, t)))
    assert not ok and "expected a NumPy array, got a list" in out


def test_mse_gradient_later_try_shows_expected_and_recipe(capsys):
    ok, out = later_verdict(capsys, EL.check_mse_gradient, lambda p, t: 3 * (p - t))
    assert not ok and "expected" in out and "Recipe: the slope of (p − t)² is 2(p − t)" in out


# ---------------------------------------------------------------------- 05: stable cross-entropy
def stable(z, t):
    m = np.max(z)
    return -z[t] + m + np.log(np.sum(np.exp(z - m)))


def naive(z, t):
    return -np.log(np.exp(z[t]) / np.sum(np.exp(z)))


def test_stable_cross_entropy_correct(capsys):
    ok, out = verdict(capsys, EL.check_stable_cross_entropy, stable)
    assert ok and out == "✅ cross_entropy: correct — all 6 test inputs match\n"


def test_naive_cross_entropy_is_caught_on_large_logits_without_warnings(capsys):
    ok, out = verdict(capsys, EL.check_stable_cross_entropy, naive)
    assert not ok
    assert "for input ([ 1000.   500. -1000.], 1): the answer contains NaN or infinity" in out
    assert "subtract the largest logit" not in out  # the recipe comes later


def softmax_then_log(z, t):
    e = np.exp(z - z.max())
    p = e / e.sum()
    return -np.log(p[t])


def test_softmax_then_log_fails_on_a_far_off_class(capsys):
    # stable for large logits, but not the log-sum-exp form: a class 2000 below the top has p_t = 0 in floats
    ok, out = verdict(capsys, EL.check_stable_cross_entropy, softmax_then_log)
    assert not ok
    assert "for input ([ 1000. -1000.     0.], 1): the answer contains NaN or infinity" in out
    assert "computes the probability p_t first" in out


@pytest.mark.parametrize("answer, hint", [
    (lambda z, t: -z[t] + np.log(np.sum(np.exp(z - np.max(z)))), "not added back"),
    (lambda z, t: -stable(z, t), "MINUS the log-probability"),
    (lambda z, t: np.exp(-stable(z, t)), "the probability p_t itself"),
    (lambda z, t: -z[t], "the log Σ e^z part is missing"),
])
def test_cross_entropy_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, EL.check_stable_cross_entropy, answer)
    assert not ok and hint in out and "m + log Σ e^(z − m)" not in out


# ---------------------------------------------------------------------------- 05: loss choice
RIGHT = {"temperature": "mse", "spam": "binary_cross_entropy_with_logits", "digit": "cross_entropy",
         "delivery": "huber"}


def test_loss_choice_correct_with_aliases(capsys):
    ok, out = verdict(capsys, EL.check_loss_choice, RIGHT)
    assert ok and out == "✅ loss choice: correct — all 4 tasks have a fitting loss\n"
    aliases = {"temperature": "L2", "spam": "bce_with_logits", "digit": "categorical_crossentropy",
               "delivery": "mae"}
    assert verdict(capsys, EL.check_loss_choice, aliases)[0]
    # the class names the notebook itself uses (PyTorch's)
    classes = {"temperature": "MSELoss", "spam": "BCEWithLogitsLoss", "digit": "CrossEntropyLoss",
               "delivery": "HuberLoss"}
    assert verdict(capsys, EL.check_loss_choice, classes)[0]


@pytest.mark.parametrize("change, message", [
    ({"temperature": "mae"}, "'temperature': 'mae' is not the best fit. Hint: clean measurements"),
    ({"spam": "bce"}, "'spam': 'bce' is not the best fit. Hint: two classes"),
    ({"digit": "binary_cross_entropy_with_logits"}, "'digit'"),
    ({"delivery": "mse"}, "'delivery': 'mse' is not the best fit. Hint: a number, but some records"),
    ({"digit": "softmax"}, "'digit': 'softmax' is not a loss nnlib knows"),
    ({"digit": None}, "no answer yet for 'digit'"),
])
def test_loss_choice_mistakes(capsys, change, message):
    ok, out = verdict(capsys, EL.check_loss_choice, {**RIGHT, **change})
    assert not ok and message in out


def test_loss_choice_stub_and_wrong_type(capsys):
    ok, out = verdict(capsys, EL.check_loss_choice, None)
    assert not ok and "no answer yet" in out
    ok, out = verdict(capsys, EL.check_loss_choice, ["mse"])
    assert not ok and "expected a dict" in out
    ok, out = verdict(capsys, EL.check_loss_choice, {"temperature": "mse"})
    assert not ok and "'spam' is missing" in out


# ------------------------------------------------------------------------ 06: gradient descent
def descent(gradient, w0, learning_rate, steps):
    path, w = [w0], w0
    for _ in range(steps):
        w = w - learning_rate * gradient(w)
        path.append(w)
    return path


def test_gradient_descent_correct(capsys):
    ok, out = verdict(capsys, EB.check_gradient_descent, descent)
    assert ok and out == "✅ gradient_descent: correct — all 3 walks match\n"


@pytest.mark.parametrize("answer, hint", [
    (lambda g, w0, lr, s: descent(g, w0, -lr, s), "goes uphill"),
    (lambda g, w0, lr, s: descent(g, w0, 1.0, s), "the learning rate is missing"),
    (lambda g, w0, lr, s: descent(g, w0, lr, s)[1:], "the start w0 is missing"),
    (lambda g, w0, lr, s: descent(g, w0, lr, s)[-1], "not only the last one"),
    (lambda g, w0, lr, s: None, "no answer yet"),
    (lambda g, w0, lr: [w0], "raised TypeError"),
    (lambda g, w0, lr, s: descent(g, w0, lr, s)[:-1] + [0.0], "hint() shows a recipe"),
])
def test_gradient_descent_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, EB.check_gradient_descent, answer)
    assert not ok and hint in out and "path.append" not in out and "expected 3" not in out and "expected 0" not in out


def test_gradient_descent_later_try(capsys):
    ok, out = later_verdict(capsys, EB.check_gradient_descent, lambda g, w0, lr, s: descent(g, w0, lr, s)[:-1] + [0.0])
    assert not ok and "expected" in out and "Recipe: start with path = [w0]" in out


def test_gradient_descent_not_a_function(capsys):
    ok, out = verdict(capsys, EB.check_gradient_descent, [0.0, 1.0])
    assert not ok and "expected a function, got list" in out


# --------------------------------------------------------------------------- 06: ∂L/∂x₁, two paths
def test_input_gradient_correct_and_mistakes(capsys):
    dz, dh, W1 = EB.input_gradient_parts()
    ok, out = verdict(capsys, EB.check_input_gradient, dz[0] * W1[0, 0] + dz[1] * W1[1, 0])
    assert ok and out == "✅ ∂L/∂x₁: correct\n"
    for answer, hint in [(dz[0] * W1[0, 0], "only the path through h₁"), (dz[1] * W1[1, 0], "only the path through h₂"),
                         (dz[0] * W1[0, 0] * dz[1] * W1[1, 0], "not multiplied"),
                         (dh[0] * W1[0, 0] + dh[1] * W1[1, 0], "the σ' step is missing"),
                         (dz[0] + dz[1], "each path also passes a weight"), (None, "no answer yet")]:
        ok, out = verdict(capsys, EB.check_input_gradient, answer)
        assert not ok and hint in out and "w₁₁" not in out, out
        if answer is not None:  # one number: even a later try does not show it
            ok, out = later_verdict(capsys, EB.check_input_gradient, answer)
            assert f"{dz[0] * W1[0, 0] + dz[1] * W1[1, 0]:.6g}" not in out and "Recipe:" in out


def test_input_gradient_parts_are_the_walks_numbers():
    dz, dh, W1 = EB.input_gradient_parts()
    np.testing.assert_allclose(dz, [-0.30420661, 0.2550432], rtol=1e-7)
    np.testing.assert_allclose(dh, [-1.26615193, 1.08527308], rtol=1e-7)
    np.testing.assert_array_equal(W1, [[0.5, -0.4], [0.3, 0.8]])


# ------------------------------------------------------------------------ 06: numerical gradient
def central(f, w, eps=1e-5):
    """A right answer, in the exercise's signature: the tests' own central differences."""
    return numerical_gradient(lambda: f(w), w, h=eps)


def one_sided(f, w, eps=1e-5):
    grad = np.zeros_like(w)
    base = f(w)
    for i in range(w.size):
        w[i] += eps
        grad[i] = (f(w) - base) / eps
        w[i] -= eps
    return grad


def test_numerical_gradient_correct(capsys):
    ok, out = verdict(capsys, EB.check_numerical_gradient, central)
    assert ok and out == "✅ numerical_gradient: correct — all 3 functions match their exact gradients\n"


def not_restored(f, w, eps=1e-5):
    grad = central(f, w, eps)
    w[0] += 1.0
    return grad


def half(f, w, eps=1e-5):
    return central(f, w, eps) * 2


@pytest.mark.parametrize("answer, hint", [
    (one_sided, "one-sided difference"),
    (half, "how far apart are the two nudged points"),
    (not_restored, "w was changed by the call"),
    (lambda f, w, eps=1e-5: None, "no answer yet"),
    (lambda f, w, eps=1e-5: np.zeros(2), "wrong shape"),
])
def test_numerical_gradient_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, EB.check_numerical_gradient, answer)
    assert not ok and hint in out and "2 · eps" not in out
