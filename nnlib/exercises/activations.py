r"""Checkers for the exercises of ``04_activations``: the sigmoid's derivative, collapsing three linear
layers into one, and the vanishing-gradient bound.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) through :mod:`nnlib.exercises._core` and never
raises, whatever the learner wrote. The usual mistakes get a hint that names them; the recipe comes on
a later try or from ``hint()``.
"""
import numpy as np

from ..numpy_nn import Sigmoid
from ._core import _direction, _fmt, _is_stub, check_function, check_value, compare_arrays, no_answer, recipe, report
from ._core import NO_RETURN, later_try

# ------------------------------------------------------------------------------------ exercise 1
SIGMOID_INPUTS = [np.array([0.0]), np.linspace(-6.0, 6.0, 13), np.array([[-1.0, 2.0], [3.0, -4.0]])]


def sigmoid_derivative_reference(x):
    r""":math:`\sigma'(x) = \sigma(x)(1 - \sigma(x))`, element by element (nnlib's ``Sigmoid().derivative``)."""
    return Sigmoid().derivative(np.asarray(x, dtype=float))


def check_sigmoid_derivative(sigmoid_derivative):
    r"""Exercise 1: ``sigmoid_derivative(x)`` returns :math:`\sigma(x)(1-\sigma(x))` for any array ``x``."""
    hint = None
    x = SIGMOID_INPUTS[1]
    try:
        got = np.asarray(sigmoid_derivative(x.copy()), dtype=float) if callable(sigmoid_derivative) else None
    except Exception:  # reported with its input by check_function below
        got = None
    if got is not None and got.shape == x.shape:
        s = Sigmoid().value(x)
        if np.allclose(got, s):
            hint = "that is the sigmoid itself, not its slope"
        elif np.allclose(got, x * (1 - x)):
            hint = "that puts the input x into the formula; the formula needs the sigmoid's OUTPUT σ(x)"
        elif np.allclose(got, s * (1 + s)) or np.allclose(got, 1 - s):
            hint = "check the formula: a product of σ(x) and (1 − σ(x))"
    return check_function(sigmoid_derivative, sigmoid_derivative_reference, SIGMOID_INPUTS,
                          name="sigmoid_derivative", hint=hint)


recipe("sigmoid_derivative", "compute s = sigmoid(x) first, then put s into the formula of the table")


# ------------------------------------------------------------------------------------ exercise 2
def collapse3_reference(W1, b1, W2, b2, W3, b3):
    r""":math:`W = W_3 W_2 W_1`, :math:`b = W_3 (W_2 b_1 + b_2) + b_3`: one layer equal to three linear layers."""
    return W3 @ W2 @ W1, W3 @ (W2 @ b1 + b2) + b3


def _collapse_inputs():
    rng = np.random.default_rng(4)
    shapes = [(2, 8, 4, 3), (3, 3, 3, 3), (5, 4, 6, 1)]  # (n_in, hidden 1, hidden 2, n_out); one all square
    return [(rng.normal(size=(h1, i)), rng.normal(size=h1), rng.normal(size=(h2, h1)), rng.normal(size=h2),
             rng.normal(size=(o, h2)), rng.normal(size=o)) for i, h1, h2, o in shapes]


COLLAPSE_INPUTS = _collapse_inputs()


def _product(*matrices):
    """The matrix product, or None where the shapes do not fit (a wrong order of non-square layers)."""
    try:
        return np.linalg.multi_dot(matrices)
    except ValueError:
        return None


def _w_hint(W, W1, W2, W3):
    for wrong, hint in ((_product(W1, W2, W3), "the order is reversed: the layer that acts first stands on the right"),
                        (_product(W3, W1, W2), "the order of the matrices is mixed up: the layer that acts first "
                                               "stands on the right"),
                        (_product(W2, W1), "layer 3 is missing from W"),
                        (_product(W3, W2), "layer 1 is missing from W")):
        if wrong is not None and wrong.shape == np.shape(W) and compare_arrays(W, wrong) is None:
            return hint
    return "W is the product of the three weight matrices, in the order the layers act"


def _b_hint(b, W1, b1, W2, b2, W3, b3):
    candidates = [
        (_product(W3, W2, b1[:, None])[:, 0] + b3, "b2 is missing, or it did not pass through layer 3: layer 3 acts on everything layer 2 gives it"),
        (W3 @ (W2 @ b1 + b2), "b3 is missing"),
        (W2 @ b1 + b2 + b3 if b2.shape == b3.shape else None, "layer 3's weights act on what layers 1 and 2 added too"),
        (b1 + b2 + b3 if b1.shape == b2.shape == b3.shape else None,
         "the biases of layers 1 and 2 pass through the weights of the layers after them"),
        (W3 @ b2 + b3, "b1 is missing: it passes through layers 2 and 3"),
    ]
    for wrong, hint in candidates:
        if wrong is not None and np.shape(wrong) == np.shape(b) and compare_arrays(b, wrong) is None:
            return hint
    return "follow a bias through the layers after it: each layer multiplies what it gets by its weights"


def check_collapse3(collapse3):
    r"""Exercise 2: ``collapse3(W1, b1, W2, b2, W3, b3)`` returns ``(W, b)`` of the one layer that computes the
    three linear layers: :math:`W = W_3 W_2 W_1`, :math:`b = W_3 (W_2 b_1 + b_2) + b_3`."""
    name = "collapse3"
    if not callable(collapse3):
        return report(False, name, f"expected a function, got {type(collapse3).__name__}")
    reveal = later_try(name)
    for args in COLLAPSE_INPUTS:
        W1, b1, W2, b2, W3, b3 = args
        shapes = f"W1 {W1.shape}, W2 {W2.shape}, W3 {W3.shape}"
        try:
            result = collapse3(*(a.copy() for a in args))
        except Exception as exc:  # the learner's bug must not stop the notebook
            hint = None
            if isinstance(exc, ValueError) and "broadcast" in str(exc):
                # an addition of vectors of different lengths, e.g. b1 + b2 + b3
                hint = ("a sum of vectors of different lengths: each bias has one number per neuron of its own "
                        "layer, and the biases of layers 1 and 2 pass through the weights of the layers after them")
            elif isinstance(exc, ValueError):
                hint = ("the inner sizes of a product do not agree: write down the shape of each matrix; "
                        "the layer that acts first stands on the right")
            return report(False, name, f"for {shapes} it raised {type(exc).__name__}: {exc}", hint)
        if _is_stub(result):
            return no_answer(name, NO_RETURN)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return report(False, name, f"expected two results (W, b), got {type(result).__name__}",
                          "return both: the weights and the bias of the one layer")
        W_ref, b_ref = collapse3_reference(*args)
        for label, got, ref, hint_of in (("W", result[0], W_ref, lambda: _w_hint(result[0], W1, W2, W3)),
                                         ("b", result[1], b_ref, lambda: _b_hint(result[1], *args))):
            problem = compare_arrays(got, ref, reveal=reveal)
            if problem is not None:
                return report(False, name, f"for {shapes}, {label}: {problem}", hint_of())
    return report(True, name, f"all {len(COLLAPSE_INPUTS)} stacks of three layers collapse exactly")


recipe("collapse3", "collapse layers 1 and 2 into one (W12, b12) as in the cell above, then collapse that "
                    "layer with layer 3 the same way")


# ------------------------------------------------------------------------------------ exercise 3
SIGMOID_MAX_SLOPE = 0.25
DEPTH = 20


def check_vanishing_bound(bound_20):
    r"""Exercise 3: ``bound_20`` = :math:`(\max_x \sigma'(x))^{20} = 0.25^{20} \approx 9.1 \times 10^{-13}`,
    the largest fraction of a gradient that can be left after 20 sigmoid layers."""
    expected = SIGMOID_MAX_SLOPE ** DEPTH
    hint = None
    if not _is_stub(bound_20) and np.ndim(bound_20) == 0:
        try:
            value = float(bound_20)
        except (TypeError, ValueError):
            value = None
        if value is None:
            pass
        elif np.isclose(value, SIGMOID_MAX_SLOPE * DEPTH):
            hint = "that adds the factor up 20 times; the chain rule MULTIPLIES the layers' factors"
        elif np.isclose(value, (1 / SIGMOID_MAX_SLOPE) ** DEPTH, rtol=1e-6, atol=0):
            hint = ("that is how many times SMALLER the gradient gets at least; the question asks for the fraction "
                    "that is left at most, a number below 1")
        elif np.isclose(value, SIGMOID_MAX_SLOPE ** 10, rtol=1e-6, atol=0):
            # 0.25**10 == 0.5**20: ten layers, or twenty with σ(0) = 0.5, the value, in place of the slope
            hint = ("that is 0.25 for 10 layers, or 0.5 for 20: 0.5 is σ(0), the sigmoid's value; each of the "
                    "20 layers multiplies by at most its largest slope σ'(0)")
        elif np.isclose(value, SIGMOID_MAX_SLOPE ** (DEPTH - 1), rtol=1e-6, atol=0) or np.isclose(
                value, SIGMOID_MAX_SLOPE ** (DEPTH + 1), rtol=1e-6, atol=0):
            hint = "count the factors again: one per layer, 20 layers"
        elif np.isclose(value, 1.0 ** DEPTH):
            hint = "the sigmoid's largest slope is not 1 (see the properties table)"
    # atol=0: the answer is about 1e-12, so only a relative tolerance can tell it from 0
    return check_value(bound_20, expected, name="vanishing-gradient bound", hint=hint, atol=0.0)


recipe("vanishing-gradient bound", "each of the 20 layers multiplies the gradient by at most σ'(0), "
                                   "the largest slope in the properties table")
