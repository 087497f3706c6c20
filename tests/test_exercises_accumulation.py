"""Checkers of 07_gradient_accumulation: the right answer passes, typical wrong answers get the right message."""
import numpy as np
import pytest

from nnlib import accumulation as acc
from nnlib.exercises import accumulation as EA

from _checks import verdict


# --------------------------------------------------------------- exercise 1: the accumulation loop
def _loop(zero=True, scale="rows"):
    """An accumulation loop as a learner might write it, right or with one of the usual mistakes."""
    def accumulated_gradient(net, loss_fn, X, y, k):
        if zero:
            net.zero_grad()
        n = len(X)
        for Xj, yj in acc.split(X, y, acc.split_sizes(n, k)):
            loss_fn(net(Xj), yj)
            factor = {"rows": len(Xj) / n, "k": 1 / k, "none": 1.0}[scale]
            net.backward(loss_fn.backward() * factor)
        return [p.grad.copy() for p in net.parameters()]
    return accumulated_gradient


def test_accumulation_loop_correct(capsys):
    ok, out = verdict(capsys, EA.check_accumulated_gradient, _loop())
    assert ok and out.startswith("✅ accumulated_gradient: correct")


@pytest.mark.parametrize("answer, hint", [
    (_loop(zero=False), "gradients add up until they are cleared"),
    (_loop(scale="k"), "scaled by 1/k: right only when all micro-batches have the same size"),
    (_loop(scale="none"), "added without scaling"),
    (_loop(zero=False, scale="none"), "two things"),
    (lambda net, loss_fn, X, y, k: None, "no answer yet"),
    (lambda net, loss_fn, X, y, k: [p.grad for p in net.parameters()][:2], "a list of 4 arrays"),
    (lambda net, loss_fn, X, y, k: X[k], "a list of 4 arrays"),
    (lambda net, loss_fn, X, y, k: 1 / 0, "raised ZeroDivisionError"),
    ("not a function", "expected a function"),
])
def test_accumulation_loop_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, EA.check_accumulated_gradient, answer)
    assert not ok and out.startswith("❌ Not yet — accumulated_gradient:") and hint in out, out


def test_mean_of_means_is_caught_on_an_unequal_split(capsys):
    # the 1/k loop passes the equal split (12 rows in 3) and must fail on 10 rows in 4
    ok, out = verdict(capsys, EA.check_accumulated_gradient, _loop(scale="k"))
    assert not ok and "N = 10 rows in k = 4 micro-batches [2, 3, 2, 3]" in out


# --------------------------------------------------------------- exercise 2: the per-token mean
def test_token_mean_correct(capsys):
    ok, out = verdict(capsys, EA.check_token_mean_loss, lambda m, c: np.sum(m * c) / np.sum(c))
    assert ok and out == "✅ token_mean_loss: correct — all 5 test inputs match\n"


@pytest.mark.parametrize("answer, hint", [
    (lambda m, c: np.mean(m), "mean of the micro-batch means"),
    (lambda m, c: np.sum(m * c), "divide it by the total number of tokens"),
    (lambda m, c: np.sum(m) / np.sum(c), "adding means is not adding losses"),
    (lambda m, c: m * c / np.sum(c), "their sum, one number"),
    (lambda m, c: None, "no answer yet"),
])
def test_token_mean_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, EA.check_token_mean_loss, answer)
    assert not ok and hint in out, out


def test_token_mean_reference_weights_by_count():
    assert EA.token_mean_reference([2.0, 1.0], [10, 30]) == pytest.approx(1.25)


# --------------------------------------------------------------- exercise 3: the last group's scale
def test_last_group_scale(capsys):
    # 8 rows of a 24-row group (11 micro-batches, a step after every 4: 3 are left for the last step)
    assert EA.last_group_scale_reference() == 1 / 3
    ok, out = verdict(capsys, EA.check_last_group_scale, 8 / 24)
    assert ok and out.startswith("✅ last_group_scale: correct")
    # the answer as the notebook would show it, rounded: right; too few digits or rounded wrongly: not
    assert verdict(capsys, EA.check_last_group_scale, 0.333)[0]
    assert not verdict(capsys, EA.check_last_group_scale, 0.33)[0]
    assert not verdict(capsys, EA.check_last_group_scale, 0.334)[0]


@pytest.mark.parametrize("answer, hint", [
    (1 / 4, "assumes a full group of 4"),
    (1 / 11, "not of the whole epoch"),
    (24, "number of rows in the group"),
    (1 / 2, "count the micro-batches left over"),
    (1.0, "a group with ONE micro-batch"),
    (None, "no answer yet"),
])
def test_last_group_scale_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, EA.check_last_group_scale, answer)
    assert not ok and hint in out and "0.333" not in out and "8 / 24" not in out, out
