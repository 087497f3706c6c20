r"""Data parallelism with ``torch.distributed``: two processes, one batch, the same gradient.

Each of the W processes ("ranks") holds a copy of the model and a shard of the batch. Each computes
the gradient of its shard, and an **all-reduce** adds the W gradients up and hands every rank the
sum, so all copies take the same step. With shards of :math:`n_r` rows out of :math:`N`:

.. math:: \nabla L = \sum_{r=1}^{W} \frac{n_r}{N} \nabla L_r

the same sum as gradient accumulation (:mod:`nnlib.accumulation`), only spread across processes
instead of across time. Combined with accumulation (k micro-batches per rank), the all-reduce is
needed only once, after the last micro-batch: ``DistributedDataParallel.no_sync()`` skips it on
the others.

This module checks three ways to get the gradient of one batch against a single process:

1. ``"allreduce"``: accumulate k micro-batches locally (each scaled by its share of the *global*
   batch), then one ``dist.all_reduce(SUM)`` of all gradients flattened into one buffer;
2. ``"ddp_no_sync"``: DistributedDataParallel, micro-batches 1..k-1 under ``no_sync()``;
3. ``"ddp_every_step"``: DistributedDataParallel without ``no_sync()`` (an all-reduce per micro-batch).

DDP *averages* gradients across ranks (it divides the sum by W), so there each micro-batch's loss is
scaled by its share of the *local* shard; with equal shards both give the global mean.

Run it::

    python -m nnlib.distributed_demo                    # starts 2 CPU processes itself (gloo)
    torchrun --nproc_per_node=2 -m nnlib.distributed_demo   # the same, started by torchrun

Each rank reads ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` from the environment,
as torchrun sets them. The backend is chosen by availability: NCCL with one CUDA GPU per rank,
else gloo on the CPU; nothing else in the code changes.
"""
import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import numpy as np

from ._validation import check_positive_int
from .accumulation import make_batch, max_difference, split_sizes

#: the demo's network: widths of a small MLP with tanh hidden layers
WIDTHS = (4, 16, 3)


def build_net(seed=0, device="cpu"):
    """The demo's network as a ``torch.nn.Module`` (float64), identical on every rank for one seed."""
    import nnlib

    layers = [nnlib.Dense(a, b, activation="tanh") for a, b in zip(WIDTHS[:-2], WIDTHS[1:-1])]
    layers.append(nnlib.Dense(WIDTHS[-2], WIDTHS[-1]))
    return nnlib.Sequential(layers, backend="torch", seed=seed, dtype="float64", device=device).net


def choose_backend(world_size):
    """``"nccl"`` when every rank can have its own CUDA GPU, else ``"gloo"`` (CPU)."""
    import torch
    import torch.distributed as dist

    if torch.cuda.is_available() and torch.cuda.device_count() >= world_size and dist.is_nccl_available():
        return "nccl"
    return "gloo"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shard(n, world_size, rank):
    """Rows ``[start, stop)`` of rank ``rank``'s shard: contiguous, sizes differing by at most one."""
    edges = np.cumsum([0] + split_sizes(n, world_size))
    return int(edges[rank]), int(edges[rank + 1])


# ------------------------------------------------------------------------------------ one rank
def worker(rank, world_size, n=48, k=3, seed=0, timeout=30.0):
    """Run the three methods on this rank; returns a dict of results (gradients as nested lists).

    ``torch.distributed`` must not be initialised yet; the process group is created from the
    environment (``MASTER_ADDR``, ``MASTER_PORT``) and destroyed at the end, after a barrier, once
    nothing refers to it any more. Then its threads (gloo's workers and socket loop, the rendezvous
    store's server) have been joined: ``results["threads_after_teardown"]`` lists the threads still
    running (Linux; ``None`` elsewhere), so a test can check that none of them outlives the group.
    """
    import torch
    import torch.distributed as dist
    # DistributedDataParallel imports this module the first time it is built, and the module binds the
    # *current* default group into the default arguments of ten functions (``group=group.WORLD``). Imported
    # after init_process_group, it keeps the group alive after destroy_process_group, and with it gloo's
    # threads, still running while the interpreter shuts down at exit: now and then that aborted the
    # process ("terminate called without an active exception"). Imported before, it binds None.
    import torch.distributed.nn  # noqa: F401

    torch.manual_seed(seed)
    torch.set_num_threads(1)  # two processes share two cores
    backend = choose_backend(world_size)
    device = torch.device("cpu")
    if backend == "nccl":  # one GPU per process: this machine's rank picks it (torchrun sets LOCAL_RANK)
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", rank)))
        torch.cuda.set_device(device)
    dist.init_process_group(backend, rank=rank, world_size=world_size, timeout=timedelta(seconds=timeout))
    try:
        results = _distributed_part(rank, world_size, n, k, seed, device)  # its models are gone on return
        dist.barrier()  # no rank tears down while another still talks to it
    finally:
        dist.destroy_process_group()
    results["threads_after_teardown"] = _thread_names()

    # the single-process references, on this rank alone (no communication)
    import torch.nn.functional as F

    X, y = (torch.as_tensor(a, device=device) for a in make_batch(n, WIDTHS[0], WIDTHS[-1], seed=seed))
    net = build_net(seed, device)
    F.cross_entropy(net(X), y).backward()
    results["single_full_batch"] = _as_lists(net.parameters())
    net.zero_grad()
    all_micro = split_sizes(n, k * world_size)
    edges = np.cumsum([0] + all_micro).tolist()
    for a, b in zip(edges[:-1], edges[1:]):
        (F.cross_entropy(net(X[a:b]), y[a:b]) * ((b - a) / n)).backward()
    results["single_accumulated"] = _as_lists(net.parameters())
    return results


def _distributed_part(rank, world_size, n, k, seed, device):
    """The three distributed methods on this rank's shard (the process group is initialised)."""
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch.nn.parallel import DistributedDataParallel as DDP

    X, y = make_batch(n, WIDTHS[0], WIDTHS[-1], seed=seed)  # every rank makes the same global batch
    X, y = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
    start, stop = shard(n, world_size, rank)
    Xr, yr = X[start:stop], y[start:stop]
    micro = split_sizes(stop - start, k)
    bounds = np.cumsum([0] + micro).tolist()
    results = {"rank": rank, "world_size": world_size, "backend": choose_backend(world_size),
               "shard": [start, stop], "micro_batches": micro}

    # 1) local accumulation, then one all-reduce of the flattened gradients
    net = build_net(seed, device)
    for a, b in zip(bounds[:-1], bounds[1:]):
        (F.cross_entropy(net(Xr[a:b]), yr[a:b]) * ((b - a) / n)).backward()
    flat = torch.cat([p.grad.reshape(-1) for p in net.parameters()])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    results["allreduce"] = _unflatten(flat, net)
    results["allreduce_calls"] = 1

    # 2) and 3) DistributedDataParallel, counting the all-reduces with a communication hook
    for name, skip in (("ddp_no_sync", True), ("ddp_every_step", False)):
        model = DDP(build_net(seed, device), device_ids=[device.index] if device.type == "cuda" else None)
        calls = {"n": 0}
        model.register_comm_hook(calls, _counting_allreduce)
        for j, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            last = j == len(micro) - 1
            with model.no_sync() if skip and not last else contextlib.nullcontext():
                (F.cross_entropy(model(Xr[a:b]), yr[a:b]) * ((b - a) / (stop - start))).backward()
        results[name] = _as_lists(model.parameters())
        results[f"{name}_calls"] = calls["n"]

    # every rank must end with the same gradient: gather all ranks' and compare them
    mine = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    everyone = [torch.empty_like(mine) for _ in range(world_size)]
    dist.all_gather(everyone, mine)
    results["max_difference_between_ranks"] = max(float((e - everyone[0]).abs().max()) for e in everyone)
    return results


def _thread_names():
    """The names of this process's threads, sorted (Linux: ``/proc/self/task``); ``None`` where that does not exist."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return None
    names = []
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm") as f:
                names.append(f.read().strip())
        except OSError:  # the thread ended in between
            pass
    return sorted(names)


def _counting_allreduce(state, bucket):
    """DDP's default hook (all-reduce, then divide by the world size), counting its calls in ``state``."""
    from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook

    state["n"] += 1
    return allreduce_hook(None, bucket)


def _unflatten(flat, net):
    """Cut one flat gradient vector back into the parameters' shapes (as nested lists)."""
    sizes = [p.numel() for p in net.parameters()]
    return [part.reshape(p.shape).cpu().numpy().tolist() for part, p in zip(flat.split(sizes), net.parameters())]


def _as_lists(params):
    """Each parameter's gradient as nested lists (JSON goes back to the launching process)."""
    return [p.grad.detach().cpu().numpy().tolist() for p in params]


# -------------------------------------------------------------------------------- the launcher
def launch(world_size=2, n=48, k=3, seed=0, timeout=60.0):
    """Start ``world_size`` processes of this module on 127.0.0.1, as torchrun would; return rank 0's results.

    Each process gets ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR=127.0.0.1`` and a free
    ``MASTER_PORT``. Raises ``ValueError`` for a batch too small to split (before starting anything),
    and ``RuntimeError`` naming the rank, its exit code and its error output if a rank fails, prints no
    results, or takes longer than ``timeout`` seconds (then all are killed).
    """
    world_size, n, k = (check_positive_int(value, name) for value, name in ((world_size, "world_size"), (n, "n"), (k, "k")))
    if k * world_size > n:
        raise ValueError(f"k: expected at most n // world_size = {n // world_size} micro-batches per rank, got {k}")
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()),
           "WORLD_SIZE": str(world_size), "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-m", "nnlib.distributed_demo", "--n", str(n), "--k", str(k), "--seed", str(seed),
            "--timeout", str(timeout), "--json"]
    procs = [subprocess.Popen(args, env={**env, "RANK": str(r), "LOCAL_RANK": str(r)}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for r in range(world_size)]
    deadline = time.monotonic() + timeout
    outputs, killed = [None] * world_size, set()
    try:
        for r, p in enumerate(procs):
            outputs[r] = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass
    finally:  # never leave a rank behind, whatever happened here
        for r, p in enumerate(procs):
            if p.poll() is None:
                p.kill()
                killed.add(r)
            if outputs[r] is None:
                outputs[r] = p.communicate()
    _check_ranks(procs, outputs, killed, timeout)
    return _rank0_results(outputs[0])


def _check_ranks(procs, outputs, killed, timeout):
    """Raise ``RuntimeError`` naming each rank that failed, its exit code and the end of its error output.

    A rank that exited by itself comes first (its error is usually the cause); ranks still running at the
    timeout were killed.
    """
    failed = sorted((r in killed, r) for r, p in enumerate(procs) if p.returncode)
    if failed:
        raise RuntimeError("\n".join(
            (f"rank {r} did not finish within {timeout} s and was killed" if was_killed else
             f"rank {r} exited with exit code {procs[r].returncode}") + f"; its stderr:\n{outputs[r][1][-2000:]}"
            for was_killed, r in failed))


def _rank0_results(output):
    """Rank 0's results, the JSON line it printed last; ``RuntimeError`` when there is none."""
    out, err = output
    lines = out.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"rank 0 exited with exit code 0 but printed no results (stdout: {out[-500:]!r}), "
                           f"its stderr:\n{err[-2000:]}") from None


def summary(results):
    """The checks as a dict of numbers: max differences to the single-process gradient, all-reduce counts."""
    reference = [np.asarray(g) for g in results["single_full_batch"]]
    out = {"backend": results["backend"], "world_size": results["world_size"],
           "micro_batches_per_rank": len(results["micro_batches"])}
    for name in ("single_accumulated", "allreduce", "ddp_no_sync", "ddp_every_step"):
        out[f"max_diff_{name}"] = max_difference([np.asarray(g) for g in results[name]], reference)
    for name in ("allreduce", "ddp_no_sync", "ddp_every_step"):
        out[f"allreduces_{name}"] = results[f"{name}_calls"]
    out["max_diff_between_ranks"] = results["max_difference_between_ranks"]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world-size", type=int, default=2, help="processes to start (without RANK set)")
    parser.add_argument("--n", type=int, default=48, help="rows in the global batch")
    parser.add_argument("--k", type=int, default=3, help="micro-batches per rank")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before giving up")
    parser.add_argument("--json", action="store_true", help="print rank 0's raw results as one JSON line")
    args = parser.parse_args(argv)
    if "RANK" in os.environ:  # started by launch() or torchrun: be one rank
        results = worker(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), args.n, args.k, args.seed,
                         args.timeout)
        if results["rank"] == 0:
            print(json.dumps(results) if args.json else json.dumps(summary(results), indent=2), flush=True)
        return 0
    results = launch(args.world_size, args.n, args.k, args.seed, args.timeout)
    print(json.dumps(results) if args.json else json.dumps(summary(results), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
