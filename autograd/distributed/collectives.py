"""torch.distributed's functions on Tensors: init_process_group, the collectives, work handles.

Every collective changes its tensors in place, as PyTorch's do, on every rank of the default
group. With ``async_op=True`` it returns a ``Work`` at once: the message travels while the
caller computes, and ``work.wait()`` (or a ``True`` from ``work.is_completed()``) puts the
result in place. Without it the call waits, under the group's timeout.
"""
import enum
import numbers
import os

from ..backend import host

from ..creation import from_numpy
from ..tensor import Tensor, increment_version
from . import process_group as pg

__all__ = ["ReduceOp", "Work", "group", "init_process_group", "destroy_process_group", "is_initialized",
           "is_available", "is_mpi_available", "is_gloo_available", "is_nccl_available", "get_rank",
           "get_world_size", "get_backend", "barrier",
           "all_reduce", "broadcast", "all_gather", "reduce_scatter", "all_gather_object",
           "broadcast_object_list", "abort", "empty_shared", "ranks_share_memory", "reduce_scatter_in_place"]


class ReduceOp(enum.Enum):
    """How ``all_reduce`` and ``reduce_scatter`` combine the ranks' values (AVG: floating point only)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


class _World:
    group = None  # the default process group, once init_process_group has run


class _GroupNamespace:
    """``dist.group.WORLD``: the default group (what ``group=None`` means)."""

    @property
    def WORLD(self):
        return _World.group


group = _GroupNamespace()

NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


def _default_group(group_arg, what):
    g = _World.group
    if g is None:
        raise ValueError(f"{what}: {NOT_INITIALIZED}")
    if group_arg is not None and group_arg is not g:
        raise ValueError(f"{what}: only the default group is supported (pass group=None); got {group_arg!r}")
    return g


def require_default_group(process_group, owner):
    """What DistributedDataParallel and ZeroRedundancyOptimizer ask of their ``process_group``
    argument (seegrad's own name): the default group exists and is the one meant (None)."""
    if _World.group is None:
        raise ValueError(f"{owner}: {NOT_INITIALIZED}")
    if process_group is not None and process_group is not group.WORLD:
        raise ValueError(f"{owner}: only the default process group is supported (process_group=None)")


# ----------------------------------------------------------------- the group


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the job's default process group.

    backend: "mpi" (one process per rank, started by ``mpiexec -n N python script.py``), "self" (a world
    of one, no MPI needed), or None: "mpi" when an MPI launcher started this process, else "self".
    "gloo" (PyTorch's backend for the CPU) means the same as None: a script written for torchrun runs
    under ``python -m autograd.distributed.run --nproc_per_node N script.py`` (or mpiexec) as it is.
    timeout: how long any collective waits for the other ranks before raising (a ``timedelta`` or
    seconds; 30 minutes by default). ``world_size`` and ``rank``, when given, must agree with MPI's.
    """
    if _World.group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = str(backend).lower()
    if backend is None or name == "gloo":  # the CPU's collectives: MPI's, or a world of one
        name = "mpi" if pg.launched_by_mpi() else "self"
    if name not in ("mpi", "self"):
        raise ValueError(f"init_process_group: backend {backend!r} is not available; this framework speaks MPI: "
                         "use backend='mpi' (or 'gloo', or None) and start the script with `mpiexec -n N python "
                         "script.py`, or backend='self' for one process")
    _check_not_torchrun(name)
    if init_method not in (None, "env://") or store is not None:
        raise ValueError("init_process_group: init_method and store are not used: the MPI launcher (mpiexec) "
                         "tells each process its rank; drop them, or use init_method='env://'")
    seconds = pg.as_seconds(timeout)
    new = pg.MPIGroup(seconds) if name == "mpi" else pg.SelfGroup(seconds)
    for what, given, actual in (("world_size", world_size, new.size), ("rank", rank, new.rank)):
        if given not in (-1, None) and given != actual:
            new.destroy()
            raise ValueError(f"init_process_group: {what}={given} but the {name} backend has {what} {actual}; "
                             f"start the job with mpiexec -n {world_size if what == 'world_size' else 'N'} "
                             f"or drop {what}=")
    for var, actual in (("RANK", new.rank), ("WORLD_SIZE", new.size)):
        if name == "mpi" and os.environ.get(var, str(actual)) != str(actual):
            new.destroy()
            raise ValueError(f"init_process_group: {var}={os.environ[var]} in the environment (torchrun's variable) "
                             f"but MPI says {actual}; unset {var}, or start as many ranks as it says")
    _World.group = new


def _check_not_torchrun(name):
    """A process started by torchrun (its WORLD_SIZE > 1, no MPI launcher) would join a world of one and
    train alone: refuse. (Under MPI, init_process_group checks that torchrun's variables agree with MPI's.)"""
    world = os.environ.get("WORLD_SIZE")
    if name == "self" and world not in (None, "", "1"):
        raise RuntimeError(f"init_process_group: WORLD_SIZE={world} in the environment (torchrun's variable) but "
                           "no MPI launcher started this process: it would train alone. This framework's ranks are "
                           f"MPI processes: start the script with `mpiexec -n {world} python script.py` or `python -m "
                           f"autograd.distributed.run --nproc_per_node {world} script.py` (torchrun's options)")


def destroy_process_group(group=None):
    """Leave the default group (the MPI library itself stays up until the process exits)."""
    if _World.group is None:
        raise AssertionError("destroy_process_group: Process group cannot be None; call init_process_group first")
    _default_group(group, "destroy_process_group").destroy()
    _World.group = None


def is_initialized():
    return _World.group is not None


def is_available():
    """True: the "self" backend always works; ``is_mpi_available()`` tells whether "mpi" does."""
    return True


def is_mpi_available():
    return pg.mpi_is_installed()


def is_gloo_available():
    """True: backend "gloo" is accepted (the CPU's collectives: MPI's ranks, or one process)."""
    return True


def is_nccl_available():
    """False: no NCCL here (GPU collectives); "mpi" or "gloo" work on the CPU."""
    return False


def get_rank(group=None):
    return _default_group(group, "get_rank").rank


def get_world_size(group=None):
    return _default_group(group, "get_world_size").size


def get_backend(group=None):
    return _default_group(group, "get_backend").backend


def abort(exitcode=1):
    """End every rank of the job now (MPI_Abort; one process just exits). Not in torch.distributed:
    for a program that caught an error on one rank and must not leave the others waiting."""
    if _World.group is None:
        raise SystemExit(exitcode)
    _World.group.abort(exitcode)


def empty_shared(*size, dtype=None, one_copy=False):
    """A tensor (uninitialised, as ``ag.empty``) whose storage the ranks of this machine share, so that
    ``all_reduce`` on the whole of it reads the other ranks' memory instead of sending messages (no copy
    in or out). A collective: every rank calls it, in the same order, with the same size. Not in
    torch.distributed (seegrad's own: DistributedDataParallel keeps its buckets there). Across
    machines, or in a world of one, it is plain memory and all_reduce sends messages as usual. The
    memory lasts as long as the process (after ``destroy_process_group`` too).

    ``one_copy=True``: the tensor exists once, and every rank's tensor is that same memory: what one
    rank writes, the others read (ZeroRedundancyOptimizer keeps parameters there). The ranks must
    order their writes and reads themselves (``barrier``). Only where ``ranks_share_memory()``."""
    g = _default_group(None, "empty_shared")
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    if not all(isinstance(n, numbers.Integral) and n >= 0 for n in shape):
        raise ValueError(f"empty_shared: size must be whole numbers >= 0, got {shape}")
    dtype = host.dtype(host.float32 if dtype is None else dtype)
    numel = 1
    for n in shape:
        numel *= int(n)
    raw = g.empty_shared(numel * dtype.itemsize, one_copy=bool(one_copy))
    return from_numpy(raw.view(dtype).reshape(shape))


def ranks_share_memory(group=None):
    """True when every rank of the job can map the same memory: one machine, with the shared windows on
    (not ``SEEGRAD_SHARED_MEMORY=0``), or a world of one. Not in torch.distributed (seegrad's own)."""
    return _default_group(group, "ranks_share_memory").shares_memory()


# ----------------------------------------------------------------- work handles


class Work:
    """What a collective with ``async_op=True`` returns (torch.distributed.Work)."""

    def __init__(self, group, request, what, finish=None):
        self._group, self._request, self._what, self._finish = group, request, what, finish
        self._done = False

    def is_completed(self):
        """True once the result is in place (polling also moves the message along)."""
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout=None):
        """Block until the result is in place; raises DistBackendError after ``timeout`` (a timedelta or
        seconds; default: the group's). Returns True."""
        if not self._done:
            seconds = None if timeout is None else pg.as_seconds(timeout)
            self._group.wait(self._request, self._what, seconds)
            self._complete()
        return True

    def is_success(self):
        return self.is_completed()

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()

    def __repr__(self):
        return f"<Work {self._what}: {'completed' if self._done else 'in flight'}>"


def _start(work, async_op):
    if async_op:
        return work
    work.wait()
    return None


# ----------------------------------------------------------------- buffers

_BOOL_OPS = {"sum": "max", "max": "max", "product": "min", "min": "min", "bor": "max", "band": "min"}


def _check_tensor(tensor, what, arg="tensor"):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what}: {arg} must be a Tensor, got {type(tensor).__name__}")
    arr = tensor._data
    if arr.dtype.kind not in "fiub" or arr.dtype == host.float16:
        raise TypeError(f"{what}: {arg} has dtype {arr.dtype}, which MPI does not reduce; use float32, float64, "
                        "an integer type or bool")
    return arr


def _in_place(tensor, what):
    """A contiguous array MPI may write into, and a function that puts it back into ``tensor``."""
    arr = _check_tensor(tensor, what)
    if not arr.flags.writeable:
        raise ValueError(f"{what}: the tensor's storage is read-only (a broadcast view or a read-only numpy "
                         "array); pass tensor.clone()")
    buf = arr.view(host.uint8) if arr.dtype == host.bool_ else arr
    if buf.flags.c_contiguous:
        return buf, lambda: increment_version(tensor)
    tmp = host.ascontiguousarray(buf)

    def back():
        buf[...] = tmp
        increment_version(tensor)
    return tmp, back


def _reduction(op, dtype, what):
    """(MPI op name, scale to apply after) for ``op`` on ``dtype``."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{what}: op must be a dist.ReduceOp (SUM, AVG, PRODUCT, MIN, MAX, ...), got {op!r}")
    name = op.value
    if dtype == host.bool_:
        if name not in _BOOL_OPS:
            raise RuntimeError(f"{what}: ReduceOp.{op.name} is not defined on bool tensors")
        return _BOOL_OPS[name], None
    if name == "avg":
        if dtype.kind != "f":
            raise RuntimeError(f"{what}: ReduceOp.AVG needs a floating-point tensor, got {dtype}; use SUM and "
                               "divide, or convert with .float()")
        return "sum", True
    if name in ("band", "bor", "bxor") and dtype.kind not in "iu":
        raise RuntimeError(f"{what}: ReduceOp.{op.name} needs an integer tensor, got {dtype}")
    return name, None


def _after_reduce(buf, average, size, back):
    def finish():
        if average:
            host.divide(buf, size, out=buf)
        back()
    return finish


# ----------------------------------------------------------------- collectives


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` over all ranks with ``op``; every rank gets the result in place."""
    g = _default_group(group, "all_reduce")
    buf, back = _in_place(tensor, "all_reduce")
    name, average = _reduction(op, tensor.dtype, "all_reduce")
    if average and g.averages(buf):  # (the shared windows divide in the pass that sums)
        name, average = "avg", False
    return _start(Work(g, g.allreduce(buf, name), "all_reduce", _after_reduce(buf, average, g.size, back)), async_op)


def reduce_scatter_in_place(tensor, bounds, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank r's elements ``bounds[r]:bounds[r + 1]`` of the 1-D ``tensor`` become their combination over
    all ranks with ``op``; the rest of rank r's tensor is unspecified afterwards (its own values on a
    tensor of ``empty_shared``, where only the chunks are combined, without a copy; the combined values
    through MPI's messages, which all-reduce the whole). Not in torch.distributed (seegrad's own:
    DistributedDataParallel.shard_gradients sends its buckets with it)."""
    g = _default_group(group, "reduce_scatter_in_place")
    buf, back = _in_place(tensor, "reduce_scatter_in_place")
    name, average = _reduction(op, tensor.dtype, "reduce_scatter_in_place")
    if average and g.averages(buf):
        name, average = "avg", False
    bounds = [int(b) for b in bounds] if isinstance(bounds, (list, tuple)) else bounds
    if tensor.ndim != 1 or not isinstance(bounds, list) or len(bounds) != g.size + 1 or bounds[0] != 0 \
            or bounds[-1] != tensor.numel() or any(a > b for a, b in zip(bounds, bounds[1:])):
        raise ValueError(f"reduce_scatter_in_place: bounds must be world size + 1 = {g.size + 1} increasing offsets "
                         f"from 0 to the length of a 1-D tensor ({tuple(tensor.shape)}), got {bounds!r}")
    work = Work(g, g.allreduce(buf, name, bounds), "reduce_scatter_in_place", _after_reduce(buf, average, g.size, back))
    return _start(work, async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank."""
    g = _default_group(group, "broadcast")
    src = src if src is not None else group_src
    if not isinstance(src, numbers.Integral) or not 0 <= src < g.size:
        raise RuntimeError(f"broadcast: invalid root rank {src!r}; src must be in 0..{g.size - 1}")
    buf, back = _in_place(tensor, "broadcast")
    return _start(Work(g, g.bcast(buf, int(src)), "broadcast", back), async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[r]`` becomes rank r's ``tensor``, on every rank."""
    g = _default_group(group, "all_gather")
    arr = _check_tensor(tensor, "all_gather")
    _check_list(tensor_list, g.size, arr, "all_gather", "tensor_list", "tensor")
    if not all(t._data.flags.writeable for t in tensor_list):
        raise ValueError("all_gather: a tensor of tensor_list has read-only storage; pass tensors made with "
                         "ag.empty / ag.zeros_like")
    send = host.ascontiguousarray(arr)
    recv = host.empty((g.size,) + arr.shape, dtype=arr.dtype)  # (world, *shape)
    send8, recv8 = (send.view(host.uint8), recv.view(host.uint8)) if arr.dtype == host.bool_ else (send, recv)

    def finish():
        for out, part in zip(tensor_list, recv):
            host.copyto(out._data, part)
            increment_version(out)
    return _start(Work(g, g.allgather(send8, recv8), "all_gather", finish), async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``input_list[r]`` of every rank with ``op`` into ``output`` on rank r."""
    g = _default_group(group, "reduce_scatter")
    arr = _check_tensor(output, "reduce_scatter", "output")
    _check_list(input_list, g.size, arr, "reduce_scatter", "input_list", "output")
    name, average = _reduction(op, arr.dtype, "reduce_scatter")
    send = host.stack([t._data for t in input_list])  # (world, *shape)
    buf, back = _in_place(output, "reduce_scatter")
    send = send.view(host.uint8) if arr.dtype == host.bool_ else send
    return _start(Work(g, g.reduce_scatter(send, buf, name), "reduce_scatter",
                       _after_reduce(buf, average, g.size, back)), async_op)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank has reached this call."""
    g = _default_group(group, "barrier")
    work = Work(g, g.barrier(), "barrier")
    if async_op:
        return work
    work.wait(timeout)
    return None


def all_gather_object(object_list, obj, group=None):
    """``object_list[r]`` becomes rank r's ``obj`` (any picklable object), on every rank."""
    g = _default_group(group, "all_gather_object")
    if not isinstance(object_list, list) or len(object_list) != g.size:
        raise RuntimeError(f"all_gather_object: object_list must be a list of world size {g.size}, got "
                         f"{len(object_list) if isinstance(object_list, list) else type(object_list).__name__}")
    object_list[:] = g.allgather_object(obj)


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Replace ``object_list``'s items by rank ``src``'s, on every rank (same length everywhere)."""
    g = _default_group(group, "broadcast_object_list")
    src = src if src is not None else (group_src if group_src is not None else 0)
    if not isinstance(src, numbers.Integral) or not 0 <= src < g.size:
        raise RuntimeError(f"broadcast_object_list: invalid root rank {src!r}; src must be in 0..{g.size - 1}")
    object_list[:] = g.bcast_object(list(object_list), int(src))


def _check_list(tensors, size, like, what, arg, other):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != size:
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise RuntimeError(f"{what}: {arg} must hold one tensor per rank (world size {size}), got {got}")
    for i, t in enumerate(tensors):
        a = _check_tensor(t, what, f"{arg}[{i}]")
        if a.shape != like.shape or a.dtype != like.dtype:
            raise RuntimeError(f"{what}: {arg}[{i}] has shape {tuple(a.shape)} and dtype {a.dtype}, but {other} has "
                             f"shape {tuple(like.shape)} and dtype {like.dtype}; they must match")
