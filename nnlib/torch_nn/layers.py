"""Layers in PyTorch with the names and shapes of ``nnlib.numpy_nn.layers``.

The initial weights come from the same NumPy draw as the NumPy backend's, so one seed gives one
network in both backends.
"""
import numpy as np
import torch
import torch.nn.functional as F

from ..initializers import linear_init
from ._tensor import set_cache

Parameter = torch.nn.Parameter


class Linear(torch.nn.Module):
    r"""Fully connected layer :math:`Z = X W^\top + b`; ``weight`` (out, in), ``bias`` (out,)."""

    def __init__(self, in_features, out_features, bias=True, *, rng=None, dtype="float64", device="cpu",
                 kernel_initializer="torch_default"):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        w, b = linear_init(rng, self.in_features, self.out_features, dtype, kernel_initializer)
        self.weight = Parameter(torch.tensor(w, device=device))
        self.bias = Parameter(torch.tensor(b, device=device)) if bias else None

    def forward(self, x):
        set_cache(self, _x=x)
        return F.linear(x, self.weight, self.bias)

    def backward(self, grad_output):
        """Adds dL/dW and dL/db to ``.grad`` (autograd accumulates) and returns dL/dX."""
        x = self._x.detach().requires_grad_(True)
        with torch.enable_grad():
            z = F.linear(x, self.weight, self.bias)
            z.backward(grad_output)
        return x.grad

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Sequential(torch.nn.Sequential):
    """``torch.nn.Sequential`` plus the NumPy backend's ``backward(grad_output)``."""

    def forward(self, x):
        set_cache(self, _x=x)
        return super().forward(x)

    def backward(self, grad_output):
        x = self._x.detach().requires_grad_(True)
        with torch.enable_grad():
            super().forward(x).backward(grad_output)
        return x.grad
