"""What a check does while nbgrader grades or validates the notebook (see :mod:`nnlib.exercises._core`)."""
import os

#: the values nbgrader gives NBGRADER_EXECUTION in the kernel it runs a notebook in (nbgrader 0.9:
#: converters/autograde.py, validator.py)
GRADING = ("autograde", "validate")


class ExerciseNotPassed(AssertionError):
    """A check did not pass while nbgrader graded the notebook (the learner's line is printed above)."""


def grading():
    """Whether nbgrader is running this kernel to grade or validate the notebook."""
    return os.environ.get("NBGRADER_EXECUTION") in GRADING


def _one_line_traceback(shell, etype, value, tb, tb_offset=None):
    """IPython's error output for :class:`ExerciseNotPassed`: the check's line, without the checker's frames
    (what ``nbgrader validate`` and the feedback show)."""
    stb = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, stb)  # what IPython's showtraceback sends, with this traceback
    return stb


def _shorten_tracebacks():
    """While nbgrader grades in an IPython kernel, show a not-passed check as one line instead of a traceback."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((ExerciseNotPassed,), _one_line_traceback)


if grading():
    _shorten_tracebacks()
