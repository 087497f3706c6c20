"""Checkers of 04_activations: the right answer passes, the usual wrong ones get their own hint."""
import numpy as np
import pytest

from nnlib.exercises import activations as ex

from _checks import verdict


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
    assert not ok and words in out


def test_collapse(capsys):
    ok, out = verdict(capsys, ex.check_collapse, lambda W1, b1, W2, b2: (W2 @ W1, W2 @ b1 + b2))
    assert ok and "all 3 layer pairs" in out
    assert verdict(capsys, ex.check_collapse, lambda W1, b1, W2, b2: [np.dot(W2, W1), b2 + np.dot(W2, b1)])[0]


@pytest.mark.parametrize("wrong, words", [
    (lambda W1, b1, W2, b2: None, "no answer yet"),
    (lambda W1, b1, W2, b2: (W1 @ W2, W2 @ b1 + b2), "check the shapes"),
    (lambda W1, b1, W2, b2: (W2 @ W1, W2 @ b1), "b2 is missing"),
    (lambda W1, b1, W2, b2: (W2 @ W1, b2), "goes through layer 2"),
    (lambda W1, b1, W2, b2: W2 @ W1, "expected two results (W, b)"),
    (lambda W1, b1, W2, b2: (W2 @ W1 + 1, W2 @ b1 + b2), "W: wrong value"),
    (lambda W1, b1, W2, b2: (W1.T @ W2.T, W2 @ b1 + b2), "W: wrong shape"),
    (None, "expected a function"),
])
def test_collapse_wrong_answers(capsys, wrong, words):
    ok, out = verdict(capsys, ex.check_collapse, wrong)
    assert not ok and words in out


def test_collapse_b1_plus_b2_hint(capsys):
    # with a square layer 2 the shapes allow b1 + b2, which forgets that W2 acts on b1
    def forgot_w2(W1, b1, W2, b2):
        return W2 @ W1, (b1 + b2 if b1.shape == b2.shape else W2 @ b1 + b2)
    ok, out = verdict(capsys, ex.check_collapse, forgot_w2)
    assert not ok and "layer 2's weights act on b1 too" in out


def test_vanishing_bound(capsys):
    assert verdict(capsys, ex.check_vanishing_bound, 0.25 ** 20)[0]
    assert verdict(capsys, ex.check_vanishing_bound, np.prod(np.full(20, 0.25)))[0]


@pytest.mark.parametrize("wrong, words", [
    (None, "no answer yet"),
    (5.0, "the chain rule MULTIPLIES"),
    (0.25 ** 10, "that is for 10 layers"),
    (1.0, "not 1"),
    (0.0, "expected 9.09495e-13, got 0"),   # only a relative tolerance rejects 0 for a tiny answer
    (0.25 ** 21, "expected 9.09495e-13"),
    ("tiny", "expected numbers"),
])
def test_vanishing_bound_wrong_answers(capsys, wrong, words):
    ok, out = verdict(capsys, ex.check_vanishing_bound, wrong)
    assert not ok and words in out
