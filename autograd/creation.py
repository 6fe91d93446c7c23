"""Creation functions: tensors from data, filled tensors, ranges, and random tensors."""
import numbers

import numpy as np

from .dtypes import as_dtype, bool_, float32, int64
from .ops.args import ArgumentError, raw, required, shape_arg
from .ops.promote import DTypeError
from .random import get_rng
from .tensor import Tensor, to_array


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor from a list, number, numpy array or tensor (Python floats -> float32)."""
    try:
        arr = to_array(data, as_dtype(dtype))
    except ValueError as err:  # a ragged list: numpy's message, named
        raise ValueError(f"tensor: the data is not a rectangular nested list of numbers ({err})") from None
    except TypeError as err:  # None, objects: PyTorch says RuntimeError, Python code expects TypeError
        raise DTypeError(str(err)) from None
    if arr.dtype.kind not in "biuf":
        raise DTypeError(f"tensor: expected numbers, got {type(data).__name__} {data!r:.60}")
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None):
    return data if isinstance(data, Tensor) and dtype is None else tensor(data, dtype)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (keeps its dtype)."""
    return Tensor._make(array)


def _filled(shape, value, dtype, requires_grad, op="full"):
    t = Tensor._make(np.full(shape_arg(shape, op), value, dtype=as_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def zeros(*shape, dtype=None, requires_grad=False):
    return _filled(required(shape, "zeros", "size"), 0, dtype, requires_grad, "zeros")


def ones(*shape, dtype=None, requires_grad=False):
    return _filled(required(shape, "ones", "size"), 1, dtype, requires_grad, "ones")


def empty(*shape, dtype=None, requires_grad=False):
    return _filled(required(shape, "empty", "size"), 0, dtype, requires_grad, "empty")


def full(size, fill_value, dtype=None, requires_grad=False):
    if isinstance(fill_value, Tensor) and fill_value.ndim == 0:
        fill_value = fill_value.item()
    if not isinstance(fill_value, (numbers.Number, np.generic)) or isinstance(fill_value, complex):
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__}")
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        dtype = bool_
    elif dtype is None and isinstance(fill_value, numbers.Integral):
        dtype = int64
    return _filled((size,), fill_value, dtype, requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _filled((np.shape(raw(t)),), 0, dtype or raw(t).dtype, requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _filled((np.shape(raw(t)),), 1, dtype or raw(t).dtype, requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return _filled((np.shape(raw(t)),), fill_value, dtype or raw(t).dtype, requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return zeros_like(t, dtype, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ArgumentError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ArgumentError(f"arange: the bounds start={start}, end={end} are inconsistent with the sign of "
                            f"step={step}")
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = int64 if ints else float32
    t = Tensor._make(np.arange(start, end, step).astype(dtype))
    return t.requires_grad_(True) if requires_grad else t


def linspace(start, end, steps, dtype=None, requires_grad=False):
    t = Tensor._make(np.linspace(start, end, steps).astype(as_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def eye(n, m=None, dtype=None, requires_grad=False):
    t = Tensor._make(np.eye(n, m, dtype=as_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def rand(*shape, dtype=None, requires_grad=False):
    t = Tensor._make(get_rng().random(shape_arg(shape)).astype(as_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def randn(*shape, dtype=None, requires_grad=False):
    t = Tensor._make(get_rng().standard_normal(shape_arg(shape)).astype(as_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def randint(low, high=None, size=(), dtype=None):
    if high is None:
        low, high = 0, low
    return Tensor._make(get_rng().integers(low, high, size=shape_arg((size,))).astype(as_dtype(dtype) or int64))


def randperm(n, dtype=None):
    return Tensor._make(get_rng().permutation(n).astype(as_dtype(dtype) or int64))
