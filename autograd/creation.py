"""Creation functions: tensors from data, filled tensors, ranges, and random tensors."""
import numbers

import numpy as np

from .dtypes import as_dtype, bool_, float32, int64
from .ops.args import raw, shape_arg
from .random import get_rng
from .tensor import Tensor, _numeric, to_array


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor from a list, number, numpy array or tensor (Python floats -> float32)."""
    t = Tensor._make(to_array(data, as_dtype(dtype)))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None):
    return data if isinstance(data, Tensor) and dtype is None else tensor(data, dtype)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (keeps its dtype; numbers only, as in PyTorch)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}; use ag.tensor(data)")
    return Tensor._make(_numeric(array, array, "from_numpy"))


def _filled(shape, value, dtype, requires_grad):
    value = _fill_value(value)
    t = Tensor._make(np.full(shape_arg(shape), value, dtype=as_dtype(dtype) or float32))
    return t.requires_grad_(True) if requires_grad else t


def _fill_value(value):
    """A number to fill with (a one-element tensor counts); None and strings are refused, as in PyTorch."""
    if isinstance(value, Tensor) and value.numel() == 1:
        return value.item()
    if not isinstance(value, (numbers.Number, np.bool_)):
        raise TypeError(f"full: fill_value must be a number, not {type(value).__name__}")
    return value


def zeros(*shape, dtype=None, requires_grad=False):
    return _filled(shape, 0, dtype, requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return _filled(shape, 1, dtype, requires_grad)


def empty(*shape, dtype=None, requires_grad=False):
    return _filled(shape, 0, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
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
