"""More elementwise primitives: trigonometric and hyperbolic functions and their inverses,
erf, exp2/log2/log10, trunc, atan2, and lerp. Each backward sits under its forward and is
written with ``ctx.xp``, so it also runs on Tensors (create_graph=True).

Integer and bool inputs give float32 (PyTorch's default dtype), except trunc, which keeps
integers as they are.
"""
import math

from ..backend import by_input, host, is_array

from ..function import Function, NonDifferentiable, Rule, register
from ..node_names import node_name
from ..tensor import Tensor
from .args import as_tensor, broadcast_shape, floating
from .math import no_gradient, number_first, where
from .promote import DTypeError, binary_front, promote


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
    """erf to float64 precision (~1e-15 relative) for any x: for |x| >= 0.5 as 1 - erfc(|x|) (with
    erfc from erfc_array), below by its Taylor series, 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)),
    since 1 - erfc loses the relative precision of small values (erf(1e-10) would be off by 1e-6)."""
    z = by_input.abs(x)
    small = by_input.minimum(z, 0.5)  # the series (23 terms: the last is below 1e-17 of the first)
    x2, term, series = small * small, small, small
    for n in range(1, 23):
        term = term * (-x2) / n
        series = series + term / (2 * n + 1)
    tail = 1.0 - erfc_array(z)
    out = by_input.where(z < 0.5, (2 / math.sqrt(math.pi)) * series, tail)
    return by_input.copysign(out, x)  # (erf(-0.) is -0.)


def erfc_array(x):
    """erfc(x) = 1 - erf(x) for x >= 0, to ~1e-15 relative also where it is tiny: Numerical Recipes'
    Chebyshev expansion (erfccheb); Abramowitz & Stegun 7.1.26 is too coarse."""
    z = x
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
    return t * by_input.exp(-z * z + 0.5 * (coefs[0] + ty * d) - dd)


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
        with host.errstate(divide="ignore", invalid="ignore"):  # log2(0) = -inf, of a negative nan (as PyTorch)
            return ctx.xp.log2(floating(a))

    def backward(ctx, grad):  # d(log2 a)/da = 1/(a ln 2)
        (a,) = ctx.saved_tensors
        return grad / (a * math.log(2))

register("log2", Log2, inplace=True)


class Log10(Function):
    rule = Rule("out = log10(a)", ("d(log10 a)/da = 1 / (a ln 10)",), "log's gradient divided by ln 10.")

    def forward(ctx, a):
        ctx.save_for_backward(a)
        with host.errstate(divide="ignore", invalid="ignore"):  # log10(0) = -inf, of a negative nan (as PyTorch)
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


# ----------------------------------------------------------------- torch's other elementwise names


class Reciprocal(Function):
    rule = Rule("out = 1 / a", ("d(1/a)/da = -1/a^2 = -out^2",), "The gradient is scaled by -out^2.")
    onnx = "Reciprocal"

    def forward(ctx, a):
        with host.errstate(divide="ignore"):  # 1/0 is inf, as PyTorch's
            out = 1 / floating(a)
        ctx.save_for_backward(out)  # (the output, as PyTorch: the input may then change in place)
        return out

    def backward(ctx, grad):  # d(1/a)/da = -1/a^2 = -out^2
        (out,) = ctx.saved_tensors
        return -grad * (out * out)

register("reciprocal", Reciprocal, inplace=True)


def _scale(degrees_per_unit, name):
    def convert(input):
        input = as_tensor(input)
        if input.dtype.kind in "biu":
            input = input.float()  # integers and bools give float32, as PyTorch's
        return input * degrees_per_unit

    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"{name}: the angle times {degrees_per_unit!r} (floats keep their dtype, integers give float32)."
    return convert


register("deg2rad", _scale(math.pi / 180, "deg2rad"), inplace=True)
register("rad2deg", _scale(180 / math.pi, "rad2deg"), inplace=True)


class SignBit(NonDifferentiable):
    """True where the sign bit is set: negative numbers, -0.0 and -nan (bools never)."""

    def forward(ctx, a):
        return ctx.xp.signbit(a) if a.dtype.kind != "b" else ctx.xp.zeros(a.shape, dtype=bool)

register("signbit", SignBit)


@register("nan_to_num", inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan, inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the dtype's
    largest and smallest finite values); the gradient passes where the input was finite (PyTorch's)."""
    input = as_tensor(input)
    for what, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise TypeError(f"nan_to_num: {what} must be a number or None, got {type(v).__name__} {v!r}")
    if input.dtype.kind != "f":
        return input.clone()  # integers and bools have no nan or inf
    big = float(host.finfo(input.dtype).max)
    a = input._data
    with host.errstate(over="ignore"):  # (a float64 bound beyond float32's range gives inf, as PyTorch's cast)
        replaced = input._xp.where(a != a, nan, input._xp.where(a > 0, big if posinf is None else posinf,
                                                              -big if neginf is None else neginf)).astype(a.dtype)
    return where(input.isfinite(), input, Tensor._make(replaced))


def _tensor_other(front, name):
    """``front`` refusing a number for ``other`` where PyTorch's op takes a tensor only (hypot, logaddexp)."""
    def checked(input, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}: argument 'other' must be a tensor, not {type(other).__name__}")
        return front(input, other)

    checked.__name__ = checked.__qualname__ = name
    checked.__doc__ = front.__doc__
    return checked


def _float_kernel(a, name):
    """Refuse integer and bool arrays where PyTorch has only float kernels (hypot, logaddexp)."""
    if is_array(a) and a.dtype.kind in "biu":
        raise DTypeError(f"{name}: not implemented for {a.dtype} tensors; convert with .float() first")


def _float_pair(xp, a, b):
    """Two operands (promoted already; one may be a Python number) as arrays of one floating dtype:
    integers and bools give float32, and a number takes the other operand's dtype."""
    a, b = floating(a), floating(b)
    dtype = (a if is_array(a) else b).dtype if not (is_array(a) and is_array(b)) else host.result_type(a, b)
    return xp.asarray(a, dtype=dtype), xp.asarray(b, dtype=dtype)


class Hypot(Function):
    rule = Rule("out = sqrt(a^2 + b^2)", ("d/da = a / out", "d/db = b / out"),
                "The hypotenuse grows along each side by that side's share of it.")

    def forward(ctx, a, b):
        _float_kernel(a, "hypot"), _float_kernel(b, "hypot")
        out = ctx.xp.hypot(a, b)  # (no overflow where a^2 would overflow)
        ctx.save_for_backward(a, b, out)
        return out

    def backward(ctx, grad):  # d/da = a / out, d/db = b / out (nan at the origin, as PyTorch)
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with host.errstate(invalid="ignore", divide="ignore"):
            return (grad * a / out if need_a else None), (grad * b / out if need_b else None)

register("hypot", _tensor_other(binary_front(Hypot.apply, "hypot"), "hypot"), inplace=True)


class Xlogy(Function):
    rule = Rule("out = a * log(b)  (0 where a = 0, unless b is nan)",
                ("d/da = log(b) (0 where a = 0 and b <= 0)", "d/db = a / b"),
                "x log y, with 0 log 0 = 0 (entropies): a's gradient is log b, b's is a / b.")

    def forward(ctx, a, b):
        a, b = _float_pair(ctx.xp, a, b)
        ctx.save_for_backward(a, b)
        with host.errstate(divide="ignore", invalid="ignore"):
            return ctx.xp.where((a == 0) & (b == b), 0, a * ctx.xp.log(b))

    def backward(ctx, grad):  # d/da = xlogy(grad, b), 0 where a = 0 and b <= 0; d/db = a / b (PyTorch's formulas)
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = ctx.xp
        grad_a = grad_b = None
        with host.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                grad_a = xp.where(((a == 0) & (b <= 0)) | ((grad == 0) & (b == b)), 0, grad * xp.log(b))
            if need_b:
                grad_b = grad * a / b
        return grad_a, grad_b

register("xlogy", binary_front(Xlogy.apply, "xlogy"), inplace=True)


class Logit(Function):
    rule = Rule("out = log(a / (1 - a))", ("d/da = 1 / (a (1 - a))  (0 outside [eps, 1 - eps] with eps)",),
                "The inverse of the sigmoid: steepest near 0 and 1.")

    def forward(ctx, a, eps=None):
        a = floating(a)
        ctx.save_for_backward(a)
        ctx.eps = eps
        if eps is not None:
            a = ctx.xp.clip(a, eps, 1 - eps)  # (clip keeps nan, as PyTorch's clamp)
        with host.errstate(divide="ignore", invalid="ignore"):
            return ctx.xp.log(a / (1 - a)).astype(a.dtype)

    def backward(ctx, grad):  # 1 / (a (1 - a)); with eps, 0 outside [eps, 1 - eps]; without, nan outside [0, 1]
        (a,) = ctx.saved_tensors
        xp, eps = ctx.xp, ctx.eps
        with host.errstate(divide="ignore", invalid="ignore"):
            slope = grad / (a * (1 - a))
            if eps is None:  # (at 0 and 1: grad * inf, also at -0.0, as PyTorch's kernel)
                slope = xp.where((a == 0) | (a == 1), grad * math.inf, slope)
                return xp.where((a < 0) | (a > 1), math.nan, slope)
            return xp.where((a < eps) | (a > 1 - eps), 0, slope)


@register("logit", inplace=True)
def logit(input, eps=None):
    """log(p / (1 - p)), the inverse of the sigmoid; with ``eps``, p is clamped to [eps, 1 - eps] first."""
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, (int, float))):
        raise TypeError(f"logit: eps must be a float or None, got {type(eps).__name__} {eps!r}")
    return Logit.apply(as_tensor(input), eps=None if eps is None else float(eps))


class LogAddExp(Function):
    rule = Rule("out = log(e^a + e^b)", ("d/da = 1 / (1 + e^(b - a))", "d/db = 1 / (1 + e^(a - b))"),
                "A smooth maximum: the gradient goes mostly to the larger input.")
    kernel = "logaddexp"  # (numpy's name and this op's)

    name = node_name("LogaddexpBackward0")

    @staticmethod
    def power(xp, d):  # the base to the power d
        return xp.exp(d)

    def forward(ctx, a, b):
        _float_kernel(a, ctx.kernel), _float_kernel(b, ctx.kernel)
        ctx.save_for_backward(a, b)
        return getattr(ctx.xp, ctx.kernel)(a, b)  # (max + log1p(e^-|a-b|), and a where a = b = +-inf, as PyTorch's)

    def backward(ctx, grad):  # d/da = 1 / (1 + e^(b - a)), d/db = 1 / (1 + e^(a - b)) (PyTorch's formulas)
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = ctx.xp
        with host.errstate(over="ignore", invalid="ignore"):
            return (grad / (1 + ctx.power(xp, b - a)) if need_a else None), \
                (grad / (1 + ctx.power(xp, a - b)) if need_b else None)


class LogAddExp2(LogAddExp):
    rule = Rule("out = log2(2^a + 2^b)", ("d/da = 1 / (1 + 2^(b - a))", "d/db = 1 / (1 + 2^(a - b))"),
                "logaddexp in base 2: the gradient goes mostly to the larger input.")
    kernel = "logaddexp2"

    name = node_name("Logaddexp2Backward0")

    @staticmethod
    def power(xp, d):
        return 2 ** d


register("logaddexp", _tensor_other(binary_front(LogAddExp.apply, "logaddexp"), "logaddexp"))
register("logaddexp2", _tensor_other(binary_front(LogAddExp2.apply, "logaddexp2"), "logaddexp2"))


class Expm1(Function):
    rule = Rule("out = e^a - 1", ("d(e^a - 1)/da = e^a = out + 1",), "expm1 is exp less one, exact near 0.")

    def forward(ctx, a):
        out = ctx.xp.expm1(floating(a))
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # d(e^a - 1)/da = out + 1 (PyTorch's)
        (out,) = ctx.saved_tensors
        return grad * (out + 1)

register("expm1", Expm1, inplace=True)


class CopySign(Function):
    rule = Rule("out = |a| with the sign of b", ("d/da = out / a  (0 where a = 0)", "d/db = 0"),
                "a's gradient keeps or flips its sign as the copy did; b's sign is flat.")
    name = node_name("CopysignBackward0")

    def forward(ctx, a, b):
        a, b = _float_pair(ctx.xp, a, b)
        out = ctx.xp.copysign(a, b)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):  # d/da = out / a (+-1; 0 where a = 0, as PyTorch), d/db = 0
        a, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = None
        if need_a:
            with host.errstate(divide="ignore", invalid="ignore"):
                grad_a = grad * ctx.xp.where(a == 0, 0, out / a)
        return grad_a, (no_gradient(ctx, grad) if need_b else None)

register("copysign", binary_front(CopySign.apply, "copysign"), inplace=True)


@register("float_power")
def float_power(input, exponent):
    """input ** exponent in float64 (both are converted first), as torch.float_power."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power: expected a tensor for input or exponent, got two numbers")
    base = input.double() if isinstance(input, Tensor) else float(input)
    power = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    if not isinstance(base, Tensor):
        return base ** power
    return base.pow(power)


@register("float_power_", function=False)
def float_power_(input, exponent):
    """In place: float64 tensors only (the result is float64, as PyTorch's float_power_)."""
    if input.dtype != host.float64:
        raise RuntimeError(f"float_power_: the base has dtype {input.dtype} but the operation's result requires "
                           "dtype float64; convert it first (x = x.double()) or use float_power out of place")
    return input.pow_(exponent.double() if isinstance(exponent, Tensor) else float(exponent))


def _fused_operands(name, input, tensor1, tensor2, value):
    """The three tensors of addcmul/addcdiv cast to their result dtype, broadcast-checked, and the value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: value must be a number, got {type(value).__name__} {value!r}")
    for what, t in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {what} must be a tensor, got {type(t).__name__}")
    broadcast_shape(name, input.shape, tensor1.shape, tensor2.shape)
    input, tensor1, tensor2 = promote(name, input, tensor1, tensor2)
    if input.dtype.kind == "b":
        raise DTypeError(f"{name}: not implemented for bool tensors; convert with .int() or .float() first")
    return input, tensor1, tensor2


@register("addcmul", inplace=True)
def addcmul(input, tensor1, tensor2, *deprecated, value=1):
    """input + value * tensor1 * tensor2 (for integer tensors the value is truncated to an int, as PyTorch's); also
    PyTorch's deprecated addcmul(input, value, tensor1, tensor2) of older optimizers, with its warning."""
    if deprecated:
        value, tensor1, tensor2 = number_first("addcmul", (tensor1, tensor2) + deprecated, "Tensor tensor1, Tensor tensor2",
                                               "Tensor tensor1, Tensor tensor2, *, Number value = 1")
    input, tensor1, tensor2 = _fused_operands("addcmul", input, tensor1, tensor2, value)
    if input.dtype.kind in "iu":
        value = int(value)
    return input + (tensor1 * value if value != 1 else tensor1) * tensor2


@register("addcdiv", inplace=True)
def addcdiv(input, tensor1, tensor2, *deprecated, value=1):
    """input + value * tensor1 / tensor2 (floating tensors only for the division, as PyTorch); also PyTorch's
    deprecated addcdiv(input, value, tensor1, tensor2) of older optimizers, with its warning."""
    if deprecated:
        value, tensor1, tensor2 = number_first("addcdiv", (tensor1, tensor2) + deprecated, "Tensor tensor1, Tensor tensor2",
                                               "Tensor tensor1, Tensor tensor2, *, Number value = 1")
    if all(isinstance(t, Tensor) and t.dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise DTypeError("addcdiv: integer division with addcdiv is not supported (tensor1 and tensor2 are "
                         f"{tensor1.dtype} and {tensor2.dtype}); convert them with .float() first, or use "
                         "input + value * torch.div(tensor1, tensor2, rounding_mode='trunc')")
    input, tensor1, tensor2 = _fused_operands("addcdiv", input, tensor1, tensor2, value)
    return AddCDiv.apply(input, tensor1, tensor2, value=value)


class AddCDiv(Function):
    """One op, as PyTorch's (optimizers' ``p.addcdiv_(m, v.sqrt() + eps)``), so that its gradients are
    PyTorch's formulas also where t2 * t2 underflows (a composition divides twice instead)."""

    rule = Rule("out = input + value * t1 / t2", ("d/dinput = 1", "d/dt1 = value / t2", "d/dt2 = -value * t1 / t2^2"),
                "input passes the gradient through; t1 and t2 get a quotient's gradients, scaled by value.",
                ("input", "t1", "t2"))
    name = node_name("AddcdivBackward0")

    def forward(ctx, input, t1, t2, value=1):
        ctx.value = value
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None, t2)
        with host.errstate(divide="ignore", invalid="ignore"):
            return input + value * t1 / t2

    def backward(ctx, grad):  # PyTorch's: grad, grad * (value / t2), -grad * (value * t1 / (t2 * t2))
        t1, t2 = ctx.saved_tensors
        _, need_t1, need_t2 = ctx.needs_input_grad
        value = ctx.value
        with host.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (grad, grad * (value / t2) if need_t1 else None,
                    -grad * (value * t1 / (t2 * t2)) if need_t2 else None)
