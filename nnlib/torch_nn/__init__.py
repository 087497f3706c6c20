"""The PyTorch backend: the same public names as ``nnlib.numpy_nn``, computed by PyTorch.

Runs on CUDA when available (``nnlib.torch_nn.engine.resolve_device("auto")``), else on the CPU.
"""
from .activations import (ELU, GELU, Identity, LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh,
                          log_softmax, softmax, stable_sigmoid)
from .layers import Linear, Parameter, Sequential
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss
from .lr_scheduler import CosineAnnealingLR, LinearLR, StepLR
from .optim import SGD, Adam, AdamW, RMSprop

__all__ = [
    "Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softplus", "GELU", "SiLU", "Softmax",
    "MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
    "Linear", "Parameter", "Sequential", "SGD", "RMSprop", "Adam", "AdamW",
    "StepLR", "CosineAnnealingLR", "LinearLR", "softmax", "log_softmax", "stable_sigmoid",
]
