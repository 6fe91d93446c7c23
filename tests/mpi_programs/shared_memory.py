"""Run under mpiexec -n N (one machine): all_reduce on tensors of dist.empty_shared (read through shared
memory, no messages) gives, on every rank, what numpy computes from all the ranks' inputs, and what
all_reduce on plain tensors (MPI's messages) gives: every op, float32/float64/int64/bool, sizes that
N does not divide, several reductions in flight at once, waited in any order, with a blocking
collective on other tensors between their start and their wait."""
import numpy as np

import autograd as ag
import autograd.distributed as dist
from checks import finish, refused  # (this folder)

OPS = {dist.ReduceOp.SUM: np.sum, dist.ReduceOp.AVG: np.mean, dist.ReduceOp.PRODUCT: np.prod,
       dist.ReduceOp.MIN: np.min, dist.ReduceOp.MAX: np.max}
SIZES = (1, 7, 1000, 100_003, 300_007)  # unequal chunks on 2 and 3 ranks; 300_007: several blocks (BLOCK) per chunk


def value(r, n, dtype, salt=0):
    x = (np.arange(n) * (r + 1 + salt) % 11 - 5)
    return (x / 4).astype(dtype) if np.dtype(dtype).kind == "f" else x.astype(dtype)


def shared(values):
    t = dist.empty_shared(values.shape, dtype=values.dtype)
    t.numpy()[...] = values
    return t


def check(got, want, what):
    got = np.asarray(got)
    if got.dtype != want.dtype or not np.array_equal(got, want):
        bad = np.flatnonzero(got.reshape(-1) != want.reshape(-1))[:5]
        raise AssertionError(f"rank {dist.get_rank()}: {what}: differs at {bad}: got {got.reshape(-1)[bad]}, "
                             f"want {want.reshape(-1)[bad]}")


def main():
    dist.init_process_group("mpi", timeout=60)
    rank, world = dist.get_rank(), dist.get_world_size()
    for n in SIZES:
        for dtype in (np.float32, np.float64, np.int64):
            for op, fn in OPS.items():
                if op is dist.ReduceOp.AVG and dtype == np.int64:
                    continue
                everyone = np.stack([value(r, n, dtype) for r in range(world)])
                t = shared(value(rank, n, dtype))
                dist.all_reduce(t, op=op)
                plain = ag.from_numpy(value(rank, n, dtype))
                dist.all_reduce(plain, op=op)
                want = fn(everyone, axis=0).astype(dtype)
                check(t, plain.numpy(), f"{op.name} {np.dtype(dtype)} n={n}: shared memory vs MPI")
                check(t, want, f"{op.name} {np.dtype(dtype)} n={n}")  # (quarters: exact in any order)
        for op in (dist.ReduceOp.BAND, dist.ReduceOp.BOR, dist.ReduceOp.BXOR):
            everyone = np.stack([value(r, n, np.int64) for r in range(world)])
            t = shared(value(rank, n, np.int64))
            dist.all_reduce(t, op=op)
            want = {"BAND": np.bitwise_and, "BOR": np.bitwise_or, "BXOR": np.bitwise_xor}[op.name].reduce(everyone)
            check(t, want, f"{op.name} int64 n={n}")
        flags = shared(value(rank, n, np.int64) > rank)
        dist.all_reduce(flags, op=dist.ReduceOp.MAX)
        check(flags, np.stack([value(r, n, np.int64) > r for r in range(world)]).any(axis=0), f"bool MAX n={n}")

    # several in flight at once, a shape of 2 dims, a blocking MPI collective between start and wait,
    # waited last to first; then the buffers are reused for the next round
    ts = [shared(value(rank, 5003 * (k + 1), np.float32, salt=k).reshape(-1, 1)) for k in range(3)]
    for round_ in range(3):
        for k, t in enumerate(ts):
            t.numpy()[...] = value(rank, t.numel(), np.float32, salt=k + round_).reshape(-1, 1)
        works = [dist.all_reduce(t, op=dist.ReduceOp.MAX, async_op=True) for t in ts]
        other = ag.ones(3) * rank
        dist.all_reduce(other)  # MPI's messages, while the shared ones are in flight
        check(other, np.full(3, sum(range(world)), np.float32), "a blocking all_reduce between start and wait")
        for work in reversed(works):
            work.wait()
            if not work.is_completed():
                raise AssertionError("a waited work must report is_completed()")
        for k, t in enumerate(ts):
            want = np.stack([value(r, t.numel(), np.float32, salt=k + round_) for r in range(world)]).max(axis=0)
            check(t.numpy().reshape(-1), want, f"overlapped all_reduce {k}, round {round_}")
    # a view or a part of a shared tensor is not the whole buffer: it goes through MPI, same result
    t = shared(value(rank, 10, np.float64))
    dist.all_reduce(t[2:5])
    want = np.stack([value(r, 10, np.float64) for r in range(world)])
    check(t.numpy()[2:5], want.sum(axis=0)[2:5], "a slice of a shared tensor")
    check(t.numpy()[5:], value(rank, 10, np.float64)[5:], "the rest of the shared tensor is untouched")
    if dist.group.WORLD.shared is not None:  # with windows, ranks asking for different sizes are told so
        refused(lambda: dist.empty_shared(3 + rank), ValueError, "the ranks asked for different sizes",
                "empty_shared of a different size on each rank did not raise")
    # reduce_scatter_in_place: rank r's chunk (uneven, one of them empty) comes back summed, in flight
    # together with an all_reduce; through the windows the other chunks keep this rank's own values
    n = 1000
    bounds = [0] + [min(n, 300 * (r + 1)) for r in range(world - 1)] + [n]
    bounds[1] = 0  # rank 0's chunk is empty
    everyone = np.stack([value(r, n, np.float32) for r in range(world)])
    t, other = shared(value(rank, n, np.float32)), shared(value(rank, n, np.float32, salt=1))
    works = [dist.reduce_scatter_in_place(t, bounds, async_op=True), dist.all_reduce(other, async_op=True)]
    for work in works:
        work.wait()
    mine = slice(bounds[rank], bounds[rank + 1])
    check(t.numpy()[mine], everyone.sum(axis=0)[mine], f"reduce_scatter_in_place, rank {rank}'s chunk {mine}")
    check(other, np.stack([value(r, n, np.float32, salt=1) for r in range(world)]).sum(axis=0),
          "an all_reduce in flight with a reduce_scatter_in_place")
    averaged = shared(value(rank, n, np.float32))  # AVG: divided by the world size in the pass that sums
    dist.reduce_scatter_in_place(averaged, bounds, op=dist.ReduceOp.AVG)
    check(averaged.numpy()[mine], everyone.mean(axis=0, dtype=np.float32)[mine],
          f"reduce_scatter_in_place AVG, rank {rank}'s chunk {mine}")
    if dist.group.WORLD.shared is not None:
        rest = np.ones(n, bool)
        rest[mine] = False
        check(t.numpy()[rest], value(rank, n, np.float32)[rest], "reduce_scatter_in_place: the others' chunks")
    for bad in ([0, n], list(range(world)) + [n + 1], [0] * world + [n - 1]):
        refused(lambda: dist.reduce_scatter_in_place(t, bad), ValueError, "bounds must be world size + 1",
                f"reduce_scatter_in_place accepted bounds {bad}")
    ranks_name_their_own_buffers(rank, world)
    windows = dist.group.WORLD.shared is not None  # the mpi backend's windows (shared_memory.py), or none
    finish(f"shared-memory all_reduce OK on {world} ranks, {'through windows' if windows else 'without windows'}")


def ranks_name_their_own_buffers(rank, world):
    """Through the windows the ranks need not reduce the same buffer in one op: each passes any of its
    buffers of that size (a choice that differs between ranks here), and the result lands in each
    rank's own choice, the other buffers untouched; more ops in flight at once than the ring of
    named buffers holds (RING), waited last to first, over several rounds."""
    from autograd.distributed.shared_memory import RING
    windows = dist.group.WORLD.shared is not None
    count = RING + 9
    pairs = [(shared(value(rank, 301, np.float32, salt=k)), shared(value(rank, 301, np.float32, salt=k + 1)))
             for k in range(count)]
    for round_ in range(3):
        # without windows (MPI's messages) every rank must pass the same one: the first
        chosen = [pair[(k + rank + round_) % 2 if windows else 0] for k, pair in enumerate(pairs)]
        untouched = [pair[1 - (k + rank + round_) % 2 if windows else 1].numpy().copy() for k, pair in enumerate(pairs)]
        works = [dist.all_reduce(t, async_op=True) for t in chosen]
        for work in reversed(works):
            work.wait()
        for k, pair in enumerate(pairs):
            salts = [k + (k + r + round_) % 2 if windows else k for r in range(world)]
            want = np.stack([value(r, 301, np.float32, salt=salt) for r, salt in enumerate(salts)]).sum(axis=0)
            check(chosen[k], want, f"op {k} of {count} in flight, each rank its own buffer, round {round_}")
            check(pair[1 - (k + rank + round_) % 2 if windows else 1], untouched[k],
                  f"op {k}, round {round_}: the buffer this rank did not name")
            for j, t in enumerate(pair):
                t.numpy()[...] = value(rank, 301, np.float32, salt=k + j)
    if windows:  # tensors of different sizes on the ranks: said, on every rank, and the group goes on
        small, large = shared(np.zeros(4, np.float32)), shared(np.zeros(5, np.float32))
        refused(lambda: dist.all_reduce(small if rank == 0 else large), dist.DistBackendError,
                "the ranks passed tensors of different sizes", "all_reduce of different sizes did not raise")
        t = shared(np.ones(3, np.float32))
        dist.all_reduce(t)
        check(t, np.full(3, world, np.float32), "an all_reduce after the refused one")


if __name__ == "__main__":
    main()
