"""Initial weights: Keras's initializer names, the textbook spreads, the same numbers in both backends."""
import numpy as np
import pytest
import torch

import nnlib
from nnlib import initializers as init
from nnlib import numpy_nn as nn
from nnlib import torch_nn as tnn

NAMED = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal"]


@pytest.mark.parametrize("name", init.INITIALIZERS)
def test_the_same_seed_gives_the_same_weights_in_both_backends(name):
    ours = nnlib.Sequential([nnlib.Dense(5, 7, "relu", kernel_initializer=name), nnlib.Dense(7, 2)], seed=4)
    theirs = nnlib.Sequential([nnlib.Dense(5, 7, "relu", kernel_initializer=name), nnlib.Dense(7, 2)],
                              backend="torch", seed=4, device="cpu")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    low = nn.Linear(5, 7, rng=4, kernel_initializer=name)
    np.testing.assert_array_equal(low.weight.data, tnn.Linear(5, 7, rng=4, kernel_initializer=name).weight.detach().numpy())


def test_the_default_is_unchanged_pytorchs_uniform():
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(6)
    expected_w, expected_b = rng.uniform(-bound, bound, (4, 6)), rng.uniform(-bound, bound, 4)
    layer = nn.Linear(6, 4, rng=0)
    np.testing.assert_array_equal(layer.weight.data, expected_w)
    np.testing.assert_array_equal(layer.bias.data, expected_b)
    assert nnlib.Dense(6, 4).get_config() == {"in_features": 6, "out_features": 4, "activation": "identity"}


@pytest.mark.parametrize("name, std", [
    ("glorot_uniform", np.sqrt(2 / (400 + 300))), ("glorot_normal", np.sqrt(2 / (400 + 300))),
    ("he_uniform", np.sqrt(2 / 400)), ("he_normal", np.sqrt(2 / 400)), ("torch_default", np.sqrt(1 / (3 * 400))),
])
def test_the_spread_is_the_textbook_one(name, std):
    w, b = init.linear_init(np.random.default_rng(1), 400, 300, kernel_initializer=name)
    assert w.shape == (300, 400) and w.dtype == np.float64
    assert init.weight_std(name, 400, 300) == pytest.approx(std, rel=1e-15)
    # 120,000 draws: the sample std is within 1 % of the true one with overwhelming probability
    # (its relative standard error is about 1/sqrt(2n) = 0.2 % for a normal, less for a uniform)
    assert np.std(w) == pytest.approx(std, rel=0.01)
    assert abs(np.mean(w)) < 5 * std / np.sqrt(w.size)
    if name.endswith("uniform") or name == "torch_default":
        assert np.abs(w).max() <= np.sqrt(3) * std  # a uniform's bound: std times sqrt(3)
        assert np.abs(w).max() > 0.99 * np.sqrt(3) * std
    else:
        assert np.abs(w).max() > 3.5 * std  # a normal's tails: not truncated at 2 std as Keras's
    if name != "torch_default":
        assert np.all(b == 0)


def test_zeros_and_aliases():
    w, b = init.linear_init(np.random.default_rng(0), 3, 2, "float32", kernel_initializer="zeros")
    assert w.dtype == np.float32 and not w.any() and not b.any()
    assert init.init_name("Xavier-Uniform") == "glorot_uniform" and init.init_name("kaiming_normal") == "he_normal"
    assert nnlib.Dense(3, 2, kernel_initializer="kaiming_normal").kernel_initializer == "he_normal"


def test_unknown_or_wrong_type_is_refused_naming_the_argument():
    with pytest.raises(ValueError, match=r"kernel_initializer: expected one of \['glorot_normal', .*\], got 'lecun'"):
        nnlib.Dense(3, 2, kernel_initializer="lecun")
    with pytest.raises(TypeError, match="kernel_initializer: expected a name"):
        nnlib.Dense(3, 2, kernel_initializer=0.1)
    with pytest.raises(ValueError, match="kernel_initializer"):
        nn.Linear(3, 2, kernel_initializer="ones")


def test_the_initializer_survives_a_saved_model(tmp_path):
    model = nnlib.Sequential([nnlib.Dense(3, 4, "relu", kernel_initializer="he_normal"), nnlib.Dense(4, 1)], seed=2)
    model.compile("mse")
    model.save(tmp_path / "m.nnlib")
    loaded = nnlib.load_model(tmp_path / "m.nnlib", backend="torch", device="cpu")
    assert loaded.get_config() == model.get_config()
    assert loaded.layers[0].kernel_initializer == "he_normal"
    assert "kernel_initializer='he_normal'" in repr(model)


def test_a_torch_layer_accepts_the_same_names():
    layer = tnn.Linear(10, 3, rng=0, kernel_initializer="zeros")
    assert torch.count_nonzero(layer.weight) == 0
