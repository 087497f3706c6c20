"""nnlib.distributed_demo: 2 processes (gloo on the CPU) give the single-process gradient, and no_sync() leaves
one all-reduce per step instead of one per micro-batch."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

from nnlib import distributed_demo as dd  # noqa: E402

pytestmark = pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()),
                                reason="this PyTorch build has no torch.distributed gloo backend")


@pytest.fixture(scope="module")
def results():
    # 50 rows: shards of 25, each in k = 3 micro-batches of 8, 8, 9 rows (unequal)
    return dd.launch(world_size=2, n=50, k=3, seed=0, timeout=90)


def test_the_two_ranks_split_the_batch(results):
    assert results["world_size"] == 2
    assert results["backend"] == dd.choose_backend(2)
    assert results["shard"] == [0, 25]  # rank 0's rows; rank 1 has 25..50
    assert results["micro_batches"] == [8, 8, 9]


def test_all_reduced_gradients_equal_the_single_process_gradient(results):
    s = dd.summary(results)
    for name in ("single_accumulated", "allreduce", "ddp_no_sync", "ddp_every_step"):
        assert s[f"max_diff_{name}"] < 1e-14, name
    assert s["max_diff_between_ranks"] == 0.0


def test_no_sync_leaves_one_allreduce_per_step(results):
    s = dd.summary(results)
    assert s["allreduces_allreduce"] == 1
    assert s["allreduces_ddp_no_sync"] == 1           # the small model fits one DDP bucket
    assert s["allreduces_ddp_every_step"] == 3        # one per micro-batch


def test_the_gradient_is_not_trivially_zero(results):
    reference = np.concatenate([np.ravel(g) for g in results["single_full_batch"]])
    assert np.abs(reference).max() > 1e-3


def test_shards_cover_the_batch():
    assert [dd.shard(7, 2, r) for r in range(2)] == [(0, 3), (3, 7)]


def test_launch_checks_the_split_before_starting_processes():
    with pytest.raises(ValueError, match="k: expected at most n // world_size = 1"):
        dd.launch(world_size=2, n=3, k=2)
    with pytest.raises(TypeError, match="world_size"):
        dd.launch(world_size=2.0)
