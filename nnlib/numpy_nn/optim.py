r"""Optimizers in NumPy, with PyTorch's update rules so both backends take identical steps.

``step()`` changes each parameter in place from its accumulated ``grad``; ``zero_grad()`` clears
the gradients for the next batch. As in PyTorch, a parameter whose ``grad`` is ``None`` (no
backward since ``zero_grad(set_to_none=True)``) is left as it is. The learning rate is ``lr``; a
schedule (:mod:`nnlib.numpy_nn.lr_scheduler`) changes it between steps.

Notation: :math:`\theta` a parameter, :math:`g` its gradient, :math:`\eta` the learning rate,
:math:`t` the number of steps taken (1 on the first). Arguments PyTorch refuses (a negative ``lr``,
betas outside [0, 1), Nesterov without momentum...) raise a ``ValueError`` naming the argument.
"""
import math

import numpy as np

from .. import optim_checks as check


class Optimizer:
    """Shared behaviour: the parameters, the learning rate, and the state ``fit`` restores after a divergence.

    The arguments are checked as PyTorch's optimizers check them (a learning rate, momentum or eps
    below 0, betas outside [0, 1) raise a ``ValueError``), with the same checks as the torch backend.
    """

    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = check.non_negative(lr, "lr")

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
    r"""Stochastic gradient descent, optionally with momentum :math:`\mu`, Nesterov momentum and L2 weight decay.

    .. math::
        g \leftarrow g + \lambda\theta, \qquad v \leftarrow \mu v + g, \qquad
        \theta \leftarrow \theta - \eta\, v \quad\text{(Nesterov: } \theta \leftarrow \theta - \eta\,(g + \mu v)\text{)}

    (:math:`v = g` on the first step; with :math:`\mu = 0` it is plain :math:`\theta \leftarrow \theta - \eta g`.)

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        :math:`\eta \ge 0`.
    momentum : float
        :math:`\mu \ge 0` (0: no velocity is kept).
    nesterov : bool
        Step with the gradient plus the *next* velocity (needs ``momentum > 0``).
    weight_decay : float
        :math:`\lambda \ge 0`, the L2 penalty :math:`\frac{\lambda}{2}\|\theta\|^2` added to the loss.
    """

    _state = ("_velocity",)

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr)
        _, self.momentum, self.nesterov, self.weight_decay = check.sgd(lr, momentum, nesterov, weight_decay)
        self._velocity = [None] * len(self.params)
        self._update = [np.empty_like(p.data) for p in self.params]  # reused every step: no allocation

    def step(self):
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:
                v = self._velocity[i]
                if v is None:
                    v = self._velocity[i] = g.copy()
                else:
                    v *= self.momentum
                    v += g
                g = g + self.momentum * v if self.nesterov else v
            p.data -= np.multiply(g, self.lr, out=self._update[i])


class RMSprop(Optimizer):
    r"""RMSprop (Hinton): each parameter's step divided by a moving root mean square of its gradients.

    .. math::
        s \leftarrow \alpha s + (1-\alpha) g^2, \qquad \theta \leftarrow \theta - \eta\, \frac{g}{\sqrt{s} + \epsilon}

    With momentum :math:`\mu > 0`: :math:`b \leftarrow \mu b + g/(\sqrt{s}+\epsilon)`, :math:`\theta \leftarrow
    \theta - \eta b`; with weight decay :math:`g \leftarrow g + \lambda\theta` first. :math:`s` starts at 0.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
    alpha : float
        Decay of the moving average of :math:`g^2`, in [0, 1).
    eps : float
        Keeps the division finite where :math:`s` is 0.
    momentum, weight_decay : float
    """

    _state = ("_square", "_buffer")

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.alpha = check.fraction(alpha, "alpha")
        self.eps = check.non_negative(eps, "eps")
        self.momentum = check.non_negative(momentum, "momentum")
        self.weight_decay = check.non_negative(weight_decay, "weight_decay")
        self._square = [np.zeros_like(p.data) for p in self.params]
        self._buffer = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        for p, s, b in zip(self.params, self._square, self._buffer):
            g = p.grad
            if g is None:
                continue
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            s *= self.alpha
            s += (1.0 - self.alpha) * g * g
            scaled = g / (np.sqrt(s) + self.eps)
            if self.momentum:
                b *= self.momentum
                b += scaled
                scaled = b
            p.data -= self.lr * scaled


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), as PyTorch computes it: momentum and RMSprop, each average corrected for its start at 0.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \quad v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
        \theta \leftarrow \theta - \eta \, \frac{m / (1-\beta_1^t)}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}

    The bias corrections :math:`1/(1-\beta^t)` undo the pull towards 0 of averages that start at 0
    (at :math:`t = 1`, :math:`m/(1-\beta_1) = g` exactly). ``weight_decay`` :math:`\lambda` adds
    :math:`\lambda\theta` to :math:`g` first: L2 in the loss, which then goes through the division
    (compare :class:`AdamW`).
    """

    _state = ("t", "_m", "_v")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        self.beta1, self.beta2 = check.betas(betas)
        self.eps = check.non_negative(eps, "eps")
        self.weight_decay = check.non_negative(weight_decay, "weight_decay")
        self.t = 0
        self._m = [np.zeros_like(p.data) for p in self.params]
        self._v = [np.zeros_like(p.data) for p in self.params]

    def _decay(self, p, g):
        """The gradient Adam averages: with L2 weight decay, :math:`g + \\lambda\\theta`."""
        return g + self.weight_decay * p.data if self.weight_decay else g

    def step(self):
        self.t += 1
        bc1 = 1.0 - self.beta1**self.t
        bc2_sqrt = math.sqrt(1.0 - self.beta2**self.t)
        for p, m, v in zip(self.params, self._m, self._v):
            g = p.grad
            if g is None:
                continue
            g = self._decay(p, g)
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p.data -= (self.lr / bc1) * m / (np.sqrt(v) / bc2_sqrt + self.eps)


class AdamW(Adam):
    r"""Adam with *decoupled* weight decay (Loshchilov & Hutter): the weights shrink beside the Adam step.

    .. math:: \theta \leftarrow (1 - \eta\lambda)\,\theta, \quad\text{then the } \text{Adam step (without } \lambda\text{)}

    Unlike L2 in the loss (:class:`Adam` with ``weight_decay``), the decay is not divided by
    :math:`\sqrt{v}`: every weight shrinks by the same fraction :math:`\eta\lambda` per step, however large
    its gradients are.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)

    def _decay(self, p, g):
        if self.weight_decay:
            p.data *= 1.0 - self.lr * self.weight_decay
        return g
