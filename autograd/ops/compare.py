"""Comparisons and logic: ops without a gradient. Their outputs are bool tensors that never
require grad; masks made from them pick gradients elsewhere (``where``)."""
import numpy as np

from ..dtypes import bool_
from ..function import NonDifferentiable, operator, register
from .args import raw


class Less(NonDifferentiable):
    onnx = "Less"

    def forward(ctx, a, b):
        return np.less(a, b)


register(("lt", "less"), Less)
operator("__lt__", Less)


class LessEqual(NonDifferentiable):
    onnx = "LessOrEqual"

    def forward(ctx, a, b):
        return np.less_equal(a, b)


register(("le", "less_equal"), LessEqual)
operator("__le__", LessEqual)


class Greater(NonDifferentiable):
    onnx = "Greater"

    def forward(ctx, a, b):
        return np.greater(a, b)


register(("gt", "greater"), Greater)
operator("__gt__", Greater)


class GreaterEqual(NonDifferentiable):
    onnx = "GreaterOrEqual"

    def forward(ctx, a, b):
        return np.greater_equal(a, b)


register(("ge", "greater_equal"), GreaterEqual)
operator("__ge__", GreaterEqual)


class Equal(NonDifferentiable):
    onnx = "Equal"

    def forward(ctx, a, b):
        return np.equal(a, b)


register("eq", Equal)
operator("__eq__", Equal)


class NotEqual(NonDifferentiable):
    def forward(ctx, a, b):
        return np.not_equal(a, b)


register(("ne", "not_equal"), NotEqual)
operator("__ne__", NotEqual)


class And(NonDifferentiable):
    """Logical and for bool tensors, bitwise and for integers (Python's ``&``)."""

    def forward(ctx, a, b):
        return np.logical_and(a, b) if a.dtype == bool_ else np.bitwise_and(a, b)


operator("__and__", And)


class Or(NonDifferentiable):
    """Logical or for bool tensors, bitwise or for integers (Python's ``|``)."""

    def forward(ctx, a, b):
        return np.logical_or(a, b) if a.dtype == bool_ else np.bitwise_or(a, b)


operator("__or__", Or)


class Invert(NonDifferentiable):
    """Logical not for bool tensors, bitwise not for integers (Python's ``~``)."""

    def forward(ctx, a):
        return np.logical_not(a) if a.dtype == bool_ else np.invert(a)


register("__invert__", Invert, function=False)


class IsNan(NonDifferentiable):
    onnx = "IsNaN"

    def forward(ctx, a):
        return np.isnan(a)


register("isnan", IsNan)


class IsFinite(NonDifferentiable):
    def forward(ctx, a):
        return np.isfinite(a)


register("isfinite", IsFinite)


@register("equal")
def equal(input, other):
    """True if both have the same shape and elements (a Python bool)."""
    return bool(input.shape == other.shape and np.array_equal(raw(input), raw(other)))


@register("allclose")
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(raw(input), raw(other), rtol=rtol, atol=atol, equal_nan=equal_nan))
