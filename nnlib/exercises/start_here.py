"""Checkers for the two warm-up exercises of ``00_start_here``."""
import numpy as np

from ._core import check_function, check_value, recipe


def check_double(double):
    """Warm-up 1: ``double(x)`` returns ``2 * x`` for numbers and NumPy arrays."""
    inputs = [3.0, -1.5, 0.0, np.array([1.0, 2.0, 3.0])]
    return check_function(double, lambda x: 2 * x, inputs, name="double")


def check_mean(answer, numbers):
    """Warm-up 2: ``answer`` is the mean of ``numbers``."""
    hint = None
    try:
        if np.isclose(float(answer), float(np.sum(numbers))):
            hint = "that is the sum; a mean also divides by how many numbers there are"
    except (TypeError, ValueError):
        pass
    return check_value(answer, float(np.mean(numbers)), name="mean", hint=hint)


recipe("double", "a function hands its result back with `return`: return the input times 2")
recipe("mean", "add them up and divide by how many there are, or use np.mean(numbers)")
