r"""Initial weights, drawn once in NumPy so both backends start from the same numbers.

A layer with :math:`n_{in}` inputs and :math:`n_{out}` outputs draws its weight matrix from one of these
(Keras's names; PyTorch's ``torch.nn.init`` functions of the same spread in brackets):

====================  ============================================================  ==========================
name                  weights                                                       bias
====================  ============================================================  ==========================
``"torch_default"``   :math:`U(-1/\sqrt{n_{in}},\ 1/\sqrt{n_{in}})` (``nn.Linear``)  the same uniform
``"glorot_uniform"``  :math:`U(-a, a)`, :math:`a = \sqrt{6/(n_{in}+n_{out})}`        zeros
``"glorot_normal"``   :math:`N(0, \sigma^2)`, :math:`\sigma = \sqrt{2/(n_{in}+n_{out})}`  zeros
``"he_uniform"``      :math:`U(-a, a)`, :math:`a = \sqrt{6/n_{in}}`                   zeros
``"he_normal"``       :math:`N(0, \sigma^2)`, :math:`\sigma = \sqrt{2/n_{in}}`          zeros
``"zeros"``           all 0 (never trains: every neuron of a layer stays the same)  zeros
====================  ============================================================  ==========================

Glorot (Xavier) keeps the variance of the signal about constant through layers without a gain
(tanh near 0); He doubles it for ReLU, which zeroes half of its inputs. The normal ones are the
textbook (and ``torch.nn.init``) untruncated normals; Keras truncates at two standard deviations.
"""
import numpy as np

from ._validation import check_choice

#: the initializer names ``Dense(..., kernel_initializer=...)`` accepts; the first is the default
INITIALIZERS = ("torch_default", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "zeros")


def init_name(name):
    """The canonical initializer name (``"xavier_..."`` is ``"glorot_..."``, ``"kaiming_..."`` is ``"he_..."``)."""
    if not isinstance(name, str):
        raise TypeError(f"kernel_initializer: expected a name (str), got {type(name).__name__} {name!r}")
    key = name.strip().lower().replace("-", "_").replace("xavier", "glorot").replace("kaiming", "he")
    return check_choice(key, INITIALIZERS, "kernel_initializer", given=name)


def weight_std(name, in_features, out_features):
    r"""The standard deviation of one weight under initializer ``name``: a uniform :math:`U(-a, a)` has :math:`a/\sqrt3`."""
    name = init_name(name)
    if name == "zeros":
        return 0.0
    if name == "torch_default":
        variance = 1.0 / (3.0 * in_features)
    elif name.startswith("glorot"):
        variance = 2.0 / (in_features + out_features)
    else:  # He
        variance = 2.0 / in_features
    return float(np.sqrt(variance))


def linear_init(rng, in_features, out_features, dtype="float64", kernel_initializer="torch_default"):
    r"""The initial ``weight`` and ``bias`` of a dense layer (see the module's table).

    Parameters
    ----------
    rng : numpy.random.Generator
    in_features, out_features : int
    dtype : str
    kernel_initializer : str
        One of :data:`INITIALIZERS`.

    Returns
    -------
    weight : ndarray, shape (out_features, in_features)
    bias : ndarray, shape (out_features,)
    """
    name = init_name(kernel_initializer)
    shape = (out_features, in_features)
    if name == "torch_default":
        bound = 1.0 / np.sqrt(in_features)
        weight = rng.uniform(-bound, bound, size=shape).astype(dtype)
        bias = rng.uniform(-bound, bound, size=out_features).astype(dtype)
        return weight, bias
    std = weight_std(name, in_features, out_features)
    if name == "zeros":
        weight = np.zeros(shape)
    elif name.endswith("uniform"):
        weight = rng.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, size=shape)
    else:
        weight = rng.normal(0.0, std, size=shape)
    return weight.astype(dtype), np.zeros(out_features, dtype=dtype)
