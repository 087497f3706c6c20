"""The torch backend on a CUDA GPU: picked by device="auto", trains, agrees with the CPU, files move freely.

Skipped on machines without CUDA (``pytest -m cuda`` runs only these).
"""
import numpy as np
import pytest
import torch

import nnlib
from nnlib import torch_nn as tnn
from nnlib.torch_nn import engine

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[3.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, 3.0, 0]])
    labels = rng.integers(0, 3, size=n)
    return centres[labels] + rng.normal(0, 0.7, size=(n, 4)), labels


def _model(device, dtype="float64"):
    model = nnlib.Sequential([nnlib.Dense(4, 16, "relu"), nnlib.Dense(16, 3)], backend="torch", seed=0,
                             dtype=dtype, device=device)
    return model.compile(loss="cross_entropy", optimizer="sgd", learning_rate=0.1, momentum=0.5)


def test_auto_picks_cuda():
    assert engine.resolve_device("auto") == "cuda"
    model = nnlib.Sequential([nnlib.Dense(4, 3)], backend="torch")
    assert model.device == "cuda"
    assert all(p.device.type == "cuda" for p in model.net.parameters())
    assert tnn.Linear(4, 3, device="cuda").weight.device.type == "cuda"


def test_a_model_trains_on_cuda():
    X, y = _data()
    model = _model("auto")
    history = model.fit(X, y, epochs=10, batch_size=16, verbose=0)
    assert model.evaluate(X, y)["accuracy"] >= 0.97
    assert history["loss"][-1] < 0.3 * history["loss"][0]
    probs = model.predict(X)
    assert isinstance(probs, np.ndarray) and probs.shape == (200, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("k", [1, 4])
def test_cuda_and_cpu_agree_in_float64(k):
    X, y = _data()
    gpu, cpu = _model("cuda"), _model("cpu")
    for a, b in zip(gpu.gradients(X, y), cpu.gradients(X, y)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    gpu.fit(X, y, epochs=3, batch_size=32, accumulation_steps=k, verbose=0)
    cpu.fit(X, y, epochs=3, batch_size=32, accumulation_steps=k, verbose=0)
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
    np.testing.assert_allclose(gpu.predict(X), cpu.predict(X), rtol=0, atol=1e-10)
    numpy_model = nnlib.Sequential([nnlib.Dense(4, 16, "relu"), nnlib.Dense(16, 3)], backend="numpy", seed=0)
    numpy_model.compile(loss="cross_entropy", optimizer="sgd", learning_rate=0.1, momentum=0.5)
    numpy_model.fit(X, y, epochs=3, batch_size=32, accumulation_steps=k, verbose=0)
    for a, b in zip(gpu.get_weights(), numpy_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_save_on_cuda_load_on_cpu_and_back(tmp_path):
    X, y = _data()
    model = _model("cuda")
    model.fit(X, y, epochs=2, batch_size=32, verbose=0)
    model.save(tmp_path / "gpu.nnlib")
    for backend, device in (("torch", "cpu"), ("numpy", "cpu"), ("torch", "cuda")):
        loaded = nnlib.load_model(tmp_path / "gpu.nnlib", backend=backend, device=device)
        for a, b in zip(loaded.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-12, atol=1e-14)
        assert loaded.get_config() == model.get_config()


def test_float32_on_cuda_is_close_to_the_cpu():
    X, y = _data()
    gpu, cpu = _model("cuda", "float32"), _model("cpu", "float32")
    gpu.fit(X, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    cpu.fit(X, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-3)  # TF32 or another summation order may round differently
