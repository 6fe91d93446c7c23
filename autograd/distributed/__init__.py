"""ag.distributed: data-parallel training on several processes, with torch.distributed's names.

    import autograd as ag
    import autograd.distributed as dist
    dist.init_process_group("mpi")          # under: mpiexec -n 4 python train.py
    t = ag.ones(3) * dist.get_rank()
    dist.all_reduce(t)                      # in place: 0 + 1 + 2 + 3 on every rank
    work = dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True)
    ...                                     # compute while the message travels
    work.wait()

One process per rank. The "mpi" backend runs on mpi4py (imported only by init_process_group, so
``import autograd`` never loads MPI; ``pip install 'seegrad[distributed]'`` brings mpi4py and the
MPICH wheel with its ``mpiexec``); "self" is a world of one, so the same script runs without MPI.
Every wait has a timeout (init_process_group's ``timeout=``), and under MPI an uncaught exception
on one rank prints it and aborts the whole job. ``nn.parallel.DistributedDataParallel`` builds
on these; docs/distributed.md says how to launch on one machine, several, or a cloud.
"""
from .collectives import (
    ReduceOp, Work, abort, all_gather, all_gather_object, all_reduce, barrier, broadcast, broadcast_object_list,
    destroy_process_group, empty_shared, get_backend, get_rank, get_world_size, group, init_process_group, is_available,
    is_gloo_available, is_initialized, is_mpi_available, is_nccl_available, ranks_share_memory, reduce_scatter,
    reduce_scatter_in_place, require_default_group,
)
from .process_group import DEFAULT_TIMEOUT as default_pg_timeout, DistBackendError, launched_by_mpi
from .process_group import export_torchrun_variables

export_torchrun_variables()  # under mpiexec: RANK, LOCAL_RANK... as torchrun sets them


def __getattr__(name):
    """``dist.optim`` (torch.distributed.optim): ZeroRedundancyOptimizer, from the optim package, on first use."""
    if name == "optim":
        from ..namespaces import upper

        module = globals()["optim"] = upper("distributed.optim")
        return module
    raise AttributeError(f"module 'autograd.distributed' has no attribute {name!r}")
