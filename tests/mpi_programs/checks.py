"""What the MPI test programs check on every rank (imported from the programs' own folder)."""
import numpy as np

import autograd as ag
import autograd.distributed as dist


def flat(module):
    """Every parameter of ``module``, in order, as one flat array."""
    return np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])


def same_on_every_rank(values, what):
    """Raise unless ``values`` (an array) holds the same bits on every rank."""
    mine = np.ascontiguousarray(values)
    everyone = [ag.zeros_like(ag.from_numpy(mine)) for _ in range(dist.get_world_size())]
    dist.all_gather(everyone, ag.from_numpy(mine))
    for r, theirs in enumerate(everyone):
        if not np.array_equal(theirs.numpy(), mine):
            raise AssertionError(f"{what}: rank {r}'s parameters differ from rank {dist.get_rank()}'s by "
                                 f"{np.abs(theirs.numpy() - mine).max():.3g}")


def refused(call, error, text, what):
    """Raise unless ``call()`` raises ``error`` with ``text`` in its message (``what``: the refusal expected)."""
    try:
        call()
    except error as err:
        if text not in str(err):
            raise
    else:
        raise AssertionError(what)


def finish(message):
    """The end of a program: every rank done, the group closed, ``message`` printed once (rank 0)."""
    rank = dist.get_rank()
    dist.barrier()
    dist.destroy_process_group()
    if rank == 0:
        print(message)
