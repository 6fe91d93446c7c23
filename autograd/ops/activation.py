"""Activation functions: the fused primitives (step, GELU) and PyTorch's activations written
from primitives (their gradients come for free). nn.functional and the nn activation layers
call these.

Step is a Function because its gradient is zero by definition; GELU because numpy has no erf.
"""
import math

import numpy as np

from ..function import Function, Rule, register
from .math import where

def relu(input, inplace=False):
    """max(x, 0)."""
    return input.relu()


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0)


def sigmoid(input):
    """1 / (1 + e^-x)."""
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x."""
    return where(input > 0, input, input * negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (e^x - 1)."""
    negative = input <= 0  # (nan is not: it passes through, gradient and all, as in PyTorch)
    tail = where(negative, input, 0.0)  # no inf or nan in the branch that is not used
    return where(negative, (tail.exp() - 1) * alpha, input)


def selu(input, inplace=False):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return elu(input, alpha) * scale


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, linear where beta * x > threshold (PyTorch's form)."""
    bx = input * beta
    soft = bx.clamp(max=threshold).exp().log1p() / beta
    return where(bx > threshold, input, soft)


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish)."""
    return input * input.sigmoid()


def mish(input, inplace=False):
    return input * softplus(input).tanh()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val); the gradient is 1 strictly inside (0 at the bounds, as PyTorch)."""
    return where(input <= min_val, min_val, where(input >= max_val, max_val, input))  # (nan stays nan)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-input)


def _erf(x):
    """erf to float64 precision (~1e-14) for any x: Abramowitz & Stegun 7.1.26 is too coarse, so
    this uses the complementary-error-function continued fraction of Numerical Recipes (erfc Cheb.)."""
    z = np.abs(x)
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
    erfc = t * np.exp(-z * z + 0.5 * (coefs[0] + ty * d) - dd)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0)


class Gelu(Function):
    """GELU(x) = x * Phi(x), Phi the standard normal CDF; 'tanh' uses PyTorch's approximation."""

    rule = Rule("out = a * Phi(a)  (Phi: the standard normal CDF)", ("d/da = Phi(a) + a * phi(a)",),
                "GELU weighs its input by how likely a standard normal is to be below it.")

    def forward(ctx, x, approximate="none"):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
            return 0.5 * x * (1 + np.tanh(inner))
        return (x * 0.5 * (1 + _erf(x.astype(np.float64) / math.sqrt(2)))).astype(x.dtype)

    def backward(ctx, grad):  # d/dx x Phi(x) = Phi(x) + x phi(x)
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            th = np.tanh(k * (x + 0.044715 * x ** 3))
            return grad * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x))
        x64 = x.astype(np.float64)
        cdf = 0.5 * (1 + _erf(x64 / math.sqrt(2)))
        pdf = np.exp(-0.5 * x64 * x64) / math.sqrt(2 * math.pi)
        return grad * (cdf + x64 * pdf).astype(x.dtype)


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi = standard normal CDF); ``approximate='tanh'`` for the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(input, approximate=approximate)


class Step(Function):
    """Heaviside step: 1 where x > 0, else 0. Its derivative is 0 everywhere except at 0, where it
    does not exist; backward returns 0, so nothing below a step layer learns by gradient descent
    (that is why the perceptron rule, not backprop, trains it)."""

    rule = Rule("out = 1 if a > 0 else 0", ("d step(a)/da = 0",),
                "A step is flat on both sides: no gradient flows through it.")

    def forward(ctx, x):
        return (x > 0).astype(x.dtype if x.dtype.kind == "f" else np.float32)

    def backward(ctx, grad):  # zero almost everywhere
        return grad * 0


def step(input):
    """The textbook step (Heaviside) activation: 1 if x > 0 else 0, with zero gradient."""
    return Step.apply(input)


heaviside_step = step
