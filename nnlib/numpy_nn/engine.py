"""What the backend-independent model (``nnlib.model``) needs from the NumPy backend.

The torch backend's ``engine`` module has the same functions, so the training loop in
``nnlib.model`` is written once.
"""
import contextlib

import numpy as np

NAME = "numpy"


def resolve_device(device):
    if not (device is None or isinstance(device, str)) or device not in ("auto", "cpu", None):
        raise ValueError(f"device: the numpy backend runs on the CPU only, expected 'auto' or 'cpu', got {device!r}")
    return "cpu"


def asarray(x, dtype, device=None):
    return np.ascontiguousarray(x, dtype=dtype) if x.dtype.kind == "f" else np.ascontiguousarray(x)


def to_numpy(x):
    return x


def take(x, rows):
    """The rows ``rows`` (an index array) of ``x``, as a new array."""
    return x[rows]


def no_grad():
    return contextlib.nullcontext()


def accumulate_gradients(net, loss_fn, x, y, scale, check=True):
    """One forward and backward pass; adds ``scale * d(mean loss)/d(param)`` to every ``param.grad``.

    Returns the mean loss on this micro-batch and the network's output. ``check=False`` skips the
    loss's shape check, for callers that checked the targets already (``Sequential.fit``).
    """
    out = net.forward(x)
    loss = loss_fn.forward(out, y) if check else loss_fn.forward(out, y, check=False)
    grad = loss_fn.backward()
    if scale != 1.0:
        grad *= scale
    net.backward(grad, input_grad=False)  # only the parameters' gradients are wanted here
    return loss, out


def scalars_to_numpy(values):
    """A list of per-step losses (floats here) as one float64 array."""
    return np.asarray(values, dtype=np.float64)


def concatenate(arrays):
    return np.concatenate(arrays)


def get_params(net):
    # copies, as in the torch backend: a later fit must not change arrays the caller already holds
    return [p.data.copy() for p in net.parameters()]


def set_param(param, value):
    param.data[...] = value


def snapshot(net):
    """Every parameter in one flat array (a copy): what ``fit`` falls back to after a diverged epoch."""
    return np.concatenate([p.data.ravel() for p in net.parameters()])


def all_finite(flat):
    return bool(np.isfinite(flat).all())


def restore(net, flat):
    """Copy a :func:`snapshot` back into the parameters."""
    start = 0
    for p in net.parameters():
        p.data[...] = flat[start : start + p.data.size].reshape(p.data.shape)
        start += p.data.size


def get_grads(net):
    return [p.grad.copy() for p in net.parameters()]


def zero_grad(net):
    for p in net.parameters():
        p.zero_grad()
