"""nnlib.persistence: a fitted pipeline saved without pickle loads in a fresh process and predicts the same."""
import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nnlib import persistence
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
    with open(os.path.join(saved, MANIFEST), "w") as f:
        json.dump(manifest, f)
    with pytest.raises(ValueError, match="the network expects 4 input features, but the preprocessing produces 9"):
        load_pipeline(saved)


def test_a_manifest_whose_classes_do_not_fit_the_network(saved):
    with open(os.path.join(saved, MANIFEST)) as f:
        manifest = json.load(f)
    manifest["classifier"]["classes"] = ["a", "b"]
    with open(os.path.join(saved, MANIFEST), "w") as f:
        json.dump(manifest, f)
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
