"""nnlib.plots.accumulation: the memory table and gradient-error curves behind the sliders of 07, and their pictures."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib import accumulation as acc
from nnlib.plots import accumulation as PA

WIDTHS = (8, 32, 16, 4)


@pytest.fixture(scope="module")
def table():
    return PA.memory_table(widths=WIDTHS, batch_size=40, k_max=6, measure_cuda=False)


def test_memory_table_rows_are_the_largest_micro_batch(table):
    assert table["k"].tolist() == [1, 2, 3, 4, 5, 6]
    assert table["rows"].tolist() == [40, 20, 14, 10, 8, 7]  # ceil(40 / k)
    assert all(max(acc.split_sizes(40, k)) == m for k, m in zip(table["k"], table["rows"]))


def test_memory_table_formulas_and_autograd_count(table):
    for m, numpy_formula, torch_formula, saved in zip(table["rows"], table["numpy_formula"],
                                                       table["torch_formula"], table["torch_saved"]):
        assert numpy_formula == m * 8 * (8 + 2 * (32 + 16) + 4)
        assert torch_formula == m * 8 * (8 + 32 + 16 + 4)
        assert saved == torch_formula + 8 * m + 8  # plus the int64 labels and the loss's scalar


def test_memory_table_measured_numpy_peak_shrinks_with_k(table):
    peak = table["numpy_peak"]
    assert np.all(peak >= table["numpy_formula"])
    assert np.all(np.diff(peak) < 0)  # more micro-batches, smaller ones: less memory per step
    assert np.all(np.isnan(table["cuda_peak"]))  # not measured here


def test_memory_at_picks_one_k(table):
    at = PA.memory_at(table, 4)
    assert at["k"] == 4 and at["rows"] == 10
    assert at["torch_saved"] == table["torch_saved"][3]
    with pytest.raises(ValueError, match="k"):
        PA.memory_at(table, 7)


def test_memory_table_rejects_more_micro_batches_than_rows():
    with pytest.raises(ValueError, match="k_max"):
        PA.memory_table(widths=WIDTHS, batch_size=4, k_max=5)


def test_gradient_error_curves_per_rule():
    curves = PA.gradient_error_curves(imbalance=0.0, k_max=8, n=240)
    assert curves["k"].tolist() == list(range(1, 9))
    assert curves["sizes"][3] == [60, 60, 60, 60]
    assert np.all(curves["rows"] < 1e-14)                  # right for every k
    even = [0, 1, 2, 3, 4, 5, 7]                            # 240 splits evenly for these k
    assert np.all(curves["mean_of_means"][even] < 1e-14)
    assert curves["mean_of_means"][6] > 1e-6               # k = 7: sizes 34 and 35, not equal
    # equal sizes: the unscaled sum is k times the gradient, off by k − 1
    np.testing.assert_allclose(curves["sum"][even], curves["k"][even] - 1, rtol=1e-12)


def test_gradient_error_curves_grow_with_imbalance():
    mild, strong = (PA.gradient_error_curves(imbalance=i, k_max=6)["mean_of_means"] for i in (0.5, 3.0))
    assert np.all(strong[1:] > mild[1:]) and np.all(mild[1:] > 1e-4)
    assert np.all(PA.gradient_error_curves(imbalance=3.0, k_max=6)["rows"] < 1e-14)


def test_plot_memory_marks_the_chosen_k(table):
    fig = PA.plot_memory(table, 2)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "k = 2 micro-batches of ≤ 20 rows" in ax.get_title()
    assert ax.lines[-1].get_xdata()[0] == 20  # the dotted line at m
    assert PA.plot_memory(table, 3).axes[0].get_title() != ax.get_title()


def test_plot_gradient_errors_marks_the_chosen_k():
    curves = PA.gradient_error_curves(imbalance=2.0, k_max=6)
    fig = PA.plot_gradient_errors(curves, 3)
    title = fig.axes[0].get_title()
    assert title.startswith(f"k = 3: sizes [{', '.join(map(str, curves['sizes'][2]))}]")
    assert fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="k"):
        PA.plot_gradient_errors(curves, 9)


def test_show_gradient_errors_changes_with_each_slider():
    base = PA.show_gradient_errors(k=3, imbalance=1.0).axes[0].get_title()
    assert PA.show_gradient_errors(k=4, imbalance=1.0).axes[0].get_title() != base
    assert PA.show_gradient_errors(k=3, imbalance=2.0).axes[0].get_title() != base


def test_the_memory_plot_does_not_call_its_gap_a_difference(table):
    """'max |difference|' means round-off everywhere else; NumPy's peak and autograd's saved tensors are two
    different measures, so "both" names their gap as that."""
    plot = PA.MemoryPlot(table)
    plot.figure(k=2, backend="both")
    caption = plot.caption.get_text()
    assert "max |difference|" not in caption
    assert "NumPy's peak is" in caption and "not round-off" in caption
