"""Turning learner input (lists, NumPy arrays) into tensors for the plot-facing methods."""
import torch


def as_tensor(x):
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


def set_cache(module, **values):
    # Plain dict write: nn.Module.__setattr__ would inspect every tensor we cache on each step.
    module.__dict__.update(values)
