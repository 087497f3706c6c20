r"""Learning-rate schedules in NumPy's backend, stepping as ``torch.optim.lr_scheduler`` does.

A schedule changes ``optimizer.lr`` between steps. Build it after the optimizer (it sets the first
learning rate at once), then call ``scheduler.step()`` once per epoch (or per step, as you decide),
*after* ``optimizer.step()``::

    opt = SGD(params, lr=0.1)
    sched = StepLR(opt, step_size=10, gamma=0.5)
    for epoch in range(30):
        ...                      # the epoch's optimizer steps
        sched.step()

Each new rate is computed from the previous one, exactly as PyTorch does (so both backends' rates agree to
the last bit); the closed forms in the docstrings are what that recursion gives. :math:`\eta_0` is the
optimizer's learning rate when the schedule was built, :math:`e` the number of ``step()`` calls so far.
"""
import math

from .. import optim_checks as check


class LRScheduler:
    """What every schedule shares: ``step()``, ``get_last_lr()``, ``last_epoch`` and ``base_lrs``."""

    def __init__(self, optimizer):
        if not hasattr(optimizer, "lr"):
            raise TypeError(f"optimizer: expected an nnlib.numpy_nn optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lrs = [optimizer.lr]
        self.last_epoch = -1
        self._initial = True
        self.step()
        self._initial = False

    def get_lr(self):
        """The learning rate for epoch ``last_epoch``, from the current one (a list, one per group: here one)."""
        raise NotImplementedError

    def step(self):
        """Advance one epoch and set ``optimizer.lr`` to its learning rate."""
        self.last_epoch += 1
        (self.optimizer.lr,) = self.get_lr()
        self._last_lr = [self.optimizer.lr]

    def get_last_lr(self):
        """The learning rate set by the last ``step()``, as a list (as in PyTorch)."""
        return list(self._last_lr)


class StepLR(LRScheduler):
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` epochs: :math:`\eta_e = \eta_0\,\gamma^{\lfloor e/s\rfloor}`."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = check.positive_int(step_size, "step_size")
        self.gamma = check.non_negative(gamma, "gamma")
        super().__init__(optimizer)

    def get_lr(self):
        lr = self.optimizer.lr
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return [lr]
        return [lr * self.gamma]


class CosineAnnealingLR(LRScheduler):
    r"""Half a cosine from :math:`\eta_0` down to ``eta_min`` over ``T_max`` epochs (then back up, and so on):

    .. math:: \eta_e = \eta_{min} + \tfrac12(\eta_0 - \eta_{min})\left(1 + \cos\frac{\pi e}{T_{max}}\right)
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max = check.positive_int(T_max, "T_max")
        self.eta_min = check.non_negative(eta_min, "eta_min")
        super().__init__(optimizer)

    def get_lr(self):
        lr, e, T, low = self.optimizer.lr, self.last_epoch, self.T_max, self.eta_min
        if self._initial:
            return [lr]
        if (e - 1 - T) % (2 * T) == 0:  # at the bottom: the ratio below would divide by 1 + cos(pi) = 0
            return [lr + (self.base_lrs[0] - low) * (1 - math.cos(math.pi / T)) / 2]
        return [(1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (lr - low) + low]


class LinearLR(LRScheduler):
    r"""A linear warm-up: the factor goes from ``start_factor`` to ``end_factor`` in ``total_iters`` epochs, then stays.

    .. math:: \eta_e = \eta_0 \left(f_{start} + (f_{end} - f_{start})\,\frac{\min(e, T)}{T}\right)
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        self.start_factor = check.factor(start_factor, "start_factor", low_open=True)
        self.end_factor = check.factor(end_factor, "end_factor")
        self.total_iters = check.positive_int(total_iters, "total_iters")
        super().__init__(optimizer)

    def get_lr(self):
        lr, e = self.optimizer.lr, self.last_epoch
        if e == 0:
            return [lr * self.start_factor]
        if e > self.total_iters:
            return [lr]
        change = self.end_factor - self.start_factor
        return [lr * (1.0 + change / (self.total_iters * self.start_factor + (e - 1) * change))]
