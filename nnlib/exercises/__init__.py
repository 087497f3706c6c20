"""Exercise checkers: the generic core and one module per notebook topic.

``hint()`` prints the recipe of the exercise checked last (``hint("name")``: of a named one).
"""
from ._core import check_array, check_function, check_true, check_value, compare_arrays, hint, recipe, report

__all__ = ["check_array", "check_function", "check_true", "check_value", "compare_arrays", "hint", "recipe",
           "report"]
