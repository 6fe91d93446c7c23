"""Activation functions: the fused primitives (step, GELU) and PyTorch's activations written
from primitives (their gradients come for free). nn.functional and the nn activation layers
call these.

Step is a Function because its gradient is zero by definition; GELU because numpy has no erf.
"""
import math

from ..backend import by_input, host

from ..function import Function, Rule, register
from ..tensor import Tensor
from .math import where
from .args import ArgumentError
from .promote import DTypeError
from .elementwise import erf_array

def _result(input, compute, inplace):
    """``compute(input)``, or with inplace=True written into ``input`` (as PyTorch's F.<act>(x,
    inplace=True)); then the graph reads a copy of the input, whose values the write replaces."""
    if not inplace:
        return compute(input)
    return input.copy_(compute(input.clone() if input.requires_grad else input))


def relu(input, inplace=False):
    """max(x, 0)."""
    return input.relu_() if inplace else input.relu()


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def sigmoid(input):
    """1 / (1 + e^-x)."""
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x."""
    return _result(input, lambda x: where(x > 0, x, x * negative_slope), inplace)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (e^x - 1)."""
    def compute(x):
        negative = x < 0  # (nan is not: it passes through, gradient and all, as in PyTorch)
        tail = where(negative, x, 0.0)  # no inf or nan in the branch that is not used
        # at 0 itself: slope alpha (PyTorch's x <= 0 branch) and, as PyTorch's double backward, no curvature
        return where(negative, (tail.exp() - 1) * alpha, where(x == 0, x * alpha, x))

    return _result(input, compute, inplace)


def selu(input, inplace=False):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return _result(input, lambda x: elu(x, alpha) * scale, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, linear where beta * x > threshold (PyTorch's form)."""
    bx = input * beta
    soft = where(bx > threshold, threshold, bx).exp().log1p() / beta  # (not clamp: a nan passes with its gradient)
    return where(bx > threshold, input, soft)


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish)."""
    return _result(input, lambda x: x * x.sigmoid(), inplace)


def mish(input, inplace=False):
    return _result(input, lambda x: x * softplus(x).tanh(), inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val); the gradient is 1 strictly inside (0 at the bounds, as PyTorch)."""
    # (nan stays nan)
    return _result(input, lambda x: where(x <= min_val, min_val, where(x >= max_val, max_val, x)), inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between (gradient 1/6 strictly inside)."""
    return _result(input, lambda x: where(x <= -3, 0.0, where(x >= 3, 1.0, x / 6 + 0.5)), inplace)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6 (MobileNetV3): 0 below -3, x above 3, x (x + 3) / 6 between."""
    return _result(input, lambda x: x * (x + 3).clamp(0.0, 6.0) / 6, inplace)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)): ELU with its slope kept at 1 through 0."""
    if alpha == 0:
        raise ArgumentError("celu: alpha cannot be 0 (it divides x); use a nonzero alpha (1.0 by default)")
    # (at 0: slope 1 and, as PyTorch's double backward, no curvature: the linear branch)
    return _result(input, lambda x: where(x >= 0, x, ((x / alpha).clamp(max=0).exp() - 1) * alpha), inplace)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-input)


# PyTorch's in-place functional variants (F.relu_(x) is F.relu(x, inplace=True)): the result is written into x

def relu_(input):
    return relu(input, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def selu_(input):
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def _shrink_check(name, input):
    """PyTorch's checks of hardshrink and softshrink: a floating input (its kernels have no integer version)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dtype.kind != "f":
        raise DTypeError(f"{name}: not implemented for {input.dtype} input; use a floating-point input (.float())")


@register("hardshrink")
def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0 (the gradient 1 outside [-lambd, lambd], 0 inside; nan passes)."""
    _shrink_check("hardshrink", input)
    return where((input >= -lambd) & (input <= lambd), 0.0, input)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between (nan passes). lambd must be >= 0, as PyTorch:
    a negative one would make the three pieces overlap."""
    _shrink_check("softshrink", input)
    if not lambd >= 0 or lambd > host.finfo(input.dtype).max:
        raise ArgumentError(f"softshrink: lambda must be in range [0, {float(host.finfo(input.dtype).max):g}] for "
                            f"input dtype {input.dtype}, but found {lambd}")
    inside = (input >= -lambd) & (input <= lambd)
    return where(inside, input * 0, where(input > lambd, input - lambd, input + lambd))  # (-0.0 as PyTorch's)


class Gelu(Function):
    """GELU(x) = x * Phi(x), Phi the standard normal CDF; 'tanh' uses PyTorch's approximation."""

    rule = Rule("out = a * Phi(a)  (Phi: the standard normal CDF)", ("d/da = Phi(a) + a * phi(a)",),
                "GELU weighs its input by how likely a standard normal is to be below it.")

    def forward(ctx, x, approximate="none"):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
            return 0.5 * x * (1 + ctx.xp.tanh(inner))
        return (x * 0.5 * (1 + erf_array(x.astype(host.float64) / math.sqrt(2)))).astype(x.dtype)

    def backward(ctx, grad):  # d/dx x Phi(x) = Phi(x) + x phi(x)
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            th = ctx.xp.tanh(k * (x + 0.044715 * x ** 3))
            return grad * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x))
        if isinstance(x, Tensor):  # create_graph: the same formula, on Tensors (differentiable again)
            return grad * (0.5 * (1 + (x / math.sqrt(2)).erf()) + x * (-0.5 * x * x).exp() / math.sqrt(2 * math.pi))
        x64 = x.astype(host.float64)
        cdf = 0.5 * (1 + erf_array(x64 / math.sqrt(2)))
        pdf = by_input.exp(-0.5 * x64 * x64) / math.sqrt(2 * math.pi)
        return grad * (cdf + x64 * pdf).astype(x.dtype)


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi = standard normal CDF); ``approximate='tanh'`` for the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(input, approximate=approximate)


class Step(Function):
    """The textbook step: 1 where x >= 0, else 0. Its derivative is 0 everywhere except at 0, where
    it does not exist; backward returns 0, so nothing below a step layer learns by gradient descent
    (that is why the perceptron rule, not backprop, trains it). Works on Tensors and on Values."""

    rule = Rule("out = 1 if a >= 0 else 0", ("d step(a)/da = 0",),
                "A step is flat on both sides: no gradient flows through it.")

    def forward(ctx, x):
        if not hasattr(x, "dtype"):  # a Value's float
            return 1.0 if x >= 0 else 0.0
        return (x >= 0).astype(x.dtype if x.dtype.kind == "f" else host.float32)

    def backward(ctx, grad):  # zero almost everywhere
        return grad * 0

register("step", Step, method=False, function=False, scalar=True)  # Value.step(); tensors: F.step


def step(input):
    """The textbook step activation: 1 if x >= 0 else 0 (so step(0) = 1), with zero gradient.
    ``ag.heaviside(x, values)`` is PyTorch's version, which lets you choose the value at 0."""
    return Step.apply(input)


heaviside_step = step


class Heaviside(Function):
    """torch.heaviside: 0 where x < 0, ``values`` where x == 0, 1 where x > 0 (NaN gives 0)."""

    rule = Rule("out = 0 if a < 0, values if a == 0, 1 if a > 0", ("d heaviside/da: not defined",),
                "PyTorch defines no derivative for heaviside; use the step (zero gradient) to train through it.")

    def forward(ctx, x, values):
        if x.dtype != values.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes "
                            f"(input {x.dtype}, values {values.dtype}); cast one to the other's dtype")
        return ctx.xp.where(x == 0, values, (x > 0).astype(x.dtype))

    def backward(ctx, grad):
        raise RuntimeError("heaviside: the derivative for heaviside is not implemented (as in PyTorch); "
                           "use F.step / nn.Step, whose gradient is 0, to backpropagate through a step")


def heaviside(input, values):
    """PyTorch's ``torch.heaviside(input, values)``: 0 for x < 0, ``values`` at x == 0, 1 for x > 0.
    ``values`` must be a tensor of the same dtype that broadcasts with ``input``. The textbook step
    (1 at 0) is ``F.step(x)``, the same as ``ag.heaviside(x, ag.tensor(1.0))``."""
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    return Heaviside.apply(input, values)

register("heaviside", heaviside)
