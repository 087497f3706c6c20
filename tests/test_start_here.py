"""The pieces of 00_start_here: the slider's plot data and the warm-up checkers."""
import numpy as np

from nnlib.exercises.start_here import check_double, check_mean
from nnlib.plots.start import plot_wave, wave


def test_wave_has_the_asked_frequency():
    x, y = wave(3.0)
    assert x[0] == 0 and x[-1] == 1
    np.testing.assert_allclose(y, np.sin(6 * np.pi * x))
    # three full periods: the sign changes 2 * 3 times inside (0, 1)
    assert np.count_nonzero(np.diff(np.sign(y[1:-1])) != 0) == 5


def test_moving_the_slider_changes_the_plot():
    a = plot_wave(1.0).axes[0].lines[0].get_ydata()
    b = plot_wave(1.5).axes[0].lines[0].get_ydata()
    assert not np.allclose(a, b)


def test_checkers_pass_right_answers_and_explain_wrong_ones(capsys):
    from nnlib.exercises._core import reset_tries

    reset_tries()
    assert check_double(lambda x: 2 * x)
    assert not check_double(lambda x: x + 2)
    assert "for input (3): 5 is too small" in capsys.readouterr().out
    assert not check_double(lambda x: None)
    assert "no answer yet" in capsys.readouterr().out
    assert check_mean(2.5, [1, 2, 3, 4])
    assert not check_mean(10, [1, 2, 3, 4])
    out = capsys.readouterr().out
    assert "10 is too large" in out and "that is the sum" in out and "2.5" not in out
