"""Argument handling shared by the ops' front functions: dims, shapes, and turning
numbers and lists into tensors, with PyTorch's spellings (dim/keepdim) and numpy's
(axis/keepdims) alike."""
import builtins
import numbers

from ..backend import by_input, host, is_array

from ..dtypes import float32, get_default_dtype
from ..function import ShapeError
from ..graph import Variable
from ..tensor import Tensor, to_array

_py_int = builtins.int


class ArgumentError(RuntimeError, ValueError):
    """A bad argument value (catchable as RuntimeError like PyTorch, or as ValueError)."""


class OutOfRangeError(IndexError, RuntimeError):
    """A dim or an index outside a tensor, a repeated dim, or a reduction with no identity (max,
    argmax) over an empty dim: catchable as IndexError, or as RuntimeError (PyTorch raises either,
    depending on the op and on which check comes first)."""


def required(values, op, what):
    """A positional size or dims argument that may not be left out (x.permute(), x.view())."""
    if not values:
        raise TypeError(f"{op}: missing the required argument {what!r}")
    return values


def as_tensor(x, like=None):
    """``x`` if it is a Tensor or Value, else a new tensor made from it (keeping a numpy dtype), on
    the device of the tensor ``like`` when given."""
    if isinstance(x, Variable):
        return x
    array = to_array(x, dtype=getattr(x, "dtype", None))
    return Tensor._make(array if like is None or not isinstance(like, Tensor) else like._xp.asarray(array))


def floating(a):
    """Bool and integer arrays as float32 for a float kernel: numpy would give float16 for the small
    ones, PyTorch gives its default dtype (floats, and Value's Python floats, pass through)."""
    if type(a) is host.ndarray:  # (the common case, without is_array's call)
        return a.astype(float32) if a.dtype.kind in "biu" else a
    return a.astype(float32) if is_array(a) and a.dtype.kind in "biu" else a


def no_bool(a, op):
    """Refuse a bool array where PyTorch has no bool kernel (abs, floor, relu...)."""
    if is_array(a) and a.dtype.kind == "b":
        from .promote import DTypeError
        raise DTypeError(f"{op}: not implemented for bool tensors; convert with .int() or .float() first")


def raw(x):
    """A Tensor's array, or the value itself (scalars, arrays, lists stay constants)."""
    return x._data if isinstance(x, Tensor) else x


def is_int(x):
    """A Python or numpy int, or a one-element integer tensor (not a bool): what torch takes as an int."""
    if isinstance(x, (bool, host.bool_)):
        return False
    if isinstance(x, Tensor):
        return x.ndim == 0 and x.dtype.kind in "iu"
    return isinstance(x, (numbers.Integral, host.integer))


def int_arg(value, op, what="dim"):
    """``value`` as a Python int, or a TypeError naming the op and the argument."""
    if not is_int(value):
        raise TypeError(f"{op}: {what} must be an int, got {type(value).__name__} {value!r}")
    return _py_int(value)


def dim_arg(dim, ndim, op):
    """One dim, checked and made non-negative. As in PyTorch, a 0-d tensor takes dims 0 and -1."""
    d = int_arg(dim, op)
    n = builtins.max(ndim, 1)
    if not -n <= d < n:
        raise OutOfRangeError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions "
                         f"(expected a dim in [{-n}, {n - 1}])")
    return d % n


def axes(dim, ndim, op="dim", empty="all"):
    """A dim argument (an int, a tuple or list of ints, or None for all) -> None (every axis) or a
    sorted tuple of distinct non-negative axes. An empty tuple means every axis (``empty="all"``,
    as torch.sum) or none (``empty="none"``, as torch.any)."""
    if dim is None:
        return None
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return None if empty == "all" or ndim == 0 else ()
    out = []
    for d in dims:  # wrapped and checked one by one, in PyTorch's order
        d = dim_arg(d, ndim, op)
        if d in out:
            raise OutOfRangeError(f"{op}: dim {d} appears more than once in the list of dims {tuple(dims)}")
        out.append(d)
    return None if ndim == 0 else tuple(sorted(out))


def broadcast_shape(op, *shapes):
    """The shape ``shapes`` broadcast to, or a ShapeError naming ``op``."""
    try:
        return host.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(f"{op}: shapes {' and '.join(str(tuple(s)) for s in shapes)} do not broadcast "
                         "(each dim must be equal, or 1 in one of them)") from None


def pick(dim, axis, keepdim, keepdims, op="dim"):
    """Accept PyTorch's dim/keepdim and numpy's axis/keepdims alike."""
    keep = keepdims if keepdims is not None else keepdim
    if not isinstance(keep, (bool, host.bool_)):
        raise TypeError(f"{op}: keepdim must be a bool, got {type(keep).__name__} {keep!r}")
    return (axis if dim is None else dim), bool(keep)


def int_tuple(values, op, what="size"):
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` -> (2, 3), each checked to be an int."""
    if len(values) == 1 and isinstance(values[0], (tuple, list, host.ndarray, Tensor)):
        values = tuple(values[0].tolist() if isinstance(values[0], (host.ndarray, Tensor)) else values[0])
    for v in values:
        if not is_int(v):
            raise TypeError(f"{op}: {what} must be a tuple of ints, got {type(v).__name__} {v!r} "
                            f"in {tuple(values)}")
    return tuple(_py_int(v) for v in values)


def shape_arg(shape, op="shape"):
    """A size for a new tensor: ints (TypeError otherwise), none negative (RuntimeError otherwise)."""
    shape = int_tuple(shape, op)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"{op}: trying to create a tensor with negative dimension in {shape}; "
                           "sizes must be non-negative")
    return shape


def count(shape, dims):
    """How many elements a reduction over ``dims`` (None: all) combines."""
    if dims is None:
        return _py_int(by_input.prod(shape))
    return _py_int(by_input.prod([shape[a] for a in dims]))


def default_float(dtype):
    return get_default_dtype() if dtype is None else host.dtype(dtype)
