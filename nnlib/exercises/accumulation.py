r"""Checkers for the exercises of ``07_gradient_accumulation``: a correctly scaled accumulation loop, the
per-token mean loss from per-micro-batch means, and the scale of an incomplete last group.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) and never raises; the usual mistakes get a hint
that names them, and each exercise's recipe comes on a later try or from ``hint()``.
"""
import numpy as np

import nnlib

from .. import accumulation as acc
from ..numpy_nn import CrossEntropyLoss
from ._core import NO_RETURN, _is_stub, compare_arrays, later_try, no_answer, recipe, report
from ._mistakes import _matches, check_function_with_mistakes, check_value_with_mistakes

# ------------------------------------------------------------------------------------ exercise 1
#: (rows N, micro-batches k) the learner's accumulated_gradient is called with; 10 and 7 rows split unequally
ACCUMULATION_CASES = [(12, 3), (10, 4), (7, 3), (9, 1)]


def _net(seed=0):
    layers = [nnlib.Dense(3, 5, activation="tanh"), nnlib.Dense(5, 2)]
    return nnlib.Sequential(layers, backend="numpy", seed=seed).net


def check_accumulated_gradient(accumulated_gradient):
    r"""Exercise 1: ``accumulated_gradient(net, loss_fn, X, y, k)`` clears the gradients, runs the k micro-batches
    of :func:`nnlib.accumulation.split_sizes` each scaled by :math:`n_j/N`, and returns the gradients
    (a list of arrays in ``net.parameters()`` order), which must equal the full batch's.

    The check fills every ``param.grad`` with leftovers from an imaginary earlier step before calling
    it: the function must clear them itself.
    """
    name = "accumulated_gradient"
    hint = None
    if not callable(accumulated_gradient):
        return report(False, name, f"expected a function, got {type(accumulated_gradient).__name__}")
    reveal = later_try(name)
    for n, k in ACCUMULATION_CASES:
        X, y = acc.make_batch(n, 3, 2, seed=n)
        net, loss_fn = _net(), CrossEntropyLoss()
        expected = acc.full_batch_gradients(net, loss_fn, X, y)
        sizes = acc.split_sizes(n, k)
        wrong = {rule: acc.accumulate_gradients(net, loss_fn, X, y, sizes, rule) for rule in ("mean_of_means", "sum")}
        for p in net.parameters():
            p.grad += 1.0  # leftovers of an earlier step
        where = f"N = {n} rows in k = {k} micro-batches {sizes}"
        try:
            given = accumulated_gradient(net, loss_fn, X.copy(), y.copy(), k)
        except Exception as exc:  # the learner's bug must not stop the notebook
            return report(False, name, f"for {where}: it raised {type(exc).__name__}: {exc}", hint)
        if _is_stub(given):
            return no_answer(name, NO_RETURN)
        if not isinstance(given, (list, tuple)) or len(given) != len(expected):
            return report(False, name, f"expected a list of {len(expected)} arrays [dW1, db1, dW2, db2], got "
                          f"{type(given).__name__}{'' if not hasattr(given, '__len__') else f' of length {len(given)}'}",
                          "return one gradient per parameter, in the order of net.parameters(), as a list")
        for i, (g, e) in enumerate(zip(given, expected)):
            problem = compare_arrays(g, e, rtol=1e-7, atol=1e-10, reveal=reveal)
            if problem is None:
                continue
            mistakes = [
                ([e_ + 1.0 for e_ in expected], "the leftovers of the previous step were still in param.grad: "
                                                "gradients add up until they are cleared"),
                (wrong["sum"], "the micro-batch gradients were added without scaling: the sum is about k times "
                               "too large"),
                (wrong["mean_of_means"], "each micro-batch was scaled by 1/k: right only when all micro-batches "
                                         "have the same size"),
                ([w_ + 1.0 for w_ in wrong["sum"]], "two things: the old gradients were not cleared, "
                                                    "and the micro-batch gradients were not scaled"),
            ]
            hint_here = next((h for bad, h in mistakes if all(_matches(a, b) for a, b in zip(given, bad))), hint)
            return report(False, name, f"for {where}: parameter {i} ({'weight' if i % 2 == 0 else 'bias'} of layer "
                          f"{i // 2 + 1}): {problem}", hint_here)
    return report(True, name, f"equals the full-batch gradient in all {len(ACCUMULATION_CASES)} cases, "
                  "equal and unequal micro-batches")


recipe("accumulated_gradient", "net.zero_grad() first; for each micro-batch of split_sizes(N, k): forward, loss, "
                               "then backward with the loss's gradient scaled by n_j / N; finally copy every p.grad")


# ------------------------------------------------------------------------------------ exercise 2
#: (per-micro-batch mean losses, tokens in each micro-batch) the learner's token_mean_loss is called with
TOKEN_INPUTS = [
    (np.array([2.0, 1.0]), np.array([10, 30])),
    (np.array([0.5, 1.5, 3.0]), np.array([100, 20, 5])),
    (np.array([1.2, 1.2, 1.2]), np.array([7, 1, 12])),
    (np.array([4.0]), np.array([9])),
    (np.array([3.0, 1.0, 2.0, 0.5]), np.array([4, 4, 4, 4])),
]


def token_mean_reference(means, counts):
    r""":math:`\sum_j c_j m_j / \sum_j c_j`: every token counts once."""
    return acc.weighted_mean(means, counts)


def check_token_mean_loss(token_mean_loss):
    r"""Exercise 2: ``token_mean_loss(means, counts)`` returns the mean loss per token of the whole batch from the
    micro-batches' mean losses ``means`` and their token counts ``counts``."""
    m = lambda means, counts: np.asarray(means, dtype=float)  # noqa: E731
    c = lambda means, counts: np.asarray(counts, dtype=float)  # noqa: E731
    mistakes = [
        (lambda means, counts: float(np.mean(m(means, counts))),
         "that is the mean of the micro-batch means: every micro-batch counts the same, however many tokens it "
         "holds (the 2024 bug)"),
        (lambda means, counts: float(np.sum(m(means, counts) * c(means, counts))),
         "that is the total loss of all tokens; divide it by the total number of tokens"),
        (lambda means, counts: float(np.sum(m(means, counts)) / np.sum(c(means, counts))),
         "each mean is already divided by its own count: adding means is not adding losses"),
        (lambda means, counts: m(means, counts) * c(means, counts) / np.sum(c(means, counts)),
         "those are the weighted parts, one per micro-batch; the loss is their sum, one number"),
    ]
    return check_function_with_mistakes(token_mean_loss, token_mean_reference, TOKEN_INPUTS, mistakes,
                                        name="token_mean_loss")


recipe("token_mean_loss", "turn each mean back into its micro-batch's total loss (a mean times its count), add "
                          "them, and divide by the total number of tokens")


# ------------------------------------------------------------------------------------ exercise 3
#: the loop of exercise 3: micro-batches of ROWS rows, a step after every K of them, N_MICRO in the epoch
ROWS, K, N_MICRO = 8, 4, 11


def last_group_scale_reference():
    """The factor for each micro-batch of the last, incomplete group: its rows over the group's rows."""
    last = acc.step_groups(N_MICRO, K)[-1]
    return ROWS / (ROWS * len(last))


def check_last_group_scale(scale):
    r"""Exercise 3: the scale of each micro-batch in the last group of :data:`N_MICRO` micro-batches of :data:`ROWS`
    rows, stepped every :data:`K` (that group holds only ``N_MICRO % K`` micro-batches)."""
    expected = last_group_scale_reference()
    mistakes = [
        (1 / K, f"1/k = 1/{K} assumes a full group of {K} micro-batches, but the last group has only "
                f"{N_MICRO % K}: its step would be too small"),
        (1 / N_MICRO, "the scale is per optimizer step: the rows of this group count, not of the whole epoch"),
        (ROWS * (N_MICRO % K), "that is the number of rows in the group; the scale is one micro-batch's share of them"),
        (1.0, "that is the scale of a group with ONE micro-batch; how many are in the last group?"),
        (1 / (N_MICRO % K - 1), "count the micro-batches left over for the last group again"),
    ]
    return check_value_with_mistakes(scale, expected, mistakes, name="last_group_scale")


recipe("last_group_scale", "count the micro-batches left over for the last group; each one's share of that "
                           "group's rows, n_j / (rows in this group), is its scale")
