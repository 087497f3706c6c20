r"""Checkers for the exercises of ``02_bias``: a neuron with a bias, its decision threshold, a bias by design.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) and never raises; the usual mistakes get a hint
that names them, and each exercise's recipe comes on a later try or from ``hint()``.
"""
import numpy as np

from ._core import recipe
from ._mistakes import check_function_with_mistakes, check_value_with_mistakes

# ------------------------------------------------------------------------------------ exercise 1
#: (x, w, b) the learner's neuron is called with
NEURON_INPUTS = [
    (np.array([1.0, 0.5, -1.0]), np.array([2.0, -1.0, 0.5]), 0.75),
    (np.array([0.0, 0.0]), np.array([3.0, -2.0]), -1.5),
    (np.array([2.0]), np.array([1.5]), 4.0),
    (np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 0.0, -0.25, 1.0]), -2.0),
]


def neuron_reference(x, w, b):
    r""":math:`y = \sum_i w_i x_i + b` as a plain float."""
    return float(np.dot(w, x) + b)


def check_neuron(neuron):
    r"""Exercise 1: ``neuron(x, w, b)`` returns :math:`\sum_i w_i x_i + b`."""
    mistakes = [
        (lambda x, w, b: float(np.dot(w, x)),
         "that is the weighted sum without the bias: add b at the end"),
        (lambda x, w, b: float(np.dot(w, x) + len(x) * b),
         "b was added once per input; the bias is added ONCE, after the sum"),
        (lambda x, w, b: float(np.dot(w, x) - b),
         "the bias is added, not subtracted"),
        (lambda x, w, b: np.asarray(w) * np.asarray(x) + b,
         "those are the products w_i · x_i (plus b), one per input; add the products up into one number first"),
    ]
    return check_function_with_mistakes(neuron, neuron_reference, NEURON_INPUTS, mistakes, name="neuron")


recipe("neuron", "the weighted sum of exercise 2 in 01 (or np.dot(w, x)), plus b")


# ------------------------------------------------------------------------------------ exercise 2
#: (w, b) pairs the learner's threshold is called with (w is never 0)
THRESHOLD_INPUTS = [(1.0, -4.0), (2.0, -3.0), (-0.5, 1.0), (1.5, 6.0), (4.0, 0.0)]


def threshold_reference(w, b):
    r"""The input where :math:`w x + b = 0`: :math:`x = -b / w`."""
    return -b / w


def check_threshold(threshold):
    r"""Exercise 2: ``threshold(w, b)`` returns the input x where :math:`\sigma(wx + b) = 0.5`, i.e. :math:`-b/w`."""
    mistakes = [
        (lambda w, b: b / w, "the sign is flipped: what happens to b when it moves to the other side of "
                             "w·x + b = 0?"),
        (lambda w, b: -w / b, "upside down: which of w and b multiplies x?"),
        (lambda w, b: -b, "that works only for w = 1: the weight is missing"),
        (lambda w, b: 0.5, "0.5 is the neuron's OUTPUT at the threshold; the threshold is the INPUT x that gives it"),
    ]
    return check_function_with_mistakes(threshold, threshold_reference, THRESHOLD_INPUTS, mistakes,
                                        name="threshold")


recipe("threshold", "σ(z) = 0.5 exactly when z = 0: solve w·x + b = 0 for x")


# ------------------------------------------------------------------------------------ exercise 3
#: the neuron to tune: weight W_GIVEN, and it should start saying "pass" at THRESHOLD_WANTED hours
W_GIVEN, THRESHOLD_WANTED = 0.5, 6.0


def check_bias_for_threshold(b):
    r"""Exercise 3: the bias that puts the threshold of :math:`\sigma(0.5\,x + b)` at 6 hours: :math:`b = -w x = -3`."""
    expected = -W_GIVEN * THRESHOLD_WANTED
    mistakes = [
        (-expected, "with that sign the threshold is at −6 hours: at x = 6, w·x + b must be 0"),
        (THRESHOLD_WANTED, "6 is where the threshold should be (an input), not the bias"),
        (-THRESHOLD_WANTED, "that would be right for w = 1; here w = 0.5"),
        (-THRESHOLD_WANTED / W_GIVEN, "you divided by w; in w·6 + b = 0, w multiplies the 6"),
    ]
    return check_value_with_mistakes(b, expected, mistakes, name=EX3)


EX3 = "bias for a threshold at 6 h"
recipe(EX3, "the threshold is where w·x + b = 0; put in w = 0.5 and x = 6 and solve for b")
