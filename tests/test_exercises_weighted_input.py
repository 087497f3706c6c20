"""Checkers of 03_weighted_input: the right answer passes, the usual wrong ones get their own hint."""
import numpy as np
import pytest

from nnlib.exercises import weighted_input as ex

from _checks import verdict


def test_one_neuron(capsys):
    assert verdict(capsys, ex.check_one_neuron, 1.0)[0]
    assert verdict(capsys, ex.check_one_neuron, np.float64(1.0))[0]
    for wrong, words in [(None, "no answer yet"), (-1.0, "bias b = 2 is missing"), (0.8, "first neuron"),
                         (np.array([1.0, 1.0, -3.0]), "adds them up"), (3.0, "expected 1, got 3")]:
        ok, out = verdict(capsys, ex.check_one_neuron, wrong)
        assert not ok and words in out


RIGHT_SHAPES = ((32, 5), (4, 5), (4,), (32, 4), 24)


def test_shapes_right_answer(capsys):
    ok, out = verdict(capsys, ex.check_shapes, *RIGHT_SHAPES)
    assert ok and "24 parameters" in out
    assert verdict(capsys, ex.check_shapes, [32, 5], [4, 5], [4], [32, 4], np.int64(24))[0]


@pytest.mark.parametrize("position, wrong, words", [
    (0, None, "shape_X: no answer yet"),
    (0, (5, 32), "shape_X: expected a shape like (32, 5)"),
    (1, (5, 4), "shape of Wᵀ"),
    (2, (32, 4), "stored once"),
    (2, 4, "shape_b: expected a shape like (4,), got 4"),
    (3, (4, 32), "one column per neuron"),
    (4, 20, "the 4 biases are parameters too"),
    (4, 768, "batch size does not multiply"),
    (4, 24.5, "expected a whole number"),
])
def test_shapes_wrong_answers(capsys, position, wrong, words):
    answers = list(RIGHT_SHAPES)
    answers[position] = wrong
    ok, out = verdict(capsys, ex.check_shapes, *answers)
    assert not ok and words in out


def test_dense_forward(capsys):
    ok, out = verdict(capsys, ex.check_dense_forward, lambda X, W, b: X @ W.T + b)
    assert ok and "all 4 test inputs" in out
    assert verdict(capsys, ex.check_dense_forward, lambda X, W, b: np.einsum("nk,jk->nj", X, W) + b)[0]


@pytest.mark.parametrize("wrong, words", [
    (lambda X, W, b: None, "no answer yet"),
    (lambda X, W, b: X @ W + b, "transpose W"),
    (lambda X, W, b: X @ W.T, "bias is missing"),
    (lambda X, W, b: W @ X.T + b[:, None], "that is W @ X.T"),
    (lambda X, W, b: X @ W.T - b, "wrong value at index (0, 0)"),
    (lambda X, W, b: 1 / 0, "ZeroDivisionError"),
    ("X @ W.T + b", "expected a function"),
])
def test_dense_forward_wrong_answers(capsys, wrong, words):
    ok, out = verdict(capsys, ex.check_dense_forward, wrong)
    assert not ok and words in out


def test_square_weights_catch_a_missing_transpose(capsys):
    # X @ W fits whenever W is square; the check must still fail it (one test input has n_in = n_out)
    def forgot_transpose(X, W, b):
        return X @ W + b if W.shape[0] == W.shape[1] else X @ W.T + b
    ok, out = verdict(capsys, ex.check_dense_forward, forgot_transpose)
    assert not ok and "wrong value" in out
