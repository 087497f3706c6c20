"""Checkers of 04_activations: the right answer passes, the usual wrong ones get their own hint."""
import numpy as np
import pytest

from nnlib.exercises import activations as ex

from _checks import later_verdict, verdict


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_sigmoid_derivative(capsys):
    assert verdict(capsys, ex.check_sigmoid_derivative, lambda x: sigmoid(x) * (1 - sigmoid(x)))[0]
    assert verdict(capsys, ex.check_sigmoid_derivative, lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2)[0]


@pytest.mark.parametrize("wrong, words", [
    (lambda x: None, "no answer yet"),
    (sigmoid, "that is the sigmoid itself"),
    (lambda x: x * (1 - x), "sigmoid's OUTPUT"),
    (lambda x: sigmoid(x) * (1 + sigmoid(x)), "check the formula"),
    (lambda x: float(sigmoid(x) * (1 - sigmoid(x))), "raised TypeError"),
    (lambda x: 0.25 * np.ones_like(x), "wrong value at index (0,)"),
])
def test_sigmoid_derivative_wrong_answers(capsys, wrong, words):
    ok, out = verdict(capsys, ex.check_sigmoid_derivative, wrong)
    assert not ok and words in out and "s * (1 - s)" not in out


def test_sigmoid_derivative_recipe_on_a_later_try(capsys):
    ok, out = later_verdict(capsys, ex.check_sigmoid_derivative, lambda x: 0.25 * np.ones_like(x))
    assert not ok and "Recipe: compute s = sigmoid(x) first" in out and "expected" in out


def collapse3(W1, b1, W2, b2, W3, b3):
    return W3 @ W2 @ W1, W3 @ (W2 @ b1 + b2) + b3


def test_collapse3(capsys):
    ok, out = verdict(capsys, ex.check_collapse3, collapse3)
    assert ok and "all 3 stacks" in out

    def twice(W1, b1, W2, b2, W3, b3):  # collapse two layers, then that one with the third
        W12, b12 = W2 @ W1, W2 @ b1 + b2
        return [np.dot(W3, W12), b3 + np.dot(W3, b12)]
    assert verdict(capsys, ex.check_collapse3, twice)[0]


@pytest.mark.parametrize("wrong, words", [
    (lambda W1, b1, W2, b2, W3, b3: None, "no answer yet"),
    (lambda W1, b1, W2, b2, W3, b3: (W1 @ W2 @ W3, collapse3(W1, b1, W2, b2, W3, b3)[1]), "do not agree"),
    (lambda W1, b1, W2, b2, W3, b3: (W3 @ W2 @ W1, W3 @ W2 @ b1 + b3), "b2 is missing, or it did not pass"),
    (lambda W1, b1, W2, b2, W3, b3: (W3 @ W2 @ W1, W3 @ (W2 @ b1 + b2)), "b3 is missing"),
    (lambda W1, b1, W2, b2, W3, b3: (W3 @ W2 @ W1, W3 @ b2 + b3), "b1 is missing"),
    (lambda W1, b1, W2, b2, W3, b3: (W3 @ W2 @ W1, b3), "follow a bias through the layers"),
    (lambda W1, b1, W2, b2, W3, b3: W3 @ W2 @ W1, "expected two results (W, b)"),
    (lambda W1, b1, W2, b2, W3, b3: (W2 @ W1, collapse3(W1, b1, W2, b2, W3, b3)[1]), "W: wrong shape"),
    (lambda W1, b1, W2, b2, W3, b3: (W3 @ W2 @ W1 + 1, collapse3(W1, b1, W2, b2, W3, b3)[1]), "W: wrong value"),
    (None, "expected a function"),
])
def test_collapse3_wrong_answers(capsys, wrong, words):
    ok, out = verdict(capsys, ex.check_collapse3, wrong)
    assert not ok and words in out and "W3 @ W2 @ W1" not in out


def test_collapse3_order_and_biases_on_square_layers(capsys):
    # where all layers are square the shapes allow a reversed order and plain bias sums: still caught
    def reversed_order(W1, b1, W2, b2, W3, b3):
        W = W1 @ W2 @ W3 if W1.shape == W2.shape == W3.shape else W3 @ W2 @ W1
        return W, collapse3(W1, b1, W2, b2, W3, b3)[1]

    def biases_added(W1, b1, W2, b2, W3, b3):
        b = b1 + b2 + b3 if b1.shape == b2.shape == b3.shape else collapse3(W1, b1, W2, b2, W3, b3)[1]
        return W3 @ W2 @ W1, b
    ok, out = verdict(capsys, ex.check_collapse3, reversed_order)
    assert not ok and "the order is reversed" in out
    ok, out = verdict(capsys, ex.check_collapse3, biases_added)
    assert not ok and "pass through the weights of the layers after them" in out


def test_collapse3_adding_biases_of_different_sizes_is_not_blamed_on_a_product(capsys):
    ok, out = verdict(capsys, ex.check_collapse3, lambda W1, b1, W2, b2, W3, b3: (W3 @ W2 @ W1, b1 + b2 + b3))
    assert not ok and "vectors of different lengths" in out and "inner sizes of a product" not in out


def test_vanishing_bound(capsys):
    assert verdict(capsys, ex.check_vanishing_bound, 0.25 ** 20)[0]
    assert verdict(capsys, ex.check_vanishing_bound, np.prod(np.full(20, 0.25)))[0]


@pytest.mark.parametrize("wrong, words", [
    (None, "no answer yet"),
    (5.0, "the chain rule MULTIPLIES"),
    (4.0 ** 20, "the fraction that is left"),   # "the largest factor it can shrink by" read as 4**20
    (0.25 ** 10, "0.25 for 10 layers"),
    (0.5 ** 20, "0.5 is σ(0), the sigmoid's value"),  # σ(0) in place of σ'(0): the same number as 0.25**10
    (1.0, "not 1"),
    (0.0, "0 is not it"),   # only a relative tolerance rejects 0 for a tiny answer
    (0.25 ** 21, "count the factors again"),
    (1e-12, "is too large"),
    ("tiny", "expected numbers"),
])
def test_vanishing_bound_wrong_answers(capsys, wrong, words):
    ok, out = verdict(capsys, ex.check_vanishing_bound, wrong)
    assert not ok and words in out and "9.09" not in out and "0.25 ** 20" not in out
    if wrong is not None:  # the answer is one number: not even a later try shows it
        ok, out = later_verdict(capsys, ex.check_vanishing_bound, wrong)
        assert not ok and "9.09" not in out and "Recipe:" in out
