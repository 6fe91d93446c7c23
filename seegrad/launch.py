"""Data-parallel runs of the apps: start mpiexec, join the job, and let rank 0 speak.

    seegrad train --nproc 4 ...           # starts `mpiexec -n 4 python -m seegrad train ...` itself
    mpiexec -n 8 -f hosts seegrad train   # or under a launcher you start (a hostfile, srun on a cluster)

Each process trains a replica on its shard of the data (nn.parallel.DistributedDataParallel and
seegrad.data.DistributedSampler); rank 0 alone prints and writes files.
"""
import os
import subprocess
import sys

import autograd.distributed as dist
from autograd.distributed.run import find_mpiexec

__all__ = ["find_mpiexec", "relaunch", "join", "is_main_process"]


def relaunch(nproc, argv, module="seegrad"):
    """Run ``python -m module *argv`` as ``nproc`` ranks under mpiexec; return its exit status."""
    mpiexec = find_mpiexec()
    if mpiexec is None:
        raise RuntimeError("no mpiexec found: pip install 'seegrad[distributed]' (mpi4py and MPICH)")
    return subprocess.call([mpiexec, "-n", str(nproc), sys.executable, "-m", module, *argv])


def join(nproc=None):
    """Join the job when an MPI launcher started this process; returns (rank, world size).

    ``nproc``, when given, must be the job's size. Ranks other than 0 print nothing (their stdout
    goes to /dev/null; errors still reach stderr)."""
    if not dist.launched_by_mpi():
        if nproc not in (None, 1):
            raise RuntimeError(f"--nproc {nproc}: this process was not started by mpiexec")
        return 0, 1
    if not dist.is_initialized():
        dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if nproc not in (None, world):
        raise RuntimeError(f"--nproc {nproc} but mpiexec started {world} processes; drop --nproc under your own "
                           "mpiexec, or make the two agree")
    if rank:
        sys.stdout = open(os.devnull, "w")
    return rank, world


def is_main_process():
    """True on rank 0 of a distributed run, and in a run of one process."""
    return not dist.is_initialized() or dist.get_rank() == 0
