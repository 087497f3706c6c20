"""PyTorch's own SGD and Adam, with the NumPy backend's signatures and defaults."""
import torch


class SGD(torch.optim.SGD):
    def __init__(self, params, lr, momentum=0.0):
        super().__init__(params, lr=lr, momentum=momentum)


class Adam(torch.optim.Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr=lr, betas=betas, eps=eps)
