"""Shape primitives: reshape, permute, expand, indexing, concatenation, casting."""
import numpy as np

from .function import Function
from .graph import Variable


class Reshape(Function):
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    def backward(ctx, grad):  # the same numbers, back in the input's shape
        return grad.reshape(ctx.shape)


class Permute(Function):
    def forward(ctx, a, axes):
        ctx.axes = axes
        return a.transpose(axes)

    def backward(ctx, grad):  # undo the permutation
        return grad.transpose(tuple(np.argsort(ctx.axes)))


class Expand(Function):
    def forward(ctx, a, shape):
        return ctx.xp.broadcast_to(a, shape)

    def backward(ctx, grad):  # the core sums the gradient back over the broadcast axes
        return grad


def is_basic_index(index):
    """True for ints, slices, None and Ellipsis only (no element is picked twice)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, slice)
               or (isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)))
               for i in items)


def index_add(grad, shape, index, xp=np):
    """zeros(shape) with ``grad`` added at ``index``: repeated indices accumulate."""
    out = xp.zeros(shape, dtype=grad.dtype)
    if is_basic_index(index):
        out[index] = grad
    else:
        xp.add.at(out, index, grad)
    return out


class GetItem(Function):
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        return a[index]

    def backward(ctx, grad):  # each picked element sends its gradient home (summed if picked twice)
        if isinstance(grad, Variable):  # building a graph of the backward pass
            return IndexAdd.apply(grad, ctx.shape, ctx.index)
        return index_add(grad, ctx.shape, ctx.index, ctx.xp)


class IndexAdd(Function):
    """The backward of indexing, as an op of its own so that it can be differentiated too."""

    def forward(ctx, grad, shape, index):
        ctx.index = index
        return index_add(grad, shape, index, ctx.xp)

    def backward(ctx, grad):  # linear in grad: its derivative picks the same elements
        return grad[ctx.index], None, None


class Cat(Function):
    def forward(ctx, *arrays, axis=0):
        ctx.axis, ctx.sizes = axis, [a.shape[axis] for a in arrays]
        return ctx.xp.concatenate(arrays, axis=axis)

    def backward(ctx, grad):  # each input gets back its own slice
        grads, start = [], 0
        lead = (slice(None),) * ctx.axis
        for size in ctx.sizes:
            grads.append(grad[lead + (slice(start, start + size),)])
            start += size
        return tuple(grads)


class Cast(Function):
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    def backward(ctx, grad):  # the identity, back in the input's dtype
        return grad.to(ctx.dtype) if isinstance(grad, Variable) else grad.astype(ctx.dtype)


class Clone(Function):
    def forward(ctx, a):
        return a.copy()

    def backward(ctx, grad):  # d(copy a)/da = 1
        return grad
