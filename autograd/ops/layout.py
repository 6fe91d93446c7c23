"""Rearranging elements: flip, roll, repeat, repeat_interleave, tril/triu, meshgrid, diagonals
(diagonal, diag, diag_embed, trace, block_diag), rot90, and numpy's stacking and splitting names.

Each is written with the shape primitives (indexing, reshape, expand, where), so its gradient
comes for free: copies of an element send their gradients home, where they add up.
"""
import warnings

from ..backend import by_input, get_array_module, host

from ..dtypes import int64
from ..function import Rule, ShapeError, View, register
from ..graph import Variable
from ..tensor import Tensor
from .args import ArgumentError, OutOfRangeError, axes, broadcast_shape, dim_arg, int_arg, int_tuple, is_int, required
from .math import Where
from .promote import DTypeError
from .shape import IndexAdd, cat, index_add, promote_all


@register("flip")
def flip(input, *dims_, dims=None):
    """Reverse the order of elements along ``dims``: a copy, as PyTorch's (numpy's reversed slice is a view,
    through which an in-place change would reach the input)."""
    dims = int_tuple(dims_ if dims is None else (dims,), "flip", "dims")
    axis = axes(dims, input.ndim, "flip", empty="none")
    if not axis:
        return input.clone()
    return input[tuple(slice(None, None, -1) if d in axis else slice(None) for d in range(input.ndim))].clone()


@register("fliplr")
def fliplr(input):
    if input.ndim < 2:
        raise ShapeError(f"fliplr: input must be at least 2-d, got shape {tuple(input.shape)}")
    return flip(input, 1)


@register("flipud")
def flipud(input):
    if input.ndim < 1:
        raise ShapeError("flipud: input must be at least 1-d, got a 0-d tensor")
    return flip(input, 0)


@register("roll")
def roll(input, shifts, dims=None):
    """Shift elements along ``dims`` by ``shifts``, wrapping around (flattened when dims is None)."""
    shifts = int_tuple((shifts,) if is_int(shifts) else tuple(shifts), "roll", "shifts")
    if dims is None:
        if len(shifts) != 1:
            raise ShapeError(f"roll: without dims, shifts must be one int, got {shifts}")
        return roll(input.flatten(), shifts[0], 0).reshape(input.shape)
    dims = int_tuple((dims,) if is_int(dims) else tuple(dims), "roll", "dims")
    if len(shifts) != len(dims):
        raise ShapeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    out = input
    if input.ndim == 0:
        raise IndexError(f"roll: dims {dims} given but a 0-d tensor has no dimensions")
    for shift, dim in zip(shifts, dims):
        d = dim_arg(dim, input.ndim, "roll")
        n = input.shape[d]
        if n == 0 or shift % n == 0:
            continue
        source = (by_input.arange(n) - shift) % n  # out[i] = in[i - shift]
        out = out[(slice(None),) * d + (source,)]
    return out if out is not input else input.clone()  # (a copy even when nothing moves, as PyTorch's)


@register(("movedim", "moveaxis"))
def movedim(input, source, destination):
    """Move the dims ``source`` to the positions ``destination``; the others keep their order."""
    src = int_tuple((source,) if is_int(source) else (tuple(source),), "movedim", "source")
    dst = int_tuple((destination,) if is_int(destination) else (tuple(destination),), "movedim", "destination")
    if len(src) != len(dst):
        raise ShapeError(f"movedim: source {src} and destination {dst} must have the same number of dims")
    src = [dim_arg(d, input.ndim, "movedim") for d in src]
    dst = [dim_arg(d, input.ndim, "movedim") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ShapeError(f"movedim: repeated dims in source {tuple(src)} or destination {tuple(dst)}")
    rest = iter(d for d in range(input.ndim) if d not in src)
    placed = dict(zip(dst, src))
    order = [placed[i] if i in placed else next(rest) for i in range(input.ndim)]
    return input.permute(*order) if input.ndim else input


@register("repeat", function=False)
def repeat(input, *sizes):
    """Tile the tensor: ``sizes`` copies along each dim (extra leading sizes add new dims)."""
    sizes = int_tuple(required(sizes, "repeat", "repeats"), "repeat", "repeats")
    if len(sizes) < input.ndim:
        raise ShapeError(f"repeat: {len(sizes)} repeat sizes {sizes} for a tensor with {input.ndim} dims; "
                         "give at least one per dim")
    shape = (1,) * (len(sizes) - input.ndim) + tuple(input.shape)
    if any(r * n < 0 or r < 0 and n for r, n in zip(sizes, shape)):
        raise ArgumentError(f"repeat: repeat sizes {sizes} must be non-negative")
    spread = [v for n in shape for v in (1, n)]  # (1, n0, 1, n1, ...): a new axis before each dim
    tiled = [v for r, n in zip(sizes, shape) for v in (r, n)]
    out = input.reshape(spread).expand(*tiled).reshape(tuple(r * n for r, n in zip(sizes, shape)))
    # memory of its own, as PyTorch's: where reshape could keep a view (repeat(1, 1), or a stride-0 one from
    # expand), in-place changes would reach the input or fail
    return out.clone() if get_array_module(out._data).may_share_memory(out._data, input._data) else out


@register("diff")
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim`` (out[i] = x[i+1] - x[i], n times), with ``prepend`` and
    ``append`` joined on first, as torch.diff (bools give x[i+1] != x[i])."""
    n, d = int_arg(n, "diff", "n"), dim_arg(dim, max(input.ndim, 1), "diff")
    if input.ndim == 0:
        raise ShapeError("diff: expects input to be at least one-dimensional")
    if n < 0:
        raise ArgumentError(f"diff: order must be non-negative but got {n}")
    parts = [p for p in (prepend, input, append) if p is not None]
    for p in parts:
        if p.ndim != input.ndim:
            raise ShapeError(f"diff: expects prepend or append to be the same dimension as input ({input.ndim}), "
                             f"got {p.ndim}")
    x = input if len(parts) == 1 else cat(parts, d)
    for _ in range(n):
        after = x.narrow(d, 1, x.shape[d] - 1) if x.shape[d] else x
        before = x.narrow(d, 0, x.shape[d] - 1) if x.shape[d] else x
        x = after != before if x.dtype.kind == "b" else after - before
    return x


@register("tile")
def tile(input, dims):
    """``repeat`` with numpy's rule for short ``dims``: missing leading counts are 1 (``x.tile((2,))`` on a
    matrix repeats its columns)."""
    dims = int_tuple((dims,) if is_int(dims) else tuple(dims), "tile", "dims")
    return repeat(input, *((1,) * (input.ndim - len(dims)) + dims))


@register("repeat_interleave")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times along ``dim`` (flattened when dim is None): [a, b] -> [a, a, b, b].
    ``repeats`` is an int or a 1-d tensor, one count per element. ``repeat_interleave(counts)`` alone
    gives the indices 0, 1, ... each repeated by its count."""
    if repeats is None:  # torch.repeat_interleave(counts)
        counts = _counts(input, None, "repeat_interleave")
        return Tensor._make(by_input.repeat(get_array_module(counts).arange(len(counts), dtype=int64), counts))
    if dim is not None and input.ndim == 0:
        raise OutOfRangeError("repeat_interleave: a 0-d tensor has no dim to repeat along; leave dim out")
    x = input.flatten() if dim is None else input
    d = 0 if dim is None else dim_arg(dim, input.ndim, "repeat_interleave")
    n = x.shape[d]
    counts = _counts(repeats, n, "repeat_interleave")
    source = by_input.repeat(by_input.arange(n), counts)
    if output_size is not None and int_arg(output_size, "repeat_interleave", "output_size") != len(source):
        raise ArgumentError(f"repeat_interleave: output_size={output_size} but the repeats give {len(source)}")
    return x[(slice(None),) * d + (source,)]


def _counts(repeats, n, op):
    """Repeat counts as an int array, one per element of a dim of size ``n`` (an int or a
    one-element tensor repeats every element); ``n`` None: the counts as given."""
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu":
            raise DTypeError(f"{op}: repeats must be an integer tensor, got {repeats.dtype}")
        if repeats.ndim > 1:
            raise ShapeError(f"{op}: repeats must be a 0-d or 1-d tensor, got shape {tuple(repeats.shape)}")
        counts = repeats._data.reshape(-1)
    elif is_int(repeats):
        counts = by_input.array([int(repeats)])
        if counts[0] < 0:
            raise ArgumentError(f"{op}: repeats must be non-negative, got {counts[0]}")
    else:
        raise TypeError(f"{op}: repeats must be an int or an integer tensor, got {type(repeats).__name__}")
    if n is not None and len(counts) != n:
        if len(counts) != 1:
            raise ShapeError(f"{op}: repeats has {len(counts)} entries but the dim has size {n}; "
                             "give one per element")
        counts = by_input.full(n, counts[0])
    if (counts < 0).any():
        raise ArgumentError(f"{op}: repeats must be non-negative, got {counts.min()}")
    return counts


def _triangle(input, diagonal, op, lower):
    if input.ndim < 2:
        raise ShapeError(f"{op}: input must have at least 2 dimensions, got shape {tuple(input.shape)}")
    k = int_arg(diagonal, op, "diagonal")
    rows, cols = input.shape[-2:]
    xp = get_array_module(input._data)
    keep = xp.tri(rows, cols, k, dtype=bool) if lower else ~xp.tri(rows, cols, k - 1, dtype=bool)
    return Where.apply(keep, input, xp.zeros((), dtype=input.dtype))  # zeros, not x * 0 (inf * 0 is nan)


@register("tril", inplace=True)
def tril(input, diagonal=0):
    """The lower triangle of the last two dims (on and below ``diagonal``); the rest is 0."""
    return _triangle(input, diagonal, "tril", True)


@register("triu", inplace=True)
def triu(input, diagonal=0):
    """The upper triangle of the last two dims (on and above ``diagonal``); the rest is 0."""
    return _triangle(input, diagonal, "triu", False)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-d tensors: with indexing='ij' output k varies along dim k; 'xy'
    (Cartesian, as numpy's default) swaps the first two dims."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the indexing argument "
                      "(PyTorch's warning); pass indexing='ij' for the current behaviour", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ArgumentError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors:
        raise ArgumentError("meshgrid: expects a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid: expected tensors, got {type(t).__name__} at position {i}")
        if t.ndim > 1:
            raise ShapeError(f"meshgrid: expects 0-d or 1-d tensors, got shape {tuple(t.shape)} at position {i}")
        if t.dtype != tensors[0].dtype:
            raise DTypeError(f"meshgrid: expects all tensors to have the same dtype, got {tensors[0].dtype} "
                             f"and {t.dtype}")
    sizes = [t.numel() for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0  # x varies along columns, y along rows
    shape = tuple(sizes[o] for o in order)
    grids = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[order.index(i)] = sizes[i]
        grids.append(t.reshape(view).expand(*shape))
    return tuple(grids)


register("meshgrid", meshgrid, method=False)


# ----------------------------------------------------------------- diagonals


def _diagonal_index(xp, shape, offset, dim1, dim2):
    """The advanced index (arrays of the module ``xp``) that picks the ``offset`` diagonal of dims ``dim1``,
    ``dim2`` of an array of ``shape``: ``a[index]`` has the other dims in order, then the diagonal
    (numpy's diagonal layout)."""
    rows, cols = shape[dim1], shape[dim2]
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    others = [d for d in range(len(shape)) if d not in (dim1, dim2)]
    step = xp.arange(length)
    index = []
    for d in range(len(shape)):
        if d == dim1:
            index.append(step + max(-offset, 0))
        elif d == dim2:
            index.append(step + max(offset, 0))
        else:  # (this dim's place among the others, before the diagonal)
            place = [1] * (len(others) + 1)
            place[others.index(d)] = shape[d]
            index.append(xp.arange(shape[d]).reshape(place))
    return tuple(index)




def _diagonal_dims(op, ndim, offset, dim1, dim2):
    offset = int_arg(offset, op, "offset")
    d1, d2 = dim_arg(dim1, ndim, op), dim_arg(dim2, ndim, op)
    if d1 == d2:
        raise ArgumentError(f"{op}: dim1 and dim2 are the same dim ({dim1}, {dim2}); give two different dims")
    return offset, d1, d2


class Diagonal(View):
    rule = Rule("out = diagonal(a, offset, dim1, dim2)", ("d/da: zeros with G on that diagonal",),
                "The diagonal's elements get their gradient; the others get zero.")

    def forward(ctx, a, offset, dim1, dim2):
        ctx.shape, ctx.index = a.shape, _diagonal_index(ctx.xp, a.shape, offset, dim1, dim2)
        out = ctx.xp.diagonal(a, offset, dim1, dim2)
        # numpy's diagonal is a read-only view: ours is writable, so a write reaches the input, as torch's
        if not getattr(out.flags, "writeable", True) and getattr(a.flags, "writeable", False):
            out.setflags(write=True)
        return out

    def backward(ctx, grad):  # the gradient goes back onto the diagonal it came from
        if isinstance(grad, Variable):  # building a graph of the backward pass
            return IndexAdd.apply(grad, ctx.shape, ctx.index)
        return index_add(grad, ctx.shape, ctx.index, ctx.xp)


@register("diagonal")
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The ``offset`` diagonal of dims ``dim1`` and ``dim2`` (above the main one for offset > 0), as
    the last dim of a view: writing into it changes the input, as in PyTorch."""
    offset, d1, d2 = _diagonal_dims("diagonal", input.ndim, offset, dim1, dim2)
    return Diagonal.apply(input, offset=offset, dim1=d1, dim2=d2)


@register("diag_embed")
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices with the last dim of ``input`` on their ``offset`` diagonal (in dims ``dim1``, ``dim2``
    of the result, which has one dim more), zeros elsewhere."""
    offset, d1, d2 = _diagonal_dims("diag_embed", input.ndim + 1, offset, dim1, dim2)  # (a 0-d input: out of range)
    size = input.shape[-1] + abs(offset)
    shape = list(input.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, size)
    return IndexAdd.apply(input, tuple(shape), _diagonal_index(input._xp, tuple(shape), offset, d1, d2))


@register("diag")
def diag(input, diagonal=0):
    """A 1-d input: the square matrix with it on the ``diagonal``-th diagonal; a 2-d input: a copy
    of that diagonal."""
    k = int_arg(diagonal, "diag", "diagonal")
    if input.ndim == 1:
        return diag_embed(input, k, 0, 1)
    if input.ndim == 2:
        return Diagonal.apply(input, offset=k, dim1=0, dim2=1).clone()
    raise ShapeError(f"diag: supports 1-d or 2-d tensors, got {input.ndim}-d (shape {tuple(input.shape)}); "
                     "for batches use diagonal or diag_embed")


@register("trace")
def trace(input):
    """The sum of a matrix's main diagonal (integers sum to int64)."""
    if input.ndim != 2:
        raise ShapeError(f"trace: expected a matrix (2-d), but got a tensor of shape {tuple(input.shape)}")
    if input.dtype.kind == "b":
        raise DTypeError("trace: not implemented for bool tensors; convert with .int() first")
    return Diagonal.apply(input, offset=0, dim1=0, dim2=1).sum()


@register("block_diag", method=False)
def block_diag(*tensors):
    """The matrices (0-d: 1x1, 1-d: one row) along the diagonal of one matrix, zeros elsewhere."""
    blocks = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"block_diag: expected tensors, got {type(t).__name__} at position {i}")
        if t.ndim > 2:
            raise ShapeError(f"block_diag: input tensors must have 2 or fewer dimensions; input {i} has "
                             f"shape {tuple(t.shape)}")
        blocks.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not blocks:
        return Tensor._make(host.zeros((0, 0), dtype=host.float32))
    blocks = promote_all(blocks)
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        right = width - left - b.shape[1]
        rows.append(cat([b.new_zeros(b.shape[0], left), b, b.new_zeros(b.shape[0], right)], 1))
        left += b.shape[1]
    return cat(rows, 0)


# ----------------------------------------------------------------- stacking and splitting, numpy's names


def _at_least(ndim, name):
    def at_least(*tensors):
        many = len(tensors) != 1 or isinstance(tensors[0], (list, tuple))
        items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
        out = []
        for i, t in enumerate(items):
            if not isinstance(t, Tensor):
                raise TypeError(f"{name}: expected tensors, got {type(t).__name__} at position {i}")
            if t.ndim >= ndim:
                out.append(t)
            elif ndim == 3 and t.ndim == 2:
                out.append(t.unsqueeze(-1))  # (m, n) -> (m, n, 1)
            elif ndim == 3 and t.ndim == 1:
                out.append(t.reshape(1, -1, 1))  # (n,) -> (1, n, 1)
            else:
                out.append(t.reshape((1,) * (ndim - t.ndim) + tuple(t.shape)))
        return tuple(out) if many else out[0]

    at_least.__name__ = at_least.__qualname__ = name
    at_least.__doc__ = f"Each tensor with at least {ndim} dims (a tuple for several)."
    return at_least


atleast_1d, atleast_2d, atleast_3d = (_at_least(n, f"atleast_{n}d") for n in (1, 2, 3))
register("atleast_1d", atleast_1d, method=False)
register("atleast_2d", atleast_2d, method=False)
register("atleast_3d", atleast_3d, method=False)


def _stack_list(tensors, op):
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ArgumentError(f"{op}: expects a non-empty list of tensors")
    return list(tensors)


@register("hstack", method=False)
def hstack(tensors):
    """Join along the columns: dim 1, or dim 0 for 1-d tensors (0-d ones become 1-d)."""
    tensors = atleast_1d(_stack_list(tensors, "hstack"))
    return cat(list(tensors), 0 if tensors[0].ndim == 1 else 1)


@register(("vstack", "row_stack"), method=False)
def vstack(tensors):
    """Join along the rows (dim 0), 1-d tensors as rows."""
    return cat(list(atleast_2d(_stack_list(tensors, "vstack"))), 0)


@register("dstack", method=False)
def dstack(tensors):
    """Join along the depth (dim 2), after atleast_3d."""
    return cat(list(atleast_3d(_stack_list(tensors, "dstack"))), 2)


@register("column_stack", method=False)
def column_stack(tensors):
    """Join as columns: 0-d and 1-d tensors become columns (n, 1), the others join along dim 1."""
    tensors = _stack_list(tensors, "column_stack")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"column_stack: expected tensors, got {type(t).__name__} at position {i}")
    return cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors], 1)


@register("tensor_split")
def tensor_split(input, indices_or_sections, dim=0):
    """Views of ``input`` along ``dim``: ``n`` sections (the first size % n one element longer), or cut
    before each index of a list (or of a 1-d integer tensor; a 0-d one is a number of sections)."""
    if input.ndim == 0:
        raise OutOfRangeError("tensor_split: expected at least a 1-dimensional tensor, got a 0-d tensor")
    d = dim_arg(dim, input.ndim, "tensor_split")
    size = input.shape[d]
    cuts = indices_or_sections
    if isinstance(cuts, Tensor):
        if cuts.dtype.kind not in "iu" or cuts.ndim > 1:
            raise DTypeError(f"tensor_split: indices_or_sections must be a 0-d or 1-d integer tensor, got "
                             f"{cuts.dtype} of shape {tuple(cuts.shape)}")
        cuts = cuts.item() if cuts.ndim == 0 else cuts.tolist()
    if is_int(cuts):
        n = int(cuts)
        if n <= 0:
            raise ArgumentError(f"tensor_split: number of sections must be larger than 0, got {n}")
        small, extra = divmod(size, n)
        bounds = [0]
        for k in range(n):
            bounds.append(bounds[-1] + small + (k < extra))
    elif isinstance(cuts, (list, tuple)):
        bounds = [0, *int_tuple(tuple(cuts), "tensor_split", "indices"), size]
    else:
        raise TypeError(f"tensor_split: indices_or_sections must be an int, a list of ints or a tensor, got "
                        f"{type(cuts).__name__}")
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        start, stop, _ = slice(start, stop).indices(size)
        pieces.append(input[(slice(None),) * d + (slice(start, max(start, stop)),)])
    return tuple(pieces)


@register("select")
def select(input, dim, index):
    """The slice at ``index`` along ``dim``, without that dim (a view): x.select(1, 0) is x[:, 0]."""
    if input.ndim == 0:
        raise OutOfRangeError("select: cannot be applied to a 0-d tensor")
    d = dim_arg(dim, input.ndim, "select")
    i = int_arg(index, "select", "index")
    size = input.shape[d]
    if not -size <= i < size:
        raise OutOfRangeError(f"select: index {i} out of range for a tensor of shape {tuple(input.shape)} "
                              f"at dim {d} (size {size})")
    return input[(slice(None),) * d + (i,)]


@register("take_along_dim")
def take_along_dim(input, indices, dim=None):
    """Pick along ``dim`` at ``indices`` (int64), the other dims broadcast together (numpy's
    take_along_axis); without dim, from the flattened input."""
    if not isinstance(indices, Tensor) or indices.dtype != int64:
        what = indices.dtype if isinstance(indices, Tensor) else type(indices).__name__
        raise DTypeError(f"take_along_dim: indices must be an int64 tensor, got {what}")
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    if input.ndim == 0:
        raise OutOfRangeError("take_along_dim: a 0-d input has no dim to take along; leave dim out")
    d = dim_arg(dim, input.ndim, "take_along_dim")
    if input.ndim != indices.ndim:
        raise ShapeError(f"take_along_dim: input and indices should have the same number of dimensions, got "
                         f"shapes {tuple(input.shape)} and {tuple(indices.shape)}")
    shape = list(broadcast_shape("take_along_dim", input.shape[:d] + (1,) + input.shape[d + 1:],
                                 indices.shape[:d] + (1,) + indices.shape[d + 1:]))  # (all dims but d)
    input = input.broadcast_to((*shape[:d], input.shape[d], *shape[d + 1:]))
    indices = indices.broadcast_to((*shape[:d], indices.shape[d], *shape[d + 1:]))
    return input.gather(d, indices)


@register("broadcast_tensors", method=False)
def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"broadcast_tensors: expected tensors, got {type(t).__name__} at position {i}")
    shape = broadcast_shape("broadcast_tensors", *(tuple(t.shape) for t in tensors))
    return tuple(t if tuple(t.shape) == shape else t.broadcast_to(shape) for t in tensors)  # (as PyTorch's)


@register("rot90")
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first dim towards the second."""
    dims = int_tuple(tuple(dims), "rot90", "dims")
    k = int_arg(k, "rot90", "k")
    if len(dims) != 2:
        raise ArgumentError(f"rot90: expected 2 rotation dims, got dims = {dims}")
    if input.ndim < 2:
        raise ArgumentError(f"rot90: expected a tensor of at least 2 dims, got shape {tuple(input.shape)}")
    d0, d1 = (dim_arg(d, input.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise ArgumentError(f"rot90: expected two different rotation dims, got dims = {dims}")
    k %= 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip(d0, d1)
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()
