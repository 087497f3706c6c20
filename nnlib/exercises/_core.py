"""The on-the-spot checker behind every exercise's check cell.

A check never raises: whatever the learner wrote (nothing yet, a wrong shape, code that crashes, a
PyTorch tensor, a string), the check prints one line, ``✅ name: correct ...`` or
``❌ Not yet — name: what is wrong. Hint: ...``, and returns True or False. Its output is deterministic
(numbers printed with 6 significant digits), so nbval can compare it with the stored one.

Hints come in steps, so that a check makes the learner think before it tells:

1. no answer yet (the stub): a neutral line, nothing about the answer;
2. the first wrong answer: what is wrong (a sign, a missing term, a factor, a shape) and, when the
   mistake is a usual one, a hint that names it; never the expected value or the code;
3. every later wrong answer to the same exercise: the same, plus the expected values of the test
   inputs (never the answer of a one-number exercise) and the exercise's *recipe*;
4. :func:`hint` prints the recipe of the last exercise checked (or of a named one) at any time.

The full answer is only in the solution notebook.

While nbgrader grades or validates a notebook (it sets ``NBGRADER_EXECUTION`` in the kernel), a check
that does not pass prints its line all the same and then raises :class:`ExerciseNotPassed` with that
line as its message (shown as a one-line error, not a traceback through the checker), so that nbgrader
scores that check cell 0 and ``nbgrader validate`` shows the line; a check that passes returns
None there, so that the cell shows no value nbgrader would read as a partial grade. Outside nbgrader
nothing raises.

Per-notebook checkers (``nnlib/exercises/<topic>.py``) build on these functions and on
:func:`report`, :func:`no_answer`, :func:`compare_arrays` and :func:`is_stub` for answers of their own shape, and
register each exercise's recipe with :func:`recipe`.
"""
import decimal

import numpy as np

from ._grading import ExerciseNotPassed, grading

PASS = "✅"
FAIL = "❌ Not yet —"
NO_ANSWER = "no answer yet"
NO_RETURN = "no answer yet: the function returns None"
STUCK = 'Stuck? hint() shows a recipe'

#: the recipe (how to do it) of each exercise, by its check's name; shown on a later try or by hint()
RECIPES = {}
#: how many wrong (not stub) answers each exercise got in this kernel
_tries = {}
_last = [None]  # the name of the exercise checked last


def recipe(name, text):
    """Register ``text`` as the recipe of the exercise checked under ``name``; return ``text``.

    Per-notebook checkers call it at import time, so that :func:`hint` knows the recipe as soon as
    the check cell's import ran.
    """
    RECIPES[name] = text
    return text


def hint(name=None):
    """Print the recipe of an exercise: how to get to the answer, without the answer.

    Parameters
    ----------
    name : str, optional
        The exercise's name as its check line shows it (e.g. ``"weighted_sum"``); default: the exercise
        checked last.

    Returns
    -------
    None
        One line is printed; nothing is raised.
    """
    name = _last[0] if name is None else name
    if name is None:
        print("Run an exercise's check cell first; then hint() shows how to get to the answer.")
    elif name in RECIPES:
        print(f"💡 {name}: {RECIPES[name]}")
    else:
        known = ", ".join(repr(n) for n in RECIPES) or "none yet: run a check cell first"
        print(f"No recipe for {name!r}. Exercises with one: {known}")


def reset_tries():
    """Forget every wrong answer counted so far: the next one is a first try again."""
    _tries.clear()
    _last[0] = None


def later_try(name):
    """Whether a wrong answer to ``name`` now would not be its first one."""
    return _tries.get(name, 0) >= 1


def is_stub(value):
    """Whether ``value`` is still the learner's stub.

    Parameters
    ----------
    value : object
        The learner's answer.

    Returns
    -------
    bool
        True for ``None`` (what ``answer = None`` or a function body of ``...`` gives) and for ``...``.
    """
    return value is None or value is Ellipsis


_is_stub = is_stub  # the per-notebook checkers import the private name


def report(ok, name, detail="", hint=None, *, stub=False):
    """Print the one-line verdict and return it; count a wrong answer as one try.

    Parameters
    ----------
    ok : bool
        The verdict.
    name : str
        What was checked, as the learner knows it (e.g. the function's name).
    detail : str, optional
        After "correct —" on success; on failure, what is wrong (without a final full stop).
    hint : str, optional
        The diagnosis, printed after a failure: what the mistake is, never the answer.
    stub : bool, optional
        The learner has not answered yet: print ``detail`` only (no hint, no recipe), count no try.

    Returns
    -------
    bool
        ``ok``. While nbgrader grades (see :func:`grading`): None when ``ok``.

    Raises
    ------
    ExerciseNotPassed
        Only while nbgrader grades, when not ``ok`` (stub or wrong): after the line is printed.
    """
    ok = bool(ok)
    _last[0] = name
    # one line, always: an exception message from the learner's code may span several
    detail = " ".join(line.strip() for line in str(detail).splitlines() if line.strip())
    if ok:
        line = f"{PASS} {name}: correct{(' — ' + detail) if detail else ''}"
    elif stub:
        line = f"{FAIL} {name}: {detail}."
    else:
        later = later_try(name)
        _tries[name] = _tries.get(name, 0) + 1
        extra = f" Hint: {hint}" + ("" if hint.endswith(("?", "!", ".")) else ".") if hint else ""
        if later and RECIPES.get(name) and RECIPES[name] != hint:
            extra += f" Recipe: {RECIPES[name]}"
        elif name in RECIPES:
            extra += f" {STUCK}."
        line = f"{FAIL} {name}: {detail}.{extra}"
    print(line)
    if grading():
        if not ok:
            raise ExerciseNotPassed(line)  # `nbgrader validate` shows the error, not the printed line
        return None
    return ok


def no_answer(name, detail=NO_ANSWER):
    """Print the neutral "no answer yet" line of a stub and return False."""
    return report(False, name, detail, stub=True)


def _fmt(value):
    """Short, deterministic text for a number, an array or anything else a learner passes."""
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in "biufc":
            return repr(value)[:60]
        if arr.ndim == 0:
            return f"{arr.item():.6g}" if arr.dtype.kind in "fc" else repr(arr.item())
        return np.array2string(arr, precision=4, threshold=12)
    except Exception:  # an object NumPy cannot even look at
        return type(value).__name__


def _differing(expected, given):
    """Both values as text, with more digits when 6 would print them the same."""
    e, g = _fmt(expected), _fmt(given)
    if e == g:
        e, g = f"{float(expected):.12g}", f"{float(given):.12g}"
    return e, g


def _as_numbers(value):
    """``value`` as a float array, or None if it is not numbers (strings are not numbers here)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a PyTorch tensor, maybe on a GPU, maybe with grad
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":  # np.asarray("2.5", dtype=float) would happily give 2.5
            return None
        return arr.astype(float)
    except Exception:  # ragged lists, objects whose __array__ raises, ...
        return None


def _direction(expected, given):
    """How a wrong number differs from the right one, without saying the right one."""
    e, g = float(expected), float(given)
    if e * g < 0:
        return "has the wrong sign"
    if g == 0:
        return "is not it"
    return "is too large" if g > e else "is too small"


def pattern(given, expected, rtol=1e-6, atol=1e-8):
    """A diagnosis of how a whole wrong array relates to the right one, or None.

    Sees a flipped sign, the transpose, a constant factor and a constant offset (a missing or extra
    term): what is wrong, not what is right.
    """
    try:
        got, exp = _as_numbers(given), np.asarray(expected, dtype=float)
        if got is None or got.size < 2 or not np.all(np.isfinite(got)) or not np.all(np.isfinite(exp)):
            return None
        if got.ndim == 2 and got.shape == exp.T.shape and np.allclose(got, exp.T, rtol, atol):
            return "that is the transpose of the right result: rows and columns swapped"
        if got.shape != exp.shape:
            return None
        if np.allclose(got, -exp, rtol, atol) and np.any(np.abs(exp) > atol):
            return "every value has the wrong sign"
        nonzero = np.abs(exp) > atol
        if np.any(nonzero) and np.allclose(got[~nonzero], 0, atol=atol):
            ratio = got[nonzero] / exp[nonzero]
            if np.allclose(ratio, ratio[0], rtol=1e-6) and not np.isclose(ratio[0], 1.0):
                return "every value is off by the same factor: a factor is missing or extra"
        offset = got - exp
        if np.allclose(offset, offset.flat[0], rtol=1e-6, atol=atol) and not np.isclose(offset.flat[0], 0, atol=atol):
            return "every value is off by the same amount: a term is missing or extra"
    except Exception:  # a diagnosis is a bonus; never let it stop a check
        return None
    return None


def compare_arrays(given, expected, rtol=1e-6, atol=1e-8, reveal=True):
    """What is wrong with ``given``, compared with ``expected``: shape first, then values.

    Parameters
    ----------
    given : array_like
        The learner's answer: a number, a list, a NumPy array or a PyTorch tensor.
    expected : array_like
        The right answer.
    rtol, atol : float, optional
        Tolerances as in :func:`numpy.isclose`.
    reveal : bool, optional
        Whether to say the expected value. Without it a wrong value gets what is wrong with it
        instead (the sign, too large, too small): a first try gets that, a later one the value.

    Returns
    -------
    str or None
        None if they match, else one phrase: the wrong type, the wrong shape (expected and given),
        NaN/infinity in the answer, or the first index whose value differs (given, and expected when
        ``reveal``).
    """
    got = _as_numbers(given)
    if got is None:
        return f"expected numbers, got {type(given).__name__}"
    exp = np.asarray(expected, dtype=float)
    if got.shape != exp.shape:
        return f"wrong shape: expected {exp.shape}, got {got.shape}"
    if not np.all(np.isfinite(got) | ~np.isfinite(exp)):
        return "the answer contains NaN or infinity"
    bad = ~np.isclose(got, exp, rtol=rtol, atol=atol, equal_nan=True)
    if np.any(bad):
        where = () if exp.ndim == 0 else tuple(int(i) for i in np.argwhere(bad)[0])
        at = "" if exp.ndim == 0 else f"wrong value at index {where}: "
        if reveal:
            return at + "expected {}, got {}".format(*_differing(exp[where], got[where]))
        return at + "{} {}".format(_differing(exp[where], got[where])[1], _direction(exp[where], got[where]))
    return None


def _kind_problem(value, array):
    """What is wrong with the container of an answer that must be a NumPy array (``array=True``) or a
    float array (``array="float"``), or None."""
    if not array or _as_numbers(value) is None:
        return None
    if not isinstance(value, np.ndarray):
        return (f"expected a NumPy array, got a {type(value).__name__}",
                "the exercise asks for a NumPy array: np.array(...) turns a list into one")
    if array == "float" and value.dtype.kind != "f":
        return (f"expected an array of floats, got dtype {value.dtype}",
                "an integer array cannot hold fractions (np.zeros(shape) gives floats; "
                "np.zeros(shape, dtype=int) does not)")
    return None


def check_value(value, expected, *, name, hint=None, rtol=1e-6, atol=1e-8, array=False):
    """Check a number or array (or a string or bool) against the expected one.

    A one-number answer is never told its expected value (that would be the answer): a wrong one
    hears whether it is too large, too small or of the wrong sign. An array answer hears its first
    wrong index and, from the second wrong try on, the value expected there.

    Parameters
    ----------
    value : object
        The learner's answer.
    expected : array_like or str or bool
        The right answer. Strings and bools must be equal; numbers and arrays close.
    name : str
        What is checked, as the learner knows it.
    hint : str, optional
        The diagnosis printed after a failure (the recipe, see :func:`recipe`, comes on a later try).
    rtol, atol : float, optional
        Tolerances as in :func:`numpy.isclose`.
    array : bool or "float", optional
        The answer must be a NumPy array (True), of floats ("float"): a list or an integer array is
        then rejected.

    Returns
    -------
    bool
        Whether the answer is right. One line saying so is printed; nothing is raised.

    Examples
    --------
    >>> check_value(2.5, 2.5, name="mean")
    ✅ mean: correct
    True
    >>> check_value([1, 2], [1, 3], name="y", hint="add the bias")
    ❌ Not yet — y: wrong value at index (1,): 2 is too small. Hint: add the bias.
    False
    """
    if is_stub(value):
        return no_answer(name)
    if isinstance(expected, (str, bool)):
        # 1 == True and np.asarray("1.0") are not answers to a yes/no or a text question
        kind = (bool, np.bool_) if isinstance(expected, bool) else str
        ok = isinstance(value, kind) and bool(value == expected)
        shown = f"expected {expected!r}, got {_fmt(value)}" if later_try(name) else f"{_fmt(value)} is not it"
        return report(ok, name, "" if ok else shown, hint)
    # report() stays outside the try: while nbgrader grades it raises, and `except Exception` would catch that
    rounded = ""
    try:
        kind = _kind_problem(value, array)
        if kind is not None:
            problem, hint = kind[0], hint or kind[1]
        else:
            reveal = later_try(name) and np.ndim(expected) > 0
            problem = compare_arrays(value, expected, rtol, atol, reveal=reveal)
            if problem is not None and rounded_as_shown(value, expected):
                problem = None
                rounded = f"{_fmt(value)} is the answer rounded as you wrote it"
            if problem is not None and hint is None:
                hint = pattern(value, expected, rtol, atol)
    except Exception as exc:  # only a checker's own bad `expected` gets here; still, never stop the notebook
        problem = f"could not compare the answer ({type(exc).__name__}: {exc})"
    return report(problem is None, name, problem or rounded, hint)


def rounded_as_shown(value, expected, min_digits=3):
    """Whether a one-number ``value`` is ``expected`` rounded to the decimals ``value`` is written with.

    A learner who copies a number as a notebook shows it (``0.333`` for 1/3, ``0.442`` for a table's
    0.44196) gave the right answer. At least ``min_digits`` significant digits are required, so that
    ``0.3`` does not pass for 1/3.
    """
    if (not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool)
            or not isinstance(expected, (int, float, np.integer, np.floating))):
        return False  # one plain number each: arrays, strings and bools have checks of their own
    try:
        value, expected = float(value), float(expected)
    except (TypeError, ValueError):
        return False
    if not (np.isfinite(value) and np.isfinite(expected)):
        return False
    digits = decimal.Decimal(repr(value)).normalize().as_tuple()  # 72.0 is written with no decimal
    decimals = -digits.exponent
    return len(digits.digits) >= min_digits and decimals > 0 and round(expected, decimals) == value


def check_array(value, expected, *, name, hint=None, rtol=1e-6, atol=1e-8, array=False):
    """Check an array: its shape first, then its values (the first wrong index is named).

    Same as :func:`check_value`; the name says what the check cell is about.

    Examples
    --------
    >>> check_array(np.zeros(3), np.zeros((3, 2)), name="Z")
    ❌ Not yet — Z: wrong shape: expected (3, 2), got (3,).
    False
    """
    return check_value(value, expected, name=name, hint=hint, rtol=rtol, atol=atol, array=array)


def check_function(fn, reference, inputs, *, name, hint=None, rtol=1e-6, atol=1e-8, array=False):
    """Call the learner's function and the reference on each input and compare the results.

    Parameters
    ----------
    fn : callable
        The learner's function.
    reference : callable
        The right function.
    inputs : iterable
        Each item is one call's arguments: a tuple of them, or a single argument. Arrays are copied
        before the learner's function sees them, so a function that changes its input in place does not
        change what the reference gets.
    name : str
        The function's name, as the learner knows it.
    hint : str, optional
        The diagnosis printed after a failure (the recipe, see :func:`recipe`, comes on a later try).
    rtol, atol : float, optional
        Tolerances as in :func:`numpy.isclose`.
    array : bool or "float", optional
        The result must be a NumPy array (True), of floats ("float").

    Returns
    -------
    bool
        True if every result matches. Otherwise one line names the first input whose result is wrong,
        what is wrong with it (exception, None, shape, value at an index; the expected value from
        the second wrong try on) and the hint.

    Examples
    --------
    >>> check_function(lambda x: x + 2, lambda x: 2 * x, [3.0], name="double")
    ❌ Not yet — double: for input (3): 5 is too small.
    False
    """
    if not callable(fn):
        return report(False, name, f"expected a function, got {type(fn).__name__}", hint)
    inputs = list(inputs)
    reveal = later_try(name)
    for args in inputs:
        args = args if isinstance(args, tuple) else (args,)
        shown = ", ".join(_fmt(a) for a in args)
        try:
            got = fn(*(np.copy(a) if isinstance(a, np.ndarray) else a for a in args))
        except Exception as exc:  # the learner's bug must not stop the notebook
            return report(False, name, f"calling it with ({shown}) raised {type(exc).__name__}: {exc}", hint)
        if is_stub(got):
            return no_answer(name, NO_RETURN)
        try:
            kind = _kind_problem(got, array)
            if kind is not None:
                problem, hint = kind[0], hint or kind[1]
            else:
                expected = reference(*args)
                problem = compare_arrays(got, expected, rtol, atol, reveal=reveal)
                if problem is not None and hint is None:
                    hint = pattern(got, expected, rtol, atol)
        except Exception as exc:
            problem = f"could not compare the result ({type(exc).__name__}: {exc})"
        if problem is not None:
            return report(False, name, f"for input ({shown}): {problem}", hint)
    return report(True, name, f"all {len(inputs)} test inputs match")


def check_true(condition, *, name, message, hint=None, success=""):
    """Report a condition the check cell computed itself.

    Parameters
    ----------
    condition : bool or None
        The condition; ``None`` or ``...`` means the learner has not answered yet. An array counts as
        true only if all its entries are.
    name : str
        What is checked.
    message : str
        What is wrong when ``condition`` is false.
    hint : str, optional
        Printed after a failure.
    success : str, optional
        Printed after "correct —" when ``condition`` is true.

    Returns
    -------
    bool
        The verdict; one line is printed, nothing is raised.
    """
    if is_stub(condition):
        return no_answer(name)
    try:
        if hasattr(condition, "detach") and hasattr(condition, "cpu"):  # a PyTorch tensor
            condition = condition.detach().cpu().numpy()
        ok = bool(np.all(condition))
    except Exception as exc:
        return report(False, name, f"could not tell whether this is true ({type(exc).__name__}: {exc})", hint)
    return report(ok, name, success if ok else message, hint)
