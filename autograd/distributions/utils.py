"""What the distributions share: broadcasting their parameters, probabilities <-> logits, lazy
parameters, and the two primitives torch.distributions needs that the op table lacks (the
Cholesky factor and erfinv, each a Function with its gradient).

Random draws come from ``ag.randn``/``ag.rand``/``Tensor.uniform_``, i.e. from ag's global generator
(``ag.manual_seed``), like every other random op of the project.
"""
import math
import numbers

from .. import creation
from ..backend import host
from ..function import Function, Rule
from ..graph import enable_grad
from ..ops.elementwise import erf_array
from ..ops.layout import broadcast_tensors
from ..tensor import Tensor

_Number = (numbers.Number,)


def broadcast_all(*values):
    """The values as tensors of one broadcast shape: numbers become tensors of the first tensor's
    dtype and device (the default dtype when all are numbers)."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or objects implementing "
                         "__torch_function__.")
    first = next((v for v in values if isinstance(v, Tensor)), None)
    options = {} if first is None else {"dtype": first.dtype, "device": first.device}
    tensors = [v if isinstance(v, Tensor) else creation.tensor(float(v), **options) for v in values]
    return broadcast_tensors(*tensors)


def shown(x):
    """How PyTorch's f-strings show a parameter: a 0-d tensor as its number, others as tensors."""
    return x.item() if isinstance(x, Tensor) and x.dim() == 0 else x


def finfo(dtype):
    """numpy's finfo of a tensor's floating dtype (eps, tiny, min)."""
    return host.finfo(dtype)


def clamp_probs(probs):
    """Probabilities clamped into [eps, 1 - eps] of their dtype (so their logits are finite)."""
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log p (the last dim's events), or the log-odds log p - log(1 - p) when ``is_binary``."""
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits, is_binary=False):
    """sigmoid(logits) when ``is_binary``, else softmax over the last dim."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def softplus(x):
    """log(1 + e^x), stable for any x, gradient sigmoid(x) (also at x = 0)."""
    return x.logaddexp(creation.zeros_like(x))


def sum_rightmost(value, dim):
    """Sum over the ``dim`` rightmost dims (Independent's log_prob and entropy)."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def standard_normal(shape, like):
    """N(0, 1) draws of ``shape`` in ``like``'s dtype and device (torch's _standard_normal: normal_)."""
    return creation.randn(tuple(shape), dtype=like.dtype, device=like.device)


class lazy_property:
    """A parameter computed on first use, then kept on the instance (Bernoulli's logits from its
    probs); computed with grad on, so it stays connected to the parameter it comes from."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class Cholesky(Function):
    """torch.linalg.cholesky: L lower triangular with A = L L^T, for batches of symmetric
    positive-definite matrices. The forward is numpy's; the gradient is PyTorch's."""

    rule = Rule("A = L L^T", ("dA = L^-T Phi(L^T dL) L^-1, Phi: the symmetric part, diagonal halved",),
                "The factor's gradient, pulled back through A = L L^T and made symmetric.")

    def forward(ctx, a):
        if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
            raise ValueError(f"linalg.cholesky: A must be batches of square matrices, but they are {a.shape[-2:]}")
        try:
            out = ctx.xp.linalg.cholesky(a)
        except ctx.xp.linalg.LinAlgError:
            raise ValueError("linalg.cholesky: The factorization could not be completed because the input is not "
                             "positive-definite.") from None
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):  # PyTorch's cholesky_backward
        (L,) = ctx.saved_tensors
        if isinstance(L, Tensor):
            from ..linalg import solve  # noqa: PLC0415

            g = (L.mT @ grad).tril()
            g = 0.5 * (g + g.tril(-1).mT)
            g = solve(L.mT, g)  # L^-T g
            return solve(L.mT, g.mT).mT  # ... L^-1
        xp = ctx.xp
        Lt = xp.swapaxes(L, -1, -2)
        g = xp.tril(Lt @ grad)
        g = 0.5 * (g + xp.swapaxes(xp.tril(g, -1), -1, -2))
        g = xp.linalg.solve(Lt, g)  # L^-T g
        return xp.swapaxes(xp.linalg.solve(Lt, xp.swapaxes(g, -1, -2)), -1, -2)  # ... L^-1


def cholesky(a):
    """The lower Cholesky factor of ``a`` (differentiable; numpy's factorisation)."""
    return Cholesky.apply(a)


def _erfinv_start(y):
    """Giles' single-precision approximation of erfinv (about 4e-7 relative), Newton's start."""
    w = -host.log((1.0 - y) * (1.0 + y))
    small = w < 5.0
    ws = w - 2.5
    p_small = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
              0.246640727, 1.50140941):
        p_small = c + p_small * ws
    wl = host.sqrt(host.maximum(w, 5.0)) - 3.0
    p_large = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
              1.00167406, 2.83297682):
        p_large = c + p_large * wl
    return host.where(small, p_small, p_large) * y


class Erfinv(Function):
    """torch.erfinv: x with erf(x) = y on (-1, 1), +-inf at +-1, nan outside."""

    rule = Rule("out = erfinv(a)", ("d/da = sqrt(pi)/2 * exp(out^2)",), "The inverse's slope: 1 / erf'(out).")

    def forward(ctx, a):
        y = host.asarray(a, dtype=host.float64)
        with host.errstate(all="ignore"):
            x = _erfinv_start(y)
            for _ in range(3):  # Newton on erf(x) = y: the start's 4e-7 becomes float64's precision
                x = x - (erf_array(x) - y) / (2 / math.sqrt(math.pi) * host.exp(-x * x))
            x = host.where(host.abs(y) == 1, host.copysign(host.inf, y), x)
            x = host.where(host.abs(y) > 1, host.nan, x)
        out = x.astype(a.dtype)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if isinstance(out, Tensor):
            return grad * (math.sqrt(math.pi) / 2) * (out * out).exp()
        with host.errstate(invalid="ignore", over="ignore"):  # at +-1: inf slope (nan times a zero grad, as PyTorch)
            return grad * (math.sqrt(math.pi) / 2) * ctx.xp.exp(out * out)


def erfinv(a):
    """The inverse error function of ``a`` (differentiable)."""
    return Erfinv.apply(a)
