"""Optimizer: parameter groups, lazy per-parameter state, zero_grad, state_dict.

A subclass writes one method, ``_update(p, g, state, group)``, the algorithm's textbook
formula and nothing else: it gets the parameter's numpy array ``p``, the gradient array
``g``, the parameter's state dict (empty on the first step: create the named moments there)
and its group's hyperparameters, and changes ``p`` in place. The base class does what every
algorithm shares, once (``step`` lists the steps): it skips parameters without a gradient,
applies ``maximize`` and weight decay (coupled L2 or decoupled, as the class declares in its
``weight_decay`` attribute) before ``_update``, and bumps each parameter's version counter
afterwards, so that a graph that saved the old value refuses to backpropagate through it.

Bad settings are refused before anything changes: each class lists its numeric options in
``limits`` (``{"lr": (0, inf)}``: a finite number with 0 <= lr < inf), which the base checks
for every group it adds, before each ``step`` (where lr need only be finite: a scheduler may make it
negative, and PyTorch's step follows it) and in ``load_state_dict``; ``step`` checks every
gradient before it updates the first parameter, and ``load_state_dict`` checks the whole state
before it replaces any, so a failing call leaves parameters, moments and settings as they were.

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt = optim.SGD([{"params": body.parameters()},
                     {"params": head.parameters(), "lr": 1e-3}], lr=0.1)   # two groups
"""
import collections
import copy
import math
import numbers

import autograd as ag


BLOCK = 65536  # elements (256 kB of float32): a few arrays' blocks fit in a core's L2 cache together
BLOCK_FROM = 4 * BLOCK  # smaller arrays (1 MB of float32) stay in cache between passes anyway


def blocks(*arrays):
    """Matching blocks of ``arrays`` (flat views of BLOCK elements each), for an update of several
    passes: each block stays in the core's cache from one pass to the next, so memory is read and
    written about once per array instead of once per pass (SGD with momentum on 1.9M parameters:
    1.1 ms instead of 1.9). The same elementwise operations, so the same bits. Arrays of one
    shape; those of at most BLOCK_FROM elements, and any not C-contiguous on the host (a GPU's),
    come whole."""
    host = ag.backend.host
    if arrays[0].size <= BLOCK_FROM or not all(type(a) is host.ndarray and a.flags.c_contiguous for a in arrays):
        yield arrays
        return
    flat = [a.reshape(-1) for a in arrays]
    for start in range(0, flat[0].size, BLOCK):
        yield tuple(a[start:start + BLOCK] for a in flat)


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()

_WORDS = {"lr": "learning rate", "eps": "epsilon value", "betas": "beta parameter"}  # torch's words


def _check_number(owner, what, value, low, high):
    """``value`` must be a real number (not a bool) with ``low <= value < high``: never NaN, never inf."""
    if (type(value) is float or type(value) is int) and low <= value < high:
        return  # the usual option, checked without building the message (every step checks every option)
    span = ("a finite number" if low == -math.inf else f"a finite number >= {low:g}") if high == math.inf \
        else f"a number in [{low:g}, {high:g})"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: invalid {what}: {value!r} (must be {span})")
    if not low <= value < high:
        raise ValueError(f"{owner}: invalid {what}: {value} (must be {span})")


# PyTorch's switches for how its kernels run, which each class takes as PyTorch's does and keeps in its param groups
# (its state_dict prints them): foreach and fused choose among PyTorch's implementations of the same update (here
# there is one, numpy's), so any setting gives the same numbers; differentiable (a step that autograd records) and
# capturable (a step that CUDA graphs can capture) are not implemented and are refused when True.
NOT_IMPLEMENTED = {"differentiable": "a step that autograd records, to differentiate through it",
                   "capturable": "a step that CUDA graphs can capture"}


def _check_switches(owner, group):
    """A group's foreach and fused are None or a bool, not both True (as PyTorch); differentiable and capturable
    are False (not implemented: NotImplementedError naming the option)."""
    for name in ("foreach", "fused"):
        value = group.get(name)
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"{owner}: {name} must be None or a bool, got {value!r}")
    if group.get("foreach") and group.get("fused"):
        raise RuntimeError(f"{owner}: `fused` and `foreach` cannot be `True` together.")
    for name, what in NOT_IMPLEMENTED.items():
        value = group.get(name, False)
        if not isinstance(value, bool):
            raise TypeError(f"{owner}: {name} must be a bool, got {value!r}")
        if value:
            raise NotImplementedError(f"{owner}: {name}=True ({what}) is not implemented in seegrad; leave it False")


SCALAR_STATE = ("eta", "mu")  # per-parameter state that is one number, not a moment of p's shape (ASGD's)
NUMBER_STATE = {"step": "a count >= 0", "mu_product": "a number >= 0"}  # kept as Python numbers: what each must be


def _checked_moment(where, key, value, p, shape=None):
    """A saved moment, ready to use with parameter ``p``: an array of numbers of p's shape, cast to p's
    dtype as torch casts it; any other value is copied. A Tensor, an array or anything with ``__array__``
    (a torch.Tensor, as in ``opt.load_state_dict(torch_opt.state_dict())``) counts as an array.

    ``step`` (a count >= 0) and NAdam's ``mu_product`` become Python numbers, whatever held them: PyTorch
    keeps them in 0-d float32 tensors but does its arithmetic on them (bias corrections 1 - beta**t...)
    with ``.item()``, a Python float, so a float32 tensor here would round every step's numbers.
    ``shape``: the moment's shape where it is not p's (Adafactor's row and column factors)."""
    host = ag.backend.host  # a saved state is host data; step moves each moment to its parameter's device
    if _sparse(value):  # (SGD's momentum buffer for a sparse gradient: ours or torch's sparse COO tensor)
        return _checked_sparse_moment(where, value, p, host)
    if isinstance(value, (ag.Tensor, host.ndarray, host.generic)) or hasattr(value, "__array__"):
        arr = value.detach().cpu().numpy() if isinstance(value, ag.Tensor) else host.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"{where} holds {arr.dtype} values; moments are real numbers")
        if key in NUMBER_STATE:
            if arr.size != 1:
                raise ValueError(f"{where} must be {NUMBER_STATE[key]}, got {arr.tolist()}")
            value = arr.reshape(()).item()  # (then checked below, as a number saved as one)
        elif key in SCALAR_STATE:  # (a per-parameter rate, not a moment: kept 0-d, in its own dtype)
            if arr.size != 1 or arr.dtype.kind != "f":
                raise ValueError(f"{where} must be one floating-point number, got {arr.tolist()}")
            return ag.from_numpy(host.array(arr.reshape(())))
        else:
            want = tuple(p.shape) if shape is None else shape
            if arr.shape != want:
                raise ValueError(f"{where} has shape {arr.shape}, but the parameter has shape {tuple(p.shape)}"
                                 + ("" if shape is None else f" (this moment's shape is {want})"))
            return ag.from_numpy(host.array(arr, dtype=p.dtype if p.dtype.kind == "f" else arr.dtype))
    if key in NUMBER_STATE and (isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0):
        raise ValueError(f"{where} must be {NUMBER_STATE[key]}, got {value!r}")
    return copy.deepcopy(value)


def _sparse(value):
    """A sparse COO tensor (a SparseTensor, a torch sparse tensor): not a Tensor, and is_sparse is True."""
    return not isinstance(value, ag.Tensor) and getattr(value, "is_sparse", False) is True


def _checked_sparse_moment(where, value, p, host):
    """A saved sparse moment as a SparseTensor (a copy) of p's shape and floating-point dtype, its entries in the
    order saved and its coalesced flag kept (the bits of the next steps depend on both)."""
    try:
        indices, values = (host.array(t.detach().cpu().numpy()) for t in (value._indices(), value._values()))
        coalesced, size = bool(value.is_coalesced()), tuple(int(n) for n in value.shape)
    except (AttributeError, TypeError, RuntimeError) as error:
        raise ValueError(f"{where} is a sparse tensor whose indices and values cannot be read: {error}") from None
    if size != tuple(p.shape):
        raise ValueError(f"{where} has shape {size}, but the parameter has shape {tuple(p.shape)}")
    if values.dtype.kind != "f" or indices.ndim != 2 or indices.shape[1] != values.shape[0]:
        raise ValueError(f"{where} must be a sparse tensor of floating-point values (indices (sparse_dim, nnz), "
                         f"values (nnz, ...)), got indices {indices.shape} and values {values.shape} {values.dtype}")
    if indices.shape[1] and ((indices < 0).any() or (indices >= host.array(size[:indices.shape[0]])[:, None]).any()):
        raise ValueError(f"{where} holds an index out of the parameter's shape {size}")
    dtype = p.dtype if p.dtype.kind == "f" else values.dtype
    return ag.sparse_coo_tensor(indices.astype(host.int64), ag.from_numpy(values.astype(dtype)), size,
                                is_coalesced=coalesced)


class Optimizer:
    """Base class: ``Optimizer(params_or_param_groups, defaults)``.

    ``weight_decay`` says how ``step`` applies a group's ``weight_decay`` (wd) before ``_update``:
    ``"coupled"`` (L2, as torch.optim.SGD, Adagrad, RMSprop, Adam): g = g + wd * p;
    ``"decoupled"`` (as torch.optim.AdamW): p = p * (1 - lr * wd). A group's ``decoupled_weight_decay=True``
    (Adam, NAdam, RAdam; AdamW's groups have it, as PyTorch's) makes it decoupled for that group. ``"in_update"``: ``_update`` applies it itself, where
    the algorithm puts it (Adafactor: after it has read the parameter's norm)."""

    weight_decay = "coupled"
    limits = {"lr": (0.0, math.inf), "weight_decay": (0.0, math.inf)}  # option -> [low, high); a list: a tuple

    def __init__(self, params, defaults):
        if self.weight_decay not in ("coupled", "decoupled", "in_update"):
            raise ValueError(f"{type(self).__name__}.weight_decay must be 'coupled' or 'decoupled' (or 'in_update': "
                             f"_update applies it), got {self.weight_decay!r}")
        self.defaults = dict(defaults)
        self.state = collections.defaultdict(dict)  # Parameter -> named moments, filled on its first step
        self.param_groups = []
        if isinstance(params, ag.Tensor):
            raise TypeError(f"{type(self).__name__}: params argument given to the optimizer should be an iterable "
                            "of Tensors or dicts, but got a single Tensor; wrap it in a list: [p]")
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list "
                             "(did the model register its layers as attributes?)")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group ``{"params": [...], "lr": ..., ...}``; missing options take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group: param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, (set, frozenset)):  # (as PyTorch: a set's order changes between runs, and a saved
            # state is matched to the parameters by their order)
            raise TypeError(f"{type(self).__name__}: optimizer parameters need to be organized in ordered "
                            "collections, but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        group["params"] = [params] if isinstance(params, ag.Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, ag.Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor (one computed by an op); "
                                 "optimize the leaves it was computed from, or .detach().requires_grad_()")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"{type(self).__name__}: parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        self._check_options(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            raise ValueError(f"{type(self).__name__}: a parameter appears more than once in a param group")
        if any(id(p) in seen for p in group["params"]):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _check_options(self, group, owner=None):
        """Every option of ``limits`` that ``group`` has is a finite number in its range; a tuple option
        (Adam's betas) holds one number per range."""
        owner = owner or type(self).__name__
        _check_switches(owner, group)
        for option, limit in self.limits.items():
            value = group.get(option, required)
            if value is required:
                continue
            what = _WORDS.get(option, f"{option} value")
            if not isinstance(limit, list):
                _check_number(owner, what, value, *limit)
                continue
            if not isinstance(value, (tuple, list)):
                raise TypeError(f"{owner}: {option} must be a tuple of {len(limit)} numbers, got {value!r}")
            if len(value) != len(limit):
                raise ValueError(f"{owner}: {option} must be a tuple of {len(limit)} numbers, got {value!r}")
            for i, (v, bounds) in enumerate(zip(value, limit)):
                _check_number(owner, f"{what} at index {i}", v, *bounds)

    def zero_grad(self, set_to_none=True):
        """Clear gradients: to None (default, frees memory) or to zeros in place; as PyTorch, a gradient
        with a graph of its own (backward(create_graph=True)) is detached from it first, and one that
        requires grad stops requiring it (no graph is recorded; its version is bumped)."""
        if set_to_none:
            for group in self.param_groups:
                for p in group["params"]:
                    p.grad = None
            return
        with ag.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        if p.grad.grad_fn is not None:
                            p.grad.detach_()
                        else:
                            p.grad.requires_grad_(False)
                        p.grad.zero_()

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure`` (optional) re-evaluates
        the model and returns the loss, as in PyTorch. For each such parameter, in order:

        a) p, g = the parameter's storage and its gradient, as numpy arrays (shared, not copied);
        b) g = -g if the group has ``maximize``;
        c) weight decay wd, as the class declares: coupled g = g + wd * p, decoupled p = p * (1 - lr * wd);
        d) ``_update(p, g, state, group)``: the algorithm, changing p in place;
        e) bump the parameter's version, so a graph that saved the old p refuses to backpropagate.

        b) and c) build new arrays: p.grad stays as backward left it. Before a), every group's
        options and every gradient are checked (``_check_step``): a bad one raises before any
        parameter or moment changes."""
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        work = self._check_step()
        bump = ag.autograd.graph.increment_version
        for group, params in zip(self.param_groups, work):
            maximize = group.get("maximize", False)
            wd = group.get("weight_decay", 0) if self.weight_decay != "in_update" else 0
            coupled = self.weight_decay == "coupled" and not group.get("decoupled_weight_decay", False)
            for param, p, g in params:
                if maximize:
                    g = -g
                if wd != 0:
                    if coupled:
                        g = g + wd * p
                    else:
                        p *= 1 - group["lr"] * wd
                self._update(p, g, self.state[param], group)
                bump(param)
        return loss

    def _check_step(self):
        """What ``step`` needs of every group and gradient, checked before it changes anything: the
        options in range, each gradient a floating-point Tensor of its floating-point parameter's shape.
        Returns, per group, (parameter, its storage, its gradient's storage) for each parameter with a
        gradient (a) of ``step``)."""
        name = f"{type(self).__name__}.step"
        work = []
        for group in self.param_groups:
            try:
                self._check_options(group, name)
            except ValueError:  # a scheduler may set a negative lr (a chained cosine does), and PyTorch's step
                lr = group.get("lr")  # follows it: then the other options are checked with lr set aside
                if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not -math.inf < lr < 0:
                    raise
                self._check_options({**group, "lr": 0.0}, name)
            params = []
            work.append(params)
            for i, param in enumerate(group["params"]):
                grad = param.grad
                if grad is None:
                    continue
                if type(grad) is not ag.Tensor and getattr(grad, "is_sparse", False) is True:
                    params.append((param, ag.storage(param), self._sparse_gradient(group, i, param, grad, name)))
                    continue
                if not isinstance(grad, ag.Tensor):
                    raise TypeError(f"{name}: parameter {i}'s gradient is a {type(grad).__name__}, not a Tensor")
                p, g = ag.storage(param), ag.storage(grad)  # (on the parameter's device)
                params.append((param, p, g))
                if g.shape != p.shape:
                    raise RuntimeError(f"{name}: a gradient of shape {grad.shape} does not match its parameter "
                                       f"of shape {param.shape} (parameter {i}); nothing was updated")
                if p.dtype.kind != "f" or g.dtype.kind != "f":
                    raise RuntimeError(f"{name}: parameter {i} ({param.dtype}) has a gradient of dtype {grad.dtype}; "
                                       "optimizers update floating-point parameters from floating-point gradients; "
                                       "nothing was updated")
        return work

    sparse_refusal = None  # PyTorch's words when the class refuses a sparse gradient (None: "X does not support...")

    def _sparse_gradient(self, group, i, param, grad, name):
        """What ``_update`` gets for a sparse COO gradient (nn.Embedding(sparse=True)'s): refused here, in
        PyTorch's words, unless the class takes it (SparseAdam: the sparse tensor; SGD: its dense equal)."""
        raise RuntimeError(self.sparse_refusal or f"{type(self).__name__} does not support sparse gradients")

    @staticmethod
    def _check_sparse(name, i, param, grad):
        """A sparse gradient of its parameter's shape, of floating-point values (as a dense one)."""
        if tuple(grad.shape) != tuple(param.shape):
            raise RuntimeError(f"{name}: a sparse gradient of shape {tuple(grad.shape)} does not match its parameter "
                               f"of shape {tuple(param.shape)} (parameter {i}); nothing was updated")
        if ag.storage(param).dtype.kind != "f" or grad._values().dtype.kind != "f":
            raise RuntimeError(f"{name}: parameter {i} ({param.dtype}) has a sparse gradient of dtype {grad.dtype}; "
                               "optimizers update floating-point parameters from floating-point gradients; "
                               "nothing was updated")

    def _update(self, p, g, state, group):
        raise NotImplementedError(f"{type(self).__name__} must define _update(p, g, state, group)")

    @staticmethod
    def _moment_shape(name, param):
        """The shape of the moment ``name`` of ``param``, where it is not the parameter's (None: it is)."""
        return None

    @staticmethod
    def _moment(state, name, p, fill=0.0):
        """The named moment ``state[name]`` (a Tensor of p's shape), created on first use."""
        t = state.get(name)
        if t is None:
            t = state[name] = ag.from_array(ag.backend.get_array_module(p).full_like(p, fill))
        elif type(ag.storage(t)) is not type(p):  # the model moved (model.to(device)): the state follows
            t = state[name] = t.to(ag.from_array(p).device)
        return ag.storage(t)

    # ------------------------------------------------------------ saving and resuming

    def state_dict(self):
        """``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index, ...]}]}``
        as in PyTorch: parameters are replaced by their position across the groups. Moments are
        copied, so the dict is a snapshot that later steps do not change."""
        index, groups = {}, []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: v.detach().clone() if isinstance(v, ag.Tensor) or _sparse(v) else copy.deepcopy(v)
                        for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and moments saved by ``state_dict`` (into an optimizer built over
        the same parameters in the same order). All or nothing: the groups, their options and every
        moment (numbers of its parameter's shape) are checked before the optimizer changes."""
        groups, state = self._checked_state(state_dict)
        self.state = state
        for group, saved in zip(self.param_groups, groups):
            group.update(saved)

    def _checked_state(self, state_dict):
        """(the options of each group, the new state), from ``state_dict``; ValueError naming the entry."""
        name = f"{type(self).__name__}.load_state_dict"
        try:
            saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        except (KeyError, TypeError, IndexError):
            raise ValueError(f"{name}: expected a dict with 'state' and 'param_groups' (what "
                             "optimizer.state_dict() returns)") from None
        if not isinstance(saved_groups, (list, tuple)) or not all(
                isinstance(g, dict) and isinstance(g.get("params"), (list, tuple)) for g in saved_groups):
            raise ValueError(f"{name}: 'param_groups' must be a list of dicts, each with a list 'params'")
        if not hasattr(saved_state, "items"):
            raise ValueError(f"{name}: 'state' must be a dict of parameter index -> moments, "
                             f"got {type(saved_state).__name__}")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}: loaded state dict has {len(saved_groups)} parameter groups, but the "
                             f"optimizer has {len(self.param_groups)}")
        params, groups = {}, []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}: loaded state dict contains a parameter group that doesn't match the "
                                 f"size of optimizer's group (group {i}: {len(saved['params'])} saved parameters "
                                 f"vs {len(group['params'])})")
            for idx, p in zip(saved["params"], group["params"]):
                if isinstance(idx, bool) or not isinstance(idx, numbers.Integral) or idx in params:
                    raise ValueError(f"{name}: param_groups[{i}]['params'] holds {idx!r}; parameter indices are "
                                     "distinct whole numbers")
                params[int(idx)] = p
            options = {k: tuple(v) if isinstance(group.get(k), tuple) and isinstance(v, list) else copy.deepcopy(v)
                       for k, v in saved.items() if k != "params"}
            self._check_options({**group, **options}, f"{name}: param_groups[{i}]")
            groups.append(options)
        state = collections.defaultdict(dict)
        for idx, moments in saved_state.items():
            p = params.get(idx) if isinstance(idx, numbers.Integral) and not isinstance(idx, bool) else None
            if p is None:
                raise ValueError(f"{name}: state for parameter {idx!r} has no matching parameter in the optimizer")
            if not hasattr(moments, "items"):
                raise ValueError(f"{name}: state[{idx}] must be a dict of moments, got {type(moments).__name__}")
            state[p] = {key: _checked_moment(f"{name}: state[{idx}][{key!r}]", key, v, p,
                                             self._moment_shape(key, p)) for key, v in moments.items()}
        return groups, state

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        return "\n".join(lines) + "\n)"
