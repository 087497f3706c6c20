"""nnlib.persistence under a kill at any point of a save, in folders it did not write, and for what load refuses.

A save is killed (``os._exit`` in a forked child, which runs no cleanup, as ``kill -9``) just before each
filesystem step it takes in turn: creating a temporary file, flushing it, renaming it, removing a stale
file, flushing the folder. After every such kill the folder must load as the old pipeline or the new one,
and the next save must leave neither temporary nor stale files. A few real ``SIGKILL``s at random times
follow.
"""
import json
import os
import random
import shutil
import signal
import tempfile
import time

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nnlib import persistence
from nnlib.datasets import load_penguins, penguin_preprocessor
from nnlib.persistence import MANIFEST, load_pipeline, save_pipeline
from nnlib.sklearn import NNClassifier

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked child")


@pytest.fixture(scope="module")
def models():
    X, y = load_penguins()
    X, y, held_out = X.iloc[:300], y.iloc[:300], X.iloc[300:]
    prep = penguin_preprocessor().fit(X)
    numbers = prep.transform(X)
    pipes = [make_pipeline(penguin_preprocessor(), NNClassifier(epochs=2, hidden_layer_sizes=(h,))).fit(X, y)
             for h in (4, 6)]
    bare = NNClassifier(epochs=2, hidden_layer_sizes=(5,)).fit(numbers, y)
    return {"pipe": pipes[0], "pipe2": pipes[1], "bare": bare, "held_out": held_out,
            "held_out_numbers": prep.transform(held_out)}


def _answer(model, models):
    """The loaded model's probabilities on the held-out rows (raw rows for a pipeline, numbers for a bare one)."""
    rows = models["held_out_numbers"] if isinstance(model, NNClassifier) else models["held_out"]
    return model.predict_proba(rows)


def _save_killed_before_step(k, folder, pipeline):
    """Save in a forked child that dies (exit 9, no cleanup) just before its k-th filesystem step; 0 if it finished."""
    pid = os.fork()
    if pid == 0:  # the child: count every step, die at the k-th
        try:
            count = [0]

            def gated(real):
                def step(*args, **kwargs):
                    if count[0] == k:
                        os._exit(9)
                    count[0] += 1
                    return real(*args, **kwargs)
                return step

            for name in ("replace", "remove", "fsync"):
                setattr(os, name, gated(getattr(os, name)))
            tempfile.mkstemp = gated(tempfile.mkstemp)
            save_pipeline(folder, pipeline)
            os._exit(0)
        except BaseException:  # noqa: BLE001 - any error is a failure, reported by the exit status
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _loads_as_old_or_new(folder, old, new, models):
    try:
        loaded = load_pipeline(folder)
    except ValueError as exc:  # only a first save may leave no pipeline: the folder had none before
        assert old is None and "no manifest.json" in str(exc), exc
        return "none"
    proba = _answer(loaded, models)
    if old is not None and np.array_equal(proba, _answer(old, models)):
        return "old"
    assert np.array_equal(proba, _answer(new, models)), "the folder loads as neither the old nor the new pipeline"
    return "new"


def _only_one_pipeline(folder):
    names = sorted(os.listdir(folder))
    with open(os.path.join(folder, MANIFEST)) as f:
        manifest = json.load(f)
    named = {manifest["network"]["file"]} | ({manifest["preprocessing"]["file"]} if manifest["preprocessing"] else set())
    assert set(names) == {MANIFEST} | named, names  # no .nnlib-*.tmp, no stale data file


@pytest.mark.parametrize("old, new", [("bare", "pipe"), ("pipe", "bare"), ("pipe", "pipe2"), (None, "pipe")])
def test_a_save_killed_before_any_step_leaves_the_old_or_the_new_pipeline(tmp_path, models, old, new):
    template = tmp_path / "template"
    template.mkdir()
    if old is not None:
        save_pipeline(template, models[old])
    seen, k = [], 0
    while True:
        folder = tmp_path / f"kill{k}"
        shutil.copytree(template, folder)
        status = _save_killed_before_step(k, folder, models[new])
        assert status in (0, 9), f"the save failed (exit status {status}) rather than being killed"
        seen.append(_loads_as_old_or_new(folder, models[old] if old else None, models[new], models))
        if seen[-1] != "none":  # a load cleans up too, under its shared lock
            assert not [name for name in os.listdir(folder) if name.endswith(".tmp")]
        save_pipeline(folder, models[new])  # the next save cleans up after the killed one
        assert _loads_as_old_or_new(folder, None, models[new], models) == "new"
        _only_one_pipeline(folder)
        if status == 0:
            break
        k += 1
    # every boundary was hit: temporary files, renames, the switch, the removal of the old files
    assert k >= (6 if old in ("pipe", "bare") and new else 5), k
    assert seen[-1] == "new" and seen[0] == ("old" if old else "none")


def test_real_kill_9_at_random_times_leaves_a_loadable_pipeline(tmp_path, models):
    folder = tmp_path / "model"
    save_pipeline(folder, models["pipe"])
    rng = random.Random(0)
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            try:
                while True:  # switch between a pipeline and a bare classifier, as fast as it can
                    save_pipeline(folder, models["bare"])
                    save_pipeline(folder, models["pipe"])
            finally:
                os._exit(1)
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        loaded = load_pipeline(folder)
        expected = models["bare"] if isinstance(loaded, NNClassifier) else models["pipe"]
        assert np.array_equal(_answer(loaded, models), _answer(expected, models))
    save_pipeline(folder, models["pipe2"])
    _only_one_pipeline(folder)


# ------------------------------------------------------------------- folders save_pipeline did not write
def test_a_folder_that_is_not_an_nnlib_pipeline_is_never_overwritten_or_cleaned(tmp_path, models):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / MANIFEST).write_text('{"name": "someone else\'s project"}')
    (theirs / "network-0123456789abcdef.safetensors").write_bytes(b"their data")
    before = {p.name: p.read_bytes() for p in theirs.iterdir()}
    with pytest.raises(ValueError, match=r"holds a manifest.json that is not an nnlib pipeline's; .*nothing was changed"):
        save_pipeline(theirs, models["pipe"])
    assert {p.name: p.read_bytes() for p in theirs.iterdir()} == before

    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    (other / "preprocessing-0123456789abcdef.skops").write_bytes(b"mine too")
    with pytest.raises(ValueError, match=r"not an nnlib pipeline folder \(no manifest.json; it holds \['notes.txt'\]\)"):
        save_pipeline(other, models["pipe"])
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt", "preprocessing-0123456789abcdef.skops"]


def test_a_file_in_place_of_the_folder_is_refused(tmp_path, models):
    (tmp_path / "model").write_text("mine")
    with pytest.raises(ValueError, match=r"path: expected a folder .*, which is a file"):
        save_pipeline(tmp_path / "model", models["pipe"])
    assert (tmp_path / "model").read_text() == "mine"


def test_a_pipeline_folder_keeps_files_that_are_not_nnlib_data_files(tmp_path, models):
    folder = save_pipeline(tmp_path / "model", models["pipe"])
    (tmp_path / "model" / "README.txt").write_text("trained on 300 penguins")
    save_pipeline(folder, models["bare"])
    assert (tmp_path / "model" / "README.txt").read_text() == "trained on 300 penguins"


# ----------------------------------------------------------------- save checks what load checks
@pytest.mark.parametrize("change", [
    lambda clf: clf.set_params(device=None),
    lambda clf: clf.set_params(verbose=True),
])
def test_what_a_classifier_accepts_saves_and_loads(tmp_path, models, change):
    """NNClassifier takes device=None and verbose=True; load refused them, after save removed the good pipeline."""
    clf = NNClassifier(epochs=2, hidden_layer_sizes=(3,))
    change(clf)
    clf.fit(models["held_out_numbers"], np.arange(len(models["held_out_numbers"])) % 2)
    folder = save_pipeline(tmp_path / "model", clf)
    np.testing.assert_array_equal(load_pipeline(folder).predict_proba(models["held_out_numbers"]),
                                  clf.predict_proba(models["held_out_numbers"]))


@pytest.mark.parametrize("step", ["passthrough", None])
def test_a_passthrough_step_saves_and_loads(tmp_path, step):
    X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
    pipe = make_pipeline(StandardScaler(), step, NNClassifier(epochs=2, hidden_layer_sizes=(3,))).fit(X, y)
    folder = save_pipeline(tmp_path / "model", pipe)
    np.testing.assert_array_equal(load_pipeline(folder).predict_proba(X), pipe.predict_proba(X))


def test_a_save_load_would_refuse_is_refused_and_the_good_pipeline_stays(tmp_path, models):
    folder = save_pipeline(tmp_path / "model", models["pipe"])
    before = {name: open(os.path.join(folder, name), "rb").read() for name in os.listdir(folder)}
    changed = make_pipeline(penguin_preprocessor(), NNClassifier(epochs=2, hidden_layer_sizes=(4,)))
    changed.fit(models["held_out"], np.arange(len(models["held_out"])) % 2)
    changed[-1].set_params(hidden_layer_sizes=(32,))  # the settings no longer describe the fitted network
    with pytest.raises(ValueError, match=r"pipeline: not saved, since load_pipeline would refuse it \(.*"
                                         r"hidden_layer_sizes \[32\] and activation 'relu' do not match"):
        save_pipeline(folder, changed)
    assert {name: open(os.path.join(folder, name), "rb").read() for name in os.listdir(folder)} == before
    assert np.array_equal(_answer(load_pipeline(folder), models), _answer(models["pipe"], models))


def test_save_and_load_share_one_check(monkeypatch, tmp_path, models):
    """Whatever check_manifest refuses, save refuses too: they call the same function."""
    def refuse(manifest, file):
        raise ValueError(f"{file}: refused by the shared check")

    monkeypatch.setattr(persistence, "check_manifest", refuse)
    with pytest.raises(ValueError, match="refused by the shared check"):
        save_pipeline(tmp_path / "model", models["pipe"])
    assert not (tmp_path / "model").exists() or os.listdir(tmp_path / "model") == []
