"""Names shared by both backends: activations, losses, optimizers and their aliases.

One place decides which spellings a learner may use (``"swish"`` is ``"silu"``, ``"mae"`` is
``"l1"``...), so the NumPy and the PyTorch backend can never disagree about what a name means.
"""
import numpy as np

from ._validation import check_choice

#: canonical activation name -> class name used by both backends
ACTIVATIONS = {
    "identity": "Identity",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "elu": "ELU",
    "softplus": "Softplus",
    "gelu": "GELU",
    "silu": "SiLU",
    "softmax": "Softmax",
}
#: keyword options each activation takes (``Dense(..., activation="elu", alpha=0.5)``)
ACTIVATION_OPTIONS = {"leaky_relu": ("negative_slope",), "elu": ("alpha",), "softplus": ("beta", "threshold")}
ACTIVATION_ALIASES = {"linear": "identity", "none": "identity", "swish": "silu", "leakyrelu": "leaky_relu"}

#: canonical loss name -> class name used by both backends
LOSSES = {
    "mse": "MSELoss",
    "mae": "L1Loss",
    "huber": "HuberLoss",
    "binary_cross_entropy": "BCELoss",
    "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "cross_entropy": "CrossEntropyLoss",
}
LOSS_ALIASES = {
    "mean_squared_error": "mse",
    "l2": "mse",
    "mean_absolute_error": "mae",
    "l1": "mae",
    "bce": "binary_cross_entropy",
    "binary_crossentropy": "binary_cross_entropy",
    "bce_with_logits": "binary_cross_entropy_with_logits",
    "categorical_crossentropy": "cross_entropy",
    "sparse_categorical_crossentropy": "cross_entropy",
    "crossentropy": "cross_entropy",
}
# PyTorch's class names work as names too ("BCEWithLogitsLoss", "CrossEntropyLoss"): the notebooks use them
LOSS_ALIASES.update({cls.lower(): name for name, cls in LOSSES.items()})
ACTIVATION_ALIASES.update({cls.lower(): name for name, cls in ACTIVATIONS.items() if cls.lower() != name})
CLASSIFICATION_LOSSES = ("binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy")

OPTIMIZERS = {"sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}

DTYPES = ("float32", "float64")


def activation_name(name):
    """Canonical activation name for ``name`` (``None`` means identity)."""
    if name is None:
        return "identity"
    key = _normalise(name, "activation")
    key = ACTIVATION_ALIASES.get(key, key)
    return check_choice(key, ACTIVATIONS, "activation", given=name)


def loss_name(name):
    """Canonical loss name for ``name``."""
    key = _normalise(name, "loss")
    key = LOSS_ALIASES.get(key, key)
    return check_choice(key, LOSSES, "loss", given=name)


def optimizer_name(name):
    """Canonical optimizer name for ``name``."""
    return check_choice(_normalise(name, "optimizer"), OPTIMIZERS, "optimizer", given=name)


def dtype_name(dtype):
    """``"float32"`` or ``"float64"`` from a string or a NumPy/torch dtype."""
    text = str(dtype).replace("torch.", "").replace("numpy.", "")
    if isinstance(dtype, type) and issubclass(dtype, np.generic):  # np.float32, the class itself
        text = np.dtype(dtype).name
    if text in ("float", "double"):
        text = {"float": "float32", "double": "float64"}[text]
    return check_choice(text, DTYPES, "dtype", given=dtype)


def _normalise(name, what):
    if not isinstance(name, str):
        raise TypeError(f"{what}: expected a name (str), got {type(name).__name__} {name!r}")
    return name.strip().lower().replace("-", "_").replace(" ", "_")
