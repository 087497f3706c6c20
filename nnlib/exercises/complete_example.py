"""Checkers for the exercises of ``08_complete_example``: one-hot labels, the majority baseline, a leak.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) through :mod:`nnlib.exercises._core` and never
raises, whatever the learner wrote. The common wrong answers get a hint that names the mistake; the
recipe comes on a later try or from ``hint()``.
"""
import numpy as np

from ..datasets import majority_accuracy
from ._core import _direction, _is_stub, check_function, check_value, no_answer, recipe, report

# ------------------------------------------------------------------------------------ exercise 1
#: (labels, n_classes) the learner's one_hot is called with; the first is shown when the shape is wrong
ONE_HOT_INPUTS = [
    (np.array([2, 0, 1, 1]), 3),
    (np.array([0]), 3),
    (np.array([1, 1, 0]), 2),
    (np.array([4, 0, 3]), 5),
    ([2, 0], 3),  # the text's example: a plain list of labels
]
ONE_HOT_HINT = recipe("one_hot", "start from np.zeros((len(labels), n_classes)) and put a 1 in row i, column "
                                 "labels[i] (np.arange(len(labels)) numbers the rows)")


def one_hot_reference(labels, n_classes):
    """Row ``i`` of the identity matrix of size ``n_classes`` for each label ``i``: shape (n, n_classes)."""
    return np.eye(n_classes)[np.asarray(labels)]


def check_one_hot(one_hot):
    """Exercise 1: ``one_hot(labels, n_classes)`` returns the (n, n_classes) one-hot rows, a float array."""
    hint = None
    labels, n_classes = ONE_HOT_INPUTS[0]
    try:
        first = np.asarray(one_hot(labels.copy(), n_classes)) if callable(one_hot) else None
    except Exception:  # reported by check_function below, with the input that failed
        first = None
    if first is not None and first.shape == (n_classes, len(labels)):
        hint = ("you built the transpose: one ROW per label and one COLUMN per class, "
                "shape (len(labels), n_classes)")
    elif first is not None and first.shape == (len(labels),):
        hint = "that is one number per label; one-hot needs a whole row per label, shape (len(labels), n_classes)"
    return check_function(one_hot, one_hot_reference, ONE_HOT_INPUTS, name="one_hot", hint=hint, array="float")


# ------------------------------------------------------------------------------------ exercise 2
BASELINE_HINT = recipe("majority baseline", "count each label with .value_counts(); the most common label's "
                                            "count, divided by the number of rows")


def check_baseline(baseline, y, y_all=()):
    """Exercise 2: ``baseline`` is the accuracy of always answering the most common label of ``y`` (the
    training rows), measured on those rows.

    ``y_all``, the labels of more rows than the training rows (all rows; training and validation rows;
    one array or a tuple of them), lets the check recognise the leak the notebook warns about: a
    baseline computed from rows that include held-out ones.
    """
    name = "majority baseline"
    if _is_stub(baseline):
        return no_answer(name)
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    expected = majority_accuracy(y)
    try:
        value = float(baseline)
    except (TypeError, ValueError):
        return report(False, name, f"expected one number between 0 and 1, got {type(baseline).__name__}")
    wrong = {
        float(counts.max()): "that is how many rows have the most common label, not a fraction of the rows",
        100 * expected: "that is a percentage; give a fraction between 0 and 1",
        1 / len(labels): "that is a random guess among the classes; the baseline always answers the MOST COMMON class",
        counts.min() / counts.sum(): "that is the share of the LEAST common class",
    }
    for rows in (y_all if isinstance(y_all, (tuple, list)) else (y_all,)):
        if len(rows) != len(y):
            wrong[majority_accuracy(rows)] = (
                f"that is the baseline of {len(rows)} rows, held-out rows included: the leak this notebook warns "
                "about. The baseline that a model trained on the training rows is compared with comes from "
                "those rows only")
    for candidate, hint in wrong.items():
        if not np.isclose(candidate, expected, rtol=1e-4) and np.isclose(value, candidate, rtol=1e-4):
            return report(False, name, f"{value:.4g} {_direction(expected, value)}", hint)
    return check_value(value, expected, name=name, rtol=1e-4)


# ------------------------------------------------------------------------------------ exercise 3
LEAK_ANSWER = "C"
#: why each other line of the listing is fine, shown when it is chosen
NOT_THE_LEAK = {
    "A": "line A splits the rows first, which is what makes a leak-free evaluation possible",
    "B": "line B fits the imputer on X_train only: the medians come from training rows",
    "D": "line D trains the model on the training rows only",
    "E": "line E only measures: it fits nothing. But look at where the scaler it uses learned its mu and sigma",
}


def check_leak(answer):
    """Exercise 3: which line of the listing lets the test rows leak into training (a letter)."""
    name = "spot the leak"
    hint = None
    if _is_stub(answer):
        return no_answer(name)
    if not isinstance(answer, str):
        return report(False, name, f"expected a letter as a string such as \"A\", got {type(answer).__name__} {answer!r}",
                      "put the letter in quotes")
    letter = answer.strip().upper().removeprefix("LINE").strip()
    if letter == LEAK_ANSWER:
        return report(True, name, "line C fits the scaler on imputer.transform(X), all rows, so its mu and sigma "
                                  "already contain the test rows")
    if letter in NOT_THE_LEAK:
        return report(False, name, f"{NOT_THE_LEAK[letter]}", hint)
    return report(False, name, f"expected one of the letters A to E, got {answer!r}", hint)


recipe("spot the leak", "look for a .fit(...) that sees X (all rows) instead of X_train")
