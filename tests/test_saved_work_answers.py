"""Saved work gives the right answer or a clear error: predict_cli's table, non-finite outputs, failed refits,
diverged optimizers, large networks, forged preprocessing files and raw errors (issue 19)."""
import io
import json
import os
import re
import socket
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from nnlib import Dense, NonFiniteLossError, Sequential, fileformat, persistence, predict_cli
from nnlib.datasets import load_penguins, penguin_preprocessor
from nnlib.model import _copy_state, load_model
from nnlib.persistence import MANIFEST, load_pipeline, save_pipeline
from nnlib.sklearn import NNClassifier

BACKENDS = ["numpy", "torch"]


@pytest.fixture(scope="module")
def penguins(tmp_path_factory):
    X, y = load_penguins()
    X, y = X.iloc[:300], y.iloc[:300]
    pipe = make_pipeline(penguin_preprocessor(), NNClassifier(epochs=5)).fit(X, y)
    folder = save_pipeline(tmp_path_factory.mktemp("saved") / "model", pipe)
    return X, y, pipe, folder


def _replace_preprocessing(folder, data):
    with open(os.path.join(folder, MANIFEST)) as f:
        manifest = json.load(f)
    old = os.path.join(folder, manifest["preprocessing"]["file"])
    entry = persistence._file_entry("preprocessing", data)
    os.remove(old)
    with open(os.path.join(folder, entry["file"]), "wb") as f:
        f.write(data)
    manifest["preprocessing"] = entry
    manifest["manifest_sha256"] = persistence.manifest_checksum(manifest)
    with open(os.path.join(folder, MANIFEST), "w") as f:
        json.dump(manifest, f)
    return os.path.join(folder, entry["file"])


def _copy(folder, tmp_path):
    import shutil

    return shutil.copytree(folder, tmp_path / "copy")


# ------------------------------------------------------------------------------ predict_cli's table
@pytest.mark.parametrize("text", ["NA", "None", "null", "n/a", "#N/A", "007", "True", "nan"])
def test_predict_cli_keeps_categorical_cells_as_the_text_they_are(penguins, tmp_path, text):
    """pandas read these as missing values, 7 or a bool: another class, exit 0."""
    X, _, pipe, folder = penguins
    rows = X.iloc[:5].copy()
    rows["island"] = text
    rows.to_csv(tmp_path / "rows.csv", index=False)
    out = predict_cli.predict_csv(folder, tmp_path / "rows.csv", proba=True)
    np.testing.assert_array_equal(out.iloc[:, 1:].to_numpy(), pipe.predict_proba(rows))
    table = predict_cli.read_rows(tmp_path / "rows.csv", predict_cli.numeric_columns(pipe, list(X.columns)))
    assert table["island"].tolist() == [text] * 5  # the text itself: not 7, not True, not missing


def test_predict_cli_reads_numbers_only_where_the_pipeline_expects_them(penguins, tmp_path):
    X, _, pipe, folder = penguins
    numeric = predict_cli.numeric_columns(pipe, list(X.columns))
    assert numeric == {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}
    rows = X.iloc[:3].astype(object)
    rows.iloc[1, 0] = "NA"  # a missing measurement written as NA
    rows.to_csv(tmp_path / "rows.csv", index=False)
    with pytest.raises(ValueError, match=r"rows.csv line 3, column 'bill_length_mm': expected a finite number or an "
                                         r"empty cell \(missing\), got 'NA'"):
        predict_cli.predict_csv(folder, tmp_path / "rows.csv")


def test_a_stray_carriage_return_is_an_error_not_a_shift(penguins, tmp_path):
    X, _, _, folder = penguins
    lines = X.iloc[:3].to_csv(index=False).splitlines()
    lines[2] = lines[2].replace(",", ",\r", 1)
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n", newline="")
    with pytest.raises(ValueError, match=r"rows.csv line 3: expected 6 fields like the header, got [12]"):
        predict_cli.predict_csv(folder, tmp_path / "rows.csv")


def test_a_carriage_return_before_a_row_does_not_shift_its_cells(penguins, tmp_path):
    """pandas read "\\r,a,b" as the cells a, b, missing: every cell one column to the left."""
    X, _, pipe, folder = penguins
    rows = X.iloc[:3].copy()
    rows.iloc[0, 0] = np.nan  # the row's first cell is empty
    lines = rows.to_csv(index=False).splitlines()
    lines[1] = "\r" + lines[1]
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n", newline="")
    out = predict_cli.predict_csv(folder, tmp_path / "rows.csv", proba=True)
    np.testing.assert_array_equal(out.iloc[:, 1:].to_numpy(), pipe.predict_proba(rows))


def test_a_huge_cell_is_an_error_naming_the_file_and_line(penguins, tmp_path):
    X, _, _, folder = penguins
    lines = X.iloc[:3].to_csv(index=False).splitlines()
    lines[2] = "x" * 131_073 + lines[2][lines[2].index(","):]
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"rows.csv line 3: not readable as CSV \(field larger than field limit"):
        predict_cli.predict_csv(folder, tmp_path / "rows.csv")


def test_predict_cli_prints_one_line_and_no_warning_on_failure(penguins, tmp_path):
    X, _, _, folder = penguins
    X.iloc[:3].assign(island="Dream").to_csv(tmp_path / "rows.csv", index=False)
    copy = _copy(folder, tmp_path)
    with open(os.path.join(copy, MANIFEST)) as f:
        manifest = json.load(f)
    _break_scaler(copy, manifest)  # an error after scikit-learn warned about the file
    run = subprocess.run([sys.executable, "-m", "nnlib.predict_cli", str(copy), str(tmp_path / "rows.csv")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and run.stderr.count("\n") == 1 and run.stderr.startswith("error: "), run.stderr


def _break_scaler(folder, manifest):
    path = os.path.join(folder, manifest["preprocessing"]["file"])
    prep = skops.io.loads(open(path, "rb").read(), trusted=skops.io.get_untrusted_types(file=path))
    prep[0].named_transformers_["num"][-1].mean_ = np.zeros(7)
    _replace_preprocessing(folder, skops.io.dumps(prep))


# ------------------------------------------------------------------------------ non-finite outputs
@pytest.mark.parametrize("backend", BACKENDS)
def test_rows_whose_outputs_overflow_are_refused_by_row(backend):
    X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 3
    clf = NNClassifier(epochs=2, backend=backend, device="cpu").fit(X, y)
    weights = clf.model_.get_weights()
    weights[0][:] = 10.0  # 10 * 1e308 overflows in the first layer
    clf.model_.set_weights(weights)
    rows = X[:5].copy()
    rows[[1, 3]] = 1e308
    for predict in (clf.predict, clf.predict_proba, lambda r: clf.score(r, y[:5])):
        with pytest.raises(ValueError, match=r"X: the network's outputs are NaN or inf for 2 row\(s\) \(row 1, 3"):
            predict(rows)


# ------------------------------------------------------------------------------ failed refits
def test_a_failed_refit_leaves_the_estimator_as_it_was():
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 3)), columns=["a", "b", "c"])
    y = np.arange(40) % 2
    clf = NNClassifier(epochs=2).fit(X, y)
    before = {key: value for key, value in vars(clf).items() if key.endswith("_")}
    proba = clf.predict_proba(X)
    other = pd.DataFrame(np.ones((40, 5)), columns=list("vwxyz"))
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(other, np.zeros(40))
    assert {key: value for key, value in vars(clf).items() if key.endswith("_")}.keys() == before.keys()
    assert clf.feature_names_in_.tolist() == ["a", "b", "c"] and clf.n_features_in_ == 3
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


# ------------------------------------------------------------------------------ diverged optimizers
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("optimizer, options", [("adam", {}), ("sgd", {"momentum": 0.9})])
def test_after_a_divergence_the_optimizer_state_is_restored(backend, optimizer, options):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 4)), rng.normal(size=(64, 1))
    model = Sequential([Dense(4, 8, "relu"), Dense(8, 1)], backend=backend, device="cpu", seed=0)
    model.compile("mse", optimizer=optimizer, learning_rate=1e-3, **options)
    model.fit(X, y, epochs=2, verbose=0)
    state = _copy_state(model.optimizer.state_dict())
    big = X * 1e200  # the loss overflows in the first epoch
    with pytest.raises(NonFiniteLossError):
        model.fit(big, y, epochs=1, verbose=0)
    after = model.optimizer.state_dict()
    flat = [np.asarray(getattr(a, "numpy", lambda: a)()) for a in _arrays(after)]
    assert all(np.isfinite(a).all() for a in flat)
    for a, b in zip(_arrays(after), _arrays(state)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    history = model.fit(X, y, epochs=2, verbose=0)  # trains on at once, no NonFiniteLossError
    assert np.isfinite(history["loss"]).all()


def _arrays(state):
    if isinstance(state, dict):
        return [a for key in sorted(state, key=str) if key != "param_groups" for a in _arrays(state[key])]
    if isinstance(state, (list, tuple)):
        return [a for value in state for a in _arrays(value)]
    return [] if state is None else [state]


# ------------------------------------------------------------------------------ large networks
def test_a_network_of_more_than_1000_arrays_saves_and_loads(tmp_path):
    model = Sequential([Dense(2, 2, "tanh") for _ in range(501)] + [Dense(2, 2)], seed=0)  # 1004 arrays
    path = tmp_path / "deep.nnlib"
    model.save(path)
    loaded = load_model(path)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_tensor_names_must_be_the_indices(tmp_path):
    data = fileformat.model_file_bytes({"layers": []}, [np.zeros(2), np.zeros(3)])
    data = data.replace(b'"001"', b'"abc"')
    with pytest.raises(ValueError, match=r"expected arrays named \['000', '001'\]"):
        fileformat.parse_model_file(data, "x.nnlib")


# ------------------------------------------------------------------------------ unbounded loads
def test_a_preprocessing_declaring_a_billion_features_is_refused_before_use(penguins, tmp_path):
    X, y, _, folder = penguins
    scaler = StandardScaler().fit(np.ones((3, 2)))
    scaler.n_features_in_ = 10**9
    copy = _copy(folder, tmp_path)
    path = _replace_preprocessing(copy, skops.io.dumps(make_pipeline(scaler)))
    with pytest.raises(ValueError, match=rf"{re.escape(path)}: preprocessing.*n_features_in_: expected "
                                         r"a number of columns from 1 to 100000 .*got 1000000000"):
        load_pipeline(copy)


def test_a_scaler_with_the_wrong_number_of_means_is_refused(penguins, tmp_path):
    _, _, _, folder = penguins
    copy = _copy(folder, tmp_path)
    with open(os.path.join(copy, MANIFEST)) as f:
        manifest = json.load(f)
    _break_scaler(copy, manifest)
    with pytest.raises(ValueError, match=r"\.mean_: expected one entry per input column \(n_features_in_=4\), got 7"):
        load_pipeline(copy)


def test_a_polynomial_of_huge_degree_is_refused_at_once(tmp_path):
    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40) % 2
    pipe = make_pipeline(PolynomialFeatures(2), NNClassifier(epochs=1, hidden_layer_sizes=(2,))).fit(X, y)
    folder = save_pipeline(tmp_path / "model", pipe)
    poly = PolynomialFeatures(2).fit(X)
    poly.degree = poly._max_degree = 10**9
    path = _replace_preprocessing(folder, skops.io.dumps(make_pipeline(poly)))
    with pytest.raises(ValueError, match=rf"{re.escape(path)}: .*degree 1000000000 builds more than 100000 columns"):
        load_pipeline(folder)


def test_zip_entries_that_lie_about_their_size_are_read_only_up_to_the_limit(penguins, tmp_path, monkeypatch):
    _, _, _, folder = penguins
    copy = _copy(folder, tmp_path)
    big = b"\0" * 50_000_000  # inflates to 50 MB, declares 10 bytes
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", big)
    data = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size, local and central
        at = data.index(signature) + offset
        data[at:at + 4] = (10).to_bytes(4, "little")
    path = _replace_preprocessing(copy, bytes(data))
    monkeypatch.setattr(persistence, "MAX_PREPROCESSING_UNPACKED_BYTES", 1_000_000)
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=rf"{re.escape(path)}: corrupted preprocessing file"):
            load_pipeline(copy)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, peak


# ------------------------------------------------------------------------------ raw errors
@pytest.mark.parametrize("field", [["classifier", "history", "loss", 0], ["classifier", "params", "learning_rate"],
                                   ["classifier", "classes", 0]])
def test_huge_numbers_in_a_manifest_are_named_errors(penguins, tmp_path, field):
    _, _, _, folder = penguins
    copy = _copy(folder, tmp_path)
    with open(os.path.join(copy, MANIFEST)) as f:
        manifest = json.load(f)
    target = manifest
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = 10**400
    manifest["manifest_sha256"] = persistence.manifest_checksum(manifest)
    with open(os.path.join(copy, MANIFEST), "w") as f:
        json.dump(manifest, f)
    with pytest.raises(ValueError, match=rf"{re.escape(os.path.join(copy, MANIFEST))}: classifier\."):
        load_pipeline(copy)
    text = open(os.path.join(copy, MANIFEST)).read().replace("1" + "0" * 400, "1" + "0" * 5000)
    open(os.path.join(copy, MANIFEST), "w").write(text)
    with pytest.raises(ValueError, match=rf"{re.escape(os.path.join(copy, MANIFEST))}: corrupted"):
        load_pipeline(copy)  # past Python's int-digit limit: still the file's error


def test_a_folder_or_socket_in_place_of_a_file_is_named(penguins, tmp_path):
    _, _, _, folder = penguins
    os.mkdir(tmp_path / "rows.csv")
    with pytest.raises(ValueError, match=r"rows.csv: expected a regular file, got a folder"):
        predict_cli.predict_csv(folder, tmp_path / "rows.csv")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "s.nnlib"))
    try:
        with pytest.raises(ValueError, match=r"s.nnlib: expected a regular file, got a socket"):
            load_model(tmp_path / "s.nnlib")
    finally:
        server.close()


@pytest.mark.parametrize("value", [10**400, float("inf")])
def test_a_huge_learning_rate_is_a_value_error(value):
    with pytest.raises(ValueError, match="learning_rate: expected a positive finite number"):
        Sequential([Dense(2, 2)]).compile("mse", learning_rate=value)


@pytest.mark.parametrize("trusted", [True, "numpy.dtype", [1]])
def test_trusted_must_be_a_list_of_names(penguins, trusted):
    _, _, pipe, folder = penguins
    with pytest.raises(TypeError, match=r"trusted: expected a list of type names"):
        load_pipeline(folder, trusted=trusted)
    with pytest.raises(TypeError, match=r"trusted: expected a list of type names"):
        save_pipeline(folder, pipe, trusted=trusted)


def test_backend_and_device_errors_name_the_argument_not_the_file(penguins, tmp_path):
    _, _, _, folder = penguins
    with pytest.raises(ValueError, match=r"^backend: expected one of \['numpy', 'torch'\], got 'Torch' "
                                         r"\(names are lowercase: 'torch'\)"):
        load_pipeline(folder, backend="Torch")
    Sequential([Dense(2, 2)]).save(tmp_path / "m.nnlib")
    with pytest.raises(ValueError, match=r"^backend: .*got 'Torch'"):
        load_model(tmp_path / "m.nnlib", backend="Torch")
    import torch

    if not torch.cuda.is_available():
        for call in (lambda: load_pipeline(folder, backend="torch", device="cuda"),
                     lambda: load_model(tmp_path / "m.nnlib", backend="torch", device="cuda")):
            with pytest.raises(ValueError, match=r"^device: 'cuda' asked for, but this machine has no CUDA GPU"):
                call()


@pytest.mark.parametrize("device", ["meta", "xpu", "mps", "cuda:99" if False else "hpu", 3])
def test_torch_devices_nnlib_cannot_use_are_refused_by_name(device):
    with pytest.raises((ValueError, TypeError), match=r"^device: expected 'auto', 'cpu', 'cuda' or 'cuda:N'"):
        Sequential([Dense(2, 2)], backend="torch", device=device)


# ------------------------------------------------------------------------------ low-level backends agree
def _both_refuse(numpy_call, torch_call, plain_torch_call, message):
    """nnlib's NumPy and torch classes raise the same ValueError, where plain PyTorch raises too."""
    with pytest.raises(Exception):
        plain_torch_call()
    for call in (numpy_call, torch_call):
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize("target, message", [([-1, 0], r"target: expected class indices in 0..2 .*from -1 to 0"),
                                             ([0, 3], r"target: expected class indices in 0..2 .*from 0 to 3")])
def test_cross_entropy_targets_out_of_range(target, message):
    import torch

    from nnlib import numpy_nn, torch_nn

    logits = np.zeros((2, 3))
    _both_refuse(lambda: numpy_nn.CrossEntropyLoss()(logits, np.array(target)),
                 lambda: torch_nn.CrossEntropyLoss()(torch.zeros(2, 3), torch.tensor(target)),
                 lambda: torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor(target)), message)


@pytest.mark.parametrize("p, t, message", [(1.5, 1.0, r"prediction: expected values in \[0, 1\]"),
                                           (-0.1, 0.0, r"prediction: expected values in \[0, 1\]"),
                                           (float("nan"), 1.0, r"prediction: expected values in \[0, 1\]"),
                                           (0.5, 2.0, r"target: expected values in \[0, 1\]"),
                                           (0.5, -1.0, r"target: expected values in \[0, 1\]")])
def test_binary_cross_entropy_outside_0_1(p, t, message):
    import torch

    from nnlib import numpy_nn, torch_nn

    P, T = np.array([[p], [0.5]]), np.array([[t], [1.0]])
    for method in ("__call__", "value", "gradient"):
        _both_refuse(lambda: getattr(numpy_nn.BCELoss(), method)(P, T),
                     lambda: getattr(torch_nn.BCELoss(), method)(torch.tensor(P), torch.tensor(T)),
                     lambda: torch.nn.functional.binary_cross_entropy(torch.tensor(P), torch.tensor(T)), message)


@pytest.mark.parametrize("delta", [-1.0, 0.0])
def test_huber_delta_must_be_positive(delta):
    import torch

    from nnlib import numpy_nn, torch_nn

    _both_refuse(lambda: numpy_nn.HuberLoss(delta=delta), lambda: torch_nn.HuberLoss(delta=delta),
                 lambda: torch.nn.functional.huber_loss(torch.zeros(2), torch.ones(2), delta=delta),
                 r"delta: expected a positive finite number")


@pytest.mark.parametrize("make, plain, message", [
    (lambda nn, p: nn.SGD(p, lr=-1), lambda p: __import__("torch").optim.SGD(p, lr=-1), r"lr: expected a finite number >= 0"),
    (lambda nn, p: nn.SGD(p, lr=0.1, momentum=-0.5), lambda p: __import__("torch").optim.SGD(p, lr=0.1, momentum=-0.5),
     r"momentum: expected a finite number >= 0"),
    (lambda nn, p: nn.Adam(p, lr=-1), lambda p: __import__("torch").optim.Adam(p, lr=-1), r"lr: expected"),
    (lambda nn, p: nn.Adam(p, betas=(2, 2)), lambda p: __import__("torch").optim.Adam(p, betas=(2, 2)),
     r"betas: expected two numbers in \[0, 1\)"),
    (lambda nn, p: nn.Adam(p, betas=(0.9, 1.0)), lambda p: __import__("torch").optim.Adam(p, betas=(0.9, 1.0)),
     r"betas: expected two numbers in \[0, 1\)"),
    (lambda nn, p: nn.Adam(p, eps=-1), lambda p: __import__("torch").optim.Adam(p, eps=-1), r"eps: expected"),
])
def test_optimizer_arguments_pytorch_refuses(make, plain, message):
    import torch

    from nnlib import numpy_nn, torch_nn

    _both_refuse(lambda: make(numpy_nn, numpy_nn.Linear(2, 2).parameters()),
                 lambda: make(torch_nn, torch_nn.Linear(2, 2).parameters()),
                 lambda: plain([torch.nn.Parameter(torch.zeros(2))]), message)


def test_predict_cli_main_prints_warnings_only_after_success(penguins, tmp_path, monkeypatch, capsys):
    import warnings

    X, _, _, folder = penguins

    def warns_then_fails(*args, **kwargs):
        warnings.warn("X has feature names, but StandardScaler was fitted without feature names", UserWarning)
        raise ValueError("rows.csv line 2, column 'a': expected a finite number")

    real = predict_cli.predict_csv
    monkeypatch.setattr(predict_cli, "predict_csv", warns_then_fails)
    assert predict_cli.main([str(folder), "rows.csv"]) == 1
    assert capsys.readouterr().err == "error: rows.csv line 2, column 'a': expected a finite number\n"

    def warns_then_succeeds(*args, **kwargs):
        warnings.warn("something to know\nover two lines", UserWarning)
        return real(*args, **kwargs)

    monkeypatch.setattr(predict_cli, "predict_csv", warns_then_succeeds)
    X.iloc[:2].to_csv(tmp_path / "rows.csv", index=False)
    assert predict_cli.main([str(folder), str(tmp_path / "rows.csv")]) == 0
    assert capsys.readouterr().err == "warning: something to know over two lines\n"


def test_an_array_entry_declaring_more_numbers_than_it_holds_allocates_nothing(penguins, tmp_path):
    _, _, _, folder = penguins
    copy = _copy(folder, tmp_path)
    source = open(os.path.join(copy, json.load(open(os.path.join(copy, MANIFEST)))["preprocessing"]["file"]), "rb").read()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as original, zipfile.ZipFile(buffer, "w") as forged:
        for info in original.infolist():
            data = original.read(info)
            if info.filename.endswith(".npy") and b"(4,)" in data[:128]:  # a scaler's 4 means: 32 bytes
                header = io.BytesIO()
                np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                              "shape": (999999999999,)})
                data = header.getvalue() + data[-32:]
            forged.writestr(info, data)
    path = _replace_preprocessing(copy, buffer.getvalue())
    with pytest.raises(ValueError, match=rf"{re.escape(path)}: .*\.npy: declares an array of shape \(999999999999,\)"):
        load_pipeline(copy)


def test_a_torch_device_object_is_still_accepted():
    import torch

    assert Sequential([Dense(2, 2)], backend="torch", device=torch.device("cpu")).device == "cpu"
