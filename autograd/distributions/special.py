"""The gamma family of special functions Dirichlet and Beta need, which the op table lacks:
lgamma (gradient digamma), digamma (gradient trigamma) and trigamma (whose gradient raises), each a
Function on float64 numpy arrays (cast back), accurate to about 1e-14 (relative, against scipy) for positive arguments.

    digamma(x) = d lgamma(x)/dx:  recurrence psi(x) = psi(x + 1) - 1/x, then the
                                  asymptotic series ln x - 1/(2x) - sum B_2k / (2k x^2k)
                                  (recurrence up to x >= 10, series to x^-14)
    trigamma(x) = d digamma(x)/dx:  psi1(x) = psi1(x + 1) + 1/x^2, then its series
Below zero, reflection: psi(1 - x) - psi(x) = pi cot(pi x); psi1(1 - x) + psi1(x) = pi^2 / sin^2(pi x).
"""
import math

from ..backend import host
from ..function import Function, Rule

_lgamma = host.vectorize(math.lgamma, otypes=[host.float64])


def _shifted(x, order):
    """Shift x up to >= 10 with the recurrence; returns (x + n, what the shift contributed)."""
    x = x.copy()
    acc = host.zeros_like(x)
    for _ in range(10):
        small = x < 10
        if not small.any():
            break
        acc = host.where(small, acc - (1 / x if order == 0 else -1 / (x * x)), acc)
        x = host.where(small, x + 1, x)
    return x, acc


def digamma_array(a):
    """psi(a) in float64 for any real a (nan at 0 and the negative integers, as -inf... see PyTorch)."""
    x = host.asarray(a, dtype=host.float64)
    with host.errstate(all="ignore"):
        neg = x < 0.5
        y = host.where(neg, 1 - x, x)
        y, acc = _shifted(y, 0)
        z = 1 / (y * y)
        tail = 1 / 132 - z * (691 / 32760 - z / 12)
        series = host.log(y) - 0.5 / y - z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z * tail))))
        out = acc + series
        out = host.where(neg, out - math.pi / host.tan(math.pi * x), out)
        out = host.where(x == 0, -host.inf, out)  # PyTorch: digamma(0) = -inf
        return host.where((x < 0) & (x == host.floor(x)), host.nan, out)


def trigamma_array(a):
    """psi1(a) in float64."""
    x = host.asarray(a, dtype=host.float64)
    with host.errstate(all="ignore"):
        neg = x < 0.5
        y = host.where(neg, 1 - x, x)
        y, acc = _shifted(y, 1)
        z = 1 / (y * y)
        tail = 5 / 66 - z * (691 / 2730 - z * 7 / 6)
        series = 1 / y + z / 2 + z / y * (1 / 6 - z * (1 / 30 - z * (1 / 42 - z * (1 / 30 - z * tail))))
        out = acc + series
        out = host.where(neg, -out + (math.pi / host.sin(math.pi * x)) ** 2, out)
        return host.where((x <= 0) & (x == host.floor(x)), host.inf, out)  # the poles


class Lgamma(Function):
    rule = Rule("out = ln|Gamma(a)|", ("d/da = digamma(a)",), "The log of the gamma function; its slope is digamma.")

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _lgamma(a).astype(a.dtype)

    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (Digamma.apply(a) if not isinstance(a, host.ndarray) else digamma_array(a).astype(a.dtype))


class Digamma(Function):
    rule = Rule("out = digamma(a)", ("d/da = trigamma(a)",), "The derivative of lgamma.")

    def forward(ctx, a):
        ctx.save_for_backward(a)
        return digamma_array(a).astype(a.dtype)

    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (Trigamma.apply(a) if not isinstance(a, host.ndarray) else trigamma_array(a).astype(a.dtype))


class Trigamma(Function):
    rule = Rule("out = trigamma(a)", ("not implemented",), "The derivative of digamma.")

    def forward(ctx, a):
        return trigamma_array(a).astype(a.dtype)

    def backward(ctx, grad):
        raise RuntimeError("trigamma: its derivative (the third derivative of lgamma) is not implemented in seegrad")


def lgamma(a):
    return Lgamma.apply(a)


def digamma(a):
    return Digamma.apply(a)
