"""Checkers of 03_weighted_input: the right answer passes, the usual wrong ones get their own hint."""
import numpy as np
import pytest

from nnlib.exercises import weighted_input as ex

from _checks import later_verdict, verdict


def test_one_neuron(capsys):
    assert verdict(capsys, ex.check_one_neuron, 1.0)[0]
    assert verdict(capsys, ex.check_one_neuron, np.float64(1.0))[0]
    for wrong, words in [(None, "no answer yet"), (-1.0, "the bias is missing"), (0.8, "first neuron"),
                         (np.array([1.0, 1.0, -3.0]), "adds them up"), (3.0, "3 is too large")]:
        ok, out = verdict(capsys, ex.check_one_neuron, wrong)
        # never the answer (1) nor the code (w @ x + b) on a first try
        assert not ok and words in out and "expected 1" not in out and "w @ x" not in out


RIGHT_SHAPES = ((32, 5), (4, 5), (4,), (32, 4), 24)


def test_shapes_right_answer(capsys):
    ok, out = verdict(capsys, ex.check_shapes, *RIGHT_SHAPES)
    assert ok and "24 parameters" in out
    assert verdict(capsys, ex.check_shapes, [32, 5], [4, 5], [4], [32, 4], np.int64(24))[0]


@pytest.mark.parametrize("position, wrong, words", [
    (0, None, "no answer yet for shape_X"),
    (0, (5, 32), "shape_X: (5, 32) is not it"),
    (1, (5, 4), "shape of Wᵀ"),
    (2, (32, 4), "stored once"),
    (2, 4, "shape_b: expected a shape, a tuple of whole numbers, got 4"),
    (3, (4, 32), "rows and columns are swapped"),
    # 20 IS a whole number: the message says what is wrong with it (today it said "expected a whole number")
    (4, 20, "n_params: 20 is too small"),
    (4, 20, "the biases are parameters too"),
    (4, 21, "one bias per NEURON"),
    (4, 768, "batch size does not multiply"),
    (4, 24.5, "expected a whole number (an int), got 24.5"),
])
def test_shapes_wrong_answers(capsys, position, wrong, words):
    answers = list(RIGHT_SHAPES)
    answers[position] = wrong
    ok, out = verdict(capsys, ex.check_shapes, *answers)
    assert not ok and words in out
    # the shapes are the answer: never printed, not even on a later try
    ok, out = later_verdict(capsys, ex.check_shapes, *answers)
    assert not ok and "(32, 5)" not in out.replace("(5, 32)", "") and "expected a shape like" not in out


def test_dense_forward_columns(capsys):
    ok, out = verdict(capsys, ex.check_dense_forward_columns, lambda X, W, b: X.T @ W.T + b)
    assert ok and "all 4 test inputs" in out
    assert verdict(capsys, ex.check_dense_forward_columns, lambda X, W, b: (W @ X).T + b)[0]
    assert verdict(capsys, ex.check_dense_forward_columns, lambda X, W, b: np.einsum("kn,jk->nj", X, W) + b)[0]


@pytest.mark.parametrize("wrong, words", [
    (lambda X, W, b: None, "no answer yet"),
    (lambda X, W, b: W @ X + b[:, None], "one row per NEURON"),
    (lambda X, W, b: X.T @ W.T, "the bias is missing"),
    (lambda X, W, b: (W @ X + b).T, "b is added along the wrong axis"),  # the transpose hint, followed halfway
    (lambda X, W, b: W @ X, "Zᵀ without the bias"),
    (lambda X, W, b: X.T @ W + b, "one COLUMN per neuron"),
    (lambda X, W, b: X @ W.T + b, "one COLUMN per sample"),
    (lambda X, W, b: X.T @ W.T - b, "wrong value at index (0, 0)"),
    (lambda X, W, b: 1 / 0, "ZeroDivisionError"),
    ("X.T @ W.T + b", "expected a function"),
])
def test_dense_forward_columns_wrong_answers(capsys, wrong, words):
    ok, out = verdict(capsys, ex.check_dense_forward_columns, wrong)
    assert not ok and words in out and "X_cols.T" not in out


def test_square_shapes_catch_a_missing_transpose(capsys):
    # products that fit only when a size repeats: one test input has them, so they still fail
    def w_as_stored(X, W, b):
        return X.T @ W + b if W.shape[0] == W.shape[1] else X.T @ W.T + b

    def bias_on_the_wrong_axis(X, W, b):
        return (W @ X + b).T if X.shape[1] == W.shape[0] else X.T @ W.T + b
    for wrong in (w_as_stored, bias_on_the_wrong_axis):
        ok, out = verdict(capsys, ex.check_dense_forward_columns, wrong)
        assert not ok and "wrong value" in out
