"""The on-the-spot checker behind every exercise's check cell.

A check never raises: whatever the learner wrote (nothing yet, a wrong shape, code that crashes), the
check prints one line, ``✅ name: ...`` or ``❌ Not yet — name: what is wrong. Hint: ...``, and
returns True or False. Its output is deterministic, so nbval can compare it.
"""
import numpy as np

PASS = "✅"
FAIL = "❌ Not yet —"


def _is_stub(value):
    return value is None or value is Ellipsis


def report(ok, name, detail="", hint=None):
    """Print the one-line verdict and return ``ok``."""
    if ok:
        print(f"{PASS} {name}: correct{(' — ' + detail) if detail else ''}")
    else:
        extra = f" Hint: {hint}" if hint else ""
        print(f"{FAIL} {name}: {detail}.{extra}")
    return bool(ok)


def _fmt(value):
    arr = np.asarray(value)
    if arr.ndim == 0:
        return f"{arr.item():.6g}" if arr.dtype.kind in "fc" else repr(arr.item())
    return np.array2string(arr, precision=4, threshold=12)


def compare_arrays(given, expected, rtol=1e-6, atol=1e-8):
    """``None`` if ``given`` matches ``expected`` (shape first, then values), else what differs."""
    try:
        got = np.asarray(given, dtype=float)
    except (TypeError, ValueError):
        return f"expected numbers, got {type(given).__name__}"
    exp = np.asarray(expected, dtype=float)
    if got.shape != exp.shape:
        return f"wrong shape: expected {exp.shape}, got {got.shape}"
    if not np.all(np.isfinite(got)):
        return "the answer contains NaN or infinity"
    bad = ~np.isclose(got, exp, rtol=rtol, atol=atol)
    if np.any(bad):
        if exp.ndim == 0:
            return f"expected {_fmt(exp)}, got {_fmt(got)}"
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        return f"wrong value at index {where}: expected {_fmt(exp[where])}, got {_fmt(got[where])}"
    return None


def check_value(value, expected, *, name, hint=None, rtol=1e-6, atol=1e-8):
    """Check a number or array against ``expected``."""
    if _is_stub(value):
        return report(False, name, "no answer yet (replace `...` or `None` with your code)", hint)
    if isinstance(expected, (str, bool)):
        ok = value == expected
        return report(ok, name, "" if ok else f"expected {expected!r}, got {value!r}", hint)
    problem = compare_arrays(value, expected, rtol, atol)
    return report(problem is None, name, problem or "", hint)


check_array = check_value


def check_function(fn, reference, inputs, *, name, hint=None, rtol=1e-6, atol=1e-8):
    """Call ``fn`` and ``reference`` on each input (a tuple of arguments) and compare the results."""
    if not callable(fn):
        return report(False, name, f"expected a function, got {type(fn).__name__}", hint)
    for args in inputs:
        args = args if isinstance(args, tuple) else (args,)
        shown = ", ".join(_fmt(a) for a in args)
        try:
            got = fn(*(np.copy(a) if isinstance(a, np.ndarray) else a for a in args))
        except Exception as exc:  # the learner's bug must not stop the notebook
            return report(False, name, f"calling it with ({shown}) raised {type(exc).__name__}: {exc}", hint)
        if _is_stub(got):
            return report(False, name, "no answer yet: the function returns None (replace `...` with your code)", hint)
        problem = compare_arrays(got, reference(*args), rtol, atol)
        if problem is not None:
            return report(False, name, f"for input ({shown}): {problem}", hint)
    return report(True, name, f"all {len(inputs)} test inputs match")


def check_true(condition, *, name, message, hint=None, success=""):
    """Report a condition the notebook computed itself (``message`` says what is wrong if it is False)."""
    if _is_stub(condition):
        return report(False, name, "no answer yet (replace `...` or `None` with your code)", hint)
    return report(bool(condition), name, success if condition else message, hint)
