"""PyTorch's own optimizers, with the NumPy backend's signatures, defaults and argument checks."""
import torch

from .. import optim_checks as check


class SGD(torch.optim.SGD):
    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        lr, momentum, nesterov, weight_decay = check.sgd(lr, momentum, nesterov, weight_decay)
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)


class RMSprop(torch.optim.RMSprop):
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr=check.non_negative(lr, "lr"), alpha=check.fraction(alpha, "alpha"),
                         eps=check.non_negative(eps, "eps"), momentum=check.non_negative(momentum, "momentum"),
                         weight_decay=check.non_negative(weight_decay, "weight_decay"))


class Adam(torch.optim.Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr=check.non_negative(lr, "lr"), betas=check.betas(betas),
                         eps=check.non_negative(eps, "eps"), weight_decay=check.non_negative(weight_decay, "weight_decay"))


class AdamW(torch.optim.AdamW):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=check.non_negative(lr, "lr"), betas=check.betas(betas),
                         eps=check.non_negative(eps, "eps"), weight_decay=check.non_negative(weight_decay, "weight_decay"))
