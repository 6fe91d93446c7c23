"""More elementwise primitives: trigonometric and hyperbolic functions and their inverses,
erf, exp2/log2/log10, trunc, atan2, and lerp. Each backward sits under its forward and is
written with ``ctx.xp``, so it also runs on Tensors (create_graph=True).

Integer and bool inputs give float32 (PyTorch's default dtype), except trunc, which keeps
integers as they are.
"""
import math

from ..backend import by_input, host

from ..function import Function, Rule, register
from ..tensor import Tensor
from .args import as_tensor, broadcast_shape, floating
from .math import no_gradient
from .promote import DTypeError, binary_front


class Tan(Function):
    rule = Rule("out = tan(a)", ("d(tan a)/da = 1 + tan(a)^2 = 1 + out^2",), "The gradient is scaled by 1 + out^2.")
    onnx = "Tan"

    def forward(ctx, a):
        out = ctx.xp.tan(floating(a))
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(tan a)/da = 1 + tan^2 a
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)

register("tan", Tan, inplace=True)


class Asin(Function):
    rule = Rule("out = asin(a)", ("d(asin a)/da = 1 / sqrt(1 - a^2)",), "The gradient grows without bound near |a| = 1.")
    onnx = "Asin"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.arcsin(floating(a))

    def backward(ctx, grad):  # d(asin a)/da = 1 / sqrt(1 - a^2)
        (a,) = ctx.saved_tensors
        return grad / ctx.xp.sqrt(1 - a * a)

register(("asin", "arcsin"), Asin, inplace=True)


class Acos(Function):
    rule = Rule("out = acos(a)", ("d(acos a)/da = -1 / sqrt(1 - a^2)",), "asin's gradient with the sign flipped.")
    onnx = "Acos"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.arccos(floating(a))

    def backward(ctx, grad):  # d(acos a)/da = -1 / sqrt(1 - a^2)
        (a,) = ctx.saved_tensors
        return -grad / ctx.xp.sqrt(1 - a * a)

register(("acos", "arccos"), Acos, inplace=True)


class Atan(Function):
    rule = Rule("out = atan(a)", ("d(atan a)/da = 1 / (1 + a^2)",), "The gradient fades as |a| grows.")
    onnx = "Atan"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.arctan(floating(a))

    def backward(ctx, grad):  # d(atan a)/da = 1 / (1 + a^2)
        (a,) = ctx.saved_tensors
        return grad / (1 + a * a)

register(("atan", "arctan"), Atan, inplace=True)


class Sinh(Function):
    rule = Rule("out = sinh(a)", ("d(sinh a)/da = cosh a",), "The gradient is scaled by cosh a.")
    onnx = "Sinh"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.sinh(floating(a))

    def backward(ctx, grad):  # d(sinh a)/da = cosh a
        (a,) = ctx.saved_tensors
        return grad * ctx.xp.cosh(a)

register("sinh", Sinh, inplace=True)


class Cosh(Function):
    rule = Rule("out = cosh(a)", ("d(cosh a)/da = sinh a",), "The gradient is scaled by sinh a.")
    onnx = "Cosh"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.cosh(floating(a))

    def backward(ctx, grad):  # d(cosh a)/da = sinh a
        (a,) = ctx.saved_tensors
        return grad * ctx.xp.sinh(a)

register("cosh", Cosh, inplace=True)


class Asinh(Function):
    rule = Rule("out = asinh(a)", ("d(asinh a)/da = 1 / sqrt(a^2 + 1)",), "The gradient fades as |a| grows.")
    onnx = "Asinh"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.arcsinh(floating(a))

    def backward(ctx, grad):  # d(asinh a)/da = 1 / sqrt(a^2 + 1)
        (a,) = ctx.saved_tensors
        return grad / ctx.xp.sqrt(a * a + 1)

register(("asinh", "arcsinh"), Asinh, inplace=True)


class Acosh(Function):
    rule = Rule("out = acosh(a)", ("d(acosh a)/da = 1 / sqrt(a^2 - 1)",), "Defined for a >= 1; the gradient is infinite at 1.")
    onnx = "Acosh"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.arccosh(floating(a))

    def backward(ctx, grad):  # d(acosh a)/da = 1 / sqrt(a^2 - 1)
        (a,) = ctx.saved_tensors
        return grad / ctx.xp.sqrt(a * a - 1)

register(("acosh", "arccosh"), Acosh, inplace=True)


class Atanh(Function):
    rule = Rule("out = atanh(a)", ("d(atanh a)/da = 1 / (1 - a^2)",), "Defined on (-1, 1); the gradient grows near the ends.")
    onnx = "Atanh"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.arctanh(floating(a))

    def backward(ctx, grad):  # d(atanh a)/da = 1 / (1 - a^2)
        (a,) = ctx.saved_tensors
        return grad / (1 - a * a)

register(("atanh", "arctanh"), Atanh, inplace=True)


def erf_array(x):
    """erf to float64 precision (~1e-14) for any x: Abramowitz & Stegun 7.1.26 is too coarse, so
    this uses the complementary-error-function Chebyshev expansion of Numerical Recipes (erfc Cheb.)."""
    z = by_input.abs(x)
    t = 2.0 / (2.0 + z)
    ty = 4.0 * t - 2.0
    coefs = (-1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
             -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
             -1.624290004647e-6, 1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8,
             6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11,
             2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16,
             7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17)
    d = dd = 0.0
    for c in reversed(coefs[1:]):
        d, dd = ty * d - dd + c, d
    erfc = t * by_input.exp(-z * z + 0.5 * (coefs[0] + ty * d) - dd)
    return by_input.where(x >= 0, 1.0 - erfc, erfc - 1.0)


class Erf(Function):
    rule = Rule("out = erf(a)", ("d(erf a)/da = 2/sqrt(pi) * exp(-a^2)",),
                "The gradient is a Gaussian bump: largest at 0, vanishing for large |a|.")
    onnx = "Erf"

    def forward(ctx, a):
        ctx.save_for_backward(a)
        out = erf_array(a.astype(host.float64))  # numpy has no erf: computed in float64, cast back
        return out.astype(a.dtype if a.dtype.kind == "f" else host.float32)

    def backward(ctx, grad):  # d(erf a)/da = 2/sqrt(pi) e^(-a^2)
        (a,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * ctx.xp.exp(-(a * a))

register("erf", Erf, inplace=True)


class Exp2(Function):
    rule = Rule("out = 2^a", ("d(2^a)/da = 2^a * ln 2 = out * ln 2",), "Like exp, scaled by ln 2.")

    def forward(ctx, a):
        out = ctx.xp.exp2(floating(a))
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(2^a)/da = 2^a ln 2
        (out,) = ctx.saved_tensors
        return grad * out * math.log(2)

register("exp2", Exp2, inplace=True)


class Log2(Function):
    rule = Rule("out = log2(a)", ("d(log2 a)/da = 1 / (a ln 2)",), "log's gradient divided by ln 2.")

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log2(floating(a))

    def backward(ctx, grad):  # d(log2 a)/da = 1/(a ln 2)
        (a,) = ctx.saved_tensors
        return grad / (a * math.log(2))

register("log2", Log2, inplace=True)


class Log10(Function):
    rule = Rule("out = log10(a)", ("d(log10 a)/da = 1 / (a ln 10)",), "log's gradient divided by ln 10.")

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log10(floating(a))

    def backward(ctx, grad):  # d(log10 a)/da = 1/(a ln 10)
        (a,) = ctx.saved_tensors
        return grad / (a * math.log(10))

register("log10", Log10, inplace=True)


class Trunc(Function):
    rule = Rule("out = trunc(a)", ("d trunc(a)/da = 0",), "Rounding towards zero is flat: no gradient flows.")

    def forward(ctx, a):
        if a.dtype.kind == "b":
            raise DTypeError("trunc: not implemented for bool tensors")
        return a.copy() if a.dtype.kind in "iu" else ctx.xp.trunc(a)

    def backward(ctx, grad):  # flat almost everywhere: d trunc(a)/da = 0
        return no_gradient(ctx, grad)

register(("trunc", "fix"), Trunc, inplace=True)


@register("frac", inplace=True)
def frac(input):
    """x - trunc(x): the fractional part, with x's sign; its gradient is 1 (as torch.frac)."""
    if input.dtype.kind != "f":
        raise DTypeError(f"frac: not implemented for {input.dtype} tensors; it is the fractional part of floats")
    return input - input.trunc()


class Atan2(Function):
    rule = Rule("out = atan2(a, b)  (the angle of the point (b, a))",
                ("d/da = b / (a^2 + b^2)", "d/db = -a / (a^2 + b^2)"),
                "The angle turns fastest near the origin.")

    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.arctan2(floating(ctx.xp.asarray(a)), floating(ctx.xp.asarray(b)))

    def backward(ctx, grad):  # d atan2(a, b) = (b da - a db) / (a^2 + b^2)
        a, b = ctx.saved_tensors
        with host.errstate(divide="ignore"):
            recip = 1 / (a * a + b * b)
        recip = ctx.xp.where(recip == math.inf, 0.0, recip)  # at the origin (or below float's range): 0, as PyTorch
        need_a, need_b = ctx.needs_input_grad
        return (grad * b * recip if need_a else None), (grad * -a * recip if need_b else None)


register(("atan2", "arctan2"), binary_front(Atan2.apply, "atan2"), inplace=True)


@register("lerp", inplace=True)
def lerp(input, end, weight):
    """input + weight * (end - input): linear interpolation (weight a number or a tensor)."""
    input = as_tensor(input)
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp: end must be a tensor, got {type(end).__name__}")
    if input.dtype.kind != "f":
        raise DTypeError(f"lerp: not implemented for {input.dtype} tensors; use floating-point tensors")
    for what, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype != input.dtype:
            raise DTypeError(f"lerp: expected dtype {input.dtype} for {what} but got {t.dtype}")
    if not isinstance(weight, (Tensor, int, float)) or isinstance(weight, bool):
        raise TypeError(f"lerp: weight must be a number or a tensor, got {type(weight).__name__}")
    broadcast_shape("lerp", input.shape, end.shape, getattr(weight, "shape", ()))
    return input + weight * (end - input)
