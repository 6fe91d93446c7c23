"""In-place changes, as PyTorch makes them: ``x.add_(y)``, ``x += y``, ``x[i] = v``, ``x.copy_(y)``.

Every in-place op writes into the tensor's storage (so every view and alias of it sees the
change) and bumps its version counter (so a backward that saved the old values refuses).
Which of three things happens depends on the graph:

- no graph (grad mode off, or nothing involved requires grad): a plain write into the array,
  with numpy's ``out=`` for + - * / (no temporary: the optimizer-style ``p -= lr * g``);
- a leaf that requires grad (or a view of one), in grad mode: PyTorch's error, because its
  gradient would be wrong; change it under ``with ag.no_grad():``;
- a tensor inside a graph: the op is recorded out of place and the result written into the
  storage; the tensor takes the op's node as its grad_fn. Through a view, the base takes a
  ``CopySlices`` node (the base with the view's region replaced), and every live view of the
  base gets a node that picks its region from the new base (``AsStrided``), as in PyTorch.

The twins ``exp_``, ``relu_``, ``clamp_``... are made here from the op table: an op registered
with ``inplace=True`` gets ``<name>_``. Integer and bool tensors keep their dtype, and an op
whose result needs a wider kind (``int_tensor.add_(0.5)``) raises PyTorch's error.
"""
import math

from .backend import as_array, by_input, get_array_module, host, index_for, read_only
from .devices import place
from .dtypes import bool_, wrapped

from . import caller, random
from .function import _FREED, Function, Rule
from .graph import Variable, _creation_counter, _modes
from .node_names import leaving_out, node_name, overloaded
from .ops.args import shape_arg
from .ops.shape import IndexAdd, index_add, is_basic_index
from .tensor import Tensor, _assignable, _index, to_array

__all__ = ["change", "install", "positions", "CopySlices", "AsStrided", "Copy"]

_KIND = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # bool < integer < floating < complex, as PyTorch ranks them
_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble"}
_SCALAR_DTYPE = {0: "bool", 1: "int64", 2: "float32", 3: "complex64"}  # a Python number's dtype in a result


def _kind(x):
    """0 bool, 1 integer, 2 floating, 3 complex: what kind of number ``x`` holds."""
    if isinstance(x, Tensor):
        return _KIND[x._data.dtype.kind]
    if isinstance(x, (bool, host.bool_)):
        return 0
    if isinstance(x, (int, host.integer)):
        return 1
    if isinstance(x, (float, host.floating)):
        return 2
    if isinstance(x, (complex, host.complexfloating)):
        return 3
    return _KIND[by_input.asarray(x).dtype.kind]


def _cast_error(name, result, tensor):
    """PyTorch's error for a result of a wider kind than the tensor it must be written into."""
    return RuntimeError(
        f"{name}: result type {_TORCH_NAMES.get(str(result), str(result))} can't be cast to the desired output "
        f"type {_TORCH_NAMES.get(str(tensor.dtype), str(tensor.dtype))} (an in-place op keeps the tensor's "
        "dtype; compute out of place, e.g. x = x + 0.5, or convert first with .float())")


def _overlapping(a):
    """Do two elements of the strided array ``a`` share memory? (A stride too short to step over the
    dims inside it: a stride of 0 from expand, or overlapping windows from Tensor.unfold.)"""
    span = a.itemsize
    for stride, n in sorted((abs(st), n) for st, n in zip(a.strides, a.shape) if n > 1):
        if stride < span:
            return True
        span = stride * (n - 1) + span
    return False


def _write_error(tensor, values, name):
    """Why numpy refused to write ``values`` into ``tensor``, in PyTorch's words."""
    a = tensor._data
    if read_only(a):
        if a.size > 1 and _overlapping(a):
            return RuntimeError(
                f"{name}: unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location (it was made by expand, broadcast_to or an unfold whose windows "
                "overlap). Please clone() the tensor before performing the operation.")
        return RuntimeError(f"{name}: the tensor's storage is a read-only numpy array; clone() it first")
    try:
        shape = host.broadcast_shapes(a.shape, by_input.shape(values))
    except ValueError:
        shape = by_input.shape(values)
    return RuntimeError(f"{name}: output with shape {list(a.shape)} doesn't match the broadcast shape {list(shape)}")


def _bump(tensor):
    tensor._vc[0] += 1


# --------------------------------------------------------------------------- writing without a graph


def _write(tensor, values, name, same_kind=True):
    """Copy ``values`` (an array) into ``tensor``'s storage and bump its version."""
    a = tensor._data
    if same_kind and _KIND[values.dtype.kind] > _KIND[a.dtype.kind]:
        raise _cast_error(name, values.dtype, tensor)
    try:
        by_input.copyto(a, values, casting="unsafe")
    except ValueError:
        raise _write_error(tensor, values, name) from None
    _bump(tensor)
    return tensor


def _result_of(fn, tensor, args=(), kwargs=None, graph=False):
    """``fn(tensor, *args, **kwargs)``: the tensor's new value, computed out of place (recorded only
    with ``graph``). Whoever watches ops (an exporter, detect_anomaly) is told of the ops it ran
    with ``tensor`` standing for their result, since the write makes the tensor that result."""
    prev, watchers = _modes.grad_enabled, _modes.watchers
    calls = []
    _modes.grad_enabled = graph and prev
    if watchers:
        _modes.watchers = (lambda *call: calls.append(call),)
    try:
        result = fn(tensor, *args, **(kwargs or {}))
    finally:
        _modes.grad_enabled, _modes.watchers = prev, watchers
    for node, out, inputs, params, recorded in calls:
        for watcher in watchers:
            watcher(node, tensor if out is result else out, inputs, params, recorded)
    return result


def _needs_graph(tensor, args, kwargs=None, name="in-place operation"):
    """In grad mode: must this in-place change of ``tensor`` with ``args`` be recorded? Never for an
    integer or bool tensor (x_bool.copy_(w) keeps no gradient of w, as in PyTorch)."""
    if tensor._data.dtype.kind not in "fc":
        return False
    if tensor.requires_grad or any(isinstance(a, Variable) and a.requires_grad for a in args) or \
            kwargs and any(isinstance(a, Variable) and a.requires_grad for a in kwargs.values()):
        return True
    view = tensor._view
    if view is not None and not view[2] and view[0].requires_grad:
        _check_recordable(tensor, name)  # a view taken under no_grad: PyTorch's error
    return False


# --------------------------------------------------------------------------- recording in a graph


def _check_recordable(tensor, name, basic=True):
    """PyTorch's errors for in-place changes that a graph can't record."""
    view = tensor._view
    if view is None:
        if tensor.requires_grad and tensor.grad_fn is None:
            what = "a view of a leaf Variable" if name == "setitem" and basic else "a leaf Variable"
            raise RuntimeError(
                f"{name}: {what} that requires grad is being used in an in-place operation. A leaf tensor "
                "that requires grad can only be changed in place under `with ag.no_grad():` (as an optimizer "
                "step does), or through its .data")
        return
    if not view[2]:
        raise RuntimeError(
            f"{name}: a view was created in no_grad mode and is being modified in place with grad mode "
            "enabled; this is ambiguous, so it is forbidden (as in PyTorch). Take the view and change it "
            "both inside the no_grad block (not recorded) or both outside it (recorded)")
    base = view[0]
    if base.requires_grad and base.grad_fn is None:
        raise RuntimeError(
            f"{name}: a view of a leaf Variable that requires grad is being used in an in-place operation. "
            "Change the leaf under `with ag.no_grad():`, or clone() the view before changing it")


def _take_node(tensor, node):
    """``tensor`` is now the output of ``node`` (an in-place op replaced its value); retain_grad
    follows the tensor to its newest node."""
    old = tensor.grad_fn
    if old is not None and old is not node and old._retained is not None:
        node._retained, old._retained = old._retained, None
    tensor.grad_fn, tensor.requires_grad = node, True


def _keep_saved_values(node, storage, since):
    """Before ``storage`` is overwritten: the ops just recorded to compute the new value (nodes
    numbered after ``since``) may have saved arrays that share it (x.mul_(w) saves x for w's
    gradient). Keep a copy of those, as PyTorch keeps the original; when the backward pass
    builds a graph, the copy stands for the input as it was."""
    stack, seen = [node], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen or node._seq <= since:
            continue
        seen.add(node)
        stack.extend(node._edges)
        saved = getattr(node, "_saved", None)
        if saved is None or saved is _FREED:
            continue
        links = getattr(node, "_saved_from", None)
        kept = list(saved)
        for i, s in enumerate(saved):
            if isinstance(s, host.ndarray) and by_input.may_share_memory(s, storage):
                kept[i] = s.copy()
                if links is not None and links[i] is not None and links[i][0] is not None:
                    x = links[i][0]
                    snapshot = Tensor._make(kept[i])
                    snapshot.grad_fn, snapshot.requires_grad = x.grad_fn, x.requires_grad
                    links[i] = (snapshot, snapshot._vc, 0)
        node._saved = tuple(kept)


def _saved_output_is(node, result, tensor):
    """The node saved its output (exp, relu, sigmoid): that output now lives in ``tensor``'s storage,
    at its new version, so a later in-place change of ``tensor`` is caught (as in PyTorch)."""
    saved = getattr(node, "_saved", None)
    links = getattr(node, "_saved_from", None)
    if saved is None or saved is _FREED or not links:
        return
    saved = list(saved)
    for i, link in enumerate(links):
        if link is not None and link[0] is None and saved[i] is result._data:
            saved[i] = tensor._data
            links[i] = (None, tensor._vc, tensor._vc[0])
    node._saved = tuple(saved)


def positions(tensor):
    """Where ``tensor``'s elements sit in its base: flat indices into the base, an int array of the
    tensor's shape (the view ops replayed on ``arange``; for a tensor that is no view, ``arange``)."""
    view = tensor._view
    if view is None:
        return by_input.arange(tensor._data.size).reshape(tensor.shape)
    base, steps = view[0], view[1]
    index = by_input.arange(base._data.size).reshape(base.shape)
    for op, params in steps:
        ctx = op.__new__(op)
        ctx.xp = host
        index = ctx.forward(index, **params)
    return by_input.asarray(index)


def _refresh_views(base):
    """``base`` has a new grad_fn: each live view of it taken in grad mode gets a node that picks
    its region from the new base (PyTorch regenerates a view's grad_fn the same way)."""
    vc = base._vc
    if len(vc) == 1 or base.grad_fn is None:
        return
    for ref in vc[1:]:
        view = ref()
        if view is not None and view._view is not None and view._view[0] is base:
            out = AsStrided.apply(base, positions=positions(view))
            _take_node(view, out.grad_fn)


def _fits(shape, target):
    try:
        return host.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _record(tensor, compute, name, same_kind=True):
    """Record ``tensor``'s new value ``compute(tensor)`` (a Tensor, computed out of place in the
    graph) and write it into the storage:
    a) refuse what a graph can't record (a leaf that requires grad, a view of one);
    b) compute the new value, recorded; check its kind and shape before anything changes;
    c) copy arrays the new node saved that the write would overwrite, then write and bump;
    d) the tensor takes the node (no view), or its base takes a CopySlices node (a view);
       the base's live views follow (_refresh_views)."""
    _check_recordable(tensor, name)
    since = next(_creation_counter)
    result = _result_of(compute, tensor, graph=True)
    if result is tensor:
        return tensor
    if not isinstance(result, Tensor):
        result = Tensor._make(by_input.asarray(result))
    values = result._data
    if same_kind and _KIND[values.dtype.kind] > _KIND[tensor._data.dtype.kind]:
        raise _cast_error(name, values.dtype, tensor)
    if by_input.shape(values) != tensor.shape and not _fits(by_input.shape(values), tensor.shape):
        raise _write_error(tensor, values, name)
    if not result.requires_grad:
        if not tensor.requires_grad:  # nothing to record after all (e.g. a comparison)
            return _write(tensor, values, name, same_kind)
        result = Copy.apply(tensor, result)  # a flat op: the old values get a zero gradient
    node = result.grad_fn
    _keep_saved_values(node, tensor._data, since)
    _write(tensor, values, name, same_kind=False)
    _saved_output_is(node, result, tensor)
    view = tensor._view
    if view is None:
        _take_node(tensor, node)
        _refresh_views(tensor)
    else:
        _rewrite_base(view[0], result, positions(tensor))
    return tensor


def _rewrite_base(base, source, where, flat=True):
    """Record that the elements of ``base`` at ``where`` (flat positions, or an index of the base
    with ``flat=False``) now hold ``source``."""
    out = _result_of(lambda b: CopySlices.apply(b, source, where=where, flat=flat), base, graph=True)
    _take_node(base, out.grad_fn)
    _refresh_views(base)


def change(tensor, compute, name, value=None):
    """Change ``tensor`` in place to ``compute(tensor)``, recorded when a graph needs it, else
    written (``value``, an array, is written instead when given). What every ``op_`` does."""
    if _modes.grad_enabled and _needs_graph(tensor, (), None, name):
        return _record(tensor, compute, name)
    if value is None:
        value = _result_of(compute, tensor)
    return _write(tensor, value._data if isinstance(value, Tensor) else by_input.asarray(value), name)


# --------------------------------------------------------------------------- the nodes


class CopySlices(Function):
    """The base of a view after an in-place change through the view (or ``base[index] = src``):
    the same storage, its elements at ``where`` replaced by ``src``. ``where`` indexes the base
    (``flat=False``) or its flattened elements (``flat=True``: a view's positions)."""

    rule = Rule("out = base with base[view] = src",
                ("d/dbase: G, with zeros where src was written", "d/dsrc: G at the written positions"),
                "The overwritten elements send no gradient to the old base; src gets theirs.", ("base", "src"))
    name = node_name("CopySlices")  # (PyTorch's name, without Backward)

    def forward(ctx, base, src, where, flat):
        ctx.where, ctx.flat = where, flat
        return base  # the caller already wrote src through the view: the storage is the output

    def backward(ctx, grad):  # the old base: G where not overwritten; src: G where it was written
        where = ctx.where
        if isinstance(grad, Variable):  # building a graph of the backward pass
            keep = get_array_module(grad).ones(grad.shape, dtype=bool)
            (keep.reshape(-1) if ctx.flat else keep)[where] = False
            return grad * keep, (grad.reshape(-1) if ctx.flat else grad)[where]
        kept = grad.copy()
        (kept.reshape(-1) if ctx.flat else kept)[where] = 0
        return kept, (grad.reshape(-1) if ctx.flat else grad)[where]


class AsStrided(Function):
    """A view's values picked from its base (flat ``positions``): the node a view gets when its
    base changed in place inside a graph, so that its gradient reaches the base's new node."""

    rule = Rule("out = base.flatten()[positions]", ("d/dbase: G added into zeros at the view's positions",),
                "A view's gradient goes back to the places of the base it shows.", ("base",))

    def forward(ctx, base, positions):
        ctx.shape, ctx.positions = base.shape, positions
        return base.reshape(-1)[positions]

    def backward(ctx, grad):  # scatter G back to the base's positions (added where a place shows twice)
        size = (int(by_input.prod(ctx.shape)),)
        if isinstance(grad, Variable):
            return IndexAdd.apply(grad, size, ctx.positions).reshape(ctx.shape)
        return index_add(grad, size, ctx.positions).reshape(ctx.shape)


_NUMBER_FILLS = ("FillBackward2", "ZeroBackward0")  # PyTorch's nodes of fill_(number) and zero_() (see _fill)


class Copy(Function):
    """``a.copy_(src)``, ``a.fill_(v)``: the new value is src (broadcast, cast to a's dtype);
    a's old values are overwritten, so they get a zero gradient."""

    rule = Rule("out = src (copied into a)", ("d/da = 0: a's old values are overwritten", "d/dsrc = G"),
                "A copy hands the gradient to its source; what it overwrote gets nothing.", ("a", "src"))
    name = node_name("CopyBackwards")  # (PyTorch's name for copy_'s node; fill_ and zero_: _fill)
    next_functions = leaving_out(lambda node: (1,) if node.name() in _NUMBER_FILLS else ())  # (fill_(2.0)'s number
    #                                                                                        is no input of PyTorch's)

    def forward(ctx, a, src):
        ctx.shape, ctx.dtype = a.shape, a.dtype
        out = ctx.xp.empty(a.shape, a.dtype)
        ctx.xp.copyto(out, src, casting="unsafe")
        return out

    def backward(ctx, grad):  # d/da = 0, d/dsrc = G (summed back to src's shape by the core)
        zeros = (grad._xp if isinstance(grad, Variable) else get_array_module(grad)).zeros(ctx.shape, ctx.dtype)
        return (Tensor._make(zeros) if isinstance(grad, Variable) else zeros), grad


# --------------------------------------------------------------------------- the methods


def _arithmetic(ufunc, fn, name, alpha):
    """``add_ sub_ mul_ div_``: numpy writes the result into the storage (``out=``), no temporary."""
    divides = ufunc is host.true_divide

    def method(self, other, *args, **kwargs):
        if not isinstance(other, Tensor) and getattr(other, "is_sparse", False) is True:  # (a Tensor: one test)
            return _add_sparse_(self, other, name, *args, **kwargs)
        if _modes.grad_enabled and _needs_graph(self, (other,), None, name):
            return _record(self, lambda t: fn(t, other, *args, **kwargs), name)
        if args or (kwargs and not (alpha and kwargs.keys() == {"alpha"})) or _modes.watchers:
            return _write(self, _result_of(fn, self, (other,) + args, kwargs)._data, name)
        a = self._data
        b = other._data if isinstance(other, Tensor) else other
        if ufunc is host.subtract and (a.dtype.kind == "b" or getattr(b, "dtype", None) == bool_
                                       or isinstance(b, (bool, host.bool_))):
            return _write(self, _result_of(fn, self, (other,), kwargs)._data, name)  # (sub refuses a bool, saying so)
        if isinstance(b, (list, tuple)):
            b = to_array(b)
        kind = _kind(b)
        if divides and kind < 2:
            kind = 2
        if kind > _KIND[a.dtype.kind]:
            result = b.dtype if hasattr(b, "dtype") and _KIND[b.dtype.kind] == kind else _SCALAR_DTYPE[kind]
            raise _cast_error(name, result, self)
        scale = kwargs.get("alpha", 1) if kwargs else 1
        if scale != 1:
            b = by_input.multiply(b, scale)
        b = wrapped(b, a.dtype)  # (an int beyond an integer tensor's range wraps, as in PyTorch)
        try:
            (ufunc if type(a) is host.ndarray else getattr(get_array_module(a), ufunc.__name__))(
                a, b, out=a, casting="unsafe")
        except ValueError:
            raise _write_error(self, b, name) from None
        self._vc[0] += 1
        return self

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place {name[:-1]}: writes the result into this tensor's storage (same dtype)."
    return method


def _add_sparse_(self, other, name, alpha=1):
    """``dense.add_(sparse, alpha=alpha)`` (and ``sub_``), as PyTorch's CPU kernel: the entries added in the order
    stored, each a fused multiply-add (what an optimizer does with a sparse gradient). Not recorded by autograd:
    refused on a tensor that requires grad while grad mode is on."""
    from .ops.sparse import add_sparse_into  # noqa: PLC0415 (ops import this module)

    if name not in ("add_", "sub_"):
        raise NotImplementedError(f"{name} with a sparse COO tensor is not supported here; call .to_dense() first")
    if _modes.grad_enabled and (self.requires_grad or (self._view is not None and self._view[0].requires_grad)):
        _check_recordable(self, name)  # (a leaf, or a view of one: PyTorch's error)
        raise NotImplementedError(f"{name}(sparse) on a tensor that requires grad (a step autograd would record) is "
                                  "not implemented; do it under torch.no_grad()")
    if tuple(other.shape) != tuple(self.shape):
        raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has size {list(self.shape)} "
                           f"while other has size {list(other.shape)} (FYI: dense-sparse addition does not currently "
                           "support broadcasting)")
    if type(self._data) is not host.ndarray or self._data.dtype != other.dtype or self._data.dtype.kind != "f":
        raise NotImplementedError(f"{name}(sparse): a floating-point CPU tensor and a sparse tensor of its dtype are "
                                  f"supported here, got {self.dtype} on {self.device} and {other.dtype}")
    add_sparse_into(self._data, other, alpha if name == "add_" else -alpha)
    self._vc[0] += 1
    return self


def _twin(fn, name):
    """The in-place twin of an out-of-place op front ``fn``: compute, then write into the storage."""

    def method(self, *args, **kwargs):
        if _modes.grad_enabled and _needs_graph(self, args, kwargs, name):
            return _record(self, lambda t: fn(t, *args, **kwargs), name)
        result = _result_of(fn, self, args, kwargs)
        return _write(self, result._data if isinstance(result, Tensor) else by_input.asarray(result), name)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place {name[:-1]}: writes the result into this tensor's storage (same dtype)."
    return method


def _as_source(value, like):
    """``value`` (a tensor, number, list or array) as a Tensor, numbers in ``like``'s dtype."""
    if isinstance(value, Tensor):
        return value
    return Tensor._make(like._xp.asarray(to_array(value, dtype=None if hasattr(value, "dtype") else like.dtype)))


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor's storage."""
    if isinstance(src, Tensor) and src.shape != self.shape:  # (src broadcasts to this shape, never the reverse)
        try:
            fits = host.broadcast_shapes(tuple(self.shape), tuple(src.shape)) == tuple(self.shape)
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"copy_: src of shape {tuple(src.shape)} can't be broadcast to this tensor's shape "
                               f"{tuple(self.shape)}")
    if _modes.grad_enabled and _needs_graph(self, (src,), None, "copy_"):
        return _record(self, lambda t: Copy.apply(t, _as_source(src, t)), "copy_", same_kind=False)
    if _modes.watchers:  # an exporter sees the copy as an op
        src = _result_of(lambda t: Copy.apply(t, _as_source(src, t)), self)
    data = src._data if isinstance(src, Tensor) else src  # from any device (torch's copy_ crosses devices too)
    return _write(self, place(as_array(data), self.device), "copy_", same_kind=False)


def fill_(self, value):
    """Every element becomes ``value`` (a number or a 0-d tensor), cast to this dtype."""
    return _fill(self, value, "fill_")


def _fill(self, value, name):
    """fill_ and zero_ (``name``), recorded as a Copy named as PyTorch names their nodes."""
    node = "ZeroBackward0" if name == "zero_" else "FillBackward3" if isinstance(value, Tensor) else "FillBackward2"
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"fill_: fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.ndim} dimensions")
    if _modes.grad_enabled and _needs_graph(self, (value,), None, name):
        return _record(self, lambda t: overloaded(Copy.apply(t, _as_source(value, t)), node, Copy), name,
                       same_kind=False)
    if _modes.watchers:
        return copy_(self, value)
    try:
        self._data[...] = _assignable(value, self.dtype, name)
    except ValueError:
        raise _write_error(self, value, "fill_") from None
    self._vc[0] += 1
    return self


def zero_(self):
    """Every element becomes 0."""
    return _fill(self, 0, "zero_")


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Fill with numbers drawn uniformly from [a, b) (ag.manual_seed's generator, or ``generator``)."""
    return copy_(self, random.rng(generator).uniform(a, b, size=self.shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with numbers drawn from N(mean, std^2) (ag.manual_seed's generator, or ``generator``)."""
    return copy_(self, random.rng(generator).normal(mean, std, size=self.shape))


def random_(self, *bounds, generator=None, **names):
    """Fill with integers drawn uniformly from [from, to) (torch.Tensor.random_): ``random_(to)``,
    ``random_(from, to)`` or ``random_()``, whose range is every integer the dtype holds exactly (to 2**24 for
    float32, 2**53 for float64, the dtype's maximum for integers, {0, 1} for bool)."""
    low, high = 0, None
    if len(bounds) == 1:
        high = bounds[0]
    elif len(bounds) == 2:
        low, high = bounds
    elif bounds:
        raise TypeError(f"random_: takes at most 2 positional bounds (from, to), got {len(bounds)}")
    low, high = names.pop("from", low), names.pop("to", high)
    if names:
        raise TypeError(f"random_: unexpected keyword arguments {sorted(names)}")
    dtype = self.dtype
    if high is None:
        high = 2 if dtype == host.bool_ else 2 ** (host.finfo(dtype).nmant + 1) if dtype.kind == "f" \
            else int(host.iinfo(dtype).max) + 1
    if low >= high:
        raise RuntimeError(f"random_: expects 'from' to be less than 'to', but got from={low} >= to={high}")
    draws = random.rng(generator).integers(int(low), int(high), size=tuple(self.shape))
    return copy_(self, draws)


def resize_(self, *sizes, memory_format=None):
    """Give this tensor ``sizes`` in place (torch.Tensor.resize_): its elements in row-major order keep their
    values; new ones (when it grows) are 0 here (PyTorch leaves them uninitialised); a tensor that requires grad
    refuses, as in PyTorch."""
    shape = shape_arg(sizes, "resize_")
    if self.requires_grad:
        raise RuntimeError("resize_: cannot resize variables that require grad")
    if self._view is not None and shape != tuple(self.shape):
        raise RuntimeError(f"resize_: this tensor is a view of another (shape {tuple(self.shape)}); resizing it to "
                           f"{shape} would leave its base behind. Resize a copy instead: t = t.clone().resize_(...)")
    n = math.prod(shape)
    if n > self._data.size and self.is_shared():
        raise RuntimeError(f"resize_: Trying to resize storage that is not resizable: this tensor's storage is in "
                           f"shared memory (share_memory_), {self._data.size} elements, and can't grow to {n}")
    flat = self._data.reshape(-1)
    if n <= flat.size:
        data = flat[:n].reshape(shape)
    else:
        data = self._xp.zeros(n, dtype=self._data.dtype)
        data[:flat.size] = flat
        data = data.reshape(shape)
    self._data = data
    self._vc[0] += 1
    return self


def resize(self, *sizes):
    """torch.Tensor.resize (deprecated in PyTorch, with its warning): the same elements in the shape ``sizes``,
    as a view where the storage allows (a change through it is seen here); the count of elements must stay."""
    caller.warn("non-inplace resize is deprecated")
    shape = shape_arg(sizes, "resize")
    if math.prod(shape) != self.numel():
        raise RuntimeError(f"requested resize to {'x'.join(map(str, shape))} ({math.prod(shape)} elements in total), "
                           f"but the given tensor has a size of {'x'.join(map(str, self.shape))} ({self.numel()} "
                           "elements). autograd's resize can only change the shape of a given tensor, while "
                           "preserving the number of elements. Use resize_ to change the count.")
    return self.reshape(shape)


def setitem(self, index, value):
    """``t[index] = value``: written into the storage; in a graph, recorded as PyTorch's CopySlices
    (the tensor, or the base it is a view of, takes the node)."""
    index = _index(index, assigning=True)
    if _modes.grad_enabled and _needs_graph(self, (value,), None, "setitem"):
        try:
            _check_recordable(self, "setitem", is_basic_index(index))
        except RuntimeError:
            self._data[index]  # (PyTorch checks the index first: one that does not fit raises its IndexError)
            raise
        source = _as_source(value, self)
        view = self._view
        where = index if view is None else positions(self)[index]
        _assign(self, index, source._data)
        _rewrite_base(self if view is None else view[0], source, where, flat=view is not None)
        return
    _assign(self, index, _assignable(value, self.dtype))
    if _modes.watchers:  # an exporter sees the assignment as an op
        _result_of(lambda t: CopySlices.apply(t, _as_source(value, t), where=index, flat=False), self)


def _assign(tensor, index, values):
    if type(tensor._data) is not host.ndarray:  # host indices and values cross to the tensor's device
        xp = tensor._xp
        index, values = index_for(xp, index), (xp.asarray(values) if type(values) is host.ndarray else values)
    try:
        tensor._data[index] = values
    except ValueError:
        if read_only(tensor._data):
            raise _write_error(tensor, values, "setitem") from None
        raise RuntimeError(f"setitem: shape mismatch: value of shape {list(by_input.shape(values))} cannot be broadcast "
                           f"to indexing result of shape {list(by_input.shape(tensor._data[index]))}") from None
    tensor._vc[0] += 1


# Python's augmented assignments, as torch.Tensor defines them (x @= y rebinds, as in PyTorch)
AUGMENTED = {"__iadd__": "add_", "__isub__": "sub_", "__imul__": "mul_", "__itruediv__": "div_", "__ipow__": "pow_",
             "__ifloordiv__": "floor_divide_", "__imod__": "remainder_", "__iand__": "bitwise_and_",
             "__ior__": "bitwise_or_", "__ixor__": "bitwise_xor_", "__ilshift__": "bitwise_left_shift_",
             "__irshift__": "bitwise_right_shift_"}
_UFUNCS = {"add": (host.add, True), "sub": (host.subtract, True), "mul": (host.multiply, False),
           "div": (host.true_divide, False)}


def _reshaping(name):
    """``x.unsqueeze_(0)``, ``x.squeeze_()``, ``x.t_()``, ``x.transpose_(0, 1)``: this tensor takes the shape of
    ``x.<name without _>(...)``, keeping its storage (a numpy view of it) and bumping its version, as in PyTorch.
    A tensor that requires grad, or a view of one, is refused in grad mode: its graph would have to record
    the change; write ``x = x.unsqueeze(0)`` instead."""
    def method(self, *args, **kwargs):
        if _modes.grad_enabled and (self.requires_grad or self._view is not None and self._view[0].requires_grad):
            raise RuntimeError(f"{name}: changing the shape in place of a tensor that requires grad (or of a view "
                               f"of one) is not supported here; write x = x.{name[:-1]}(...) instead")
        self._data = getattr(self, name[:-1])(*args, **kwargs)._data  # (a view of the same storage)
        self._view = None  # (its writes still reach the base's storage; no graph to replay them in)
        self._vc[0] += 1
        return self

    method.__name__ = method.__qualname__ = name
    return method


def install(tensor_class, ops):
    """Give ``tensor_class`` the in-place methods: ``<name>_`` for every op registered with
    ``inplace=True``, copy_ fill_ zero_ uniform_ normal_, ``t[i] = v`` and the augmented operators."""
    fast = {ops[name].fn: spec for name, spec in _UFUNCS.items() if name in ops}
    methods = {"copy_": copy_, "fill_": fill_, "zero_": zero_, "uniform_": uniform_, "normal_": normal_,
               "resize_": resize_, "resize": resize, "random_": random_, "__setitem__": setitem, "_inplace": change}
    methods.update({name: _reshaping(name) for name in ("squeeze_", "unsqueeze_", "t_", "transpose_")})
    for op in ops.values():
        if op.inplace and op.method:
            fn = op.fn if op.method is True else op.method
            name = op.name + "_"
            methods[name] = _arithmetic(fast[fn][0], fn, name, fast[fn][1]) if fn in fast else _twin(fn, name)
    for name in methods:
        if name in tensor_class.__dict__:
            raise RuntimeError(f"in-place method {name!r} is made from the op table but {tensor_class.__name__} "
                               "defines it too")
    for dunder, target in AUGMENTED.items():
        if target in methods:
            methods[dunder] = methods[target]
    for name, method in methods.items():
        setattr(tensor_class, name, method)
