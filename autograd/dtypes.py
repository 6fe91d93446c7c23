"""The dtypes, named as in PyTorch. They are numpy dtypes: ``ag.float32 == host.dtype("float32")``."""
import builtins

from .backend import host

float16, float32, float64 = host.dtype(host.float16), host.dtype(host.float32), host.dtype(host.float64)
int32, int64, bool_ = host.dtype(host.int32), host.dtype(host.int64), host.dtype(host.bool_)
uint8, int8, int16 = host.dtype(host.uint8), host.dtype(host.int8), host.dtype(host.int16)
float, double, half, long, int, short = float32, float64, float16, int64, int32, int16  # torch's aliases
bool = bool_  # ag.bool, like torch.bool


class _Missing:
    """A PyTorch dtype that numpy has not (bfloat16): the name exists, so code that only names it runs (nanoGPT's
    table {'float32': torch.float32, 'bfloat16': torch.bfloat16, ...}); making a tensor of it is refused, saying
    what to use (numpy reads ``.dtype`` of whatever it is given as a dtype, so every conversion says it)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    @property
    def dtype(self):
        raise TypeError(f"{self.name}: numpy has no {self.name}, so seegrad cannot compute in it; use float32 "
                        "(or float16, in which numpy computes)")

    def __repr__(self):
        return self.name


bfloat16 = _Missing("bfloat16")

__all__ = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool_", "bool",
           "float", "double", "half", "long", "int", "short", "bfloat16", "get_default_dtype", "set_default_dtype"]

_default = [float32]  # the dtype of Python floats and of floating creation functions


def get_default_dtype():
    """The floating dtype that Python floats and ``zeros``/``rand``/... get (float32 unless set)."""
    return _default[0]


def set_default_dtype(d):
    """Make ``d`` (float32, float64 or float16) the default floating dtype, as torch.set_default_dtype."""
    d = host.dtype(d)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def as_dtype(dtype):
    """None, a dtype, a numpy type or a name -> None or a numpy dtype."""
    return None if dtype is None else host.dtype(dtype)


def is_floating(dtype):
    return dtype.kind == "f"


def wrapped(x, dtype):
    """A Python int outside an integer ``dtype``'s range wrapped around into it (as PyTorch's kernels
    do: uint8 -3 is 253); other numbers stay as they are."""
    if isinstance(x, builtins.int) and not isinstance(x, builtins.bool) and dtype.kind in "iu":
        info = host.iinfo(dtype)
        if not info.min <= x <= info.max:
            return host.array(x & (2 ** (8 * dtype.itemsize) - 1), dtype=host.uint64).astype(dtype)
    return x


def fitting(x, dtype, op):
    """``x``, a number written as a value into a tensor of ``dtype`` (fill_, masked_fill, t[i] = x, full),
    checked as PyTorch checks it: an int must lie in the dtype's range (for an unsigned dtype, down to -max,
    which wraps: uint8 -1 is 255); a float in an integer dtype must lie in its range and not be nan; a finite
    float beyond float32's range is refused in float32. Arithmetic (x + 300 in uint8) wraps instead."""
    if isinstance(x, (builtins.bool, host.bool_)) or dtype.kind not in "iuf" or \
            not isinstance(x, (builtins.int, builtins.float, host.number)):
        return x
    if dtype.kind == "f":
        big = isinstance(x, (builtins.float, host.floating)) and host.isfinite(x) and \
            abs(x) > builtins.float(host.finfo(dtype).max)
    elif isinstance(x, (builtins.int, host.integer)):
        info = host.iinfo(dtype)
        big = x > info.max or (x < -info.max if dtype.kind == "u" else x < info.min)
    else:
        info = host.iinfo(dtype)
        big = not info.min <= x <= info.max  # (nan compares False: refused too)
    if big:
        raise RuntimeError(f"{op}: value {x!r} cannot be converted to type {dtype} without overflow")
    return x
