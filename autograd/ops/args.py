"""Argument handling shared by the ops' front functions: dims, shapes, and turning
numbers and lists into tensors, with PyTorch's spellings (dim/keepdim) and numpy's
(axis/keepdims) alike."""
import builtins

import numpy as np

from ..dtypes import get_default_dtype
from ..graph import Variable
from ..tensor import Tensor, to_array

_py_int = builtins.int


def as_tensor(x):
    """``x`` if it is a Tensor or Value, else a new tensor made from it (keeping a numpy dtype)."""
    if isinstance(x, Variable):
        return x
    return Tensor._make(to_array(x, dtype=getattr(x, "dtype", None)))


def raw(x):
    """A Tensor's array, or the value itself (scalars, arrays, lists stay constants)."""
    return x._data if isinstance(x, Tensor) else x


def axes(dim, ndim, op="dim"):
    """Normalise a dim argument to None or a sorted tuple of non-negative axes."""
    if dim is None or ndim == 0:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out = []
    for d in dims:
        if not -ndim <= d < ndim:
            raise IndexError(f"dim {d} is out of range for a tensor with {ndim} dimensions "
                             f"(expected a dim in [{-ndim}, {ndim - 1}])")
        out.append(d % ndim)
    return tuple(sorted(out))


def pick(dim, axis, keepdim, keepdims):
    """Accept PyTorch's dim/keepdim and numpy's axis/keepdims alike."""
    return (axis if dim is None else dim), bool(keepdims if keepdims is not None else keepdim)


def shape_arg(shape):
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` -> (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, np.ndarray)):
        shape = tuple(shape[0])
    return tuple(_py_int(n) for n in shape)


def count(shape, dims):
    """How many elements a reduction over ``dims`` (None: all) combines."""
    if dims is None:
        return _py_int(np.prod(shape))
    return _py_int(np.prod([shape[a] for a in dims]))


def default_float(dtype):
    return get_default_dtype() if dtype is None else np.dtype(dtype)
