"""PyTorch's type promotion, and the front that the binary elementwise ops call.

torch.result_type's rule: compare categories first (bool < integer < floating), sizes only
within a category, and let three kinds of operand speak in turn:

    tensors with dims  >  0-d tensors  >  Python numbers

A lower kind changes the result only when its category is higher: ``int32 + int64 0-d`` stays
int32, ``float32 + float64 0-d`` stays float32, ``int32 + 2.5`` is float32 (a Python float has
the default dtype float32), ``int32 + 2`` stays int32, ``bool + 1`` is int64. numpy's own rule
(NEP 50) already treats Python numbers this way, so the front only casts tensors, and only
when two tensor dtypes differ.
"""
import numbers

from ..backend import by_input, host, is_array

from ..dtypes import bool_, float32, int64, wrapped
from ..function import register
from ..tensor import Tensor

__all__ = ["DTypeError", "promote_types", "result_type", "promote", "binary_front"]


class DTypeError(TypeError, NotImplementedError):
    """An op that has no kernel for a dtype (``bitwise_and`` of floats): catchable as TypeError, or as
    NotImplementedError (a RuntimeError) like PyTorch's "not implemented for 'Float'"."""


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _category(dtype):
    try:
        return _CATEGORY[dtype.kind]
    except KeyError:
        raise DTypeError(f"dtype {dtype} is not supported (use bool, integer or floating dtypes)") from None


def promote_types(type1, type2):
    """The smallest dtype both promote to: the higher category wins; within one category, the larger."""
    a, b = host.dtype(type1), host.dtype(type2)
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    return host.promote_types(a, b)


def _combine(higher, lower):
    """torch's combine_categories: ``lower`` (a lower kind of operand) only counts from a higher category."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher == bool_ or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def _scalar_dtype(x):
    if isinstance(x, (bool, host.bool_)):
        return bool_
    if isinstance(x, numbers.Integral):
        return int64
    return float32  # the default dtype


def result_type(tensor1, tensor2):
    """The dtype of ``tensor1 <op> tensor2`` (each a tensor, array or Python number), as torch.result_type."""
    return _result_type((tensor1, tensor2))


register("promote_types", promote_types, method=False)
register("result_type", result_type, method=False)


def _result_type(operands):
    dims = zero = wrapped = None
    for x in operands:
        if isinstance(x, (Tensor, host.ndarray)):
            if x.ndim:
                dims = x.dtype if dims is None else promote_types(dims, x.dtype)
            else:
                zero = x.dtype if zero is None else promote_types(zero, x.dtype)
        else:
            d = _scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dims, _combine(zero, wrapped))


def _operand(x):
    """A tensor (numpy arrays become one), a Python number (numpy scalars become one), or None if
    ``x`` is neither (a list, a string, None: refused, as PyTorch does)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float)):
        return x
    if isinstance(x, host.generic) and x.dtype.kind in "biuf":
        return x.item()
    if is_array(x) and x.dtype.kind in "biuf":
        return Tensor._make(x)
    return None


def is_bool(x):
    """A bool, or a bool tensor or array."""
    return isinstance(x, (bool, host.bool_)) or isinstance(x, (Tensor, host.ndarray)) and x.dtype.kind == "b"


def promote(name, *operands):
    """The operands cast to their result dtype (Python numbers stay as they are); a TypeError naming
    ``name`` for an operand that is not a tensor or a number."""
    checked = []
    for x in operands:
        y = _operand(x)
        if y is None:
            raise TypeError(f"{name}: expected a tensor or a number, got {type(x).__name__}; "
                            "make it a tensor first with ag.tensor(...)")
        checked.append(y)
    dtype = _result_type(checked)
    return tuple(x.to(dtype) if isinstance(x, Tensor) and x.dtype != dtype else wrapped(x, dtype) for x in checked)




def binary_front(fn, name, dunder=False, refuse_bool=False):
    """``fn(input, other)`` behind torch's type promotion. Same-dtype tensors and a tensor with a
    Python number go straight through; otherwise tensors are cast to the result dtype. As a Python
    operator (``dunder``), an operand that is not a tensor or a number gives NotImplemented, so
    Python raises its own TypeError. With ``refuse_bool`` a bool operand is refused (subtraction, as
    PyTorch does)."""

    def front(input, other):
        a, b = type(input), type(other)
        if refuse_bool and (is_bool(input) or is_bool(other)):
            raise DTypeError(f"{name}: not implemented for a bool operand; convert with .int() or .float() first"
                             " (to invert a mask use ~mask, for 'differs' use a ^ b)")
        try:
            if a is Tensor or isinstance(input, Tensor):
                if b is Tensor or isinstance(other, Tensor):
                    if input._data.dtype is other._data.dtype:
                        return fn(input, other)
                elif b is float or b is int:
                    return fn(input, other)
            elif (b is Tensor or isinstance(other, Tensor)) and (a is float or a is int):
                return fn(input, other)
        except OverflowError:  # a Python int beyond an integer tensor's range: it wraps, as in torch
            pass
        if dunder and (_operand(input) is None or _operand(other) is None):
            return NotImplemented
        return fn(*promote(name, input, other))

    front.__name__ = front.__qualname__ = name
    front.__doc__ = getattr(fn, "__doc__", None)
    return front
