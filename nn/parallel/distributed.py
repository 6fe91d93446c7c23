"""DistributedDataParallel: one replica of the model per process, gradients averaged during backward.

    dist.init_process_group("mpi")                 # mpiexec -n 4 python train.py
    model = nn.parallel.DistributedDataParallel(build_model())
    for x, y in loader:                            # this rank's shard (seegrad.data.DistributedSampler)
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()            # returns with .grad averaged over the ranks
        optimizer.step()                           # the same step on every rank: replicas stay equal

What it does (PyTorch's Reducer, in Python):
a) at wrap time, rank 0's parameters and buffers are broadcast, so every replica starts equal;
b) the parameters are grouped into buckets of ``bucket_cap_mb`` (25 MB, and 1 MB for the first one):
   at first in reverse registration order, the order backward usually finishes their gradients;
   after the first backward, once more in the order the gradients really came (as torch does);
c) each parameter's slot in its bucket is the destination of its next gradient
   (``autograd.graph.set_grad_destination``): an op that can write its result with ``out=``
   (Linear's weight, ``G^T @ x``) computes it there, with no copy; each parameter has a
   post-accumulate-grad hook: when its gradient is complete, it is copied into its slot if it is not
   there yet; a full bucket is sent at once with a non-blocking all-reduce (AVG: the shared windows
   divide by the world size in the pass that sums), buckets in the same order on every rank, as MPI
   requires;
d) MPI moves a non-blocking message only inside MPI calls, so while buckets are in flight a helper
   thread calls Test() on them every 0.2 ms (numpy's kernels release the GIL), where the machine has
   a core to spare for it (else the hooks and the final wait do);
e) the hook of the last parameter, at the end of backward, waits for the buckets still in flight
   and gives each parameter its ``.grad``. Communication overlaps the rest of backward: only what
   is still travelling when backward ends is exposed (``ddp.timing``).
f) where .grad is its own memory (the default, ``gradient_as_bucket_view=False``) and the ranks share
   memory, each bucket has a spare array of its size. While no tensor of the user's views the spare
   (``zero_grad()`` set last step's .grad to None), the gradients go into the spare, it is
   all-reduced in place, and .grad views the averages there: no copy. Else they go into the main
   array and the averages are copied into new memory, so that a .grad the user kept never changes
   (``ddp.timing["copied_out"]`` counts those buckets). Each rank chooses for itself: the shared
   all-reduce reads and writes whichever array each rank names.
After ``shard_gradients(optimizer)`` (ZeRO stage 2, with a ZeroRedundancyOptimizer) the buckets are
reduce-scattered instead: each rank gets the averages of the parameters it updates, the others' .grad is None.
With ``forward_sync_buffers`` (``broadcast_buffers``) rank 0's buffers (BatchNorm's running
statistics) are broadcast before each forward; BatchNorm's batch statistics stay per rank unless
the model uses ``nn.SyncBatchNorm``.
"""
import contextlib
import functools
import os
import sys
import threading
import time
import warnings
import weakref

from autograd.backend import host

import autograd as ag
import autograd.distributed as dist
from autograd import AccumulateGrad, no_grad
from autograd.checkpoint import tensors_in
from autograd.graph import set_grad_destination

from ..module import Module

DEFAULT_BUCKET_CAP_MB = 25
FIRST_BUCKET_BYTES = 1024 * 1024  # torch.distributed._DEFAULT_FIRST_BUCKET_BYTES


class _Bucket:
    """Parameters whose averaged gradients travel together, in one flat array: in memory the ranks
    of one machine share (``dist.empty_shared``), so that its all-reduce reads the other ranks'
    buckets instead of sending them (a collective: every rank builds the same buckets in order)."""

    def __init__(self, members, dtype, flags, params, spare=False):
        self.members = members  # indices into ddp._params, in the order they fill the bucket
        self.slots, size = {}, 0  # parameter index -> (start, stop, k) of its gradient in the array
        for k, (i, numel) in enumerate(members):
            self.slots[i] = (size, size + numel, k)
            size += numel
        self.grads = size
        # with find_unused_parameters, one more slot per parameter: > 0 where some rank used it
        self.main = _Memory(size + (len(members) if flags else 0), dtype, self.slots, params)
        # each parameter's gradient as a view of its slot (what .grad is with gradient_as_bucket_view)
        self.tensor, self.array, self.views = self.main.tensor, self.main.array, self.main.views
        # DDP's default mode: a second array, which .grad views after backward (no copy); it is used
        # only while no tensor of the user's views it any more (else the main array, and .grad a copy)
        self.spare = _Memory(size, dtype, self.slots, params) if spare else None
        self.using = self.main  # the one this iteration's gradients go into
        self.pending, self.work = len(members), None
        self.bounds = None  # with shard_gradients: each rank's chunk of the reduce-scatter


class _Memory:
    """A flat array in shared memory, zeroed, with each parameter's slot in it as a tensor."""

    def __init__(self, size, dtype, slots, params):
        self.tensor = dist.empty_shared(size, dtype=dtype)
        self.array = self.tensor.numpy()
        self.array[...] = 0
        self.views = {i: ag.from_numpy(self.array[start:stop].reshape(params[i].shape))
                      for i, (start, stop, _) in slots.items()}
        self.owner = self.array.base if self.array.base is not None else self.array
        self.own_references = sys.getrefcount(self.owner)

    def is_free(self):
        """Does nothing but this object view the memory? Every array that views it refers to ``owner``
        (numpy points a view of a view at the array that holds the memory), and every tensor
        holds such an array: a .grad the user kept, its numpy array, a view of it."""
        return sys.getrefcount(self.owner) == self.own_references


class _Poller:
    """A thread that calls Test() on the buckets in flight every ``interval`` seconds while backward
    computes: MPI moves a non-blocking message along only inside MPI calls, and backward's numpy
    kernels make none. It sleeps while nothing is in flight. The main thread holds ``lock`` to
    launch or wait, so two threads never test the same request."""

    def __init__(self, lock, interval=2e-4):
        self.lock, self.interval, self.works, self.stopped = lock, interval, [], False
        self.wake = threading.Condition(lock)
        threading.Thread(target=self._run, name="ddp-mpi-progress", daemon=True).start()

    def stop(self):
        with self.lock:
            self.stopped = True
            self.wake.notify()

    def add(self, work):
        """Called with ``lock`` held."""
        self.works.append(work)
        self.wake.notify()

    def _run(self):
        with self.lock:
            while not self.stopped:
                self.works = [w for w in self.works if not w.is_completed()]
                self.wake.wait(self.interval if self.works else None)  # releases the lock meanwhile


class DistributedDataParallel(Module):
    """Wrap ``module`` so that ``backward()`` averages its gradients over the ranks (torch's signature)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, forward_sync_buffers=None):
        super().__init__()
        dist.require_default_group(process_group, "DistributedDataParallel")
        if device_ids or output_device is not None:
            raise ValueError(f"DistributedDataParallel: device_ids {device_ids} and output_device {output_device} "
                             "are for GPU modules; this framework runs on the CPU: leave them out")
        if check_reduction:
            warnings.warn("The `check_reduction` argument in `DistributedDataParallel` module is deprecated. "
                          "Please avoid using it.", FutureWarning, stacklevel=2)
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got {type(module).__name__}")
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.dim, self.static_graph = dim, static_graph
        self.gradient_as_bucket_view = bool(gradient_as_bucket_view)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.forward_sync_buffers, init_sync_buffers = _buffer_sync(broadcast_buffers, forward_sync_buffers)
        self.broadcast_buffers = self.forward_sync_buffers
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self._names = [n for n, _ in named]
        self._params = [p for _, p in named]
        self._world, self._rank = dist.get_world_size(), dist.get_rank()
        cap = DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        if not cap > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb!r}")
        self.bucket_bytes_cap = int(cap * 1024 * 1024)
        first_cap = FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        if init_sync:
            self._check_same_model()
            self._broadcast(self._params + (list(self.module.buffers()) if init_sync_buffers else []), bump=True)
        self._caps = (first_cap, self.bucket_bytes_cap)
        self._owner = None  # with shard_gradients: the rank that keeps each parameter's averaged gradient
        # First guess, as torch: filled in registration order (the small first bucket holds the first
        # layers, whose gradients come last), then reversed. Rebuilt once from the real order (forward).
        self._set_buckets(_assign_buckets(self._params, range(len(self._params)), *self._caps)[::-1])
        self._rebuild_order = None  # the order the gradients became ready in, seen in the first backward
        self._rebuilt = False
        self._expect_hooks = False  # True from a synced forward until its backward has been reduced
        self._ready = set()  # parameters whose gradient is in its bucket this iteration
        self._ready_order = []  # the same, in the order they came
        self._used = set()  # parameters that got a gradient since the last reduction (no_sync included)
        self._next = 0  # the next bucket to launch: they go out in order
        self._unused = []  # with find_unused_parameters: what this forward's output does not depend on
        self._lock = threading.Lock()
        self._poller = _Poller(self._lock) if self._world > 1 and dist.group.WORLD.thread_multiple \
            and _spare_core(dist.group.WORLD.local_size) else None
        if self._poller is not None:
            weakref.finalize(self, self._poller.stop)
        me = weakref.ref(self)
        self._hooks = [p.register_post_accumulate_grad_hook(functools.partial(_grad_ready, me, i))
                       for i, p in enumerate(self._params)]

    def _set_buckets(self, assignment):
        self._assignment = assignment
        if self._owner is not None:  # each rank's parameters side by side: its chunk of the reduce-scatter
            assignment = [(dtype, sorted(members, key=lambda m: self._owner[m[0]])) for dtype, members in assignment]
        spare = not (self.gradient_as_bucket_view or self.find_unused_parameters) and self._owner is None \
            and self._world > 1 and dist.ranks_share_memory()
        self._buckets = [_Bucket(members, dtype, self.find_unused_parameters, self._params, spare)
                         for dtype, members in assignment]
        if self._owner is not None:  # where each rank's chunk starts and ends (elements)
            for b in self._buckets:
                b.bounds = [sum(n for i, n in b.members if self._owner[i] < r) for r in range(self._world + 1)]
        self._bucket_of = {i: b for b in self._buckets for i, _ in b.members}
        if self.gradient_as_bucket_view:  # gradients already there move into the (new) buckets, as torch's
            with no_grad():
                for i, p in enumerate(self._params):
                    if p.grad is not None and not p.grad.requires_grad:
                        view = self._bucket_of[i].views[i]
                        host.copyto(view.numpy(), p.grad.numpy())
                        p.grad = view
        self.timing = {"wait": 0.0, "bytes": sum(b.array.nbytes for b in self._buckets), "buckets": len(self._buckets),
                       "copied_out": 0}

    def shard_gradients(self, optimizer):
        """Average each gradient only on the rank that updates its parameter (ZeRO stage 2; seegrad's own
        name, torch reaches this with FullyShardedDataParallel). ``optimizer``: a ZeroRedundancyOptimizer
        over this model's parameters (anything with ``rank_of(param)``). From the next backward on,
        each bucket is reduce-scattered (``dist.reduce_scatter_in_place``, each rank's parameters side
        by side in it) instead of all-reduced: a rank combines only its own parameters' gradients and
        copies none of the others'. After backward, a parameter this rank owns has its averaged
        ``.grad``; every other parameter's ``.grad`` is None here (it lives on its owner): code that
        reads all gradients (clipping by the global norm) must combine the owners' figures itself.
        Needs ``gradient_as_bucket_view=True``, without ``find_unused_parameters``. A collective: call it
        on every rank, between iterations."""
        if not self.gradient_as_bucket_view or self.find_unused_parameters:
            raise ValueError("DistributedDataParallel.shard_gradients needs gradient_as_bucket_view=True and "
                             "find_unused_parameters=False (got gradient_as_bucket_view="
                             f"{self.gradient_as_bucket_view}, find_unused_parameters={self.find_unused_parameters})")
        if self._expect_hooks and self._ready:
            raise RuntimeError("DistributedDataParallel.shard_gradients: called in the middle of a backward; call "
                               "it between iterations")
        self._owner = [optimizer.rank_of(p) for p in self._params]
        self._set_buckets(self._assignment)

    def _rebuild_buckets(self):
        """Once, after the first backward: refill the buckets in the order the gradients became ready
        (rank 0's order, so that every rank launches the same buckets in the same order)."""
        self._rebuilt = True
        order = [self._rebuild_order]
        dist.broadcast_object_list(order, src=0)
        self._set_buckets(_assign_buckets(self._params, order[0], *self._caps))

    # ------------------------------------------------------------ forward

    def forward(self, *inputs, **kwargs):
        if self._expect_hooks and self._ready:
            self._unfinished_reduction()
        if ag.is_grad_enabled() and self._rebuild_order is not None and not self._rebuilt:
            self._rebuild_buckets()
        if self.require_forward_param_sync and self.forward_sync_buffers:
            self._sync_buffers()
        output = self.module(*inputs, **kwargs)
        if ag.is_grad_enabled() and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            self._prepare_for_backward(output)
        else:
            self.require_forward_param_sync = False
            self._withdraw_destinations()
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, forward/backward only accumulate local gradients; the first synced backward after it
        averages the sum. Run the forward pass inside the context too (as in PyTorch)."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def _prepare_for_backward(self, output):
        """Expect one gradient per parameter; with find_unused_parameters, those the output does not
        depend on count as ready now (torch marks them the same way). Each parameter's slot is its
        gradient's destination: an op that can (Linear's weight) computes the gradient straight into
        it, when .grad is None, instead of into new memory that the hook would copy into the slot."""
        self._expect_hooks, self._ready, self._ready_order, self._next = True, set(), [], 0
        for b in self._buckets:
            b.pending, b.work = len(b.members), None
            b.using = b.spare if b.spare is not None and b.spare.is_free() else b.main
            for i, _ in b.members:
                set_grad_destination(self._params[i], b.using.views[i])
        self._unused = []
        if self.find_unused_parameters:
            reached = _reachable_leaves(output)
            self._unused = [i for i, p in enumerate(self._params) if id(p) not in reached]

    # ------------------------------------------------------------ backward (the hooks)

    def _mark_ready(self, i, p, used=True):
        """Put parameter i's gradient into its bucket (if it is not there yet); launch what is full.
        The all-reduce averages (ReduceOp.AVG: through the shared windows, divided in the pass that sums)."""
        if self._unused:  # the first gradient of this backward: the unused ones are ready too (as torch)
            unused, self._unused = self._unused, []
            for j in unused:
                self._mark_ready(j, self._params[j], used=False)
        if not self._ready:
            self._take_spares_let_go()
        if i in self._ready:
            raise RuntimeError(
                f"DistributedDataParallel: Expected to mark a variable ready only once. Parameter "
                f"{self._names[i]!r} got a second gradient in one iteration (backward ran twice through this "
                "forward's graph, or the parameter is used in a reentrant backward); call the DDP model once "
                "per backward")
        self._ready.add(i)
        self._ready_order.append(i)
        b = self._bucket_of[i]
        start, stop, k = b.slots[i]
        slot, view = b.using.array[start:stop], b.using.views[i]
        if p.grad is None:
            slot[...] = 0
        else:
            if p.grad.requires_grad:
                raise RuntimeError("DistributedDataParallel: backward(create_graph=True) is not supported; "
                                   "gradients with a graph of their own can't be averaged in place")
            if not used and p.grad is view:  # its slot joins the reduction; if no rank used it, its
                p.grad = p.grad.clone()  # .grad stays as it was (as without gradient_as_bucket_view)
            if p.grad is not view:  # else already there: computed into the slot (its destination),
                host.copyto(slot, p.grad.numpy().reshape(-1))  # or accumulated into it (the bucket view)
                if p.grad is b.main.views[i]:  # computed into the main array before the spare took over
                    p.grad = None  # (.grad gets the average at the end)
                elif self.gradient_as_bucket_view and used:
                    p.grad = b.views[i]
            elif not self.gradient_as_bucket_view:  # computed into the slot: .grad gets its own copy of the
                p.grad = None  # average at the end (_finalize), as when it is copied out
        if self.find_unused_parameters:
            b.array[b.grads + k] = 1.0 if used or i in self._used else 0.0
        b.pending -= 1
        if b.pending == 0:
            self._launch_ready_buckets()
        else:
            self._progress()

    def _take_spares_let_go(self):
        """The first gradient of a backward is ready. A spare that was in use at forward time (a .grad
        of the last step viewed it) and is no more (``zero_grad()`` came between forward and backward)
        takes over from the main array (a gradient computed into the main array already is copied
        over when it is ready, in ``_mark_ready``)."""
        for b in self._buckets:
            if b.spare is not None and b.using is b.main and b.spare.is_free():
                b.using = b.spare
                for i, _ in b.members:
                    set_grad_destination(self._params[i], b.spare.views[i])

    def _launch_ready_buckets(self):
        buckets = self._buckets
        with self._lock:
            while self._next < len(buckets) and buckets[self._next].pending == 0:
                b = buckets[self._next]
                if self._owner is None:  # (each rank all-reduces its main array or its spare, as it chose)
                    b.work = dist.all_reduce(b.using.tensor, op=dist.ReduceOp.AVG, async_op=True)
                else:
                    b.work = dist.reduce_scatter_in_place(b.tensor, b.bounds, op=dist.ReduceOp.AVG, async_op=True)
                if self._poller is not None:
                    self._poller.add(b.work)
                self._next += 1
        if self._next == len(buckets):
            self._finalize()
        else:
            self._progress()

    def _progress(self):
        """Poll the buckets in flight (when no poller thread does): MPI moves a message along only
        inside its calls."""
        if self._poller is None:
            for b in self._buckets[:self._next]:
                b.work.is_completed()

    def _finalize(self):
        """The end of backward: wait for the buckets still in flight; .grad views the averages in a spare,
        or gets a copy of them (the spare was still in use: a tensor of the user's viewed it)."""
        start = time.perf_counter()
        with self._lock:
            for b in self._buckets:
                b.work.wait()
        self.timing["wait"] = time.perf_counter() - start
        self._withdraw_destinations()  # (the unused parameters' are still set)
        with no_grad():
            for b in self._buckets:
                for i, (start, stop, k) in b.slots.items():
                    if self.find_unused_parameters and b.array[b.grads + k] == 0:
                        continue  # no rank used it: its .grad stays as it was (None), as in PyTorch
                    p = self._params[i]
                    if self._owner is not None and self._owner[i] != self._rank:
                        p.grad = None  # shard_gradients: averaged on its owner only
                        continue
                    if self.gradient_as_bucket_view:  # .grad is the view: the average is already there
                        if p.grad is not b.views[i]:  # (None here: another rank used it)
                            p.grad = b.views[i]
                        continue
                    mean = b.using.array[start:stop].reshape(p.shape)
                    if p.grad is None:  # a new view of the spare (it counts as the user's), or a copy
                        p.grad = ag.from_numpy(mean if b.using is b.spare else mean.copy())
                    else:
                        host.copyto(p.grad.numpy(), mean)
                        ag.autograd.graph.increment_version(p.grad)
        self.timing["copied_out"] = sum(b.using is b.main for b in self._buckets) \
            if not self.gradient_as_bucket_view else 0
        if self._rebuild_order is None and not self.find_unused_parameters:  # as torch: no rebuild then
            self._rebuild_order = self._ready_order
        self._expect_hooks, self._ready, self._used = False, set(), set()

    def _withdraw_destinations(self):
        for p in self._params:
            set_grad_destination(p, None)

    def _unfinished_reduction(self):
        missing = [self._names[i] for i in range(len(self._params)) if i not in self._ready]
        self._expect_hooks = False
        raise RuntimeError(
            "DistributedDataParallel: Expected to have finished reduction in the prior iteration before starting a "
            "new one. This error indicates that your module has parameters that were not used in producing loss. "
            "You can enable unused parameter detection by passing the keyword argument "
            "`find_unused_parameters=True` to `nn.parallel.DistributedDataParallel`, and by making sure all "
            "`forward` function outputs participate in calculating loss. Parameters which did not receive grad "
            f"for rank {dist.get_rank()}: {', '.join(missing)}")

    # ------------------------------------------------------------ replicas

    def _check_same_model(self):
        """Every rank must wrap the same architecture; say where they differ instead of mixing up buffers."""
        mine = [(n, tuple(t.shape), str(t.dtype)) for n, t in list(zip(self._names, self._params))
                + list(self.module.named_buffers())]
        everyone = [None] * self._world
        dist.all_gather_object(everyone, mine)
        for rank, theirs in enumerate(everyone):
            if theirs != everyone[0]:
                diff = next(((a, b) for a, b in zip(everyone[0], theirs) if a != b), None)
                detail = (f"{diff[1][0]} has shape {diff[1][1]} ({diff[1][2]}) on rank {rank} but {diff[0][0]} has "
                          f"shape {diff[0][1]} ({diff[0][2]}) on rank 0" if diff else
                          f"rank {rank} has {len(theirs)} parameters and buffers, rank 0 has {len(everyone[0])}")
                raise RuntimeError(f"DistributedDataParallel: the ranks wrap different models: {detail}; every rank "
                                   "must build the same model")

    def _broadcast(self, tensors, bump=False):
        """Copy rank 0's values into ``tensors`` on every rank, one message per dtype (buffers synced
        before a forward keep their version, as in PyTorch)."""
        if self._world == 1:
            return
        for dtype in sorted({t.dtype for t in tensors}, key=str):
            group = [t for t in tensors if t.dtype == dtype]
            flat = host.concatenate([t.numpy(force=True).reshape(-1) for t in group])
            dist.broadcast(ag.from_numpy(flat), src=0)
            start = 0
            for t in group:
                host.copyto(t.numpy(force=True), flat[start:start + t.numel()].reshape(t.shape))
                start += t.numel()
                if bump:
                    ag.autograd.graph.increment_version(t)

    def _sync_buffers(self):
        buffers = list(self.module.buffers())
        if buffers:
            self._broadcast(buffers)


def _grad_ready(ddp_ref, i, p):
    """The post-accumulate-grad hook of parameter i."""
    ddp = ddp_ref()
    if ddp is None:
        return
    ddp._used.add(i)
    if ddp._expect_hooks:
        ddp._mark_ready(i, p)


def _spare_core(local_ranks):
    """Is there a core for the helper thread beyond one per rank of this machine? Without one it can't
    overlap anything: its reductions take the rank's own core, and every wake-up costs the step
    (0.4-0.5 ms per step of the 784-1024-1024-10 MLP on 2 cores and 2 ranks); the hooks and the final
    wait then move the buckets along. SEEGRAD_PROGRESS_THREAD=1 or 0 decides instead."""
    forced = os.environ.get("SEEGRAD_PROGRESS_THREAD")
    if forced in ("0", "1"):
        return forced == "1"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores > 1 and (os.cpu_count() or 1) > local_ranks


def _buffer_sync(broadcast_buffers, forward_sync_buffers):
    """(sync before each forward, sync at wrap time), with torch 2.13's deprecation of broadcast_buffers."""
    if broadcast_buffers is not None:
        if forward_sync_buffers is not None:
            warnings.warn("Both `broadcast_buffers` and `forward_sync_buffers` were specified. `broadcast_buffers` "
                          "is deprecated and its value is ignored when `forward_sync_buffers` is provided.",
                          FutureWarning, stacklevel=3)
        else:
            warnings.warn("`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead. IMPORTANT: unlike "
                          "`broadcast_buffers=False`, `forward_sync_buffers=False` still syncs buffers at init.",
                          FutureWarning, stacklevel=3)
    if forward_sync_buffers is not None:
        return bool(forward_sync_buffers), True
    effective = True if broadcast_buffers is None else bool(broadcast_buffers)
    return effective, effective


def _assign_buckets(params, order, first_cap, cap):
    """Fill buckets with the parameters taken in ``order``, one dtype per bucket. As torch's Reducer:
    a bucket closes once it holds at least its cap (the first bucket of each dtype: ``first_cap``),
    and the buckets are listed in the order of their first parameter. Returns [(dtype, [(i, numel)])]."""
    filling, done = {}, []  # dtype -> [members, bytes, buckets closed so far]
    for i in order:
        p = params[i]
        state = filling.setdefault(p.dtype, [[], 0, 0])
        state[0].append((i, p.numel()))
        state[1] += p.numel() * p.dtype.itemsize
        if state[1] >= (first_cap if state[2] == 0 else cap):
            done.append((p.dtype, state[0]))
            filling[p.dtype] = [[], 0, state[2] + 1]
    done.extend((dtype, state[0]) for dtype, state in filling.items() if state[0])
    position = {i: k for k, i in enumerate(order)}
    done.sort(key=lambda bucket: position[bucket[1][0][0]])
    return done


def _reachable_leaves(output):
    """ids of the leaves that ``output``'s graph reaches (the parameters it depends on)."""
    stack, seen, found = [], set(), set()
    for t in tensors_in(output):
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad:
            found.add(id(t))
    while stack:
        node = stack.pop()
        if isinstance(node, AccumulateGrad):
            found.add(id(node._leaf()))
            continue
        for nxt in node._edges:  # (the edges themselves: next_functions hands the sinks to user code)
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)
    return found

