"""Initial weights, drawn once in NumPy so both backends start from the same numbers."""
import numpy as np


def linear_init(rng, in_features, out_features, dtype="float64"):
    r"""PyTorch's default for ``Linear``: :math:`W, b \sim U(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})`.

    Parameters
    ----------
    rng : numpy.random.Generator
    in_features, out_features : int
    dtype : str

    Returns
    -------
    weight : ndarray, shape (out_features, in_features)
    bias : ndarray, shape (out_features,)
    """
    bound = 1.0 / np.sqrt(in_features)
    weight = rng.uniform(-bound, bound, size=(out_features, in_features)).astype(dtype)
    bias = rng.uniform(-bound, bound, size=out_features).astype(dtype)
    return weight, bias
