"""Run under mpiexec -n N: each collective of ag.distributed gives, on every rank, what numpy computes
from all the ranks' inputs (rank r's input is a known function of r, so every rank can compute it)."""
import numpy as np

import autograd as ag
import autograd.distributed as dist
from checks import finish  # (this folder)

OPS = {dist.ReduceOp.SUM: np.sum, dist.ReduceOp.AVG: np.mean, dist.ReduceOp.PRODUCT: np.prod,
       dist.ReduceOp.MIN: np.min, dist.ReduceOp.MAX: np.max}


def value(r, shape=(2, 3), dtype=np.float32):
    return (np.arange(np.prod(shape)).reshape(shape) * (r + 1) % 7 - 3).astype(dtype)


def check(got, want, what):
    if not np.array_equal(np.asarray(got), want):
        raise AssertionError(f"rank {dist.get_rank()}: {what}: got {np.asarray(got)}, want {want}")


def main():
    dist.init_process_group("mpi", timeout=60)
    rank, world = dist.get_rank(), dist.get_world_size()
    everyone = np.stack([value(r) for r in range(world)])  # (world, 2, 3)
    for op, fn in OPS.items():
        for dtype in (np.float32, np.float64, np.int64):
            if op is dist.ReduceOp.AVG and dtype == np.int64:
                continue
            t = ag.from_numpy(value(rank, dtype=dtype))
            dist.all_reduce(t, op=op)
            check(t, fn(everyone.astype(dtype), axis=0).astype(dtype), f"all_reduce {op.name} {np.dtype(dtype)}")
    t = ag.from_numpy(value(rank))
    transposed = t.T  # a strided view: reduced through a contiguous copy, written back into t
    work = dist.all_reduce(transposed, op=dist.ReduceOp.MAX, async_op=True)
    work.wait()
    check(t, everyone.max(axis=0), "async all_reduce of a strided view")
    if not work.is_completed():
        raise AssertionError("a waited work must report is_completed()")
    for src in range(world):
        b = ag.from_numpy(value(rank))
        dist.broadcast(b, src=src)
        check(b, value(src), f"broadcast from {src}")
    out = [ag.zeros(2, 3) for _ in range(world)]
    dist.all_gather(out, ag.from_numpy(value(rank)))
    check(np.stack([o.numpy() for o in out]), everyone, "all_gather")
    inputs = [ag.from_numpy(value(rank * world + i)) for i in range(world)]
    o = ag.zeros(2, 3)
    dist.reduce_scatter(o, inputs, op=dist.ReduceOp.SUM)
    check(o, sum(value(r * world + rank) for r in range(world)), "reduce_scatter")
    objects = [None] * world
    dist.all_gather_object(objects, {"rank": rank, "text": "x" * rank})
    check(objects == [{"rank": r, "text": "x" * r} for r in range(world)], True, "all_gather_object")
    items = [rank, f"from {rank}"]
    dist.broadcast_object_list(items, src=world - 1)
    check(items == [world - 1, f"from {world - 1}"], True, "broadcast_object_list")
    finish(f"collectives OK on {world} ranks")


if __name__ == "__main__":
    main()
