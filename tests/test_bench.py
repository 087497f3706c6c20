"""``python -m nnlib.bench --quick`` runs and prints its ratio lines (a smoke test: no timing is asserted)."""
import re
import runpy
import sys

import pytest


def test_quick_benchmark_prints_ratios_and_verdicts(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["python -m nnlib.bench", "--quick"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("nnlib.bench", run_name="__main__", alter_sys=True)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for config in ("digits-size net 64-128-10, batch 32, 1,797 rows", "mnist-size net 784-256-128-10, batch 128"):
        assert config in out
    # each ratio is a paired median with its interquartile range beside it
    ratio = r"\s+[\d.]+ ms\s+\d+ us\s+[\d.]+x \([\d.]+-[\d.]+\) plain torch"
    # each backend is also compared with its own hand-written floor, against its target
    for name, floor in [("plain torch", None), ("bare numpy", None),
                        ("nnlib numpy", r"bare numpy\s+target <= 1\.10x"), ("nnlib torch", r"plain torch\s+target <= 1\.05x")]:
        pattern = rf"^  {name}{ratio}" + (rf"\s+[\d.]+x \([\d.]+-[\d.]+\) {floor}: (met|NOT met)$" if floor else "$")
        assert len(re.findall(pattern, out, flags=re.M)) == 2, (name, out)
    assert re.search(r"^(all targets met|some targets NOT met)$", out, flags=re.M)
    # the header names the kernels that ran: NumPy's BLAS and PyTorch's CPU backend, with their threads
    assert re.search(r"^numpy \S+ \(.*\d+ threads?.*\), torch \S+ \(.*\d+ threads?\)", out, flags=re.M), out


def test_bad_rounds_is_refused(capsys):
    from nnlib import bench

    with pytest.raises(SystemExit):
        bench.main(["--rounds", "0"])
    assert "--rounds: expected a positive integer, got 0" in capsys.readouterr().err


def test_bad_threads_is_refused(capsys):
    from nnlib import bench

    with pytest.raises(SystemExit):
        bench.main(["--threads", "0"])
    assert "--threads: expected a positive integer, got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--cpu-time", "--threads", "2"])  # the CPU time of several threads would count their idle spinning
    assert "--cpu-time: expected --threads 1 with it, got --threads 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--epochs", "0"])
    assert "--epochs: expected a positive integer, got 0" in capsys.readouterr().err


def test_floor_ratio_is_the_paired_median_against_the_floor():
    from nnlib import bench

    times = {"plain torch": [1.0, 1.0, 1.0], "bare numpy": [0.5, 1.0, 0.2],
             "nnlib numpy": [0.525, 1.2, 0.2], "nnlib torch": [1.1, 1.3, 0.9]}
    lines, verdicts = bench.report("digits", times, 1797, bench.TARGETS)
    numpy_line = next(line for line in lines if line.startswith("  nnlib numpy"))
    # paired ratios 1.05, 1.2, 1.0 -> median 1.05 (not the ratio of the medians, 0.525 / 0.5)
    assert re.search(r"1\.05x \(1\.0\d-1\.1\d\) bare numpy", numpy_line) and numpy_line.endswith("target <= 1.10x: met")
    assert verdicts == {"nnlib numpy": True, "nnlib torch": False}  # torch: 1.1, 1.3, 0.9 -> 1.10 > 1.05
    # on a GPU the torch backend is compared with the plain loop on the GPU, without a target
    times.update({"plain torch (cuda)": [0.1, 0.1, 0.1], "nnlib torch (cuda)": [0.2, 0.2, 0.2]})
    lines, verdicts = bench.report("digits", times, 1797, bench.TARGETS)
    assert lines[-1].endswith("2.00x (2.00-2.00) plain torch (cuda)   (no target on the GPU)")
    assert set(verdicts) == {"nnlib numpy", "nnlib torch"}


def test_spread_is_the_median_and_the_quartiles():
    from nnlib import bench

    assert bench.spread([5.0, 1.0, 4.0, 2.0, 3.0]) == (3.0, 2.0, 4.0)
    assert bench.spread([1.5]) == (1.5, 1.5, 1.5)  # --quick: one round


def test_each_backend_runs_next_to_its_floor_every_round():
    from nnlib import bench

    ran = []
    names = ("plain torch", "nnlib numpy", "nnlib torch", "bare numpy")
    runs = {name: (lambda name=name: ran.append(name), "cpu") for name in names}
    times = bench.measure(runs, rounds=6, pause=0.0)
    assert all(len(seconds) == 6 for seconds in times.values())
    timed = ran[4:]  # after one warm-up run each
    for first in range(0, len(timed), 2):
        assert set(timed[first : first + 2]) in ({"nnlib numpy", "bare numpy"}, {"nnlib torch", "plain torch"}), timed
    assert len({tuple(timed[i : i + 4]) for i in range(0, len(timed), 4)}) > 1  # the order changes between rounds


def test_every_contender_reports_each_epochs_loss_and_accuracy_as_it_learns():
    """The hand-written loops do the useful work ``fit`` does per epoch: its loss and accuracy."""
    from nnlib import bench

    X, y = bench.load_data("digits")
    widths, batch = bench.CONFIGS["digits"]["widths"], bench.CONFIGS["digits"]["batch_size"]
    history = bench.nnlib_run("numpy", widths, batch, X, y, epochs=4)()
    per_epoch = {"nnlib numpy": list(zip(history["loss"], history["accuracy"])),
                 "bare numpy": bench.bare_numpy_run(widths, batch, X, y, epochs=4)(),
                 "plain torch": bench.plain_torch_run(widths, batch, X, y, epochs=4)()}
    for name, epochs in per_epoch.items():
        losses, accuracies = zip(*epochs)
        assert len(epochs) == 4, name
        assert all(a > b for a, b in zip(losses, losses[1:])), (name, losses)  # lr 0.01: a steady descent
        assert accuracies[0] < 0.4 < accuracies[-1] <= 1.0, (name, accuracies)  # from near chance (0.1) upwards


def test_pairs_put_each_backend_next_to_its_floor_on_its_device():
    from nnlib import bench

    names = ["plain torch", "nnlib numpy", "nnlib torch", "bare numpy", "plain torch (cuda)", "nnlib torch (cuda)"]
    assert bench.pairs(names) == [["nnlib numpy", "bare numpy"], ["nnlib torch", "plain torch"],
                                  ["nnlib torch (cuda)", "plain torch (cuda)"]]
    assert bench.pairs(["nnlib numpy", "bare numpy", "other"]) == [["nnlib numpy", "bare numpy"], ["other"]]
