"""nnlib.plots.neuron: given slider values, the plotted data (outputs, thresholds, fits) is right."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.plots import neuron as P
from nnlib.plots.network import NEGATIVE, POSITIVE


def test_weighted_sum_one_sample_and_a_batch():
    assert P.weighted_sum([1.0, 0.5, -1.0], [2.0, -1.0, 0.5]) == 1.0
    assert P.weighted_sum([1.0, 0.5, -1.0], [2.0, -1.0, 0.5], b=0.25) == 1.25
    np.testing.assert_allclose(P.weighted_sum([[1.0, 2.0], [0.0, -1.0]], [3.0, 1.0], b=1.0), [6.0, 0.0])


def test_weighted_sum_shape_mismatch():
    with pytest.raises(ValueError, match=r"x, w: .* got x \(3,\) and w \(2,\)"):
        P.weighted_sum([1.0, 2.0, 3.0], [1.0, 2.0])


@pytest.mark.parametrize("w, text", [
    (0, "w = 0: the output is always 0, the input is ignored"),
    (2, "w = 2: stretches the input"),
    (0.5, "w = 0.5: shrinks the input"),
    (1, "w = 1: keeps the input's size"),
    (-1, "w = -1: keeps the input's size and flips its sign"),
    (-2.5, "w = -2.5: stretches the input and flips its sign"),
    (-0.25, "w = -0.25: shrinks the input and flips its sign"),
])
def test_weight_effect(w, text):
    assert P.weight_effect(w) == text


@pytest.mark.parametrize("w, b, expected", [(1, -4, 4.0), (2, 3, -1.5), (-0.5, 1, 2.0), (1, 0, 0.0), (0, 1, None)])
def test_decision_threshold(w, b, expected):
    got = P.decision_threshold(w, b)
    assert got == expected
    if got is not None:  # the sigmoid is exactly 0.5 there, and no -0.0 is shown
        assert float(1 / (1 + np.exp(-(w * got + b)))) == pytest.approx(0.5)
        assert str(got) != "-0.0"


def test_classify_switches_at_the_threshold():
    x = np.array([3.0, 3.9, 4.0, 4.1, 6.0])
    np.testing.assert_array_equal(P.classify(x, 1.5, -6.0), [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(P.classify(x, -1.5, 6.0), [1, 1, 1, 0, 0])  # negative weight: turned round


def test_study_hours_need_a_threshold_near_4():
    hours, passed = P.study_hours_data()
    assert hours.shape == passed.shape == (24,)
    assert np.all(np.diff(hours) >= 0)
    assert hours[passed == 0].max() < 4 < hours[passed == 1].min()
    assert np.mean(P.classify(hours, 1.0, 0.0) == passed) == 0.5    # no bias: threshold 0, everyone passes
    assert np.mean(P.classify(hours, 1.0, -4.0) == passed) == 1.0   # reachable with the notebook's b slider


def test_temperature_data_follows_fahrenheit():
    c, f = P.temperature_data(noise=0.0)
    np.testing.assert_allclose(f, 1.8 * c + 32)
    c, f = P.temperature_data()
    assert c.shape == f.shape == (12,)
    assert np.abs(f - (1.8 * c + 32)).max() < 5


def test_fit_line_recovers_an_exact_line_and_is_optimal():
    x = np.array([-2.0, 0.0, 1.0, 3.0])
    assert P.fit_line(x, 3 * x - 2) == pytest.approx((3.0, -2.0))
    w, b = P.fit_line(x, 3 * x - 2, bias=False)
    assert b == 0.0
    y = 3 * x - 2
    # least squares: nudging w either way makes the error larger
    best = P.mse(w * x, y)
    assert best < P.mse((w + 1e-3) * x, y) and best < P.mse((w - 1e-3) * x, y)
    np.testing.assert_allclose(w, np.linalg.lstsq(x[:, None], y, rcond=None)[0][0])


def test_bias_makes_the_temperature_fit_possible():
    c, f = P.temperature_data()
    w0, _ = P.fit_line(c, f, bias=False)
    w, b = P.fit_line(c, f)
    assert P.mse(w0 * c, f) > 100 * P.mse(w * c + b, f)
    assert w == pytest.approx(1.8, abs=0.05) and b == pytest.approx(32, abs=1)


def test_mse():
    assert P.mse([1.0, 2.0], [1.0, 4.0]) == 2.0


# ------------------------------------------------------------------------------------- drawing
def _line_data(fig, label):
    """The one line of the first Axes whose legend label is ``label`` (or starts with it, ending in "...")."""
    ax = fig.axes[0]
    if label.endswith("..."):
        (line,) = [line for line in ax.lines if line.get_label().startswith(label[:-3])]
    else:
        (line,) = [line for line in ax.lines if line.get_label() == label]
    return line.get_xdata(), line.get_ydata(), line


@pytest.mark.parametrize("w", [-1.5, 0.0, 2.0])
def test_plot_weight_draws_y_equals_w_x(w):
    fig = P.plot_weight(w, x_input=1.5)
    x, y, line = _line_data(fig, "y = w · x")  # nnlib's Linear(1, 1) computed it
    np.testing.assert_allclose(y, w * x, atol=1e-15)
    assert line.get_color() == (NEGATIVE if w < 0 else POSITIVE)
    assert fig.axes[0].get_title() == P.weight_effect(w)
    assert any(f"output {w * 1.5:.2f}" in t.get_text() for t in fig.axes[0].texts)


def test_plot_weighted_inputs_bars_are_the_contributions():
    fig = P.plot_weighted_inputs(1.5, 0.0, -1.0)
    diagram, bars = fig.axes
    heights = [p.get_height() for p in bars.patches]
    np.testing.assert_allclose(heights, [1.5, 0.0, 1.0, 2.5])  # w_i x_i for x = (1, 0.5, -1), then the sum
    assert "y\n2.50" in {t.get_text() for t in diagram.texts}


def test_plot_weighted_inputs_line_widths_follow_the_sliders():
    def widths(*w):
        diagram = P.plot_weighted_inputs(*w).axes[0]
        return [line.get_linewidth() for line in diagram.lines]

    assert widths(2.0, 1.0, 0.0)[0] > widths(1.0, 1.0, 0.0)[0]  # w1 grows: its line gets wider
    assert widths(2.0, 1.0, 0.0)[1:] == widths(1.0, 1.0, 0.0)[1:]  # the others stay


@pytest.mark.parametrize("b", [-2.5, 0.0, 3.0])
def test_plot_bias_line(b):
    fig = P.plot_bias_line(b, w=0.5)
    x, y, _ = _line_data(fig, "y = w · x + b")
    _line_data(fig, "y = w · x  (no bias)")  # the reference line is there too
    np.testing.assert_allclose(y, 0.5 * x + b, atol=1e-15)
    assert any(t.get_text() == (f"y = 0.5 · x + {b:g}" if b >= 0 else f"y = 0.5 · x − {-b:g}") for t in fig.axes[0].texts)
    marks = [line for line in fig.axes[0].lines if line.get_marker() == "o"]
    assert marks[0].get_ydata()[0] == b  # the output for input 0 is the bias


def test_plot_sigmoid_threshold_curve_line_and_title():
    fig = P.plot_sigmoid_threshold(w=1.5, b=-6.0)
    ax = fig.axes[0]
    x, y, _ = _line_data(fig, "σ(...")
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-(1.5 * x - 6))))
    verticals = [line for line in ax.lines if line.get_label().startswith("threshold")]
    assert verticals[0].get_xdata()[0] == 4.0
    assert ax.get_title() == "threshold at 4.00 h; right about 100% of the students"


def test_plot_sigmoid_threshold_without_weight():
    ax = P.plot_sigmoid_threshold(w=0.0, b=1.0).axes[0]
    assert ax.get_title().startswith("no threshold")
    assert not [line for line in ax.lines if line.get_label().startswith("threshold") and line.get_visible()]


def test_plot_bias_fit_shows_both_errors():
    c, f = P.temperature_data()
    fig = P.plot_temperature_fit()
    assert fig.axes[0].get_xlabel() == "degrees Celsius"
    np.testing.assert_array_equal(fig.axes[0].collections[0].get_offsets(), np.column_stack([c, f]))
    assert isinstance(fig, Figure)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    w0, _ = P.fit_line(c, f, bias=False)
    assert any(f"{P.mse(w0 * c, f):.1f}" in label and "no bias" in label for label in labels)
    assert any("mean squared error 1.0" in label and "+ 32.31" in label for label in labels)
