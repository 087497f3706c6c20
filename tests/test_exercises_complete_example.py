"""Checkers of 08_complete_example: the right answer passes, typical wrong answers get the right message."""
import numpy as np
import pandas as pd
import pytest

from nnlib.exercises import complete_example as ex

from _checks import verdict


# ---------------------------------------------------------------------------------------- one_hot
def one_hot(labels, n_classes):
    out = np.zeros((len(labels), n_classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def test_one_hot_reference():
    np.testing.assert_array_equal(ex.one_hot_reference([2, 0], 3), [[0, 0, 1], [1, 0, 0]])


@pytest.mark.parametrize("answer", [
    one_hot,
    lambda labels, n: np.eye(n)[labels],
    lambda labels, n: (np.asarray(labels)[:, None] == np.arange(n)).astype(float),
])
def test_one_hot_correct_answers_pass(capsys, answer):
    ok, out = verdict(capsys, ex.check_one_hot, answer)
    assert ok and out.startswith("✅ one_hot: correct")


def test_one_hot_stub(capsys):
    ok, out = verdict(capsys, ex.check_one_hot, lambda labels, n: None)
    assert not ok and "no answer yet" in out


def test_one_hot_transposed(capsys):
    ok, out = verdict(capsys, ex.check_one_hot, lambda labels, n: one_hot(labels, n).T)
    assert not ok and "wrong shape: expected (4, 3), got (3, 4)" in out and "transpose" in out


def test_one_hot_returning_the_labels(capsys):
    ok, out = verdict(capsys, ex.check_one_hot, lambda labels, n: np.asarray(labels))
    assert not ok and "a whole row per label" in out


def test_one_hot_off_by_one(capsys):
    ok, out = verdict(capsys, ex.check_one_hot, lambda labels, n: np.roll(one_hot(labels, n), 1, axis=1))
    assert not ok and "wrong value at index (0, 0)" in out and "np.arange(len(labels))" not in out


def test_one_hot_that_ignores_n_classes(capsys):
    ok, out = verdict(capsys, ex.check_one_hot, lambda labels, n: one_hot(labels, max(labels) + 1))
    assert not ok and "for input ([0], 3): wrong shape: expected (1, 3), got (1, 1)" in out


def test_one_hot_must_take_the_texts_list_example(capsys):
    # the text calls one_hot([2, 0], 3): a version that needs an array (labels.shape) fails there
    def needs_an_array(labels, n):
        out = np.zeros((labels.shape[0], n))
        out[np.arange(labels.shape[0]), labels] = 1.0
        return out
    ok, out = verdict(capsys, ex.check_one_hot, needs_an_array)
    assert not ok and "calling it with ([2 0], 3) raised AttributeError" in out


def test_one_hot_that_crashes(capsys):
    ok, out = verdict(capsys, ex.check_one_hot, lambda labels, n: labels.nonexistent)
    assert not ok and "raised AttributeError" in out


def test_one_hot_not_a_function(capsys):
    ok, out = verdict(capsys, ex.check_one_hot, None)
    assert not ok and "expected a function" in out


# --------------------------------------------------------------------------------------- baseline
Y = pd.Series(["a"] * 6 + ["b"] * 3 + ["c"] * 1)


def test_baseline_correct(capsys):
    ok, out = verdict(capsys, ex.check_baseline, Y.value_counts().max() / len(Y), Y)
    assert ok and out.startswith("✅ majority baseline")


def test_baseline_as_a_table_shows_it(capsys):
    """08's table shows the training rows' baseline to 3 decimals (0.442): that is right too."""
    y = pd.Series(["a"] * 42 + ["b"] * 30 + ["c"] * 23)  # 42/95 = 0.44210...
    ok, out = verdict(capsys, ex.check_baseline, 0.442, y)
    assert ok and "rounded as you wrote it" in out
    assert not verdict(capsys, ex.check_baseline, 0.443, y)[0]


@pytest.mark.parametrize("wrong, message", [
    (6, "not a fraction of the rows"),
    (60.0, "a percentage"),
    (1 / 3, "random guess"),
    (0.1, "LEAST common"),
    (0.5, "0.5 is too small"),
    ("0.6x", "expected one number"),
])
def test_baseline_wrong_answers(capsys, wrong, message):
    ok, out = verdict(capsys, ex.check_baseline, wrong, Y)
    assert not ok and message in out and "0.6" not in out  # the answer is one number: never shown


def test_baseline_of_all_rows_is_the_leak(capsys):
    # the notebook's own lesson: the baseline comes from the training rows, not from all of them
    y_all = pd.concat([Y, pd.Series(["b"] * 10)], ignore_index=True)
    y_dev = pd.concat([Y, pd.Series(["c"] * 2)], ignore_index=True)
    for rows in (y_all, y_dev):
        ok, out = verdict(capsys, ex.check_baseline, rows.value_counts().max() / len(rows), Y, (y_all, y_dev))
        assert not ok and f"the baseline of {len(rows)} rows, held-out rows included" in out
    # one array works too, and the training rows' own baseline still passes
    assert not verdict(capsys, ex.check_baseline, 0.45, Y, y_all)[0]
    assert verdict(capsys, ex.check_baseline, 0.6, Y, (y_all, y_dev))[0]


@pytest.mark.parametrize("answer, message", [
    (lambda labels, n: np.eye(n)[labels].tolist(), "expected a NumPy array, got a list"),
    (lambda labels, n: np.eye(n, dtype=int)[labels], "expected an array of floats, got dtype int64"),
])
def test_one_hot_must_be_a_float_array(capsys, answer, message):
    # the exercise asks for "a float array": lists and integer arrays are not that
    ok, out = verdict(capsys, ex.check_one_hot, answer)
    assert not ok and message in out


def test_baseline_stub(capsys):
    ok, out = verdict(capsys, ex.check_baseline, None, Y)
    assert not ok and "no answer yet" in out


# ------------------------------------------------------------------------------------------- leak
@pytest.mark.parametrize("answer", ["C", "c", " line C "])
def test_leak_correct(capsys, answer):
    ok, out = verdict(capsys, ex.check_leak, answer)
    assert ok and "imputer.transform(X)" in out


@pytest.mark.parametrize("answer, message", [
    ("A", "splits the rows first"),
    ("B", "X_train only"),
    ("D", "training rows only"),
    ("E", "only measures"),
    ("F", "one of the letters A to E"),
    (3, "expected a letter as a string"),
])
def test_leak_wrong_answers(capsys, answer, message):
    ok, out = verdict(capsys, ex.check_leak, answer)
    assert not ok and message in out and "line C" not in out


def test_leak_stub(capsys):
    ok, out = verdict(capsys, ex.check_leak, None)
    assert not ok and "no answer yet" in out
