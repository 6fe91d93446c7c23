"""Reductions, and the fused softmax family (fused for numerical stability).

``axis`` arrives normalised by Tensor: None or a tuple of non-negative ints.
"""
from .function import Function
from .graph import Variable


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
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis = a.shape, axis
        return ctx.xp.add.reduce(a, axis=axis, keepdims=keepdims)  # a.sum(), minus numpy's Python layer

    def backward(ctx, grad):  # d(sum a)/da_i = 1: copy the gradient to every summed element
        return _spread(ctx, grad, ctx.shape, ctx.axis)


class Amax(Function):
    """max/min over axes; tied elements share the gradient equally (torch.amax)."""

    def forward(ctx, a, axis=None, keepdims=False, largest=True):
        out = (a.max if largest else a.min)(axis=axis, keepdims=True)
        ctx.shape, ctx.axis = a.shape, axis
        ctx.save_for_backward((a == out) / (a == out).sum(axis=axis, keepdims=True))
        return reduced(out, a.shape, axis, keepdims)

    def backward(ctx, grad):  # d max(a)/da_i = 1 for the max element (split among ties)
        (share,) = ctx.saved_tensors
        return _spread(ctx, grad, ctx.shape, ctx.axis) * share


class MaxDim(Function):
    """max/min along one dim, returning the values at ``argmax`` (torch.max(x, dim))."""

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
    def forward(ctx, a, axis=None, keepdims=False):
        out = reduced(a.prod(axis=axis, keepdims=True), a.shape, axis, keepdims)
        ctx.shape, ctx.axis = a.shape, axis
        ctx.save_for_backward(a, out)  # the output itself, so create_graph differentiates through it
        return out

    def backward(ctx, grad):  # d(prod a)/da_i = product of all the other elements
        a, out = ctx.saved_tensors
        grad = _spread(ctx, grad, ctx.shape, ctx.axis)
        if not isinstance(a, Variable) and (a == 0).any():
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
    def forward(ctx, a, axis=None, keepdims=False):
        xp = ctx.xp
        m = a.max(axis=axis, keepdims=True)
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
    def forward(ctx, a, axis):
        xp = ctx.xp
        e = xp.exp(a - a.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # ds/da = s * (g - sum(g * s))
        (s,) = ctx.saved_tensors
        return s * (grad - (grad * s).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    def forward(ctx, a, axis):
        xp = ctx.xp
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d log_softmax/da = g - softmax(a) * sum(g)
        (out,) = ctx.saved_tensors
        return grad - ctx.xp.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)
