r"""Loss functions in PyTorch with the signature of ``nnlib.numpy_nn.losses``.

``loss(prediction, target)`` returns a 0-d tensor (call ``.backward()`` on it, or ``float()`` it);
``backward()`` returns :math:`\partial L/\partial \text{prediction}` computed by autograd.
Each subclass writes the formula in ``_fn``; ``forward``, ``value`` and ``gradient`` check the shapes first.
"""
import torch
import torch.nn.functional as F

from .._validation import check_binary_cross_entropy, check_class_indices, check_positive_float, check_same_shape
from ._tensor import as_tensor, set_cache


class Loss(torch.nn.Module):
    name = "loss"

    def forward(self, prediction, target, check=True):
        """``check=False`` skips the shape check: ``Sequential.fit`` checks its targets once per call."""
        if check:
            self.check(prediction, target)
        set_cache(self, _cache=(prediction, target))
        return self._fn(prediction, target)

    def value(self, prediction, target):
        prediction, target = as_tensor(prediction), as_tensor(target)
        self.check(prediction, target)
        return self._fn(prediction, target)

    def gradient(self, prediction, target):
        p, target = as_tensor(prediction).detach().requires_grad_(True), as_tensor(target)
        self.check(p, target)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(self._fn(p, target), p)
        return g

    def check(self, prediction, target):
        """Raise a ``ValueError`` unless ``target`` fits ``prediction`` (no silent broadcasting)."""
        check_same_shape(prediction, target)

    def backward(self):
        return self.gradient(*self._cache)

    def get_config(self):
        return {}


class MSELoss(Loss):
    name = "mse"

    def _fn(self, p, t):
        return F.mse_loss(p, t)


class L1Loss(Loss):
    name = "mae"

    def _fn(self, p, t):
        return F.l1_loss(p, t)


class HuberLoss(Loss):
    name = "huber"

    def __init__(self, delta=1.0):
        super().__init__()
        self.delta = check_positive_float(delta, "delta")

    def _fn(self, p, t):
        return F.huber_loss(p, t, delta=self.delta)

    def get_config(self):
        return {"delta": self.delta}


class BCELoss(Loss):
    name = "binary_cross_entropy"

    def check(self, prediction, target):
        check_binary_cross_entropy(prediction, target)

    def _fn(self, p, t):
        return F.binary_cross_entropy(p, t)


class BCEWithLogitsLoss(Loss):
    name = "binary_cross_entropy_with_logits"

    def _fn(self, p, t):
        return F.binary_cross_entropy_with_logits(p, t)


class CrossEntropyLoss(Loss):
    name = "cross_entropy"

    def _fn(self, p, t):
        if t.ndim == 1:
            return F.cross_entropy(p, t.long())
        return F.cross_entropy(p, t)

    def check(self, prediction, target):
        if target.ndim == 1:
            check_class_indices(prediction, target)
        else:
            check_same_shape(prediction, target)
