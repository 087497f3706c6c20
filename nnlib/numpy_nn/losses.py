r"""Loss functions in NumPy, value and gradient written by hand.

Every loss has one signature: ``loss(prediction, target)`` returns the mean loss (a float) and
caches what ``backward()`` needs; ``backward()`` returns :math:`\partial L / \partial \text{prediction}`,
shaped like the prediction. ``value(prediction, target)`` and ``gradient(prediction, target)`` do
the same without caching (for plots). The mean runs over every element (PyTorch's
``reduction="mean"``), except cross-entropy, whose mean runs over the rows (samples).
Each subclass writes the formulas in ``_value`` and ``_gradient``; ``value``, ``gradient`` and
``forward`` check the shapes first.
"""
import numpy as np

from .._validation import check_binary_cross_entropy, check_class_indices, check_positive_float, check_same_shape
from .activations import log_softmax, softmax, stable_sigmoid


class Loss:
    """Shared behaviour: subclasses define ``_value`` and ``_gradient``."""

    name = "loss"

    def __call__(self, prediction, target):
        return self.forward(prediction, target)

    def forward(self, prediction, target, check=True):
        """``value``, remembering the arguments for ``backward``.

        ``check=False`` skips the shape check: ``Sequential.fit`` checks its targets once per call,
        so the training step does not repeat it for every batch.
        """
        if check:
            self.check(prediction, target)
        self._cache = (prediction, target)
        return self._value(prediction, target)

    def value(self, prediction, target):
        """The mean loss, a float."""
        self.check(prediction, target)
        return self._value(prediction, target)

    def gradient(self, prediction, target):
        """d(mean loss)/d(prediction), shaped like the prediction."""
        self.check(prediction, target)
        return self._gradient(prediction, target)

    def check(self, prediction, target):
        """Raise a ``ValueError`` unless ``target`` fits ``prediction`` (no silent broadcasting)."""
        check_same_shape(prediction, target)

    def backward(self):
        return self._gradient(*self._cache)  # forward checked them

    def get_config(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MSELoss(Loss):
    r"""Mean squared error :math:`\frac{1}{N}\sum (p - t)^2`; gradient :math:`\frac{2}{N}(p - t)`. Shapes: p, t any, equal."""

    name = "mse"

    def _value(self, prediction, target):
        d = prediction - target
        return float(np.mean(d * d))

    def _gradient(self, prediction, target):
        return (2.0 / prediction.size) * (prediction - target)


class L1Loss(Loss):
    r"""Mean absolute error :math:`\frac{1}{N}\sum |p - t|`; gradient :math:`\frac{1}{N}\operatorname{sign}(p - t)` (0 at a tie)."""

    name = "mae"

    def _value(self, prediction, target):
        return float(np.mean(np.abs(prediction - target)))

    def _gradient(self, prediction, target):
        return np.sign(prediction - target) / prediction.size


class HuberLoss(Loss):
    r"""Huber: :math:`\frac12 d^2` where :math:`|d| < \delta`, else :math:`\delta(|d| - \frac12\delta)`, :math:`d = p - t`.

    Gradient :math:`\frac{1}{N} \operatorname{clip}(d, -\delta, \delta)`: quadratic near the target like
    MSE, linear far away like MAE, so one outlier cannot dominate.
    """

    name = "huber"

    def __init__(self, delta=1.0):
        self.delta = check_positive_float(delta, "delta")  # delta <= 0 gives a negative "loss"; PyTorch refuses it too

    def _value(self, prediction, target):
        d = np.abs(prediction - target)
        return float(np.mean(np.where(d < self.delta, 0.5 * d * d, self.delta * (d - 0.5 * self.delta))))

    def _gradient(self, prediction, target):
        return np.clip(prediction - target, -self.delta, self.delta) / prediction.size

    def get_config(self):
        return {"delta": self.delta}


class BCELoss(Loss):
    r"""Binary cross-entropy from probabilities :math:`-\frac1N\sum t\log p + (1-t)\log(1-p)`.

    As in PyTorch each log is clamped at -100, so :math:`p = 0` or 1 gives a large finite loss, and the
    gradient :math:`\frac{1}{N}\frac{p - t}{p(1-p)}` divides by at least 1e-12. From logits, prefer
    :class:`BCEWithLogitsLoss`: it never forms :math:`p` and stays exact for any logit.
    """

    name = "binary_cross_entropy"

    def check(self, prediction, target):
        """Shapes, and probabilities: ``prediction`` and ``target`` in [0, 1] (as PyTorch requires)."""
        check_binary_cross_entropy(prediction, target)

    def _value(self, prediction, target):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(prediction), -100.0)
            log_1mp = np.maximum(np.log1p(-prediction), -100.0)
        return float(-np.mean(target * log_p + (1.0 - target) * log_1mp))

    def _gradient(self, prediction, target):
        p = prediction
        return (p - target) / np.maximum(p * (1.0 - p), 1e-12) / p.size


class BCEWithLogitsLoss(Loss):
    r"""Binary cross-entropy from logits :math:`z`: :math:`\frac1N\sum \max(z,0) - z t + \log(1 + e^{-|z|})`.

    That form equals :math:`-t\log\sigma(z) - (1-t)\log(1-\sigma(z))` and never exponentiates a
    positive number. Gradient :math:`\frac{1}{N}(\sigma(z) - t)`.
    """

    name = "binary_cross_entropy_with_logits"

    def _value(self, prediction, target):
        z = prediction
        return float(np.mean(np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))))

    def _gradient(self, prediction, target):
        return (stable_sigmoid(prediction) - target) / prediction.size


class CrossEntropyLoss(Loss):
    r"""Softmax + negative log-likelihood from logits :math:`Z` (N, C).

    Targets are class indices :math:`y` (N,) or probability rows :math:`T` (N, C), e.g. one-hot:

    .. math:: L = -\frac1N \sum_n \sum_c T_{nc} \log \operatorname{softmax}(Z_n)_c, \qquad
              \frac{\partial L}{\partial Z} = \frac1N(\operatorname{softmax}(Z) - T)

    ``log_softmax`` subtracts the row maximum first, so logits of :math:`\pm 10^4` stay finite.
    """

    name = "cross_entropy"

    def forward(self, prediction, target, check=True):
        # One exponential serves both the loss and the gradient: keep the probabilities for backward.
        if check:
            self.check(prediction, target)
        self._cache = (prediction, target)
        shifted = prediction - prediction.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        e /= total
        self._probs = e
        if target.ndim == 1:
            # -log p[n, y_n] = log(total_n) - shifted[n, y_n]: only the picked entries, not all of log_softmax
            n = shifted.shape[0]
            return float((np.log(total[:, 0]) - shifted[np.arange(n), target]).sum() / n)
        return self._nll(shifted - np.log(total), target)

    def backward(self):
        return self._grad_from_probs(self._probs.copy(), self._cache[1])

    def _value(self, prediction, target):
        return self._nll(log_softmax(prediction, axis=1), target)

    def check(self, prediction, target):
        if target.ndim == 1:
            check_class_indices(prediction, target)
        else:
            check_same_shape(prediction, target)

    def _gradient(self, prediction, target):
        return self._grad_from_probs(softmax(prediction, axis=1), target)

    @staticmethod
    def _nll(logp, target):
        r"""Mean over rows of :math:`-\sum_c T_{nc} \log p_{nc}` (with indices: :math:`-\log p_{n, y_n}`)."""
        n = logp.shape[0]
        if target.ndim == 1:
            return float(-logp[np.arange(n), target].sum() / n)
        return float(-(target * logp).sum() / n)

    @staticmethod
    def _grad_from_probs(grad, target):
        r""":math:`(\operatorname{softmax}(Z) - T) / N`, computed in place in ``grad`` (the probabilities)."""
        n = grad.shape[0]
        if target.ndim == 1:
            grad[np.arange(n), target] -= 1.0
        else:
            grad -= target
        grad /= n
        return grad
