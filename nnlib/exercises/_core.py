"""The on-the-spot checker behind every exercise's check cell.

A check never raises: whatever the learner wrote (nothing yet, a wrong shape, code that crashes, a
PyTorch tensor, a string), the check prints one line, ``✅ name: correct ...`` or
``❌ Not yet — name: what is wrong. Hint: ...``, and returns True or False. Its output is deterministic
(numbers printed with 6 significant digits), so nbval can compare it with the stored one.

Per-notebook checkers (``nnlib/exercises/<topic>.py``) build on these functions and on
:func:`report`, :func:`compare_arrays` and :func:`is_stub` for answers of their own shape.
"""
import numpy as np

PASS = "✅"
FAIL = "❌ Not yet —"
NO_ANSWER = "no answer yet (replace `...` or `None` with your code)"
NO_RETURN = "no answer yet: the function returns None (replace `...` with your code)"


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


def report(ok, name, detail="", hint=None):
    """Print the one-line verdict and return it.

    Parameters
    ----------
    ok : bool
        The verdict.
    name : str
        What was checked, as the learner knows it (e.g. the function's name).
    detail : str, optional
        After "correct —" on success; on failure, what is wrong (without a final full stop).
    hint : str, optional
        Printed after a failure only.

    Returns
    -------
    bool
        ``ok``.
    """
    ok = bool(ok)
    # one line, always: an exception message from the learner's code may span several
    detail = " ".join(line.strip() for line in str(detail).splitlines() if line.strip())
    if ok:
        print(f"{PASS} {name}: correct{(' — ' + detail) if detail else ''}")
    else:
        extra = f" Hint: {hint}" if hint else ""
        print(f"{FAIL} {name}: {detail}.{extra}")
    return ok


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


def compare_arrays(given, expected, rtol=1e-6, atol=1e-8):
    """What is wrong with ``given``, compared with ``expected``: shape first, then values.

    Parameters
    ----------
    given : array_like
        The learner's answer: a number, a list, a NumPy array or a PyTorch tensor.
    expected : array_like
        The right answer.
    rtol, atol : float, optional
        Tolerances as in :func:`numpy.isclose`.

    Returns
    -------
    str or None
        None if they match, else one phrase: the wrong type, the wrong shape (expected and given),
        NaN/infinity in the answer, or the first index whose value differs (expected and given).
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
        if exp.ndim == 0:
            return "expected {}, got {}".format(*_differing(exp, got))
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        return "wrong value at index {}: expected {}, got {}".format(where, *_differing(exp[where], got[where]))
    return None


def check_value(value, expected, *, name, hint=None, rtol=1e-6, atol=1e-8):
    """Check a number or array (or a string or bool) against the expected one.

    Parameters
    ----------
    value : object
        The learner's answer.
    expected : array_like or str or bool
        The right answer. Strings and bools must be equal; numbers and arrays close.
    name : str
        What is checked, as the learner knows it.
    hint : str, optional
        Printed after a failure.
    rtol, atol : float, optional
        Tolerances as in :func:`numpy.isclose`.

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
    ❌ Not yet — y: wrong value at index (1,): expected 3, got 2. Hint: add the bias
    False
    """
    if is_stub(value):
        return report(False, name, NO_ANSWER, hint)
    if isinstance(expected, (str, bool)):
        # 1 == True and np.asarray("1.0") are not answers to a yes/no or a text question
        kind = (bool, np.bool_) if isinstance(expected, bool) else str
        ok = isinstance(value, kind) and bool(value == expected)
        return report(ok, name, "" if ok else f"expected {expected!r}, got {_fmt(value)}", hint)
    try:
        problem = compare_arrays(value, expected, rtol, atol)
    except Exception as exc:  # only a checker's own bad `expected` gets here; still, never stop the notebook
        problem = f"could not compare the answer ({type(exc).__name__}: {exc})"
    return report(problem is None, name, problem or "", hint)


def check_array(value, expected, *, name, hint=None, rtol=1e-6, atol=1e-8):
    """Check an array: its shape first, then its values (the first wrong index is named).

    Same as :func:`check_value`; the name says what the check cell is about.

    Examples
    --------
    >>> check_array(np.zeros((2, 3)), np.zeros((3, 2)), name="Z")
    ❌ Not yet — Z: wrong shape: expected (3, 2), got (2, 3).
    False
    """
    return check_value(value, expected, name=name, hint=hint, rtol=rtol, atol=atol)


def check_function(fn, reference, inputs, *, name, hint=None, rtol=1e-6, atol=1e-8):
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
        Printed after a failure.
    rtol, atol : float, optional
        Tolerances as in :func:`numpy.isclose`.

    Returns
    -------
    bool
        True if every result matches. Otherwise one line names the first input whose result is wrong,
        what is wrong with it (exception, None, shape, value at an index) and the hint.

    Examples
    --------
    >>> check_function(lambda x: x + 2, lambda x: 2 * x, [3.0], name="double")
    ❌ Not yet — double: for input (3): expected 6, got 5.
    False
    """
    if not callable(fn):
        return report(False, name, f"expected a function, got {type(fn).__name__}", hint)
    inputs = list(inputs)
    for args in inputs:
        args = args if isinstance(args, tuple) else (args,)
        shown = ", ".join(_fmt(a) for a in args)
        try:
            got = fn(*(np.copy(a) if isinstance(a, np.ndarray) else a for a in args))
        except Exception as exc:  # the learner's bug must not stop the notebook
            return report(False, name, f"calling it with ({shown}) raised {type(exc).__name__}: {exc}", hint)
        if is_stub(got):
            return report(False, name, NO_RETURN, hint)
        try:
            problem = compare_arrays(got, reference(*args), rtol, atol)
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
        return report(False, name, NO_ANSWER, hint)
    try:
        if hasattr(condition, "detach") and hasattr(condition, "cpu"):  # a PyTorch tensor
            condition = condition.detach().cpu().numpy()
        ok = bool(np.all(condition))
    except Exception as exc:
        return report(False, name, f"could not tell whether this is true ({type(exc).__name__}: {exc})", hint)
    return report(ok, name, success if ok else message, hint)
