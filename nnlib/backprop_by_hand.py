r"""Backpropagation by hand for the small network of ``06_backprop``: the forward and the backward pass in NumPy.

The network has 2 inputs, 2 hidden sigmoid neurons and 1 linear output, and its loss is the squared error:

.. math::

    z_j = \sum_i w_{ji} x_i + b_j, \qquad h_j = \sigma(z_j), \qquad
    \hat y = \sum_j v_j h_j + c, \qquad L = \operatorname{mean}\,(\hat y - t)^2

The parameters are a dict in nnlib's layout: ``W1`` (2, 2), ``b1`` (2,), ``W2`` (1, 2), ``b2`` (1,).
The exercises' checker (:mod:`nnlib.exercises.backprop`) and the diagrams (:mod:`nnlib.plots.backprop`) both
use it; it lives here, below both, because the library never imports the plots.
"""
import numpy as np

from .numpy_nn import stable_sigmoid

PARAMETERS = ("W1", "b1", "W2", "b2")


def example_network():
    r"""The walk's network, one example and its target: ``(params, x, t)``.

    Round numbers, so every step can be followed with a calculator: ``x = (1, 0.5)``, ``t = 1``.
    """
    params = {"W1": np.array([[0.5, -0.4], [0.3, 0.8]]), "b1": np.array([0.1, -0.2]),
              "W2": np.array([[0.7, -0.6]]), "b2": np.array([0.05])}
    return params, np.array([1.0, 0.5]), 1.0


def _as_batch(X, T):
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    T = np.asarray(T, dtype=np.float64).reshape(X.shape[0], 1)
    return X, T


def forward(params, X):
    r"""The forward pass for a batch ``X`` (N, 2): ``{"X", "Z1", "H", "Y"}``, shapes (N, 2), (N, 2), (N, 2), (N, 1).

    :math:`Z_1 = X W_1^\top + b_1`, :math:`H = \sigma(Z_1)`, :math:`Y = H W_2^\top + b_2`.
    """
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    Z1 = X @ params["W1"].T + params["b1"]
    H = stable_sigmoid(Z1)
    return {"X": X, "Z1": Z1, "H": H, "Y": H @ params["W2"].T + params["b2"]}


def backward(params, cache, T):
    r"""The backward pass: the chain rule from :math:`L = \operatorname{mean}(Y - T)^2` back to every parameter.

    Returns
    -------
    dict
        ``loss``; the gradients ``W1, b1, W2, b2`` (shapes of the parameters); and the error signals on the
        way, ``dY`` (N, 1), ``dH`` (N, 2), ``dZ1`` (N, 2), each :math:`\partial L/\partial` that quantity.
    """
    X, H, Y = cache["X"], cache["H"], cache["Y"]
    T = np.asarray(T, dtype=np.float64).reshape(Y.shape)
    dY = 2.0 * (Y - T) / Y.size        # d mean((Y - T)^2) / dY
    dH = dY @ params["W2"]             # each h_j reaches the loss through its weight v_j
    dZ1 = dH * H * (1.0 - H)           # sigmoid'(z) = h (1 - h)
    return {"loss": float(np.mean((Y - T) ** 2)), "dY": dY, "dH": dH, "dZ1": dZ1,
            "W2": dY.T @ H, "b2": dY.sum(axis=0), "W1": dZ1.T @ X, "b1": dZ1.sum(axis=0)}


def loss_and_gradients(params, X, T):
    """:func:`forward` then :func:`backward`: ``(loss, {"W1", "b1", "W2", "b2"})`` for the batch ``X, T``."""
    X, T = _as_batch(X, T)
    grads = backward(params, forward(params, X), T)
    return grads["loss"], {name: grads[name] for name in PARAMETERS}
