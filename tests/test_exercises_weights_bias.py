"""Checkers of 01_weights and 02_bias: the right answer passes, typical wrong answers get the right message."""
import numpy as np
import pytest

from nnlib.exercises import bias as B
from nnlib.exercises import weights as W
from nnlib.exercises._mistakes import check_function_with_mistakes, check_value_with_mistakes

from _checks import later_verdict, verdict


# ------------------------------------------------------------------------------- mistake helpers
def test_value_mistake_picks_its_hint_and_keeps_the_detail(capsys):
    ok, out = verdict(capsys, check_value_with_mistakes, 3.0, 2.0, [(5.0, "five"), (3.0, "three")],
                  name="n", hint="default")
    assert not ok and out == "❌ Not yet — n: 3 is too large. Hint: three.\n"


def test_value_mistake_equal_to_the_answer_is_ignored(capsys):
    ok, out = verdict(capsys, check_value_with_mistakes, 2.0, 2.0, [(2.0, "not a mistake")], name="n", hint="h")
    assert ok and out == "✅ n: correct\n"


def test_function_mistake_needs_every_answered_input_to_match(capsys):
    inputs = [(1.0,), (2.0,)]
    # right on input 1, wrong on input 2 in the way the mistake predicts: the mistake's hint
    ok, out = verdict(capsys, check_function_with_mistakes, lambda x: x * x, lambda x: x, inputs,
                  [(lambda x: x * x, "squared")], name="f", hint="default")
    assert not ok and "for input (2): 4 is too large" in out and "Hint: squared" in out
    # the mistake explains only one input: the default hint
    ok, out = verdict(capsys, check_function_with_mistakes, lambda x: 4.0, lambda x: x, inputs,
                  [(lambda x: x * x, "squared")], name="f", hint="default")
    assert not ok and "Hint: default" in out


def test_function_mistake_skips_inputs_where_the_code_crashes(capsys):
    inputs = [(2.0,), (0.0,)]
    ok, out = verdict(capsys, check_function_with_mistakes, lambda x: 1 / x, lambda x: x, inputs,
                  [(lambda x: 1 / x, "reciprocal")], name="f", hint="default")
    assert not ok and "Hint: reciprocal" in out


# -------------------------------------------------------------------------- 01: weight from example
def test_weight_from_example_correct(capsys):
    ok, out = verdict(capsys, W.check_weight_from_example, -6.0 / 1.5)
    assert ok and out.startswith("✅ weight from one example: correct")


@pytest.mark.parametrize("answer, detail, hint", [
    (4.0, "4 has the wrong sign", "the weight is negative"),
    (-9.0, "-9 is too small", "multiplies x and y"),
    (-0.25, "-0.25 is too large", "upside down"),
    (7.0, "7 has the wrong sign", "hint() shows a recipe"),
])
def test_weight_from_example_mistakes(capsys, answer, detail, hint):
    ok, out = verdict(capsys, W.check_weight_from_example, answer)
    # a first try hears what is wrong, never the answer -4 or the recipe
    assert not ok and detail in out and hint in out and "-4" not in out and "both sides" not in out


def test_weight_from_example_recipe_comes_on_a_later_try(capsys):
    ok, out = later_verdict(capsys, W.check_weight_from_example, 7.0)
    assert not ok and "Recipe: y = w · x: which number times 1.5 gives −6?" in out and "-4" not in out


def test_weight_from_example_stub_and_text(capsys):
    ok, out = verdict(capsys, W.check_weight_from_example, None)
    assert not ok and "no answer yet" in out
    ok, out = verdict(capsys, W.check_weight_from_example, "minus four")
    assert not ok and "expected numbers, got str" in out


# ----------------------------------------------------------------------------- 01: weighted_sum
def loop_sum(x, w):
    total = 0.0
    for i in range(len(x)):
        total = total + w[i] * x[i]
    return total


@pytest.mark.parametrize("answer", [loop_sum, lambda x, w: np.dot(w, x), lambda x, w: sum(w * x),
                                    lambda x, w: float(np.asarray(x) @ np.asarray(w))])
def test_weighted_sum_correct(capsys, answer):
    ok, out = verdict(capsys, W.check_weighted_sum, answer)
    assert ok and out == "✅ weighted_sum: correct — all 4 test inputs match\n"


def overwrite_sum(x, w):
    total = 0.0
    for i in range(len(x)):
        total = w[i] * x[i]  # = instead of +=
    return total


@pytest.mark.parametrize("answer, detail, hint", [
    (lambda x, w: w * x, "wrong shape: expected (), got (3,)", "those are the products"),
    (lambda x, w: np.sum(x) * np.sum(w), "0.75 is too small", "pair each input with ITS weight"),
    (lambda x, w: np.sum(x) + np.sum(w), "2 is too large", "that adds inputs and weights"),
    (overwrite_sum, "-0.5 has the wrong sign", "only the last product is left"),
    (lambda x, w: np.dot(w, x) + 1, "2 is too large", "hint() shows a recipe"),
])
def test_weighted_sum_mistakes(capsys, answer, detail, hint):
    ok, out = verdict(capsys, W.check_weighted_sum, answer)
    assert not ok and detail in out and hint in out and "expected 1" not in out and "total = 0" not in out


def test_weighted_sum_later_try_shows_the_expected_value_and_the_recipe(capsys):
    ok, out = later_verdict(capsys, W.check_weighted_sum, lambda x, w: np.dot(w, x) + 1)
    assert not ok and "expected 1, got 2" in out and "Recipe: start with total = 0" in out


def test_weighted_sum_stub_and_crash(capsys):
    ok, out = verdict(capsys, W.check_weighted_sum, lambda x, w: None)
    assert not ok and "no answer yet: the function returns None" in out
    ok, out = verdict(capsys, W.check_weighted_sum, lambda x, w: x[3] * w[3])
    assert not ok and "raised IndexError" in out
    ok, out = verdict(capsys, W.check_weighted_sum, None)
    assert not ok and "expected a function, got NoneType" in out


# ------------------------------------------------------------------------------ 01: design weights
@pytest.mark.parametrize("answer", [np.array([2.0, 0.0, -1.0]), np.array([2, 0, -1]), np.array([2.0, -0.0, -1.0])])
def test_designed_weights_correct(capsys, answer):
    ok, out = verdict(capsys, W.check_designed_weights, answer)
    assert ok and out.startswith("✅ designed weights: correct")


@pytest.mark.parametrize("answer, detail, hint", [
    # the weights are named w1..w3 as in the text, not by their 0-based index
    ([2.0, 1.0, -1.0], "w2 = 1 is too large", "count for nothing"),
    ([2.0, 0.0, 1.0], "w3 = 1 has the wrong sign", "negative weight"),
    ([0.5, 0.0, -1.0], "w1 = 0.5 is too small", "y grows by 2 for each unit of x1"),
    ([[2.0, 0.0, -1.0]], "expected three numbers", "one per input"),
    ([2.0, -1.0], "expected three numbers", "one per input"),
    ([3.0, 0.0, 1.0], "w1 = 3 is too large (and w3)", "grows by 2"),
])
def test_designed_weights_mistakes(capsys, answer, detail, hint):
    ok, out = verdict(capsys, W.check_designed_weights, np.array(answer))
    assert not ok and detail in out and hint in out and "index" not in out


def test_designed_weights_list_is_not_the_array_asked_for(capsys):
    ok, out = verdict(capsys, W.check_designed_weights, [2.0, 0.0, -1.0])
    assert not ok and "expected a NumPy array, got a list" in out and "np.array(" in out


def test_designed_weights_stub_and_junk(capsys):
    ok, out = verdict(capsys, W.check_designed_weights, None)
    assert not ok and out == "❌ Not yet — designed weights: no answer yet.\n"
    ok, out = verdict(capsys, W.check_designed_weights, np.array(["a", "b", "c"]))
    assert not ok and "expected three numbers" in out


# ----------------------------------------------------------------------------------- 02: neuron
@pytest.mark.parametrize("answer", [lambda x, w, b: np.dot(w, x) + b, lambda x, w, b: loop_sum(x, w) + b])
def test_neuron_correct(capsys, answer):
    ok, out = verdict(capsys, B.check_neuron, answer)
    assert ok and out == "✅ neuron: correct — all 4 test inputs match\n"


@pytest.mark.parametrize("answer, detail, hint", [
    (lambda x, w, b: np.dot(w, x), "1 is too small", "without the bias"),
    (lambda x, w, b: np.sum(w * x + b), "3.25 is too large", "added ONCE"),
    (lambda x, w, b: np.dot(w, x) - b, "0.25 is too small", "not subtracted"),
    (lambda x, w, b: w * x + b, "wrong shape: expected (), got (3,)", "add the products up"),
    (lambda x, w, b: np.dot(w, x) * b, "0.75 is too small", "hint() shows a recipe"),
])
def test_neuron_mistakes(capsys, answer, detail, hint):
    ok, out = verdict(capsys, B.check_neuron, answer)
    assert not ok and detail in out and hint in out


def test_neuron_stub(capsys):
    ok, out = verdict(capsys, B.check_neuron, lambda x, w, b: None)
    assert not ok and "no answer yet" in out


# -------------------------------------------------------------------------------- 02: threshold
def test_threshold_correct(capsys):
    ok, out = verdict(capsys, B.check_threshold, lambda w, b: -b / w)
    assert ok and out == "✅ threshold: correct — all 5 test inputs match\n"


@pytest.mark.parametrize("answer, detail, hint", [
    (lambda w, b: b / w, "for input (1, -4): -4 has the wrong sign", "the sign is flipped"),
    (lambda w, b: -w / b, "for input (1, -4): 0.25 is too small", "upside down"),
    (lambda w, b: -b, "for input (2, -3): 3 is too large", "only for w = 1"),
    (lambda w, b: 0.5, "0.5 is too small", "0.5 is the neuron's OUTPUT"),
    (lambda w, b: w / b, "-0.25 has the wrong sign", "hint() shows a recipe"),
])
def test_threshold_mistakes(capsys, answer, detail, hint):
    ok, out = verdict(capsys, B.check_threshold, answer)
    assert not ok and detail in out and hint in out and "-b / w" not in out and "−b/w" not in out


# ------------------------------------------------------------------------------ 02: choose a bias
def test_bias_for_threshold_correct(capsys):
    ok, out = verdict(capsys, B.check_bias_for_threshold, -3.0)
    assert ok and out == "✅ bias for a threshold at 6 h: correct\n"


@pytest.mark.parametrize("answer, hint", [
    (3.0, "threshold is at −6 hours"),
    (6.0, "not the bias"),
    (-6.0, "right for w = 1"),
    (-12.0, "you divided by w"),
    (1.0, "hint() shows a recipe"),
])
def test_bias_for_threshold_mistakes(capsys, answer, hint):
    ok, out = verdict(capsys, B.check_bias_for_threshold, answer)
    assert not ok and hint in out and "-3" not in out and "−w · 6" not in out


def test_bias_for_threshold_later_try_gets_the_recipe_not_the_value(capsys):
    ok, out = later_verdict(capsys, B.check_bias_for_threshold, 1.0)
    assert not ok and "Recipe: the threshold is where w·x + b = 0" in out and "-3" not in out


def test_bias_for_threshold_really_puts_the_threshold_at_6():
    from nnlib.plots.neuron import decision_threshold

    assert decision_threshold(B.W_GIVEN, -B.W_GIVEN * B.THRESHOLD_WANTED) == B.THRESHOLD_WANTED
