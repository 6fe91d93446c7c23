"""PyTorch's legacy typed constructors: ``torch.LongTensor([1, 2])``, ``torch.FloatTensor(2, 3)``.

    LongTensor([1, 2])       the data, as int64 (floats truncated toward zero, as in PyTorch)
    FloatTensor(2, 3)        a tensor of that shape (its values are not to be relied on: torch.empty)
    FloatTensor()            an empty tensor, shape (0,)
    isinstance(x, torch.FloatTensor)   x is a Tensor of that dtype

Older tutorials still write them; new code should use ``torch.tensor(data, dtype=...)``.
"""
from . import dtypes
from .creation import empty, tensor
from .tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
           "BoolTensor"]


class _Typed(type):
    """The class of the legacy names: calling one makes a Tensor of its dtype; isinstance checks the dtype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args, device=None):
        if not args:
            return empty(0, dtype=cls.dtype, device=device)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return empty(*args, dtype=cls.dtype, device=device)  # a shape
        if len(args) == 1 and type(args[0]).__name__ == "Size":
            return empty(*args[0], dtype=cls.dtype, device=device)
        if len(args) > 1:
            raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one sequence of data, got {args!r}")
        data = args[0]
        if isinstance(data, Tensor) and data.dtype != cls.dtype:
            raise TypeError(f"{cls.__name__}(): expected a {cls.dtype} tensor, got {data.dtype}; use .to({cls.dtype})")
        return tensor(data, dtype=cls.dtype, device=device)


def _typed(name, dtype):
    return _Typed(name, (), {"dtype": dtype, "__doc__": f"torch.{name}: a {dtype} tensor (legacy constructor)."})


FloatTensor = _typed("FloatTensor", dtypes.float32)
DoubleTensor = _typed("DoubleTensor", dtypes.float64)
LongTensor = _typed("LongTensor", dtypes.int64)
IntTensor = _typed("IntTensor", dtypes.int32)
ShortTensor = _typed("ShortTensor", dtypes.int16)
CharTensor = _typed("CharTensor", dtypes.int8)
ByteTensor = _typed("ByteTensor", dtypes.uint8)
BoolTensor = _typed("BoolTensor", dtypes.bool)
