"""What the backend-independent model (``nnlib.model``) needs from the torch backend.

Same functions as ``nnlib.numpy_nn.engine``; here autograd does the backward pass.
"""
import numpy as np
import torch

NAME = "torch"


def resolve_device(device):
    """``"auto"`` picks CUDA when available, else the CPU; anything else must be a valid torch device."""
    if device in ("auto", None):
        return "cuda" if torch.cuda.is_available() else "cpu"
    expected = "expected 'auto', 'cpu', 'cuda' or 'cuda:N'"
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device: {expected}, got {type(device).__name__} {device!r:.100}")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(f"device: {expected}, got {device!r:.100}") from None
    if dev.type not in ("cpu", "cuda"):
        # 'meta' holds no numbers, 'mps'/'xpu' and others are untested here: refused by name, not by a deep assert
        raise ValueError(f"device: {expected} (nnlib runs on the CPU or a CUDA GPU), got {device!r:.100}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device: {device!r} asked for, but this machine has no CUDA GPU (use 'auto' or 'cpu')")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"device: {device!r} asked for, but this machine has {torch.cuda.device_count()} CUDA GPU(s)")
    return str(dev)


def asarray(x, dtype, device):
    x = np.ascontiguousarray(x)
    if not x.flags.writeable:
        # torch would share the memory and warn that a tensor may write to a read-only array; a copy is safe
        x = x.copy()
    if x.dtype.kind == "f":
        return torch.as_tensor(x, dtype=getattr(torch, dtype), device=device)
    return torch.as_tensor(x, device=device)


def to_numpy(x):
    return x.detach().cpu().numpy()


def take(x, rows):
    """The rows ``rows`` (an index tensor) of ``x``, as a new tensor.

    ``index_select`` is a plain row gather; ``x[rows]`` goes through the general indexing
    machinery and takes about 5x as long for all of X.
    """
    return x.index_select(0, rows)


def no_grad():
    return torch.no_grad()


def accumulate_gradients(net, loss_fn, x, y, scale, check=True):
    """One forward and backward pass; autograd adds ``scale * d(mean loss)/d(param)`` to ``param.grad``.

    ``check=False`` skips the shape check of an nnlib loss, for callers that checked the targets
    already (``Sequential.fit``); with the default any loss module works, ``torch.nn``'s too.
    """
    out = net(x)
    # fit's own loss: skip the check, and nn.Module.__call__ too (no hooks to run)
    loss = loss_fn(out, y) if check else loss_fn.forward(out, y, check=False)
    (loss * scale if scale != 1.0 else loss).backward()
    return loss.detach(), out.detach()


def scalars_to_numpy(values):
    """A list of per-step 0-d loss tensors as one float64 array: one transfer per epoch, not per step."""
    return torch.stack(values).cpu().numpy().astype(np.float64)


def concatenate(tensors):
    return torch.cat(tensors)


def get_params(net):
    return [p.detach().cpu().numpy().copy() for p in net.parameters()]


def set_param(param, value):
    with torch.no_grad():
        param.copy_(torch.as_tensor(value))


def snapshot(net):
    """Every parameter in one flat tensor (a copy): what ``fit`` falls back to after a diverged epoch."""
    with torch.no_grad():
        return torch.cat([p.reshape(-1) for p in net.parameters()])


def all_finite(flat):
    return bool(torch.isfinite(flat).all())


def restore(net, flat):
    """Copy a :func:`snapshot` back into the parameters."""
    with torch.no_grad():
        start = 0
        for p in net.parameters():
            p.copy_(flat[start : start + p.numel()].view_as(p))
            start += p.numel()


def get_grads(net):
    return [np.zeros(tuple(p.shape), dtype=str(p.dtype).replace("torch.", "")) if p.grad is None
            else p.grad.detach().cpu().numpy().copy() for p in net.parameters()]


def zero_grad(net):
    for p in net.parameters():
        p.grad = None
