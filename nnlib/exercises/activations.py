r"""Checkers for the exercises of ``04_activations``: the sigmoid's derivative, collapsing two linear
layers into one, and the vanishing-gradient bound.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) through :mod:`nnlib.exercises._core` and never
raises, whatever the learner wrote. The usual mistakes get a hint that names them.
"""
import numpy as np

from ..numpy_nn import Sigmoid
from ._core import _is_stub, check_function, check_value, compare_arrays, report

# ------------------------------------------------------------------------------------ exercise 1
SIGMOID_INPUTS = [np.array([0.0]), np.linspace(-6.0, 6.0, 13), np.array([[-1.0, 2.0], [3.0, -4.0]])]
SIGMOID_HINT = "compute s = sigmoid(x) first, then return s * (1 - s)"


def sigmoid_derivative_reference(x):
    r""":math:`\sigma'(x) = \sigma(x)(1 - \sigma(x))`, element by element (nnlib's ``Sigmoid().derivative``)."""
    return Sigmoid().derivative(np.asarray(x, dtype=float))


def check_sigmoid_derivative(sigmoid_derivative):
    r"""Exercise 1: ``sigmoid_derivative(x)`` returns :math:`\sigma(x)(1-\sigma(x))` for any array ``x``."""
    hint = SIGMOID_HINT
    x = SIGMOID_INPUTS[1]
    try:
        got = np.asarray(sigmoid_derivative(x.copy()), dtype=float) if callable(sigmoid_derivative) else None
    except Exception:  # reported with its input by check_function below
        got = None
    if got is not None and got.shape == x.shape:
        s = Sigmoid().value(x)
        if np.allclose(got, s):
            hint = "that is the sigmoid itself; its derivative is s * (1 - s) with s = sigmoid(x)"
        elif np.allclose(got, x * (1 - x)):
            hint = "x * (1 - x) uses the input; the formula needs the sigmoid's OUTPUT: s = sigmoid(x), then s * (1 - s)"
        elif np.allclose(got, s * (1 + s)) or np.allclose(got, 1 - s):
            hint = "check the formula: s * (1 - s), a product of s and (1 - s)"
    return check_function(sigmoid_derivative, sigmoid_derivative_reference, SIGMOID_INPUTS,
                          name="sigmoid_derivative", hint=hint)


# ------------------------------------------------------------------------------------ exercise 2
def collapse_reference(W1, b1, W2, b2):
    r""":math:`W = W_2 W_1`, :math:`b = W_2 b_1 + b_2`: one layer equal to two linear layers."""
    return W2 @ W1, W2 @ b1 + b2


def _collapse_inputs():
    rng = np.random.default_rng(4)
    shapes = [(2, 8, 3), (3, 3, 3), (5, 4, 1)]  # (n_in, n_hidden, n_out)
    return [(rng.normal(size=(h, i)), rng.normal(size=h), rng.normal(size=(o, h)), rng.normal(size=o))
            for i, h, o in shapes]


COLLAPSE_INPUTS = _collapse_inputs()
COLLAPSE_HINT = "substitute layer 1 into layer 2: W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2)"


def check_collapse(collapse):
    r"""Exercise 2: ``collapse(W1, b1, W2, b2)`` returns ``(W, b)`` with :math:`W = W_2 W_1`, :math:`b = W_2 b_1 + b_2`."""
    name = "collapse"
    if not callable(collapse):
        return report(False, name, f"expected a function, got {type(collapse).__name__}", COLLAPSE_HINT)
    for W1, b1, W2, b2 in COLLAPSE_INPUTS:
        shapes = f"W1 {W1.shape}, b1 {b1.shape}, W2 {W2.shape}, b2 {b2.shape}"
        try:
            result = collapse(W1.copy(), b1.copy(), W2.copy(), b2.copy())
        except Exception as exc:  # the learner's bug must not stop the notebook
            hint = COLLAPSE_HINT
            if isinstance(exc, ValueError):
                hint = ("check the shapes: layer 1 acts first, so W = W2 @ W1 is (n_out, n_in), "
                        "and b = W2 @ b1 + b2 is (n_out,)")
            return report(False, name, f"for {shapes} it raised {type(exc).__name__}: {exc}", hint)
        if _is_stub(result):
            return report(False, name, "no answer yet: the function returns None (replace `...` with your code)",
                          COLLAPSE_HINT)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return report(False, name, f"expected two results (W, b), got {type(result).__name__}",
                          "end with: return W, b")
        W_ref, b_ref = collapse_reference(W1, b1, W2, b2)
        for label, got, ref, hint in (
            ("W", result[0], W_ref, "W = W2 @ W1: layer 1 acts first, so its matrix stands on the right"),
            ("b", result[1], b_ref, _bias_hint(result[1], W1, b1, W2, b2)),
        ):
            problem = compare_arrays(got, ref)
            if problem is not None:
                return report(False, name, f"for {shapes}, {label}: {problem}", hint)
    return report(True, name, f"all {len(COLLAPSE_INPUTS)} layer pairs collapse exactly")


def _bias_hint(b, W1, b1, W2, b2):
    for wrong, hint in ((W2 @ b1, "b2 is missing: b = W2 @ b1 + b2"),
                        (b1 + b2 if b1.shape == b2.shape else None, "layer 2's weights act on b1 too: b = W2 @ b1 + b2")):
        if wrong is not None and compare_arrays(b, wrong) is None:
            return hint
    return "layer 1's bias b1 goes through layer 2 like any input, and b2 is added after: b = W2 @ b1 + b2"


# ------------------------------------------------------------------------------------ exercise 3
SIGMOID_MAX_SLOPE = 0.25
DEPTH = 20


def check_vanishing_bound(bound_20):
    r"""Exercise 3: ``bound_20`` = :math:`(\max_x \sigma'(x))^{20} = 0.25^{20} \approx 9.1 \times 10^{-13}`."""
    expected = SIGMOID_MAX_SLOPE ** DEPTH
    hint = "each of the 20 layers multiplies the gradient by at most 0.25: 0.25 ** 20"
    if not _is_stub(bound_20) and np.ndim(bound_20) == 0:
        try:
            value = float(bound_20)
        except (TypeError, ValueError):
            value = None
        if value is not None and np.isclose(value, SIGMOID_MAX_SLOPE * DEPTH):
            hint = "0.25 * 20 adds the factor up 20 times; the chain rule MULTIPLIES: 0.25 ** 20"
        elif value is not None and np.isclose(value, SIGMOID_MAX_SLOPE ** 10, rtol=1e-6, atol=0):
            hint = "that is for 10 layers; the question asks for 20"
        elif value is not None and np.isclose(value, 1.0 ** DEPTH):
            hint = "the sigmoid's largest slope is sigma'(0) = 0.25, not 1 (see the properties table)"
    # atol=0: the answer is about 1e-12, so only a relative tolerance can tell it from 0
    return check_value(bound_20, expected, name="vanishing-gradient bound", hint=hint, atol=0.0)
