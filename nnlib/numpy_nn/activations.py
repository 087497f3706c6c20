r"""Activation functions in NumPy, forward and backward written by hand.

Every activation has the same four methods:

- ``value(x)``: :math:`f(x)`, nothing cached (for plots);
- ``derivative(x)``: :math:`f'(x)` element by element (for plots);
- ``forward(x)`` (or calling the object): :math:`f(x)`, caching what ``backward`` needs;
- ``backward(grad_output)``: :math:`\partial L / \partial x` from :math:`\partial L / \partial f(x)`.

For element-wise functions ``backward`` is ``grad_output * f'(x)``. Softmax mixes a row's entries,
so its backward is a Jacobian-vector product instead. Shapes: any ``(..., n)``; output has the
shape of the input.
"""
import math

import numpy as np
from scipy.special import erf

from .._validation import check_activation_option


def stable_sigmoid(x):
    r""":math:`\sigma(x) = 1 / (1 + e^{-x})` without overflow: only :math:`e^{-|x|} \le 1` is computed."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_softmax(x, axis=-1):
    r""":math:`x_i - \log \sum_j e^{x_j}` computed as :math:`x_i - m - \log \sum_j e^{x_j - m}`, :math:`m = \max_j x_j`."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x, axis=-1):
    r""":math:`e^{x_i - m} / \sum_j e^{x_j - m}`: shifting by the row maximum keeps every exponent <= 0."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


class Activation:
    """Shared behaviour: subclasses define ``value`` and ``_local_grad(x, y)``."""

    name = "activation"

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        self._x = x
        self._y = self.value(x)
        return self._y

    def backward(self, grad_output):
        return grad_output * self._local_grad(self._x, self._y)

    def derivative(self, x):
        x = np.asarray(x, dtype=float) if not isinstance(x, np.ndarray) else x
        return self._local_grad(x, self.value(x))

    def get_config(self):
        """Keyword arguments that rebuild this activation."""
        return {}

    def parameters(self):
        return []

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Identity(Activation):
    r""":math:`f(x) = x`, :math:`f'(x) = 1`."""

    name = "identity"

    def value(self, x):
        return x

    def _local_grad(self, x, y):
        return np.ones_like(x)

    def backward(self, grad_output):
        return grad_output


class Sigmoid(Activation):
    r""":math:`\sigma(x) = 1/(1+e^{-x})`, :math:`\sigma'(x) = \sigma(x)(1-\sigma(x))`. Range (0, 1)."""

    name = "sigmoid"

    def value(self, x):
        return stable_sigmoid(x)

    def _local_grad(self, x, y):
        return y * (1.0 - y)


class Tanh(Activation):
    r""":math:`\tanh(x)`, derivative :math:`1 - \tanh^2(x)`. Range (-1, 1)."""

    name = "tanh"

    def value(self, x):
        return np.tanh(x)

    def _local_grad(self, x, y):
        return 1.0 - y * y


class ReLU(Activation):
    r""":math:`\max(0, x)`, derivative 1 for :math:`x > 0`, else 0 (0 at :math:`x = 0`, as PyTorch)."""

    name = "relu"

    def value(self, x):
        return np.maximum(x, 0)

    def _local_grad(self, x, y):
        return (x > 0).astype(x.dtype)

    def backward(self, grad_output):
        return grad_output * (self._x > 0)  # a boolean mask multiplies as 0/1, keeping the dtype


class LeakyReLU(Activation):
    r""":math:`x` for :math:`x > 0`, else :math:`a x`; derivative 1 or :math:`a` (``negative_slope``)."""

    name = "leaky_relu"

    def __init__(self, negative_slope=0.01):
        self.negative_slope = check_activation_option("negative_slope", negative_slope)

    def value(self, x):
        return np.where(x > 0, x, self.negative_slope * x)

    def _local_grad(self, x, y):
        return np.where(x > 0, 1.0, self.negative_slope).astype(x.dtype)

    def get_config(self):
        return {"negative_slope": self.negative_slope}


class ELU(Activation):
    r""":math:`x` for :math:`x > 0`, else :math:`\alpha(e^x - 1)`; derivative 1 or :math:`\alpha e^x = f(x) + \alpha`."""

    name = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = check_activation_option("alpha", alpha)

    def value(self, x):
        # expm1 on min(x, 0) only: exp of a large positive x would overflow in the unused branch
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def _local_grad(self, x, y):
        return np.where(x > 0, 1.0, y + self.alpha).astype(x.dtype)

    def get_config(self):
        return {"alpha": self.alpha}


class Softplus(Activation):
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x})`, derivative :math:`\sigma(\beta x)`.

    Like PyTorch, it returns :math:`x` where :math:`\beta x >` ``threshold`` (there the two differ by
    less than :math:`e^{-20}`).
    """

    name = "softplus"

    def __init__(self, beta=1.0, threshold=20.0):
        self.beta = check_activation_option("beta", beta)
        self.threshold = check_activation_option("threshold", threshold)

    def value(self, x):
        bx = self.beta * x
        return np.where(bx > self.threshold, x, np.logaddexp(0, bx) / self.beta)

    def _local_grad(self, x, y):
        bx = self.beta * x
        return np.where(bx > self.threshold, 1.0, stable_sigmoid(bx)).astype(x.dtype)

    def get_config(self):
        return {"beta": self.beta, "threshold": self.threshold}


class GELU(Activation):
    r""":math:`x\,\Phi(x)` with :math:`\Phi` the standard normal CDF; derivative :math:`\Phi(x) + x\,\varphi(x)`."""

    name = "gelu"

    def value(self, x):
        return x * _normal_cdf(x)

    def _local_grad(self, x, y):
        pdf = np.exp(-0.5 * x * x) * _INV_SQRT_2PI
        return _normal_cdf(x) + x * pdf


class SiLU(Activation):
    r"""Swish: :math:`x\,\sigma(x)`; derivative :math:`\sigma(x)\,(1 + x(1 - \sigma(x)))`."""

    name = "silu"

    def value(self, x):
        return x * stable_sigmoid(x)

    def _local_grad(self, x, y):
        s = stable_sigmoid(x)
        return s * (1.0 + x * (1.0 - s))


class Softmax(Activation):
    r""":math:`s_i = e^{x_i} / \sum_j e^{x_j}` along the last axis.

    ``backward`` is the Jacobian-vector product :math:`s \odot (g - \langle g, s \rangle)`, which is
    :math:`J^\top g` with :math:`J_{ij} = s_i(\delta_{ij} - s_j)` without building :math:`J`.
    ``derivative`` returns the Jacobian's diagonal :math:`s_i(1 - s_i)` (for plots).
    """

    name = "softmax"

    def value(self, x):
        return softmax(x, axis=-1)

    def _local_grad(self, x, y):
        return y * (1.0 - y)

    def backward(self, grad_output):
        s = self._y
        return s * (grad_output - (grad_output * s).sum(axis=-1, keepdims=True))


# Python floats, not NumPy float64 scalars: those would promote float32 arrays to float64.
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _normal_cdf(x):
    return 0.5 * (1.0 + erf(x * _INV_SQRT_2))
