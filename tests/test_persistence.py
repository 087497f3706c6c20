"""nnlib.persistence: a fitted pipeline saved without pickle loads in a fresh process and predicts the same."""
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nnlib import persistence, predict_cli
from nnlib.datasets import NUMERIC_FEATURES, load_penguins, penguin_preprocessor
from nnlib.persistence import MANIFEST, load_pipeline, save_pipeline
from nnlib.sklearn import NNClassifier

N_TRAIN = 300  # the last 44 penguins are never seen in training


@pytest.fixture(scope="module")
def data():
    X, y = load_penguins()
    return X.iloc[:N_TRAIN], y.iloc[:N_TRAIN], X.iloc[N_TRAIN:]


@pytest.fixture(scope="module")
def fitted(data):
    X, y, _ = data
    return make_pipeline(penguin_preprocessor(), NNClassifier(epochs=15)).fit(X, y)


@pytest.fixture()
def saved(tmp_path, fitted):
    return save_pipeline(tmp_path / "model", fitted)


def _network_file(folder):
    with open(os.path.join(folder, MANIFEST)) as f:
        return os.path.join(folder, json.load(f)["network"]["file"])


def _preprocessing_file(folder):
    with open(os.path.join(folder, MANIFEST)) as f:
        return os.path.join(folder, json.load(f)["preprocessing"]["file"])


# --------------------------------------------------------------------------------- round trips
def test_round_trip_in_a_fresh_process(saved, fitted, data, tmp_path):
    _, _, held_out = data
    csv = tmp_path / "rows.csv"
    held_out.to_csv(csv, index=False)
    script = textwrap.dedent(f"""
        import json
        import pandas as pd
        from nnlib.persistence import load_pipeline
        model = load_pipeline({str(saved)!r})
        rows = pd.read_csv({str(csv)!r})
        print(json.dumps({{"pred": model.predict(rows).tolist(), "proba": model.predict_proba(rows).tolist()}}))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(run.stdout)
    assert result["pred"] == fitted.predict(held_out).tolist()
    np.testing.assert_array_equal(np.array(result["proba"]), fitted.predict_proba(held_out))


def test_predict_cli_in_a_fresh_process(saved, fitted, data, tmp_path):
    _, _, held_out = data
    csv = tmp_path / "rows.csv"
    held_out.to_csv(csv, index=False)
    run = subprocess.run([sys.executable, "-m", "nnlib.predict_cli", str(saved), str(csv), "--proba"],
                         capture_output=True, text=True, timeout=120, check=True)
    from io import StringIO

    table = pd.read_csv(StringIO(run.stdout))
    assert table["prediction"].tolist() == fitted.predict(held_out).tolist()
    assert list(table.columns) == ["prediction", "p_Adelie", "p_Chinstrap", "p_Gentoo"]
    np.testing.assert_array_equal(table.iloc[:, 1:].to_numpy(), fitted.predict_proba(held_out))


def test_predict_cli_reports_errors_without_a_traceback(tmp_path):
    run = subprocess.run([sys.executable, "-m", "nnlib.predict_cli", str(tmp_path), str(tmp_path / "x.csv")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert run.stderr.startswith("error:") and "Traceback" not in run.stderr


def test_predict_cli_ends_quietly_when_its_reader_stops(saved, data, tmp_path, monkeypatch, capsys):
    """``predict_cli ... | head``: the pipe closes before the table is written; no traceback, exit status 1."""
    _, _, held_out = data
    csv = tmp_path / "rows.csv"
    held_out.to_csv(csv, index=False)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone: every write to the pipe fails with EPIPE
    with open(write_end, "w") as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        assert predict_cli.main([str(saved), str(csv)]) == 1
    assert capsys.readouterr().err == ""


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "nnlib.predict_cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def _one_line_error(run, pattern):
    assert run.returncode != 0 and run.stdout == "" and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1 and re.match(pattern, run.stderr), run.stderr


@pytest.mark.parametrize("change, message", [
    (lambda fields: fields + ["1.0"], r"error: .*rows.csv line 3: expected 6 fields like the header, got 7"),
    (lambda fields: fields[:-1], r"error: .*rows.csv line 3: expected 6 fields like the header, got 5"),
])
def test_predict_cli_refuses_rows_with_more_or_fewer_fields_than_the_header(saved, data, tmp_path, change, message):
    """One more field in every data row made pandas take the first column as the index: species shifted silently."""
    _, _, held_out = data
    lines = held_out.to_csv(index=False).splitlines()
    bad = [lines[0], lines[1]] + [",".join(change(line.split(","))) for line in lines[2:]]
    (tmp_path / "rows.csv").write_text("\n".join(bad) + "\n")
    _one_line_error(_cli(saved, tmp_path / "rows.csv"), message)


def test_predict_cli_reports_every_failure_on_one_line(saved, tmp_path, monkeypatch, capsys):
    from nnlib import predict_cli

    _one_line_error(_cli(saved), r"error: the following arguments are required: csv")  # argparse's own errors too
    (tmp_path / "empty.csv").write_text("")
    _one_line_error(_cli(saved, tmp_path / "empty.csv"), r"error: .*empty.csv: .*expected a header line")
    os.mkfifo(tmp_path / "fifo.csv")
    _one_line_error(_cli(saved, tmp_path / "fifo.csv"), r"error: .*fifo.csv: expected a regular file, got a FIFO")

    def unexpected(*args, **kwargs):
        raise RuntimeError("something\nno one foresaw")

    monkeypatch.setattr(predict_cli, "predict_csv", unexpected)
    assert predict_cli.main([str(saved), str(tmp_path / "x.csv")]) == 1
    err = capsys.readouterr().err
    assert err == "error: RuntimeError: something no one foresaw\n"


def test_loaded_pipeline_has_the_same_steps_and_classifier(saved, fitted, data):
    loaded = load_pipeline(saved)
    assert [name for name, _ in loaded.steps] == [name for name, _ in fitted.steps]
    clf, original = loaded[-1], fitted[-1]
    assert clf.get_params() == original.get_params()
    assert clf.classes_.tolist() == original.classes_.tolist() and clf.classes_.dtype == original.classes_.dtype
    assert clf.n_features_in_ == 9 and clf.history_ == original.history_


def test_load_into_the_other_backend(saved, fitted, data):
    _, _, held_out = data
    loaded = load_pipeline(saved, backend="torch")
    assert loaded[-1].model_.backend == "torch" and loaded[-1].backend == "torch"
    np.testing.assert_allclose(loaded.predict_proba(held_out), fitted.predict_proba(held_out), atol=1e-12)


def test_a_bare_classifier_with_integer_labels(tmp_path):
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = np.where(X[:, 0] > 0, 5, 2)
    clf = NNClassifier(epochs=5, backend="torch").fit(X, y)
    loaded = load_pipeline(save_pipeline(tmp_path / "bare", clf))
    assert isinstance(loaded, NNClassifier) and loaded.classes_.tolist() == [2, 5]
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert sorted(os.listdir(tmp_path / "bare"))[0] == MANIFEST and len(os.listdir(tmp_path / "bare")) == 2


def test_nothing_is_pickled(saved):
    for name in os.listdir(saved):
        with open(os.path.join(saved, name), "rb") as f:
            assert f.read(1) != b"\x80", f"{name} looks like a pickle"
    assert sorted(name.split("-")[0].split(".")[0] for name in os.listdir(saved)) == ["manifest", "network",
                                                                                       "preprocessing"]


# ------------------------------------------------------------------------------ atomic saving
def test_saving_again_replaces_the_files_and_leaves_no_temporary_ones(saved, data):
    X, y, held_out = data
    other = make_pipeline(penguin_preprocessor(), NNClassifier(epochs=3, hidden_layer_sizes=(4,))).fit(X, y)
    save_pipeline(saved, other)
    assert len(os.listdir(saved)) == 3  # the old network and preprocessing files are gone, no temp files
    np.testing.assert_array_equal(load_pipeline(saved).predict_proba(held_out), other.predict_proba(held_out))


def test_a_save_that_fails_half_way_leaves_the_previous_pipeline(saved, fitted, data, monkeypatch):
    X, y, held_out = data
    other = make_pipeline(penguin_preprocessor(), NNClassifier(epochs=3, hidden_layer_sizes=(4,))).fit(X, y)
    real_write = persistence.write_atomic

    def fail_on_manifest(path, payload):
        if str(path).endswith(MANIFEST):
            raise OSError("disk full")
        real_write(path, payload)

    monkeypatch.setattr(persistence, "write_atomic", fail_on_manifest)
    with pytest.raises(OSError, match="disk full"):
        save_pipeline(saved, other)
    monkeypatch.undo()
    np.testing.assert_array_equal(load_pipeline(saved).predict_proba(held_out), fitted.predict_proba(held_out))


# --------------------------------------------------------------------------- damaged or mismatched
def test_truncated_network_file(saved):
    path = _network_file(saved)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(ValueError, match="corrupted, truncated or changed"):
        load_pipeline(saved)


def test_corrupted_preprocessing_file(saved):
    path = _preprocessing_file(saved)
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"\x00" * 16)
    with pytest.raises(ValueError, match="preprocessing-.*corrupted, truncated or changed"):
        load_pipeline(saved)


def test_truncated_manifest(saved):
    path = os.path.join(saved, MANIFEST)
    with open(path, "r+b") as f:
        f.truncate(40)
    with pytest.raises(ValueError, match="corrupted or truncated"):
        load_pipeline(saved)


def test_missing_data_file(saved):
    os.remove(_network_file(saved))
    with pytest.raises(ValueError, match="missing"):
        load_pipeline(saved)


def test_a_foreign_manifest(saved):
    with open(os.path.join(saved, MANIFEST), "w") as f:
        json.dump({"format": "something else"}, f)
    with pytest.raises(ValueError, match="not a saved nnlib pipeline"):
        load_pipeline(saved)


def test_a_network_that_does_not_fit_the_preprocessing(saved, data):
    """A network file from another pipeline (4 inputs) swapped in, with a matching hash: the parts disagree."""
    X, y, _ = data
    rows = X[NUMERIC_FEATURES].notna().all(axis=1)
    other = NNClassifier(epochs=2).fit(X.loc[rows, NUMERIC_FEATURES], y[rows])
    other_dir = save_pipeline(os.path.join(os.path.dirname(saved), "other"), other)
    with open(os.path.join(other_dir, MANIFEST)) as f:
        other_entry = json.load(f)["network"]
    os.replace(os.path.join(other_dir, other_entry["file"]), os.path.join(saved, other_entry["file"]))
    with open(os.path.join(saved, MANIFEST)) as f:
        manifest = json.load(f)
    manifest["network"] = other_entry
    _reseal(saved, manifest)
    with pytest.raises(ValueError, match="the network expects 4 input features, but the preprocessing produces 9"):
        load_pipeline(saved)


def test_a_manifest_whose_classes_do_not_fit_the_network(saved):
    with open(os.path.join(saved, MANIFEST)) as f:
        manifest = json.load(f)
    manifest["classifier"]["classes"] = ["a", "b"]
    _reseal(saved, manifest)
    with pytest.raises(ValueError, match="3 outputs, but the classifier has 2 classes"):
        load_pipeline(saved)


def test_not_a_saved_pipeline(tmp_path):
    with pytest.raises(ValueError, match="no manifest.json"):
        load_pipeline(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_pipeline(tmp_path / "nowhere")


# --------------------------------------------------------------------------------- trusted types
class Doubler(TransformerMixin, BaseEstimator):
    """A user-defined step: skops must not rebuild it unless told to trust it."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return 2 * np.asarray(X, dtype=float)


def test_untrusted_types_are_refused_unless_named(tmp_path):
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    pipe = make_pipeline(StandardScaler(), Doubler(), NNClassifier(epochs=2)).fit(X, y)
    name = f"{Doubler.__module__}.Doubler"
    with pytest.raises(ValueError, match="not trusted"):
        save_pipeline(tmp_path / "p", pipe)  # refused at save time already, so no unloadable folder is made
    folder = save_pipeline(tmp_path / "p", pipe, trusted=[name])
    with pytest.raises(ValueError, match=f"not trusted: \\['{name}'\\]"):
        load_pipeline(folder)
    np.testing.assert_array_equal(load_pipeline(folder, trusted=[name]).predict(X), pipe.predict(X))


# ---------------------------------------------------------------------------------- bad input
def test_save_refuses_what_it_cannot_save(tmp_path, data):
    X, y, _ = data
    with pytest.raises(TypeError, match="pipeline: expected a fitted NNClassifier"):
        save_pipeline(tmp_path, make_pipeline(penguin_preprocessor(), LogisticRegression()))
    with pytest.raises(NotFittedError):
        save_pipeline(tmp_path, make_pipeline(penguin_preprocessor(), NNClassifier()))


# ------------------------------------------------------------------ hostile folders (issue 11)
def _manifest(folder):
    with open(os.path.join(folder, MANIFEST)) as f:
        return json.load(f)


def _reseal(folder, manifest):
    """Write ``manifest`` with a matching checksum, as anyone editing the folder on purpose can."""
    manifest = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    manifest["manifest_sha256"] = persistence.manifest_checksum(manifest)
    with open(os.path.join(folder, MANIFEST), "w") as f:
        json.dump(manifest, f)


def _edit(folder, change):
    manifest = _manifest(folder)
    change(manifest)
    _reseal(folder, manifest)


def _folder_state(folder):
    return {name: open(os.path.join(folder, name), "rb").read() for name in sorted(os.listdir(folder))}


def _replace_data_file(folder, key, data):
    """Put ``data`` in the folder as the file ``key`` names, with a correct name and hash in the manifest."""
    manifest = _manifest(folder)
    os.remove(os.path.join(folder, manifest[key]["file"]))
    digest = hashlib.sha256(data).hexdigest()
    stem, suffix = manifest[key]["file"].split("-")[0], os.path.splitext(manifest[key]["file"])[1]
    manifest[key] = {"file": f"{stem}-{digest[:16]}{suffix}", "sha256": digest}
    with open(os.path.join(folder, manifest[key]["file"]), "wb") as f:
        f.write(data)
    _reseal(folder, manifest)
    return os.path.join(folder, manifest[key]["file"])


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_a_pipeline_with_non_finite_weights_is_not_saved_over_a_good_one(saved, fitted):
    before = _folder_state(saved)
    diverged = copy.deepcopy(fitted)
    next(iter(diverged[-1].model_.net.parameters())).data[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"pipeline: weights\[0\] contains NaN or inf .*refusing to save"):
        save_pipeline(saved, diverged)
    assert _folder_state(saved) == before


def test_the_manifest_itself_is_covered_by_a_checksum(saved):
    manifest = _manifest(saved)
    manifest["classifier"]["classes"] = manifest["classifier"]["classes"][::-1]  # would swap the labels
    with open(os.path.join(saved, MANIFEST), "w") as f:
        json.dump(manifest, f)
    with pytest.raises(ValueError, match=r"manifest.json: changed or damaged since it was saved \(its content does "
                                         r"not match its manifest_sha256\)"):
        load_pipeline(saved)


def _set(path, value):
    def change(manifest):
        *parents, last = path
        target = manifest
        for key in parents:
            target = target[key]
        target[last] = value
    return change


@pytest.mark.parametrize("change, message", [
    (_set(["classifier", "classes"], ["Gentoo", "Chinstrap", "Adelie"]),
     r"classifier.classes: expected distinct labels in sorted order \(as fit stores them\), got \['Gentoo'"),
    (_set(["classifier", "classes"], ["Adelie", "Adelie", "Gentoo"]), r"classifier.classes: expected distinct labels"),
    (_set(["classifier", "classes"], "abc"), r"classifier.classes: expected a list of at least 2 labels, got str 'abc'"),
    (_set(["classifier", "classes"], ["a", 1, "b"]), r"classifier.classes: expected labels of one type"),
    (_set(["classifier", "classes_dtype"], "<U1"),
     r"classifier.classes_dtype: '<U1' cannot hold the classes \['Adelie', 'Chinstrap', 'Gentoo'\]"),
    (_set(["classifier", "classes_dtype"], "V1000000000"), r"classifier.classes_dtype: expected a dtype of kind"),
    (_set(["classifier", "classes_dtype"], "<U1000000000"), r"classifier.classes_dtype: expected a dtype of kind"),
    (lambda m: m["classifier"].update(classes=[1, 2, 10**30], classes_dtype="<i8"),
     r"classifier.classes_dtype: '<i8' cannot hold the classes \[1, 2, 1000000000000000000000000000000\]"),
    (_set(["classifier", "step"], None), r"classifier.step: expected the classifier's step name \(a pipeline with "
                                         r"preprocessing\), got None"),
    (_set(["classifier", "history"], [1, 2]), r"classifier.history: expected an object of per-epoch lists, got list"),
    (_set(["classifier", "history"], {"loss": 5}), r"classifier.history\['loss'\]: expected a list of finite numbers, got int 5"),
    (_set(["classifier", "history", "accuracy"], [0.5]), r"classifier.history: expected lists of one length"),
    (_set(["classifier", "n_features_in"], "9"), r"classifier.n_features_in: expected a positive integer, got str '9'"),
    (_set(["classifier", "params", "hidden_layer_sizes"], [8]),
     r"classifier.params.hidden_layer_sizes \[8\] and activation 'relu' do not match the network file's layers "
     r"\[9, 16, 3\] \(hidden activation 'relu', output 'softmax'"),
    (_set(["classifier", "params", "backend"], "exec"), r"classifier.params: backend: expected one of"),
    (_set(["classifier", "params", "extra"], 1), r"classifier.params: expected the keys \[.*\], got extra \['extra'\]"),
    (_set(["network", "file"], "network-0000000000000000.safetensors"),
     r"network: file 'network-0000000000000000.safetensors' is not named after its sha256"),
    (_set(["network"], "network.safetensors"), r"network: expected an object \{\"file\": ..., \"sha256\": ...\}"),
    (_set(["surprise"], 1), r"manifest.json: unexpected keys \['surprise'\]"),
])
def test_a_manifest_that_contradicts_itself_or_the_files_is_refused(saved, change, message):
    _edit(saved, change)
    with pytest.raises(ValueError, match=message):
        load_pipeline(saved)


def test_deeply_nested_json_in_a_manifest_is_a_named_error(saved):
    with open(os.path.join(saved, MANIFEST), "w") as f:
        f.write('{"format": "nnlib.pipeline", "x": ' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(ValueError, match=r"manifest.json: corrupted or truncated \(nested too deeply\)"):
        load_pipeline(saved)


def test_a_preprocessing_file_that_is_not_a_pipeline(saved, data):
    X, _, _ = data
    scaler = StandardScaler().fit(X[NUMERIC_FEATURES].fillna(0))
    path = _replace_data_file(saved, "preprocessing", skops.io.dumps(scaler))
    with pytest.raises(ValueError, match=rf"{re.escape(path)}: expected a scikit-learn Pipeline of the preprocessing "
                                         r"steps, got StandardScaler"):
        load_pipeline(saved)


def test_a_highly_compressed_preprocessing_file_is_refused_before_decompressing(saved, data, monkeypatch):
    X, _, _ = data
    bomb = penguin_preprocessor().fit(X)
    bomb.named_transformers_["num"].named_steps["standardscaler"].scale_ = np.ones(5_000_000)  # 40 MB, deflates to ~40 kB
    packed = skops.io.dumps(make_pipeline(bomb), compression=zipfile.ZIP_DEFLATED)
    assert len(packed) < 1_000_000
    path = _replace_data_file(saved, "preprocessing", packed)
    monkeypatch.setattr(persistence, "MAX_PREPROCESSING_UNPACKED_BYTES", 10_000_000)
    with pytest.raises(ValueError, match=rf"{re.escape(path)}: unpacks to \d+ bytes, more than the limit of 10000000 "
                                         r"bytes \(nnlib.persistence.MAX_PREPROCESSING_UNPACKED_BYTES\)"):
        load_pipeline(saved)


@pytest.mark.parametrize("limit, key", [("MAX_MANIFEST_BYTES", MANIFEST), ("MAX_PREPROCESSING_BYTES", "preprocessing"),
                                        ("MAX_NETWORK_BYTES", "network")])
def test_every_file_has_a_size_limit(saved, monkeypatch, limit, key):
    monkeypatch.setattr(persistence, limit, 100)
    name = MANIFEST if key == MANIFEST else _manifest(saved)[key]["file"]
    with pytest.raises(ValueError, match=rf"{re.escape(name)}: \d+ bytes, more than the limit of 100 bytes "
                                         rf"for .*\(nnlib.persistence.{limit}\)"):
        load_pipeline(saved)


def test_data_files_must_be_regular_files_inside_the_folder(saved, tmp_path):
    network = _network_file(saved)
    outside = tmp_path / "elsewhere.safetensors"
    os.replace(network, outside)
    os.symlink(outside, network)  # the same bytes, so the hash matches: only the link is wrong
    with pytest.raises(ValueError, match=rf"{re.escape(network)}: expected a regular file, got a symbolic link$"):
        load_pipeline(saved)
    os.remove(network)
    os.symlink("/dev/zero", network)
    with pytest.raises(ValueError, match=r"expected a regular file, got a symbolic link$"):
        load_pipeline(saved)  # refused without reading: /dev/zero never ends
    os.remove(network)
    os.mkfifo(network)
    with pytest.raises(ValueError, match=r"expected a regular file, got a FIFO"):
        load_pipeline(saved)  # refused at once: opening it does not wait for a writer
    os.remove(network)
    os.symlink(outside, os.path.join(saved, "x"))
    os.replace(os.path.join(saved, "x"), os.path.join(saved, MANIFEST))
    with pytest.raises(ValueError, match=r"manifest.json: expected a regular file, got a symbolic link"):
        load_pipeline(saved)


def test_a_network_file_declaring_a_huge_layer_allocates_nothing_large(saved):
    import tracemalloc

    from nnlib import fileformat

    layers = [{"in_features": 9, "out_features": 8000, "activation": "relu"},
              {"in_features": 8000, "out_features": 3, "activation": "softmax"}]
    small = [np.zeros((16, 9)), np.zeros(16), np.zeros((3, 16)), np.zeros(3)]
    forged = fileformat.model_file_bytes({"layers": layers, "dtype": "float64", "compile": None}, small)
    path = _replace_data_file(saved, "network", forged)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=rf"{re.escape(path)}: .*weights\[0\]: expected shape \(8000, 9\), got \(16, 9\)"):
            load_pipeline(saved)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000  # the declared layers alone would be 8000 x 8000 x 8 = 512 MB


def test_a_failed_save_removes_only_the_files_it_wrote(saved, data, monkeypatch):
    X, y, _ = data
    before = _folder_state(saved)
    other = make_pipeline(penguin_preprocessor(), NNClassifier(epochs=2, hidden_layer_sizes=(5,))).fit(X, y)
    monkeypatch.setattr(persistence, "write_atomic", _failing_on_manifest(persistence.write_atomic))
    with pytest.raises(OSError, match="disk full"):
        save_pipeline(saved, other)
    assert _folder_state(saved) == before  # the new network and preprocessing files are gone again


def _failing_on_manifest(real_write):
    def write(path, payload):
        if str(path).endswith(MANIFEST):
            raise OSError("disk full")
        real_write(path, payload)
    return write


def test_two_saves_to_one_folder_at_once_leave_one_complete_pipeline(tmp_path, data):
    """Each thread saves its own pipeline again and again while a third loads: every load is one of the two."""
    X, y, held_out = data
    pipelines = [make_pipeline(penguin_preprocessor(), NNClassifier(epochs=2, hidden_layer_sizes=(h,))).fit(X, y)
                 for h in (4, 7)]
    expected = [p.predict_proba(held_out) for p in pipelines]
    folder = tmp_path / "shared"
    save_pipeline(folder, pipelines[0])
    errors, loads, stop = [], [], threading.Event()

    def saver(pipeline):
        try:
            for _ in range(6):
                save_pipeline(folder, pipeline)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def loader():
        while not stop.is_set():
            try:
                loads.append(load_pipeline(folder).predict_proba(held_out))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    savers = [threading.Thread(target=saver, args=(p,)) for p in pipelines]
    reader = threading.Thread(target=loader)
    for thread in [reader, *savers]:
        thread.start()
    for thread in savers:
        thread.join()
    stop.set()
    reader.join()
    assert errors == []
    for proba in loads + [load_pipeline(folder).predict_proba(held_out)]:
        assert any(np.array_equal(proba, e) for e in expected)
    names = sorted(os.listdir(folder))
    assert len(names) == 3 and names[0] == MANIFEST  # one network, one preprocessing: nothing stale, no temp files
