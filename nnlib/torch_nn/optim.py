"""PyTorch's own SGD and Adam, with the NumPy backend's signatures, defaults and argument checks."""
import torch

from .._validation import check_betas, check_non_negative_float


class SGD(torch.optim.SGD):
    def __init__(self, params, lr, momentum=0.0):
        # the NumPy backend's checks, so both refuse the same arguments with the same message
        super().__init__(params, lr=check_non_negative_float(lr, "lr"),
                         momentum=check_non_negative_float(momentum, "momentum"))


class Adam(torch.optim.Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr=check_non_negative_float(lr, "lr"), betas=check_betas(betas),
                         eps=check_non_negative_float(eps, "eps"))
