"""The generic checker: right answers pass, every kind of wrong answer gets a "not yet" line naming the
problem, and nothing a learner can write makes a check raise."""
import numpy as np
import pytest
import torch

from nnlib.exercises import check_array, check_function, check_true, check_value, hint, recipe
from nnlib.exercises._core import RECIPES, compare_arrays, is_stub, pattern, reset_tries

import _checks

NOT_YET = "❌ Not yet — "


def verdict(capsys, check, *args, **kwargs):
    """Run a check; return its verdict and its single printed line, without the newline."""
    ok, out = _checks.verdict(capsys, check, *args, **kwargs)
    return ok, out.rstrip("\n")


# ----------------------------------------------------------------------------------------- values
def test_right_value_passes(capsys):
    assert verdict(capsys, check_value, 2.5, 2.5, name="avg") == (True, "✅ avg: correct")


def test_wrong_number_says_what_is_wrong_never_the_answer(capsys):
    # a one-number exercise: its expected value IS the answer, so no try shows it
    ok, line = verdict(capsys, check_value, 10, 2.5, name="avg", hint="divide by n")
    assert not ok
    assert line == f"{NOT_YET}avg: 10 is too large. Hint: divide by n."
    assert verdict(capsys, check_value, -2.5, 2.5, name="avg")[1] == f"{NOT_YET}avg: -2.5 has the wrong sign."
    check_value(10, 2.5, name="avg")
    capsys.readouterr()
    check_value(10, 2.5, name="avg")
    assert "2.5" not in capsys.readouterr().out


@pytest.mark.parametrize("stub", [None, ...])
def test_stub_means_no_answer_yet_and_nothing_else(capsys, stub):
    # what a fresh learner notebook shows: no hint, no recipe, nothing about the answer
    recipe("avg", "add them up and divide")
    ok, line = verdict(capsys, check_value, stub, 2.5, name="avg", hint="divide by n")
    assert not ok
    assert line == f"{NOT_YET}avg: no answer yet."


# ------------------------------------------------------------------------------- stepped hints
def test_hints_come_in_steps(capsys):
    recipe("steps", "the recipe")
    reset_tries()
    check_array([1.0, 5.0], [1.0, 2.0], name="steps", hint="a diagnosis")
    check_array([1.0, 5.0], [1.0, 2.0], name="steps", hint="a diagnosis")
    check_array(None, [1.0, 2.0], name="steps")
    first, later, stub = capsys.readouterr().out.splitlines()
    assert first == f"{NOT_YET}steps: wrong value at index (1,): 5 is too large. Hint: a diagnosis. Stuck? hint() shows a recipe."
    assert later == (f"{NOT_YET}steps: wrong value at index (1,): expected 2, got 5. Hint: a diagnosis. "
                     "Recipe: the recipe")
    assert stub == f"{NOT_YET}steps: no answer yet."


def test_hint_prints_the_recipe_of_the_last_check_or_a_named_one(capsys):
    recipe("first", "recipe one")
    recipe("second", "recipe two")
    check_value(None, 1.0, name="first")
    capsys.readouterr()
    hint()
    assert capsys.readouterr().out == "💡 first: recipe one\n"
    hint("second")
    assert capsys.readouterr().out == "💡 second: recipe two\n"
    hint("nonexistent")
    assert "No recipe for 'nonexistent'" in capsys.readouterr().out and "second" in RECIPES


def test_every_topic_registers_a_recipe_for_each_of_its_checks():
    import importlib
    import inspect

    for topic in ("start_here", "weights", "bias", "weighted_input", "activations", "losses", "backprop",
                  "accumulation", "complete_example"):
        module = importlib.import_module(f"nnlib.exercises.{topic}")
        checks = [f for n, f in inspect.getmembers(module, inspect.isfunction)
                  if n.startswith("check_") and f.__module__ == module.__name__]
        assert len(checks) >= 2, topic
    assert len(RECIPES) >= 24


@pytest.mark.parametrize("given, expected, words", [
    ([-1.0, -2.0], [1.0, 2.0], "wrong sign"),
    ([2.0, 4.0], [1.0, 2.0], "same factor"),
    ([2.0, 3.0], [1.0, 2.0], "same amount"),
    ([[1.0, 3.0], [2.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]], "transpose"),
    ([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "transpose"),
    ([1.0, 7.0], [1.0, 2.0], None),
])
def test_pattern_diagnoses_a_whole_wrong_array(given, expected, words):
    found = pattern(given, expected)
    assert (found is None) if words is None else (words in found)


def test_tolerances_are_used(capsys):
    assert verdict(capsys, check_value, 1.0 + 1e-9, 1.0, name="x")[0]
    assert not verdict(capsys, check_value, 1.01, 1.0, name="x")[0]
    assert verdict(capsys, check_value, 1.01, 1.0, name="x", rtol=0.1)[0]


def test_strings_and_bools_must_be_equal_and_of_their_kind(capsys):
    assert verdict(capsys, check_value, "relu", "relu", name="act")[0]
    ok, line = verdict(capsys, check_value, "tanh", "relu", name="act")
    assert not ok and "'tanh' is not it" in line and "relu" not in line
    assert verdict(capsys, check_value, np.bool_(True), True, name="yes")[0]
    assert not verdict(capsys, check_value, 1, True, name="yes")[0]


def test_a_string_is_not_a_number(capsys):
    # np.asarray("2.5", dtype=float) is 2.5; a learner who typed quotes has not computed anything
    ok, line = verdict(capsys, check_value, "2.5", 2.5, name="avg")
    assert not ok and "expected numbers, got str" in line


@pytest.mark.parametrize("answer", [{"a": 1}, object(), [[1, 2], [3]], 1 + 2j])
def test_non_numbers_are_named(capsys, answer):
    ok, line = verdict(capsys, check_value, answer, 1.0, name="x")
    assert not ok and f"expected numbers, got {type(answer).__name__}" in line


# ----------------------------------------------------------------------------------------- arrays
def test_right_array_passes_lists_and_tensors_too(capsys):
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert verdict(capsys, check_array, expected.copy(), expected, name="Z")[0]
    assert verdict(capsys, check_array, [[1, 2], [3, 4]], expected, name="Z")[0]
    # a tensor that requires grad cannot go through np.asarray directly
    assert verdict(capsys, check_array, torch.tensor(expected, requires_grad=True), expected, name="Z")[0]


def test_wrong_shape_comes_first(capsys):
    ok, line = verdict(capsys, check_array, np.zeros((2, 3)), np.ones((3, 2)), name="Z")
    assert line == f"{NOT_YET}Z: wrong shape: expected (3, 2), got (2, 3)."


def test_wrong_value_names_the_first_wrong_index(capsys):
    expected = np.arange(6.0).reshape(2, 3)
    given = expected.copy()
    given[1, 2] = -7.0
    ok, line = verdict(capsys, check_array, given, expected, name="Z", hint="check the bias")
    assert line == f"{NOT_YET}Z: wrong value at index (1, 2): -7 has the wrong sign. Hint: check the bias."


def test_nan_in_the_answer_is_named(capsys):
    ok, line = verdict(capsys, check_array, [1.0, np.nan], [1.0, 2.0], name="p")
    assert not ok and "NaN or infinity" in line


def test_nan_expected_where_nan_given_is_right():
    assert compare_arrays([np.nan, 1.0], [np.nan, 1.0]) is None


# -------------------------------------------------------------------------------------- functions
def double(x):
    return 2 * x


INPUTS = [3.0, -1.5, np.array([1.0, 2.0])]


def test_right_function_passes(capsys):
    ok, line = verdict(capsys, check_function, lambda x: x + x, double, INPUTS, name="dbl")
    assert line == "✅ dbl: correct — all 3 test inputs match"


def test_wrong_function_names_the_input(capsys):
    ok, line = verdict(capsys, check_function, lambda x: x + 2, double, INPUTS, name="dbl", hint="use *")
    assert line == f"{NOT_YET}dbl: for input (3): 5 is too small. Hint: use *."


def test_wrong_shape_from_a_function_names_the_input(capsys):
    ok, line = verdict(capsys, check_function, lambda x: np.atleast_1d(2 * x)[:1], double, [np.array([1.0, 2.0])],
                       name="dbl")
    assert not ok and "for input ([1. 2.]): wrong shape: expected (2,), got (1,)" in line


def test_a_crash_is_reported_not_raised(capsys):
    def broken(x):
        return x[5]

    ok, line = verdict(capsys, check_function, broken, double, INPUTS, name="dbl")
    assert not ok and "calling it with (3) raised TypeError" in line


def test_a_stub_function_returns_none(capsys):
    def stub(x):
        ...  # YOUR CODE HERE

    ok, line = verdict(capsys, check_function, stub, double, INPUTS, name="dbl")
    assert not ok and "no answer yet: the function returns None" in line


def test_not_a_function(capsys):
    ok, line = verdict(capsys, check_function, 6, double, INPUTS, name="dbl")
    assert not ok and "expected a function, got int" in line


def test_inputs_are_copied_before_the_learner_sees_them(capsys):
    def doubles_in_place(x):
        x *= 2
        return x

    arr = np.array([1.0, 2.0])
    assert verdict(capsys, check_function, doubles_in_place, double, [(arr,)], name="dbl")[0]
    np.testing.assert_array_equal(arr, [1.0, 2.0])


def test_inputs_may_be_a_generator_and_tuples_are_argument_lists(capsys):
    ok, line = verdict(capsys, check_function, lambda a, b: a + b, np.add, ((i, 2 * i) for i in range(4)),
                       name="add")
    assert line == "✅ add: correct — all 4 test inputs match"


def test_learner_keyboard_interrupt_is_not_swallowed():
    # Only the learner's errors are reported; stopping the kernel must still stop it.
    def interrupted(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check_function(interrupted, double, INPUTS, name="dbl")


# ------------------------------------------------------------------------------------- conditions
def test_check_true(capsys):
    assert verdict(capsys, check_true, 3 > 2, name="order", message="3 should be larger")[1] == "✅ order: correct"
    ok, line = verdict(capsys, check_true, False, name="order", message="2 is not larger than 3", hint="swap")
    assert line == f"{NOT_YET}order: 2 is not larger than 3. Hint: swap."
    assert verdict(capsys, check_true, None, name="order", message="-")[1] == f"{NOT_YET}order: no answer yet."


def test_check_true_takes_arrays_and_tensors_as_all():
    assert check_true(np.array([True, True]), name="c", message="-")
    assert not check_true(np.array([True, False]), name="c", message="-")
    assert check_true(torch.tensor([True, True]), name="c", message="-")


def test_a_multi_line_error_is_reported_on_one_line(capsys):
    def noisy(x):
        raise ValueError("first line\n  second line\n")

    ok, line = verdict(capsys, check_function, noisy, double, INPUTS, name="dbl")
    assert line == f"{NOT_YET}dbl: calling it with (3) raised ValueError: first line second line."


# --------------------------------------------------------------------------------- never raises
@pytest.mark.parametrize("answer", [None, ..., "text", {"a": 1}, [1, [2]], object(), float("nan"), np.zeros((0,)),
                                    torch.ones(2, requires_grad=True), lambda: 1, 1 + 1j, True])
def test_nothing_a_learner_passes_makes_a_check_raise(capsys, answer):
    for check in (lambda a: check_value(a, [1.0, 2.0], name="v"),
                  lambda a: check_value(a, "yes", name="s"),
                  lambda a: check_array(a, np.eye(2), name="a"),
                  lambda a: check_true(a, name="t", message="m"),
                  lambda a: check_function(lambda x: a, double, INPUTS, name="f")):
        assert check(answer) in (True, False)
    out = capsys.readouterr().out
    assert all(line.startswith(("✅ ", NOT_YET)) for line in out.splitlines())


def test_is_stub():
    assert is_stub(None) and is_stub(...)
    assert not is_stub(0) and not is_stub([]) and not is_stub(np.array(0.0))


def test_output_is_deterministic(capsys):
    # nbval compares the stored line with a fresh run's: no addresses, no float noise beyond 6 digits
    check_function(lambda x: x * 2.0000001, double, [np.float64(1 / 3)], name="d", rtol=0, atol=0)
    capsys.readouterr()  # the first try; the later ones show the expected value
    for _ in range(2):
        check_function(lambda x: x * 2.0000001, double, [np.float64(1 / 3)], name="d", rtol=0, atol=0)
    first, second = capsys.readouterr().out.splitlines()
    # values that differ only after 6 digits are shown with more, so they do not look equal
    assert first == second == f"{NOT_YET}d: for input (0.333333): expected 0.666666666667, got 0.6666667."


# ------------------------------------------------------------------- every exercise, first try
def _every_check_with_a_wrong_answer():
    import pandas as pd

    from nnlib.exercises import (accumulation, activations, backprop, bias, complete_example, losses, start_here,
                                 weighted_input, weights)

    number, fn = 0.123, (lambda *args: 0.123)
    return [
        (start_here.check_double, (fn,)), (start_here.check_mean, (number, [1.0, 2.0])),
        (weights.check_weight_from_example, (number,)), (weights.check_weighted_sum, (fn,)),
        (weights.check_designed_weights, (np.array([0.1, 0.2, 0.3]),)),
        (bias.check_neuron, (fn,)), (bias.check_threshold, (fn,)), (bias.check_bias_for_threshold, (number,)),
        (weighted_input.check_one_neuron, (number,)),
        (weighted_input.check_shapes, ((1, 2), (4, 5), (4,), (32, 4), 24)),
        (weighted_input.check_dense_forward_columns, (lambda X, W, b: np.zeros((X.shape[1], W.shape[0])),)),
        (activations.check_sigmoid_derivative, (lambda x: np.zeros_like(x),)),
        (activations.check_collapse3, (lambda *a: (a[4] @ a[2] @ a[0], np.zeros(a[5].shape)),)),
        (activations.check_vanishing_bound, (number,)),
        (losses.check_mse, (fn,)), (losses.check_mse_gradient, (lambda p, t: np.zeros_like(p),)),
        (losses.check_stable_cross_entropy, (fn,)),
        (losses.check_loss_choice, ({"temperature": "mae", "spam": "mse", "digit": "mse", "delivery": "mse"},)),
        (backprop.check_gradient_descent, (lambda g, w0, lr, s: [w0] * (s + 1),)),
        (backprop.check_input_gradient, (number,)),
        (backprop.check_numerical_gradient, (lambda f, w, eps=1e-5: np.zeros_like(w),)),
        (accumulation.check_last_group_scale, (number,)), (accumulation.check_token_mean_loss, (fn,)),
        (accumulation.check_accumulated_gradient, (lambda net, loss_fn, X, y, k: [p.grad * 0 for p in net.parameters()],)),
        (complete_example.check_one_hot, (lambda labels, n: np.zeros((len(labels), n)),)),
        (complete_example.check_baseline, (number, pd.Series(["a", "a", "b"]))),
        (complete_example.check_leak, ("A",)),
    ]


@pytest.mark.parametrize("check, args", _every_check_with_a_wrong_answer(),
                         ids=lambda x: getattr(x, "__name__", "")[:40])
def test_a_first_wrong_answer_hears_what_is_wrong_not_the_answer(capsys, check, args):
    import re

    ok, line = verdict(capsys, check, *args)
    assert not ok and "Hint:" in line or "Stuck? hint()" in line, line
    # no expected value (a number after "expected"), no recipe on a first try
    assert not re.search(r"expected -?\d", line) and "Recipe:" not in line, line
    # the recipe is one hint() away, and a later try shows it
    ok, line = _checks.later_verdict(capsys, check, *args)
    assert not ok and "Recipe:" in line, line


def test_no_answer_lines_do_not_name_a_stub_the_cell_may_not_have():
    # 08's stub was `return None` while the line said "replace `...`": the line now names no stub at all
    from nnlib.exercises._core import NO_ANSWER, NO_RETURN

    for line in (NO_ANSWER, NO_RETURN):
        assert "`...`" not in line and "replace" not in line and line.startswith("no answer yet")


@pytest.mark.parametrize("value, expected, ok", [
    (0.333, 1 / 3, True), (0.3333, 1 / 3, True), (0.33, 1 / 3, False), (0.3, 1 / 3, False), (0.334, 1 / 3, False),
    (-0.0756, -0.0755903, True), (-0.076, -0.0755903, False), (7, 7.2, False), (72.0, 72.04, False),
])
def test_an_answer_rounded_as_written_passes_with_three_digits_or_more(capsys, value, expected, ok):
    assert verdict(capsys, check_value, value, expected, name="x")[0] is ok


def test_every_exercise_has_a_recipe():
    """00 promises a recipe on a later wrong try and from hint(): every name a checker reports under has one."""
    import importlib
    import inspect
    import pkgutil
    import re

    import nnlib.exercises as exercises
    from nnlib.exercises._core import RECIPES

    missing = []
    for module in pkgutil.iter_modules(exercises.__path__):
        if module.name.startswith("_"):
            continue  # the shared machinery: its names are docstring examples
        source = inspect.getsource(importlib.import_module(f"nnlib.exercises.{module.name}"))
        missing += [(module.name, n) for n in re.findall(r'\bname\s*=\s*"([^"]+)"', source) if n not in RECIPES]
    assert missing == [], f"exercises without a recipe: {missing}"
# ------------------------------------------------------------------- while nbgrader grades the notebook
def _every_check_with_a_stub():
    """Each exercise's check with the learner's stub: None, or a function whose body is `...`."""
    return [(check, ((lambda *a, **k: None) if callable(args[0]) else None, *args[1:]))
            for check, args in _every_check_with_a_wrong_answer()]


def _playground_wrong():
    from nnlib.exercises.playground import check_n_parameters

    return [(check_n_parameters, (lambda hidden: 0,)), (check_n_parameters, (lambda hidden: None,))]


@pytest.mark.parametrize("check, args", _every_check_with_a_wrong_answer() + _every_check_with_a_stub()
                         + _playground_wrong(), ids=lambda x: getattr(x, "__name__", "")[:40])
@pytest.mark.parametrize("execution", ["autograde", "validate"])
def test_while_nbgrader_grades_a_check_that_does_not_pass_prints_its_line_then_raises(capsys, monkeypatch, check,
                                                                                         args, execution):
    from nnlib.exercises._core import ExerciseNotPassed

    monkeypatch.setenv("NBGRADER_EXECUTION", execution)
    reset_tries()
    capsys.readouterr()
    with pytest.raises(ExerciseNotPassed) as raised:
        check(*args)
    assert isinstance(raised.value, AssertionError)
    captured = capsys.readouterr()
    # the learner's one line, as outside nbgrader: not a second "could not compare" line from a caught verdict
    assert captured.out.count("\n") == 1 and captured.out.startswith(NOT_YET), captured.out
    assert captured.err == ""
    # `nbgrader validate` shows the error only: it carries the same line
    assert str(raised.value) == captured.out.rstrip("\n")


def test_while_nbgrader_grades_a_passing_check_prints_its_line_and_shows_no_value(capsys, monkeypatch):
    # nbgrader reads a check cell's value as a partial grade: True is not a number (a warning, then full marks)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert check_function(lambda x: 2 * x, double, INPUTS, name="dbl") is None
    assert check_value(np.array([1.0, 2.0]), [1.0, 2.0], name="v", array=True) is None
    assert capsys.readouterr().out == "✅ dbl: correct — all 3 test inputs match\n✅ v: correct\n"


@pytest.mark.parametrize("execution", [None, "", "generate", "yes"])
def test_outside_nbgrader_grading_a_check_never_raises(capsys, monkeypatch, execution):
    if execution is None:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    else:
        monkeypatch.setenv("NBGRADER_EXECUTION", execution)
    assert check_value(None, 1.0, name="v") is False
    assert check_value(2.0, 1.0, name="v") is False
    assert check_value(1.0, 1.0, name="v") is True


def test_no_checker_reports_inside_a_try():
    # while nbgrader grades, report() raises: a checker's `except Exception` around it would catch the verdict
    # and print a second line instead
    import ast
    from pathlib import Path

    import nnlib.exercises

    found = []
    for path in sorted(Path(nnlib.exercises.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Try):
                for call in (n for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Call)):
                    name = getattr(call.func, "id", getattr(call.func, "attr", ""))
                    if name in ("report", "no_answer") or name.startswith("check_"):
                        found.append(f"{path.name}:{call.lineno} {name}")
    assert found == []
