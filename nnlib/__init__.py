"""nnlib: the library behind the neural-network course.

One public API, two backends::

    import nnlib
    model = nnlib.Sequential([nnlib.Dense(4, 16, activation="relu"), nnlib.Dense(16, 3)],
                             backend="numpy", seed=0, dtype="float64")   # or backend="torch"

Low level, PyTorch's names: ``from nnlib import numpy_nn as nn`` (forward and backward by hand) or
``from nnlib import torch_nn as nn`` (PyTorch).
"""
from .model import Dense, History, NonFiniteLossError, Sequential, load_model

__version__ = "0.1.0"
__all__ = ["Dense", "Sequential", "History", "NonFiniteLossError", "load_model", "__version__"]
