"""The process group: which rank this process is, how many there are, and how they talk.

Two backends, chosen by ``init_process_group``:
    "mpi"   one process per rank, started by ``mpiexec -n N``; messages go through mpi4py (imported
            here, on first use only: ``import autograd`` never loads MPI).
    "self"  a world of one: every collective returns its input, so a script written for N ranks
            runs unchanged without MPI.

MPI has no timeout of its own: a collective waits for ever for a rank that died or hangs. Here
every wait polls ``Test()`` against a deadline (``timeout=`` of init_process_group, 30 minutes by
default like PyTorch's) and raises ``DistBackendError`` when it passes. Under the "mpi" backend an
uncaught exception on any rank prints that rank's traceback and calls ``MPI_Abort``, which ends
every rank: a failing job stops, it never hangs.
"""
import datetime
import os
import sys
import time
import traceback

__all__ = ["ProcessGroup", "DistBackendError", "DEFAULT_TIMEOUT", "launched_by_mpi", "mpi_is_installed",
           "export_torchrun_variables"]

DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)  # torch.distributed.default_pg_timeout

# Set in each process that an MPI launcher starts: MPICH/Hydra and Intel MPI, Open MPI, PMIx (Slurm), MVAPICH.
LAUNCHER_RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK")

# torchrun's variables, and where the MPI launchers keep the same figures (MPICH/Hydra, Open MPI, MVAPICH)
TORCHRUN_VARIABLES = {
    "RANK": ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK"),
    "WORLD_SIZE": ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"),
    "LOCAL_RANK": ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "MV2_COMM_WORLD_LOCAL_RANK"),
    "LOCAL_WORLD_SIZE": ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MV2_COMM_WORLD_LOCAL_SIZE"),
}

SPIN_SECONDS = 0.002  # a wait polls flat out this long (a message, or ranks a moment apart) ...
MAX_PAUSE = 0.0005  # ... then sleeps between polls, doubling up to this: a late rank leaves the CPU free


_yield = getattr(os, "sched_yield", lambda: time.sleep(0))  # let the other ranks' processes run


class DistBackendError(RuntimeError):
    """A collective failed or timed out (torch.distributed.DistBackendError)."""

    __module__ = "autograd.distributed"


def launched_by_mpi():
    """True when an MPI launcher (mpiexec, mpirun, srun) started this process."""
    return any(var in os.environ for var in LAUNCHER_RANK_VARIABLES)


def export_torchrun_variables(environ=os.environ):
    """In a process an MPI launcher started, set torchrun's RANK, WORLD_SIZE, LOCAL_RANK and
    LOCAL_WORLD_SIZE from the launcher's own figures (those not set already), so that a script
    written for torchrun (``int(os.environ["LOCAL_RANK"])``) runs under mpiexec as it is."""
    if not any(var in environ for var in LAUNCHER_RANK_VARIABLES):
        return
    for name, sources in TORCHRUN_VARIABLES.items():
        value = next((environ[source] for source in sources if source in environ), None)
        if value is not None:
            environ.setdefault(name, value)


def mpi_is_installed():
    """True when mpi4py can be imported (checked without importing it)."""
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def as_seconds(timeout):
    if timeout is None:
        return DEFAULT_TIMEOUT.total_seconds()
    seconds = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout)
    if not seconds > 0:
        raise ValueError(f"init_process_group: timeout must be positive, got {timeout!r}")
    return seconds


class ProcessGroup:
    """The ranks of one job. Collectives on numpy arrays return a request-like object with
    ``Test()``; ``wait`` waits for it under the group's timeout."""

    backend = None
    thread_multiple = False  # may a second thread poll requests while the main thread calls MPI?
    local_size = 1  # how many ranks of the job run on this machine

    def __init__(self, rank, size, timeout):
        self.rank, self.size, self.timeout = rank, size, timeout

    def wait(self, request, what, timeout=None):
        """Poll ``request`` until it completes; DistBackendError after ``timeout`` seconds."""
        if request.Test():
            return
        limit = self.timeout if timeout is None else timeout
        start = time.monotonic()
        pause = 0.0
        while not request.Test():
            self.progress()
            waited = time.monotonic() - start
            if waited > limit:
                raise DistBackendError(
                    f"{what}: rank {self.rank} of {self.size} waited {waited:.1f} s for the other ranks (the "
                    f"timeout is {limit:g} s, set by init_process_group(timeout=...)); a rank has stopped, hangs, "
                    "or called a different collective. The process group can't be used after this.")
            if waited < SPIN_SECONDS:
                _yield()
            else:
                pause = min(MAX_PAUSE, pause * 2 or 5e-5)
                time.sleep(pause)

    def progress(self):
        """Move along the ops in flight that need this process's own work (shared memory's)."""

    def averages(self, array):
        """Can ``allreduce(array, "avg")`` divide by the world size itself, in the pass that sums? (else
        the caller sums and divides after)"""
        return self.size == 1

    def empty_shared(self, nbytes, one_copy=False):
        """A buffer of ``nbytes`` (uint8) for tensors the collectives may treat specially; here plain memory
        (in a world of one, one copy is what every rank sees)."""
        from ..backend import host

        if one_copy and not self.shares_memory():
            raise RuntimeError(f"empty_shared(one_copy=True): the {self.size} ranks do not share memory (several "
                               "machines, or SEEGRAD_SHARED_MEMORY=0); check dist.ranks_share_memory() first")
        return host.empty(nbytes, dtype=host.uint8)

    def shares_memory(self):
        """Can every rank of the job map the same memory? (a world of one: trivially)"""
        return self.size == 1

    def abort(self, exitcode=1):
        sys.exit(exitcode)

    def destroy(self):
        pass

    def __repr__(self):
        return f"<ProcessGroup {self.backend}: rank {self.rank} of {self.size}>"


class _Done:
    """The request of a collective that completed at once (a world of one)."""

    @staticmethod
    def Test():
        return True


DONE = _Done()


class SelfGroup(ProcessGroup):
    """A world of one process: each collective already holds its result."""

    backend = "self"

    def __init__(self, timeout):
        super().__init__(0, 1, timeout)

    def allreduce(self, array, op, bounds=None):
        return DONE

    def bcast(self, array, root):
        return DONE

    def allgather(self, send, recv):
        recv[0] = send
        return DONE

    def reduce_scatter(self, send, recv, op):
        recv[...] = send[0]
        return DONE

    def barrier(self):
        return DONE

    def allgather_object(self, obj):
        return [obj]

    def bcast_object(self, obj, root):
        return obj


class MPIGroup(ProcessGroup):
    """The ranks that ``mpiexec`` started, on a private copy of MPI_COMM_WORLD."""

    backend = "mpi"

    def __init__(self, timeout):
        try:
            from mpi4py import MPI
        except ImportError as err:
            raise RuntimeError("init_process_group(backend='mpi') needs mpi4py and an MPI library: "
                               "pip install 'seegrad[distributed]' (mpi4py + the MPICH wheel), then start the "
                               f"script with mpiexec -n N python script.py ({err})") from None
        self.MPI = MPI
        self.comm = MPI.COMM_WORLD.Dup()
        super().__init__(self.comm.Get_rank(), self.comm.Get_size(), timeout)
        # several threads may call MPI at once (mpi4py asks for it): a helper thread may poll requests
        self.thread_multiple = MPI.Query_thread() >= MPI.THREAD_MULTIPLE
        # the ranks of this machine share memory; when they are the whole job, all_reduce on a buffer of
        # empty_shared reads the others' memory instead of sending messages (shared_memory.py)
        node = self.comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.shared = None
        self.local_size = node.Get_size()
        if node.Get_size() == self.size > 1 and os.environ.get("SEEGRAD_SHARED_MEMORY", "1") != "0":
            from .shared_memory import SharedMemory

            self.shared = SharedMemory(MPI, node, timeout)
        else:
            node.Free()
        self.ops = {"sum": MPI.SUM, "product": MPI.PROD, "min": MPI.MIN, "max": MPI.MAX,
                    "band": MPI.BAND, "bor": MPI.BOR, "bxor": MPI.BXOR}
        self._previous_hook = sys.excepthook
        sys.excepthook = self._excepthook

    # Each takes contiguous numpy arrays and returns an MPI request (results land in place).

    def allreduce(self, array, op, bounds=None):
        """With ``bounds``, only rank r's elements bounds[r]:bounds[r+1] must come back reduced (a
        reduce-scatter in place): through the shared windows that is all that is done; through MPI's
        messages the whole array is all-reduced."""
        if self.shared is not None and self.shared.holds(array):
            return self.shared.allreduce(array, op, bounds)
        return self.comm.Iallreduce(self.MPI.IN_PLACE, array, op=self.ops[op])

    def progress(self):
        if self.shared is not None:
            self.shared.progress()

    def averages(self, array):
        return self.shared is not None and self.shared.holds(array)

    def empty_shared(self, nbytes, one_copy=False):
        """On one machine: a buffer in a window every rank maps (a collective: every rank calls it, in
        the same order, with the same size), each rank's own or, with ``one_copy``, the same memory on
        every rank; across machines, plain memory (and no one copy)."""
        if self.shared is None:
            return super().empty_shared(nbytes, one_copy)
        return self.shared.one_copy(nbytes) if one_copy else self.shared.empty(nbytes)

    def shares_memory(self):
        return self.shared is not None or self.size == 1

    def bcast(self, array, root):
        return self.comm.Ibcast(array, root=root)

    def allgather(self, send, recv):
        return self.comm.Iallgather(send, recv)

    def reduce_scatter(self, send, recv, op):
        return self.comm.Ireduce_scatter_block(send, recv, op=self.ops[op])

    def barrier(self):
        return self.comm.Ibarrier()

    # Python objects (pickled; between the ranks of one job only), under the same timeout.

    def allgather_object(self, obj):
        import pickle

        from ..backend import host

        data = host.frombuffer(pickle.dumps(obj), dtype=host.uint8)
        sizes = host.zeros(self.size, dtype=host.int64)
        self.wait(self.comm.Iallgather(host.array([data.size], dtype=host.int64), sizes), "all_gather_object")
        out = host.empty(int(sizes.sum()), dtype=host.uint8)
        offsets = host.concatenate([[0], host.cumsum(sizes)[:-1]])
        self.wait(self.comm.Iallgatherv(data, [out, sizes, offsets, self.MPI.BYTE]), "all_gather_object")
        return [pickle.loads(out[o:o + n].tobytes()) for o, n in zip(offsets, sizes)]

    def bcast_object(self, obj, root):
        return self.allgather_object(obj if self.rank == root else None)[root]

    # Faults

    def _excepthook(self, kind, value, tb):
        """An exception nobody caught: print it with this rank's number, then end every rank."""
        lines = "".join(traceback.format_exception(kind, value, tb)).rstrip("\n").split("\n")
        lines.append(f"aborting the job: MPI_Abort on all {self.size} ranks")
        sys.stderr.write("".join(f"[rank {self.rank}] {line}\n" for line in lines))
        sys.stderr.flush()
        sys.stdout.flush()
        # mpiexec forwards each rank's output through a proxy that MPI_Abort tears down: without a
        # moment for it to pass these lines on, about 1 run in 10 ended with the reason lost
        time.sleep(0.5)
        self.abort(1)

    def abort(self, exitcode=1):
        """End every rank of the job now (MPI_Abort); mpiexec exits with a non-zero status."""
        sys.stdout.flush()
        sys.stderr.flush()
        self.MPI.COMM_WORLD.Abort(exitcode)

    def destroy(self):
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_hook
        if self.shared is not None:
            self.shared.close()
        self.comm.Free()
