r"""Activation functions in PyTorch, with the same methods as ``nnlib.numpy_nn.activations``.

``forward`` uses PyTorch's own function and autograd; ``derivative`` and ``backward`` ask autograd
for the vector-Jacobian product, so the NumPy backend's hand-written derivatives are checked against
an independent computation.
"""
import torch
import torch.nn.functional as F

from .._validation import check_activation_option
from ._tensor import as_tensor, set_cache


class Activation(torch.nn.Module):
    name = "activation"

    def forward(self, x):
        set_cache(self, _x=x)
        return self._fn(x)

    def value(self, x):
        return self._fn(as_tensor(x))

    def derivative(self, x):
        """Element-wise :math:`f'(x)` (autograd of :math:`\\sum f(x)`)."""
        x = as_tensor(x).detach().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(self._fn(x).sum(), x)
        return g

    def backward(self, grad_output):
        """:math:`\\partial L/\\partial x` for the last ``forward`` input, given :math:`\\partial L/\\partial f(x)`."""
        x = self._x.detach().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(self._fn(x), x, grad_output)
        return g

    def get_config(self):
        return {}

    def extra_repr(self):
        return ", ".join(f"{k}={v}" for k, v in self.get_config().items())


class Identity(Activation):
    name = "identity"

    def _fn(self, x):
        return x

    def derivative(self, x):
        return torch.ones_like(as_tensor(x))

    def backward(self, grad_output):
        return grad_output


class Sigmoid(Activation):
    name = "sigmoid"

    def _fn(self, x):
        return torch.sigmoid(x)


class Tanh(Activation):
    name = "tanh"

    def _fn(self, x):
        return torch.tanh(x)


class ReLU(Activation):
    name = "relu"

    def _fn(self, x):
        return torch.relu(x)


class LeakyReLU(Activation):
    name = "leaky_relu"

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = check_activation_option("negative_slope", negative_slope)

    def _fn(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def get_config(self):
        return {"negative_slope": self.negative_slope}


class ELU(Activation):
    name = "elu"

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = check_activation_option("alpha", alpha)

    def _fn(self, x):
        return F.elu(x, self.alpha)

    def get_config(self):
        return {"alpha": self.alpha}


class Softplus(Activation):
    name = "softplus"

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = check_activation_option("beta", beta)
        self.threshold = check_activation_option("threshold", threshold)

    def _fn(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def get_config(self):
        return {"beta": self.beta, "threshold": self.threshold}


class GELU(Activation):
    name = "gelu"

    def _fn(self, x):
        return F.gelu(x)


class SiLU(Activation):
    name = "silu"

    def _fn(self, x):
        return F.silu(x)


class Softmax(Activation):
    name = "softmax"

    def _fn(self, x):
        return torch.softmax(x, dim=-1)

    def derivative(self, x):
        """The Jacobian's diagonal :math:`s_i(1 - s_i)` (the sum of a softmax row is constant)."""
        s = self.value(x)
        return s * (1 - s)


def log_softmax(x, axis=-1):
    return torch.log_softmax(as_tensor(x), dim=axis)


def softmax(x, axis=-1):
    return torch.softmax(as_tensor(x), dim=axis)


def stable_sigmoid(x):
    return torch.sigmoid(as_tensor(x))
