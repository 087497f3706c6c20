r"""How long one training step takes, measured now, in this kernel: the engine of the speed widget.

One step is what ``fit`` does per batch: clear the gradients, forward and backward on each of the
``accumulation_steps`` micro-batches (each loss scaled by its share of the rows), one SGD step. It is
timed for

- ``"nnlib numpy"``: nnlib's NumPy backend (every forward and backward written by hand);
- ``"nnlib torch"``: nnlib's torch backend on the CPU (autograd);
- ``"plain torch"``: the loop a PyTorch user writes by hand (``torch.nn``, ``F.cross_entropy``, ``torch.optim.SGD``);
- ``"nnlib torch (cuda)"`` and ``"plain torch (cuda)"`` when PyTorch sees a GPU.

The network is an MLP ``64 -> width -> width -> 10`` (ReLU, cross-entropy, float32, like ``nnlib.bench``)
on one random batch. Each measurement runs one untimed warm-up step, then steps until a short time budget
is spent (at least :data:`MIN_REPEATS`), and keeps the fastest: a real time, never a formula, and cached
per setting, so a widget asks again for free. The minimum, as ``timeit`` advises: slower repeats are the
machine doing something else (other programs, a thread waiting for a busy core), not the step. A busy
machine can still spoil a whole budget's worth of steps, so :func:`sweep` measures every point in
:data:`ROUNDS` rounds, spread over the sweep, and reports their median and their range: a point that one
slow moment spoiled stands out as a wide range, and a crossover is marked only where the leaders' ranges
do not overlap (:func:`lead_changes`). The CPU
implementations run on ``threads`` cores (one by default: NumPy's BLAS and PyTorch alike, so the race is
between the implementations, not over who grabs more cores; on a busy machine extra threads wait for each
other and the times jump by a factor of a hundred). The memory of one step is measured beside it, with the
tools of :mod:`nnlib.accumulation`: ``tracemalloc``'s peak for NumPy, the bytes autograd saves for
PyTorch on the CPU, ``torch.cuda.max_memory_allocated`` on a GPU.

:func:`sweep` measures every implementation along the batch-size axis, :func:`crossovers` finds where
one overtakes another; :class:`nnlib.plots.speed.SpeedPlot` draws both (the widget in ``07``).
"""
import contextlib
import time
from functools import lru_cache
from typing import Callable, NamedTuple

import numpy as np

from . import _validation as v
from . import accumulation as acc
from .model import Dense, Sequential, _clear_grads, _micro_batches

N_FEATURES, N_CLASSES = 64, 10
LEARNING_RATE = 0.01
#: the batch sizes a sweep measures (powers of two: even steps on the plot's log axis)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
#: seconds spent timing one setting (after its warm-up step), and the fewest timed steps
BUDGET, MIN_REPEATS, MAX_REPEATS = 0.01, 3, 50
#: rounds of a sweep: each point is measured this many times, one whole pass over the sweep apart
ROUNDS = 3
CPU_IMPLEMENTATIONS = ("nnlib numpy", "nnlib torch", "plain torch")
CUDA_IMPLEMENTATIONS = ("nnlib torch (cuda)", "plain torch (cuda)")
MEMORY_KIND = {"nnlib numpy": "tracemalloc peak", "nnlib torch": "autograd saved", "plain torch": "autograd saved",
               "nnlib torch (cuda)": "CUDA max allocated", "plain torch (cuda)": "CUDA max allocated"}


def implementations():
    """The implementations this machine can time: the CPU ones, and the CUDA ones when PyTorch sees a GPU."""
    import torch

    return CPU_IMPLEMENTATIONS + (CUDA_IMPLEMENTATIONS if torch.cuda.is_available() else ())


def make_batch(batch_size, seed=0):
    """A random float32 batch ``X`` (batch_size, 64) with labels ``y`` in 0..9: the speed does not depend on the values."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((batch_size, N_FEATURES), dtype=np.float32),
            rng.integers(0, N_CLASSES, size=batch_size).astype(np.int64))


# ------------------------------------------------------------------------------- one step
class Step(NamedTuple):
    """One implementation's training step on one fixed batch, ready to be timed (see :func:`training_step`)."""

    run: Callable[[], None]         #: clear, k micro-batch forward+backward passes, one SGD step
    memory: Callable[[], int]       #: bytes one micro-batch's forward+backward pass holds
    device: str                     #: "cpu" or "cuda" (the clock must wait for a GPU)
    parameters: Callable[[], list]  #: the current weights and biases as NumPy arrays


def training_step(implementation, batch_size, width, accumulation_steps=1, seed=0):
    """One training step of ``implementation`` on one fixed batch of ``batch_size`` rows, as a :class:`Step`.

    The MLP is ``64 -> width -> width -> 10``; each of the ``accumulation_steps`` micro-batches' loss is
    scaled by its share of the rows, so the step equals the full batch's. ``Step.memory()`` measures
    the largest micro-batch's pass (see the module docstring).
    """
    name = v.check_choice(implementation, CPU_IMPLEMENTATIONS + CUDA_IMPLEMENTATIONS, "implementation")
    batch_size = v.check_positive_int(batch_size, "batch_size")
    width = v.check_positive_int(width, "width")
    k = v.check_positive_int(accumulation_steps, "accumulation_steps")
    if k > batch_size:
        raise ValueError(f"accumulation_steps: expected at most batch_size={batch_size} micro-batches, got {k}")
    device = "cuda" if name.endswith("(cuda)") else "cpu"
    X, y = make_batch(batch_size, seed)
    micro = list(_micro_batches(0, batch_size, k))
    scales = [(stop - start) / batch_size for start, stop in micro]
    largest = slice(*max(micro, key=lambda r: r[1] - r[0]))  # what one pass holds at most
    if name.startswith("plain"):
        return _plain_torch_step(X, y, width, micro, scales, largest, device, seed)
    backend = "numpy" if name == "nnlib numpy" else "torch"
    model = Sequential([Dense(N_FEATURES, width, "relu"), Dense(width, width, "relu"), Dense(width, N_CLASSES)],
                       backend=backend, seed=seed, dtype="float32", device=device)
    model.compile(loss="cross_entropy", optimizer="sgd", learning_rate=LEARNING_RATE)
    x, t, _ = model._prepare(X, y)  # once, as fit does before its loop: a step converts nothing
    engine, net, loss_fn, optimizer = model._engine, model._train_net, model.loss_fn, model.optimizer
    params = list(model.net.parameters())
    pieces = [(x[start:stop], t[start:stop], scale) for (start, stop), scale in zip(micro, scales)]

    def step():
        # the body of Sequential.fit's batch loop
        _clear_grads(params)
        for xj, tj, scale in pieces:
            engine.accumulate_gradients(net, loss_fn, xj, tj, scale, check=False)
        optimizer.step()

    def memory():
        if backend == "numpy":
            return acc.numpy_peak_bytes(net, loss_fn, x[largest], t[largest])
        return _torch_memory(net, loss_fn, x[largest], t[largest], device)

    return Step(step, memory, device, model.get_weights)


def _plain_torch_step(X, y, width, micro, scales, largest, device, seed):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(N_FEATURES, width), torch.nn.ReLU(), torch.nn.Linear(width, width),
                              torch.nn.ReLU(), torch.nn.Linear(width, N_CLASSES)).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)
    Xt, yt = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
    pieces = [(Xt[start:stop], yt[start:stop], scale) for (start, stop), scale in zip(micro, scales)]

    def step():
        opt.zero_grad()
        for xj, yj, scale in pieces:
            (F.cross_entropy(net(xj), yj) * scale).backward()
        opt.step()

    return Step(step, lambda: _torch_memory(net, torch.nn.CrossEntropyLoss(), Xt[largest], yt[largest], device), device,
                lambda: [p.detach().cpu().numpy().copy() for p in net.parameters()])


def _torch_memory(net, loss_fn, x, t, device):
    if device == "cuda":
        return acc.cuda_peak_bytes(net, loss_fn, x, t)
    return acc.torch_saved_bytes(net, loss_fn, x, t)


def time_steps(step, device="cpu", budget=BUDGET, min_repeats=MIN_REPEATS, max_repeats=MAX_REPEATS):
    """Seconds of each timed call of ``step()``: one untimed warm-up, then calls until ``budget`` seconds are spent.

    At least ``min_repeats`` and at most ``max_repeats`` calls. On a GPU the clock waits for the queued work.
    """
    sync = _synchronize if device == "cuda" else (lambda: None)
    step()
    sync()
    times = []
    while len(times) < max_repeats and (len(times) < min_repeats or sum(times) < budget):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return times


def _synchronize():
    import torch

    torch.cuda.synchronize()


@contextlib.contextmanager
def cpu_threads(n, blas=True):
    """Run the block with PyTorch (and, with ``blas``, NumPy's BLAS) limited to ``n`` threads (``None``: as they are)."""
    if n is None:
        yield
        return
    import torch

    n = v.check_positive_int(n, "threads")
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        if blas:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=n):
                yield
        else:
            yield
    finally:
        torch.set_num_threads(before)


@lru_cache(maxsize=4096)
def measure(implementation, batch_size, width, accumulation_steps=1, budget=BUDGET, threads=1, label=0):
    """Time per training step and memory of one step for one setting, measured once and cached.

    ``threads``: CPU threads for NumPy's BLAS and PyTorch while timing (``None``: their defaults).
    ``label``: any hashable; a new label measures again (the rounds of :func:`sweep`, "measure again").

    Returns
    -------
    dict
        ``seconds`` (the fastest of the timed steps), ``repeats`` (how many were timed), ``memory``
        (bytes of one micro-batch pass, see :data:`MEMORY_KIND`), ``rows`` (rows in that micro-batch),
        and the arguments.
    """
    step = training_step(implementation, batch_size, width, accumulation_steps)
    with cpu_threads(threads):
        times = time_steps(step.run, step.device, budget)
        memory = int(step.memory())
    return {"implementation": implementation, "batch_size": batch_size, "width": width,
            "accumulation_steps": accumulation_steps, "seconds": min(times), "repeats": len(times),
            "memory": memory, "rows": -(-batch_size // accumulation_steps), "threads": threads}


def sweep(width, accumulation_steps=1, batch_sizes=BATCH_SIZES, names=None, budget=BUDGET, threads=1,
          rounds=ROUNDS, measurement=0):
    """:func:`measure` for every implementation at every batch size (at least ``accumulation_steps`` rows),
    in ``rounds`` rounds.

    Each round measures the implementations in turn at each batch size (interleaved), so a slow moment of
    the machine touches all of them alike, and the rounds follow each other, so one slow moment spoils at
    most one round of a point. ``measurement`` labels the whole sweep: a new one measures everything again.

    Returns
    -------
    dict
        ``batch_sizes`` (ndarray), ``width``, ``accumulation_steps``, ``rounds``; per implementation name,
        ``seconds`` (the median over the rounds), ``low`` and ``high`` (the fastest and slowest round) and
        ``memory``.
    """
    names = tuple(names or implementations())
    sizes = np.array([b for b in batch_sizes if b >= accumulation_steps])
    if sizes.size == 0:
        raise ValueError(f"accumulation_steps: expected at most the largest batch size {max(batch_sizes)}, "
                         f"got {accumulation_steps}")
    rounds = v.check_positive_int(rounds, "rounds")
    runs = np.array([[[measure(name, int(b), width, accumulation_steps, budget, threads, (measurement, r))["seconds"]
                       for name in names] for b in sizes] for r in range(rounds)])  # (round, batch size, name)
    memory = [[measure(name, int(b), width, accumulation_steps, budget, threads, (measurement, 0))["memory"]
               for name in names] for b in sizes]
    per_name = lambda values: {name: values[:, i] for i, name in enumerate(names)}  # noqa: E731
    return {"batch_sizes": sizes, "width": width, "accumulation_steps": accumulation_steps, "threads": threads,
            "rounds": rounds, "seconds": per_name(np.median(runs, axis=0)), "low": per_name(runs.min(axis=0)),
            "high": per_name(runs.max(axis=0)), "memory": per_name(np.array(memory, dtype=float))}


# ------------------------------------------------------------------------------- crossover
def crossovers(batch_sizes, seconds_a, seconds_b):
    """Where two implementations' times cross along the batch-size axis.

    Between two neighbouring batch sizes where the faster one changes, the crossing is interpolated
    linearly in log(batch size) against log(time ratio), the axes of the plot.

    Returns
    -------
    list of (float, int)
        ``(batch size at the crossing, sign)``: sign +1 where ``a`` becomes faster than ``b`` as the
        batch grows, -1 where ``b`` overtakes ``a``. Empty when one is faster everywhere.
    """
    b = np.asarray(batch_sizes, dtype=float)
    ratio = np.log(np.asarray(seconds_a, dtype=float) / np.asarray(seconds_b, dtype=float))
    if not (b.shape == ratio.shape and b.ndim == 1):
        raise ValueError(f"seconds_a, seconds_b: expected one time per batch size ({b.shape}), got {ratio.shape}")
    found = []
    for i in np.flatnonzero(np.sign(ratio[:-1]) * np.sign(ratio[1:]) < 0):  # a tie at a point is no crossing
        x0, x1, r0, r1 = np.log(b[i]), np.log(b[i + 1]), ratio[i], ratio[i + 1]
        found.append((float(np.exp(x0 + (x1 - x0) * r0 / (r0 - r1))), int(np.sign(r0))))
    return found


def lead_changes(result):
    """Where the fastest implementation of a :func:`sweep` changes as the batch grows, beyond the noise.

    With the rounds' ranges (``low``, ``high``), a change between two neighbouring batch sizes counts only
    when each leader is faster than the other in every round at its own point: the slowest round of the
    one is faster than the fastest round of the other. A change inside the noise is no crossover.

    Returns
    -------
    list of (float, str, str)
        ``(batch size, the one that was fastest, the one that is fastest from there on)``.
    """
    names = list(result["seconds"])
    times = np.stack([result["seconds"][n] for n in names])
    low, high = (result.get(key, result["seconds"]) for key in ("low", "high"))
    fastest = times.argmin(axis=0)
    changes = []
    for i in np.flatnonzero(fastest[1:] != fastest[:-1]):
        before, after = names[fastest[i]], names[fastest[i + 1]]
        if not (high[before][i] < low[after][i] and high[after][i + 1] < low[before][i + 1]):
            continue  # within the rounds' spread: the machine, not the implementations
        crossing = crossovers(result["batch_sizes"][i:i + 2], result["seconds"][before][i:i + 2],
                              result["seconds"][after][i:i + 2])
        changes.append((crossing[0][0] if crossing else float(result["batch_sizes"][i + 1]), before, after))
    return changes
