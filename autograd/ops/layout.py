"""Rearranging elements: flip, roll, repeat, repeat_interleave, tril/triu and meshgrid.

Each is written with the shape primitives (indexing, reshape, expand, where), so its gradient
comes for free: copies of an element send their gradients home, where they add up.
"""
import warnings

from ..backend import by_input, get_array_module, host

from ..dtypes import int64
from ..function import ShapeError, register
from ..tensor import Tensor
from .args import ArgumentError, OutOfRangeError, axes, dim_arg, int_arg, int_tuple, is_int, required
from .math import Where
from .promote import DTypeError


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
