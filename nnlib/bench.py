"""How fast nnlib trains, next to loops written by hand: ``python -m nnlib.bench``.

Each configuration trains one epoch (shuffled mini-batches, softmax cross-entropy, SGD, float32) with

- a plain PyTorch loop: ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``, ``F.cross_entropy``,
  ``torch.optim.SGD`` (the yardstick, ratio 1.00x, and the floor of nnlib's torch backend);
- nnlib's NumPy backend and nnlib's torch backend, through ``model.fit(..., epochs=1, verbose=0)``;
- a bare NumPy loop written by hand (no library, no checks, in-place softmax cross-entropy that
  gives each batch's loss and its gradient, SGD): the floor of nnlib's NumPy backend.

The runs are interleaved: every round runs each contender once, in a fresh random order, after a
0.2 s pause (OpenBLAS threads keep spinning for a while after a call and would slow the next run
down). Reported are the median time per epoch and, per contender, the median over rounds of its
time divided by another's time in the same round (a paired ratio: a slow moment of the machine
affects both): against the plain PyTorch loop, and for each nnlib backend against its own floor,
with the targets in ``CONFIGS``. ``torch.set_num_threads`` is left at its default; the header
names the BLAS kernels NumPy and PyTorch run. With CUDA present the torch backend and the plain
loop also run on the GPU (compared with each other, without a target).

Options: ``--rounds N`` (default 7), ``--quick`` (1 round, a smaller MNIST-size set: a smoke test,
not a measurement), ``--config digits|mnist`` (one configuration only), ``--threads N`` (NumPy's
BLAS and PyTorch on N threads; on a machine other jobs share, ``--threads 1`` keeps idle threads
from spinning against each other), ``--cpu-time`` (with ``--threads 1``: the CPU seconds this
process used instead of the wall clock, which counts the moments other jobs had the CPU; the GPU
is left out).
"""
import argparse
import contextlib
import os
import platform
import random
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import nnlib

PLAIN, BARE = "plain torch", "bare numpy"
#: each nnlib backend -> (its hand-written floor, the highest paired ratio to that floor)
TARGETS = {"nnlib numpy": (BARE, 1.10), "nnlib torch": (PLAIN, 1.05)}
#: layer widths, batch size, what the data is, targets
CONFIGS = {
    "digits": {"widths": (64, 128, 10), "batch_size": 32, "data": "sklearn load_digits", "targets": TARGETS},
    "mnist": {"widths": (784, 256, 128, 10), "batch_size": 128, "data": "synthetic, seeded", "targets": TARGETS},
}
MNIST_ROWS, MNIST_ROWS_QUICK = 10_000, 1_024
LEARNING_RATE = 0.01
PAUSE = 0.2


# ------------------------------------------------------------------------------------ data
def load_data(config, quick=False):
    """``(X, y)`` in float32 / int64 for one configuration."""
    if config == "digits":
        from sklearn.datasets import load_digits  # ships with scikit-learn: nothing is downloaded

        X, y = load_digits(return_X_y=True)
        return (X / 16.0).astype(np.float32), y.astype(np.int64)
    # MNIST-sized: 784 features in [0, 1], labels from a fixed random linear "teacher" (so it is learnable)
    rng = np.random.default_rng(0)
    n = MNIST_ROWS_QUICK if quick else MNIST_ROWS
    X = rng.random((n, 784), dtype=np.float32)
    teacher = rng.normal(size=(784, 10)).astype(np.float32)
    return X, (X @ teacher).argmax(axis=1).astype(np.int64)


# ------------------------------------------------------------------------------- contenders
def nnlib_epoch(backend, widths, batch_size, X, y, device="cpu"):
    """One epoch of ``model.fit`` with the given nnlib backend."""
    layers = [nnlib.Dense(a, b, activation="relu") for a, b in zip(widths[:-2], widths[1:-1])]
    layers.append(nnlib.Dense(widths[-2], widths[-1]))
    model = nnlib.Sequential(layers, backend=backend, seed=0, dtype="float32", device=device)
    model.compile(loss="cross_entropy", optimizer="sgd", learning_rate=LEARNING_RATE)
    return lambda: model.fit(X, y, epochs=1, batch_size=batch_size, verbose=0)


def plain_torch_epoch(widths, batch_size, X, y, device="cpu"):
    """One epoch of the loop a PyTorch user would write by hand."""
    torch.manual_seed(0)
    modules = []
    for a, b in zip(widths[:-2], widths[1:-1]):
        modules += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    net = torch.nn.Sequential(*modules, torch.nn.Linear(widths[-2], widths[-1])).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)
    Xt, yt = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
    n = len(Xt)

    def epoch():
        order = torch.randperm(n, device=device)
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(net(Xt[rows]), yt[rows])
            loss.backward()
            opt.step()

    return epoch


def bare_numpy_epoch(widths, batch_size, X, y):
    """One epoch of a minimal NumPy loop: ReLU MLP, softmax cross-entropy, SGD, nothing else.

    Like ``F.cross_entropy`` in the plain loop, the fused softmax cross-entropy gives each batch's
    loss as well as the gradient (a loop that never looks at its loss is not one anybody writes);
    it costs a few operations on (batch,) arrays. Returns the epoch's mean loss.
    """
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-1, 1, (b, a)).astype(np.float32) / np.float32(np.sqrt(a)) for a, b in zip(widths, widths[1:])]
    biases = [np.zeros(b, dtype=np.float32) for b in widths[1:]]
    n, last = len(X), len(weights) - 1

    def epoch():
        order, epoch_loss = rng.permutation(n), 0.0
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            h, labels, m = X[rows], y[rows], len(rows)
            inputs = []
            for i, (W, b) in enumerate(zip(weights, biases)):
                inputs.append(h)
                h = h @ W.T
                h += b
                if i < last:
                    np.maximum(h, 0, out=h)
            h -= h.max(axis=1, keepdims=True)  # h: logits -> shifted logits -> dL/dlogits, in place
            picked = h[np.arange(m), labels]
            np.exp(h, out=h)
            total = h.sum(axis=1, keepdims=True)
            epoch_loss += float((np.log(total[:, 0]) - picked).mean()) * m  # this batch's loss, times its rows
            h /= total
            h[np.arange(m), labels] -= 1
            h /= m
            g = h
            for i in range(last, -1, -1):
                grad_W, grad_b = g.T @ inputs[i], g.sum(axis=0)
                if i:
                    g = g @ weights[i]
                    g *= inputs[i] > 0
                weights[i] -= LEARNING_RATE * grad_W
                biases[i] -= LEARNING_RATE * grad_b
        return epoch_loss / n

    return epoch


def contenders(config, X, y, gpu):
    """``{name: (epoch function, device)}`` for one configuration."""
    widths, batch = CONFIGS[config]["widths"], CONFIGS[config]["batch_size"]
    runs = {
        PLAIN: (plain_torch_epoch(widths, batch, X, y), "cpu"),
        "nnlib numpy": (nnlib_epoch("numpy", widths, batch, X, y), "cpu"),
        "nnlib torch": (nnlib_epoch("torch", widths, batch, X, y), "cpu"),
        BARE: (bare_numpy_epoch(widths, batch, X, y), "cpu"),
    }
    if gpu:
        runs[f"{PLAIN} (cuda)"] = (plain_torch_epoch(widths, batch, X, y, device="cuda"), "cuda")
        runs["nnlib torch (cuda)"] = (nnlib_epoch("torch", widths, batch, X, y, device="cuda"), "cuda")
    return runs


# ----------------------------------------------------------------------------------- timing
def time_epoch(epoch, device, pause, clock=time.perf_counter):
    time.sleep(pause)
    if device == "cuda":
        torch.cuda.synchronize()
    start = clock()
    epoch()
    if device == "cuda":
        torch.cuda.synchronize()  # GPU work is queued: wait for it before stopping the clock
    return clock() - start


def measure(runs, rounds, pause, seed=0, clock=time.perf_counter):
    """``{name: [seconds per round]}``: one untimed warm-up epoch each, then interleaved rounds."""
    for epoch, device in runs.values():
        time_epoch(epoch, device, 0.0, clock)
    order = random.Random(seed)
    times = {name: [] for name in runs}
    for _ in range(rounds):
        names = list(runs)
        order.shuffle(names)
        for name in names:
            times[name].append(time_epoch(*runs[name], pause, clock))
    return times


def paired_ratio(times, name, reference):
    """Median over rounds of ``time[name] / time[reference]`` in the same round."""
    return statistics.median(a / b for a, b in zip(times[name], times[reference]))


def report(config, times, n_rows, targets):
    """The lines printed for one configuration; returns ``(lines, {contender: met})``.

    ``targets`` maps a contender to ``(its floor, the highest paired ratio to it)``.
    """
    spec = CONFIGS[config]
    steps = -(-n_rows // spec["batch_size"])
    widths = "-".join(str(w) for w in spec["widths"])
    lines = [f"{config}-size net {widths}, batch {spec['batch_size']}, {n_rows:,} rows ({spec['data']}), "
             f"{steps} steps per epoch",
             f"  {'contender':<20}{'median epoch':>14}{'per step':>11}   paired median ratios: vs plain torch, vs own floor"]
    verdicts = {}
    for name, seconds in times.items():
        cuda = name.endswith(" (cuda)")
        reference = f"{PLAIN} (cuda)" if cuda else PLAIN
        median = statistics.median(seconds)
        line = (f"  {name:<20}{median * 1e3:>11.1f} ms{median / steps * 1e6:>8.0f} us   "
                f"{paired_ratio(times, name, reference):5.2f}x {reference}")
        if cuda and name != reference:
            line += "   (no target on the GPU)"
        if name in targets:
            floor, target = targets[name]
            ratio = paired_ratio(times, name, floor)
            met = ratio <= target
            verdicts[name] = met
            line += f"   {ratio:5.2f}x {floor:<11}   target <= {target:.2f}x: {'met' if met else 'NOT met'}"
        lines.append(line)
    return lines, verdicts


def kernels():
    """One line naming the BLAS library, its kernels and threads under NumPy, and PyTorch's CPU backend."""
    numpy_blas = "BLAS unknown (threadpoolctl missing)"
    try:
        from threadpoolctl import threadpool_info  # ships with scikit-learn

        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                kernel = f", {lib['architecture']} kernels" if lib.get("architecture") else ""
                numpy_blas = f"{lib['internal_api']} {lib['version']}{kernel}, {_threads(lib['num_threads'])}"
                break
    except ImportError:
        pass
    forced = "".join(f", {k}={v}" for k, v in sorted(os.environ.items()) if k == "OPENBLAS_CORETYPE")
    torch_blas = "MKL" if torch.backends.mkl.is_available() else "no MKL"
    return (f"numpy {np.__version__} ({numpy_blas}{forced}), torch {torch.__version__} ({torch_blas}, "
            f"{torch.backends.cpu.get_cpu_capability()}, {_threads(torch.get_num_threads())})")


def _threads(n):
    return f"{n} thread{'' if n == 1 else 's'}"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnlib.bench",
                                     description="How fast nnlib trains one epoch, next to loops written by hand.")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--quick", action="store_true", help="one round on less data: checks that it runs")
    parser.add_argument("--config", choices=sorted(CONFIGS), action="append", help="only this configuration (repeatable)")
    parser.add_argument("--threads", type=int, help="threads for NumPy's BLAS and for PyTorch (default: their own "
                                                     "defaults); 1 gives steadier figures on a shared machine")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time the CPU seconds this process used instead of the wall clock (needs --threads 1; "
                             "leaves the GPU out): other jobs on the machine then barely move the figures")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds: expected a positive integer, got {args.rounds}")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads: expected a positive integer, got {args.threads}")
    if args.cpu_time and args.threads != 1:
        # with more threads the CPU time would add up every thread, idle spinning included
        parser.error(f"--cpu-time: expected --threads 1 with it, got --threads {args.threads}")
    with _thread_limit(args.threads):
        return _run(args)


def _thread_limit(threads):
    """A context that runs NumPy's BLAS and PyTorch with ``threads`` threads (``None``: leave them)."""
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits  # ships with scikit-learn

    torch.set_num_threads(threads)
    return threadpool_limits(threads, user_api="blas")


def _run(args):
    rounds = 1 if args.quick else args.rounds
    pause = 0.02 if args.quick else PAUSE
    gpu = torch.cuda.is_available() and not args.cpu_time
    clock = time.process_time if args.cpu_time else time.perf_counter
    print(f"nnlib.bench: one training epoch, float32, median of {rounds} round(s) in random order, "
          f"{pause:g} s pause before each run, {'CPU time' if args.cpu_time else 'wall-clock time'}"
          f"{' (--quick: a smoke test, not a measurement)' if args.quick else ''}")
    print(f"{kernels()}, {platform.processor() or platform.machine()}, "
          f"GPU: {torch.cuda.get_device_name() if gpu else 'left out (--cpu-time)' if args.cpu_time else 'none'}")
    all_met = True
    for config in args.config or list(CONFIGS):
        X, y = load_data(config, args.quick)
        times = measure(contenders(config, X, y, gpu), rounds, pause, clock=clock)
        lines, verdicts = report(config, times, len(X), CONFIGS[config]["targets"])
        all_met &= all(verdicts.values())
        print()
        print("\n".join(lines))
        sys.stdout.flush()
    print()
    print("all targets met" if all_met else "some targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
