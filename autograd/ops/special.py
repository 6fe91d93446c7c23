"""Special functions numpy lacks: lgamma, digamma, polygamma, erfinv, erfc and sinc (torch.special's
gammaln, psi, ... are the same ops: autograd/special.py).

    lgamma(x) = log|Gamma(x)|          d/dx = digamma(x)
    digamma(x) = Gamma'(x) / Gamma(x)   d/dx = polygamma(1, x)   (trigamma)
    polygamma(n, x) = d^n digamma / dx^n;  d/dx = polygamma(n + 1, x)
    erfinv(y): x with erf(x) = y        d/dy = sqrt(pi)/2 * exp(erfinv(y)^2)
    erfc(x) = 1 - erf(x)                d/dx = -2/sqrt(pi) * exp(-x^2)
    sinc(x) = sin(pi x) / (pi x), 1 at 0   d/dx = (cos(pi x) pi x - sin(pi x)) / (pi x^2), 0 at 0

Each kernel works on float64 arrays (vectorised numpy, no scipy): the results are cast back to the
input's dtype (integers and bools give float32, as in PyTorch). digamma, trigamma and polygamma
follow PyTorch's own algorithms (aten's Math.h, from Cephes) step for step, so that they agree with
it also where those algorithms are approximate (its trigamma is good to ~1e-9) and at the poles
(trigamma(-1.) is 6.6e32 there, not inf). Each backward calls the op of the derivative, so on
Tensors (create_graph=True) it is itself differentiable.
"""
import math

from ..backend import by_input, host, is_array

from ..function import Function, Rule, register
from .args import as_tensor, floating, int_arg
from .elementwise import erf_array, erfc_array
from .promote import DTypeError

PI = math.pi


def _float64(kernel, a):
    """``kernel`` run on ``a`` in float64, cast back to ``a``'s floating dtype (float32 for integers and
    bools, as PyTorch's default dtype)."""
    with host.errstate(all="ignore"):  # (inf and nan are results here, as in PyTorch)
        out = kernel(a.astype(host.float64))
    return out.astype(a.dtype if a.dtype.kind == "f" else host.float32)


def _derivative(a, name, *args):
    """The op ``name`` at ``a``: its kernel on an array (backward on arrays), the recorded op on a Tensor
    (backward building a graph, so the gradient has a gradient of its own)."""
    if is_array(a):
        return _float64(lambda x: KERNELS[name](*args, x), a)
    return getattr(a, name)(*args)


# ------------------------------------------------------------------------------- the kernels


def _sin_pi(x):
    """sin(pi x) without the rounding of pi x for large x: reduced to r = x - round(x) first."""
    r = x - by_input.round(x)
    return by_input.sin(PI * r) * by_input.where(by_input.remainder(by_input.round(x), 2) == 0, 1.0, -1.0)


_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)  # B_2k / (2k (2k-1))


def _lgamma_series(z):
    """lgamma(1 + z) for |z| <= 0.5 by its Taylor series -gamma z + sum_k (-1)^k zeta(k) z^k / k: exact
    also next to lgamma's zeros at 1 and 2, where a difference of logarithms would lose the digits."""
    out = -0.5772156649015329 * z
    power = -z
    for k, zeta_k in enumerate(_ZETA, start=2):
        power = power * -z
        out = out + zeta_k * power / k
    return out


def lgamma_array(x):
    """log|Gamma(x)|: the series near 1 and 2, Stirling's series from 10 up (smaller arguments
    shifted up by Gamma(y + 1) = y Gamma(y)), reflection Gamma(x) Gamma(1 - x) = pi / sin(pi x) below
    0.5; inf at 0, the negative integers and +-inf, as PyTorch."""
    xp = by_input
    reflect = x < 0.5
    y = xp.where(reflect, 1.0 - x, x)  # y >= 0.5 (or nan)
    # Stirling for y >= 10 (smaller y shifted: lgamma(y) = lgamma(y + n) - log(y (y+1) ... (y+n-1)))
    big = xp.maximum(y, 2.5)
    product = xp.ones_like(big)
    for _ in range(8):
        small = big < 10
        product = xp.where(small, product * big, product)
        big = xp.where(small, big + 1.0, big)
    inv, inv2 = 1.0 / big, 1.0 / (big * big)
    series = 0.0
    for c in reversed(_STIRLING):
        series = series * inv2 + c
    stirling = (big - 0.5) * (xp.log(big) - 1.0) + 0.5 * (math.log(2 * PI) - 1.0) + series * inv - xp.log(product)
    near_one = _lgamma_series(xp.clip(y - 1.0, -0.5, 0.5))
    near_two = _lgamma_series(xp.clip(y - 2.0, -0.5, 0.5)) + xp.log1p(xp.clip(y - 2.0, -0.5, 0.5))
    out = xp.where(y < 1.5, near_one, xp.where(y < 2.5, near_two, stirling))
    reflected = xp.log(PI / xp.abs(_sin_pi(x))) - out
    out = xp.where(reflect, reflected, out)
    pole = (x <= 0) & (x == xp.floor(x))
    return xp.where(pole | xp.isinf(x), math.inf, out)


_PSI_10 = 2.25175258906672110764
_DIGAMMA = (8.33333333333333333333e-2, -2.10927960927960927961e-2, 7.57575757575757575758e-3,
            -4.16666666666666666667e-3, 3.96825396825396825397e-3, -8.33333333333333333333e-3,
            8.33333333333333333333e-2)  # Cephes' psi: the asymptotic series in 1/x^2, highest power first


def digamma_array(x):
    """digamma as PyTorch computes it (Cephes' psi): recurrence psi(x) = psi(x + 1) - 1/x up to 10,
    then the asymptotic series; reflection psi(x) = psi(1 - x) - pi / tan(pi x) below 0; -inf at +0,
    inf at -0, nan at the negative integers and -inf."""
    xp = by_input
    negative = x < 0
    y = xp.where(negative, 1.0 - x, xp.where(x == 0, 1.0, x))  # (0 answered below)
    result = xp.zeros_like(y)
    for _ in range(10):
        small = y < 10
        result = xp.where(small, result - 1.0 / y, result)
        y = xp.where(small, y + 1.0, y)
    z = 1.0 / (y * y)
    poly = 0.0
    for c in _DIGAMMA:
        poly = poly * z + c
    tail = xp.where(y < 1e17, z * poly, 0.0)
    out = xp.where(y == 10, result + _PSI_10, result + xp.log(y) - 0.5 / y - tail)
    fraction = x - xp.trunc(xp.where(xp.isinf(x), 0.0, x))  # (modf's fractional part)
    out = xp.where(negative, out - PI / xp.tan(PI * fraction), out)
    out = xp.where(negative & (x == xp.trunc(x)), math.nan, out)
    return xp.where(x == 0, xp.copysign(math.inf, -x), out)


def trigamma_array(x):
    """polygamma(1, x) as PyTorch computes it: reflection below 0.5, six steps of the recurrence,
    then the asymptotic series 1/x + 1/(2x^2) + 1/(6x^3) - 1/(30x^5) + 1/(42x^7) (good to ~1e-9)."""
    xp = by_input
    reflect = x < 0.5
    result = xp.where(reflect, -(PI * PI) / xp.sin(PI * x) ** 2, 0.0)
    y = xp.where(reflect, 1.0 - x, x)
    for _ in range(6):
        result = result + 1.0 / (y * y)
        y = y + 1.0
    ixx = 1.0 / (y * y)
    result = result + (1 + 1 / (2 * y) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / y
    return xp.where(reflect, -result, result)


_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18)  # Euler-Maclaurin: (2k)! / B_2k
_MACHEP = 1.11022302462515654042e-16


def zeta_array(s, q):
    """The Hurwitz zeta function sum_k (k + q)^-s for a number s > 1, as PyTorch's (Cephes') zeta: direct
    sums until q + k > 9 (at least 9 terms), then Euler-Maclaurin; each element stops where Cephes does."""
    xp = by_input
    q = q.astype(host.float64)
    total = q ** -s
    a, b = q.copy(), xp.zeros_like(q)
    pole = (q <= 0) & (q == xp.floor(q))
    done = pole | ~xp.isfinite(total) | xp.isnan(q)
    i = 0
    while True:
        active = ~done & ((i < 9) | (a <= 9.0))
        if not active.any():
            break
        i += 1
        a = xp.where(active, a + 1.0, a)
        b = xp.where(active, a ** -s, b)
        total = xp.where(active, total + b, total)
        done = done | (active & (-_MACHEP * total < b) & (b < _MACHEP * total))
    w = a
    total = xp.where(done, total, total + b * w / (s - 1) - 0.5 * b)
    a, k = xp.ones_like(q), 0.0
    for coef in _ZETA_A:
        a = a * (s + k)
        b = b / w
        t = a * b / coef
        total = xp.where(done, total, total + t)
        done = done | (xp.abs(t / total) < _MACHEP)
        k += 1
        a = a * (s + k)
        b = b / w
        k += 1
    return xp.where(pole, math.inf, total)


def polygamma_array(n, x):
    """polygamma(n, x): digamma (n = 0), trigamma (n = 1), else (-1)^(n+1) n! zeta(n + 1, x) (PyTorch's)."""
    if n == 0:
        return digamma_array(x)
    if n == 1:
        return trigamma_array(x)
    return (1.0 if n % 2 else -1.0) * math.exp(math.lgamma(n + 1.0)) * zeta_array(n + 1.0, x)


# Giles' single-precision erfinv ("Approximating the erfinv function", GPU Computing Gems, 2011):
# a polynomial in w = -log(1 - y^2), one for w < 5 and one in sqrt(w) - 3 beyond; refined below.
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def erfinv_array(y):
    """erfinv: Giles' approximation (~1e-7 in float32's range), then five Newton steps on erf(x) = y
    (each squares the error); for |y| > 0.5 on log erfc(x) = log(1 - |y|) instead, which keeps its digits where erf(x)
    is within an ulp of 1 and is nearly linear there. +-inf at +-1, nan beyond."""
    xp = by_input
    ya = xp.abs(y)
    inside = ya < 1
    yc = xp.where(inside, ya, 0.0)
    w = -xp.log((1.0 - yc) * (1.0 + yc))  # (1 - y^2 written so that it keeps its digits near 1)
    central, tail = 0.0, 0.0
    for c in _GILES_CENTRAL:
        central = central * (w - 2.5) + c
    for c in _GILES_TAIL:
        tail = tail * (xp.sqrt(w) - 3.0) + c
    x = xp.where(w < 5, central, tail) * yc
    tail = yc > 0.5
    for _ in range(5):  # (from y = 1 - 1e-16, where the start is 12% off, four are needed)
        slope = (2 / math.sqrt(PI)) * xp.exp(-x * x)  # d erf(x)/dx
        erfc = erfc_array(xp.abs(x))
        central_step = (erf_array(x) - yc) / slope
        tail_step = (xp.log(erfc) - xp.log1p(-yc)) * erfc / slope  # Newton on log erfc(x) = log(1 - y)
        x = x - xp.where(tail, -tail_step, central_step)
    x = xp.where(inside, x, xp.where(ya == 1, math.inf, math.nan))
    return xp.copysign(x, y)


def erfc_full(x):
    """erfc for any x: erfc(-x) = 2 - erfc(x)."""
    out = erfc_array(by_input.abs(x))
    return by_input.where(x < 0, 2.0 - out, out)


def sinc_array(x):
    """sin(pi x) / (pi x), 1 at 0 (as PyTorch: pi x rounded first, no reduction)."""
    px = PI * by_input.where(x == 0, 1.0, x)
    return by_input.where(x == 0, 1.0, by_input.sin(px) / px)


KERNELS = {"lgamma": lgamma_array, "digamma": digamma_array, "erfinv": erfinv_array, "erfc": erfc_full,
           "sinc": sinc_array, "polygamma": polygamma_array}


def _zeta_constants(count=60):
    """zeta(2), ..., zeta(count + 1) for _lgamma_series (zeta(k) = hurwitz zeta(k, 1))."""
    return tuple(float(zeta_array(float(k), host.ones(1))[0]) for k in range(2, count + 2))


_ZETA = _zeta_constants()


# ------------------------------------------------------------------------------- the ops


class Lgamma(Function):
    rule = Rule("out = lgamma(a) = log|Gamma(a)|", ("d/da = digamma(a)",),
                "The gradient is the digamma function: negative below Gamma's minimum near 1.46, positive above.")

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _float64(lgamma_array, a)

    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _derivative(a, "digamma")

register("lgamma", Lgamma, inplace=True)


class Digamma(Function):
    rule = Rule("out = digamma(a) = d lgamma(a)/da", ("d/da = polygamma(1, a)",),
                "The gradient is the trigamma function, positive everywhere it is defined.")

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _float64(digamma_array, a)

    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _derivative(a, "polygamma", 1)

register("digamma", Digamma, inplace=True)


class Polygamma(Function):
    rule = Rule("out = polygamma(n, a)", ("d/da = polygamma(n + 1, a)",), "Each derivative is the next polygamma.")

    def forward(ctx, a, n):
        ctx.save_for_backward(a)
        ctx.n = n
        return _float64(lambda x: polygamma_array(n, x), a)

    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _derivative(a, "polygamma", ctx.n + 1)


def polygamma(n, input):
    """The n-th derivative of digamma at ``input`` (torch.polygamma(n, input); n = 0 is digamma)."""
    n = int_arg(n, "polygamma", "n")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n={n}")
    input = as_tensor(input)
    if input.dtype.kind == "b":
        raise DTypeError("polygamma: not implemented for bool tensors; convert with .float() first")
    return Polygamma.apply(input, n=n)


register("polygamma", polygamma, method=lambda self, n: polygamma(n, self), function=False, inplace=True)


class Erfinv(Function):
    rule = Rule("out = erfinv(a)", ("d/da = sqrt(pi)/2 * exp(out^2)",), "Steep near +-1, where erf is flat.")

    def forward(ctx, a):
        ctx.save_for_backward(a)  # (the input, as PyTorch: changing the output in place stays allowed)
        return _float64(erfinv_array, a)

    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        out = _derivative(a, "erfinv")
        return grad * (math.sqrt(PI) / 2) * ctx.xp.exp(out * out)

register("erfinv", Erfinv, inplace=True)


class Erfc(Function):
    rule = Rule("out = erfc(a) = 1 - erf(a)", ("d/da = -2/sqrt(pi) * exp(-a^2)",), "erf's gradient, negated.")

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _float64(erfc_full, a)

    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (-2 / math.sqrt(PI)) * ctx.xp.exp(-(a * a))

register("erfc", Erfc, inplace=True)


class Sinc(Function):
    rule = Rule("out = sin(pi a) / (pi a)", ("d/da = (cos(pi a) - out) / a,  0 at a = 0",),
                "Zero slope at 0; it oscillates and fades as |a| grows.")

    def forward(ctx, a):
        out = sinc_array(floating(a))  # (in the input's precision, as PyTorch: integers in float32)
        ctx.save_for_backward(a)
        return out

    def backward(ctx, grad):  # (cos(pi a) pi a - sin(pi a)) / (pi a^2), 0 at 0
        (a,) = ctx.saved_tensors
        xp = ctx.xp
        zero = a == 0
        safe = xp.where(zero, 1.0, a) if is_array(a) else a.masked_fill(zero, 1.0)
        slope = (xp.cos(PI * safe) * PI * safe - xp.sin(PI * safe)) / (PI * safe * safe)
        return grad * (xp.where(zero, 0.0, slope) if is_array(a) else slope.masked_fill(zero, 0.0))

register("sinc", Sinc, inplace=True)
