r"""Checkers for the exercises of ``01_weights``: a weight from one example, a weighted sum, weights by design.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) and never raises; the usual mistakes get a hint
that names them, and each exercise's recipe (how to get there) comes on a later try or from ``hint()``.
"""
import numpy as np

from ._core import _direction, _fmt, _is_stub, _kind_problem, no_answer, recipe, report
from ._mistakes import check_function_with_mistakes, check_value_with_mistakes

# ------------------------------------------------------------------------------------ exercise 1
#: the example the learner reads the weight from: y = w * x gave Y_SEEN for X_SEEN
X_SEEN, Y_SEEN = 1.5, -6.0


def check_weight_from_example(w):
    r"""Exercise 1: the weight of :math:`y = w x` that turns ``X_SEEN`` into ``Y_SEEN`` (:math:`w = y / x`)."""
    expected = Y_SEEN / X_SEEN
    mistakes = [
        (-expected, "look at the signs: a positive input gave a negative output, so the weight is negative"),
        (X_SEEN * Y_SEEN, "that multiplies x and y; w is the number that x is multiplied BY to give y"),
        (X_SEEN / Y_SEEN, "upside down: that divides x by y"),
    ]
    return check_value_with_mistakes(w, expected, mistakes, name=EX1)


EX1 = "weight from one example"
recipe(EX1, "y = w · x: which number times 1.5 gives −6? Divide both sides of y = w · x by x")


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
         "only the last product is left: the loop replaces the total instead of adding to it"),
    ]
    return check_function_with_mistakes(weighted_sum, weighted_sum_reference, WEIGHTED_SUM_INPUTS, mistakes,
                                        name="weighted_sum")


recipe("weighted_sum", "start with total = 0, then for each i add w[i] * x[i] to it; return total")


# ------------------------------------------------------------------------------------ exercise 3
#: the neuron to design: y grows by 2 per unit of x1, ignores x2, falls by 1 per unit of x3
DESIGNED_WEIGHTS = np.array([2.0, 0.0, -1.0])


def check_designed_weights(w):
    """Exercise 3: the three weights that make ``y = 2·x1 - x3``, whatever ``x2`` is.

    A wrong weight is named as the text names it, w1 to w3 (not by its 0-based index).
    """
    name = "designed weights"
    if _is_stub(w):
        return no_answer(name)
    kind = _kind_problem(w, True)
    if kind is not None:
        return report(False, name, kind[0], kind[1])
    given = np.asarray(w)
    if given.dtype.kind not in "biuf" or given.shape != (3,):
        return report(False, name, f"expected three numbers, got {_fmt(w)} of shape {given.shape}",
                      "give three weights, one per input, in the order w1, w2, w3")
    hints = {
        1: "y grows by 2 for each unit of x1: how much does w1 · x1 grow when x1 grows by 1?",
        2: "y must not change at all when x2 changes: which weight makes an input count for nothing?",
        3: "y must go DOWN when x3 grows: that takes a negative weight",
    }
    wrong = [i for i in range(3) if not np.isclose(float(given[i]), DESIGNED_WEIGHTS[i])]
    if not wrong:
        return report(True, name, "y = 2·x1 + 0·x2 − 1·x3")
    i = wrong[0]
    others = f" (and {', '.join(f'w{j + 1}' for j in wrong[1:])})" if len(wrong) > 1 else ""
    return report(False, name, f"w{i + 1} = {_fmt(given[i])} {_direction(DESIGNED_WEIGHTS[i], given[i])}{others}",
                  hints[i + 1])


recipe("designed weights", "each weight is how much y changes when its input grows by 1, the others kept still")
