r"""Checkers for the exercises of ``06_backprop``: gradient descent as a loop, the chain rule along two paths,
and a gradient check by central differences.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) and never raises; the usual mistakes get a hint
that names them, and each exercise's recipe comes on a later try or from ``hint()``.
"""
import numpy as np

from .. import backprop_by_hand as backprop
from ._core import NO_RETURN, _is_stub, compare_arrays, later_try, no_answer, recipe, report
from ._mistakes import _matches, check_value_with_mistakes

# ------------------------------------------------------------------------------------ exercise 1
#: (description, gradient, w0, learning_rate, steps) the learner's gradient_descent is called with
DESCENT_CASES = [
    ("L(w) = (w − 3)², from w0 = 0 with η = 0.1, 5 steps", lambda w: 2.0 * (w - 3.0), 0.0, 0.1, 5),
    ("L(w) = w⁴/4, from w0 = 2 with η = 0.05, 4 steps", lambda w: w ** 3, 2.0, 0.05, 4),
    ("L(w) = 5w (a constant slope), from w0 = 1 with η = 0.5, 3 steps", lambda w: 5.0, 1.0, 0.5, 3),
]


def descent_reference(gradient, w0, learning_rate, steps, sign=-1.0, rate=None, keep_start=True):
    """The positions of gradient descent, start included; the keyword arguments build the typical mistakes."""
    rate = learning_rate if rate is None else rate
    w, path = float(w0), [float(w0)]
    for _ in range(steps):
        w = w + sign * rate * gradient(w)
        path.append(w)
    return np.array(path if keep_start else path[1:])


def check_gradient_descent(gradient_descent):
    r"""Exercise 1: ``gradient_descent(gradient, w0, learning_rate, steps)`` returns the ``steps + 1``
    positions :math:`w_0, w_1, \dots` of :math:`w_{k+1} = w_k - \eta\, L'(w_k)`."""
    name = "gradient_descent"
    hint = None
    if not callable(gradient_descent):
        return report(False, name, f"expected a function, got {type(gradient_descent).__name__}")
    reveal = later_try(name)
    for description, gradient, w0, rate, steps in DESCENT_CASES:
        try:
            given = gradient_descent(gradient, w0, rate, steps)
        except Exception as exc:  # the learner's bug must not stop the notebook
            return report(False, name, f"for {description}: it raised {type(exc).__name__}: {exc}")
        if _is_stub(given):
            return no_answer(name, NO_RETURN)
        expected = descent_reference(gradient, w0, rate, steps)
        problem = compare_arrays(given, expected, reveal=reveal)
        if problem is None:
            continue
        mistakes = [
            (descent_reference(gradient, w0, rate, steps, sign=+1.0),
             "the walk goes uphill: the step must go AGAINST the slope"),
            (descent_reference(gradient, w0, rate, steps, rate=1.0), "the steps are too long: the learning rate is missing"),
            (descent_reference(gradient, w0, rate, steps, keep_start=False),
             "the start w0 is missing: the list begins with w0, then one position per step"),
            (expected[-1], "return every position (a list), not only the last one"),
        ]
        hint_here = next((h for wrong, h in mistakes if _matches(given, wrong)), hint)
        return report(False, name, f"for {description}: {problem}", hint_here)
    return report(True, name, f"all {len(DESCENT_CASES)} walks match")


recipe("gradient_descent", "start with path = [w0]; in a loop of `steps` rounds take one step "
                           "w_{k+1} = w_k − η L'(w_k), then append the new w")


# ------------------------------------------------------------------------------------ exercise 2
def input_gradient_parts():
    r"""What :math:`\partial L/\partial x_1` is made of, for the walk's network and example:
    ``dz`` (:math:`\partial L/\partial z_j`, (2,)), ``dh`` (:math:`\partial L/\partial h_j`, (2,)) and ``W1``."""
    params, x, t = backprop.example_network()
    grads = backprop.backward(params, backprop.forward(params, x[None, :]), np.array([[t]]))
    return grads["dZ1"][0], grads["dH"][0], params["W1"]


def check_input_gradient(dL_dx1):
    r"""Exercise 2: :math:`\partial L/\partial x_1 = \frac{\partial L}{\partial z_1} w_{11} + \frac{\partial L}{\partial z_2} w_{21}`:
    :math:`x_1` reaches the loss along two paths, and their contributions add."""
    dz, dh, W1 = input_gradient_parts()
    paths = dz * W1[:, 0]
    mistakes = [
        (paths[0], "that is only the path through h₁; x₁ also feeds h₂, and the two paths ADD"),
        (paths[1], "that is only the path through h₂; x₁ also feeds h₁, and the two paths ADD"),
        (paths[0] * paths[1], "the two paths are added, not multiplied (multiply ALONG a path, add ACROSS paths)"),
        (float(dh @ W1[:, 0]), "the σ' step is missing: each path also passes the sigmoid's slope"),
        (float(dz.sum()), "each path also passes a weight: ∂z_j/∂x₁ = w_j1"),
    ]
    return check_value_with_mistakes(dL_dx1, float(paths.sum()), mistakes, name="∂L/∂x₁")


recipe("∂L/∂x₁", "follow each path from x₁ to the loss and multiply along it; add the two paths: "
                 "∂L/∂z₁·w₁₁ + ∂L/∂z₂·w₂₁, with ∂L/∂z from the walk above")


# ------------------------------------------------------------------------------------ exercise 3
#: (description, f, its exact gradient, w) the learner's numerical_gradient is called with
NUMERICAL_CASES = [
    ("f(w) = Σ w³ at w = [1, −2, 0.5]", lambda w: float(np.sum(w ** 3)), lambda w: 3 * w ** 2,
     np.array([1.0, -2.0, 0.5])),
    ("f(w) = w₀·w₁ + sin(w₂) at w = [2, 3, 1]", lambda w: float(w[0] * w[1] + np.sin(w[2])),
     lambda w: np.array([w[1], w[0], np.cos(w[2])]), np.array([2.0, 3.0, 1.0])),
    ("f(w) = exp(w₀) at w = [1.5]", lambda w: float(np.exp(w[0])), lambda w: np.exp(w), np.array([1.5])),
]


def _difference(f, w, eps, central=True, scale=2.0):
    grad = np.zeros_like(w)
    for i in range(w.size):
        up, down = w.copy(), w.copy()
        up[i] += eps
        down[i] -= eps if central else 0.0
        grad[i] = (f(up) - f(down)) / (scale * eps if central else eps)
    return grad


def check_numerical_gradient(numerical_gradient):
    r"""Exercise 3: ``numerical_gradient(f, w, eps=1e-5)`` returns :math:`(f(w + \varepsilon e_i) - f(w - \varepsilon e_i)) / 2\varepsilon`
    for every i, and leaves ``w`` as it was."""
    name = "numerical_gradient"
    hint = None
    if not callable(numerical_gradient):
        return report(False, name, f"expected a function, got {type(numerical_gradient).__name__}")
    reveal = later_try(name)
    for description, f, exact, w in NUMERICAL_CASES:
        given_w = w.copy()
        try:
            given = numerical_gradient(f, given_w)
        except Exception as exc:  # the learner's bug must not stop the notebook
            return report(False, name, f"for {description}: it raised {type(exc).__name__}: {exc}")
        if _is_stub(given):
            return no_answer(name, NO_RETURN)
        if not np.allclose(given_w, w, rtol=1e-12, atol=1e-12):  # w[i] += eps; w[i] -= eps may leave 1e-17
            return report(False, name, f"for {description}: w was changed by the call",
                          "put every w[i] back to its old value after nudging it")
        problem = compare_arrays(given, exact(w), rtol=1e-6, atol=1e-8, reveal=reveal)
        if problem is None:
            continue
        eps = 1e-5
        mistakes = [
            (_difference(f, w, eps, central=False),
             "that is a one-sided difference (f(w + eps) − f(w)) / eps, which is less exact: nudge both ways"),
            (_difference(f, w, eps, scale=1.0), "off by a factor: how far apart are the two nudged points?"),
        ]
        hint_here = next((h for wrong, h in mistakes if _matches(given, wrong, rtol=1e-7, atol=1e-9)), hint)
        return report(False, name, f"for {description}: {problem}", hint_here)
    return report(True, name, f"all {len(NUMERICAL_CASES)} functions match their exact gradients")


recipe("numerical_gradient", "for each i: nudge w[i] up by eps, then down by eps, and put it back; "
                             "(f_up − f_down) / (2 · eps)")
