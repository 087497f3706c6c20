"""Exercise checkers: the generic core and one module per notebook topic."""
from ._core import check_array, check_function, check_true, check_value, compare_arrays, report

__all__ = ["check_array", "check_function", "check_true", "check_value", "compare_arrays", "report"]
