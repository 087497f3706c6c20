r"""Gradient accumulation: k small forward/backward passes, then one optimizer step.

Why it works. The mean loss over a batch of :math:`N` rows, split into micro-batches of
:math:`n_1, \dots, n_k` rows (:math:`\sum_j n_j = N`), is

.. math::
    L = \frac{1}{N}\sum_{i=1}^{N} \ell_i = \sum_{j=1}^{k} \frac{n_j}{N} L_j,
    \qquad L_j = \frac{1}{n_j}\sum_{i \in j} \ell_i ,

so its gradient is :math:`\nabla L = \sum_j \frac{n_j}{N} \nabla L_j`: run each micro-batch's
backward pass with its loss scaled by :math:`n_j / N` (its share of the rows), let the gradients
add up in ``param.grad``, and step once. With equal sizes :math:`n_j / N = 1/k`.

The functions take either backend's low-level network (``nnlib.numpy_nn.Sequential``, or any
``torch.nn.Module``) and loss object, and reuse the backends' ``engine`` step, the same one
``nnlib.Sequential.fit`` runs. ``rule`` names the scaling: ``"rows"`` (:math:`n_j/N`, right for
any sizes), and two pitfalls the notebook ``07_gradient_accumulation`` demonstrates:
``"mean_of_means"`` (:math:`1/k`, right only for equal sizes) and ``"sum"`` (no scaling: the
gradient is about k times too large).

The memory functions measure what one micro-batch step holds: the activations kept for the
backward pass grow with the number of rows, the parameters and their gradients do not.
"""
import copy
import sys
import tracemalloc

import numpy as np

from . import _validation as v
from .compare import agreement  # noqa: F401  (acc.agreement in the notebooks)
from .model import _micro_batches

#: how each micro-batch's gradient is scaled before it is added (see the module docstring)
RULES = ("rows", "mean_of_means", "sum")


# ------------------------------------------------------------------------------- splitting
def make_batch(n=48, n_features=4, n_classes=3, seed=0, dtype="float64"):
    """A reproducible classification batch: ``X`` (n, n_features) around one centre per class, ``y`` (n,) labels."""
    n = v.check_positive_int(n, "n")
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, size=n)
    centres = rng.normal(scale=2.0, size=(n_classes, n_features))
    X = centres[y] + rng.normal(size=(n, n_features))
    return X.astype(dtype), y.astype(np.int64)


def split_sizes(n, k):
    """The sizes of k contiguous micro-batches of n rows, differing by at most one row.

    This is the split ``Sequential.fit(..., accumulation_steps=k)`` makes of each batch.
    ``split_sizes(10, 4)`` is ``[2, 3, 2, 3]``.
    """
    n, k = v.check_positive_int(n, "n"), v.check_positive_int(k, "k")
    if k > n:
        raise ValueError(f"k: expected at most n={n} micro-batches (one row each), got {k}")
    return [stop - start for start, stop in _micro_batches(0, n, k)]


def unequal_sizes(n, k, imbalance):
    r"""k micro-batch sizes summing to n that grow from first to last.

    Sizes are proportional to :math:`1 + \text{imbalance} \cdot j/(k-1)`, :math:`j = 0..k-1`,
    rounded so they sum to n, each at least 1: ``imbalance=0`` gives :func:`split_sizes`, and
    ``imbalance=3`` makes the last micro-batch about 4 times the first (like batches of
    sentences holding different numbers of tokens).
    """
    sizes = split_sizes(n, k)
    if isinstance(imbalance, bool) or not isinstance(imbalance, (int, float)) or not 0 <= imbalance < np.inf:
        raise ValueError(f"imbalance: expected a number >= 0, got {imbalance!r}")
    if k == 1 or imbalance == 0:
        return sizes
    weights = 1.0 + imbalance * np.arange(k) / (k - 1)
    # one row each first, then the rest shared by weight (largest remainders get the leftover rows)
    share = (n - k) * weights / weights.sum()
    sizes = 1 + np.floor(share).astype(int)
    leftover = n - sizes.sum()
    sizes[np.argsort(share - np.floor(share))[::-1][:leftover]] += 1
    return sizes.tolist()


def split(X, y, sizes):
    """Cut ``X`` and ``y`` (same number of rows) into consecutive micro-batches of the given sizes.

    Returns a list of ``(X_j, y_j)`` pairs (views, not copies).
    """
    sizes = _check_sizes(sizes, len(X))
    edges = np.concatenate([[0], np.cumsum(sizes)])
    return [(X[a:b], y[a:b]) for a, b in zip(edges[:-1].tolist(), edges[1:].tolist())]


def scales(sizes, rule="rows"):
    r"""The factor each micro-batch's mean-loss gradient is multiplied by before it is added.

    ``"rows"``: :math:`n_j / N`; ``"mean_of_means"``: :math:`1/k`; ``"sum"``: 1.
    """
    sizes = _check_sizes(sizes)
    v.check_choice(rule, RULES, "rule")
    if rule == "rows":
        return [n_j / sum(sizes) for n_j in sizes]
    if rule == "mean_of_means":
        return [1.0 / len(sizes)] * len(sizes)
    return [1.0] * len(sizes)


def weighted_mean(means, counts):
    r"""The mean over all items from per-group means: :math:`\sum_j c_j m_j / \sum_j c_j`.

    The plain mean of the means, :math:`\frac1k \sum_j m_j`, equals it only when every group has
    the same count.
    """
    means, counts = np.asarray(means, dtype=float), np.asarray(counts, dtype=float)
    if means.shape != counts.shape or means.ndim != 1 or means.size == 0:
        raise ValueError(f"counts: expected one count per mean ({means.shape}), got shape {counts.shape}")
    if np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError(f"counts: expected non-negative counts with a positive total, got {counts.tolist()}")
    return float((counts * means).sum() / counts.sum())


def step_groups(n_micro_batches, k, keep_last=True):
    """Which micro-batches each optimizer step uses when a loop steps after every k of them.

    ``step_groups(10, 4)`` is ``[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]``. With ``keep_last=False``
    the loop only steps on full groups, ``[[0, 1, 2, 3], [4, 5, 6, 7]]``: micro-batches 8 and 9
    add gradients that no step of this epoch uses.
    """
    n_micro_batches, k = v.check_positive_int(n_micro_batches, "n_micro_batches"), v.check_positive_int(k, "k")
    groups = [list(range(start, min(start + k, n_micro_batches))) for start in range(0, n_micro_batches, k)]
    return groups if keep_last or len(groups[-1]) == k else groups[:-1]


# ------------------------------------------------------------------------------- gradients
def accumulate_gradients(net, loss_fn, X, y, sizes, rule="rows"):
    """The gradient accumulated over micro-batches, as NumPy arrays in ``net.parameters()`` order.

    Clears the gradients, runs forward and backward on each micro-batch with its loss scaled by
    :func:`scales`, reads the summed gradients and clears them again. No optimizer step.

    Parameters
    ----------
    net : nnlib.numpy_nn.Sequential or torch.nn.Module
    loss_fn : loss object of the same backend (mean reduction), called as ``loss_fn(output, y)``
    X, y : arrays (or tensors) with N rows
    sizes : list of int
        Micro-batch sizes summing to N, e.g. ``split_sizes(N, k)``; ``[N]`` is the full batch.
    rule : {"rows", "mean_of_means", "sum"}
    """
    engine = _engine(net)
    micro = split(X, y, sizes)
    engine.zero_grad(net)
    for (xj, yj), scale in zip(micro, scales(sizes, rule)):
        engine.accumulate_gradients(net, loss_fn, xj, yj, scale)
    grads = engine.get_grads(net)
    engine.zero_grad(net)
    return grads


def full_batch_gradients(net, loss_fn, X, y):
    """d(mean loss)/d(param) on all rows at once: the reference accumulation must match."""
    return accumulate_gradients(net, loss_fn, X, y, [len(X)])


def max_difference(grads_a, grads_b):
    """The largest absolute difference between two lists of same-shaped arrays."""
    if len(grads_a) != len(grads_b):
        raise ValueError(f"grads_b: expected {len(grads_a)} arrays like grads_a, got {len(grads_b)}")
    return max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(grads_a, grads_b))


def relative_error(grads, reference):
    r""":math:`\lVert g - g_{ref} \rVert / \lVert g_{ref} \rVert` over all parameters together."""
    g = np.concatenate([np.ravel(a) for a in grads])
    r = np.concatenate([np.ravel(a) for a in reference])
    if g.shape != r.shape:
        raise ValueError(f"grads: expected {r.size} numbers in all like reference, got {g.size}")
    return float(np.linalg.norm(g - r) / np.linalg.norm(r))


# ---------------------------------------------------------------------------------- memory
def activation_bytes(widths, rows, itemsize=8, kept_per_hidden=2):
    r"""Bytes of the activations an MLP keeps for its backward pass, from the shapes alone.

    For layer widths :math:`d_0, d_1, \dots, d_L` (input, hidden..., output) every row keeps its
    input (:math:`d_0`), :math:`h` arrays per hidden layer and the output (:math:`d_L`):

    .. math:: \text{bytes} = \text{rows} \cdot \text{itemsize} \cdot \Big(d_0 + h\sum_{l=1}^{L-1} d_l + d_L\Big)

    nnlib's NumPy backend keeps each hidden layer's pre-activation and activation (``h = 2``);
    PyTorch's ReLU computes its derivative from its output alone, so autograd keeps one (``h = 1``).
    This is what grows with the micro-batch; parameters and their gradients do not.
    """
    widths = [v.check_positive_int(w, "widths") for w in widths]
    if len(widths) < 2:
        raise ValueError(f"widths: expected at least an input and an output width, got {widths}")
    rows = v.check_positive_int(rows, "rows")
    return rows * itemsize * (widths[0] + kept_per_hidden * sum(widths[1:-1]) + widths[-1])


def cached_bytes(net, loss_fn=None):
    """Bytes of the distinct arrays a NumPy-backend net (and loss) cached in its last forward pass.

    Each module keeps its input (and an activation its output) for ``backward``; one array is
    often the output of one module and the input of the next, so it is counted once.
    """
    arrays = {}
    for obj in list(net.modules) + ([loss_fn] if loss_fn is not None else []):
        for value in vars(obj).values():
            for a in value if isinstance(value, tuple) else (value,):
                if isinstance(a, np.ndarray) and not any(a is p.data or a is p.grad for p in net.parameters()):
                    arrays[id(a)] = a
    return sum(a.nbytes for a in arrays.values())


def numpy_peak_bytes(net, loss_fn, X, y):
    """Peak memory one forward+backward pass of a NumPy-backend net allocates, measured by ``tracemalloc``.

    Runs on a copy of ``net`` (so arrays cached by an earlier pass do not count) and returns the
    peak of traced memory minus the memory traced before the pass: the cached activations plus
    the temporaries NumPy makes on the way. NumPy reports its array buffers to ``tracemalloc``.
    """
    net, loss_fn = copy.deepcopy(net), copy.deepcopy(loss_fn)
    engine = _engine(net)
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        engine.accumulate_gradients(net, loss_fn, X, y, 1.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if started:
            tracemalloc.stop()
    return peak - before


def torch_saved_bytes(net, loss_fn, X, y):
    """Bytes autograd saves for the backward pass of one micro-batch (torch), counted exactly.

    A ``saved_tensors_hooks`` pair sees every tensor the forward pass stores for backward; we add
    up the distinct storages that are not parameters. This does not depend on the device or the
    allocator, so it is the same number on every machine (the allocator's peak also includes
    temporaries: see :func:`cuda_peak_bytes`).
    """
    import torch

    params = {p.untyped_storage().data_ptr() for p in net.parameters()}
    seen = {}

    def pack(t):
        # a tensor saved twice (e.g. by ReLU and by the next Linear) counts once; a view (a slice
        # of X) counts its own elements, not the whole array it views
        if t.untyped_storage().data_ptr() not in params:
            seen[(t.data_ptr(), tuple(t.shape), t.stride())] = t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = loss_fn(net(X), y)
    loss.backward()
    net.zero_grad(set_to_none=True)
    return sum(seen.values())


def cuda_peak_bytes(net, loss_fn, X, y):
    """Peak GPU memory of one forward+backward pass above what was allocated before, or None without CUDA.

    Uses ``torch.cuda.max_memory_allocated`` (the caching allocator's own count); ``net``, ``X`` and
    ``y`` must already be on the GPU. The first pass on a GPU also allocates cuBLAS's workspace, once:
    measure after one warm-up pass.
    """
    import torch

    if not torch.cuda.is_available():
        return None
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    loss_fn(net(X), y).backward()
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated()
    net.zero_grad(set_to_none=True)
    return peak - before


# --------------------------------------------------------------------------------- helpers
def _engine(net):
    """The backend engine for ``net``: torch's for a ``torch.nn.Module``, else NumPy's."""
    torch = sys.modules.get("torch")  # a torch module exists only if torch was imported
    if torch is not None and isinstance(net, torch.nn.Module):
        from .torch_nn import engine
    else:
        from .numpy_nn import engine
    return engine


def _check_sizes(sizes, n=None):
    sizes = list(sizes)
    if not sizes or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
        raise ValueError(f"sizes: expected a non-empty list of positive integers, got {sizes}")
    if n is not None and sum(sizes) != n:
        raise ValueError(f"sizes: expected sizes summing to the {n} rows of X, got {sizes} (sum {sum(sizes)})")
    return [int(s) for s in sizes]

