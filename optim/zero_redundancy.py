"""ZeroRedundancyOptimizer: each rank keeps the optimizer state of, and updates, only its share of
the parameters (PyTorch's torch.distributed.optim.ZeroRedundancyOptimizer, ZeRO stage 1).

    model = nn.parallel.DistributedDataParallel(build_model())
    opt = optim.ZeroRedundancyOptimizer(model.parameters(), optim.Adam, lr=1e-3)
    opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()   # the same parameters on every rank

What it does:
a) partition, as torch's: the parameters of each group, largest first, each go to the rank that
   holds the fewest elements so far (a parameter is never split);
b) ``self.optim`` is an ``optimizer_class`` over this rank's parameters only, so each moment
   (Adam's two per element) exists once in the job instead of once per rank, and each rank
   updates about 1/N of the parameters;
c) ``step()``: the local optimizer's step, then every rank gets the others' updated parameters.
   With ``parameters_as_bucket_view=True`` the parameters are packed into one flat buffer
   (``p.data`` is a view of it, as in torch), laid out rank by rank; where the ranks share memory
   (one machine: ``dist.ranks_share_memory()``) that buffer exists ONCE for the whole job
   (``dist.empty_shared(one_copy=True)``): each rank updates its share in place and nothing is
   copied, between two barriers (before: no rank still reads the parameters in its backward;
   after: no rank reads them before every share is updated). Otherwise rank r's share is
   broadcast from rank r: one message per rank with the buffer, one per parameter without (torch's).

Elementwise optimizers (all of this package's) give the bits the unsharded optimizer gives.
``consolidate_state_dict(to)`` gathers the shards' states on rank ``to``, whose ``state_dict()`` is
then the full optimizer's (global parameter indices, as torch); ``load_state_dict`` takes such a
dict on every rank and keeps its own share.
"""
import autograd as ag

from .optimizer import Optimizer

dist = ag.distributed

ALIGN = 16  # elements: each parameter of the flat buffer starts on a 64-byte cache line (float32)


class ZeroRedundancyOptimizer(Optimizer):
    """``ZeroRedundancyOptimizer(params, optimizer_class, process_group=None, parameters_as_bucket_view=False,
    overlap_with_ddp=False, **defaults)``, torch's signature: ``defaults`` go to ``optimizer_class``.
    A collective: every rank builds it, over the same parameters."""

    limits = {}  # the local optimizer checks its own options

    def __init__(self, params, optimizer_class, process_group=None, parameters_as_bucket_view=False,
                 overlap_with_ddp=False, **defaults):
        dist.require_default_group(process_group, "ZeroRedundancyOptimizer")
        if overlap_with_ddp:
            raise ValueError("ZeroRedundancyOptimizer: overlap_with_ddp=True (torch's DDP communication hook) is not "
                             "supported; leave it False and call step() after backward")
        if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, Optimizer)):
            raise TypeError(f"ZeroRedundancyOptimizer: optimizer_class must be an optimizer class such as optim.SGD, "
                            f"got {optimizer_class!r}")
        self.initialized = False
        super().__init__(params, defaults)
        self.initialized = True
        everything = [p for g in self.param_groups for p in g["params"]]
        dtypes = sorted({str(p.dtype) for p in everything})
        if len(dtypes) > 1:
            raise ValueError(f"ZeroRedundancyOptimizer only supports using the same dense type for all parameters; "
                             f"got {', '.join(dtypes)}: convert the model first (model.float())")
        self.process_group = dist.group.WORLD
        self.world_size, self.rank = dist.get_world_size(), dist.get_rank()
        self.parameters_as_bucket_view = bool(parameters_as_bucket_view)
        self._partition = _partition(self.param_groups, self.world_size)  # [rank][group] -> group of its params
        self._rank_of = {id(p): r for r, groups in enumerate(self._partition) for g in groups for p in g["params"]}
        self._all_state_dicts = []
        self.optim = optimizer_class(self._partition[self.rank], **defaults)
        _copy_options(self.optim.param_groups, self.param_groups)  # the local optimizer's defaults, seen here
        self._one_copy = False
        self._buffer = None
        if self.parameters_as_bucket_view:
            devices = sorted({str(p.device) for p in everything})
            if devices != ["cpu"]:
                raise ValueError(f"ZeroRedundancyOptimizer: parameters_as_bucket_view=True packs the parameters into "
                                 f"host memory, but they are on {', '.join(devices)}; leave it False")
            self._build_buffer(everything[0].dtype)

    def rank_of(self, param):
        """The rank that updates ``param`` (seegrad's own name; DistributedDataParallel.shard_gradients asks)."""
        try:
            return self._rank_of[id(param)]
        except KeyError:
            raise ValueError(f"ZeroRedundancyOptimizer.rank_of: a tensor of shape {tuple(param.shape)} is not one of "
                             "this optimizer's parameters; build the optimizer over every parameter of the "
                             "model") from None

    def add_param_group(self, param_group):
        if getattr(self, "initialized", False):
            raise RuntimeError("ZeroRedundancyOptimizer.add_param_group: adding a group after construction is not "
                               "supported (the partition is fixed); build the optimizer with every group")
        super().add_param_group(param_group)

    # ------------------------------------------------------------ the flat buffer

    def _build_buffer(self, dtype):
        """Pack every parameter into one flat buffer, rank 0's share first (each rank's share is one
        contiguous range); one copy for the whole job where the ranks share memory."""
        self._slots, size = [], 0  # (parameter, start), in buffer order
        self._ranges = []  # (start, stop) of each rank's share
        for groups in self._partition:
            first = size
            for g in groups:
                for p in g["params"]:
                    self._slots.append((p, size))
                    size += -(-p.numel() // ALIGN) * ALIGN
            self._ranges.append((first, size))
        self._one_copy = dist.ranks_share_memory()
        if self._one_copy:
            flat = dist.empty_shared(size, dtype=dtype, one_copy=True)
        else:
            flat = ag.empty(size, dtype=dtype)
        array = ag.storage(flat)
        if not self._one_copy or self.rank == 0:  # one copy: rank 0's values (DDP made them everyone's)
            for p, start in self._slots:
                array[start:start + p.numel()] = ag.storage(p).reshape(-1)
        dist.barrier()  # one copy: written before any rank reads it
        with ag.no_grad():
            for p, start in self._slots:
                p.data = ag.from_numpy(array[start:start + p.numel()].reshape(p.shape))
        self._buffer = flat
        self._addresses = [_address(p) for p, _ in self._slots]

    def _check_buffer(self):
        """Each parameter still a view of its slot: one whose storage was replaced (``p.data = ...``,
        ``model.to(...)``) would silently stop following the other ranks' updates."""
        for (p, _), address in zip(self._slots, self._addresses):
            if _address(p) != address:
                index = self._param_index(p)
                raise RuntimeError(f"ZeroRedundancyOptimizer.step: parameter {index} (shape {tuple(p.shape)}) no "
                                   "longer lives in the optimizer's flat buffer: its storage was replaced (p.data = "
                                   "..., model.to(...)), so it would no longer follow the other ranks' updates. "
                                   "Change parameters in place (p.copy_(...) under no_grad), or build the optimizer "
                                   "again; nothing was updated")

    def _param_index(self, p):
        return next(i for i, q in enumerate(q for g in self.param_groups for q in g["params"]) if q is p)

    # ------------------------------------------------------------ the step

    def step(self, closure=None):
        """a) the closure, if any (on every rank: it runs forward and backward); b) the local optimizer's
        step on this rank's parameters; c) the others' parameters from their owners (see the module)."""
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        if self._buffer is not None:
            self._check_buffer()
        _copy_options(self.param_groups, self.optim.param_groups)  # an lr scheduler changed ours
        if self._one_copy:
            dist.barrier()  # no rank still reads the parameters (the end of a backward)
        self.optim.step()
        _copy_options(self.optim.param_groups, self.param_groups)
        self._sync_params()
        return loss

    def _sync_params(self):
        bump = ag.autograd.graph.increment_version
        others = [p for p, _ in self._slots] if self._buffer is not None else \
            [p for g in self.param_groups for p in g["params"]]
        others = [p for p in others if self._rank_of[id(p)] != self.rank]
        if self._one_copy:
            dist.barrier()  # every share is updated before any rank reads the parameters
            for p in others:  # changed in place by their owners: a graph that saved them must know
                bump(p)
            return
        if self._buffer is not None:  # one message per rank: its range of the buffer
            array = ag.storage(self._buffer)
            works = [dist.broadcast(ag.from_numpy(array[start:stop]), src=r, async_op=True)
                     for r, (start, stop) in enumerate(self._ranges) if stop > start]
        else:  # one message per parameter, from its owner (torch's)
            with ag.no_grad():
                works = [dist.broadcast(p.data, src=self._rank_of[id(p)], async_op=True)
                         for g in self.param_groups for p in g["params"]]
        for work in works:
            work.wait()
        for p in others:
            bump(p)

    # ------------------------------------------------------------ saving and resuming

    def consolidate_state_dict(self, to=0):
        """Gather every rank's share of the state on rank ``to`` (a collective: call it on every rank)."""
        if not isinstance(to, int) or not 0 <= to < self.world_size:
            raise ValueError(f"ZeroRedundancyOptimizer.consolidate_state_dict: to={to!r} is not a rank "
                             f"(0..{self.world_size - 1})")
        _copy_options(self.param_groups, self.optim.param_groups)
        everyone = [None] * self.world_size
        dist.all_gather_object(everyone, self.optim.state_dict())
        self._all_state_dicts = everyone if self.rank == to else []

    def state_dict(self):
        """The whole optimizer's state (global parameter indices), as of the last ``consolidate_state_dict``
        to this rank: what the unsharded optimizer's ``state_dict()`` would hold."""
        if not self._all_state_dicts:
            raise RuntimeError("Optimizer state has not been consolidated on this rank. Please call "
                               f"`consolidate_state_dict(to={self.rank})` on all ranks beforehand if you meant to "
                               "save the global state.")
        state_dict = super().state_dict()
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        for local, groups in zip(self._all_state_dicts, self._partition):
            owned = [p for g in groups for p in g["params"]]
            local_index = [i for g in local["param_groups"] for i in g["params"]]
            for i, p in zip(local_index, owned):
                if i in local["state"]:
                    state_dict["state"][index[id(p)]] = local["state"][i]
        state_dict["state"] = dict(sorted(state_dict["state"].items()))
        return state_dict

    def load_state_dict(self, state_dict):
        """Load a whole optimizer's state (from ``state_dict()``, or the unsharded optimizer's) on every rank;
        each keeps its own share. All checked before anything changes."""
        groups, state = self._checked_state(state_dict)  # the options and moments, against every parameter
        local, count = {"state": {}, "param_groups": []}, 0
        for options, global_group, local_group in zip(groups, self.param_groups, self.optim.param_groups):
            indices = list(range(count, count + len(local_group["params"])))
            count += len(indices)
            local["state"].update((i, state[p]) for i, p in zip(indices, local_group["params"]) if p in state)
            local["param_groups"].append({**{k: v for k, v in global_group.items() if k != "params"}, **options,
                                          "params": indices})
        self.optim.load_state_dict(local)
        for options, group in zip(groups, self.param_groups):
            group.update(options)


def _partition(param_groups, world):
    """torch's sorted-greedy partition: [rank][group] -> a copy of the group holding that rank's parameters."""
    sizes = [0] * world
    out = [[] for _ in range(world)]
    for group in param_groups:
        mine = [[] for _ in range(world)]
        for p in sorted(group["params"], key=lambda t: t.numel(), reverse=True):
            r = sizes.index(min(sizes))
            mine[r].append(p)
            sizes[r] += p.numel()
        for r in range(world):
            out[r].append({**group, "params": mine[r]})
    return out


def _copy_options(source, target):
    """The options (lr, momentum, ...) of each group of ``source`` into the same group of ``target``."""
    for a, b in zip(source, target):
        b.update({k: v for k, v in a.items() if k != "params"})


def _address(p):
    return ag.storage(p).__array_interface__["data"][0]
