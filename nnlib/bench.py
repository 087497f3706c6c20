"""How fast nnlib trains, next to loops written by hand: ``python -m nnlib.bench``.

Each run trains ``--epochs`` epochs (default 5; shuffled mini-batches, softmax cross-entropy, SGD,
float32) and reports the training loss and accuracy of every epoch, as ``fit``'s history does, with

- a plain PyTorch loop: ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``, ``F.cross_entropy``,
  ``torch.optim.SGD`` (the yardstick, ratio 1.00x, and the floor of nnlib's torch backend);
- nnlib's NumPy backend and nnlib's torch backend: one ``model.fit(..., epochs=E, verbose=0)`` call,
  so the run pays all that a multi-epoch ``fit`` pays per epoch (shuffling and batching, the epoch's
  loss and accuracy, the fallback copy of the weights after each epoch) and, once, its checks of X, y;
- a bare NumPy loop written by hand (no library, no checks, in-place softmax cross-entropy that
  gives each batch's loss and its gradient, SGD): the floor of nnlib's NumPy backend.

The hand-written loops do the same useful work per epoch as ``fit`` and no more, each in its leanest
form: the epoch's mean loss from the per-batch losses the loss function gives anyway, its accuracy
from the predicted classes (the bare loop writes each batch's argmax into one array; the PyTorch loop
keeps detached losses and outputs and sums them once per epoch, as ``fit`` does, without a
synchronisation per step).

Pairs: each nnlib backend runs right next to its floor (nnlib numpy with bare numpy, nnlib torch with
plain torch), in a random order; every round runs both pairs, in a random order, after one untimed
warm-up run of each. Reported per contender: the median time per epoch and, per ratio, the median
over rounds of its time divided by the other's time in the same round (a paired ratio: a slow moment
of the machine slows both) with the interquartile range of those ratios beside it (the spread: a wide
one says the machine was too busy for the median to mean much). The targets are in ``CONFIGS``.

Threads and clock: by default NumPy's BLAS and PyTorch run on one thread and the CPU time of this
process is timed (the figures then barely move when other jobs share the machine: their turns are not
counted, and no idle thread spins against them). ``--threads N`` runs N threads; with more than one
the wall clock is timed (the CPU time would add up every thread, idle spinning included) after a 0.2 s
pause before each run (OpenBLAS and OpenMP threads keep spinning for a while after a call), and on a
busy machine the figures are then only as steady as the spread printed beside them. ``--wall-clock``
times the wall clock on one thread too. With CUDA present the torch backend and the plain loop also
run on the GPU (wall clock; compared with each other, without a target).

Options: ``--rounds N`` (default 11), ``--epochs E`` (default 5), ``--quick`` (1 round of 2 epochs,
a smaller MNIST-size set: a smoke test, not a measurement), ``--config digits|mnist`` (one
configuration only), ``--threads N``, ``--wall-clock``, ``--cpu-time`` (the default with one thread;
refused with more).
"""
import argparse
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
ROUNDS, EPOCHS = 11, 5


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
def nnlib_run(backend, widths, batch_size, X, y, epochs, device="cpu"):
    """``epochs`` epochs of one ``model.fit`` call with the given nnlib backend; returns its history."""
    layers = [nnlib.Dense(a, b, activation="relu") for a, b in zip(widths[:-2], widths[1:-1])]
    layers.append(nnlib.Dense(widths[-2], widths[-1]))
    model = nnlib.Sequential(layers, backend=backend, seed=0, dtype="float32", device=device)
    model.compile(loss="cross_entropy", optimizer="sgd", learning_rate=LEARNING_RATE)
    return lambda: model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0)


def plain_torch_run(widths, batch_size, X, y, epochs, device="cpu"):
    """``epochs`` epochs of the loop a PyTorch user would write by hand; returns each epoch's (loss, accuracy)."""
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
        losses, outputs = [], []
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            opt.zero_grad()
            out = net(Xt[rows])
            loss = F.cross_entropy(out, yt[rows])
            loss.backward()
            opt.step()
            losses.append(loss.detach())  # kept on the device: summed once per epoch, no sync per step
            outputs.append(out.detach())
        sizes = torch.tensor([min(batch_size, n - s) for s in range(0, n, batch_size)], device=device)
        correct = (torch.cat(outputs).argmax(1) == yt[order]).sum()
        return float((torch.stack(losses) * sizes).sum()) / n, int(correct) / n

    return lambda: [epoch() for _ in range(epochs)]


def bare_numpy_run(widths, batch_size, X, y, epochs):
    """``epochs`` epochs of a minimal NumPy loop: ReLU MLP, softmax cross-entropy, SGD, nothing else.

    Like ``F.cross_entropy`` in the plain loop, the fused softmax cross-entropy gives each batch's
    loss as well as the gradient; each batch's predicted classes go into one array, compared with
    the labels once per epoch. Returns each epoch's (mean loss, accuracy), as ``fit``'s history.
    """
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-1, 1, (b, a)).astype(np.float32) / np.float32(np.sqrt(a)) for a, b in zip(widths, widths[1:])]
    biases = [np.zeros(b, dtype=np.float32) for b in widths[1:]]
    n, last = len(X), len(weights) - 1
    predicted = np.empty(n, dtype=np.int64)

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
            h.argmax(axis=1, out=predicted[start : start + m])
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
        return epoch_loss / n, int((predicted == y[order]).sum()) / n

    return lambda: [epoch() for _ in range(epochs)]


def contenders(config, X, y, epochs, gpu):
    """``{name: (run function, device)}`` for one configuration."""
    widths, batch = CONFIGS[config]["widths"], CONFIGS[config]["batch_size"]
    runs = {
        PLAIN: (plain_torch_run(widths, batch, X, y, epochs), "cpu"),
        "nnlib numpy": (nnlib_run("numpy", widths, batch, X, y, epochs), "cpu"),
        "nnlib torch": (nnlib_run("torch", widths, batch, X, y, epochs), "cpu"),
        BARE: (bare_numpy_run(widths, batch, X, y, epochs), "cpu"),
    }
    if gpu:
        runs[f"{PLAIN} (cuda)"] = (plain_torch_run(widths, batch, X, y, epochs, device="cuda"), "cuda")
        runs["nnlib torch (cuda)"] = (nnlib_run("torch", widths, batch, X, y, epochs, device="cuda"), "cuda")
    return runs


def pairs(names):
    """The contenders grouped as they run: each nnlib backend next to its floor, on the same device."""
    groups = []
    for suffix in ("", " (cuda)"):
        for backend, (floor, _) in TARGETS.items():
            group = [name for name in (backend + suffix, floor + suffix) if name in names]
            if group:
                groups.append(group)
    placed = {name for group in groups for name in group}
    return groups + [[name] for name in names if name not in placed]


# ----------------------------------------------------------------------------------- timing
def time_run(run, device, pause, clock=time.perf_counter):
    time.sleep(pause)
    if device == "cuda":
        torch.cuda.synchronize()
        clock = time.perf_counter  # the CPU time would leave out the GPU's
    start = clock()
    run()
    if device == "cuda":
        torch.cuda.synchronize()  # GPU work is queued: wait for it before stopping the clock
    return clock() - start


def measure(runs, rounds, pause, seed=0, clock=time.perf_counter):
    """``{name: [seconds per round]}``: one untimed warm-up run each, then ``rounds`` rounds of pairs.

    Every round runs each group of :func:`pairs` back to back, the groups and the contenders within
    each in a fresh random order, so the two sides of a paired ratio run seconds apart at most.
    """
    for run, device in runs.values():
        time_run(run, device, 0.0, clock)
    order = random.Random(seed)
    times = {name: [] for name in runs}
    groups = pairs(list(runs))
    for _ in range(rounds):
        order.shuffle(groups)
        for group in groups:
            for name in order.sample(group, len(group)):
                times[name].append(time_run(*runs[name], pause, clock))
    return times


def paired_ratios(times, name, reference):
    """``time[name] / time[reference]`` in each round."""
    return [a / b for a, b in zip(times[name], times[reference])]


def spread(values):
    """``(median, lower quartile, upper quartile)``."""
    if len(values) < 2:
        return values[0], values[0], values[0]
    low, median, high = statistics.quantiles(values, n=4, method="inclusive")
    return median, low, high


def _ratio(times, name, reference):
    median, low, high = spread(paired_ratios(times, name, reference))
    return median, f"{median:5.2f}x ({low:.2f}-{high:.2f}) {reference:<11}"


def report(config, times, n_rows, targets, epochs=1):
    """The lines printed for one configuration; returns ``(lines, {contender: met})``.

    ``times`` are seconds per run of ``epochs`` epochs; ``targets`` maps a contender to ``(its floor,
    the highest paired median ratio to it)``.
    """
    spec = CONFIGS[config]
    steps = -(-n_rows // spec["batch_size"])
    widths = "-".join(str(w) for w in spec["widths"])
    lines = [f"{config}-size net {widths}, batch {spec['batch_size']}, {n_rows:,} rows ({spec['data']}), "
             f"{steps} steps per epoch",
             f"  {'contender':<20}{'median epoch':>14}{'per step':>11}   paired ratios, median (interquartile range): "
             f"vs plain torch, vs own floor"]
    verdicts = {}
    for name, seconds in times.items():
        cuda = name.endswith(" (cuda)")
        reference = f"{PLAIN} (cuda)" if cuda else PLAIN
        median = statistics.median(seconds) / epochs
        line = f"  {name:<20}{median * 1e3:>11.1f} ms{median / steps * 1e6:>8.0f} us   {_ratio(times, name, reference)[1]}"
        if cuda and name != reference:
            line += "   (no target on the GPU)"
        if name in targets:
            floor, target = targets[name]
            ratio, text = _ratio(times, name, floor)
            met = ratio <= target
            verdicts[name] = met
            line += f"   {text}   target <= {target:.2f}x: {'met' if met else 'NOT met'}"
        lines.append(line.rstrip())
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
                                     description="How fast nnlib trains, next to loops written by hand.")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of paired runs (default {ROUNDS})")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs per run: one fit call (default {EPOCHS})")
    parser.add_argument("--quick", action="store_true", help="one round of 2 epochs on less data: checks that it runs")
    parser.add_argument("--config", choices=sorted(CONFIGS), action="append", help="only this configuration (repeatable)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for NumPy's BLAS and for PyTorch (default 1; more are timed on the wall clock)")
    parser.add_argument("--wall-clock", action="store_true",
                        help="with one thread, time the wall clock instead of this process's CPU time")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time the CPU seconds of this process (the default with one thread; needs --threads 1)")
    args = parser.parse_args(argv)
    for name in ("rounds", "epochs", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name}: expected a positive integer, got {getattr(args, name)}")
    if args.cpu_time and args.threads != 1:
        # with more threads the CPU time would add up every thread, idle spinning included
        parser.error(f"--cpu-time: expected --threads 1 with it, got --threads {args.threads}")
    if args.cpu_time and args.wall_clock:
        parser.error("--cpu-time: expected either it or --wall-clock, got both")
    from threadpoolctl import threadpool_limits  # ships with scikit-learn

    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        with threadpool_limits(args.threads, user_api="blas"):
            return _run(args)
    finally:
        torch.set_num_threads(threads)


def _run(args):
    rounds, epochs = (1, 2) if args.quick else (args.rounds, args.epochs)
    cpu_time = args.threads == 1 and not args.wall_clock
    # one thread leaves no thread spinning after a call: no pause needed
    pause = 0.0 if args.threads == 1 else 0.02 if args.quick else PAUSE
    gpu = torch.cuda.is_available()
    clock = time.process_time if cpu_time else time.perf_counter
    print(f"nnlib.bench: {epochs} epochs per run (one fit call), float32, {rounds} round(s) of paired runs in "
          f"random order, {'CPU time of this process' if cpu_time else 'wall-clock time'}"
          f"{f', {pause:g} s pause before each run' if pause else ''}"
          f"{' (--quick: a smoke test, not a measurement)' if args.quick else ''}")
    print(f"{kernels()}, {platform.processor() or platform.machine()}, "
          f"GPU: {torch.cuda.get_device_name() + ' (wall clock)' if gpu else 'none'}")
    all_met = True
    for config in args.config or list(CONFIGS):
        X, y = load_data(config, args.quick)
        times = measure(contenders(config, X, y, epochs, gpu), rounds, pause, clock=clock)
        lines, verdicts = report(config, times, len(X), CONFIGS[config]["targets"], epochs)
        all_met &= all(verdicts.values())
        print()
        print("\n".join(lines))
        sys.stdout.flush()
    print()
    print("all targets met" if all_met else "some targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
