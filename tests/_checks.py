"""Helper shared by the exercise-checker tests (not a test module; pytest puts ``tests/`` on ``sys.path``)."""
from nnlib.exercises import _core


def verdict(capsys, check, *args, **kwargs):
    """Run ``check(*args, **kwargs)`` as a learner's FIRST try and return ``(ok, out)``, its result and its
    printed line.

    Asserts what every check promises a learner: it returns a bool, prints exactly one line, ``✅ ...``
    when it returns True and ``❌ Not yet — ...`` when False, and writes nothing to stderr (no warning
    leaks from the learner's code). A first try's line never shows the exercise's recipe.
    """
    _core.reset_tries()
    capsys.readouterr()
    ok = check(*args, **kwargs)
    captured = capsys.readouterr()
    out = captured.out
    assert ok is True or ok is False, f"a check returns a bool, got {ok!r}"
    assert out.count("\n") == 1 and out.endswith("\n"), f"a check prints exactly one line, got {out!r}"
    assert out.startswith("✅" if ok else "❌ Not yet —"), out
    assert "Recipe:" not in out, out
    assert captured.err == "", captured.err
    return ok, out


def later_verdict(capsys, check, *args, **kwargs):
    """Like :func:`verdict`, for the SECOND try with the same wrong answer: the line it prints then."""
    verdict(capsys, check, *args, **kwargs)
    ok = check(*args, **kwargs)
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1 and captured.err == "", captured
    return ok, captured.out
