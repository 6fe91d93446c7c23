"""Comparisons, logic and bits: ops without a gradient. Their outputs are bool (or integer)
tensors that never require grad; masks made from them pick gradients elsewhere (``where``).

Comparisons and the bitwise ops promote their operands as arithmetic does (promote.py), so
``int64 == float32`` compares in float32, as PyTorch does.
"""
import builtins

from ..backend import by_input, host

from ..dtypes import float32
from ..function import NonDifferentiable, operator, register
from ..tensor import Tensor
from .args import ArgumentError, as_tensor, broadcast_shape, raw
from .promote import DTypeError, binary_front


def _compare(cls, name):
    """Register a comparison as ag.<name>, Tensor.<name> and its Python operator."""
    register(name, binary_front(cls.apply, name[0] if isinstance(name, tuple) else name), inplace=True)


class Less(NonDifferentiable):
    onnx = "Less"

    def forward(ctx, a, b):
        return ctx.xp.less(a, b)


_compare(Less, ("lt", "less"))
operator("__lt__", Less, front=binary_front(Less.apply, "lt", dunder=True))


class LessEqual(NonDifferentiable):
    onnx = "LessOrEqual"

    def forward(ctx, a, b):
        return ctx.xp.less_equal(a, b)


_compare(LessEqual, ("le", "less_equal"))
operator("__le__", LessEqual, front=binary_front(LessEqual.apply, "le", dunder=True))


class Greater(NonDifferentiable):
    onnx = "Greater"

    def forward(ctx, a, b):
        return ctx.xp.greater(a, b)


_compare(Greater, ("gt", "greater"))
operator("__gt__", Greater, front=binary_front(Greater.apply, "gt", dunder=True))


class GreaterEqual(NonDifferentiable):
    onnx = "GreaterOrEqual"

    def forward(ctx, a, b):
        return ctx.xp.greater_equal(a, b)


_compare(GreaterEqual, ("ge", "greater_equal"))
operator("__ge__", GreaterEqual, front=binary_front(GreaterEqual.apply, "ge", dunder=True))


class Equal(NonDifferentiable):
    onnx = "Equal"

    def forward(ctx, a, b):
        return ctx.xp.equal(a, b)


_compare(Equal, "eq")
operator("__eq__", Equal, front=binary_front(Equal.apply, "eq", dunder=True))


class NotEqual(NonDifferentiable):
    def forward(ctx, a, b):
        return ctx.xp.not_equal(a, b)


_compare(NotEqual, ("ne", "not_equal"))
operator("__ne__", NotEqual, front=binary_front(NotEqual.apply, "ne", dunder=True))


def _integral(name, *arrays):
    for a in arrays:
        if by_input.asarray(a).dtype.kind not in "biu":
            raise DTypeError(f"{name}: not implemented for {by_input.asarray(a).dtype} tensors; use integer or bool tensors")


class And(NonDifferentiable):
    """Logical and for bool tensors, bitwise and for integers (Python's ``&``)."""

    def forward(ctx, a, b):
        _integral("bitwise_and", a, b)
        return ctx.xp.bitwise_and(a, b)


class Or(NonDifferentiable):
    """Logical or for bool tensors, bitwise or for integers (Python's ``|``)."""

    def forward(ctx, a, b):
        _integral("bitwise_or", a, b)
        return ctx.xp.bitwise_or(a, b)


class Xor(NonDifferentiable):
    """Logical xor for bool tensors, bitwise xor for integers (Python's ``^``)."""

    def forward(ctx, a, b):
        _integral("bitwise_xor", a, b)
        return ctx.xp.bitwise_xor(a, b)


class Invert(NonDifferentiable):
    """Logical not for bool tensors, bitwise not for integers (Python's ``~``)."""

    def forward(ctx, a):
        _integral("bitwise_not", a)
        return ctx.xp.invert(a)


def _shift(a, b):
    """The shift amount capped below the width of ``a``'s type (numpy's shifts wrap beyond it)."""
    bits = by_input.asarray(a).dtype.itemsize * 8
    if isinstance(b, int):
        return bits, builtins.min(b, bits - 1)
    return bits, by_input.minimum(b, bits - 1).astype(b.dtype)


class LeftShift(NonDifferentiable):
    """a << b, as PyTorch: shifting by the width of the type or more gives 0."""

    def forward(ctx, a, b):
        _integral("bitwise_left_shift", a, b)
        bits, capped = _shift(a, b)
        return ctx.xp.where(ctx.xp.asarray(b) >= bits, 0, ctx.xp.left_shift(a, capped))


class RightShift(NonDifferentiable):
    """a >> b (arithmetic: the sign bit fills in), as PyTorch: shifting by the width or more keeps the sign."""

    def forward(ctx, a, b):
        _integral("bitwise_right_shift", a, b)
        return ctx.xp.right_shift(a, _shift(a, b)[1])


for _cls, _name, _dunder, _reflected in ((And, "bitwise_and", "__and__", "__rand__"),
                                         (Or, "bitwise_or", "__or__", "__ror__"),
                                         (Xor, "bitwise_xor", "__xor__", "__rxor__"),
                                         (LeftShift, "bitwise_left_shift", "__lshift__", "__rlshift__"),
                                         (RightShift, "bitwise_right_shift", "__rshift__", "__rrshift__")):
    register(_name, binary_front(_cls.apply, _name), inplace=True)
    operator(_dunder, _cls, reflected=_reflected, front=binary_front(_cls.apply, _name, dunder=True))
register("bitwise_not", Invert, inplace=True)
register("__invert__", Invert, function=False)


class LogicalAnd(NonDifferentiable):
    def forward(ctx, a, b):
        return ctx.xp.logical_and(a, b)


class LogicalOr(NonDifferentiable):
    def forward(ctx, a, b):
        return ctx.xp.logical_or(a, b)


class LogicalXor(NonDifferentiable):
    def forward(ctx, a, b):
        return ctx.xp.logical_xor(a, b)


class LogicalNot(NonDifferentiable):
    def forward(ctx, a):
        return ctx.xp.logical_not(a)


def _logical(cls, name):
    """A logical op of any two dtypes (nonzero is true): a bool tensor."""
    def logical(input, other):
        if not hasattr(other, "shape") and not isinstance(other, (bool, int, float, host.generic)):
            raise TypeError(f"{name}: expected a tensor, got {type(other).__name__}")
        return cls.apply(input, as_tensor(other))

    logical.__name__ = logical.__qualname__ = name
    return logical


register("logical_and", _logical(LogicalAnd, "logical_and"), inplace=True)
register("logical_or", _logical(LogicalOr, "logical_or"), inplace=True)
register("logical_xor", _logical(LogicalXor, "logical_xor"), inplace=True)
register("logical_not", LogicalNot, inplace=True)


class IsNan(NonDifferentiable):
    onnx = "IsNaN"

    def forward(ctx, a):
        return ctx.xp.isnan(a)


register("isnan", IsNan)


class IsFinite(NonDifferentiable):
    def forward(ctx, a):
        return ctx.xp.isfinite(a)


register("isfinite", IsFinite)


class IsInf(NonDifferentiable):
    onnx = "IsInf"

    def forward(ctx, a):
        return ctx.xp.isinf(a)


register("isinf", IsInf)


class IsPosInf(NonDifferentiable):
    def forward(ctx, a):
        return ctx.xp.isposinf(a) if a.dtype.kind == "f" else ctx.xp.zeros(a.shape, dtype=bool)


register("isposinf", IsPosInf)


class IsNegInf(NonDifferentiable):
    def forward(ctx, a):
        return ctx.xp.isneginf(a) if a.dtype.kind == "f" else ctx.xp.zeros(a.shape, dtype=bool)


register("isneginf", IsNegInf)


@register("equal")
def equal(input, other):
    """True if both have the same shape and elements (a Python bool)."""
    return bool(input.shape == other.shape and by_input.array_equal(raw(input), raw(other)))


@register("allclose")
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(by_input.allclose(raw(input), raw(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


@register("isclose")
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |input - other| <= atol + rtol * |other| (and equal values, infinities included;
    nan equals nan with ``equal_nan``): a bool tensor. Both must be tensors of one dtype."""
    if not isinstance(other, Tensor):
        raise TypeError(f"isclose: other must be a tensor, got {type(other).__name__}")
    broadcast_shape("isclose", input.shape, other.shape)
    if input.dtype != other.dtype:
        raise DTypeError(f"isclose: expected both tensors to have the same dtype, got {input.dtype} and "
                         f"{other.dtype}; convert one with .to(...)")
    for what, tol in (("rtol", rtol), ("atol", atol)):
        if tol < 0:
            raise ArgumentError(f"isclose: {what} must be greater than or equal to zero, got {tol}")
    a, b = raw(input), raw(other)
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close |= (a != a) & (b != b)
    if rtol or atol:  # (PyTorch's steps: bools as floats, the allowed error in the tensors' dtype)
        if a.dtype.kind == "b":
            a, b = a.astype(float32), b.astype(float32)
        with host.errstate(invalid="ignore", over="ignore"):
            allowed = atol + by_input.abs(rtol * b.astype(float32) if b.dtype.kind in "iu" else rtol * b)
            error = by_input.abs(a - b)
            close |= by_input.isfinite(error) & (error <= allowed)
    return Tensor._make(close)
