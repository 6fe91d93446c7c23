"""Reductions, and the fused softmax family (fused for numerical stability).

``axis`` arrives normalised by Tensor: None or a tuple of non-negative ints.
"""
import builtins
import collections
import math

import numpy as np

from ..dtypes import bool_, int64, is_floating
from ..function import Function, NonDifferentiable, Rule, register
from ..graph import Variable
from .args import axes, count, pick

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


def _spread(ctx, grad, shape, axis):
    """Send a reduced gradient back over the reduced axes (the backward of a sum)."""
    grad = grad.reshape(keepdims_shape(shape, axis))
    if isinstance(grad, Variable):  # building a graph of the backward pass
        return ctx.xp.broadcast_to(grad, shape)
    out = ctx.xp.empty(shape, dtype=grad.dtype)  # one C-level copy beats numpy's Python-level broadcast_to
    out[...] = grad
    return out


class Sum(Function):
    rule = Rule("out = sum(a)", ("d(sum a)/da_i = 1",),
                "A sum copies the gradient back to every element it added up.")

    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis = a.shape, axis
        return ctx.xp.add.reduce(a, axis=axis, keepdims=keepdims)  # a.sum(), minus numpy's Python layer

    def backward(ctx, grad):  # d(sum a)/da_i = 1: copy the gradient to every summed element
        return _spread(ctx, grad, ctx.shape, ctx.axis)


class Amax(Function):
    """max/min over axes; tied elements share the gradient equally (torch.amax)."""

    rule = Rule("out = max(a)", ("d max(a)/da_i = 1 for the largest element (shared among ties)",),
                "Only the largest element gets the gradient.")


    def forward(ctx, a, axis=None, keepdims=False, largest=True, nan_chosen=False):
        out = (a.max if largest else a.min)(axis=axis, keepdims=True)
        ctx.shape, ctx.axis = a.shape, axis
        chosen = a == out
        if nan_chosen and np.isnan(out).any():  # max(): a nan is the extreme and gets the gradient (amax: nan)
            chosen |= np.isnan(a) & np.isnan(out)
        ctx.save_for_backward(chosen / chosen.sum(axis=axis, keepdims=True))
        return reduced(out, a.shape, axis, keepdims)

    def backward(ctx, grad):  # d max(a)/da_i = 1 for the max element (split among ties)
        (share,) = ctx.saved_tensors
        return _spread(ctx, grad, ctx.shape, ctx.axis) * share


class MaxDim(Function):
    """max/min along one dim, returning the values at ``argmax`` (torch.max(x, dim))."""

    rule = Rule("out = max(a, dim)", ("d/da_i = 1 for the chosen element",),
                "Only the element that was picked gets the gradient.")


    def forward(ctx, a, axis, keepdims=False, largest=True):
        xp = ctx.xp
        index = (xp.argmax if largest else xp.argmin)(a, axis=axis, keepdims=True)
        chosen = xp.zeros(a.shape, dtype=bool)
        xp.put_along_axis(chosen, index, True, axis=axis)
        ctx.shape, ctx.axis, ctx.index = a.shape, (axis,), index
        ctx.save_for_backward(chosen)
        out = xp.take_along_axis(a, index, axis=axis)
        return out if keepdims else out.squeeze(axis)

    def backward(ctx, grad):  # only the chosen element gets the gradient
        (chosen,) = ctx.saved_tensors
        return _spread(ctx, grad, ctx.shape, ctx.axis) * chosen


class Prod(Function):
    rule = Rule("out = prod(a)", ("d(prod a)/da_i = product of the other elements",),
                "Each element's gradient is the product of all the others.")

    def forward(ctx, a, axis=None, keepdims=False):
        out = reduced(a.prod(axis=axis, keepdims=True), a.shape, axis, keepdims)
        ctx.shape, ctx.axis = a.shape, axis
        ctx.save_for_backward(a, out)  # the output itself, so create_graph differentiates through it
        return out

    def backward(ctx, grad):  # d(prod a)/da_i = product of all the other elements
        a, out = ctx.saved_tensors
        grad = _spread(ctx, grad, ctx.shape, ctx.axis)
        if not isinstance(a, Variable) and (a == 0).any():
            if ctx.axis is None and (a == 0).sum() > 1:  # two zeros: every product of others is 0 (PyTorch
                return grad * 0                             # says so even beside an inf, where 0 * inf is nan)
            return grad * _product_of_others(a, ctx.axis, ctx.xp)
        return grad * out.reshape(keepdims_shape(ctx.shape, ctx.axis)) / a


def _product_of_others(a, axis, xp):
    """prod_{j != i} a_j along the reduced axes, exact even where a has zeros."""
    axis = tuple(range(a.ndim)) if axis is None else axis
    kept = [i for i in range(a.ndim) if i not in axis]
    moved = xp.transpose(a, kept + list(axis))
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
    ones = xp.ones(flat.shape[:-1] + (1,), dtype=a.dtype)
    left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = xp.cumprod(xp.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return xp.transpose(others, xp.argsort(kept + list(axis)))


class LogSumExp(Function):
    rule = Rule("out = log(sum(exp(a)))", ("d/da = softmax(a)",),
                "The gradient is spread by the softmax of the input.")

    def forward(ctx, a, axis=None, keepdims=False):
        xp = ctx.xp
        m = a.max(axis=axis, keepdims=True, initial=-np.inf)  # (-inf when empty: the sum of nothing is 0)
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
        e = xp.exp(a - a.max(axis=axis, keepdims=True, initial=-np.inf))  # (an empty input stays empty)
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.axis = axis
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
        shifted = a - a.max(axis=axis, keepdims=True, initial=-np.inf)  # (an empty input stays empty)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d log_softmax/da = g - softmax(a) * sum(g)
        (out,) = ctx.saved_tensors
        return grad - ctx.xp.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)


# ----------------------------------------------------------------- front functions


@register("sum")
def sum(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    """Sum over ``dim`` (all by default); integer and bool inputs sum to int64, as in PyTorch."""
    dim, keepdim = pick(dim, axis, keepdim, keepdims)
    x = input if dtype is None else input.to(dtype)
    if x.dtype == bool_ or x.dtype.kind in "iu" and dtype is None:
        x = x.to(int64)
    return Sum.apply(x, axis=axes(dim, input.ndim), keepdims=keepdim)


@register("mean")
def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    dim, keepdim = pick(dim, axis, keepdim, keepdims)
    if not is_floating(input.dtype) and dtype is None:
        raise RuntimeError(f"mean: input dtype should be floating point, got {input.dtype}; use .float() first")
    return sum(input, dim, keepdim, dtype=dtype) / count(input.shape, axes(dim, input.ndim))


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
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_var = ctx.xp.where(out == 0, 0, grad / (2 * out))
        return _variance_grad(ctx, grad_var, a)


def _variance(ctx, a, axis, keepdims, correction):
    """sum((a - mean)^2) / max(n - c, 0), summed in float64; remembers what backward needs."""
    xp, n = ctx.xp, count(a.shape, axis)
    ctx.shape, ctx.axis, ctx.n, ctx.correction = a.shape, axis, n, correction
    ctx.scale = 2.0 / (n - correction) if n != correction else math.inf  # PyTorch's 2 / (n - c), unclamped
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # n - c <= 0: inf or nan, as PyTorch
        mean = xp.add.reduce(a, axis=axis, keepdims=True) / n  # in a's dtype, as PyTorch's mean
        centred = a.astype(np.float64)  # a copy: centred and squared in place
        centred -= mean
        centred *= centred
        return xp.add.reduce(centred, axis=axis, keepdims=keepdims) / builtins.max(n - correction, 0)


def _variance_grad(ctx, grad, a):
    """2 / (n - c) * grad * (a - mean), in a's dtype: PyTorch's var_backward (which, over all
    elements with n - c <= 0, gives inf, or nan where an element equals the mean)."""
    grad = grad.reshape(keepdims_shape(ctx.shape, ctx.axis))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf and nan as PyTorch gives them
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


def _dispersion(op, name, input, dim, unbiased, keepdim, correction, axis, keepdims):
    if not is_floating(input.dtype):
        raise RuntimeError(f"{name}: std and var only support floating-point tensors, got dtype {input.dtype}; "
                           "use .float() first")
    dim, keepdim = pick(dim, axis, keepdim, keepdims)
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    return op.apply(input, axis=axes(dim, input.ndim), keepdims=keepdim, correction=correction)


def _extreme(input, dim, keepdim, largest, axis=None, keepdims=None):
    """max/min: of everything, along one dim (values and indices), or of two tensors elementwise."""
    from .math import Maximum, Minimum

    if isinstance(dim, Variable):  # torch.max(a, b) is the elementwise maximum
        return Maximum.apply(input, dim) if largest else Minimum.apply(input, dim)
    dim, keepdim = pick(dim, axis, keepdim, keepdims)
    if input.numel() == 0:
        raise RuntimeError(f"{'max' if largest else 'min'}: the tensor is empty; there is no extreme value")
    if dim is None:
        return Amax.apply(input, axis=None, keepdims=False, largest=largest, nan_chosen=True)  # (as PyTorch)
    (axis,) = axes(dim, input.ndim) or (0,)
    if input.ndim == 0:
        return return_types(input.clone(), ArgExtreme.apply(input, axis=None, keepdims=False, largest=largest))
    values = MaxDim.apply(input, axis=axis, keepdims=keepdim, largest=largest)
    return return_types(values, ArgExtreme.apply(input, axis=axis, keepdims=keepdim, largest=largest))


@register("max")
def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _extreme(input, dim, keepdim, True, axis, keepdims)


@register("min")
def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _extreme(input, dim, keepdim, False, axis, keepdims)


@register("amax")
def amax(input, dim=None, keepdim=False):
    return Amax.apply(input, axis=axes(dim, input.ndim), keepdims=keepdim, largest=True)


@register("amin")
def amin(input, dim=None, keepdim=False):
    return Amax.apply(input, axis=axes(dim, input.ndim), keepdims=keepdim, largest=False)


@register("prod")
def prod(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = pick(dim, axis, keepdim, keepdims)
    return Prod.apply(input, axis=axes(dim, input.ndim), keepdims=keepdim)


@register("logsumexp")
def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = pick(dim, axis, keepdim, keepdims)
    return LogSumExp.apply(input, axis=axes(dim, input.ndim), keepdims=keepdim)


@register("softmax")
def softmax(input, dim=-1, *, axis=None):
    dim = dim if axis is None else axis
    return Softmax.apply(input, axis=(axes(dim, input.ndim) or (None,))[0])


@register("log_softmax")
def log_softmax(input, dim=-1, *, axis=None):
    dim = dim if axis is None else axis
    return LogSoftmax.apply(input, axis=(axes(dim, input.ndim) or (None,))[0])


class ArgExtreme(NonDifferentiable):
    """The index of the largest (or smallest) element: int64, no gradient."""

    def forward(ctx, a, axis=None, keepdims=False, largest=True):
        fn = np.argmax if largest else np.argmin
        index = fn(a) if axis is None else fn(a, axis=axis, keepdims=keepdims)
        return np.asarray(index, dtype=int64)


@register("argmax")
def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = pick(dim, axis, keepdim, keepdims)
    return ArgExtreme.apply(input, axis=dim, keepdims=keepdim, largest=True)


@register("argmin")
def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = pick(dim, axis, keepdim, keepdims)
    return ArgExtreme.apply(input, axis=dim, keepdims=keepdim, largest=False)


class Any(NonDifferentiable):
    def forward(ctx, a):
        return np.asarray(a.any())


class All(NonDifferentiable):
    def forward(ctx, a):
        return np.asarray(a.all())


register("any", Any)
register("all", All)
