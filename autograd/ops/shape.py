"""Shape primitives: reshape, permute, expand, indexing, concatenation, casting.

Reshape, Permute, Expand and GetItem are views (``View``): when numpy returns a view, the
output shares the input's storage and version counter, as PyTorch's views do."""
import builtins

from ..backend import by_input, host, index_for

from ..devices import of_array, parse_to, place, same
from ..dtypes import bool_, float16, float32, float64, int32, int64
from ..function import Function, Rule, ShapeError, View, register
from ..graph import Variable
from ..node_names import node_name, overloaded
from ..tensor import Tensor, _index
from .args import as_tensor, axes, dim_arg, int_arg, int_tuple, is_int, required
from .promote import promote_types


class Reshape(View):
    """PyTorch names a reshape by what it did: ViewBackward0 for a contiguous input (or ``view``),
    ReshapeAliasBackward0 for a view of a strided one, UnsafeViewBackward0 where it had to copy
    (after a CloneBackward0 node that is not there here); squeeze, unsqueeze... by their own names."""

    rule = Rule("out = a.reshape(shape)", ("d/da: G reshaped back to a's shape",),
                "Reshaping moves no numbers: the gradient is reshaped back.")
    name = node_name("ViewBackward0", lambda node: node.strided)

    def forward(ctx, a, shape):
        ctx.shape = a.shape
        out = a.reshape(shape)
        ctx.strided = None if a.flags.c_contiguous else \
            "ReshapeAliasBackward0" if out.base is (a if a.base is None else a.base) else "UnsafeViewBackward0"
        return out

    def backward(ctx, grad):  # the same numbers, back in the input's shape
        return grad.reshape(ctx.shape)


class Permute(View):
    rule = Rule("out = a.permute(dims)", ("d/da: G permuted back",),
                "Transposing moves numbers: the gradient is moved back by the inverse permutation.")
    name = node_name("PermuteBackward0")  # (transpose and t: TransposeBackward0, TBackward0)

    def forward(ctx, a, axes):
        ctx.axes = axes
        return a.transpose(axes)

    def backward(ctx, grad):  # undo the permutation
        return grad.transpose(tuple(by_input.argsort(ctx.axes)))


class Expand(View):
    rule = Rule("out = a.expand(shape)", ("d/da: G summed over the expanded axes",),
                "Every copy made by broadcasting sends its gradient home, where they add up.")

    def forward(ctx, a, shape):
        if a.size == int(by_input.prod(shape)):  # nothing repeated (new dims of 1, or no elements): a writable
            return a.reshape(shape)              # view, as PyTorch's (broadcast_to's is read-only)
        return ctx.xp.broadcast_to(a, shape)

    def backward(ctx, grad):  # the core sums the gradient back over the broadcast axes
        return grad


def is_basic_index(index):
    """True for ints, slices, None and Ellipsis only (no element is picked twice)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, slice)
               or (isinstance(i, (int, host.integer)) and not isinstance(i, (bool, host.bool_)))
               for i in items)


def index_add(grad, shape, index, xp=host):
    """zeros(shape) with ``grad`` added at ``index``: repeated indices accumulate."""
    out = xp.zeros(shape, dtype=grad.dtype)
    index = index_for(xp, index)
    if is_basic_index(index):
        out[index] = grad
    else:
        xp.add.at(out, index, grad)
    return out


def _indexing_name(node):
    """PyTorch's name for ``a[index]`` where PyTorch records it as one node: SelectBackward0 (one int),
    SliceBackward0 (one slice), UnsqueezeBackward0 (one None), IndexBackward0 (tensors or lists only);
    None where PyTorch records a chain (``a[0, 1:]``: a SliceBackward0 after a SelectBackward0)."""
    index = node.index if isinstance(node.index, tuple) else (node.index,)
    steps = []
    for i in index:
        if i is None:
            steps.append("UnsqueezeBackward0")
        elif isinstance(i, slice):
            if i != slice(None):  # (a full slice is skipped)
                steps.append("SliceBackward0")
        elif i is not Ellipsis:
            steps.append("SelectBackward0" if is_basic_index(i) else "IndexBackward0")
    if not steps:  # a[:] and a[...]: PyTorch still makes a new node
        return "SliceBackward0" if slice(None) in index else "AliasBackward0"
    if "IndexBackward0" in steps:  # every tensor index is one IndexBackward0, after the basic ones
        return "IndexBackward0" if all(step == "IndexBackward0" for step in steps) else None
    return steps[0] if len(steps) == 1 else None


class GetItem(View):
    """``a[index]`` as one node, named as PyTorch's where PyTorch makes one node (_indexing_name);
    GetItemBackward0 where PyTorch makes one per indexed dim."""

    rule = Rule("out = a[index]", ("d/da: G scattered into zeros at the index (added where picked twice)",),
                "Picked elements get their gradient; the others get zero.")
    name = node_name("GetItemBackward0", _indexing_name)

    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        if not a.ndim and isinstance(index, (int, host.integer)):  # (old code's loss.data[0])
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python to convert a 0-dim "
                             "tensor to a number")
        out = a[index_for(ctx.xp, index)]
        if isinstance(out, host.generic) and is_basic_index(index):  # one element: a 0-d view, not a copy
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


class Stack(Function):
    rule = Rule("out = stack([a, b, ...], dim)", ("d/da, d/db, ...: each input's slice of G along the new dim",),
                "Each input gets back its own slice of the gradient.")

    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        return ctx.xp.stack(arrays, axis=axis)

    def backward(ctx, grad):  # each input gets back its own slice (the new dim dropped)
        lead = (slice(None),) * ctx.axis
        return tuple(grad[lead + (i,)] for i in range(grad.shape[ctx.axis]))


class Cast(Function):
    rule = Rule("out = a.to(dtype)", ("d/da = 1 (cast back to a's dtype)",), "The gradient is cast back.")
    name = node_name("ToCopyBackward0")
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


class ToDevice(Function):
    rule = Rule("out = a.to(device)", ("d/da = 1 (moved back to a's device)",),
                "A copy to another device passes the gradient back to the input's device.")
    exact_dtype = True

    def forward(ctx, a, device):
        ctx.source = of_array(a)
        return place(a, device)

    def backward(ctx, grad):  # the identity, back on the input's device
        return grad.to(ctx.source) if isinstance(grad, Variable) else place(grad, ctx.source)


# ----------------------------------------------------------------- front functions


def _target_shape(input, shape, op):
    """A reshape target: ints, at most one -1 (inferred), the same number of elements."""
    shape = int_tuple(shape, op, "shape")
    infer = [i for i, n in enumerate(shape) if n == -1]
    if len(infer) > 1:
        raise ShapeError(f"{op}: only one dimension can be inferred (-1), got shape {shape}")
    if any(n < -1 for n in shape):
        raise ShapeError(f"{op}: invalid size {min(shape)} in shape {shape}; sizes are >= 0, or -1 for one "
                         "inferred dimension")
    known = int(by_input.prod([n for n in shape if n != -1]))
    numel = input.numel()
    if infer:
        if known == 0:
            raise ShapeError(f"{op}: cannot infer the -1 in {shape} for a tensor of {numel} elements "
                             "(another size is 0, so any value would do)")
        if numel % known == 0:
            return shape[:infer[0]] + (numel // known,) + shape[infer[0] + 1:]
    elif known == numel:
        return shape
    raise ShapeError(f"{op}: shape {tuple(input.shape)} ({numel} elements) cannot be reshaped to {shape}")


def fitted(input, shape):
    """``input`` reshaped to ``shape``, or ``input`` itself where it has that shape already: for an op's
    own plumbing (a 0-d input made 1-d and back), where no extra node should show. What a user calls
    (reshape, squeeze, expand...) always makes a new view, as PyTorch's: handing back the input itself
    would let a hook, a ``t_()`` or ``requires_grad_()`` on the result act on the input."""
    return input if tuple(input.shape) == tuple(shape) else reshape(input, shape)


@register("reshape")
def reshape(input, *shape):
    shape = _target_shape(input, required(shape, "reshape", "shape"), "reshape")
    return Reshape.apply(input, shape=shape)  # (a new view even to the same shape, as PyTorch's: not input)


@register("view", function=False)
def view(input, *shape):
    """The same storage in another shape, as PyTorch: where the strides cannot give it (a transposed or
    sliced tensor) it is refused, since a copy would silently stop writes reaching the original.
    ``view(dtype)`` reads the same bytes as another dtype (see _view_as_dtype)."""
    if len(shape) == 1 and isinstance(shape[0], (host.dtype, type)) and not is_int(shape[0]):
        return _view_as_dtype(input, host.dtype(shape[0]))
    shape = _target_shape(input, required(shape, "view", "shape"), "view")
    out = Reshape.apply(input, shape=shape)  # (a new view even to the same shape, as PyTorch's)
    overloaded(out, "ViewBackward0", Reshape)  # (a view of a strided tensor too)
    data = out._data
    if type(data) is host.ndarray and data.size and not host.may_share_memory(data, input._data):
        raise ShapeError(f"view: view size is not compatible with input tensor's size and stride (at least one "
                         f"dimension spans across two contiguous subspaces): {tuple(input.shape)} -> "
                         f"{tuple(out.shape)}. Use .reshape(...) instead (or .contiguous().view(...)).")
    return out


def _view_as_dtype(input, dtype):
    """``x.view(torch.int32)``: the same bytes read as ``dtype`` (a bit cast; not differentiable, as in PyTorch).
    A dtype of another size changes the last dim, which must then be contiguous and divide evenly."""
    data, size = input._data, dtype.itemsize
    own = data.dtype.itemsize
    if size != own and data.ndim:
        if data.shape[-1] != 1 and data.strides[-1] != own:
            raise RuntimeError(f"view: self.stride(-1) must be 1 to view {data.dtype} as {dtype} (different element "
                               f"sizes), but got {data.strides[-1] // own}")
        if size > own and (data.shape[-1] * own) % size:
            raise RuntimeError(f"view: self.size(-1) must be divisible by {size // own} to view {data.dtype} as "
                               f"{dtype} (different element sizes), but got {data.shape[-1]}")
    elif size != own:
        raise RuntimeError(f"view: a 0-d tensor of {data.dtype} can't be viewed as {dtype} (different element sizes)")
    return Tensor._make(data.view(dtype), input._vc)  # (the storage and its version counter shared, as detach())


register("view_as", lambda input, other: view(input, other.shape), function=False)
register("reshape_as", lambda input, other: reshape(input, other.shape), function=False)


@register("ravel")
def ravel(input):
    """The elements in one dimension, row by row: a view where the storage allows it, else a copy."""
    return reshape(input, -1)


@register("flatten")
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a 0-d tensor becomes 1-d)."""
    start, end = dim_arg(start_dim, input.ndim, "flatten"), dim_arg(end_dim, input.ndim, "flatten")
    if start > end:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor with "
                         f"{input.ndim} dimensions; swap them")
    if input.ndim == 0:
        return reshape(input, 1)
    if start == end:  # nothing to merge: PyTorch hands back the input itself (x.flatten() is x for a 1-d x)
        return input
    merged = int(by_input.prod(input.shape[start:end + 1]))
    return reshape(input, input.shape[:start] + (merged,) + input.shape[end + 1:])


@register("unflatten")
def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one of them may be -1), the inverse of flatten."""
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflatten: sizes must be a tuple or list of ints, got {type(sizes).__name__}")
    sizes = int_tuple((sizes,), "unflatten", "sizes")
    if not sizes:
        raise ShapeError("unflatten: sizes must be non-empty")
    d = dim_arg(dim, input.ndim, "unflatten")
    if input.ndim == 0:
        raise ShapeError("unflatten: a 0-d tensor has no dimension to unflatten")
    n = input.shape[d]
    try:
        sizes = _target_shape(_Sized(n), sizes, "unflatten")
    except ShapeError as err:
        raise ShapeError(f"unflatten: sizes {sizes} don't multiply up to the size of dim {dim} ({n}) of the "
                         f"tensor of shape {tuple(input.shape)}: {err}") from None
    out = reshape(input, input.shape[:d] + sizes + input.shape[d + 1:])
    return overloaded(out, "ViewBackward0", Reshape, input)


class _Sized:
    """A stand-in with ``numel()`` (to check a reshape of one dim)."""

    def __init__(self, n):
        self.n, self.shape = n, (n,)

    def numel(self):
        return self.n


_ALL = object()  # squeeze's default: every dim of size 1 (an explicit None is refused, as in PyTorch)


@register("squeeze")
def squeeze(input, dim=_ALL):
    if dim is _ALL:
        out = reshape(input, tuple(n for n in input.shape if n != 1))
        return overloaded(out, "SqueezeBackward0", Reshape, input)
    if dim is None:
        raise TypeError("squeeze: dim must be an int or a tuple of ints; leave it out to squeeze every dim of size 1")
    dims = axes(dim, input.ndim, "squeeze", empty="none") or ()
    out = reshape(input, tuple(n for i, n in enumerate(input.shape) if not (i in dims and n == 1)))
    overload = "SqueezeBackward2" if isinstance(dim, (tuple, list)) else "SqueezeBackward1"  # (dims, or one dim)
    return overloaded(out, overload, Reshape, input)


@register("unsqueeze")
def unsqueeze(input, dim):
    d = dim_arg(dim, input.ndim + 1, "unsqueeze")
    out = reshape(input, input.shape[:d] + (1,) + input.shape[d:])
    return overloaded(out, "UnsqueezeBackward0", Reshape, input)


@register("permute")
def permute(input, *dims):
    dims = int_tuple(required(dims, "permute", "dims"), "permute", "dims")
    if len(dims) != input.ndim:
        raise ShapeError(f"permute: dims {dims} has {len(dims)} entries but the tensor of shape "
                         f"{tuple(input.shape)} has {input.ndim} dimensions; give one per dimension")
    dims = tuple(dim_arg(d, input.ndim, "permute") for d in dims)
    if len(set(dims)) != len(dims):
        raise ShapeError(f"permute: dims {dims} repeat a dimension; give each dimension once")
    return Permute.apply(input, axes=dims)  # (a new view even for the identity, as PyTorch's)


@register(("transpose", "swapaxes", "swapdims"))
def transpose(input, dim0=-2, dim1=-1):
    if isinstance(dim0, (tuple, list)):  # numpy's spelling: transpose(axes) permutes
        return permute(input, *dim0)
    d0, d1 = dim_arg(dim0, input.ndim, "transpose"), dim_arg(dim1, input.ndim, "transpose")
    order = list(range(input.ndim))
    if input.ndim:
        order[d0], order[d1] = order[d1], order[d0]
    # a new view even where nothing moves (v.t() of a vector), as PyTorch's: a node of its own
    return overloaded(Permute.apply(input, axes=tuple(order)), "TransposeBackward0", Permute)


@register("t")
def t(input):
    """The transpose of a matrix (a vector or a number stays as it is)."""
    if input.ndim > 2:
        raise ShapeError(f"t: expects a tensor with at most 2 dimensions, got shape {tuple(input.shape)}; "
                         "use transpose(dim0, dim1) or .mT")
    return overloaded(transpose(input, 0, -1), "TBackward0", Permute, input)


def _expanded_shape(input, sizes, op):
    sizes = int_tuple(sizes, op)
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise ShapeError(f"{op}: the target {sizes} has fewer dimensions than the tensor {tuple(input.shape)}")
    shape = []
    for i, n in enumerate(sizes):
        if i < lead:
            if n < 0:
                raise ShapeError(f"{op}: size {n} is not allowed in the new leading dimension {i} of {sizes}")
            shape.append(n)
            continue
        have = input.shape[i - lead]
        if n == -1:
            n = have
        if n < 0 or (have != 1 and n != have):
            raise ShapeError(f"{op}: the expanded size {n} must match the existing size {have} at "
                             f"non-singleton dimension {i} (target {sizes}, tensor {tuple(input.shape)})")
        shape.append(n)
    return tuple(shape)


@register("expand", function=False)
def expand(input, *sizes):
    shape = _expanded_shape(input, required(sizes, "expand", "size"), "expand")
    return Expand.apply(input, shape=shape)  # (a new view even to the same shape, as PyTorch's)


@register("broadcast_to")
def broadcast_to(input, shape):
    shape = _expanded_shape(input, (shape,), "broadcast_to")
    return Expand.apply(input, shape=shape)  # (a new view even to the same shape, as PyTorch's)


register("expand_as", lambda input, other: expand(input, other.shape), function=False)


def _cut(input, d, sizes):
    """Slices of ``input`` along dim ``d`` of the given ``sizes``."""
    lead = (slice(None),) * d
    out, start = [], 0
    for size in sizes:
        out.append(input[lead + (slice(start, start + size),)])
        start += size
    return tuple(out)


@register("split")
def split(input, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or pieces of the given sizes."""
    if input.ndim == 0:
        raise ShapeError("split: expects at least a 1-dimensional tensor, got a 0-d tensor")
    if is_int(split_size_or_sections) and split_size_or_sections < 0:
        raise ShapeError(f"split: split_size must be non-negative, got {split_size_or_sections}")
    d = dim_arg(dim, input.ndim, "split")
    n = input.shape[d]
    if is_int(split_size_or_sections):
        size = int(split_size_or_sections)
        if size == 0 and n:
            raise ShapeError(f"split: split_size can only be 0 if dim {dim} has size 0, but it has size {n}")
        if n == 0:  # one empty piece: a view, like every piece (not the input itself)
            return _cut(input, d, [0])
        return _cut(input, d, [size] * (n // size) + ([n % size] if n % size else []))
    if not isinstance(split_size_or_sections, (tuple, list)):
        raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, "
                        f"got {type(split_size_or_sections).__name__}")
    sizes = int_tuple((split_size_or_sections,), "split", "split sizes")
    if any(k < 0 for k in sizes):
        raise ShapeError(f"split: split sizes {list(sizes)} must be non-negative")
    if builtins.sum(sizes) != n:
        raise ShapeError(f"split: sections {list(sizes)} sum to {builtins.sum(sizes)} but dim {dim} has size {n}")
    return _cut(input, d, sizes)


@register("chunk")
def chunk(input, chunks, dim=0):
    """At most ``chunks`` pieces of equal size ceil(n / chunks) along ``dim`` (the last may be smaller)."""
    chunks = int_arg(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise ShapeError(f"chunk: chunks must be greater than 0, got {chunks}")
    if input.ndim == 0:
        raise ShapeError("chunk: expects at least a 1-dimensional tensor, got a 0-d tensor")
    d = dim_arg(dim, input.ndim, "chunk")
    n = input.shape[d]
    if n == 0:
        return _cut(input, d, [0] * chunks)
    return split(input, -(-n // chunks), d)


@register("unbind")
def unbind(input, dim=0):
    if input.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dimension to unbind")
    d = dim_arg(dim, input.ndim, "unbind")
    return tuple(squeeze(part, d) for part in split(input, 1, d)) if input.shape[d] else ()


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


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, (Tensor, host.ndarray)):
            raise TypeError(f"{op}: expected a tensor as element {i}, got {type(t).__name__}")
    return [as_tensor(t) for t in tensors]


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing dim (1-d empty tensors are skipped, as in PyTorch)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    dim = dim if axis is None else axis
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ShapeError(f"cat: tensor {i} is 0-d and cannot be concatenated; unsqueeze it or use stack")
    tensors = promote_all(tensors)  # every tensor counts for the dtype, even a skipped empty one
    kept = [t for t in tensors if t.shape != (0,)]
    if not kept:  # only 1-d empty tensors: nothing to join (and, as in PyTorch, no dim to check)
        return Cat.apply(*tensors, axis=0)
    first = kept[0]
    d = dim_arg(dim, first.ndim, "cat")
    for t in kept:
        if t.ndim != first.ndim or t.shape[:d] + t.shape[d + 1:] != first.shape[:d] + first.shape[d + 1:]:
            i = next(i for i, u in enumerate(tensors) if u is t)
            raise ShapeError(f"cat: tensor {i} has shape {tuple(t.shape)} but tensor 0 has shape "
                             f"{tuple(first.shape)}; they must match in every dim except {dim}")
    return Cat.apply(*kept, axis=d)


register(("cat", "concat", "concatenate"), cat, method=False)


def stack(tensors, dim=0):
    """Join tensors of one shape along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise ShapeError("stack: expected a non-empty list of tensors")
    d = dim_arg(dim, tensors[0].ndim + 1, "stack")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack: tensor {i} has shape {tuple(t.shape)} but tensor 0 has shape "
                             f"{tuple(tensors[0].shape)}; stacked tensors must have the same shape")
    return Stack.apply(*promote_all(tensors), axis=d)  # (one node, PyTorch's StackBackward0)


register("stack", stack, method=False)


def promote_all(tensors):
    """Tensors cast to their common dtype (torch.cat and torch.stack promote)."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = promote_types(dtype, t.dtype)
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]


@register("to", function=False)
def to(input, *args, **kwargs):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``: a copy in another
    dtype, or the same tensor when nothing changes (a new one with ``copy=True``). The device
    must be one tensors can live on (devices.py)."""
    dtype, copy, where = parse_to("to", args, kwargs)
    if where is not None and not same(where, input.device):
        input = ToDevice.apply(input, device=where)
        copy = False
    if dtype is None or dtype == input.dtype:
        return Clone.apply(input) if copy else input
    out = Cast.apply(input, dtype=dtype)
    return out if dtype.kind == "f" else out.detach_()  # integers and bools carry no gradient (PyTorch's rule)


_TYPE_NAMES = {float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor", int64: "LongTensor",
               int32: "IntTensor", host.dtype(host.int16): "ShortTensor", host.dtype(host.int8): "CharTensor",
               host.dtype(host.uint8): "ByteTensor", bool_: "BoolTensor"}


@register("type", function=False)
def type_(input, dtype=None, non_blocking=False):
    """PyTorch's legacy ``t.type()``: without an argument the type's name ('torch.FloatTensor',
    'torch.cuda.FloatTensor' on a GPU); with a dtype or such a name, ``t.to`` that dtype (and device)."""
    if dtype is None:
        return ("torch.cuda." if input.device.type == "cuda" else "torch.") + _TYPE_NAMES[input.dtype]
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        found = [d for d, n in _TYPE_NAMES.items() if n == name]
        if not found or not dtype.startswith(("torch.", "torch.cuda.")):
            raise ValueError(f"type: invalid type {dtype!r}; use a dtype or a name like 'torch.FloatTensor'")
        return to(input, "cuda" if dtype.startswith("torch.cuda.") else "cpu", found[0])
    return to(input, dtype)


register("float", lambda input: to(input, float32), function=False)
register("double", lambda input: to(input, float64), function=False)
register("half", lambda input: to(input, float16), function=False)
register("long", lambda input: to(input, int64), function=False)
register("int", lambda input: to(input, int32), function=False)
register("bool", lambda input: to(input, bool_), function=False)
register("short", lambda input: to(input, host.int16), function=False)
register("char", lambda input: to(input, host.int8), function=False)
register("byte", lambda input: to(input, host.uint8), function=False)  # (old code's masks: see tensor._index)
register("type_as", lambda input, other: to(input, other.dtype), function=False)
register("clone", Clone)
