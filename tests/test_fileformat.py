"""The model file: one safetensors file, either backend, atomic, and a clear ValueError for anything else.

A file saved by one backend loads in the other with the same weights bit for bit and the same
predictions; the compile settings come back; a save that fails half-way leaves the earlier file;
and damaged or foreign files (truncated, random bytes, empty, someone else's safetensors, a config
that disagrees with the weights, a pickle) are refused with a message that says so, without running
anything inside them.
"""
import json
import os
import pickle

import numpy as np
import pytest
from safetensors.numpy import save_file

import nnlib
from nnlib import fileformat

OTHER = {"numpy": "torch", "torch": "numpy"}


def _model(backend, dtype="float64", **compile_options):
    model = nnlib.Sequential([nnlib.Dense(4, 8, "elu", alpha=0.5), nnlib.Dense(8, 3, "softmax")],
                             backend=backend, seed=3, dtype=dtype, device="cpu")
    model.compile(**({"loss": "cross_entropy", "optimizer": "adam", "learning_rate": 0.02, "betas": (0.8, 0.95)}
                     | compile_options))
    return model


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(20, 4))


@pytest.fixture
def saved(tmp_path, X):
    """Bytes of a valid model file, trained a little so the weights are not the initial ones."""
    model = _model("numpy")
    model.fit(X, np.arange(20) % 3, epochs=2, batch_size=5, verbose=0)
    path = tmp_path / "model.nnlib"
    model.save(path)
    return path.read_bytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_save_in_one_backend_load_in_the_other(tmp_path, X, backend, dtype):
    model = _model(backend, dtype)
    model.fit(X, np.arange(20) % 3, epochs=2, batch_size=5, verbose=0)
    path = tmp_path / "model.nnlib"
    model.save(path)
    same = nnlib.load_model(path, backend=backend, device="cpu")
    other = nnlib.load_model(path, backend=OTHER[backend], device="cpu")
    for loaded in (same, other):
        assert loaded.dtype == dtype
        for w, original in zip(loaded.get_weights(), model.get_weights()):
            assert w.dtype == dtype
            np.testing.assert_array_equal(w, original)
    np.testing.assert_array_equal(same.predict(X), model.predict(X))
    tol = 1e-15 if dtype == "float64" else 1e-6  # the two backends' matrix products round differently
    np.testing.assert_allclose(other.predict(X), model.predict(X), rtol=tol, atol=tol)


def test_compile_settings_come_back_and_training_continues_identically(tmp_path, X):
    y = np.arange(20) % 3
    model = nnlib.Sequential([nnlib.Dense(4, 6, "leaky_relu", negative_slope=0.2), nnlib.Dense(6, 1)], seed=1)
    model.compile(loss="huber", delta=0.3, optimizer="sgd", learning_rate=0.05, momentum=0.5)
    model.save(tmp_path / "m.nnlib")
    loaded = nnlib.load_model(tmp_path / "m.nnlib", backend="torch", device="cpu")
    assert loaded.get_config() == model.get_config()
    assert loaded.get_config()["compile"] == {"loss": "huber", "delta": 0.3, "optimizer": "sgd",
                                              "learning_rate": 0.05, "momentum": 0.5}
    target = y[:, None].astype(float)
    model.fit(X, target, epochs=2, batch_size=4, shuffle=False, verbose=0)
    loaded.fit(X, target, epochs=2, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)

    adam = _model("torch")
    adam.save(tmp_path / "adam.nnlib")
    assert nnlib.load_model(tmp_path / "adam.nnlib").get_config() == adam.get_config()


def test_an_uncompiled_model_round_trips(tmp_path, X):
    model = nnlib.Sequential([nnlib.Dense(4, 2, "tanh")], seed=5)
    model.save(tmp_path / "raw.nnlib")
    loaded = nnlib.load_model(tmp_path / "raw.nnlib", backend="torch", device="cpu")
    assert loaded.get_config()["compile"] is None
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-15, atol=1e-15)


def test_a_failed_save_leaves_the_earlier_file_and_no_temporary_file(tmp_path, monkeypatch, saved):
    path = tmp_path / "model.nnlib"  # `saved` wrote a good file here
    model = _model("numpy", learning_rate=0.5)
    real_fdopen = os.fdopen

    class HalfWrite:  # a disk that fills up half-way through the write
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileformat.os, "fdopen", lambda fd, mode: HalfWrite(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="No space left"):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == saved
    assert sorted(os.listdir(tmp_path)) == ["model.nnlib"]
    nnlib.load_model(path)  # still a good file


def test_save_replaces_an_earlier_file(tmp_path, saved, X):
    path = tmp_path / "model.nnlib"
    model = _model("torch")
    model.save(path)
    assert path.read_bytes() != saved and sorted(os.listdir(tmp_path)) == ["model.nnlib"]
    np.testing.assert_array_equal(nnlib.load_model(path, backend="torch", device="cpu").predict(X), model.predict(X))


# ----------------------------------------------------------- bad files
def _write(tmp_path, data, name="bad.nnlib"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("cut, message", [
    (5, r"not an nnlib model file \(only 5 bytes\)"),
    (40, r"not an nnlib model file, or truncated \(header of \d+ bytes in a 40-byte file\)"),
    (-1, r"corrupted nnlib model file"),
    (-100, r"corrupted nnlib model file"),
])
def test_truncated_file(tmp_path, saved, cut, message):
    path = _write(tmp_path, saved[:cut])
    with pytest.raises(ValueError, match=message):
        nnlib.load_model(path)


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes(tmp_path, seed):
    path = _write(tmp_path, np.random.default_rng(seed).bytes(2000))
    with pytest.raises(ValueError, match=r"bad.nnlib: not an nnlib model file"):
        nnlib.load_model(path)


def test_a_header_that_is_not_json(tmp_path):
    path = _write(tmp_path, (20).to_bytes(8, "little") + b"\xff" * 20 + b"\x00" * 16)
    with pytest.raises(ValueError, match=r"not an nnlib model file, or corrupted \(its header is not JSON\)"):
        nnlib.load_model(path)
    path = _write(tmp_path, (2).to_bytes(8, "little") + b"[]")
    with pytest.raises(ValueError, match=r"its header is not a JSON object"):
        nnlib.load_model(path)


def test_empty_file(tmp_path):
    with pytest.raises(ValueError, match=r"empty.nnlib: not an nnlib model file \(only 0 bytes\)"):
        nnlib.load_model(_write(tmp_path, b"", "empty.nnlib"))


def test_someone_elses_safetensors_file(tmp_path):
    path = tmp_path / "foreign.safetensors"
    save_file({"embedding": np.zeros((3, 2), dtype=np.float32)}, str(path), metadata={"format": "pt"})
    with pytest.raises(ValueError, match=r"foreign.safetensors: not an nnlib model file \(its header has no format 'nnlib.model'\)"):
        nnlib.load_model(path)


def test_a_newer_format_version(tmp_path):
    path = tmp_path / "future.nnlib"
    save_file({"000": np.zeros(1)}, str(path), metadata={"format": "nnlib.model", "format_version": "99", "config": "{}"})
    with pytest.raises(ValueError, match=r"nnlib model file version '99', this nnlib reads version '1'"):
        nnlib.load_model(path)


def test_a_config_that_is_not_json(tmp_path):
    path = tmp_path / "m.nnlib"
    save_file({"000": np.zeros(1)}, str(path), metadata={"format": "nnlib.model", "format_version": "1", "config": "{oops"})
    with pytest.raises(ValueError, match=r"corrupted nnlib model file \(JSONDecodeError"):
        nnlib.load_model(path)


def test_config_that_disagrees_with_the_weights(tmp_path):
    config = _model("numpy").get_config()  # 4 -> 8 -> 3
    wrong_shapes = [np.zeros((8, 5)), np.zeros(8), np.zeros((3, 8)), np.zeros(3)]
    fileformat.save_model_file(tmp_path / "shapes.nnlib", config, wrong_shapes)
    with pytest.raises(ValueError, match=r"does not describe a valid nnlib model .*weights\[0\]: expected shape \(8, 4\), got \(8, 5\)"):
        nnlib.load_model(tmp_path / "shapes.nnlib")
    fileformat.save_model_file(tmp_path / "count.nnlib", config, wrong_shapes[:2])
    with pytest.raises(ValueError, match=r"does not describe a valid nnlib model .*weights: expected 4 arrays"):
        nnlib.load_model(tmp_path / "count.nnlib")
    fileformat.save_model_file(tmp_path / "nolayers.nnlib", {"dtype": "float64"}, wrong_shapes)
    with pytest.raises(ValueError, match=r"does not describe a valid nnlib model \(KeyError: 'layers'\)"):
        nnlib.load_model(tmp_path / "nolayers.nnlib")
    bad_activation = dict(config, layers=[dict(config["layers"][0], activation="exec")])
    fileformat.save_model_file(tmp_path / "act.nnlib", bad_activation, wrong_shapes[:2])
    with pytest.raises(ValueError, match=r"does not describe a valid nnlib model .*activation: expected one of"):
        nnlib.load_model(tmp_path / "act.nnlib")


class _Payload:
    """Unpickling this creates a folder: the marker that code inside the file ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_a_pickle_is_refused_and_nothing_in_it_runs(tmp_path):
    marker = tmp_path / "code-ran"
    data = pickle.dumps(_Payload(str(marker)))
    pickle.loads(data)  # the payload is live: plain unpickling does run it...
    assert marker.exists()
    marker.rmdir()
    path = _write(tmp_path, data, "model.pkl")
    with pytest.raises(ValueError, match=r"model.pkl: not an nnlib model file"):
        nnlib.load_model(path)
    assert not marker.exists()  # ...loading it as a model does not

    # an .npz holding a pickled object array: refused the same way
    npz = tmp_path / "weights.npz"
    np.savez(npz, w=np.array([_Payload(str(marker))], dtype=object))
    with pytest.raises(ValueError, match=r"weights.npz: not an nnlib model file"):
        nnlib.load_model(npz)
    assert not marker.exists()


def test_the_file_holds_only_arrays_and_json(tmp_path):
    model = _model("numpy")
    model.save(tmp_path / "m.nnlib")
    data = (tmp_path / "m.nnlib").read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    assert header["__metadata__"]["format"] == "nnlib.model"
    assert json.loads(header["__metadata__"]["config"]) == json.loads(json.dumps(model.get_config()))
    assert sorted(k for k in header if k != "__metadata__") == ["000", "001", "002", "003"]
    assert {header[k]["dtype"] for k in ["000", "001", "002", "003"]} == {"F64"}


# --------------------------------------------------- hostile files (issue 11, cases 4, 6, 7)
def _raw_file(tmp_path, header, body=b"", name="hostile.nnlib"):
    """A file in safetensors layout with any header, as an attacker would write it."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return _write(tmp_path, len(raw).to_bytes(8, "little") + raw + body, name)


def _small_config(**layer):
    return {"layers": [{"in_features": 4, "out_features": 3, "activation": "identity", **layer}],
            "dtype": "float64", "compile": None}


@pytest.mark.parametrize("size", [8000, 10**12])
def test_a_small_file_declaring_a_huge_layer_allocates_nothing_large(tmp_path, size):
    import tracemalloc

    config = _small_config(in_features=size, out_features=size)
    fileformat.save_model_file(tmp_path / "big.nnlib", config, [np.zeros((3, 4)), np.zeros(3)])
    assert os.path.getsize(tmp_path / "big.nnlib") < 1000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=rf"big.nnlib: .*weights\[0\]: expected shape \({size}, {size}\), got \(3, 4\)"):
            nnlib.load_model(tmp_path / "big.nnlib")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000  # the 8000x8000 float64 layer alone would be 512 MB


def test_a_header_whose_tensors_do_not_fit_the_file(tmp_path):
    meta = {"format": "nnlib.model", "format_version": "1", "config": json.dumps(_small_config())}
    big = {"__metadata__": meta, "000": {"dtype": "F64", "shape": [100000, 100000], "data_offsets": [0, 8 * 10**10]}}
    with pytest.raises(ValueError, match=r"hostile.nnlib: corrupted nnlib model file \(tensor '000' .*declares 80000000000 bytes"):
        nnlib.load_model(_raw_file(tmp_path, big, b"\0" * 96))
    odd = {"__metadata__": meta, "000": {"dtype": "I64", "shape": [3, 4], "data_offsets": [0, 96]}}
    with pytest.raises(ValueError, match=r"hostile.nnlib: corrupted nnlib model file \(tensor '000' has dtype 'I64', expected one of \['F32', 'F64'\]"):
        nnlib.load_model(_raw_file(tmp_path, odd, b"\0" * 96))
    shape = {"__metadata__": meta, "000": {"dtype": "F64", "shape": "big", "data_offsets": [0, 96]}}
    with pytest.raises(ValueError, match=r"hostile.nnlib: corrupted nnlib model file \(tensor '000' has shape 'big', expected a list"):
        nnlib.load_model(_raw_file(tmp_path, shape, b"\0" * 96))


@pytest.mark.parametrize("metadata", [[1, 2], "text", 5])
def test_metadata_that_is_not_an_object(tmp_path, metadata):
    with pytest.raises(ValueError, match=r"hostile.nnlib: not an nnlib model file \(its __metadata__ is not a JSON object\)"):
        nnlib.load_model(_raw_file(tmp_path, {"__metadata__": metadata}))


def test_a_config_that_is_not_an_object(tmp_path):
    meta = {"format": "nnlib.model", "format_version": "1", "config": "[1, 2]"}
    with pytest.raises(ValueError, match=r"hostile.nnlib: corrupted nnlib model file \(its config is not a JSON object\)"):
        nnlib.load_model(_raw_file(tmp_path, {"__metadata__": meta}))


def test_deeply_nested_json_is_a_named_error(tmp_path):
    deep = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(ValueError, match=r"hostile.nnlib: not an nnlib model file, or corrupted \(its header is nested too deeply\)"):
        nnlib.load_model(_raw_file(tmp_path, b'{"a": ' + deep + b"}"))
    meta = {"format": "nnlib.model", "format_version": "1", "config": (b'{"a": ' + deep + b"}").decode()}
    with pytest.raises(ValueError, match=r"hostile.nnlib: corrupted nnlib model file \(its config is nested too deeply\)"):
        nnlib.load_model(_raw_file(tmp_path, {"__metadata__": meta}))


def test_an_activation_option_that_makes_every_output_nan(tmp_path):
    config = _small_config(activation="softplus", beta=0.0)
    fileformat.save_model_file(tmp_path / "beta.nnlib", config, [np.zeros((3, 4)), np.zeros(3)])
    with pytest.raises(ValueError, match=r"beta.nnlib: the model file does not describe a valid nnlib model .*beta: expected a number in"):
        nnlib.load_model(tmp_path / "beta.nnlib")


def test_devices_fifos_and_oversized_files_are_not_read(tmp_path, monkeypatch):
    zero = tmp_path / "zero.nnlib"
    zero.symlink_to("/dev/zero")
    with pytest.raises(ValueError, match=r"zero.nnlib: expected a regular file, got a character device"):
        nnlib.load_model(zero)
    fifo = tmp_path / "fifo.nnlib"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"fifo.nnlib: expected a regular file, got a FIFO"):
        nnlib.load_model(fifo)  # returns at once: opening the FIFO does not wait for a writer
    path = tmp_path / "m.nnlib"
    _model("numpy").save(path)
    monkeypatch.setattr(fileformat, "MAX_MODEL_BYTES", 1000)
    with pytest.raises(ValueError, match=rf"m.nnlib: {os.path.getsize(path)} bytes, more than the limit of 1000 bytes "
                                         r"for an nnlib model file \(nnlib.fileformat.MAX_MODEL_BYTES\)"):
        nnlib.load_model(path)
