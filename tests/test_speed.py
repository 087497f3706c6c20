"""nnlib.speed: the steps it times are real training steps, the bookkeeping around the clock, the crossover.

No test asserts a time: the machine decides those.
"""
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib import accumulation as acc
from nnlib import speed


def _one_step(name, k, batch_size=12, width=8):
    step = speed.training_step(name, batch_size, width, k)
    before = step.parameters()
    step.run()
    return before, step.parameters()


@pytest.mark.parametrize("name", speed.CPU_IMPLEMENTATIONS)
def test_a_step_changes_the_weights_and_accumulation_takes_the_full_batch_step(name):
    before, full = _one_step(name, 1)
    _, accumulated = _one_step(name, 4)  # micro-batches of 3 rows, each loss scaled by 3/12
    assert acc.max_difference(before, full) > 1e-4
    assert acc.max_difference(full, accumulated) < 1e-6  # float32 round-off


def test_nnlib_numpy_and_torch_take_the_same_step():
    before_np, after_np = _one_step("nnlib numpy", 3)
    before_t, after_t = _one_step("nnlib torch", 3)
    assert acc.max_difference(before_np, before_t) == 0
    assert acc.max_difference(after_np, after_t) < 1e-6


def test_the_step_is_sgd_on_the_mean_cross_entropy():
    import torch

    step = speed.training_step("nnlib numpy", 10, 6, 2)
    W1, b1, W2, b2, W3, b3 = (torch.tensor(p, requires_grad=True) for p in step.parameters())
    X, y = speed.make_batch(10)
    logits = torch.relu(torch.relu(torch.tensor(X) @ W1.T + b1) @ W2.T + b2) @ W3.T + b3
    torch.nn.functional.cross_entropy(logits, torch.tensor(y)).backward()
    expected = [(p - speed.LEARNING_RATE * p.grad).detach().numpy() for p in (W1, b1, W2, b2, W3, b3)]
    step.run()
    assert acc.max_difference(step.parameters(), expected) < 1e-6


@pytest.mark.parametrize("name", ["nnlib torch", "plain torch"])
def test_torch_memory_is_what_autograd_saves_for_the_largest_micro_batch(name):
    for k, rows in [(1, 30), (4, 8)]:  # 30 rows in 4 micro-batches (7, 8, 7, 8): the largest has 8
        memory = speed.training_step(name, 30, 16, k).memory()
        formula = acc.activation_bytes((64, 16, 16, 10), rows, itemsize=4, kept_per_hidden=1)
        assert memory == formula + 8 * rows + 4  # plus the int64 labels and the float32 loss


def test_numpy_memory_is_measured_and_shrinks_with_accumulation():
    one, four = (speed.training_step("nnlib numpy", 64, 32, k).memory() for k in (1, 4))
    assert one >= acc.activation_bytes((64, 32, 32, 10), 64, itemsize=4)
    assert 0 < four < one


def test_time_steps_warms_up_once_then_respects_the_counts():
    calls = []
    times = speed.time_steps(lambda: calls.append(1), budget=0.0, min_repeats=3)
    assert len(times) == 3 and len(calls) == 4 and all(t >= 0 for t in times)
    calls.clear()
    assert len(speed.time_steps(lambda: calls.append(1), budget=1e9, min_repeats=1, max_repeats=5)) == 5
    assert len(calls) == 6


def test_measure_is_cached_and_restores_the_thread_count():
    import torch

    threads = torch.get_num_threads()
    first = speed.measure("nnlib numpy", 8, 8, 2)
    assert speed.measure("nnlib numpy", 8, 8, 2) is first  # the second ask costs nothing
    assert first["rows"] == 4 and first["repeats"] >= speed.MIN_REPEATS and first["seconds"] > 0
    assert first["memory"] > 0 and torch.get_num_threads() == threads


def test_sweep_measures_every_name_at_every_batch_size_from_k_rows():
    result = speed.sweep(8, accumulation_steps=3, batch_sizes=(1, 2, 4, 8), names=("nnlib numpy", "plain torch"))
    assert result["batch_sizes"].tolist() == [4, 8]  # a batch needs at least k rows
    assert set(result["seconds"]) == set(result["memory"]) == {"nnlib numpy", "plain torch"}
    assert all(s.shape == (2,) and np.all(s > 0) for s in result["seconds"].values())
    # the median of the rounds, inside their range
    assert result["rounds"] == speed.ROUNDS
    for name in result["seconds"]:
        assert np.all(result["low"][name] <= result["seconds"][name])
        assert np.all(result["seconds"][name] <= result["high"][name])


def test_a_new_measurement_measures_again_and_the_same_one_is_cached():
    args = dict(width=8, batch_sizes=(2, 4), names=("nnlib numpy",), rounds=2)
    first = speed.sweep(**args)
    again = speed.sweep(**args)
    assert again["low"]["nnlib numpy"].tolist() == first["low"]["nnlib numpy"].tolist()  # cached
    before = speed.measure.cache_info().misses
    speed.sweep(**args, measurement=1)
    assert speed.measure.cache_info().misses == before + 2 * 2 * 1  # rounds x batch sizes x names, all new


def test_a_change_of_the_leader_inside_the_noise_is_no_crossover():
    # the medians change leader between 2 and 4 rows, but the rounds' ranges overlap there: no crossover
    noisy = {**SYNTHETIC, "low": {n: s * 0.3 for n, s in SYNTHETIC["seconds"].items()},
             "high": {n: s * 3.0 for n, s in SYNTHETIC["seconds"].items()}}
    assert speed.lead_changes(noisy) == []
    # a clear change (ranges 10 % wide) still is one
    clear = {**SYNTHETIC, "low": {n: s * 0.95 for n, s in SYNTHETIC["seconds"].items()},
             "high": {n: s * 1.05 for n, s in SYNTHETIC["seconds"].items()}}
    assert [(before, after) for _, before, after in speed.lead_changes(clear)] == [("nnlib numpy", "nnlib torch")]


def test_crossovers_interpolate_in_log_log():
    # a takes 1 s everywhere; b 0.5 s up to batch 2 and 2 s from batch 4: they cross between 2 and 4, at sqrt(8)
    found = speed.crossovers([1, 2, 4, 8], [1, 1, 1, 1], [0.5, 0.5, 2, 2])
    assert len(found) == 1
    assert found[0][0] == pytest.approx(np.sqrt(8)) and found[0][1] == 1  # a becomes the faster one
    # the crossing sits where the log of the ratio is 0 on the straight line between the two points
    (x, sign), = speed.crossovers([10, 100], [1, 1], [0.1, 10])  # a/b from 10 to 1/10: log ratio +1 to -1 decade
    assert x == pytest.approx(10 ** 1.5) and sign == 1
    (x, sign), = speed.crossovers([10, 100], [0.1, 10], [1, 1])
    assert x == pytest.approx(10 ** 1.5) and sign == -1  # b overtakes a
    assert speed.crossovers([1, 2, 4], [1, 2, 3], [2, 3, 4]) == []  # a is faster everywhere
    assert speed.crossovers([1, 2, 4], [2, 1, 3], [1, 1, 2]) == []  # a tie is not a change of the leader
    with pytest.raises(ValueError, match="seconds_a, seconds_b: expected one time per batch size"):
        speed.crossovers([1, 2], [1, 2, 3], [1, 2, 3])


SYNTHETIC = {"batch_sizes": np.array([1, 2, 4, 8, 16]), "width": 64, "accumulation_steps": 1, "threads": 1,
             "seconds": {"nnlib numpy": np.array([1e-4, 2e-4, 4e-4, 8e-4, 16e-4]),
                         "nnlib torch": np.array([3e-4, 3e-4, 3e-4, 3e-4, 3e-4])},
             "memory": {"nnlib numpy": np.array([1e3, 2e3, 4e3, 8e3, 16e3]),
                        "nnlib torch": np.array([5e2, 1e3, 2e3, 4e3, 8e3])}}


def test_lead_changes_name_who_overtakes_whom():
    (batch, before, after), = speed.lead_changes(SYNTHETIC)
    assert (before, after) == ("nnlib numpy", "nnlib torch")
    assert 2 < batch < 4


def test_speed_plot_marks_the_batch_size_and_the_crossover():
    from nnlib.plots.speed import SpeedPlot, plot_speed

    fig = plot_speed(batch_size=4, width=64, measure=lambda width, k, measurement: SYNTHETIC, names=("nnlib numpy", "nnlib torch"))
    assert isinstance(fig, Figure)
    ax_time, ax_mem = fig.axes
    texts = [t.get_text() for t in ax_time.texts if t.get_visible()]
    assert any("batch 4" in t and "nnlib torch: 0.3 ms  ← fastest" in t for t in texts)
    assert any("nnlib torch faster from ≈3 rows" in t for t in texts)  # the crossover at sqrt(2 * 4)
    line = next(l for l in ax_time.lines if l.get_label() == "nnlib numpy")
    assert list(line.get_ydata()) == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6])  # ms


def test_speed_plot_moves_in_place_and_measures_once_per_setting():
    from nnlib.plots.speed import SpeedPlot

    asked = []
    plot = SpeedPlot(measure=lambda width, k, measurement: asked.append((width, k, measurement)) or SYNTHETIC,
                     names=("nnlib numpy", "nnlib torch"))
    fig = plot.figure(batch_size=2)
    plot.png()
    plot.update(batch_size=16)  # only the marks move
    assert plot.fig is fig and not fig.stale
    mark = plot.marks["nnlib numpy", "time"]
    assert list(mark.get_xdata()) == [16] and list(mark.get_ydata()) == pytest.approx([1.6])
    plot.update(batch_size=3)  # not measured: the next size up is marked
    assert list(mark.get_xdata()) == [4]
    assert asked == [(32, 1, 0)] * 3  # the plot asks; nnlib.speed.sweep's cache answers


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="implementation: expected one of"):
        speed.training_step("numpy", 8, 8)
    with pytest.raises(ValueError, match="accumulation_steps: expected at most batch_size=4 micro-batches, got 8"):
        speed.training_step("nnlib numpy", 4, 8, 8)
    with pytest.raises(TypeError, match="width: expected a positive integer"):
        speed.training_step("nnlib numpy", 4, 8.5)
    with pytest.raises(ValueError, match="accumulation_steps: expected at most the largest batch size 4"):
        speed.sweep(8, accumulation_steps=8, batch_sizes=(1, 2, 4))


@pytest.mark.cuda
@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("name", speed.CUDA_IMPLEMENTATIONS)
def test_cuda_steps_are_real_steps_measured_with_the_gpu_allocator(name):
    before, full = _one_step(name, 1)
    _, accumulated = _one_step(name, 4)
    assert acc.max_difference(before, full) > 1e-4 and acc.max_difference(full, accumulated) < 1e-5
    result = speed.measure(name, 64, 32, 2)
    assert result["seconds"] > 0 and result["memory"] > 0
    assert name in speed.implementations()


def test_measure_again_asks_for_a_new_measurement():
    from ipywidgets import SelectionSlider

    from nnlib.plots.speed import SpeedPlot
    from nnlib.widgets import LiveWidget, measure_again

    asked = []
    plot = SpeedPlot(measure=lambda width, k, measurement: asked.append(measurement) or SYNTHETIC,
                     names=("nnlib numpy", "nnlib torch"))
    button = measure_again()
    w = LiveWidget(plot, {"batch_size": SelectionSlider(options=(1, 2, 4), value=2), "measurement": button},
                   threaded=False)
    button.click()
    assert asked == [0, 1] and w.frames == 1 and button in w.children
