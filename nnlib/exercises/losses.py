r"""Checkers for the exercises of ``05_losses``: MSE and its slope from scratch, a cross-entropy that never
overflows, and the right loss for four tasks.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) and never raises; the usual mistakes get a hint
that names them, and each exercise's recipe comes on a later try or from ``hint()``.
"""
import warnings

import numpy as np

from .. import names
from ..numpy_nn import CrossEntropyLoss, MSELoss
from ._core import _is_stub, no_answer, recipe, report
from ._mistakes import check_function_with_mistakes

# ------------------------------------------------------------------------------------ exercise 1
#: (prediction, target) pairs the learner's mse and mse_gradient are called with
MSE_INPUTS = [
    (np.array([2.5, 0.0, 2.0]), np.array([3.0, -0.5, 2.0])),
    (np.array([1.0]), np.array([4.0])),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 2.0], [5.0, 1.0]])),
    (np.array([-1.0, 1.0, 0.5, 2.0]), np.array([1.0, 1.0, 0.5, -2.0])),
]


def mse_reference(prediction, target):
    r"""nnlib's :math:`\frac1N \sum (p - t)^2`."""
    return MSELoss().value(np.asarray(prediction, dtype=float), np.asarray(target, dtype=float))


def mse_gradient_reference(prediction, target):
    r"""nnlib's :math:`\frac2N (p - t)`, shaped like the prediction."""
    return MSELoss().gradient(np.asarray(prediction, dtype=float), np.asarray(target, dtype=float))


def check_mse(mse):
    r"""Exercise 1a: ``mse(prediction, target)`` returns the one number :math:`\frac1N \sum_i (p_i - t_i)^2`."""
    d = lambda p, t: np.asarray(p, dtype=float) - np.asarray(t, dtype=float)  # noqa: E731
    mistakes = [
        (lambda p, t: float(np.sum(d(p, t) ** 2)), "that is the SUM of the squared errors; divide by how many there are (the mean)"),
        (lambda p, t: float(np.mean(np.abs(d(p, t)))), "that is the mean ABSOLUTE error (MAE); square each error instead"),
        (lambda p, t: float(np.mean(d(p, t))), "the errors were averaged without squaring: +1 and −1 cancel out"),
        (lambda p, t: float(np.sqrt(np.mean(d(p, t) ** 2))), "that is the root of the MSE (RMSE); leave out the square root"),
        (lambda p, t: d(p, t) ** 2, "those are the squared errors, one per element; the loss is their mean, one number"),
        (lambda p, t: float(np.sum(d(p, t) ** 2) / len(d(p, t))),
         "that divides by the number of ROWS (len); for a 2-D prediction the mean is over all its entries"),
    ]
    return check_function_with_mistakes(mse, mse_reference, MSE_INPUTS, mistakes, name="mse")


recipe("mse", "square each error prediction − target, then take the mean of the squares")


def check_mse_gradient(mse_gradient):
    r"""Exercise 1b: ``mse_gradient(prediction, target)`` returns :math:`\frac2N (p - t)`, shaped like the prediction."""
    d = lambda p, t: np.asarray(p, dtype=float) - np.asarray(t, dtype=float)  # noqa: E731
    mistakes = [
        (lambda p, t: d(p, t) / d(p, t).size, "the 2 from the square is missing: the slope of e² is 2e"),
        (lambda p, t: 2 * d(p, t), "the slope of the MEAN has a 1/N too: each element counts for 1/N of the loss"),
        (lambda p, t: d(p, t), "two factors are missing: one from the square and one from the mean"),
        (lambda p, t: -2 * d(p, t) / d(p, t).size, "the sign is flipped: a prediction above its target must get a positive slope"),
        (lambda p, t: 2 * d(p, t) / len(d(p, t)),
         "that divides by the number of ROWS (len); N counts every entry of a 2-D prediction"),
        (lambda p, t: float(np.sum(2 * d(p, t) / d(p, t).size)),
         "the slope has one entry per prediction (the same shape as prediction), not one number"),
    ]
    return check_function_with_mistakes(mse_gradient, mse_gradient_reference, MSE_INPUTS, mistakes,
                                        name="mse_gradient", array=True)


recipe("mse_gradient", "the slope of (p − t)² is 2(p − t), and the mean divides each term by N = prediction.size")


# ------------------------------------------------------------------------------------ exercise 2
#: (logits, target class) pairs: small logits first, then logits that overflow the naive formula, then a
#: target class so far below the largest logit that its probability is 0 in floating point
CROSS_ENTROPY_INPUTS = [
    (np.array([2.0, 1.0, 0.0]), 0),
    (np.array([0.0, 0.0, 0.0, 0.0]), 3),
    (np.array([-1.0, 3.0, 0.5]), 2),
    (np.array([1000.0, 500.0, -1000.0]), 1),
    (np.array([-800.0, -805.0, -790.0]), 0),
    # a class far below the largest logit: its probability underflows to 0, so -log(softmax) gives inf
    (np.array([1000.0, -1000.0, 0.0]), 1),
]


def cross_entropy_reference(logits, target):
    r"""nnlib's :math:`-\log \text{softmax}(z)_t` for one row of logits."""
    return CrossEntropyLoss().value(np.asarray(logits, dtype=float)[None, :], np.array([int(target)]))


def _logsumexp(z):
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))


def check_stable_cross_entropy(cross_entropy):
    r"""Exercise 2: ``cross_entropy(logits, target)`` is :math:`-z_t + \log\sum_j e^{z_j}` and stays finite for
    logits in the thousands (the log-sum-exp trick)."""
    z_ = lambda z: np.asarray(z, dtype=float)  # noqa: E731
    mistakes = [
        (lambda z, t: float(-z_(z)[t] + np.log(np.sum(np.exp(z_(z) - np.max(z_(z)))))),
         "the largest logit m was subtracted inside the exponent but not added back"),
        (lambda z, t: float(z_(z)[t] - _logsumexp(z_(z))),
         "that is log p_t, a negative number; the loss is MINUS the log-probability"),
        (lambda z, t: float(np.exp(z_(z)[t] - _logsumexp(z_(z)))),
         "that is the probability p_t itself; the loss is −log p_t"),
        (lambda z, t: float(-z_(z)[t]), "the log Σ e^z part is missing"),
        (_softmax_then_log,
         "that computes the probability p_t first and takes its log after: for a class far below the largest "
         "logit p_t underflows to 0 and −log 0 = ∞. Stay in logs: the formula never forms p_t"),
    ]
    # a naive version overflows: its warnings would clutter the check's one line
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return check_function_with_mistakes(
            cross_entropy, cross_entropy_reference, CROSS_ENTROPY_INPUTS, mistakes, name="cross_entropy")


recipe("cross_entropy", "e^1000 overflows: m = the largest logit; L = −z_t + m + log Σ e^(z − m), written as it "
                        "stands (np.max, np.exp, np.sum, np.log)")


def _softmax_then_log(z, t):
    """The near miss: a stable softmax, then the log of one probability (inf when it underflows to 0)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return float(-np.log((e / e.sum())[t]))


# ------------------------------------------------------------------------------------ exercise 3
#: each task, the losses that fit it (canonical names) and the hint for a wrong choice
LOSS_TASKS = {
    "temperature": ({"mse"}, "clean measurements of a number, and a big error should count much more than a "
                             "small one: that is what squaring does"),
    "spam": ({"binary_cross_entropy_with_logits"}, "two classes, and the network gives ONE raw logit (no sigmoid): "
                                                   "the binary cross-entropy that takes logits"),
    "digit": ({"cross_entropy"}, "one class out of ten, ten logits: softmax + negative log-likelihood"),
    "delivery": ({"huber", "mae"}, "a number, but some records are wildly wrong: squared errors would let those few "
                                   "pull the whole fit; pick a loss whose slope stays bounded far away"),
}


def check_loss_choice(loss_for):
    """Exercise 3: ``loss_for`` maps each task in :data:`LOSS_TASKS` to the name of a loss (aliases count)."""
    name = "loss choice"
    if _is_stub(loss_for):
        return no_answer(name)
    if not isinstance(loss_for, dict):
        return report(False, name, f"expected a dict {{task: loss name}}, got {type(loss_for).__name__}",
                      "keep the dictionary of the cell and fill in its values")
    for task, (accepted, hint) in LOSS_TASKS.items():
        given = loss_for.get(task)
        if task not in loss_for:
            return report(False, name, f"the task {task!r} is missing from the dictionary", "keep all four keys")
        if _is_stub(given):
            return no_answer(name, f"no answer yet for {task!r}")
        try:
            canonical = names.loss_name(given)
        except (TypeError, ValueError):
            return report(False, name, f"{task!r}: {given!r} is not a loss nnlib knows",
                          f"choose one of {sorted(names.LOSSES)}")
        if canonical not in accepted:
            return report(False, name, f"{task!r}: {given!r} is not the best fit", hint)
    return report(True, name, f"all {len(LOSS_TASKS)} tasks have a fitting loss")


recipe("loss choice", "first ask: a number or a class? For a number: are there wild records? For classes: "
                      "how many, and does the network end in logits or probabilities?")
