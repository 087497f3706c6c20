"""nnlib.compare.agreement: round-off is printed against a bound, a real difference as its value."""
import pytest

from nnlib.compare import agreement


@pytest.mark.parametrize("difference", [0.0, 1.1e-16, 4.4e-16, 3.6e-15, 9.9e-13])
def test_round_off_is_shown_against_the_bound(difference):
    assert agreement(difference) == "< 1e-12"


def test_a_real_difference_is_shown():
    assert agreement(0.1723) == "0.172"
    assert agreement(1e-12) == "1e-12"  # the bound itself is not below the bound
    assert agreement(2e-7, tol=1e-6) == "< 1e-06"
