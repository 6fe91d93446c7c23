"""Reductions, and the fused softmax family (fused for numerical stability).

``axis`` arrives normalised by Tensor: None or a tuple of non-negative ints.
"""
import builtins
import collections
import math

from ..backend import host

from ..dtypes import get_default_dtype, int64, is_floating
from ..function import Function, NonDifferentiable, Rule, register
from ..graph import Variable
from ..node_names import node_name, overloaded
from .args import ArgumentError, OutOfRangeError, axes, count, dim_arg, is_int, pick
from .promote import DTypeError

return_types = collections.namedtuple("max", ["values", "indices"])


def keepdims_shape(shape, axis):
    """``shape`` with every reduced axis kept as size 1."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def reduced(out, shape, axis, keepdims):
    """``out`` computed with keepdims=True, with the reduced axes dropped unless ``keepdims``."""
    if keepdims:
        return out
    return out.reshape(tuple(n for i, n in enumerate(shape) if axis is not None and i not in axis))


SPREAD_AS_VIEW = 1 << 16  # elements: from here a sum's gradient is a broadcast view, not a copy


def _spread(ctx, grad, shape, axis):
    """Send a reduced gradient back over the reduced axes (the backward of a sum)."""
    grad = grad.reshape(keepdims_shape(shape, axis) if axis is not None else (1,) * len(shape))
    if isinstance(grad, Variable) or math.prod(shape) >= SPREAD_AS_VIEW:
        return ctx.xp.broadcast_to(grad, shape)  # a read-only view: no pass over a big gradient's memory
    out = ctx.xp.empty(shape, dtype=grad.dtype)  # small: one C-level copy beats numpy's Python-level broadcast_to
    out[...] = grad
    return out


class Sum(Function):
    rule = Rule("out = sum(a)", ("d(sum a)/da_i = 1",),
                "A sum copies the gradient back to every element it added up.")
    name = node_name("SumBackward0", lambda node: node.axis is not None and "SumBackward1")  # (over dims)

    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis = a.shape, axis
        xp = ctx.xp  # a.sum() minus numpy's Python layer, in a's own dtype (numpy would sum int32 as int64);
        if axis is None and not keepdims and xp is host:  # the whole sum into a 0-d array, not a numpy scalar
            return xp.add.reduce(a, axis=None, dtype=a.dtype, out=xp.empty((), a.dtype))  # that apply converts
        return xp.add.reduce(a, axis=axis, keepdims=keepdims, dtype=a.dtype)

    def backward(ctx, grad):  # d(sum a)/da_i = 1: copy the gradient to every summed element
        return _spread(ctx, grad, ctx.shape, ctx.axis)


class Mean(Function):
    """The mean as one node (PyTorch's MeanBackward0): the sum in the input's dtype, divided by the
    count; the same numbers as sum() / n, one node instead of two."""

    rule = Rule("out = sum(a) / n", ("d/da_i = 1 / n",),
                "A mean copies the gradient, divided by the count, back to every element it averaged.")
    name = node_name("MeanBackward0", lambda node: node.axis is not None and "MeanBackward1")

    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis = a.shape, axis
        ctx.n = n = count(a.shape, axis)
        total = ctx.xp.add.reduce(a, axis=axis, keepdims=keepdims, dtype=a.dtype)
        if n == 0:  # the mean of nothing is nan, as PyTorch's (without numpy's warning)
            return ctx.xp.full_like(total, math.nan)
        return total / a.dtype.type(n) if a.dtype.kind == "f" else total / n

    def backward(ctx, grad):  # d mean(a)/da_i = 1 / n
        return _spread(ctx, grad / ctx.n, ctx.shape, ctx.axis)


class Amax(Function):
    """max/min over axes; tied elements share the gradient equally (torch.amax)."""

    rule = Rule("out = max(a)", ("d max(a)/da_i = 1 for the largest element (shared among ties)",),
                "Only the largest element gets the gradient.")
    name = node_name("AmaxBackward0", lambda node: not node.largest and "AminBackward0")  # (x.max(): MaxBackward1)

    def forward(ctx, a, axis=None, keepdims=False, largest=True, nan_chosen=False):
        out = (a.max if largest else a.min)(axis=axis, keepdims=True)
        ctx.shape, ctx.axis, ctx.largest = a.shape, axis, largest
        chosen = a == out
        if nan_chosen and ctx.xp.isnan(out).any():  # max(): a nan is the extreme and gets the gradient (amax: nan)
            chosen |= ctx.xp.isnan(a) & ctx.xp.isnan(out)
        ctx.save_for_backward((chosen / chosen.sum(axis=axis, keepdims=True)).astype(a.dtype, copy=False))  # (not float64)
        return reduced(out, a.shape, axis, keepdims)

    def backward(ctx, grad):  # d max(a)/da_i = 1 for the max element (split among ties)
        (share,) = ctx.saved_tensors
        return _spread(ctx, grad, ctx.shape, ctx.axis) * share


class MaxDim(Function):
    """max/min along one dim, returning the values at ``argmax`` (torch.max(x, dim))."""

    rule = Rule("out = max(a, dim)", ("d/da_i = 1 for the chosen element",),
                "Only the element that was picked gets the gradient.")
    name = node_name("MaxBackward0", lambda node: not node.largest and "MinBackward0")

    def forward(ctx, a, axis, keepdims=False, largest=True):
        xp = ctx.xp
        index = (xp.argmax if largest else xp.argmin)(a, axis=axis, keepdims=True)
        chosen = xp.zeros(a.shape, dtype=bool)
        xp.put_along_axis(chosen, index, True, axis=axis)
        ctx.shape, ctx.axis, ctx.index, ctx.largest = a.shape, (axis,), index, largest
        ctx.save_for_backward(chosen)
        out = xp.take_along_axis(a, index, axis=axis)
        return out if keepdims else out.squeeze(axis)

    def backward(ctx, grad):  # only the chosen element gets the gradient
        (chosen,) = ctx.saved_tensors
        return _spread(ctx, grad, ctx.shape, ctx.axis) * chosen


class Prod(Function):
    rule = Rule("out = prod(a)", ("d(prod a)/da_i = product of the other elements",),
                "Each element's gradient is the product of all the others.")
    name = node_name("ProdBackward0", lambda node: node.axis is not None and "ProdBackward1")

    def forward(ctx, a, axis=None, keepdims=False):
        out = reduced(a.prod(axis=axis, keepdims=True, dtype=a.dtype), a.shape, axis, keepdims)
        ctx.shape, ctx.axis = a.shape, axis
        ctx.save_for_backward(a, out)  # the output itself, so create_graph differentiates through it
        return out

    def backward(ctx, grad):  # d(prod a)/da_i = product of all the other elements
        a, out = ctx.saved_tensors
        grad = _spread(ctx, grad, ctx.shape, ctx.axis)
        if isinstance(a, Variable):  # create_graph: differentiable, and out / a would be nan at a zero
            return grad * _product_of_others(a, ctx.axis, ctx.xp) if (a == 0).any() else \
                grad * out.reshape(keepdims_shape(ctx.shape, ctx.axis)) / a
        if (a == 0).any():
            if ctx.axis is None and (a == 0).sum() > 1:  # two zeros: every product of others is 0 (PyTorch
                return grad * 0                             # says so even beside an inf, where 0 * inf is nan)
            return grad * _product_of_others(a, ctx.axis, ctx.xp)
        return grad * out.reshape(keepdims_shape(ctx.shape, ctx.axis)) / a


def _product_of_others(a, axis, xp):
    """prod_{j != i} a_j along the reduced axes, exact even where a has zeros."""
    axis = tuple(range(a.ndim)) if axis is None else axis
    kept = [i for i in range(a.ndim) if i not in axis]
    order = kept + list(axis)
    moved = xp.transpose(a, order)
    flat = moved.reshape(tuple(moved.shape[:len(kept)]) + (-1,))
    ones = xp.ones_like(flat[..., :1])
    left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
    others = (left * right).reshape(tuple(moved.shape))
    return xp.transpose(others, [order.index(i) for i in range(len(order))])


def _max_keepdims(xp, a, axis):
    """``a.max(axis, keepdims=True)``, -inf where the reduced axes are empty (numpy's ``initial=``,
    which CuPy's max does not take)."""
    if a.size:
        return a.max(axis=axis, keepdims=True)
    axes = (axis,) if isinstance(axis, int) else axis
    return xp.full(keepdims_shape(a.shape, None if axes is None else [i % a.ndim for i in axes]), -host.inf,
                   dtype=a.dtype)


class LogSumExp(Function):
    rule = Rule("out = log(sum(exp(a)))", ("d/da = softmax(a)",),
                "The gradient is spread by the softmax of the input.")
    name = node_name("LogsumexpBackward0")

    def forward(ctx, a, axis=None, keepdims=False):
        xp = ctx.xp
        m = _max_keepdims(xp, a, axis)  # (-inf when empty: the sum of nothing is 0)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf rows stay -inf instead of nan
        out = reduced(xp.log(xp.exp(a - m).sum(axis=axis, keepdims=True)) + m, a.shape, axis, keepdims)
        ctx.shape, ctx.axis = a.shape, axis
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):  # d logsumexp(a)/da = softmax(a)
        a, out = ctx.saved_tensors
        keep = keepdims_shape(ctx.shape, ctx.axis)
        return _spread(ctx, grad, ctx.shape, ctx.axis) * ctx.xp.exp(a - out.reshape(keep))


class Softmax(Function):
    rule = Rule("s = softmax(a)", ("d/da = s * (G - sum(G * s))",),
                "The Jacobian of softmax, applied without building it.")

    def forward(ctx, a, axis):
        xp = ctx.xp
        ctx.axis = axis
        e = xp.exp(a - _max_keepdims(xp, a, axis))  # (an empty input stays empty)
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # ds/da = s * (g - sum(g * s))
        (s,) = ctx.saved_tensors
        return s * (grad - (grad * s).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    rule = Rule("out = log_softmax(a)", ("d/da = G - softmax(a) * sum(G)",),
                "The gradient minus the softmax times its total.")

    def forward(ctx, a, axis):
        xp = ctx.xp
        ctx.axis = axis
        shifted = a - _max_keepdims(xp, a, axis)  # (an empty input stays empty)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d log_softmax/da = g - softmax(a) * sum(g)
        (out,) = ctx.saved_tensors
        return grad - ctx.xp.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)


# ----------------------------------------------------------------- front functions


def _float_only(input, op):
    if not is_floating(input.dtype):
        raise DTypeError(f"{op}: expected a floating-point tensor, got dtype {input.dtype}; use .float() first")


@register("sum")
def sum(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    """Sum over ``dim`` (all by default); integer and bool inputs sum to int64, as in PyTorch.
    With ``dtype`` the input is cast first (float32 summed as int32 truncates each element)."""
    if dim is None and axis is None and keepdim is False and keepdims is None and dtype is None and \
            input._data.dtype.kind in "fc":
        return Sum.apply(input)  # the whole of a float tensor (loss.sum()): nothing to check
    dim, keepdim = pick(dim, axis, keepdim, keepdims, "sum")
    dims = axes(dim, input.ndim, "sum")
    x = input if dtype is None else input.to(dtype)
    if dtype is None and x.dtype.kind in "biu":
        x = x.to(int64)
    return Sum.apply(x, axis=dims, keepdims=keepdim)


@register("mean")
def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    dim, keepdim = pick(dim, axis, keepdim, keepdims, "mean")
    dims = axes(dim, input.ndim, "mean")
    if not is_floating(input.dtype if dtype is None else host.dtype(dtype)):
        raise DTypeError(f"mean: input dtype should be floating point, got {input.dtype}; use .float() first")
    x = input if dtype is None else input.to(dtype)
    return Mean.apply(x, axis=dims, keepdims=keepdim)


class Var(Function):
    """The variance as one node, for its numbers (as in PyTorch): the mean is taken in the input's
    dtype, then float32 inputs are centred and squared in float64, so values near float32's limits
    (1e38, denormals) neither overflow nor vanish on the way to a representable result."""

    rule = Rule("out = sum((a - mean)^2) / (n - c)", ("d/da_i = 2 (a_i - mean) / (n - c)",),
                "Each element's gradient is its distance from the mean, scaled by 2 / (n - c).")

    def forward(ctx, a, axis=None, keepdims=False, correction=1):
        out = _variance(ctx, a, axis, keepdims, correction).astype(a.dtype, copy=False)
        ctx.save_for_backward(a)
        return out

    def backward(ctx, grad):  # d var/da_i = 2 (a_i - mean) / (n - c)
        (a,) = ctx.saved_tensors
        return _variance_grad(ctx, grad, a)


class Std(Function):
    rule = Rule("out = sqrt(var(a))", ("d/da_i = (a_i - mean) / ((n - c) out), 0 where out = 0",),
                "The variance's gradient divided by 2 out; a constant input (out = 0) gets 0, as in PyTorch.")

    def forward(ctx, a, axis=None, keepdims=False, correction=1):
        out = ctx.xp.sqrt(_variance(ctx, a, axis, keepdims, correction)).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):  # d sqrt(v)/dv = 1 / (2 out), taken as 0 where out = 0 (PyTorch's choice)
        a, out = ctx.saved_tensors
        with host.errstate(divide="ignore", invalid="ignore"):
            grad_var = ctx.xp.where(out == 0, 0, grad / (2 * out))
        return _variance_grad(ctx, grad_var, a)


def _variance(ctx, a, axis, keepdims, correction):
    """sum((a - mean)^2) / max(n - c, 0), summed in float64; remembers what backward needs."""
    xp, n = ctx.xp, count(a.shape, axis)
    ctx.shape, ctx.axis, ctx.n, ctx.correction = a.shape, axis, n, correction
    ctx.scale = 2.0 / (n - correction) if n != correction else math.inf  # PyTorch's 2 / (n - c), unclamped
    with host.errstate(divide="ignore", invalid="ignore", over="ignore"):  # n - c <= 0: inf or nan, as PyTorch
        mean = xp.add.reduce(a, axis=axis, keepdims=True) / n  # in a's dtype, as PyTorch's mean
        centred = a.astype(host.float64)  # a copy: centred and squared in place
        centred -= mean
        centred *= centred
        return xp.add.reduce(centred, axis=axis, keepdims=keepdims) / builtins.max(n - correction, 0)


def _variance_grad(ctx, grad, a):
    """2 / (n - c) * grad * (a - mean), in a's dtype: PyTorch's var_backward (which, over all
    elements with n - c <= 0, gives inf, or nan where an element equals the mean)."""
    grad = grad.reshape(keepdims_shape(ctx.shape, ctx.axis))
    with host.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf and nan as PyTorch gives them
        mean = a.sum(axis=ctx.axis, keepdims=True) / ctx.n
        if ctx.axis is None and ctx.n <= ctx.correction:
            return ctx.xp.where(a == mean, grad * math.nan, grad * math.inf)
        return ctx.scale * grad * (a - mean)


@register("var")
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """sum((x - mean)^2) / (n - correction); correction 1 (Bessel's) by default."""
    return _dispersion(Var, "var", input, dim, unbiased, keepdim, correction, axis, keepdims)


@register("std")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """sqrt(var), with var's arguments."""
    return _dispersion(Std, "std", input, dim, unbiased, keepdim, correction, axis, keepdims)


@register("var_mean")
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over ``dim`` in one call, as torch.var_mean."""
    return _dispersion(Var, "var_mean", input, dim, unbiased, keepdim, correction), mean(input, dim, keepdim)


@register("std_mean")
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over ``dim`` in one call, as torch.std_mean."""
    return _dispersion(Std, "std_mean", input, dim, unbiased, keepdim, correction), mean(input, dim, keepdim)


def _dispersion(op, name, input, dim, unbiased, keepdim, correction, axis=None, keepdims=None):
    """var or std (``op``) over ``dim``: sum((x - mean)^2) / (n - correction), correction 1 by default."""
    dim, keepdim = pick(dim, axis, keepdim, keepdims, name)
    _float_only(input, name)
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    return op.apply(input, axis=axes(dim, input.ndim, name), keepdims=keepdim, correction=correction)


def _extreme(input, dim, keepdim, largest, axis=None, keepdims=None):
    """max/min: of everything, along one dim (values and indices), or of two tensors elementwise."""
    from .math import maximum, minimum

    name = "max" if largest else "min"
    if isinstance(dim, Variable) and not is_int(dim):  # torch.max(a, b) is the elementwise maximum
        return maximum(input, dim) if largest else minimum(input, dim)
    dim, keepdim = pick(dim, axis, keepdim, keepdims, name)
    if dim is None:
        if input.numel() == 0:
            raise OutOfRangeError(f"{name}: the tensor is empty; there is no extreme value (give a dim)")
        out = Amax.apply(input, axis=None, keepdims=False, largest=largest, nan_chosen=True)  # (as PyTorch)
        return overloaded(out, "MaxBackward1" if largest else "MinBackward1", Amax)  # (x.max(dim): MaxBackward0)
    axis = dim_arg(dim, input.ndim, name)
    if input.ndim == 0:
        return return_types(input.clone(), ArgExtreme.apply(input, axis=None, keepdims=False, largest=largest))
    if input.shape[axis] == 0:
        raise OutOfRangeError(f"{name}: dim {dim} of the tensor of shape {tuple(input.shape)} is empty; "
                         "there is no extreme value along it")
    values = MaxDim.apply(input, axis=axis, keepdims=keepdim, largest=largest)
    return return_types(values, ArgExtreme.apply(input, axis=axis, keepdims=keepdim, largest=largest))


@register("max")
def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _extreme(input, dim, keepdim, True, axis, keepdims)


@register("min")
def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _extreme(input, dim, keepdim, False, axis, keepdims)


def _amax(input, dim, keepdim, largest):
    name = "amax" if largest else "amin"
    listed = () if dim is None else dim if isinstance(dim, (tuple, list)) else (dim,)
    reduced_dims = [dim_arg(d, input.ndim, name) for d in listed] if listed and input.ndim else range(input.ndim)
    empty = [a for a in reduced_dims if input.shape[a] == 0]
    if empty:
        raise OutOfRangeError(f"{name}: tensor of shape {tuple(input.shape)} is empty along the reduced dims; "
                              "there is no extreme value")
    dims = axes(dim, input.ndim, name)
    _, keepdim = pick(None, None, keepdim, None, name)
    return Amax.apply(input, axis=dims, keepdims=keepdim, largest=largest)


@register("amax")
def amax(input, dim=(), keepdim=False):
    return _amax(input, dim, keepdim, True)


@register("amin")
def amin(input, dim=(), keepdim=False):
    return _amax(input, dim, keepdim, False)


@register("prod")
def prod(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    """Product over one ``dim`` (all by default); integer and bool inputs multiply as int64."""
    dim, keepdim = pick(dim, axis, keepdim, keepdims, "prod")
    axis = None if dim is None else dim_arg(dim, input.ndim, "prod")
    x = input if dtype is None else input.to(dtype)
    if dtype is None and x.dtype.kind in "biu":
        x = x.to(int64)
    return Prod.apply(x, axis=None if axis is None or input.ndim == 0 else (axis,), keepdims=keepdim)


@register("logsumexp")
def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = pick(dim, axis, keepdim, keepdims, "logsumexp")
    if dim is None:
        raise TypeError("logsumexp: dim is required (an int or a tuple of ints), as in PyTorch")
    if isinstance(dim, (tuple, list)) and len(dim) == 0 and input.ndim:
        raise ArgumentError("logsumexp: dim=() is not supported; give the dims to reduce")
    if input.dtype.kind in "biu":  # integers and bools in the default float dtype, as PyTorch (uint8 a - max wrapped)
        input = input.to(get_default_dtype())
    return LogSumExp.apply(input, axis=axes(dim, input.ndim, "logsumexp"), keepdims=keepdim)


def _softmax_dim(input, dim, axis, op):
    _float_only(input, op)
    dim = dim_arg(dim if axis is None else axis, input.ndim, op)
    return None if input.ndim == 0 else dim


@register("softmax")
def softmax(input, dim=-1, *, axis=None, dtype=None):
    x = input if dtype is None else input.to(dtype)
    return Softmax.apply(x, axis=_softmax_dim(x, dim, axis, "softmax"))


@register("log_softmax")
def log_softmax(input, dim=-1, *, axis=None, dtype=None):
    x = input if dtype is None else input.to(dtype)
    return LogSoftmax.apply(x, axis=_softmax_dim(x, dim, axis, "log_softmax"))


class ArgExtreme(NonDifferentiable):
    """The index of the largest (or smallest) element: int64, no gradient."""

    def forward(ctx, a, axis=None, keepdims=False, largest=True):
        fn = ctx.xp.argmax if largest else ctx.xp.argmin
        index = fn(a) if axis is None else fn(a, axis=axis, keepdims=keepdims)
        return ctx.xp.asarray(index, dtype=int64)


def _arg_extreme(input, dim, keepdim, axis, keepdims, largest):
    name = "argmax" if largest else "argmin"
    dim, keepdim = pick(dim, axis, keepdim, keepdims, name)
    if input.dtype.kind == "b":
        raise DTypeError(f"{name}: does not support bool input, as in PyTorch; convert with .int() first")
    if dim is not None:
        dim = dim_arg(dim, input.ndim, name)
    if (input.numel() == 0 and dim is None) or (dim is not None and input.ndim and input.shape[dim] == 0):
        raise OutOfRangeError(f"{name}: the tensor of shape {tuple(input.shape)} is empty along the reduced dim")
    if dim is None and keepdim:
        index = ArgExtreme.apply(input, axis=None, largest=largest)
        return index.reshape((1,) * input.ndim)
    return ArgExtreme.apply(input, axis=None if input.ndim == 0 else dim, keepdims=keepdim, largest=largest)


@register("argmax")
def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _arg_extreme(input, dim, keepdim, axis, keepdims, True)


@register("argmin")
def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _arg_extreme(input, dim, keepdim, axis, keepdims, False)


class Any(NonDifferentiable):
    def forward(ctx, a, axis=None, keepdims=False):
        return ctx.xp.any(a, axis=axis, keepdims=keepdims)


class All(NonDifferentiable):
    def forward(ctx, a, axis=None, keepdims=False):
        return ctx.xp.all(a, axis=axis, keepdims=keepdims)


def _logical_reduce(fn, name, input, dim, keepdim):
    """any/all over ``dim`` (all dims by default): bool, or uint8 for a uint8 input (as PyTorch)."""
    _, keepdim = pick(None, None, keepdim, None, name)
    dims = axes(dim, input.ndim, name, empty="none")
    if dim is None and keepdim:
        dims = tuple(range(input.ndim))
    out = fn.apply(input, axis=dims, keepdims=keepdim)
    return out.to(host.uint8) if input.dtype == host.uint8 else out


@register("any")
def any(input, dim=None, keepdim=False):
    """True where any element along ``dim`` is nonzero."""
    return _logical_reduce(Any, "any", input, dim, keepdim)


@register("all")
def all(input, dim=None, keepdim=False):
    """True where every element along ``dim`` is nonzero."""
    return _logical_reduce(All, "all", input, dim, keepdim)


# ----------------------------------------------------------------- nan-aware and counting reductions


aminmax_type = collections.namedtuple("aminmax", ["min", "max"])


class NanSum(Function):
    rule = Rule("out = sum of a's elements that are not nan", ("d/da_i = 1, 0 where a_i is nan",),
                "Like sum, except that nan elements count as 0 and get no gradient.")
    name = node_name("NansumBackward0")

    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.kept = a.shape, axis, a == a
        return ctx.xp.where(ctx.kept, a, 0).sum(axis=axis, keepdims=keepdims)

    def backward(ctx, grad):  # sum's gradient times "not nan" (a product, as PyTorch's: inf * 0 is nan)
        return _spread(ctx, grad, ctx.shape, ctx.axis) * ctx.kept


@register("nansum")
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum, with nan counted as 0 (its gradient is 0 at a nan, as PyTorch's)."""
    x = input if dtype is None else input.to(dtype)
    if x.dtype.kind != "f":
        return sum(x, dim, keepdim)  # (no nan: integers sum to int64)
    return NanSum.apply(x, axis=axes(dim, x.ndim, "nansum"), keepdims=pick(None, None, keepdim, None, "nansum")[1])


@register("nanmean")
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the elements that are not nan (nan where all are)."""
    if not is_floating(input.dtype if dtype is None else host.dtype(dtype)):
        raise DTypeError(f"nanmean: expected a floating-point input, got {input.dtype}; use .float() first")
    return nansum(input, dim, keepdim, dtype=dtype) / sum(input == input, dim, keepdim)


@register("count_nonzero")
def count_nonzero(input, dim=None):
    """How many elements are not 0 (along ``dim``, an int or a tuple of ints): int64."""
    return sum(input != 0, dim)


@register("aminmax")
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) at once, of everything or along one ``dim``; ties share the gradient, as amin and amax."""
    if dim is not None and not is_int(dim):
        raise TypeError(f"aminmax: dim must be an int or None, got {type(dim).__name__} {dim!r}")
    if dim is None and input.numel() == 0:
        raise OutOfRangeError(f"aminmax: the tensor of shape {tuple(input.shape)} is empty; there is no "
                              "min or max (give a dim)")
    dims = () if dim is None else dim
    return aminmax_type(_amax(input, dims, keepdim, False), _amax(input, dims, keepdim, True))
