"""Indexing along a dim: gather and its adjoint (scatter-add), scatter, scatter_add,
scatter_reduce, index_select, index_add, masked_fill, and the ordering ops sort, argsort and
topk, whose values are a gather (so their gradient is gather's).

    gather:   out[i][j] = input[index[i][j]][j]                 (dim 0)
    scatter:  out = input; out[index[i][j]][j] = src[i][j]
    scatter_add / the adjoint of gather: out[index[i][j]][j] += src[i][j]

Indices are int64 tensors, as in PyTorch, and never wrap: a negative or too large index is an
error that names the op.
"""
import collections
import math

from ..backend import by_input, get_array_module, host

from ..dtypes import fitting, int64, wrapped
from ..function import Function, Rule, ShapeError, register
from ..graph import Variable
from ..tensor import Tensor
from .args import ArgumentError, OutOfRangeError, broadcast_shape, dim_arg, int_arg
from .math import Where
from .promote import DTypeError
from .shape import IndexAdd, fitted

sort_type = collections.namedtuple("sort", ["values", "indices"])
topk_type = collections.namedtuple("topk", ["values", "indices"])


def _mesh(index, dim):
    """The index tuple that picks index[i][j][k] along ``dim`` and i, j, k elsewhere."""
    n = index.ndim
    xp = get_array_module(index)
    grids = [xp.arange(size).reshape((-1,) + (1,) * (n - 1 - d)) for d, size in enumerate(index.shape)]
    grids[dim] = index
    return tuple(grids)


def _gather_array(a, dim, index):
    view = a[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))]
    return by_input.take_along_axis(view, index, axis=dim)


def _scatter_add_array(src, shape, dim, index):
    out = get_array_module(src).zeros(shape, dtype=src.dtype)
    by_input.add.at(out, _mesh(index, dim), src)
    return out


class Gather(Function):
    rule = Rule("out = gather(a, dim, index)", ("d/da: G added back at index (scatter_add)",),
                "Each picked element sends its gradient home; picked twice, it gets both.")

    def forward(ctx, a, dim, index):
        ctx.shape, ctx.dim, ctx.index = a.shape, dim, index
        return _gather_array(a, dim, index)

    def backward(ctx, grad):  # the adjoint of picking: add the gradient back where it was picked
        if isinstance(grad, Variable):
            return ScatterAdd.apply(grad, shape=ctx.shape, dim=ctx.dim, index=ctx.index)
        return _scatter_add_array(grad, ctx.shape, ctx.dim, ctx.index)


class ScatterAdd(Function):
    """zeros(shape) with ``src`` added at ``index`` along ``dim``: gather's adjoint."""

    rule = Rule("out = zeros.scatter_add(dim, index, src)", ("d/dsrc: G gathered at index",),
                "Linear in src: each element's gradient is picked from where it was added.")

    def forward(ctx, src, shape, dim, index):
        ctx.dim, ctx.index = dim, index
        return _scatter_add_array(src, shape, dim, index)

    def backward(ctx, grad):  # linear: pick the gradient where each element went
        if isinstance(grad, Variable):
            return Gather.apply(grad, dim=ctx.dim, index=ctx.index)
        return _gather_array(grad, ctx.dim, ctx.index)


class Scatter(Function):
    rule = Rule("out = a.scatter(dim, index, src)", ("d/da: G where nothing was written, 0 elsewhere",
                                                      "d/dsrc: G gathered at index"),
                "Overwritten elements of a lose their gradient to the src elements written there.")

    def forward(ctx, a, src, dim, index):
        mesh = _mesh(index, dim)
        ctx.dim, ctx.index = dim, index
        ctx.written = ctx.xp.zeros(a.shape, dtype=bool)
        ctx.written[mesh] = True
        out = a.copy()
        out[mesh] = src[tuple(slice(0, n) for n in index.shape)]
        return out

    def backward(ctx, grad):  # written places send their gradient to src, the rest to a
        need_a, need_src = ctx.needs_input_grad
        grad_a = ctx.xp.where(ctx.written, 0.0, grad) if need_a else None
        grad_src = None
        if need_src:
            grad_src = (Gather.apply(grad, dim=ctx.dim, index=ctx.index) if isinstance(grad, Variable)
                        else _gather_array(grad, ctx.dim, ctx.index))
        return grad_a, grad_src


# --------------------------------------------------------------------- checks


def _index(index, op, dtypes=(int64,)):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: index must be an int64 tensor, got {type(index).__name__}")
    if index.dtype not in dtypes:
        raise DTypeError(f"{op}: expected an int64 index, got {index.dtype}; use index.long()")
    return index._data


def _in_range(idx, size, op, dim):
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = int(idx.min() if idx.min() < 0 else idx.max())
        raise OutOfRangeError(f"{op}: index {bad} is out of bounds for dim {dim} with size {size} "
                         f"(indices must be in [0, {size - 1}])")


def _scatter_checks(op, input, dim, index, src=None):
    """torch's rules: one number of dims for all; index no larger than src anywhere, nor than
    input outside ``dim``; every index inside ``dim``. Returns (dim, index array)."""
    idx = _index(index, op)
    d = dim_arg(dim, input.ndim, op)
    if idx.size == 0:  # nothing to pick or write: PyTorch checks no further
        return d, idx
    ndim = max(input.ndim, 1)
    for what, t in (("index", index), ("src", src)):
        if t is not None and max(t.ndim, 1) != ndim:  # (PyTorch: IndexError or RuntimeError, by case)
            raise OutOfRangeError(f"{op}: {what} of shape {tuple(t.shape)} must have as many dims as the input "
                                  f"{tuple(input.shape)}")
    in_shape = input.shape or (1,)
    idx_shape = idx.shape or (1,)
    for k, n in enumerate(idx_shape):
        if k != d and n > in_shape[k] or src is not None and n > (src.shape or (1,))[k]:
            raise ShapeError(f"{op}: index of shape {tuple(index.shape)} must be no larger than the src "
                             f"{tuple(src.shape) if src is not None else ''} in every dim and than the input "
                             f"{tuple(input.shape)} apart from dim {d}")
    _in_range(idx, in_shape[d], op, d)
    return d, idx


def _as_1d(input, idx):
    """PyTorch treats a 0-d tensor as 1-d in gather/scatter: (input, index) made at least 1-d."""
    return (input.reshape(1) if input.ndim == 0 else input), idx.reshape(-1) if idx.ndim == 0 else idx


# --------------------------------------------------------------------- front functions


@register("gather")
def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j] = input[index[i][j]][j] (dim 0): pick along ``dim``; the output has index's shape."""
    d, idx = _scatter_checks("gather", input, dim, index)
    if idx.size == 0:
        return Tensor._make(get_array_module(input._data).zeros(idx.shape, dtype=input.dtype))
    x, idx1 = _as_1d(input, idx)
    return fitted(Gather.apply(x, dim=d, index=idx1), idx.shape)


def _src_like(op, input, src, index_shape):
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: src must be a tensor, got {type(src).__name__}")
    if src.dtype != input.dtype:
        raise DTypeError(f"{op}: expected src of dtype {input.dtype} (the input's), got {src.dtype}")
    src = src.reshape(1) if src.ndim == 0 else src
    if src.shape != tuple(index_shape):  # only the first index.shape elements of src are used
        src = src[tuple(slice(0, n) for n in index_shape)]
    return src


@register("scatter_add", inplace=True)
def scatter_add(input, dim, index, src):
    """input with src added at index along ``dim`` (repeated indices add up)."""
    d, idx = _scatter_checks("scatter_add", input, dim, index, src)
    if idx.size == 0:
        return input.clone()
    x, idx1 = _as_1d(input, idx)
    added = ScatterAdd.apply(_src_like("scatter_add", input, src, idx1.shape), shape=x.shape, dim=d, index=idx1)
    return fitted(x + added, input.shape)


@register("scatter", inplace=True)
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """input with src (or the number ``value``) written at index along ``dim``. For repeated indices
    one of the written values wins (PyTorch leaves which one unspecified)."""
    if value is None and not isinstance(src, Tensor):
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter: give either a src tensor or a value")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise ArgumentError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        if src is None:
            src = Tensor._make(get_array_module(input._data).full(index.shape, value, dtype=input.dtype))
        return scatter_reduce(input, dim, index, src, "sum" if reduce == "add" else "prod")
    d, idx = _scatter_checks("scatter", input, dim, index, src)
    if isinstance(src, Tensor) and src.dtype != input.dtype:  # (checked for an empty index too, as PyTorch)
        raise DTypeError(f"scatter: expected src of dtype {input.dtype} (the input's), got {src.dtype}")
    if idx.size == 0:
        return input.clone()
    x, idx1 = _as_1d(input, idx)
    if src is None:
        if isinstance(value, Tensor) or not isinstance(value, (bool, int, float, host.generic)):
            raise TypeError(f"scatter: value must be a number, got {type(value).__name__}")
        value = wrapped(fitting(value, input.dtype, "scatter"), input.dtype)  # (uint8 300 refused, -1 is 255)
        src = Tensor._make(get_array_module(input._data).full(idx1.shape, value).astype(input.dtype))
    return fitted(Scatter.apply(x, _src_like("scatter", input, src, idx1.shape), dim=d, index=idx1), input.shape)


_REDUCE = {"sum": by_input.add, "mean": by_input.add, "prod": by_input.multiply, "amax": by_input.maximum,
           "amin": by_input.minimum}


class ScatterReduce(Function):
    """out = input with src reduced into it at index along ``dim`` (sum, prod, mean, amax, amin)."""

    rule = Rule("out = a.scatter_reduce(dim, index, src, reduce)",
                ("d/da, d/dsrc: each contributor's share of G (sum: 1, mean: 1/count, amax/amin: the winners "
                 "split it, prod: the product of the others)",),
                "Every element reduced into an output gets its part of that output's gradient.")

    def forward(ctx, a, src, dim, index, reduce, include_self):
        mesh = _mesh(index, dim)
        hit = ctx.xp.zeros(a.shape, dtype=bool)
        hit[mesh] = True
        out = a.copy()
        if not include_self:
            out[hit] = _identity(reduce, a.dtype)
        _REDUCE[reduce].at(out, mesh, src)
        count = None
        if reduce == "mean":
            count = ctx.xp.zeros(a.shape, dtype=host.int64) + (1 if include_self else 0)
            ctx.xp.add.at(count, mesh, 1)
            count = ctx.xp.maximum(count, 1)
            out = out // count if out.dtype.kind in "iu" else (out / count).astype(out.dtype)
        ctx.args = (dim, index, mesh, hit, reduce, include_self, count)
        ctx.save_for_backward(a, src, out)
        return out

    def backward(ctx, grad):
        dim, index, mesh, hit, reduce, include_self, count = ctx.args
        a, src, out = ctx.saved_tensors
        if isinstance(grad, Variable):
            raise RuntimeError("scatter_reduce: gradients of gradients (create_graph=True) are not implemented")
        self_part = get_array_module(a).ones(a.shape, dtype=grad.dtype) if include_self else (~hit).astype(grad.dtype)
        if reduce == "sum":
            return grad * self_part, _gather_array(grad, dim, index)
        if reduce == "mean":
            g = grad / count.astype(grad.dtype)  # (an int64 count would make it float64)
            return g * self_part, _gather_array(g, dim, index)
        if reduce in ("amax", "amin"):  # the elements equal to the result split its gradient
            self_wins = (a == out) * self_part
            src_wins = src == _gather_array(out, dim, index)
            winners = self_wins + _scatter_add_array(src_wins.astype(grad.dtype), a.shape, dim, index)
            g = grad / by_input.maximum(winners, 1)
            return g * self_wins, _gather_array(g, dim, index) * src_wins
        return _prod_grads(grad, a, src, dim, index, mesh, hit, include_self)


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = host.inf if dtype.kind == "f" else host.iinfo(dtype).max
    return -big if reduce == "amax" else big


def _prod_grads(grad, a, src, dim, index, mesh, hit, include_self):
    """d out / d x = the product of the other contributors (exact where some are zero)."""
    self_in = get_array_module(a).ones(a.shape, dtype=bool) if include_self else ~hit
    nonzero = by_input.where(self_in & (a != 0), a, 1).astype(grad.dtype)  # product of the nonzero contributors
    zeros = (self_in & (a == 0)).astype(host.int64)  # how many contributors are zero
    by_input.multiply.at(nonzero, mesh, by_input.where(src != 0, src, 1))
    by_input.add.at(zeros, mesh, (src == 0).astype(host.int64))

    def others(v, nz, zc):
        safe = by_input.where(v != 0, v, 1)
        return by_input.where(v != 0, by_input.where(zc == 0, nz / safe, 0), by_input.where(zc == 1, nz, 0))

    grad_a = grad * others(a, nonzero, zeros) * self_in
    grad_src = _gather_array(grad, dim, index) * others(src, _gather_array(nonzero, dim, index),
                                                         _gather_array(zeros, dim, index))
    return grad_a, grad_src


@register("scatter_reduce", inplace=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """input with src reduced into it at index along ``dim``: reduce is 'sum', 'prod', 'mean', 'amax' or
    'amin'; with include_self=False the input's own values at the written places are left out."""
    d, idx = _scatter_checks("scatter_reduce", input, dim, index, src)
    if reduce not in _REDUCE:
        raise ArgumentError(f"scatter_reduce: reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', got {reduce!r}")
    if idx.size == 0:
        return input.clone()
    x, idx1 = _as_1d(input, idx)
    src = _src_like("scatter_reduce", input, src, idx1.shape)
    out = ScatterReduce.apply(x, src, dim=d, index=idx1, reduce=reduce, include_self=bool(include_self))
    return fitted(out, input.shape)


def _vector_index(index, size, op, check_range=True):
    idx = _index(index, op, (int64, host.dtype(host.int32)))
    if idx.ndim > 1:  # (PyTorch: an IndexError here, a RuntimeError elsewhere)
        raise OutOfRangeError(f"{op}: index must be a vector (1-d), got shape {tuple(index.shape)}")
    if check_range:
        _in_range(idx, size, op, "")
    return idx.reshape(-1)


@register("index_select")
def index_select(input, dim, index):
    """The slices of ``input`` along ``dim`` at the positions ``index`` (a 1-d integer tensor)."""
    d = dim_arg(dim, input.ndim, "index_select")
    idx = _vector_index(index, input.shape[d] if input.ndim else 1, "index_select")
    if input.ndim == 0 and idx.size != 1:
        raise ShapeError(f"index_select: the index into a 0-d tensor must have one value, got {idx.size}")
    if input.ndim == 0:
        return input.reshape(1)[idx].reshape(() if index.ndim == 0 else (len(idx),))
    return input[(slice(None),) * d + (idx,)]


@register("index_add", inplace=True)
def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source added along ``dim`` at the positions ``index`` (repeats add up)."""
    d = dim_arg(dim, input.ndim, "index_add")
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add: source must be a tensor, got {type(source).__name__}")
    if source.dtype != input.dtype:
        raise DTypeError(f"index_add: source ({source.dtype}) must have the input's dtype ({input.dtype})")
    idx = _vector_index(index, input.shape[d] if input.ndim else 1, "index_add", check_range=source.numel() > 0)
    if input.ndim == 0 and (source.ndim or idx.size != 1):
        raise OutOfRangeError(f"index_add: a 0-d input takes a 0-d source and one index, got source of shape "
                              f"{tuple(source.shape)} and {idx.size} indices")
    if input.ndim and source.ndim != input.ndim:
        raise OutOfRangeError(f"index_add: source of shape {tuple(source.shape)} must have the input's "
                              f"{input.ndim} dims (shape {tuple(input.shape)} apart from dim {d})")
    x = input.reshape(1) if input.ndim == 0 else input
    s = source.reshape(1) if source.ndim == 0 else source
    want = x.shape[:d] + (len(idx),) + x.shape[d + 1:]
    if s.shape != want:
        raise ShapeError(f"index_add: source of shape {tuple(source.shape)} must be {want}: the input's shape "
                         f"with dim {d} as long as the index ({len(idx)})")
    if source.numel() == 0:  # nothing to add (PyTorch checks the indices no further)
        return input.clone()
    added = IndexAdd.apply(s if alpha == 1 else s * alpha, x.shape, (slice(None),) * d + (idx,))
    return fitted(x + added, input.shape)


@register("masked_fill", inplace=True)
def masked_fill(input, mask, value):
    """input with ``value`` (a number or a 0-d tensor, cast to input's dtype) where ``mask`` is True;
    ``mask`` (bool) broadcasts against input."""
    if not isinstance(mask, Tensor) or mask.dtype.kind != "b":
        what = f"dtype {mask.dtype}" if isinstance(mask, Tensor) else type(mask).__name__
        raise DTypeError(f"masked_fill: mask must be a bool tensor, got {what}; compare first (x > 0)")
    if isinstance(value, Tensor):
        if value.ndim:
            raise ShapeError(f"masked_fill: value must be a number or a 0-d tensor, got shape {tuple(value.shape)}")
        fill = value if value.dtype == input.dtype else value.to(input.dtype)
    elif isinstance(value, (bool, int, float, host.generic)):
        fill = get_array_module(input._data).asarray(wrapped(fitting(value, input.dtype, "masked_fill"), input.dtype))
        fill = fill.astype(input.dtype)
    else:
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    broadcast_shape("masked_fill", input.shape, mask.shape)
    return Where.apply(mask._data, fill, input)


# --------------------------------------------------------------------- ordering


def _argsort(a, axis, descending):
    """Stable argsort; descending keeps equal elements in their original order and puts NaN first
    (NaN counts as the largest value, as in PyTorch)."""
    if not descending:
        return by_input.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    return by_input.flip(n - 1 - by_input.argsort(by_input.flip(a, axis), axis=axis, kind="stable"), axis)


def _order(op, input, dim, descending):
    d = dim_arg(dim, input.ndim, op)
    if input.ndim == 0:
        return d, Tensor._make(get_array_module(input._data).zeros((), dtype=int64))
    return d, Tensor._make(_argsort(input._data, d, descending).astype(int64))


@register("sort")
def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) along ``dim``, ascending unless ``descending``; equal elements keep their order."""
    d, indices = _order("sort", input, dim, descending)
    if input.ndim == 0:
        return sort_type(input.clone(), indices)
    return sort_type(Gather.apply(input, dim=d, index=indices._data), indices)


@register("argsort")
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (equal elements keep their order)."""
    return _order("argsort", input, dim, descending)[1]


@register("topk")
def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) elements along ``dim`` and their indices, largest first."""
    k = int_arg(k, "topk", "k")
    d = dim_arg(dim, input.ndim, "topk")
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise ArgumentError(f"topk: k={k} is out of range for dim {d} of size {n} (0 <= k <= {n})")
    if input.dtype.kind == "b":
        raise DTypeError("topk: not implemented for bool tensors; convert with .int() first")
    if input.ndim == 0:
        return topk_type(input.clone(), Tensor._make(get_array_module(input._data).zeros((), dtype=int64)))
    order = _argsort(input._data, d, largest)
    idx = by_input.ascontiguousarray(by_input.take(order, get_array_module(order).arange(k), axis=d)).astype(int64)
    return topk_type(Gather.apply(input, dim=d, index=idx), Tensor._make(idx))


# ----------------------------------------------------------------- order statistics


median_type = collections.namedtuple("median", ["values", "indices"])
kthvalue_type = collections.namedtuple("kthvalue", ["values", "indices"])


class Median(Function):
    rule = Rule("out = the lower median of all of a",
                ("d/da = 1/n at each of the n elements equal to out, 0 elsewhere",),
                "The gradient is shared by the elements that are the median.")

    def forward(ctx, a):
        xp = ctx.xp
        flat = a.reshape(-1)
        if flat.size == 0:  # nan, and no element to get a gradient
            out, ctx.mask = host.nan, xp.zeros(a.shape, dtype=bool)
        elif a.dtype.kind == "f" and xp.isnan(flat).any():  # nan anywhere: the median is nan, as PyTorch's
            out, ctx.mask = xp.asarray(host.nan, dtype=a.dtype), xp.isnan(a)
        else:
            out = xp.sort(flat)[(flat.size - 1) // 2]
            ctx.mask = a == out
        ctx.count = max(int(ctx.mask.sum()), 1)
        return xp.asarray(out, dtype=a.dtype)

    def backward(ctx, grad):  # shared evenly by the elements equal to the median
        return ctx.xp.where(ctx.mask, grad / ctx.count, 0)


def _pick_along(op, input, dim, keepdim, position):
    """(values, indices) of the element at ``position(n)`` of each sorted row along ``dim`` (nan sorts
    last); values are a gather, so the gradient goes to the element picked (PyTorch's)."""
    d = dim_arg(dim, input.ndim, op)
    if input.dtype.kind == "b":
        raise DTypeError(f"{op}: not implemented for bool tensors; convert with .int() first")
    if input.ndim == 0:
        return input.clone(), Tensor._make(get_array_module(input._data).zeros((), dtype=int64))
    n = input.shape[d]
    k = position(n)
    a = input._data
    xp = get_array_module(a)
    index = by_input.take(_argsort(a, d, False), xp.asarray([k]), axis=d)  # (keepdim)
    if op == "median" and a.dtype.kind == "f":  # a row with a nan: its first nan, as PyTorch's
        nans = xp.isnan(a)
        index = xp.where(nans.any(axis=d, keepdims=True), xp.argmax(nans, axis=d, keepdims=True), index)
    index = by_input.ascontiguousarray(index).astype(int64)
    values = Gather.apply(input, dim=d, index=index)
    indices = Tensor._make(index)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return values, indices


@register("median")
def median(input, dim=None, keepdim=False):
    """The lower of the two middle values (of everything, or along ``dim`` with its indices); nan if
    there is a nan."""
    if input.dtype.kind == "b":
        raise DTypeError("median: not implemented for bool tensors; convert with .int() first")
    if dim is None:
        return Median.apply(input)
    d = dim_arg(dim, input.ndim, "median")
    if input.ndim and input.shape[d] == 0:
        raise OutOfRangeError(f"median: dim {dim} of the tensor of shape {tuple(input.shape)} is empty")
    return median_type(*_pick_along("median", input, dim, keepdim, lambda n: (n - 1) // 2))


@register("kthvalue")
def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest element along ``dim`` (k counts from 1) and its index; nan counts as the largest."""
    k = int_arg(k, "kthvalue", "k")
    n = input.shape[dim_arg(dim, input.ndim, "kthvalue")] if input.ndim else 1
    if not 1 <= k <= n:
        raise OutOfRangeError(f"kthvalue: k={k} is out of range for dim {dim} of size {n} (1 <= k <= {n})")
    return kthvalue_type(*_pick_along("kthvalue", input, dim, keepdim, lambda n: k - 1))


# ----------------------------------------------------------------- selecting, counting, searching


class NoDerivative(Function):
    """The output of an op PyTorch has no derivative for (unique, bincount, histogram), computed by its
    front: it requires grad when its input does, and backward refuses with PyTorch's exception class."""

    exact_dtype = True  # (bincount's float64 counts from float16 weights stay float64)

    def forward(ctx, a, values, op, error=NotImplementedError):
        ctx.op, ctx.error = op, error
        return values

    def backward(ctx, grad):
        raise ctx.error(f"{ctx.op}: the derivative is not implemented (as in PyTorch); compute "
                        "the result under ag.no_grad() or from a detached tensor")


def nonzero(input, *, as_tuple=False):
    """The indices of the non-zero elements: an int64 (count, ndim) tensor, or a tuple of one 1-d
    tensor per dim with ``as_tuple`` (a 0-d input counts as 1-d there)."""
    a = input._data
    xp = get_array_module(a)
    if as_tuple:
        return tuple(Tensor._make(i.astype(int64)) for i in xp.nonzero(a.reshape(-1) if a.ndim == 0 else a))
    return Tensor._make(xp.argwhere(a).astype(int64))


register("nonzero", nonzero)
register("argwhere", lambda input: nonzero(input))


@register("masked_select")
def masked_select(input, mask):
    """The elements of ``input`` where the bool ``mask`` is True (the two broadcast), as a 1-d tensor."""
    if not isinstance(mask, Tensor) or mask.dtype.kind != "b":
        what = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise DTypeError(f"masked_select: expected a bool tensor for mask, got {what}; compare first (x > 0)")
    shape = broadcast_shape("masked_select", input.shape, mask.shape)
    return input.broadcast_to(shape)[mask.broadcast_to(shape)]


@register("unique")
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values, sorted (each nan counts as distinct, as PyTorch's); with ``return_inverse``
    where each element went, with ``return_counts`` how often each value occurs. With ``dim``, the
    distinct slices along it."""
    a = input._data
    xp = get_array_module(a)
    if dim is None:
        values, inverse, counts = xp.unique(a.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inverse = inverse.reshape(a.shape)
    else:
        if input.ndim == 0:
            raise OutOfRangeError("unique: a 0-d tensor has no dim to take distinct slices along; leave dim out")
        d = dim_arg(dim, input.ndim, "unique")
        if any(n == 0 for k, n in enumerate(a.shape) if k != d):
            raise ArgumentError(f"unique: the shape {a.shape} has a zero-sized dimension other than dim {dim}, so "
                                "unique cannot be applied along it")
        values, inverse, counts = xp.unique(a, return_inverse=True, return_counts=True, axis=d, equal_nan=False)
        inverse = inverse.reshape(-1)
    out = NoDerivative.apply(input, values=values, op="unique")
    extras = ([Tensor._make(inverse.astype(int64))] if return_inverse else []) + \
        ([Tensor._make(counts.astype(int64))] if return_counts else [])
    return (out, *extras) if extras else out


@register("bincount")
def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in a 1-d non-negative integer tensor (at least ``minlength``
    bins); with ``weights``, the sum of the weights of each value's elements."""
    minlength = int_arg(minlength, "bincount", "minlength")
    if input.ndim != 1 or input.dtype.kind not in "iu" or input.dtype.kind == "b":
        raise ArgumentError(f"bincount: only supports 1-d non-negative integer inputs, got {input.dtype} of "
                            f"shape {tuple(input.shape)}")
    a = input._data
    if a.size and a.min() < 0:
        raise ArgumentError(f"bincount: only supports non-negative inputs, got {int(a.min())}")
    if minlength < 0:
        raise ArgumentError(f"bincount: minlength should be >= 0, got {minlength}")
    xp = get_array_module(a)
    if weights is None:
        return Tensor._make(xp.bincount(a, minlength=minlength).astype(int64))
    if not isinstance(weights, Tensor) or weights.shape != input.shape:
        what = tuple(weights.shape) if isinstance(weights, Tensor) else type(weights).__name__
        raise ShapeError(f"bincount: weights should be 1-d and have the same length as input {tuple(input.shape)}, "
                         f"got {what}")
    dtype = weights.dtype if weights.dtype == host.float32 else host.float64  # (PyTorch's: float32 stays)
    counts = xp.bincount(a, weights=weights._data.astype(host.float64), minlength=minlength).astype(dtype)
    return NoDerivative.apply(weights, values=counts, op="bincount")


def _search(op, sorted_sequence, values, right, sorter=None):
    """searchsorted's positions: int64, one per value, in the last dim of ``sorted_sequence``."""
    seq = sorted_sequence._data
    xp = get_array_module(seq)
    if seq.dtype.kind == "b" or getattr(values, "dtype", None) == bool:
        raise DTypeError(f"{op}: not implemented for bool tensors; convert with .int() first")
    if sorter is not None:
        if not isinstance(sorter, Tensor) or sorter.dtype != int64 or sorter.shape != sorted_sequence.shape:
            raise ArgumentError(f"{op}: sorter must be an int64 tensor of the sorted_sequence's shape "
                                f"{tuple(sorted_sequence.shape)}")
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    side = "right" if right else "left"
    if seq.ndim == 0:
        raise ShapeError(f"{op}: the sorted sequence must have at least 1 dimension, got a 0-d tensor")
    if seq.ndim == 1:
        return xp.asarray(xp.searchsorted(seq, values, side=side), dtype=int64)
    if values.ndim != seq.ndim or values.shape[:-1] != seq.shape[:-1]:
        raise ShapeError(f"{op}: the sorted sequence must be 1-d, or its leading dims {seq.shape[:-1]} must "
                         f"match the input's, got input shape {values.shape}")
    n = math.prod(seq.shape[:-1])  # (one search per row)
    rows, wanted = seq.reshape(n, seq.shape[-1]), values.reshape(n, values.shape[-1])
    out = xp.zeros(wanted.shape, dtype=int64)
    for k in range(n):
        out[k] = xp.searchsorted(rows[k], wanted[k], side=side)
    return out.reshape(values.shape)


@register("searchsorted", method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of ``input`` would go in the last dim of ``sorted_sequence`` to keep it sorted:
    before equal elements, or after them with ``right=True`` (or side='right')."""
    if side is not None:
        if side not in ("left", "right"):
            raise ArgumentError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ArgumentError("searchsorted: side='left' and right=True contradict each other; give one")
        right = side == "right"
    if not isinstance(sorted_sequence, Tensor):
        raise TypeError(f"searchsorted: sorted_sequence must be a tensor, got {type(sorted_sequence).__name__}")
    if isinstance(input, Tensor):
        values = input._data
    elif isinstance(input, (int, float)) and not isinstance(input, bool):
        if sorted_sequence.ndim != 1:
            raise ShapeError("searchsorted: a number as input needs a 1-d sorted_sequence, got shape "
                             f"{tuple(sorted_sequence.shape)}")
        values = get_array_module(sorted_sequence._data).asarray(input)
    else:
        raise TypeError(f"searchsorted: input must be a tensor or a number, got {type(input).__name__}")
    out = _search("searchsorted", sorted_sequence, values, right, sorter)
    return Tensor._make(out.astype(host.int32) if out_int32 else out)


@register("bucketize", method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each element: i such that boundaries[i-1] < x <= boundaries[i] (with ``right=True``,
    boundaries[i-1] <= x < boundaries[i]); ``boundaries`` is 1-d and sorted."""
    if not isinstance(boundaries, Tensor) or boundaries.ndim != 1:
        what = tuple(boundaries.shape) if isinstance(boundaries, Tensor) else type(boundaries).__name__
        raise ShapeError(f"bucketize: boundaries must be a 1-d tensor, got {what}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
