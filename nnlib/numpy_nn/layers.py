r"""Layers in NumPy: a ``Parameter`` holds a value and its gradient, ``Linear`` is the dense layer,
``Sequential`` chains modules.

Gradients *accumulate*: each ``backward`` adds (``+=``) to ``param.grad`` until ``zero_grad()``
clears it, exactly like PyTorch. That is what makes gradient accumulation work.
``zero_grad(set_to_none=True)`` (PyTorch's default, used by ``Sequential.fit``) drops the arrays
instead of filling them with zeros: the next ``backward`` then stores its gradient as it is,
the same numbers without a pass over memory for the fill and another for the ``+=``.
"""
from collections import OrderedDict

import numpy as np

from ..initializers import linear_init


class Parameter:
    """A trainable array ``data`` and the gradient ``grad`` accumulated for it (same shape)."""

    def __init__(self, data):
        self.data = data
        self.grad = np.zeros_like(data)

    def zero_grad(self, set_to_none=False):
        """Clear the gradient: fill it with zeros, or with ``set_to_none=True`` drop it (``grad = None``)."""
        if set_to_none:
            self.grad = None
        elif self.grad is None:
            self.grad = np.zeros_like(self.data)
        else:
            self.grad.fill(0)

    def accumulate(self, grad):
        """Add ``grad`` to ``.grad``; after ``zero_grad(set_to_none=True)`` keep ``grad`` itself (0 + g is g).

        ``grad`` must be a fresh array that nothing else writes to: the next call adds to it in place.
        """
        if self.grad is None:
            self.grad = grad
        else:
            self.grad += grad

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Linear:
    r"""Fully connected layer :math:`Z = X W^\top + b`.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    rng : numpy.random.Generator or int, optional
        Source of the initial weights.
    dtype : str
    kernel_initializer : str
        How the initial weights are drawn (:mod:`nnlib.initializers`); the default is PyTorch's,
        :math:`U(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})`.

    Shapes: ``X`` (N, in_features) -> ``Z`` (N, out_features); ``weight`` (out_features, in_features),
    ``bias`` (out_features,).

    Backward, for upstream gradient :math:`G = \partial L/\partial Z` (N, out):
    :math:`\partial L/\partial W = G^\top X`, :math:`\partial L/\partial b = \sum_n G_n`,
    :math:`\partial L/\partial X = G W`.
    """

    def __init__(self, in_features, out_features, bias=True, *, rng=None, dtype="float64", device="cpu",
                 kernel_initializer="torch_default"):
        if device not in ("cpu", None):
            raise ValueError(f"device: the numpy backend runs on the CPU only, got {device!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        w, b = linear_init(rng, self.in_features, self.out_features, dtype, kernel_initializer)
        self.weight = Parameter(w)
        self.bias = Parameter(b) if bias else None

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        self._x = x  # backward needs the input for dL/dW
        z = x @ self.weight.data.T
        if self.bias is not None:
            z += self.bias.data
        return z

    def backward(self, grad_output, input_grad=True):
        """Add dL/dW and dL/db to ``.grad``; return dL/dX (``None`` with ``input_grad=False``).

        Training never needs dL/dX of the first layer (X is data), and it costs as much as dL/dW.
        """
        self.weight.accumulate(grad_output.T @ self._x)
        if self.bias is not None:
            self.bias.accumulate(grad_output.sum(axis=0))
        return grad_output @ self.weight.data if input_grad else None

    def parameters(self):
        return [self.weight] if self.bias is None else [self.weight, self.bias]

    def named_parameters(self):
        return [("weight", self.weight)] + ([("bias", self.bias)] if self.bias is not None else [])

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None})"


class Sequential:
    """Modules applied in order; ``backward`` walks them in reverse (the chain rule)."""

    def __init__(self, *modules):
        self.modules = list(modules)

    def __call__(self, x):
        return self.forward(x)

    def __getitem__(self, i):
        return self.modules[i]

    def __len__(self):
        return len(self.modules)

    def forward(self, x):
        for m in self.modules:
            x = m.forward(x)
        return x

    def backward(self, grad_output, input_grad=True):
        """Walk the modules in reverse; ``input_grad=False`` skips dL/dX of a first ``Linear`` (returns ``None``)."""
        for m in self.modules[:0:-1]:
            grad_output = m.backward(grad_output)
        first = self.modules[0]
        if not input_grad and isinstance(first, Linear):
            return first.backward(grad_output, input_grad=False)
        return first.backward(grad_output)

    def parameters(self):
        return [p for m in self.modules for p in m.parameters()]

    def zero_grad(self, set_to_none=False):
        for p in self.parameters():
            p.zero_grad(set_to_none)

    def state_dict(self):
        """``{"0.weight": array, "0.bias": array, ...}``: PyTorch's names, copies of the values."""
        return OrderedDict(
            (f"{i}.{name}", p.data.copy())
            for i, m in enumerate(self.modules)
            if hasattr(m, "named_parameters")
            for name, p in m.named_parameters()
        )

    def load_state_dict(self, state):
        own = {f"{i}.{name}": p for i, m in enumerate(self.modules) if hasattr(m, "named_parameters") for name, p in m.named_parameters()}
        if set(own) != set(state):
            raise ValueError(f"state: expected keys {sorted(own)}, got {sorted(state)}")
        for key, p in own.items():
            value = np.asarray(state[key])
            if value.shape != p.data.shape:
                raise ValueError(f"state[{key!r}]: expected shape {p.data.shape}, got {value.shape}")
            p.data[...] = value

    def __repr__(self):
        inner = "\n".join(f"  ({i}): {m!r}" for i, m in enumerate(self.modules))
        return f"Sequential(\n{inner}\n)"
