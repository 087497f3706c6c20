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
    ratio = r"\s+[\d.]+ ms\s+\d+ us\s+[\d.]+x plain torch"
    for name, target in [("plain torch", None), ("bare numpy", None), ("nnlib numpy", "0.35|1.00"), ("nnlib torch", "1.20")]:
        pattern = rf"^  {name}{ratio}" + (rf"   target <= ({target})x: (met|NOT met)$" if target else "$")
        assert len(re.findall(pattern, out, flags=re.M)) == 2, (name, out)
    assert re.search(r"^(all targets met|some targets NOT met)$", out, flags=re.M)


def test_bad_rounds_is_refused(capsys):
    from nnlib import bench

    with pytest.raises(SystemExit):
        bench.main(["--rounds", "0"])
    assert "--rounds: expected a positive integer, got 0" in capsys.readouterr().err
