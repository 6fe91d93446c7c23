"""Scans along a dim: cumsum, cumprod, logcumsumexp, cummax and cummin.

    cumsum:       out_j = sum_{i<=j} a_i          d/da_i = sum_{j>=i} G_j  (a reversed cumsum)
    cumprod:      out_j = prod_{i<=j} a_i         d/da_i = sum_{j>=i} G_j prod_{k<=j, k!=i} a_k
    logcumsumexp: out_j = log sum_{i<=j} e^a_i    d/da_i = sum_{j>=i} G_j e^(a_i - out_j)
    cummax:       the running maximum and where it was attained; its values are a gather.

Integer and bool inputs of cumsum and cumprod accumulate in int64, as in PyTorch.
"""
import collections

from ..backend import by_input, get_array_module, host

from ..dtypes import int64
from ..function import Function, Rule, ShapeError, register
from ..graph import Variable
from ..node_names import node_name
from ..tensor import Tensor
from .args import dim_arg
from .index import Gather
from .shape import fitted
from .promote import DTypeError

cummax_type = collections.namedtuple("cummax", ["values", "indices"])
cummin_type = collections.namedtuple("cummin", ["values", "indices"])


def _reverse(x, axis):
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


def _reverse_cumsum(g, axis):
    """sum_{j >= i} g_j along ``axis`` (arrays, or Tensors when the backward builds a graph)."""
    if isinstance(g, Variable):
        return _reverse(Cumsum.apply(_reverse(g, axis), axis=axis), axis)
    return by_input.flip(by_input.cumsum(by_input.flip(g, axis), axis=axis), axis)


class Cumsum(Function):
    rule = Rule("out_j = sum of a_i for i <= j", ("d/da_i = sum of G_j for j >= i",),
                "Each element was added into every later output: it collects their gradients.")

    def forward(ctx, a, axis):
        ctx.axis = axis
        return ctx.xp.cumsum(a, axis=axis, dtype=a.dtype)  # in a's own dtype (numpy: int32 as int64)

    def backward(ctx, grad):  # a reversed cumulative sum of the gradient
        return _reverse_cumsum(grad, ctx.axis)


class Cumprod(Function):
    rule = Rule("out_j = product of a_i for i <= j", ("d/da_i = sum over j >= i of G_j * out_j / a_i",),
                "Each element scales every later output; where it is 0 the others' product is used.")

    def forward(ctx, a, axis):
        out = ctx.xp.cumprod(a, axis=axis, dtype=a.dtype)
        ctx.axis = axis
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        axis = ctx.axis
        if not (by_input.asarray(a._data if isinstance(a, Variable) else a) == 0).any():
            return _reverse_cumsum(grad * out, axis) / a  # sum_{j>=i} G_j out_j / a_i
        return _cumprod_grad_with_zeros(a, grad, axis)


def _cumprod_grad_with_zeros(a, grad, axis):
    """Exact where a has zeros: for each i, the cumprod with a_i replaced by 1, times G, summed over j >= i."""
    n = a.shape[axis]
    parts = []
    for i in range(n):
        one_hot = get_array_module(a).zeros(n, dtype=bool)
        one_hot[i] = True
        keep = one_hot.reshape((n,) + (1,) * (a.ndim - axis - 1))
        replaced = a * ~keep + keep  # a with a_i set to 1 (written with ops: also a graph when needed)
        prods = Cumprod.apply(replaced, axis=axis) if isinstance(replaced, Variable) else by_input.cumprod(replaced, axis)
        later = (get_array_module(a).arange(n) >= i).reshape(keep.shape)
        parts.append((grad * prods * later).sum(axis, keepdims=True) if not isinstance(grad, Variable)
                     else (grad * prods * Tensor._make(later)).sum(axis, keepdim=True))
    if isinstance(parts[0], Variable):
        from .shape import cat
        return cat(parts, axis)
    return by_input.concatenate(parts, axis=axis)


class LogCumSumExp(Function):
    rule = Rule("out_j = log(sum of e^a_i for i <= j)", ("d/da_i = sum over j >= i of G_j * e^(a_i - out_j)",),
                "A running softmax: each element gets its share of every later output's gradient.")
    name = node_name("LogcumsumexpBackward0")

    def forward(ctx, a, axis):
        out = ctx.xp.logaddexp.accumulate(a, axis=axis)  # stable: never exponentiates a large number
        ctx.axis = axis
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        axis = ctx.axis
        if isinstance(grad, Variable):  # the plain formula, as a graph
            return ctx.xp.exp(a) * _reverse_cumsum(grad * ctx.xp.exp(-out), axis)
        # stable: the positive and negative parts of G, each summed in log space
        with host.errstate(divide="ignore"):
            log_pos = by_input.where(grad > 0, by_input.log(by_input.abs(grad)), -host.inf) - out
            log_neg = by_input.where(grad < 0, by_input.log(by_input.abs(grad)), -host.inf) - out

        def reverse_lse(x):
            return by_input.flip(by_input.logaddexp.accumulate(by_input.flip(x, axis), axis=axis), axis)

        return by_input.exp(reverse_lse(log_pos) + a) - by_input.exp(reverse_lse(log_neg) + a)


def _scan_input(input, dim, dtype, op):
    axis = dim_arg(dim, input.ndim, op)
    x = input if dtype is None else input.to(dtype)
    if dtype is None and x.dtype.kind in "biu":
        x = x.to(int64)
    return (x.reshape(1) if x.ndim == 0 else x), axis


@register("cumsum", inplace=True)
def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``; integers and bools accumulate in int64 unless ``dtype`` is given."""
    x, axis = _scan_input(input, dim, dtype, "cumsum")
    return fitted(Cumsum.apply(x, axis=axis), input.shape)


@register("cumprod", inplace=True)
def cumprod(input, dim, *, dtype=None):
    """Running product along ``dim``; integers and bools accumulate in int64 unless ``dtype`` is given."""
    x, axis = _scan_input(input, dim, dtype, "cumprod")
    return fitted(Cumprod.apply(x, axis=axis), input.shape)


@register("logcumsumexp")
def logcumsumexp(input, dim):
    """log(cumsum(exp(x))) along ``dim``, computed without overflow."""
    if input.dtype.kind != "f":
        raise DTypeError(f"logcumsumexp: not implemented for {input.dtype} tensors; use .float() first")
    axis = dim_arg(dim, input.ndim, "logcumsumexp")
    x = input.reshape(1) if input.ndim == 0 else input
    return fitted(LogCumSumExp.apply(x, axis=axis), input.shape)


def _running(input, dim, largest, op):
    """(values, indices) of the running max (min): the index is the latest position that attains it."""
    axis = dim_arg(dim, input.ndim, op)
    x = input.reshape(1) if input.ndim == 0 else input
    a = x._data
    values = (by_input.maximum if largest else by_input.minimum).accumulate(a, axis=axis)  # NaN propagates
    attains = (a == values) | (by_input.isnan(a) if a.dtype.kind == "f" else False)
    shape = [1] * a.ndim
    shape[axis] = -1
    positions = by_input.where(attains, get_array_module(a).arange(a.shape[axis]).reshape(shape), 0)
    index = by_input.maximum.accumulate(positions, axis=axis).astype(int64)
    return fitted(Gather.apply(x, dim=axis, index=index), input.shape), Tensor._make(index.reshape(input.shape))


@register("cummax")
def cummax(input, dim):
    """(values, indices) of the running maximum along ``dim`` (the latest of equal maxima)."""
    return cummax_type(*_running(input, dim, True, "cummax"))


@register("cummin")
def cummin(input, dim):
    """(values, indices) of the running minimum along ``dim`` (the latest of equal minima)."""
    return cummin_type(*_running(input, dim, False, "cummin"))


def _trapezoid_parts(y, x, dx, dim, op):
    """(axis, left, right, spacing) of the trapezoid rule along ``dim``: y's samples without the last
    and without the first, and the spacing: x's differences (x 1-d of one value per sample, or
    broadcasting against y, leading dims padded) or the number ``dx`` (1 by default)."""
    if x is not None and dx is not None:
        raise TypeError(f"{op}: give the sample points x or the spacing dx, not both")
    axis = dim_arg(dim, y.ndim, op)
    if y.dtype.kind == "b" or (x is not None and x.dtype.kind == "b"):
        raise DTypeError(f"{op}: received a bool input for `y`, but bool is not supported")
    n = y.shape[axis]
    left, right = y.narrow(axis, 0, max(n - 1, 0)), y.narrow(axis, min(n, 1), max(n - 1, 0))
    if x is None:
        return axis, left, right, 1 if dx is None else dx
    if x.ndim == 1:
        if x.shape[0] != n:
            raise ShapeError(f"{op}: There must be one `x` value for each sample point: x has {x.shape[0]}, "
                             f"y has {n} along dim {dim}")
        x = x.reshape(tuple(n if i == axis else 1 for i in range(y.ndim)))
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    m = x.shape[axis]
    return axis, left, right, x.narrow(axis, min(m, 1), max(m - 1, 0)) - x.narrow(axis, 0, max(m - 1, 0))


@register(("trapezoid", "trapz"), method=False)
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoid rule along ``dim``: sum of spacing_i * (y_i + y_(i+1)) / 2, the spacing x's
    differences or ``dx``; computed as PyTorch's: with a number dx, (sum(y) - (y_first + y_last) / 2) * dx.
    No samples give 0."""
    axis, left, right, spacing = _trapezoid_parts(y, x, dx, dim, "trapezoid")
    if y.shape[axis] == 0:
        return y.sum(axis) * 0
    if not isinstance(spacing, Tensor):
        return (y.sum(axis) - (y.select(axis, 0) + y.select(axis, -1)) * 0.5) * spacing
    return ((left + right) * spacing).sum(axis) / 2.0


@register("cumulative_trapezoid", method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid rule along ``dim`` (one value fewer than y's samples), as torch's."""
    axis, left, right, spacing = _trapezoid_parts(y, x, dx, dim, "cumulative_trapezoid")
    if not isinstance(spacing, Tensor):
        return (spacing / 2.0 * (left + right)).cumsum(axis)
    return ((left + right) * spacing).cumsum(axis) / 2.0
