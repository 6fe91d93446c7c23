"""Shape primitives: reshape, permute, expand, indexing, concatenation, casting.

Reshape, Permute, Expand and GetItem are views (``View``): when numpy returns a view, the
output shares the input's storage and version counter, as PyTorch's views do."""
import builtins
import numbers

import numpy as np

from ..devices import parse_to
from ..dtypes import bool_, float16, float32, float64, int32, int64
from ..function import Function, Rule, ShapeError, View, register
from ..graph import Variable
from ..tensor import Tensor, _index
from .args import as_tensor, axes, shape_arg


class Reshape(View):
    rule = Rule("out = a.reshape(shape)", ("d/da: G reshaped back to a's shape",),
                "Reshaping moves no numbers: the gradient is reshaped back.")

    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    def backward(ctx, grad):  # the same numbers, back in the input's shape
        return grad.reshape(ctx.shape)


class Permute(View):
    rule = Rule("out = a.permute(dims)", ("d/da: G permuted back",),
                "Transposing moves numbers: the gradient is moved back by the inverse permutation.")

    def forward(ctx, a, axes):
        ctx.axes = axes
        return a.transpose(axes)

    def backward(ctx, grad):  # undo the permutation
        return grad.transpose(tuple(np.argsort(ctx.axes)))


class Expand(View):
    rule = Rule("out = a.expand(shape)", ("d/da: G summed over the expanded axes",),
                "Every copy made by broadcasting sends its gradient home, where they add up.")

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


class GetItem(View):
    rule = Rule("out = a[index]", ("d/da: G scattered into zeros at the index (added where picked twice)",),
                "Picked elements get their gradient; the others get zero.")

    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        out = a[index]
        if type(out) is not np.ndarray and is_basic_index(index):  # one element: a 0-d view, not a copy
            out = a[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
        return out

    def backward(ctx, grad):  # each picked element sends its gradient home (summed if picked twice)
        if isinstance(grad, Variable):  # building a graph of the backward pass
            return IndexAdd.apply(grad, ctx.shape, ctx.index)
        return index_add(grad, ctx.shape, ctx.index, ctx.xp)


class IndexAdd(Function):
    """The backward of indexing, as an op of its own so that it can be differentiated too."""

    rule = Rule("out = zeros.index_add(index, a)", ("d/da: G picked at the same index",),
                "Linear in its input: the gradient is picked at the same places.")


    def forward(ctx, grad, shape, index):
        ctx.index = index
        return index_add(grad, shape, index, ctx.xp)

    def backward(ctx, grad):  # linear in grad: its derivative picks the same elements
        return grad[ctx.index], None, None


class Cat(Function):
    rule = Rule("out = cat([a, b, ...], dim)", ("d/da, d/db, ...: each input's slice of G",),
                "Each input gets back its own slice of the gradient.")

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
    rule = Rule("out = a.to(dtype)", ("d/da = 1 (cast back to a's dtype)",), "The gradient is cast back.")
    exact_dtype = True  # x.double() is float64

    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    def backward(ctx, grad):  # the identity, back in the input's dtype
        return grad.to(ctx.dtype) if isinstance(grad, Variable) else grad.astype(ctx.dtype)


class Clone(Function):
    rule = Rule("out = a.clone()", ("d(copy a)/da = 1",), "A copy passes the gradient through.")

    def forward(ctx, a):
        return a.copy()

    def backward(ctx, grad):  # d(copy a)/da = 1
        return grad


# ----------------------------------------------------------------- front functions


@register(("reshape", "view"))
def reshape(input, *shape):
    shape = shape_arg(shape)
    if shape == input.shape:
        return input
    try:
        return Reshape.apply(input, shape=shape)
    except ShapeError:
        raise ShapeError(f"reshape: shape {input.shape} ({input.numel()} elements) cannot be "
                         f"reshaped to {shape}") from None


register("view_as", lambda input, other: reshape(input, other.shape), function=False)


@register("flatten")
def flatten(input, start_dim=0, end_dim=-1):
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = start_dim % input.ndim, end_dim % input.ndim
    shape = input.shape[:start] + (-1,) + input.shape[end + 1:]
    return reshape(input, shape) if start <= end else input


@register("squeeze")
def squeeze(input, dim=None):
    if dim is None:
        return reshape(input, tuple(n for n in input.shape if n != 1))
    dims = axes(dim, input.ndim) or ()
    return reshape(input, tuple(n for i, n in enumerate(input.shape) if not (i in dims and n == 1)))


@register("unsqueeze")
def unsqueeze(input, dim):
    dim = dim % (input.ndim + 1) if dim < 0 else dim
    if dim > input.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor with {input.ndim} dimensions")
    return reshape(input, input.shape[:dim] + (1,) + input.shape[dim:])


@register("permute")
def permute(input, *dims):
    dims = shape_arg(dims)
    if sorted(d % builtins.max(input.ndim, 1) for d in dims) != list(range(input.ndim)):
        raise ShapeError(f"permute: dims {dims} are not a permutation of the {input.ndim} dims of {input.shape}")
    dims = tuple(d % input.ndim for d in dims)
    return input if dims == tuple(range(input.ndim)) else Permute.apply(input, axes=dims)


@register(("transpose", "swapaxes"))
def transpose(input, dim0=-2, dim1=-1):
    if isinstance(dim0, (tuple, list)):  # numpy's spelling: transpose(axes) permutes
        return permute(input, *dim0)
    if input.ndim < 2:
        return input
    order = list(range(input.ndim))
    order[dim0], order[dim1] = order[dim1], order[dim0]
    return permute(input, *order)


@register("t")
def t(input):
    return transpose(input, 0, 1)


@register("expand", function=False)
def expand(input, *sizes):
    sizes = shape_arg(sizes)
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise ShapeError(f"expand: the target {sizes} has fewer dimensions than the tensor {input.shape}")
    shape = tuple(input.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    return input if shape == input.shape else Expand.apply(input, shape=shape)


@register("broadcast_to")
def broadcast_to(input, shape):
    return expand(input, *shape_arg((shape,)))


register("expand_as", lambda input, other: expand(input, other.shape), function=False)


@register("split")
def split(input, split_size_or_sections, dim=0):
    dim = dim % input.ndim
    n = input.shape[dim]
    if isinstance(split_size_or_sections, numbers.Integral):
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise ShapeError(f"split: sections {sizes} sum to {builtins.sum(sizes)} but dim {dim} has size {n}")
    lead = (slice(None),) * dim
    out, start = [], 0
    for size in sizes:
        out.append(input[lead + (slice(start, start + size),)])
        start += size
    return tuple(out)


@register("chunk")
def chunk(input, chunks, dim=0):
    n = input.shape[dim % input.ndim]
    return split(input, -(-n // chunks) if n else 1, dim)


@register("unbind")
def unbind(input, dim=0):
    return tuple(squeeze(part, dim) for part in split(input, 1, dim))


register("__getitem__", lambda input, index: GetItem.apply(input, index=_index(index)), function=False)


@register("narrow")
def narrow(input, dim, start, length):
    """The view ``input[..., start:start + length, ...]`` along ``dim``."""
    d = axes(dim, input.ndim)[0] if input.ndim else 0
    start = int(start)
    size = input.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}) of dim {dim}")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing dim."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    dim = dim if axis is None else axis
    ndim = tensors[0].ndim
    d = dim % ndim
    for i, t in enumerate(tensors):
        if t.ndim != ndim or t.shape[:d] + t.shape[d + 1:] != tensors[0].shape[:d] + tensors[0].shape[d + 1:]:
            raise ShapeError(f"cat: tensor {i} has shape {t.shape} but tensor 0 has shape {tensors[0].shape}; "
                             f"they must match in every dim except {dim}")
    return Cat.apply(*tensors, axis=d)


register(("cat", "concat", "concatenate"), cat, method=False)


def stack(tensors, dim=0):
    """Join tensors along a new dim."""
    tensors = [as_tensor(t) for t in tensors]
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack: tensor {i} has shape {t.shape} but tensor 0 has shape {tensors[0].shape}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


register("stack", stack, method=False)


@register(("to", "type"), function=False)
def to(input, *args, **kwargs):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``: a copy in another
    dtype, or the same tensor when nothing changes (a new one with ``copy=True``). The device
    must be one tensors can live on (devices.py)."""
    dtype, copy = parse_to("to", args, kwargs)
    if dtype is None or dtype == input.dtype:
        return Clone.apply(input) if copy else input
    return Cast.apply(input, dtype=dtype)


register("float", lambda input: to(input, float32), function=False)
register("double", lambda input: to(input, float64), function=False)
register("half", lambda input: to(input, float16), function=False)
register("long", lambda input: to(input, int64), function=False)
register("int", lambda input: to(input, int32), function=False)
register("bool", lambda input: to(input, bool_), function=False)
register("clone", Clone)
