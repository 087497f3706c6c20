r"""Optimizers in NumPy, with PyTorch's update rules so both backends take identical steps.

``step()`` changes each parameter in place from its accumulated ``grad``; ``zero_grad()`` clears
the gradients for the next batch. As in PyTorch, a parameter whose ``grad`` is ``None`` (no
backward since ``zero_grad(set_to_none=True)``) is left as it is.
"""
import math

import numpy as np

from .._validation import check_betas, check_non_negative_float


class Optimizer:
    """Shared behaviour: the parameters, the learning rate, and the state ``fit`` restores after a divergence.

    The arguments are checked as PyTorch's optimizers check them (a learning rate, momentum or eps
    below 0, betas outside [0, 1) raise a ``ValueError``), with the same checks as the torch backend.
    """

    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = check_non_negative_float(lr, "lr")

    def zero_grad(self, set_to_none=False):
        for p in self.params:
            p.zero_grad(set_to_none)

    def state_dict(self):
        """The running state (momentum, moments, step count) by name, as in PyTorch; arrays not copied."""
        return {name: getattr(self, name) for name in self._state}

    def load_state_dict(self, state):
        """Set the running state from a :meth:`state_dict` (arrays copied, so ``state`` stays as it is)."""
        for name in self._state:
            value = state[name]
            if isinstance(value, list):
                value = [None if a is None else np.array(a, copy=True) for a in value]
            setattr(self, name, value)


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum :math:`\mu`.

    .. math:: v \leftarrow \mu v + g, \qquad \theta \leftarrow \theta - \eta v

    (:math:`v = g` on the first step; with :math:`\mu = 0` it is plain :math:`\theta \leftarrow \theta - \eta g`.)
    """

    _state = ("_velocity",)

    def __init__(self, params, lr, momentum=0.0):
        super().__init__(params, lr)
        self.momentum = check_non_negative_float(momentum, "momentum")
        self._velocity = [None] * len(self.params)
        self._update = [np.empty_like(p.data) for p in self.params]  # reused every step: no allocation

    def step(self):
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if self.momentum:
                v = self._velocity[i]
                if v is None:
                    v = self._velocity[i] = g.copy()
                else:
                    v *= self.momentum
                    v += g
                g = v
            p.data -= np.multiply(g, self.lr, out=self._update[i])


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), as PyTorch computes it.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \quad v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
        \theta \leftarrow \theta - \eta \, \frac{m / (1-\beta_1^t)}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}
    """

    _state = ("t", "_m", "_v")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2 = check_betas(betas)
        self.eps = check_non_negative_float(eps, "eps")
        self.t = 0
        self._m = [np.zeros_like(p.data) for p in self.params]
        self._v = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        self.t += 1
        bc1 = 1.0 - self.beta1**self.t
        bc2_sqrt = math.sqrt(1.0 - self.beta2**self.t)
        for p, m, v in zip(self.params, self._m, self._v):
            g = p.grad
            if g is None:
                continue
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p.data -= (self.lr / bc1) * m / (np.sqrt(v) / bc2_sqrt + self.eps)
