r"""Checkers for the exercises of ``01_weights``: a weight from one example, a weighted sum, weights by design.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) and never raises; the usual mistakes get a hint
that names them.
"""
import numpy as np

from ._core import _is_stub, check_value
from ._mistakes import check_function_with_mistakes, check_value_with_mistakes

# ------------------------------------------------------------------------------------ exercise 1
#: the example the learner reads the weight from: y = w * x gave Y_SEEN for X_SEEN
X_SEEN, Y_SEEN = 1.5, -6.0


def check_weight_from_example(w):
    r"""Exercise 1: the weight of :math:`y = w x` that turns ``X_SEEN`` into ``Y_SEEN`` (:math:`w = y / x`)."""
    expected = Y_SEEN / X_SEEN
    mistakes = [
        (-expected, "look at the signs: a positive input gave a negative output, so the weight is negative"),
        (X_SEEN * Y_SEEN, "that is x times y; solve y = w · x for w by dividing both sides by x"),
        (X_SEEN / Y_SEEN, "that is x / y, upside down: w = y / x"),
    ]
    return check_value_with_mistakes(w, expected, mistakes, name="weight from one example",
                                     hint="y = w · x: which number times 1.5 gives −6?")


# ------------------------------------------------------------------------------------ exercise 2
#: (x, w) pairs the learner's weighted_sum is called with: plain lists work too
WEIGHTED_SUM_INPUTS = [
    (np.array([1.0, 0.5, -1.0]), np.array([2.0, -1.0, 0.5])),
    (np.array([3.0]), np.array([-2.0])),
    (np.array([0.0, 0.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0, 4.0])),
    (np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 0.0, -0.25, 1.0])),
]


def weighted_sum_reference(x, w):
    r""":math:`\sum_i w_i x_i` as a plain float."""
    return float(np.dot(w, x))


def check_weighted_sum(weighted_sum):
    r"""Exercise 2: ``weighted_sum(x, w)`` returns the one number :math:`\sum_i w_i x_i`."""
    mistakes = [
        (lambda x, w: np.asarray(w) * np.asarray(x),
         "those are the products w_i · x_i, one per input; the neuron adds them up into one number"),
        (lambda x, w: float(np.sum(x) * np.sum(w)),
         "that multiplies the sum of the inputs by the sum of the weights; pair each input with ITS weight"),
        (lambda x, w: float(np.sum(x) + np.sum(w)),
         "that adds inputs and weights; multiply each input by its weight, then add the products"),
        (lambda x, w: float(np.asarray(w)[-1] * np.asarray(x)[-1]),
         "only the last product is left: add to the total inside the loop (total = total + ...), "
         "and start total = 0 before it"),
    ]
    return check_function_with_mistakes(
        weighted_sum, weighted_sum_reference, WEIGHTED_SUM_INPUTS, mistakes, name="weighted_sum",
        hint="start with total = 0, then for each i add w[i] * x[i]; return total")


# ------------------------------------------------------------------------------------ exercise 3
#: the neuron to design: y grows by 2 per unit of x1, ignores x2, falls by 1 per unit of x3
DESIGNED_WEIGHTS = np.array([2.0, 0.0, -1.0])


def check_designed_weights(w):
    """Exercise 3: the three weights that make ``y = 2·x1 - x3``, whatever ``x2`` is."""
    name = "designed weights"
    hint = "each weight is how much y changes when its input grows by 1, the others kept still"
    given = None if _is_stub(w) else np.asarray(w, dtype=object)
    if given is not None and given.shape == (3,):
        try:
            w1, w2, w3 = (float(v) for v in given)
        except (TypeError, ValueError):
            w1 = w2 = w3 = None
        if w2 is not None and not np.isclose(w2, 0.0):
            hint = "y must not change at all when x2 changes: which weight makes an input count for nothing?"
        elif w3 is not None and np.isclose(w3, 1.0):
            hint = "y must go DOWN when x3 grows: that takes a negative weight"
        elif w1 is not None and np.isclose(w1, 0.5):
            hint = "y grows by 2 for each unit of x1, so w1 multiplies x1 by 2"
    elif given is not None:
        hint = "give three weights, one per input, e.g. np.array([w1, w2, w3])"
    return check_value(w, DESIGNED_WEIGHTS, name=name, hint=hint)
