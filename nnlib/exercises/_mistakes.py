"""Recognising a *typical* wrong answer, so the check's hint can name the mistake.

A mistake is a pair ``(what the wrong answer would be, the hint for it)``. The checks in
:mod:`nnlib.exercises._core` still say what is wrong (which value, which shape); these helpers only pick
the hint. A mistake's hint is a diagnosis: it names what is wrong, not the code that is right.
"""
import numpy as np

from ._core import _is_stub, check_function, check_value


def _matches(given, candidate, rtol=1e-6, atol=1e-8):
    try:
        given, candidate = np.asarray(given, dtype=float), np.asarray(candidate, dtype=float)
    except (TypeError, ValueError):
        return False
    return given.shape == candidate.shape and bool(np.allclose(given, candidate, rtol=rtol, atol=atol))


def check_value_with_mistakes(value, expected, mistakes, *, name, hint=None, rtol=1e-6, atol=1e-8, array=False):
    """:func:`~nnlib.exercises.check_value`, with the hint of the first mistake in ``mistakes`` that ``value`` is.

    Parameters
    ----------
    mistakes : list of (wrong_value, hint)
        A wrong value equal to ``expected`` is skipped (it would not be a mistake).
    """
    if not _is_stub(value):
        for wrong, wrong_hint in mistakes:
            if not _matches(wrong, expected) and _matches(value, wrong, rtol, atol):
                hint = wrong_hint
                break
    return check_value(value, expected, name=name, hint=hint, rtol=rtol, atol=atol, array=array)


def _call(fn, args):
    """``fn(*args)`` on copies of the arrays, or ``None`` if it raises."""
    try:
        return fn(*(np.copy(a) if isinstance(a, np.ndarray) else a for a in args))
    except Exception:  # a learner's crash is reported by check_function, with the input that caused it
        return None


def check_function_with_mistakes(fn, reference, inputs, mistakes, *, name, hint=None, rtol=1e-6, atol=1e-8,
                                 array=False):
    """:func:`~nnlib.exercises.check_function`, with the hint of the first mistake that explains ``fn``.

    A mistake explains ``fn`` when ``fn`` returns what the mistake would on every input where both give an
    answer, and ``fn`` is wrong on at least one of them.

    Parameters
    ----------
    mistakes : list of (wrong_function, hint)
        ``wrong_function`` computes what the mistaken code would return, with the arguments of ``reference``.
    """
    inputs = [args if isinstance(args, tuple) else (args,) for args in inputs]
    if callable(fn):
        given = [_call(fn, args) for args in inputs]
        for wrong, wrong_hint in mistakes:
            pairs = [(g, _call(wrong, args), args) for g, args in zip(given, inputs) if not _is_stub(g)]
            pairs = [(g, bad, args) for g, bad, args in pairs if bad is not None]
            if (pairs and all(_matches(g, bad, rtol, atol) for g, bad, _ in pairs)
                    and not all(_matches(g, reference(*args), rtol, atol) for g, _, args in pairs)):
                hint = wrong_hint
                break
    return check_function(fn, reference, inputs, name=name, hint=hint, rtol=rtol, atol=atol, array=array)
