"""Helper shared by the exercise-checker tests (not a test module; pytest puts ``tests/`` on ``sys.path``)."""


def verdict(capsys, check, *args, **kwargs):
    """Run ``check(*args, **kwargs)`` and return ``(ok, out)``, its result and its printed line.

    Asserts what every check promises a learner: it returns a bool, prints exactly one line, ``✅ ...``
    when it returns True and ``❌ Not yet — ...`` when False, and writes nothing to stderr (no warning
    leaks from the learner's code).
    """
    ok = check(*args, **kwargs)
    captured = capsys.readouterr()
    out = captured.out
    assert ok is True or ok is False, f"a check returns a bool, got {ok!r}"
    assert out.count("\n") == 1 and out.endswith("\n"), f"a check prints exactly one line, got {out!r}"
    assert out.startswith("✅" if ok else "❌ Not yet —"), out
    assert captured.err == "", captured.err
    return ok, out
