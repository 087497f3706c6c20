"""PyTorch's own learning-rate schedules, with the NumPy backend's signatures and argument checks."""
import torch

from .. import optim_checks as check

_torch = torch.optim.lr_scheduler


class StepLR(_torch.StepLR):
    def __init__(self, optimizer, step_size, gamma=0.1):
        super().__init__(optimizer, check.positive_int(step_size, "step_size"), check.non_negative(gamma, "gamma"))


class CosineAnnealingLR(_torch.CosineAnnealingLR):
    def __init__(self, optimizer, T_max, eta_min=0.0):
        super().__init__(optimizer, check.positive_int(T_max, "T_max"), check.non_negative(eta_min, "eta_min"))


class LinearLR(_torch.LinearLR):
    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        super().__init__(optimizer, check.factor(start_factor, "start_factor", low_open=True),
                         check.factor(end_factor, "end_factor"), check.positive_int(total_iters, "total_iters"))
